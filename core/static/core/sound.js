// One sound switch for every page (issue 22.8): the header's button turns sound on or off for
// the console's rings, the alarm bar and the responder's phone alike, and the choice is kept in
// localStorage, so a reload does not silence a console that was on.
//
// Browsers play sound and vibrate only after the person has touched the page. After a reload
// with the switch on, the page tries at once (some browsers allow it: a site the person uses
// every day, an installed app); where the browser holds it back, a line under the header says
// so, and the first tap or key anywhere on the page resumes sound and vibration: no hunt for a
// button. Other modules ring through `import { ring } from "../core/sound.js"`. The switch
// appears where the shell placed this module's tag (#command-sound, with its words); a module
// importing it on a page without that tag rings nothing.
const script = document.getElementById("command-sound");
const data = script ? script.dataset : {};
const KEY = "command.sound";
const LEGACY_KEY = "console.sound"; // the console's former switch: its choice carries over
let memory = null; // when localStorage is refused (private mode), the choice lives for the page
let ctx = null;
let played = 0;
const listeners = []; // told when the switch changes (the responder's big button)

// Frequencies (0 = a pause) and, for phones, a vibration pattern in ms.
const KINDS = {
  test: { tones: [880] },
  incident: { tones: [660, 880] },
  escalated: { tones: [988, 988, 988, 0, 988, 988, 988], vibrate: [300, 100, 300] },
  "alarm-hh": { tones: [1200, 0, 1200, 0, 1200], vibrate: [500, 150, 500, 150, 500] },
  alarm: { tones: [760, 0, 760, 0, 760], vibrate: [400, 150, 400] },
  "alarm-instrument": { tones: [480, 0, 480, 0, 480] },
  assignment: { tones: [880, 0, 880, 0, 880], vibrate: [400, 150, 400, 150, 400] },
};

/** Whether the switch is on (and this page has it). */
export function isOn() {
  if (!script) return false;
  if (memory !== null) return memory;
  try {
    const value = localStorage.getItem(KEY);
    return (value === null ? localStorage.getItem(LEGACY_KEY) : value) === "1";
  } catch {
    return false;
  }
}

function store(on) {
  memory = null;
  try {
    localStorage.setItem(KEY, on ? "1" : "0");
  } catch {
    memory = on;
  }
}

function audio() {
  if (!ctx) {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (AC) {
      try {
        ctx = new AC();
        ctx.onstatechange = update;
      } catch {
        ctx = null;
      }
    }
  }
  if (ctx && ctx.state === "suspended") ctx.resume().then(update, () => {});
  return ctx;
}

function touched() {
  // Sticky activation: vibration (and, in most browsers, sound) needs one tap on this page.
  return !navigator.userActivation || navigator.userActivation.hasBeenActive;
}

function blocked() {
  if (!isOn()) return false;
  const soundHeld = !!ctx && ctx.state !== "running";
  const vibrationHeld = !!navigator.vibrate && !touched();
  return soundHeld || vibrationHeld;
}

// The switch, in the header beside the user's name, and the line that says the browser is
// holding sound back, under the header.
const button = document.createElement("button");
const note = document.createElement("p");

function update() {
  if (!script) return;
  const on = isOn();
  const words = on ? data.on : data.off;
  // A phone's one-line header has room for the bell only; the words stay for screen readers.
  const compact = document.body.classList.contains("responder");
  button.textContent = (on ? "🔔" : "🔕") + (compact ? "" : ` ${words}`);
  button.setAttribute("aria-label", words);
  button.title = words;
  button.setAttribute("aria-pressed", on ? "true" : "false");
  document.body.dataset.sound = on ? "on" : "off";
  const held = blocked();
  note.hidden = !held;
  document.body.dataset.soundBlocked = held ? "1" : "0";
  for (const fn of listeners) {
    try {
      fn(on);
    } catch {
      /* a listener's own fault */
    }
  }
}

/** Ring `kind` (and vibrate a phone) when the switch is on; true if it rang. */
export function ring(kind) {
  if (!isOn()) return false;
  const spec = KINDS[kind] || KINDS.alarm;
  played += 1; // counted, for the browser tests
  document.body.dataset.soundsPlayed = String(played);
  if (spec.vibrate && navigator.vibrate && touched()) {
    try {
      navigator.vibrate(spec.vibrate);
    } catch {
      /* not on this device */
    }
  }
  const ac = audio();
  if (!ac) return true;
  let t = ac.currentTime;
  for (const f of spec.tones) {
    if (f) {
      const osc = ac.createOscillator();
      const gain = ac.createGain();
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.25, t);
      gain.gain.exponentialRampToValueAtTime(0.001, t + 0.18);
      osc.connect(gain).connect(ac.destination);
      osc.start(t);
      osc.stop(t + 0.2);
    }
    t += 0.22;
  }
  return true;
}

function set(on) {
  store(on);
  if (on) {
    audio();
    ring("test");
  }
  update();
}

/** Turn the switch on (the responder's big button). */
export function enable() {
  set(true);
}

/** Call `fn(on)` whenever the switch changes. */
export function onChange(fn) {
  listeners.push(fn);
}

if (script) {
  button.type = "button";
  button.className = "link sound-toggle";
  button.id = "sound-toggle";
  const session = document.querySelector(".topbar .session");
  if (session) session.prepend(button);
  note.id = "sound-blocked";
  note.className = "sound-blocked";
  note.setAttribute("role", "status");
  note.textContent = data.blocked || "";
  note.hidden = true;
  const header = document.querySelector(".topbar");
  if (header) header.insertAdjacentElement("afterend", note);

  button.addEventListener("click", () => set(!isOn()));
  // Any tap or key is the gesture the browser waits for: resume at once, say nothing more.
  for (const type of ["pointerdown", "keydown", "touchstart"]) {
    document.addEventListener(
      type,
      () => {
        if (isOn()) {
          audio();
          setTimeout(update, 0);
        }
      },
      { capture: true, passive: true },
    );
  }
  window.addEventListener("storage", (ev) => {
    if (ev.key === KEY) update(); // another tab switched
  });

  if (isOn()) audio(); // where the browser allows, sound works without a tap
  update();
}
