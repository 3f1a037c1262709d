// A link's access log as openings: each time its page was opened (an allowed open_link),
// with what the same browser did after it — wrong PINs, images viewed, downloads. A request
// with no opening before it from the same browser (a viewer reading the link's DICOMweb
// root, say) starts one of its own.

const client = (ev) => `${ev.remote_addr || ''}\n${ev.user_agent || ''}`;
const count = (ev) => Math.max(1, Number(ev.count ?? 1));

/** Short browser name from a user agent: "Chrome 131 on Android", else the agent itself. */
export function browserName(ua) {
  if (!ua) return '';
  const os = [['Android', 'Android'], ['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Windows', 'Windows'], ['Mac OS X', 'macOS'], ['Linux', 'Linux']]
    .find(([k]) => ua.includes(k))?.[1];
  const browser = [[/Edg\/(\d+)/, 'Edge'], [/HeadlessChrome\/(\d+)/, 'HeadlessChrome'], [/Chrome\/(\d+)/, 'Chrome'],
    [/Firefox\/(\d+)/, 'Firefox'], [/Version\/(\d+).*Safari/, 'Safari']]
    .map(([re, name]) => { const m = ua.match(re); return m && `${name} ${m[1]}`; }).find(Boolean);
  return browser ? [browser, os].filter(Boolean).join(' on ') : ua.slice(0, 60);
}

/** events: the link's audit events (any order); answers openings, oldest first. */
export function openings(events) {
  const sorted = [...events].sort((a, b) => (Number(a.seq) - Number(b.seq)) || String(a.at).localeCompare(String(b.at)));
  const list = [];
  const current = new Map(); // client → its latest opening
  const start = (ev) => {
    const o = { start: ev.at, end: ev.at, from: ev.remote_addr || '', browser: browserName(ev.user_agent),
      pinFailures: 0, refused: 0, images: 0, downloads: 0, seen: new Set() };
    list.push(o);
    current.set(client(ev), o);
    return o;
  };
  for (const ev of sorted) {
    const opened = ev.action === 'open_link' && ev.outcome === 'allowed';
    const o = opened ? start(ev) : current.get(client(ev)) || start(ev);
    o.end = ev.at;
    if (ev.action === 'unlock_link' && ev.outcome !== 'allowed') {
      if (ev.detail?.reason === 'wrong_pin' || ev.detail === 'wrong_pin' || ev.outcome === 'denied') o.pinFailures += count(ev);
    } else if (ev.action === 'view_study' && ev.outcome === 'denied') {
      // The page asking whether a PIN is needed: part of the PIN step, not a refusal.
    } else if (ev.outcome !== 'allowed' && !opened) {
      o.refused += count(ev);
    } else if (ev.action === 'view_image') {
      // One image counted once however often it was drawn (windowing fetches it again).
      const key = ev.sop_uid || `#${o.seen.size}`;
      if (!o.seen.has(key)) { o.seen.add(key); o.images += 1; }
    } else if (ev.action === 'export_study' || ev.action === 'download_instance') {
      o.downloads += count(ev);
    }
  }
  for (const o of list) delete o.seen;
  return list;
}
