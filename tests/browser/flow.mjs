// The whole learner journey in one language, shared by test_flow_id.mjs and
// test_flow_en.mjs: register, open a course, read two lessons, play audio,
// fail the quiz once, pass it, see the completion page, log out, log in and
// be offered to continue, finish the course and see it marked completed.

import { ok, eq, note, startBox, browser, screen, tapTo, open, shot, axe, apiLearner, learnAnswers, register, takeQuiz, TEXT } from './lib.mjs';

// A course with at least two lessons, preferring one whose lessons have audio.
export async function pickCourse(url) {
  const api = await apiLearner(url, 'Penguji Kursus ' + Math.random().toString(36).replace(/[^a-z]/g, '').slice(0, 6));
  const list = (await api.req('GET', '/courses')).json.courses;
  let best = null;
  for (const c of list) {
    const d = (await api.req('GET', `/courses/${c.id}`)).json;
    if (d.lessons.length < 2) continue;
    let audio = -1;
    for (let i = 0; i < d.lessons.length && audio < 0; i++) {
      const html = await (await fetch(url + d.lessons[i].url)).text();
      if (/<audio/i.test(html)) audio = i;
    }
    const cand = { id: c.id, title: d.title, lessons: d.lessons, audio, feedback: d.feedback };
    if (!best || (best.audio < 0 && audio >= 0)) best = cand;
  }
  return best;
}

