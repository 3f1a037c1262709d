// The study viewer, shared by the referrer's page (/v/{token}) and the web app's study page.
// It knows nothing about where images come from: the caller passes URLs and headers, so the
// same code serves link holders (share API, cookie for a PIN) and users (bearer token).
//
// mountViewer(root, {study, thumbnailUrl(series), renderedUrl(sop, frame, window), headers,
//                    refresh, downloadUrl, deidentified, valuesUrl(sop, frame)}) → {showSeries(uid), destroy()}
// valuesUrl: optional, where a frame's modality values are (by default beside renderedUrl's).
// priors: optional {list(study) → [study summaries], open(uid) → a source like this one}: the
// same patient's other studies, listed in a panel and opened beside (see priors.js).
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
  const priorsButton = el('button', { type: 'button', class: 'fv-priors-open', hidden: true, 'aria-expanded': 'false',
    title: "The patient's other studies" }, 'Priors');
  const priorsPanel = el('div', { class: 'fv-priors', hidden: true, role: 'region', 'aria-label': "The patient's other studies" });
  priorsButton.addEventListener('click', () => {
    priorsPanel.hidden = !priorsPanel.hidden;
    priorsButton.setAttribute('aria-expanded', String(!priorsPanel.hidden));
  });
  const bar = el('div', { class: 'fv-bar' }, infoOf(source.study, source.deidentified),
    el('div', { class: 'fv-layouts', role: 'group', 'aria-label': 'Layout' }, priorsButton, ...layoutButtons, link));
  root.replaceChildren(el('div', { class: 'fv-layout' }, bar, priorsPanel, cells));

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

  function addViewport(from = source, at = null) {
    const n = at ?? state.viewports.length;
    const cell = at == null ? el('div', { class: 'fv-cell', dataset: { cell: String(n) } }) : state.viewports[at].element;
    if (at == null) cells.append(cell);
    cell.dataset.study = from.study.study_instance_uid;
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
    const vp = mountViewport(cell, from, hooks, from === source ? n : 0);
    if (at == null) state.viewports.push(vp); else state.viewports[at] = vp;
  }

  /// Opens study `uid` (a prior) in the viewport beside the first, two side by side at least.
  async function openPrior(uid) {
    const from = await source.priors.open(uid);
    if (!root.isConnected) return;
    if (state.viewports.length < 2) setLayout('1x2');
    state.viewports[1].destroy();
    addViewport(from, 1);
    state.active = 1;
    outline();
  }

  async function listPriors() {
    let list = [];
    try { list = await source.priors.list(source.study); } catch { return; }
    if (!root.isConnected || !list.length) return;
    root.dataset.priors = String(list.length);
    priorsButton.textContent = `Priors (${list.length})`;
    priorsButton.hidden = false;
    priorsPanel.replaceChildren(...list.map((s) => {
      const open = el('button', { type: 'button', class: 'fv-prior-open', dataset: { study: s.study_instance_uid } }, 'Open beside');
      open.addEventListener('click', () => openPrior(s.study_instance_uid).catch((e) => { open.textContent = e.message; }));
      const what = [dicomDate(s.study_date), (s.modalities || []).join(' '), text(s.study_description)]
        .filter(Boolean).join(' · ');
      return el('div', { class: 'fv-prior' }, el('span', {}, what || s.study_instance_uid), open);
    }));
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
  if (source.priors) listPriors();

  return {
    /// Shows a series of this study in the active viewport, or the first when a prior is active.
    showSeries(uid) {
      const vp = state.viewports[state.active];
      const own = vp && vp.element.dataset.study === source.study.study_instance_uid ? vp : state.viewports[0];
      return own?.showSeries(uid);
    },
    setLayout,
    destroy() {
      document.removeEventListener('keydown', onKey);
      for (const vp of state.viewports) vp.destroy();
      state.viewports = [];
      root.replaceChildren();
    },
  };
}
