// The park in three dimensions (三维一张图): MapLibre GL JS draws the district's own GIS data (no
// tile server), the park's structures extruded at their heights, and the same GeoJSON layers as
// the 2D map, refreshed by the same stream events. Threat zones are draped on the ground and the
// plume stands on them as a volume. With MAP_3D_TILESET_URL the district's photogrammetry model
// (OGC 3D Tiles, deck.gl's Tile3DLayer in MapLibre's camera) lies under the layers. Without
// WebGL the page hands over to the 2D map. No inline script (CSP); user text only ever reaches
// the page through textContent. MapLibre (and deck.gl) are the page's classic scripts.
import * as stream from "../stream/stream.js";

function init() {
  const el = document.getElementById("map3d");
  if (!el) return;
  const config = JSON.parse(document.getElementById(el.dataset.mapConfig).textContent);
  const t = JSON.parse(document.getElementById(el.dataset.i18n).textContent);
  const layerUrl = (name) => el.dataset.layerUrl.replace("LAYER", encodeURIComponent(name));

  function hasWebGL() {
    try {
      const canvas = document.createElement("canvas");
      return !!(canvas.getContext("webgl2") || canvas.getContext("webgl"));
    } catch (_e) {
      return false;
    }
  }
  if (typeof maplibregl === "undefined" || !hasWebGL()) {
    location.replace(el.dataset.fallbackUrl);
    return;
  }
  // The CSP build: the worker is our own static file, not a blob: URL.
  maplibregl.setWorkerUrl(el.dataset.workerUrl);

  // ---- colours, from the server-rendered legend so legend and scene always agree ------------
  const colours = {};
  document.querySelectorAll("[data-layer-item]").forEach((item) => {
    const name = item.dataset.layerItem;
    colours[name] = {};
    item.querySelectorAll("[data-legend-value]").forEach((row) => {
      colours[name][row.dataset.legendValue] = row.dataset.colour;
      const swatch = row.querySelector(".swatch");
      if (swatch) swatch.style.background = row.dataset.colour;
    });
  });
  const colour = (layer, value, fallback) => colours[layer]?.[value == null ? "" : String(value)] || fallback || "#555";
  const labels = config.labels || {};
  const word = (group, value) => (labels[group]?.[value]) || value;

  // ---- the map: our own style, no glyphs, no sprites, no tiles: nothing leaves the server --------
  const view = config.view;
  const map = new maplibregl.Map({
    container: el,
    // No background layer: the container's CSS colour (map3d.css) shows through the cleared
    // canvas, a full-screen quad a frame fewer where the GPU is the CPU.
    style: { version: 8, sources: {}, layers: [] },
    center: view.center, zoom: view.zoom, pitch: view.pitch, bearing: view.bearing, maxPitch: 80,
    attributionControl: false, fadeDuration: 0,
  });
  window.map3d = map; // for the browser tests and the bench
  map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");

  // ---- popups --------------------------------------------------------------------------
  function popupBox(title, rows, link) {
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
    if (link?.href && String(link.href).startsWith("/") && !String(link.href).startsWith("//")) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      box.appendChild(a);
    }
    return box;
  }
  // A list property as a clicked feature carries it: MapLibre's queries hand nested values back
  // as JSON text.
  function listOf(value) {
    if (Array.isArray(value)) return value;
    try {
      const parsed = JSON.parse(value || "[]");
      return Array.isArray(parsed) ? parsed : [];
    } catch (_e) {
      return [];
    }
  }
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : null);
  const named = (zh, en) => (en && document.documentElement.lang.startsWith("en") ? en : zh);

  // The plume's volume: the inner (most severe) zone stands tallest, so the stacked zones read as
  // a cloud thinning outwards. A picture of which ground is threatened, not of the cloud's height.
  const PLUME_HEIGHT = { "3": 90, "2": 55, "1": 25 };
  const level = (p) => String(p.level || "").slice(-1);

  // Each layer: how a feature gets its colour, how it is drawn (`look`: which of the scene's few
  // MapLibre layers draw it, below), its popup, its label.
  //
  // Why a few shared MapLibre layers rather than a few per layer: where WebGL runs in software
  // (SwiftShader, as in a VM), each MapLibre layer costs about a millisecond a frame whatever it
  // draws (its tiles' clipping masks, redrawn for every layer of another source, and its draw
  // calls): 22 of them cost more than all the pixels of the turning scene. So every layer's
  // features go to one source, tagged with what draws them: `_fill` (opacity), `_line` (width),
  // `_plume` and `_solid` (heights of the translucent and the solid volumes, `_base`), `_radius`
  // (a point's circle, with `_stroke` and `_strokeWidth`), `_order` (which layer lies on top).
  const defs = {
    structures: {
      colour: (p) => colour("structures", p.kind),
      look: (p) => ({ _solid: Number(p.height) || 0, _base: Number(p.base) || 0 }),
      popup: (p) => popupBox(p.name || word("structure_kind", p.kind), [[t.kind, word("structure_kind", p.kind)],
        [t.height, p.height]]),
    },
    "enterprise-colours": {
      colour: (p) => colour("enterprise-colours", p.colour),
      // Its site draped in its colour; without a site, its location as a large dot.
      look: (_p, point) => (point ? { _radius: 9, _stroke: "#fff", _strokeWidth: 2 } : { _fill: 0.28, _line: 2.5 }),
      popup: (p) => popupBox(p.name, [[t.risk_colour, word("risk_colour", p.colour)],
        [t.factors, listOf(p.factors).map((f) => (f && typeof f === "object" ? f.text : f)).filter(Boolean).join("; ")]]),
      label: (p) => p.name,
      labelClass: (p) => "colour-" + (p.colour || "none"),
    },
    "risk-sources": {
      colour: (p) => colour("risk-sources", p.grade),
      // A risk source's footprint: a low slab in its grade's colour under its tanks.
      look: (_p, point) => (point ? { _radius: 8, _stroke: "#fff", _strokeWidth: 2 } : { _solid: 2.5, _base: 0 }),
      popup: (p) => popupBox(named(p.name, p.name_en), [[t.enterprise, p.enterprise], [t.installation, p.installation],
        [t.grade, p.grade ? p.grade : t.not_major], [t.r_value, p.r_value], [t.people500, p.people_within_500m]]),
    },
    "monitoring-points": {
      colour: (p) => colour("monitoring-points", p.state),
      look: (p) => ({ _radius: p.state === "normal" ? 4 : 8, _stroke: "#fff", _strokeWidth: 1.5 }),
      popup: (p) => popupBox(p.code + " " + p.name, [[t.state, word("point_state", p.state)],
        [t.value, p.value == null ? null : p.value + " " + (p.unit || "")], [t.time, when(p.ts)],
        [t.risk_source, p.risk_source_code]], { href: p.url, text: t.open }),
      // Live values on the objects: every point in alarm, and the weather mast's.
      label: (p) => (p.value == null || (p.state === "normal" && p.kind !== "wind_speed") ? null
        : String(p.code).split("-").slice(-1)[0] + " " + p.value + " " + (p.unit || "") + (p.state !== "normal" ? " · " + word("point_state", p.state) : "")),
      labelClass: (p) => "state-" + p.state,
    },
    "work-permits": {
      colour: () => colour("work-permits", ""),
      look: () => ({ _radius: 7, _stroke: "#fff", _strokeWidth: 2 }),
      popup: (p) => popupBox(t.permit + " · " + word("permit_kind", p.kind), [[t.place, p.place],
        [t.grade, p.grade ? word("permit_grade", p.grade) : null], [t.enterprise, p.enterprise],
        [t.valid_from, when(p.valid_from)], [t.valid_to, when(p.valid_to)]]),
      label: (p) => word("permit_kind", p.kind),
      labelClass: () => "permit",
    },
    "threat-zones": {
      colour: (p) => colour("threat-zones", level(p)),
      // Draped on the ground, and the plume standing on it as a translucent volume.
      look: (p) => ({ _fill: 0.35, _plume: PLUME_HEIGHT[level(p)] || 20 }),
      popup: (p) => popupBox((p.exercise ? t.exercise + " · " : "") + p.chemical + " " + p.level, [[t.threshold, p.threshold_ppm],
        [t.distance, p.distance_m], [t.release, p.release], [t.incident, p.incident]],
        p.incident ? { href: "/incidents/" + Number(p.incident) + "/", text: t.incident } : null),
    },
    incidents: {
      colour: (p) => colour("incidents", p.severity),
      look: (p) => ({ _radius: 10, _stroke: p.exercise ? "#b3007d" : "#fff", _strokeWidth: 3 }),
      popup: (p) => popupBox((p.exercise ? t.exercise + " · " : "") + p.number + " " + p.title, [[t.type, named(p.type_name, p.type_name_en)],
        [t.severity, word("severity", p.severity)], [t.status, word("incident_status", p.status)], ["", p.address]],
        { href: p.url, text: t.open }),
      label: (p) => (p.exercise ? t.exercise + " · " : "") + p.number,
      labelClass: (p) => "incident severity-" + p.severity,
    },
    resources: {
      colour: (p) => colour("resources", p.status),
      look: () => ({ _radius: 5, _stroke: "#fff", _strokeWidth: 1 }),
      popup: (p) => popupBox(p.name, [[t.kind, word("resource_kind", p.kind)], [t.status, word("resource_status", p.status)],
        [t.agency, p.agency], [t.phone, p.phone]]),
    },
  };
  // Layers of apps that arrive later (gates, people per zone): drawn plainly, counts as labels.
  function genericDef(name) {
    return {
      colour: () => colour(name, ""),
      look: (_p, point) => (point ? { _radius: 6, _stroke: "#fff", _strokeWidth: 0 } : { _fill: 0.2 }),
      popup: (p) => popupBox(p.name || p.code || name, Object.entries(p).filter(([k, v]) => !k.startsWith("_") && typeof v !== "object")),
      label: (p) => (p.people != null ? (p.name || p.code || "") + " · " + p.people : null),
      labelClass: () => "count",
    };
  }
  function defOf(name) {
    if (!defs[name]) defs[name] = genericDef(name);
    return defs[name];
  }
  // Drawing order within each MapLibre layer, bottom first (layers not named here lie lowest).
  const ORDER = ["enterprise-colours", "threat-zones", "risk-sources", "structures", "work-permits",
                 "monitoring-points", "resources", "incidents"];
  // The scene's MapLibre layers over the base map, bottom first; all draw the one "park" source.
  const SCENE = [
    { id: "park-fill", type: "fill", filter: ["has", "_fill"], layout: { "fill-sort-key": ["get", "_order"] },
      paint: { "fill-color": ["get", "_colour"], "fill-opacity": ["get", "_fill"] } },
    { id: "park-line", type: "line", filter: ["has", "_line"], layout: { "line-sort-key": ["get", "_order"] },
      paint: { "line-color": ["get", "_colour"], "line-width": ["get", "_line"] } },
    { id: "park-plume", type: "fill-extrusion", filter: ["has", "_plume"], paint: {
      "fill-extrusion-color": ["get", "_colour"], "fill-extrusion-height": ["get", "_plume"], "fill-extrusion-opacity": 0.3 } },
    // Opaque: MapLibre draws a translucent extrusion twice (depth, then colour), an opaque one once.
    { id: "structures", type: "fill-extrusion", filter: ["has", "_solid"], paint: {
      "fill-extrusion-color": ["get", "_colour"], "fill-extrusion-height": ["get", "_solid"],
      "fill-extrusion-base": ["get", "_base"] } },
    { id: "park-points", type: "circle", filter: ["has", "_radius"], layout: { "circle-sort-key": ["get", "_order"] },
      paint: { "circle-color": ["get", "_colour"], "circle-radius": ["get", "_radius"],
               "circle-stroke-color": ["get", "_stroke"], "circle-stroke-width": ["get", "_strokeWidth"] } },
  ];
  const SCENE_IDS = SCENE.map((l) => l.id);

  const state = { loaded: {}, markers: {}, controllers: {} };
  function fetchLayer(name) {
    if (state.controllers[name]) state.controllers[name].abort();
    const ctrl = new AbortController();
    state.controllers[name] = ctrl;
    return fetch(layerUrl(name), { credentials: "same-origin", signal: ctrl.signal,
                                   headers: { Accept: "application/geo+json, application/json" } })
      .then((resp) => (resp.ok ? resp.json() : null))
      .catch(() => null);
  }
  // Every layer shown at first is asked for at once, while MapLibre is still starting.
  const prefetched = {};
  config.layers_on.forEach((name) => { prefetched[name] = fetchLayer(name); });
  const basemap = fetch(el.dataset.basemapUrl, { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : null)).catch(() => null)
    .then((fc) => fc || { type: "FeatureCollection", features: [] });
  window.map3dState = state; // for the browser tests: features per layer as drawn

  // Tiles of our GeoJSON are cut no finer than these zooms and drawn overzoomed beyond them. At
  // MapLibre's default (18) the pitched view of the park needs 28 tiles per source, each drawn
  // and stencil-masked per layer on every frame; at these, 4 to 8, and the worker has no new
  // tiles to cut while the camera turns. A z14 tile's grid is 0.3 m at the park's latitude, a
  // z12 tile's 1.1 m: finer than a pixel at the view's zoom, for structures and base map alike.
  const LAYER_MAXZOOM = 14;
  const BASEMAP_MAXZOOM = 12;

  function addBasemap(fc) {
    map.addSource("basemap", { type: "geojson", data: fc, maxzoom: BASEMAP_MAXZOOM });
    const byLayer = (...names) => ["in", ["get", "layer"], ["literal", names]];
    const kind = (values, fallback) => ["match", ["get", "layer"], ...values, fallback];
    // Water over the land (the channel around the park's island lies inside the district's
    // boundary), the park over both: one layer, in that order.
    map.addLayer({ id: "basemap-fill", type: "fill", source: "basemap", filter: byLayer("boundary", "water", "park"),
      layout: { "fill-sort-key": kind(["boundary", 0, "water", 1], 2) },
      paint: { "fill-color": kind(["boundary", "#f6f3ea", "water", "#b9d6ee"], "#ece4f0") } });
    map.addLayer({ id: "basemap-town", type: "line", source: "basemap", filter: byLayer("town"), paint: { "line-color": "#8c8c8c", "line-dasharray": [3, 3] } });
    map.addLayer({ id: "basemap-line", type: "line", source: "basemap", filter: byLayer("coastline", "road"),
      paint: { "line-color": kind(["coastline", "#2b6ca3"], "#e0a040"), "line-width": kind(["coastline", 2], 5) } });
  }

  function addScene() {
    map.addSource("park", { type: "geojson", data: { type: "FeatureCollection", features: [] }, maxzoom: LAYER_MAXZOOM });
    for (const layer of SCENE) map.addLayer({ ...layer, source: "park" });
  }

  // Every shown layer's features, as drawn, into the one source. A copy per feature, tagged with
  // its layer and look; the layer's own ids are kept as `_id` (ids of two layers may collide).
  const drawn = {};
  function draw(name, features) {
    const def = defOf(name);
    const order = ORDER.indexOf(name);
    drawn[name] = features.map((f) => {
      const point = f.geometry?.type === "Point" || f.geometry?.type === "MultiPoint";
      const properties = { ...f.properties, ...def.look(f.properties, point),
                           _layer: name, _id: f.id, _colour: def.colour(f.properties), _order: order };
      return { type: "Feature", geometry: f.geometry, properties };
    });
    redraw();
  }
  // In drawing order, bottom first: the sort keys order what is drawn, the data's order what a
  // click finds on top, and the two must agree.
  function redraw() {
    const features = [];
    const names = Object.keys(drawn).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
    for (const name of names) {
      const list = drawn[name];
      if (document.querySelector('[data-layer="' + name + '"]')?.checked) features.push(...list);
    }
    map.getSource("park")?.setData({ type: "FeatureCollection", features });
  }

  function setVisible(name, on) {
    (state.markers[name] || []).forEach((m) => { m.getElement().hidden = !on; });
    if (on) refresh(name); else redraw();
  }

  async function refresh(name) {
    const box = document.querySelector('[data-layer="' + name + '"]');
    if (!box?.checked) return;
    const early = prefetched[name];
    delete prefetched[name];
    const data = await (early || fetchLayer(name));
    if (!data) return; // aborted by a newer request, or offline: the stream prompts another refresh
    for (const f of data.features) f.properties = f.properties || {};
    draw(name, data.features);
    placeLabels(name, defOf(name), data.features);
    state.loaded[name] = drawn[name].map((f) => ({ id: f.properties._id, ...f.properties }));
    const count = document.querySelector('[data-layer-count="' + name + '"]');
    if (count) count.textContent = "(" + data.features.length + ")";
    el.dataset["loaded_" + name.replace(/-/g, "_")] = String(data.features.length);
    checkReady();
  }

  // Labels are DOM markers (no glyph server needed), text set with textContent.
  function placeLabels(name, def, features) {
    (state.markers[name] || []).forEach((m) => { m.remove(); });
    state.markers[name] = [];
    if (!def.label) return;
    for (const f of features) {
      const text = def.label(f.properties);
      if (!text) continue;
      const node = document.createElement("div");
      node.className = "label3d " + (def.labelClass ? def.labelClass(f.properties) : "");
      node.textContent = text;
      node.dataset.layer = name;
      node.dataset.feature = String(f.id);
      const marker = new maplibregl.Marker({ element: node, anchor: "bottom", offset: [0, -8] })
        .setLngLat(anchorOf(f.geometry)).addTo(map);
      state.markers[name].push(marker);
    }
  }

  function anchorOf(geometry) {
    if (geometry.type === "Point") return geometry.coordinates;
    const ring = geometry.type === "Polygon" ? geometry.coordinates[0] : geometry.coordinates[0][0];
    let x = 0, y = 0;
    for (const [lon, lat] of ring) { x += lon; y += lat; }
    return [x / ring.length, y / ring.length];
  }

  // Clicks: the topmost feature of ours under the pointer.
  map.on("click", (ev) => {
    const hit = map.queryRenderedFeatures(ev.point, { layers: SCENE_IDS.filter((id) => map.getLayer(id)) })[0];
    if (!hit) return;
    const def = defOf(hit.properties._layer);
    new maplibregl.Popup({ maxWidth: "320px" }).setLngLat(ev.lngLat).setDOMContent(def.popup(hit.properties)).addTo(map);
  });

  // ---- ready: the base map, every layer shown at first, and a settled frame ------------------
  const initial = new Set(config.layers_on);
  function checkReady() {
    if (el.dataset.ready) return;
    for (const name of initial) if (!(name in state.loaded)) return;
    if (!map.getSource("basemap")) return;
    map.once("idle", () => {
      if (el.dataset.ready) return;
      // From the navigation's start: what the person waited, page and scripts included.
      el.dataset.readyMs = String(Math.round(performance.now()));
      el.dataset.ready = "1";
      setTimeout(calibrate, 0);
    });
    map.triggerRepaint();
  }

  map.on("load", () => {
    basemap.then((fc) => {
        addBasemap(fc);
        addScene();
        document.querySelectorAll("[data-layer]").forEach((box) => {
          box.addEventListener("change", () => setVisible(box.dataset.layer, box.checked));
          if (box.checked) setVisible(box.dataset.layer, true);
        });
        if (config.tileset_url) addTileset(config.tileset_url);
        refreshWeather();
        checkReady();
      });
  });

  // ---- the real-scene model (OGC 3D Tiles) under the layers ----------------------------------
  function addTileset(url) {
    const note = document.getElementById("tileset-state");
    const failed = () => { el.dataset.tileset = "failed"; if (note) { note.textContent = t.tileset_failed; note.classList.add("error"); } };
    if (typeof deck === "undefined" || !deck.MapboxOverlay || !deck.Tile3DLayer) { failed(); return; }
    let tiles = 0;
    const overlay = new deck.MapboxOverlay({
      interleaved: true,
      layers: [new deck.Tile3DLayer({
        id: "tileset", data: url, beforeId: "structures",
        // Parsed on the page: loaders.gl's workers and decoders would otherwise come from a CDN.
        loadOptions: { worker: false, fetch: { credentials: "same-origin" } },
        pointSize: 3,
        onTilesetLoad: () => {
          el.dataset.tileset = "loaded";
          // deck.gl picks the tiles to load when the camera moves; a still camera after the
          // tileset's arrival would leave the model unloaded until someone touched the map.
          let tries = 0;
          const nudge = () => {
            if (tiles > 0 || tries++ > 20) return;
            map.panBy([tries % 2 ? 1 : -1, 0], { duration: 0 }); // a pixel, back and forth, frame by frame
            setTimeout(nudge, 500);
          };
          setTimeout(nudge, 100);
        },
        onTileLoad: () => { tiles += 1; el.dataset.tilesetTiles = String(tiles); },
        onTileError: failed,
      })],
    });
    window.map3dTileset = overlay; // for the browser tests
    try { map.addControl(overlay); } catch (_err) { failed(); }
  }

  // ---- live: the same stream events as the 2D map, coalesced --------------------------------
  const pending = new Set();
  let liveTimer = null;
  function refreshSoon(...names) {
    names.forEach((n) => { pending.add(n); });
    clearTimeout(liveTimer);
    liveTimer = setTimeout(() => { pending.forEach(refresh); pending.clear(); }, 300);
  }
  // Each layer's refresh events are its registration's (core.layers refresh_on), as on the 2D map.
  for (const layer of config.layers) {
    for (const prefix of layer.refresh_on) stream.on(prefix, () => refreshSoon(layer.name));
  }
  // Readings are not events (there are thousands a second): values and the wind are read again
  // every 15 s, as the monitoring page does.
  setInterval(() => { refresh("monitoring-points"); refreshWeather(); }, 15000);

  // ---- wind ---------------------------------------------------------------------------
  const weatherBox = document.getElementById("weather");
  function renderWeather(mast) {
    if (!weatherBox) return;
    const body = document.createElement("div");
    const line = (cls, text) => { const p = document.createElement("p"); p.className = cls; p.textContent = text; body.appendChild(p); return p; };
    if (!mast) {
      line("muted", t.no_mast);
    } else {
      body.className = "weather" + (mast.stale ? " stale" : "");
      body.dataset.mast = mast.mast;
      body.dataset.stale = mast.stale ? "1" : "0";
      if (mast.wind_speed_ms != null && mast.wind_from_deg != null) {
        const p = line("wind-line", "");
        const arrow = document.createElement("span");
        arrow.className = "wind-arrow";
        arrow.textContent = "↓";
        arrow.style.transform = "rotate(" + Number(mast.wind_from_deg) + "deg)";
        const speed = document.createElement("strong");
        speed.className = "wind-speed";
        speed.textContent = Number(mast.wind_speed_ms).toFixed(1) + " m/s";
        const from = document.createElement("strong");
        from.className = "wind-from";
        from.textContent = Math.round(Number(mast.wind_from_deg)) + "°";
        p.append(arrow, " ", speed, " " + t.wind_from + " ", from);
      }
      const at = mast.at ? new Date(mast.at) : null;
      const ago = mast.age_s != null ? " (" + Math.round(mast.age_s / 60) + " " + t.ago_min + ")" : "";
      line("small", t.mast + " " + mast.name + " (" + mast.mast + ")" + (at ? " · " + at.toLocaleTimeString() + ago : ""));
      if (mast.stale) { const p = line("error small stale-note", t.stale); p.setAttribute("role", "alert"); }
      windArrow(mast);
      const extra = [];
      if (mast.air_temperature_c != null) extra.push(Number(mast.air_temperature_c).toFixed(1) + " °C");
      if (mast.stability) extra.push(t.stability_class + " " + mast.stability);
      if (extra.length) line("small muted", extra.join(" · "));
    }
    const title = weatherBox.querySelector("h2");
    weatherBox.replaceChildren(title, body);
  }
  // The wind on the scene: an arrow lying on the ground at the mast, pointing downwind.
  let arrowMarker = null;
  function windArrow(mast) {
    if (arrowMarker) { arrowMarker.remove(); arrowMarker = null; }
    if (!mast?.location || mast.wind_from_deg == null || mast.stale) return;
    const node = document.createElement("div");
    node.className = "wind-arrow3d";
    node.textContent = "↓";
    node.title = t.wind + " " + Number(mast.wind_speed_ms).toFixed(1) + " m/s " + t.wind_from + " " + Math.round(mast.wind_from_deg) + "°";
    arrowMarker = new maplibregl.Marker({ element: node, rotation: Number(mast.wind_from_deg),
                                          rotationAlignment: "map", pitchAlignment: "map" })
      .setLngLat(mast.location).addTo(map);
  }
  function refreshWeather() {
    fetch(el.dataset.weatherUrl, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((masts) => { if (masts) renderWeather(masts.find((m) => !m.stale) || masts[0] || null); })
      .catch(() => {});
  }
  document.querySelectorAll("#weather .wind-arrow[data-from]").forEach((a) => { a.style.transform = "rotate(" + Number(a.dataset.from) + "deg)"; });

  // ---- presenting: rotate around the park, reset --------------------------------------------
  const rotateButton = document.getElementById("rotate-3d");
  let rotating = false;
  let last = null;
  const stats = { frames: 0, since: null };
  window.map3dStats = stats; // frames drawn while rotating, for the bench
  // Adaptive resolution while turning: where WebGL runs in software (no GPU, as in a VM) the
  // frame's cost is mostly its pixels (measured: ratio 1 -> 0.5 -> 0.4 halves and then takes
  // another sixth off the GPU process's work a frame), and at full resolution a frame can take
  // longer than the eye forgives. Below 20 frames/s the scene is drawn at fewer pixels (down to
  // 0.4 of the ratio, a sixth of the pixels; the DOM labels stay sharp) while it turns, and sharp
  // again as soon as it stops. Each change of resolution reallocates the canvas and stalls the
  // page for a moment (the browser waits for the GPU process to finish its work), so the ratio is
  // chosen before the first turn (calibrate, below) and corrected from the measured rate in one
  // step rather than walked down; the next turn starts at the ratio the last one settled at
  // (raised again above 40 frames/s).
  const fullRatio = window.devicePixelRatio || 1;
  const minRatio = fullRatio * 0.4;
  let turningRatio = fullRatio;
  let adaptive = true;
  let window1 = { frames: 0, since: 0 };
  stats.pixelRatio = fullRatio;
  function useRatio(ratio) {
    if (Math.abs(map.getPixelRatio() - ratio) < 1e-6) return;
    map.setPixelRatio(ratio);
    stats.pixelRatio = map.getPixelRatio();
  }
  // The ratio for a wanted frame rate, from the rate measured at `ratio`. A frame's time is a
  // part that does not depend on the pixels (measured here: about 0.4 of a full-resolution
  // frame: compositing the page, MapLibre's own work) and a part that goes with the pixels, the
  // square of the ratio. Aims at 26 frames/s, above the 20 wanted: a standing scene redraws a
  // little faster than a turning one (measured 14 against 13 frames/s at full resolution).
  const FIXED_SHARE = 0.4;
  function ratioFor(rate, ratio) {
    const frame = 1 / rate;
    const full = frame / (FIXED_SHARE + (1 - FIXED_SHARE) * (ratio / fullRatio) ** 2);
    const pixels = (1 / 26 / full - FIXED_SHARE) / (1 - FIXED_SHARE);
    const wanted = fullRatio * Math.sqrt(Math.max(0, Math.min(1, pixels)));
    return Math.max(minRatio, Math.min(fullRatio, wanted));
  }
  // While turning, fills are drawn without their antialiasing outlines (a pass each).
  const OUTLINED = ["basemap-fill", "park-fill"];
  function turningLook(on) {
    for (const id of OUTLINED) if (map.getLayer(id)) map.setPaintProperty(id, "fill-antialias", !on);
  }
  map.on("render", () => {
    if (calibrating) { calibrating.frames += 1; return; }
    if (!rotating) return;
    stats.frames += 1;
    window1.frames += 1;
    const now = performance.now();
    if (now - window1.since >= 1000) {
      const rate = window1.frames * 1000 / (now - window1.since);
      const ratio = map.getPixelRatio();
      if (adaptive && rate < 20 && ratio > minRatio + 1e-6) {
        turningRatio = Math.max(minRatio, Math.min(ratio * 0.9, ratioFor(rate, ratio)));
        useRatio(turningRatio);
        window1 = { frames: 0, since: performance.now() }; // the stall is not the new ratio's
        return;
      }
      if (adaptive && rate > 40 && ratio < fullRatio - 1e-6) {
        // The machine has room again (the ratio was chosen under a passing load): sharper, by a
        // step small enough (at most 1.25×, 1.56× the pixels) not to fall back below 20.
        turningRatio = Math.min(fullRatio, ratio * 1.25, ratioFor(rate, ratio));
        useRatio(turningRatio);
        window1 = { frames: 0, since: performance.now() };
        return;
      }
      window1 = { frames: 0, since: now };
    }
  });
  // Before the first turn: the scene is drawn a few times as it stands (the same picture, so
  // nobody sees it) and the turning ratio chosen from that rate, so the first seconds of a turn
  // are not spent at a resolution this machine cannot keep up.
  let calibrating = null;
  function calibrate() {
    if (rotating || calibrating) return;
    calibrating = { frames: 0, since: performance.now() };
    const until = calibrating.since + 700;
    const again = () => {
      if (!calibrating) return;
      const now = performance.now();
      if (now < until && !rotating) { map.triggerRepaint(); requestAnimationFrame(again); return; }
      const rate = calibrating.frames * 1000 / (now - calibrating.since);
      calibrating = null;
      if (!rotating && rate > 0) turningRatio = ratioFor(rate, map.getPixelRatio());
      stats.calibrated = rate;
    };
    map.triggerRepaint();
    requestAnimationFrame(again);
  }
  function spin(now) {
    if (!rotating) return;
    if (last !== null) map.setBearing(map.getBearing() + (now - last) * 0.012); // 12° a second
    last = now;
    requestAnimationFrame(spin);
  }
  // `adaptive: false` (the bench's): turn at full resolution, to measure what it costs.
  function setRotating(on, options = {}) {
    rotating = on;
    last = null;
    if (rotateButton) rotateButton.setAttribute("aria-pressed", on ? "true" : "false");
    turningLook(on);
    if (on) {
      calibrating = null;
      adaptive = options.adaptive !== false;
      if (adaptive) useRatio(turningRatio);
      stats.frames = 0;
      stats.since = performance.now();
      window1 = { frames: 0, since: stats.since };
      requestAnimationFrame(spin);
    } else {
      useRatio(fullRatio);
    }
  }
  window.map3dRotate = setRotating;
  if (rotateButton) rotateButton.addEventListener("click", () => setRotating(!rotating));
  const reset = document.getElementById("reset-3d");
  if (reset) reset.addEventListener("click", () => { setRotating(false); map.easeTo({ ...view, duration: 800 }); });
  map.on("mousedown", () => setRotating(false));
}

init();
