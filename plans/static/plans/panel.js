// The plans card on an incident page: re-rendered by the server when a task or activation of
// this incident changes (the HTML comes from a Django template, escaped there), and open
// tasks past their due time flagged without waiting for the server's overdue job.
import * as stream from "../stream/stream.js";
import { ACTIVATION_ANY, TASK_ANY } from "../stream/event_types.js";

let timer = null;

function panel() { return document.getElementById("plans-panel"); }

function concerns(event) {
  const el = panel();
  const p = event.payload || {};
  return el && p.incident && String(p.incident.id) === el.dataset.incident;
}

async function refresh() {
  const el = panel();
  if (!el) return;
  const response = await fetch(el.dataset.panelUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
  if (!response.ok) return;
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = doc.getElementById("plans-panel");
  if (!fresh) return;
  // Keep what a commander is typing (a reason to end the response) across the refresh.
  const typed = new Map();
  el.querySelectorAll("form input[name=reason]").forEach((input) => { typed.set(input.form.action, input.value); });
  fresh.querySelectorAll("form input[name=reason]").forEach((input) => {
    if (typed.has(input.form.action)) input.value = typed.get(input.form.action);
  });
  const node = document.importNode(fresh, true);
  el.replaceWith(node);
  markOverdue();
  node.classList.add("flash");
}

function schedule(event) {
  if (!concerns(event)) return;
  // One re-render for a burst: activating a level emits one event per task.
  if (timer) return;
  timer = setTimeout(() => { timer = null; refresh(); }, 150);
}

function markOverdue() {
  const el = panel();
  if (!el) return;
  const now = Date.now();
  el.querySelectorAll("tr.task[data-status=open]").forEach((row) => {
    if (row.classList.contains("overdue") || !(Date.parse(row.dataset.due) < now)) return;
    row.classList.add("overdue");
    const flag = document.createElement("strong");
    flag.className = "overdue-flag";
    flag.textContent = " " + (el.dataset.overdueLabel || "Overdue");
    const cell = row.querySelector("time");
    if (cell) cell.after(flag);
  });
}

stream.on(TASK_ANY, schedule);
stream.on(ACTIVATION_ANY, schedule);
setInterval(markOverdue, 30000);
