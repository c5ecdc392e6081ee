// One extension: versions × PostgreSQL majors × platforms, each cell built / failed / queued;
// the chosen cell's bundle with copy buttons (URL, docker pull, fetcher spec entry), flags,
// license, requires, libraries and provenance; the extension's recent builds.

import { ApiError, getJson } from '../api.js';
import { absolute, bytes, clear, copyRow, dockerRef, errorView, h, loading, routeLink, short, status, when } from '../ui.js';
import { buildsTable, compareVersions, revisionLink } from './shared.js';
import { reproducibilitySection } from './reproducibility.js';

export async function render(main, { params, query }) {
  const name = params.name;
  clear(main, h('h1', {}, name), loading('Loading the extension'));
  const ctl = new AbortController();
  const [detail, builds] = await Promise.all([
    getJson(`/api/v1/extensions/${encodeURIComponent(name)}`, {}, { signal: ctl.signal }).catch((e) => e),
    getJson('/api/v1/builds', { extension: name, size: 200 }, { signal: ctl.signal }).catch((e) => e),
  ]);
  const detailMissing = detail instanceof ApiError && detail.status === 404;
  if (detail instanceof Error && !detailMissing) {
    clear(main, h('h1', {}, name), errorView(detail, 'The extension'));
    return () => ctl.abort();
  }
  const buildItems = builds instanceof Error ? [] : builds.items;
  if (detailMissing && buildItems.length === 0) {
    clear(main, h('h1', {}, name), errorView(detail, 'The extension'),
      h('p', {}, h('a', { href: routeLink('/', { q: name }) }, `Search the catalog for “${name}”`)));
    return () => ctl.abort();
  }
  const ext = detailMissing ? { name, versions: [] } : detail;
  const m = matrix(ext, buildItems);
  const chosen = pick(m, query);

  const detailSection = h('section', { id: 'bundle-detail', 'aria-labelledby': 'bundle-detail-h' });
  const table = matrixTable(m, chosen, (cell) => {
    // no re-render: the URL remembers the cell, the detail below changes, focus stays on the cell
    history.replaceState(null, '', routeLink(`/extensions/${encodeURIComponent(name)}`, { v: cell.version, pg: cell.pg_major, platform: cell.platform }));
    const key = `${cell.version}|${cell.pg_major}|${cell.platform}`;
    for (const btn of table.querySelectorAll('.cell-btn')) btn.setAttribute('aria-pressed', btn.dataset.cell === key ? 'true' : 'false');
    showCell(detailSection, ext, cell, buildItems);
  });

  clear(main,
    h('h1', {}, name, ext.visibility === 'private' ? h('span', { class: 'chip', style: 'margin-left:0.6rem;font-size:0.6em' }, 'private') : null),
    ext.description ? h('p', { class: 'lede' }, ext.description) : null,
    answers(ext, m, buildItems),
    h('p', {},
      h('a', { href: routeLink('/builds', { extension: name }) }, 'All builds'), ' · ',
      h('a', { href: routeLink('/failures', { extension: name }) }, 'Failures by cause'), ' · ',
      h('a', { href: `/feeds/extensions/${encodeURIComponent(name)}.atom`, type: 'application/atom+xml' }, 'Atom feed of its builds'), ' · ',
      h('a', { href: routeLink('/notifications', { extension: name }) }, 'Webhooks')),
    h('h2', { id: 'matrix-h' }, 'Versions × PostgreSQL majors × platforms'),
    m.columns.length ? table : h('p', { class: 'empty' }, 'Nothing has been built or published yet.'),
    detailSection,
    detailMissing ? null : reproducibilitySection(name, ctl.signal),
    h('h2', {}, 'Recent builds'),
    buildItems.length ? buildsTable(buildItems.slice(0, 20), { caption: `Recent builds of ${name}`, showExtension: false })
      : h('p', { class: 'empty' }, 'No builds recorded (bundles may have been uploaded directly).'),
    buildItems.length > 20 ? h('p', {}, h('a', { href: routeLink('/builds', { extension: name }) }, `All ${builds.total} builds of ${name}`)) : null);
  if (chosen) showCell(detailSection, ext, chosen, buildItems);
  return () => ctl.abort();
}

