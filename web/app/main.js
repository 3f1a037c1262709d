// The app shell: a hash router. A page is a module exporting render(main, params) that
// builds its DOM synchronously and returns an optional cleanup function. Adding a page is
// one module and one line in `routes`; `nav` puts it in the header, `role` limits who sees
// the link (the page itself still checks).
import { beginPage, endPage, isLoggedIn, cachedMe, loadMe, isAbort } from './api.js';
import { renderNav } from './nav.js';
import { h } from './dom.js';

const routes = [
  { path: '/login', load: () => import('./pages/login.js'), public: true },
  { path: '/studies', load: () => import('./pages/studies.js'), nav: 'Studies' },
  { path: '/studies/:uid', load: () => import('./pages/study.js') },
  { path: '/studies/:uid/view', load: () => import('./pages/study-view.js') },
  { path: '/upload', load: () => import('./pages/upload.js'), nav: 'Upload' },
  { path: '/admin', load: () => import('./pages/admin.js'), nav: 'Admin', role: 'admin' },
  { path: '/groups', load: () => import('./pages/groups.js'), nav: 'Groups', role: 'admin' },
  { path: '/dicom-nodes', load: () => import('./pages/dicom-nodes.js'), nav: 'DICOM nodes', role: 'admin' },
  { path: '/audit', load: () => import('./pages/audit.js'), nav: 'Audit', role: 'admin' },
  { path: '/account', load: () => import('./pages/account.js'), nav: 'Account' },
];
// Where an account that must enrol in two-factor authentication is kept until it has.
const ENROL = '#/account';
const HOME = '#/studies';

const main = document.getElementById('page');
const navEl = document.getElementById('nav');
let cleanup = null;
let seq = 0;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/studies';
  const i = raw.indexOf('?');
  const path = (i < 0 ? raw : raw.slice(0, i)).replace(/\/+$/, '') || '/';
  return { path, query: new URLSearchParams(i < 0 ? '' : raw.slice(i + 1)) };
}

function match(path) {
  const parts = path.split('/');
  for (const route of routes) {
    const want = route.path.split('/');
    if (want.length !== parts.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      if (want[i].startsWith(':')) {
        try { params[want[i].slice(1)] = decodeURIComponent(parts[i]); } catch { ok = false; }
        ok = ok && parts[i] !== '';
      } else ok = want[i] === parts[i];
    }
    if (ok) return { route, params };
  }
  return null;
}

function leave() {
  if (cleanup) {
    try { cleanup(); } catch (e) { console.error(e); }
    cleanup = null;
  }
  endPage();
}

function showError(e) {
  main.replaceChildren(h('p', { class: 'error', role: 'alert' }, e?.message || 'This page could not be shown.'));
}

async function route() {
  const mine = ++seq;
  const { path, query } = parseHash();
  const found = match(path);
  if (!found) { location.replace(HOME); return; }
  if (!found.route.public && !isLoggedIn()) {
    const next = location.hash.replace(/^#/, '');
    location.replace(next && next !== '/studies' ? `#/login?next=${encodeURIComponent(next)}` : '#/login');
    return;
  }
  if (found.route.path === '/login' && isLoggedIn()) { location.replace(HOME); return; }

  leave();
  const signal = beginPage();
  let me = cachedMe();
  if (isLoggedIn() && !me) {
    try { me = await loadMe(); } catch (e) { if (mine === seq && !isAbort(e)) showError(e); return; }
  }
  if (mine !== seq) return;
  if (me?.mfa_enrolment_required && found.route.path !== '/account') { location.replace(ENROL); return; }
  renderNav(navEl, routes, me, path);
  main.replaceChildren();
  window.scrollTo(0, 0);
  try {
    const page = await found.route.load();
    if (mine !== seq) return;
    const done = page.render(main, { ...found.params, query, path, me, signal });
    if (typeof done === 'function') cleanup = done;
  } catch (e) {
    if (mine === seq && !isAbort(e)) showError(e);
  }
}

window.addEventListener('hashchange', route);
route();
