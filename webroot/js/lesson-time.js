/* Time spent on a lesson: only while the page is visible. The seconds of
 * a visit go to the box once: with "done" (complete), or with /time when
 * the learner leaves the lesson any other way, when the page is hidden
 * (the phone may drop it then) or unloaded. visit.sent counts what has
 * been handed on, so no second is sent twice. */
import { NetError, fetchT, reply, api, withTime } from './api.js';
import { enc, sleep } from './util.js';

var visit = null;    /* the lesson being read: {key, cid, lid, ms, since, sent} */
var timeLeft = [];   /* lesson time not acknowledged yet: [{cid, lid, seconds, busy}] */
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
function timeAdd(s) {
  if (visit && s > 0) timeLeft.push({ cid: visit.cid, lid: visit.lid, seconds: Math.min(86400, s) });
}
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
export function visitLeave(key) {
  if (visit && visit.key !== key) visitEnd();
}

/* Starts the visit of the lesson shown at route key, unless it runs
 * already (the same lesson drawn again), ending any other visit. */
export function visitOpen(key, cid, lid) {
  if (visit && visit.key === key) return;
  visitEnd();
  visit = { key: key, cid: cid, lid: lid, ms: 0, sent: 0, since: pageHidden() ? 0 : Date.now() };
  openLesson(cid, lid, key);
}

/* The seconds of the visit of route key not handed on yet, to go with
 * "done" (0 when that lesson is not being visited). */
export function visitSeconds(key) {
  return visit && visit.key === key ? visitTake(true) : 0;
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
        await reply(fetchT(timeUrl(x), { method: 'POST', credentials: 'same-origin', cache: 'no-store', keepalive: true,
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify(withTime({ seconds: x.seconds })) }, 20000));
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
        new Blob([JSON.stringify(withTime({ seconds: x.seconds }))], { type: 'application/json' })));
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
