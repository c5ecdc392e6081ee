// One build: status and cause first, then the steps with timings, the inputs, links to the recipe
// revision and the previous build of the same extension × major, and the log — split by step,
// the failing step opened with its error lines marked, tailed live while the build runs.

import { getJson, getLog } from '../api.js';
import { announce, bytes, clear, duration, errorView, h, loading, short, status, when } from '../ui.js';
import { revisionLink } from './shared.js';
import { LogView } from './log.js';

const FIRST_LOAD = 512 * 1024;
const TAIL_EVERY_MS = 1500;
const REFRESH_EVERY_MS = 4000;

export async function render(main, { params }) {
  const id = params.id;
  clear(main, h('h1', {}, `Build #${id}`), loading('Loading the build'));
  const ctl = new AbortController();
  const timers = [];
  const stop = () => { ctl.abort(); timers.forEach(clearTimeout); timers.length = 0; };
  let b;
  try {
    b = await getJson(`/api/v1/builds/${encodeURIComponent(id)}`, {}, { signal: ctl.signal });
  } catch (e) {
    clear(main, h('h1', {}, `Build #${id}`), errorView(e, 'The build'));
    return stop;
  }

  const head = h('div');
  const stepsBox = h('section', { 'aria-labelledby': 'steps-h' });
  const changesBox = h('section', { 'aria-labelledby': 'changes-h', id: 'changes', hidden: true });
  const logBox = h('div', { class: 'log', id: 'log', tabindex: '0', role: 'region', 'aria-label': 'Build log' });
  const logInfo = h('span', { class: 'muted', role: 'status' });
  const follow = h('input', { type: 'checkbox', id: 'follow', checked: true });
  const logTools = h('div', { class: 'log-tools' }, logInfo);
  clear(main,
    h('h1', {}, `Build #${b.id}`),
    head,
    changesBox,
    stepsBox,
    h('h2', { id: 'log-h' }, 'Log'),
    logTools,
    logBox);

  // what changed since the previous bundle of this target: asked once the build has a bundle
  let changesAsked = false;
  const loadChanges = async () => {
    if (!b.result || changesAsked) return;
    changesAsked = true;
    try {
      const c = await getJson(`/api/v1/builds/${encodeURIComponent(b.id)}/changes`, {}, { signal: ctl.signal });
      clear(changesBox, changes(b, c));
    } catch (e) {
      if (e.name === 'AbortError') return;
      clear(changesBox, h('h2', { id: 'changes-h' }, 'Changes'), errorView(e, 'The changes since the previous build'));
    }
    changesBox.hidden = false;
  };
  const drawHead = () => {
    clear(head, summary(b));
    clear(stepsBox, h('h2', { id: 'steps-h' }, 'Steps'), steps(b));
    loadChanges();
  };
  drawHead();

  // ---- the log: the last FIRST_LOAD bytes (or all), then the tail while the build is live
  const view = new LogView(logBox, { failStep: b.failure?.step, failed: !!b.failure });
  const decoder = new TextDecoder('utf-8');
  let loadedFrom = 0;
  let loadedTo = 0;
  const live = () => b.status === 'queued' || b.status === 'running';
  try {
    const first = await getLog(b.id, b.log && b.log.size > FIRST_LOAD ? { last: FIRST_LOAD, signal: ctl.signal } : { signal: ctl.signal });
    loadedFrom = first.start;
    loadedTo = first.end;
    let text = decoder.decode(first.bytes, { stream: live() });
    if (loadedFrom > 0) text = text.slice(text.indexOf('\n') + 1); // the first line is cut
    view.add(text, { partialEnd: live() });
    view.finish({ scroll: !live() });
  } catch (e) {
    if (e.name !== 'AbortError') logBox.replaceChildren(errorView(e, 'The log'));
  }
  const info = () => {
    const size = Math.max(loadedTo, b.log?.size || 0);
    logInfo.textContent = size === 0 ? (live() ? 'No output yet.' : 'The log is empty.')
      : loadedFrom > 0 ? `Showing the last ${bytes(loadedTo - loadedFrom)} of ${bytes(size)}.` : `${bytes(size)}${live() ? ', growing' : ''}.`;
  };
  info();
  const rawLink = h('a', { href: `/api/v1/builds/${b.id}/log`, target: '_blank', rel: 'noopener' }, 'Raw log');
  logTools.append(rawLink);
  if (loadedFrom > 0) {
    logTools.append(h('button', { type: 'button', class: 'small', onclick: async (e) => {
      e.target.disabled = true;
      const all = await getLog(b.id, { signal: ctl.signal });
      loadedFrom = 0;
      loadedTo = all.end;
      view.reset();
      view.add(new TextDecoder().decode(all.bytes), { partialEnd: live() });
      view.finish({ scroll: true });
      info();
      e.target.remove();
    } }, `Load the whole log (${bytes(b.log.size)})`));
  }
  if (b.failure) {
    logTools.append(h('button', { type: 'button', class: 'small', onclick: () => view.jumpToFailure() }, 'Jump to the failure'));
  }

  if (live()) {
    logTools.append(h('label', { for: 'follow', class: 'checks' }, follow, ' Follow the log'));
    const tail = async () => {
      try {
        const part = await getLog(b.id, { from: loadedTo, signal: ctl.signal });
        if (!part.unchanged && part.bytes.length) {
          loadedTo = part.end;
          view.add(decoder.decode(part.bytes, { stream: true }), { partialEnd: true });
          if (follow.checked) logBox.scrollTop = logBox.scrollHeight;
          info();
        }
        if (part.status && part.status !== 'queued' && part.status !== 'running') {
          return refresh(true);
        }
      } catch (e) {
        if (e.name === 'AbortError') return undefined;
      }
      timers.push(setTimeout(tail, TAIL_EVERY_MS));
      return undefined;
    };
    const refresh = async (final = false) => {
      try {
        const was = b.status;
        const next = await getJson(`/api/v1/builds/${encodeURIComponent(b.id)}`, {}, { signal: ctl.signal });
        b = next;
        drawHead();
        if (was !== b.status) announce(`Build ${b.id} is ${b.status}`);
        if (!live()) {
          // one last read, then the log is final: mark the failure
          const rest = await getLog(b.id, { from: loadedTo, signal: ctl.signal });
          if (!rest.unchanged) { loadedTo = rest.end; view.add(decoder.decode(rest.bytes), { partialEnd: false }); }
          view.setFailure(b.failure?.step, !!b.failure);
          view.finish({ scroll: true });
          info();
          return;
        }
      } catch (e) {
        if (e.name === 'AbortError') return;
      }
      if (!final) timers.push(setTimeout(() => refresh(), REFRESH_EVERY_MS));
    };
    timers.push(setTimeout(tail, TAIL_EVERY_MS));
    timers.push(setTimeout(() => refresh(), REFRESH_EVERY_MS));
  }
  return stop;
}

