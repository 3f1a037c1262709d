// Viewer links of one study: the dialog that creates one, the list of existing links with
// revoke and copy, and a link's access log.
import { api, isAbort } from '../api.js';
import { h, dataTable, scroller, emptyRow, copyText, flash, say } from '../dom.js';
import { dateTime, plural, auditDetail, auditTarget } from '../format.js';
import { drawQr } from '../qr.js';
import { openings } from '../link-openings.js';

const enc = encodeURIComponent;
const HOUR = 3600;
const DAY = 86400;
const EXPIRIES = [[HOUR, '1 hour'], [8 * HOUR, '8 hours'], [DAY, '24 hours'], [3 * DAY, '3 days'], [7 * DAY, '7 days'],
  [30 * DAY, '30 days'], [90 * DAY, '90 days']];
const STATUS = { active: 'active', expired: 'expired', revoked: 'revoked', used_up: 'used up', pin_locked: 'PIN locked' };
const PIN = /^[0-9]{6,12}$/; // the server takes 6 to 12 digits
const NOTE_MAX = 200;
const LINK_HEADINGS = ['Note', 'Created', 'Expires', 'Status', 'Opens', 'Download', 'PIN', 'Series', 'De-identified', ''];
const LOG_HEADINGS = ['When', 'Action', 'From', 'Browser', 'Outcome', 'Detail'];

const absolute = (url) => new URL(url, location.origin).href;

/** text: the string to copy, or a function giving it when clicked. */
function copyButton(props, text, field) {
  const b = h('button', { type: 'button', ...props }, 'Copy');
  b.addEventListener('click', async () => {
    const ok = await copyText(typeof text === 'function' ? text() : text, field);
    flash(b, ok ? 'Copied' : 'Copy failed');
  });
  return b;
}

/** A lifetime in words: "36 hours", "90 days". */
const lifetime = (secs) => (secs % DAY === 0 ? plural(secs / DAY, 'day') : plural(Math.round(secs / HOUR), 'hour'));

