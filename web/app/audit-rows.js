// Audit events as table rows, shared by the audit page, the study page's access panel and
// the account page's activity. Everything from the event is shown as text.
import { h } from './dom.js';
import { dateTime, auditDetail, auditTarget } from './format.js';

const enc = encodeURIComponent;

/** The headings that go with eventRow(ev, opts). */
export function eventHeadings({ actor = true, study = true } = {}) {
  return ['Time', actor ? 'Actor' : null, 'Action', 'Outcome', study ? 'Study / series / image' : 'Series / image', 'Address', 'Detail']
    .filter(Boolean);
}

function targetCell(ev, study) {
  const rest = auditTarget(ev);
  const uid = study && ev.study_uid;
  return h('td', { class: 'uid' },
    uid ? h('a', { href: `#/studies/${enc(ev.study_uid)}` }, ev.study_uid) : null,
    uid && rest ? h('br') : null,
    rest ? h('span', { class: 'muted' }, rest) : null);
}

/** One event; `actor: false` leaves out the actor column, `study: false` the study UID. */
export function eventRow(ev, { actor = true, study = true } = {}) {
  return h('tr', { class: 'audit-row', dataset: { seq: String(ev.seq), action: ev.action || '', outcome: ev.outcome || '', studyUid: ev.study_uid || '' } },
    h('td', { class: 'nowrap', title: ev.at || '' }, dateTime(ev.at)),
    actor ? h('td', { class: 'name' }, ev.actor || '') : null,
    h('td', null, h('code', null, ev.action || '')),
    h('td', null, h('span', { class: `badge outcome-${ev.outcome}` }, String(ev.outcome || '').replace('_', ' '))),
    targetCell(ev, study),
    h('td', { class: 'nowrap', title: ev.user_agent || '' }, ev.remote_addr || ''),
    h('td', { class: 'detail' }, auditDetail(ev)));
}
