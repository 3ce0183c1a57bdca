// Pre-test and post-test (issue 13): desa-keuangan declares a skippable
// pre-test. The course page offers it before the first lesson (or to skip
// it); its result shows the score without pass/fail or answers and leads to
// the lessons; the final quiz is the post-test, and its result shows both
// scores and the gain. axe-core and the layout on each new screen.

import { run, ok, eq, startBox, browser, open, tapTo, checkScreen, apiLearner, learnAnswers, takeQuiz, uuid } from './lib.mjs';

await run(async () => {
  const box = await startBox();
  const cid = 'desa-keuangan';
  const key = await learnAnswers(box.url, cid);
  const api = await apiLearner(box.url, 'Rudi Tes Awal');
  const { page, ctx, errors } = await browser();
  const [cname, cval] = api.cookie.split('=');
  await ctx.addCookies([{ name: cname, value: cval, url: box.url }]);

  await open(page, box.url + `/#/course/${cid}`);
  await page.waitForSelector('#pretest-card');
  eq(await page.getAttribute('#continue', 'href'), `#/course/${cid}/pretest`, 'the first step of a new course is its pre-test');
  ok(await page.isVisible('#pretest-skip'), 'which this course lets the learner skip');
  await checkScreen(page, 'screen-21-course-pretest');

  // skipping it, on this phone, goes straight to the lessons
  await page.tap('#pretest-skip');
  await page.waitForSelector('#pretest-card', { state: 'detached' });
  ok(/^Mulai: /.test(await page.textContent('#continue')), 'skipped: the course offers its first lesson');
  await page.evaluate(() => { for (const k of Object.keys(localStorage)) if (k.startsWith('pb.preskip.')) localStorage.removeItem(k); });

  // taking it: every answer wrong, no feedback per question, a score
  await open(page, box.url + `/#/course/${cid}/pretest`);
  await page.waitForSelector('#pretest-kicker');
  await checkScreen(page, 'screen-22-pretest-question');
  const score = await takeQuiz(page, key.wrong, 'end');
  eq(score, '0', 'the pre-test is scored');
  const res = await page.textContent('#quiz-result');
  ok(!/Lulus|Belum lulus/.test(res) && !(await page.$('.results')), 'without pass or fail, and without the answers', res);
  ok(await page.isVisible('#to-lessons'), 'and leads to the first lesson');
  await checkScreen(page, 'screen-23-pretest-result');
  await open(page, box.url + `/#/course/${cid}`);
  ok(!(await page.$('#pretest-card')), 'a pre-test taken is not offered again');

  // lessons done (through the API), then the final quiz is the post-test
  const d = (await api.req('GET', `/courses/${cid}`)).json;
  eq(d.pretest.score, 0, 'the box keeps the pre-test score');
  for (const l of d.lessons) await api.req('POST', `/courses/${cid}/lessons/${l.id}/complete`, { seconds: 20 });
  await open(page, box.url + `/#/course/${cid}/quiz`);
  const post = await takeQuiz(page, key.right, d.feedback);
  eq(post, '100', 'the post-test (the final quiz) is passed');
  const pp = await page.textContent('#pre-post');
  eq(pp, 'Tes awal 0 → tes akhir 100 (+100)', 'its result shows both scores and the gain');
  await checkScreen(page, 'screen-24-posttest-result');
  eq(errors, [], 'no script errors or dialogs in the page');
  void uuid; void tapTo;
});
