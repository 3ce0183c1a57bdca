/* The screens of the learner app, one section each: welcome, log in,
 * register, home, course, lesson, quiz, completion page. A screen is an
 * async function (ctx, ...route parts) that loads its data and draws
 * itself with showPage; main.js hands them to the router. */
import {
  ApiError, NetError, Stale, act, announce, api, apiGet, attKey, bindDraft, clear, enc,
  field, fmtDate, getCourse, go, h, lang, lessonHref, load, loadingCard, norm, pinInput,
  problemPage, progressBar, recall, request, retrier, route, session, showPage,
  statusBadge, store, suggester, t, timeForget, timeSettle, uuid, visitClose, visitEnd,
  visitOpen, visitSeconds, withTime
} from './core.js';

/* ---------- welcome ---------- */

/* The welcome screen of a phone that is not logged in: log in or register. */

export async function pageWelcome(ctx) {
  showPage(ctx, t('welcome'), h('div', { class: 'card' },
    h('h1', null, t('welcome')),
    h('p', null, t('welcome_p')),
    h('a', { class: 'btn big', href: '#/login' }, t('login')),
    h('a', { class: 'btn big alt', href: '#/register' }, t('register'))));
}

/* ---------- log in ---------- */

/* Logging in: the name (typed, or picked from the names on this box that
 * start as typed: the box lists them only for 2 letters or more) and the
 * PIN. */

/* A new PIN as the box takes it: 6 to 8 digits, not one digit repeated
 * nor a run up or down. */
function newPinOk(p) {
  if (!/^[0-9]{6,8}$/.test(p)) return false;
  var same = true, up = true, down = true;
  for (var i = 1; i < p.length; i++) {
    var a = p.charCodeAt(i - 1), b = p.charCodeAt(i);
    same = same && b === a; up = up && b === a + 1; down = down && b === a - 1;
  }
  return !same && !up && !down;
}

/* A word of name n starts with the normalised query nq. */
function wordStarts(n, nq) { return (' ' + norm(n)).indexOf(' ' + nq) >= 0; }

export async function pageLogin(ctx) {
  var d = session.drafts.login;
  var found = {}; /* normalised query -> {names, more} from the box, or 'asking' */
  var nameIn = h('input', { type: 'text', autocomplete: 'username', maxlength: '60', autocapitalize: 'words' });
  var name = field('l-name', t('name'), nameIn, t('name_pick_hint'));
  bindDraft(nameIn, d, 'name');
  function ask(nq, typed) {
    found[nq] = 'asking';
    apiGet('/learners/names?q=' + enc(typed)).then(function (r) { found[nq] = r; sg.update(); },
      function () { delete found[nq]; });
  }
  var sg = suggester(nameIn, t('name_pick_list'), function (q) {
    var nq = norm(q), i, f, best = null;
    if (nq.length < 2) return { list: [] };
    /* the answer for the longest typed prefix; a complete one needs no new question */
    for (i = nq.length; i >= 2 && !best; i--) {
      f = found[nq.slice(0, i)];
      if (f && f !== 'asking') best = f;
    }
    if (!found[nq] && (!best || best.more)) ask(nq, q.trim());
    var hits = best ? best.names.filter(function (n) { return wordStarts(n, nq); }) : [];
    if (hits.length === 1 && norm(hits[0]) === nq) return { list: [] };
    return { list: hits.slice(0, 8).map(function (n) {
      return { label: n, pick: function () { nameIn.value = n; d.name = n; sg.update(); pin.input.focus(); } };
    }) };
  });
  name.insertBefore(sg.ul, name.lastChild);
  var pin = field('l-pin', t('pin_login'), pinInput('current-password'));
  bindDraft(pin.input, d, 'pin');
  /* officials of one name: the box asks which one (village and jabatan) */
  var chooser = h('div');
  function showChoices(choices) {
    clear(chooser);
    if (!choices) return;
    chooser.appendChild(h('fieldset', { class: 'field choose' }, h('legend', null, t('choose_h')),
      choices.map(function (c, i) {
        var id = 'l-who-' + i;
        var checked = d.choice && d.choice.village === c.village && d.choice.position === c.position;
        return h('label', { class: 'choice', for: id },
          h('input', { type: 'radio', name: 'who', id: id, checked: checked, onchange: function () {
            d.choice = { village: c.village, position: c.position };
          } }),
          h('span', null, positionLabel(c.position, c.position_label) + ' · ' + c.village_name +
            (c.district ? ' (' + c.district + ')' : '')));
      })));
  }
  if (d.choices) showChoices(d.choices);
  nameIn.addEventListener('input', function () { d.choices = null; d.choice = null; showChoices(null); });
  var alertHost = h('div');
  var submit = h('button', { type: 'submit', class: 'btn big' }, t('do_login'));
  var form = h('form', { novalidate: true, onsubmit: onSubmit }, name, chooser, pin, alertHost, submit);
  showPage(ctx, t('login'), [
    h('div', { class: 'card' }, h('h1', null, t('login')), form),
    h('p', null, t('no_account') + ' ', h('a', { href: '#/register', class: 'back' }, t('register')))
  ]);
  sg.update();

  async function onSubmit(ev) {
    ev.preventDefault();
    if (submit.disabled) return;
    name.setError(nameIn.value.trim() ? null : t('e_login_name'));
    pin.setError(pin.input.value ? null : t('e_login_pin'));
    if (!nameIn.value.trim()) { nameIn.focus(); return; }
    if (!pin.input.value) { pin.input.focus(); return; }
    var body = withTime({ name: nameIn.value.trim().replace(/\s+/g, ' '), pin: pin.input.value });
    if (d.choices && !d.choice) {
      alertHost.appendChild(h('div', { class: 'alert bad', role: 'alert' }, h('p', null, t('choose_p'))));
      var first = chooser.querySelector('input');
      if (first) first.focus();
      return;
    }
    if (d.choice) { body.village = d.choice.village; body.position = d.choice.position; }
    try {
      session.me = await act(submit, alertHost, function () { return api('POST', '/login', body); });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.code === 'choose_learner' && e.body && e.body.choices) {
        d.choices = e.body.choices;
        d.choice = null;
        showChoices(d.choices);
        alertHost.appendChild(h('div', { class: 'alert', role: 'alert' }, h('p', null, t('choose_p'))));
        chooser.querySelector('input').focus();
        return;
      }
      var msg = e.code === 'cooldown' ? t('e_cooldown', { n: e.body.retry_after || 60 })
        : e.code === 'wrong_credentials' || e.status === 401 ? t('e_wrong')
        : e.code === 'invalid_field' || e.code === 'bad_request' ? t('e_wrong') : t('error');
      alertHost.appendChild(h('div', { class: 'alert bad', role: 'alert' }, h('p', null, msg)));
      pin.input.value = ''; d.pin = '';
      pin.input.focus();
      return;
    }
    session.drafts.login = {};
    var next = session.afterLogin || '#/';
    session.afterLogin = null;
    go(next);
  }
}

