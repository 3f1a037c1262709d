// The four corners of the image, as diagnostic viewers lay them out, the orientation
// markers on the edges and the scale bar. Everything here describes the slice that is on the
// canvas, never the one being loaded.
import { el, text, dicomDate, numbers } from './dom.js';
import { windowLabel } from './presets.js';
import { imageDirection } from './view.js';

export function overlayParts(stage) {
  const corner = (where) => el('div', { class: `fv-corner fv-${where}`, dataset: { corner: where } });
  const parts = {
    tl: corner('tl'), tr: corner('tr'), bl: corner('bl'), br: corner('br'),
    markers: ['top', 'right', 'bottom', 'left'].map((side) => el('div', { class: `fv-marker fv-m-${side}`, dataset: { side } })),
    scale: el('div', { class: 'fv-scalebar', hidden: true }, el('span', { class: 'fv-scalebar-line' }), el('span', { class: 'fv-scalebar-label' })),
    loading: el('div', { class: 'fv-loading', role: 'status', hidden: true }),
    probe: el('div', { class: 'fv-probe' }),
  };
  stage.append(parts.tl, parts.tr, parts.bl, parts.br, ...parts.markers, parts.scale, parts.loading, parts.probe);
  return parts;
}

const lines = (node, list) => node.replaceChildren(...list.filter(Boolean).map((s) => el('div', {}, s)));

/// Patient letters of a direction in DICOM's patient space (LPS: +x left, +y posterior,
/// +z head): the main axis first, a second one when the direction is oblique.
export function patientLetters([x, y, z]) {
  const axes = [[Math.abs(x), x > 0 ? 'L' : 'R'], [Math.abs(y), y > 0 ? 'P' : 'A'], [Math.abs(z), z > 0 ? 'H' : 'F']]
    .sort((a, b) => b[0] - a[0]);
  return axes.filter(([m], i) => i === 0 || m > 0.3).slice(0, 2).map(([, l]) => l).join('');
}

function markerLetters(orientation, view, dx, dy) {
  const [ix, iy] = imageDirection(view, dx, dy);
  const r = orientation.slice(0, 3), c = orientation.slice(3, 6);
  return patientLetters([0, 1, 2].map((k) => ix * r[k] + iy * c[k]));
}

/// Fills the overlay for frame `f` (of `count`) of series `series` in `study`.
export function renderOverlay(parts, { study, series, f, index, count, window, view, deidentified, scalePx }) {
  lines(parts.tl, deidentified ? [] : [
    text(study.patient_name), text(study.patient_id) && `ID ${text(study.patient_id)}`,
    dicomDate(study.study_date), text(study.study_description),
  ]);
  lines(parts.tr, [
    [series.modality, series.series_number != null ? `Se ${series.series_number}` : ''].filter(Boolean).join(' '),
    text(series.series_description),
    f.frames > 1 ? `frame ${f.frame} / ${f.frames}` : `image ${f.number ?? index + 1}`,
  ]);
  lines(parts.bl, [
    `${index + 1} / ${count}`,
    typeof f.position === 'number' ? `pos ${f.position.toFixed(1)} mm` : '',
    f.thickness ? `thk ${Number(f.thickness).toFixed(1)} mm` : '',
  ]);
  lines(parts.br, [windowLabel(window), `zoom ${Math.round(scalePx.zoomPercent)}%`,
    [view.rotate ? `rot ${view.rotate * 90}°` : '', view.flipH ? 'flip H' : '', view.flipV ? 'flip V' : '', view.invert ? 'inverted' : '']
      .filter(Boolean).join(' ')]);
  parts.bl.dataset.index = index;
  const orientation = numbers(f.orientation, 6);
  const dirs = { top: [0, -1], right: [1, 0], bottom: [0, 1], left: [-1, 0] };
  for (const m of parts.markers) {
    m.textContent = orientation ? markerLetters(orientation, view, ...dirs[m.dataset.side]) : '';
  }
  renderScale(parts.scale, f, scalePx);
}

/// A bar of a round length in mm, from Pixel Spacing and the canvas pixels per image pixel.
function renderScale(node, f, { perImagePixel, dpr }) {
  const spacing = numbers(f.spacing, 2);
  if (!spacing || !perImagePixel) { node.hidden = true; return; }
  const cssPerMm = perImagePixel / dpr / spacing[1];
  const mm = [1, 2, 5, 10, 20, 50, 100, 200].find((n) => n * cssPerMm >= 60) || 200;
  node.hidden = false;
  node.firstChild.style.width = `${Math.round(mm * cssPerMm)}px`;
  node.lastChild.textContent = mm >= 10 ? `${mm / 10} cm` : `${mm} mm`;
  node.dataset.mm = mm;
}
