// How the console map draws resources' layers (registered in resources/layers.py).

export const layers = {
  // A unit reporting its position live (issue 24.8) wears a blue ring; others stand at their depot.
  resources: ({ t, colour, circle, popup, word }) => ({
    point: (p) =>
      p.live ? { ...circle(colour(p.status), 6), color: "#0050b3", weight: 3 } : circle(colour(p.status), 5),
    popup: (p) =>
      popup(p.name, [
        [t.kind, word("resource_kind", p.kind)],
        [t.status, word("resource_status", p.status)],
        [t.agency, p.agency],
        [t.phone, p.phone],
      ]),
  }),
  shelters: ({ t, circle, popup, word }) => ({
    point: (p) => circle(p.free > 0 ? "#1a9850" : "#8c8c8c", 7),
    popup: (p) =>
      popup(p.name, [
        [t.capacity, p.capacity],
        [t.free, p.free],
        [t.status, word("resource_status", p.status)],
      ]),
  }),
  // The towns' boundaries, under every other area.
  areas: () => ({
    stack: 10,
    style: () => ({ color: "#13233a", weight: 1.5, fill: false, dashArray: "4 4" }),
    interactive: false,
  }),
};
