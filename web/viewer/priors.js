// The same patient's other studies, for the web app's study page: the user API's study list
// filtered by Patient ID, which answers only what the signed-in user may read (and audits
// the search). A referrer's page never passes priors, so a link shows its one study only.
//
// userApiPriors({headers, refresh}) → {list(study), open(studyUid)}, the viewer's `priors`.
const enc = encodeURIComponent;

function renderedUrl(sop, frame, win) {
  const q = new URLSearchParams({ format: 'jpeg' });
  if (frame > 1) q.set('frame', String(frame));
  if (win) q.set('window', `${win[0]},${win[1]}`);
  return `/api/instances/${enc(sop)}/rendered?${q}`;
}

export function userApiPriors({ headers, refresh }) {
  const head = () => (typeof headers === 'function' ? headers() : headers || {});
  async function json(url) {
    let r = await fetch(url, { headers: head() });
    if (r.status === 401 && refresh && (await refresh())) r = await fetch(url, { headers: head() });
    if (!r.ok) throw new Error(`the studies could not be listed (${r.status})`);
    return r.json();
  }
  return {
    /// Other studies with exactly this Patient ID (the list's filter also matches patterns), newest first.
    async list(study) {
      const id = study.patient_id;
      if (!id) return [];
      const page = await json(`/api/studies?patient_id=${enc(id)}&limit=50`);
      return (page.items || [])
        .filter((s) => s.patient_id === id && s.study_instance_uid !== study.study_instance_uid)
        .sort((a, b) => String(b.study_date || '').localeCompare(String(a.study_date || '')));
    },
    async open(uid) {
      const study = await json(`/api/studies/${enc(uid)}`);
      return { study, thumbnailUrl: (s) => `/api/series/${enc(s)}/thumbnail?size=128`, renderedUrl, headers, refresh };
    },
  };
}
