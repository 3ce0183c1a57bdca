/* The machinery of the learner app that knows no screen: helpers, the
 * element builder, language and texts, requests to the box, the retry
 * loops, the session, time spent on lessons, the router and the page
 * around every screen, and the parts several screens share. Each part
 * below begins with a banner; only what screens.js and main.js use is
 * exported. One file, not one per part: docs/WEBAPP.md says why. */
import id from './strings-id.js';
import en from './strings-en.js';

/* ---------- small helpers ---------- */

/* No DOM here: the phone's memory (localStorage), URL parts, search keys,
 * ids, waiting. */

/* Remembers value under key (undefined forgets it); without storage
 * (private mode) the app keeps going without memory. */
export function store(key, value) {
  try {
    if (value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch (e) { /* private mode: keep going without memory */ }
}
export function recall(key) {
  try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; }
}

export function enc(s) { return encodeURIComponent(s); }

/* Case- and accent-insensitive search key. */
export function norm(s) {
  s = String(s || '');
  if (s.normalize) s = s.normalize('NFD');
  return s.replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

/* A random (version 4) UUID. */
export function uuid() {
  var b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  var x = Array.prototype.map.call(b, function (n) { return (n + 256).toString(16).slice(1); }).join('');
  return x.slice(0, 8) + '-' + x.slice(8, 12) + '-' + x.slice(12, 16) + '-' + x.slice(16, 20) + '-' + x.slice(20);
}

function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

/* ---------- building the page ---------- */

/* Strings always become text nodes: nothing a learner or the box sends
 * is ever parsed as HTML here. */

/* The page's content area (index.html's <main>): every screen is drawn in it. */
var main = document.getElementById('main');

/* Element builder: h('p', {class: 'x', onclick: fn}, 'text', child, [kids]).
 * Strings always become text nodes. The console builds its pages with
 * these too (console/js/core.js imports them from here). */
export function h(tag, props) {
  var el = document.createElement(tag);
  var k;
  for (k in props || {}) {
    var v = props[k];
    if (v == null || v === false) continue;
    if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
  return el;
}
export function add(el, kid) {
  if (kid == null || kid === false) return;
  if (Array.isArray(kid)) { kid.forEach(function (k) { add(el, k); }); return; }
  el.appendChild(typeof kid === 'object' ? kid : document.createTextNode(String(kid)));
}
export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

function onScreen(el) { return !!el && document.body.contains(el); }

/* Says msg to screen readers (index.html's #status live region). */
export function announce(msg) {
  var s = document.getElementById('status');
  s.textContent = '';
  setTimeout(function () { s.textContent = msg; }, 50);
}

/* ---------- language and texts ---------- */

/* The language of the interface and its texts: Bahasa Indonesia first,
 * English second (the choice is remembered on the phone). */

var STR = { id: id, en: en };

/* 'id' or 'en'; importers see every change (setLang). */
export var lang = recall('pb.lang') === 'en' ? 'en' : 'id';

export function setLang(l) {
  lang = l;
  store('pb.lang', lang);
}

/* The text of key in the current language (Indonesian where it lacks one),
 * with {name} replaced by vars.name. */
export function t(key, vars) {
  var s = STR[lang][key];
  if (s == null) s = STR.id[key];
  if (vars) s = s.replace(/\{(\w+)\}/g, function (m, k) { return vars[k] != null ? String(vars[k]) : m; });
  return s;
}

/* A date (ms since the epoch) as the learner reads it: "5 Mei 2025". */
export function fmtDate(ms) {
  try {
    return new Date(ms).toLocaleDateString(lang === 'en' ? 'en-GB' : 'id-ID',
      { day: 'numeric', month: 'long', year: 'numeric' });
  } catch (e) { return new Date(ms).toISOString().slice(0, 10); }
}

/* ---------- talking to the box ---------- */

/* docs/API.md. One request at a time, its answer parsed, failures sorted
 * into "try again" (NetError) and "the box said no" (ApiError). The loops
 * that resend a request are further down (retrier, load, act; timeSend for
 * lesson time). */

/* The box could not be reached, or said it is unavailable (busy: 503):
 * worth sending the same request again. */
export function NetError() { this.name = 'NetError'; }
/* The box answered with an error: status, its error code, the reply body. */
export function ApiError(status, code, body) {
  this.name = 'ApiError'; this.status = status; this.code = code; this.body = body || {};
}

/* The fetch() options of a request to the box (the console's too): its own cookies, never a
 * cached answer, the given headers; every write carries a JSON body (the
 * box takes writes only as JSON, even empty ones). */
export function requestOpts(method, body, headers) {
  var o = { method: method, credentials: 'same-origin', cache: 'no-store', headers: headers || {} };
  if (method !== 'GET' && method !== 'HEAD') {
    o.headers['Content-Type'] = 'application/json';
    o.body = JSON.stringify(body === undefined || body === null ? {} : body);
  }
  return o;
}

/* fetch() that gives up (and aborts) after ms (0: never). */
export function fetchT(url, opts, ms) {
  return new Promise(function (resolve, reject) {
    var ctl = ms > 0 && typeof AbortController === 'function' ? new AbortController() : null;
    if (ctl) opts.signal = ctl.signal;
    var timer = ms > 0 ? setTimeout(function () { if (ctl) ctl.abort(); reject(new Error('timeout')); }, ms) : null;
    fetch(url, opts).then(function (r) { clearTimeout(timer); resolve(r); },
      function (e) { clearTimeout(timer); reject(e); });
  });
}

/* One request. Throws NetError when the box cannot be reached (or says it
 * is unavailable: worth retrying), ApiError for an answer with an error. */
export async function request(method, path, body, asText) {
  var opts = requestOpts(method, body, asText ? {} : { Accept: 'application/json' });
  return reply(fetchT(path, opts, 20000), asText);
}

/* The parsed answer to a request (a promise of its Response). */
async function reply(pending, asText) {
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
function dropEarly() { prefetched = {}; }

/* body with the phone's clock, which the box uses to correct its own. */
export function withTime(body) { body = body || {}; body.client_time = Date.now(); return body; }

/* ---------- sending again ---------- */

/* After a failure: the retry message with its backoff and countdown, and
 * the two loops the screens use, load() for a screen's data and act() for
 * a write from a form. Each resends the same request. */

/* The screen a request belongs to has gone (the learner went elsewhere):
 * nothing more is sent or drawn for it. */
export function Stale() { this.name = 'Stale'; }

/* The retry message of one retry loop, shown in host after a failed
 * request. wait(msg) resolves when it is time to resend: by itself after
 * 2, 4, 8, 16, then every 30 s (a visible countdown), at once when the
 * learner taps the button or the phone says it is online again; it
 * rejects with Stale once the message has left the screen (the learner
 * went elsewhere: nothing more is sent). sending() shows that a resend
 * runs; done() removes the message. fails: failures before this loop. */
export function retrier(host, fails) {
  var box = null, msgEl, stateEl, btn, timer = null, fire = null;
  fails = fails || 0;
  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
    window.removeEventListener('online', now);
  }
  function now() {
    var f = fire;
    fire = null;
    stop();
    if (f) f();
  }
  return {
    wait: function (msg) {
      return new Promise(function (resolve, reject) {
        if (!box) {
          /* only the message is a live region: the countdown is not
           * read out every second */
          msgEl = h('p', { role: 'alert' }, msg);
          stateEl = h('p', { class: 'retry-state' });
          btn = h('button', { type: 'button', class: 'btn', onclick: now }, t('retry'));
          box = h('div', { class: 'alert' }, msgEl, stateEl, btn);
          clear(host).appendChild(box);
        } else if (msgEl.textContent !== msg) msgEl.textContent = msg;
        var left = Math.min(30, 2 << Math.min(fails, 4));
        fails++;
        function tick() {
          if (!onScreen(box)) { stop(); fire = null; reject(new Stale()); return; }
          if (left <= 0) { now(); return; }
          stateEl.textContent = t('retry_in', { n: left });
          left--;
        }
        fire = resolve;
        tick();
        if (fire) {
          timer = setInterval(tick, 1000);
          window.addEventListener('online', now);
        }
      });
    },
    sending: function () { if (box) stateEl.textContent = t('retrying'); },
    done: function () {
      stop();
      fire = null;
      if (box && box.parentNode) box.parentNode.removeChild(box);
      box = null;
    }
  };
}

/* Loads page data; on a network failure the page shows the retry message
 * and tries again (the same request) by itself or when asked. */
export async function load(ctx, fn) {
  var host = h('div');
  var r = retrier(host);
  for (;;) {
    if (!ctx.alive()) throw new Stale();
    try {
      var v = await fn();
      if (!ctx.alive()) throw new Stale();
      return v;
    } catch (e) {
      if (!(e instanceof NetError)) throw e;
      if (!ctx.alive()) throw new Stale();
      if (!onScreen(host)) {
        ctx.shown = true;
        clear(main).appendChild(host);
      }
      await r.wait(e.busy ? t('busy') : t('net_down'));
      r.sending();
    }
  }
}

/* Runs a write from a form: disables the button while it runs, and on a
 * network failure shows the retry message in host and resends the same
 * request (by itself after a while, or when asked). Other errors are
 * thrown to the caller; Stale when the learner left the screen. */
export async function act(btn, host, fn, msgKey, onNetFail) {
  var label = btn ? btn.textContent : '';
  var r = retrier(host);
  clear(host);
  try {
    for (;;) {
      if (btn) { btn.disabled = true; btn.textContent = t('sending'); }
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof NetError)) throw e;
        if (onNetFail) onNetFail();
        if (btn) btn.textContent = label; /* stays disabled: the retry resends */
        await r.wait(e.busy ? t('busy') : t(msgKey || 'net_down_saved'));
        r.sending();
      }
    }
  } finally {
    r.done();
    if (btn) { btn.disabled = false; btn.textContent = label; }
  }
}