function shareDialog(study, onCreated) {
  const expiry = h('select', { id: 'share-expiry', name: 'expires_in' });
  const customAmount = h('input', { id: 'share-expiry-amount', type: 'number', min: 1, step: 1, inputmode: 'numeric', value: '14',
    'aria-describedby': 'share-expiry-cap' });
  const customUnit = h('select', { id: 'share-expiry-unit', 'aria-label': 'Unit of the custom lifetime' },
    h('option', { value: String(HOUR) }, 'hours'), h('option', { value: String(DAY), selected: true }, 'days'));
  const capNote = h('span', { id: 'share-expiry-cap', class: 'muted' });
  const custom = h('div', { id: 'share-expiry-custom', class: 'expiry-custom', hidden: true },
    h('label', { for: 'share-expiry-amount', class: 'visually-hidden' }, 'Custom lifetime'), customAmount, customUnit, capNote);
  let cap = 30 * DAY;
  /** The choices up to the server's cap (the cap itself among them), and a custom one. */
  function setLimits({ max, standard }) {
    cap = max || cap;
    const keep = expiry.value;
    const choices = EXPIRIES.filter(([v]) => v < cap);
    if (!choices.some(([v]) => v === cap)) choices.push([cap, `${lifetime(cap)} (the longest allowed)`]);
    expiry.replaceChildren(...choices.map(([v, label]) => h('option', { value: String(v) }, label)),
      h('option', { value: 'custom' }, 'Custom…'));
    const fallback = choices.some(([v]) => v === standard) ? standard : choices[0][0];
    for (const o of expiry.options) o.defaultSelected = o.value === String(fallback); // what form.reset() picks
    expiry.value = [...expiry.options].some((o) => o.value === keep) ? keep : String(fallback);
    capNote.textContent = `At most ${lifetime(cap)}.`;
    custom.hidden = expiry.value !== 'custom';
  }
  setLimits({ max: cap, standard: DAY });
  expiry.addEventListener('change', () => { custom.hidden = expiry.value !== 'custom'; if (!custom.hidden) customAmount.focus(); });
  const qr = h('canvas', { id: 'share-qr', class: 'share-qr', role: 'img', 'aria-label': 'QR code of the link' });
  const download = h('input', { id: 'share-download', name: 'allow_download', type: 'checkbox' });
  const deidentify = h('input', { id: 'share-deidentify', name: 'deidentify', type: 'checkbox' });
  const pin = h('input', { id: 'share-pin', name: 'pin', inputmode: 'numeric', autocomplete: 'off', pattern: '[0-9]{6,12}', maxlength: 12 });
  const note = h('input', { id: 'share-note', name: 'note', type: 'text', maxlength: NOTE_MAX, autocomplete: 'off', 'aria-describedby': 'share-note-help' });
  const maxOpens = h('input', { id: 'share-max-opens', name: 'max_opens', type: 'number', min: 1, step: 1, inputmode: 'numeric' });
  const seriesBoxes = (study.series || []).map((s) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'series', value: s.series_instance_uid }),
    [s.series_number != null ? `#${s.series_number}` : '', s.modality, s.series_description || 'No description']
      .filter(Boolean).join(' ')));
  const error = h('p', { id: 'share-error', class: 'error', role: 'alert', hidden: true });
  const create = h('button', { id: 'share-create', type: 'submit', class: 'primary' }, 'Create link');
  const close = h('button', { id: 'share-close', type: 'button' }, 'Close');
  const urlField = h('input', { id: 'share-url', type: 'text', readonly: true, 'aria-label': 'Link' });
  const expiresNote = h('p', { class: 'muted' });
  const pinNote = h('p', { class: 'note' });
  const result = h('div', { id: 'share-result', class: 'share-result', hidden: true },
    h('label', { for: 'share-url' }, 'Link'),
    h('div', { class: 'copy-row' }, urlField, copyButton({ id: 'share-copy' }, () => urlField.value, urlField)),
    h('figure', { class: 'qr-figure' }, qr, h('figcaption', { class: 'muted' }, 'Scan to open the link on a phone.')),
    expiresNote, pinNote);

  const form = h('form', { id: 'share-form', class: 'share-form' },
    h('h2', { id: 'share-title' }, 'Share a viewer link'),
    h('p', { class: 'muted' }, 'Anyone holding the link can see this study, with the patient’s data (unless de-identified), until it expires or is revoked.'),
    h('div', { class: 'field' }, h('label', { for: 'share-note' }, 'Note: recipient and purpose'), note,
      h('span', { id: 'share-note-help', class: 'muted' },
        'For example “Dr Weber, for the follow-up on Tuesday”. Shown in your list of links, and to the recipient with your name on the link’s page before any PIN: write no patient data here.')),
    h('div', { class: 'field' }, h('label', { for: 'share-expiry' }, 'Expires after'), expiry, custom),
    h('label', { class: 'check' }, download, 'Allow the recipient to download the images'),
    h('label', { class: 'check' }, deidentify,
      'De-identify (PS3.15 basic profile: no names, IDs or real dates, new UIDs; images with burned-in text left out)'),
    h('div', { class: 'field' }, h('label', { for: 'share-pin' }, 'PIN (optional, 6–12 digits)'), pin),
    h('div', { class: 'field' }, h('label', { for: 'share-max-opens' }, 'Maximum number of opens (optional)'), maxOpens),
    seriesBoxes.length ? h('fieldset', { id: 'share-series', class: 'series-choice' },
      h('legend', null, 'Series (none checked: the whole study)'), seriesBoxes) : null,
    error,
    h('div', { class: 'actions' }, create, close),
    result);
  const dialog = h('dialog', { id: 'share-dialog', 'aria-labelledby': 'share-title' }, form);

  close.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    say(error, '');
    let expiresIn = Number(expiry.value);
    if (expiry.value === 'custom') {
      const amount = Number(customAmount.value);
      expiresIn = amount * Number(customUnit.value);
      if (!Number.isInteger(amount) || amount < 1) { say(error, 'The lifetime must be a whole number, at least 1.'); customAmount.focus(); return; }
      if (expiresIn > cap) { say(error, `A link lives at most ${lifetime(cap)}.`); customAmount.focus(); return; }
    }
    const body = { expires_in: expiresIn, allow_download: download.checked, deidentify: deidentify.checked };
    const p = pin.value.trim();
    if (p && !PIN.test(p)) { say(error, 'The PIN must be 6 to 12 digits.'); pin.focus(); return; }
    if (p) body.pin = p;
    const n = note.value.trim();
    if ([...n].length > NOTE_MAX) { say(error, `The note is at most ${NOTE_MAX} characters.`); note.focus(); return; }
    if (n) body.note = n;
    if (maxOpens.value.trim()) {
      const n = Number(maxOpens.value);
      if (!Number.isInteger(n) || n < 1) { say(error, 'The maximum number of opens must be a whole number, at least 1.'); maxOpens.focus(); return; }
      body.max_opens = n;
    }
    const chosen = seriesBoxes.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
    if (chosen.length) body.series = chosen;
    create.disabled = true;
    try {
      const link = await api(`/api/studies/${enc(study.study_instance_uid)}/links`, { method: 'POST', body });
      urlField.value = absolute(link.url);
      drawQr(qr, urlField.value);
      expiresNote.textContent = `Expires ${dateTime(link.expires_at)}.`;
      pinNote.textContent = p
        ? 'Send the PIN to the referrer separately (by phone, say), not with the link.'
        : 'This link has no PIN: anyone who gets hold of it can open it.';
      result.hidden = false;
      urlField.focus();
      urlField.select();
      onCreated();
    } catch (err) {
      if (!isAbort(err)) say(error, err.message);
    } finally {
      create.disabled = false;
    }
  });

  return {
    dialog,
    setLimits,
    open() {
      form.reset();
      custom.hidden = expiry.value !== 'custom';
      say(error, '');
      result.hidden = true;
      urlField.value = '';
      if (dialog.showModal) dialog.showModal(); else dialog.setAttribute('open', '');
      note.focus();
    },
  };
}

