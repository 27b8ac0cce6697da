// A page's sentences by language, for the doctor's console (./i18n.js) and the
// operator's SOS console (/operator/i18n.js): Vietnamese unless the visitor chose
// another language, remembered in localStorage under the page's own key.

/**
 * The lookup functions over strings ({lang: {key: text}}, with a "vi" entry).
 * t(key, params) looks a string up in the current language ("{name}" placeholders
 * are filled from params); translate(root) fills every element marked
 * data-i18n="key" (its text), data-i18n-label="key" (its aria-label and title) or
 * data-i18n-placeholder="key".
 */
export function catalogue(strings, storageKey) {
  let current = "vi";
  try {
    const saved = window.localStorage.getItem(storageKey);
    if (saved && saved in strings) current = saved;
  } catch {
    // storage may be disabled; Vietnamese then
  }
  const listeners = new Set();

  function lang() {
    return current;
  }

  /** The string for key in the current language, "{name}" filled from params. */
  function t(key, params = {}) {
    const text = strings[current][key] ?? strings.vi[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  }

  /** A translation if the catalogue has one, else null (for codes from elsewhere). */
  function maybe(key, params = {}) {
    return key in strings[current] ? t(key, params) : null;
  }

  /** Switch language, re-translate the document and tell the listeners. */
  function setLang(next) {
    if (!(next in strings)) return;
    current = next;
    try {
      window.localStorage.setItem(storageKey, next);
    } catch {
      // not remembered; fine
    }
    translate(document);
    for (const listener of listeners) listener(next);
  }

  /** A waiting time in seconds as "{s} s" or "{m} min {s} s" (keys waited_s, waited). */
  function waited(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    return s < 60 ? t("waited_s", { s }) : t("waited", { m: Math.floor(s / 60), s: s % 60 });
  }

  function onLangChange(listener) {
    listeners.add(listener);
  }

  /** Fill the data-i18n* elements under root and set <html lang>. */
  function translate(root) {
    document.documentElement.lang = current;
    for (const el of root.querySelectorAll("[data-i18n]")) {
      el.textContent = t(el.dataset.i18n);
    }
    for (const el of root.querySelectorAll("[data-i18n-label]")) {
      const text = t(el.dataset.i18nLabel);
      el.setAttribute("aria-label", text);
      el.title = text;
    }
    for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    }
  }

  return { lang, t, maybe, waited, setLang, onLangChange, translate };
}
