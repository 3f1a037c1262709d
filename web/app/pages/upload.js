// Upload: drop or pick files, folders and ZIPs; each file goes up as its own request (see
// upload-queue.js, which keeps going when this page is left). This page only draws the queue.
import { api, isAbort } from '../api.js';
import { h, dataTable, scroller, say } from '../dom.js';
import { bytes, personName, dicomDate, modalities, plural } from '../format.js';
import { filesFromDrop, filesFromInput } from '../upload-walk.js';
import { enqueue, subscribe, snapshot, cancelAll, retryFailed, clearFinished } from '../upload-queue.js';

const enc = encodeURIComponent;
const QUEUE_HEADINGS = ['File', 'Size', 'Progress', 'State'];
const RESULT_HEADINGS = ['File', 'Status', 'Reason or SOP Instance UID', 'Study Instance UID'];
const TOTALS = [['stored', 'Stored'], ['duplicates', 'Duplicates'], ['rejected', 'Rejected'], ['skipped', 'Skipped'], ['failed', 'Failed requests']];

const hasFiles = (e) => Array.from(e.dataTransfer?.types || []).includes('Files');

function queueRow(item) {
  const progress = h('progress', { max: item.size || 1, value: item.loaded, 'aria-label': `Progress of ${item.name}` });
  const state = h('td', { class: 'state' });
  const tr = h('tr', { class: 'upload-file', dataset: { id: item.id } },
    h('td', { class: 'name' }, item.name), h('td', { class: 'num nowrap' }, bytes(item.size)), h('td', null, progress), state);
  return { tr, progress, state };
}

function showItem(row, item) {
  row.tr.dataset.state = item.state;
  row.progress.value = item.state === 'done' ? (item.size || 1) : item.loaded;
  row.state.textContent = item.message ? `${item.state}: ${item.message}` : item.state;
}

/** Appends many rows at once (a ZIP can list tens of thousands of files). */
function appendRows(tbody, list, make) {
  const frag = document.createDocumentFragment();
  for (const x of list) frag.append(make(x));
  tbody.append(frag);
}

function resultRow(f) {
  const study = f.study_instance_uid;
  return h('tr', { class: `status-${f.status}`, dataset: { status: f.status } },
    h('td', { class: 'name' }, f.name || ''),
    h('td', null, h('span', { class: `badge ${f.status}` }, f.status),
      f.warnings?.length ? [' ', h('span', { class: 'badge warning', title: f.warnings.map((w) => w.message).join('\n') },
        `⚠ ${f.warnings.map((w) => w.code).join(', ')}`)] : null),
    h('td', { class: 'detail' }, f.reason || f.sop_instance_uid || ''),
    h('td', { class: 'uid' }, study ? h('a', { href: `#/studies/${enc(study)}` }, study) : ''));
}

/** Per study of this upload: how many of its files were stored, duplicates, rejected. */
function tally(counts, files) {
  for (const f of files) {
    if (!f.study_instance_uid) continue;
    const c = counts.get(f.study_instance_uid) || { stored: 0, duplicate: 0, rejected: 0 };
    if (f.status in c) c[f.status] += 1;
    counts.set(f.study_instance_uid, c);
  }
}

/** One study of the upload: who and what it is, what arrived; its UID on demand. */
function studyCard(uid) {
  const name = h('a', { href: `#/studies/${enc(uid)}`, class: 'upload-study-name' }, 'Study');
  const what = h('p', { class: 'upload-study-what muted' }, 'Loading the study…');
  const counts = h('p', { class: 'upload-study-counts' });
  const el = h('li', { class: 'upload-study', dataset: { uid } },
    h('h3', null, name), what, counts,
    h('details', { class: 'uid-details' }, h('summary', null, 'Study Instance UID'), h('p', { class: 'uid' }, uid)));
  return {
    el,
    show(study) {
      name.textContent = personName(study.patient_name) || '(no name)';
      what.textContent = [study.patient_id && `ID ${study.patient_id}`, dicomDate(study.study_date),
        study.study_description || 'no description', modalities(study.modalities)].filter(Boolean).join(' · ');
      el.dataset.images = String(study.num_instances ?? '');
    },
    failed(message) { what.textContent = message; },
    count(c, received, inStudy) {
      counts.textContent = [
        c?.stored ? `${c.stored} stored` : null,
        c?.duplicate ? plural(c.duplicate, 'duplicate') : null,
        c?.rejected ? `${c.rejected} rejected` : null,
        !c && received ? `${received} received` : null,
        inStudy != null ? `${plural(inStudy, 'image')} in the study` : null,
      ].filter(Boolean).join(' · ');
    },
  };
}

