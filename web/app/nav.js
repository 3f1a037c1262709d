// The header navigation: one link per route that asks for one, the user's name, sign-out,
// and how far the uploads have got (they carry on while other pages are open).
import { api, clearSession } from './api.js';
import { h } from './dom.js';
import { subscribe, snapshot, isBusy, cancelAll } from './upload-queue.js';

let built = null;

function build(navEl) {
  const links = h('ul', { class: 'nav-links' });
  const uploadStatus = h('a', { id: 'nav-upload-status', href: '#/upload', hidden: true, 'aria-live': 'polite' });
  const user = h('span', { id: 'nav-user', class: 'nav-user' });
  const logout = h('button', { id: 'logout', type: 'button', class: 'link-button' }, 'Sign out');
  logout.addEventListener('click', signOut);
  navEl.replaceChildren(links, uploadStatus, h('span', { class: 'nav-end' }, user, logout));
  subscribe((type) => { if (type !== 'results') showUploads(uploadStatus); });
  return { links, user, uploadStatus };
}

function showUploads(el) {
  const { counts } = snapshot();
  const finished = counts.done + counts.failed;
  el.hidden = !isBusy();
  el.textContent = `Uploading ${finished} / ${counts.total}`;
}

function signOut() {
  if (isBusy() && !window.confirm('Uploads are still running. Sign out and cancel them?')) return;
  cancelAll('Cancelled: signed out');
  // Revokes the session on the server; the page does not wait for the answer.
  api('/api/auth/logout', { method: 'POST', signal: null, keepalive: true }).catch(() => {});
  clearSession();
  location.hash = '#/login';
}

export function renderNav(navEl, routes, me, path) {
  if (!me) { navEl.hidden = true; return; }
  if (!built) built = build(navEl);
  built.links.replaceChildren(...routes
    .filter((r) => r.nav && (!r.role || r.role === me.role))
    .map((r) => {
      const here = path === r.path || path.startsWith(`${r.path}/`);
      return h('li', null, h('a', { href: `#${r.path}`, id: `nav-${r.path.slice(1)}`, 'aria-current': here ? 'page' : null }, r.nav));
    }));
  built.user.textContent = me.username;
  built.user.title = `Signed in as ${me.username} (${me.role})`;
  showUploads(built.uploadStatus);
  navEl.hidden = false;
}
