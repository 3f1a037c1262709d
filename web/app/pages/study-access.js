// "Who accessed this study", for its owner and admins: who (accounts, viewer links, the
// service) read or changed it, when first and last, how often, and the recent events, newest
// first, with "Older" for the next page. Built from GET /api/studies/{uid}/access; a caller
// the server refuses (403/404: not the owner) sees no panel at all.
import { api, isAbort } from '../api.js';
import { h, dataTable, scroller, emptyRow } from '../dom.js';
import { dateTime, actorKind, plural } from '../format.js';
import { eventRow, eventHeadings } from '../audit-rows.js';

const enc = encodeURIComponent;
const PAGE_SIZE = 50;
const SUMMARY_HEADINGS = ['Who', 'Kind', 'First', 'Last access', 'Events'];
const EVENT_OPTS = { actor: true, study: false };

/** Adds a page's per-actor summary to what earlier pages gave (pages are older each time). */
function merge(into, actors) {
  for (const a of actors || []) {
    const had = into.get(a.actor);
    if (!had) { into.set(a.actor, { ...a }); continue; }
    had.count += a.count;
    if (a.first_at < had.first_at) had.first_at = a.first_at;
    if (a.last_at > had.last_at) had.last_at = a.last_at;
  }
}

function summaryRow(a) {
  return h('tr', { class: 'access-actor', dataset: { actor: a.actor, kind: a.kind || '' } },
    h('td', { class: 'name' }, a.actor),
    h('td', null, actorKind(a.kind || a.actor)),
    h('td', { class: 'nowrap' }, dateTime(a.first_at)),
    h('td', { class: 'nowrap' }, dateTime(a.last_at)),
    h('td', { class: 'num' }, String(a.count)));
}

/** Mounts the panel into `section` (kept hidden until the server answers 200). */
export function mountAccess({ uid, section, signal }) {
  section.hidden = true;
  const summary = dataTable('study-access-actors', SUMMARY_HEADINGS);
  const headings = eventHeadings(EVENT_OPTS);
  const events = dataTable('study-access-events', headings, 'data audit');
  const status = h('p', { class: 'muted', role: 'status' });
  const older = h('button', { type: 'button', id: 'study-access-older' }, 'Older');
  const more = h('div', { class: 'more', hidden: true }, older);
  const refresh = h('button', { type: 'button', class: 'link-button' }, 'Refresh');
  section.append(
    h('div', { class: 'section-head' }, h('h2', { id: 'study-access-title' }, 'Who accessed this study'), refresh),
    h('p', { class: 'muted' }, 'Accounts, viewer links and the service, from the audit trail. The summary covers the events loaded below.'),
    scroller(summary.table),
    h('h3', null, 'Recent events'), status, scroller(events.table), more);

  let state = null;
  async function load() {
    const s = state;
    older.disabled = true;
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (s.cursor) q.set('cursor', s.cursor);
    try {
      const page = await api(`/api/studies/${enc(uid)}/access?${q}`, { signal: s.controller.signal });
      if (s !== state) return;
      section.hidden = false;
      merge(s.actors, page.actors);
      summary.tbody.replaceChildren(...[...s.actors.values()].map(summaryRow));
      const items = page.items || [];
      events.tbody.append(...items.map((ev) => eventRow(ev, EVENT_OPTS)));
      s.rows += items.length;
      s.cursor = page.next_cursor ?? null;
      if (!s.rows) {
        summary.tbody.append(emptyRow(SUMMARY_HEADINGS.length, 'Nobody yet.'));
        events.tbody.append(emptyRow(headings.length, 'No events.'));
      }
      status.textContent = s.rows ? `${plural(s.rows, 'event')}${s.cursor ? ' so far' : ''}` : '';
      more.hidden = !s.cursor || items.length === 0;
    } catch (e) {
      if (isAbort(e) || s !== state) return;
      // Not the owner (or no longer): the panel is not for this caller.
      if (e.status === 403 || e.status === 404) { section.hidden = true; return; }
      if (!section.hidden) status.textContent = e.message;
    } finally {
      older.disabled = false;
    }
  }

  function start() {
    state?.controller.abort();
    state = { controller: new AbortController(), cursor: null, rows: 0, actors: new Map() };
    summary.tbody.replaceChildren();
    events.tbody.replaceChildren();
    load();
  }

  older.addEventListener('click', load);
  refresh.addEventListener('click', start);
  signal.addEventListener('abort', () => state?.controller.abort(), { once: true });
  start();
  return { destroy() { state?.controller.abort(); } };
}
