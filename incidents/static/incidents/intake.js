// Intake: location by a click on the map or typed coordinates; likely duplicates as soon as
// type and location are known.
(function () {
  "use strict";
  const form = document.getElementById("intake-form");
  const mapEl = document.getElementById("intake-map");
  const dupBox = document.getElementById("duplicates");
  const lon = form.querySelector("[name=lon]");
  const lat = form.querySelector("[name=lat]");
  const type = form.querySelector("[name=type]");
  let marker = null;
  let map = null;

  if (window.L && mapEl) {
    const [clat, clon] = mapEl.dataset.center.split(",").map(Number);
    map = L.map(mapEl).setView([clat, clon], 11);
    // Tiles may be unreachable (intranet, no internet): the map still takes clicks.
    L.tileLayer(mapEl.dataset.tiles, { maxZoom: 18 }).addTo(map);
    map.on("click", (ev) => {
      lon.value = ev.latlng.lng.toFixed(6);
      lat.value = ev.latlng.lat.toFixed(6);
      place();
      checkDuplicates();
    });
  }

  function place() {
    const x = Number(lon.value), y = Number(lat.value);
    if (!map || !Number.isFinite(x) || !Number.isFinite(y) || lon.value === "" || lat.value === "") return;
    if (marker) marker.setLatLng([y, x]); else marker = L.marker([y, x]).addTo(map);
  }

  let timer = null;
  function checkDuplicates() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!type.value || !lon.value || !lat.value) { dupBox.innerHTML = ""; return; }
      const params = new URLSearchParams({ type: type.value, lon: lon.value, lat: lat.value });
      const response = await fetch(dupBox.dataset.url + "?" + params, { credentials: "same-origin" });
      if (response.ok) dupBox.innerHTML = await response.text(); // server-rendered, escaped
    }, 250);
  }

  [lon, lat].forEach((el) => el.addEventListener("input", () => { place(); checkDuplicates(); }));
  type.addEventListener("change", checkDuplicates);
  checkDuplicates();

  // "Same incident": carry what the duty officer typed about the caller onto that timeline.
  dupBox.addEventListener("submit", (ev) => {
    const f = ev.target;
    ["caller_name", "caller_phone", "description"].forEach((name) => {
      const target = f.querySelector(".copy-" + name);
      const source = form.querySelector("[name=" + name + "]");
      if (target && source) target.value = source.value;
    });
  });
})();
