// The REST client. Authentication is the HttpOnly session cookie set by
// POST /api/session; the CSRF token it returns lives only in this module
// (never in storage) and goes with every state-changing request.

export class ApiError extends Error {
  constructor(status, body) {
    const desc = (body && (body.error_description || body.detail || body.message)) || `request failed (HTTP ${status})`;
    super(desc);
    this.status = status;
    this.code = (body && body.error) || '';
  }
}

const session = { csrf: '', principal: null, expiresAt: '' };
const unauthorizedHandlers = new Set();

export function principal() {
  return session.principal;
}

export function isAdmin() {
  return session.principal?.scope === 'admin';
}

// canWrite reports whether the session may change memories (write or
// admin scope); views disable what a read-only key cannot do.
export function canWrite() {
  const scope = session.principal?.scope;
  return scope === 'write' || scope === 'admin';
}

export function expiresAt() {
  return session.expiresAt;
}

export function onUnauthorized(fn) {
  unauthorizedHandlers.add(fn);
}

function adopt(body) {
  session.csrf = String(body?.csrf_token || '');
  session.principal = body?.principal || null;
  session.expiresAt = body?.expires_at || '';
}

function forget() {
  session.csrf = '';
  session.principal = null;
  session.expiresAt = '';
}

// failure is the ApiError of a refused request; a 401 while logged in
// ends the session and tells the onUnauthorized handlers, unless quiet401.
function failure(status, data, quiet401 = false) {
  const err = new ApiError(status, data);
  if (status === 401 && !quiet401 && session.principal) {
    forget();
    unauthorizedHandlers.forEach((fn) => fn(err));
  }
  return err;
}

function unreachable() {
  return new ApiError(0, { error: 'network', error_description: 'The server cannot be reached.' });
}

async function send(method, path, body, { quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && session.csrf) headers['X-CSRF-Token'] = session.csrf;
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw unreachable();
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) throw failure(res.status, data, quiet401);
  return data;
}

export const api = {
  get: (path) => send('GET', path),
  post: (path, body) => send('POST', path, body ?? {}),
  put: (path, body) => send('PUT', path, body ?? {}),
  del: (path) => send('DELETE', path),
};

// unavailable reports whether err says that a feature is off on this
// server (503: not configured or not supported by the backend).
export function unavailable(err) {
  return err instanceof ApiError && err.status === 503;
}

// download fetches path with the session cookie (never a secret in the
// URL) and returns the body as a Blob with the file name the server
// suggested in Content-Disposition (else fallbackName).
export async function download(path, fallbackName) {
  let res;
  try {
    res = await fetch(path, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/x-ndjson, application/json' } });
  } catch {
    throw unreachable();
  }
  if (!res.ok) {
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    throw failure(res.status, data);
  }
  const blob = await res.blob();
  const cd = res.headers.get('Content-Disposition') || '';
  const m = /filename="([^"\/]+)"/.exec(cd);
  return { blob, filename: m ? m[1] : fallbackName };
}

// upload sends a multipart form with the session's CSRF token, reporting
// the transfer's progress (0..1) to onProgress: fetch cannot, hence XHR.
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    if (session.csrf) xhr.setRequestHeader('X-CSRF-Token', session.csrf);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      let data = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(failure(xhr.status, data));
    });
    xhr.addEventListener('error', () => reject(unreachable()));
    xhr.send(form);
  });
}

// restore asks the server whether the cookie (or anonymous access) gives a
// session. It returns the principal or null.
export async function restore() {
  try {
    adopt(await send('GET', '/api/session', undefined, { quiet401: true }));
    return session.principal;
  } catch (err) {
    forget();
    if (err.status === 401 || err.status === 403) return null;
    throw err;
  }
}

export async function login(apiKey) {
  const body = await send('POST', '/api/session', { api_key: apiKey }, { quiet401: true });
  adopt(body);
  return session.principal;
}

export async function logout() {
  try {
    await send('DELETE', '/api/session', undefined, { quiet401: true });
  } finally {
    forget();
  }
}

export function enc(v) {
  return encodeURIComponent(String(v));
}

let typesCache = null;
export async function memoryTypes() {
  if (!typesCache) {
    typesCache = api.get('/api/types').catch((err) => {
      typesCache = null;
      throw err;
    });
  }
  return typesCache;
}
