// The points table follows alarms live: a point's state cell changes with each alarm event.
import * as stream from "../stream/stream.js";
import { ALARM_ANY } from "../stream/event_types.js";

function init() {
  stream.on(ALARM_ANY, (event) => {
    const p = event.payload.point;
    const row = document.querySelector('tr[data-point="' + Number(p.id) + '"]');
    if (!row) return;
    const cell = row.querySelector("[data-state]");
    cell.className = "state state-" + p.state;
    cell.textContent = p.state.toUpperCase();
  });
}

init();
