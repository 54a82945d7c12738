// The district drawn from its own GIS data (/api/v1/basemap/), under any tile layer: on an
// intranet without a reachable tile server the map still shows the boundary, towns, water and
// coastline, main roads and the park. Tiles (MAP_TILE_URL) are optional, drawn on top.
// Leaflet (`L`) is the page's classic script (django-leaflet's {% leaflet_js %}).


const STYLE = {
  water: { stroke: false, fillColor: "#b9d6ee", fillOpacity: 1 },
  boundary: { color: "#13233a", weight: 2.5, fillColor: "#f6f3ea", fillOpacity: 1 },
  town: { color: "#8c8c8c", weight: 1, dashArray: "4 4", fill: false },
  park: { color: "#762a83", weight: 1.5, fillColor: "#eadcf0", fillOpacity: 1 },
  coastline: { color: "#2b6ca3", weight: 2 },
  road: { color: "#e0a040", weight: 3.5, opacity: 0.95 },
};

/** Draw the district under the map's tiles; resolves to the Leaflet layer (or undefined). */
export function draw(map, url) {
  if (!map.getPane("basemap")) {
    const pane = map.createPane("basemap");
    pane.style.zIndex = 150; // below tiles (200): tiles that load cover it; tiles that fail leave it
    const labels = map.createPane("basemapLabels");
    labels.style.zIndex = 160;
    labels.style.pointerEvents = "none";
  }
  map.getContainer().classList.add("has-basemap");
  return fetch(url, { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
    .then((fc) => {
      const layer = L.geoJSON(fc, {
        pane: "basemap",
        interactive: false,
        style: (f) => STYLE[f.properties.layer] || { color: "#999", weight: 1 },
        onEachFeature: (f, lyr) => {
          const name = f.properties.name;
          if (!name) return;
          // A DOM node, never a string: Leaflet would parse a string as HTML.
          const text = () => { const span = document.createElement("span"); span.textContent = name; return span; };
          if (f.properties.layer === "town" || f.properties.layer === "park") {
            const centre = lyr.getBounds().getCenter();
            L.tooltip({ permanent: true, direction: "center", className: "basemap-label basemap-" + f.properties.layer,
                        pane: "basemapLabels" }).setLatLng(centre).setContent(text())
              .addTo(map);
          } else if (f.properties.layer === "road") {
            const pts = lyr.getLatLngs();
            const mid = pts[Math.floor(pts.length / 2)];
            if (mid && mid.lat !== undefined) {
              L.tooltip({ permanent: true, direction: "top", className: "basemap-label basemap-road", pane: "basemapLabels" })
                .setLatLng(mid).setContent(text()).addTo(map);
            }
          }
        },
      }).addTo(map);
      map.getContainer().dataset.basemapFeatures = String(fc.features.length);
      return layer;
    })
    .catch(() => { map.getContainer().dataset.basemapFeatures = "0"; });
}

// Tiles on top when configured. A tile server that cannot be reached is switched off once,
// and the map says so: left on, every pan and zoom asked it again (365 failed requests in a
// console's log within minutes on an intranet). Off when the first tiles all fail, or when
// a server that worked fails 30 tiles in a row; a reload tries again.
const FAILS_IN_A_ROW = 30;
/** The tile layer on top, switched off (and said so) when its server cannot be reached. */
export function tiles(map, tileUrl, note, options) {
  const el = map.getContainer();
  if (!tileUrl) { el.dataset.tiles = "none"; return null; }
  let ok = 0;
  let failedInARow = 0;
  const layer = L.tileLayer(tileUrl, { maxZoom: 18, ...options });
  layer.on("tileload", () => { ok += 1; failedInARow = 0; el.dataset.tiles = "ok"; });
  layer.on("tileerror", () => {
    failedInARow += 1;
    if (!map.hasLayer(layer) || (ok && failedInARow < FAILS_IN_A_ROW)) return;
    map.removeLayer(layer); // also cancels the tiles still loading
    el.classList.add("tiles-offline");
    el.dataset.tiles = "off";
    if (note && !el.querySelector(".tiles-note")) {
      const box = document.createElement("div");
      box.className = "tiles-note";
      box.setAttribute("role", "status");
      box.textContent = note;
      el.appendChild(box);
    }
  });
  return layer.addTo(map);
}