function summary(b) {
  const ext = encodeURIComponent(b.extension);
  const cellLink = `#/extensions/${ext}?v=${encodeURIComponent(b.version)}&pg=${b.pg_major}&platform=${encodeURIComponent(b.platform)}`;
  const parts = [
    h('p', { class: 'lede' }, h('a', { href: `#/extensions/${ext}` }, b.extension), ' ', h('code', {}, b.version),
      ` for PostgreSQL ${b.pg_major} on ${b.platform} — `, status(b.status)),
  ];
  if (b.failure) {
    const f = b.failure;
    parts.push(h('div', { class: 'callout', role: 'region', 'aria-label': 'Why it failed', id: 'failure' },
      h('p', {}, h('strong', {}, b.status === 'farm-error' ? 'The farm could not finish it' : 'Failed'), ' at step ',
        h('strong', { 'data-failure-step': '' }, f.step), ': ', h('code', { 'data-failure-cause': '' }, f.cause),
        f.responsibility ? ` (responsibility: ${f.responsibility}${f.exit_code != null ? `, exit code ${f.exit_code}` : ''})` : ''),
      f.message ? h('p', { 'data-failure-message': '' }, f.message) : null));
  } else if (b.status === 'succeeded' || b.status === 'cached') {
    parts.push(h('div', { class: 'callout ok' }, h('p', {}, b.status === 'cached'
      ? ['Nothing was built: the same inputs were built by ', h('a', { href: `#/builds/${b.cached_from}` }, `build #${b.cached_from}`), '; its bundle is reused.']
      : 'The bundle was built, smoke-tested and published.',
      b.result ? [' ', h('a', { href: cellLink }, 'See the bundle')] : null)));
  } else if (b.status === 'running' || b.status === 'queued') {
    parts.push(h('div', { class: 'callout info', role: 'status' }, h('p', {}, b.status === 'running'
      ? `Running${b.current_step ? ` step ${b.current_step}` : ''} on ${b.worker_id || 'a worker'}; the log below follows it.`
      : 'Waiting for a worker; the log appears when one claims it.')));
  }
  const prev = b.previous;
  let changed = null;
  if (prev) {
    const what = [];
    if (prev.version !== b.version) what.push(`version ${prev.version} → ${b.version}`);
    if (prev.recipe_revision !== b.recipe_revision) what.push(`recipe revision ${short(prev.recipe_revision)} → ${short(b.recipe_revision)}`);
    changed = what.length ? `changed: ${what.join(', ')}` : 'same version and recipe revision (source, builder image or farm changed)';
  }
  parts.push(h('dl', { class: 'facts-grid' },
    dt('Reason'), h('dd', {}, b.reason === 'rebuild' ? 'rebuild requested' : 'recipe pushed'),
    dt('Queued'), h('dd', {}, when(b.queued_at)),
    dt('Started'), h('dd', {}, when(b.started_at)),
    dt('Finished'), h('dd', {}, when(b.finished_at)),
    dt('Duration'), h('dd', {}, duration(b.duration_millis)),
    dt('Worker'), h('dd', {}, b.worker_id || (b.attempts?.length ? b.attempts[b.attempts.length - 1].worker_id : '—'), b.attempt > 1 ? ` (attempt ${b.attempt})` : ''),
    dt('Recipe revision'), h('dd', {}, revisionLink(b.extension, b.recipe_revision)),
    dt('Source sha-256'), h('dd', {}, b.inputs?.source_sha256 ? h('code', {}, b.inputs.source_sha256) : '—'),
    dt('Builder image'), h('dd', {}, b.inputs?.builder_image ? h('code', {}, b.inputs.builder_image) : '—'),
    dt('Previous build'), h('dd', { 'data-previous': '' }, prev
      ? [h('a', { href: `#/builds/${prev.id}` }, `#${prev.id}`), ' ', status(prev.status), ` — ${changed}`]
      : h('span', { class: 'muted' }, `none: the first build of ${b.extension} for PostgreSQL ${b.pg_major}`)),
    dt('Result'), h('dd', {}, b.result
      ? [h('a', { href: cellLink }, h('code', {}, b.result.address)), b.result.size != null ? ` (${bytes(b.result.size)})` : '']
      : h('span', { class: 'muted' }, 'no bundle')),
    b.result?.floors ? [dt('Compatibility floors'), h('dd', { 'data-floors': 'recorded' }, `built against PostgreSQL ${b.result.floors.built_against}`,
      ` · glibc ${b.result.floors.glibc ? b.result.floors.glibc.replace(/^GLIBC_/, '') + ' or later' : 'any'}`,
      ` · ${b.result.floors.server_symbol_count} server symbols imported`)] : null));
  if (b.regress) parts.push(regress(b));
  if (b.attempts && (b.attempts.length > 1 || b.attempts.some((a) => a.outcome === 'farm-fault' || a.outcome === 'lease-expired'))) {
    parts.push(h('h2', {}, 'Attempts'), h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['#', 'Worker', 'Claimed', 'Ended', 'Outcome', 'Cause'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, b.attempts.map((a) => h('tr', {},
        h('td', {}, a.attempt), h('td', {}, a.worker_id), h('td', {}, when(a.claimed_at)), h('td', {}, when(a.ended_at)),
        h('td', {}, a.outcome || 'running'), h('td', {}, a.cause ? [h('code', {}, a.cause), a.message ? ` ${a.message}` : ''] : '—')))))));
  }
  return parts;
}

