// Syncs: the list, the form (streams with mode and cursor, destination, schedule with the next
// five times from the service), and a sync's page with its runs.

import { api, all } from './api.js';
import { h, field, formError, showError, clearErrors, table, badge, uid } from './dom.js';
import { n, bytes, time, runDuration, schedule as scheduleText, runRows, runBytes } from './format.js';

const enc = encodeURIComponent;

export async function list(ctx) {
  ctx.title('Syncs');
  const [items, conns] = await Promise.all([all('/syncs'), all('/connections')]);
  const names = Object.fromEntries(conns.map((c) => [c.id, c.name]));
  return h('section', {},
    h('div', { class: 'page-head' }, h('h1', {}, 'Syncs'), h('a', { class: 'button', href: '#/syncs/new' }, 'New sync')),
    items.length === 0 ? h('p', { class: 'empty' }, 'No sync yet.')
      : table('Syncs', ['Name', 'Connection', 'Streams', 'Schedule', 'Next run'], items.map((s) => [
        h('a', { href: `#/syncs/${enc(s.id)}` }, s.name || s.id), names[s.connection_id] || s.connection_id,
        s.streams.map((x) => x.stream).join(', '),
        s.enabled ? scheduleText(s.schedule) : `${scheduleText(s.schedule)} (disabled)`, time(s.next_run_at)])));
}

// One row per table of the catalog: include it, full or incremental, and on which cursor.
function streamPicker(catalog, chosen) {
  const rows = [];
  const filter = h('input', { type: 'search', name: 'filter', autocomplete: 'off' });
  const body = h('tbody', {});
  for (const s of catalog.streams) {
    // A catalog name is the table, or "schema.table" when the table name is in several schemas.
    const prefix = `${s.namespace}.`;
    const stream = s.name.startsWith(prefix) ? s.name : prefix + s.name;
    const prev = chosen.find((c) => c.stream === stream);
    const include = h('input', { type: 'checkbox', id: uid('inc'), checked: !!prev });
    const mode = h('select', { 'aria-label': `Mode of ${stream}` },
      h('option', { value: 'full_refresh' }, 'Full refresh'), h('option', { value: 'incremental' }, 'Incremental'));
    const cursor = h('select', { 'aria-label': `Cursor of ${stream}` }, h('option', { value: '' }, '—'));
    const candidates = (s.x_rsx && s.x_rsx.cursor_candidates) || [];
    for (const c of candidates) cursor.append(h('option', { value: c }, `${c} (candidate)`));
    for (const c of Object.keys((s.json_schema && s.json_schema.properties) || {}))
      if (!candidates.includes(c)) cursor.append(h('option', { value: c }, c));
    if (prev) {
      mode.value = prev.mode;
      cursor.value = prev.cursor || '';
    } else if (candidates.length) {
      cursor.value = candidates[0];
    }
    const sync = () => {
      cursor.disabled = mode.value !== 'incremental';
    };
    mode.addEventListener('change', sync);
    sync();
    const tr = h('tr', { 'data-stream': stream },
      h('td', {}, include, h('label', { for: include.id }, stream)),
      h('td', {}, n(s.x_rsx ? s.x_rsx.row_estimate : null)),
      h('td', {}, mode), h('td', {}, cursor));
    rows.push({ stream, include, mode, cursor, tr, prev });
    body.append(tr);
  }
  filter.addEventListener('input', () => {
    const q = filter.value.toLowerCase();
    for (const r of rows) r.tr.hidden = !!q && !r.stream.toLowerCase().includes(q);
  });
  const el = h('fieldset', { class: 'streams' }, h('legend', {}, 'Streams'),
    field('Filter tables', filter),
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Streams' },
      h('table', {}, h('thead', {}, h('tr', {}, ['Table', 'Rows (estimate)', 'Mode', 'Cursor'].map((x) => h('th', { scope: 'col' }, x)))), body)),
    h('p', { class: 'field-error', id: uid('streams-error'), 'data-error-for': 'streams' }));
  const value = () => rows.filter((r) => r.include.checked).map((r) => {
    const out = { stream: r.stream, mode: r.mode.value };
    if (r.mode.value === 'incremental') out.cursor = r.cursor.value;
    if (r.prev && r.prev.primary_key && r.prev.primary_key.length) out.primary_key = r.prev.primary_key;
    return out;
  });
  return { el, value };
}