/** Cells keyed by version|major|platform: {bundle, build (the newest for that cell)}. */
function matrix(ext, builds) {
  const cells = new Map();
  const columns = new Map();
  const versions = new Set();
  const cell = (version, pg, platform) => {
    const key = `${version}|${pg}|${platform}`;
    if (!cells.has(key)) cells.set(key, { version, pg_major: pg, platform, bundle: null, build: null, bundleBuild: null });
    columns.set(`${pg}|${platform}`, { pg_major: pg, platform });
    versions.add(version);
    return cells.get(key);
  };
  for (const v of ext.versions || []) {
    for (const b of v.bundles || []) {
      const c = cell(v.version, b.pg_major, b.platform);
      if (!c.bundle) c.bundle = b;
    }
  }
  for (const b of builds) { // newest first
    if (b.reason === 'reproducibility') continue; // a rebuild that checks a bundle publishes nothing
    const c = cell(b.version, b.pg_major, b.platform);
    if (!c.build) c.build = b;
    if (!c.bundleBuild && c.bundle && b.result?.sha256 === c.bundle.sha256 && b.status === 'succeeded') c.bundleBuild = b;
  }
  for (const c of cells.values()) {
    if (!c.bundleBuild && c.bundle) c.bundleBuild = builds.find((b) => b.result?.sha256 === c.bundle.sha256) || null;
  }
  return {
    cells,
    versions: [...versions].sort(compareVersions).reverse(),
    columns: [...columns.values()].sort((a, b) => b.pg_major - a.pg_major || a.platform.localeCompare(b.platform)),
    get: (v, pg, p) => cells.get(`${v}|${pg}|${p}`),
  };
}

/** What a cell says: built (maybe with a newer failed or running build), or the build's status. */
function cellState(c) {
  if (!c) return { key: 'none', text: 'not built' };
  if (c.bundle) {
    const newer = c.build && c.build.result?.sha256 !== c.bundle.sha256 && !['succeeded', 'cached'].includes(c.build.status) ? c.build : null;
    return { key: 'built', text: 'built', newer };
  }
  if (c.build) return { key: c.build.status, text: c.build.status === 'farm-error' ? 'farm error' : c.build.status };
  return { key: 'none', text: 'not built' };
}

function pick(m, query) {
  if (query.v && query.pg && query.platform) {
    const c = m.get(query.v, Number(query.pg), query.platform);
    if (c) return c;
  }
  for (const v of m.versions) {
    for (const col of m.columns) {
      const c = m.get(v, col.pg_major, col.platform);
      if (c?.bundle) return c;
    }
  }
  for (const v of m.versions) {
    for (const col of m.columns) {
      const c = m.get(v, col.pg_major, col.platform);
      if (c) return c;
    }
  }
  return null;
}

function matrixTable(m, chosen, choose) {
  const head = h('tr', {}, h('th', { scope: 'col' }, 'Version'),
    m.columns.map((col) => h('th', { scope: 'col' }, `PostgreSQL ${col.pg_major}`, h('br'), h('span', { class: 'muted', style: 'font-weight:normal' }, col.platform))));
  const rows = m.versions.map((v) => h('tr', {},
    h('th', { scope: 'row' }, h('code', {}, v)),
    m.columns.map((col) => {
      const c = m.get(v, col.pg_major, col.platform);
      const s = cellState(c);
      if (!c) return h('td', {}, h('span', { class: 'muted' }, '—'), h('span', { class: 'sr-only' }, 'not built'));
      const label = `${v} for PostgreSQL ${col.pg_major} on ${col.platform}: ${s.text}`;
      const btn = h('button', { type: 'button', class: 'cell-btn', 'aria-pressed': c === chosen ? 'true' : 'false', 'aria-label': label,
        dataset: { cell: `${v}|${col.pg_major}|${col.platform}`, state: s.key } },
        status(s.key, s.text),
        c.bundle ? h('span', { class: 'sub' }, `${bytes(c.bundle.size)} · ${short(c.bundle.sha256, 8)}`) : null,
        !c.bundle && c.build?.failure ? h('span', { class: 'sub' }, c.build.failure.cause) : null,
        s.newer ? h('span', { class: 'sub' }, `newer build #${s.newer.id}: ${s.newer.status}`) : null);
      btn.addEventListener('click', () => choose(c));
      return h('td', {}, btn);
    })));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'matrix', 'aria-labelledby': 'matrix-h' },
    h('thead', {}, head), h('tbody', {}, rows)));
}