/** One opening of the link: when, from where, wrong PINs, images seen. */
function openingItem(o) {
  const facts = [
    o.from ? `from ${o.from}` : 'from an unknown address',
    o.pinFailures ? plural(o.pinFailures, 'wrong PIN') : null,
    o.refused ? `${plural(o.refused, 'refused request')}` : null,
    `${plural(o.images, 'image')} viewed`,
    o.downloads ? plural(o.downloads, 'download') : null,
  ].filter(Boolean);
  return h('li', { class: 'opening', dataset: { images: String(o.images), pinFailures: String(o.pinFailures) } },
    h('b', null, dateTime(o.start)), o.end && dateTime(o.end) !== dateTime(o.start) ? ` – ${dateTime(o.end).slice(-5)}` : '',
    ' · ', facts.join(' · '),
    o.browser ? h('span', { class: 'muted user-agent' }, ` · ${o.browser}`) : null);
}

function accessLog(section) {
  const title = h('h3', null, 'Access log');
  const closeLog = h('button', { type: 'button', class: 'link-button' }, 'Hide');
  const status = h('p', { class: 'muted', role: 'status' });
  const summary = h('ol', { id: 'link-access-summary', class: 'openings' });
  const { table, tbody } = dataTable('link-access-table', LOG_HEADINGS);
  const rawCount = h('span');
  const raw = h('details', { id: 'link-access-raw', class: 'raw-log' }, h('summary', null, 'Every request (', rawCount, ')'), scroller(table));
  const box = h('section', { id: 'link-access-log', class: 'access-log', hidden: true },
    h('div', { class: 'section-head' }, title, closeLog), status, summary, raw);
  closeLog.addEventListener('click', () => { box.hidden = true; });
  section.append(box);
  let controller = null;

  return async function show(link) {
    controller?.abort();
    controller = new AbortController();
    const c = controller;
    box.hidden = false;
    raw.open = false;
    title.textContent = `Access log of the link ${link.note ? `“${link.note}”` : `created ${dateTime(link.created_at)}`}`;
    status.textContent = 'Loading…';
    summary.replaceChildren();
    tbody.replaceChildren();
    try {
      const { items = [] } = await api(`/api/links/${enc(link.id)}/access`, { signal: c.signal });
      if (c !== controller) return;
      const list = openings(items);
      status.textContent = list.length ? `Opened ${plural(list.length, 'time')}:` : 'Nobody has opened this link yet.';
      summary.append(...list.map(openingItem));
      rawCount.textContent = plural(items.length, 'request');
      tbody.append(...items.map((ev) => h('tr', { dataset: { outcome: ev.outcome } },
        h('td', { class: 'nowrap' }, dateTime(ev.at)),
        h('td', null, ev.action || ''),
        h('td', null, ev.remote_addr || ''),
        h('td', { class: 'detail user-agent' }, ev.user_agent || ''),
        h('td', null, h('span', { class: `badge outcome-${ev.outcome}` }, String(ev.outcome || '').replace('_', ' '))),
        h('td', { class: 'detail' }, [auditDetail(ev), auditTarget(ev)].filter(Boolean).join(' · ')))));
      if (!items.length) tbody.append(emptyRow(LOG_HEADINGS.length, 'Nobody has used this link yet.'));
      box.scrollIntoView({ block: 'nearest' });
    } catch (e) {
      if (!isAbort(e) && c === controller) status.textContent = e.message;
    }
  };
}

