// Bench (issue 3): every page usable within 2 s on a slow 3G hotspot: 400 ms round trip and
// 400 kbit/s each way (WebPageTest's "3G Slow"), applied by Chromium's own
// network throttling. "Usable" means the screen is drawn with its data (the
// app's data-shown mark, no loading card). The times are printed.

import { run, ok, note, startBox, browser, screen, shown, apiLearner } from '../browser/lib.mjs';
import { pickCourse } from '../browser/flow.mjs';

const BUDGET = 2000;

await run(async () => {
  const box = await startBox();
  const course = await pickCourse(box.url);
  if (!ok(course, 'the box serves a course')) return;
  await apiLearner(box.url, 'Bambang Lambat');

  const { ctx, page } = await browser();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 400, downloadThroughput: 400 * 1000 / 8, uploadThroughput: 400 * 1000 / 8 });

  const timed = async (what, go, fresh) => {
    const before = fresh ? 0 : await shown(page).catch(() => 0);
    const t0 = Date.now();
    await go();
    await screen(page, before);
    const ms = Date.now() - t0;
    note(`slow3g\t${what}\t${ms}`);
    ok(ms <= BUDGET, `${what} is usable within ${BUDGET} ms on slow 3G (${ms} ms)`);
  };

  await timed('first load, logged out (welcome)', () => page.goto(box.url + '/', { waitUntil: 'commit' }), true);
  const villages = (await (await page.request.get(box.url + '/api/v1/villages')).json()).villages;
  const pos = (await (await page.request.get(box.url + '/api/v1/positions')).json()).positions[0].id;
  await page.request.post(box.url + '/api/v1/register', { data: { name: 'Sari Lambat', position: pos, village: villages[0].code, pin: '2580' } });
  await timed('first load, logged in (home)', () => page.reload({ waitUntil: 'commit' }), true);
  await timed('first load of a course page (reload)', () => page.goto(box.url + `/#/course/${course.id}`, { waitUntil: 'commit' }).then(() => page.reload({ waitUntil: 'commit' })), true);
  await page.evaluate(() => { location.hash = '#/'; });
  await page.waitForSelector('#logout');
  await timed('course page', () => page.tap(`[data-course="${course.id}"]`));
  await timed('lesson', () => page.tap('#continue'));
  await timed('quiz question', () => page.evaluate((id) => { location.hash = '#/course/' + id + '/quiz'; }, course.id));
  await page.evaluate(() => { location.hash = '#/'; });
  await page.waitForSelector('#logout');
  await page.tap('#logout');
  await page.waitForSelector('a[href="#/register"]');
  await timed('registration form (villages and positions)', () => page.tap('a[href="#/register"]'));
});
