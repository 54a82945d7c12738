// Warning-area maps: show an alert's polygon, or edit the CAP polygon textarea by clicking.
// The textarea stays the truth ("lat,lon" pairs, one polygon per line); the map only mirrors it.
(function () {
  "use strict";
  if (typeof L === "undefined") return;

  function parseCap(text) {
    return text.split(/[;\n]+/).map(function (line) {
      return line.trim().split(/\s+/).map(function (pair) {
        var parts = pair.split(",");
        var lat = parseFloat(parts[0]), lon = parseFloat(parts[1]);
        return isFinite(lat) && isFinite(lon) ? [lat, lon] : null;
      }).filter(Boolean);
    }).filter(function (ring) { return ring.length > 0; });
  }

  function fmt(n) { return (Math.round(n * 1e6) / 1e6).toString(); }

  function setUp(el) {
    var map = L.map(el).setView([22.75, 113.60], 11);
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 18 }).addTo(map);
    var layer = L.layerGroup().addTo(map);
    var colour = el.dataset.colour || "#d7191c";

    if (el.dataset.geojson) {
      var shape = L.geoJSON(JSON.parse(el.dataset.geojson), { style: { color: colour, weight: 2 } }).addTo(layer);
      map.fitBounds(shape.getBounds(), { padding: [20, 20] });
    }
    if (!("editable" in el.dataset)) return;

    var form = el.closest("form");
    var input = form.querySelector("[data-area-input]");
    function redraw(fit) {
      layer.clearLayers();
      var rings = parseCap(input.value);
      rings.forEach(function (ring) {
        (ring.length > 2 ? L.polygon(ring, { color: colour }) : L.polyline(ring, { color: colour })).addTo(layer);
        ring.forEach(function (p) { L.circleMarker(p, { radius: 3, color: colour }).addTo(layer); });
      });
      if (fit && rings.length) map.fitBounds(L.latLngBounds([].concat.apply([], rings)), { padding: [20, 20] });
    }
    map.on("click", function (e) {
      var text = input.value.replace(/\s+$/, "");
      var lines = text ? text.split("\n") : [""];
      var last = lines[lines.length - 1].trim();
      var pair = fmt(e.latlng.lat) + "," + fmt(e.latlng.lng);
      var ring = parseCap(last)[0] || [];
      var closed = ring.length > 3 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1];
      if (closed) lines.push(pair); else lines[lines.length - 1] = last ? last + " " + pair : pair;
      input.value = lines.join("\n");
      redraw(false);
    });
    form.querySelector("[data-area-close]").addEventListener("click", function () {
      var lines = input.value.replace(/\s+$/, "").split("\n");
      var last = lines[lines.length - 1].trim();
      var first = last.split(/\s+/)[0];
      if (first && last.split(/\s+/).length > 2 && last.split(/\s+/).pop() !== first) {
        lines[lines.length - 1] = last + " " + first;
        input.value = lines.join("\n");
        redraw(false);
      }
    });
    form.querySelector("[data-area-clear]").addEventListener("click", function () {
      input.value = "";
      redraw(false);
    });
    input.addEventListener("input", function () { redraw(false); });
    redraw(true);
  }

  document.querySelectorAll("[data-alert-map]").forEach(setUp);
})();
