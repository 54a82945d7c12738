// The four-colour map (风险四色图): enterprises and risk points by colour, special work in
// progress on top. Popups are built with textContent: user text is never parsed as HTML.
(function () {
  "use strict";
  const el = document.getElementById("safety-map");
  if (!el || typeof L === "undefined") return;
  const COLOURS = { red: "#c62828", orange: "#ef6c00", yellow: "#f9a825", blue: "#1565c0" };
  const map = L.map(el, { center: [22.65, 113.67], zoom: 14 });
  window.safetyMap = map;
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map);

  function popup(lines) {
    const box = document.createElement("div");
    lines.filter(Boolean).forEach((text, i) => {
      const line = document.createElement(i === 0 ? "strong" : "div");
      line.textContent = text;
      box.appendChild(line);
    });
    return box;
  }

  const drawn = [];
  function load(name, style, describe) {
    return fetch(el.dataset.layerUrl.replace("LAYER", name), { credentials: "same-origin" })
      .then((r) => r.json())
      .then((fc) => {
        const layer = L.geoJSON(fc, {
          pointToLayer: (f, latlng) => L.circleMarker(latlng, style(f)),
          style: (f) => style(f),
          onEachFeature: (f, l) => l.bindPopup(popup(describe(f.properties))),
        }).addTo(map);
        drawn.push(layer);
        el.dataset[name.replace(/-./g, (m) => m[1].toUpperCase())] = String(fc.features.length);
      });
  }

  Promise.all([
    load("enterprise-colours", (f) => ({ radius: 14, color: COLOURS[f.properties.colour] || "#555",
      fillColor: COLOURS[f.properties.colour] || "#555", fillOpacity: 0.35, weight: 2 }),
      (p) => [p.name, p.code, ...(p.factors || []).map((x) => "· " + x.text)]),
    load("risk-points", (f) => ({ radius: 7, color: "#222", weight: 1,
      fillColor: COLOURS[f.properties.colour] || "#555", fillOpacity: 0.9 }),
      (p) => [p.name, p.enterprise, p.method + " " + p.score]),
    load("work-permits", () => ({ radius: 5, color: "#000", weight: 2, fillColor: "#fff", fillOpacity: 1 }),
      (p) => [el.dataset.permitLabel + ": " + p.kind + (p.grade ? " · " + p.grade : ""), p.enterprise, p.place]),
  ]).then(() => {
    const bounds = L.featureGroup(drawn).getBounds();
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.2));
    el.dataset.loaded = "1";
  });
})();
