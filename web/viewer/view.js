// How an image is placed on the canvas: fit to the stage (or 1:1), then zoom, pan, rotation
// by quarter turns, flips and inversion. The same transform maps a point on the screen back
// to a pixel of the image, for the tools and the orientation markers.
export function newView() {
  return { zoom: 1, panX: 0, panY: 0, rotate: 0, flipH: false, flipV: false, invert: false, actual: false };
}

export function resetView(v) {
  Object.assign(v, newView());
}

/// Canvas pixels per image pixel (`dpr`: canvas pixels per CSS pixel).
export function scale(v, image, w, h, dpr) {
  const turned = v.rotate % 2 === 1;
  const iw = turned ? image.height : image.width, ih = turned ? image.width : image.height;
  const base = v.actual ? dpr : Math.min(w / iw, h / ih);
  return base * v.zoom;
}

/// The 2D transform [a, b, c, d, e, f] of image pixel space (origin at the image's centre)
/// to canvas pixels.
export function matrix(v, image, w, h, dpr) {
  const s = scale(v, image, w, h, dpr);
  const fx = v.flipH ? -1 : 1, fy = v.flipV ? -1 : 1;
  const cos = [1, 0, -1, 0][v.rotate], sin = [0, 1, 0, -1][v.rotate];
  // Flip first (in image space), then rotate, then scale.
  return [cos * fx * s, sin * fx * s, -sin * fy * s, cos * fy * s, w / 2 + v.panX * dpr, h / 2 + v.panY * dpr];
}

/// The image pixel (column, row, fractional) under canvas point (x, y).
export function toImage(v, image, w, h, dpr, x, y) {
  const [a, b, c, d, e, f] = matrix(v, image, w, h, dpr);
  const det = a * d - b * c;
  const px = x - e, py = y - f;
  const ix = (d * px - c * py) / det, iy = (-b * px + a * py) / det;
  return [ix + image.width / 2, iy + image.height / 2];
}

/// The image-space direction (unit vector in column/row axes) that points to the screen's
/// `dx, dy` after the view's flips and rotation.
export function imageDirection(v, dx, dy) {
  const cos = [1, 0, -1, 0][v.rotate], sin = [0, 1, 0, -1][v.rotate];
  // Undo the rotation, then the flip.
  const rx = cos * dx + sin * dy, ry = -sin * dx + cos * dy;
  return [v.flipH ? -rx : rx, v.flipV ? -ry : ry];
}

export function draw(canvas, stage, v, bitmap, preview) {
  const rect = stage.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(rect.width * dpr)), h = Math.max(1, Math.round(rect.height * dpr));
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, w, h);
  if (!bitmap) return;
  ctx.imageSmoothingEnabled = !v.actual;
  // While window/level is being dragged, a filter previews it until the server's frame comes.
  const filters = [preview, v.invert ? 'invert(1)' : ''].filter(Boolean);
  ctx.filter = filters.length ? filters.join(' ') : 'none';
  ctx.setTransform(...matrix(v, bitmap, w, h, dpr));
  ctx.drawImage(bitmap, -bitmap.width / 2, -bitmap.height / 2);
  ctx.filter = 'none';
  ctx.setTransform(1, 0, 0, 1, 0, 0);
}
