// How the console map draws the closed park (registered in park/layers.py, issue 24): gates,
// who is where, hazardous-chemical vehicles (polled while shown: they report every few seconds
// without a stream event each), and a vehicle's track replayed from its popup.

export const layers = {
  gates: ({ t, colour, circle, popup, word }) => ({
    point: (p) =>
      p.alarms > 0 ? { ...circle(colour(p.kind), 8), color: "#d7191c", weight: 3 } : circle(colour(p.kind), 6),
    popup: (p) =>
      popup(`${t.gate} · ${p.code} ${p.name}`, [
        [t.kind, word("gate_kind", p.kind)],
        [t.gate_alarms, p.alarms || null],
      ]),
  }),
  "park-presence": ({ t, colour, popup, word }) => ({
    style: (p) => ({ color: colour(""), weight: 1.5, fillOpacity: p.people + p.vehicles > 0 ? 0.25 : 0.05 }),
    popup: (p) =>
      popup(`${t.zone} · ${p.code} ${p.name}`, [
        [t.kind, word("park_zone_kind", p.kind)],
        [t.people_in, p.people],
        [t.vehicles_in, p.vehicles],
        [t.hazmat_in, p.hazmat_vehicles],
        [t.capacity, p.capacity],
      ]),
  }),
  vehicles: (kit) => {
    const { t, colour, circle, popup, word, when } = kit;
    const replay = trackReplayer(kit);
    return {
      poll: 10000,
      point: (p) => circle(colour((p.alarms || []).length ? "alarm" : ""), 7),
      popup: (p) => {
        const box = popup(`${t.plate} · ${p.plate}`, [
          [t.time, when(p.ts)],
          [t.speed, p.speed_kmh],
          [t.vehicle_alarms, (p.alarms || []).map((k) => word("vehicle_alarm", k)).join("、")],
        ]);
        // The track's URL is built from the plate, never taken from the data (a same-origin path only).
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.replayTrack = p.plate;
        button.textContent = t.replay;
        button.addEventListener("click", () => replay(p.plate));
        box.appendChild(button);
        return box;
      },
    };
  },
};

// A vehicle's track, replayed: the line it drove and a marker stepping through its positions.
function trackReplayer({ map, mapEl, t, circle, when, getJSON }) {
  let track = null;
  return async function replayTrack(plate) {
    if (track) {
      clearInterval(track.timer);
      map.removeLayer(track.group);
      track = null;
    }
    const data = await getJSON(`/api/v1/park/vehicles/${encodeURIComponent(plate)}/track/`);
    if (!data) return;
    const points = data.features.filter((f) => f.geometry.type === "Point");
    mapEl.dataset.trackPlate = plate;
    mapEl.dataset.trackPoints = String(points.length);
    if (!points.length) {
      map.closePopup();
      L.popup().setLatLng(map.getCenter()).setContent(t.track_empty).openOn(map);
      return;
    }
    const latlngs = points.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]);
    const group = L.featureGroup().addTo(map);
    L.polyline(latlngs, { color: "#0050b3", weight: 3, opacity: 0.8 }).addTo(group);
    const marker = L.circleMarker(latlngs[0], { ...circle("#0050b3", 7), color: "#fff" }).addTo(group);
    marker.bindTooltip("", { permanent: true, direction: "top" });
    let step = 0;
    const show = () => {
      marker.setLatLng(latlngs[step]);
      marker.setTooltipContent(`${plate} · ${t.track_at} ${when(points[step].properties.ts)}`);
      mapEl.dataset.trackStep = String(step);
    };
    show();
    map.fitBounds(group.getBounds().pad(0.2), { maxZoom: 16 });
    const timer = setInterval(() => {
      if (step >= latlngs.length - 1) {
        clearInterval(timer);
        return;
      }
      step += 1;
      show();
    }, 250);
    track = { group, timer };
  };
}
