// A point's trend with uPlot (a charting library served by the app from
// monitoring/static/monitoring/vendor/uplot, nothing from a CDN): the average per bucket as a
// line, min–max as a band, and the alarm limits as dashed lines in the alarm colours (the
// y-axis always takes them in, so a value creeping towards HH is seen against it). The last
// hour or day; refreshed every 10 s, with the live value from the points API.
// uPlot is the page's classic script (monitoring/vendor/uplot).

function init() {
  const box = document.getElementById("trend");
  if (!box || typeof uPlot === "undefined") return;
  const span = document.getElementById("trend-span");
  const names = ["ll", "l", "h", "hh"];
  const colours = { ll: "#d7191c", l: "#f07c00", h: "#f07c00", hh: "#d7191c" };
  const limits = box.dataset.limits.split(",").map((v, i) => [names[i], v === "" ? null : Number(v)])
    .filter(([, v]) => v !== null);
  const unit = box.dataset.unit || "";
  const empty = document.createElement("p");
  empty.className = "muted trend-empty";
  empty.textContent = box.dataset.empty;
  empty.hidden = true;
  box.after(empty);
  let plot = null;
  let window_ = [0, 1];

  function drawLimits(u) {
    const ctx = u.ctx;
    const { left, width } = u.bbox;
    ctx.save();
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.lineWidth = devicePixelRatio;
    ctx.font = `${11 * devicePixelRatio}px sans-serif`;
    ctx.textAlign = "right";
    for (const [name, v] of limits) {
      const y = Math.round(u.valToPos(v, "y", true));
      ctx.strokeStyle = ctx.fillStyle = colours[name];
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
      ctx.fillText(name.toUpperCase() + " " + v + " " + unit, left + width - 4, y - 3 * devicePixelRatio);
    }
    ctx.restore();
  }

  function yRange(_u, lo, hi) {
    const values = [lo, hi, ...limits.map(([, v]) => v)].filter((v) => v !== null && Number.isFinite(v));
    let min = values.length ? Math.min(...values) : 0, max = values.length ? Math.max(...values) : 1;
    if (min === max) { min -= 1; max += 1; }
    const pad = (max - min) * 0.08;
    return [min - pad, max + pad];
  }

  function make() {
    const opts = {
      width: box.clientWidth || 800,
      height: 260,
      scales: { x: { time: true, range: () => window_ }, y: { range: yRange } },
      series: [
        { label: box.dataset.timeLabel || "time" },
        { label: box.dataset.avgLabel || "avg", stroke: "#0b5cad", width: 1.5, unit },
        { label: box.dataset.minLabel || "min", stroke: "rgba(11,92,173,.25)", width: 1 },
        { label: box.dataset.maxLabel || "max", stroke: "rgba(11,92,173,.25)", width: 1 },
      ],
      bands: [{ series: [3, 2], fill: "rgba(11,92,173,.12)" }],
      axes: [{}, { size: 56 }],
      legend: { show: true },
      hooks: { draw: [drawLimits] },
    };
    // Times on the axis in the district's zone (the server's TIME_ZONE), whatever the browser's.
    if (box.dataset.tz) opts.tzDate = (ts) => uPlot.tzDate(new Date(ts * 1000), box.dataset.tz);
    return new uPlot(opts, [[], [], [], []], box);
  }

  function draw(rows, seconds) {
    const end = Date.now() / 1000;
    window_ = [end - seconds, end];
    const xs = rows.map((r) => Date.parse(r.ts) / 1000);
    plot = plot || make();
    plot.setData([xs, rows.map((r) => r.avg), rows.map((r) => r.min), rows.map((r) => r.max)]);
    empty.hidden = rows.length > 0;
    // What the chart shows, for people who cannot see it and for the browser test.
    box.dataset.drawn = String(rows.length);
    box.dataset.limitsDrawn = limits.map(([name]) => name).join(",");
  }

  async function refresh() {
    const seconds = Number(span.value);
    const step = seconds <= 3600 ? 30 : 600;
    const from = new Date(Date.now() - seconds * 1000).toISOString();
    try {
      const resp = await fetch(`${box.dataset.url}?from=${encodeURIComponent(from)}&step=${step}`,
                               { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (resp.ok) draw(await resp.json(), seconds);
      const point = await fetch(`/api/v1/monitoring-points/${Number(box.dataset.point)}/`, { credentials: "same-origin" });
      if (point.ok) {
        const p = await point.json();
        if (p.last) {
          document.getElementById("live-value").textContent = String(p.last.value);
          document.getElementById("live-ts").textContent = new Date(p.last.ts).toLocaleString(
            document.documentElement.lang || undefined, box.dataset.tz ? { timeZone: box.dataset.tz } : {});
        }
        const state = document.getElementById("live-state");
        state.className = "state state-" + p.state;
        state.textContent = (box.dataset["state_" + p.state] || p.state.toUpperCase());
      }
    } catch (_e) { /* offline: next round */ }
  }

  window.addEventListener("resize", () => { if (plot) plot.setSize({ width: box.clientWidth || 800, height: 260 }); });
  span.addEventListener("change", refresh);
  refresh();
  setInterval(refresh, 10000);
}

init();