/** The three questions a newcomer comes with, answered first. */
function answers(ext, m, builds) {
  const built = m.columns.filter((col) => m.versions.some((v) => m.get(v, col.pg_major, col.platform)?.bundle));
  const majors = [...new Set(built.map((c) => c.pg_major))].sort((a, b) => b - a);
  const platforms = [...new Set(built.map((c) => c.platform))];
  const newest = ext.versions?.[0];
  const lastFailed = builds.find((b) => b.status === 'failed' || b.status === 'farm-error');
  let pull = null;
  if (newest?.bundles?.length) {
    const b = newest.bundles[0];
    pull = `docker pull ${dockerRef(ext.name, newest.version, b.pg_major, b.platform)}`;
  }
  return h('div', { class: 'answer', 'aria-label': 'At a glance', role: 'region' },
    h('p', { 'data-answer': 'majors' }, majors.length
      ? ['Built for ', h('strong', {}, majors.map((x) => `PostgreSQL ${x}`).join(', ')), ` on ${platforms.join(', ')}`,
        newest ? ['; newest version ', h('code', {}, newest.version)] : null, '.']
      : 'No bundle is published yet.'),
    h('p', { 'data-answer': 'failure' }, lastFailed
      ? ['Last failed build: ', h('a', { href: `#/builds/${lastFailed.id}` }, `#${lastFailed.id}`),
        ` (${lastFailed.version}, PostgreSQL ${lastFailed.pg_major}) — `,
        lastFailed.failure ? [h('strong', {}, lastFailed.failure.cause), ` at ${lastFailed.failure.step}`] : lastFailed.status,
        ', ', when(lastFailed.finished_at), '.']
      : 'No failed builds recorded.'),
    pull ? h('div', { 'data-answer': 'pull' }, copyRow('Pull the newest', pull)) : null);
}

function showCell(section, ext, c, builds) {
  const b = c.bundle;
  const title = `${ext.name} ${c.version} for PostgreSQL ${c.pg_major} on ${c.platform}`;
  const parts = [h('h2', { id: 'bundle-detail-h' }, title)];
  if (!b) {
    const bl = c.build;
    parts.push(h('div', { class: bl?.status === 'failed' || bl?.status === 'farm-error' ? 'callout' : 'callout info' },
      h('p', {}, status(bl?.status), ' No bundle for this cell. ',
        bl ? ['Build ', h('a', { href: `#/builds/${bl.id}` }, `#${bl.id}`), bl.failure ? [' failed at ', h('strong', {}, bl.failure.step), ': ', h('code', {}, bl.failure.cause)] : ` is ${bl.status}`, '.'] : null),
      bl?.failure?.message ? h('p', {}, bl.failure.message) : null));
    clear(section, parts);
    return;
  }
  const url = absolute(b.address);
  const controlUrl = absolute(b.address.replace(/bundle\.tar$/, `${ext.name}.control`));
  const entry = {
    extension_name: ext.name, version: b.version, sha256: b.sha256, size: b.size, link: url, control_link: controlUrl,
    extensions: b.extensions, libraries: b.libraries, requires: b.requires, shared_preload: b.shared_preload,
    preload: b.preload, system_libraries: b.system_libraries,
  };
  // one member a line, values compact: as a spec lists it, and short enough to read
  const specEntry = `{\n${Object.entries(entry).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n')}\n}`;
  parts.push(
    copyRow('Bundle URL', url),
    copyRow('docker pull', `docker pull ${dockerRef(ext.name, b.version, b.pg_major, b.platform)}`),
    copyRow('Fetcher spec entry', specEntry, { multiline: true }),
    h('p', { class: 'muted', style: 'font-size:0.85em' }, 'A compute node gets this entry from GET /api/v1/compute/spec with signed, short-lived links; the URLs above are the public ones.'),
    h('dl', { class: 'facts-grid' },
      dt('Address'), h('dd', {}, h('code', {}, b.address)),
      dt('Size'), h('dd', {}, `${bytes(b.size)} (${b.size.toLocaleString()} bytes)`),
      dt('Flags'), h('dd', {}, flag('shared_preload_libraries', b.shared_preload), ' · ', flag('preload', b.preload)),
      dt('License'), h('dd', {}, b.license || '—'),
      dt('SBOM'), h('dd', {}, h('a', { href: `/api/v1/extensions/${encodeURIComponent(ext.name)}/bundles/${b.sha256}/sbom` }, 'sbom.spdx.json'), ' (SPDX 2.3)'),
      dt('Signature'), h('dd', {}, h('a', { href: `${absolute(b.address)}.sig` }, 'bundle.tar.sig'), ' · ', h('a', { href: '/api/v1/keys' }, 'farm keys')),
      dt('Extensions'), h('dd', {}, list(b.extensions)),
      dt('Requires'), h('dd', {}, list(b.requires, 'nothing')),
      dt('Libraries'), h('dd', {}, list(b.libraries, 'none')),
      dt('Bundled libraries'), h('dd', {}, list(b.bundled_libraries, 'none')),
      dt('System libraries'), h('dd', {}, list(b.system_libraries, 'none')),
      dt('Compatibility floors'), h('dd', { 'data-floors': b.floors ? 'recorded' : 'none' }, floors(b.floors)),
      dt('Review'), h('dd', {}, b.review_state || '—')),
    h('h3', {}, 'Provenance'),
    provenance(ext.name, b, c.bundleBuild));
  const s = cellState(c);
  if (s.newer) {
    parts.push(h('div', { class: s.newer.failure ? 'callout' : 'callout info' },
      h('p', {}, 'A newer build of this cell: ', h('a', { href: `#/builds/${s.newer.id}` }, `#${s.newer.id}`), ' ', status(s.newer.status),
        s.newer.failure ? [' — ', h('code', {}, s.newer.failure.cause), ` at ${s.newer.failure.step}`] : null)));
  }
  clear(section, parts);
}

