// Reading time is counted once when the box stored a /time or /complete
// and only its reply was lost: the phone resends the same visit and total,
// and the box adds nothing twice (issue 13). The reply is dropped after the
// box has answered (the request reached it), as a phone leaving the Wi-Fi's
// reach would lose it.

import { run, ok, eq, startBox, browser, open, screen, apiLearner } from './lib.mjs';

await run(async () => {
  const box = await startBox();
  const api = await apiLearner(box.url, 'Yanti Sekali Hitung');
  const { page, ctx, errors } = await browser();
  const [cname, cval] = api.cookie.split('=');
  await ctx.addCookies([{ name: cname, value: cval, url: box.url }]);
  const course = 'literasi-digital';
  const d = (await api.req('GET', `/courses/${course}`)).json;
  const [L0, L1] = d.lessons;
  const spent = async (lid) => (await api.req('GET', `/courses/${course}`)).json.lessons.find((l) => l.id === lid).seconds_spent;

  // "done": the box stores it, the reply is lost, the learner taps "try again"
  const bodies = [];
  let dropped = 0;
  await page.route(/\/lessons\/[^/]+\/complete$/, async (route) => {
    bodies.push(JSON.parse(route.request().postData()));
    const res = await route.fetch();
    if (dropped++ === 0) { await route.abort('connectionreset'); return; }
    await route.fulfill({ response: res });
  });
  await open(page, box.url + `/#/course/${course}/lesson/${L0.id}`);
  await page.waitForTimeout(2600);
  const before = await screen(page).then(() => page.evaluate(() => +document.getElementById('main').getAttribute('data-shown')));
  await page.tap('#lesson-done');
  await page.waitForSelector('.alert button');
  ok(true, 'the lost reply shows the retry message');
  await page.tap('.alert button');
  await screen(page, before);
  eq(bodies.length, 2, '"done" was sent twice (the first reply lost)');
  ok(bodies[0].visit && bodies[0].visit === bodies[1].visit && bodies[0].total === bodies[1].total && bodies[0].total >= 2,
    'both carry the same visit and running total', bodies);
  eq(await spent(L0.id), bodies[0].total, 'the box counted the visit\'s seconds once');

  // /time when leaving a lesson: stored, reply lost, sent again by itself
  const times = [];
  let tdropped = 0;
  await page.route(/\/lessons\/[^/]+\/time$/, async (route) => {
    times.push(JSON.parse(route.request().postData()));
    const res = await route.fetch();
    if (tdropped++ === 0) { await route.abort('connectionreset'); return; }
    await route.fulfill({ response: res });
  });
  await open(page, box.url + `/#/course/${course}/lesson/${L1.id}`);
  await page.waitForTimeout(2600);
  await open(page, box.url + `/#/course/${course}`);
  const end = Date.now() + 15000;
  while (times.length < 2 && Date.now() < end) await page.waitForTimeout(100);
  eq(times.length, 2, 'the /time whose reply was lost is sent again by itself');
  ok(times[0].visit === times[1].visit && times[0].total === times[1].total, 'with the same visit and total', times);
  eq(await spent(L1.id), times[0].total, 'and the box counted those seconds once');
  eq(errors, [], 'no script errors or dialogs in the page');
});
