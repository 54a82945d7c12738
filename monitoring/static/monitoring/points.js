// The points table follows alarms live: a point's state cell changes with each alarm event.
(function () {
  "use strict";
  if (!window.CommandStream) return;
  window.CommandStream.on("alarm.", (event) => {
    const p = event.payload.point;
    const row = document.querySelector('tr[data-point="' + Number(p.id) + '"]');
    if (!row) return;
    const cell = row.querySelector("[data-state]");
    cell.className = "state state-" + p.state;
    cell.textContent = p.state.toUpperCase();
  });
})();
