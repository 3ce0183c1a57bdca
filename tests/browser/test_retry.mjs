// A flaky hotspot mid-quiz: the server stops while an answer is sent and
// comes back (same data dir, same port); and an answer whose reply is lost
// after the box stored it. The learner sees the retry message in their
// language with a countdown, the chosen answer stays on screen, a tap on
// "Coba lagi" resends at once, the app also resends by itself with a growing
// wait (2, 4, 8 … s) and recovers without any tap once the box is back, and
// the box ends up with every answer exactly once.

import { run, ok, eq, note, startBox, browser, open, tapTo, apiLearner, learnAnswers, shot, axe, TEXT } from './lib.mjs';
import { pickCourse } from './flow.mjs';

await run(async () => {
  const T = TEXT.id;
  const box = await startBox();
  const course = await pickCourse(box.url);
  if (!ok(course, 'the box serves a course')) return;
  const key = await learnAnswers(box.url, course.id);
  if (!ok(key.questions.length >= 3, 'the quiz has at least three questions', key.questions.length)) return;
  const [q1, q2, q3] = key.questions;

  const { page, errors } = await browser();
  // register through the API inside the browser: the session cookie is the page's
  const villages = (await (await page.request.get(box.url + '/api/v1/villages')).json()).villages;
  const pos = (await (await page.request.get(box.url + '/api/v1/positions')).json()).positions[0].id;
  const reg = await page.request.post(box.url + '/api/v1/register', {
    data: { name: 'Rina Putus Sambung', position: pos, village: villages[0].code, pin: '246813' } });
  eq(reg.status(), 201, 'the learner is registered');
  const learner = (await (await page.request.get(box.url + '/api/v1/me')).json()).id;
  await open(page, box.url + `/#/course/${course.id}/quiz`);
  await page.waitForSelector('#q-submit');

  const answer = async (qid, choices) => {
    for (const c of choices) await page.tap(`form input[value="${c}"] >> xpath=..`);
    await page.tap('#q-submit');
  };
  const next = async () => {
    if (key.feedback !== 'end') await tapTo(page, '#q-next');
  };

  // q1: a normal answer
  await answer(q1.id, key.right[q1.id]);
  if (key.feedback !== 'end') await page.waitForSelector('#q-feedback');
  await next();

  // every send of an answer, and every countdown the retry message starts
  const sends = {};
  page.on('request', (r) => {
    const m = /\/api\/v1\/attempts\/[^/]+\/answers\/([^/?]+)$/.exec(r.url());
    if (m && r.method() === 'PUT') sends[m[1]] = (sends[m[1]] || 0) + 1;
  });
  await page.evaluate(() => {
    window.pbCountdowns = [];
    let last = '';
    new MutationObserver(() => {
      const el = document.querySelector('.retry-state');
      const txt = el ? el.textContent : '';
      const m = /(\d+)/.exec(txt);
      // a countdown starts when the number appears after "trying again" or a fresh message
      if (m && !/\d/.test(last)) window.pbCountdowns.push(+m[1]);
      last = txt;
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const countdowns = () => page.evaluate(() => window.pbCountdowns.slice());
  const until = async (fn, ms, what) => {
    const end = Date.now() + ms;
    while (!(await fn())) {
      if (Date.now() > end) throw new Error('timed out waiting for ' + what);
      await page.waitForTimeout(100);
    }
  };

  // q2: the server goes away while the answer is sent
  if (box.external) {
    note('PB_URL set: cannot stop the server, skipping the restart part');
  } else {
    await page.waitForSelector(`input[name="q-${q2.id}"]`);
    const rc = await box.stop();
    note(`pamongd stopped (exit ${rc})`);
    await answer(q2.id, key.wrong[q2.id]);
    await page.waitForSelector('.alert [role=alert]');
    const msg = await page.textContent('.alert [role=alert]');
    ok(msg.includes(T.netDown), `the retry message is shown in Bahasa Indonesia ("${T.netDown}…")`, msg);
    ok(await page.isVisible(`.alert button:has-text("${T.retry}")`), `it has a "${T.retry}" button`);
    const state = await page.textContent('.alert .retry-state');
    ok(/Mencoba lagi otomatis dalam \d+ detik/.test(state), 'it counts down to trying again by itself, in Bahasa Indonesia', state);
    const kept = await page.$$eval(`input[name="q-${q2.id}"]:checked`, (l) => l.map((i) => i.value));
    eq(kept, key.wrong[q2.id], 'the chosen answer is still selected on screen');
    ok(await page.$eval('main', (m) => m.textContent.includes(m.querySelector('legend').textContent)), 'the question is still on screen (no blank page)');
    await shot(page, 'screen-retry-message');
    const v = await axe(page);
    ok(v.length === 0, 'retry message: no serious or critical axe-core violations', v);

    // without a tap the app tries again by itself, waiting longer each time
    await until(async () => (await countdowns()).length >= 2, 20000, 'a second countdown');
    ok(sends[q2.id] >= 2, 'while the box is down the answer is resent without a tap', sends);
    // a tap on the button resends at once (well before the countdown ends)
    await page.waitForFunction(() => /\b([3-9]|[1-9]\d)\b/.test((document.querySelector('.retry-state') || {}).textContent || ''));
    const before = sends[q2.id];
    const cdBefore = (await countdowns()).length;
    await page.tap(`.alert button:has-text("${T.retry}")`);
    await until(async () => sends[q2.id] > before, 2000, 'the resend after the tap');
    ok(true, `tapping "${T.retry}" resends the answer at once`);
    await until(async () => (await countdowns()).length > cdBefore, 10000, 'the countdown after the tapped resend');
    ok(await page.isVisible('.alert [role=alert]'), 'retrying while the box is down keeps the retry message');
    const cds = await countdowns();
    ok(cds[0] === 2 && cds.every((n, i) => i === 0 || n >= cds[i - 1]) && cds.every((n) => n <= 30),
      'the waits between tries grow from 2 s and stay at most 30 s', cds);

    await box.start();
    note('pamongd restarted on the same data dir and port; nothing is tapped now');
    const upAt = Date.now();
    if (key.feedback !== 'end') {
      await page.waitForSelector('#q-feedback', { timeout: 45000 });
      const fb = await page.textContent('#q-feedback');
      ok(fb.includes('Belum tepat'), 'the app recovers by itself: the answer is checked (wrong, as chosen)', fb);
    } else {
      await page.waitForFunction((q) => !document.querySelector(`input[name="q-${q}"]`), q2.id, { timeout: 45000 });
      ok(true, 'the app recovers by itself: the next question is shown');
    }
    note(`recovered ${((Date.now() - upAt) / 1000).toFixed(1)} s after the restart; countdowns ${JSON.stringify(await countdowns())}`);
    ok(!(await page.isVisible('.alert [role=alert]')), 'the retry message is gone after the recovery');
    await next();
  }

  // q3: the box stores the answer but the reply never reaches the phone;
  // the app resends it by itself (no tap) and shows the stored result
  await page.waitForSelector(`input[name="q-${q3.id}"]`);
  let stored = 0;
  await page.route(`**/api/v1/attempts/*/answers/${q3.id}`, async (route) => {
    const resp = await route.fetch();
    stored = resp.status();
    await route.abort('connectionreset');
  }, { times: 1 });
  await answer(q3.id, key.right[q3.id]);
  await page.waitForSelector('.alert [role=alert]');
  eq(stored, 200, 'the box answered the first send of q3 (its reply was then cut)');
  if (key.feedback !== 'end') {
    await page.waitForSelector('#q-feedback', { timeout: 30000 });
    ok((await page.textContent('#q-feedback')).includes('Benar'), 'the resend of q3, by itself, shows the stored result (right)');
  } else {
    await page.waitForFunction((q) => !document.querySelector(`input[name="q-${q}"]`), q3.id, { timeout: 30000 });
  }
  ok(sends[q3.id] === 2, 'q3 was sent twice (the cut send and one resend)', sends);
  await next();

  // the rest, then the result
  for (;;) {
    await page.waitForSelector('#q-submit:not([hidden]), #quiz-result');
    if (await page.$('#quiz-result')) break;
    const qid = await page.$eval('form input', (e) => e.name.slice(2));
    await answer(qid, key.right[qid]);
    if (key.feedback !== 'end') { await page.waitForSelector('#q-feedback'); await next(); } else await page.waitForFunction((q) => !document.querySelector(`input[name="q-${q}"]`), qid);
  }
  const total = key.questions.length;
  const wantCorrect = box.external ? total : total - 1;
  const result = await page.textContent('#quiz-result');
  ok(result.includes(`${wantCorrect} dari ${total} jawaban benar`), `the result counts ${wantCorrect} of ${total} right (q2 wrong as sent)`, result);

  // every answer exactly once on the box, as sent
  const attempt = await page.evaluate((k) => JSON.parse(localStorage.getItem(k)).id, `pb.att.${learner}.${course.id}`);
  const st = await (await page.request.post(box.url + `/api/v1/courses/${course.id}/attempts`, { data: { attempt } })).json();
  eq(Object.keys(st.answers || {}).sort(), key.questions.map((q) => q.id).sort(), 'the box has an answer for every question of the attempt');
  if (!box.external) {
    eq(st.answers[q2.id].choices, key.wrong[q2.id], 'q2 is stored with the choice sent before the restart');
    eq(st.answers[q3.id].choices, key.right[q3.id], 'q3 is stored with the choice sent');
    const rows = box.sql(`SELECT question, count(*) FROM attempt_answers WHERE attempt = '${attempt}' GROUP BY question`);
    ok(rows.length === total && rows.every((r) => r[1] === '1'), 'the database holds one answer row per question', rows);
    const ev = box.sql(`SELECT detail, count(*) FROM events WHERE kind = 'answer' AND learner = '${learner}' GROUP BY detail`);
    ok(ev.length === total && ev.every((r) => r[1] === '1'), 'the event log has one answer event per question (nothing doubled for sync)', ev);
  }
  eq(errors, [], 'no script errors or dialogs in the page');
});
