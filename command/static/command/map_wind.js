// The release form's wind (issue 27): by default the weather mast's latest reading, shown with
// its mast and time; the typed fields are then only a display. Unticked, the typed wind is sent.
// The mast line is read again every 30 s, and a mast silent for 10 minutes says so and stops
// being the default.

function init() {
  const box = document.getElementById("wind-source");
  const form = document.getElementById("release-form");
  if (!box || !form) return;
  const use = form.elements.use_mast;
  const speed = form.elements.wind_speed_ms;
  const from = form.elements.wind_from_deg;
  const line = document.getElementById("mast-wind");

  function sync() {
    const on = use.checked && !use.disabled;
    speed.readOnly = on;
    from.readOnly = on;
    box.classList.toggle("from-mast", on);
  }
  use.addEventListener("change", sync);
  sync();

  function render(mast) {
    line.replaceChildren();
    if (!mast) {
      line.textContent = box.dataset.none;
      use.checked = false;
      use.disabled = true;
      sync();
      return;
    }
    use.disabled = false;
    const span = document.createElement("span");
    span.className = "mast-line" + (mast.stale ? " stale" : "");
    span.dataset.stale = mast.stale ? "1" : "0";
    let text = mast.name + " (" + mast.mast + ")";
    if (mast.wind_speed_ms != null && mast.wind_from_deg != null) {
      text += ": " + Number(mast.wind_speed_ms).toFixed(1) + " m/s " + box.dataset.from + " " + Math.round(mast.wind_from_deg) + "°";
    }
    if (mast.at) text += " · " + new Date(mast.at).toLocaleTimeString();
    span.textContent = text;
    line.appendChild(span);
    if (mast.stale) {
      const note = document.createElement("strong");
      note.className = "error stale-note";
      note.textContent = " " + box.dataset.stale;
      line.appendChild(note);
      use.checked = false;
      // The mast's sky is as old as its wind: fall back to the person's own choice.
      const sky = form.elements.sky;
      if (sky.value === "mast") sky.value = "day:moderate";
    } else if (use.checked) {
      speed.value = mast.wind_speed_ms;
      from.value = mast.wind_from_deg;
    }
    sync();
  }

  function refresh() {
    fetch(box.dataset.weatherUrl, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((masts) => { if (masts) render(masts.find((m) => !m.stale) || masts[0] || null); })
      .catch(() => {});
  }
  setInterval(refresh, 30000);
}

init();
