// The study viewer, shared by the referrer's page (/v/{token}) and the web app's study page.
// It knows nothing about where images come from: the caller passes URLs and headers, so the
// same code serves link holders (share API, cookie for a PIN) and users (bearer token).
//
// mountViewer(root, {study, thumbnailUrl(series), renderedUrl(sop, frame, window), headers,
//                    refresh, downloadUrl, deidentified, valuesUrl(sop, frame)}) → {showSeries(uid), destroy()}
// valuesUrl: optional, where a frame's modality values are (by default beside renderedUrl's).
// headers: an object or a function answering one; refresh: optional, called once on a 401
// and resolving true when new credentials are in place.
//
// The viewer lays out one, two or four viewports (viewport.js), each with its own series,
// window, view and tools; the keys act on the active one. While scrolling is linked, moving
// one viewport moves the others that show parallel planes to their nearest slice (sync.js).
// root.dataset mirrors the first viewport's marks (see viewport.js), plus layout, active
// (the active viewport's number) and linked.
import { el, text, dicomDate, age } from './dom.js';
import { actionOf } from './keyboard.js';
import { mountViewport } from './viewport.js';

const LAYOUTS = { '1x1': 1, '1x2': 2, '2x2': 4 };

function ensureStylesheet() {
  if (document.querySelector('link[data-ferrum-viewer]')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: '/assets/viewer/viewer.css', dataset: { ferrumViewer: '' } }));
}

function infoOf(study, deidentified) {
  const info = el('header', { class: 'fv-info' });
  const fields = deidentified ? [] : [
    ['Patient', text(study.patient_name)],
    ['Age/sex', [age(study.patient_birth_date, study.study_date), text(study.patient_sex)].filter(Boolean).join(' ')],
    ['Study date', dicomDate(study.study_date)],
    ['Study', text(study.study_description)],
  ];
  for (const [k, v] of fields.filter(([, v]) => v)) info.append(el('span', {}, `${k}: `, el('b', {}, v)));
  return info;
}

export function mountViewer(root, source) {
  ensureStylesheet();
  const cells = el('div', { class: 'fv-cells' });
  const layoutButtons = Object.keys(LAYOUTS).map((name) => {
    const label = name.replace('x', '×');
    const b = el('button', { type: 'button', class: 'fv-layout-choice', title: `Layout ${label} (G)`, 'aria-label': `Layout ${label}`,
      'aria-pressed': 'false', dataset: { layout: name } }, label);
    b.addEventListener('click', () => setLayout(name));
    return b;
  });
  const link = el('button', { type: 'button', class: 'fv-link', title: 'Link scrolling across viewports (K)',
    'aria-label': 'Link scrolling across viewports', 'aria-pressed': 'true' }, 'Linked');
  link.addEventListener('click', () => setLinked(!state.linked));
  const bar = el('div', { class: 'fv-bar' }, infoOf(source.study, source.deidentified),
    el('div', { class: 'fv-layouts', role: 'group', 'aria-label': 'Layout' }, ...layoutButtons, link));
  root.replaceChildren(el('div', { class: 'fv-layout' }, bar, cells));

  const state = { layout: '1x1', viewports: [], active: 0, linked: true };

  function activate(vp) {
    const i = state.viewports.indexOf(vp);
    if (i < 0 || i === state.active) return;
    state.active = i;
    outline();
  }
  function outline() {
    state.viewports.forEach((vp, i) => vp.element.classList.toggle('fv-active', i === state.active));
    root.dataset.active = String(state.active);
  }
  function moved(vp) {
    if (!state.linked || state.viewports.length < 2) return;
    const { stack, position } = vp.where();
    if (!stack || typeof position !== 'number') return;
    for (const other of state.viewports) if (other !== vp) other.follow(stack, position);
  }

  function addViewport() {
    const n = state.viewports.length;
    const cell = el('div', { class: 'fv-cell', dataset: { cell: String(n) } });
    cells.append(cell);
    const hooks = {
      mark(key, value) {
        for (const target of n === 0 ? [cell, root] : [cell]) {
          if (value === undefined) delete target.dataset[key]; else target.dataset[key] = value;
        }
      },
      moved: (vp) => moved(vp),
      activate: (vp) => activate(vp),
    };
    // A new viewport opens the next series, so that side by side shows something new.
    state.viewports.push(mountViewport(cell, source, hooks, n));
  }

  function setLayout(name) {
    const count = LAYOUTS[name];
    if (!count) return;
    state.layout = name;
    while (state.viewports.length > count) {
      state.viewports.pop().destroy();
      cells.lastChild.remove();
    }
    while (state.viewports.length < count) addViewport();
    state.active = Math.min(state.active, count - 1);
    cells.className = `fv-cells fv-l-${name}`;
    for (const b of layoutButtons) b.setAttribute('aria-pressed', String(b.dataset.layout === name));
    link.hidden = count < 2;
    root.dataset.layout = name;
    outline();
    // A new viewport starts where the active one is, when they show parallel planes.
    moved(state.viewports[state.active]);
  }

  function setLinked(on) {
    state.linked = on;
    link.setAttribute('aria-pressed', String(on));
    link.textContent = on ? 'Linked' : 'Unlinked';
    root.dataset.linked = on ? '1' : '';
    if (on) moved(state.viewports[state.active]);
  }

  const own = {
    layout: () => { const names = Object.keys(LAYOUTS); setLayout(names[(names.indexOf(state.layout) + 1) % names.length]); },
    nextViewport: () => { state.active = (state.active + 1) % state.viewports.length; outline(); },
    link: () => setLinked(!state.linked),
  };
  const onKey = (e) => {
    const t = e.target;
    if ((t instanceof HTMLInputElement && t.type !== 'range') || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
    if (!root.isConnected) return;
    const a = actionOf(e);
    if (!a) return;
    e.preventDefault();
    if (own[a.action]) own[a.action]();
    else state.viewports[state.active]?.act(a.action, a.arg);
  };
  document.addEventListener('keydown', onKey);

  setLinked(true);
  setLayout('1x1');

  return {
    showSeries: (uid) => state.viewports[state.active]?.showSeries(uid),
    setLayout,
    destroy() {
      document.removeEventListener('keydown', onKey);
      for (const vp of state.viewports) vp.destroy();
      state.viewports = [];
      root.replaceChildren();
    },
  };
}
