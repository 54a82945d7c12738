document.addEventListener("click", (ev) => { if (ev.target.matches("[data-print]")) window.print(); });
