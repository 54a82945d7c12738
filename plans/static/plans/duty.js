// The duty page follows handovers live: a new handover (or a confirmation) reloads the page,
// unless the officer is in the middle of writing a handover note.
import * as stream from "../stream/stream.js";
import { HANDOVER_ANY } from "../stream/event_types.js";

function init() {
  stream.on(HANDOVER_ANY, () => {
    const typing = Array.from(document.querySelectorAll("#handover textarea")).some((t) => t.value.trim());
    if (!typing) location.reload();
  });
}

init();
