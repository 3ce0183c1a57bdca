/* The quiz of a course: one question at a time (with the right answer at
 * once, or only at the end, as the course says), then the result and its
 * review. The attempt's id is kept on the phone (attKey, session.js), so a
 * resent answer or a reload never starts a second attempt. */
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import { enc, uuid, store, recall } from '../util.js';
import { NetError, ApiError, api, withTime } from '../api.js';
import { Stale, load, act, retrier } from '../retry.js';
import { session, attKey } from '../session.js';
import { showPage, route, loadingCard } from '../router.js';
import { getCourse, progressBar } from '../parts.js';

export async function pageQuiz(ctx, cid) {
  var c = await getCourse(ctx, cid);
  var key = attKey(cid);
  var mine = recall(key);
  if (!mine || !mine.id) { mine = { id: uuid() }; store(key, mine); }
  var att = await load(ctx, function () {
    return api('POST', '/courses/' + enc(cid) + '/attempts', withTime({ attempt: mine.id }));
  });
  var qs = att.questions;
  var answers = att.answers || {};
  var immediate = att.feedback !== 'end';
  var qd = session.drafts.quiz[mine.id] || (session.drafts.quiz[mine.id] = {});

  function choiceText(q, ids) {
    return (ids || []).map(function (id) {
      for (var i = 0; i < q.choices.length; i++) if (q.choices[i].id === id) return q.choices[i].text;
      return id;
    }).join('; ') || t('no_answer');
  }

  function firstOpen() {
    for (var i = 0; i < qs.length; i++) if (!answers[qs[i].id]) return i;
    return -1;
  }

  function newAttempt() {
    mine = { id: uuid() };
    store(key, mine);
    route();
  }

  async function finish() {
    var host = h('div');
    showPage(ctx, t('result'), [loadingCard(), host]);
    var again = retrier(host);
    var r;
    for (;;) {
      try {
        r = await api('POST', '/attempts/' + enc(mine.id) + '/finish', withTime());
        break;
      } catch (e) {
        if (!(e instanceof NetError)) throw e;
        if (!ctx.alive()) throw new Stale();
        await again.wait(e.busy ? t('busy') : t('net_down'));
        again.sending();
      }
    }
    mine.finished = true;
    store(key, mine);
    var byId = {};
    qs.forEach(function (q) { byId[q.id] = q; });
    showPage(ctx, t('result'), [
      h('a', { class: 'back', href: '#/course/' + enc(cid) }, '← ' + c.title),
      h('div', { class: 'card', id: 'quiz-result' },
        h('h1', null, t('result')),
        h('p', { class: 'score', id: 'score' }, String(r.score)),
        h('p', null, t('score_of', { c: r.correct, t: r.total })),
        h('p', null, h('span', { class: 'badge ' + (r.passed ? 'done' : 'fail'), id: 'passfail' }, r.passed ? t('passed') : t('not_passed')),
          ' ', t('pass_need', { p: r.passing_score })),
        h('p', null, r.passed ? t('congrats') : t('try_again_p')),
        r.passed && r.course_status !== 'completed' ? h('p', null, t('lessons_left')) : null,
        r.passed && r.course_status === 'completed' ? h('a', { class: 'btn big', href: '#/course/' + enc(cid) + '/certificate', id: 'see-cert' }, t('see_cert')) : null,
        !r.passed ? h('button', { type: 'button', class: 'btn big', id: 'retry-quiz', onclick: newAttempt }, t('try_again')) : null,
        h('a', { class: 'btn alt', href: '#/course/' + enc(cid) }, r.passed ? t('to_course') : t('study_again'))),
      h('h2', null, t('review')),
      h('ol', { class: 'results card', lang: c.language }, (r.results || []).map(function (x) {
        var q = byId[x.question] || { text: x.question, choices: [] };
        return h('li', { class: x.correct ? 'ok' : 'no' },
          h('p', null, h('b', null, q.text)),
          h('p', null, (x.correct ? '✓ ' : '✗ ') + t('your_answer', { t: choiceText(q, x.choices) })),
          !x.correct ? h('p', null, t('q_correct_is', { t: choiceText(q, x.correct_choices) })) : null,
          x.explanation ? h('p', { class: 'muted' }, x.explanation) : null);
      })),
      !r.passed ? h('button', { type: 'button', class: 'btn', onclick: newAttempt }, t('try_again')) : null
    ]);
  }

  function showQuestion(i) {
    var q = qs[i];
    var multi = q.type === 'multiple';
    var sel = qd[q.id] || (qd[q.id] = []);
    var done = answers[q.id];
    var inputs = [];
    var labels = q.choices.map(function (ch) {
      var input = h('input', { type: multi ? 'checkbox' : 'radio', name: 'q-' + q.id, value: ch.id });
      input.checked = done ? done.choices.indexOf(ch.id) >= 0 : sel.indexOf(ch.id) >= 0;
      inputs.push(input);
      var lab = h('label', { class: 'choice' + (input.checked ? ' sel' : '') }, input, h('span', null, ch.text));
      input.addEventListener('change', function () {
        var now = inputs.filter(function (x) { return x.checked; }).map(function (x) { return x.value; });
        qd[q.id] = sel = now;
        inputs.forEach(function (x) { x.parentNode.classList.toggle('sel', x.checked); });
      });
      return lab;
    });
    var alertHost = h('div');
    var fbHost = h('div');
    var btn = h('button', { type: 'submit', class: 'btn big', id: 'q-submit' }, immediate ? t('q_check') : t('q_save'));
    var nextBtn = h('button', { type: 'button', class: 'btn big', id: 'q-next', hidden: true,
      onclick: function () { var n = firstOpen(); if (n < 0) finish(); else showQuestion(n); } },
    firstOpenAfter() ? t('q_next') : t('q_results'));
    function firstOpenAfter() {
      for (var j = 0; j < qs.length; j++) if (j !== i && !answers[qs[j].id]) return true;
      return false;
    }

    function showFeedback(res) {
      inputs.forEach(function (x) {
        x.disabled = true;
        var right = (res.correct_choices || []).indexOf(x.value) >= 0;
        var lab = x.parentNode;
        if (right) { lab.classList.add('right'); lab.appendChild(h('span', { class: 'mark', 'aria-hidden': 'true' }, '✓')); }
        else if (x.checked) { lab.classList.add('wrong'); lab.appendChild(h('span', { class: 'mark', 'aria-hidden': 'true' }, '✗')); }
      });
      var head = h('h2', { tabindex: '-1' }, res.correct ? t('q_right') : t('q_wrong'));
      clear(fbHost).appendChild(h('div', { class: 'feedback ' + (res.correct ? 'ok' : 'no'), id: 'q-feedback' }, head,
        !res.correct ? h('p', null, t('q_correct_is', { t: choiceText(q, res.correct_choices) })) : null,
        res.explanation ? h('p', { lang: c.language }, res.explanation) : null));
      btn.hidden = true;
      nextBtn.hidden = false;
      head.focus();
    }

    var form = h('form', { novalidate: true, onsubmit: onSubmit },
      h('fieldset', null, h('legend', { lang: c.language }, q.text),
        multi ? h('p', { class: 'hint' }, t('q_multi')) : null, labels),
      alertHost, fbHost, btn, nextBtn);

    showPage(ctx, t('q_n', { i: i + 1, n: qs.length }), [
      h('a', { class: 'back', href: '#/course/' + enc(cid) }, '← ' + c.title),
      h('div', { class: 'card' },
        h('h1', { class: 'qhead' }, t('q_n', { i: i + 1, n: qs.length })),
        progressBar(i, qs.length, t('q_n', { i: i + 1, n: qs.length })),
        form)
    ]);
    if (done && immediate && done.correct_choices) showFeedback(done);

    async function onSubmit(ev) {
      ev.preventDefault();
      if (btn.disabled || btn.hidden) return;
      var choices = inputs.filter(function (x) { return x.checked; }).map(function (x) { return x.value; });
      if (!choices.length) {
        clear(alertHost).appendChild(h('div', { class: 'alert', role: 'alert' }, h('p', null, t('q_pick'))));
        return;
      }
      var body = withTime({ choices: choices });
      var res;
      inputs.forEach(function (x) { x.disabled = true; });
      try {
        res = await act(btn, alertHost, function () {
          return api('PUT', '/attempts/' + enc(mine.id) + '/answers/' + enc(q.id), body);
        }, 'net_answer');
      } catch (e) {
        inputs.forEach(function (x) { x.disabled = false; });
        if (e instanceof ApiError && e.code === 'attempt_finished') return finish();
        throw e;
      }
      if (!ctx.alive()) return;
      res.choices = res.choices || choices;
      answers[q.id] = res;
      if (immediate && res.correct_choices) {
        nextBtn.textContent = firstOpenAfter() ? t('q_next') : t('q_results');
        showFeedback(res);
      } else {
        var n = firstOpen();
        if (n < 0) await finish(); else showQuestion(n);
      }
    }
  }


  if (att.finished) return finish();
  var n = firstOpen();
  if (n < 0) return finish();
  showQuestion(n);
}
