// Synchronised scrolling: which viewports show the same stack of planes, and which slice of
// one lies nearest a place along another's. Slice positions are the place of each slice
// along its stack's normal (row × column direction, as kept at ingest), so two series of a
// study in parallel planes compare directly; a reversed normal reverses the sign.
import { numbers } from './dom.js';

const PARALLEL = 0.99; // |cos| of the angle between normals: within about 8°

function normalOf(orientation) {
  const o = numbers(orientation, 6);
  if (!o) return null;
  const n = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  const len = Math.hypot(...n);
  return len > 0 ? n.map((x) => x / len) : null;
}

/// The stack of `frames` (of a series of study `study`, its UID) as `{study, normal,
/// positions}`, or null when the frames do not all have a position and an orientation.
export function stackOf(study, frames) {
  if ( !frames.length || !frames.every((f) => typeof f.position === 'number')) return null;
  const normal = normalOf(frames[0].orientation);
  if (!normal) return null;
  return { study, normal, positions: frames.map((f) => f.position) };
}

/// The index in `mine` of the slice nearest `position` along stack `theirs`; null when the
/// two stacks are not parallel planes of one study.
export function nearestIndex(mine, theirs, position) {
  if (!mine || !theirs || typeof position !== 'number' || mine.study !== theirs.study) return null;
  const cos = mine.normal.reduce((sum, x, k) => sum + x * theirs.normal[k], 0);
  if (Math.abs(cos) < PARALLEL) return null;
  const target = cos > 0 ? position : -position;
  let best = 0;
  mine.positions.forEach((p, i) => { if (Math.abs(p - target) < Math.abs(mine.positions[best] - target)) best = i; });
  return best;
}
