// A run: status, per-stream rows and bytes, live progress (rows, MB/s, ETA, the statement in
// flight) refreshed every second while it runs, cancel, the error with its statement id, logs.

import { api, all } from './api.js';
import { h, table, badge } from './dom.js';
import { n, bytes, time, duration, runDuration } from './format.js';

const enc = encodeURIComponent;
const ACTIVE = ['queued', 'running'];

function progress(run) {
  const p = run.progress;
  if (!p) return null;
  return h('div', { class: 'progress', role: 'group', 'aria-label': 'Progress' },
    h('dl', { class: 'facts' },
      h('dt', {}, 'Rows'), h('dd', { 'data-progress': 'rows' }, n(p.rows)),
      h('dt', {}, 'Speed'), h('dd', { 'data-progress': 'speed' }, `${(p.bytes_per_second / 1e6).toFixed(2)} MB/s, ${n(Math.round(p.rows_per_second))} rows/s`),
      h('dt', {}, 'ETA'), h('dd', { 'data-progress': 'eta' }, p.eta_seconds === null ? 'unknown (no row estimate)' : duration(p.eta_seconds)),
      h('dt', {}, 'Elapsed'), h('dd', {}, duration(p.elapsed_seconds))),
    run.in_flight ? h('div', { class: 'in-flight' },
      h('p', {}, 'Statement in flight: ', h('code', { 'data-progress': 'statement' }, run.in_flight.statement_id),
        ` on ${run.in_flight.stream}, since ${time(run.in_flight.started_at)}`),
      h('pre', { tabindex: '0', 'aria-label': 'SQL in flight' }, run.in_flight.sql)) : null);
}

function body(run, cancel) {
  const failed = run.error && run.status !== 'cancelled';
  return [
    h('dl', { class: 'facts' },
      h('dt', {}, 'Status'), h('dd', {}, h('span', { 'data-run-status': run.status }, badge(run.status)),
        run.cancel_requested && ACTIVE.includes(run.status) ? ' (cancel requested)' : ''),
      h('dt', {}, 'Trigger'), h('dd', {}, `${run.trigger}${run.scheduled_for ? ` for ${time(run.scheduled_for)}` : ''}, attempt ${run.attempt}`),
      h('dt', {}, 'Started'), h('dd', {}, time(run.started_at)),
      h('dt', {}, 'Finished'), h('dd', {}, time(run.finished_at)),
      h('dt', {}, 'Duration'), h('dd', {}, runDuration(run))),
    ACTIVE.includes(run.status) ? cancel : null,
    progress(run),
    failed ? h('div', { class: 'run-error', role: 'alert' },
      h('h2', {}, 'Error'),
      h('p', {}, h('code', {}, run.error.code), ' ', run.error.message),
      run.error.statement_id ? h('p', {}, 'Statement id: ', h('code', { 'data-error': 'statement_id' }, run.error.statement_id)) : null,
      run.error.aws_error ? h('p', {}, 'AWS error: ', h('code', {}, run.error.aws_error)) : null) : null,
    table('Streams', ['Stream', 'Status', 'Rows', 'Bytes', 'Statements', 'Rows (estimate)'], run.streams.map((s) => [
      s.stream, s.status, h('span', { 'data-stream-rows': s.stream }, n(s.rows)), bytes(s.bytes), n(s.statements), n(s.row_estimate)])),
  ];
}

export async function detail(ctx, id) {
  let run = await api('GET', `/runs/${enc(id)}`);
  ctx.title(`Run ${run.id}`);
  const message = h('p', { class: 'error', role: 'alert' });
  const cancel = h('button', { type: 'button', class: 'danger', onclick: async () => {
    cancel.disabled = true;
    try {
      run = await api('POST', `/runs/${enc(id)}/cancel`);
      draw();
    } catch (e) {
      message.textContent = e.message;
      cancel.disabled = false;
    }
  } }, 'Cancel run');
  const live = h('div', { 'aria-live': 'polite' });
  const logs = h('div', {});
  const draw = () => live.replaceChildren(...body(run, cancel).filter(Boolean));
  const drawLogs = async () => {
    const items = await all(`/runs/${enc(id)}/logs`);
    logs.replaceChildren(h('ol', { class: 'logs', 'aria-label': 'Log' },
      items.map((l) => h('li', { class: `log ${l.level}` }, h('time', {}, time(l.at)), ' ', h('span', { class: 'level' }, l.level), ' ', l.message))));
  };
  draw();
  await drawLogs();
  let ended = !ACTIVE.includes(run.status);
  ctx.every(1000, async () => {
    if (ended) return;
    try {
      run = await api('GET', `/runs/${enc(id)}`);
      ended = !ACTIVE.includes(run.status);
      draw();
      await drawLogs();
    } catch (e) {
      message.textContent = e.message;
    }
  });
  return h('section', {},
    h('div', { class: 'page-head' }, h('h1', {}, `Run ${run.id}`),
      h('a', { class: 'button secondary', href: `#/syncs/${enc(run.sync_id)}` }, 'Sync')),
    message, live, h('h2', {}, 'Log'), logs);
}
