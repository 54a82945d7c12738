// A console-wide banner when a major hidden danger (重大隐患) passes its deadline unclosed
// (event hidden_danger.overdue, heard by consoles for major ones only). The banner is the
// shell's (core/banners.js, `banner`); the labels are translated by the
// template, on this script's tag, as every console string is (data-* attributes).
//
// Issue 22: thirty overdue rows made thirty red banners, each carrying whatever the enterprise
// typed as a title ("【指挥中心通知】立即疏散…") as if the centre had said it. Now there is one
// banner, counting; the enterprise's words sit in quotation marks inside a <q>, after a label
// saying whose words they are, and are set with textContent only.
import { banner } from "../core/banners.js";
import * as stream from "../stream/stream.js";
import { HIDDEN_DANGER_OVERDUE } from "../stream/event_types.js";

function init() {
  // A module has no document.currentScript: its tag carries an id (safety/panels.py).
  const me = document.getElementById("safety-console-alerts");
  if (!me) return;
  const seen = new Map(); // hidden danger id -> {enterprise, title}, in arrival order
  const MAX_TITLE = 60;

  function clip(text) {
    const chars = Array.from(String(text || ""));
    return chars.length > MAX_TITLE ? chars.slice(0, MAX_TITLE).join("") + "…" : chars.join("");
  }

  function render(li) {
    const items = Array.from(seen.values());
    const latest = items[items.length - 1];
    const body = li.querySelector("span");
    body.textContent = "";
    const count = document.createElement("b");
    count.className = "overdue-count";
    count.dataset.count = String(items.length);
    count.textContent = me.dataset.countLabel.replace("%(n)s", String(items.length));
    body.append(count, " · ", `${latest.enterprise} · ${me.dataset.reportedLabel} `);
    const quoted = document.createElement("q");
    quoted.className = "user-text";
    quoted.textContent = clip(latest.title);
    body.append(quoted);
    const names = new Set(items.map((item) => item.enterprise));
    if (items.length > 1) {
      body.append(` ${me.dataset.moreLabel.replace("%(n)s", String(items.length - 1))
        .replace("%(e)s", String(names.size))}`);
    }
  }

  stream.on(HIDDEN_DANGER_OVERDUE, (event) => {
    const p = event.payload || {};
    if (p.level !== "major") return;
    seen.delete(Number(p.id)); // a repeat moves to the end rather than counting twice
    seen.set(Number(p.id), { enterprise: p.enterprise?.name || "", title: p.title || "" });
    let li = document.querySelector("[data-live-alert='hidden-danger-overdue']");
    if (!li) {
      // No link: the ledger's pages are the safety roles' (a console reads the enterprise on its map).
      li = banner("error", me.dataset.overdueLabel, "");
      li.dataset.liveAlert = "hidden-danger-overdue";
      li.querySelector("button").addEventListener("click", () => seen.clear());
    }
    render(li);
  });
}

init();
