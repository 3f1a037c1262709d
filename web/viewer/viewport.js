// One viewport of the study viewer: a series strip, the image stage with its overlay, and the
// controls; its own series, slice, window, view and measurements. viewer.js lays one to four
// of them out and routes the keyboard to the active one.
//
// Safety rule: the counter, the overlay and the `drawn` mark describe the frame on the
// canvas, never the one asked for; while the asked-for frame is on its way a loading
// indicator says so, and a response for a slice the reader has left is dropped.
// Marks (set through hooks.mark on the viewport's element, and on the viewer's root for the
// first viewport): index (asked for), position (its place along the stack), drawn
// ("index|window" on the canvas), loading, firstImageMs, series, modality, tool, playing.
import { el, text, numbers } from './dom.js';
import { frameLoader } from './frames.js';
import { presetsFor, windowLabel } from './presets.js';
import { newView, resetView, draw, scale, matrix, toImage } from './view.js';
import { valueSource, valuesUrlFrom, unitOf } from './values.js';
import { TOOLS, regionStats, describe, drawMeasurements } from './tools/measure.js';
import { overlayParts, renderOverlay } from './overlay.js';
import { helpPanel } from './keyboard.js';
import { cinePlayer } from './cine.js';
import { nearestIndex, stackOf } from './sync.js';

const PREFETCH = 6;
/// The frames of a series in reading order: by place along the stack when every slice has
/// one (instance numbers need not follow the anatomy), else by instance number.
function framesOf(series) {
  const placed = series.instances.every((i) => typeof i.slice_position === 'number');
  const sorted = [...series.instances].sort((a, b) => (placed
    ? b.slice_position - a.slice_position
    : (a.instance_number ?? 0) - (b.instance_number ?? 0)));
  const frames = [];
  for (const inst of sorted) {
    const n = Math.max(1, inst.number_of_frames || 1);
    for (let k = 1; k <= n; k++) {
      frames.push({ sop: inst.sop_instance_uid, frame: k, frames: n, number: inst.instance_number,
        position: inst.slice_position, thickness: inst.slice_thickness ?? series.slice_thickness,
        spacing: inst.pixel_spacing, orientation: inst.image_orientation });
    }
  }
  return frames;
}

