// The audit trail, for admins: every recorded event, filtered by actor, action, outcome,
// study, patient ID and time, newest first, with "Older" for the next page (keyset: the
// server's next_cursor) and the current filters exported as CSV or FHIR R4 AuditEvent
// NDJSON. The filters are kept in the hash (#/audit?action=view_study) so that reload, back
// and forward keep them. Reading the trail is itself recorded by the server.
import { api, isAbort } from '../api.js';
import { h, dataTable, scroller, emptyRow, say } from '../dom.js';
import { plural } from '../format.js';
import { eventRow, eventHeadings } from '../audit-rows.js';

const FILTERS = ['actor', 'action', 'outcome', 'study_uid', 'patient_id', 'from', 'to'];
const PAGE_SIZE = 100;
const EXPORT_LIMIT = 10000; // the server's largest page
const OUTCOMES = [['', 'Any'], ['allowed', 'Allowed'], ['denied', 'Denied'], ['not_found', 'Not found'], ['error', 'Error']];
// The closed set of actions (`Action` in crates/ferrum-store/src/audit.rs), grouped as the
// DICOM audit vocabulary sorts them. The field also takes free text: a comma list of names.
const ACTIONS = [
  ['Sign-in and sessions', ['login', 'logout', 'token_refresh', 'mfa_recovery_used', 'session_end', 'unlock_link', 'dicom_association']],
  ['Patient data', ['search_studies', 'view_study', 'view_thumbnail', 'view_image', 'download_instance', 'export_study', 'open_link', 'request']],
  ['Import', ['upload', 'import']],
  ['Backup', ['backup', 'restore']],
  ['Erasure and correction', ['erase_study', 'erase_series', 'erase_patient', 'rectify_study']],
  ['Security changes', ['mfa_enrol', 'mfa_enable', 'mfa_disable', 'mfa_policy_change', 'password_change', 'reset_password',
    'create_user', 'update_user', 'delete_user', 'account_disable', 'account_enable', 'account_unlock',
    'create_group', 'rename_group', 'delete_group', 'add_member', 'remove_member',
    'grant_study', 'withdraw_grant', 'transfer_study', 'restrict_study', 'lift_restriction', 'create_link', 'revoke_link',
    'set_retention', 'clear_retention', 'place_legal_hold', 'lift_legal_hold',
    'create_dicom_node', 'update_dicom_node', 'delete_dicom_node']],
  ['Security reads', ['read_settings', 'list_sessions', 'view_account', 'list_users', 'list_groups', 'search_directory', 'list_grants', 'list_links', 'read_restriction', 'list_dicom_nodes']],
  ['Audit reads', ['read_link_log', 'read_audit', 'export_audit', 'read_study_access', 'read_activity', 'prune_audit']],
];
const HEADINGS = eventHeadings();

function filterForm(query) {
  const field = (name, label, control, help) => h('div', { class: 'field' },
    h('label', { for: `a-${name}` }, label), control,
    help ? h('span', { id: `a-${name}-help`, class: 'muted small' }, help) : null);
  const input = (name, attrs = {}) => h('input', { id: `a-${name}`, name, value: query.get(name) ?? '', ...attrs });
  const outcome = OUTCOMES.some(([v]) => v === query.get('outcome')) ? query.get('outcome') : '';
  return h('form', { id: 'audit-filters', class: 'filters', role: 'search', autocomplete: 'off' },
    field('actor', 'Actor', input('actor', { placeholder: 'user:admin', 'aria-describedby': 'a-actor-help', autocapitalize: 'none' }),
      'An account name, user:…, link:…, system'),
    field('action', 'Action', input('action', { list: 'audit-actions', 'aria-describedby': 'a-action-help', autocapitalize: 'none' }),
      'Pick one, or type names separated by commas'),
    h('datalist', { id: 'audit-actions' }, ACTIONS.flatMap(([, names]) => names).map((a) => h('option', { value: a }))),
    field('outcome', 'Outcome', h('select', { id: 'a-outcome', name: 'outcome', value: outcome },
      OUTCOMES.map(([v, label]) => h('option', { value: v }, label)))),
    field('study_uid', 'Study UID', input('study_uid', { class: 'uid', autocapitalize: 'none' })),
    field('patient_id', 'Patient ID', input('patient_id')),
    field('from', 'From (date)', input('from', { type: 'date' })),
    field('to', 'To (date, included)', input('to', { type: 'date' })),
    h('div', { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Search'),
      h('button', { type: 'reset' }, 'Clear')));
}

/** The filters as they go in the hash: what the user typed, empty ones left out. */
function formParams(form) {
  const p = new URLSearchParams();
  for (const name of FILTERS) {
    const v = form.elements.namedItem(name).value.trim();
    if (v) p.set(name, v);
  }
  return p;
}

/** Local midnight of a YYYY-MM-DD date, plus `days`, as RFC 3339 (the server's `to` is exclusive). */
function localMidnight(date, days = 0) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days).toISOString();
}

