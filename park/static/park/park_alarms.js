// Gate and vehicle alarms of the closed park (封闭化管理), ringing where sensor alarms ring: every
// console page, the park supervisor's pages and (their own enterprise's only, scoped by the API
// and the stream) an enterprise officer's. A banner per alarm in force, a ring while any is
// unacknowledged, and acknowledge with a note. On load from the API (they survive a reload),
// then kept current by the stream (gate.alarm, vehicle.alarm). Text goes in with textContent only.
import * as sound from "../core/sound.js";
import * as stream from "../stream/stream.js";
import { GATE_ALARM, VEHICLE_ALARM } from "../stream/event_types.js";

function init() {
  const bar = document.getElementById("park-alarm-bar");
  if (!bar) return;
  const t = bar.dataset;
  const canAck = t.canAck === "1";
  const banners = new Map(); // "gate:12" / "vehicle:3" → li
  let ringTimer = null;

  const head = document.createElement("div");
  head.className = "alarm-head";
  const title = document.createElement("strong");
  title.textContent = t.title;
  head.append(title);
  const list = document.createElement("ul");
  list.className = "alarm-list";
  bar.append(head, list);

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  // a: {id, plate, kind, kind_label?, state, reason|detail, gate?: {code, name} | "code"}
  function render(source, a) {
    const key = source + ":" + a.id;
    if (a.state === "cleared" || a.cleared_at) { remove(key); return; }
    let li = banners.get(key);
    const fresh = !li;
    if (fresh) {
      li = el("li");
      li.dataset.parkAlarm = key;
      banners.set(key, li);
      list.prepend(li);
    }
    li.className = "alarm alarm-hh" + (a.state === "active" ? " ringing" : " acknowledged");
    li.dataset.state = a.state;
    li.replaceChildren();
    li.append(el("strong", source === "gate" ? t.gateLabel : t.vehicleLabel, "alarm-level"), " ");
    li.append(el("span", a.plate, "alarm-plate"), " ");
    li.append(el("span", a.kind_label || t["kind_" + a.kind] || a.kind), " ");
    const gate = a.gate && typeof a.gate === "object" ? a.gate.code + " " + a.gate.name : a.gate;
    if (gate) li.append(el("span", gate, "muted"), " ");
    const why = a.reason || a.detail;
    if (why) li.append(el("span", why, "muted"), " ");
    if (a.state === "acknowledged") li.append(el("span", t.acknowledged, "status"));
    if (canAck && a.state === "active") {
      const actions = el("span", null, "alarm-actions");
      const note = el("input");
      note.type = "text";
      note.placeholder = t.notePlaceholder;
      const ack = el("button", t.acknowledge);
      ack.type = "button";
      ack.dataset.parkAck = key;
      ack.addEventListener("click", async () => {
        ack.disabled = true;
        const url = (source === "gate" ? t.gateAckUrl : t.vehicleAckUrl).replace("0", String(Number(a.id)));
        try {
          const resp = await fetch(url, { method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
            body: JSON.stringify(source === "gate" ? { note: note.value } : {}) });
          if (resp.ok) render(source, await resp.json());
          else ack.disabled = false;
        } catch (_e) { ack.disabled = false; }
      });
      actions.append(note, ack);
      li.append(actions);
    }
    if (fresh && a.state === "active") ring();
    update();
  }

  function remove(key) {
    const li = banners.get(key);
    if (li) { li.remove(); banners.delete(key); }
    update();
  }

  function update() {
    const ringing = [...banners.values()].some((li) => li.dataset.state === "active");
    bar.hidden = banners.size === 0;
    document.body.dataset.parkAlarmRinging = ringing ? "1" : "0";
    if (ringing && !ringTimer) ringTimer = setInterval(ring, 6000);
    if (!ringing && ringTimer) { clearInterval(ringTimer); ringTimer = null; }
  }

  function ring() {
    sound.ring("alarm");
  }

  async function load(source, url) {
    try {
      const resp = await fetch(url + "?state=active&limit=50", { credentials: "same-origin",
                                                                 headers: { Accept: "application/json" } });
      if (!resp.ok) return;
      const data = await resp.json();
      for (const a of data.results.reverse()) render(source, a);
    } catch (_e) { /* offline: the stream will bring them */ }
  }

  stream.on(GATE_ALARM, (event) => render("gate", event.payload));
  stream.on(VEHICLE_ALARM, (event) => render("vehicle", event.payload));
  Promise.all([load("gate", t.gateUrl), load("vehicle", t.vehicleUrl)]).then(() => { bar.dataset.loaded = "1"; });
}

init();
