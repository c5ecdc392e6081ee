// Farm: workers (state, last seen, current job), queue length per target, throughput of the last
// hour and day. Refreshes itself every few seconds while shown.

import { getJson } from '../api.js';
import { clear, duration, errorView, h, loading, routeLink, status, when } from '../ui.js';

const REFRESH_MS = 5000;

export async function render(main) {
  const body = h('div', { id: 'farm' });
  const refreshed = h('p', { class: 'muted', role: 'status', 'aria-live': 'off' });
  clear(main, h('h1', {}, 'Farm'), h('p', { class: 'lede' }, 'Who is building what, how long the queue is, and how much got done.'), refreshed, body);
  body.append(loading('Loading the farm'));
  const ctl = new AbortController();
  let timer = null;
  const tick = async () => {
    try {
      const farm = await getJson('/api/v1/farm', {}, { signal: ctl.signal });
      clear(body, view(farm));
      refreshed.textContent = `Updated ${new Date(farm.generated_at).toLocaleTimeString()}; refreshes every ${REFRESH_MS / 1000} s.`;
    } catch (e) {
      if (e.name === 'AbortError') return;
      clear(body, errorView(e, 'The farm'));
    }
    timer = setTimeout(tick, REFRESH_MS);
  };
  await tick();
  return () => { ctl.abort(); clearTimeout(timer); };
}

function view(f) {
  const q = f.queue;
  const t = f.throughput;
  const sum = (m) => Object.values(m || {}).reduce((a, b) => a + b, 0);
  const failed = (m) => (m?.failed || 0) + (m?.['farm-error'] || 0);
  const maxHour = Math.max(1, ...t.hourly.map((x) => x.finished));
  return [
    h('div', { class: 'answer', role: 'region', 'aria-label': 'Summary' },
      h('p', {}, h('strong', {}, `${f.workers.filter((w) => w.state === 'busy').length} busy`), ` of ${f.workers.length} worker${f.workers.length === 1 ? '' : 's'}; `,
        h('a', { href: routeLink('/builds', { status: 'queued' }) }, `${q.queued} queued`), ', ',
        h('a', { href: routeLink('/builds', { status: 'running' }) }, `${q.running} running`),
        q.oldest_queued_at ? [', oldest waiting since ', when(q.oldest_queued_at)] : null, '.'),
      h('p', {}, `Last hour: ${sum(t.last_hour)} finished, ${failed(t.last_hour)} failed. Last 24 hours: ${sum(t.last24h)} finished, ${failed(t.last24h)} failed`,
        t.median_duration_millis != null ? `; median build ${duration(t.median_duration_millis)}` : '', '.')),
    h('h2', { id: 'workers-h' }, 'Workers'),
    f.workers.length ? h('div', { class: 'table-wrap' }, h('table', { 'aria-labelledby': 'workers-h' },
      h('thead', {}, h('tr', {}, ['Worker', 'State', 'Current job', 'Last seen', 'Builds (24 h)', 'Failed (24 h)']
        .map((x, i) => h('th', { scope: 'col', class: i >= 4 ? 'num' : null }, x)))),
      h('tbody', {}, f.workers.map((w) => h('tr', { dataset: { worker: w.id } },
        h('th', { scope: 'row' }, h('code', {}, w.id)),
        h('td', {}, status(w.state === 'busy' ? 'running' : w.state === 'idle' ? 'succeeded' : 'none', w.state)),
        h('td', {}, current(w.current)),
        h('td', {}, when(w.last_seen_at)),
        h('td', { class: 'num' }, w.builds24h ?? w.builds_24h ?? 0),
        h('td', { class: 'num' }, w.failed24h ?? w.failed_24h ?? 0)))))) : h('p', { class: 'empty' }, 'No worker has claimed a job in the last 7 days.'),
    h('h2', { id: 'queue-h' }, 'Queue per target'),
    h('div', { class: 'table-wrap' }, h('table', { 'aria-labelledby': 'queue-h' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'PostgreSQL'), h('th', { scope: 'col' }, 'Platform'),
        h('th', { scope: 'col', class: 'num' }, 'Queued'), h('th', { scope: 'col', class: 'num' }, 'Running'))),
      h('tbody', {}, q.targets.map((x) => h('tr', {},
        h('td', {}, x.pg_major), h('td', {}, x.platform),
        h('td', { class: 'num' }, h('a', { href: routeLink('/builds', { status: 'queued', pg: x.pg_major }) }, x.queued)),
        h('td', { class: 'num' }, h('a', { href: routeLink('/builds', { status: 'running', pg: x.pg_major }) }, x.running))))))),
    h('h2', { id: 'tp-h' }, 'Throughput, last 24 hours'),
    h('div', { class: 'meter', role: 'img', 'aria-label': `Builds finished per hour: ${t.hourly.map((x) => x.finished).join(', ')}` },
      t.hourly.map((x) => h('span', {
        class: x.failed > x.finished / 2 ? 'bad' : null,
        style: `height:${(100 * x.finished) / maxHour}%`,
        title: `${new Date(x.hour).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: ${x.finished} finished, ${x.failed} failed`,
      }))),
    h('div', { class: 'table-wrap', style: 'margin-top:0.8rem' }, h('table', {},
      h('caption', { class: 'sr-only' }, 'Finished builds by status'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col', class: 'num' }, 'Last hour'), h('th', { scope: 'col', class: 'num' }, 'Last 24 hours'))),
      h('tbody', {}, Object.keys(t.last24h || {}).length
        ? Object.keys(t.last24h).map((s) => h('tr', {}, h('td', {}, status(s)), h('td', { class: 'num' }, t.last_hour[s] || 0), h('td', { class: 'num' }, t.last24h[s])))
        : h('tr', {}, h('td', { colspan: '3', class: 'muted' }, 'Nothing finished in the last 24 hours.'))))),
  ];
}

function current(c) {
  if (!c) return h('span', { class: 'muted' }, '—');
  if (c.hidden) return h('span', { class: 'muted' }, 'a private build');
  return h('span', {}, h('a', { href: `#/builds/${c.build_id}` }, `#${c.build_id}`), ` ${c.extension} ${c.version}, PostgreSQL ${c.pg_major}`,
    c.step ? h('span', { class: 'muted' }, ` — ${c.step}`) : null);
}
