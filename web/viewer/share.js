// The referrer's page (/v/{token}): fetch the study through the share API, ask for the PIN
// when the link has one, then mount the viewer. The page itself holds no patient data.
import { mountViewer } from '/assets/viewer/viewer.js';

const token = location.pathname.split('/').pop();
const api = `/api/share/${encodeURIComponent(token)}`;
const $ = (id) => document.getElementById(id);

function say(message) {
  $('pin-form').hidden = true;
  $('message').textContent = message;
  $('message').hidden = false;
}

async function askPin(why) {
  const form = $('pin-form');
  form.hidden = false;
  $('pin-error').textContent = why || '';
  $('pin').focus();
  return new Promise((resolve) => {
    form.onsubmit = async (e) => {
      e.preventDefault();
      const r = await fetch(`${api}/unlock`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ pin: $('pin').value.trim() }),
      });
      if (r.ok) { form.hidden = true; resolve(); return; }
      const body = await r.json().catch(() => ({}));
      $('pin').value = '';
      $('pin-error').textContent = body.message || 'The PIN could not be checked.';
    };
  });
}

async function start() {
  for (;;) {
    const r = await fetch(`${api}/study`, { cache: 'no-store' });
    if (r.ok) {
      const study = await r.json();
      $('message').hidden = true;
      if (study.ohif) {
        // OHIF reads the study through the link's DICOMweb root, with the same proof cookie.
        const q = new URLSearchParams({ StudyInstanceUIDs: study.study_instance_uid, link: token });
        $('open-ohif').href = `/ohif/viewer?${q}`;
        $('viewer-actions').hidden = false;
      }
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
      return;
    }
    const body = await r.json().catch(() => ({}));
    if (r.status === 401 && body.error === 'pin_required') { await askPin(); continue; }
    say(r.status === 410 ? 'This link is no longer available.' : body.message || 'This link cannot be opened.');
    return;
  }
}

start().catch(() => say('This link cannot be opened right now. Try again shortly.'));
