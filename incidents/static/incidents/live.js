// Live fragments: any element with data-live-fragment="URL" and data-live-on="prefix.,prefix."
// is re-rendered by the server when a matching stream event arrives. The HTML comes from
// Django templates (escaped there), so no user text is ever assembled here.
// data-live-incident="<id>": only events of that incident. data-live-units: a unit's position
// report (resource.moved, every few seconds per unit) re-renders the fragment only when the unit
// is one it shows (a row with data-resource="<id>"), not for every unit of the district.
import * as stream from "../stream/stream.js";
import { INCIDENT_ANY, RESOURCE_MOVED } from "../stream/event_types.js";

const pending = new Map();

/** Whether `event` concerns the live fragment `el` (exported for the browser tests). */
export function concerns(el, event) {
  const p = event.payload || {};
  if (event.type === RESOURCE_MOVED && "liveUnits" in el.dataset) {
    return el.querySelector(`[data-resource="${Number(p.id)}"]`) !== null;
  }
  const only = el.dataset.liveIncident;
  if (!only) return true;
  const id = event.type.startsWith(INCIDENT_ANY) ? p.id : p.incident && (p.incident.id ?? p.incident);
  return id === undefined || String(id) === only;
}

async function refresh(el) {
  const response = await fetch(el.dataset.liveFragment, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
  if (!response.ok) return;
  const html = await response.text();
  // Keep ticked checkboxes ticked across a refresh (a dispatcher mid-selection).
  const ticked = new Set(Array.from(el.querySelectorAll("input[type=checkbox]:checked")).map((c) => c.value));
  el.innerHTML = html;
  el.querySelectorAll("input[type=checkbox]").forEach((c) => { if (ticked.has(c.value)) c.checked = true; });
  el.classList.remove("flash"); void el.offsetWidth; el.classList.add("flash");
  el.dispatchEvent(new CustomEvent("live:refreshed", { bubbles: true }));
}

function schedule(el) {
  // Coalesce bursts (a dispatch of five units is a dozen events) into one request.
  if (pending.has(el)) return;
  pending.set(el, setTimeout(() => { pending.delete(el); refresh(el); }, 150));
}

function onEvent(event) {
  document.querySelectorAll("[data-live-fragment]").forEach((el) => {
    const prefixes = (el.dataset.liveOn || "").split(",").filter(Boolean);
    if (prefixes.some((p) => event.type.startsWith(p)) && concerns(el, event)) schedule(el);
  });
}

stream.on("*", onEvent);

/** Re-render every live fragment of the page now (after the page's own write). */
export function refreshAll() {
  for (const el of document.querySelectorAll("[data-live-fragment]")) schedule(el);
}