export function render(main) {
  document.title = 'Upload · Ferrum PACS';
  const fileInput = h('input', { type: 'file', id: 'file-input', multiple: true, class: 'visually-hidden' });
  const folderInput = h('input', { type: 'file', id: 'folder-input', webkitdirectory: true, multiple: true, class: 'visually-hidden' });
  const reading = h('p', { id: 'upload-reading', class: 'muted', role: 'status', hidden: true });
  const dropzone = h('div', { id: 'dropzone', class: 'dropzone', tabindex: 0, role: 'button', 'aria-describedby': 'dropzone-help' },
    h('strong', null, 'Drop DICOM files, folders or ZIP archives here'),
    h('span', { id: 'dropzone-help', class: 'muted' }, 'or press Enter to choose files. Each file is sent on its own, three at a time.'));
  const pickers = h('div', { class: 'pickers' },
    fileInput, h('label', { for: 'file-input', class: 'button' }, 'Choose files…'),
    folderInput, h('label', { for: 'folder-input', class: 'button' }, 'Choose a folder…'));

  const cancelButton = h('button', { id: 'upload-cancel', type: 'button', class: 'danger' }, 'Cancel remaining');
  const retryButton = h('button', { id: 'upload-retry', type: 'button' }, 'Retry failed');
  const clearButton = h('button', { id: 'upload-clear', type: 'button' }, 'Clear finished');
  const progressLine = h('p', { class: 'progress-line', 'aria-live': 'polite' });
  const totalCells = Object.fromEntries(TOTALS.map(([k]) => [k, h('dd', { dataset: { total: k } }, '0')]));
  const studyLinks = h('ul', { id: 'upload-studies', class: 'upload-studies', 'aria-label': 'Studies of this upload' });
  const summary = h('section', { id: 'upload-summary', class: 'summary' },
    progressLine,
    h('dl', { class: 'totals' }, TOTALS.map(([k, label]) => h('div', { class: `total-${k}` }, h('dt', null, label), totalCells[k]))),
    studyLinks);

  const queue = dataTable('upload-queue', QUEUE_HEADINGS, 'data queue');
  const results = dataTable('upload-results', RESULT_HEADINGS, 'data results');
  const resultCount = h('span');
  // Per file, with UIDs: on demand, opened by itself only when something was refused.
  const fileResults = h('details', { id: 'upload-files', class: 'upload-files' },
    h('summary', null, 'Every file, with its reason or UID (', resultCount, ')'), scroller(results.table));
  main.append(h('h1', null, 'Upload'), dropzone, pickers, reading, summary,
    h('div', { class: 'actions' }, cancelButton, retryButton, clearButton),
    h('h2', null, 'Files'), scroller(queue.table),
    h('h2', null, 'Results'), fileResults);

  const rows = new Map();
  const studyItems = new Map();
  const perStudy = new Map();

  /** The study's name, date and description; read again once the queue is idle (counts grow). */
  async function fetchStudy(uid, card) {
    card.stale = false;
    try {
      const study = await api(`/api/studies/${enc(uid)}`);
      card.images = study.num_instances;
      card.show(study);
      card.count(perStudy.get(uid), card.received, card.images);
      const { counts } = snapshot();
      if (counts.queued + counts.uploading > 0) card.stale = true;
    } catch (e) {
      if (!isAbort(e)) card.failed(e.status === 404 ? 'Not visible to you.' : e.message);
    }
  }

  function drawTotals() {
    const { totals, counts, studies } = snapshot();
    for (const [k] of TOTALS) totalCells[k].textContent = String(totals[k]);
    const finished = counts.done + counts.failed;
    progressLine.textContent = counts.total
      ? `${finished} of ${counts.total} files finished${counts.uploading ? `, ${counts.uploading} uploading` : ''}${counts.queued ? `, ${counts.queued} waiting` : ''}.`
      : 'Nothing uploaded yet.';
    const idle = counts.queued + counts.uploading === 0;
    for (const [uid, n] of studies) {
      let card = studyItems.get(uid);
      if (!card) {
        card = studyCard(uid);
        studyItems.set(uid, card);
        studyLinks.append(card.el);
        fetchStudy(uid, card);
      } else if (idle && card.stale) fetchStudy(uid, card);
      card.received = n;
      card.count(perStudy.get(uid), n, card.images);
    }
    resultCount.textContent = plural(snapshot().results.length, 'file');
    if (totals.rejected + totals.failed > 0) fileResults.open = true;
    cancelButton.disabled = counts.queued + counts.uploading === 0;
    retryButton.disabled = counts.failed === 0;
    clearButton.disabled = finished === 0;
  }

  function addRows(items) {
    appendRows(queue.tbody, items, (item) => {
      const row = queueRow(item);
      showItem(row, item);
      rows.set(item.id, row);
      return row.tr;
    });
  }

  function redraw() {
    const { items, results: entries } = snapshot();
    rows.clear();
    queue.tbody.replaceChildren();
    addRows(items);
    results.tbody.replaceChildren();
    appendRows(results.tbody, entries, resultRow);
    perStudy.clear();
    tally(perStudy, entries);
    studyItems.clear();
    studyLinks.replaceChildren();
    drawTotals();
  }

  const unsubscribe = subscribe((type, payload) => {
    if (type === 'added') addRows(payload);
    else if (type === 'progress' || type === 'state') { const row = rows.get(payload.id); if (row) showItem(row, payload); }
    else if (type === 'results') { appendRows(results.tbody, payload, resultRow); tally(perStudy, payload); }
    else if (type === 'reset') redraw();
    if (type !== 'progress') drawTotals();
  });

  async function take(pending) {
    say(reading, 'Reading the files…');
    try {
      const { files, errors } = await pending;
      enqueue(files);
      say(reading, errors.length ? `Some files could not be read: ${errors.slice(0, 5).join('; ')}${errors.length > 5 ? ' …' : ''}` : '');
      if (!files.length && !errors.length) say(reading, 'No files were found in what was dropped.');
    } catch (e) {
      say(reading, `The files could not be read: ${e.message}`);
    }
  }

  let depth = 0;
  const over = (on) => dropzone.classList.toggle('dragging', on);
  dropzone.addEventListener('dragenter', (e) => { if (!hasFiles(e)) return; e.preventDefault(); depth++; over(true); });
  dropzone.addEventListener('dragover', (e) => { if (!hasFiles(e)) return; e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; });
  dropzone.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (!depth) over(false); });
  dropzone.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    over(false);
    take(filesFromDrop(e.dataTransfer, (n) => say(reading, `Reading the files… ${n} found`)));
  });
  dropzone.addEventListener('click', () => fileInput.click());
  dropzone.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fileInput.click(); }
  });
  // A file dropped beside the zone would make the browser open it and leave the app.
  const refuse = (e) => {
    if (!hasFiles(e) || dropzone.contains(e.target)) return;
    e.preventDefault();
    if (e.type === 'dragover') e.dataTransfer.dropEffect = 'none';
  };
  document.addEventListener('dragover', refuse);
  document.addEventListener('drop', refuse);

  for (const input of [fileInput, folderInput]) {
    input.addEventListener('change', () => {
      enqueue(filesFromInput(input));
      input.value = ''; // so that choosing the same files again fires change again
    });
  }
  cancelButton.addEventListener('click', () => cancelAll());
  retryButton.addEventListener('click', () => retryFailed());
  clearButton.addEventListener('click', () => clearFinished());

  redraw();

  return () => {
    unsubscribe();
    document.removeEventListener('dragover', refuse);
    document.removeEventListener('drop', refuse);
  };
}