/** The hash's filters as the API takes them: a bare name is an account, dates are whole local days. */
function apiParams(params) {
  const p = new URLSearchParams();
  for (const [k, v] of params) {
    if (k === 'actor' && !v.includes(':') && v !== 'system' && v !== 'anonymous') p.set(k, `user:${v}`);
    else if (k === 'action') p.set(k, v.split(/[\s,]+/).filter(Boolean).join(','));
    else if (k === 'from') p.set(k, localMidnight(v));
    else if (k === 'to') p.set(k, localMidnight(v, 1));
    else p.set(k, v);
  }
  return p;
}

/** Saves a body as a file through a blob URL (the bearer token is not in a cookie, so a plain link cannot). */
function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function exportButtons(current, status) {
  const formats = [['csv', 'Export CSV', 'text/csv', 'csv'], ['fhir', 'Export FHIR (NDJSON)', 'application/fhir+ndjson', 'ndjson']];
  return formats.map(([format, label, accept, ext]) => {
    const b = h('button', { type: 'button', id: `audit-export-${format}` }, label);
    b.addEventListener('click', async () => {
      b.disabled = true;
      status.className = 'muted';
      say(status, 'Preparing the export…');
      const p = apiParams(current());
      p.set('format', format);
      p.set('limit', String(EXPORT_LIMIT));
      try {
        const res = await api(`/api/audit?${p}`, { raw: true, headers: { Accept: accept } });
        const blob = await res.blob();
        const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
        const name = `audit-${stamp}.${ext}`;
        save(blob, name);
        const more = res.headers.get('x-next-cursor');
        say(status, `Saved ${name} (${blob.size} bytes)${more ? `: the newest ${EXPORT_LIMIT} events only; narrow the filters for the rest` : ''}.`);
        status.dataset.exported = format;
      } catch (e) {
        if (isAbort(e)) return;
        status.className = 'error';
        say(status, e.message);
      } finally {
        b.disabled = false;
      }
    });
    return b;
  });
}

export function render(main, { query, signal }) {
  document.title = 'Audit trail · Ferrum PACS';
  const form = filterForm(query);
  const { table, tbody } = dataTable('audit-table', HEADINGS, 'data audit');
  const count = h('p', { id: 'audit-count', class: 'muted', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const exportStatus = h('p', { id: 'audit-export-status', role: 'status', hidden: true });
  const older = h('button', { type: 'button', id: 'audit-older' }, 'Older');
  const more = h('div', { id: 'audit-more', class: 'more', hidden: true }, older);
  let list = null;
  main.append(h('h1', null, 'Audit trail'),
    h('p', { class: 'muted' }, 'Every access to patient data and every security change, newest first. Times are in this browser’s time zone.'),
    form,
    h('div', { class: 'actions' }, ...exportButtons(() => list?.params ?? formParams(form), exportStatus)),
    exportStatus, count, error, scroller(table), more);

  const onAudit = () => /^#\/audit(\?|$)/.test(location.hash);

  function reset() {
    if (signal.aborted || !onAudit()) return;
    const params = formParams(form);
    const key = params.toString();
    list?.controller.abort();
    const hash = `#/audit${key ? `?${key}` : ''}`;
    if (location.hash !== hash) history.replaceState(history.state, '', hash);
    list = { params, controller: new AbortController(), cursor: null, rows: 0, done: false };
    tbody.replaceChildren();
    say(error, '');
    load();
  }

  async function load() {
    const l = list;
    older.disabled = true;
    older.textContent = 'Loading…';
    count.textContent = l.rows ? count.textContent : 'Loading…';
    const p = apiParams(l.params);
    p.set('limit', String(PAGE_SIZE));
    if (l.cursor) p.set('cursor', l.cursor);
    try {
      const page = await api(`/api/audit?${p}`, { signal: l.controller.signal });
      if (l !== list) return;
      const items = page.items || [];
      tbody.append(...items.map((ev) => eventRow(ev)));
      l.rows += items.length;
      l.cursor = page.next_cursor ?? null;
      l.done = !l.cursor || items.length === 0;
      if (!l.rows) tbody.append(emptyRow(HEADINGS.length, 'No events match these filters.'));
      count.textContent = l.rows ? `${plural(l.rows, 'event')}${l.done ? '' : ', older ones not loaded yet'}` : 'No events';
    } catch (e) {
      if (isAbort(e) || l !== list) return;
      say(error, e.message);
      count.textContent = '';
    } finally {
      if (l === list) {
        more.hidden = l.done && !error.textContent;
        older.disabled = false;
        older.textContent = error.textContent ? 'Retry' : 'Older';
      }
    }
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); reset(); });
  form.elements.namedItem('outcome').addEventListener('change', reset);
  form.addEventListener('reset', (e) => {
    e.preventDefault();
    for (const name of FILTERS) form.elements.namedItem(name).value = '';
    reset();
  });
  older.addEventListener('click', () => { if (list) { say(error, ''); load(); } });

  signal.addEventListener('abort', () => list?.controller.abort(), { once: true });
  reset();
  return () => list?.controller.abort();
}
