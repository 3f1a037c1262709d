// The caller's own account: two-factor authentication (enrol with a QR code rendered by the
// server, the secret as text for typing in, the recovery codes shown once; turn it off),
// the open sessions (end one, end all others), the password and the account's own recent
// activity from the audit trail. An account whose role must
// use two-factor authentication is sent here after signing in, and stays until it enrols.
import { api, loadMe, isAbort } from '../api.js';
import { h, dataTable, scroller, emptyRow, say } from '../dom.js';
import { dateTime } from '../format.js';
import { eventRow, eventHeadings } from '../audit-rows.js';

const enc = encodeURIComponent;

/** The QR code as an image: SVG shown through <img> can run nothing. */
function qrImage(svg) {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  const img = h('img', { id: 'mfa-qr', class: 'mfa-qr', alt: 'QR code to scan with an authenticator app', src: url });
  img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
  return img;
}

export function render(main, { me }) {
  document.title = 'Account · Ferrum PACS';
  main.append(h('h1', null, 'Your account'),
    h('p', { class: 'muted' }, `Signed in as ${me.username} (${me.role}).`));
  if (me.mfa_enrolment_required) {
    main.append(h('p', { id: 'mfa-required-notice', class: 'notice', role: 'alert' },
      'Your role must use two-factor authentication. Set it up below to use the rest of Ferrum.'));
  }
  const mfa = h('section', { id: 'mfa', class: 'card' });
  const sessions = h('section', { id: 'sessions-card', class: 'card' });
  const password = h('section', { id: 'password-card', class: 'card' });
  const activity = h('section', { id: 'activity-card', class: 'card', hidden: true });
  main.append(mfa, sessions, password, activity);

  renderMfa(mfa, me);
  if (!me.mfa_enrolment_required) {
    renderSessions(sessions);
    renderPassword(password);
    renderActivity(activity);
  } else {
    sessions.hidden = true;
    password.hidden = true;
  }
  return undefined;
}

// ---- two-factor authentication ------------------------------------------------------

function renderMfa(card, me) {
  const message = h('p', { id: 'mfa-message', role: 'status', hidden: true });
  const tell = (text, isError = false) => { message.className = isError ? 'error' : 'ok'; say(message, text); };
  if (me.mfa_enabled) {
    const pw = h('input', { id: 'mfa-off-password', type: 'password', autocomplete: 'current-password', required: true });
    const code = h('input', { id: 'mfa-off-code', autocomplete: 'one-time-code', required: true });
    const form = h('form', { id: 'mfa-off' },
      h('div', { class: 'field' }, h('label', { for: 'mfa-off-password' }, 'Password'), pw),
      h('div', { class: 'field' }, h('label', { for: 'mfa-off-code' }, 'Code from the app, or a recovery code'), code),
      h('button', { type: 'submit', class: 'danger' }, 'Turn off two-factor authentication'));
    card.replaceChildren(h('h2', null, 'Two-factor authentication'),
      h('p', { id: 'mfa-status' }, `On. ${me.recovery_codes_left ?? 0} recovery codes left.`), form, message);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api('/api/me/mfa/totp', { method: 'DELETE', body: { password: pw.value, code: code.value.trim() } });
        renderMfa(card, await loadMe());
      } catch (err) {
        if (!isAbort(err)) tell(err.message, true);
      }
    });
    return;
  }
  const start = h('button', { id: 'mfa-start', type: 'button', class: 'primary' }, 'Set up two-factor authentication');
  const steps = h('div', { id: 'mfa-steps' });
  card.replaceChildren(h('h2', null, 'Two-factor authentication'),
    h('p', { id: 'mfa-status' }, 'Off. With it on, signing in also asks for a code from an authenticator app on your phone.'),
    start, steps, message);
  start.addEventListener('click', async () => {
    start.disabled = true;
    try {
      const enrolment = await api('/api/me/mfa/totp', { method: 'POST' });
      showEnrolment(card, steps, enrolment, tell);
      start.hidden = true;
    } catch (err) {
      if (!isAbort(err)) tell(err.message, true);
    } finally {
      start.disabled = false;
    }
  });
}

function showEnrolment(card, steps, { secret, qr_svg: svg }, tell) {
  const code = h('input', { id: 'mfa-code', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, pattern: '[0-9 ]{6,7}' });
  const form = h('form', { id: 'mfa-verify-form' },
    h('div', { class: 'field' }, h('label', { for: 'mfa-code' }, 'The six-digit code the app shows'), code),
    h('button', { id: 'mfa-verify', type: 'submit', class: 'primary' }, 'Turn on'));
  steps.replaceChildren(
    h('p', null, 'Scan this code with an authenticator app (or type the key below into it), then enter the code it shows.'),
    qrImage(svg),
    h('p', null, 'Key: ', h('code', { id: 'mfa-secret', class: 'mfa-secret' }, secret)),
    form);
  code.focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const { recovery_codes: codes } = await api('/api/me/mfa/totp/verify', { method: 'POST', body: { code: code.value.trim() } });
      const done = h('button', { id: 'recovery-done', type: 'button', class: 'primary' }, 'I have kept them');
      steps.replaceChildren(
        h('p', { class: 'ok' }, 'Two-factor authentication is on.'),
        h('p', null, 'Keep these recovery codes somewhere safe. Each signs you in once if your phone is lost. They are shown only now.'),
        h('ol', { id: 'recovery-codes', class: 'recovery-codes' }, codes.map((c) => h('li', null, h('code', null, c)))),
        done);
      done.addEventListener('click', async () => {
        await loadMe();
        // The page again, from the new answer (and the rest of the app opens once enrolled).
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      });
    } catch (err) {
      if (!isAbort(err)) tell(err.message, true);
    }
  });
}

