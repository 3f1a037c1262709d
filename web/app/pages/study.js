// One study: its patient and study fields, who owns it and how the caller may use it, its
// series, the viewer, the archive download, the viewer links (study-share.js) and, for its
// owner, the colleagues it is shared with (study-grants.js) and who accessed it
// (study-access.js); for its owner and admins, erasing it (study-erase.js).
import { api, blobUrl, authHeaders, isAbort, refreshSession } from '../api.js';
import { h } from '../dom.js';
import { personName, dicomDate, dicomTime, dateTime, modalities, sex, bytes, plural } from '../format.js';
import { mountShare } from './study-share.js';
import { mountGrants } from './study-grants.js';
import { mountAccess } from './study-access.js';
import { eraseControls } from './study-erase.js';
import { restrictControls } from './study-restrict.js';
import { LIST_KEY } from './studies.js';

const enc = encodeURIComponent;

function renderedUrl(sop, frame, win) {
  const q = new URLSearchParams({ format: 'jpeg' });
  if (frame > 1) q.set('frame', String(frame));
  if (win) q.set('window', `${win[0]},${win[1]}`);
  return `/api/instances/${enc(sop)}/rendered?${q}`;
}

/** How the caller may use the study, in words: "Yours", "Shared with you: read", … */
function accessText(access) {
  if (!access) return '';
  if (access.basis === 'owner') return 'Yours (owner)';
  if (access.basis === 'admin') return 'Full access (admin)';
  if (access.basis === 'grant') return `Shared with you: ${access.level}`;
  return access.level || '';
}

/** The facts a reader needs at a glance, on one line under the name. */
function summaryLine(study) {
  return [
    study.patient_id ? `ID ${study.patient_id}` : '',
    [sex(study.patient_sex), dicomDate(study.patient_birth_date) && `born ${dicomDate(study.patient_birth_date)}`].filter(Boolean).join(', '),
    dicomDate(study.study_date),
    study.study_description,
    modalities(study.modalities),
    plural(study.num_instances ?? 0, 'image'),
  ].filter(Boolean).join(' · ');
}

/** Name and summary line; every field behind a disclosure, so that the viewer starts high. */
function header(study, me) {
  const fields = [
    ['Patient ID', study.patient_id],
    ['Birth date', dicomDate(study.patient_birth_date)],
    ['Sex', sex(study.patient_sex)],
    ['Study date', [dicomDate(study.study_date), dicomTime(study.study_time)].filter(Boolean).join(' ')],
    ['Accession', study.accession_number],
    ['Description', study.study_description],
    ['Referring physician', personName(study.referring_physician_name)],
    ['Modalities', modalities(study.modalities)],
    ['Series', study.num_series ?? study.series?.length],
    ['Images', study.num_instances],
    ['Uploaded', [study.uploaded_by, dateTime(study.uploaded_at)].filter(Boolean).join(', ')],
    ['Study UID', study.study_instance_uid],
  ].filter(([, v]) => v != null && v !== '');
  const owner = study.owner ? `${study.owner}${study.owner === me?.username ? ' (you)' : ''}` : 'no one';
  return h('section', { id: 'study-header', class: 'study-header' },
    h('div', { class: 'study-title' },
      h('h1', null, personName(study.patient_name) || '(no name)'),
      h('p', { id: 'study-summary', class: 'study-summary' }, summaryLine(study))),
    study.access ? h('p', { id: 'study-access', class: 'access-line' },
      h('span', { class: `badge access-${study.access.basis}` }, accessText(study.access)),
      h('span', { id: 'study-owner' }, `Owner: ${owner}`)) : null,
    h('details', { id: 'study-details', class: 'study-details' },
      h('summary', null, 'All study details'),
      h('dl', { class: 'facts' }, fields.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, String(v)))))));
}

/** The instances of a series that were accepted with warnings (not conformant, but usable). */
const flagged = (s) => (s.instances || []).filter((i) => i.warnings?.length);

/** A badge saying how many images of the series carry warnings; their codes in the tooltip. */
function warningBadge(s) {
  const list = flagged(s);
  if (!list.length) return null;
  const codes = [...new Set(list.flatMap((i) => i.warnings.map((w) => w.code)))];
  return h('span', { class: 'badge warning', title: `${plural(list.length, 'image')} with warnings: ${codes.join(', ')}` },
    `⚠ ${list.length} with warnings`);
}

