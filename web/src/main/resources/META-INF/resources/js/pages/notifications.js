// Notifications: Atom feeds anyone can follow, and webhooks the owners of an extension register
// with their maintainer token (kept in this tab only). Shows each webhook's recent deliveries.

import { getJson, send, setToken, token } from '../api.js';
import { absolute, announce, clear, copyRow, errorView, field, h, routeLink, when } from '../ui.js';

const EVENTS = [
  ['failed', 'failed (the extension or its recipe)'],
  ['farm-error', 'farm error (the farm gave up)'],
  ['succeeded', 'succeeded'],
  ['cached', 'cached (same inputs, nothing built)'],
  ['cancelled', 'cancelled'],
];

export async function render(main, { query }) {
  const ext = query.extension || '';
  const feedName = h('input', { type: 'text', name: 'feed-extension', value: ext, autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. vector' });
  const feedOut = h('div', { 'aria-live': 'polite' });
  const showFeed = () => {
    const n = feedName.value.trim();
    clear(feedOut, n ? [copyRow(`Feed of ${n}`, absolute(`/feeds/extensions/${encodeURIComponent(n)}.atom`)),
      copyRow(`Failures of ${n}`, absolute(`/feeds/extensions/${encodeURIComponent(n)}.atom?status=failed,farm-error`))] : null);
  };
  feedName.addEventListener('input', showFeed);
  showFeed();

  const tokenInput = h('input', { type: 'password', name: 'token', autocomplete: 'off', value: token(), placeholder: 'efm_…' });
  const tokenState = h('p', { class: 'muted', role: 'status' }, token() ? 'A token is set for this tab.' : 'No token set: you browse as anyone.');
  const tokenForm = h('form', { class: 'filters', 'aria-label': 'Token' },
    field('Maintainer or admin token', tokenInput, { grow: true, hint: 'Kept in this browser tab only (sessionStorage), sent as a bearer token.' }),
    h('div', { class: 'field' }, h('span', { class: 'label', 'aria-hidden': 'true' }, ' '), h('span', {},
      h('button', { type: 'submit', class: 'primary' }, 'Use token'), ' ',
      h('button', { type: 'button', onclick: () => { setToken(''); tokenInput.value = ''; tokenState.textContent = 'Token cleared.'; window.dispatchEvent(new Event('extfarm:token')); load(); } }, 'Clear'))));
  tokenForm.addEventListener('submit', (e) => {
    e.preventDefault();
    setToken(tokenInput.value.trim());
    tokenState.textContent = tokenInput.value.trim() ? 'Token set for this tab.' : 'No token set.';
    window.dispatchEvent(new Event('extfarm:token'));
    load();
  });

  const hookExt = h('input', { type: 'text', name: 'extension', value: ext, autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'e.g. vector' });
  const hookUrl = h('input', { type: 'url', name: 'url', autocomplete: 'off', required: true, placeholder: 'https://ci.example.com/hooks/extfarm' });
  const checks = EVENTS.map(([v, label], i) => {
    const id = `ev-${v}`;
    return h('label', { for: id }, h('input', { type: 'checkbox', id, name: 'events', value: v, checked: i < 3 }), ` ${label}`);
  });
  const createOut = h('div', { 'aria-live': 'polite' });
  const hookForm = h('form', { 'aria-label': 'Register a webhook' },
    h('div', { class: 'filters' }, field('Extension', hookExt), field('Receiver URL', hookUrl, { grow: true })),
    h('fieldset', {}, h('legend', {}, 'Send a delivery when a build'), h('div', { class: 'checks' }, checks)),
    h('button', { type: 'submit', class: 'primary' }, 'Register webhook'), createOut);
  hookForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = hookExt.value.trim();
    const events = [...hookForm.querySelectorAll('input[name=events]:checked')].map((c) => c.value);
    try {
      const w = await send('POST', `/api/v1/extensions/${encodeURIComponent(name)}/webhooks`, { url: hookUrl.value.trim(), events });
      clear(createOut, h('div', { class: 'secret', role: 'status' },
        h('p', {}, h('strong', {}, `Webhook ${w.id} registered for ${name}.`), ' Its signing secret is shown only now:'),
        copyRow('Signing secret', w.secret)));
      announce(`Webhook ${w.id} registered`);
      history.replaceState(null, '', routeLink('/notifications', { extension: name }));
      load();
    } catch (err) {
      clear(createOut, errorView(err, 'The webhook'));
    }
  });

  const list = h('section', { 'aria-labelledby': 'hooks-h' });
  clear(main,
    h('h1', {}, 'Notifications'),
    h('p', { class: 'lede' }, 'Hear about build results without watching this page: follow an Atom feed, or have the registry POST to your CI.'),
    h('h2', {}, 'Atom feeds'),
    copyRow('All build results', absolute('/feeds/builds.atom')),
    copyRow('All failures', absolute('/feeds/builds.atom?status=failed,farm-error')),
    h('div', { class: 'filters' }, field('Feed of one extension', feedName, { grow: true })),
    feedOut,
    h('h2', {}, 'Webhooks'),
    h('p', {}, 'Owners of an extension (and admins) register webhooks with their token. Each delivery is a JSON POST with ',
      h('code', {}, 'X-Extfarm-Event'), ', ', h('code', {}, 'X-Extfarm-Timestamp'), ' and ', h('code', {}, 'X-Extfarm-Signature-256: sha256=<hex>'),
      ' — the HMAC-SHA256 of ', h('code', {}, '<timestamp>.<body>'), ' with the secret. Failed deliveries are retried with growing delays.'),
    tokenForm, tokenState,
    h('h3', {}, 'Register a webhook'),
    hookForm,
    list);

  hookExt.addEventListener('change', () => { history.replaceState(null, '', routeLink('/notifications', { extension: hookExt.value.trim() })); load(); });
  const ctl = new AbortController();
  async function load() {
    const name = hookExt.value.trim();
    if (ctl.signal.aborted) return; // the page was left (a ping's delayed reload)
    if (!name) { clear(list); return; }
    clear(list, h('h3', { id: 'hooks-h' }, `Webhooks of ${name}`));
    if (!token()) { list.append(h('p', { class: 'muted' }, 'Set a token to see them.')); return; }
    try {
      const data = await getJson(`/api/v1/extensions/${encodeURIComponent(name)}/webhooks`, {}, { signal: ctl.signal });
      if (!data.webhooks.length) { list.append(h('p', { class: 'empty' }, 'None yet.')); return; }
      for (const w of data.webhooks) list.append(await hookView(name, w, load, ctl.signal));
    } catch (err) {
      if (err.name !== 'AbortError') list.append(errorView(err, 'The webhooks'));
    }
  }
  await load();
  return () => ctl.abort();
}