/// hooks: {mark(key, value|undefined), moved(viewport), activate(viewport), layoutControls?}
export function mountViewport(root, source, hooks, firstSeries = 0) {
  const { study } = source;
  const headers = () => (typeof source.headers === 'function' ? source.headers() : source.headers || {});
  // One request, renewing the credentials once if they were refused.
  async function get(url, signal) {
    let r = await fetch(url, { headers: headers(), signal });
    if (r.status === 401 && source.refresh && (await source.refresh())) r = await fetch(url, { headers: headers(), signal });
    return r;
  }
  const started = performance.now();
  const state = { series: [], current: null, frames: [], index: 0, window: null, view: newView(),
    bitmap: null, drawn: null, preview: null, alive: true, tool: null, measures: new Map(), editing: null };
  const values = valueSource(get, source.valuesUrl || ((sop, f) => valuesUrlFrom(source.renderedUrl(sop, f, null), f)));
  const loader = frameLoader(get);
  const objectUrls = [];

  const canvas = el('canvas', { class: 'fv-canvas', role: 'img', 'aria-label': 'No image yet' });
  const overlay = el('div', { class: 'fv-overlay' });
  const stage = el('div', { class: 'fv-stage', tabIndex: 0 }, canvas, overlay);
  const parts = overlayParts(overlay);
  const strip = el('nav', { class: 'fv-strip', 'aria-label': 'Series' });
  const slider = el('input', { class: 'fv-slice', type: 'range', min: 0, max: 0, value: 0, 'aria-label': 'Slice' });
  const pos = el('span', { class: 'fv-pos', 'aria-live': 'polite' });
  const preset = el('select', { class: 'fv-preset', 'aria-label': 'Window preset' });
  const button = (cls, label, title) => el('button', { class: cls, type: 'button', title, 'aria-label': title }, label);
  const tools = {
    invert: button('fv-invert', 'Invert', 'Invert (I)'),
    rotate: button('fv-rotate', '⟳ 90°', 'Rotate 90° clockwise (R)'),
    flipH: button('fv-flip-h', 'Flip H', 'Flip horizontally (H)'),
    flipV: button('fv-flip-v', 'Flip V', 'Flip vertically (V)'),
    fit: button('fv-fit', 'Fit', 'Fit to the window (Z)'),
    actual: button('fv-actual', '1:1', 'One image pixel per screen pixel (O)'),
    fullscreen: button('fv-fullscreen', 'Full screen', 'Full screen (F)'),
    help: button('fv-help-open', '?', 'Keyboard shortcuts (?)'),
  };
  const toolButtons = Object.entries(TOOLS).map(([kind, label]) => {
    const b = button(`fv-tool fv-tool-${kind}`, label, `${label} (${{ length: 'L', angle: 'A', rect: 'B', ellipse: 'E' }[kind]})`);
    b.dataset.tool = kind;
    b.setAttribute('aria-pressed', 'false');
    b.addEventListener('click', () => setTool(kind));
    return b;
  });
  const clear = button('fv-clear', 'Clear', 'Clear the measurements of this image (Del)');
  const cineButton = button('fv-cine', 'Play', 'Play or stop cine (Space)');
  const speed = el('input', { class: 'fv-speed', type: 'range', min: 1, max: 30, value: 10, 'aria-label': 'Cine speed, frames per second' });
  const speedLabel = el('span', { class: 'fv-speed-label' }, '10 fps');
  const reset = button('fv-reset', 'Reset view', 'Reset the view (Esc)');
  const error = el('span', { class: 'fv-error', role: 'status' });
  const controls = el('div', { class: 'fv-controls' }, slider, pos, preset, cineButton, speed, speedLabel,
    ...Object.values(tools), ...toolButtons, clear, reset);
  if (source.downloadUrl) controls.append(el('a', { class: 'fv-download', href: source.downloadUrl, download: '' }, 'Download'));
  controls.append(error);

  const help = helpPanel(() => { help.hidden = true; });
  const frame = el('div', { class: 'fv' }, strip, stage, controls, help);
  root.replaceChildren(frame);

  const frameUrl = (f, win = state.window) => source.renderedUrl(f.sop, f.frame, win ? win.split(',').map(Number) : null);

  /// Paints what is on the canvas and the overlay that describes it.
  function paint() {
    draw(canvas, stage, state.view, state.bitmap, state.preview);
    const d = state.drawn;
    if (!d) return;
    const dpr = window.devicePixelRatio || 1;
    const list = state.measures.get(keyOf(d.f)) || [];
    if (list.length) {
      const [a, b, c, dd, e, f] = matrix(state.view, state.bitmap, canvas.width, canvas.height, dpr);
      const W = state.bitmap.width / 2, H = state.bitmap.height / 2;
      const toCanvas = ([x, y]) => [a * (x - W) + c * (y - H) + e, b * (x - W) + dd * (y - H) + f];
      drawMeasurements(canvas.getContext('2d'), list, toCanvas, dpr);
    }
    const perImagePixel = scale(state.view, state.bitmap, canvas.width, canvas.height, dpr);
    renderOverlay(parts, { study, series: d.series, f: d.f, index: d.index, count: d.count, window: state.preview ? state.window : d.window,
      view: state.view, deidentified: source.deidentified,
      scalePx: { perImagePixel, dpr, zoomPercent: (perImagePixel / dpr) * 100 } });
    if (state.preview) parts.br.firstChild.textContent = `${windowLabel(state.window)} (preview)`;
    pos.textContent = `${d.index + 1} / ${d.count}`;
    canvas.setAttribute('aria-label', `${text(d.series.series_description) || 'Series'}, slice ${d.index + 1} of ${d.count}`);
  }

  const keyOf = (f) => `${f.sop}|${f.frame}`;

  function setTool(kind) {
    state.tool = state.tool === kind ? null : kind;
    state.editing = null;
    for (const b of toolButtons) b.setAttribute('aria-pressed', String(b.dataset.tool === state.tool));
    stage.classList.toggle('fv-measuring', !!state.tool);
    hooks.mark('tool', state.tool || '');
  }

  /// The image pixel under a pointer event, with the frame it belongs to; null off the image.
  function pixelAt(e) {
    const d = state.drawn;
    if (!d || !state.bitmap) return null;
    const r = canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const [x, y] = toImage(state.view, state.bitmap, canvas.width, canvas.height, dpr, (e.clientX - r.left) * dpr, (e.clientY - r.top) * dpr);
    return { x, y, d, inside: x >= 0 && y >= 0 && x < state.bitmap.width && y < state.bitmap.height };
  }

  let probing = 0, firstDrawn = false;
  async function probe(e) {
    const at = pixelAt(e);
    if (!at || !at.inside) { parts.probe.textContent = ''; return; }
    const id = ++probing;
    const frameValues = await values.of(at.d.f);
    if (id !== probing || state.drawn !== at.d) return;
    const x = Math.floor(at.x), y = Math.floor(at.y);
    if (!frameValues || x >= frameValues.width || y >= frameValues.height) { parts.probe.textContent = `x ${x} y ${y}`; return; }
    const v = frameValues.values[y * frameValues.width + x];
    const unit = unitOf(at.d.series.modality);
    parts.probe.textContent = `x ${x} y ${y}: ${Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1)}${unit ? ` ${unit}` : ''}`;
    Object.assign(parts.probe.dataset, { x, y, value: v });
  }

  async function finish(m, d) {
    const spacing = numbers(d.f.spacing, 2);
    if (m.kind === 'rect' || m.kind === 'ellipse') {
      m.label = '…';
      const frameValues = await values.of(d.f);
      m.stats = frameValues ? regionStats(m.kind, m.points[0], m.points[1], frameValues, spacing) : null;
    }
    m.label = describe(m, spacing, unitOf(d.series.modality));
    hooks.mark('lastMeasure', JSON.stringify({ kind: m.kind, points: m.points, label: m.label, stats: m.stats || null }));
    if (state.drawn === d) paint();
  }

  function loading(on) {
    parts.loading.hidden = !on;
    parts.loading.textContent = on ? `Loading slice ${state.index + 1} / ${state.frames.length}…` : '';
    hooks.mark('loading', on ? '1' : undefined);
  }

  function neighbours(around) {
    const urls = [];
    for (let d = 1; d <= PREFETCH; d++) {
      for (const i of [around + d, around - d]) if (state.frames[i]) urls.push(frameUrl(state.frames[i]));
    }
    return urls;
  }

  async function show(i) {
    if (!state.frames.length) return;
    state.index = Math.max(0, Math.min(state.frames.length - 1, i));
    const index = state.index, f = state.frames[index], win = state.window, series = state.current;
    slider.value = index;
    hooks.mark('index', String(index));
    hooks.mark('position', typeof f.position === 'number' ? String(f.position) : '');
    hooks.mark('window', win || '');
    if (!following) hooks.moved(viewport);
    const url = frameUrl(f);
    // Requests for slices that are neither this one nor its neighbours are dropped.
    loader.keepOnly(new Set([url, ...neighbours(index)]));
    const onCanvas = state.drawn && state.drawn.url === url;
    if (!onCanvas) loading(true);
    try {
      const bitmap = await loader.load(url);
      if (!state.alive || url !== frameUrl(state.frames[state.index])) return; // left meanwhile
      state.bitmap = bitmap;
      state.preview = null;
      state.drawn = { url, index, f, window: win, series, count: state.frames.length };
      error.textContent = '';
      loading(false);
      paint();
      hooks.mark('drawn', `${index}|${win || ''}`);
      if (!firstDrawn) { firstDrawn = true; hooks.mark('firstImageMs', String(Math.round(performance.now() - started))); }
      // Neighbours only once this slice is drawn, so that they never delay it.
      for (const u of neighbours(index)) loader.load(u).catch(() => {});
    } catch (e) {
      if (e.name === 'AbortError') return;
      if (url === frameUrl(state.frames[state.index])) { error.textContent = e.message; loading(false); }
    }
  }

  const cine = cinePlayer({
    step: () => show((state.index + 1) % Math.max(1, state.frames.length)),
    fps: () => Number(speed.value),
    onChange: (playing) => { cineButton.textContent = playing ? 'Stop' : 'Play'; hooks.mark('playing', playing ? '1' : ''); },
  });

  function setPresets(modality) {
    preset.replaceChildren(...presetsFor(modality).map(([value, label]) => el('option', { value }, label)));
  }

  function selectSeries(s) {
    cine.stop();
    state.current = s;
    state.frames = framesOf(s);
    state.window = null;
    setPresets(s.modality);
    slider.max = Math.max(0, state.frames.length - 1);
    for (const b of strip.querySelectorAll('button')) b.classList.toggle('on', b.dataset.seriesUid === s.series_instance_uid);
    hooks.mark('series', s.series_instance_uid);
    hooks.mark('modality', s.modality || '');
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
  if (!state.series.length) parts.tl.textContent = 'This study has no images to show.';

  const setWindow = (w) => { state.window = w || null; show(state.index); };
  const zoomBy = (k) => { state.view.zoom = Math.max(0.1, Math.min(20, state.view.zoom * k)); paint(); };
  const actions = {
    next: () => show(state.index + 1),
    previous: () => show(state.index - 1),
    first: () => show(0),
    last: () => show(state.frames.length - 1),
    preset: (n) => {
      const o = preset.options[n];
      if (o) { preset.value = o.value; setWindow(o.value); }
    },
    invert: () => { state.view.invert = !state.view.invert; paint(); },
    rotate: () => { state.view.rotate = (state.view.rotate + 1) % 4; paint(); },
    // Flips mirror the screen; turned a quarter, that is the image's other axis.
    flipH: () => { const k = state.view.rotate % 2 ? 'flipV' : 'flipH'; state.view[k] = !state.view[k]; paint(); },
    flipV: () => { const k = state.view.rotate % 2 ? 'flipH' : 'flipV'; state.view[k] = !state.view[k]; paint(); },
    zoomIn: () => zoomBy(1.25),
    zoomOut: () => zoomBy(0.8),
    fit: () => { Object.assign(state.view, { zoom: 1, panX: 0, panY: 0, actual: false }); paint(); },
    actual: () => { Object.assign(state.view, { zoom: 1, panX: 0, panY: 0, actual: true }); paint(); },
    fullscreen: () => {
      if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
      else frame.requestFullscreen?.()?.catch(() => {});
    },
    cine: () => cine.toggle(),
    faster: () => { speed.value = Math.min(30, Number(speed.value) + 2); speed.dispatchEvent(new Event('input')); },
    slower: () => { speed.value = Math.max(1, Number(speed.value) - 2); speed.dispatchEvent(new Event('input')); },
    reset: () => {
      if (!help.hidden) { help.hidden = true; return; }
      if (state.tool) { setTool(state.tool); return; } // a first Esc puts the tool down
      resetAll();
    },
    length: () => setTool('length'),
    angle: () => setTool('angle'),
    rect: () => setTool('rect'),
    ellipse: () => setTool('ellipse'),
    clear: () => { if (state.drawn) { state.measures.delete(keyOf(state.drawn.f)); paint(); } },
    help: () => { help.hidden = !help.hidden; if (!help.hidden) help.querySelector('button').focus(); },
  };
  for (const [name, b] of Object.entries(tools)) b.addEventListener('click', () => actions[name]());
  clear.addEventListener('click', () => actions.clear());
  cineButton.addEventListener('click', () => actions.cine());
  function resetAll() { resetView(state.view); preset.value = ''; setWindow(null); }
  reset.addEventListener('click', () => { help.hidden = true; resetAll(); });
  speed.addEventListener('input', () => { speedLabel.textContent = `${speed.value} fps`; });

  // Scrolling: wheel, keys, slider, touch drag; window/level: right-drag or shift-drag;
  // pan: drag; zoom: ctrl-wheel or pinch (ctrl-wheel is what trackpads send).
  const onWheel = (e) => {
    e.preventDefault();
    if (e.ctrlKey) zoomBy(e.deltaY < 0 ? 1.1 : 0.9);
    else show(state.index + Math.sign(e.deltaY));
  };
  stage.addEventListener('wheel', onWheel, { passive: false });
  // Whatever the reader touches in a viewport makes it the one the keys act on.
  frame.addEventListener('pointerdown', () => hooks.activate(viewport), true);
  frame.addEventListener('focusin', () => hooks.activate(viewport));
  slider.addEventListener('input', () => show(Number(slider.value)));
  preset.addEventListener('change', () => setWindow(preset.value));
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
      pinch = { spread: spread(), zoom: state.view.zoom };
      return;
    }
    if (state.tool && e.button === 0 && !e.shiftKey && e.pointerType !== 'touch') {
      const at = pixelAt(e);
      if (!at) return;
      const p = [at.x, at.y];
      if (state.editing && state.editing.m.kind === 'angle' && state.editing.m.points.length === 2 && state.editing.d === at.d) {
        state.editing.m.points.push(p); // the angle's second arm
      } else {
        const m = { kind: state.tool, points: [p, p.slice()] };
        const key = keyOf(at.d.f);
        state.measures.set(key, [...(state.measures.get(key) || []), m]);
        state.editing = { m, d: at.d };
      }
      drag = { mode: 'measure' };
      return;
    }
    const [c, w] = (state.window || '40,400').split(',').map(Number);
    const mode = e.button === 2 || e.shiftKey ? 'window' : e.pointerType === 'touch' ? 'scroll' : 'pan';
    drag = { x: e.clientX, y: e.clientY, mode, c, w, index: state.index, panX: state.view.panX, panY: state.view.panY };
  });
  stage.addEventListener('pointermove', (e) => {
    if (touches.has(e.pointerId)) touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pinch && touches.size === 2) {
      state.view.zoom = Math.max(0.1, Math.min(20, pinch.zoom * (spread() / pinch.spread)));
      paint();
      return;
    }
    if (!drag) { if (e.pointerType !== 'touch') probe(e); return; }
    if (drag.mode === 'measure') {
      const at = pixelAt(e);
      if (at && state.editing) { const pts = state.editing.m.points; pts[pts.length - 1] = [at.x, at.y]; paint(); }
      probe(e);
      return;
    }
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (drag.mode === 'window') {
      const w = Math.max(1, Math.round(drag.w + dx * 4));
      state.window = `${Math.round(drag.c + dy * 2)},${w}`;
      state.preview = `contrast(${(drag.w / w).toFixed(3)}) brightness(${(1 - dy / 400).toFixed(3)})`;
      paint();
    } else if (drag.mode === 'scroll') {
      show(drag.index + Math.round(dy / 12));
    } else {
      state.view.panX = drag.panX + dx; state.view.panY = drag.panY + dy; paint();
    }
  });
  const endDrag = (e) => {
    touches.delete(e.pointerId);
    if (touches.size < 2) pinch = null;
    if (drag && drag.mode === 'window') { preset.value = ''; show(state.index); }
    if (drag && drag.mode === 'measure' && state.editing) {
      const { m, d } = state.editing;
      const waiting = m.kind === 'angle' && m.points.length === 2;
      if (!waiting) { state.editing = null; finish(m, d); }
    }
    drag = null;
  };
  stage.addEventListener('pointerup', endDrag);
  stage.addEventListener('pointercancel', endDrag);
  const resized = new ResizeObserver(() => paint());
  resized.observe(stage);

  // Moves to the slice nearest `position` of stack `stack` (another viewport's), if this
  // series lies in the same planes; it does not move the others in turn.
  let following = false;
  function follow(stack, position) {
    const mine = stackOf(study.study_instance_uid, state.frames);
    const i = nearestIndex(mine, stack, position);
    if (i == null || i === state.index) return;
    following = true;
    try { show(i); } finally { following = false; }
  }

  const viewport = {
    element: root,
    act: (action, arg) => actions[action]?.(arg),
    /// The stack on view and the asked-for slice's position along it (null without geometry).
    where: () => ({ stack: stackOf(study.study_instance_uid, state.frames), position: state.frames[state.index]?.position }),
    follow,
    showSeries(uid) {
      const s = state.series.find((x) => x.series_instance_uid === uid);
      return s ? selectSeries(s) : undefined;
    },
    destroy() {
      state.alive = false;
      cine.stop();
      resized.disconnect();
      for (const u of objectUrls) URL.revokeObjectURL(u);
      loader.clear();
      root.replaceChildren();
    },
  };
  if (state.series.length) selectSeries(state.series[Math.min(firstSeries, state.series.length - 1)]);
  return viewport;
}
