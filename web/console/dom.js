// Building the page: every value from the API becomes a text node or an attribute value set
// through the DOM, never markup, so table, column and error names cannot inject HTML.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let ids = 0;
export const uid = (p) => `${p}-${++ids}`;

// A labelled form field with a place for its error. `name` is the API's field name, so an
// error the API returns for that field is shown right under it.
export function field(label, input, hint) {
  const id = input.id || (input.id = uid('f'));
  const error = h('p', { class: 'field-error', id: `${id}-error`, 'data-error-for': input.name || '' });
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  input.setAttribute('aria-describedby', [hintEl && hintEl.id, error.id].filter(Boolean).join(' '));
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hintEl, error);
}

// Shows an API error next to the field it names (or at the top of the form), focusing it.
export function showError(form, err) {
  clearErrors(form);
  const message = err && err.message ? err.message : String(err);
  let slot = null;
  if (err && err.field) {
    slot = [...form.querySelectorAll('[data-error-for]')].find((e) => e.dataset.errorFor === err.field);
    if (!slot) {
      // streams[0].cursor has no input of its own when the form lays streams out in a table
      const base = err.field.replace(/\[\d+\].*$/, '');
      slot = [...form.querySelectorAll('[data-error-for]')].find((e) => e.dataset.errorFor === base);
    }
  }
  if (slot) {
    slot.textContent = message;
    const input = form.querySelector(`#${CSS.escape(slot.id.replace(/-error$/, ''))}`);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
    return;
  }
  const top = form.querySelector('.form-error');
  if (top) {
    top.textContent = (err && err.field ? `${err.field}: ` : '') + message;
    top.focus();
  }
}

export function clearErrors(form) {
  for (const e of form.querySelectorAll('.field-error, .form-error')) e.textContent = '';
  for (const e of form.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
}

export function formError() {
  return h('p', { class: 'form-error', role: 'alert', tabindex: '-1' });
}

// A <pre> with the exact JSON the API returned and a button that copies it.
export function copyBlock(label, text) {
  const id = uid('copy');
  const status = h('span', { class: 'copied', role: 'status' });
  const button = h('button', {
    type: 'button',
    class: 'secondary',
    'aria-describedby': id,
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(text);
        status.textContent = 'Copied';
      } catch {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById(id));
        const sel = getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        status.textContent = 'Selected: press Ctrl+C';
      }
      setTimeout(() => (status.textContent = ''), 3000);
    },
  }, `Copy ${label}`);
  return h('div', { class: 'copy-block' },
    h('div', { class: 'copy-head' }, h('span', { class: 'copy-label' }, label), button, status),
    h('pre', { id, tabindex: '0', 'aria-label': label }, text));
}

export function table(caption, headers, rows) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.length ? rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))
        : h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, 'None')))));
}

export function badge(text, kind) {
  return h('span', { class: `badge ${kind || text}` }, text);
}
