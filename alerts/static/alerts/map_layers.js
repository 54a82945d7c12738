// How the console map draws public warnings in force (registered in alerts/layers.py).

export const layers = {
  // The level in words and the expiry in local time.
  alerts: ({ t, colour, popup, word, when }) => ({
    stack: 30,
    style: (p) => ({ color: colour(p.level), weight: 2, dashArray: "6 4", fillOpacity: 0.12 }),
    popup: (p) =>
      popup(p.headline, [
        [t.warning, p.event],
        [t.level, word("alert_level", p.level)],
        [t.area, p.area_description],
        [t.expires, when(p.expires)],
      ]),
  }),
};
