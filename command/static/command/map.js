// The console map: GeoJSON layers from /api/v1/layers/<name>/ for the visible bbox, a layer
// switcher with legends, popups built with textContent (user text is never parsed as HTML),
// live refresh from the event stream, and the toxic-release form. No inline scripts (CSP).
//
// The layers are the registry's (core.layers): the page lists those this user may read, each
// with its legend, the stream events that refetch it and the ES module that draws it. That
// module (e.g. incidents/map_layers.js) exports `layers[name](kit)` returning how to draw the
// layer's features: { point(p), style(p), popup(p), label(p), interactive, stack, poll, reveal }.
// A layer without a module is drawn plainly. Nothing here knows any app's layers.
import * as basemap from "../core/basemap.js";
import * as stream from "../stream/stream.js";
import { EXERCISE, getJSON } from "../core/ui_text.js";

const mapEl = document.getElementById("map");
if (mapEl && typeof L !== "undefined") init();

function init() {
  const config = JSON.parse(document.getElementById(mapEl.dataset.mapConfig).textContent);
  const t = JSON.parse(document.getElementById(mapEl.dataset.i18n).textContent);
  const layerUrl = (name) => mapEl.dataset.layerUrl.replace("LAYER", encodeURIComponent(name));

  // ---- colours, from the server-rendered legend so legend and map always agree ----------
  const colours = {};
  for (const item of document.querySelectorAll("[data-layer-item]")) {
    const name = item.dataset.layerItem;
    colours[name] = {};
    for (const row of item.querySelectorAll("[data-legend-value]")) {
      colours[name][row.dataset.legendValue] = row.dataset.colour;
      const swatch = row.querySelector(".swatch");
      if (swatch) swatch.style.background = row.dataset.colour;
    }
  }
  const colour = (layer, value, fallback) => colours[layer]?.[value == null ? "" : String(value)] || fallback || "#555";

  // ---- base map: the district from its own GIS data, tiles (optional) on top ---------------
  const map = L.map(mapEl, { center: config.center, zoom: config.zoom, minZoom: config.min_zoom,
                             maxZoom: config.max_zoom, preferCanvas: true });
  window.commandMap = map; // a handle for the browser tests (no script reads it)
  basemap.draw(map, mapEl.dataset.basemapUrl);
  basemap.tiles(map, config.tile_url, t.tiles_offline, { attribution: config.attribution, maxZoom: config.max_zoom });

  // ---- popups --------------------------------------------------------------------------
  function popup(title, rows, link) {
    const box = document.createElement("div");
    box.className = "map-popup";
    const h = document.createElement("strong");
    h.textContent = title == null ? "" : String(title);
    box.appendChild(h);
    const dl = document.createElement("dl");
    for (const [label, value] of rows) {
      if (value === null || value === undefined || value === "") continue;
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = String(value);
      dl.append(dt, dd);
    }
    box.appendChild(dl);
    // Only same-origin paths become links: a stored value can never inject a javascript: URL.
    if (link?.href?.startsWith("/")) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      box.appendChild(a);
    }
    return box;
  }

  // Names in the page's language: the English name on an English page where there is one.
  const english = (document.documentElement.lang || "").startsWith("en");
  const named = (zh, en) => (english && en ? en : zh);
  const word = (group, code) => config.labels?.[group]?.[code] || code;

  // An ISO timestamp as local date and time; anything else is shown as it came (as text).
  const when = (iso) => {
    if (!iso) return null;
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString(document.documentElement.lang || undefined);
  };
  const circle = (c, r) => ({ radius: r || 6, color: "#fff", weight: 1.5, fillColor: c, fillOpacity: 0.95 });

  // ---- the layers' drawing modules (registered by their apps), loaded once each ------------
  const kit = { map, mapEl, t, popup, named, word, when, circle, EXERCISE, getJSON };
  const defs = {};
  const modules = {};
  const ready = Promise.all(config.layers.map(async (layer) => {
    defs[layer.name] = {}; // drawn plainly until (or unless) its module says how
    if (!layer.script) return;
    modules[layer.script] ??= import(layer.script);
    try {
      const factory = (await modules[layer.script]).layers?.[layer.name];
      if (factory) defs[layer.name] = factory({ ...kit, colour: (value, fallback) => colour(layer.name, value, fallback) });
    } catch (err) {
      console.error(`map layer ${layer.name}: its module ${layer.script} failed`, err);
    }
  }));

  const groups = {};
  window.commandMapLayers = groups; // for the browser tests
  const controllers = {};
  const counts = {};
  function ensureGroup(name) {
    if (!groups[name]) groups[name] = L.featureGroup();
    return groups[name];
  }

  function bboxParam() {
    const b = map.getBounds().pad(0.2);
    const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
            clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)].map((v) => v.toFixed(5)).join(",");
  }

  async function refresh(name) {
    const box = document.querySelector(`[data-layer="${name}"]`);
    if (!box?.checked) return;
    controllers[name]?.abort();
    const ctrl = new AbortController();
    controllers[name] = ctrl;
    // null: aborted by a newer request, or offline: the stream will prompt another refresh.
    const data = await getJSON(`${layerUrl(name)}?bbox=${bboxParam()}`,
                               { signal: ctrl.signal, accept: "application/geo+json, application/json" });
    await ready;
    if (!data || ctrl.signal.aborted) return;
    const def = defs[name] || {};
    const group = ensureGroup(name);
    // A permanent label (a drill zone's 演练 / EXERCISE) outlives its layer in Leaflet 1.9 (its
    // element stays on the map even when closed): take the element away with the layer.
    group.eachLayer((l) => {
      const tip = l.getTooltip ? l.getTooltip() : null;
      if (!tip) return;
      const tipBox = tip.getElement ? tip.getElement() : null;
      l.unbindTooltip();
      if (tipBox) tipBox.remove();
    });
    group.clearLayers();
    L.geoJSON(data, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, def.point ? def.point(f.properties) : circle("#555")),
      style: (f) => (def.style ? def.style(f.properties) : {}),
      interactive: def.interactive !== false,
      onEachFeature: (f, layer) => {
        layer.feature.id = f.id;
        if (def.popup) layer.bindPopup(() => def.popup(f.properties));
        const text = def.label ? def.label(f.properties || {}) : null;
        if (text) {
          layer.bindTooltip(text, { permanent: true, direction: "center", className: "exercise-label" });
          layer.options.exerciseLabel = text;
        }
      },
    }).eachLayer((l) => group.addLayer(l));
    counts[name] = data.features.length;
    const count = document.querySelector(`[data-layer-count="${name}"]`);
    if (count) count.textContent = `(${data.features.length})`;
    mapEl.dataset[`loaded_${name.replace("-", "_")}`] = String(data.features.length);
    if (def.stack !== undefined) restack();
  }

  // Area layers (a module's `stack`) lie under the points, in a fixed order whichever loaded
  // last: the highest stack on top (threat zones), so a warning area drawn over a plume never
  // hides the plume's popup.
  function restack() {
    const areas = Object.keys(defs).filter((name) => defs[name].stack !== undefined);
    areas.sort((a, b) => defs[b].stack - defs[a].stack);
    for (const name of areas) if (groups[name] && map.hasLayer(groups[name])) groups[name].bringToBack();
  }

  function setVisible(name, on) {
    const group = ensureGroup(name);
    if (on) {
      group.addTo(map);
      refresh(name);
    } else {
      map.removeLayer(group);
    }
  }

  for (const box of document.querySelectorAll("[data-layer]")) {
    box.addEventListener("change", () => setVisible(box.dataset.layer, box.checked));
    if (box.checked) setVisible(box.dataset.layer, true);
  }

  // A layer whose features change without a stream event each (vehicles report every few
  // seconds) is polled while shown: its module's `poll` (ms).
  ready.then(() => {
    for (const [name, def] of Object.entries(defs)) if (def.poll) setInterval(() => refresh(name), def.poll);
  });

  let moveTimer = null;
  map.on("moveend", () => {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(() => { for (const layer of config.layers) refresh(layer.name); }, 250);
  });

  // ---- live updates: refetch the affected layer, coalescing bursts of events ------------
  const pending = new Set();
  let liveTimer = null;
  function refreshSoon(name) {
    pending.add(name);
    clearTimeout(liveTimer);
    liveTimer = setTimeout(() => {
      for (const n of pending) refresh(n);
      pending.clear();
    }, 300);
  }
  // Each layer's refresh events are its registration's (refresh_on). A module's `reveal` ticks
  // its layer when such an event arrives (a threat zone modelled on another console).
  for (const layer of config.layers) {
    for (const prefix of layer.refresh_on) {
      stream.on(prefix, () => {
        const box = document.querySelector(`[data-layer="${layer.name}"]`);
        if (defs[layer.name]?.reveal && box && !box.checked) {
          box.checked = true;
          setVisible(layer.name, true);
        }
        refreshSoon(layer.name);
      });
    }
  }

  // ---- the release form ----------------------------------------------------------------
  const form = document.getElementById("release-form");
  if (!form) return;
  const errorBox = document.getElementById("release-error");
  const resultBox = document.getElementById("release-result");
  let marker = null;

  function setPoint(lat, lng) {
    form.elements.lon.value = lng.toFixed(6);
    form.elements.lat.value = lat.toFixed(6);
    if (marker) marker.setLatLng([lat, lng]); else marker = L.marker([lat, lng]).addTo(map);
  }
  map.on("click", (ev) => setPoint(ev.latlng.lat, ev.latlng.lng));
  // A risk source brings its own chemical: one is chosen for the user, several must be chosen by
  // the user (an empty choice until then), none leaves the list as it was.
  const hint = document.getElementById("release-chemical-hint");
  const chemical = form.elements.chemical;
  let blank = null;
  function restrictChemicals(cas) {
    Array.from(chemical.options).forEach((o) => { o.disabled = cas.length > 1 && o.value !== "" && !cas.includes(o.value); });
    if (blank) { blank.remove(); blank = null; }
    hint.hidden = true;
    if (cas.length === 1) chemical.value = cas[0];
    else if (cas.length > 1) {
      blank = new Option("—", "", true, true);
      chemical.prepend(blank);
      chemical.value = "";
      hint.textContent = hint.dataset.several;
      hint.hidden = false;
      chemical.focus();
    }
  }
  form.elements.risk_source.addEventListener("change", () => {
    const opt = form.elements.risk_source.selectedOptions[0];
    if (opt?.dataset.lon) setPoint(Number(opt.dataset.lat), Number(opt.dataset.lon));
    restrictChemicals(opt?.dataset.chemicals ? opt.dataset.chemicals.split(",").filter(Boolean) : []);
  });
  chemical.addEventListener("change", () => { if (chemical.value) hint.hidden = true; });
  // An exercise incident's release is an exercise (the server says so too): the box follows.
  if (form.elements.exercise) {
    const followIncident = () => {
      const opt = form.elements.incident.selectedOptions[0];
      if (opt && opt.dataset.exercise === "1") form.elements.exercise.checked = true;
    };
    form.elements.incident.addEventListener("change", followIncident);
    followIncident();
  }

  function numberOrNull(value) {
    const v = String(value || "").trim();
    return v === "" ? null : Number(v);
  }

  function payload() {
    const f = form.elements;
    const body = { chemical: f.chemical.value, rate_kg_s: numberOrNull(f.rate_kg_s.value),
                   duration_s: numberOrNull(f.duration_s.value), wind_speed_ms: numberOrNull(f.wind_speed_ms.value),
                   wind_from_deg: numberOrNull(f.wind_from_deg.value), terrain: f.terrain.value };
    const lon = numberOrNull(f.lon.value), lat = numberOrNull(f.lat.value);
    if (lon !== null && lat !== null) body.location = { type: "Point", coordinates: [lon, lat] };
    if (f.risk_source.value) body.risk_source = Number(f.risk_source.value);
    if (f.incident.value) body.incident = Number(f.incident.value); // the incident's id, chosen by its number
    if (f.exercise?.checked) body.exercise = true; // 演练: labelled on the map, never counted
    // Neither wind field: the server takes the weather mast's latest wind (and says which, and when).
    if (f.use_mast?.checked) { delete body.wind_speed_ms; delete body.wind_from_deg; }
    const [mode, value] = f.sky.value.split(":");
    if (mode === "mast") { /* the mast's sky: nothing to send */ } else if (mode === "class") body.stability = value;
    else if (mode === "day") { body.daytime = true; body.insolation = value; }
    else { body.daytime = false; body.cloud_okta = Number(value); }
    return body;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function firstMessage(data) {
    if (!data) return t.failed;
    if (typeof data.detail === "string") return data.detail;
    for (const [key, value] of Object.entries(data)) {
      return key + ": " + (Array.isArray(value) ? value.join(" ") : String(value));
    }
    return t.failed;
  }

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function showResult(data) {
    resultBox.replaceChildren();
    if (data.exercise) resultBox.appendChild(el("p", EXERCISE, "exercise-banner"));
    resultBox.appendChild(el("h3", named(data.chemical.name, data.chemical.name_en) + " · " + t.stability + " " + data.stability));
    const ws = data.wind_source || { kind: "typed" };
    resultBox.appendChild(el("p", t.wind + ": " + data.wind_speed_ms + " m/s · " + data.wind_from_deg + "° · "
      + (ws.kind === "mast" ? t.mast + " " + ws.name + " (" + ws.mast + ") " + new Date(ws.at).toLocaleTimeString() : t.wind_typed),
      "wind-used"));
    for (const zone of data.zones) {
      const sec = el("section", null, "zone zone-" + zone.level.slice(-1));
      sec.dataset.zoneLevel = zone.level;
      sec.appendChild(el("h4", zone.level + " · " + zone.threshold_ppm + " ppm · " + Math.round(zone.distance_m) + " " + t.m));
      sec.appendChild(el("p", t.targets + " (" + zone.people + " " + t.people + ")", "muted"));
      const ul = el("ul", null, "targets");
      if (!zone.targets.length) ul.appendChild(el("li", t.none, "muted"));
      for (const target of zone.targets) {
        ul.appendChild(el("li", target.name + " · " + target.population + " " + t.people + " · " + Math.round(target.distance_m) + " " + t.m));
      }
      sec.appendChild(ul);
      resultBox.appendChild(sec);
    }
    resultBox.appendChild(el("h4", t.shelters));
    const shelters = el("ul", null, "shelters");
    if (!data.shelters.length) shelters.appendChild(el("li", t.none, "muted"));
    for (const s of data.shelters) {
      shelters.appendChild(el("li", s.name + " · " + t.free + " " + s.free + " · " + Math.round(s.distance_m) + " " + t.m));
    }
    resultBox.appendChild(shelters);
    resultBox.appendChild(el("h4", t.limits));
    const limits = el("ul", null, "limits");
    for (const line of data.limits) limits.appendChild(el("li", line));
    resultBox.appendChild(limits);
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    errorBox.hidden = true;
    if (!form.elements.chemical.value) { showError(hint.dataset.choose); form.elements.chemical.focus(); return; }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const resp = await fetch(mapEl.dataset.releaseUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json",
                   "X-CSRFToken": form.elements.csrfmiddlewaretoken.value },
        body: JSON.stringify(payload()),
      });
      let data = null;
      try { data = await resp.json(); } catch (_e) { data = null; }
      if (resp.status !== 201) { showError(firstMessage(data)); return; }
      showResult(data);
      const box = document.querySelector('[data-layer="threat-zones"]');
      if (box && !box.checked) { box.checked = true; ensureGroup("threat-zones").addTo(map); }
      await refresh("threat-zones");
      const zones = L.geoJSON({ type: "FeatureCollection", features: data.zones.map((z) => ({ type: "Feature", geometry: z.geometry, properties: {} })) });
      if (zones.getBounds().isValid()) map.fitBounds(zones.getBounds().pad(0.2));
    } catch (_err) {
      showError(t.failed);
    } finally {
      button.disabled = false;
    }
  });
}
