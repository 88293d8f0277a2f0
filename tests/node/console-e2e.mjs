// The web console of rsx serve in a real browser (Debian's chromium, headless, driven by
// puppeteer-core): the customer's whole path, hostile names, axe-core on every page, phone
// width, screenshots. Started by tests/emulator/test_console.py, which prepared the service,
// the emulator and the organization; it prints one JSON line of what it saw for that test to
// check against the API and the database.
//
// env: RSX_CONSOLE_URL, RSX_API_KEY, RSX_SCREENSHOTS (folder), RSX_ROLE_FULL, RSX_ROLE_LIMITED,
//      RSX_SALES_ROWS, RSX_XSS_TABLE, RSX_XSS_COLUMN, RSX_SLOW_VIEW, CHROMIUM (default
//      /usr/bin/chromium)

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const env = (k) => {
  if (!process.env[k]) throw new Error(`${k} is not set`);
  return process.env[k];
};
const BASE = env('RSX_CONSOLE_URL');
const KEY = env('RSX_API_KEY');
const SHOTS = env('RSX_SCREENSHOTS');
const SALES_ROWS = Number(env('RSX_SALES_ROWS'));
const XSS_TABLE = env('RSX_XSS_TABLE');
const XSS_COLUMN = env('RSX_XSS_COLUMN');
const SLOW = env('RSX_SLOW_VIEW');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

const seen = { dialogs: [], errors: [], foreign: [], axe: {}, pages: [] };
const out = {};

function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
}

async function apiGet(p) {
  const r = await fetch(`${BASE}/api/v1${p}`, { headers: { Authorization: `Bearer ${KEY}` } });
  check(r.ok, `GET ${p} -> ${r.status}`);
  return r.json();
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
const page = await browser.newPage();
page.setDefaultTimeout(60000);  // a loaded CI machine (sanitizer builds) is slow
page.on('dialog', async (d) => {
  seen.dialogs.push(d.message());
  await d.dismiss();
});
// Chrome reports every 4xx answer to fetch() as a console error; the ones this test provokes
// on purpose (a wrong key, refused fields) are counted apart, anything else is an error.
page.on('console', (m) => {
  if (m.type() !== 'error') return;
  if (/^Failed to load resource: the server responded with a status of (401|409|422)/.test(m.text())) seen.expected_4xx = (seen.expected_4xx || 0) + 1;
  else seen.errors.push(m.text());
});
page.on('pageerror', (e) => seen.errors.push(String(e)));
// Every API answer the console received, for the OpenAPI check of test_console.py.
const recorded = [];
page.on('response', (r) => {
  const url = new URL(r.url());
  if (!r.url().startsWith(BASE) || !url.pathname.startsWith('/api/v1/')) return;
  recorded.push(r.text().catch(() => '').then((body) => JSON.stringify({
    method: r.request().method(), path: url.pathname + url.search, status: r.status(),
    content_type: r.headers()['content-type'] || '', body,
  })));
});
page.on('request', (r) => {
  if (!r.url().startsWith(BASE) && !r.url().startsWith('data:')) seen.foreign.push(r.url());
});

const hash = () => page.evaluate(() => location.hash);
const text = (sel) => page.$eval(sel, (e) => e.textContent);
async function heading(t) {
  await page.waitForFunction((want) => {
    const h = document.querySelector('main h1');
    return h && h.textContent.trim() === want;
  }, {}, t);
}
async function clickText(selector, label) {
  const handle = await page.waitForFunction((sel, want) => [...document.querySelectorAll(sel)]
    .find((e) => e.textContent.trim() === want && !e.disabled), {}, selector, label);
  const el = handle.asElement();
  await el.evaluate((e) => e.scrollIntoView({ block: 'center', inline: 'center' }));
  try {
    await el.click();
  } catch (e) {
    // A button in a table that scrolls sideways on a phone may have no clickable point in the
    // viewport: the keyboard reaches it all the same.
    await el.focus();
    await page.keyboard.press('Enter');
    seen.keyboard_clicks = (seen.keyboard_clicks || 0) + 1;
  }
}
async function fill(name, value) {
  const sel = `main [name="${name}"]`;
  await page.waitForSelector(sel);
  await page.$eval(sel, (e) => {
    e.value = '';
  });
  await page.type(sel, value);
}
async function errorFor(name) {
  return page.waitForFunction((n) => {
    const e = [...document.querySelectorAll('[data-error-for]')].find((x) => x.dataset.errorFor === n);
    return e && e.textContent.trim() ? e.textContent.trim() : null;
  }, {}, name).then((h) => h.jsonValue());
}

// axe-core on the page as it is: no serious or critical violation. Runtime.evaluate is not
// subject to the page's Content-Security-Policy, so the page's own policy stays as served.
async function audit(name) {
  await page.evaluate(AXE);
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  seen.axe[name] = { violations: res.length, serious_or_critical: bad };
  check(bad.length === 0, `axe on ${name}: ${JSON.stringify(bad)}`);
}

async function shot(name) {
  const view = page.viewport();
  const kind = view.width < 600 ? 'phone' : 'desktop';
  if (kind === 'phone') {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= view.width + 1, `${name} is ${width}px wide on a ${view.width}px phone`);
  }
  await page.screenshot({ path: path.join(SHOTS, `${name}-${kind}.png`), fullPage: kind === 'desktop' });
  seen.pages.push(`${name}-${kind}`);
}

