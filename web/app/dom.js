// Small DOM helpers. Everything from the server reaches the page as text nodes or attribute
// values, never as markup: patient names are untrusted input.

/** h('a', {href, class, dataset: {uid}, onclick}, 'text', child, [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  let value;
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') value = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  el.append(...children.flat(Infinity).filter((c) => c != null && c !== false));
  // After the children, so that a <select> already has the option being chosen.
  if (value !== undefined) el.value = value;
  return el;
}

/** A table with a header row; returns {table, tbody}. */
export function dataTable(id, headings, className = 'data') {
  const tbody = h('tbody');
  const table = h('table', { id, class: className },
    h('thead', null, h('tr', null, headings.map((t) => h('th', { scope: 'col' }, t)))), tbody);
  return { table, tbody };
}

/** Wraps a table so that it scrolls sideways on narrow screens instead of the whole page. */
export const scroller = (table) => h('div', { class: 'table-wrap' }, table);

export function emptyRow(colspan, text) {
  return h('tr', { class: 'empty-row' }, h('td', { colspan }, text));
}

export function debounce(fn, ms) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => { timer = null; fn(...args); }, ms);
  };
  debounced.cancel = () => { clearTimeout(timer); timer = null; };
  return debounced;
}

/** Shows `text` on a button for a moment, then puts its label back. */
export function flash(button, text, ms = 1500) {
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = text;
  setTimeout(() => { button.textContent = label; }, ms);
}

/**
 * Copies text to the clipboard. The Clipboard API needs a secure context (https or
 * localhost); elsewhere fall back to selecting a field and execCommand('copy').
 */
export async function copyText(text, field) {
  if (navigator.clipboard && window.isSecureContext) {
    try { await navigator.clipboard.writeText(text); return true; } catch { /* fall back below */ }
  }
  // Inside a modal dialog everything outside it is inert, so the scratch field goes there.
  const host = document.activeElement?.closest?.('dialog[open]') || document.body;
  const el = field || h('textarea', { class: 'offscreen', readonly: true, 'aria-hidden': 'true' });
  if (!field) { el.value = text; host.append(el); }
  el.focus();
  el.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  if (!field) el.remove();
  return ok;
}

/** Sets a status/error line; an empty message hides it. */
export function say(el, message) {
  el.textContent = message || '';
  el.hidden = !message;
}
