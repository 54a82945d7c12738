// How the console map draws the chemical park's layers (registered in hazards/layers.py).

export const layers = {
  "risk-sources": ({ t, colour, circle, popup, named }) => ({
    point: (p) => circle(colour(p.grade), 7),
    style: (p) => ({ color: colour(p.grade), weight: 2, fillOpacity: 0.5 }),
    popup: (p) =>
      popup(named(p.name, p.name_en), [
        [t.enterprise, p.enterprise],
        [t.installation, p.installation],
        [t.grade, p.grade ? p.grade : t.not_major],
        [t.r_value, p.r_value],
        [t.people500, p.people_within_500m],
      ]),
  }),
  targets: ({ t, colour, circle, popup, named, word }) => ({
    point: (p) => circle(colour(p.kind), 6),
    popup: (p) =>
      popup(named(p.name, p.name_en), [
        [t.kind, word("target_kind", p.kind)],
        [t.population, p.population],
      ]),
  }),
  "hazard-zones": ({ t, colour, popup, named, word }) => ({
    stack: 40,
    style: (p) => ({ color: colour(p.kind), weight: 1.5, fillOpacity: 0.25 }),
    popup: (p) =>
      popup(named(p.name, p.name_en), [
        [t.kind, word("zone_kind", p.kind)],
        [t.level, p.level],
        [t.description, p.description],
      ]),
  }),
};
