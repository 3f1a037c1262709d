// The referrer's page (/v/{token}): fetch the study through the share API, ask for the PIN
// when the link has one (saying who sent the link, with the sender's note), then mount the
// viewer filling the window. Nothing about the patient is shown before the study answers.
import { mountViewer } from '/assets/viewer/viewer.js';

const token = location.pathname.split('/').pop();
const api = `/api/share/${encodeURIComponent(token)}`;
const $ = (id) => document.getElementById(id);

const CLOSED = {
  link_expired: ['expired', 'The sender gave it a limited lifetime, which has run out.'],
  link_revoked: ['revoked', 'The person who sent it has withdrawn it.'],
  link_used_up: ['used up', 'It has been opened as many times as the sender allowed.'],
  pin_locked: ['locked for now', 'Too many wrong PINs were entered.'],
};

const timeOf = (iso) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
};

function hideAll() {
  for (const id of ['message', 'pin-form', 'closed']) $(id).hidden = true;
}

function say(message) {
  hideAll();
  $('message').textContent = message;
  $('message').hidden = false;
}

/** code: an error code of the share API; extra: a sentence after the reason. */
function closed(code, extra) {
  hideAll();
  const [state, why] = CLOSED[code] || [null, ''];
  $('closed').dataset.state = code;
  $('closed-title').textContent = state === 'locked for now' ? 'This link is locked for now' : 'This link is no longer available';
  const line = $('closed-why');
  line.replaceChildren();
  if (state) line.append('It has been ', Object.assign(document.createElement('b'), { textContent: state }), `. ${why}`);
  else line.textContent = 'It cannot be opened.';
  if (extra) line.append(` ${extra}`);
  $('closed').hidden = false;
}

/** Who sent the link and their note: text nodes only (the note is the sender's free text). */
function showSender(about) {
  if (!about?.sender) return;
  const line = $('sender-line');
  line.replaceChildren('Shared with you by ', Object.assign(document.createElement('b'), { textContent: about.sender }), '.');
  if (about.note) { $('sender-note').textContent = about.note; $('sender-note').hidden = false; }
  $('sender').hidden = false;
}

async function about() {
  const r = await fetch(`${api}/about`, { cache: 'no-store' });
  return r.ok ? r.json() : null;
}

function askPin() {
  const form = $('pin-form');
  hideAll();
  form.hidden = false;
  $('pin-error').textContent = '';
  $('pin').focus();
  return new Promise((resolve) => {
    form.onsubmit = async (e) => {
      e.preventDefault();
      $('pin-submit').disabled = true;
      try {
        const r = await fetch(`${api}/unlock`, {
          method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ pin: $('pin').value.trim() }),
        });
        if (r.ok) { form.hidden = true; resolve(); return; }
        const body = await r.json().catch(() => ({}));
        if (r.status === 410) { closed(body.error); return; }
        if (body.error === 'pin_locked') { lockedMessage(body); return; }
        $('pin').value = '';
        $('pin-error').textContent = body.message || 'The PIN could not be checked.';
        $('pin').focus();
      } catch {
        $('pin-error').textContent = 'The PIN could not be checked. Try again shortly.';
      } finally {
        $('pin-submit').disabled = false;
      }
    };
  });
}

function lockedMessage({ pin_locked_until: until } = {}) {
  const at = until && timeOf(until);
  closed('pin_locked', at ? `It accepts PINs again after ${at}.` : 'Try again in a quarter of an hour.');
}

function open(study) {
  hideAll();
  document.body.classList.add('viewing');
  if (study.ohif) {
    // OHIF reads the study through the link's DICOMweb root, with the same proof cookie.
    const q = new URLSearchParams({ StudyInstanceUIDs: study.study_instance_uid, link: token });
    $('open-ohif').href = `/ohif/viewer?${q}`;
    $('viewer-actions').hidden = false;
  }
  $('viewer').hidden = false;
  mountViewer($('viewer'), {
    study,
    thumbnailUrl: (series) => `${api}/series/${series}/thumbnail?size=128`,
    renderedUrl: (sop, frame, win) => {
      const q = new URLSearchParams({ format: 'jpeg' });
      if (frame > 1) q.set('frame', frame);
      if (win) q.set('window', win.join(','));
      return `${api}/instances/${sop}/rendered?${q}`;
    },
    downloadUrl: study.allow_download ? `${api}/archive` : null,
  });
}

async function start() {
  let info = null;
  for (;;) {
    const r = await fetch(`${api}/study`, { cache: 'no-store' });
    if (r.ok) { open(await r.json()); return; }
    const body = await r.json().catch(() => ({}));
    if (r.status === 401 && body.error === 'pin_required') {
      info ??= await about().catch(() => null);
      showSender(info);
      if (info?.state === 'pin_locked') { lockedMessage(info); return; }
      await askPin();
      continue;
    }
    if (r.status === 410) { closed(body.error); return; }
    say(body.message || 'This link cannot be opened.');
    return;
  }
}

start().catch(() => say('This link cannot be opened right now. Try again shortly.'));
