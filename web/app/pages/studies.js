// The study list: filters kept in the hash (#/studies?modality=CT&scope=shared) so that back,
// forward and reload keep them; a compact bar of the common filters and an "advanced" panel
// of the rest; "Mine" / "Shared with me" / "All" narrows it by who owns a study; the order
// chosen by clicking a column heading; pages of 50 loaded as the end of the table scrolls
// into view; thumbnails fetched only for rows that are on screen; ↑/↓ move the selection and
// Enter opens it; the current filters saved under a name (per account, in this browser) or
// downloaded as CSV.
import { api, blobUrl, revokeBlobUrl, isAbort } from '../api.js';
import { h, scroller, emptyRow, debounce, say } from '../dom.js';
import { personName, dicomDate, dateTime, modalities, plural } from '../format.js';

const BAR = ['q', 'patient_name', 'patient_id', 'accession', 'modality', 'date_from', 'date_to'];
const ADVANCED = ['birth_date', 'time_from', 'time_to', 'description', 'referring_physician', 'institution',
  'uploader', 'uploaded_from', 'uploaded_to', 'restricted', 'shared'];
const FILTERS = [...BAR, ...ADVANCED];
// Sortable columns: the heading's key and the direction a first click gives.
const SORTABLE = { Patient: ['patient_name', ''], Accession: ['accession', ''], 'Study date': ['study_date', '-'], Uploaded: ['uploaded_at', '-'] };
const PAGE_SIZE = 50;
const MODALITIES = ['CT', 'MR', 'CR', 'DX', 'US', 'XA', 'RF', 'MG', 'NM', 'PT', 'OT', 'SR', 'SEG'];
const HEADINGS = ['', 'Patient', 'Patient ID', 'Accession', 'Study date', 'Description', 'Modalities', 'Series / images', 'Owner', 'Uploaded'];
const SCOPES = [['all', 'All'], ['mine', 'Mine'], ['shared', 'Shared with me']];
const DEFAULT_SCOPE = 'all';
/** Where the study page's "back" link returns to, filters included. */
export const LIST_KEY = 'ferrum.studies.hash';
/** Saved searches, per account: a name → the filters as they go in the hash. */
const savedKey = (me) => `ferrum.searches.${me?.username ?? ''}`;

function loadSaved(me) {
  try { return JSON.parse(localStorage.getItem(savedKey(me)) || '{}') || {}; } catch { return {}; }
}

function storeSaved(me, saved) {
  localStorage.setItem(savedKey(me), JSON.stringify(saved));
}

