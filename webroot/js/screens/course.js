/* A course: its progress, where to continue, its lessons and its quiz. */
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { enc, uuid, store, recall } from '../util.js';
import { attKey } from '../session.js';
import { showPage } from '../router.js';
import { getCourse, lessonHref, progressBar, statusBadge } from '../parts.js';

export async function pageCourse(ctx, cid) {
  var c = await getCourse(ctx, cid);
  var cur = c.lessons.filter(function (l) { return l.state === 'current'; })[0];
  var att = recall(attKey(cid));
  var quizLabel = att && !att.finished ? t('continue_quiz') : c.quiz.attempts ? t('retake_quiz') : t('start_quiz');
  var quizHref = '#/course/' + enc(cid) + '/quiz';
  var top = [];
  if (c.status === 'completed') {
    top.push(h('div', { class: 'feedback ok' }, h('p', null, h('b', null, t('course_done'))),
      h('a', { class: 'btn', href: '#/course/' + enc(cid) + '/certificate', id: 'see-cert' }, t('see_cert'))));
  } else if (c.quiz.passed) {
    top.push(h('div', { class: 'feedback ok' }, h('p', null, h('b', null, t('quiz_passed'))), h('p', null, t('lessons_left'))));
  }
  if (cur) top.push(h('a', { class: 'btn big', href: lessonHref(cid, cur.id), id: 'continue' }, t('continue_lesson', { t: cur.title })));
  else if (!c.quiz.passed) top.push(h('a', { class: 'btn big', href: quizHref, id: 'continue', onclick: freshAttempt }, quizLabel));

  showPage(ctx, c.title, [
    h('a', { class: 'back', href: '#/' }, t('back_home')),
    h('div', { class: 'card' },
      h('h1', { lang: c.language }, c.title),
      h('p', { class: 'muted', lang: c.language }, c.summary),
      progressBar(c.lessons_done, c.lessons_total, t('progress_of', { t: c.title })),
      h('div', { class: 'meta' }, statusBadge(c.status),
        h('span', null, t('lessons_done_of', { d: c.lessons_done, t: c.lessons_total })),
        c.minutes ? h('span', null, t('minutes', { n: c.minutes })) : null)),
    top,
    h('h2', null, t('lessons')),
    h('ol', { class: 'lessons' }, c.lessons.map(function (l, i) {
      return h('li', null, h('a', { href: lessonHref(cid, l.id), class: l.state, 'data-lesson': l.id },
        h('span', { class: 'num', 'aria-hidden': 'true' }, l.state === 'done' ? '✓' : String(i + 1)),
        h('span', { class: 'lt' }, h('b', { lang: c.language }, l.title),
          h('span', { class: 'small muted' }, t('l_' + l.state) + (l.minutes ? ' · ' + t('minutes', { n: l.minutes }) : '')))));
    })),
    h('h2', null, t('quiz')),
    h('div', { class: 'card', id: 'quiz-card' },
      h('p', null, t('quiz_info', { n: c.quiz.questions, p: c.passing_score })),
      h('p', { class: 'meta' },
        h('span', null, c.quiz.attempts ? t('attempts', { n: c.quiz.attempts }) : t('no_attempts')),
        c.quiz.best_score != null ? h('span', null, t('best', { n: c.quiz.best_score })) : null,
        c.quiz.attempts ? h('span', { class: 'badge ' + (c.quiz.passed ? 'done' : 'fail') }, c.quiz.passed ? t('passed') : t('not_passed')) : null),
      h('a', { class: 'btn' + (cur || c.quiz.passed ? ' alt' : ''), href: quizHref, id: 'quiz-go', onclick: freshAttempt }, quizLabel))
  ]);
  function freshAttempt() {
    var a = recall(attKey(cid));
    if (a && a.finished) store(attKey(cid), { id: uuid() });
  }
}
