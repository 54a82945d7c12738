// The live stream in the browser: one websocket per page, resumed from the last applied seq.
//
// Usage (from any page module):
//   import * as stream from "../stream/stream.js";
//   import { ASSIGNMENT_ANY } from "../stream/event_types.js";
//   stream.on(ASSIGNMENT_ANY, (event) => { ... });   // prefix match on event.type
//   stream.on("*", handler);                          // every event
// The module starts itself once the page is parsed when <body data-stream> is set (the base
// template sets it). Each event is {seq, type, payload, at}. Handlers never see the same seq
// twice, and after a dropped connection the module reconnects with backoff and asks for
// everything after the last seq it applied: nothing is lost or applied twice. The last seq
// survives a page reload in sessionStorage, so a reload replays what happened while the page
// was away. For the browser tests the body carries data-stream-seq (the last applied) and
// data-stream-applied (the seqs handed to handlers, newest last: "never twice").
const handlers = [];
const storageKey = `commandStream.lastSeq:${location.pathname}`;
let lastSeq = null;
let attempt = 0;
let started = false;
const applied = [];

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
  document.body.dataset.streamSeq = String(lastSeq);
  document.body.dataset.streamApplied = applied.join(" ");
  try {
    sessionStorage.setItem(storageKey, String(lastSeq));
  } catch {
    /* private mode */
  }
  for (const [prefix, fn] of handlers) {
    if (prefix === "*" || event.type.startsWith(prefix)) {
      try {
        fn(event);
      } catch (err) {
        console.error("stream handler failed", err);
      }
    }
  }
}

function connect() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const since = lastSeq === null ? "" : `?since=${encodeURIComponent(lastSeq)}`;
  const socket = new WebSocket(`${proto}//${location.host}/ws/stream/${since}`);
  socket.onopen = () => {
    attempt = 0;
    stateBadge(true, document.body.dataset.liveLabel || "LIVE");
  };
  socket.onmessage = (msg) => {
    let data;
    try {
      data = JSON.parse(msg.data);
    } catch {
      return;
    }
    if (typeof data.seq === "number") dispatch(data);
  };
  socket.onclose = (evt) => {
    stateBadge(false, document.body.dataset.offlineLabel || "OFFLINE");
    // The server's own closes are answers, not network drops: reconnecting would only be
    // refused again (stream/hub.py CLOSE_*).
    if (evt.code === 4401 || evt.code === 4403) {
      // Signed out, token revoked or account gone: the sign-in page says what to do.
      location.assign(`/login/?next=${encodeURIComponent(location.pathname + location.search)}`);
      return;
    }
    if (evt.code === 4400) {
      // Our seq is past the end of the log (a restored database): start again from the page
      // as the server has it now, once; a second refusal falls back to the backoff below.
      try {
        sessionStorage.removeItem(storageKey);
      } catch {
        /* private mode */
      }
      if (!sessionStorage.getItem(`${storageKey}:reset`)) {
        try {
          sessionStorage.setItem(`${storageKey}:reset`, "1");
        } catch {
          /* private mode */
        }
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

/** Call `fn(event)` for every event whose type starts with `prefix` ("*": every event). */
export function on(prefix, fn) {
  handlers.push([prefix, fn]);
}

/** Connect, once per page; `initialSeq` is the seq the page was rendered at. */
export function start(initialSeq) {
  if (started) return;
  started = true;
  const stored = sessionStorage.getItem(storageKey);
  // The page was rendered at `initialSeq`: everything after it is news to this page.
  if (initialSeq !== undefined && initialSeq !== null && initialSeq !== "") lastSeq = Number(initialSeq);
  else if (stored !== null) lastSeq = Number(stored);
  if (lastSeq !== null) document.body.dataset.streamSeq = String(lastSeq);
  connect();
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.hasAttribute("data-stream")) start(document.body.dataset.streamSince);
});
