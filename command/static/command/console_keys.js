// The console's keys and sound. Keys: Alt+N new incident, Alt+A acknowledge (dismiss) the
// banners, Alt+P print; pages add their own (the incident page: Alt+D dispatch, Alt+F find a
// unit). Sound: the header's one switch (sound.js); new incidents and escalations ring
// through it (Web Audio, no file to fetch).
import * as sound from "../core/sound.js";
import * as stream from "../stream/stream.js";
import { ASSIGNMENT_ESCALATED, ASSIGNMENT_UPDATED, INCIDENT_CREATED } from "../stream/event_types.js";

const script = document.getElementById("console-keys");
const data = script ? script.dataset : {};

document.addEventListener("keydown", (ev) => {
  if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
  const key = ev.key.toLowerCase();
  if (key === "n" && data.newUrl) {
    ev.preventDefault();
    location.href = data.newUrl;
  } else if (key === "a") {
    const box = document.getElementById("live-alerts");
    if (box?.children.length) {
      ev.preventDefault();
      // Acknowledging a banner says "seen": the escalation stays on the incident's page.
      for (const b of box.querySelectorAll("[data-live-alert] button")) b.click();
      for (const li of box.querySelectorAll("[data-escalated-assignment]")) li.remove();
    }
  } else if (key === "p") {
    ev.preventDefault();
    window.print();
  }
});
document.addEventListener("click", (ev) => {
  if (ev.target.closest("[data-print]")) window.print();
});

// Escalation banners rendered by the server stay until someone acts on the assignment.
document.addEventListener("click", (ev) => {
  const hide = ev.target.closest("[data-hide-banner]");
  if (hide) hide.closest("li").remove();
});
stream.on(ASSIGNMENT_UPDATED, (event) => {
  const p = event.payload || {};
  if (p.status === "pending") return;
  for (const li of document.querySelectorAll(`[data-escalated-assignment="${Number(p.id)}"]`)) li.remove();
});

// New incidents and escalations ring through the one sound switch; park alarms ring from the
// alarm bar (monitoring/alarms.js), which knows their level.
stream.on(INCIDENT_CREATED, () => sound.ring("incident"));
stream.on(ASSIGNMENT_ESCALATED, () => sound.ring("escalated"));