function filterForm(query) {
  const input = (name, label, attrs = {}) => h('div', { class: 'field' },
    h('label', { for: `f-${name}` }, label),
    h('input', { id: `f-${name}`, name, value: query.get(name) ?? '', ...attrs }));
  const yesNo = (name, label, yes, no) => h('div', { class: 'field' },
    h('label', { for: `f-${name}` }, label),
    h('select', { id: `f-${name}`, name, value: ['true', 'false'].includes(query.get(name)) ? query.get(name) : '' },
      h('option', { value: '' }, 'Either'), h('option', { value: 'true' }, yes), h('option', { value: 'false' }, no)));
  const scope = SCOPES.some(([v]) => v === query.get('scope')) ? query.get('scope') : DEFAULT_SCOPE;
  const advancedSet = ADVANCED.some((n) => query.get(n));
  return h('form', { id: 'study-filters', class: 'filters', role: 'search', autocomplete: 'off' },
    h('fieldset', { id: 'study-scope', class: 'segmented' },
      h('legend', null, 'Show'),
      SCOPES.map(([v, label]) => [
        h('input', { id: `scope-${v}`, type: 'radio', name: 'scope', value: v, checked: v === scope, class: 'visually-hidden' }),
        h('label', { for: `scope-${v}` }, label)])),
    input('q', 'Search', { type: 'search', placeholder: 'Name, ID, accession, description' }),
    input('patient_name', 'Patient name', { placeholder: 'DOE*', title: 'Wildcards: * any letters, ? one letter' }),
    input('patient_id', 'Patient ID', { title: 'Exact, or a prefix ending in *' }),
    input('accession', 'Accession', { title: 'Exact, or a prefix ending in *' }),
    input('modality', 'Modality', { list: 'modality-options', autocapitalize: 'characters', size: 6 }),
    h('datalist', { id: 'modality-options' }, MODALITIES.map((m) => h('option', { value: m }))),
    input('date_from', 'Study date from', { type: 'date' }),
    input('date_to', 'Study date to', { type: 'date' }),
    h('input', { type: 'hidden', name: 'sort', value: query.get('sort') ?? '' }),
    h('details', { id: 'study-advanced', class: 'advanced', open: advancedSet },
      h('summary', null, 'Advanced'),
      h('div', { class: 'filters-grid' },
        input('birth_date', 'Birth date', { type: 'date' }),
        input('time_from', 'Study time from', { type: 'time' }),
        input('time_to', 'Study time to', { type: 'time' }),
        input('description', 'Description', { title: 'Words of the study and series descriptions and body parts' }),
        input('referring_physician', 'Referring physician'),
        input('institution', 'Institution'),
        input('uploader', 'Uploaded by'),
        input('uploaded_from', 'Uploaded from', { type: 'date' }),
        input('uploaded_to', 'Uploaded to', { type: 'date' }),
        yesNo('restricted', 'Restricted', 'Restricted only', 'Not restricted'),
        yesNo('shared', 'Shared', 'Shared only', 'Not shared'))),
    h('div', { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Search'),
      h('button', { type: 'reset' }, 'Clear'),
      h('select', { id: 'saved-searches', 'aria-label': 'Saved searches' }),
      h('button', { type: 'button', id: 'save-search' }, 'Save search'),
      h('button', { type: 'button', id: 'forget-search', hidden: true }, 'Forget'),
      h('button', { type: 'button', id: 'study-csv' }, 'Download CSV')));
}

/** The filters as they go in the hash: empty ones and the default order left out. */
function formParams(form) {
  const p = new URLSearchParams();
  for (const name of FILTERS) {
    let v = form.elements[name].value.trim();
    if (name === 'modality') v = v.toUpperCase();
    if (v) p.set(name, v);
  }
  const sort = form.elements.namedItem('sort').value;
  if (sort) p.set('sort', sort);
  const scope = form.elements.namedItem('scope').value;
  if (scope && scope !== DEFAULT_SCOPE) p.set('scope', scope);
  return p;
}

/** Puts saved filters into the form (every other filter cleared; the scope as saved). */
function fillForm(form, params) {
  for (const name of [...FILTERS, 'sort']) form.elements.namedItem(name).value = params.get(name) ?? '';
  const scope = params.get('scope') || DEFAULT_SCOPE;
  for (const radio of form.querySelectorAll('input[name=scope]')) radio.checked = radio.value === scope;
  if (ADVANCED.some((n) => params.get(n))) form.querySelector('#study-advanced').open = true;
}

/** The table's header: sortable columns are buttons saying their order (aria-sort). */
function listTable(onSort) {
  const tbody = h('tbody');
  const row = h('tr', null, HEADINGS.map((t) => {
    const sortable = SORTABLE[t];
    if (!sortable) return h('th', { scope: 'col' }, t);
    return h('th', { scope: 'col', dataset: { sort: sortable[0] } },
      h('button', { type: 'button', class: 'sort', onclick: () => onSort(sortable) }, t, h('span', { class: 'sort-mark', 'aria-hidden': 'true' })));
  }));
  const table = h('table', { id: 'study-list', class: 'data studies' }, h('thead', null, row), tbody);
  return { table, tbody };
}

/** Shows the current order on the headings. */
function markSort(table, sort, hasQuery) {
  const current = sort || (hasQuery ? 'relevance' : '-uploaded_at');
  for (const th of table.querySelectorAll('th[data-sort]')) {
    const key = th.dataset.sort;
    const state = current === key ? 'ascending' : current === `-${key}` ? 'descending' : null;
    if (state) th.setAttribute('aria-sort', state); else th.removeAttribute('aria-sort');
    th.querySelector('.sort-mark').textContent = state === 'ascending' ? ' ▲' : state === 'descending' ? ' ▼' : '';
  }
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

/** Loads thumbnails of rows that scroll into view, a few at a time. */
function thumbnailLoader() {
  const paths = new WeakMap();
  const pending = [];
  const urls = new Set();
  let controller = new AbortController();
  let running = 0;
  const io = 'IntersectionObserver' in window
    ? new IntersectionObserver((entries) => {
      for (const e of entries) if (e.isIntersecting) { io.unobserve(e.target); pending.push(e.target); }
      pump();
    }, { rootMargin: '200px 0px' })
    : null;

  function pump() {
    while (running < 4 && pending.length) {
      const img = pending.shift();
      const c = controller;
      running++;
      blobUrl(paths.get(img), { signal: c.signal })
        .then((url) => {
          if (c.signal.aborted) { revokeBlobUrl(url); return; }
          urls.add(url);
          img.src = url;
        })
        .catch((e) => { if (!isAbort(e)) img.classList.add('thumb-missing'); })
        .finally(() => { running--; pump(); });
    }
  }

  return {
    observe(img, path) {
      paths.set(img, path);
      if (io) io.observe(img); else { pending.push(img); pump(); }
    },
    reset() {
      controller.abort();
      controller = new AbortController();
      pending.length = 0;
      io?.disconnect();
      for (const url of urls) revokeBlobUrl(url);
      urls.clear();
    },
  };
}

/** The study's thumbnail, a small size for a table row. Built from the UID rather than taken
 *  from thumbnail_url: a UID accepted as sent may hold '/', '?' or '#', which only
 *  encodeURIComponent keeps inside the path. */
function thumbPath(study) {
  const url = new URL(`/api/studies/${encodeURIComponent(study.study_instance_uid)}/thumbnail`, location.origin);
  if (!url.searchParams.has('size')) url.searchParams.set('size', '96');
  return url.pathname + url.search;
}

/** Who owns the study, and whether it reached the caller through a share. */
function ownerCell(s, me) {
  const mine = s.owner && s.owner === me?.username;
  return h('td', { class: 'owner' },
    s.owner ? (mine ? 'you' : s.owner) : h('span', { class: 'muted' }, 'no one'),
    s.access?.basis === 'grant' ? [' ', h('span', { class: 'badge shared', title: `Shared with you to ${s.access.level}` }, `shared · ${s.access.level}`)] : null);
}

function studyRow(s, thumbs, me) {
  const uid = s.study_instance_uid;
  const img = h('img', { class: 'thumb', alt: '', width: 48, height: 48, decoding: 'async' });
  thumbs.observe(img, thumbPath(s));
  return h('tr', { class: 'study-row', tabindex: -1, 'aria-selected': 'false', dataset: { uid } },
    h('td', { class: 'thumb-cell' }, img),
    h('td', null, h('a', { href: `#/studies/${encodeURIComponent(uid)}`, tabindex: -1 }, personName(s.patient_name) || '(no name)')),
    h('td', null, s.patient_id || ''),
    h('td', null, s.accession_number || ''),
    h('td', { class: 'nowrap' }, dicomDate(s.study_date)),
    h('td', null, s.study_description || ''),
    h('td', null, modalities(s.modalities)),
    h('td', { class: 'num' }, `${s.num_series ?? '?'} / ${s.num_instances ?? '?'}`),
    ownerCell(s, me),
    h('td', null, s.uploaded_by || '', h('br'), h('span', { class: 'muted nowrap' }, dateTime(s.uploaded_at))));
}

export function render(main, { query, me, signal }) {
  document.title = 'Studies · Ferrum PACS';
  const form = filterForm(query);
  const { table, tbody } = listTable(sortBy);
  const count = h('p', { id: 'study-count', class: 'muted', 'aria-live': 'polite' });
  const status = h('p', { id: 'study-csv-status', class: 'muted', role: 'status', hidden: true });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const moreButton = h('button', { type: 'button' }, 'Load more');
  const more = h('div', { id: 'study-list-more', class: 'more', hidden: true }, moreButton);
  const hint = h('p', { class: 'muted hint' }, '↑ / ↓ select a study, Enter opens it.');
  main.append(h('h1', null, 'Studies'), form, count, status, error, scroller(table), more, hint);

  const thumbs = thumbnailLoader();
  const savedSelect = form.querySelector('#saved-searches');
  const forget = form.querySelector('#forget-search');
  let list = null;

  const sentinel = 'IntersectionObserver' in window
    ? new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadMore(); }, { rootMargin: '400px 0px' })
    : null;

  // Still this page's address? A debounced reset that fires after the user has moved on
  // (to a study, say) must not put the list's address back over theirs.
  const onList = () => !location.hash || /^#\/studies(\?|$)/.test(location.hash);

  function sortBy([key, first]) {
    const el = form.elements.namedItem('sort');
    el.value = el.value === `${first}${key}` ? `${first ? '' : '-'}${key}` : `${first}${key}`;
    onInput.cancel();
    reset();
  }

  function showSaved() {
    const saved = loadSaved(me);
    const current = formParams(form).toString();
    const names = Object.keys(saved).sort((a, b) => a.localeCompare(b));
    savedSelect.replaceChildren(h('option', { value: '' }, names.length ? 'Saved searches…' : 'No saved searches'),
      ...names.map((n) => h('option', { value: n }, n)));
    const chosen = names.find((n) => saved[n] === current) ?? '';
    savedSelect.value = chosen;
    forget.hidden = !chosen;
  }

  function reset(force = false) {
    if (signal.aborted || !onList()) return;
    const params = formParams(form);
    const key = params.toString();
    if (list && list.key === key && !force) return;
    list?.controller.abort();
    thumbs.reset();
    const hash = `#/studies${key ? `?${key}` : ''}`;
    // replaceState: the filters are kept without a history entry per keystroke (and without
    // a hashchange, which would re-render the page).
    if (location.hash !== hash) history.replaceState(history.state, '', hash);
    sessionStorage.setItem(LIST_KEY, hash);
    list = { key, params, controller: new AbortController(), cursor: null, done: false, loading: false, failed: false, rows: 0, total: null };
    markSort(table, params.get('sort'), !!params.get('q'));
    showSaved();
    tbody.replaceChildren();
    say(error, '');
    count.textContent = 'Loading…';
    loadMore();
  }

  function countText(l) {
    if (l.rows === 0 && l.done) return 'No studies';
    if (l.total == null) return `${plural(l.rows, 'study', 'studies')}${l.done ? '' : ' loaded so far'}`;
    const total = l.total.exact ? plural(l.total.n, 'study', 'studies') : `about ${plural(l.total.n, 'study', 'studies')}`;
    return l.done ? total : `${l.rows} of ${total} loaded`;
  }

  async function loadMore() {
    const l = list;
    if (!l || l.loading || l.done || l.failed) return;
    l.loading = true;
    moreButton.disabled = true;
    moreButton.textContent = 'Loading…';
    const p = new URLSearchParams(l.params);
    p.set('limit', String(PAGE_SIZE));
    if (l.cursor) p.set('cursor', l.cursor);
    try {
      const page = await api(`/api/studies?${p}`, { signal: l.controller.signal });
      if (l !== list) return;
      const items = page.items || [];
      const frag = document.createDocumentFragment();
      for (const s of items) frag.append(studyRow(s, thumbs, me));
      tbody.append(frag);
      l.rows += items.length;
      l.cursor = page.next_cursor ?? null;
      if (l.total == null && typeof page.total === 'number') l.total = { n: page.total, exact: page.total_exact !== false };
      // An empty page with a cursor would otherwise ask again forever.
      l.done = !l.cursor || items.length === 0;
      if (l.rows === 0) tbody.append(emptyRow(HEADINGS.length, l.params.get('scope') === 'shared' ? 'Nobody has shared a study with you' : 'No studies'));
    } catch (e) {
      if (isAbort(e) || l !== list) return;
      l.failed = true;
      say(error, e.message);
    } finally {
      if (l === list) {
        l.loading = false;
        count.textContent = countText(l);
        count.dataset.total = l.total ? String(l.total.n) : '';
        count.dataset.exact = l.total ? String(l.total.exact) : '';
        more.hidden = l.done;
        moreButton.disabled = false;
        moreButton.textContent = l.failed ? 'Retry' : 'Load more';
      }
    }
    // If the end of the table is still in view, observing again reports it at once.
    if (sentinel && l === list && !l.done && !l.failed) { sentinel.unobserve(more); sentinel.observe(more); }
  }

  // ---- keyboard: ↑/↓ move the selection, Enter opens ----------------------------------
  const rowsNow = () => [...tbody.querySelectorAll('tr.study-row')];
  function select(row) {
    for (const r of tbody.querySelectorAll('tr.study-row.selected')) { r.classList.remove('selected'); r.setAttribute('aria-selected', 'false'); }
    if (!row) return;
    row.classList.add('selected');
    row.setAttribute('aria-selected', 'true');
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: 'nearest' });
  }
  const open = (row) => { location.hash = `#/studies/${encodeURIComponent(row.dataset.uid)}`; };
  function onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey || !onList()) return;
    const inField = e.target.closest?.('input, select, textarea, button, summary');
    // From a text field of the bar, ↓ goes down into the list; otherwise fields keep their keys.
    if (inField && !(e.key === 'ArrowDown' && e.target.matches('input[type=search], input:not([type])'))) return;
    const rows = rowsNow();
    const current = tbody.querySelector('tr.study-row.selected');
    const at = current ? rows.indexOf(current) : -1;
    if (e.key === 'ArrowDown' && rows.length) {
      e.preventDefault();
      select(rows[Math.min(at + 1, rows.length - 1)]);
      if (at + 1 >= rows.length - 5) loadMore();
    } else if (e.key === 'ArrowUp' && rows.length) {
      e.preventDefault();
      select(rows[Math.max(at - 1, 0)]);
    } else if (e.key === 'Enter' && current) {
      e.preventDefault();
      open(current);
    }
  }
  document.addEventListener('keydown', onKey);

  // ---- saved searches and CSV -----------------------------------------------------------
  savedSelect.addEventListener('change', (e) => {
    e.stopPropagation();
    const saved = loadSaved(me);
    if (!savedSelect.value || !(savedSelect.value in saved)) { forget.hidden = true; return; }
    fillForm(form, new URLSearchParams(saved[savedSelect.value]));
    onInput.cancel();
    reset();
  });
  form.querySelector('#save-search').addEventListener('click', () => {
    const name = (window.prompt('Name this search', savedSelect.value || '') || '').trim().slice(0, 60);
    if (!name) return;
    const saved = loadSaved(me);
    saved[name] = formParams(form).toString();
    storeSaved(me, saved);
    showSaved();
  });
  forget.addEventListener('click', () => {
    const saved = loadSaved(me);
    delete saved[savedSelect.value];
    storeSaved(me, saved);
    showSaved();
  });
  const csvButton = form.querySelector('#study-csv');
  csvButton.addEventListener('click', async () => {
    csvButton.disabled = true;
    status.className = 'muted';
    say(status, 'Preparing the CSV…');
    const p = formParams(form);
    p.set('format', 'csv');
    try {
      const res = await api(`/api/studies?${p}`, { raw: true, headers: { Accept: 'text/csv' } });
      const blob = await res.blob();
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      const name = `studies-${stamp}.csv`;
      save(blob, name);
      const rows = res.headers.get('x-ferrum-rows') ?? '?';
      const cut = res.headers.get('x-ferrum-truncated') === 'true';
      say(status, `Saved ${name} (${rows} ${rows === '1' ? 'study' : 'studies'})${cut ? ': the export stops there; narrow the filters for the rest' : ''}.`);
      status.dataset.rows = rows;
    } catch (e) {
      if (isAbort(e)) return;
      status.className = 'error';
      say(status, e.message);
    } finally {
      csvButton.disabled = false;
    }
  });

  const onInput = debounce(() => reset(), 350);
  form.addEventListener('input', (e) => { if (e.target !== savedSelect) onInput(); });
  form.addEventListener('change', (e) => { if (e.target !== savedSelect) onInput(); });
  form.addEventListener('submit', (e) => { e.preventDefault(); onInput.cancel(); reset(true); });
  form.addEventListener('reset', (e) => {
    // The form's own reset would go back to the values the page was opened with.
    e.preventDefault();
    onInput.cancel();
    for (const name of [...FILTERS, 'sort']) form.elements.namedItem(name).value = '';
    // The scope stays: it is which list is shown, not a search term.
    reset();
  });
  moreButton.addEventListener('click', () => { if (list) list.failed = false; loadMore(); });
  tbody.addEventListener('click', (e) => {
    const row = e.target.closest('tr.study-row');
    if (!row || e.target.closest('a, button, input')) return;
    if (String(window.getSelection?.() || '')) return; // selecting text, not opening
    open(row);
  });

  reset(true);
  sentinel?.observe(more);
  signal.addEventListener('abort', () => list?.controller.abort());

  return () => {
    onInput.cancel();
    document.removeEventListener('keydown', onKey);
    sentinel?.disconnect();
    thumbs.reset();
    list?.controller.abort();
  };
}
