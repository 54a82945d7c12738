// Print buttons (the CSP allows no inline handlers): the after-action page and drills' evaluation.
document.addEventListener("click", (ev) => {
  if (ev.target.matches("[data-print]")) window.print();
});
