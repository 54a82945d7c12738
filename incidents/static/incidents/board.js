// The unit board's map: every dispatchable unit where it is, coloured by status, on the
// district's own base map; refreshed from the stream; a row's position link centres its unit.
import * as basemap from "../core/basemap.js";
import { getJSON } from "../core/ui_text.js";
import * as stream from "../stream/stream.js";
import { RESOURCE_ANY } from "../stream/event_types.js";

function init() {
  const mapEl = document.getElementById("board-map");
  if (!mapEl) return;
  const map = L.map(mapEl).setView([22.75, 113.59], 11);
  basemap.draw(map, mapEl.dataset.basemapUrl);
  basemap.tiles(map, mapEl.dataset.tiles, mapEl.dataset.tilesOffline);
  const COLOURS = { available: "#1a9850", dispatched: "#f07c00", en_route: "#2b83ba", on_scene: "#d7191c",
                    out_of_service: "#8c8c8c" };
  const labels = JSON.parse(document.getElementById("board-status-labels").textContent);
  const markers = {};
  let layer = null;

  async function load() {
    const fc = await getJSON(mapEl.dataset.layerUrl, { accept: "application/geo+json, application/json" });
    if (!fc) return;
    if (layer) map.removeLayer(layer);
    layer = L.geoJSON(fc, {
      filter: (f) => f.properties && f.properties.kind !== "equipment" && f.properties.kind !== "supply_stock",
      pointToLayer: (f, latlng) => {
        const p = f.properties;
        const m = L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 1.5, fillColor: COLOURS[p.status] || "#555",
                                           fillOpacity: 1 });
        const box = document.createElement("div");
        const strong = document.createElement("strong");
        strong.textContent = p.name;
        const line = document.createElement("div");
        line.textContent = (labels[p.status] || p.status) + (p.agency ? " · " + p.agency : "");
        box.append(strong, line);
        m.bindPopup(box);
        markers[p.code] = m;
        return m;
      },
    }).addTo(map);
    mapEl.dataset.units = String(Object.keys(markers).length);
  }
  load();
  let again = null;
  stream.on(RESOURCE_ANY, () => {
    clearTimeout(again);
    again = setTimeout(load, 300);
  });
  document.addEventListener("click", (ev) => {
    const link = ev.target.closest("[data-show-unit]");
    if (!link) return;
    ev.preventDefault();
    const m = markers[link.dataset.showUnit];
    if (m) { map.setView(m.getLatLng(), 15); m.openPopup(); mapEl.scrollIntoView({ block: "nearest" }); }
  });
}

init();
