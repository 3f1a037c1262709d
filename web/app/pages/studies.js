// The study list: filters kept in the hash (#/studies?modality=CT&scope=shared) so that back,
// forward and reload keep them; "Mine" / "Shared with me" / "All" narrows it by who owns a study; pages of 50 loaded as the end of the table scrolls into view; thumbnails
// fetched only for rows that are on screen.
import { api, blobUrl, revokeBlobUrl, isAbort } from '../api.js';
import { h, dataTable, scroller, emptyRow, debounce, say } from '../dom.js';
import { personName, dicomDate, dateTime, modalities, plural } from '../format.js';

const FILTERS = ['q', 'patient_name', 'patient_id', 'accession', 'modality', 'date_from', 'date_to', 'description'];
const SORTS = [
  ['-uploaded_at', 'Newest upload first'],
  ['uploaded_at', 'Oldest upload first'],
  ['-study_date', 'Newest study first'],
  ['study_date', 'Oldest study first'],
  ['patient_name', 'Patient name A–Z'],
  ['-patient_name', 'Patient name Z–A'],
];
const DEFAULT_SORT = '-uploaded_at';
const PAGE_SIZE = 50;
const MODALITIES = ['CT', 'MR', 'CR', 'DX', 'US', 'XA', 'RF', 'MG', 'NM', 'PT', 'OT', 'SR', 'SEG'];
const HEADINGS = ['', 'Patient', 'Patient ID', 'Study date', 'Description', 'Modalities', 'Series / images', 'Owner', 'Uploaded'];
const SCOPES = [['all', 'All'], ['mine', 'Mine'], ['shared', 'Shared with me']];
const DEFAULT_SCOPE = 'all';
/** Where the study page's "back" link returns to, filters included. */
export const LIST_KEY = 'ferrum.studies.hash';

