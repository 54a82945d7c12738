// How the console map draws incidents' layers (registered in incidents/layers.py): each entry
// gets the map's kit (colour from the legend, popup, words) and returns point/style/popup.

export const layers = {
  // A drill's incident (演练): a dashed magenta ring and the label in its popup.
  incidents: ({ t, colour, circle, popup, named, word, EXERCISE }) => ({
    point: (p) =>
      p.exercise
        ? { ...circle(colour(p.severity), 9), color: "#b3007d", weight: 3, dashArray: "3 3" }
        : circle(colour(p.severity), 9),
    popup: (p) =>
      popup(
        `${p.exercise ? `${EXERCISE} · ` : ""}${p.number} ${p.title}`,
        [
          [t.type, named(p.type_name, p.type_name_en)],
          [t.severity, word("severity", p.severity)],
          [t.status, word("incident_status", p.status)],
          ["", p.address],
        ],
        { href: p.url, text: t.open },
      ),
  }),
  // A drill's plume (演练) must never pass for a real one: the exercise magenta, dashed, with a
  // faint fill and a label on the zone itself (not only in its popup: issue 22, point 3). A zone
  // modelled on another console ticks the layer (reveal); threat zones lie on top of the areas.
  "threat-zones": ({ t, colour, popup, EXERCISE }) => ({
    stack: 50,
    reveal: true,
    style: (p) =>
      p.exercise
        ? { color: "#b3007d", weight: 3, dashArray: "8 6", fillColor: "#b3007d", fillOpacity: 0.08 }
        : { color: colour((p.level || "").slice(-1)), weight: 2, fillOpacity: 0.3 },
    label: (p) => (p.exercise ? `${EXERCISE} · ${p.level || ""}` : null),
    popup: (p) =>
      popup(
        `${p.exercise ? `${EXERCISE} · ` : ""}${p.chemical} ${p.level}`,
        [
          [t.threshold, p.threshold_ppm],
          [t.distance, p.distance_m],
          [t.release, p.release],
          [t.incident, p.incident],
        ],
        p.incident ? { href: `/incidents/${Number(p.incident)}/`, text: t.incident } : null,
      ),
  }),
};
