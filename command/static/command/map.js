// The console map: GeoJSON layers from /api/v1/layers/<name>/ for the visible bbox, a layer
// switcher with legends, popups built with textContent (user text is never parsed as HTML),
// live refresh from the event stream, and the toxic-release form. No inline scripts (CSP).
(function () {
  "use strict";

  const mapEl = document.getElementById("map");
  if (!mapEl || typeof L === "undefined") return;
  const config = JSON.parse(document.getElementById(mapEl.dataset.mapConfig).textContent);
  const t = JSON.parse(document.getElementById(mapEl.dataset.i18n).textContent);
  const layerUrl = (name) => mapEl.dataset.layerUrl.replace("LAYER", encodeURIComponent(name));

  // ---- colours, from the server-rendered legend so legend and map always agree ----------
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
  const colour = (layer, value, fallback) => (colours[layer] || {})[value == null ? "" : String(value)] || fallback || "#555";

  // ---- base map: the district from its own GIS data, tiles (optional) on top ---------------
  const map = L.map(mapEl, { center: config.center, zoom: config.zoom, minZoom: config.min_zoom,
                             maxZoom: config.max_zoom, preferCanvas: true });
  window.commandMap = map; // for the browser tests
  if (window.Basemap) {
    window.Basemap.draw(map, mapEl.dataset.basemapUrl);
    window.Basemap.tiles(map, config.tile_url, t.tiles_offline,
                         { attribution: config.attribution, maxZoom: config.max_zoom });
  }

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
    if (link && link.href && link.href.startsWith("/")) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      box.appendChild(a);
    }
    return box;
  }

  const EXERCISE = "演练 / EXERCISE";
  // Names in the page's language: the English name on an English page where there is one.
  const english = (document.documentElement.lang || "").startsWith("en");
  const named = (zh, en) => (english && en ? en : zh);
  const word = (group, code) => ((config.labels || {})[group] || {})[code] || code;

  // An ISO timestamp as local date and time; anything else is shown as it came (as text).
  const when = (iso) => {
    if (!iso) return null;
    const d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString(document.documentElement.lang || undefined);
  };
  const circle = (c, r) => ({ radius: r || 6, color: "#fff", weight: 1.5, fillColor: c, fillOpacity: 0.95 });

  // ---- layer definitions ---------------------------------------------------------------
  const defs = {
    incidents: {
      // A drill's incident (演练): a dashed magenta ring and the label in its popup.
      point: (p) => p.exercise ? { ...circle(colour("incidents", p.severity), 9), color: "#b3007d", weight: 3, dashArray: "3 3" }
        : circle(colour("incidents", p.severity), 9),
      popup: (p) => popup((p.exercise ? EXERCISE + " · " : "") + p.number + " " + p.title, [[t.type, named(p.type_name, p.type_name_en)],
        [t.severity, word("severity", p.severity)], [t.status, word("incident_status", p.status)], ["", p.address]], { href: p.url, text: t.open }),
    },
    resources: {
      // A unit reporting its position live (issue 24.8) wears a blue ring; others stand at their depot.
      point: (p) => (p.live ? { ...circle(colour("resources", p.status), 6), color: "#0050b3", weight: 3 }
        : circle(colour("resources", p.status), 5)),
      popup: (p) => popup(p.name, [[t.kind, word("resource_kind", p.kind)], [t.status, word("resource_status", p.status)], [t.agency, p.agency], [t.phone, p.phone]]),
    },
    "risk-sources": {
      point: (p) => circle(colour("risk-sources", p.grade), 7),
      style: (p) => ({ color: colour("risk-sources", p.grade), weight: 2, fillOpacity: 0.5 }),
      popup: (p) => popup(named(p.name, p.name_en), [[t.enterprise, p.enterprise],
        [t.installation, p.installation], [t.grade, p.grade ? p.grade : t.not_major], [t.r_value, p.r_value],
        [t.people500, p.people_within_500m]]),
    },
    targets: {
      point: (p) => circle(colour("targets", p.kind), 6),
      popup: (p) => popup(named(p.name, p.name_en), [[t.kind, word("target_kind", p.kind)], [t.population, p.population]]),
    },
    shelters: {
      point: (p) => circle(p.free > 0 ? "#1a9850" : "#8c8c8c", 7),
      popup: (p) => popup(p.name, [[t.capacity, p.capacity], [t.free, p.free], [t.status, word("resource_status", p.status)]]),
    },
    "hazard-zones": {
      style: (p) => ({ color: colour("hazard-zones", p.kind), weight: 1.5, fillOpacity: 0.25 }),
      popup: (p) => popup(named(p.name, p.name_en), [[t.kind, word("zone_kind", p.kind)], [t.level, p.level],
        [t.description, p.description]]),
    },
    areas: {
      style: () => ({ color: "#13233a", weight: 1.5, fill: false, dashArray: "4 4" }),
      interactive: false,
    },
    "threat-zones": {
      // A drill's plume (演练) must never pass for a real one: the exercise magenta, dashed, with a
      // faint fill and a label on the zone itself (not only in its popup: issue 22, point 3).
      style: (p) => (p.exercise
        ? { color: "#b3007d", weight: 3, dashArray: "8 6", fillColor: "#b3007d", fillOpacity: 0.08 }
        : { color: colour("threat-zones", (p.level || "").slice(-1)), weight: 2, fillOpacity: 0.3 }),
      label: (p) => (p.exercise ? EXERCISE + " · " + (p.level || "") : null),
      popup: (p) => popup((p.exercise ? EXERCISE + " · " : "") + p.chemical + " " + p.level, [[t.threshold, p.threshold_ppm], [t.distance, p.distance_m],
        [t.release, p.release], [t.incident, p.incident]],
        p.incident ? { href: "/incidents/" + Number(p.incident) + "/", text: t.incident } : null),
    },
    alerts: {
      style: (p) => ({ color: colour("alerts", p.level), weight: 2, dashArray: "6 4", fillOpacity: 0.12 }),
      // The level in words and the expiry in local time ("级别 yellow" and a UTC ISO stamp before).
      popup: (p) => popup(p.headline, [[t.warning, p.event], [t.level, word("alert_level", p.level)],
        [t.area, p.area_description], [t.expires, when(p.expires)]]),
    },
    // Park monitoring (monitoring app): a point in alarm is drawn larger, on top.
    // A drill's exercise alarm keeps the real colour, adds the dashed magenta ring and the label.
    "monitoring-points": {
      point: (p) => p.exercise_alarm ? { ...circle(colour("monitoring-points", p.state), 8), color: "#b3007d", weight: 3, dashArray: "3 3" }
        : circle(colour("monitoring-points", p.state), p.state === "normal" ? 5 : 8),
      popup: (p) => popup((p.exercise_alarm ? EXERCISE + " · " + String(p.exercise_alarm).toUpperCase() + " · " : "") + p.code + " " + p.name, [[t.state, word("point_state", p.state)],
        [t.value, p.value == null ? null : p.value + " " + (p.unit || "")], [t.time, when(p.ts)],
        [t.risk_source, p.risk_source_code]], { href: p.url, text: t.open }),
    },
    // The safety ledger (safety app): permits in force now, and the four-colour map.
    "work-permits": {
      point: () => ({ ...circle(colour("work-permits", ""), 7), color: "#fff", weight: 2 }),
      popup: (p) => popup(t.permit + " · " + word("permit_kind", p.kind), [[t.place, p.place],
        [t.grade, p.grade ? word("permit_grade", p.grade) : null], [t.enterprise, p.enterprise],
        [t.valid_from, when(p.valid_from)], [t.valid_to, when(p.valid_to)]]),
    },
    "risk-points": {
      point: (p) => circle(colour("risk-points", p.colour), 6),
      popup: (p) => popup(p.name, [[t.risk_colour, word("risk_colour", p.colour)], [t.method, word("risk_method", p.method)],
        [t.score, p.score], [t.enterprise, p.enterprise]]),
    },
    "enterprise-colours": {
      point: (p) => circle(colour("enterprise-colours", p.colour), 9),
      style: (p) => ({ color: colour("enterprise-colours", p.colour), weight: 2, fillOpacity: 0.3 }),
      popup: (p) => popup(p.code + " " + p.name, [[t.risk_colour, p.colour ? word("risk_colour", p.colour) : ""],
        [t.factors, (p.factors || []).map((f) => (f && typeof f === "object" ? f.text : f)).filter(Boolean).join("; ")]]),
    },
    // Closed park management (park app, issue 24): gates, who is where, hazmat vehicles.
    gates: {
      point: (p) => (p.alarms > 0 ? { ...circle(colour("gates", p.kind), 8), color: "#d7191c", weight: 3 }
        : circle(colour("gates", p.kind), 6)),
      popup: (p) => popup(t.gate + " · " + p.code + " " + p.name, [[t.kind, word("gate_kind", p.kind)],
        [t.gate_alarms, p.alarms || null]]),
    },
    "park-presence": {
      style: (p) => ({ color: colour("park-presence", ""), weight: 1.5, fillOpacity: p.people + p.vehicles > 0 ? 0.25 : 0.05 }),
      popup: (p) => popup(t.zone + " · " + p.code + " " + p.name, [[t.kind, word("park_zone_kind", p.kind)],
        [t.people_in, p.people], [t.vehicles_in, p.vehicles], [t.hazmat_in, p.hazmat_vehicles],
        [t.capacity, p.capacity]]),
    },
    vehicles: {
      point: (p) => circle(colour("vehicles", (p.alarms || []).length ? "alarm" : ""), 7),
      popup: (p) => {
        const box = popup(t.plate + " · " + p.plate, [[t.time, when(p.ts)], [t.speed, p.speed_kmh],
          [t.vehicle_alarms, (p.alarms || []).map((k) => word("vehicle_alarm", k)).join("、")]]);
        // The track's URL is built here from the plate, never taken from the data (a same-origin path only).
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.replayTrack = p.plate;
        button.textContent = t.replay;
        button.addEventListener("click", () => replayTrack(p.plate));
        box.appendChild(button);
        return box;
      },
    },
  };

  // ---- a vehicle's track, replayed: the line it drove and a marker stepping through its positions
  let track = null;
  async function replayTrack(plate) {
    if (track) { clearInterval(track.timer); map.removeLayer(track.group); track = null; }
    let data;
    try {
      const resp = await fetch("/api/v1/park/vehicles/" + encodeURIComponent(plate) + "/track/",
                               { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!resp.ok) return;
      data = await resp.json();
    } catch (err) {
      return;
    }
    const points = data.features.filter((f) => f.geometry.type === "Point");
    mapEl.dataset.trackPlate = plate;
    mapEl.dataset.trackPoints = String(points.length);
    if (!points.length) { map.closePopup(); L.popup().setLatLng(map.getCenter()).setContent(t.track_empty).openOn(map); return; }
    const latlngs = points.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]);
    const group = L.featureGroup().addTo(map);
    L.polyline(latlngs, { color: "#0050b3", weight: 3, opacity: 0.8 }).addTo(group);
    const marker = L.circleMarker(latlngs[0], { ...circle("#0050b3", 7), color: "#fff" }).addTo(group);
    marker.bindTooltip("", { permanent: true, direction: "top" });
    let step = 0;
    const show = () => {
      marker.setLatLng(latlngs[step]);
      marker.setTooltipContent(plate + " · " + t.track_at + " " + when(points[step].properties.ts));
      mapEl.dataset.trackStep = String(step);
    };
    show();
    map.fitBounds(group.getBounds().pad(0.2), { maxZoom: 16 });
    track = { group, timer: setInterval(() => { if (step >= latlngs.length - 1) { clearInterval(track.timer); return; } step += 1; show(); }, 250) };
  }

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
    const box = document.querySelector('[data-layer="' + name + '"]');
    if (!box || !box.checked) return;
    if (controllers[name]) controllers[name].abort();
    const ctrl = controllers[name] = new AbortController();
    let data;
    try {
      const resp = await fetch(layerUrl(name) + "?bbox=" + bboxParam(), { credentials: "same-origin", signal: ctrl.signal,
                                                                          headers: { Accept: "application/geo+json, application/json" } });
      if (!resp.ok) return;
      data = await resp.json();
    } catch (err) {
      return; // aborted by a newer request, or offline: the stream will prompt another refresh
    }
    const def = defs[name] || {}; // a layer without a style here is drawn plainly, never an error
    const group = ensureGroup(name);
    // A permanent label (a drill zone's 演练 / EXERCISE) outlives its layer in Leaflet 1.9 (its
    // element stays on the map even when closed): take the element away with the layer.
    group.eachLayer((l) => {
      const tip = l.getTooltip ? l.getTooltip() : null;
      if (!tip) return;
      const box = tip.getElement ? tip.getElement() : null;
      l.unbindTooltip();
      if (box) box.remove();
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
    const count = document.querySelector('[data-layer-count="' + name + '"]');
    if (count) count.textContent = "(" + data.features.length + ")";
    mapEl.dataset["loaded_" + name.replace("-", "_")] = String(data.features.length);
    if (AREA_LAYERS.includes(name)) restack();
  }

  // Area layers lie under the points, in a fixed order whichever loaded last: threat zones on
  // top of them all, so a warning area drawn over a plume never hides the plume's popup.
  const AREA_LAYERS = ["threat-zones", "hazard-zones", "alerts", "enterprise-colours", "areas"];
  function restack() {
    AREA_LAYERS.forEach((name) => { if (groups[name] && map.hasLayer(groups[name])) groups[name].bringToBack(); });
  }

  function setVisible(name, on) {
    const group = ensureGroup(name);
    if (on) { group.addTo(map); refresh(name); } else { map.removeLayer(group); }
  }

  document.querySelectorAll("[data-layer]").forEach((box) => {
    box.addEventListener("change", () => setVisible(box.dataset.layer, box.checked));
    if (box.checked) setVisible(box.dataset.layer, true);
  });

  // Vehicles report every few seconds without a stream event each: their layer is polled while shown.
  setInterval(() => refresh("vehicles"), 10000);

  let moveTimer = null;
  map.on("moveend", () => {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(() => Object.keys(defs).forEach(refresh), 250);
  });

  // ---- live updates: refetch the affected layer, coalescing bursts of events ------------
  const pending = new Set();
  let liveTimer = null;
  function refreshSoon(...names) {
    names.forEach((n) => pending.add(n));
    clearTimeout(liveTimer);
    liveTimer = setTimeout(() => { pending.forEach(refresh); pending.clear(); }, 300);
  }
  if (window.CommandStream) {
    window.CommandStream.on("incident.", () => refreshSoon("incidents"));
    window.CommandStream.on("resource.", () => refreshSoon("resources", "shelters"));
    window.CommandStream.on("alert.", () => refreshSoon("alerts"));
    // A raised, escalated, acknowledged or cleared alarm changes its point's state.
    window.CommandStream.on("alarm.", () => refreshSoon("monitoring-points"));
    window.CommandStream.on("work_permit.", () => refreshSoon("work-permits"));
    window.CommandStream.on("enterprise.colour_changed", () => refreshSoon("enterprise-colours"));
    window.CommandStream.on("gate.", () => refreshSoon("gates", "park-presence"));
    window.CommandStream.on("vehicle.", () => refreshSoon("vehicles"));
    window.CommandStream.on("zone.", () => {
      const box = document.querySelector('[data-layer="threat-zones"]');
      if (box && !box.checked) { box.checked = true; setVisible("threat-zones", true); }
      refreshSoon("threat-zones");
    });
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
    if (opt && opt.dataset.lon) setPoint(Number(opt.dataset.lat), Number(opt.dataset.lon));
    restrictChemicals(opt && opt.dataset.chemicals ? opt.dataset.chemicals.split(",").filter(Boolean) : []);
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
    if (f.exercise && f.exercise.checked) body.exercise = true; // 演练: labelled on the map, never counted
    // Neither wind field: the server takes the weather mast's latest wind (and says which, and when).
    if (f.use_mast && f.use_mast.checked) { delete body.wind_speed_ms; delete body.wind_from_deg; }
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
      try { data = await resp.json(); } catch (e) { data = null; }
      if (resp.status !== 201) { showError(firstMessage(data)); return; }
      showResult(data);
      const box = document.querySelector('[data-layer="threat-zones"]');
      if (box && !box.checked) { box.checked = true; ensureGroup("threat-zones").addTo(map); }
      await refresh("threat-zones");
      const zones = L.geoJSON({ type: "FeatureCollection", features: data.zones.map((z) => ({ type: "Feature", geometry: z.geometry, properties: {} })) });
      if (zones.getBounds().isValid()) map.fitBounds(zones.getBounds().pad(0.2));
    } catch (err) {
      showError(t.failed);
    } finally {
      button.disabled = false;
    }
  });
})();
