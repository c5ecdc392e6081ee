// Catalog: search as you type, filter by PostgreSQL major and license. Each card shows the newest
// version, the majors built, the size and a status dot for the latest builds (from the
// extension's detail, fetched for the cards on screen only).

import { extensionDetail, getJson, mapLimited } from '../api.js';
import { bytes, clear, debounce, DEFAULT_MAJORS, errorView, field, h, loading, pager, select, status } from '../ui.js';
import { farmMajors } from './shared.js';

const PAGE_SIZE = 20;

export async function render(main, { query, navigate, samePage }) {
  const q = query.q || '';
  const pg = query.pg || '';
  const license = query.license || '';
  const page = Math.max(1, Number(query.page) || 1);

  let results = main.querySelector('#catalog-results');
  if (!samePage || !results) {
    const search = h('input', { type: 'search', name: 'q', value: q, placeholder: 'vector, postgis, semver…', autocomplete: 'off',
      spellcheck: 'false', 'aria-controls': 'catalog-results' });
    const majors = await farmMajors().catch(() => DEFAULT_MAJORS);
    const pgSel = select('pg', [['', 'Any'], ...majors.map((m) => [m, `PostgreSQL ${m}`])], pg);
    const lic = h('input', { type: 'text', name: 'license', value: license, list: 'licenses', placeholder: 'any', autocomplete: 'off' });
    const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Search the catalog' },
      field('Search extensions', search, { grow: true }),
      field('PostgreSQL major', pgSel),
      field('License', lic),
      h('datalist', { id: 'licenses' }, ['PostgreSQL', 'MIT', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', 'GPL-2.0-or-later']
        .map((l) => h('option', { value: l }))));
    // A debounced apply can fire after the user has already left (typed, then clicked a card at
    // once): it must not drag them back to the catalog.
    const apply = (replace) => {
      if (!form.isConnected) return;
      navigate('/', { q: search.value.trim(), pg: pgSel.value, license: lic.value.trim() }, { replace });
    };
    search.addEventListener('input', debounce(() => apply(true), 180));
    lic.addEventListener('input', debounce(() => apply(true), 300));
    pgSel.addEventListener('change', () => apply(false));
    form.addEventListener('submit', (e) => { e.preventDefault(); apply(false); });
    results = h('section', { id: 'catalog-results', 'aria-live': 'polite', 'aria-busy': 'true', 'aria-label': 'Extensions' });
    clear(main,
      h('h1', {}, 'Extension catalog'),
      h('p', { class: 'lede' }, 'PostgreSQL extension bundles built by the farm. Open one to see its PostgreSQL majors, platforms, and what to pull.'),
      form, results);
  }

  const ctl = new AbortController();
  results.setAttribute('aria-busy', 'true');
  if (!results.firstChild) results.append(loading('Searching'));
  let data;
  try {
    data = await getJson('/api/v1/extensions', { q, pg, license, page, size: PAGE_SIZE }, { signal: ctl.signal });
  } catch (e) {
    if (e.name !== 'AbortError') clear(results, errorView(e, 'The catalog'));
    results.setAttribute('aria-busy', 'false');
    return () => ctl.abort();
  }
  const cards = h('ul', { class: 'cards' }, data.items.map((x) => card(x, pg)));
  clear(results,
    data.total === 0
      ? h('p', { class: 'empty' }, q || pg || license ? 'No extension matches these filters.' : 'The catalog is empty: no bundle has been published yet.')
      : null,
    data.total > 0 ? cards : null,
    data.total > PAGE_SIZE ? pager({ page, size: PAGE_SIZE, total: data.total, label: 'extensions',
      go: (p) => navigate('/', { q, pg, license, page: p }) }) : h('p', { class: 'muted', role: 'status' },
      data.total === 1 ? '1 extension' : `${data.total} extensions`));
  results.setAttribute('aria-busy', 'false');
  // build status of every card in one request; sizes from each extension's detail, a few at a time
  if (data.items.length) {
    getJson('/api/v1/farm/latest-builds', { extensions: data.items.map((x) => x.name).join(',') }, { signal: ctl.signal })
      .then((latest) => {
        for (const x of data.items) {
          const builds = latest.items.filter((b) => b.extension === x.name && (!pg || String(b.pg_major) === String(pg)));
          dot(results.querySelector(`[data-ext="${CSS.escape(x.name)}"]`), builds);
        }
      })
      .catch(() => { /* the cards keep "checking builds" */ });
    mapLimited(data.items, 6, async (x) => {
      const d = await extensionDetail(x.name, { signal: ctl.signal });
      size(results.querySelector(`[data-ext="${CSS.escape(x.name)}"]`), d, pg);
    });
  }
  return () => ctl.abort();
}

