// The study's viewer alone, filling the window: for reading, with the page's header and
// everything around the viewer out of the way. Esc or the back link returns to the study.
import { api, authHeaders, isAbort, refreshSession } from '../api.js';
import { h } from '../dom.js';
import { personName } from '../format.js';

const enc = encodeURIComponent;

function renderedUrl(sop, frame, win) {
  const q = new URLSearchParams({ format: 'jpeg' });
  if (frame > 1) q.set('frame', String(frame));
  if (win) q.set('window', `${win[0]},${win[1]}`);
  return `/api/instances/${enc(sop)}/rendered?${q}`;
}

export function render(main, { uid, signal }) {
  document.title = 'Viewer · Ferrum PACS';
  document.body.classList.add('full-window');
  const studyHref = `#/studies/${enc(uid)}`;
  const title = h('span', { class: 'full-window-title' });
  const bar = h('div', { class: 'full-window-bar' },
    h('a', { id: 'close-viewer', href: studyHref, class: 'back' }, '← Study page'), title);
  const viewerEl = h('div', { id: 'viewer', class: 'viewer full-window-viewer' },
    h('p', { class: 'muted', role: 'status' }, 'Loading the study…'));
  main.append(bar, viewerEl);
  let viewer = null;
  let left = false;
  const onKey = (e) => {
    // Esc inside the viewer's own controls (a select, say) is theirs.
    if (e.key === 'Escape' && !e.defaultPrevented && !e.target.closest?.('select, input, dialog')) location.hash = studyHref;
  };
  document.addEventListener('keydown', onKey);

  (async () => {
    try {
      const study = await api(`/api/studies/${enc(uid)}`, { signal });
      if (left) return;
      title.textContent = personName(study.patient_name) || '';
      const { mountViewer } = await import('/assets/viewer/viewer.js');
      const { userApiPriors } = await import('/assets/viewer/priors.js');
      if (left) return;
      viewer = mountViewer(viewerEl, {
        study,
        thumbnailUrl: (seriesUid) => `/api/series/${enc(seriesUid)}/thumbnail?size=128`,
        renderedUrl,
        headers: authHeaders,
        refresh: refreshSession,
        downloadUrl: null,
        // The patient's other studies this user may read, openable beside this one.
        priors: userApiPriors({ headers: authHeaders, refresh: refreshSession }),
      });
    } catch (e) {
      if (isAbort(e)) return;
      viewerEl.replaceChildren(h('p', { class: 'error', role: 'alert' },
        e.status === 404 ? 'There is no such study, or you may not see it.' : `The viewer could not be started: ${e.message}`));
    }
  })();

  return () => {
    left = true;
    document.removeEventListener('keydown', onKey);
    document.body.classList.remove('full-window');
    try { viewer?.destroy(); } catch (e) { console.error(e); }
  };
}
