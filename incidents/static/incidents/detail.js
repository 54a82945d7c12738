// The incident page: a running clock since the call, the map of the incident with the
// recommended and assigned units, risk sources, permits and alarms near it, the search for any
// available unit, and the dispatcher's keys (Alt+D dispatch, Alt+F find a unit).
// Popups and labels use textContent: user text is never parsed as HTML.
import * as basemap from "../core/basemap.js";
import { getJSON } from "../core/ui_text.js";
import * as stream from "../stream/stream.js";
import { ALARM_ANY, RELEASE_LINKED, RESOURCE_ANY } from "../stream/event_types.js";

// The map's units are drawn once the map exists; a unit search before then draws nothing.
let drawUnits = null;

function init() {
  // ---- running clocks ---------------------------------------------------------------------
  function pad(n) { return String(n).padStart(2, "0"); }
  function tick() {
    document.querySelectorAll("[data-timer-since]").forEach((el) => {
      const since = Date.parse(el.dataset.timerSince);
      if (Number.isNaN(since)) return;
      const s = Math.max(0, Math.floor((Date.now() - since) / 1000));
      const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      el.textContent = (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s % 60);
    });
  }
  tick();
  setInterval(tick, 1000);

  // ---- any available unit -----------------------------------------------------------------
  const search = document.getElementById("unit-search-input");
  const results = document.getElementById("unit-search-results");
  let timer = null;
  async function runSearch() {
    if (!search || !results) return;
    const response = await fetch(search.dataset.url + "&q=" + encodeURIComponent(search.value),
      { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
    if (!response.ok) return;
    // Units ticked from an earlier search stay listed and ticked: a new search adds to the choice.
    const keep = Array.from(results.querySelectorAll("tr[data-resource]")).filter((tr) => tr.querySelector("input:checked"));
    results.innerHTML = await response.text(); // server-rendered, escaped by the template engine
    const body = results.querySelector("tbody");
    keep.forEach((tr) => {
      const again = results.querySelector(`tr[data-resource="${CSS.escape(tr.dataset.resource)}"]`);
      if (again) again.querySelector("input[type=checkbox]").checked = true;
      else if (body) body.prepend(tr);
    });
    results.dataset.query = search.value;
    if (drawUnits) drawUnits();
  }
  const searchForm = document.getElementById("unit-search-form");
  if (searchForm) {
    // 查找 searches in place: a page load would clear the dispatcher's ticks.
    searchForm.addEventListener("submit", (ev) => { ev.preventDefault(); clearTimeout(timer); runSearch(); });
  }
  if (search) {
    search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(runSearch, 200); });
    search.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") { ev.preventDefault(); clearTimeout(timer); runSearch(); }
    });
  }
  const mix = document.getElementById("select-mix");
  if (mix) {
    mix.hidden = false;
    mix.addEventListener("click", () => {
      document.querySelectorAll("#recommendations input[data-recommended]").forEach((c) => { c.checked = true; });
    });
  }

  // ---- keys -------------------------------------------------------------------------------
  document.addEventListener("keydown", (ev) => {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const key = ev.key.toLowerCase();
    if (key === "f" && search) { ev.preventDefault(); search.focus(); search.select(); }
    if (key === "d") {
      const form = document.getElementById("dispatch-form");
      if (!form) return;
      ev.preventDefault();
      if (form.querySelector("input[name=resources]:checked")) form.requestSubmit(document.getElementById("dispatch-button"));
      else { const first = form.querySelector("input[name=resources]"); if (first) first.focus(); }
    }
  });

  // ---- the map ----------------------------------------------------------------------------
  const mapEl = document.getElementById("incident-map");
  if (!mapEl) return;
  const here = [Number(mapEl.dataset.lat), Number(mapEl.dataset.lon)];
  const map = L.map(mapEl, { preferCanvas: false }).setView(here, 14);
  basemap.draw(map, mapEl.dataset.basemapUrl);
  basemap.tiles(map, mapEl.dataset.tiles, mapEl.dataset.tilesOffline);
  const layerUrl = (name) => mapEl.dataset.layerUrl.replace("LAYER", encodeURIComponent(name));
  const incident = L.circleMarker(here, { radius: 11, color: "#fff", weight: 3, fillColor: "#d7191c", fillOpacity: 1 })
    .addTo(map);
  incident.bindTooltip(mapEl.dataset.labelIncident);
  mapEl.dataset.incidentMarker = "1";

  function label(title, rows) {
    const box = document.createElement("div");
    const strong = document.createElement("strong");
    strong.textContent = title || "";
    box.appendChild(strong);
    rows.filter((r) => r[1] !== null && r[1] !== undefined && r[1] !== "").forEach(([k, v]) => {
      const line = document.createElement("div");
      line.textContent = (k ? k + ": " : "") + v;
      box.appendChild(line);
    });
    return box;
  }

  // Recommended and assigned units: read from the server-rendered tables, so map and lists agree.
  const units = L.layerGroup().addTo(map);
  function rowsOf(selector) {
    return Array.from(document.querySelectorAll(selector)).map((tr) => ({
      id: tr.dataset.resource || tr.dataset.resourceId, name: tr.dataset.name,
      lat: Number(tr.dataset.lat), lon: Number(tr.dataset.lon),
    })).filter((u) => Number.isFinite(u.lat) && Number.isFinite(u.lon) && u.id);
  }
  drawUnits = () => {
    units.clearLayers();
    const shown = new Set();
    const draw = (u, colour, what, radius) => {
      if (shown.has(u.id)) return;
      shown.add(u.id);
      const m = L.circleMarker([u.lat, u.lon], { radius, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1 });
      m.bindPopup(label(u.name, [["", what]]));
      m.options.unitId = u.id;
      m.options.role = what;
      units.addLayer(m);
    };
    rowsOf("#assignments tr[data-resource-id][data-active='1']").forEach((u) => { draw(u, "#b2182b", mapEl.dataset.labelAssigned, 9); });
    rowsOf("#recommendations tr[data-resource]").forEach((u) => { draw(u, "#2166ac", mapEl.dataset.labelRecommended, 8); });
    rowsOf("#unit-search-results tr[data-resource]").forEach((u) => { draw(u, "#4393c3", "", 6); });
    mapEl.dataset.unitMarkers = String(shown.size);
  }
  drawUnits();
  document.addEventListener("live:refreshed", drawUnits);

  // Everything else near the incident, from the common layer API (RFC 7946, bbox-filtered).
  const wordsEl = document.getElementById("unit-status-labels");
  const statusWords = wordsEl ? JSON.parse(wordsEl.textContent) : {};
  const span = 0.05;
  const bbox = [here[1] - span, here[0] - span, here[1] + span, here[0] + span].map((v) => v.toFixed(5)).join(",");
  const context = {};
  const incidentId = document.querySelector(".incident-detail")?.dataset ? document.querySelector(".incident-detail").dataset.incident : "";
  const ZONE_COLOURS = { 3: "#7f0000", 2: "#d7301f", 1: "#fc8d59" };
  const CONTEXT = {
    resources: { style: (p) => ({ radius: 4, color: "#fff", weight: 1, fillColor: p.status === "available" ? "#1a9850" : "#8c8c8c", fillOpacity: 0.9 }),
                 popup: (p) => label(p.name, [["", statusWords[p.status] || p.status], ["", p.agency]]) },
    "risk-sources": { style: () => ({ radius: 7, color: "#b2182b", weight: 2, fillColor: "#ef8a62", fillOpacity: 0.6 }),
                      popup: (p) => label(p.name, [["", p.enterprise], ["", p.installation]]) },
    "work-permits": { style: () => ({ radius: 6, color: "#fff", weight: 1.5, fillColor: "#e66101", fillOpacity: 0.9 }),
                      popup: (p) => label(p.place || p.kind, [["", p.enterprise], ["", p.kind], ["", p.valid_to]]) },
    // The zones of releases modelled for this incident (issue 22, point 2), whatever their reach:
    // asked by incident, not by the box around it. A drill's zone is the exercise magenta, dashed.
    "threat-zones": { query: () => "incident=" + encodeURIComponent(incidentId),
                      style: (p) => (p.exercise ? { color: "#b3007d", weight: 3, dashArray: "8 6", fillColor: "#b3007d", fillOpacity: 0.08 }
                        : { color: ZONE_COLOURS[(p.level || "").slice(-1)] || "#d7191c", weight: 2, fillOpacity: 0.25 }),
                      popup: (p) => label((p.exercise ? "演练 / EXERCISE · " : "") + p.level + " · " + p.chemical,
                        [["", p.threshold_ppm + " ppm"], ["", Math.round(p.distance_m) + " m"]]) },
    "monitoring-points": { filter: (p) => p.state && p.state !== "normal",
                           style: () => ({ radius: 7, color: "#fff", weight: 2, fillColor: "#d01c8b", fillOpacity: 1 }),
                           popup: (p) => label(p.name || p.code, [["", p.state], ["", p.value], ["", p.unit],
                                                                 ["", p.risk_source_code]]) },
  };
  async function loadContext(name) {
    const def = CONTEXT[name];
    const fc = await getJSON(`${layerUrl(name)}?${def.query ? def.query() : `bbox=${bbox}`}`,
                             { accept: "application/geo+json, application/json" });
    if (!fc) return; // a layer this installation does not have, or offline

    if (context[name]) map.removeLayer(context[name]);
    context[name] = L.geoJSON(fc, {
      filter: (f) => !def.filter || def.filter(f.properties || {}),
      pointToLayer: (f, latlng) => L.circleMarker(latlng, def.style(f.properties || {})),
      style: (f) => Object.assign({ weight: 2 }, def.style(f.properties || {})),
      onEachFeature: (f, lyr) => lyr.bindPopup(def.popup(f.properties || {})),
    }).addTo(map);
    if (name === "threat-zones") {
      // Under the markers, above the base map: every zone is a polygon.
      context[name].bringToBack();
      if (fc.features?.length && !mapEl.dataset.zonesFitted) {
        mapEl.dataset.zonesFitted = "1";
        map.fitBounds(context[name].getBounds().pad(0.1));
      }
    } else {
      context[name].bringToBack();
    }
    mapEl.dataset["layer" + name.replace(/(^|-)(\w)/g, (_m, _d, c) => c.toUpperCase())] = String(fc.features ? fc.features.length : 0);
  }
  Object.keys(CONTEXT).forEach(loadContext);
  let again = null;
  const reload = (names) => () => {
    clearTimeout(again);
    again = setTimeout(() => { for (const name of names) loadContext(name); }, 300);
  };
  stream.on(RESOURCE_ANY, reload(["resources"]));
  stream.on(ALARM_ANY, reload(["monitoring-points"]));
  stream.on(RELEASE_LINKED, reload(["threat-zones", "resources"]));
}

init();
