// Small DOM and DICOM text helpers shared by the viewer's modules.
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

export const text = (s) => (s == null ? '' : String(s).replace(/\^+/g, ' ').trim());
export const dicomDate = (d) => (d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : text(d));

export function age(birth, on) {
  if (!/^\d{8}$/.test(birth || '') || !/^\d{8}$/.test(on || '')) return '';
  const [by, bm, bd] = [birth.slice(0, 4), birth.slice(4, 6), birth.slice(6, 8)].map(Number);
  const [sy, sm, sd] = [on.slice(0, 4), on.slice(4, 6), on.slice(6, 8)].map(Number);
  let years = sy - by;
  if (sm < bm || (sm === bm && sd < bd)) years -= 1;
  return years >= 0 ? `${years} y` : '';
}

/// A list of numbers from a JSON array or a DICOM multi-value string ("0.7\\0.7").
export function numbers(v, n) {
  const list = Array.isArray(v) ? v.map(Number) : typeof v === 'string' ? v.split('\\').map(Number) : [];
  return list.length === n && list.every(Number.isFinite) ? list : null;
}
