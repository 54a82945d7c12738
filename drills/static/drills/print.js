// Print buttons (the CSP allows no inline handlers).
document.addEventListener("click", (ev) => {
  if (ev.target.matches("[data-print]")) window.print();
});
