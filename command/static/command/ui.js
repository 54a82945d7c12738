// Small progressive enhancements shared by every page. No inline scripts (CSP).
document.addEventListener("change", (ev) => {
  if (ev.target.matches("select[data-autosubmit]")) ev.target.form.submit();
});
