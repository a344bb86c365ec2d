// api is the page's client of /api/v1: same origin, the HttpOnly session
// and device cookies set at login, JSON in and out. Errors become ApiError
// with the server's code, reason and parameters (design §8); the message
// is the server's English for API users, and the page says the reason in
// its own language instead (i18n.js errorText).
export class ApiError extends Error {
  constructor(status, code, message, reason, params) {
    super(message);
    this.status = status;
    this.code = code;
    this.reason = reason || code;
    this.params = params || {};
  }
}

// NetworkError is a request that got no answer (offline, connection cut).
export class NetworkError extends Error {}

let onUnauthenticated = () => {};
export function setUnauthenticatedHandler(f) {
  onUnauthenticated = f;
}

export async function request(method, path, body, { raw = false, headers = {}, signal, quiet401 = false } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin', signal };
  if (body instanceof Uint8Array || body instanceof Blob) {
    init.body = body;
    init.headers['Content-Type'] = 'application/octet-stream';
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let resp;
  try {
    resp = await fetch('/api/v1' + path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new NetworkError(e.message);
  }
  if (!resp.ok) {
    let code = 'unavailable';
    let reason;
    let params;
    let message = `HTTP ${resp.status}`;
    try {
      const e = await resp.json();
      ({ code, reason, params, message } = e.error);
    } catch {
      /* not our error shape */
    }
    if (resp.status === 401 && !quiet401) onUnauthenticated();
    throw new ApiError(resp.status, code, message, reason, params);
  }
  if (raw) return resp;
  if (resp.status === 204) return null;
  const text = await resp.text();
  return text ? JSON.parse(text) : null;
}

// The record the record-scoped routes address (/api/v1/records/{rid}/...):
// the account's own (record_id of the account), set when a session begins.
let recordId = '';
export function setRecord(id) {
  recordId = id || '';
}

// inRecord is the path of a record-scoped route of that record: p is what
// follows /records/{rid} ('' for the record itself).
export const inRecord = (p = '') => '/records/' + encodeURIComponent(recordId) + p;

// recordPath is the path of a route of the record id, whichever the
// record pages address (the settings always mean one's own).
export const recordPath = (id, p = '') => '/records/' + encodeURIComponent(id) + p;

// currentRecord is the id the record-scoped routes address now.
export const currentRecord = () => recordId;

export const get = (p, o) => request('GET', p, undefined, o);
export const post = (p, b, o) => request('POST', p, b ?? {}, o);
export const del = (p, o) => request('DELETE', p, undefined, o);
