// Known DICOM nodes, for admins: the remote application entities the DICOM listener accepts
// (each acts with its account's permissions, for the services it is given) and where C-MOVE
// sends. List, add, edit (host, port, account, services) and delete, through
// /api/dicom-nodes; the server validates and decides, this page shows its answers.
import { api, isAbort } from '../api.js';
import { h, dataTable, scroller, emptyRow, say } from '../dom.js';
import { dateTime } from '../format.js';

const enc = encodeURIComponent;
const HEADINGS = ['AE title', 'Host', 'Port', 'Account', 'Services', 'Changed', ''];
const SERVICES = [
  ['store', 'Store', 'C-STORE: send studies to Ferrum'],
  ['find', 'Find', 'C-FIND: query what the account may see'],
  ['move', 'Move', 'C-MOVE: have studies sent to a known node'],
  ['get', 'Get', 'C-GET: retrieve studies on the association'],
];

function nodeForm() {
  return h('form', { id: 'dicom-node-form', class: 'card create-node', autocomplete: 'off' },
    h('h2', { id: 'dicom-node-form-title' }, 'New node'),
    h('div', { class: 'field' }, h('label', { for: 'node-ae-title' }, 'AE title'),
      h('input', { id: 'node-ae-title', name: 'ae_title', required: true, maxlength: 16, autocapitalize: 'characters', spellcheck: 'false', 'aria-describedby': 'node-ae-help' }),
      h('span', { id: 'node-ae-help', class: 'muted' }, 'The calling AE title the node uses, up to 16 characters.')),
    h('div', { class: 'field' }, h('label', { for: 'node-host' }, 'Host'),
      h('input', { id: 'node-host', name: 'host', required: true, autocapitalize: 'none', spellcheck: 'false', 'aria-describedby': 'node-host-help' }),
      h('span', { id: 'node-host-help', class: 'muted' }, 'Host name or IP address it calls from; C-MOVE reaches it there.')),
    h('div', { class: 'field' }, h('label', { for: 'node-port' }, 'Port'),
      h('input', { id: 'node-port', name: 'port', type: 'number', min: 1, max: 65535, required: true, value: '104' })),
    h('div', { class: 'field' }, h('label', { for: 'node-account' }, 'Account'),
      h('select', { id: 'node-account', name: 'account', required: true, 'aria-describedby': 'node-account-help' }),
      h('span', { id: 'node-account-help', class: 'muted' }, 'The node acts with this account’s permissions.')),
    h('fieldset', { id: 'node-services' }, h('legend', null, 'Services (C-ECHO needs none)'),
      SERVICES.map(([value, label, help]) => h('label', { class: 'checkbox', title: help },
        h('input', { type: 'checkbox', name: 'services', value, id: `node-service-${value}` }), ' ', label,
        h('span', { class: 'muted' }, ` — ${help}`)))),
    h('p', { id: 'dicom-node-error', class: 'error', role: 'alert', hidden: true }),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', id: 'dicom-node-submit', class: 'primary' }, 'Add node'),
      h('button', { type: 'button', id: 'dicom-node-cancel', hidden: true }, 'Cancel')));
}