await page.setViewport(DESKTOP);
fs.mkdirSync(SHOTS, { recursive: true });

// --- Sign in, by keyboard; a wrong key is refused next to the field ---
await page.goto(`${BASE}/`, { waitUntil: 'networkidle0' });
await heading('Sign in');
check((await hash()) === '#/signin', 'a visitor is sent to the sign-in page');
const headers = await (await fetch(`${BASE}/`)).headers;
out.csp = headers.get('content-security-policy');
out.nosniff = headers.get('x-content-type-options');
await audit('signin');
await shot('signin');
let tabs = 0;
while (!(await page.evaluate(() => document.activeElement && document.activeElement.name === 'api_key'))) {
  check(++tabs < 15, 'the key field is not reachable with Tab');
  await page.keyboard.press('Tab');
}
await page.keyboard.type('rsx_0000000000000000_wrong');
await page.keyboard.press('Enter');
out.wrong_key_error = await errorFor('api_key');
await page.$eval('main [name="api_key"]', (e) => {
  e.value = '';
});
await page.keyboard.type(KEY);
await page.keyboard.press('Enter');
await heading('Connections');
check(await page.evaluate((k) => sessionStorage.getItem('rsx.api_key') === k, KEY), 'the key is in session storage');
check(await page.evaluate(() => document.cookie === ''), 'no cookie');
check(!page.url().includes(KEY), 'the key is not in the URL');
await audit('connections-empty');

// --- New connection: a field error, then the external ID and the policies ---
await clickText('main a', 'New connection');
await heading('New connection');
await audit('connection-new');
await shot('connection-new');
await fill('name', 'warehouse');
await fill('workgroup', 'default');
await fill('role_arn', 'not-an-arn');
await clickText('main button', 'Create and show the policies');
out.role_arn_error = await errorFor('role_arn');
await fill('role_arn', env('RSX_ROLE_FULL'));
await clickText('main button', 'Create and show the policies');
await heading('warehouse');
const connId = decodeURIComponent((await hash()).match(/#\/connections\/([^?]+)/)[1]);
out.connection_id = connId;
const shown = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('pre[aria-label]')]
  .map((p) => [p.getAttribute('aria-label'), p.textContent])));
out.page_external_id = shown['External ID'];
out.page_trust_policy = JSON.parse(shown['Trust policy']);
out.page_permissions_policy = JSON.parse(shown['Permissions policy']);
out.page_database_grants = shown['Database grants'];

// --- Test: nine permissions granted ---
await clickText('main button', 'Test connection');
await page.waitForSelector('main .checklist');
out.granted = await page.$$eval('main .checklist[aria-label="Permissions"] li.granted .action', (e) => e.map((x) => x.textContent));
out.refused = await page.$$eval('main .checklist[aria-label="Permissions"] li.refused .action', (e) => e.map((x) => x.textContent));
out.database_heading = await page.$eval('main .database h3', (e) => e.textContent);
await audit('connection');
await shot('connection');

// --- Browse to sales; hostile names are text ---
await clickText('main a', 'Browse');
await heading('Browse warehouse');
await clickText('main button.pick', 'public');
await clickText('main button.pick', 'sales');
await page.waitForFunction(() => [...document.querySelectorAll('main caption')].some((h) => h.textContent === 'Columns of public.sales'));
out.sales_columns = await page.$$eval('main table', (ts) => {
  const t = ts.find((x) => x.caption && x.caption.textContent === 'Columns of public.sales');
  return [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent));
});
out.sales_table_row = await page.$$eval('main table', (ts) => {
  const t = ts.find((x) => x.caption && x.caption.textContent === 'Tables in public');
  const row = [...t.tBodies[0].rows].find((r) => r.cells[0].textContent === 'sales');
  return [...row.cells].map((c) => c.textContent);
});
await audit('browse');
await shot('browse');
await clickText('main button.pick', XSS_TABLE);
await page.waitForFunction((t) => [...document.querySelectorAll('main caption')].some((h) => h.textContent === `Columns of public.${t}`), {}, XSS_TABLE);
out.xss_column_shown = await page.evaluate((c) => [...document.querySelectorAll('main td')].some((td) => td.textContent === c), XSS_COLUMN);
out.xss_table_shown = await page.evaluate((t) => [...document.querySelectorAll('main button.pick')].some((b) => b.textContent === t), XSS_TABLE);
out.img_elements = await page.evaluate(() => document.querySelectorAll('img').length);

