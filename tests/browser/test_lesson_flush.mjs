// A long read reaches the box while the lesson is still open: the app hands
// on the seconds read every minute (shortened here through the PB_TEST hook),
// so a visit whose end is never heard loses at most that much.

import { run, ok, eq, startBox, browser, open } from './lib.mjs';
import { pickCourse } from './flow.mjs';

await run(async () => {
  const box = await startBox();
  const course = await pickCourse(box.url);
  if (!ok(course, 'the box serves a course')) return;
  const lesson = course.lessons[0];

  const { ctx, page, errors } = await browser();
  await ctx.addInitScript(() => { window.PB_TEST = { timeFlushMs: 1500 }; });
  const villages = (await (await page.request.get(box.url + '/api/v1/villages')).json()).villages;
  const pos = (await (await page.request.get(box.url + '/api/v1/positions')).json()).positions[0].id;
  eq((await page.request.post(box.url + '/api/v1/register',
    { data: { name: 'Yanti Baca Lama', position: pos, village: villages[0].code, pin: '864215' } })).status(), 201,
  'the learner is registered');

  const seconds = async () => {
    const d = await (await page.request.get(box.url + `/api/v1/courses/${course.id}`)).json();
    return d.lessons.find((l) => l.id === lesson.id);
  };
  await open(page, box.url + `/#/course/${course.id}/lesson/${lesson.id}`);
  await page.waitForSelector('.lesson-body');
  const t0 = Date.now();
  let l = await seconds();
  for (let i = 0; i < 100 && l.seconds_spent < 3; i++) {
    await page.waitForTimeout(100);
    l = await seconds();
  }
  const open_s = (Date.now() - t0) / 1000;
  ok(l.seconds_spent >= 3 && l.seconds_spent <= open_s + 2,
    `seconds read reach the box while the lesson stays open (${l.seconds_spent} s after ${open_s.toFixed(1)} s)`, l);
  eq(l.state, 'current', 'the lesson is not marked done by it');
  eq(await page.evaluate(() => location.hash), `#/course/${course.id}/lesson/${lesson.id}`, 'the learner is still reading');
  eq(errors, [], 'no script errors or dialogs in the page');
});
