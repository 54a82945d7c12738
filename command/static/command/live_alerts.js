// Console-wide banners for what must not be missed: an assignment nobody acknowledged, and a
// new incident. Text is set with textContent (user text is never parsed as HTML). Other apps'
// console banners (safety/console_alerts.js) use this module's `banner`.
import * as stream from "./stream.js";
import { sayExercise } from "./ui_text.js";
import {
  ASSIGNMENT_ESCALATED,
  ASSIGNMENT_UPDATED,
  DRILL_ENDED,
  DRILL_OVERDUE,
  DRILL_STARTED,
  INCIDENT_CREATED,
} from "../stream/event_types.js";

const box = document.getElementById("live-alerts");

/** A banner at the top of #live-alerts; `href` is optional. Returns the new <li>. */
export function banner(kind, label, text, href) {
  const li = document.createElement("li");
  li.className = kind;
  li.dataset.liveAlert = kind;
  const strong = document.createElement("strong");
  strong.textContent = `${label}: `;
  li.appendChild(strong);
  const link = document.createElement(href ? "a" : "span");
  if (href) link.href = href;
  link.textContent = text;
  li.appendChild(link);
  const close = document.createElement("button");
  close.type = "button";
  close.className = "link";
  close.textContent = " ✕";
  close.setAttribute("aria-label", box.dataset.dismissLabel);
  close.addEventListener("click", () => li.remove());
  li.appendChild(close);
  box.prepend(li);
  while (box.children.length > 6) box.lastChild.remove();
  return li;
}

if (box) {
  stream.on(ASSIGNMENT_ESCALATED, (event) => {
    const p = event.payload;
    // One banner per assignment: a new round replaces the last (the server-rendered one too),
    // and acting on the assignment takes it away (console_keys.js).
    for (const li of box.querySelectorAll(`[data-escalated-assignment="${Number(p.id)}"]`)) li.remove();
    const li = banner(
      "error",
      sayExercise(p.incident.exercise, box.dataset.escalatedLabel),
      `${p.resource.name} · ${p.incident.number} ${p.incident.title}`,
      `/incidents/${p.incident.id}/`,
    );
    li.dataset.escalatedAssignment = String(Number(p.id));
  });
  // A unit declined (issue 22, point 5): the incident needs another unit, and the console must
  // hear it at once. One banner per assignment; the reason is the responder's own text.
  stream.on(ASSIGNMENT_UPDATED, (event) => {
    const p = event.payload || {};
    if (p.status !== "declined" || !p.incident || !p.resource) return;
    for (const li of box.querySelectorAll(`[data-declined-assignment="${Number(p.id)}"]`)) li.remove();
    const li = banner(
      "error",
      sayExercise(p.incident.exercise, box.dataset.declinedLabel),
      `${p.resource.name} · ${p.incident.number} ${p.incident.title} · ${p.decline_reason || ""}`,
      `/incidents/${Number(p.incident.id)}/`,
    );
    li.dataset.declinedAssignment = String(Number(p.id));
  });
  // A drill starting or ending is news on every console (演练 / EXERCISE).
  for (const type of [DRILL_STARTED, DRILL_ENDED]) {
    stream.on(type, (event) => {
      const p = event.payload;
      banner("exercise-banner", `${p.label} · ${type === DRILL_STARTED ? "▶" : "■"}`, p.title, `/drills/${Number(p.id)}/`);
    });
  }
  // A plan's periodic drill lapsed (flagged once by drills.flag_overdue_drills): a real duty.
  stream.on(DRILL_OVERDUE, (event) => {
    const p = event.payload;
    banner(
      "warning",
      p.label,
      `${p.plan.code} ${p.plan.title}${p.enterprise ? ` · ${p.enterprise.name}` : ""} · ${p.due_on}`,
      "/drills/#drills-due",
    );
  });
  stream.on(INCIDENT_CREATED, (event) => {
    const p = event.payload;
    // A drill's incident says so first (演练 / EXERCISE): nobody may take it for a real call.
    banner(
      p.exercise ? "exercise-banner" : "warning",
      sayExercise(p.exercise, box.dataset.newLabel),
      `${p.number} ${p.title}`,
      `/incidents/${p.id}/`,
    );
  });
}
