// Sign-in. The token goes to sessionStorage (api.js); afterwards the user lands where they
// were sent away from, or on the study list.
import { api, setToken, clearSession, loadMe, isAbort } from '../api.js';
import { h, say } from '../dom.js';

const FALLBACK = {
  401: 'Wrong username or password.',
  423: 'This account is locked after repeated failed sign-ins. Try again later.',
};

/** Only a path inside the app: never somewhere else. */
function nextHash(query) {
  const next = query.get('next') || '';
  return next.startsWith('/') && !next.startsWith('/login') ? `#${next}` : '#/studies';
}

export function render(main, { query }) {
  document.title = 'Sign in · Ferrum PACS';
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  // Six digits from the app, or a recovery code (letters, digits and dashes).
  const totp = h('input', { id: 'totp', name: 'totp', autocomplete: 'one-time-code', autocapitalize: 'none', spellcheck: 'false' });
  const totpField = h('div', { class: 'field', hidden: true }, h('label', { for: 'totp' }, 'Code from your authenticator app (or a recovery code)'), totp);
  const error = h('p', { id: 'login-error', class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { id: 'login-submit', type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { id: 'login-form', class: 'card login-card' },
    h('h1', null, 'Sign in'),
    h('div', { class: 'field' }, h('label', { for: 'username' }, 'Username'), username),
    h('div', { class: 'field' }, h('label', { for: 'password' }, 'Password'), password),
    totpField, error, submit);
  main.append(form);
  username.focus();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    say(error, '');
    submit.disabled = true;
    const body = { username: username.value.trim(), password: password.value };
    if (!totpField.hidden && totp.value.trim()) body.totp = totp.value.trim();
    try {
      const answer = await api('/api/auth/login', { method: 'POST', body });
      setToken(answer.access_token, answer.refresh_token);
      await loadMe();
      // A role that must use two-factor authentication enrols before anything else.
      location.hash = answer.mfa_enrolment_required ? '#/account' : nextHash(query);
    } catch (err) {
      if (isAbort(err)) return;
      clearSession();
      if (err.code === 'mfa_required' || err.code === 'mfa_invalid') {
        totpField.hidden = false;
        say(error, err.message || 'Enter the code from your authenticator app.');
        totp.value = '';
        totp.focus();
      } else {
        say(error, err.body?.message || FALLBACK[err.status] || err.message);
        password.value = '';
        password.focus();
      }
    } finally {
      submit.disabled = false;
    }
  });
}
