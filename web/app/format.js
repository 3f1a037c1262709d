// Formatting of DICOM and API values for display. Pure functions, no DOM.

/** DICOM PN: components split by ^, alphabetic/ideographic/phonetic groups by =. */
export function personName(v) {
  if (v == null) return '';
  if (typeof v === 'object') v = v.Alphabetic ?? '';
  return String(v).split('=')
    .map((g) => g.replace(/\^/g, ' ').replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join(' / ');
}

/** DICOM DA (YYYYMMDD) → YYYY-MM-DD; anything else is shown as it is. */
export function dicomDate(v) {
  if (!v) return '';
  const s = String(v).trim();
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : s;
}

/** DICOM TM (HHMMSS.frac) → HH:MM[:SS]. */
export function dicomTime(v) {
  if (!v) return '';
  const m = /^(\d{2})(\d{2})?(\d{2})?/.exec(String(v).trim());
  return m ? [m[1], m[2], m[3]].filter(Boolean).join(':') : String(v);
}

const pad = (n) => String(n).padStart(2, '0');

/** An RFC 3339 timestamp in the browser's time zone, as YYYY-MM-DD HH:MM. */
export function dateTime(v) {
  if (v == null || v === '') return '';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function isFuture(v) {
  const t = v ? new Date(v).getTime() : NaN;
  return !Number.isNaN(t) && t > Date.now();
}

export function bytes(n) {
  if (n == null || Number.isNaN(Number(n))) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let x = Number(n);
  let i = 0;
  while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
  return `${i === 0 ? x : x.toFixed(x < 10 ? 1 : 0)} ${units[i]}`;
}

export function modalities(v) {
  if (Array.isArray(v)) return v.filter(Boolean).join(', ');
  return v ? String(v).split(/[\\,\s]+/).filter(Boolean).join(', ') : '';
}

export function sex(v) {
  return { M: 'Male', F: 'Female', O: 'Other' }[v] ?? (v || '');
}

export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// ---- audit events ----------------------------------------------------------------------

const HIDDEN_DETAIL = new Set(['coalesced', 'window_start', 'study_uids']);

function detailValue(v) {
  if (v == null) return '';
  if (Array.isArray(v)) return v.length ? v.map(detailValue).join(', ') : 'none';
  if (typeof v === 'object') {
    return Object.entries(v).filter(([, x]) => x != null && x !== 0 && x !== '')
      .map(([k, x]) => `${detailValue(x)} ${k.replace(/_/g, ' ')}`).join(', ') || 'none';
  }
  return String(v);
}

/**
 * An audit event's detail (a JSON object, an older event's string, or null) and its count
 * as one readable line: "reason: locked", "filters: patient_name, modality · 3 results",
 * "×12 (coalesced)". Values are shown as text; nothing here is markup.
 */
export function auditDetail(ev) {
  const d = ev?.detail;
  const parts = [];
  const count = Number(ev?.count ?? 1);
  if (count > 1 || (d && typeof d === 'object' && d.coalesced)) {
    parts.push(`×${count} (coalesced${d?.window_start ? ` from ${dateTime(d.window_start)}` : ''})`);
  }
  if (typeof d === 'string') parts.push(d);
  else if (d && typeof d === 'object') {
    const search = [];
    if ('filters' in d) search.push(`filters: ${detailValue(d.filters)}`);
    if ('results' in d) search.push(plural(Number(d.results), 'result'));
    if ('events' in d) search.push(plural(Number(d.events), 'event'));
    if (search.length) parts.push(search.join(' · '));
    for (const [k, v] of Object.entries(d)) {
      if (HIDDEN_DETAIL.has(k) || k === 'filters' || k === 'results' || k === 'events') continue;
      parts.push(`${k.replace(/_/g, ' ')}: ${detailValue(v)}`);
    }
  }
  return parts.join(' · ');
}

/** What an audit event was about: "series 1.2.3 · image 1.2.3.4" (the study shown apart). */
export function auditTarget(ev) {
  return [ev?.series_uid && `series ${ev.series_uid}`, ev?.sop_uid && `image ${ev.sop_uid}`].filter(Boolean).join(' · ');
}

/** What kind of actor an audit actor is, in words: user:… → account, link:… → link, system, anonymous. */
export function actorKind(actor) {
  const kind = String(actor || '').split(':')[0];
  return { user: 'account', link: 'link', system: 'system', anonymous: 'anonymous' }[kind] || kind;
}
