// Responder page: act without a page reload, and ring when a new assignment arrives.
(function () {
  "use strict";
  const errorBox = document.getElementById("responder-error");
  let audio = null;

  document.getElementById("enable-sound").addEventListener("click", (ev) => {
    // Browsers only allow sound after a user gesture; this button is that gesture.
    audio = new (window.AudioContext || window.webkitAudioContext)();
    ev.target.hidden = true;
  });

  function ring() {
    if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
    if (!audio) return;
    [0, 0.35, 0.7].forEach((offset) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.3;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + offset);
      osc.stop(audio.currentTime + offset + 0.25);
    });
  }

  if (window.CommandStream) {
    window.CommandStream.on("assignment.created", ring);
    window.CommandStream.on("assignment.escalated", ring);
  }

  document.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (!form.closest("#responder-assignments")) return;
    ev.preventDefault();
    const body = new FormData(form);
    if (ev.submitter && ev.submitter.name) body.set(ev.submitter.name, ev.submitter.value);
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
    window.LiveFragments.refreshAll();
  });
})();
