// A point's trend, drawn by hand in SVG (no charting library, nothing from a CDN): the average
// per bucket as a line, min–max as a band, and the alarm limits as dashed lines. Refreshed
// every 10 s, with the live value from the points API.
(function () {
  "use strict";
  const svg = document.getElementById("trend");
  if (!svg) return;
  const NS = "http://www.w3.org/2000/svg";
  const span = document.getElementById("trend-span");
  const names = ["ll", "l", "h", "hh"];
  const limits = svg.dataset.limits.split(",").map((v, i) => [names[i], v === "" ? null : Number(v)])
    .filter(([, v]) => v !== null);

  function node(tag, attrs, text) {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function draw(rows, seconds) {
    const w = svg.clientWidth || 800, h = svg.clientHeight || 260, left = 48, right = 10, top = 10, bottom = 24;
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    svg.replaceChildren();
    const end = Date.now(), start = end - seconds * 1000;
    const values = rows.flatMap((r) => [r.min, r.max]).concat(limits.map(([, v]) => v));
    if (!rows.length) {
      svg.append(node("text", { x: w / 2, y: h / 2, "text-anchor": "middle" }, svg.dataset.empty));
    }
    let lo = Math.min(...values), hi = Math.max(...values);
    if (!isFinite(lo) || !isFinite(hi)) { lo = 0; hi = 1; }
    if (hi === lo) { hi += 1; lo -= 1; }
    const pad = (hi - lo) * 0.08; lo -= pad; hi += pad;
    const x = (ts) => left + (w - left - right) * (ts - start) / (end - start);
    const y = (v) => top + (h - top - bottom) * (1 - (v - lo) / (hi - lo));
    svg.append(node("line", { x1: left, x2: left, y1: top, y2: h - bottom, class: "axis" }),
               node("line", { x1: left, x2: w - right, y1: h - bottom, y2: h - bottom, class: "axis" }));
    for (let i = 0; i <= 4; i++) {
      const v = lo + (hi - lo) * i / 4;
      svg.append(node("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end" }, v.toPrecision(3)));
      const ts = start + (end - start) * i / 4;
      const label = new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      svg.append(node("text", { x: x(ts), y: h - 6, "text-anchor": "middle" }, label));
    }
    for (const [name, v] of limits) {
      if (v < lo || v > hi) continue;
      svg.append(node("line", { x1: left, x2: w - right, y1: y(v), y2: y(v), class: "limit limit-" + name }),
                 node("text", { x: w - right - 2, y: y(v) - 3, "text-anchor": "end" }, name.toUpperCase() + " " + v));
    }
    if (rows.length) {
      const pts = rows.map((r) => [x(Date.parse(r.ts)), r]);
      const band = pts.map(([px, r]) => `${px},${y(r.max)}`).concat(pts.slice().reverse().map(([px, r]) => `${px},${y(r.min)}`));
      svg.append(node("polygon", { points: band.join(" "), class: "band" }));
      svg.append(node("polyline", { points: pts.map(([px, r]) => `${px},${y(r.avg)}`).join(" "), class: "line" }));
    }
    svg.dataset.drawn = String(rows.length);
  }

  async function refresh() {
    const seconds = Number(span.value);
    const step = seconds <= 3600 ? 30 : 600;
    const from = new Date(Date.now() - seconds * 1000).toISOString();
    try {
      const resp = await fetch(`${svg.dataset.url}?from=${encodeURIComponent(from)}&step=${step}`,
                               { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (resp.ok) draw(await resp.json(), seconds);
      const point = await fetch(`/api/v1/monitoring-points/${Number(svg.dataset.point)}/`, { credentials: "same-origin" });
      if (point.ok) {
        const p = await point.json();
        if (p.last) {
          document.getElementById("live-value").textContent = String(p.last.value);
          document.getElementById("live-ts").textContent = new Date(p.last.ts).toLocaleString();
        }
        const state = document.getElementById("live-state");
        state.className = "state state-" + p.state;
        state.textContent = p.state.toUpperCase();
      }
    } catch (e) { /* offline: next round */ }
  }

  span.addEventListener("change", refresh);
  refresh();
  setInterval(refresh, 10000);
})();
