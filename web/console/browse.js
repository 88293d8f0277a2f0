// Browsing a connection: databases, schemas, tables (row estimates, keys, cursor candidates),
// columns (Redshift types); and a box that runs one read-only statement and shows its first rows.

import { api } from './api.js';
import { h, field, formError, showError, clearErrors, table } from './dom.js';
import { n } from './format.js';

const enc = encodeURIComponent;

export async function view(ctx, id) {
  const c = await api('GET', `/connections/${enc(id)}`);
  ctx.title(`Browse ${c.name}`);
  const base = `/connections/${enc(id)}`;
  const schemasEl = h('div', { class: 'pane' });
  const tablesEl = h('div', { class: 'pane', 'aria-live': 'polite' });
  const columnsEl = h('div', { class: 'pane', 'aria-live': 'polite' });
  const [dbs, schemas] = await Promise.all([api('GET', `${base}/databases`), api('GET', `${base}/schemas`)]);

  const pick = (list, selected) => {
    for (const b of list.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === selected));
  };
  const schemaList = h('ul', { class: 'picker', 'aria-label': 'Schemas' });
  for (const s of schemas.items) {
    const b = h('button', { type: 'button', class: 'pick', 'aria-pressed': 'false', onclick: () => {
      pick(schemaList, b);
      showTables(s.name);
    } }, s.name);
    schemaList.append(h('li', {}, b));
  }
  schemasEl.append(h('h2', {}, 'Schemas'), h('p', { class: 'muted' }, `in database ${c.database}`), schemaList);

  async function showTables(schema) {
    tablesEl.replaceChildren(h('h2', {}, `Tables in ${schema}`), h('p', { class: 'muted' }, 'Loading…'));
    columnsEl.replaceChildren();
    try {
      const t = await api('GET', `${base}/tables?schema=${enc(schema)}`);
      const rows = t.items.map((x) => {
        const b = h('button', { type: 'button', class: 'pick', 'aria-pressed': 'false', onclick: () => {
          pick(tablesEl, b);
          showColumns(schema, x.name);
        } }, x.name);
        return [b, x.type, n(x.row_estimate), x.primary_key.join(', ') || '—', x.cursor_candidates.join(', ') || '—'];
      });
      tablesEl.replaceChildren(h('h2', {}, `Tables in ${schema}`),
        table(`Tables in ${schema}`, ['Table', 'Type', 'Rows (estimate)', 'Primary key', 'Cursor candidates'], rows));
    } catch (e) {
      tablesEl.replaceChildren(h('h2', {}, `Tables in ${schema}`), h('p', { class: 'error', role: 'alert' }, e.message));
    }
  }

  async function showColumns(schema, name) {
    columnsEl.replaceChildren(h('h2', {}, `Columns of ${schema}.${name}`), h('p', { class: 'muted' }, 'Loading…'));
    try {
      const cols = await api('GET', `${base}/columns?schema=${enc(schema)}&table=${enc(name)}`);
      columnsEl.replaceChildren(h('h2', {}, `Columns of ${schema}.${name}`),
        table(`Columns of ${schema}.${name}`, ['Column', 'Redshift type', 'Nullable', 'Primary key', 'Cursor candidate'],
          cols.items.map((x) => [x.name, h('code', {}, x.type), x.nullable === null ? '?' : x.nullable ? 'yes' : 'no',
            x.primary_key ? 'yes' : '', x.cursor_candidate ? 'yes' : ''])),
        h('a', { class: 'button secondary', href: `#/syncs/new?connection=${enc(id)}&stream=${enc(`${schema}.${name}`)}` }, `Sync ${schema}.${name}`));
    } catch (e) {
      columnsEl.replaceChildren(h('h2', {}, `Columns of ${schema}.${name}`), h('p', { class: 'error', role: 'alert' }, e.message));
    }
  }

  return h('section', {},
    h('div', { class: 'page-head' }, h('h1', {}, `Browse ${c.name}`),
      h('a', { class: 'button secondary', href: `#/connections/${enc(id)}` }, 'Connection')),
    h('p', {}, 'Databases: ', dbs.items.map((d, i) => [i ? ', ' : '', d.name === c.database ? h('strong', {}, d.name) : d.name])),
    h('div', { class: 'browser' }, schemasEl, tablesEl, columnsEl),
    queryBox(ctx, id));
}

function queryBox(ctx, id) {
  const sql = h('textarea', { name: 'sql', rows: '4', spellcheck: 'false' }, 'select * from public.sales limit 10');
  const limit = h('input', { name: 'limit', type: 'number', min: '1', max: '1000', value: '100' });
  const run = h('button', { type: 'submit' }, 'Run');
  const cancel = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Cancel');
  const status = h('p', { class: 'muted', role: 'status' });
  const out = h('div', {});
  let current = null;
  const form = h('form', { class: 'card query', novalidate: true },
    h('h2', {}, 'Query'),
    h('p', { class: 'muted' }, 'One statement that reads (SELECT, WITH, SHOW, EXPLAIN, VALUES), run as the connection\'s role; the first rows are shown.'),
    formError(),
    field('SQL (read-only)', sql),
    field('Rows to show', limit),
    h('div', { class: 'actions' }, run, cancel), status, out);
  const finish = () => {
    current = null;
    run.disabled = false;
    cancel.disabled = true;
  };
  cancel.addEventListener('click', async () => {
    if (!current) return;
    cancel.disabled = true;
    try {
      const q = await api('POST', `/queries/${enc(current)}/cancel`);
      status.textContent = `Statement ${q.statement_id}: ${q.status}`;
    } catch (e) {
      status.textContent = e.message;
    }
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    out.replaceChildren();
    run.disabled = true;
    try {
      const q = await api('POST', `/connections/${enc(id)}/queries`, { sql: sql.value, limit: Number(limit.value) || 100 });
      current = q.id;
      cancel.disabled = false;
      status.textContent = `Statement ${q.statement_id}: ${q.status}`;
      for (;;) {
        await new Promise((r) => setTimeout(r, 400));
        if (!ctx.live() || current !== q.id) return;
        const now = await api('GET', `/queries/${enc(q.id)}`);
        status.textContent = `Statement ${now.statement_id}: ${now.status}`;
        if (now.status === 'FAILED' || now.status === 'ABORTED') {
          if (now.error) out.replaceChildren(h('p', { class: 'error', role: 'alert' }, now.error));
          break;
        }
        if (now.status === 'FINISHED') {
          const r = now.result;
          if (r && r.columns.length) {
            out.replaceChildren(table(`First ${r.rows.length} of ${n(r.total_rows)} rows`,
              r.columns.map((c) => `${c.name} (${c.type})`),
              r.rows.map((row) => row.map((v) => (v === null ? h('span', { class: 'null' }, 'NULL') : v)))));
          } else {
            out.replaceChildren(h('p', {}, 'The statement returned no rows.'));
          }
          break;
        }
      }
    } catch (e) {
      showError(form, e);
    }
    finish();
  });
  return form;
}
