// Responder page: act without a page reload, and ring when a new assignment arrives.
import * as sound from "../core/sound.js";
import * as stream from "../stream/stream.js";
import { ASSIGNMENT_CREATED, ASSIGNMENT_ESCALATED, ASSIGNMENT_UPDATED } from "../stream/event_types.js";
import * as live from "./live.js";

const errorBox = document.getElementById("responder-error");
// Sound and vibration: the header's one switch (core/sound.js), remembered across reloads.
// This big button is that switch for a phone in a glove: it turns it on, and is gone while
// it is on.
const enable = document.getElementById("enable-sound");
function showButton(on) {
  enable.hidden = on;
}
showButton(sound.isOn());
sound.onChange(showButton);
enable.addEventListener("click", () => {
  sound.enable();
  enable.hidden = true;
  if (window.Notification && Notification.permission === "default") Notification.requestPermission();
});

function ring() {
  sound.ring("assignment");
}

// The banner that comes with the sound: what it is, and whether it is only a drill (演练).
const banner = document.getElementById("push-banner");
function announce(event) {
  ring();
  if (!banner) return;
  const p = event.payload || {};
  const incident = p.incident || {};
  const exercise = incident.exercise === true;
  const label = event.type === ASSIGNMENT_ESCALATED ? banner.dataset.escalatedLabel : banner.dataset.newLabel;
  const title = (exercise ? banner.dataset.exerciseLabel + " · " : "") + label;
  const body = `${incident.number || ""} ${incident.title || ""}`.trim();
  const line = document.createElement("p");
  line.className = exercise ? "exercise-banner" : "warning";
  line.dataset.pushBanner = exercise ? "exercise" : "real";
  line.dataset.assignment = String(Number(p.id));
  banner.querySelectorAll(`[data-assignment="${Number(p.id)}"]`).forEach((old) => { old.remove(); });
  line.textContent = `${title}: ${body}`;
  banner.prepend(line);
  while (banner.children.length > 3) banner.lastChild.remove();
  banner.hidden = false;
  // The system's own banner too, where the person allowed notifications.
  if (window.Notification && Notification.permission === "granted") {
    try { new Notification(title, { body, tag: "assignment-" + p.id }); } catch (_err) { /* not on this platform */ }
  }
}

// A banner says "act on this": once the assignment is acted on (acknowledged, declined, moved
// on or cancelled, here or elsewhere) it is stale and goes.
function settle(event) {
  const p = event.payload || {};
  if (!banner || p.status === "pending") return;
  banner.querySelectorAll(`[data-assignment="${Number(p.id)}"]`).forEach((line) => { line.remove(); });
  banner.hidden = banner.children.length === 0;
}

stream.on(ASSIGNMENT_CREATED, announce);
stream.on(ASSIGNMENT_ESCALATED, announce);
stream.on(ASSIGNMENT_UPDATED, settle);

document.addEventListener("submit", async (ev) => {
  const form = ev.target;
  if (!form.closest("#responder-assignments")) return;
  ev.preventDefault();
  const body = new FormData(form);
  if (ev.submitter?.name) body.set(ev.submitter.name, ev.submitter.value);
  form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  errorBox.hidden = true;
  try {
    // getAttribute: `form.action` would be the field named "action", not the URL.
    const response = await fetch(form.getAttribute("action"), { method: "POST", body, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" } });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      errorBox.textContent = data.detail || response.statusText;
      errorBox.hidden = false;
    }
  } catch (err) {
    errorBox.textContent = String(err);
    errorBox.hidden = false;
  }
  live.refreshAll();
});
