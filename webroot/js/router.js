/* Hash routes and the page around every screen:
 *   #/  #/login  #/register  #/course/ID  #/course/ID/lesson/LID
 *   #/course/ID/quiz  #/course/ID/certificate
 * route() draws the screen of location.hash; a screen is an async
 * function (ctx, ...route parts) that loads its data and calls showPage.
 * ctx.alive() turns false once another route has started: that screen is
 * then stale and draws nothing. main.js hands the screens over
 * (setScreens), so no screen module is imported here. */
import { h, add, clear, main } from './dom.js';
import { t } from './i18n.js';
import { ApiError, apiGet, dropEarly } from './api.js';
import { Stale, load, retrier } from './retry.js';
import { session } from './session.js';
import { visitLeave } from './lesson-time.js';

var screens = null;  /* {welcome, login, register, home, course, lesson, quiz, certificate} */
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
    if (p0 === '') return await screens.home(ctx);
    if (p0 === 'course' && parts[1]) {
      if (parts.length === 2) return await screens.course(ctx, parts[1]);
      if (parts[2] === 'lesson' && parts[3]) return await screens.lesson(ctx, parts[1], parts[3]);
      if (parts[2] === 'quiz') return await screens.quiz(ctx, parts[1]);
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
