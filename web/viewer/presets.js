// Window presets by modality: the CT ones are in Hounsfield units and mean nothing on MR or
// US, where only the file's own window (or one derived from the data) makes sense.
const AUTO = ['', 'Auto (file/data)'];
const CT = [
  ['40,80', 'CT brain'],
  ['-600,1500', 'CT lung'],
  ['400,1800', 'CT bone'],
  ['60,400', 'CT abdomen'],
  ['50,350', 'Soft tissue'],
];

export function presetsFor(modality) {
  return (modality || '').toUpperCase() === 'CT' ? [AUTO, ...CT] : [AUTO];
}

/// "C,W" as the overlay shows it: centre/width.
export function windowLabel(w) {
  if (!w) return 'C/W auto';
  const [c, width] = w.split(',');
  return `C/W ${c}/${width}`;
}