/* ---------- the session ---------- */

/* What the app holds for the learner's session, shared by the screens:
 * who is logged in, the lists the box sent once, the route to open after
 * logging in, and the forms' drafts (they survive errors and language
 * switches). Logging out clears the learner's parts (the home screen). */

export var session = {
  me: undefined,      /* undefined: not asked yet; null: not logged in */
  positions: null,    /* GET /positions */
  villages: null,     /* GET /villages, with search keys (_n, _d) */
  afterLogin: null,   /* the route asked for before logging in */
  drafts: { reg: {}, login: {}, quiz: {} }
};

/* Where the phone remembers the learner's current quiz attempt of a course
 * ({id, finished}): an attempt survives a reload and is resent, never doubled. */
export function attKey(cid, pre) { return 'pb.att.' + (session.me ? session.me.id : '') + '.' + cid + (pre ? '.pre' : ''); }

/* A course's pre-test still to be offered before its lessons: declared,
 * not taken, not skipped on this phone. */
export function pretestDue(c) {
  return !!(c.pretest && c.pretest.score == null && !recall('pb.preskip.' + (session.me ? session.me.id : '') + '.' + c.id));
}
export function pretestSkip(cid) { store('pb.preskip.' + (session.me ? session.me.id : '') + '.' + cid, 1); }

