// Failures grouped by cause: "12 builds failed: 7 missing-build-dependency, 3 patch-rejected, …",
// each cause with the steps and extensions it hit and its latest example.

import { getJson } from '../api.js';
import { clear, debounce, DEFAULT_MAJORS, errorView, field, h, loading, routeLink, select, when } from '../ui.js';
import { farmMajors } from './shared.js';

const WINDOWS = [['1', 'last 24 hours'], ['7', 'last 7 days'], ['30', 'last 30 days'], ['all', 'all time']];

export async function render(main, { query, navigate, samePage }) {
  const f = { days: query.days || '30', extension: query.extension || '', pg: query.pg || '', current: query.current || '' };
  let results = main.querySelector('#failures-results');
  if (!samePage || !results) {
    const majors = await farmMajors().catch(() => DEFAULT_MAJORS);
    const days = select('days', WINDOWS, f.days);
    const ext = h('input', { type: 'text', name: 'extension', value: f.extension, autocomplete: 'off', spellcheck: 'false', placeholder: 'any' });
    const pgSel = select('pg', [['', 'Any'], ...majors.map((m) => [m, `PostgreSQL ${m}`])], f.pg);
    const current = h('input', { type: 'checkbox', name: 'current', id: 'failures-current', checked: f.current === 'true' });
    const form = h('form', { class: 'filters', 'aria-label': 'Filter failures' },
      field('Period', days), field('Extension', ext), field('PostgreSQL major', pgSel),
      h('div', { class: 'field' }, h('span', { class: 'label', 'aria-hidden': 'true' }, ' '),
        h('label', { for: 'failures-current', class: 'checks' }, current, ' still failing (latest build of its extension × major)')));
    const apply = (replace) => form.isConnected && navigate('/failures', { // not after the user left the page
      days: days.value === '30' ? '' : days.value, extension: ext.value.trim(), pg: pgSel.value, current: current.checked ? 'true' : '',
    }, { replace });
    for (const s of [days, pgSel, current]) s.addEventListener('change', () => apply(false));
    ext.addEventListener('input', debounce(() => apply(true), 300));
    form.addEventListener('submit', (e) => { e.preventDefault(); apply(false); });
    results = h('section', { id: 'failures-results', 'aria-label': 'Failures by cause' });
    clear(main,
      h('h1', {}, 'Failures by cause'),
      h('nav', { class: 'tabs', 'aria-label': 'Build views' },
        h('a', { href: '#/builds' }, 'All builds'),
        h('a', { href: '#/failures', 'aria-current': 'page' }, 'Failures by cause')),
      form, results);
  }
  if (!results.firstChild) results.append(loading('Counting failures'));
  const ctl = new AbortController();
  const since = f.days === 'all' ? '' : new Date(Date.now() - Number(f.days) * 86400000).toISOString();
  try {
    const data = await getJson('/api/v1/farm/failures', { since, extension: f.extension, pg: f.pg, current: f.current }, { signal: ctl.signal });
    clear(results, view(data, f, since));
  } catch (e) {
    if (e.name !== 'AbortError') clear(results, errorView(e, 'The failures'));
  }
  return () => ctl.abort();
}

function view(data, f, since) {
  if (!data.total) {
    return h('p', { class: 'callout ok', role: 'status' }, `No failed builds ${f.days === 'all' ? 'recorded' : `in the ${WINDOWS.find((w) => w[0] === f.days)?.[1] || 'period'}`}.`);
  }
  const max = Math.max(...data.causes.map((c) => c.count));
  const summary = `${data.total} build${data.total === 1 ? '' : 's'} failed: ${data.causes.map((c) => `${c.count} ${c.cause}`).join(', ')}`;
  const sinceDate = since ? since.slice(0, 10) : '';
  return [
    h('p', { class: 'answer', role: 'status', 'data-summary': '' }, h('strong', {}, summary)),
    h('ul', { class: 'bars', 'aria-label': 'Failed builds per cause' }, data.causes.map((c) => h('li', { dataset: { cause: c.cause } },
      h('a', { href: routeLink('/builds', { status: 'failed,farm-error', cause: c.cause, extension: f.extension, pg: f.pg, since: sinceDate }) },
        h('code', {}, c.cause)),
      h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: `width:${Math.max(2, (100 * c.count) / max)}%` })),
      h('span', { class: 'num' }, c.count)))),
    h('h2', {}, 'Details per cause'),
    ...data.causes.map((c) => h('section', { 'aria-label': c.cause },
      h('h3', {}, h('code', {}, c.cause), ` — ${c.count} build${c.count === 1 ? '' : 's'}`),
      h('p', {},
        'Responsibility: ', entries(c.responsibility), '. Step: ', entries(c.steps), '.'),
      h('p', {}, 'Extensions: ', c.extensions.map((e, i) => [i ? ', ' : '',
        h('a', { href: routeLink('/builds', { extension: e.name, cause: c.cause, status: 'failed,farm-error' }) }, e.name), ` (${e.count})`])),
      c.latest ? h('p', { class: 'muted' }, 'Latest: ', h('a', { href: `#/builds/${c.latest.id}` }, `#${c.latest.id}`),
        ` ${c.latest.extension} ${c.latest.version}, PostgreSQL ${c.latest.pg_major}, `, when(c.latest.finished_at),
        c.latest.message ? [' — ', c.latest.message] : null) : null)),
  ];
}

function entries(obj) {
  return Object.entries(obj || {}).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || '—';
}
