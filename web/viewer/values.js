// A frame's modality values (e.g. Hounsfield units) from the server, for the value under the
// cursor and the measurements. The wire form: width and height (u32 little-endian), then
// width × height f32 little-endian values, row by row.
const KEEP = 4;

/// The values URL beside a rendered-frame URL, for callers that pass only the latter.
export function valuesUrlFrom(renderedUrl, frame) {
  const u = new URL(renderedUrl, location.href);
  u.pathname = u.pathname.replace(/\/rendered$/, '/values');
  u.search = frame > 1 ? `?frame=${frame}` : '';
  return u.pathname + u.search;
}

export function valueSource(get, urlOf) {
  const kept = new Map(); // url → Promise<{width, height, values}>
  return {
    /// The values of frame `f`, or null when the server has none (e.g. colour).
    of(f) {
      const url = urlOf(f.sop, f.frame);
      let entry = kept.get(url);
      if (!entry) {
        entry = get(url).then(async (r) => {
          if (!r.ok) return null;
          const buf = await r.arrayBuffer();
          const head = new DataView(buf, 0, 8);
          const width = head.getUint32(0, true), height = head.getUint32(4, true);
          if (buf.byteLength < 8 + width * height * 4) return null;
          return { width, height, values: new Float32Array(buf.slice(8, 8 + width * height * 4)) };
        }).catch(() => null);
        kept.set(url, entry);
        if (kept.size > KEEP) kept.delete(kept.keys().next().value);
      }
      return entry;
    },
  };
}

/// Units of a modality's values, as a reader expects to see them.
export const unitOf = (modality) => ((modality || '').toUpperCase() === 'CT' ? 'HU' : '');
