/* A lesson: the pack's own HTML, "done" (which carries the time read)
 * and the way to the next lesson or the quiz. The time spent reading is
 * kept by lesson-time.js. */
import { h, announce } from '../dom.js';
import { t } from '../i18n.js';
import { enc, norm } from '../util.js';
import { api, request, withTime } from '../api.js';
import { load, act } from '../retry.js';
import { showPage, go, problemPage } from '../router.js';
import { visitOpen, visitSeconds, visitClose } from '../lesson-time.js';
import { getCourse, lessonHref } from '../parts.js';

var lessonCache = {}; /* lesson HTML by URL */

/* The pack's lesson HTML (trusted, signed content) with its relative
 * media links resolved against the lesson's own URL. */
function lessonNode(html, url, courseLang, title) {
  var tpl = document.createElement('template');
  tpl.innerHTML = html;
  var frag = tpl.content;
  /* the page has the lesson title as its h1: drop the lesson's own copy
   * and keep one h1 per screen */
  var first = frag.firstElementChild;
  if (first && /^H[12]$/.test(first.tagName) && norm(first.textContent) === norm(title)) frag.removeChild(first);
  Array.prototype.forEach.call(frag.querySelectorAll('h1'), function (h1) {
    var h2 = document.createElement('h2');
    while (h1.firstChild) h2.appendChild(h1.firstChild);
    h1.parentNode.replaceChild(h2, h1);
  });
  var base = location.origin + url;
  Array.prototype.forEach.call(frag.querySelectorAll('script,iframe,object,embed'), function (n) { n.parentNode.removeChild(n); });
  Array.prototype.forEach.call(frag.querySelectorAll('[src],[href],[poster]'), function (el) {
    ['src', 'href', 'poster'].forEach(function (a) {
      var v = el.getAttribute(a);
      if (v == null || /^(#|[a-z][a-z0-9+.-]*:|\/\/)/i.test(v)) return;
      try { var u = new URL(v, base); el.setAttribute(a, u.pathname + u.search + u.hash); } catch (e) { /* leave it */ }
    });
  });
  Array.prototype.forEach.call(frag.querySelectorAll('a[href]'), function (a) {
    var href = a.getAttribute('href');
    if (/\.pdf([?#]|$)/i.test(href)) { a.classList.add('pdf'); a.setAttribute('target', '_blank'); a.setAttribute('rel', 'noopener'); }
    else if (/^[a-z]+:\/\//i.test(href) && href.indexOf(location.origin) !== 0) { a.setAttribute('target', '_blank'); a.setAttribute('rel', 'noopener'); }
  });
  Array.prototype.forEach.call(frag.querySelectorAll('audio,video'), function (m) { m.setAttribute('controls', ''); });
  Array.prototype.forEach.call(frag.querySelectorAll('img'), function (m) { m.setAttribute('decoding', 'async'); });
  Array.prototype.forEach.call(frag.querySelectorAll('table'), function (tb) {
    var wrap = document.createElement('div');
    wrap.className = 'table-wrap';
    wrap.setAttribute('tabindex', '0'); /* scrollable by keyboard too */
    wrap.setAttribute('role', 'region');
    wrap.setAttribute('aria-label', t('table'));
    tb.parentNode.insertBefore(wrap, tb);
    wrap.appendChild(tb);
  });
  var art = h('article', { class: 'lesson-body', lang: courseLang });
  art.appendChild(frag);
  art.addEventListener('click', function (ev) {
    var a = ev.target.closest ? ev.target.closest('a[href^="#"]') : null;
    if (!a || a.getAttribute('href').slice(0, 2) === '#/') return;
    ev.preventDefault();
    var target = document.getElementById(a.getAttribute('href').slice(1));
    if (target) target.scrollIntoView();
  });
  return art;
}

export async function pageLesson(ctx, cid, lid) {
  var key = location.hash;
  var c = await getCourse(ctx, cid);
  var idx = -1;
  c.lessons.forEach(function (l, i) { if (l.id === lid) idx = i; });
  if (idx < 0) return problemPage(ctx, t('not_found'), '#/course/' + enc(cid), t('to_course'));
  var l = c.lessons[idx];
  var html = await load(ctx, function () {
    return lessonCache[l.url] != null ? lessonCache[l.url] : request('GET', l.url, undefined, true);
  });
  lessonCache[l.url] = html;
  visitOpen(key, cid, lid);
  var prev = idx > 0 ? c.lessons[idx - 1] : null;
  var next = idx < c.lessons.length - 1 ? c.lessons[idx + 1] : null;
  var nextHash = next ? lessonHref(cid, next.id) : c.quiz.passed ? '#/course/' + enc(cid) : '#/course/' + enc(cid) + '/quiz';
  var alertHost = h('div');
  var seconds = null;
  var done = h('button', { type: 'button', class: 'btn big', id: 'lesson-done', onclick: async function () {
    /* the time not sent yet; a resend carries the same seconds */
    if (seconds === null) seconds = visitSeconds(key);
    await act(done, alertHost, function () {
      return api('POST', '/courses/' + enc(cid) + '/lessons/' + enc(lid) + '/complete', withTime({ seconds: seconds }));
    });
    announce(t('lesson_saved'));
    visitClose(key);
    go(nextHash);
  } }, next ? t('finish_next') : c.quiz.passed ? t('finish_course') : t('finish_quiz'));

  showPage(ctx, l.title, [
    h('a', { class: 'back', href: '#/course/' + enc(cid), lang: c.language }, '← ' + c.title),
    h('p', { class: 'small muted' }, t('lesson_n', { i: idx + 1, n: c.lessons.length })),
    h('h1', { lang: c.language }, l.title),
    h('div', { class: 'card' }, lessonNode(html, l.url, c.language, l.title)),
    alertHost,
    done,
    prev ? h('a', { class: 'btn alt', href: lessonHref(cid, prev.id), id: 'lesson-prev' }, t('prev')) : null
  ]);
}
