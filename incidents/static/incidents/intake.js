// Intake: a running clock since the call; the location by an address picked from the
// district's gazetteer, a click on the map or typed coordinates; likely duplicates as soon as
// type and location are known. The map draws the district from its own GIS data (basemap.js).
import * as basemap from "../core/basemap.js";

const form = document.getElementById("intake-form");
const mapEl = document.getElementById("intake-map");
const dupBox = document.getElementById("duplicates");
const lon = form.querySelector("[name=lon]");
const lat = form.querySelector("[name=lat]");
const type = form.querySelector("[name=type]");
const address = form.querySelector("[name=address]");
const list = document.getElementById("place-suggestions");
let marker = null;
let map = null;

// ---- the clock since the call ---------------------------------------------------------
const clock = document.getElementById("intake-timer");
if (clock) {
  const since = Date.parse(clock.dataset.timerSince);
  const pad = (n) => String(n).padStart(2, "0");
  const tick = () => {
    const s = Math.max(0, Math.floor((Date.now() - since) / 1000));
    clock.textContent = Math.floor(s / 60) + ":" + pad(s % 60);
  };
  if (!Number.isNaN(since)) { tick(); setInterval(tick, 1000); }
}
// The cursor starts in the first field: the call-taker types at once.
if (type && !form.querySelector(".errorlist")) type.focus();

// ---- the map --------------------------------------------------------------------------
if (mapEl) {
  const [clat, clon] = mapEl.dataset.center.split(",").map(Number);
  map = L.map(mapEl).setView([clat, clon], 11);
  basemap.draw(map, mapEl.dataset.basemapUrl).then((layer) => {
    if (!layer) return;
    layer.eachLayer((l) => {
      if (l.feature && l.feature.properties.layer === "boundary") boundary.push(l.feature.geometry);
    });
    checkOutside();
  });
  basemap.tiles(map, mapEl.dataset.tiles, mapEl.dataset.tilesOffline);
  map.on("click", (ev) => {
    lon.value = ev.latlng.lng.toFixed(6);
    lat.value = ev.latlng.lat.toFixed(6);
    place();
    checkDuplicates();
  });
}

// ---- outside the district: said at once, before the server refuses it -----------------
const boundary = [];
const outsideBox = form.querySelector("[name=outside_district]");
const outsideNote = document.getElementById("outside-note");
function inRing(x, y, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
function inDistrict(x, y) {
  return boundary.some((g) => {
    const polygons = g.type === "MultiPolygon" ? g.coordinates : g.type === "Polygon" ? [g.coordinates] : [];
    return polygons.some((rings) => inRing(x, y, rings[0]) && !rings.slice(1).some((hole) => inRing(x, y, hole)));
  });
}
function checkOutside() {
  if (!outsideNote) return;
  const x = Number(lon.value), y = Number(lat.value);
  const known = boundary.length && lon.value !== "" && lat.value !== "" && Number.isFinite(x) && Number.isFinite(y);
  const outside = known && !inDistrict(x, y);
  outsideNote.hidden = !outside;
  form.dataset.outside = outside ? "1" : "0";
  if (outside && outsideBox) outsideBox.closest("label").classList.add("attention");
}

function place(zoom) {
  checkOutside();
  const x = Number(lon.value), y = Number(lat.value);
  if (!map || !Number.isFinite(x) || !Number.isFinite(y) || lon.value === "" || lat.value === "") return;
  if (marker) marker.setLatLng([y, x]); else marker = L.marker([y, x]).addTo(map);
  if (zoom) map.setView([y, x], Math.max(map.getZoom(), 15));
}

// ---- address search over the gazetteer -------------------------------------------------
let results = [];
let active = -1;
let searchTimer = null;
let asked = "";

function close() { list.hidden = true; active = -1; address.setAttribute("aria-expanded", "false"); }
function highlight(i) {
  active = i;
  Array.from(list.children).forEach((li, n) => { li.setAttribute("aria-selected", n === i ? "true" : "false"); });
}
function pick(i) {
  const p = results[i];
  if (!p) return;
  const typed = address.value.trim();
  // "新城大道88号" picks 新城大道 and keeps the house number the caller gave.
  if (!typed.includes(p.name)) address.value = (p.town && !p.name.startsWith(p.town) ? p.town + " " : "") + p.name;
  lon.value = p.location.coordinates[0].toFixed(6);
  lat.value = p.location.coordinates[1].toFixed(6);
  address.dataset.placeId = p.id;
  close();
  place(true);
  checkDuplicates();
}
async function search() {
  const q = address.value.trim();
  if (!q || q === asked) { if (!q) close(); return; }
  asked = q;
  const response = await fetch(list.dataset.url + "?limit=8&q=" + encodeURIComponent(q), { credentials: "same-origin" });
  if (!response.ok || address.value.trim() !== q) return;
  results = await response.json();
  list.replaceChildren(...results.map((p, i) => {
    const li = document.createElement("li");
    li.setAttribute("role", "option");
    li.dataset.place = p.id;
    li.textContent = p.name; // text, never HTML
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = [p.kind_label, p.town].filter(Boolean).join(" · ");
    li.appendChild(kind);
    li.addEventListener("mousedown", (ev) => { ev.preventDefault(); pick(i); });
    return li;
  }));
  list.hidden = results.length === 0;
  address.setAttribute("aria-expanded", results.length ? "true" : "false");
  highlight(results.length ? 0 : -1);
}
if (address && list) {
  address.addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(search, 150); });
  address.addEventListener("keydown", (ev) => {
    if (list.hidden) return;
    if (ev.key === "ArrowDown") { ev.preventDefault(); highlight(Math.min(active + 1, results.length - 1)); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(Math.max(active - 1, 0)); }
    else if (ev.key === "Enter") { ev.preventDefault(); pick(Math.max(active , 0)); }
    else if (ev.key === "Escape") { close(); }
  });
  address.addEventListener("blur", () => setTimeout(close, 150));
}

// ---- likely duplicates ----------------------------------------------------------------
let timer = null;
function checkDuplicates() {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    if (!type.value || !lon.value || !lat.value) { dupBox.innerHTML = ""; return; }
    const params = new URLSearchParams({ type: type.value, lon: lon.value, lat: lat.value });
    const response = await fetch(dupBox.dataset.url + "?" + params, { credentials: "same-origin" });
    if (response.ok) dupBox.innerHTML = await response.text(); // server-rendered, escaped
  }, 250);
}

[lon, lat].forEach((el) => { el.addEventListener("input", () => { place(); checkDuplicates(); }); });
type.addEventListener("change", checkDuplicates);
place();
checkDuplicates();

// "Same incident": carry what the duty officer typed about the caller onto that timeline.
dupBox.addEventListener("submit", (ev) => {
  const f = ev.target;
  ["caller_name", "caller_phone", "description"].forEach((name) => {
    const target = f.querySelector(".copy-" + name);
    const source = form.querySelector("[name=" + name + "]");
    if (target && source) target.value = source.value;
  });
});