/** Upstream's regression suite: counts, failing tests, known failures as warnings, the diffs (untrusted text: a link, never inlined). */
function regress(b) {
  const r = b.regress;
  const known = Object.entries(r.known_failures || {});
  const unexpected = (r.failed_tests || []).filter((t) => !(t in (r.known_failures || {})));
  return h('section', { 'aria-labelledby': 'regress-h', id: 'regress' },
    h('h2', { id: 'regress-h' }, 'Regression tests'),
    h('p', { 'data-regress': 'counts' }, `Upstream's suite: ${r.run} run, ${r.passed} passed, ${r.failed} failed`,
      r.ignored ? `, ${r.ignored} ignored` : '', '.'),
    unexpected.length ? h('p', { 'data-regress': 'failed' }, 'Failed: ', unexpected.map((t, i) => [i ? ', ' : '', h('code', {}, t)])) : null,
    known.length ? h('div', { class: 'callout warn', role: 'note', 'data-regress': 'known' },
      h('p', {}, h('strong', {}, 'Warning: '), `${known.length} known failure${known.length > 1 ? 's' : ''} (test.known_failures):`),
      h('ul', {}, known.map(([t, why]) => h('li', {}, h('code', {}, t), ` — ${why}`)))) : null,
    (r.stale_known_failures || []).length ? h('p', { class: 'muted', 'data-regress': 'stale' }, 'Listed as known failures but passed: ',
      r.stale_known_failures.map((t, i) => [i ? ', ' : '', h('code', {}, t)])) : null,
    r.diffs ? h('p', {}, h('a', { href: r.diffs.url, target: '_blank', rel: 'noopener', 'data-regress': 'diffs' }, 'regression.diffs'),
      ` (${bytes(r.diffs.size)}${r.diffs.truncated ? ', cut at 4 MiB' : ''})`) : null);
}

