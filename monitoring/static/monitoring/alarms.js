// Park alarms on every console page, the park supervisor's pages and (their own enterprise's
// only, scoped by the API and the stream) an enterprise officer's pages: a banner per alarm in force (raised or escalated, not yet
// cleared), a ring while any is unacknowledged, and the two actions an operator needs —
// acknowledge with a note, and log an incident from the alarm in one click.
// On load the banners come from the API (so they survive a reload); then the stream keeps them
// current (alarm.raised / alarm.updated). Text goes in with textContent only.
// Instrument alarms (offline, fault) ring too — a dead detector next to an ammonia tank is a
// blind spot the operator must know of — but below the process alarms, with a lower tone and
// their own wording: a broken sensor is not a leak (docs/domain.md), so they offer no incident.
// Also: on the map page, ?chemical=&incident=&risk_source= pre-fill the release model.
import * as sound from "../core/sound.js";
import * as stream from "../stream/stream.js";
import { ALARM_ANY, WORK_PERMIT_UPDATED } from "../stream/event_types.js";

function init() {
  const bar = document.getElementById("alarm-bar");
  if (!bar) return;
  const t = bar.dataset;
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = t.css;
  document.head.append(css);
  const canAct = t.canAct === "1"; // log an incident from an alarm (the command centre)
  const canAck = t.canAck === "1"; // acknowledge (also the park's supervisor, an enterprise's officer)
  const banners = new Map(); // alarm id → li
  const shown = new Map(); // alarm id → the alarm as last rendered
  let ringTimer = null;

  const list = document.createElement("ul");
  list.className = "alarm-list";
  const head = document.createElement("div");
  head.className = "alarm-head";
  const title = document.createElement("strong");
  title.textContent = t.title;
  // Sound: the header's one switch (core/sound.js), kept across reloads; no second switch here.
  head.append(title);
  if (t.listUrl) {
    const all = document.createElement("a");
    all.href = t.listUrl;
    all.textContent = t.listLabel;
    head.append(" ", all);
  }
  bar.append(head, list);

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  async function post(url, body) {
    const resp = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try { data = await resp.json(); } catch (_e) { data = null; }
    return { resp, data };
  }

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function levelLabel(level) { return t["level_" + level] || level.toUpperCase(); }
  function isInstrument(level) { return level === "offline" || level === "fault"; }

  // a: {id, level, state, exercise, peak_value, incident, release_url, point{code,name,unit},
  //     risk_source{code,name}}
  function render(a) {
    if (a.cleared_at || a.state === "cleared") {
      remove(a.id);
      return;
    }
    const instrument = isInstrument(a.level);
    shown.set(a.id, a);
    let li = banners.get(a.id);
    const fresh = !li;
    if (fresh) {
      li = el("li");
      li.dataset.alarm = String(a.id);
      banners.set(a.id, li);
      // Process alarms (a possible leak) on top, instrument alarms below them.
      if (instrument) list.append(li); else list.prepend(li);
    }
    li.className = "alarm alarm-" + a.level + (instrument ? " alarm-instrument" : "") +
      (a.state === "active" ? " ringing" : " acknowledged");
    li.dataset.level = a.level;
    li.dataset.state = a.state;
    li.replaceChildren();
    if (a.exercise) li.append(el("span", t.exercise, "exercise-badge"), " ");
    li.append(el("strong", levelLabel(a.level), "alarm-level"), " ");
    // Sent on to the officers on duty and the point's responsible persons, unacknowledged.
    li.dataset.escalated = a.escalations > 0 ? "1" : "0";
    if (a.escalations > 0) li.append(el("span", t.escalated, "alarm-escalated"), " ");
    if (instrument) li.append(el("span", t["hint_" + a.level] || "", "alarm-hint"), " ");
    const where = (a.risk_source ? a.risk_source.code + " " + a.risk_source.name + " · " : "") + a.point.name;
    // Whoever may open the park's point pages gets a link; an enterprise officer the name.
    const pointLink = el(t.pointUrl ? "a" : "span", where);
    if (t.pointUrl) pointLink.href = t.pointUrl.replace("0", String(a.point.id));
    li.append(pointLink, " ");
    if (a.peak_value !== null && a.peak_value !== undefined) {
      li.append(el("span", t.peak + " " + a.peak_value + " " + (a.point.unit || ""), "muted"), " ");
    }
    if (a.state === "acknowledged") li.append(el("span", t.acknowledged + (a.acknowledged_by ? " · " + a.acknowledged_by : ""), "status"), " ");
    const actions = el("span", null, "alarm-actions");
    if (a.incident && t.incidentLinks === "1") {
      const link = el("a", t.incident);
      link.href = "/incidents/" + Number(a.incident) + "/";
      link.dataset.incidentLink = "1";
      actions.append(link);
      if (a.release_url) {
        const rel = el("a", t.releaseModel);
        rel.href = a.release_url;
        rel.dataset.releaseLink = "1";
        actions.append(" ", rel);
      }
    }
    if (canAck && a.state === "active") {
      const note = el("input");
      note.type = "text";
      note.name = "note";
      note.placeholder = t.notePlaceholder;
      note.setAttribute("aria-label", t.notePlaceholder);
      const ack = el("button", t.acknowledge);
      ack.type = "button";
      ack.dataset.action = "acknowledge";
      ack.addEventListener("click", async () => {
        ack.disabled = true;
        const { resp, data } = await post(t.apiUrl + a.id + "/acknowledge/", { note: note.value });
        if (resp.ok) render({ ...a, ...data, point: a.point, risk_source: a.risk_source, release_url: a.release_url });
        else { ack.disabled = false; showError(li, data); }
      });
      actions.append(note, ack);
    }
    if (canAct) {
      // A second detector on the same leak: point at the incident its source already has, so
      // one leak does not become two incidents by a hurried click (a new one stays possible).
      // A drill's alarm and a real one never point at each other's incident.
      const sibling = !a.incident && a.risk_source && [...shown.values()].find((o) => o.id !== a.id && o.incident &&
        o.risk_source && o.risk_source.code === a.risk_source.code && !!o.exercise === !!a.exercise);
      if (sibling) {
        const same = el("a", t.sourceIncident);
        same.href = "/incidents/" + Number(sibling.incident) + "/";
        same.dataset.sourceIncident = String(sibling.incident);
        actions.append(same);
      }
      if (!a.incident && !instrument) {
        const make = el("button", t.createIncident, "danger");
        make.type = "button";
        make.dataset.action = "incident";
        make.addEventListener("click", async () => {
          make.disabled = true;
          const { resp, data } = await post(t.apiUrl + a.id + "/incident/");
          if (resp.status === 409 && data && data.duplicates) {
            offerDuplicates(li, a, data);  // one leak, one incident: ask before making a second
          } else if (resp.status === 201 || resp.status === 409) {
            const incident = resp.status === 201 ? data.id : data.incident;
            render({ ...a, incident, release_url: (data?.release_url) || a.release_url });
          } else { make.disabled = false; showError(li, data); }
        });
        actions.append(make);
      }
    }
    li.append(actions);
    // Work under way near the alarm that it stopped or warned (safety, issue 22 point 7).
    const notes = permitNotes.get(a.id) || [];
    if (notes.length) {
      const box = el("span", null, "alarm-permits");
      box.dataset.permits = String(notes.length);
      notes.forEach((n) => { box.append(" ", el("span", n.text, n.stopped ? "warning-text" : "muted")); });
      li.append(box);
    }
    if (fresh && a.state === "active") ring();
    updateRinging();
    if (a.incident && a.risk_source) {
      for (const o of shown.values()) {
        if (o.id !== a.id && !o.incident && o.risk_source && o.risk_source.code === a.risk_source.code &&
            !!o.exercise === !!a.exercise) render(o);
      }
    }
  }

  // An open incident already stands for this place (a call came first): file the alarm on it,
  // or make a new incident knowingly (issue 22, point 6). Text by textContent only.
  function offerDuplicates(li, a, data) {
    const box = el("span", null, "alarm-duplicates");
    box.dataset.duplicates = String(data.duplicates.length);
    box.append(el("span", data.detail || "", "warning-text"), " ");
    const settle = async (body) => {
      box.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      const { resp, data: answer } = await post(t.apiUrl + a.id + "/incident/", body);
      if (resp.ok) render({ ...a, incident: answer.id, release_url: answer.release_url || a.release_url });
      else showError(li, answer);
    };
    for (const d of data.duplicates) {
      const file = el("button", t.fileOn + " " + d.number + " " + d.title);
      file.type = "button";
      file.dataset.fileOn = String(Number(d.id));
      file.addEventListener("click", () => settle({ link: Number(d.id) }));
      box.append(file, " ");
    }
    const anyway = el("button", t.newAnyway, "danger");
    anyway.type = "button";
    anyway.dataset.newAnyway = "1";
    anyway.addEventListener("click", () => settle({ confirm_new: true }));
    box.append(anyway);
    li.append(box);
  }

  function showError(li, data) {
    const msg = el("span", (data?.detail) || t.failed, "error");
    li.append(" ", msg);
  }

  function remove(id) {
    const li = banners.get(id);
    if (li) { li.remove(); banners.delete(id); }
    shown.delete(id);
    updateRinging();
  }

  function updateRinging() {
    const ringing = [...banners.values()].some((li) => li.dataset.state === "active");
    bar.hidden = banners.size === 0;
    // The bar floats over the page's foot (console.css): pad the page by its height, so nothing
    // below is hidden under it, and nothing above it moves.
    document.body.style.paddingBottom = bar.hidden ? "" : bar.offsetHeight + "px";
    document.body.dataset.alarmRinging = ringing ? "1" : "0";
    if (ringing && !ringTimer) ringTimer = setInterval(ring, 6000);
    if (!ringing && ringTimer) { clearInterval(ringTimer); ringTimer = null; }
  }

  function ring() {
    const active = [...banners.values()].filter((li) => li.dataset.state === "active");
    if (!active.length) return;
    const hh = active.some((li) => li.dataset.level === "hh");
    const process = active.some((li) => !isInstrument(li.dataset.level));
    sound.ring(hh ? "alarm-hh" : process ? "alarm" : "alarm-instrument");
  }

  async function load() {
    try {
      const resp = await fetch(t.apiUrl + "?open=true&limit=50", { credentials: "same-origin",
                                                                    headers: { Accept: "application/json" } });
      if (!resp.ok) return;
      const data = await resp.json();
      // The list carries ids only for point and source: fetch each alarm's event shape lazily via
      // the points API would cost N requests, so the list endpoint's names are used instead.
      for (const a of data.results.reverse()) {
        render({ ...a, point: { id: a.point, code: a.point_code, name: a.point_name || a.point_code, unit: a.point_unit },
                 risk_source: a.risk_source_code ? { code: a.risk_source_code, name: a.risk_source_name || "" } : null });
      }
    } catch (_e) { /* offline: the stream will bring them */ }
    bar.dataset.loaded = "1";
  }

  const permitNotes = new Map();
    stream.on(ALARM_ANY, (event) => render(event.payload));
    stream.on(WORK_PERMIT_UPDATED, (event) => {
      const p = event.payload || {};
      if (!p.alarm?.id) return;
      const stopped = p.change === "suspended";
      const list = permitNotes.get(p.alarm.id) || [];
      if (list.some((n) => n.id === p.id)) return;
      list.push({ id: p.id, stopped, text: (stopped ? t.permitSuspended : t.permitWarned) + ": " +
        [p.place, p.enterprise?.name].filter(Boolean).join(" · ") });
      permitNotes.set(p.alarm.id, list);
      if (shown.has(p.alarm.id)) render(shown.get(p.alarm.id));
    });
  load();

  // ---- the release model, pre-filled from an alarm's incident ----------------------------
  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("release-form");
    const params = new URLSearchParams(location.search);
    if (!form || !params.get("chemical")) return;
    // The risk source first: choosing it moves the release point (and may pick a chemical);
    // then the alarm's own chemical, which wins.
    if (params.get("risk_source")) {
      form.elements.risk_source.value = params.get("risk_source");
      form.elements.risk_source.dispatchEvent(new Event("change"));
    }
    if (params.get("incident")) form.elements.incident.value = params.get("incident");
    const select = form.elements.chemical;
    const wanted = params.get("chemical");
    if ([...select.options].some((o) => o.value === wanted)) {
      select.value = wanted;
    } else {
      // Never model a default chemical in its place: say so and leave the choice to the person.
      select.value = "";
      const note = el("p", t.noChemical + " " + wanted, "error");
      select.insertAdjacentElement("afterend", note);
    }
  });
}

init();
