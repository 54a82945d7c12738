// One write per form submit (issue 16, point 9). On the first submit of a POST form this adds
// a one-time `form_token` (the server, core/idempotency.py, replays the first answer for a
// repeated token instead of writing twice) and disables the submit buttons, so a double click
// or a second Enter cannot send the form twice. Listens on window, after page scripts that
// handle their own forms with fetch (they call preventDefault and are left alone).
const token = () => {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes); // works on plain http too, unlike crypto.randomUUID
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
};
const buttons = (form) => form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");

window.addEventListener("submit", (ev) => {
  const form = ev.target;
  if (ev.defaultPrevented || !(form instanceof HTMLFormElement)) return;
  if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
  let field = form.querySelector("input[name=form_token]");
  if (!field) {
    field = document.createElement("input");
    field.type = "hidden";
    field.name = "form_token";
    field.value = token();
    form.appendChild(field);
  }
  // After this event: a button disabled now would drop the clicked button's name=value.
  setTimeout(() => buttons(form).forEach((b) => { b.disabled = true; }), 0);
  // If the answer never comes, let the person try again: the same token, so a request that
  // did get through is answered again rather than repeated.
  setTimeout(() => buttons(form).forEach((b) => { b.disabled = false; }), 15000);
});

// Back to a page kept in the browser's cache: a new submit is a new intent.
window.addEventListener("pageshow", (ev) => {
  if (!ev.persisted) return;
  document.querySelectorAll("input[name=form_token]").forEach((f) => { f.remove(); });
  document.querySelectorAll("form").forEach((f) => { buttons(f).forEach((b) => { b.disabled = false; }); });
});
