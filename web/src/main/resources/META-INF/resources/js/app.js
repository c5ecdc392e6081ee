// The router: #/..., one module per page, loaded on first use. A page module exports
// render(main, {params, query, navigate}) and may return a function that stops what it started
// (timers, live tails, pending requests) when the user leaves.

import { announce, clear, errorView, h } from './ui.js';
import { getJson, token } from './api.js';

const routes = [
  { re: /^\/?$/, page: 'catalog', nav: 'catalog' },
  { re: /^\/extensions\/?$/, page: 'catalog', nav: 'catalog' },
  { re: /^\/extensions\/([^/]+)$/, page: 'extension', nav: 'catalog', keys: ['name'] },
  { re: /^\/builds\/?$/, page: 'builds', nav: 'builds' },
  { re: /^\/builds\/(\d+)$/, page: 'build', nav: 'builds', keys: ['id'] },
  { re: /^\/failures\/?$/, page: 'failures', nav: 'failures' },
  { re: /^\/farm\/?$/, page: 'farm', nav: 'farm' },
  { re: /^\/notifications\/?$/, page: 'notifications', nav: 'notifications' },
];

const main = document.getElementById('main');
let stop = null;
let rendered = null;

function parse() {
  const raw = location.hash.startsWith('#/') ? location.hash.slice(1) : '/';
  const [path, qs] = raw.split('?', 2);
  const query = Object.fromEntries(new URLSearchParams(qs || ''));
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const params = {};
      (r.keys || []).forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
      return { ...r, path, params, query };
    }
  }
  return { page: null, path, params: {}, query };
}

/** Changes the query of the current route; replace=true for typing (no history entry per key). */
export function navigate(path, query = {}, { replace = false } = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, v);
  const s = params.toString();
  const hash = `#${path}${s ? `?${s}` : ''}`;
  if (hash === location.hash) return;
  if (replace) {
    history.replaceState(null, '', hash);
    route({ soft: true });
  } else {
    location.hash = hash;
  }
}

async function route({ soft = false } = {}) {
  const r = parse();
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === r.nav) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  // the same page with another query re-renders in place (the page keeps focus in its form)
  const samePage = soft || (rendered && rendered.page === r.page && JSON.stringify(rendered.params) === JSON.stringify(r.params));
  if (typeof stop === 'function') { try { stop(); } catch { /* ignore */ } }
  stop = null;
  if (!r.page) {
    clear(main, h('h1', {}, 'Not found'), h('p', {}, 'There is no page at ', h('code', {}, r.path), '. ', h('a', { href: '#/' }, 'Go to the catalog.')));
    document.title = 'Not found · extfarm';
    return;
  }
  try {
    const mod = await import(`./pages/${r.page}.js`);
    if (!samePage) clear(main);
    stop = await mod.render(main, { params: r.params, query: r.query, navigate, samePage });
    rendered = { page: r.page, params: r.params };
    if (!samePage) {
      const h1 = main.querySelector('h1');
      if (h1) {
        document.title = `${h1.textContent} · extfarm`;
        announce(h1.textContent);
      }
      main.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    }
  } catch (e) {
    clear(main, h('h1', {}, 'Something went wrong'), errorView(e));
  }
}

async function showWho() {
  const who = document.getElementById('who');
  if (!token()) { who.hidden = true; return; }
  try {
    const me = await getJson('/api/v1/me');
    who.textContent = `signed in: ${me.role}${me.label ? ` (${me.label})` : ''}`;
    who.hidden = false;
  } catch {
    who.textContent = 'token not accepted';
    who.hidden = false;
  }
}

document.querySelector('[data-skip]')?.addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', () => route());
window.addEventListener('extfarm:token', showWho);
route();
showWho();
