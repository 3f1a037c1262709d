// Restriction of processing, for admins: the study stays stored but only admins see it
// until an admin lifts it (the server's GET/PUT/DELETE /api/studies/{uid}/restriction).
import { api, isAbort } from '../api.js';
import { h } from '../dom.js';
import { dateTime } from '../format.js';

/** A toggle button and a status line; they show the study's state once it is known. */
export function restrictControls({ uid, signal }) {
  const path = `/api/studies/${encodeURIComponent(uid)}/restriction`;
  const button = h('button', { id: 'restrict-toggle', type: 'button', disabled: true }, 'Restrict processing');
  const status = h('span', { id: 'restrict-status', class: 'muted', role: 'status' });
  let restricted = false;
  const show = (state) => {
    restricted = !!state.restricted;
    button.textContent = restricted ? 'Lift restriction' : 'Restrict processing';
    button.dataset.restricted = String(restricted);
    status.textContent = restricted
      ? `Restricted${state.restricted_at ? ` since ${dateTime(state.restricted_at)}` : ''}${state.restricted_by ? ` by ${state.restricted_by}` : ''}: only admins see it.`
      : '';
    button.disabled = false;
  };
  api(path, { signal }).then(show).catch((e) => { if (!isAbort(e)) status.textContent = e.message; });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      if (restricted) {
        await api(path, { method: 'DELETE', signal });
        show({ restricted: false });
      } else {
        show(await api(path, { method: 'PUT', signal }));
      }
    } catch (e) {
      if (isAbort(e)) return;
      status.className = 'error';
      status.textContent = e.message;
      button.disabled = false;
    }
  });
  return [button, status];
}
