/* Home of a logged-in learner: where to continue, every course with its
 * progress, the account and logging out. */
import { h } from '../dom.js';
import { t, lang } from '../i18n.js';
import { enc } from '../util.js';
import { ApiError, api, apiGet } from '../api.js';
import { load, act } from '../retry.js';
import { session } from '../session.js';
import { showPage, go } from '../router.js';
import { visitEnd, timeSettle, timeForget } from '../lesson-time.js';
import { progressBar, statusBadge } from '../parts.js';

/* The name of position id in the current language (fallback: the box's). */
function positionLabel(id, fallback) {
  if (session.positions) {
    for (var i = 0; i < session.positions.positions.length; i++) {
      var p = session.positions.positions[i];
      if (p.id === id) return lang === 'en' ? p.en_label : p.id_label;
    }
  }
  return fallback || id;
}

export async function pageHome(ctx) {
  var data = await load(ctx, function () {
    return Promise.all([apiGet('/courses'), apiGet('/resume'),
      session.positions || apiGet('/positions').catch(function () { return null; })]);
  });
  var courses = data[0].courses;
  var resume = data[1];
  if (data[2]) session.positions = data[2];
  var first = null;
  if (resume && resume.course) {
    var rhref = '#/course/' + enc(resume.course) + (resume.kind === 'quiz' ? '/quiz' : '/lesson/' + enc(resume.lesson));
    first = h('a', { class: 'card resume', href: rhref, id: 'resume' },
      h('p', { class: 'kicker' }, t('resume')),
      h('p', { class: 't' }, resume.course_title),
      h('p', null, resume.kind === 'quiz' ? t('resume_quiz') : t('resume_lesson', { t: resume.lesson_title })),
      h('span', { class: 'go' }, t('resume_go')));
  } else {
    var next = courses.filter(function (c) { return c.status !== 'completed'; })[0];
    if (next) {
      first = h('a', { class: 'card resume', href: '#/course/' + enc(next.id), id: 'resume' },
        h('p', { class: 'kicker' }, t('start')),
        h('p', { class: 't' }, next.title),
        h('span', { class: 'go' }, t('start_go')));
    }
  }
  var cards = courses.length ? courses.map(function (c) {
    return h('a', { class: 'card course', href: '#/course/' + enc(c.id), 'data-course': c.id },
      h('h3', { lang: c.language }, c.title),
      h('p', { class: 'muted clamp', lang: c.language }, c.summary),
      progressBar(c.lessons_done, c.lessons_total, t('progress_of', { t: c.title })),
      h('div', { class: 'meta' },
        statusBadge(c.status),
        h('span', null, t('lessons_of', { d: c.lessons_done, t: c.lessons_total })),
        c.minutes ? h('span', null, t('minutes', { n: c.minutes })) : null,
        c.best_score != null ? h('span', null, t('best', { n: c.best_score })) : null));
  }) : h('div', { class: 'card' }, h('p', null, t('no_courses')));

  var logoutHost = h('div');
  var logoutBtn = h('button', { type: 'button', class: 'btn alt', id: 'logout', onclick: async function () {
    /* the time of the lesson just left goes with this session */
    visitEnd();
    await timeSettle(5000);
    try {
      await act(logoutBtn, logoutHost, function () { return api('POST', '/logout', {}); }, 'net_down');
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) throw e;
    }
    session.me = null; session.names = null; timeForget();
    go('#/');
  } }, t('logout'));

  showPage(ctx, t('my_courses'), [
    h('h1', null, t('hello', { name: session.me.name })),
    first,
    h('h2', null, t('my_courses')),
    cards,
    h('section', { class: 'card account', 'aria-labelledby': 'acct-h' },
      h('h2', { id: 'acct-h' }, t('account')),
      h('dl', null,
        h('dt', null, t('name')), h('dd', { id: 'acct-name' }, session.me.name),
        h('dt', null, t('position')), h('dd', null, positionLabel(session.me.position, session.me.position_label)),
        h('dt', null, t('village')), h('dd', null, t('village_line', { v: session.me.village_name, d: session.me.district, r: session.me.regency }))),
      logoutHost, logoutBtn)
  ]);
}
