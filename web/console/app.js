// The console: a hash router over views that call the API. No state beyond the tab's session.

import { api, session } from './api.js';
import { h, clear, field, formError, showError } from './dom.js';
import * as connections from './connections.js';
import * as browse from './browse.js';
import * as syncs from './syncs.js';
import * as runs from './runs.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
let timers = [];
let generation = 0;

const routes = [
  [/^\/signin$/, signIn],
  [/^\/connections$/, connections.list],
  [/^\/connections\/new$/, connections.create],
  [/^\/connections\/([\w-]+)$/, connections.detail],
  [/^\/connections\/([\w-]+)\/browse$/, browse.view],
  [/^\/syncs$/, syncs.list],
  [/^\/syncs\/new$/, syncs.form],
  [/^\/syncs\/([\w-]+)$/, syncs.detail],
  [/^\/syncs\/([\w-]+)\/edit$/, syncs.form],
  [/^\/runs\/([\w-]+)$/, runs.detail],
];

// What a view gets: the route's ids and query, a way to refresh on a timer (stopped when
// the page changes), navigation and the page title.
function context(query, gen) {
  return {
    query,
    every(ms, fn) {
      const t = setInterval(() => {
        if (gen === generation) fn();
      }, ms);
      timers.push(t);
    },
    live: () => gen === generation,
    go: (hash) => {
      location.hash = hash;
    },
    title: (t) => {
      document.title = `${t} · rsx console`;
    },
  };
}

async function render() {
  const gen = ++generation;
  timers.forEach(clearInterval);
  timers = [];
  const raw = location.hash.replace(/^#/, '') || '/connections';
  const [path, qs] = raw.split('?');
  const query = new URLSearchParams(qs || '');
  const signedIn = !!session.key();
  nav.hidden = !signedIn;
  if (!signedIn && path !== '/signin') {
    location.replace('#/signin');
    return;
  }
  for (const a of nav.querySelectorAll('a')) {
    if (path.startsWith(a.getAttribute('href').slice(1))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const route = routes.find(([re]) => re.test(path));
  let content;
  const ctx = context(query, gen);
  try {
    if (!route) {
      ctx.title('Not found');
      content = h('section', {}, h('h1', {}, 'Not found'), h('p', {}, 'No page here. '), h('a', { href: '#/connections' }, 'Connections'));
    } else {
      const args = path.match(route[0]).slice(1);
      content = await route[1](ctx, ...args);
    }
  } catch (e) {
    ctx.title('Error');
    content = h('section', {}, h('h1', {}, 'Something went wrong'),
      h('p', { class: 'error', role: 'alert' }, e.message || String(e)));
  }
  if (gen !== generation) return;
  clear(main).append(content);
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

async function signIn(ctx) {
  ctx.title('Sign in');
  const key = h('input', { name: 'api_key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true });
  const form = h('form', { class: 'card narrow', novalidate: true },
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Sign in with your organization\'s API key. It is kept in this tab only and forgotten when you sign out or close the tab.'),
    formError(),
    field('API key', key, 'It starts with rsx_.'),
    h('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!key.value.trim()) {
      showError(form, { field: 'api_key', message: 'Enter the API key.' });
      return;
    }
    session.signIn(key.value.trim());
    try {
      await api('GET', '/organization');
      ctx.go('#/connections');
    } catch (e) {
      session.signOut();
      showError(form, { field: 'api_key', message: e.status === 401 ? 'This key is not valid (or was revoked).' : e.message });
    }
  });
  return form;
}

document.getElementById('signout').addEventListener('click', () => {
  session.signOut();
  location.hash = '#/signin';
});
window.addEventListener('rsx:unauthenticated', () => {
  session.signOut();
  location.hash = '#/signin';
});
window.addEventListener('hashchange', render);
render();
