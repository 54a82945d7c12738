// Warning-area maps: show an alert's polygon, or edit the CAP polygon textarea by clicking.
// The textarea stays the truth ("lat,lon" pairs, one polygon per line); the map only mirrors it.

function init() {
  if (typeof L === "undefined") return;

  function parseCap(text) {
    return text.split(/[;\n]+/).map((line) => line.trim().split(/\s+/).map((pair) => {
        const parts = pair.split(",");
        const lat = parseFloat(parts[0]), lon = parseFloat(parts[1]);
        return Number.isFinite(lat) && Number.isFinite(lon) ? [lat, lon] : null;
      }).filter(Boolean)).filter((ring) => ring.length > 0);
  }

  function fmt(n) { return (Math.round(n * 1e6) / 1e6).toString(); }

  function setUp(el) {
    const map = L.map(el).setView([22.75, 113.60], 11);
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 18 }).addTo(map);
    const layer = L.layerGroup().addTo(map);
    const colour = el.dataset.colour || "#d7191c";

    if (el.dataset.geojson) {
      const shape = L.geoJSON(JSON.parse(el.dataset.geojson), { style: { color: colour, weight: 2 } }).addTo(layer);
      map.fitBounds(shape.getBounds(), { padding: [20, 20] });
    }
    if (!("editable" in el.dataset)) return;

    const form = el.closest("form");
    const input = form.querySelector("[data-area-input]");
    function redraw(fit) {
      layer.clearLayers();
      const rings = parseCap(input.value);
      rings.forEach((ring) => {
        (ring.length > 2 ? L.polygon(ring, { color: colour }) : L.polyline(ring, { color: colour })).addTo(layer);
        ring.forEach((p) => { L.circleMarker(p, { radius: 3, color: colour }).addTo(layer); });
      });
      if (fit && rings.length) map.fitBounds(L.latLngBounds([].concat.apply([], rings)), { padding: [20, 20] });
    }
    map.on("click", (e) => {
      const text = input.value.replace(/\s+$/, "");
      const lines = text ? text.split("\n") : [""];
      const last = lines[lines.length - 1].trim();
      const pair = fmt(e.latlng.lat) + "," + fmt(e.latlng.lng);
      const ring = parseCap(last)[0] || [];
      const closed = ring.length > 3 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1];
      if (closed) lines.push(pair); else lines[lines.length - 1] = last ? last + " " + pair : pair;
      input.value = lines.join("\n");
      redraw(false);
    });
    form.querySelector("[data-area-close]").addEventListener("click", () => {
      const lines = input.value.replace(/\s+$/, "").split("\n");
      const last = lines[lines.length - 1].trim();
      const first = last.split(/\s+/)[0];
      if (first && last.split(/\s+/).length > 2 && last.split(/\s+/).pop() !== first) {
        lines[lines.length - 1] = last + " " + first;
        input.value = lines.join("\n");
        redraw(false);
      }
    });
    form.querySelector("[data-area-clear]").addEventListener("click", () => {
      input.value = "";
      redraw(false);
    });
    input.addEventListener("input", () => { redraw(false); });
    redraw(true);
  }

  document.querySelectorAll("[data-alert-map]").forEach(setUp);
}

init();
