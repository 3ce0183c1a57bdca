/* Talking to the box (docs/API.md): one request at a time, its answer
 * parsed, failures sorted into "try again" (NetError) and "the box said
 * no" (ApiError). The retry loops that resend a request live in retry.js
 * and lesson-time.js. */

/* The box could not be reached, or said it is unavailable (busy: 503):
 * worth sending the same request again. */
export function NetError() { this.name = 'NetError'; }
/* The box answered with an error: status, its error code, the reply body. */
export function ApiError(status, code, body) {
  this.name = 'ApiError'; this.status = status; this.code = code; this.body = body || {};
}

/* fetch() that gives up (and aborts) after ms. */
export function fetchT(url, opts, ms) {
  return new Promise(function (resolve, reject) {
    var ctl = typeof AbortController === 'function' ? new AbortController() : null;
    if (ctl) opts.signal = ctl.signal;
    var timer = setTimeout(function () { if (ctl) ctl.abort(); reject(new Error('timeout')); }, ms);
    fetch(url, opts).then(function (r) { clearTimeout(timer); resolve(r); },
      function (e) { clearTimeout(timer); reject(e); });
  });
}

/* One request. Throws NetError when the box cannot be reached (or says it
 * is unavailable: worth retrying), ApiError for an answer with an error. */
export async function request(method, path, body, asText) {
  var opts = { method: method, credentials: 'same-origin', cache: 'no-store', headers: {} };
  if (!asText) opts.headers.Accept = 'application/json';
  /* the box takes writes only as JSON, even empty ones */
  if (body === undefined && (method === 'POST' || method === 'PUT')) body = {};
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  return reply(fetchT(path, opts, 20000), asText);
}

/* The parsed answer to a request (a promise of its Response). */
export async function reply(pending, asText) {
  var res, raw;
  try {
    res = await pending;
    raw = await res.text();
  } catch (e) {
    throw new NetError();
  }
  var data = null;
  if (!asText || !res.ok) {
    try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
  }
  if (!res.ok) {
    var code = data && data.error;
    if (res.status === 503 || res.status === 502 || res.status === 504 || res.status === 408) {
      var busy = new NetError();
      busy.busy = res.status === 503;
      throw busy;
    }
    throw new ApiError(res.status, code || 'http_' + res.status, data);
  }
  if (asText) return raw;
  if (raw && data === null) throw new NetError(); /* cut-off body */
  return data;
}
export function api(method, path, body) { return request(method, '/api/v1' + path, body); }

/* On a cold start index.html has already asked for /me and the data of
 * the first screen (window.pbEarly) while the modules were downloading:
 * round trips saved on a slow hotspot. Each answer is used once. */
var prefetched = {};
export function takeEarly() {
  var early = window.pbEarly || {};
  window.pbEarly = null;
  Object.keys(early).forEach(function (p) {
    var pr = reply(early[p]);
    pr.catch(function () { /* handled when taken */ });
    prefetched[p] = pr;
  });
}
/* GET path: the early answer if there is one, else a new request. */
export function apiGet(path) {
  var pr = prefetched[path];
  delete prefetched[path];
  return pr || api('GET', path);
}
/* Forgets the early answers not taken (they are for the first screen only). */
export function dropEarly() { prefetched = {}; }

/* body with the phone's clock, which the box uses to correct its own. */
export function withTime(body) { body = body || {}; body.client_time = Date.now(); return body; }
