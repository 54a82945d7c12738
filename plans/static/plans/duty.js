// The duty page follows handovers live: a new handover (or a confirmation) reloads the page,
// unless the officer is in the middle of writing a handover note.
(function () {
  "use strict";
  if (!window.CommandStream) return;
  window.CommandStream.on("handover.", () => {
    const typing = Array.from(document.querySelectorAll("#handover textarea")).some((t) => t.value.trim());
    if (!typing) window.location.reload();
  });
})();