function card(x, pg) {
  const href = `#/extensions/${encodeURIComponent(x.name)}`;
  return h('li', { class: 'card', dataset: { ext: x.name } },
    h('h2', {}, h('a', { href }, x.name), x.visibility === 'private' ? h('span', { class: 'chip', style: 'margin-left:0.5rem' }, 'private') : null),
    h('span', { class: 'card-status' }, status('none', 'checking builds…')),
    x.description ? h('p', { class: 'desc' }, x.description) : null,
    h('dl', { class: 'facts' },
      h('div', {}, h('dt', {}, 'Newest'), h('dd', { class: 'newest' }, newest(x))),
      h('div', {}, h('dt', {}, 'PostgreSQL'), h('dd', { class: 'majors' }, (x.pg_majors || []).join(', ') || '—')),
      h('div', {}, h('dt', {}, 'Size'), h('dd', { class: 'size' }, '…')),
      h('div', {}, h('dt', {}, 'License'), h('dd', {}, (x.licenses || []).join(', ') || '—')),
      h('div', { class: 'hide-narrow' }, h('dt', {}, 'Platforms'), h('dd', {}, (x.platforms || []).join(', ') || '—'))));
}

/** The newest version, or each major's when they differ (a recipe with per-major variants). */
function newest(x) {
  const byMajor = Object.entries(x.latest_version_by_major || {}).sort((a, b) => Number(b[0]) - Number(a[0]));
  if (!x.latest_version) return '—';
  if (new Set(byMajor.map(([, v]) => v)).size <= 1) return h('code', {}, x.latest_version);
  return h('span', { class: 'per-major' }, ...byMajor.flatMap(([major, v], i) =>
    [i ? ', ' : null, h('code', { title: `newest on PostgreSQL ${major}` }, v), ` (${major})`]));
}

/** Size of the newest version's bundle(s). */
function size(el, d, pg) {
  if (!el || !d || d instanceof Error) return;
  const newest = d.versions?.[0];
  const sizes = (newest?.bundles || []).filter((b) => !pg || String(b.pg_major) === String(pg)).map((b) => b.size);
  const min = Math.min(...sizes);
  const max = Math.max(...sizes);
  el.querySelector('.size').textContent = !sizes.length ? '—' : min === max ? bytes(min) : `${bytes(min)}–${bytes(max)}`;
}

/** One dot for the newest build of each PG major × platform: red if any failed, then running, queued, green. */
function dot(el, builds) {
  if (!el) return;
  const statuses = builds.map((b) => b.status);
  const bad = statuses.filter((s) => s === 'failed' || s === 'farm-error').length;
  let summary;
  if (!statuses.length) summary = status('built', 'published (no builds)');
  else if (bad) summary = status('failed', `latest builds: ${bad} of ${statuses.length} failed`);
  else if (statuses.includes('running')) summary = status('running', 'building now');
  else if (statuses.includes('queued')) summary = status('queued', 'builds queued');
  else summary = status('succeeded', 'latest builds succeeded');
  summary.title = builds.map((b) => `PostgreSQL ${b.pg_major} (${b.platform}): ${b.status}${b.cause ? `, ${b.cause}` : ''}`).join('\n');
  el.querySelector('.card-status').replaceChildren(summary);
}