function filterForm(query) {
  const input = (name, label, attrs = {}) => h('div', { class: 'field' },
    h('label', { for: `f-${name}` }, label),
    h('input', { id: `f-${name}`, name, value: query.get(name) ?? '', ...attrs }));
  const sort = query.get('sort');
  const scope = SCOPES.some(([v]) => v === query.get('scope')) ? query.get('scope') : DEFAULT_SCOPE;
  return h('form', { id: 'study-filters', class: 'filters', role: 'search', autocomplete: 'off' },
    h('fieldset', { id: 'study-scope', class: 'segmented' },
      h('legend', null, 'Show'),
      SCOPES.map(([v, label]) => [
        h('input', { id: `scope-${v}`, type: 'radio', name: 'scope', value: v, checked: v === scope, class: 'visually-hidden' }),
        h('label', { for: `scope-${v}` }, label)])),
    input('q', 'Search', { type: 'search', placeholder: 'Name, ID, accession, description' }),
    input('patient_name', 'Patient name', { placeholder: 'DOE*', title: 'Wildcards: * any letters, ? one letter' }),
    input('patient_id', 'Patient ID'),
    input('accession', 'Accession'),
    input('modality', 'Modality', { list: 'modality-options', autocapitalize: 'characters', size: 6 }),
    h('datalist', { id: 'modality-options' }, MODALITIES.map((m) => h('option', { value: m }))),
    input('date_from', 'Study date from', { type: 'date' }),
    input('date_to', 'Study date to', { type: 'date' }),
    input('description', 'Description'),
    h('div', { class: 'field' }, h('label', { for: 'f-sort' }, 'Sort'),
      h('select', { id: 'f-sort', name: 'sort', value: SORTS.some(([v]) => v === sort) ? sort : DEFAULT_SORT },
        SORTS.map(([v, label]) => h('option', { value: v }, label)))),
    h('div', { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Search'),
      h('button', { type: 'reset' }, 'Clear')));
}

/** The filters as they go in the hash: empty ones and the default sort left out. */
function formParams(form) {
  const p = new URLSearchParams();
  for (const name of FILTERS) {
    let v = form.elements[name].value.trim();
    if (name === 'modality') v = v.toUpperCase();
    if (v) p.set(name, v);
  }
  const sort = form.elements.namedItem('sort').value;
  if (sort !== DEFAULT_SORT) p.set('sort', sort);
  const scope = form.elements.namedItem('scope').value;
  if (scope && scope !== DEFAULT_SCOPE) p.set('scope', scope);
  return p;
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
  return h('tr', { class: 'study-row', dataset: { uid } },
    h('td', { class: 'thumb-cell' }, img),
    h('td', null, h('a', { href: `#/studies/${encodeURIComponent(uid)}` }, personName(s.patient_name) || '(no name)')),
    h('td', null, s.patient_id || ''),
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
  const { table, tbody } = dataTable('study-list', HEADINGS, 'data studies');
  const count = h('p', { id: 'study-count', class: 'muted', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const moreButton = h('button', { type: 'button' }, 'Load more');
  const more = h('div', { id: 'study-list-more', class: 'more', hidden: true }, moreButton);
  main.append(h('h1', null, 'Studies'), form, count, error, scroller(table), more);

  const thumbs = thumbnailLoader();
  let list = null;

  const sentinel = 'IntersectionObserver' in window
    ? new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadMore(); }, { rootMargin: '400px 0px' })
    : null;

  // Still this page's address? A debounced reset that fires after the user has moved on
  // (to a study, say) must not put the list's address back over theirs.
  const onList = () => !location.hash || /^#\/studies(\?|$)/.test(location.hash);

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
    list = { key, params, controller: new AbortController(), cursor: null, done: false, loading: false, failed: false, rows: 0 };
    tbody.replaceChildren();
    say(error, '');
    count.textContent = 'Loading…';
    loadMore();
  }

  async function loadMore() {
    const l = list;
    if (!l || l.loading || l.done || l.failed) return;
    l.loading = true;
    moreButton.disabled = true;
    moreButton.textContent = 'Loading…';
    const p = new URLSearchParams(l.params);
    p.set('sort', form.elements.namedItem('sort').value);
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
        count.textContent = l.rows === 0 && l.done ? 'No studies'
          : `${plural(l.rows, 'study', 'studies')}${l.done ? '' : ' loaded so far'}`;
        more.hidden = l.done;
        moreButton.disabled = false;
        moreButton.textContent = l.failed ? 'Retry' : 'Load more';
      }
    }
    // If the end of the table is still in view, observing again reports it at once.
    if (sentinel && l === list && !l.done && !l.failed) { sentinel.unobserve(more); sentinel.observe(more); }
  }

  const onInput = debounce(() => reset(), 350);
  form.addEventListener('input', onInput);
  form.addEventListener('change', onInput);
  form.addEventListener('submit', (e) => { e.preventDefault(); onInput.cancel(); reset(true); });
  form.addEventListener('reset', (e) => {
    // The form's own reset would go back to the values the page was opened with.
    e.preventDefault();
    onInput.cancel();
    for (const name of FILTERS) form.elements[name].value = '';
    form.elements.namedItem('sort').value = DEFAULT_SORT;
    // The scope stays: it is which list is shown, not a search term.
    reset();
  });
  moreButton.addEventListener('click', () => { if (list) list.failed = false; loadMore(); });
  tbody.addEventListener('click', (e) => {
    const row = e.target.closest('tr.study-row');
    if (!row || e.target.closest('a, button, input')) return;
    if (String(window.getSelection?.() || '')) return; // selecting text, not opening
    location.hash = `#/studies/${encodeURIComponent(row.dataset.uid)}`;
  });

  reset(true);
  sentinel?.observe(more);
  signal.addEventListener('abort', () => list?.controller.abort());

  return () => {
    onInput.cancel();
    sentinel?.disconnect();
    thumbs.reset();
    list?.controller.abort();
  };
}
