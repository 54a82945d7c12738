// The console's keys and sound. Keys: Alt+N new incident, Alt+A acknowledge (dismiss) the
// banners, Alt+P print; pages add their own (the incident page: Alt+D dispatch, Alt+F find a
// unit). Sound: browsers only play after a gesture, so a button in the top bar enables it; then
// new incidents, escalations and alarms ring (Web Audio, no file to fetch). The choice is kept.
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

  // ---- sound ------------------------------------------------------------------------------
  const storeKey = "console.sound";
  let ctx = null;
  const session = document.querySelector(".topbar .session");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link sound-toggle";
  button.id = "sound-toggle";
  button.title = data.help;
  if (session) session.prepend(button);
  function label() {
    const on = localStorage.getItem(storeKey) === "1";
    button.textContent = on ? "🔔 " + data.soundOn : "🔕 " + data.soundOff;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    document.body.dataset.sound = on ? "on" : "off";
  }
  function audio() {
    if (!ctx) { const AC = window.AudioContext || window.webkitAudioContext; if (AC) ctx = new AC(); }
    if (ctx && ctx.state === "suspended") ctx.resume();
    return ctx;
  }
  button.addEventListener("click", () => {
    const on = localStorage.getItem(storeKey) === "1";
    try { localStorage.setItem(storeKey, on ? "0" : "1"); } catch (e) { /* private mode */ }
    if (!on) { audio(); ring([880]); }
    label();
  });
  label();

  // A new incident: two tones; an escalation or an alarm: three high tones, repeated.
  const TONES = { incident: [660, 880], escalated: [988, 988, 988, 0, 988, 988, 988], alarm: [1175, 0, 1175, 0, 1175] };
  function ring(freqs) {
    window.consoleSounds = (window.consoleSounds || 0) + 1; // counted, for the browser tests
    document.body.dataset.soundsPlayed = String(window.consoleSounds);
    if (localStorage.getItem(storeKey) !== "1") return;
    const ac = audio();
    if (!ac) return;
    let t = ac.currentTime;
    freqs.forEach((f) => {
      if (f) {
        const osc = ac.createOscillator(), gain = ac.createGain();
        osc.frequency.value = f;
        gain.gain.setValueAtTime(0.25, t);
        gain.gain.exponentialRampToValueAtTime(0.001, t + 0.18);
        osc.connect(gain).connect(ac.destination);
        osc.start(t);
        osc.stop(t + 0.2);
      }
      t += 0.22;
    });
  }
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

  if (window.CommandStream) {
    const play = (kind) => () => { if (localStorage.getItem(storeKey) === "1") ring(TONES[kind]); };
    window.CommandStream.on("incident.created", play("incident"));
    window.CommandStream.on("assignment.escalated", play("escalated"));
    window.CommandStream.on("alarm.raised", play("alarm"));
  }
})();
