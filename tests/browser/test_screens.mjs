// Every screen of the app, one after the other: axe-core (no serious or
// critical violations), the layout at 320x568, 360x640 and 412x915 (no
// horizontal scrolling, text >= 16 px, tap targets >= 44 px) and a
// screenshot at 360x640 in tests/out/screenshots/. Also: images fit, the
// PDF attachment opens, the language switch sets lang, a failed page load
// shows the retry message and recovers (on a tap, and by itself).

import { run, ok, eq, startBox, browser, open, tapTo, screen, checkScreen, apiLearner, learnAnswers, uuid, TEXT } from './lib.mjs';
import { pickCourse } from './flow.mjs';

await run(async () => {
  const box = await startBox();
  const course = await pickCourse(box.url);
  if (!ok(course, 'the box serves a course')) return;
  const key = await learnAnswers(box.url, course.id);
  await apiLearner(box.url, 'Ahmad Fauzi');
  await apiLearner(box.url, 'Dewi Lestari');

  const { page, errors } = await browser();
  await page.goto(box.url + '/');
  await screen(page);
  await checkScreen(page, 'screen-01-welcome');

  await tapTo(page, 'a[href="#/login"]');
  await page.fill('#l-name', 'ah');
  await page.waitForSelector('.sugg button');
  await checkScreen(page, 'screen-02-login-names');
  await page.fill('#l-name', 'Ahmad Fauzi');
  await page.fill('#l-pin', '0000');
  await page.tap('form button[type=submit]');
  await page.waitForSelector('.alert.bad');
  await checkScreen(page, 'screen-03-login-wrong-pin');
  for (let i = 0; i < 6 && !(await page.textContent('.alert.bad')).includes('Tunggu'); i++) {
    await page.fill('#l-pin', '0000');
    await page.tap('form button[type=submit]');
    await page.waitForSelector('form button[type=submit]:not([disabled])');
    await page.waitForSelector('.alert.bad');
  }
  const cool = await page.textContent('.alert.bad');
  ok(/Tunggu \d+ detik/.test(cool), 'after too many wrong PINs the learner is told how long to wait', cool);

  await open(page, box.url + '/#/register');
  await page.tap('form button[type=submit]');
  await page.waitForSelector('.err:not([hidden])');
  const errs = await page.$$eval('.err:not([hidden])', (l) => l.length);
  ok(errs >= 4, 'an empty registration marks every missing field', errs);
  const labelled = await page.$$eval('form input, form select', (l) => l.filter((i) => !i.hidden).every((i) => i.labels && i.labels.length > 0));
  ok(labelled, 'every input of the form has a label');
  await checkScreen(page, 'screen-04-register-errors');
  await page.fill('#r-name', 'Nama Sementara');
  await tapTo(page, '#lang');
  eq(await page.textContent('label[for=r-name]'), 'Full name', 'the language switch redraws the form in English');
  eq(await page.inputValue('#r-name'), 'Nama Sementara', 'what was typed survives the language switch');
  await tapTo(page, '#lang');
  await page.fill('#r-name', 'Ahmad Fauzi');
  await page.selectOption('#r-pos', { index: 2 });
  await page.fill('#r-vil', 'kar');
  await page.waitForSelector('.sugg button');
  await checkScreen(page, 'screen-05-register-village-search');
  await page.tap('.sugg button');
  await page.fill('#r-pin', '135792');
  await page.fill('#r-pin2', '135792');
  // officials of one name may register from another village or jabatan: the
  // name is taken only with the same village and jabatan, so an Ahmad Fauzi
  // of the chosen ones registers first
  const chosenVillage = await page.textContent('.chosen b');
  const chosenPos = await page.inputValue('#r-pos');
  const vcode = (await (await fetch(box.url + '/api/v1/villages')).json()).villages.find((v) => v.name === chosenVillage).code;
  const twin = await fetch(box.url + '/api/v1/register', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Ahmad Fauzi', position: chosenPos, village: vcode, pin: '135792' }) });
  eq(twin.status, 201, 'an Ahmad Fauzi of the chosen village and jabatan registers through the API');
  await page.tap('form button[type=submit]');
  await page.waitForSelector('#r-name[aria-invalid=true]');
  const taken = await page.textContent('#r-name-err');
  ok(/sudah terdaftar/.test(taken), 'a taken name is reported on the name field', taken);
  eq(await page.inputValue('#r-pin'), '135792', 'the form keeps what was typed after a refusal');
  await page.fill('#r-name', 'Ahmad Fauzi Rahman');
  await tapTo(page, 'form button[type=submit]');
  await checkScreen(page, 'screen-06-home');

  await tapTo(page, `[data-course="${course.id}"]`);
  await checkScreen(page, 'screen-07-course');
  await tapTo(page, '#continue');
  await checkScreen(page, 'screen-08-lesson');
  if (course.audio >= 0) {
    await open(page, box.url + `/#/course/${course.id}/lesson/${course.lessons[course.audio].id}`);
    await page.waitForSelector('.lesson-body audio');
    await checkScreen(page, 'screen-09-lesson-audio');
  }

  // a lesson with a PDF attachment, in any course
  const courses = (await (await page.request.get(box.url + '/api/v1/courses')).json()).courses;
  let pdf = null;
  for (const c of courses) {
    const d = await (await page.request.get(box.url + `/api/v1/courses/${c.id}`)).json();
    for (const l of d.lessons) {
      if (/\.pdf/.test(await (await page.request.get(box.url + l.url)).text())) { pdf = { c: c.id, l: l.id }; break; }
    }
    if (pdf) break;
  }
  if (ok(pdf, 'a lesson has a PDF attachment')) {
    await open(page, box.url + `/#/course/${pdf.c}/lesson/${pdf.l}`);
    await page.waitForSelector('.lesson-body a.pdf');
    const href = await page.getAttribute('.lesson-body a.pdf', 'href');
    const r = await page.request.get(new URL(href, box.url).href);
    ok(r.status() === 200 && /pdf/.test(r.headers()['content-type']), 'the PDF link opens the PDF', { href, status: r.status(), type: r.headers()['content-type'] });
    eq(await page.getAttribute('.lesson-body a.pdf', 'target'), '_blank', 'the PDF opens beside the app');
    await checkScreen(page, 'screen-10-lesson-pdf');
  }

  // quiz: a question, its feedback, a failed result
  await open(page, box.url + `/#/course/${course.id}/quiz`);
  await page.waitForSelector('#q-submit');
  await checkScreen(page, 'screen-11-quiz-question');
  await page.tap('#q-submit');
  await page.waitForSelector('.alert[role=alert]');
  ok(true, 'checking without a choice asks for one');
  const q1 = key.questions[0];
  await page.tap(`form input[value="${key.wrong[q1.id][0]}"] >> xpath=..`);
  await page.tap('#q-submit');
  if (key.feedback !== 'end') {
    await page.waitForSelector('#q-feedback');
    await checkScreen(page, 'screen-12-quiz-feedback');
  }
  const attempt = await page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) if (localStorage.key(i).startsWith('pb.att.')) return JSON.parse(localStorage.getItem(localStorage.key(i))).id;
    return null;
  });
  await page.request.post(box.url + `/api/v1/attempts/${attempt}/finish`, { data: {} });
  await page.reload();
  await page.waitForSelector('#quiz-result');
  await checkScreen(page, 'screen-13-quiz-result-failed');

  // complete the course through the API, then the completion page
  const d = await (await page.request.get(box.url + `/api/v1/courses/${course.id}`)).json();
  for (const l of d.lessons) await page.request.post(box.url + `/api/v1/courses/${course.id}/lessons/${l.id}/complete`, { data: { seconds: 30 } });
  const att = uuid();
  await page.request.post(box.url + `/api/v1/courses/${course.id}/attempts`, { data: { attempt: att } });
  for (const q of key.questions) await page.request.put(box.url + `/api/v1/attempts/${att}/answers/${q.id}`, { data: { choices: key.right[q.id] } });
  await page.request.post(box.url + `/api/v1/attempts/${att}/finish`, { data: {} });
  await open(page, box.url + `/#/course/${course.id}`);
  await page.waitForSelector('#see-cert');
  await checkScreen(page, 'screen-14-course-completed');
  await tapTo(page, '#see-cert');
  await checkScreen(page, 'screen-15-certificate');
  const other = courses.find((c) => c.id !== course.id);
  if (other) {
    await open(page, box.url + `/#/course/${other.id}/certificate`);
    await checkScreen(page, 'screen-16-certificate-not-yet');
  }
  await open(page, box.url + '/#/nothing/here');
  await checkScreen(page, 'screen-17-not-found');

  // a page whose data cannot be loaded: the retry message, then recovery
  await open(page, box.url + '/#/');
  await page.route('**/api/v1/courses/*', (r) => r.abort('connectionreset'));
  await page.evaluate((id) => { location.hash = '#/course/' + id; }, course.id);
  await page.waitForSelector(`.alert button:has-text("${TEXT.id.retry}")`);
  ok((await page.textContent('.alert')).includes(TEXT.id.netDown), 'a page that cannot load shows the retry message');
  await checkScreen(page, 'screen-18-load-failed');
  await page.unroute('**/api/v1/courses/*');
  await page.tap(`.alert button:has-text("${TEXT.id.retry}")`);
  await page.waitForSelector('#quiz-card');
  ok(true, 'retry loads the page once the box answers');

  // English
  await open(page, box.url + '/#/');
  await tapTo(page, '#lang');
  eq(await page.getAttribute('html', 'lang'), 'en', 'the language switch sets lang="en"');
  ok((await page.textContent('main')).includes('My courses'), 'the home screen is in English');
  await checkScreen(page, 'screen-19-home-en');
  // the retry message in English; the page recovers by itself, untouched
  await page.route('**/api/v1/courses/*', (r) => r.abort('connectionreset'));
  await page.evaluate((id) => { location.hash = '#/course/' + id; }, course.id);
  await page.waitForSelector(`.alert button:has-text("${TEXT.en.retry}")`);
  ok((await page.textContent('.alert')).includes(TEXT.en.netDown), 'the retry message is in English');
  ok(/Trying again by itself in \d+ s/.test(await page.textContent('.alert .retry-state')), 'with its countdown in English', await page.textContent('.alert'));
  await checkScreen(page, 'screen-20-load-failed-en');
  await page.unroute('**/api/v1/courses/*');
  await page.waitForSelector('#quiz-card', { timeout: 45000 });
  ok(true, 'the page loads by itself once the box answers (no tap)');
  await open(page, box.url + `/#/course/${course.id}/lesson/${course.lessons[0].id}`);
  eq(await page.getAttribute('.lesson-body', 'lang'), 'id', 'an Indonesian lesson keeps lang="id" inside the English app');
  await tapTo(page, '#lang');
  eq(await page.getAttribute('html', 'lang'), 'id', 'and back to Bahasa Indonesia');

  eq(errors, [], 'no script errors or dialogs in the page');
});
