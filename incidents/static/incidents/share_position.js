// The responder's phone shares its unit's position (issue 24.8): only with the person's consent
// (the checkbox, remembered on this phone), only while the unit is on duty or assigned (the
// assignments fragment says so, and is re-rendered live), every 10 s or at once after 50 m.
// POST /api/v1/positions/ with the session: the server takes it only for the person's own unit.

function init() {
  const box = document.getElementById("share-position");
  if (!box) return;
  const consent = document.getElementById("share-position-consent");
  const state = document.getElementById("share-position-state");
  const unit = box.dataset.unit;
  const key = "command.sharePosition." + unit;
  const EVERY_MS = 10000;
  const METRES = 50;
  let watch = null, timer = null, latest = null, sent = null;

  function allowed() {
    const flag = document.querySelector("[data-share-allowed]");
    return !!flag && flag.dataset.shareAllowed === "1";
  }
  function say(text, error) {
    state.textContent = text;
    state.classList.toggle("error", !!error);
  }
  function metres(a, b) {
    const r = Math.PI / 180, dLat = (b.lat - a.lat) * r, dLon = (b.lon - a.lon) * r;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dLon / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
  }
  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function send(fix) {
    if (!allowed()) { say(box.dataset.pausedLabel); return; }
    if (sent && sent.ts === fix.ts) return;
    const item = { subject: "resource:" + unit, ts: fix.ts, lon: fix.lon, lat: fix.lat };
    if (fix.speed !== null && fix.speed >= 0) item.speed_kmh = Math.round(fix.speed * 3.6 * 10) / 10;
    sent = fix;
    try {
      const response = await fetch(box.dataset.url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify([item]),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) { say(data.detail || response.statusText, true); return; }
      if (data.rejected?.length) { say(data.rejected[0].error, true); return; }
      say(`${box.dataset.sentLabel} ${new Date(fix.ts).toLocaleTimeString()}`);
      box.dataset.lastSent = fix.ts;
    } catch (err) {
      say(String(err), true);
    }
  }

  function onFix(position) {
    const c = position.coords;
    latest = { ts: new Date(position.timestamp || Date.now()).toISOString(), lon: c.longitude, lat: c.latitude,
               speed: typeof c.speed === "number" ? c.speed : null };
    if (!sent || metres(sent, latest) >= METRES) send(latest);
  }
  function onError(err) {
    say(err && err.code === 1 ? box.dataset.deniedLabel : String((err?.message) || err), true);
  }

  function start() {
    if (!navigator.geolocation) { say(box.dataset.unsupportedLabel, true); return; }
    if (watch !== null) return;
    say(box.dataset.waitingLabel);
    watch = navigator.geolocation.watchPosition(onFix, onError, { enableHighAccuracy: true, maximumAge: 5000 });
    // Every 10 s, even standing still: a fresh fix, so the console knows the unit is where it was.
    timer = setInterval(() => {
      navigator.geolocation.getCurrentPosition((p) => { onFix(p); if (latest) send(latest); }, onError,
                                               { enableHighAccuracy: true, maximumAge: 5000, timeout: 9000 });
    }, EVERY_MS);
  }
  function stop() {
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    clearInterval(timer);
    watch = null; timer = null;
    say("");
  }

  consent.checked = localStorage.getItem(key) === "1";
  consent.addEventListener("change", () => {
    localStorage.setItem(key, consent.checked ? "1" : "0");
    if (consent.checked) start(); else stop();
  });
  if (consent.checked) start();
}

init();
