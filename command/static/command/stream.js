// The live stream in the browser: one websocket per page, resumed from the last applied seq.
//
// Usage (from any page script):
//   CommandStream.on("assignment.", (event) => { ... });   // prefix match on event.type
//   CommandStream.on("*", handler);                          // every event
//   CommandStream.start();                                   // once per page (base template does it
//                                                            // when <body data-stream> is set)
// Each event is {seq, type, payload, at}. Handlers never see the same seq twice, and after a
// dropped connection the module reconnects with backoff and asks for everything after the last
// seq it applied: nothing is lost or applied twice. The last seq survives a page reload in
// sessionStorage, so a reload replays what happened while the page was away.
(function () {
  "use strict";
  const handlers = [];
  const storageKey = "commandStream.lastSeq:" + location.pathname;
  let lastSeq = null;
  let socket = null;
  let attempt = 0;
  let started = false;
  const applied = []; // the seqs handed to handlers, newest last: lets tests prove "never twice"

  function stateBadge(live, text) {
    const el = document.getElementById("stream-state");
    if (!el) return;
    el.hidden = false;
    el.textContent = text;
    el.classList.toggle("live", live);
    document.body.dataset.streamLive = live ? "1" : "0";
  }

  function dispatch(event) {
    if (lastSeq !== null && event.seq <= lastSeq) return; // already applied
    lastSeq = event.seq;
    applied.push(event.seq);
    if (applied.length > 1000) applied.shift();
    try { sessionStorage.setItem(storageKey, String(lastSeq)); } catch (e) { /* private mode */ }
    for (const [prefix, fn] of handlers) {
      if (prefix === "*" || event.type.startsWith(prefix)) {
        try { fn(event); } catch (err) { console.error("stream handler failed", err); }
      }
    }
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const since = lastSeq === null ? "" : "?since=" + encodeURIComponent(lastSeq);
    socket = new WebSocket(proto + "//" + location.host + "/ws/stream/" + since);
    socket.onopen = () => { attempt = 0; stateBadge(true, document.body.dataset.liveLabel || "LIVE"); };
    socket.onmessage = (msg) => {
      let data;
      try { data = JSON.parse(msg.data); } catch (e) { return; }
      if (typeof data.seq === "number") dispatch(data);
    };
    socket.onclose = (evt) => {
      stateBadge(false, document.body.dataset.offlineLabel || "OFFLINE");
      // The server's own closes are answers, not network drops: reconnecting would only be
      // refused again (stream/hub.py CLOSE_*).
      if (evt.code === 4401 || evt.code === 4403) {
        // Signed out, token revoked or account gone: the sign-in page says what to do.
        location.assign("/login/?next=" + encodeURIComponent(location.pathname + location.search));
        return;
      }
      if (evt.code === 4400) {
        // Our seq is past the end of the log (a restored database): start again from the page
        // as the server has it now, once; a second refusal falls back to the backoff below.
        try { sessionStorage.removeItem(storageKey); } catch (e) { /* private mode */ }
        if (!sessionStorage.getItem(storageKey + ":reset")) {
          try { sessionStorage.setItem(storageKey + ":reset", "1"); } catch (e) { /* private mode */ }
          location.reload();
          return;
        }
        lastSeq = null;
      }
      attempt += 1;
      // Exponential backoff with jitter, capped at 15 s: a restarting server is not stampeded.
      const delay = Math.min(15000, 500 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }

  window.CommandStream = {
    on(prefix, fn) { handlers.push([prefix, fn]); },
    start(initialSeq) {
      if (started) return;
      started = true;
      const stored = sessionStorage.getItem(storageKey);
      // The page was rendered at `initialSeq`: everything after it is news to this page.
      if (initialSeq !== undefined && initialSeq !== null && initialSeq !== "") lastSeq = Number(initialSeq);
      else if (stored !== null) lastSeq = Number(stored);
      connect();
    },
    get lastSeq() { return lastSeq; },
    get applied() { return applied.slice(); },
    // For tests and the soak harness: drop the socket as a network failure would.
    _dropForTest() { if (socket) socket.close(); },
  };

  document.addEventListener("DOMContentLoaded", () => {
    const seq = document.body.dataset.streamSince;
    if (document.body.hasAttribute("data-stream")) window.CommandStream.start(seq);
  });
})();
