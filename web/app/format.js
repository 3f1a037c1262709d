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