function schedulePicker(current) {
  const type = h('select', { name: 'schedule.type' },
    h('option', { value: 'manual' }, 'Manual (Run now only)'),
    h('option', { value: 'interval' }, 'Every N minutes'),
    h('option', { value: 'cron' }, 'Cron expression (UTC)'));
  const minutes = h('input', { name: 'schedule.every_minutes', type: 'number', min: '1', value: '60' });
  const cron = h('input', { name: 'schedule.cron', value: '0 2 * * *', spellcheck: 'false', autocomplete: 'off' });
  const preview = h('ul', { class: 'preview', 'aria-live': 'polite', 'aria-label': 'Next runs' });
  const previewError = h('p', { class: 'field-error', role: 'status' });
  const minutesField = field('Every (minutes)', minutes);
  const cronField = field('Cron (minute hour day month weekday, UTC)', cron, 'e.g. 0 2 * * * runs at 02:00 UTC every day.');
  type.value = current.type;
  if (current.every_minutes) minutes.value = current.every_minutes;
  if (current.cron) cron.value = current.cron;
  const value = () => (type.value === 'interval' ? { type: 'interval', every_minutes: Number(minutes.value) }
    : type.value === 'cron' ? { type: 'cron', cron: cron.value.trim() } : { type: 'manual' });
  let pending = 0;
  const refresh = async () => {
    minutesField.hidden = type.value !== 'interval';
    cronField.hidden = type.value !== 'cron';
    preview.replaceChildren();
    previewError.textContent = '';
    if (type.value === 'manual') return;
    const mine = ++pending;
    try {
      const p = await api('POST', '/schedules/preview', { schedule: value() });
      if (mine !== pending) return;
      preview.replaceChildren(...p.next.map((t) => h('li', {}, time(t))));
    } catch (e) {
      if (mine === pending) previewError.textContent = e.message;
    }
  };
  for (const el of [type, minutes, cron]) el.addEventListener('input', refresh);
  refresh();
  const el = h('fieldset', {}, h('legend', {}, 'Schedule'), field('Runs', type), minutesField, cronField,
    h('p', { class: 'hint' }, 'Next five runs (UTC):'), preview, previewError);
  return { el, value };
}

export async function form(ctx, id) {
  const existing = id ? await api('GET', `/syncs/${enc(id)}`) : null;
  ctx.title(existing ? `Edit ${existing.name || existing.id}` : 'New sync');
  const conns = await all('/connections');
  if (!conns.length)
    return h('section', {}, h('h1', {}, 'New sync'), h('p', {}, 'Create a connection first. '), h('a', { href: '#/connections/new' }, 'New connection'));
  const connection = h('select', { name: 'connection_id' }, conns.map((c) => h('option', { value: c.id }, c.name)));
  connection.value = existing ? existing.connection_id : ctx.query.get('connection') || conns[0].id;
  const name = h('input', { name: 'name', value: existing ? existing.name : '', autocomplete: 'off' });
  const format = h('select', { name: 'destination.format' }, h('option', { value: 'jsonl' }, 'JSON Lines'), h('option', { value: 'csv' }, 'CSV'));
  const path = h('input', { name: 'destination.path', value: existing ? existing.destination.path : '', autocomplete: 'off', spellcheck: 'false' });
  if (existing) format.value = existing.destination.format;
  const streamsSlot = h('div', { 'aria-live': 'polite' });
  let picker = null;
  const chosen = existing ? existing.streams : (ctx.query.get('stream') ? [{ stream: ctx.query.get('stream'), mode: 'full_refresh' }] : []);
  const loadCatalog = async () => {
    streamsSlot.replaceChildren(h('p', { class: 'muted' }, 'Reading the catalog…'));
    try {
      const cat = await api('GET', `/connections/${enc(connection.value)}/catalog`);
      picker = streamPicker(cat, chosen);
      streamsSlot.replaceChildren(picker.el);
    } catch (e) {
      picker = null;
      streamsSlot.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Cannot read the catalog: ${e.message}`));
    }
  };
  connection.addEventListener('change', loadCatalog);
  const sched = schedulePicker(existing ? existing.schedule : { type: 'manual' });
  const f = h('form', { class: 'card', novalidate: true },
    h('h1', {}, existing ? `Edit ${existing.name || existing.id}` : 'New sync'),
    formError(),
    field('Name', name),
    field('Connection', connection),
    streamsSlot,
    h('fieldset', {}, h('legend', {}, 'Destination'),
      field('Format', format),
      field('Folder', path, 'Relative to your organization\'s folder on the service; empty: syncs/<sync id>.')),
    sched.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, existing ? 'Save' : 'Create sync'),
      h('a', { class: 'button secondary', href: existing ? `#/syncs/${enc(existing.id)}` : '#/syncs' }, 'Cancel')));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    const body = {
      name: name.value.trim(),
      streams: picker ? picker.value() : [],
      destination: { format: format.value, ...(path.value.trim() ? { path: path.value.trim() } : {}) },
      schedule: sched.value(),
    };
    if (!existing) body.connection_id = connection.value;
    else if (connection.value !== existing.connection_id) body.connection_id = connection.value;
    try {
      const s = existing ? await api('PATCH', `/syncs/${enc(existing.id)}`, body) : await api('POST', '/syncs', body);
      ctx.go(`#/syncs/${enc(s.id)}`);
    } catch (e) {
      showError(f, e);
    }
  });
  loadCatalog();
  return f;
}