/* ---------- time spent on lessons ---------- */

/* Time spent on a lesson: only while the page is visible. The seconds of
 * a visit go to the box once: with "done" (complete), or with /time when
 * the learner leaves the lesson any other way, when the page is hidden
 * (the phone may drop it then) or unloaded. visit.sent counts what has
 * been handed on, so no second is sent twice. */

var visit = null;    /* the lesson being read: {key, cid, lid, id, ms, since, sent} */
var timeLeft = [];   /* lesson time not acknowledged yet: [{cid, lid, seconds, visit, total, busy}] */
var timeBusy = null; /* the running timeSend() */

function pageHidden() { return document.visibilityState === 'hidden'; }
function visitPause() {
  if (visit && visit.since) { visit.ms += Date.now() - visit.since; visit.since = 0; }
}
/* The seconds of the visit not handed on yet; from now on they count as
 * sent. final rounds the last part instead of keeping it for later. */
function visitTake(final) {
  if (!visit) return 0;
  var ms = visit.ms + (visit.since ? Date.now() - visit.since : 0);
  var s = (final ? Math.round : Math.floor)(ms / 1000) - visit.sent;
  if (s <= 0) return 0;
  visit.sent += s;
  return s;
}
/* Each send names the visit and its running total, so the box counts a
 * resent one (its reply lost) only once. */
function timeAdd(s) {
  if (visit && s > 0) {
    timeLeft.push({ cid: visit.cid, lid: visit.lid, seconds: Math.min(86400, s), visit: visit.id,
      total: Math.min(86400, visit.sent) });
  }
}
function timeBody(x) { return withTime({ seconds: x.seconds, visit: x.visit, total: x.total }); }
function timeUrl(x) { return '/api/v1/courses/' + enc(x.cid) + '/lessons/' + enc(x.lid) + '/time'; }
function timeDrop(x) { timeLeft = timeLeft.filter(function (y) { return y !== x; }); }

/* Ends the visit of the lesson being left and sends its time. */
export function visitEnd() {
  if (!visit) return;
  timeAdd(visitTake(true));
  visit = null;
  timeSend();
}

