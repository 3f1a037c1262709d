// Erasing a study, for its owner and admins: a "Delete study…" button that opens a typed
// confirmation (the word DELETE, so that a slip of the mouse erases nothing), then the
// server's DELETE /api/studies/{uid} and back to the list. The server removes the rows,
// links and grants at once and the images after its grace period; the audit trail keeps
// the fact.
import { api, isAbort } from '../api.js';
import { h } from '../dom.js';
import { plural } from '../format.js';

const WORD = 'DELETE';

/** The button and its (hidden) confirmation form; `onErased(counts)` runs once it is done. */
export function eraseControls({ uid, signal, onErased }) {
  const open = h('button', { id: 'erase-open', type: 'button', class: 'danger' }, 'Delete study…');
  const input = h('input', { id: 'erase-confirm', name: 'confirm', autocomplete: 'off', autocapitalize: 'characters',
    spellcheck: 'false', 'aria-describedby': 'erase-help' });
  const submit = h('button', { id: 'erase-submit', type: 'submit', class: 'danger', disabled: true }, 'Erase permanently');
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const status = h('p', { class: 'muted', role: 'status' });
  const form = h('form', { id: 'erase-form', class: 'erase-form', hidden: true },
    h('p', { id: 'erase-help' }, `This erases the study for everyone: its images, thumbnails, viewer links and shares. `
      + `It cannot be undone. Type ${WORD} to confirm.`),
    h('label', { for: 'erase-confirm' }, 'Confirmation'), input, submit, cancel, status);
  open.addEventListener('click', () => { form.hidden = false; open.hidden = true; input.focus(); });
  cancel.addEventListener('click', () => { form.hidden = true; open.hidden = false; input.value = ''; submit.disabled = true; });
  input.addEventListener('input', () => { submit.disabled = input.value.trim() !== WORD; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (input.value.trim() !== WORD) return;
    submit.disabled = true;
    status.className = 'muted';
    status.textContent = 'Erasing…';
    try {
      const counts = await api(`/api/studies/${encodeURIComponent(uid)}`, { method: 'DELETE', signal });
      status.textContent = `Erased ${plural(counts.series, 'series', 'series')} and ${plural(counts.instances, 'image')}.`;
      onErased(counts);
    } catch (err) {
      if (isAbort(err)) return;
      status.className = 'error';
      status.textContent = err.status === 403 ? 'Only the study\'s owner or an admin may erase it.' : err.message;
      submit.disabled = false;
    }
  });
  return { open, form };
}
