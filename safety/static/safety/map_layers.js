// How the console map draws the safety ledger's layers (registered in safety/layers.py):
// permits in force now, open hidden dangers with a point, and the four-colour map.

export const layers = {
  "work-permits": ({ t, colour, circle, popup, word, when }) => ({
    point: () => ({ ...circle(colour(""), 7), color: "#fff", weight: 2 }),
    popup: (p) =>
      popup(`${t.permit} · ${word("permit_kind", p.kind)}`, [
        [t.place, p.place],
        [t.grade, p.grade ? word("permit_grade", p.grade) : null],
        [t.enterprise, p.enterprise],
        [t.valid_from, when(p.valid_from)],
        [t.valid_to, when(p.valid_to)],
      ]),
  }),
  "hidden-dangers": ({ t, colour, circle, popup, word, when }) => ({
    point: (p) => ({ ...circle(colour(p.level), 7), color: p.overdue ? "#000" : "#fff", weight: 2 }),
    popup: (p) =>
      popup(p.title, [
        [t.level, word("hd_level", p.level)],
        [t.state, word("hd_state", p.state)],
        [t.place, p.place],
        [t.deadline, when(p.deadline)],
        [t.enterprise, p.enterprise],
      ]),
  }),
  "risk-points": ({ t, colour, circle, popup, word }) => ({
    point: (p) => circle(colour(p.colour), 6),
    popup: (p) =>
      popup(p.name, [
        [t.risk_colour, word("risk_colour", p.colour)],
        [t.method, word("risk_method", p.method)],
        [t.score, p.score],
        [t.enterprise, p.enterprise],
      ]),
  }),
  "enterprise-colours": ({ t, colour, circle, popup, word }) => ({
    stack: 20,
    point: (p) => circle(colour(p.colour), 9),
    style: (p) => ({ color: colour(p.colour), weight: 2, fillOpacity: 0.3 }),
    popup: (p) =>
      popup(`${p.code} ${p.name}`, [
        [t.risk_colour, p.colour ? word("risk_colour", p.colour) : ""],
        [
          t.factors,
          (p.factors || [])
            .map((f) => (f && typeof f === "object" ? f.text : f))
            .filter(Boolean)
            .join("; "),
        ],
      ]),
  }),
};