/**
 * "Changes since build N": the files added, removed and changed (size and sha-256 on each side), the
 * size delta, the bundled libraries with their Debian versions, new system libraries. Paths and
 * names come from a bundle: text nodes only, never markup.
 */
function changes(b, c) {
  if (c.first_build) {
    return [h('h2', { id: 'changes-h' }, 'Changes'),
      h('p', { class: 'muted', 'data-changes': 'first' }, `First build: no bundle of ${b.extension} for PostgreSQL ${b.pg_major} on ${b.platform} was published before this one.`)];
  }
  const p = c.previous;
  const d = c.diff;
  const since = p.build_id != null ? `build #${p.build_id}` : `bundle ${p.version} (${short(p.sha256)})`;
  const f = d.files;
  const libs = d.libraries;
  const libCount = libs.added.length + libs.removed.length + libs.changed.length;
  return [
    h('h2', { id: 'changes-h' }, `Changes since ${since}`),
    h('p', { 'data-changes': 'summary' },
      'Compared with ', p.build_id != null ? h('a', { href: `#/builds/${p.build_id}` }, `build #${p.build_id}`) : h('code', {}, short(p.sha256)),
      ` (${p.version}${p.version !== c.bundle.version ? ` → ${c.bundle.version}` : ''}, published `, when(p.published_at), '): ',
      `${f.added.length} added, ${f.removed.length} removed, ${f.changed.length} changed, ${f.unchanged} unchanged files; `,
      'bundle ', h('strong', { 'data-changes': 'size-delta' }, delta(d.size_delta)), ` (${bytes(p.size)} → ${bytes(c.bundle.size)}).`),
    fileTable('Added files', 'added', f.added.map((x) => [x.path, side(x)])),
    fileTable('Removed files', 'removed', f.removed.map((x) => [x.path, side(x)])),
    fileTable('Changed files', 'changed', f.changed.map((x) => [x.path, [side(x.before), ' → ', side(x.after)]])),
    h('h3', {}, 'Bundled libraries'),
    libCount === 0 ? h('p', { class: 'muted', 'data-changes': 'libraries' }, 'No bundled library was added, removed or changed.')
      : h('div', { class: 'table-wrap' }, h('table', { 'data-changes': 'libraries' },
        h('thead', {}, h('tr', {}, ['Library', 'Change', 'Debian package and version'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {},
          libs.added.map((l) => h('tr', { dataset: { library: 'added' } }, h('td', {}, h('code', {}, l.soname)), h('td', {}, 'added'), h('td', {}, debian(l)))),
          libs.removed.map((l) => h('tr', { dataset: { library: 'removed' } }, h('td', {}, h('code', {}, l.soname)), h('td', {}, 'removed'), h('td', {}, debian(l)))),
          libs.changed.map((l) => h('tr', { dataset: { library: 'changed' } }, h('td', {}, h('code', {}, l.soname)), h('td', {}, 'changed'),
            h('td', {}, debian(l.before), ' → ', debian(l.after))))))),
    h('h3', {}, 'New system requirements'),
    d.system_libraries.added.length
      ? h('div', { class: 'callout warn', role: 'note', 'data-changes': 'system' },
        h('p', {}, 'The node must now also provide: ', d.system_libraries.added.map((x, i) => [i ? ', ' : '', h('code', {}, x)]), '.'))
      : h('p', { class: 'muted', 'data-changes': 'system' }, 'None: the node needs no system library it did not need before.'),
    d.system_libraries.removed.length ? h('p', { class: 'muted', 'data-changes': 'system-removed' }, 'No longer needed: ',
      d.system_libraries.removed.map((x, i) => [i ? ', ' : '', h('code', {}, x)]), '.') : null,
  ];
}

/** A list of files; long ones (a PostGIS bundle has a thousand) folded. */
function fileTable(title, kind, rows) {
  if (!rows.length) return null;
  const table = h('div', { class: 'table-wrap' }, h('table', { 'data-changes': kind },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Path'), h('th', { scope: 'col' }, kind === 'changed' ? 'Size and sha-256, before → after' : 'Size and sha-256'))),
    h('tbody', {}, rows.map(([path, what]) => h('tr', {}, h('td', {}, h('code', {}, path)), h('td', {}, what))))));
  const head = `${title} (${rows.length})`;
  return rows.length > 20 ? h('details', {}, h('summary', {}, head), table) : [h('h3', {}, head), table];
}

function side(x) {
  if (x.link != null) return ['link → ', h('code', {}, x.link)];
  return [`${x.size} B `, h('code', { title: x.sha256 }, short(x.sha256))];
}

function debian(l) {
  return l.debian_package ? [h('code', {}, l.debian_package), ' ', h('code', {}, l.debian_version || '?')] : h('span', { class: 'muted' }, 'not named by the SBOM');
}

function delta(n) {
  if (n === 0) return 'unchanged in size';
  return `${n > 0 ? '+' : '−'}${bytes(Math.abs(n))}${Math.abs(n) >= 1024 ? ` (${n > 0 ? '+' : '−'}${Math.abs(n)} B)` : ''}`;
}

function steps(b) {
  const list = b.steps || [];
  if (!list.length) {
    return h('p', { class: 'muted' }, b.status === 'running' ? `Timings arrive when the build ends${b.current_step ? `; now in ${b.current_step}` : ''}.` : 'No step timings reported.');
  }
  const max = Math.max(1, ...list.map((s) => s.millis));
  const total = list.reduce((a, s) => a + s.millis, 0);
  return [
    h('ol', { class: 'steps', 'aria-label': `Steps, ${duration(total)} in all` }, list.map((s) => {
      const failed = b.failure && b.failure.step === s.step;
      return h('li', { class: `step${failed ? ' failed' : ''}`, dataset: { step: s.step } },
        h('span', {}, s.step, failed ? h('span', { class: 'sr-only' }, ' (failed here)') : null, failed ? ' ✕' : ''),
        h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: `width:${Math.max(1, (100 * s.millis) / max)}%` })),
        h('span', { class: 'num' }, duration(s.millis)));
    })),
  ];
}

const dt = (text) => h('dt', {}, text);
