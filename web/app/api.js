// The one way pages talk to the server: JSON in and out, the bearer token from
// sessionStorage (gone when the tab closes). A 401 on an authenticated call renews the
// access token once with the refresh token (access tokens live minutes, sessions hours);
// when that fails too, the session is over. Requests and object URLs belong to the current page and are dropped when it is
// left (see beginPage/endPage, called by the router).

const TOKEN_KEY = 'ferrum.token';
const REFRESH_KEY = 'ferrum.refresh';
const ME_KEY = 'ferrum.me';
const BASE = '';

/** An answer other than 2xx; `message` is the server's own words for the user. */
export class ApiError extends Error {
  constructor(status, body, fallback) {
    super((body && typeof body.message === 'string' && body.message) || fallback);
    this.name = 'ApiError';
    this.status = status;
    this.code = body?.error ?? null;
    this.file = body?.file ?? null;
    this.body = body ?? null;
  }
}

export const isAbort = (e) => e?.name === 'AbortError';

// ---- session -------------------------------------------------------------------------

export const getToken = () => sessionStorage.getItem(TOKEN_KEY);
export const isLoggedIn = () => !!getToken();

export function setToken(token, refresh) {
  sessionStorage.setItem(TOKEN_KEY, token);
  if (refresh) sessionStorage.setItem(REFRESH_KEY, refresh);
  sessionStorage.removeItem(ME_KEY);
}

let renewing = null;

/**
 * Trades the refresh token for new tokens; resolves true when it worked. Concurrent callers
 * share one request, since a refresh token works only once.
 */
export function refreshSession() {
  const refresh = sessionStorage.getItem(REFRESH_KEY);
  if (!refresh) return Promise.resolve(false);
  if (!renewing) {
    renewing = fetch(`${BASE}/api/auth/refresh`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: refresh }), credentials: 'same-origin',
    })
      .then(async (res) => {
        if (!res.ok) return false;
        const body = await res.json();
        sessionStorage.setItem(TOKEN_KEY, body.access_token);
        sessionStorage.setItem(REFRESH_KEY, body.refresh_token);
        return true;
      })
      .catch(() => false)
      .finally(() => { renewing = null; });
  }
  return renewing;
}

/** Forgets the token and everything else this app kept for the tab (such as list filters). */
export function clearSession() {
  for (const key of Object.keys(sessionStorage)) if (key.startsWith('ferrum.')) sessionStorage.removeItem(key);
}

export function cachedMe() {
  try { return JSON.parse(sessionStorage.getItem(ME_KEY) || 'null'); } catch { return null; }
}

export async function loadMe() {
  const me = await api('/api/me');
  sessionStorage.setItem(ME_KEY, JSON.stringify(me));
  return me;
}

export function authHeaders() {
  const t = getToken();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

/** The token was refused: forget it and ask to sign in, coming back here afterwards. */
export function sessionExpired() {
  clearSession();
  const here = location.hash.replace(/^#/, '');
  if (here.startsWith('/login')) return;
  location.hash = here && here !== '/' ? `#/login?next=${encodeURIComponent(here)}` : '#/login';
}

// ---- page scope ----------------------------------------------------------------------

let scope = newScope();

function newScope() {
  return { controller: new AbortController(), urls: new Set(), closed: false };
}

/** Starts a page: returns the signal that aborts when the page is left. */
export function beginPage() {
  endPage();
  scope = newScope();
  return scope.controller.signal;
}

/** Leaves a page: aborts its requests and frees its object URLs. */
export function endPage() {
  scope.closed = true;
  scope.controller.abort();
  for (const url of scope.urls) URL.revokeObjectURL(url);
  scope.urls.clear();
}

// ---- requests ------------------------------------------------------------------------

async function readBody(res) {
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) return res.json();
  const text = await res.text();
  return text === '' ? null : text;
}

/**
 * request(path, {method, body, headers, signal, raw, keepalive})
 * A plain object body is sent as JSON; FormData, Blob and strings as they are.
 * Returns the parsed body, or the Response itself with raw: true. Throws ApiError.
 * signal defaults to the current page's; pass signal: null for a request that must outlive it.
 */
export async function request(path, opts = {}) {
  // The bearer token goes to this origin only, whatever a server answer might point at.
  if (!/^\/(?!\/)/.test(path)) throw new Error(`not a same-origin path: ${path}`);
  const res = await send(path, opts);
  if (res.status === 401 && getToken() && !opts.retried && (await refreshSession())) {
    return request(path, { ...opts, retried: true });
  }
  return answer(res, opts);
}

async function send(path, opts) {
  const { method = 'GET', body, keepalive = false } = opts;
  const signal = 'signal' in opts ? opts.signal ?? undefined : scope.controller.signal;
  const headers = { Accept: 'application/json', ...authHeaders(), ...opts.headers };
  const sentToken = 'Authorization' in headers;
  let payload = body;
  const passThrough = body instanceof FormData || body instanceof Blob || typeof body === 'string';
  if (body !== undefined && !passThrough) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  try {
    const res = await fetch(BASE + path, { method, headers, body: payload, signal, keepalive, credentials: 'same-origin' });
    res.sentToken = sentToken;
    return res;
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new ApiError(0, null, 'The server could not be reached. Check the connection and try again.');
  }
}

async function answer(res, { raw = false }) {
  if (res.ok) return raw ? res : readBody(res);
  let errBody = null;
  try { errBody = await readBody(res); } catch { errBody = null; }
  if (typeof errBody !== 'object') errBody = null;
  if (res.status === 401 && res.sentToken) sessionExpired();
  // The account's role must use two-factor authentication now: enrol first.
  if (res.status === 403 && errBody?.error === 'mfa_enrolment_required' && !location.hash.startsWith('#/account')) {
    sessionStorage.removeItem(ME_KEY);
    location.hash = '#/account';
  }
  throw new ApiError(res.status, errBody, `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`);
}

export const api = request;

/**
 * Fetches an image with the bearer header (an <img src> cannot send one) and returns an
 * object URL for it, freed when the page is left (or earlier with revokeBlobUrl).
 */
export async function blobUrl(path, { signal } = {}) {
  const own = scope;
  const res = await request(path, { raw: true, headers: { Accept: 'image/*' }, signal: signal ?? own.controller.signal });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  if (own.closed || signal?.aborted) {
    URL.revokeObjectURL(url);
    throw new DOMException('The page was left', 'AbortError');
  }
  own.urls.add(url);
  return url;
}

export function revokeBlobUrl(url) {
  URL.revokeObjectURL(url);
  scope.urls.delete(url);
}
