// A console-wide banner when a major hidden danger (重大隐患) passes its deadline unclosed
// (event hidden_danger.overdue, heard by consoles for major ones only). Text via textContent.
(function () {
  "use strict";
  const box = document.getElementById("live-alerts");
  if (!box || !window.CommandStream) return;
  window.CommandStream.on("hidden_danger.overdue", (event) => {
    const p = event.payload || {};
    if (p.level !== "major") return;
    const li = document.createElement("li");
    li.className = "error";
    li.dataset.liveAlert = "hidden-danger-overdue";
    const strong = document.createElement("strong");
    strong.textContent = "重大隐患逾期 / Major hidden danger overdue: ";
    li.appendChild(strong);
    li.appendChild(document.createTextNode(`${(p.enterprise || {}).name || ""} · ${p.title || ""}`));
    const close = document.createElement("button");
    close.type = "button";
    close.className = "link";
    close.textContent = " ✕";
    close.setAttribute("aria-label", box.dataset.dismissLabel);
    close.addEventListener("click", () => li.remove());
    li.appendChild(close);
    box.prepend(li);
    while (box.children.length > 6) box.lastChild.remove();
  });
})();
