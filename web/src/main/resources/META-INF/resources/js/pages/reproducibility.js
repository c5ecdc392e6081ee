// Verified reproducibility on the extension page: each published bundle is rebuilt once from
// scratch by another worker and compared (docs/queue.md#reproducibility). The rate per target,
// and for each bundle that did not rebuild to the same bytes, the differing entries and their
// likely cause.

import { getJson } from '../api.js';
import { clear, h, short } from '../ui.js';

const WORDS = {
  reproducible: 'reproducible',
  'not-reproducible': 'not reproducible',
  'rebuild-failed': 'rebuild failed',
  pending: 'rebuild pending',
  'not-verified': 'not verified',
};

/** A section that fills itself from GET /api/v1/extensions/{name}/reproducibility. */
export function reproducibilitySection(name, signal) {
  const section = h('section', { id: 'reproducibility', 'aria-labelledby': 'reproducibility-h' },
    h('h2', { id: 'reproducibility-h' }, 'Reproducibility'), h('p', { class: 'muted' }, 'Loading…'));
  getJson(`/api/v1/extensions/${encodeURIComponent(name)}/reproducibility`, {}, { signal })
    .then((r) => clear(section, h('h2', { id: 'reproducibility-h' }, 'Reproducibility'), ...content(r)))
    .catch(() => clear(section, h('h2', { id: 'reproducibility-h' }, 'Reproducibility'),
      h('p', { class: 'empty' }, 'The reproducibility of this extension could not be loaded.')));
  return section;
}

function content(r) {
  if (!r.targets?.length) {
    return [h('p', { class: 'empty' }, 'No bundle has been rebuilt yet: each newly published bundle is rebuilt once, after the first builds.')];
  }
  const rates = h('div', { class: 'table-wrap' }, h('table', { 'data-reproducibility': 'rates' },
    h('caption', {}, 'Bundles rebuilt from scratch to the same bytes, per target'),
    h('thead', {}, h('tr', {}, ['PG', 'Platform', 'Rate', 'Reproducible', 'Not reproducible', 'Rebuild failed', 'Pending']
      .map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, r.targets.map((t) => h('tr', { dataset: { pg: String(t.pg_major) } },
      h('td', { class: 'num' }, String(t.pg_major)), h('td', {}, t.platform),
      h('td', { class: 'num', 'data-rate': t.rate === null ? '' : String(t.rate) }, t.rate === null ? '—' : `${Math.round(t.rate * 100)} %`),
      h('td', { class: 'num' }, String(t.reproducible)), h('td', { class: 'num' }, String(t.not_reproducible)),
      h('td', { class: 'num' }, String(t.rebuild_failed)), h('td', { class: 'num' }, String(t.pending)))))));
  const bad = r.verdicts.filter((v) => v.status === 'not-reproducible' || v.status === 'rebuild-failed').slice(0, 10);
  return [rates, ...bad.map(verdict)];
}

function verdict(v) {
  return h('div', { class: 'callout', 'data-verdict': v.status },
    h('p', {}, h('strong', {}, WORDS[v.status] || v.status), `: ${v.version} for PostgreSQL ${v.pg_major} (bundle ${short(v.published_sha256, 12)}, build `,
      h('a', { href: `#/builds/${v.verifies}` }, `#${v.verifies}`), ', rebuilt by ', h('a', { href: `#/builds/${v.build_id}` }, `#${v.build_id}`),
      v.causes?.length ? ['; likely cause ', h('strong', {}, v.causes.join(', '))] : null, ')'),
    v.differences?.length ? h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', {}, `${v.differences_total} differing entr${v.differences_total === 1 ? 'y' : 'ies'}`
        + (v.differences_total > v.differences.length ? ` (the first ${v.differences.length})` : '')),
      h('thead', {}, h('tr', {}, ['Entry', 'Cause', 'Published', 'Rebuilt', 'ELF sections'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, v.differences.map((d) => h('tr', {},
        h('td', {}, h('code', {}, d.path)), h('td', {}, d.cause), h('td', {}, side(d.published)), h('td', {}, side(d.rebuilt)),
        h('td', {}, d.elf_sections ? d.elf_sections.join(' ') : '—')))))) : null);
}

function side(s) {
  if (!s) return h('span', { class: 'muted' }, 'missing');
  if (s.type === 'symlink') return h('code', {}, `→ ${s.target}`);
  if (s.type === 'directory') return 'directory';
  return h('span', {}, `${s.size} B `, h('code', { title: s.sha256 }, short(s.sha256, 12)));
}