/* The app now shows route key: ends the visit of any other lesson. */
function visitLeave(key) {
  if (visit && visit.key !== key) visitEnd();
}

/* Starts the visit of the lesson shown at route key, unless it runs
 * already (the same lesson drawn again), ending any other visit. */
export function visitOpen(key, cid, lid) {
  if (visit && visit.key === key) return;
  visitEnd();
  visit = { key: key, cid: cid, lid: lid, id: uuid(), ms: 0, sent: 0, since: pageHidden() ? 0 : Date.now() };
  openLesson(cid, lid, key);
}

/* The seconds of the visit of route key not handed on yet, to go with
 * "done": {seconds, visit, total} ({seconds: 0} when that lesson is not
 * being visited). */
export function visitSeconds(key) {
  if (!visit || visit.key !== key) return { seconds: 0 };
  var s = visitTake(true);
  return { seconds: s, visit: visit.id, total: Math.min(86400, visit.sent) };
}

/* The visit of route key is over and its time went with "done". */
export function visitClose(key) {
  if (visit && visit.key === key) visit = null;
}

/* Waits (at most ms) for the time being sent now. */
export async function timeSettle(ms) {
  if (timeBusy) await Promise.race([timeBusy, sleep(ms)]);
}

/* Logged out: no visit, nothing more to send. */
export function timeForget() {
  visit = null;
  timeLeft = [];
}

/* Records the visit; quietly retried a few times, it is not worth
 * interrupting reading for. */
async function openLesson(cid, lid, key) {
  for (var i = 0; i < 5; i++) {
    if (!visit || visit.key !== key) return;
    try { await api('POST', '/courses/' + enc(cid) + '/lessons/' + enc(lid) + '/open', withTime()); return; } catch (e) {
      if (!(e instanceof NetError)) return;
    }
    await sleep(2000 * (i + 1));
  }
}

/* Sends the queued times with fetch (keepalive: it may outlive the
 * page), quietly retried a few times; resolves when the queue is empty
 * or given up on. */
function timeSend() {
  if (timeBusy) return timeBusy;
  timeBusy = (async function () {
    var fails = 0;
    while (timeLeft.length && fails < 6) {
      var x = timeLeft[0];
      x.busy = true;
      try {
        var opts = requestOpts('POST', timeBody(x), { Accept: 'application/json' });
        opts.keepalive = true;
        await reply(fetchT(timeUrl(x), opts, 20000));
        timeDrop(x);
      } catch (e) {
        x.busy = false;
        if (!(e instanceof NetError)) { timeDrop(x); continue; } /* refused: not worth resending */
        await sleep(1000 * Math.min(30, 2 << fails++));
      }
    }
  })().then(function () { timeBusy = null; }, function () { timeBusy = null; });
  return timeBusy;
}

/* The page is going away (or may be dropped): send what is queued with
 * sendBeacon, which survives the page; fetch only without it. */
function timeBeacon() {
  timeLeft.slice().forEach(function (x) {
    if (x.busy) return; /* a keepalive fetch carries it already */
    var sent = false;
    try {
      sent = !!(navigator.sendBeacon && navigator.sendBeacon(timeUrl(x),
        new Blob([JSON.stringify(timeBody(x))], { type: 'application/json' })));
    } catch (e) { sent = false; }
    if (sent) timeDrop(x);
  });
  if (timeLeft.length) timeSend();
}

/* Follows the page being hidden, shown, unloaded and back online; called
 * once at start. */
export function timeWatch() {
  document.addEventListener('visibilitychange', function () {
    if (pageHidden()) {
      visitPause();
      timeAdd(visitTake(false));
      timeBeacon();
    } else if (visit && !visit.since) visit.since = Date.now();
  });
  window.addEventListener('pagehide', function () {
    visitPause();
    timeAdd(visitTake(true));
    timeBeacon();
  });
  window.addEventListener('online', function () { if (timeLeft.length) timeSend(); });
  /* A long read is handed on every minute, so a visit whose end is never
   * heard (a dropped unload beacon, a phone that dies) loses at most that.
   * (window.PB_TEST.timeFlushMs: a shorter period, for the browser tests.) */
  setInterval(function () {
    if (visit && !pageHidden()) {
      timeAdd(visitTake(false));
      if (timeLeft.length) timeSend();
    }
  }, (window.PB_TEST && window.PB_TEST.timeFlushMs) || 60000);
  window.addEventListener('pageshow', function () {
    if (visit && !visit.since && !pageHidden()) visit.since = Date.now();
  });
}

