// The study viewer, shared by the referrer's page (/v/{token}) and the web app's study page.
// It knows nothing about where images come from: the caller passes URLs and headers, so the
// same code serves link holders (share API, cookie for a PIN) and users (bearer token).
//
// mountViewer(root, {study, thumbnailUrl(series), renderedUrl(sop, frame, window), headers,
//                    refresh, downloadUrl, deidentified}) → {showSeries(uid), destroy()}
// headers: an object or a function answering one; refresh: optional, called once on a 401
// and resolving true when new credentials are in place.
//
// Frames are drawn into a canvas (fit to the stage, then zoom/pan), so what is on screen can
// be measured; root.dataset.index / .window / .drawn / .firstImageMs say what it shows.

const PRESETS = [
  ['', 'File window'],
  ['40,80', 'CT brain'],
  ['-600,1500', 'CT lung'],
  ['400,1800', 'CT bone'],
  ['60,400', 'CT abdomen'],
  ['50,350', 'Soft tissue'],
];
const PREFETCH = 6;
const CACHE_LIMIT = 300;

function el(tag, props = {}, ...children) {
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

const text = (s) => (s == null ? '' : String(s).replace(/\^+/g, ' ').trim());
const dicomDate = (d) => (d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : text(d));

function age(birth, on) {
  if (!/^\d{8}$/.test(birth || '') || !/^\d{8}$/.test(on || '')) return '';
  const [by, bm, bd] = [birth.slice(0, 4), birth.slice(4, 6), birth.slice(6, 8)].map(Number);
  const [sy, sm, sd] = [on.slice(0, 4), on.slice(4, 6), on.slice(6, 8)].map(Number);
  let years = sy - by;
  if (sm < bm || (sm === bm && sd < bd)) years -= 1;
  return years >= 0 ? `${years} y` : '';
}

function ensureStylesheet() {
  if (document.querySelector('link[data-ferrum-viewer]')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: '/assets/viewer/viewer.css', dataset: { ferrumViewer: '' } }));
}

