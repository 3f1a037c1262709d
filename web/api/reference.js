// Lays /api/openapi.json out as one table per tag. Built with DOM calls and textContent only,
// so nothing in the document can run as markup.
const state = document.getElementById('reference-state');
const body = document.getElementById('reference-body');

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
  return td;
}

function who(op) {
  if (!op.security || op.security.length === 0) return op.parameters?.some((p) => p.name === 'token') ? 'link' : 'anyone';
  return op.description === 'Admins only.' ? 'admin' : 'account';
}

function render(doc) {
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = op.tags?.[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method: method.toUpperCase(), op });
    }
  }
  for (const { name } of doc.tags) {
    const rows = byTag.get(name) ?? [];
    const h2 = document.createElement('h2');
    h2.textContent = name;
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    for (const h of ['method', 'path', 'who', 'what']) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = h;
      head.append(th);
    }
    const tbody = table.createTBody();
    for (const { path, method, op } of rows) {
      const row = tbody.insertRow();
      cell(row, method, 'method');
      cell(row, path, 'path');
      cell(row, who(op));
      const what = cell(row, op.summary);
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const fields = Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {});
      const extra = [query.length ? `query: ${query.join(', ')}` : '', fields.length ? `body: ${fields.join(', ')}` : '']
        .filter(Boolean).join(' · ');
      if (extra) {
        const p = document.createElement('div');
        p.className = 'params';
        p.textContent = extra;
        what.append(p);
      }
    }
    body.append(h2, table);
  }
  state.textContent = `${doc.info.title} ${doc.info.version}: ${Object.keys(doc.paths).length} paths.`;
}

fetch('/api/openapi.json')
  .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
  .then(render)
  .catch((e) => { state.textContent = `The document could not be read: ${e.message}`; });