/* ---------- routes and the page around every screen ---------- */

/* Hash routes:
 *   #/  #/login  #/register  #/course/ID  #/course/ID/lesson/LID
 *   #/course/ID/quiz  #/course/ID/pretest  #/course/ID/certificate
 * route() draws the screen of location.hash; a screen is an async
 * function (ctx, ...route parts) that loads its data and calls showPage.
 * ctx.alive() turns false once another route has started: that screen is
 * then stale and draws nothing. main.js hands the screens over
 * (setScreens): nothing in this file knows a screen. */

var screens = null;  /* {welcome, login, register, newpin, home, course, lesson, quiz, certificate} */
var renderSeq = 0;
var errorFails = 0;  /* error pages in a row (their retry backs off) */
var firstRender = true;
var shownCount = 0;

export function setScreens(s) { screens = s; }

export function loadingCard() { return h('div', { class: 'card loading' }, h('p', null, t('loading'))); }

/* Draws a screen: nodes in <main> under the document title; the focus
 * goes to its h1 (except on the first screen and after a language
 * switch). Throws Stale when ctx is no longer the current route. */
export function showPage(ctx, title, nodes) {
  if (!ctx.alive()) throw new Stale();
  ctx.shown = true;
  errorFails = 0;
  document.title = title + ' · ' + t('app');
  clear(main);
  add(main, nodes);
  main.setAttribute('data-shown', String(++shownCount)); /* tests wait on this */
  if (!firstRender) {
    window.scrollTo(0, 0);
    var h1 = main.querySelector('h1');
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus(); }
  }
  firstRender = false;
}

/* Opens route hash (drawn again when it is already the current one). */
export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

/* Draws the current route again where the learner is: no scroll, the
 * focus stays (the language switch). */
export function redraw() {
  firstRender = true; /* keep the focus on the switch */
  route();
}

export function problemPage(ctx, msg, linkHash, linkText) {
  showPage(ctx, msg, h('div', { class: 'card' }, h('h1', null, msg),
    h('a', { class: 'btn', href: linkHash || '#/' }, linkText || t('to_home'))));
}

/* An unexpected error: the message, and the page loaded again by itself
 * (backing off while the same error repeats) or when asked. */
function errorPage(ctx, e) {
  if (e instanceof ApiError && e.code === 'not_found') return problemPage(ctx, t('not_found'));
  var host = h('div');
  var fails = errorFails;
  showPage(ctx, t('error'), host);
  errorFails = fails + 1;
  retrier(host, fails).wait(t('error')).then(function () { if (ctx.alive()) route(); }, function () {});
}

export async function route() {
  var seq = ++renderSeq;
  var ctx = { alive: function () { return seq === renderSeq; } };
  var parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(function (p) {
    try { return decodeURIComponent(p); } catch (e) { return p; }
  });
  var key = location.hash;
  visitLeave(key);
  /* keep the current page until the next is ready; show progress if
   * that takes a moment */
  if (firstRender) clear(main).appendChild(loadingCard());
  else setTimeout(function () { if (ctx.alive() && !ctx.shown) clear(main).appendChild(loadingCard()); }, 300);
  try {
    if (session.me === undefined) {
      session.me = await load(ctx, function () {
        return apiGet('/me').catch(function (e) {
          if (e instanceof ApiError && e.status === 401) return null;
          throw e;
        });
      });
    }
    if (!session.me) dropEarly();
    var p0 = parts[0] || '';
    if (p0 === 'login' || p0 === 'register') {
      if (session.me) { go('#/'); return; }
      return await (p0 === 'login' ? screens.login(ctx) : screens.register(ctx));
    }
    if (!session.me) {
      if (p0) session.afterLogin = location.hash;
      return await screens.welcome(ctx);
    }
    if (session.me.must_set_pin) return await screens.newpin(ctx);
    if (p0 === '') return await screens.home(ctx);
    if (p0 === 'course' && parts[1]) {
      if (parts.length === 2) return await screens.course(ctx, parts[1]);
      if (parts[2] === 'lesson' && parts[3]) return await screens.lesson(ctx, parts[1], parts[3]);
      if (parts[2] === 'quiz') return await screens.quiz(ctx, parts[1]);
      if (parts[2] === 'pretest') return await screens.quiz(ctx, parts[1], 'pre');
      if (parts[2] === 'certificate') return await screens.certificate(ctx, parts[1]);
    }
    problemPage(ctx, t('not_found'));
  } catch (e) {
    if (e instanceof Stale || !ctx.alive()) return;
    if (e instanceof ApiError && e.code === 'not_logged_in') {
      session.me = null;
      session.afterLogin = location.hash;
      go('#/login');
      return;
    }
    if (window.console) console.error(e);
    errorPage(ctx, e);
  } finally {
    dropEarly(); /* only for the first screen */
  }
}

