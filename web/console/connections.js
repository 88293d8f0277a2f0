// Connections: the list, the guided creation (fields, then the external ID and both policies
// to paste into AWS, then the test), and a connection's page.

import { api, all } from './api.js';
import { h, field, formError, showError, clearErrors, copyBlock, table, badge } from './dom.js';
import { time } from './format.js';

export async function list(ctx) {
  ctx.title('Connections');
  const items = await all('/connections');
  return h('section', {},
    h('div', { class: 'page-head' }, h('h1', {}, 'Connections'), h('a', { class: 'button', href: '#/connections/new' }, 'New connection')),
    items.length === 0
      ? h('p', { class: 'empty' }, 'No connection yet. Create one to read a Redshift Serverless workgroup through your own IAM role.')
      : table('Connections', ['Name', 'Workgroup', 'Database', 'Role', 'Health'], items.map((c) => [
        h('a', { href: `#/connections/${encodeURIComponent(c.id)}` }, c.name),
        `${c.workgroup} (${c.region})`, c.database, h('code', {}, c.role_arn), badge(c.health.status)])));
}

const INPUTS = [
  ['name', 'Name', 'A name for this connection, unique in your organization.', ''],
  ['region', 'AWS region', 'Where the workgroup runs, e.g. us-east-1.', 'us-east-1'],
  ['workgroup', 'Workgroup', 'The Redshift Serverless workgroup name.', ''],
  ['database', 'Database', 'The database to read, e.g. dev.', 'dev'],
  ['role_arn', 'IAM role ARN', 'The role in your account this service assumes: arn:aws:iam::<account>:role/<name>.', ''],
];

export async function create(ctx) {
  ctx.title('New connection');
  const inputs = {};
  const form = h('form', { class: 'card', novalidate: true },
    h('ol', { class: 'steps', 'aria-label': 'Steps' },
      h('li', { 'aria-current': 'step' }, 'Workgroup and role'), h('li', {}, 'Trust and permissions in AWS'), h('li', {}, 'Database grants'), h('li', {}, 'Test')),
    h('h1', {}, 'New connection'),
    formError(),
    INPUTS.map(([name, label, hint, value]) => {
      inputs[name] = h('input', { name, value, autocomplete: 'off', spellcheck: 'false', required: true });
      return field(label, inputs[name], hint);
    }),
    h('button', { type: 'submit' }, 'Create and show the policies'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = {};
    for (const [name] of INPUTS) body[name] = inputs[name].value.trim();
    try {
      const c = await api('POST', '/connections', body);
      ctx.go(`#/connections/${encodeURIComponent(c.id)}?setup=1`);
    } catch (e) {
      showError(form, e);
    }
  });
  return form;
}

const FIX = {
  'sts:AssumeRole': 'The role\'s trust policy must name this service\'s account and your external ID (step 2).',
};
function fixFor(action) {
  return FIX[action] || `Add ${action} to the role's permissions policy (the policy in step 2 has it), then test again.`;
}

// The nine permissions as a checklist: granted or refused with AWS's own words.
export function checklist(report) {
  const items = report.checks.map((c) => h('li', { class: c.granted ? 'granted' : 'refused' },
    h('span', { class: 'mark', 'aria-hidden': 'true' }, c.granted ? '✓' : '✗'),
    h('span', { class: 'action' }, c.action),
    h('span', { class: 'result' }, c.granted ? 'granted' : c.result),
    c.granted ? null : h('div', { class: 'detail' },
      c.error_code ? h('code', {}, c.error_code) : null, ' ', h('span', { class: 'aws-message' }, c.message),
      h('p', { class: 'fix' }, fixFor(c.action)))));
  return h('div', { class: 'check' },
    h('p', { class: report.ok ? 'ok' : 'error', role: 'status' }, summary(report)),
    report.failed_stage && report.error ? h('p', { class: 'aws-message' }, h('code', {}, report.error.code), ' ', report.error.message) : null,
    items.length ? h('ul', { class: 'checklist', 'aria-label': 'Permissions' }, items) : null,
    database(report.database));
}

function summary(report) {
  if (report.ok) return `All ${report.checks.length} permissions granted and every table readable. The connection is ready.`;
  if (report.failed_stage) return `The check stopped: ${report.failed_stage}.`;
  const refused = report.checks.filter((c) => !c.granted).length;
  if (refused) return `${refused} of ${report.checks.length} permissions refused.`;
  const d = report.database;
  if (d && d.unreadable.length)
    return `All ${report.checks.length} permissions granted, but the database user cannot read ${d.unreadable.length} table(s): the GRANT lines below fix that.`;
  return `All ${report.checks.length} permissions granted; the database privileges could not be read.`;
}

