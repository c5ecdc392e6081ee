// Pieces more than one page shows: the farm's PostgreSQL majors, a table of builds, version order.

import { getJson } from '../api.js';
import { DEFAULT_MAJORS, duration, h, short, status, when } from '../ui.js';

let majors = null;

/** The majors the farm builds for (from GET /api/v1/farm), newest first. */
export function farmMajors() {
  if (!majors) {
    majors = getJson('/api/v1/farm/targets')
      .then((t) => {
        const list = [...new Set((t.targets || []).map((x) => x.pg_major))].sort((a, b) => b - a);
        return list.length ? list : DEFAULT_MAJORS;
      })
      .catch(() => DEFAULT_MAJORS);
  }
  return majors;
}

export const STATUSES = ['succeeded', 'failed', 'running', 'queued', 'cached', 'cancelled', 'farm-error'];

/** "missing-build-dependency at build-deps" for a failed build, or what it is waiting for. */
export function causeOf(b) {
  if (b.failure) {
    return h('span', {}, h('code', {}, b.failure.cause), ' at ', h('span', { class: 'nowrap' }, b.failure.step));
  }
  if (b.status === 'running') return h('span', { class: 'muted' }, b.current_step ? `in ${b.current_step}` : 'started');
  if (b.status === 'cached' && b.cached_from) return h('span', { class: 'muted' }, 'same inputs as ', h('a', { href: `#/builds/${b.cached_from}` }, `#${b.cached_from}`));
  return '';
}

/** A table of builds; `columns` may leave out the extension (on its own page). */
export function buildsTable(items, { caption, showExtension = true } = {}) {
  const head = h('tr', {},
    h('th', { scope: 'col' }, 'Build'),
    showExtension ? h('th', { scope: 'col' }, 'Extension') : null,
    h('th', { scope: 'col' }, 'Version'),
    h('th', { scope: 'col', class: 'num' }, 'PG'),
    h('th', { scope: 'col', class: 'hide-narrow' }, 'Platform'),
    h('th', { scope: 'col' }, 'Status'),
    h('th', { scope: 'col' }, 'Cause'),
    h('th', { scope: 'col', class: 'num' }, 'Duration'),
    h('th', { scope: 'col' }, 'When'));
  const rows = items.map((b) => h('tr', { dataset: { build: b.id, status: b.status } },
    h('td', { class: 'nowrap' }, h('a', { href: `#/builds/${b.id}`, 'aria-label': `Build ${b.id}: ${b.extension} ${b.version} for PostgreSQL ${b.pg_major}, ${b.status}` }, `#${b.id}`)),
    showExtension ? h('td', {}, h('a', { href: `#/extensions/${encodeURIComponent(b.extension)}` }, b.extension)) : null,
    h('td', {}, h('code', {}, b.version)),
    h('td', { class: 'num' }, b.pg_major),
    h('td', { class: 'hide-narrow muted' }, b.platform),
    h('td', {}, status(b.status)),
    h('td', {}, causeOf(b)),
    h('td', { class: 'num' }, duration(b.duration_millis ?? (b.started_at && b.status === 'running' ? Date.now() - Date.parse(b.started_at) : null))),
    h('td', { class: 'nowrap' }, when(b.finished_at || b.started_at || b.queued_at))));
  return h('div', { class: 'table-wrap' }, h('table', {},
    caption ? h('caption', { class: 'sr-only' }, caption) : null,
    h('thead', {}, head), h('tbody', {}, rows)));
}

/** Orders versions like the registry does: numeric parts numerically, newest first with .reverse(). */
export function compareVersions(a, b) {
  const pa = String(a).split(/[.\-+~_]/);
  const pb = String(b).split(/[.\-+~_]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d) return d;
    } else if (x !== y) {
      if (nx) return 1;
      if (ny) return -1;
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

export function revisionLink(extension, revision) {
  if (!revision) return h('span', { class: 'muted' }, '—');
  return h('a', { href: `/api/v1/recipes/${encodeURIComponent(extension)}/revisions/${encodeURIComponent(revision)}`,
    title: revision }, h('code', {}, short(revision)));
}