/* Errors from button handlers end here (unhandledrejection): never a
 * blank or stuck screen. */
export function unhandled(ev) {
  var e = ev.reason;
  ev.preventDefault();
  if (e instanceof Stale) return;
  if (e instanceof ApiError && e.code === 'not_logged_in') {
    session.me = null; session.afterLogin = location.hash; go('#/login'); return;
  }
  if (window.console) console.error(e);
  var seq = renderSeq;
  errorPage({ alive: function () { return seq === renderSeq; } }, e);
}

/* ---------- form parts ---------- */

/* Of the login and registration screens: a labelled field with its hint
 * and error, drafts that survive errors and language switches,
 * PIN inputs, and tappable suggestions under a text input. */

/* A labelled input with an optional hint and an error line (setError). */
export function field(id, labelText, input, hint) {
  var hintEl = hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null;
  var errEl = h('p', { class: 'err', id: id + '-err', hidden: true });
  input.id = id;
  input.setAttribute('aria-describedby', (hint ? id + '-hint ' : '') + id + '-err');
  var wrap = h('div', { class: 'field' }, h('label', { for: id }, labelText), input, hintEl, errEl);
  wrap.setError = function (msg) {
    errEl.textContent = msg || '';
    errEl.hidden = !msg;
    if (msg) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  wrap.input = input;
  return wrap;
}

/* Keeps input's value in draft[key], and starts from it. */
export function bindDraft(input, draft, key) {
  if (draft[key] != null) input.value = draft[key];
  input.addEventListener('input', function () { draft[key] = input.value; });
  input.addEventListener('change', function () { draft[key] = input.value; });
}

export function pinInput(autocomplete) {
  return h('input', { type: 'password', inputmode: 'numeric', pattern: '[0-9]*', maxlength: '8',
    autocomplete: autocomplete });
}

/* A list of tappable suggestions under a text input. items(query) returns
 * {list: [{label, sub, pick}], note: text under the list}. */
export function suggester(input, listLabel, items) {
  var ul = h('ul', { class: 'sugg', 'aria-label': listLabel, hidden: true });
  var note = h('p', { class: 'hint', 'aria-live': 'polite' });
  function update() {
    var r = items(input.value);
    clear(ul);
    r.list.forEach(function (it) {
      ul.appendChild(h('li', null, h('button', { type: 'button', onclick: function () { it.pick(); } },
        it.label, it.sub ? h('span', null, it.sub) : null)));
    });
    ul.hidden = r.list.length === 0;
    note.textContent = r.note || '';
  }
  input.addEventListener('input', update);
  input.setAttribute('autocomplete', input.getAttribute('autocomplete') || 'off');
  return { ul: ul, note: note, update: update };
}

/* ---------- course parts ---------- */

/* A course's data and lesson links (course, lesson, quiz screens), the
 * progress bar and the status badge (home, course, quiz). */

/* A progress bar of done out of total, named label for screen readers. */
export function progressBar(done, total, label) {
  var pct = total ? Math.round(100 * done / total) : 0;
  return h('div', { class: 'bar-track', role: 'progressbar', 'aria-label': label, 'aria-valuemin': '0',
    'aria-valuemax': '100', 'aria-valuenow': String(pct), 'aria-valuetext': pct + '%' },
  h('div', { class: 'bar-fill', style: 'width:' + pct + '%' }));
}

/* A course's status (completed, in_progress, not_started) as a badge. */
export function statusBadge(st) {
  var cls = st === 'completed' ? 'done' : st === 'in_progress' ? 'cur' : 'new';
  return h('span', { class: 'badge ' + cls }, t('st_' + st));
}

/* The course cid as GET /courses/ID gives it, loaded for the screen ctx. */
export async function getCourse(ctx, cid) {
  return load(ctx, function () { return apiGet('/courses/' + enc(cid)); });
}

export function lessonHref(cid, lid) { return '#/course/' + enc(cid) + '/lesson/' + enc(lid); }