// What a node needs for the bundle to load; the fetcher checks it before installing (docs/fetcher.md).
function floors(f) {
  if (!f) return h('span', { class: 'muted' }, 'not recorded (built before the farm recorded them); the fetcher installs it unchecked');
  return [
    'PostgreSQL ', h('strong', {}, `${f.built_against} or later`), ' (built against ', h('code', {}, f.built_against), ')',
    ' · glibc ', f.glibc ? h('strong', {}, `${f.glibc.replace(/^GLIBC_/, '')} or later`) : 'any',
    ' · ', `${f.server_symbol_count} server ${f.server_symbol_count === 1 ? 'symbol' : 'symbols'} imported`];
}

function provenance(name, b, build) {
  if (!build) {
    return h('p', {}, `Uploaded directly (no build record), `, when(b.uploaded_at), '.');
  }
  const i = build.inputs || {};
  return h('dl', { class: 'facts-grid' },
    dt('Built by'), h('dd', {}, h('a', { href: `#/builds/${build.id}` }, `build #${build.id}`), build.worker_id ? ` on ${build.worker_id}` : '', ', ', when(build.finished_at)),
    dt('Recipe revision'), h('dd', {}, revisionLink(name, i.recipe_revision || build.recipe_revision)),
    dt('Source sha-256'), h('dd', {}, i.source_sha256 ? h('code', {}, i.source_sha256) : '—'),
    dt('Builder image'), h('dd', {}, i.builder_image ? h('code', {}, i.builder_image) : '—'),
    dt('Bundle format'), h('dd', {}, i.meta_format ?? '—'),
    dt('SLSA provenance'), h('dd', {}, h('a', { href: `/api/v1/builds/${build.id}/provenance` }, 'signed in-toto statement')),
    dt('Regression tests'), h('dd', { 'data-regress': '' }, build.regress
      ? [`${build.regress.passed} of ${build.regress.run} passed`,
        ...Object.entries(build.regress.known_failures || {}).map(([t, why]) => [h('br'),
          h('span', { class: 'warn' }, '⚠ known failure '), h('code', {}, t), ` — ${why}`])]
      : h('span', { class: 'muted' }, 'no upstream suite ran')));
}

const dt = (text) => h('dt', {}, text);
const flag = (text, on) => h('span', {}, h('code', {}, text), on ? ': yes' : ': no');
const list = (xs, none = '—') => (xs && xs.length ? h('ul', { class: 'chips' }, xs.map((x) => h('li', { class: 'chip' }, x))) : h('span', { class: 'muted' }, none));
