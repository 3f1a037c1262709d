// Keyboard shortcuts: one table, which both the key handler and the help overlay (`?`) read,
// so that the help never lists a key that does nothing.
import { el } from './dom.js';

export const SHORTCUTS = [
  [['ArrowDown', 'ArrowRight', 'PageDown'], '↓ → PgDn', 'next slice', 'next'],
  [['ArrowUp', 'ArrowLeft', 'PageUp'], '↑ ← PgUp', 'previous slice', 'previous'],
  [['Home'], 'Home', 'first slice', 'first'],
  [['End'], 'End', 'last slice', 'last'],
  [['1', '2', '3', '4', '5', '6'], '1 – 6', 'window presets (1: auto)', 'preset'],
  [['i'], 'I', 'invert', 'invert'],
  [['r'], 'R', 'rotate 90° clockwise', 'rotate'],
  [['h'], 'H', 'flip horizontally', 'flipH'],
  [['v'], 'V', 'flip vertically', 'flipV'],
  [['+', '='], '+', 'zoom in', 'zoomIn'],
  [['-'], '−', 'zoom out', 'zoomOut'],
  [['z'], 'Z', 'fit to the window', 'fit'],
  [['o'], 'O', 'one image pixel per screen pixel (1:1)', 'actual'],
  [['f'], 'F', 'full screen', 'fullscreen'],
  [[' ', 'p'], 'Space / P', 'play or stop cine', 'cine'],
  [[']'], ']', 'cine faster', 'faster'],
  [['['], '[', 'cine slower', 'slower'],
  [['l'], 'L', 'measure a length', 'length'],
  [['a'], 'A', 'measure an angle (drag one arm, then click the other)', 'angle'],
  [['b'], 'B', 'rectangle ROI: mean, SD, min, max, area', 'rect'],
  [['e'], 'E', 'ellipse ROI: mean, SD, min, max, area', 'ellipse'],
  [['g'], 'G', 'next layout: 1×1, 1×2, 2×2', 'layout'],
  [['n'], 'N', 'next viewport (the keys act on the outlined one)', 'nextViewport'],
  [['k'], 'K', 'link or unlink scrolling across viewports', 'link'],
  [['Delete', 'Backspace'], 'Del', 'clear the measurements of this image', 'clear'],
  [['Escape'], 'Esc', 'close this help, else put the tool down, else reset the view', 'reset'],
  [['?'], '?', 'show or hide this help', 'help'],
];

/// The action a key event asks for, with its argument (the preset's number), or null.
export function actionOf(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  for (const [keys, , , action] of SHORTCUTS) {
    if (keys.includes(key) || keys.includes(e.key)) return { action, arg: Number(e.key) - 1 };
  }
  return null;
}

export function helpPanel(close) {
  const rows = SHORTCUTS.map(([, label, what]) => el('tr', {}, el('th', { scope: 'row' }, el('kbd', {}, label)), el('td', {}, what)));
  const done = el('button', { type: 'button', class: 'fv-help-close' }, 'Close');
  done.addEventListener('click', close);
  return el('div', { class: 'fv-help', role: 'dialog', 'aria-label': 'Keyboard shortcuts', hidden: true },
    el('h2', {}, 'Keyboard shortcuts'),
    el('table', {}, el('tbody', {}, ...rows)),
    el('p', {}, 'Mouse: the value under the pointer shows at the bottom; wheel scrolls, drag pans (or measures, with a tool on), right-drag or shift-drag sets the window, ctrl-wheel zooms. ' +
      'Touch: swipe scrolls, pinch zooms.'),
    done);
}
