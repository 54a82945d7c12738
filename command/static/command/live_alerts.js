// Console-wide banners for what must not be missed: an assignment nobody acknowledged, a unit
// that declined, a new incident, a drill. The banner itself is core/banners.js (other apps'
// console banners, safety/console_alerts.js, use it too).
import { banner } from "../core/banners.js";
import { sayExercise } from "../core/ui_text.js";
import * as stream from "../stream/stream.js";
import {
  ASSIGNMENT_ESCALATED,
  ASSIGNMENT_UPDATED,
  DRILL_ENDED,
  DRILL_OVERDUE,
  DRILL_STARTED,
  INCIDENT_CREATED,
} from "../stream/event_types.js";

const box = document.getElementById("live-alerts");

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
