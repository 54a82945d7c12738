// Console-wide banners for what must not be missed: an assignment nobody acknowledged, and a
// new incident. Text is set with textContent (user text is never parsed as HTML).
(function () {
  "use strict";
  const box = document.getElementById("live-alerts");
  if (!box || !window.CommandStream) return;

  // Shared with other apps' console banners (safety/console_alerts.js): window.LiveAlerts.banner.
  // `href` is optional; the new banner is returned so a caller may tag it.
  function banner(kind, label, text, href) {
    const li = document.createElement("li");
    li.className = kind;
    li.dataset.liveAlert = kind;
    const strong = document.createElement("strong");
    strong.textContent = label + ": ";
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
  window.LiveAlerts = { banner };

  window.CommandStream.on("assignment.escalated", (event) => {
    const p = event.payload;
    // One banner per assignment: a new round replaces the last (the server-rendered one too),
    // and acting on the assignment takes it away (console_keys.js).
    box.querySelectorAll(`[data-escalated-assignment="${Number(p.id)}"]`).forEach((li) => li.remove());
    banner("error", (p.incident.exercise ? "演练 / EXERCISE · " : "") + box.dataset.escalatedLabel,
      `${p.resource.name} · ${p.incident.number} ${p.incident.title}`,
      `/incidents/${p.incident.id}/`);
    if (box.firstChild) box.firstChild.dataset.escalatedAssignment = String(Number(p.id));
  });
  // A unit declined (issue 22, point 5): the incident needs another unit, and the console must
  // hear it at once. One banner per assignment; the reason is the responder's own text.
  window.CommandStream.on("assignment.updated", (event) => {
    const p = event.payload || {};
    if (p.status !== "declined" || !p.incident || !p.resource) return;
    box.querySelectorAll(`[data-declined-assignment="${Number(p.id)}"]`).forEach((li) => li.remove());
    const li = banner("error", (p.incident.exercise ? "演练 / EXERCISE · " : "") + box.dataset.declinedLabel,
      `${p.resource.name} · ${p.incident.number} ${p.incident.title} · ${p.decline_reason || ""}`,
      `/incidents/${Number(p.incident.id)}/`);
    li.dataset.declinedAssignment = String(Number(p.id));
  });
  // A drill starting or ending is news on every console (演练 / EXERCISE).
  ["drill.started", "drill.ended"].forEach((type) => window.CommandStream.on(type, (event) => {
    const p = event.payload;
    banner("exercise-banner", `${p.label} · ${type === "drill.started" ? "▶" : "■"}`, p.title, `/drills/${Number(p.id)}/`);
  }));
  // A plan's periodic drill lapsed (flagged once by drills.flag_overdue_drills): a real duty.
  window.CommandStream.on("drill.overdue", (event) => {
    const p = event.payload;
    banner("warning", p.label, `${p.plan.code} ${p.plan.title}${p.enterprise ? " · " + p.enterprise.name : ""} · ${p.due_on}`,
      "/drills/#drills-due");
  });
  window.CommandStream.on("incident.created", (event) => {
    const p = event.payload;
    // A drill's incident says so first (演练 / EXERCISE): nobody may take it for a real call.
    banner(p.exercise ? "exercise-banner" : "warning", (p.exercise ? "演练 / EXERCISE · " : "") + box.dataset.newLabel,
      `${p.number} ${p.title}`, `/incidents/${p.id}/`);
  });
})();
