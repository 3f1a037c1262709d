// Groups of accounts, for admins: create, rename, delete, add and remove members (picked
// from the accounts). A study shared with a group is seen by each of its members; the
// server decides, this page shows its answers.
import { api, isAbort } from '../api.js';
import { h, dataTable, scroller, emptyRow, say } from '../dom.js';
import { dateTime } from '../format.js';

const enc = encodeURIComponent;
const HEADINGS = ['Group', 'Members', 'Add a member', 'Created', ''];

function createForm() {
  return h('form', { id: 'group-create', class: 'card create-group', autocomplete: 'off' },
    h('h2', null, 'New group'),
    h('div', { class: 'field' }, h('label', { for: 'new-group-name' }, 'Name'),
      h('input', { id: 'new-group-name', name: 'name', required: true, autocapitalize: 'none', spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'new-group-help' }),
      h('span', { id: 'new-group-help', class: 'muted' }, 'Letters, digits, dots, dashes and underscores, as in account names.')),
    h('p', { id: 'group-create-error', class: 'error', role: 'alert', hidden: true }),
    h('button', { type: 'submit', class: 'primary' }, 'Create group'));
}

export function render(main, { me }) {
  document.title = 'Groups · Ferrum PACS';
  main.append(h('h1', null, 'Groups'));
  if (me?.role !== 'admin') {
    main.append(h('p', { class: 'notice' }, 'Only administrators can manage groups.'));
    return undefined;
  }

  const message = h('p', { id: 'groups-message', role: 'status', hidden: true });
  const { table, tbody } = dataTable('group-list', HEADINGS);
  const form = createForm();
  main.append(
    h('p', { class: 'muted' }, 'A study shared with a group is seen by everyone in it, at the level it was shared with.'),
    message, scroller(table), form);

  const tell = (text, isError = false) => { message.className = isError ? 'error' : 'ok'; say(message, text); };
  let accounts = [];

  async function load() {
    try {
      const [{ items = [] }, users] = await Promise.all([api('/api/groups'), api('/api/users')]);
      accounts = (users.items || []).map((u) => u.username).sort();
      tbody.replaceChildren(...items.map(groupRow));
      if (!items.length) tbody.append(emptyRow(HEADINGS.length, 'No groups yet.'));
    } catch (e) {
      if (!isAbort(e)) tell(e.message, true);
    }
  }

  function memberItem(g, username) {
    const remove = h('button', { type: 'button', class: 'member-remove link-button', 'aria-label': `Remove ${username} from ${g.name}` }, 'Remove');
    remove.addEventListener('click', () => removeMember(g, username, remove));
    return h('li', { class: 'member', dataset: { username } }, h('span', null, username), remove);
  }

  function groupRow(g) {
    const members = [...(g.members || [])].sort();
    const candidates = accounts.filter((a) => !members.includes(a));
    const pick = h('select', { class: 'member-pick', 'aria-label': `Account to add to ${g.name}`, disabled: !candidates.length },
      h('option', { value: '' }, candidates.length ? 'Choose an account…' : 'Everyone is a member'),
      candidates.map((a) => h('option', { value: a }, a)));
    const addButton = h('button', { type: 'button', class: 'member-add', disabled: !candidates.length }, 'Add');
    addButton.addEventListener('click', () => addMember(g, pick, addButton));

    const nameCell = h('td', { class: 'group-name' });
    const rename = h('button', { type: 'button', class: 'group-rename' }, 'Rename');
    const del = h('button', { type: 'button', class: 'group-delete danger' }, 'Delete');
    rename.addEventListener('click', () => renameForm(g, nameCell));
    del.addEventListener('click', () => remove(g, del));
    nameCell.append(h('b', null, g.name));

    return h('tr', { class: 'group-row', dataset: { name: g.name } },
      nameCell,
      h('td', null, members.length
        ? h('ul', { class: 'members' }, members.map((m) => memberItem(g, m)))
        : h('span', { class: 'muted' }, 'No members')),
      h('td', { class: 'member-add-cell' }, pick, addButton),
      h('td', { class: 'nowrap' }, dateTime(g.created_at)),
      h('td', { class: 'row-actions' }, rename, del));
  }

  /** Swaps the group's name for a small form; Escape or Cancel puts it back. */
  function renameForm(g, cell) {
    const input = h('input', { class: 'group-new-name', value: g.name, required: true, 'aria-label': `New name for ${g.name}`, autocapitalize: 'none', spellcheck: 'false' });
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const f = h('form', { class: 'rename-form' }, input, save, cancel);
    const restore = () => cell.replaceChildren(h('b', null, g.name));
    cancel.addEventListener('click', restore);
    f.addEventListener('keydown', (e) => { if (e.key === 'Escape') restore(); });
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      const name = input.value.trim();
      if (!name || name === g.name) { restore(); return; }
      save.disabled = true;
      try {
        await api(`/api/groups/${enc(g.name)}`, { method: 'PATCH', body: { name } });
        tell(`The group ${g.name} is now called ${name}.`);
        await load();
      } catch (err) {
        save.disabled = false;
        if (!isAbort(err)) tell(err.message, true);
      }
    });
    cell.replaceChildren(f);
    input.focus();
    input.select();
  }

  async function addMember(g, select, button) {
    const username = select.value;
    if (!username) { select.focus(); return; }
    button.disabled = true;
    try {
      await api(`/api/groups/${enc(g.name)}/members/${enc(username)}`, { method: 'PUT' });
      tell(`${username} is now in ${g.name}.`);
      await load();
    } catch (e) {
      button.disabled = false;
      if (!isAbort(e)) tell(e.message, true);
    }
  }

  async function removeMember(g, username, button) {
    button.disabled = true;
    try {
      await api(`/api/groups/${enc(g.name)}/members/${enc(username)}`, { method: 'DELETE' });
      tell(`${username} is no longer in ${g.name}.`);
      await load();
    } catch (e) {
      button.disabled = false;
      if (!isAbort(e)) tell(e.message, true);
    }
  }

  async function remove(g, button) {
    if (!window.confirm(`Delete the group ${g.name}?\n\nIts members lose the studies that were shared with the group (and not with them otherwise).`)) return;
    button.disabled = true;
    try {
      await api(`/api/groups/${enc(g.name)}`, { method: 'DELETE' });
      tell(`The group ${g.name} was deleted.`);
      await load();
    } catch (e) {
      button.disabled = false;
      if (!isAbort(e)) tell(e.message, true);
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const error = form.querySelector('#group-create-error');
    const submit = form.querySelector('button[type=submit]');
    say(error, '');
    const name = form.elements.name.value.trim();
    submit.disabled = true;
    try {
      await api('/api/groups', { method: 'POST', body: { name } });
      form.reset();
      tell(`The group ${name} was created.`);
      await load();
    } catch (err) {
      if (!isAbort(err)) say(error, err.message);
    } finally {
      submit.disabled = false;
    }
  });

  load();
  return undefined;
}
