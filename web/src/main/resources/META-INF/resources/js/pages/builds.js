// Builds: newest first, filtered by status, extension, PostgreSQL major, cause and date; paged
// on the server (up to 200 a page), so a farm with thousands of builds stays quick.

import { BUILDS_FIRST_PAGE, getJson } from '../api.js';
import { clear, debounce, DEFAULT_MAJORS, errorView, field, h, loading, pager, select } from '../ui.js';
import { buildsTable, farmMajors, STATUSES } from './shared.js';

const SIZES = [50, 100, 200];

export async function render(main, { query, navigate, samePage }) {
  const f = {
    status: query.status || '', extension: query.extension || '', pg: query.pg || '', cause: query.cause || '',
    since: query.since || '', size: SIZES.includes(Number(query.size)) ? Number(query.size) : 50,
  };
  const page = Math.max(1, Number(query.page) || 1);
  let results = main.querySelector('#builds-results');
  if (!samePage || !results) {
    const majors = await farmMajors().catch(() => DEFAULT_MAJORS);
    const statusSel = select('status', [['', 'Any'], ...STATUSES.map((s) => [s, s]), ['queued,running', 'queued or running']], f.status);
    const ext = h('input', { type: 'text', name: 'extension', value: f.extension, autocomplete: 'off', spellcheck: 'false', placeholder: 'any' });
    const pgSel = select('pg', [['', 'Any'], ...majors.map((m) => [m, `PostgreSQL ${m}`])], f.pg);
    const cause = h('input', { type: 'text', name: 'cause', value: f.cause, autocomplete: 'off', spellcheck: 'false', placeholder: 'any' });
    const since = h('input', { type: 'date', name: 'since', value: f.since });
    const sizeSel = select('size', SIZES.map((s) => [s, `${s} a page`]), f.size);
    const form = h('form', { class: 'filters', 'aria-label': 'Filter builds' },
      field('Status', statusSel), field('Extension', ext), field('PostgreSQL major', pgSel),
      field('Failure cause', cause), field('Since', since), field('Page size', sizeSel));
    const apply = (replace) => form.isConnected && navigate('/builds', { // not after the user left the page
      status: statusSel.value, extension: ext.value.trim(), pg: pgSel.value, cause: cause.value.trim(), since: since.value,
      size: sizeSel.value === '50' ? '' : sizeSel.value,
    }, { replace });
    for (const s of [statusSel, pgSel, since, sizeSel]) s.addEventListener('change', () => apply(false));
    for (const t of [ext, cause]) t.addEventListener('input', debounce(() => apply(true), 300));
    form.addEventListener('submit', (e) => { e.preventDefault(); apply(false); });
    results = h('section', { id: 'builds-results', 'aria-label': 'Builds', 'aria-busy': 'true' });
    clear(main,
      h('h1', {}, 'Builds'),
      h('nav', { class: 'tabs', 'aria-label': 'Build views' },
        h('a', { href: '#/builds', 'aria-current': 'page' }, 'All builds'),
        h('a', { href: '#/failures' }, 'Failures by cause')),
      form, results);
  }
  results.setAttribute('aria-busy', 'true');
  if (!results.firstChild) results.append(loading('Loading builds'));
  const ctl = new AbortController();
  try {
    const data = await getJson('/api/v1/builds', {
      status: f.status, extension: f.extension, pg: f.pg, cause: f.cause, since: f.since,
      page: page - 1 + BUILDS_FIRST_PAGE, size: f.size,
    }, { signal: ctl.signal });
    const go = (p) => navigate('/builds', { ...f, size: f.size === 50 ? '' : f.size, page: p });
    clear(results,
      pager({ page, size: f.size, total: data.total, go, label: 'builds' }),
      data.items.length ? buildsTable(data.items, { caption: 'Builds, newest first' }) : h('p', { class: 'empty' }, 'No build matches these filters.'),
      data.total > f.size ? pager({ page, size: f.size, total: data.total, go, label: 'builds' }) : null);
  } catch (e) {
    if (e.name !== 'AbortError') clear(results, errorView(e, 'The builds'));
  }
  results.setAttribute('aria-busy', 'false');
  return () => ctl.abort();
}
