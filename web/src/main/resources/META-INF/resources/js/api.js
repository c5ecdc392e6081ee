// The registry's JSON API as the pages use it. Everything goes through fetch(); a token (kept for
// this browser tab only, in sessionStorage) is sent as a bearer token when one is set, so owners
// and admins see their private extensions.

const TOKEN_KEY = 'extfarm.token';

/** GET /api/v1/builds counts pages from this number (the catalog counts from 1). */
export const BUILDS_FIRST_PAGE = 0;

export function token() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

export function setToken(value) {
  try {
    if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the token lasts until the page is left */ }
}

/** A failed call: the problem document (RFC 9457) when the server sent one. */
export class ApiError extends Error {
  constructor(status, problem, path) {
    super(problem?.detail || problem?.title || `HTTP ${status} for ${path}`);
    this.status = status;
    this.problem = problem;
    this.path = path;
  }
}

function headers(extra = {}) {
  const h = { Accept: 'application/json', ...extra };
  const t = token();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

async function failure(res, path) {
  let problem = null;
  try { problem = await res.json(); } catch { /* not JSON */ }
  return new ApiError(res.status, problem, path);
}

/** GET a JSON document; query values that are empty are left out. */
export async function getJson(path, query = {}, { signal } = {}) {
  const url = withQuery(path, query);
  const res = await fetch(url, { headers: headers(), signal });
  if (!res.ok) throw await failure(res, url);
  return res.json();
}

export async function send(method, path, body, { signal } = {}) {
  const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }), signal };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  if (!res.ok) throw await failure(res, path);
  return res.status === 204 ? null : res.json();
}

/**
 * Part of a build log, as bytes (the caller decodes: a range may end inside a UTF-8 character):
 * from byte `from`, or the last `last` bytes, or all. Answers {bytes, start, end, size, status},
 * with unchanged=true when the log has nothing past `from` yet.
 */
export async function getLog(id, { from, last, signal } = {}) {
  const h = headers({ Accept: 'text/plain' });
  const tail = from !== undefined && from > 0;
  if (!tail && last !== undefined) h.Range = `bytes=-${last}`;
  // Tailing uses ?offset= (an empty 200 when nothing is new), not a Range past the end (a 416 the
  // browser would log as an error on every poll).
  const path = `/api/v1/builds/${encodeURIComponent(id)}/log` + (tail ? `?offset=${from}` : '');
  const res = await fetch(path, { headers: h, signal, cache: 'no-store' });
  const status = res.headers.get('X-Extfarm-Build-Status');
  if (!res.ok) throw await failure(res, path);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (tail) {
    const size = Number(res.headers.get('X-Extfarm-Log-Size') || from + bytes.byteLength);
    return { bytes, start: from, end: from + bytes.byteLength, size, status, unchanged: bytes.byteLength === 0 };
  }
  const range = res.headers.get('Content-Range');
  if (res.status === 206 && range) {
    const m = /bytes (\d+)-(\d+)\/(\d+)/.exec(range);
    if (m) return { bytes, start: Number(m[1]), end: Number(m[2]) + 1, size: Number(m[3]), status };
  }
  return { bytes, start: 0, end: bytes.byteLength, size: bytes.byteLength, status };
}

export function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, v);
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

/** Calls fn(item) for every item with at most `limit` running at once; results in order. */
export async function mapLimited(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      try { out[i] = await fn(items[i]); } catch (e) { out[i] = e; }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Extension details, kept for a short while: catalog cards ask for them as they appear. */
const details = new Map();
export function extensionDetail(name, { signal, maxAgeMs = 30000 } = {}) {
  const hit = details.get(name);
  if (hit && Date.now() - hit.at < maxAgeMs) return hit.promise;
  const promise = getJson(`/api/v1/extensions/${encodeURIComponent(name)}`, {}, { signal });
  details.set(name, { at: Date.now(), promise });
  promise.catch(() => details.delete(name));
  return promise;
}
