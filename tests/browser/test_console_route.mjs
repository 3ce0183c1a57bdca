// The console draws a screen once per visit, however slowly the box
// answers: on a busy box, a second drawing of the same screen arriving late
// wiped what the facilitator had typed (and a test's first setup with it),
// and a screen left before its answers came drew over the next one.
// Slow answers are made here by holding the box's replies in the browser.
import { run, ok, eq, startBox, browser, screen, shown } from './lib.mjs';
import { go, setupCode, FAC } from './console.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Holds the n-th answer to a console API path by n × step ms.
async function slowly(page, glob, step) {
  let n = 0;
  await page.route(glob, async (route) => {
    const wait = ++n * step;
    const res = await route.fetch();
    await sleep(wait);
    await route.fulfill({ response: res });
  });
  return () => page.unroute(glob);
}

await run(async () => {
  const box = await startBox();
  const { ctx, page, errors } = await browser();

  // First visit: nobody is logged in and the box needs its first facilitator.
  const undo = await slowly(page, '**/api/v1/console/setup', 400);
  await page.goto(box.url + '/console/#/');
  await screen(page);
  await page.fill('input[name=username]', FAC.username);
  await sleep(2500);
  eq(await shown(page), 1, 'the first setup screen is drawn once on a slow box');
  eq(await page.inputValue('input[name=username]'), FAC.username, 'what the facilitator typed stays typed');
  await undo();

  let before = await shown(page);
  await page.fill('input[name=code]', setupCode(box));
  await page.fill('input[name=password]', FAC.password);
  await page.click('form button[type=submit]');
  await screen(page, before);
  ok(await page.isVisible('#nav a[href="#/logout"]'), 'the facilitator is in');

  // The session ends behind the page's back (the box forgot it, a cookie
  // was cleared): the courses screen's three requests are all refused.
  await ctx.clearCookies();
  const undo2 = await slowly(page, '**/api/v1/console/setup', 400);
  before = await shown(page);
  await page.evaluate(() => { location.hash = '#/courses'; });
  await page.waitForSelector('input[name=password]');
  await screen(page, before);
  const first = await shown(page);
  await page.fill('input[name=username]', FAC.username);
  await sleep(2500);
  eq(await shown(page), first, 'the login screen is drawn once when the session has ended');
  eq(await page.inputValue('input[name=username]'), FAC.username, '...and keeps what was typed');
  await undo2();

  before = await shown(page);
  await page.fill('input[name=password]', FAC.password);
  await page.click('form button[type=submit]');
  await screen(page, before);
  ok(await page.isVisible('#nav a[href="#/logout"]'), 'logging in again works');
  await go(page, box.url, '#/courses');
  ok((await page.textContent('main')).includes('Administrasi Pemerintahan Desa'), 'the courses screen shows after logging in again');

  // Two quick taps on the menu: the courses screen's answers come late and
  // must not draw over the log the facilitator opened after it.
  const undo3 = await slowly(page, '**/api/v1/console/{courses,usb,keys}', 1500);
  await go(page, box.url, '#/today');
  before = await shown(page);
  await page.click('#nav a[href="#/courses"]');
  await page.click('#nav a[href="#/audit"]');
  await screen(page, before);
  await sleep(5000);
  eq(page.url().split('#')[1], '/audit', 'the second tap is where the page is');
  eq(await page.textContent('main h1'), 'Catatan kegiatan konsol', 'the log stays on screen when the courses\' answers come late');
  await undo3();
  eq(errors, [], 'no page errors');
});
