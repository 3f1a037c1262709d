// A QR code drawn on a canvas, locally (vendor/qrcode.js, MIT): nothing leaves the page.
import qrcode from './vendor/qrcode.js';

/** Draws `text` on `canvas` as a QR code (error correction M), dark on white with a quiet zone. */
export function drawQr(canvas, text, { scale = 4, margin = 4 } = {}) {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  const size = (n + 2 * margin) * scale;
  canvas.width = size;
  canvas.height = size;
  canvas.dataset.modules = String(n);
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, size, size);
  g.fillStyle = '#000';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) if (qr.isDark(r, c)) g.fillRect((c + margin) * scale, (r + margin) * scale, scale, scale);
  }
}
