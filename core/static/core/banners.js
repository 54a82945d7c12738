// The console's banners (#live-alerts, in the shell's base template): what must not be missed.
// Text is set with textContent (user text is never parsed as HTML).

/** A banner at the top of #live-alerts; `href` is optional. Returns the new <li>. */
export function banner(kind, label, text, href) {
  const box = document.getElementById("live-alerts");
  const li = document.createElement("li");
  li.className = kind;
  li.dataset.liveAlert = kind;
  const strong = document.createElement("strong");
  strong.textContent = `${label}: `;
  li.appendChild(strong);
  const link = document.createElement(href ? "a" : "span");
  if (href) link.href = href;
  link.textContent = text;
  li.appendChild(link);
  const close = document.createElement("button");
  close.type = "button";
  close.className = "link";
  close.textContent = " ✕";
  close.setAttribute("aria-label", box.dataset.dismissLabel);
  close.addEventListener("click", () => li.remove());
  li.appendChild(close);
  box.prepend(li);
  while (box.children.length > 6) box.lastChild.remove();
  return li;
}
