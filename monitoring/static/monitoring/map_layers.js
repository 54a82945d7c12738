// How the console map draws monitoring points (registered in monitoring/layers.py): a point in
// alarm is drawn larger, on top. A drill's exercise alarm keeps the real colour, adds the dashed
// magenta ring and the label.

export const layers = {
  "monitoring-points": ({ t, colour, circle, popup, word, when, EXERCISE }) => ({
    point: (p) =>
      p.exercise_alarm
        ? { ...circle(colour(p.state), 8), color: "#b3007d", weight: 3, dashArray: "3 3" }
        : circle(colour(p.state), p.state === "normal" ? 5 : 8),
    popup: (p) =>
      popup(
        `${p.exercise_alarm ? `${EXERCISE} · ${String(p.exercise_alarm).toUpperCase()} · ` : ""}${p.code} ${p.name}`,
        [
          [t.state, word("point_state", p.state)],
          [t.value, p.value == null ? null : `${p.value} ${p.unit || ""}`],
          [t.time, when(p.ts)],
          [t.risk_source, p.risk_source_code],
        ],
        { href: p.url, text: t.open },
      ),
  }),
};