/* ---------- register ---------- */

/* Registration: name, position, village (searched as it is typed), PIN
 * twice. A name the box already has after a dropped connection may be our
 * own first try: then the same name and PIN log in. */

/* The message key for a name the box would refuse, or null. */
function validName(n) {
  n = n.trim().replace(/\s+/g, ' ');
  if (n.length < 2 || n.length > 60) return 'e_name';
  if (/[<>"&;:\/\\@#$%^*()_+=\[\]{}|~`!?]/.test(n)) return 'e_name_chars';
  return null;
}

export async function pageRegister(ctx) {
  var data = await load(ctx, function () {
    return Promise.all([
      session.positions || api('GET', '/positions'),
      session.villages || api('GET', '/villages')
    ]);
  });
  session.positions = data[0];
  if (!session.villages) {
    session.villages = data[1];
    session.villages.villages.forEach(function (v) { v._n = norm(v.name); v._d = norm(v.district); });
  }
  var d = session.drafts.reg;

  var name = field('r-name', t('name'), h('input', { type: 'text', autocomplete: 'name', maxlength: '60',
    autocapitalize: 'words' }), t('name_hint'));
  bindDraft(name.input, d, 'name');

  var sel = h('select', null, h('option', { value: '' }, t('position_pick')),
    session.positions.positions.map(function (p) {
      return h('option', { value: p.id }, lang === 'en' ? p.en_label : p.id_label);
    }));
  var pos = field('r-pos', t('position'), sel);
  bindDraft(sel, d, 'pos');

  var vinput = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
  var vil = field('r-vil', t('village'), vinput, t('village_hint'));
  bindDraft(vinput, d, 'vq');
  var chosen = h('div');
  vil.appendChild(chosen);
  function byCode(code) {
    for (var i = 0; i < session.villages.villages.length; i++) if (session.villages.villages[i].code === code) return session.villages.villages[i];
    return null;
  }
  function showChosen() {
    clear(chosen);
    var v = d.vil ? byCode(d.vil) : null;
    vinput.hidden = !!v;
    sg.ul.hidden = !!v || sg.ul.hidden;
    sg.note.hidden = !!v;
    if (!v) return;
    chosen.appendChild(h('div', { class: 'chosen' },
      h('div', null, h('b', null, v.name), h('br'), h('span', { class: 'small' }, t('district', { d: v.district }) + ', ' + v.regency)),
      h('button', { type: 'button', class: 'btn alt', 'aria-label': t('village_change_aria'), onclick: function () {
        d.vil = null; showChosen(); sg.update(); vinput.focus();
      } }, t('village_change'))));
  }
  var sg = suggester(vinput, t('village_list'), function (q) {
    var nq = norm(q);
    if (!nq && session.villages.villages.length > 12) return { list: [] };
    var words = nq ? nq.split(' ') : [];
    var hits = [];
    session.villages.villages.forEach(function (v) {
      var hay = v._n + ' ' + v._d;
      for (var i = 0; i < words.length; i++) if (hay.indexOf(words[i]) < 0) return;
      var rank = v._n.indexOf(nq) === 0 ? 0 : (' ' + v._n).indexOf(' ' + nq) >= 0 ? 1 : v._n.indexOf(nq) >= 0 ? 2 : 3;
      hits.push({ v: v, rank: rank });
    });
    hits.sort(function (a, b) { return a.rank - b.rank || (a.v.name < b.v.name ? -1 : a.v.name > b.v.name ? 1 : 0); });
    var max = 8;
    var list = hits.slice(0, max).map(function (x) {
      return { label: x.v.name, sub: t('district', { d: x.v.district }) + ', ' + x.v.regency,
        pick: function () { d.vil = x.v.code; vil.setError(null); showChosen(); chosen.querySelector('button').focus(); } };
    });
    var note = hits.length === 0 ? t('village_none')
      : hits.length > max ? t('village_more', { n: hits.length - max }) : t('village_count', { n: hits.length });
    return { list: list, note: note };
  });
  vil.insertBefore(sg.ul, chosen);
  vil.insertBefore(sg.note, chosen);

  var pin = field('r-pin', t('pin'), pinInput('new-password'), t('pin_hint'));
  bindDraft(pin.input, d, 'pin');
  var pin2 = field('r-pin2', t('pin2'), pinInput('new-password'));
  bindDraft(pin2.input, d, 'pin2');

  var alertHost = h('div');
  var submit = h('button', { type: 'submit', class: 'btn big' }, t('do_register'));
  var form = h('form', { novalidate: true, onsubmit: onSubmit }, name, pos, vil, pin, pin2, alertHost, submit);

  showPage(ctx, t('register_h'), [
    h('div', { class: 'card' }, h('h1', null, t('register_h')), form),
    h('p', null, t('have_account') + ' ', h('a', { href: '#/login', class: 'back' }, t('login')))
  ]);
  showChosen();
  if (!d.vil && vinput.value) sg.update();

  async function onSubmit(ev) {
    ev.preventDefault();
    if (submit.disabled) return;
    var bad = [];
    function check(f, key) { f.setError(key ? t(key) : null); if (key) bad.push(f); }
    check(name, validName(name.input.value));
    check(pos, sel.value ? null : 'e_position');
    check(vil, d.vil ? null : 'e_village');
    check(pin, newPinOk(pin.input.value) ? null : 'e_pin');
    check(pin2, pin.input.value && pin2.input.value !== pin.input.value ? 'e_pin2' : null);
    if (bad.length) { (bad[0].input.hidden ? bad[0].querySelector('button') : bad[0].input).focus(); return; }
    var body = withTime({ name: name.input.value.trim().replace(/\s+/g, ' '), position: sel.value,
      village: d.vil, pin: pin.input.value });
    var dropped = false;
    try {
      session.me = await act(submit, alertHost, function () { return api('POST', '/register', body); },
        'net_down_saved', function () { dropped = true; });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.code === 'name_taken' && dropped) {
        /* the first try may have reached the box before the connection
         * dropped: then this name and PIN are ours */
        try { session.me = await api('POST', '/login', withTime({ name: body.name, pin: body.pin })); } catch (e2) { session.me = null; }
      }
      if (session.me) e = null;
      else if (e.code === 'name_taken') { name.setError(t('e_name_taken')); name.input.focus(); return; }
      if (e && e.code === 'invalid_field') {
        var f = { name: [name, 'e_name_chars'], position: [pos, 'e_position'], village: [vil, 'e_village'], pin: [pin, 'e_pin'] }[e.body.field];
        if (f) { f[0].setError(t(f[1])); (f[0].input.hidden ? f[0].querySelector('button') : f[0].input).focus(); return; }
      }
      if (e) {
        alertHost.appendChild(h('div', { class: 'alert bad', role: 'alert' }, h('p', null, t('error'))));
        return;
      }
    }
    session.drafts.reg = {};
    var next = session.afterLogin || '#/';
    session.afterLogin = null;
    go(next);
  }
}

/* ---------- a new PIN after a facilitator's reset ---------- */

/* A learner who logged in with the facilitator's one-time code sets a
 * PIN of their own before anything else. */
export async function pageNewPin(ctx) {
  var pin = field('n-pin', t('pin'), pinInput('new-password'), t('pin_hint'));
  var pin2 = field('n-pin2', t('pin2'), pinInput('new-password'));
  var alertHost = h('div');
  var submit = h('button', { type: 'submit', class: 'btn big' }, t('do_newpin'));
  var form = h('form', { novalidate: true, onsubmit: onSubmit }, pin, pin2, alertHost, submit);
  showPage(ctx, t('newpin_h'), h('div', { class: 'card' }, h('h1', null, t('newpin_h')),
    h('p', null, t('newpin_p', { name: session.me.name })), form));

  async function onSubmit(ev) {
    ev.preventDefault();
    if (submit.disabled) return;
    pin.setError(newPinOk(pin.input.value) ? null : t('e_pin'));
    pin2.setError(pin.input.value && pin2.input.value !== pin.input.value ? t('e_pin2') : null);
    if (!newPinOk(pin.input.value)) { pin.input.focus(); return; }
    if (pin2.input.value !== pin.input.value) { pin2.input.focus(); return; }
    try {
      session.me = await act(submit, alertHost, function () { return api('POST', '/pin', { pin: pin.input.value }); });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.code === 'invalid_field') { pin.setError(t('e_pin')); pin.input.focus(); return; }
      alertHost.appendChild(h('div', { class: 'alert bad', role: 'alert' }, h('p', null, t('error'))));
      return;
    }
    announce(t('newpin_done'));
    go('#/');
  }
}

