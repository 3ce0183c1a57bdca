// Time spent on a lesson reaches the box however the learner leaves it:
// a back link, "previous", hash navigation, a reload (pagehide: sendBeacon),
// logging out; "done" sends only the seconds not sent yet; time while the
// page is hidden is not counted. Every check compares the box's
// seconds_spent with the seconds the phone sent (nothing counted twice) and
// with bounds measured by the test's own clock, never with an exact time.

import { run, ok, eq, note, startBox, browser, open, tapTo } from './lib.mjs';
import { pickCourse } from './flow.mjs';

await run(async () => {
  const box = await startBox();
  const course = await pickCourse(box.url);
  if (!ok(course && course.lessons.length >= 2, 'the box serves a course with at least two lessons')) return;
  const [L0, L1] = course.lessons;

  const { ctx, page, errors } = await browser();
  const villages = (await (await page.request.get(box.url + '/api/v1/villages')).json()).villages;
  const pos = (await (await page.request.get(box.url + '/api/v1/positions')).json()).positions[0].id;
  const who = { name: 'Wati Waktu Baca', position: pos, village: villages[0].code, pin: '159372' };
  eq((await page.request.post(box.url + '/api/v1/register', { data: who })).status(), 201, 'the learner is registered');

  // every time the phone hands seconds to the box: /time (fetch or beacon)
  // and /complete (routed, because only then is a beacon's Blob body readable)
  const sent = [];
  await ctx.route(/\/api\/v1\/courses\/[^/]+\/lessons\/[^/]+\/(time|complete)$/, async (route) => {
    const r = route.request();
    const m = /\/lessons\/([^/]+)\/(time|complete)$/.exec(r.url());
    let seconds = null;
    try { seconds = JSON.parse(r.postData()).seconds; } catch (e) { seconds = null; }
    sent.push({ lesson: m[1], kind: m[2], seconds, type: r.resourceType(), type_header: r.headers()['content-type'] });
    await route.continue();
  });
  const sentFor = (lid, from = 0) => sent.slice(from).filter((x) => x.lesson === lid);
  const sum = (l) => l.reduce((a, x) => a + (typeof x.seconds === 'number' ? x.seconds : NaN), 0);
  const lesson = async (lid) => {
    const d = await (await page.request.get(box.url + `/api/v1/courses/${course.id}`)).json();
    return d.lessons.find((l) => l.id === lid);
  };
  // waits until the box holds want(seconds_spent) (sends are asynchronous)
  const settle = async (lid, want, what) => {
    const end = Date.now() + 15000;
    for (;;) {
      const l = await lesson(lid);
      if (want(l.seconds_spent)) return l;
      if (Date.now() > end) { ok(false, what, { lesson: l, sent }); return l; }
      await page.waitForTimeout(100);
    }
  };
  const hide = () => page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const show = () => page.evaluate(() => {
    delete document.visibilityState; // back to the real (visible) getters
    delete document.hidden;
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const secs = (ms) => ms / 1000;

  // A: read lesson 1 for 3 s, leave by the back link
  await open(page, box.url + `/#/course/${course.id}`);
  let t0 = Date.now();
  await tapTo(page, `[data-lesson="${L0.id}"]`);
  await page.waitForTimeout(3000);
  await tapTo(page, 'main a.back');
  let t1 = Date.now();
  let l0 = await settle(L0.id, (s) => s > 0 && s === sum(sentFor(L0.id)), 'leaving by the back link sends the time of lesson 1');
  ok(l0.seconds_spent >= 2 && l0.seconds_spent <= secs(t1 - t0) + 1,
    `the box has lesson 1's reading time (>= 2 s, at most the ${secs(t1 - t0).toFixed(1)} s it was open)`, l0);
  ok(l0.state !== 'done', 'leaving without "done" does not mark the lesson done', l0);
  eq(sentFor(L0.id).map((x) => x.kind), ['time'], 'the time went with one /time request');
  const A = l0.seconds_spent;

  // B: lesson 2, hidden for 6 s in the middle; the beacon carries the time
  // read before hiding; leave by "previous"
  let mark = sent.length;
  t0 = Date.now();
  await open(page, box.url + `/#/course/${course.id}/lesson/${L1.id}`);
  await page.waitForTimeout(1500);
  await hide();
  const h0 = Date.now();
  const beforeHidden = await settle(L1.id, (s) => s > 0, 'hiding the page sends the time read so far');
  const first = sentFor(L1.id, mark)[0] || {};
  ok(first.kind === 'time' && first.type === 'ping', 'it goes with sendBeacon', first);
  ok(String(first.type_header).startsWith('application/json'), 'as application/json', first);
  note(`before hiding: ${beforeHidden.seconds_spent} s`);
  await page.waitForTimeout(6000);
  const h1 = Date.now();
  await show();
  await page.waitForTimeout(1500);
  await tapTo(page, '#lesson-prev');
  t1 = Date.now();
  eq(await page.evaluate(() => location.hash), `#/course/${course.id}/lesson/${L0.id}`, '"previous" opens lesson 1');
  const l1 = await settle(L1.id, (s) => sentFor(L1.id, mark).length >= 2 && s === sum(sentFor(L1.id)),
    'leaving by "previous" sends the rest of the time of lesson 2');
  const visible = secs((t1 - t0) - (h1 - h0));
  ok(l1.seconds_spent >= 2 && l1.seconds_spent <= visible + 1,
    `lesson 2 counts only visible time: >= 2 s and at most ${visible.toFixed(1)} s + 1 (it was hidden ${secs(h1 - h0).toFixed(1)} s)`, l1);
  const B = l1.seconds_spent;

  // C: lesson 1 again (opened by "previous" at t1): 3 s, hidden 2 s, 1 s
  // more, then "done": /complete carries only what the beacon did not
  mark = sent.length;
  t0 = t1;
  await page.waitForTimeout(3000);
  await hide();
  const c0 = Date.now();
  await settle(L0.id, (s) => s > A, 'hiding lesson 1 sends its time so far');
  await page.waitForTimeout(2000);
  const c1 = Date.now();
  await show();
  await page.waitForTimeout(1000);
  await tapTo(page, '#lesson-done');
  t1 = Date.now();
  l0 = await settle(L0.id, (s) => sentFor(L0.id, mark).some((x) => x.kind === 'complete') && s === sum(sentFor(L0.id)),
    '"done" sends the time of lesson 1 not sent yet');
  const done = sentFor(L0.id, mark).find((x) => x.kind === 'complete');
  eq(l0.state, 'done', '"done" marks lesson 1 done');
  ok(done.seconds >= 0 && done.seconds <= secs(t1 - c1) + 1,
    `"done" sends only the ${done.seconds} s since the page came back (at most ${secs(t1 - c1).toFixed(1)} s + 1)`, sentFor(L0.id, mark));
  const visC = secs((t1 - t0) - (c1 - c0));
  ok(l0.seconds_spent - A >= 2 && l0.seconds_spent - A <= visC + 1,
    `this visit adds its visible time once: ${l0.seconds_spent - A} s (>= 2, at most ${visC.toFixed(1)} s + 1)`, { A, l0, sent: sentFor(L0.id, mark) });

  // D: "done" led to lesson 2; read 4 s, then reload (pagehide). On a
  // loaded machine the lesson may render a second late and its clock starts
  // then, so only 1 s is certain.
  eq(await page.evaluate(() => location.hash), `#/course/${course.id}/lesson/${L1.id}`, '"done" opens lesson 2');
  mark = sent.length;
  t0 = t1;
  await page.waitForTimeout(4000);
  await page.reload();
  t1 = Date.now();
  const tReload = t1;
  // (a beacon sent while the page unloads is not seen by the test's route:
  // the box's count is the evidence, and the new page cannot have sent it)
  // The browser sends an unloading page's beacon on a best-effort basis:
  // under load Chromium sometimes drops it on reload (seen in about one run
  // in four with three browsers at once), so wait for it but only insist that
  // nothing is counted twice.
  await page.waitForTimeout(1500);
  let l1b = await lesson(L1.id);
  ok(l1b.seconds_spent >= B, `a reload loses none of the time already stored (beacon brought ${l1b.seconds_spent - B} s)`, { B, l1b });
  const unseen = l1b.seconds_spent - B - sum(sentFor(L1.id, mark));
  ok(l1b.seconds_spent - B <= secs(t1 - t0) + 1, `the reload adds at most the time the lesson was open (${l1b.seconds_spent - B} s)`, sentFor(L1.id, mark));
  eq(sentFor(L1.id, mark).filter((x) => x.type !== 'ping'), [], 'no fetch carried it: the unloading page used sendBeacon');

  // E: the reloaded page reads lesson 2 again (its visit began at the
  // reload, while the test waited for the beacon) for at least 2.5 s more;
  // the learner goes home by the address (hash) and logs out at once
  const B2 = l1b.seconds_spent;
  await page.waitForSelector('.lesson-body');
  mark = sent.length;
  t0 = Date.now();
  await page.waitForTimeout(2500);
  await open(page, box.url + '/#/');
  await tapTo(page, '#logout');
  t1 = Date.now();
  ok(await page.isVisible('a[href="#/login"]'), 'the learner is logged out');
  eq((await page.request.post(box.url + '/api/v1/login', { data: { name: who.name, pin: who.pin } })).status(), 200, 'logging in again through the API');
  l1b = await lesson(L1.id);
  ok(l1b.seconds_spent - B2 >= 2 && l1b.seconds_spent - B2 <= secs(t1 - tReload) + 1,
    `the time read before going home and logging out is on the box (${l1b.seconds_spent - B2} s)`, { B2, l1b, sent: sentFor(L1.id, mark) });
  eq(l1b.seconds_spent, sum(sentFor(L1.id)) + unseen, 'lesson 2 holds exactly the seconds the phone sent');
  eq((await lesson(L0.id)).seconds_spent, sum(sentFor(L0.id)), 'lesson 1 holds exactly the seconds the phone sent');

  eq(errors, [], 'no script errors or dialogs in the page');
});
