// api.js: the one way the UI talks to the server. JSON in and out, the CSRF
// header on every mutating request, and one error type built from the
// server's {"error": {"code", "message"}} body. A 401 on an ordinary request
// means the session ended: the handler set with onUnauthorized() takes the
// user back to the login page.

import { session } from './session.js';

export class ApiError extends Error {
  constructor (status, code, message = '', retryAfter = null, details = null) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;   // HTTP status, 0 when the server was not reached
    this.code = code;       // error.code, or 'network' / 'http_NNN'
    this.serverMessage = message;
    this.retryAfter = retryAfter; // seconds, for too_many_attempts
    this.details = details;       // error.details: a list of problems (CSV import), or null
    this.handled = false;   // true once the 401 handler has taken over
  }
}

let unauthorizedHandler = null;

export function onUnauthorized (fn) {
  unauthorizedHandler = fn;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function buildUrl (path, query) {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

async function readJson (res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function retryAfterOf (res, err) {
  const v = err?.retry_after ?? res.headers.get('Retry-After');
  const n = Number(v);
  return v !== null && v !== undefined && Number.isFinite(n) ? Math.ceil(n) : null;
}

// request('PATCH', '/api/users/ID', {body: {...}}) -> parsed JSON or null
// (204). Options: body (sent as JSON), query (object; empty values left out),
// auth (default true: a 401 calls the unauthorized handler; false for the
// login, logout and boot requests, where 401 is an ordinary answer),
// headers (extra request headers, e.g. Idempotency-Key).
// Throws ApiError for every non-2xx answer and for network failures.
export async function request (method, path, { body, query, auth = true, headers: extra = {} } = {}) {
  const headers = { ...extra, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const s = session();
  if (MUTATING.has(method) && s?.csrfToken) headers['X-CSRF-Token'] = s.csrfToken;

  let res;
  try {
    res = await fetch(buildUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }

  const data = await readJson(res);
  if (res.ok) return data;

  const err = data?.error ?? {};
  const error = new ApiError(res.status, err.code || `http_${res.status}`,
    err.message || '', retryAfterOf(res, err),
    Array.isArray(err.details) ? err.details.map(String) : null);
  if (res.status === 401 && auth && unauthorizedHandler) {
    error.handled = true;
    unauthorizedHandler(error);
  }
  throw error;
}

export const get = (path, query, opts = {}) => request('GET', path, { ...opts, query });
export const post = (path, body, opts = {}) => request('POST', path, { ...opts, body });
export const patch = (path, body, opts = {}) => request('PATCH', path, { ...opts, body });
export const del = (path, opts = {}) => request('DELETE', path, opts);

// A random UUID for an Idempotency-Key. crypto.randomUUID exists only in a
// secure context (https or localhost); a railyard LAN served over plain
// http gets the same from crypto.getRandomValues.
export function newIdempotencyKey () {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