/* ---------- home ---------- */

/* Home of a logged-in learner: where to continue, every course with its
 * progress, the account and logging out. */

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
    session.me = null; timeForget();
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

/* ---------- course ---------- */

/* A course: its progress, where to continue, its lessons and its quiz. */

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

/* ---------- lesson ---------- */

/* A lesson: the pack's own HTML, "done" (which carries the time read)
 * and the way to the next lesson or the quiz. The time spent reading is
 * kept in core.js (visitOpen and the rest). */

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

/* ---------- quiz ---------- */

/* The quiz of a course: one question at a time (with the right answer at
 * once, or only at the end, as the course says), then the result and its
 * review. The attempt's id is kept on the phone (attKey, core.js), so a
 * resent answer or a reload never starts a second attempt. */

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

/* ---------- completion page ---------- */

/* The completion page of a course (the "certificate" route): who
 * completed which course, when, with which quiz score. */

export async function pageCertificate(ctx, cid) {
  var cert;
  try {
    cert = await load(ctx, function () { return api('GET', '/courses/' + enc(cid) + '/certificate'); });
  } catch (e) {
    if (e instanceof ApiError && e.code === 'not_found') {
      return problemPage(ctx, t('cert_none'), '#/course/' + enc(cid), t('to_course'));
    }
    throw e;
  }
  showPage(ctx, t('cert'), [
    h('a', { class: 'back no-print', href: '#/course/' + enc(cid) }, '← ' + cert.course_title),
    h('div', { class: 'card cert', id: 'cert' },
      h('div', { class: 'seal', 'aria-hidden': 'true' }, '✓'),
      h('h1', null, t('cert')),
      h('p', { class: 'muted' }, t('cert_given')),
      h('p', { class: 'who', id: 'cert-name' }, cert.learner),
      h('p', null, t('village_line', { v: cert.village_name, d: cert.district, r: cert.regency })),
      h('p', { class: 'muted' }, t('cert_did')),
      h('p', { class: 'what', id: 'cert-course' }, cert.course_title),
      h('dl', null,
        h('dt', null, t('cert_date')), h('dd', { id: 'cert-date' }, cert.completed_at ? fmtDate(cert.completed_at) : '—'),
        h('dt', null, t('cert_score')), h('dd', { id: 'cert-score' }, String(cert.score))),
      cert.clock === 'unknown' ? h('p', { class: 'small muted' }, t('cert_clock')) : null),
    h('a', { class: 'btn alt no-print', href: '#/' }, t('to_home'))
  ]);
}
