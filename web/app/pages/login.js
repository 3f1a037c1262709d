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
  const totp = h('input', { id: 'totp', name: 'totp', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6,8}' });
  const totpField = h('div', { class: 'field', hidden: true }, h('label', { for: 'totp' }, 'Code from your authenticator app'), totp);
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
      location.hash = nextHash(query);
    } catch (err) {
      if (isAbort(err)) return;
      clearSession();
      if (err.code === 'mfa_required') {
        totpField.hidden = false;
        say(error, err.message || 'Enter the code from your authenticator app.');
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
