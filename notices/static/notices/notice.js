// The notice page: receipts update live from the stream (notice.receipt), counts too.
import * as stream from "../stream/stream.js";
import { NOTICE_RECEIPT } from "../stream/event_types.js";

function init() {
  const root = document.getElementById("notice");
  if (!root) return;
  const noticeId = Number(root.dataset.notice);
  const labels = {};
  const tpl = document.getElementById("state-labels");
  if (tpl) tpl.content.querySelectorAll("[data-state]").forEach((el) => { labels[el.dataset.state] = el.textContent; });

  function fmt(value) { return value ? new Date(value).toLocaleString() : ""; }

  stream.on(NOTICE_RECEIPT, (event) => {
    const p = event.payload;
    if (p.notice !== noticeId) return;
    const r = p.receipt;
    const row = document.getElementById("receipt-" + r.id);
    if (!row) {
      // A new receipt (resent, chased): reload once to show the new rows in their place.
      if (!root.dataset.reloading) {
        root.dataset.reloading = "1";
        setTimeout(() => location.reload(), 500);
      }
      return;
    }
    const before = row.dataset.state;
    row.dataset.state = r.state;
    const cell = row.querySelector('[data-field="state"]');
    const badge = document.createElement("span");
    badge.className = "status receipt-" + r.state;
    badge.textContent = labels[r.state] || r.state;
    cell.replaceChildren(badge);
    for (const name of ["sent_at", "delivered_at", "read_at", "confirmed_at"]) {
      row.querySelector('[data-field="' + name + '"]').textContent = fmt(r[name]);
    }
    row.querySelector('[data-field="error"]').textContent = r.error || "";
    if (before !== r.state) {
      const from = root.querySelector('[data-count="' + before + '"]');
      const to = root.querySelector('[data-count="' + r.state + '"]');
      if (from) from.textContent = String(Math.max(0, Number(from.textContent) - 1));
      if (to) to.textContent = String(Number(to.textContent) + 1);
    }
  });
}

init();