// ---- sessions -----------------------------------------------------------------------

function renderSessions(card) {
  const message = h('p', { id: 'sessions-message', role: 'status', hidden: true });
  const tell = (text, isError = false) => { message.className = isError ? 'error' : 'ok'; say(message, text); };
  const headings = ['Signed in', 'Last used', 'From', 'Browser', ''];
  const { table, tbody } = dataTable('sessions', headings);
  const others = h('button', { id: 'end-others', type: 'button' }, 'End all other sessions');
  card.replaceChildren(h('h2', null, 'Sessions'), scroller(table), others, message);

  async function load() {
    try {
      const list = await api('/api/me/sessions');
      tbody.replaceChildren(...list.map(row));
      if (!list.length) tbody.append(emptyRow(headings.length, 'No open sessions.'));
    } catch (e) {
      if (!isAbort(e)) tell(e.message, true);
    }
  }

  function row(s) {
    const end = s.current
      ? h('span', { class: 'muted' }, 'this session')
      : h('button', { type: 'button', class: 'end-session' }, 'End');
    if (!s.current) {
      end.addEventListener('click', async () => {
        end.disabled = true;
        try {
          await api(`/api/me/sessions/${enc(s.id)}`, { method: 'DELETE' });
          tell('The session was ended.');
          await load();
        } catch (e) {
          end.disabled = false;
          if (!isAbort(e)) tell(e.message, true);
        }
      });
    }
    return h('tr', { class: 'session-row', dataset: { current: String(!!s.current) } },
      h('td', { class: 'nowrap' }, dateTime(s.created_at)),
      h('td', { class: 'nowrap' }, dateTime(s.last_used_at)),
      h('td', null, s.address || ''),
      h('td', { class: 'user-agent' }, s.user_agent || ''),
      h('td', { class: 'row-actions' }, end));
  }

  others.addEventListener('click', async () => {
    try {
      const { ended } = await api('/api/me/sessions', { method: 'DELETE' });
      tell(ended === 1 ? 'One other session was ended.' : `${ended} other sessions were ended.`);
      await load();
    } catch (e) {
      if (!isAbort(e)) tell(e.message, true);
    }
  });
  load();
}

// ---- password -----------------------------------------------------------------------

function renderPassword(card) {
  const current = h('input', { id: 'current-password', type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', required: true, minlength: 10,
    'aria-describedby': 'new-password-rule' });
  const again = h('input', { id: 'new-password-again', type: 'password', autocomplete: 'new-password', required: true });
  const message = h('p', { id: 'password-message', role: 'status', hidden: true });
  const form = h('form', { id: 'password-form' },
    h('div', { class: 'field' }, h('label', { for: 'current-password' }, 'Current password'), current),
    h('div', { class: 'field' }, h('label', { for: 'new-password' }, 'New password'), next,
      h('span', { id: 'new-password-rule', class: 'muted' }, 'At least 10 characters; a passphrase of a few words is easiest to remember.')),
    h('div', { class: 'field' }, h('label', { for: 'new-password-again' }, 'New password again'), again),
    h('button', { id: 'password-submit', type: 'submit', class: 'primary' }, 'Change password'));
  card.replaceChildren(h('h2', null, 'Password'),
    h('p', { class: 'muted' }, 'Changing it ends your other sessions.'), form, message);
  const tell = (text, isError = false) => { message.className = isError ? 'error' : 'ok'; say(message, text); };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (next.value !== again.value) { tell('The two new passwords differ.', true); return; }
    try {
      await api('/api/me/password', { method: 'POST', body: { current_password: current.value, new_password: next.value } });
      form.reset();
      tell('The password was changed; your other sessions have ended.');
    } catch (err) {
      if (!isAbort(err)) tell(err.message, true);
    }
  });
}

// ---- own activity -------------------------------------------------------------------

const ACTIVITY_OPTS = { actor: false, study: true };

function renderActivity(card) {
  const headings = eventHeadings(ACTIVITY_OPTS);
  const { table, tbody } = dataTable('activity', headings, 'data audit');
  card.replaceChildren(h('h2', null, 'Your recent activity'),
    h('p', { class: 'muted' }, 'The last 50 things done with your account, newest first, as the audit trail has them.'),
    scroller(table));
  api('/api/me/activity?limit=50')
    .then(({ items = [] }) => {
      tbody.replaceChildren(...items.map((ev) => eventRow(ev, ACTIVITY_OPTS)));
      if (!items.length) tbody.append(emptyRow(headings.length, 'Nothing yet.'));
      card.hidden = false;
    })
    .catch(() => { /* the rest of the page works without it */ });
}
