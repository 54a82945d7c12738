// The console's keys and sound. Keys: Alt+N new incident, Alt+A acknowledge (dismiss) the
// banners, Alt+P print; pages add their own (the incident page: Alt+D dispatch, Alt+F find a
// unit). Sound: the header's one switch (command/sound.js); new incidents and escalations ring
// through it (Web Audio, no file to fetch).
(function () {
  "use strict";
  const script = document.getElementById("console-keys");
  if (!script) return;
  const data = script.dataset;

  document.addEventListener("keydown", (ev) => {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const key = ev.key.toLowerCase();
    if (key === "n" && data.newUrl) { ev.preventDefault(); location.href = data.newUrl; }
    else if (key === "a") {
      const box = document.getElementById("live-alerts");
      if (box && box.children.length) {
        ev.preventDefault();
        // Acknowledging a banner says "seen": the escalation stays on the incident's page.
        box.querySelectorAll("[data-live-alert] button").forEach((b) => b.click());
        box.querySelectorAll("[data-escalated-assignment]").forEach((li) => li.remove());
      }
    } else if (key === "p") { ev.preventDefault(); window.print(); }
  });
  document.addEventListener("click", (ev) => {
    if (ev.target.closest("[data-print]")) window.print();
  });

  // Escalation banners rendered by the server stay until someone acts on the assignment.
  document.addEventListener("click", (ev) => {
    const hide = ev.target.closest("[data-hide-banner]");
    if (hide) hide.closest("li").remove();
  });
  if (window.CommandStream) {
    window.CommandStream.on("assignment.updated", (event) => {
      const p = event.payload || {};
      if (p.status === "pending") return;
      document.querySelectorAll(`[data-escalated-assignment="${Number(p.id)}"]`).forEach((li) => li.remove());
    });
  }

  // New incidents and escalations ring through the one sound switch (command/sound.js); park
  // alarms ring from the alarm bar (monitoring/alarms.js), which knows their level.
  if (window.CommandStream && window.CommandSound) {
    window.CommandStream.on("incident.created", () => window.CommandSound.ring("incident"));
    window.CommandStream.on("assignment.escalated", () => window.CommandSound.ring("escalated"));
  }
})();