// --- The query box: the first rows, a write refused at its field, a long statement cancelled ---
await fill('sql', 'select count(*) as n from public.sales');
await clickText('main button', 'Run');
await page.waitForFunction(() => [...document.querySelectorAll('main table caption')].some((c) => c.textContent.startsWith('First 1 of')));
out.query_count = await page.$$eval('main form.query td', (tds) => tds.map((t) => t.textContent));
await fill('sql', 'delete from public.sales');
await clickText('main button', 'Run');
out.sql_error = await errorFor('sql');
await fill('sql', 'select pg_sleep(20)');
await clickText('main button', 'Run');
await page.waitForFunction(() => !document.querySelector('main form.query button.secondary').disabled);
await new Promise((r) => setTimeout(r, 600));
await clickText('main form.query button', 'Cancel');
await page.waitForFunction(() => /ABORTED/.test(document.querySelector('main form.query [role=status]').textContent), { timeout: 30000 });
out.query_cancelled = true;
await shot('browse-query');

// --- A sync: incremental on saletime every minute, the schedule preview, a field error ---
await page.goto(`${BASE}/#/syncs/new?connection=${encodeURIComponent(connId)}`, { waitUntil: 'networkidle0' });
await heading('New sync');
await page.waitForSelector('main tr[data-stream="public.sales"]');
await fill('name', 'sales every minute');
await page.click('main tr[data-stream="public.sales"] input[type=checkbox]');
await page.select('main tr[data-stream="public.sales"] select[aria-label^="Mode"]', 'incremental');
await page.select('main tr[data-stream="public.sales"] select[aria-label^="Cursor"]', 'saletime');
await page.select('main [name="schedule.type"]', 'cron');
await fill('schedule.cron', '61 * * * *');
out.cron_error = await page.waitForFunction(() => {
  const e = document.querySelector('main fieldset .field-error[role=status]');
  return e && e.textContent ? e.textContent : null;
}).then((h) => h.jsonValue());
await fill('schedule.cron', '*/15 * * * *');
await page.waitForFunction(() => document.querySelectorAll('main .preview li').length === 5);
out.cron_preview = await page.$$eval('main .preview li', (l) => l.map((x) => x.textContent));
await page.select('main [name="schedule.type"]', 'interval');
await fill('schedule.every_minutes', '1');
await page.waitForFunction(() => document.querySelectorAll('main .preview li').length === 5);
out.interval_preview = await page.$$eval('main .preview li', (l) => l.map((x) => x.textContent));
await fill('destination.path', '../outside');
await clickText('main button', 'Create sync');
out.path_error = await errorFor('destination.path');
await fill('destination.path', 'warehouse/sales');
await audit('sync-new');
await shot('sync-new');
await clickText('main button', 'Create sync');
await heading('sales every minute');
out.sync_id = decodeURIComponent((await hash()).match(/#\/syncs\/([^?]+)/)[1]);

// --- Run now: the run reaches succeeded with every row ---
await clickText('main button', 'Run now');
await page.waitForFunction(() => /^#\/runs\//.test(location.hash));
out.run_id = decodeURIComponent((await hash()).slice('#/runs/'.length));
await page.waitForSelector('main [data-run-status="succeeded"]', { timeout: 60000 });
out.run_rows = await text('main [data-stream-rows="public.sales"]');
await audit('run');
await shot('run');
await page.goto(`${BASE}/#/syncs/${encodeURIComponent(out.sync_id)}`, { waitUntil: 'networkidle0' });
await heading('sales every minute');
await page.waitForFunction((id) => [...document.querySelectorAll('main td a')].some((a) => a.textContent === id), {}, out.run_id);
await audit('sync');
await shot('sync');
await clickText('main button', 'Disable schedule');
await page.waitForFunction(() => [...document.querySelectorAll('main button')].some((b) => b.textContent === 'Enable schedule'));
out.disabled_sync = await apiGet(`/syncs/${encodeURIComponent(out.sync_id)}`);
await clickText('main button', 'Enable schedule');
await page.waitForFunction(() => [...document.querySelectorAll('main button')].some((b) => b.textContent === 'Disable schedule'));

// --- A long run, watched live, then cancelled ---
await page.goto(`${BASE}/#/syncs/new?connection=${encodeURIComponent(connId)}&stream=${encodeURIComponent(SLOW)}`, { waitUntil: 'networkidle0' });
await page.waitForSelector(`main tr[data-stream="${SLOW}"] input:checked`);
await fill('name', 'slow');
await fill('destination.path', 'warehouse/slow');
await clickText('main button', 'Create sync');
await heading('slow');
out.slow_sync_id = decodeURIComponent((await hash()).match(/#\/syncs\/([^?]+)/)[1]);
await clickText('main button', 'Run now');
await page.waitForSelector('main [data-run-status="running"]', { timeout: 30000 });
await page.waitForSelector('main [data-progress="statement"]', { timeout: 30000 });
out.live_statement = await text('main [data-progress="statement"]');
out.live_speed = await text('main [data-progress="speed"]');
await shot('run-live');
out.slow_run_id = decodeURIComponent((await hash()).slice('#/runs/'.length));
await clickText('main button', 'Cancel run');
await page.waitForSelector('main [data-run-status="cancelled"]', { timeout: 30000 });
await audit('run-cancelled');
await shot('run-cancelled');

// --- A role without ListTables: that permission refused with AWS's message ---
await page.goto(`${BASE}/#/connections/new`, { waitUntil: 'networkidle0' });
await heading('New connection');
await fill('name', 'limited');
await fill('workgroup', 'default');
await fill('role_arn', env('RSX_ROLE_LIMITED'));
await clickText('main button', 'Create and show the policies');
await heading('limited');
await clickText('main button', 'Test connection');
await page.waitForSelector('main .checklist');
out.limited = await page.$$eval('main .checklist[aria-label="Permissions"] li.refused', (ls) => ls.map((l) => ({
  action: l.querySelector('.action').textContent,
  result: l.querySelector('.result').textContent,
  message: l.querySelector('.aws-message').textContent,
  fix: l.querySelector('.fix').textContent,
})));
out.limited_granted = await page.$$eval('main .checklist[aria-label="Permissions"] li.granted', (l) => l.length);
await shot('connection-refused');

// --- Every page at phone width too ---
await page.goto(`${BASE}/#/connections`, { waitUntil: 'networkidle0' });
await heading('Connections');
await audit('connections');
await shot('connections');
await page.goto(`${BASE}/#/syncs`, { waitUntil: 'networkidle0' });
await heading('Syncs');
await audit('syncs');
await shot('syncs');
await page.setViewport(PHONE);
const phonePages = [
  ['connections', '#/connections', 'Connections'],
  ['connection', `#/connections/${encodeURIComponent(connId)}`, 'warehouse'],
  ['connection-new', '#/connections/new', 'New connection'],
  ['browse', `#/connections/${encodeURIComponent(connId)}/browse`, 'Browse warehouse'],
  ['syncs', '#/syncs', 'Syncs'],
  ['sync', `#/syncs/${encodeURIComponent(out.sync_id)}`, 'sales every minute'],
  ['sync-new', `#/syncs/${encodeURIComponent(out.sync_id)}/edit`, 'Edit sales every minute'],
  ['run', `#/runs/${encodeURIComponent(out.run_id)}`, `Run ${out.run_id}`],
  ['run-cancelled', `#/runs/${encodeURIComponent(out.slow_run_id)}`, `Run ${out.slow_run_id}`],
];
for (const [name, h, title] of phonePages) {
  await page.goto(`${BASE}/${h}`, { waitUntil: 'networkidle0' });
  await heading(title);
  if (name === 'browse') {
    await clickText('main button.pick', 'public');
    await clickText('main button.pick', 'sales');
    await page.waitForFunction(() => [...document.querySelectorAll('main caption')].some((x) => x.textContent === 'Columns of public.sales'));
  }
  if (name === 'sync-new') await page.waitForSelector('main tr[data-stream="public.sales"]');
  await audit(`${name}-phone`);
  await shot(name);
}

// --- Sign out forgets the key ---
await page.setViewport(DESKTOP);
await page.goto(`${BASE}/#/connections`, { waitUntil: 'networkidle0' });
await heading('Connections');
await clickText('header button', 'Sign out');
await heading('Sign in');
out.key_after_signout = await page.evaluate(() => sessionStorage.getItem('rsx.api_key'));
await shot('signin-after-signout');
await page.setViewport(PHONE);
await shot('signin');

const lines = await Promise.all(recorded);
fs.appendFileSync(env('RSX_RECORDS'), lines.map((l) => `${l}\n`).join(''));
out.api_answers_recorded = lines.length;
await browser.close();
out.dialogs = seen.dialogs;
out.console_errors = seen.errors;
out.expected_4xx = seen.expected_4xx || 0;
out.foreign_requests = seen.foreign;
out.axe = seen.axe;
out.screenshots = seen.pages;
out.keyboard_clicks = seen.keyboard_clicks || 0;
console.log(JSON.stringify(out));
