// Fetching rendered frames: a bounded cache of decoded bitmaps, and cancellation of requests
// for slices the reader has left, so that on a slow network the slice they are on is not
// queued behind ones they scrolled past.
const CACHE_LIMIT = 300;

export function frameLoader(get) {
  const cache = new Map();      // url → Promise<ImageBitmap>
  const pending = new Map();    // url → AbortController, while the response is on its way

  function load(url) {
    let entry = cache.get(url);
    if (entry) return entry;
    const controller = new AbortController();
    pending.set(url, controller);
    entry = get(url, controller.signal).then(async (r) => {
      if (!r.ok) {
        const body = await r.json().catch(() => ({}));
        throw new Error(body.message || `the image could not be loaded (${r.status})`);
      }
      return createImageBitmap(await r.blob());
    }).finally(() => pending.delete(url));
    entry.catch(() => cache.delete(url));
    cache.set(url, entry);
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value);
    return entry;
  }

  return {
    load,
    /// Aborts every request still on its way whose URL is not in `keep`.
    keepOnly(keep) {
      for (const [url, controller] of pending) {
        if (!keep.has(url)) { controller.abort(); pending.delete(url); cache.delete(url); }
      }
    },
    pendingCount: () => pending.size,
    clear() { for (const c of pending.values()) c.abort(); pending.clear(); cache.clear(); },
  };
}