export function runStatus(r) {
  return badge(r.status);
}

export async function detail(ctx, id) {
  const s = await api('GET', `/syncs/${enc(id)}`);
  ctx.title(s.name || s.id);
  const message = h('p', { class: 'error', role: 'alert' });
  const runsEl = h('div', { 'aria-live': 'polite' });
  const drawRuns = async () => {
    try {
      const page = await api('GET', `/syncs/${enc(id)}/runs?limit=50`);
      runsEl.replaceChildren(table('Runs', ['Run', 'Status', 'Trigger', 'Started', 'Rows', 'Bytes', 'Duration'], page.items.map((r) => [
        h('a', { href: `#/runs/${enc(r.id)}` }, r.id), runStatus(r), r.trigger, time(r.started_at || r.created_at),
        n(runRows(r)), bytes(runBytes(r)), runDuration(r)])));
    } catch (e) {
      message.textContent = e.message;
    }
  };
  const act = (label, fn, cls) => h('button', { type: 'button', class: cls || 'secondary', onclick: async (ev) => {
    message.textContent = '';
    try {
      await fn(ev.currentTarget);
    } catch (e) {
      message.textContent = e.message;
    }
  } }, label);
  const runNow = act('Run now', async () => {
    const r = await api('POST', `/syncs/${enc(id)}/runs`);
    ctx.go(`#/runs/${enc(r.id)}`);
  }, 'primary');
  const toggle = act(s.enabled ? 'Disable schedule' : 'Enable schedule', async () => {
    await api('PATCH', `/syncs/${enc(id)}`, { enabled: !s.enabled });
    ctx.go(`#/syncs/${enc(id)}?t=${Date.now()}`);
  });
  const del = act('Delete sync', async (b) => {
    if (b.dataset.armed !== '1') {
      b.dataset.armed = '1';
      b.textContent = 'Really delete? Click again';
      return;
    }
    await api('DELETE', `/syncs/${enc(id)}`);
    ctx.go('#/syncs');
  }, 'danger');
  await drawRuns();
  ctx.every(2000, drawRuns);
  return h('section', {},
    h('div', { class: 'page-head' }, h('h1', {}, s.name || s.id),
      h('div', { class: 'actions' }, runNow, h('a', { class: 'button secondary', href: `#/syncs/${enc(id)}/edit` }, 'Edit'), toggle, del)),
    message,
    h('dl', { class: 'facts' },
      h('dt', {}, 'Streams'), h('dd', {}, s.streams.map((x) => `${x.stream} (${x.mode === 'incremental' ? `incremental on ${x.cursor}` : 'full refresh'})`).join('; ')),
      h('dt', {}, 'Destination'), h('dd', {}, `${s.destination.format} in `, h('code', {}, s.destination.path)),
      h('dt', {}, 'Schedule'), h('dd', {}, scheduleText(s.schedule), s.enabled ? '' : ' (disabled)'),
      h('dt', {}, 'Next run'), h('dd', {}, time(s.next_run_at))),
    h('h2', {}, 'Runs'), runsEl);
}
