// The upload queue. It lives as long as the app, not the upload page, so uploads go on while
// the user browses studies. Each file is its own multipart request (XMLHttpRequest, because
// fetch gives no upload progress), at most MAX_PARALLEL at a time.
import { getToken, refreshSession, sessionExpired } from './api.js';

const MAX_PARALLEL = 3;

let nextId = 1;
let scan = 0; // every item before this index has left the 'queued' state
let running = 0;
const items = [];
const results = [];
const studies = new Map(); // study uid → instances received
const totals = { stored: 0, duplicates: 0, rejected: 0, skipped: 0, failed: 0 };
const byState = { queued: 0, uploading: 0, done: 0, failed: 0 };
const listeners = new Set();

/** fn(type, payload): type is added | progress | state | results | totals | reset. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(type, payload) {
  for (const fn of listeners) {
    try { fn(type, payload); } catch (e) { console.error(e); }
  }
}

/** Read-only views for rendering. */
export const snapshot = () => ({ items, results, studies, totals, counts: { ...byState, total: items.length } });
export const isBusy = () => byState.queued + byState.uploading > 0;

/** entries: [{file, name}] where name is the path inside a dropped folder. */
export function enqueue(entries) {
  const added = entries.map(({ file, name }) => ({
    id: nextId++, file, name: name || file.name, size: file.size, state: 'queued', loaded: 0, message: '', xhr: null,
  }));
  if (!added.length) return;
  for (const item of added) items.push(item);
  byState.queued += added.length;
  emit('added', added);
  emit('totals');
  pump();
}

function setState(item, state, message = '') {
  byState[item.state]--;
  item.state = state;
  byState[state]++;
  item.message = message;
  emit('state', item);
}

function nextQueued() {
  while (scan < items.length && items[scan].state !== 'queued') scan++;
  return items[scan];
}

function pump() {
  while (running < MAX_PARALLEL) {
    const item = nextQueued();
    if (!item) break;
    start(item);
  }
  guardUnload();
}

function start(item) {
  const token = getToken();
  if (!token) { setState(item, 'failed', 'Signed out'); return; }
  setState(item, 'uploading');
  running++;
  const form = new FormData();
  form.append('file', item.file, item.name);
  const xhr = new XMLHttpRequest();
  item.xhr = xhr;
  xhr.open('POST', '/api/uploads');
  xhr.setRequestHeader('Authorization', `Bearer ${token}`);
  xhr.setRequestHeader('Accept', 'application/json');
  xhr.upload.onprogress = (e) => {
    if (!e.lengthComputable || !e.total) return;
    // e.total counts the multipart framing too; scale it to the file's own size.
    item.loaded = Math.min(item.size, Math.round((item.size * e.loaded) / e.total));
    emit('progress', item);
  };
  xhr.onload = () => finish(item, xhr.status, parseJson(xhr.responseText));
  xhr.onerror = () => finish(item, 0, null);
  xhr.ontimeout = () => finish(item, 0, null);
  xhr.onabort = () => finish(item, -1, null);
  xhr.send(form);
}

function parseJson(text) {
  try { return JSON.parse(text); } catch { return null; }
}

const reasonOf = (f) => `${f.status}${f.reason ? `: ${f.reason}` : ''}`;

function describe(body) {
  const files = body.files || [];
  if (files.length === 1) return reasonOf(files[0]);
  const parts = [['stored', body.stored], ['duplicate', body.duplicates], ['rejected', body.rejected], ['skipped', body.skipped]]
    .filter(([, n]) => n > 0).map(([w, n]) => `${n} ${w}`);
  return parts.join(', ') || `${files.length} files`;
}

function merge(body) {
  const files = Array.isArray(body.files) ? body.files : [];
  const count = (status) => files.filter((f) => f.status === status).length;
  totals.stored += Number.isFinite(body.stored) ? body.stored : count('stored');
  totals.duplicates += Number.isFinite(body.duplicates) ? body.duplicates : count('duplicate');
  totals.rejected += Number.isFinite(body.rejected) ? body.rejected : count('rejected');
  totals.skipped += Number.isFinite(body.skipped) ? body.skipped : count('skipped');
  for (const s of body.studies || []) {
    if (s.study_instance_uid) studies.set(s.study_instance_uid, (studies.get(s.study_instance_uid) || 0) + (s.instances || 0));
  }
  for (const f of files) {
    if (f.study_instance_uid && !studies.has(f.study_instance_uid)) studies.set(f.study_instance_uid, 0);
    results.push(f);
  }
  emit('results', files);
}

function finish(item, status, body) {
  item.xhr = null;
  running--;
  if (status === -1) {
    setState(item, 'failed', item.cancelReason || 'Cancelled');
  } else if (status >= 200 && status < 300) {
    item.loaded = item.size;
    if (body && Array.isArray(body.files)) merge(body);
    setState(item, 'done', body && Array.isArray(body.files) ? describe(body) : 'uploaded');
  } else if (status === 422 && body && Array.isArray(body.files)) {
    // Nothing accepted, but the server looked at every file and says why.
    item.loaded = item.size;
    merge(body);
    setState(item, 'done', describe(body));
  } else if (status === 401) {
    // The access token expired mid-queue: renew it once and send this file again.
    refreshSession().then((renewed) => {
      if (renewed && !item.renewed) {
        item.renewed = true;
        item.loaded = 0;
        setState(item, 'queued');
        pump();
        return;
      }
      totals.failed++;
      setState(item, 'failed', 'Your session ended: sign in again and retry');
      cancelAll('Not sent: your session ended');
      sessionExpired();
      emit('totals');
    });
    return;
  } else {
    totals.failed++;
    const why = body?.message
      || (status === 0 ? 'The server could not be reached' : `The server answered ${status}`);
    setState(item, 'failed', why);
  }
  emit('totals');
  pump();
}

/** Stops everything not yet finished; finished files stay listed. */
export function cancelAll(reason = 'Cancelled') {
  // Queued files first: an abort finishes its request at once, which would start the next one.
  for (const item of items) if (item.state === 'queued') setState(item, 'failed', reason);
  for (const item of items) {
    if (item.state === 'uploading' && item.xhr) { item.cancelReason = reason; item.xhr.abort(); }
  }
  emit('totals');
  guardUnload();
}

export function retryFailed() {
  for (const item of items) {
    if (item.state === 'failed') { item.loaded = 0; item.cancelReason = ''; setState(item, 'queued'); }
  }
  scan = 0;
  emit('totals');
  pump();
}

/** Forgets finished files; once nothing is left, the totals start again from zero. */
export function clearFinished() {
  for (let i = items.length - 1; i >= 0; i--) {
    const s = items[i].state;
    if (s === 'done' || s === 'failed') { byState[s]--; items.splice(i, 1); }
  }
  scan = 0;
  if (!items.length) {
    results.length = 0;
    studies.clear();
    for (const k of Object.keys(totals)) totals[k] = 0;
  }
  emit('reset');
}

function onBeforeUnload(e) {
  e.preventDefault();
  e.returnValue = ''; // older browsers show the prompt only when this is set
}

let guarding = false;
function guardUnload() {
  const busy = isBusy();
  if (busy && !guarding) window.addEventListener('beforeunload', onBeforeUnload);
  if (!busy && guarding) window.removeEventListener('beforeunload', onBeforeUnload);
  guarding = busy;
}