export function mountViewer(root, source) {
  ensureStylesheet();
  const { study } = source;
  const headers = () => (typeof source.headers === 'function' ? source.headers() : source.headers || {});
  // One request, renewing the credentials once if they were refused.
  async function get(url) {
    let r = await fetch(url, { headers: headers() });
    if (r.status === 401 && source.refresh && (await source.refresh())) r = await fetch(url, { headers: headers() });
    return r;
  }
  const started = performance.now();
  const state = { series: [], current: null, frames: [], index: 0, window: null, zoom: 1, panX: 0, panY: 0,
    playing: null, bitmap: null, drawnUrl: null, preview: null, alive: true };
  const cache = new Map();
  const objectUrls = [];

  const canvas = el('canvas', { class: 'fv-canvas' });
  const overlay = el('div', { class: 'fv-overlay' });
  const stage = el('div', { class: 'fv-stage' }, canvas, overlay);
  const strip = el('nav', { class: 'fv-strip', 'aria-label': 'Series' });
  const slider = el('input', { class: 'fv-slice', type: 'range', min: 0, max: 0, value: 0, 'aria-label': 'Slice' });
  const pos = el('span', { class: 'fv-pos' });
  const preset = el('select', { class: 'fv-preset', 'aria-label': 'Window preset' },
    ...PRESETS.map(([value, label]) => el('option', { value }, label)));
  const cine = el('button', { class: 'fv-cine', type: 'button' }, 'Play');
  const reset = el('button', { class: 'fv-reset', type: 'button' }, 'Reset view');
  const error = el('span', { class: 'fv-error', role: 'status' });
  const controls = el('div', { class: 'fv-controls' }, slider, pos, preset, cine, reset);
  if (source.downloadUrl) controls.append(el('a', { class: 'fv-download', href: source.downloadUrl, download: '' }, 'Download'));
  controls.append(error);

  const info = el('header', { class: 'fv-info' });
  const fields = source.deidentified ? [] : [
    ['Patient', text(study.patient_name)],
    ['Age/sex', [age(study.patient_birth_date, study.study_date), text(study.patient_sex)].filter(Boolean).join(' ')],
    ['Study date', dicomDate(study.study_date)],
    ['Study', text(study.study_description)],
  ];
  for (const [k, v] of fields.filter(([, v]) => v)) info.append(el('span', {}, `${k}: `, el('b', {}, v)));
  const frame = el('div', { class: 'fv' }, info, strip, stage, controls);
  root.replaceChildren(frame);

  function frameUrl(f) {
    return source.renderedUrl(f.sop, f.frame, state.window ? state.window.split(',').map(Number) : null);
  }

  function load(url) {
    let entry = cache.get(url);
    if (!entry) {
      entry = get(url).then(async (r) => {
        if (!r.ok) {
          const body = await r.json().catch(() => ({}));
          throw new Error(body.message || `the image could not be loaded (${r.status})`);
        }
        return createImageBitmap(await r.blob());
      });
      entry.catch(() => cache.delete(url));
      cache.set(url, entry);
      if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value);
    }
    return entry;
  }

  function draw() {
    const rect = stage.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(rect.width * dpr)), h = Math.max(1, Math.round(rect.height * dpr));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, w, h);
    const b = state.bitmap;
    if (!b) return;
    const fit = Math.min(w / b.width, h / b.height) * state.zoom;
    ctx.imageSmoothingEnabled = true;
    // While window/level is being dragged, a filter previews it until the server's frame comes.
    ctx.filter = state.preview || 'none';
    ctx.setTransform(fit, 0, 0, fit, w / 2 + state.panX * dpr, h / 2 + state.panY * dpr);
    ctx.drawImage(b, -b.width / 2, -b.height / 2);
    ctx.filter = 'none';
  }

  function prefetch(around) {
    for (let d = 1; d <= PREFETCH; d++) {
      for (const i of [around + d, around - d]) {
        const f = state.frames[i];
        if (f) load(frameUrl(f)).catch(() => {});
      }
    }
  }

  async function show(i) {
    if (!state.frames.length) return;
    state.index = Math.max(0, Math.min(state.frames.length - 1, i));
    const f = state.frames[state.index];
    slider.value = state.index;
    pos.textContent = `${state.index + 1} / ${state.frames.length}`;
    const where = f.frames > 1 ? `frame ${f.frame}` : `image ${f.number ?? state.index + 1}`;
    const position = typeof f.position === 'number' ? `pos ${f.position.toFixed(1)} mm` : '';
    overlay.textContent = [text(state.current.series_description), where, position, state.window ? `W/L ${state.window}` : '']
      .filter(Boolean).join(' · ');
    root.dataset.index = state.index;
    root.dataset.window = state.window || '';
    const url = frameUrl(f);
    prefetch(state.index);
    try {
      const bitmap = await load(url);
      // A later call may have moved on while this frame was loading.
      if (!state.alive || url !== frameUrl(state.frames[state.index])) return;
      state.bitmap = bitmap;
      state.preview = null;
      error.textContent = '';
      draw();
      state.drawnUrl = url;
      root.dataset.drawn = `${state.index}|${state.window || ''}`;
      if (!root.dataset.firstImageMs) root.dataset.firstImageMs = Math.round(performance.now() - started);
    } catch (e) {
      if (url === frameUrl(state.frames[state.index])) error.textContent = e.message;
    }
  }

  function selectSeries(s) {
    stopCine();
    state.current = s;
    state.frames = [];
    // By place along the stack when every slice has one (instance numbers need not follow
    // the anatomy), else by instance number.
    const placed = s.instances.every((i) => typeof i.slice_position === 'number');
    const sorted = [...s.instances].sort((a, b) => (placed
      ? b.slice_position - a.slice_position
      : (a.instance_number ?? 0) - (b.instance_number ?? 0)));
    for (const inst of sorted) {
      const n = Math.max(1, inst.number_of_frames || 1);
      for (let k = 1; k <= n; k++) {
        state.frames.push({ sop: inst.sop_instance_uid, frame: k, frames: n, number: inst.instance_number,
          position: inst.slice_position });
      }
    }
    slider.max = Math.max(0, state.frames.length - 1);
    for (const b of strip.querySelectorAll('button')) b.classList.toggle('on', b.dataset.seriesUid === s.series_instance_uid);
    root.dataset.series = s.series_instance_uid;
    return show(Math.floor(state.frames.length / 2));
  }

  async function thumbnail(img, url) {
    try {
      const r = await get(url);
      if (!r.ok) return;
      const u = URL.createObjectURL(await r.blob());
      objectUrls.push(u);
      img.src = u;
    } catch { /* a missing thumbnail leaves the label */ }
  }

  state.series = study.series.filter((s) => s.instances && s.instances.length);
  for (const s of state.series) {
    const img = el('img', { alt: '' });
    const label = [s.series_number != null ? `#${s.series_number}` : '', s.modality || '', text(s.series_description)]
      .filter(Boolean).join(' ');
    const b = el('button', { type: 'button', dataset: { seriesUid: s.series_instance_uid } }, img,
      el('span', {}, `${label} (${s.instances.length})`));
    b.addEventListener('click', () => selectSeries(s));
    strip.append(b);
    thumbnail(img, source.thumbnailUrl(s.series_instance_uid));
  }
  if (!state.series.length) overlay.textContent = 'This study has no images to show.';

  function stopCine() {
    if (state.playing) clearInterval(state.playing);
    state.playing = null;
    cine.textContent = 'Play';
  }

  // Scrolling: wheel, arrow keys, slider, touch drag; window/level: right-drag or shift-drag;
  // pan: drag; zoom: ctrl-wheel or pinch (ctrl-wheel is what trackpads send).
  const onWheel = (e) => {
    e.preventDefault();
    if (e.ctrlKey) { state.zoom = Math.max(0.2, Math.min(10, state.zoom * (e.deltaY < 0 ? 1.1 : 0.9))); draw(); }
    else show(state.index + Math.sign(e.deltaY));
  };
  const onKey = (e) => {
    if (e.target instanceof HTMLInputElement && e.target.type !== 'range') return;
    if (['ArrowDown', 'ArrowRight', 'PageDown'].includes(e.key)) { e.preventDefault(); show(state.index + 1); }
    if (['ArrowUp', 'ArrowLeft', 'PageUp'].includes(e.key)) { e.preventDefault(); show(state.index - 1); }
  };
  stage.addEventListener('wheel', onWheel, { passive: false });
  document.addEventListener('keydown', onKey);
  slider.addEventListener('input', () => show(Number(slider.value)));
  preset.addEventListener('change', () => { state.window = preset.value || null; show(state.index); });
  reset.addEventListener('click', () => {
    state.zoom = 1; state.panX = state.panY = 0; state.window = null; preset.value = ''; show(state.index);
  });
  cine.addEventListener('click', () => {
    if (state.playing) { stopCine(); return; }
    cine.textContent = 'Stop';
    state.playing = setInterval(() => show((state.index + 1) % Math.max(1, state.frames.length)), 100);
  });
  stage.addEventListener('contextmenu', (e) => e.preventDefault());
  let drag = null;
  // Two fingers pinch to zoom; the pointers on the stage, by id.
  const touches = new Map();
  let pinch = null;
  const spread = () => {
    const [a, b] = [...touches.values()];
    return Math.hypot(a.x - b.x, a.y - b.y) || 1;
  };
  stage.addEventListener('pointerdown', (e) => {
    stage.setPointerCapture(e.pointerId);
    touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (touches.size === 2) {
      drag = null;
      pinch = { spread: spread(), zoom: state.zoom };
      return;
    }
    const [c, w] = (state.window || '40,400').split(',').map(Number);
    const mode = e.button === 2 || e.shiftKey ? 'window' : e.pointerType === 'touch' ? 'scroll' : 'pan';
    drag = { x: e.clientX, y: e.clientY, mode, c, w, index: state.index, panX: state.panX, panY: state.panY };
  });
  stage.addEventListener('pointermove', (e) => {
    if (touches.has(e.pointerId)) touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pinch && touches.size === 2) {
      state.zoom = Math.max(0.2, Math.min(10, pinch.zoom * (spread() / pinch.spread)));
      draw();
      return;
    }
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (drag.mode === 'window') {
      const w = Math.max(1, Math.round(drag.w + dx * 4));
      state.window = `${Math.round(drag.c + dy * 2)},${w}`;
      state.preview = `contrast(${(drag.w / w).toFixed(3)}) brightness(${(1 - dy / 400).toFixed(3)})`;
      overlay.textContent = `W/L ${state.window}`;
      draw();
    } else if (drag.mode === 'scroll') {
      show(drag.index + Math.round(dy / 12));
    } else {
      state.panX = drag.panX + dx; state.panY = drag.panY + dy; draw();
    }
  });
  const endDrag = (e) => {
    touches.delete(e.pointerId);
    if (touches.size < 2) pinch = null;
    if (drag && drag.mode === 'window') { preset.value = ''; show(state.index); }
    drag = null;
  };
  stage.addEventListener('pointerup', endDrag);
  stage.addEventListener('pointercancel', endDrag);
  const resized = new ResizeObserver(() => draw());
  resized.observe(stage);

  if (state.series.length) selectSeries(state.series[0]);

  return {
    showSeries(uid) {
      const s = state.series.find((x) => x.series_instance_uid === uid);
      return s ? selectSeries(s) : undefined;
    },
    destroy() {
      state.alive = false;
      stopCine();
      resized.disconnect();
      document.removeEventListener('keydown', onKey);
      for (const u of objectUrls) URL.revokeObjectURL(u);
      cache.clear();
      root.replaceChildren();
    },
  };
}
