// Words and small DOM helpers shared by the page modules.

/** The label every exercise (演练) carries on every screen, in both languages. */
export const EXERCISE = "演练 / EXERCISE";

/** `text`, prefixed with the exercise label when `exercise` is true. */
export function sayExercise(exercise, text) {
  return exercise ? `${EXERCISE} · ${text}` : text;
}

/** An element with text set as text (never parsed as HTML) and an optional class. */
export function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

/** The CSRF token from its cookie, for fetch() writes. */
export function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

/**
 * GET `url` as JSON. Resolves to the parsed body, or null when the answer is not 2xx, the
 * request failed (offline) or was aborted by `signal`: callers wait for the next refresh.
 */
export async function getJSON(url, { signal, accept = "application/json" } = {}) {
  try {
    const resp = await fetch(url, { credentials: "same-origin", signal, headers: { Accept: accept } });
    if (!resp.ok) return null;
    return await resp.json();
  } catch {
    return null;
  }
}
