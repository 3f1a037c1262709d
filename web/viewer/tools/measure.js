// Measurements in image pixel coordinates: length, angle, and rectangle/ellipse regions with
// statistics over the modality values. Pixel Spacing (row, column in mm) turns pixels into
// millimetres; without it lengths are given in pixels.
export const TOOLS = { length: 'Length', angle: 'Angle', rect: 'Rectangle ROI', ellipse: 'Ellipse ROI' };

export function lengthMm(a, b, spacing) {
  const [sr, sc] = spacing || [1, 1];
  return Math.hypot((b[0] - a[0]) * sc, (b[1] - a[1]) * sr);
}

/// The angle at `vertex` between the arms to `a` and `b`, in degrees, in real space.
export function angleDeg(vertex, a, b, spacing) {
  const [sr, sc] = spacing || [1, 1];
  const u = [(a[0] - vertex[0]) * sc, (a[1] - vertex[1]) * sr], v = [(b[0] - vertex[0]) * sc, (b[1] - vertex[1]) * sr];
  const cos = (u[0] * v[0] + u[1] * v[1]) / (Math.hypot(...u) * Math.hypot(...v) || 1);
  return (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
}

/// Mean, SD, min, max and count of the values whose pixel centres lie in the region, and
/// its area in mm² (pixel count × pixel area: what was averaged is what is reported).
export function regionStats(kind, a, b, frame, spacing) {
  const x0 = Math.min(a[0], b[0]), x1 = Math.max(a[0], b[0]), y0 = Math.min(a[1], b[1]), y1 = Math.max(a[1], b[1]);
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, rx = (x1 - x0) / 2, ry = (y1 - y0) / 2;
  let n = 0, sum = 0, sq = 0, min = Infinity, max = -Infinity;
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(frame.height, Math.ceil(y1)); y++) {
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(frame.width, Math.ceil(x1)); x++) {
      const px = x + 0.5, py = y + 0.5;
      if (px < x0 || px > x1 || py < y0 || py > y1) continue;
      if (kind === 'ellipse' && ((px - cx) / (rx || 1)) ** 2 + ((py - cy) / (ry || 1)) ** 2 > 1) continue;
      const v = frame.values[y * frame.width + x];
      n++; sum += v; sq += v * v; min = Math.min(min, v); max = Math.max(max, v);
    }
  }
  if (!n) return null;
  const mean = sum / n;
  const [sr, sc] = spacing || [1, 1];
  return { n, mean, sd: Math.sqrt(Math.max(0, sq / n - mean * mean)), min, max, area: n * sr * sc };
}

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));

export function describe(m, spacing, unit) {
  const mm = spacing ? 'mm' : 'px';
  if (m.kind === 'length') return `${lengthMm(m.points[0], m.points[1], spacing).toFixed(1)} ${mm}`;
  if (m.kind === 'angle') return m.points.length === 3 ? `${angleDeg(m.points[0], m.points[1], m.points[2], spacing).toFixed(1)}°` : '';
  if (!m.stats) return '…';
  const u = unit ? ` ${unit}` : '';
  const s = m.stats;
  return `mean ${fmt(s.mean)}${u} SD ${fmt(s.sd)} min ${fmt(s.min)} max ${fmt(s.max)} · ${s.area.toFixed(1)} ${mm}²`;
}

/// Draws measurements with `toCanvas([x, y])` mapping image pixels to canvas pixels.
export function drawMeasurements(ctx, list, toCanvas, dpr) {
  ctx.save();
  ctx.lineWidth = 1.5 * dpr;
  ctx.strokeStyle = '#ffd24a';
  ctx.fillStyle = '#ffd24a';
  ctx.font = `${12 * dpr}px system-ui, sans-serif`;
  ctx.shadowColor = '#000';
  ctx.shadowBlur = 3 * dpr;
  for (const m of list) {
    const p = m.points.map(toCanvas);
    ctx.beginPath();
    if (m.kind === 'length' || m.kind === 'angle') {
      const order = m.kind === 'angle' ? [1, 0, 2].filter((i) => p[i]) : [0, 1];
      order.forEach((i, k) => (k ? ctx.lineTo(...p[i]) : ctx.moveTo(...p[i])));
    } else if (m.kind === 'rect') {
      const c = [m.points[0], [m.points[1][0], m.points[0][1]], m.points[1], [m.points[0][0], m.points[1][1]]].map(toCanvas);
      c.forEach((q, k) => (k ? ctx.lineTo(...q) : ctx.moveTo(...q)));
      ctx.closePath();
    } else {
      const [a, b] = m.points;
      const n = 48;
      for (let k = 0; k <= n; k++) {
        const t = (k / n) * 2 * Math.PI;
        const q = toCanvas([(a[0] + b[0]) / 2 + ((b[0] - a[0]) / 2) * Math.cos(t), (a[1] + b[1]) / 2 + ((b[1] - a[1]) / 2) * Math.sin(t)]);
        if (k) ctx.lineTo(...q); else ctx.moveTo(...q);
      }
    }
    ctx.stroke();
    if (m.label) {
      const at = p[p.length - 1];
      ctx.fillText(m.label, at[0] + 6 * dpr, at[1] - 6 * dpr);
    }
  }
  ctx.restore();
}