export function render(main, { me }) {
  document.title = 'DICOM nodes · Ferrum PACS';
  main.append(h('h1', null, 'DICOM nodes'));
  if (me?.role !== 'admin') {
    main.append(h('p', { class: 'notice' }, 'Only administrators can manage DICOM nodes.'));
    return undefined;
  }

  const message = h('p', { id: 'dicom-nodes-message', role: 'status', hidden: true });
  const { table, tbody } = dataTable('dicom-node-list', HEADINGS);
  const form = nodeForm();
  main.append(
    h('p', { class: 'muted' }, 'Only these application entities may associate with the DICOM listener, each from its host and with its account’s permissions. A change holds from the next association.'),
    message, scroller(table), form);

  const tell = (text, isError = false) => { message.className = isError ? 'error' : 'ok'; say(message, text); };
  const error = form.querySelector('#dicom-node-error');
  const title = form.querySelector('#dicom-node-form-title');
  const submit = form.querySelector('#dicom-node-submit');
  const cancel = form.querySelector('#dicom-node-cancel');
  const accountPick = form.elements.account;
  let accounts = [];
  // The AE title of the node being edited; null while the form adds one.
  let editing = null;

  function fillAccounts(selected) {
    const names = selected && !accounts.includes(selected) ? [selected, ...accounts] : accounts;
    accountPick.replaceChildren(h('option', { value: '' }, 'Choose an account…'),
      ...names.map((a) => h('option', { value: a, selected: a === selected }, a)));
    accountPick.value = selected || '';
  }

  async function load() {
    try {
      const [{ items = [] }, users] = await Promise.all([api('/api/dicom-nodes'), api('/api/users')]);
      accounts = (users.items || []).filter((u) => !u.disabled).map((u) => u.username).sort();
      if (!editing) fillAccounts(accountPick.value);
      tbody.replaceChildren(...items.map(nodeRow));
      if (!items.length) tbody.append(emptyRow(HEADINGS.length, 'No DICOM nodes yet.'));
    } catch (e) {
      if (!isAbort(e)) tell(e.message, true);
    }
  }

  function nodeRow(n) {
    const edit = h('button', { type: 'button', class: 'node-edit', 'aria-label': `Edit ${n.ae_title}` }, 'Edit');
    const del = h('button', { type: 'button', class: 'node-delete danger', 'aria-label': `Delete ${n.ae_title}` }, 'Delete');
    edit.addEventListener('click', () => startEdit(n));
    del.addEventListener('click', () => remove(n, del));
    const services = n.services?.length ? n.services.join(', ') : h('span', { class: 'muted' }, 'C-ECHO only');
    return h('tr', { class: 'dicom-node-row', dataset: { aeTitle: n.ae_title } },
      h('td', { class: 'node-ae-title' }, h('b', null, n.ae_title)),
      h('td', { class: 'node-host' }, n.host),
      h('td', { class: 'node-port' }, String(n.port)),
      h('td', { class: 'node-account' }, n.account,
        n.account_active ? null : h('span', { class: 'muted', title: 'Its associations are refused until the account is enabled' }, ' (disabled)')),
      h('td', { class: 'node-services' }, services),
      h('td', { class: 'nowrap' }, dateTime(n.updated_at || n.created_at)),
      h('td', { class: 'row-actions' }, edit, del));
  }

  function startEdit(n) {
    editing = n.ae_title;
    say(error, '');
    title.textContent = `Edit ${n.ae_title}`;
    form.elements.ae_title.value = n.ae_title;
    form.elements.ae_title.disabled = true;
    form.elements.host.value = n.host;
    form.elements.port.value = String(n.port);
    fillAccounts(n.account);
    for (const box of form.querySelectorAll('input[name=services]')) box.checked = (n.services || []).includes(box.value);
    submit.textContent = 'Save changes';
    cancel.hidden = false;
    form.elements.host.focus();
  }

  function stopEdit() {
    editing = null;
    form.reset();
    form.elements.port.value = '104';
    form.elements.ae_title.disabled = false;
    title.textContent = 'New node';
    submit.textContent = 'Add node';
    cancel.hidden = true;
    say(error, '');
    fillAccounts('');
  }

  async function remove(n, button) {
    if (!window.confirm(`Delete the DICOM node ${n.ae_title}?\n\nIts associations are refused from then on, and it is no longer a C-MOVE destination.`)) return;
    button.disabled = true;
    try {
      await api(`/api/dicom-nodes/${enc(n.ae_title)}`, { method: 'DELETE' });
      if (editing === n.ae_title) stopEdit();
      tell(`The DICOM node ${n.ae_title} was deleted.`);
      await load();
    } catch (e) {
      button.disabled = false;
      if (!isAbort(e)) tell(e.message, true);
    }
  }

  cancel.addEventListener('click', stopEdit);
  form.addEventListener('keydown', (e) => { if (e.key === 'Escape' && editing) stopEdit(); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    say(error, '');
    const body = {
      host: form.elements.host.value.trim(),
      port: Number(form.elements.port.value),
      account: accountPick.value,
      services: [...form.querySelectorAll('input[name=services]:checked')].map((b) => b.value),
    };
    submit.disabled = true;
    try {
      if (editing) {
        const ae = editing;
        await api(`/api/dicom-nodes/${enc(ae)}`, { method: 'PATCH', body });
        stopEdit();
        tell(`The DICOM node ${ae} was saved.`);
      } else {
        const ae = form.elements.ae_title.value.trim();
        await api('/api/dicom-nodes', { method: 'POST', body: { ae_title: ae, ...body } });
        stopEdit();
        tell(`The DICOM node ${ae} was added.`);
      }
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
