// Accounts, for admins: list, change role, reset password, delete, create. The server is the
// one that decides; this page shows its answers.
import { api, isAbort } from '../api.js';
import { h, dataTable, scroller, emptyRow, say } from '../dom.js';
import { dateTime, isFuture } from '../format.js';

const enc = encodeURIComponent;
const ROLES = [['radiologist', 'Radiologist'], ['admin', 'Admin']];
const HEADINGS = ['Username', 'Role', 'Created', 'Status', ''];

function roleSelect(attrs, value) {
  return h('select', { ...attrs, value }, ROLES.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

function createForm() {
  return h('form', { id: 'user-create', class: 'card create-user', autocomplete: 'off' },
    h('h2', null, 'New account'),
    h('div', { class: 'field' }, h('label', { for: 'new-username' }, 'Username'),
      h('input', { id: 'new-username', name: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', autocomplete: 'off' })),
    h('div', { class: 'field' }, h('label', { for: 'new-password' }, 'Password'),
      h('input', { id: 'new-password', name: 'password', type: 'password', required: true, autocomplete: 'new-password',
        'aria-describedby': 'new-password-rule' }),
      h('span', { id: 'new-password-rule', class: 'muted' }, 'At least 10 characters.')),
    h('div', { class: 'field' }, h('label', { for: 'new-role' }, 'Role'), roleSelect({ id: 'new-role', name: 'role' }, 'radiologist')),
    h('p', { id: 'user-create-error', class: 'error', role: 'alert', hidden: true }),
    h('button', { type: 'submit', class: 'primary' }, 'Create account'));
}

export function render(main, { me }) {
  document.title = 'Accounts · Ferrum PACS';
  main.append(h('h1', null, 'Accounts'));
  if (me?.role !== 'admin') {
    main.append(h('p', { class: 'notice' }, 'Only administrators can manage accounts.'));
    return undefined;
  }

  const message = h('p', { id: 'admin-message', role: 'status', hidden: true });
  const { table, tbody } = dataTable('user-list', HEADINGS);
  const form = createForm();
  const policy = policyForm();
  main.append(message, scroller(table), form, policy);

  const tell = (text, isError = false) => { message.className = isError ? 'error' : 'ok'; say(message, text); };

  async function load() {
    try {
      const { items = [] } = await api('/api/users');
      tbody.replaceChildren(...items.map(userRow));
      if (!items.length) tbody.append(emptyRow(HEADINGS.length, 'No accounts.'));
    } catch (e) {
      if (!isAbort(e)) tell(e.message, true);
    }
  }

  function userRow(u) {
    const self = u.username === me.username;
    const role = roleSelect({ class: 'user-role', 'aria-label': `Role of ${u.username}` }, u.role);
    const reset = h('button', { type: 'button', class: 'user-reset' }, 'Reset password');
    const locked = isFuture(u.locked_until);
    const unlock = locked ? h('button', { type: 'button', class: 'user-unlock' }, 'Unlock') : null;
    const toggle = h('button', { type: 'button', class: u.disabled ? 'user-enable' : 'user-disable danger', disabled: self && !u.disabled, title: self ? 'You cannot disable your own account' : null }, u.disabled ? 'Enable' : 'Disable');
    unlock?.addEventListener('click', () => act(u, unlock, `/api/users/${enc(u.username)}/unlock`, 'POST', null, `${u.username} is unlocked.`));
    toggle.addEventListener('click', () => {
      const disabling = !u.disabled;
      if (disabling && !window.confirm(`Disable ${u.username}? Their sessions end at once; links they made keep working unless revoked.`)) return;
      act(u, toggle, `/api/users/${enc(u.username)}`, 'PATCH', { disabled: disabling },
        disabling ? `${u.username} is disabled.` : `${u.username} is enabled again.`);
    });
    const status = [u.disabled ? 'disabled' : null, locked ? `locked until ${dateTime(u.locked_until)}` : null,
      u.mfa_enabled ? 'two-factor on' : null].filter(Boolean).join(' · ');
    const del = h('button', { type: 'button', class: 'user-delete danger', disabled: self, title: self ? 'You cannot delete your own account' : null }, 'Delete');
    role.addEventListener('change', () => changeRole(u, role));
    reset.addEventListener('click', () => resetPassword(u));
    del.addEventListener('click', () => remove(u, del));
    return h('tr', { class: 'user-row', dataset: { username: u.username } },
      h('td', null, u.username, self ? h('span', { class: 'muted' }, ' (you)') : null),
      h('td', null, role),
      h('td', { class: 'nowrap' }, dateTime(u.created_at)),
      h('td', { class: 'user-status' }, status),
      h('td', { class: 'row-actions' }, unlock, toggle, reset, del));
  }

  async function act(u, button, path, method, body, done) {
    button.disabled = true;
    try {
      await api(path, { method, body: body ?? undefined });
      tell(done);
      await load();
    } catch (e) {
      button.disabled = false;
      if (!isAbort(e)) tell(e.message, true);
    }
  }

  async function changeRole(u, select) {
    const before = u.role;
    select.disabled = true;
    try {
      await api(`/api/users/${enc(u.username)}`, { method: 'PATCH', body: { role: select.value } });
      u.role = select.value;
      tell(`${u.username} is now ${u.role === 'admin' ? 'an admin' : 'a radiologist'}.`);
    } catch (e) {
      select.value = before;
      if (!isAbort(e)) tell(e.message, true);
    } finally {
      select.disabled = false;
    }
  }

  async function resetPassword(u) {
    const password = window.prompt(`New password for ${u.username} (at least 10 characters):`);
    if (!password) return;
    try {
      await api(`/api/users/${enc(u.username)}`, { method: 'PATCH', body: { password } });
      tell(`The password of ${u.username} was changed.`);
    } catch (e) {
      if (!isAbort(e)) tell(e.message, true);
    }
  }

  async function remove(u, button) {
    const ok = window.confirm(`Delete the account ${u.username}?\n\nThe name ${u.username} can never be used again, by anyone, so that the audit trail always means one person by it.`);
    if (!ok) return;
    button.disabled = true;
    try {
      await api(`/api/users/${enc(u.username)}`, { method: 'DELETE' });
      tell(`${u.username} was deleted.`);
      await load();
    } catch (e) {
      button.disabled = false;
      if (!isAbort(e)) tell(e.message, true);
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const error = form.querySelector('#user-create-error');
    const submit = form.querySelector('button[type=submit]');
    say(error, '');
    const body = {
      username: form.elements.username.value.trim(),
      password: form.elements.password.value,
      role: form.elements.role.value,
    };
    submit.disabled = true;
    try {
      await api('/api/users', { method: 'POST', body });
      form.reset();
      tell(`The account ${body.username} was created.`);
      await load();
    } catch (err) {
      if (!isAbort(err)) say(error, err.message);
    } finally {
      submit.disabled = false;
    }
  });

  async function loadPolicy() {
    try {
      const { required_roles: roles = [] } = await api('/api/settings/mfa');
      for (const box of policy.querySelectorAll('input[type=checkbox]')) box.checked = roles.includes(box.value);
    } catch (e) {
      if (!isAbort(e)) tell(e.message, true);
    }
  }

  policy.addEventListener('submit', async (e) => {
    e.preventDefault();
    const roles = [...policy.querySelectorAll('input[type=checkbox]:checked')].map((b) => b.value);
    try {
      await api('/api/settings/mfa', { method: 'PUT', body: { required_roles: roles } });
      tell(roles.length ? `Two-factor authentication is now required for: ${roles.join(', ')}.` : 'Two-factor authentication is required for no role.');
    } catch (err) {
      if (!isAbort(err)) tell(err.message, true);
    }
  });

  load();
  loadPolicy();
  return undefined;
}

function policyForm() {
  return h('form', { id: 'mfa-policy', class: 'card' },
    h('h2', null, 'Two-factor authentication'),
    h('p', { class: 'muted' }, 'Accounts of these roles must set it up before they can use Ferrum.'),
    ROLES.map(([v, label]) => h('label', { class: 'checkbox' },
      h('input', { type: 'checkbox', name: 'required_roles', value: v, id: `mfa-role-${v}` }), ` ${label}`)),
    h('button', { id: 'mfa-policy-save', type: 'submit', class: 'primary' }, 'Save'));
}
