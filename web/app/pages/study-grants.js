// "Share with colleagues": the study's owner (or an admin) shares it with accounts and
// groups at a level, changes or withdraws that, and can hand the study to another account.
// The server decides; this panel only shows its answers (a withdrawal takes effect on the
// colleague's next request).
import { api, isAbort } from '../api.js';
import { h, dataTable, scroller, emptyRow, debounce, say } from '../dom.js';
import { dateTime } from '../format.js';

const enc = encodeURIComponent;
export const LEVELS = [
  ['read', 'Read', 'See the study, view it and download its images.'],
  ['share', 'Share', 'Also create viewer links for people without an account.'],
  ['contribute', 'Contribute', 'Also upload more images into this study.'],
];
const HEADINGS = ['Shared with', 'Level', 'Shared by', 'Since', ''];

/** "user:ann" → {kind: 'account', name: 'ann'}. */
function who(grantee) {
  const i = grantee.indexOf(':');
  const kind = grantee.slice(0, i) === 'group' ? 'group' : 'account';
  return { kind, name: grantee.slice(i + 1) };
}

function levelSelect(attrs, value) {
  return h('select', { ...attrs, value }, LEVELS.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

/** The radio buttons choosing a level, each with its one-line explanation. */
function levelChoice() {
  return h('fieldset', { id: 'grant-levels', class: 'level-choice' },
    h('legend', null, 'Level'),
    LEVELS.map(([v, label, help], i) => h('label', { class: 'level-option', for: `grant-level-${v}` },
      h('input', { id: `grant-level-${v}`, type: 'radio', name: 'level', value: v, checked: i === 0, 'aria-describedby': `grant-level-${v}-help` }),
      h('span', null, h('b', null, label), h('span', { id: `grant-level-${v}-help`, class: 'muted' }, help)))));
}

/**
 * Mounts the panel into `section`. `onTransferred(username)` is called once the study has
 * changed hands (the caller may have lost access to it).
 */
export function mountGrants({ study, uid, me, section, signal, onTransferred }) {
  const search = h('input', {
    id: 'grant-search', type: 'search', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false',
    placeholder: 'Start typing a name', 'aria-controls': 'grant-results', 'aria-describedby': 'grant-results-status',
  });
  const resultsStatus = h('p', { id: 'grant-results-status', class: 'muted', role: 'status' });
  const results = h('div', { id: 'grant-results', class: 'grant-results', role: 'radiogroup', 'aria-label': 'Accounts and groups found' });
  const add = h('button', { id: 'grant-add', type: 'submit', class: 'primary' }, 'Share');
  const error = h('p', { id: 'grant-error', class: 'error', role: 'alert', hidden: true });
  const form = h('form', { id: 'grant-form', class: 'grant-form', autocomplete: 'off' },
    h('div', { class: 'field' }, h('label', { for: 'grant-search' }, 'Account or group'), search),
    resultsStatus, results, levelChoice(), error, h('div', { class: 'actions' }, add));

  const others = (name) => name !== me?.username && name !== study.owner;
  const message = h('p', { id: 'grant-message', class: 'ok', role: 'status', hidden: true });
  const { table, tbody } = dataTable('grant-list', HEADINGS);
  const transfer = transferForm();
  section.append(
    h('h2', { id: 'grants-title' }, 'Share with colleagues'),
    h('p', { class: 'muted' }, 'Colleagues with an account see the study in their list under “Shared with me”. You can change or withdraw this at any time.'),
    form, message, scroller(table), transfer.box);

  const tell = (text, isError = false) => { message.className = isError ? 'error' : 'ok'; say(message, text); };

  // ---- searching the directory ----
  let searching = null;
  const find = debounce(async () => {
    searching?.abort();
    const q = search.value.trim();
    if (!q) { results.replaceChildren(); say(resultsStatus, ''); return; }
    const c = new AbortController();
    searching = c;
    signal.addEventListener('abort', () => c.abort(), { once: true });
    try {
      const { users = [], groups = [] } = await api(`/api/directory?q=${enc(q)}`, { signal: c.signal });
      if (c !== searching) return;
      const found = [
        ...users.filter(others).map((n) => [`user:${n}`, n, 'account']),
        ...groups.map((n) => [`group:${n}`, n, 'group']),
      ];
      const exact = found.filter(([, n]) => n.toLowerCase() === q.toLowerCase());
      const pick = found.length === 1 ? found[0][0] : exact.length === 1 ? exact[0][0] : null;
      results.replaceChildren(...found.map(([grantee, name, kind]) => h('label', { class: 'grant-result' },
        h('input', { type: 'radio', name: 'grantee', value: grantee, checked: grantee === pick }),
        h('span', null, name), h('span', { class: 'badge' }, kind))));
      say(resultsStatus, found.length ? '' : `No account or group starts with “${q}”.`);
    } catch (e) {
      if (!isAbort(e) && c === searching) say(resultsStatus, e.message);
    }
  }, 250);
  search.addEventListener('input', find);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    say(error, '');
    const grantee = form.querySelector('input[name=grantee]:checked')?.value;
    const level = form.querySelector('input[name=level]:checked')?.value;
    if (!grantee) { say(error, 'Choose an account or group from the names found.'); search.focus(); return; }
    add.disabled = true;
    try {
      await api(`/api/studies/${enc(uid)}/grants`, { method: 'PUT', body: { grantee, level } });
      const { name, kind } = who(grantee);
      tell(`Shared with ${kind === 'group' ? 'the group ' : ''}${name} (${level}).`);
      search.value = '';
      results.replaceChildren();
      await load();
    } catch (err) {
      if (!isAbort(err)) say(error, err.message);
    } finally {
      add.disabled = false;
    }
  });

  // ---- current grants ----
  function grantRow(g) {
    const { name, kind } = who(g.grantee);
    const level = levelSelect({ class: 'grant-level', 'aria-label': `Level for ${name}` }, g.level);
    const withdraw = h('button', { type: 'button', class: 'grant-withdraw danger' }, 'Withdraw');
    level.addEventListener('change', () => change(g, level));
    withdraw.addEventListener('click', () => remove(g, withdraw));
    return h('tr', { class: 'grant-row', dataset: { grantee: g.grantee } },
      h('td', null, name, ' ', h('span', { class: 'badge' }, kind)),
      h('td', null, level),
      h('td', null, g.granted_by || ''),
      h('td', { class: 'nowrap' }, dateTime(g.granted_at)),
      h('td', { class: 'row-actions' }, withdraw));
  }

  let loading = null;
  async function load() {
    loading?.abort();
    const c = new AbortController();
    loading = c;
    signal.addEventListener('abort', () => c.abort(), { once: true });
    try {
      const { items = [] } = await api(`/api/studies/${enc(uid)}/grants`, { signal: c.signal });
      if (c !== loading) return;
      tbody.replaceChildren(...items.map(grantRow));
      if (!items.length) tbody.append(emptyRow(HEADINGS.length, 'Not shared with anyone yet.'));
    } catch (e) {
      if (!isAbort(e) && c === loading) tell(e.message, true);
    }
  }

  async function change(g, select) {
    const before = g.level;
    select.disabled = true;
    try {
      await api(`/api/studies/${enc(uid)}/grants`, { method: 'PUT', body: { grantee: g.grantee, level: select.value } });
      g.level = select.value;
      tell(`${who(g.grantee).name} now has ${g.level}.`);
    } catch (e) {
      select.value = before;
      if (!isAbort(e)) tell(e.message, true);
    } finally {
      select.disabled = false;
    }
  }

  async function remove(g, button) {
    button.disabled = true;
    try {
      await api(`/api/studies/${enc(uid)}/grants/${enc(g.grantee)}`, { method: 'DELETE' });
      tell(`Withdrawn: ${who(g.grantee).name} no longer sees this study through this share.`);
      await load();
    } catch (e) {
      button.disabled = false;
      if (!isAbort(e)) tell(e.message, true);
    }
  }

  // ---- transfer of ownership ----
  function transferForm() {
    const input = h('input', { id: 'transfer-username', name: 'username', required: true, list: 'transfer-options', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
    const options = h('datalist', { id: 'transfer-options' });
    const err = h('p', { id: 'transfer-error', class: 'error', role: 'alert', hidden: true });
    const submit = h('button', { id: 'transfer-submit', type: 'submit', class: 'danger' }, 'Transfer ownership…');
    const tform = h('form', { id: 'transfer-form', class: 'transfer-form', autocomplete: 'off' },
      h('p', { class: 'muted' }, 'The new owner decides who the study is shared with. Unless they share it back, you keep no access of your own.'),
      h('div', { class: 'field' }, h('label', { for: 'transfer-username' }, 'New owner (account name)'), input, options),
      err, h('div', { class: 'actions' }, submit));
    const box = h('details', { id: 'study-transfer', class: 'transfer' }, h('summary', null, 'Transfer ownership'), tform);

    const suggest = debounce(async () => {
      const q = input.value.trim();
      try {
        const { users = [] } = await api(`/api/directory?q=${enc(q)}`, { signal });
        options.replaceChildren(...users.filter(others).map((n) => h('option', { value: n })));
      } catch { /* suggestions only */ }
    }, 250);
    input.addEventListener('input', suggest);

    tform.addEventListener('submit', async (e) => {
      e.preventDefault();
      say(err, '');
      const username = input.value.trim();
      if (!username) return;
      if (!window.confirm(`Make ${username} the owner of this study?\n\nThey will decide who it is shared with.${me?.role === 'admin' ? '' : ' You will no longer have access unless they share it back with you.'}`)) return;
      submit.disabled = true;
      try {
        await api(`/api/studies/${enc(uid)}/owner`, { method: 'PUT', body: { username } });
        onTransferred(username);
      } catch (er) {
        if (!isAbort(er)) say(err, er.message);
      } finally {
        submit.disabled = false;
      }
    });
    return { box };
  }

  load();
  return {
    destroy() {
      find.cancel();
      searching?.abort();
      loading?.abort();
    },
  };
}