/** Every image accepted with warnings, with what it does not conform to. */
function warningsSection(study) {
  const rows = (study.series || []).flatMap((s) => flagged(s).map((i) => ({ s, i })));
  if (!rows.length) return null;
  return h('details', { id: 'study-warnings', class: 'notice warnings' },
    h('summary', null, h('span', { class: 'badge warning' }, '⚠'), ' ',
      `${plural(rows.length, 'image')} of this study ${rows.length === 1 ? 'was' : 'were'} accepted with warnings`),
    h('ul', null, rows.map(({ s, i }) => h('li', { dataset: { sopUid: i.sop_instance_uid } },
      h('b', null, [s.series_number != null ? `Series #${s.series_number}` : 'Series',
        i.instance_number != null ? `image #${i.instance_number}` : 'image'].join(', ')),
      ' ', h('span', { class: 'uid muted' }, i.sop_instance_uid),
      h('ul', null, i.warnings.map((w) => h('li', null, h('code', null, w.code), ' ', w.message)))))));
}

function seriesCard(s) {
  const img = h('img', { class: 'series-thumb', alt: '', width: 128, height: 128 });
  const count = s.num_instances ?? s.instances?.length ?? 0;
  const frames = (s.instances || []).reduce((n, i) => n + Math.max(1, i.number_of_frames || 1), 0);
  const card = h('button', { type: 'button', class: 'series-card', dataset: { seriesUid: s.series_instance_uid }, 'aria-pressed': 'false' },
    img,
    h('span', { class: 'series-meta' },
      h('b', null, [s.series_number != null ? `#${s.series_number}` : '', s.modality || ''].filter(Boolean).join(' ') || 'Series'),
      h('span', null, s.series_description || 'No description'),
      h('span', { class: 'muted' }, plural(count, 'image') + (frames > count ? ` (${frames} frames)` : '')),
      warningBadge(s)));
  blobUrl(`/api/series/${enc(s.series_instance_uid)}/thumbnail?size=256`)
    .then((url) => { img.src = url; })
    .catch((e) => { if (!isAbort(e)) img.classList.add('thumb-missing'); });
  return card;
}

/** Reads the archive into memory, reporting how much has arrived. */
async function readAll(res, onProgress) {
  if (!res.body?.getReader) return res.blob();
  const reader = res.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress(received);
  }
  return new Blob(chunks, { type: 'application/zip' });
}

function downloadButton(uid) {
  const button = h('button', { id: 'study-download', type: 'button' }, 'Download (ZIP)');
  const status = h('span', { class: 'muted', role: 'status' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.className = 'muted';
    status.textContent = 'Preparing the archive…';
    try {
      const res = await api(`/api/studies/${enc(uid)}/archive`, { raw: true, headers: { Accept: 'application/zip' } });
      const blob = await readAll(res, (n) => { status.textContent = `Downloading… ${bytes(n)}`; });
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `${uid}.zip`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      // The browser has the file by then; the URL only has to outlive the click.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      status.textContent = `Downloaded ${bytes(blob.size)}.`;
    } catch (e) {
      if (isAbort(e)) return;
      status.className = 'error';
      status.textContent = e.message;
    } finally {
      button.disabled = false;
    }
  });
  return [button, status];
}

/**
 * "Open in OHIF" when the server serves OHIF: in this tab, so that OHIF reads the study with
 * this tab's session (its token is in the tab's sessionStorage).
 */
function ohifLink(uid, me) {
  if (!me?.ohif) return null;
  return h('a', { id: 'open-ohif', class: 'button', href: `/ohif/viewer?StudyInstanceUIDs=${enc(uid)}` }, 'Open in OHIF');
}

/** The full-window viewer of the study (pages/study-view.js). */
function openViewerLink(uid) {
  return h('a', { id: 'open-viewer', class: 'button primary', href: `#/studies/${enc(uid)}/view` }, 'Open viewer');
}