function linkRow(link, { revoke, showLog }) {
  const url = absolute(link.url);
  const active = link.status === 'active' || link.status === 'pin_locked';
  const revokeButton = h('button', { type: 'button', class: 'link-revoke danger', disabled: !active,
    'aria-label': `Revoke the link ${link.note || `created ${dateTime(link.created_at)}`}` }, 'Revoke');
  const logButton = h('button', { type: 'button', class: 'link-log' }, 'Access log');
  revokeButton.addEventListener('click', () => revoke(link, revokeButton));
  logButton.addEventListener('click', () => showLog(link));
  return h('tr', { class: `link-row status-${link.status}`, dataset: { id: link.id, status: link.status } },
    h('td', { class: 'link-note detail' }, link.note || h('span', { class: 'muted' }, 'no note')),
    h('td', { class: 'nowrap' }, dateTime(link.created_at), h('br'), h('span', { class: 'muted' }, link.created_by || '')),
    h('td', { class: 'nowrap' }, dateTime(link.expires_at)),
    h('td', null, h('span', { class: `badge ${link.status}` }, STATUS[link.status] || String(link.status || ''))),
    h('td', { class: 'num link-opens' }, `${link.opens ?? 0}${link.max_opens ? ` / ${link.max_opens}` : ''}`),
    h('td', null, link.allow_download ? 'yes' : 'no'),
    h('td', null, link.pin ? 'yes' : 'no'),
    h('td', null, link.series?.length ? plural(link.series.length, 'series', 'series') : 'all'),
    h('td', { class: 'link-deidentify' }, link.deidentify ? 'yes' : 'no'),
    h('td', { class: 'row-actions' }, active ? copyButton({ class: 'link-copy', 'aria-label': 'Copy the link' }, url) : null, revokeButton, logButton));
}

/** Mounts the share dialog on openButton and the links list into section. */
export function mountShare({ study, uid, openButton, section, signal }) {
  const { table, tbody } = dataTable('link-list', LINK_HEADINGS);
  const status = h('p', { class: 'muted', role: 'status' });
  const refresh = h('button', { type: 'button', class: 'link-button' }, 'Refresh');
  section.append(h('div', { class: 'section-head' }, h('h2', null, 'Viewer links'), refresh), status, scroller(table));
  const showLog = accessLog(section);

  let controller = null;
  async function load() {
    controller?.abort();
    controller = new AbortController();
    const c = controller;
    signal.addEventListener('abort', () => c.abort(), { once: true });
    status.textContent = 'Loading…';
    try {
      const { items = [], max_expires_in: max, default_expires_in: standard } = await api(`/api/studies/${enc(uid)}/links`, { signal: c.signal });
      if (c !== controller) return;
      share.setLimits({ max, standard });
      tbody.replaceChildren(...items.map((l) => linkRow(l, { revoke, showLog })));
      if (!items.length) tbody.append(emptyRow(LINK_HEADINGS.length, 'No links yet.'));
      status.textContent = '';
    } catch (e) {
      if (!isAbort(e) && c === controller) status.textContent = e.message;
    }
  }

  async function revoke(link, button) {
    if (!window.confirm('Revoke this link? Whoever holds it will no longer be able to open the study.')) return;
    button.disabled = true;
    try {
      await api(`/api/links/${enc(link.id)}`, { method: 'DELETE' });
      await load();
    } catch (e) {
      if (!isAbort(e)) { status.textContent = e.message; button.disabled = false; }
    }
  }

  const share = shareDialog(study, load);
  section.append(share.dialog);
  openButton.addEventListener('click', () => share.open());
  refresh.addEventListener('click', load);
  load();

  return {
    destroy() {
      controller?.abort();
      if (share.dialog.open) share.dialog.close();
    },
  };
}
