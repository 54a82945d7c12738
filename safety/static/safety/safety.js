// Ledger pages follow the stream: an event about what this page shows offers a reload (the
// server renders the page, so user text is always escaped by the template engine).
import * as stream from "../stream/stream.js";

function init() {
  const note = document.getElementById("live-note");
  if (!note) return;
  const watch = (note.dataset.watch || "").split(" ").filter(Boolean);
  stream.on("*", (event) => {
    if (!watch.some((prefix) => event.type.startsWith(prefix))) return;
    const id = note.dataset.id;
    if (id && String(event.payload?.id) !== id) return;
    note.hidden = false;
  });
}

init();