export function render(main, { uid, me, signal }) {
  document.title = 'Study · Ferrum PACS'; // no patient name: titles end up in the history
  const back = h('a', { href: sessionStorage.getItem(LIST_KEY) || '#/studies', class: 'back' }, '← Studies');
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading the study…');
  main.append(back, status);
  let viewer = null;
  let share = null;
  let grants = null;
  let access = null;
  let left = false;
  let stopFollowing = null;

  (async () => {
    let study;
    try {
      study = await api(`/api/studies/${enc(uid)}`);
    } catch (e) {
      if (isAbort(e)) return;
      status.className = 'error';
      status.textContent = e.status === 404 ? 'There is no such study, or you may not see it.' : e.message;
      return;
    }
    if (left) return;
    status.remove();

    // A study shared to read may not be passed on: no viewer links (the server says 403).
    const level = study.access?.level;
    const canLink = level !== 'read';
    const shareOpen = canLink ? h('button', { id: 'share-open', type: 'button' }, 'Share…') : null;
    const cards = (study.series || []).map(seriesCard);
    const seriesList = h('div', { id: 'series-list', class: 'series-list' }, cards);
    const viewerEl = h('div', { id: 'viewer', class: 'viewer study-viewer' }, h('p', { class: 'muted' }, 'Loading the viewer…'));
    const links = canLink ? h('section', { id: 'study-links', class: 'links' }) : null;
    const colleagues = level === 'own' ? h('section', { id: 'study-grants', class: 'grants', 'aria-labelledby': 'grants-title' }) : null;
    // Who accessed it: for its owner and admins (the server says 403 to anyone else).
    const accessed = level === 'own' ? h('section', { id: 'study-access-log', class: 'access-panel', 'aria-labelledby': 'study-access-title', hidden: true }) : null;
    // Erasing is the owner's (admins have the owner's level): back to the list once done.
    const erase = level === 'own' ? eraseControls({
      uid: study.study_instance_uid || uid, signal,
      onErased: () => { location.hash = sessionStorage.getItem(LIST_KEY) || '#/studies'; },
    }) : null;
    // Restriction is an admin's: the owner would lose sight of the study at once.
    const restrict = me?.role === 'admin' ? restrictControls({ uid: study.study_instance_uid || uid, signal }) : [];
    const studyUid = study.study_instance_uid || uid;
    // Series beside the image (one list: the viewer's own strip is hidden on this page).
    main.append(header(study, me),
      h('div', { class: 'actions study-actions' }, openViewerLink(studyUid), shareOpen, ...downloadButton(studyUid),
        ohifLink(studyUid, me), erase?.open ?? null, ...restrict),
      ...[erase?.form].filter(Boolean),
      h('div', { class: 'study-workspace' },
        h('section', { class: 'series-column', 'aria-labelledby': 'series-title' },
          h('h2', { id: 'series-title', class: 'visually-hidden' }, 'Series'), seriesList),
        viewerEl),
      ...[warningsSection(study), links, colleagues, accessed].filter(Boolean));
    if (!cards.length) seriesList.append(h('p', { class: 'muted' }, 'This study has no series.'));

    // The viewer opens on the first series with images; a card chosen before it is ready waits.
    const first = study.series?.find((s) => s.instances?.length)?.series_instance_uid ?? null;
    let pending = first;
    const highlight = (seriesUid) => {
      for (const c of cards) {
        const on = c.dataset.seriesUid === seriesUid;
        c.classList.toggle('selected', on);
        c.setAttribute('aria-pressed', String(on));
      }
    };
    seriesList.addEventListener('click', (e) => {
      const card = e.target.closest('.series-card');
      if (!card) return;
      highlight(card.dataset.seriesUid);
      if (viewer) viewer.showSeries(card.dataset.seriesUid); else pending = card.dataset.seriesUid;
    });
    if (first) highlight(first);
    // The viewer has its own series strip: follow it (it sets data-series on its root).
    const follow = new MutationObserver(() => { if (viewerEl.dataset.series) highlight(viewerEl.dataset.series); });
    follow.observe(viewerEl, { attributes: true, attributeFilter: ['data-series'] });
    stopFollowing = () => follow.disconnect();

    if (canLink) share = mountShare({ study, uid: studyUid, me, openButton: shareOpen, section: links, signal });
    if (colleagues) {
      grants = mountGrants({
        study, uid: studyUid, me, section: colleagues, signal,
        onTransferred: (username) => {
          // An admin keeps access: show the page again with its new owner. A former owner
          // may have none left, so the page says so rather than trying to load it.
          if (me?.role === 'admin') { window.dispatchEvent(new HashChangeEvent('hashchange')); return; }
          left = true;
          try { viewer?.destroy(); } catch (e) { console.error(e); }
          share?.destroy();
          grants?.destroy();
          access?.destroy();
          main.replaceChildren(back, h('p', { id: 'study-transferred', class: 'notice', role: 'status' },
            `${username} now owns this study. It stays in your list only if they share it with you.`));
        },
      });
    }

    if (accessed) access = mountAccess({ uid: studyUid, section: accessed, signal });

    try {
      // Loaded on demand so that the rest of the page works even if the viewer does not.
      const { mountViewer } = await import('/assets/viewer/viewer.js');
      const { userApiPriors } = await import('/assets/viewer/priors.js');
      if (left) return;
      viewer = mountViewer(viewerEl, {
        study,
        thumbnailUrl: (seriesUid) => `/api/series/${enc(seriesUid)}/thumbnail?size=128`,
        renderedUrl,
        // A function, so that a token renewed while the page is open is used.
        headers: authHeaders,
        refresh: refreshSession,
        downloadUrl: null,
        // The patient's other studies this user may read, openable beside this one.
        priors: userApiPriors({ headers: authHeaders, refresh: refreshSession }),
      });
      if (pending && pending !== first) viewer.showSeries(pending);
    } catch (e) {
      viewerEl.replaceChildren(h('p', { class: 'error' }, `The viewer could not be started: ${e.message}`));
    }
  })();

  return () => {
    left = true;
    stopFollowing?.();
    try { viewer?.destroy(); } catch (e) { console.error(e); }
    share?.destroy();
    grants?.destroy();
    access?.destroy();
  };
}
