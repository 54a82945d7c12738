// Live fragments: any element with data-live-fragment="URL" and data-live-on="prefix.,prefix."
// is re-rendered by the server when a matching stream event arrives. The HTML comes from
// Django templates (escaped there), so no user text is ever assembled here.
(function () {
  "use strict";
  const pending = new Map();

  function concerns(el, event) {
    const only = el.dataset.liveIncident;
    if (!only) return true;
    const p = event.payload || {};
    const id = event.type.startsWith("incident.") ? p.id : (p.incident && (p.incident.id ?? p.incident));
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

  if (window.CommandStream) window.CommandStream.on("*", onEvent);
  window.LiveFragments = { refreshAll() { document.querySelectorAll("[data-live-fragment]").forEach(schedule); } };
})();
