// The service's API (/api/v1), with the organization's key from this tab's session storage:
// never in a URL, never in a cookie, gone when the tab closes or on sign-out.

const KEY = 'rsx.api_key';

export const session = {
  key: () => sessionStorage.getItem(KEY),
  signIn: (key) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const key = session.key();
  if (key) headers.Authorization = `Bearer ${key}`;
  const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  } else if (method === 'POST') {
    init.body = '';
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch (e) {
    throw new ApiError(0, 'network', `The service did not answer (${e.message}).`);
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    throw new ApiError(res.status, 'bad_reply', `The service answered ${res.status} without JSON.`);
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ApiError(res.status, e.code || 'error', e.message || `HTTP ${res.status}`, e.field);
    if (res.status === 401 && path !== '/organization') window.dispatchEvent(new CustomEvent('rsx:unauthenticated'));
    throw err;
  }
  return data;
}

// Every item of a list endpoint ({"items", "next"}), page after page.
export async function all(path) {
  const items = [];
  let after = '';
  for (let i = 0; i < 50; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', `${path}${sep}limit=200${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    items.push(...page.items);
    if (!page.next) break;
    after = page.next;
  }
  return items;
}