async function hookView(name, w, reload, signal) {
  const deliveries = await getJson(`/api/v1/extensions/${encodeURIComponent(name)}/webhooks/${w.id}/deliveries`, { limit: 10 }, { signal })
    .catch(() => ({ deliveries: [] }));
  return h('article', { class: 'card', dataset: { webhook: w.id } },
    h('h2', {}, `#${w.id} `, h('code', {}, w.url)),
    h('span', {},
      h('button', { type: 'button', class: 'small', onclick: async () => { await send('POST', `/api/v1/extensions/${encodeURIComponent(name)}/webhooks/${w.id}/ping`); announce('Ping queued'); setTimeout(reload, 1500); } }, 'Send ping'), ' ',
      h('button', { type: 'button', class: 'small', onclick: async () => { if (confirm(`Delete webhook ${w.id}?`)) { await send('DELETE', `/api/v1/extensions/${encodeURIComponent(name)}/webhooks/${w.id}`); announce('Webhook deleted'); reload(); } } }, 'Delete')),
    h('p', { class: 'desc' }, `Events: ${w.events.join(', ')} · registered `, when(w.created_at)),
    h('div', { class: 'table-wrap', style: 'grid-column:1/-1' }, h('table', {},
      h('caption', { class: 'sr-only' }, `Recent deliveries of webhook ${w.id}`),
      h('thead', {}, h('tr', {}, ['Delivery', 'Event', 'Build', 'State', 'Attempts', 'Last answer', 'When'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, deliveries.deliveries.length ? deliveries.deliveries.map((d) => h('tr', {},
        h('td', {}, d.id), h('td', {}, h('code', {}, d.event)),
        h('td', {}, d.build_id ? h('a', { href: `#/builds/${d.build_id}` }, `#${d.build_id}`) : '—'),
        h('td', {}, d.state, d.refused_rule ? h('code', {}, ` ${d.refused_rule}`) : ''), h('td', { class: 'num' }, d.attempts),
        h('td', {}, d.last_status ? `HTTP ${d.last_status}` : '', d.last_error ? h('span', { class: 'muted' }, ` ${d.last_error}`) : ''),
        h('td', {}, when(d.delivered_at || d.created_at)))) : h('tr', {}, h('td', { colspan: '7', class: 'muted' }, 'No deliveries yet.'))))),
    h('p', { class: 'desc' }, h('a', { href: routeLink('/builds', { extension: name }) }, `Builds of ${name}`)));
}
