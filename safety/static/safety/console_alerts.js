// A console-wide banner when a major hidden danger (重大隐患) passes its deadline unclosed
// (event hidden_danger.overdue, heard by consoles for major ones only). The banner is the
// shell's (command/live_alerts.js, window.LiveAlerts.banner); the label is translated by the
// template, on this script's tag, as every console string is (data-* attributes).
(function () {
  "use strict";
  const me = document.currentScript;
  if (!window.CommandStream || !window.LiveAlerts || !me) return;
  window.CommandStream.on("hidden_danger.overdue", (event) => {
    const p = event.payload || {};
    if (p.level !== "major") return;
    // No link: the ledger's pages are the safety roles' (a console reads the enterprise on its map).
    const li = window.LiveAlerts.banner("error", me.dataset.overdueLabel, `${(p.enterprise || {}).name || ""} · ${p.title || ""}`);
    li.dataset.liveAlert = "hidden-danger-overdue";
  });
})();
