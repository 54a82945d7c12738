// The resource list in the admin, on a map: the same GeoJSON layers the console map uses.

function init() {
  const el = document.getElementById("resource-map");
  if (!el || typeof L === "undefined") return;
  const map = L.map(el).setView([22.75, 113.59], 11);
  L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map);
  const colours = { available: "#1a9850", dispatched: "#f07c00", en_route: "#2b83ba", on_scene: "#d7191c",
    out_of_service: "#8c8c8c" };
  const bounds = L.latLngBounds([]);

  function label(p) {
    const box = document.createElement("div");
    const strong = document.createElement("strong");
    strong.textContent = p.name;
    box.appendChild(strong);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode([p.code, p.kind, p.status].filter(Boolean).join(" · ")));
    return box;
  }

  async function load(url, colour) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    L.geoJSON(data, {
      pointToLayer: (f, latlng) => {
        bounds.extend(latlng);
        return L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 1, fillOpacity: 0.9,
          fillColor: colour(f.properties) });
      },
      onEachFeature: (f, layer) => layer.bindPopup(() => label(f.properties)),
    }).addTo(map);
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.05));
  }

  const params = new URLSearchParams();
  if (el.dataset.status) params.set("status", el.dataset.status);
  if (el.dataset.kind) params.set("kind", el.dataset.kind);
  const query = params.toString() ? "?" + params : "";
  load(el.dataset.layerUrl + query, (p) => colours[p.status] || "#555");
  if (!el.dataset.status && (!el.dataset.kind || el.dataset.kind === "shelter")) {
    load(el.dataset.sheltersUrl, () => "#1a9850");
  }
}

init();
