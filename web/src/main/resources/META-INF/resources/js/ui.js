// Small DOM helpers and formatters shared by the pages. No framework: h() builds elements, the
// pages replace what they own.

/** h('a', {href: '#/'}, 'text', child, [more]) — attributes starting with "on" become listeners. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'text') el.textContent = v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, v);
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** The word shown for a status (and read by screen readers), next to its dot. */
const WORDS = {
  succeeded: 'succeeded', failed: 'failed', running: 'running', queued: 'queued', cached: 'cached',
  cancelled: 'cancelled', 'farm-error': 'farm error', built: 'built', none: 'no builds',
};

export function status(s, text) {
  const key = s || 'none';
  return h('span', { class: `status s-${key}` }, h('span', { class: 'dot', 'aria-hidden': 'true' }), text || WORDS[key] || key);
}

export function bytes(n) {
  if (n === undefined || n === null) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  do { v /= 1024; i++; } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function duration(ms) {
  if (ms === undefined || ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const rtf = typeof Intl !== 'undefined' && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat('en', { numeric: 'auto' }) : null;

/** A <time> saying "5 minutes ago", with the exact time as its title. */
export function when(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  return h('time', { datetime: d.toISOString(), title: d.toLocaleString() }, ago(d));
}

export function ago(d) {
  const secs = Math.round((d.getTime() - Date.now()) / 1000);
  const abs = Math.abs(secs);
  if (!rtf) return d.toLocaleString();
  if (abs < 60) return rtf.format(secs, 'second');
  if (abs < 3600) return rtf.format(Math.round(secs / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(secs / 3600), 'hour');
  if (abs < 86400 * 30) return rtf.format(Math.round(secs / 86400), 'day');
  return d.toLocaleDateString();
}

export function short(sha, n = 12) {
  return sha ? sha.slice(0, n) : '';
}

/** Says something to screen readers (page changes, copies, live status). */
export function announce(text) {
  const a = document.getElementById('announcer');
  if (!a) return;
  a.textContent = '';
  setTimeout(() => { a.textContent = text; }, 30);
}

/** A button that copies `text`; its label says what (for screen readers: "Copy bundle URL"). */
export function copyButton(text, what) {
  const btn = h('button', { type: 'button', class: 'small', 'aria-label': `Copy ${what}`, 'data-copy': what }, 'Copy');
  btn.addEventListener('click', async () => {
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      // no clipboard permission (plain http, old browser): select a temporary textarea
      const ta = h('textarea', { 'aria-hidden': 'true', style: 'position:fixed;opacity:0' });
      ta.value = text;
      document.body.append(ta);
      ta.select();
      try { ok = document.execCommand('copy'); } catch { ok = false; }
      ta.remove();
    }
    btn.textContent = ok ? 'Copied' : 'Copy failed';
    btn.dataset.copied = ok ? 'true' : 'false';
    announce(ok ? `${what} copied` : `Could not copy the ${what}; select it by hand`);
    setTimeout(() => { btn.textContent = 'Copy'; }, 1800);
  });
  return btn;
}

/** A labelled value with a copy button: label, the value (code or pre), button. */
export function copyRow(label, value, { multiline = false } = {}) {
  const id = `v-${Math.random().toString(36).slice(2, 9)}`;
  return h('div', { class: 'copy-row' },
    h('span', { class: 'label', id }, label),
    multiline ? h('pre', { 'aria-labelledby': id, tabindex: '0' }, value) : h('code', { 'aria-labelledby': id }, value),
    copyButton(value, label.toLowerCase()));
}

/** Shows a failed call in a way a person can act on. */
export function errorView(err, what = 'This page') {
  const p = err?.problem;
  if (err?.name === 'AbortError') return h('span');
  let hint = null;
  if (err?.status === 401) hint = h('p', {}, 'The token set on the ', h('a', { href: '#/notifications' }, 'Notifications'), ' page is not accepted: clear it or set another one.');
  if (err?.status === 404) hint = h('p', {}, 'It may not exist, or it is private to its tenant and maintainers.');
  return h('div', { class: 'error', role: 'alert' },
    h('h2', {}, `${what} could not be loaded`),
    h('p', {}, p?.detail || err?.message || String(err)),
    hint,
    p?.type ? h('p', { class: 'muted' }, `Problem type: ${p.type}${p.status ? ` (HTTP ${p.status})` : ''}`) : null);
}

export function loading(what = 'Loading') {
  return h('p', { class: 'loading', role: 'status' }, `${what}…`);
}

/** Previous / next for a page of `total` items; `go(page)` with pages counted from 1. */
export function pager({ page, size, total, go, label = 'items' }) {
  const pages = Math.max(1, Math.ceil(total / size));
  const first = total === 0 ? 0 : (page - 1) * size + 1;
  const last = Math.min(total, page * size);
  return h('nav', { class: 'pager', 'aria-label': `Pages of ${label}` },
    h('span', { role: 'status' }, total === 0 ? `No ${label}` : `${first}–${last} of ${total} ${label}`),
    h('span', {},
      h('button', { type: 'button', disabled: page <= 1, onclick: () => go(page - 1), 'aria-label': 'Previous page' }, '← Previous'),
      ' ',
      h('span', { class: 'muted' }, `page ${page} of ${pages}`),
      ' ',
      h('button', { type: 'button', disabled: page >= pages, onclick: () => go(page + 1), 'aria-label': 'Next page' }, 'Next →')));
}

/** A labelled form field: label + control, tied by id. */
export function field(label, control, { grow = false, hint } = {}) {
  if (!control.id) control.id = `f-${Math.random().toString(36).slice(2, 9)}`;
  const hintEl = hint ? h('span', { class: 'muted', id: `${control.id}-hint`, style: 'font-size:0.8em' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: grow ? 'field grow' : 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

export function select(name, options, value) {
  const s = h('select', { name });
  for (const o of options) {
    const [v, text] = Array.isArray(o) ? o : [o, o];
    const opt = h('option', { value: v }, text);
    if (String(v) === String(value ?? '')) opt.selected = true;
    s.append(opt);
  }
  return s;
}

export function debounce(fn, ms) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

/** "#/builds?status=failed" → the route's query as an object. */
export function routeLink(path, query = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, v);
  const s = params.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

/** The PostgreSQL majors offered in filters when the farm does not say. */
export const DEFAULT_MAJORS = [18, 17, 16, 15, 14];

/** Where `docker pull` finds a bundle's image: <host>/extensions/<name>:<version>-pg<major>-<distro>-<arch>. */
export function dockerRef(name, version, pgMajor, platform) {
  const parts = (platform || '').split('-');
  const distroArch = parts.length >= 3 ? parts.slice(0, -1).join('-') : platform;
  const tag = `${version}-pg${pgMajor}-${distroArch}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 128);
  return `${location.host}/extensions/${name}:${tag}`;
}

export function absolute(path) {
  return new URL(path.startsWith('/') ? path : `/${path}`, location.origin).href;
}