// Inside the database: what the role's database user may read, and the GRANT lines for the rest.
function database(d) {
  if (!d) return null;
  if (d.error) return h('p', { class: 'error' }, `Database privileges: ${d.error}`);
  return h('div', { class: 'database' },
    h('h3', {}, `Inside the database, as ${d.user}`),
    h('ul', { class: 'checklist', 'aria-label': 'Schemas' }, d.schemas.map((s) => {
      const ok = s.usage && s.unreadable.length === 0;
      return h('li', { class: ok ? 'granted' : 'refused' },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, ok ? '✓' : '✗'),
        h('span', { class: 'action' }, s.schema),
        h('span', { class: 'result' }, `${s.usage ? 'USAGE' : 'no USAGE'}; ${s.readable.length} of ${s.readable.length + s.unreadable.length} tables readable`),
        s.unreadable.length ? h('div', { class: 'detail' }, 'Cannot read: ', h('span', { class: 'unreadable' }, s.unreadable.join(', '))) : null);
    })),
    d.grant_sql ? [h('p', { class: 'fix' }, 'The database administrator runs these lines in the database, then test again:'),
      copyBlock('GRANT statements', d.grant_sql)] : null);
}

export async function detail(ctx, id) {
  const c = await api('GET', `/connections/${encodeURIComponent(id)}`);
  ctx.title(c.name);
  const setup = ctx.query.get('setup') === '1';
  const result = h('div', { class: 'test-result', 'aria-live': 'polite' });
  const testButton = h('button', { type: 'button', onclick: async () => {
    testButton.disabled = true;
    result.replaceChildren(h('p', { class: 'muted' }, 'Testing: assuming the role, then trying each permission…'));
    try {
      result.replaceChildren(checklist(await api('POST', `/connections/${encodeURIComponent(id)}/test`)));
    } catch (e) {
      result.replaceChildren(h('p', { class: 'error', role: 'alert' }, e.message));
    }
    testButton.disabled = false;
  } }, 'Test connection');
  const del = h('button', { type: 'button', class: 'danger', onclick: async () => {
    if (del.dataset.armed !== '1') {
      del.dataset.armed = '1';
      del.textContent = `Really delete ${c.name}? Click again`;
      return;
    }
    try {
      await api('DELETE', `/connections/${encodeURIComponent(id)}`);
      ctx.go('#/connections');
    } catch (e) {
      delError.textContent = e.message;
    }
  } }, 'Delete connection');
  const delError = h('p', { class: 'error', role: 'alert' });
  const trust = JSON.stringify(c.trust_policy, null, 2);
  const perms = JSON.stringify(c.permissions_policy, null, 2);
  return h('section', {},
    h('div', { class: 'page-head' }, h('h1', {}, c.name),
      h('div', { class: 'actions' },
        h('a', { class: 'button secondary', href: `#/connections/${encodeURIComponent(id)}/browse` }, 'Browse'),
        h('a', { class: 'button secondary', href: `#/syncs/new?connection=${encodeURIComponent(id)}` }, 'New sync'))),
    setup ? h('p', { class: 'notice' }, 'Connection saved. Now give the role the trust and permission policies below in AWS, have the database grants run, then test.') : null,
    h('dl', { class: 'facts' },
      h('dt', {}, 'Workgroup'), h('dd', {}, `${c.workgroup} in ${c.region}`),
      h('dt', {}, 'Database'), h('dd', {}, c.database),
      h('dt', {}, 'Role'), h('dd', {}, h('code', {}, c.role_arn)),
      h('dt', {}, 'Health'), h('dd', {}, badge(c.health.status), ' ', c.health.message || '', c.health.checked_at ? ` (checked ${time(c.health.checked_at)})` : '')),
    h('h2', {}, '1. Your external ID'),
    h('p', {}, 'Your organization\'s external ID. Only a trust policy naming it lets this service assume your role, so no other customer of this service can point a connection at it.'),
    copyBlock('External ID', c.external_id),
    h('h2', {}, '2. The role\'s policies in AWS'),
    h('ol', { class: 'howto' },
      h('li', {}, 'In the AWS console, open IAM → Roles → ', h('code', {}, c.role_arn.split('/').pop()), ' (or create it: Custom trust policy).'),
      h('li', {}, 'Trust relationships → Edit trust policy: paste the trust policy, then Update policy.'),
      h('li', {}, 'Permissions → Add permissions → Create inline policy → JSON: paste the permissions policy, then save it.')),
    copyBlock('Trust policy', trust),
    copyBlock('Permissions policy', perms),
    c.database_grants ? [
      h('h2', {}, '3. Database grants'),
      h('p', {}, `Inside the database the role is its own user, ${c.database_grants.user}, which can read nothing until your database administrator grants it. ${c.database_grants.note}`),
      copyBlock('Database grants', c.database_grants.sql)] : null,
    h('h2', {}, c.database_grants ? '4. Test' : '3. Test'),
    h('p', {}, 'Assumes the role with your external ID, tries each of the nine permissions, then lists what its database user may read.'),
    testButton, result,
    h('h2', {}, 'Delete'), del, delError);
}
