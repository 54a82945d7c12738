// The four-colour map (风险四色图): on the district's own base map (as /map/ draws it, tiles
// optional on top), enterprises' sites and risk areas as coloured areas, risk points by colour,
// special work in progress on top. Popups are built with textContent: user text is never parsed as HTML.
// Live like the console map (command/map.js): a permit or colour event on the stream refetches
// the layer it changes, bursts coalesced into one fetch.
import * as basemap from "../core/basemap.js";
import * as stream from "../stream/stream.js";
import { ENTERPRISE_COLOUR_CHANGED, WORK_PERMIT_ANY } from "../stream/event_types.js";

function init() {
  const el = document.getElementById("safety-map");
  if (!el) return;
  const COLOURS = { red: "#c62828", orange: "#ef6c00", yellow: "#f9a825", blue: "#1565c0" };
  const words = JSON.parse(document.getElementById("safety-map-words")?.textContent || "{}");
  const word = (kind, code) => (words[kind]?.[code] || code || "");
  const map = L.map(el, { center: [22.65, 113.67], zoom: 14, maxZoom: 18 });
  window.safetyMap = map; // a handle for the browser tests (no script reads it)
  basemap.draw(map, el.dataset.basemapUrl);
  basemap.tiles(map, el.dataset.tiles, el.dataset.tilesOffline);
  // An enterprise without a drawn site is shown as an area of this radius round its point, so
  // it reads as a place at every zoom, not as a dot.
  const SITE_RADIUS_M = 150;

  function popup(lines) {
    const box = document.createElement("div");
    lines.filter(Boolean).forEach((text, i) => {
      const line = document.createElement(i === 0 ? "strong" : "div");
      line.textContent = text;
      box.appendChild(line);
    });
    return box;
  }

  const defs = {
    "enterprise-colours": {
      area: true,
      style: (f) => ({ color: COLOURS[f.properties.colour] || "#555", dashArray: "6 4",
        fillColor: COLOURS[f.properties.colour] || "#555", fillOpacity: 0.18, weight: 2 }),
      describe: (p) => [p.name, p.code, word("colour", p.colour), ...(p.factors || []).map((x) => "· " + x.text)],
    },
    "risk-areas": {
      area: true,
      style: (f) => ({ color: COLOURS[f.properties.colour] || "#555", weight: 1.5,
        fillColor: COLOURS[f.properties.colour] || "#555", fillOpacity: 0.55 }),
      describe: (p) => [p.code + " " + p.name, p.enterprise, word("colour", p.colour)],
    },
    "risk-points": {
      style: (f) => ({ radius: 7, color: "#222", weight: 1, fillColor: COLOURS[f.properties.colour] || "#555",
        fillOpacity: 0.9 }),
      describe: (p) => [p.name, p.enterprise, p.method + " " + p.score],
    },
    "work-permits": {
      style: () => ({ radius: 5, color: "#000", weight: 2, fillColor: "#fff", fillOpacity: 1 }),
      describe: (p) => [el.dataset.permitLabel + ": " + word("kind", p.kind) + (p.grade ? " · " + word("grade", p.grade) : ""),
        p.enterprise, p.place],
    },
  };
  const groups = {};
  const controllers = {};
  Object.keys(defs).forEach((name) => { groups[name] = L.featureGroup().addTo(map); });

  function load(name) {
    if (controllers[name]) controllers[name].abort();
    const ctrl = new AbortController();
    controllers[name] = ctrl;
    const def = defs[name];
    return fetch(el.dataset.layerUrl.replace("LAYER", name), { credentials: "same-origin", signal: ctrl.signal })
      .then((r) => (r.ok ? r.json() : null))
      .then((fc) => {
        if (!fc) return;
        groups[name].clearLayers();
        L.geoJSON(fc, {
          pointToLayer: (f, latlng) => (def.area ? L.circle(latlng, Object.assign({ radius: SITE_RADIUS_M }, def.style(f)))
            : L.circleMarker(latlng, def.style(f))),
          style: (f) => def.style(f),
          onEachFeature: (f, l) => l.bindPopup(popup(def.describe(f.properties))),
        }).eachLayer((l) => groups[name].addLayer(l));
        // Sites under risk areas under points: the smaller always on top and clickable.
        if (name === "risk-areas") groups[name].bringToBack();
        if (name === "enterprise-colours") groups[name].bringToBack();
        // For the browser tests: how many features each layer drew, and its colours.
        el.dataset[name.replace(/-./g, (m) => m[1].toUpperCase())] = String(fc.features.length);
        if (name === "enterprise-colours") {
          el.dataset.colours = fc.features.map((f) => f.properties.code + ":" + (f.properties.colour || "")).sort().join(",");
        }
      })
      .catch(() => {}); // aborted by a newer fetch, or offline: the next event or reload refetches
  }

  Promise.all(Object.keys(defs).map(load)).then(() => {
    const bounds = L.featureGroup(Object.values(groups)).getBounds();
    // Never closer than street level: two dots on a phone opened at the highest zoom.
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.2), { maxZoom: 15 });
    el.dataset.loaded = "1";
  });

  const pending = new Set();
  let timer = null;
  function refreshSoon(...names) {
    names.forEach((n) => { pending.add(n); });
    clearTimeout(timer);
    timer = setTimeout(() => { pending.forEach(load); pending.clear(); }, 300);
  }
  stream.on(WORK_PERMIT_ANY, () => refreshSoon("work-permits"));
  // A risk point assessed red recolours its enterprise: the colour event brings the points too.
  stream.on(ENTERPRISE_COLOUR_CHANGED, () => refreshSoon("enterprise-colours", "risk-points", "risk-areas"));
}

init();