export async function fullFlow(lang) {
  const T = TEXT[lang];
  const box = await startBox();
  const course = await pickCourse(box.url);
  if (!ok(course, 'the box serves a course with at least two lessons')) return;
  note(`course ${course.id}: ${course.lessons.length} lessons, audio in lesson ${course.audio + 1}, feedback ${course.feedback}`);
  const key = await learnAnswers(box.url, course.id);
  const villages = (await (await fetch(box.url + '/api/v1/villages')).json()).villages;
  const village = villages[Math.min(3, villages.length - 1)];
  const name = lang === 'id' ? 'Siti Aminah' : 'Budi Santoso';
  const pin = '482913';
  const sfx = lang === 'id' ? '' : '-en';

  const phone = await browser({ locale: lang === 'id' ? 'id-ID' : 'en-GB' });
  let { page, errors } = phone;
  await open(page, box.url + '/');
  eq(await page.getAttribute('html', 'lang'), 'id', 'the app starts in Bahasa Indonesia');
  if (lang === 'en') {
    await page.tap('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.reload();
    await screen(page);
    eq(await page.getAttribute('html', 'lang'), 'en', 'English stays chosen after a reload (remembered)');
    eq(await page.textContent('#lang'), T.lang, 'the switch offers the other language');
  }

  // register
  await tapTo(page, `text=${T.register}`);
  const q = village.name.slice(1, 5).toUpperCase();
  await page.fill('#r-vil', q);
  await page.waitForSelector('.sugg button');
  const sugg = await page.$$eval('.sugg button', (b) => b.map((x) => x.textContent));
  ok(sugg.some((s) => s.includes(village.name) && s.includes(village.district)),
    `typing "${q}" suggests ${village.name} with its district`, sugg.slice(0, 5));
  await page.fill('#r-vil', '');
  await register(page, { name, pin, villageQuery: village.name, lang });
  ok((await page.textContent('main h1')).includes(name), 'after registering, home greets the learner by name');
  ok(await page.isVisible(`[data-course="${course.id}"]`), 'home lists the course');
  await shot(page, `flow${sfx}-01-home-new`);

  // course page, two lessons
  await tapTo(page, `[data-course="${course.id}"]`);
  eq(await page.textContent('main h1'), course.title, 'the course page shows the course title');
  await tapTo(page, '#continue');
  eq(await page.textContent('main h1'), course.lessons[0].title, 'continue opens the first lesson');
  ok(await page.$eval('.lesson-body', (a) => a.textContent.trim().length > 20), 'the lesson text is shown');
  const imgs = await page.$$eval('.lesson-body img', (l) => l.map((i) => [i.getBoundingClientRect().width, i.closest('article').getBoundingClientRect().width]));
  ok(imgs.every(([w, aw]) => w <= aw + 0.5), 'images fit the screen', imgs);
  await page.waitForTimeout(1500); // time spent reading (recorded, checked below)
  await tapTo(page, '#lesson-done');
  eq(await page.textContent('main h1'), course.lessons[1].title, 'done on lesson 1 opens lesson 2');
  await tapTo(page, '#lesson-done');
  const detail = await (await page.request.get(box.url + `/api/v1/courses/${course.id}`)).json();
  eq(detail.lessons.slice(0, 2).map((l) => l.state), ['done', 'done'], 'the box has the two lessons as done');
  ok(detail.lessons[0].seconds_spent >= 1, 'the time spent on lesson 1 is recorded', detail.lessons[0]);

  // audio
  if (ok(course.audio >= 0, 'a lesson of the course has audio')) {
    await open(page, box.url + `/#/course/${course.id}/lesson/${course.lessons[course.audio].id}`);
    await page.waitForSelector('.lesson-body audio');
    await page.tap('.lesson-body audio');
    const played = await page.evaluate(async () => {
      const a = document.querySelector('.lesson-body audio');
      try { await a.play(); } catch (e) { return 'play failed: ' + e.message; }
      await new Promise((r) => { const t = () => { if (a.currentTime > 0.2) r(); else setTimeout(t, 50); }; t(); });
      a.pause();
      const target = Math.min(a.duration * 0.6, a.duration - 0.5);
      await new Promise((r) => { a.addEventListener('seeked', r, { once: true }); a.currentTime = target; });
      return { duration: a.duration, at: a.currentTime, target, error: a.error && a.error.code };
    });
    ok(typeof played === 'object' && played.at > 0 && Math.abs(played.at - played.target) < 0.5,
      'the audio plays and seeks', played);
  }

  // the remaining lessons, through "done, next"
  await open(page, box.url + `/#/course/${course.id}/lesson/${course.lessons[2 % course.lessons.length].id}`);
  for (let i = 0; i < 60 && /\/lesson\//.test(await page.evaluate(() => location.hash)); i++) {
    await tapTo(page, '#lesson-done');
  }
  ok(/\/quiz$/.test(await page.evaluate(() => location.hash)), 'done on the last lesson leads to the quiz');

  // quiz: fail once, then pass
  await shot(page, `flow${sfx}-02-quiz`);
  const s1 = await takeQuiz(page, key.wrong, key.feedback);
  eq(s1, '0', 'all wrong answers score 0');
  ok((await page.textContent('#passfail')).trim() === T.notPassed, `the result says "${T.notPassed}"`);
  await tapTo(page, '#retry-quiz');
  const s2 = await takeQuiz(page, key.right, key.feedback);
  eq(s2, '100', 'all right answers score 100');
  ok((await page.textContent('#passfail')).trim() === T.passed, `the result says "${T.passed}"`);
  const after = await (await page.request.get(box.url + `/api/v1/courses/${course.id}`)).json();
  eq([after.quiz.attempts, after.quiz.best_score, after.quiz.passed, after.status], [2, 100, true, 'completed'],
    'the box counts two attempts, best 100, passed, course completed');

  // completion page
  await tapTo(page, '#see-cert');
  eq(await page.textContent('#cert-name'), name, 'the completion page names the learner');
  ok((await page.textContent('#cert')).includes(village.name), 'the completion page names the village');
  eq(await page.textContent('#cert-course'), course.title, 'the completion page names the course');
  eq(await page.textContent('#cert-score'), '100', 'the completion page shows the score');
  ok(/\d{4}/.test(await page.textContent('#cert-date')), 'the completion page shows the date');
  await shot(page, `flow${sfx}-03-certificate`);
  const v = await axe(page);
  ok(v.length === 0, 'completion page: no serious or critical axe-core violations', v);

  // home marks it completed; start a second course and stop mid-lesson
  await open(page, box.url + '/#/');
  const card = await page.textContent(`[data-course="${course.id}"]`);
  ok(card.includes(lang === 'id' ? 'Selesai' : 'Completed'), 'home marks the finished course as completed', card);
  const other = await page.$$eval('[data-course]', (l, id) => l.map((a) => a.getAttribute('data-course')).filter((x) => x !== id), course.id);
  let otherLesson = null;
  if (ok(other.length > 0, 'the box has a second course')) {
    await tapTo(page, `[data-course="${other[0]}"]`);
    if (await page.$('#pretest-skip')) { // a course with a pre-test: this learner skips it
      await page.tap('#pretest-skip');
      await page.waitForSelector('#pretest-card', { state: 'detached' });
    }
    otherLesson = await page.textContent('#continue');
    await tapTo(page, '#continue');
    await page.waitForFunction(() => document.querySelector('.lesson-body'));
  }

  // log out, log in, offered to continue
  await open(page, box.url + '/#/');
  await tapTo(page, '#logout');
  ok(!(await page.isVisible('#logout')), 'after logging out the welcome screen is shown');
  await tapTo(page, `a:has-text("${T.login}")`);
  await page.fill('#l-name', name.slice(0, 4).toLowerCase());
  await page.waitForSelector(`.sugg button:has-text("${name}")`);
  await page.tap(`.sugg button:has-text("${name}")`);
  eq(await page.inputValue('#l-name'), name, 'picking the name from the list fills it in');
  await page.fill('#l-pin', '000000');
  await page.tap('form button[type=submit]');
  await page.waitForSelector('.alert.bad');
  ok(true, 'a wrong PIN is refused with a message');
  await page.fill('#l-pin', pin);
  await tapTo(page, 'form button[type=submit]');
  const first = await page.$eval('main', (m) => {
    const kids = Array.from(m.children).filter((k) => k.tagName !== 'H1');
    return kids[0] && kids[0].id;
  });
  eq(first, 'resume', 'after logging in, "continue" is the first thing under the greeting');
  const resumeText = await page.textContent('#resume');
  ok(resumeText.includes(T.resume), `it says "${T.resume}"`, resumeText);
  if (otherLesson) {
    const lessonTitle = otherLesson.replace(/^[^:]*:\s*/, '');
    ok(resumeText.includes(lessonTitle), 'it offers the lesson where the learner stopped', { resumeText, lessonTitle });
    await tapTo(page, '#resume');
    ok(await page.evaluate((id) => location.hash.indexOf('#/course/' + id + '/lesson/') === 0, other[0]), 'continue opens that lesson');
  }
  await shot(page, `flow${sfx}-04-resumed-lesson`);

  // the browser is closed and opened again: still logged in, same language
  eq(errors, [], 'no script errors or dialogs in the page');
  await phone.close(true);
  const again = await browser({ profile: phone.profile, locale: lang === 'id' ? 'id-ID' : 'en-GB' });
  page = again.page;
  errors = again.errors;
  await open(page, box.url + '/');
  ok(await page.isVisible('#resume'), 'after closing and reopening the browser the learner is still logged in');
  eq(await page.getAttribute('html', 'lang'), lang, 'and the language is the one chosen');

  eq(errors, [], 'no script errors or dialogs in the page');
  return box;
}
