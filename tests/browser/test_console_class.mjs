// The facilitator console's class screens in Chromium, with the learner
// app's side of the help: Today (figures and SVG charts), Learners (search,
// a filter, sorting by a column, the next page), a learner's page (correct
// the village, reset the PIN, merge), a learner logging in with the reset
// code and making a new PIN, and two officials of one name told apart at
// login. Each console screen checked with axe-core at 360x640 and
// 1280x800 and photographed into tests/out/screenshots/console/.
import { run, ok, eq, startBox, browser, screen, shown, Api, apiLearner } from './lib.mjs';
import { checkConsole, go, setupCode, login, FAC } from './console.mjs';

const COURSE = 'desa-administrasi';

await run(async () => {
  const box = await startBox();
  const names = ['Ani Lestari', 'Budi Hartono', 'Citra Dewi', 'Dodi Saputra', 'Eka Wulandari'];
  for (let i = 0; i < 22; i++) names.push('Peserta Uji ' + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[i]);
  const apis = {};
  for (const n of names) apis[n] = await apiLearner(box.url, n);
  const course = (await apis['Ani Lestari'].req('GET', '/courses/' + COURSE)).json;
  for (const [n, k] of [['Ani Lestari', 2], ['Citra Dewi', 1]]) {
    for (const les of course.lessons.slice(0, k)) {
      await apis[n].req('POST', `/courses/${COURSE}/lessons/${les.id}/open`, {});
      await apis[n].req('POST', `/courses/${COURSE}/lessons/${les.id}/complete`, { seconds: 120 });
    }
  }
  // two officials of one name: other villages (30 registrations per address a day: 29 here)
  const pub = new Api(box.url);
  const vs = (await pub.req('GET', '/villages')).json.villages;
  for (const [v, pin] of [[vs[1], '573920'], [vs[2], '618204']]) {
    const r = await pub.req('POST', '/register', { name: 'Budi Santoso', position: 'kepala-desa', village: v.code, pin });
    eq(r.status, 201, 'a Budi Santoso of ' + v.name + ' registers');
  }

  const { page, errors } = await browser();
  await go(page, box.url, '#/');
  await page.fill('input[name=code]', setupCode(box));
  await page.fill('input[name=username]', FAC.username);
  await page.fill('input[name=password]', FAC.password);
  let before = await shown(page);
  await page.click('form button[type=submit]');
  await screen(page, before);

  // Today
  ok(await page.isVisible('#st-active'), 'the facilitator lands on Today');
  eq(await page.textContent('#st-phones .n'), 'tidak diketahui', 'phones connected are "tidak diketahui" without the hotspot count');
  eq(await page.textContent('#st-lessons .n'), '3', 'lessons completed today');
  eq(await page.textContent('#st-learners .n'), '29', 'learners registered');
  ok(await page.$$eval('svg.chart', (l) => l.length) === 2, 'two inline SVG charts: per course, per village');
  const w = await page.$eval('svg.chart', (e) => e.getBoundingClientRect().width);
  ok(w <= 360, 'a chart fits the phone', w);
  await checkConsole(page, 'class-01-today');

  // Learners
  await go(page, box.url, '#/learners');
  eq(await page.textContent('main p[aria-live]'), '29 peserta', 'every learner is counted');
  eq(await page.$$eval('tbody tr', (l) => l.length), 25, 'a page of 25');
  await checkConsole(page, 'class-02-learners');
  before = await shown(page);
  await page.click('nav.pager a:not([hidden])');
  await screen(page, before);
  eq(await page.$$eval('tbody tr', (l) => l.length), 4, 'the next page has the rest');
  before = await shown(page);
  await page.fill('input[name=q]', 'dew');
  await page.click('form[role=search] button[type=submit]');
  await screen(page, before);
  eq(await page.$$eval('tbody th a', (l) => l.map((a) => a.textContent)), ['Citra Dewi'], 'search by the start of a word');
  before = await shown(page);
  await page.fill('input[name=q]', '');
  await page.selectOption('select[name=course]', COURSE);
  await page.click('form[role=search] button[type=submit]');
  await screen(page, before);
  eq(await page.$$eval('tbody th a', (l) => l.map((a) => a.textContent)), ['Ani Lestari', 'Citra Dewi'], 'filter by course');
  before = await shown(page);
  await page.click('thead button[aria-label*="Kemajuan"]');
  await screen(page, before);
  before = await shown(page);
  await page.click('thead button[aria-label*="Kemajuan"]');
  await screen(page, before);
  eq(await page.$$eval('tbody th a', (l) => l.map((a) => a.textContent)), ['Ani Lestari', 'Citra Dewi'], 'sorted by progress, most first');
  eq(await page.getAttribute('th[aria-sort]', 'aria-sort'), 'descending', 'the sorted column says so');
  await checkConsole(page, 'class-03-learners-filtered');

  // a learner: correct the village, reset the PIN
  before = await shown(page);
  await page.click('tbody th a >> text=Citra Dewi');
  await screen(page, before);
  eq(await page.textContent('h1'), 'Citra Dewi', 'the learner page opens');
  await checkConsole(page, 'class-04-learner');
  await page.selectOption('select[name=village]', vs[3].code);
  before = await shown(page);
  await page.click('form button[type=submit] >> text=Simpan');
  await screen(page, before);
  ok((await page.textContent('.facts')).includes(vs[3].name), 'the village is corrected and the page shows it');
  await page.click('#pin-reset');
  await page.click('[role=alertdialog] .btn.danger');
  await page.waitForSelector('#pin-code');
  const code = (await page.textContent('#pin-code')).replace(/\s/g, '');
  ok(/^\d{8}$/.test(code), 'the facilitator sees an 8-digit one-time code', code);
  await checkConsole(page, 'class-05-pin-code');

  // the learner logs in with the code and makes a new PIN
  const phone = await browser();
  await phone.page.goto(box.url + '/#/login');
  await screen(phone.page);
  await phone.page.fill('#l-name', 'Citra Dewi');
  await phone.page.fill('#l-pin', code);
  before = await shown(phone.page);
  await phone.page.tap('form button[type=submit]');
  await screen(phone.page, before);
  ok(await phone.page.isVisible('#n-pin'), 'the learner is asked for a new PIN first');
  await checkConsole(phone.page, 'learner-01-new-pin');
  await phone.page.fill('#n-pin', '705318');
  await phone.page.fill('#n-pin2', '705318');
  before = await shown(phone.page);
  await phone.page.tap('form button[type=submit]');
  await screen(phone.page, before);
  ok(await phone.page.isVisible(`[data-course="${COURSE}"]`), 'then the home screen with the courses');

  // two officials of one name: the learner app asks which one
  const twin = await browser();
  await twin.page.goto(box.url + '/#/login');
  await screen(twin.page);
  await twin.page.fill('#l-name', 'Budi Santoso');
  await twin.page.fill('#l-pin', '618204');
  await twin.page.tap('form button[type=submit]');
  await twin.page.waitForSelector('fieldset.choose input[type=radio]');
  eq(await twin.page.$$eval('fieldset.choose input', (l) => l.length), 2, 'the learner app shows both Budis to choose from');
  await checkConsole(twin.page, 'learner-02-choose');
  await twin.page.check('fieldset.choose label:has-text("' + vs[2].name + '") input');
  await twin.page.fill('#l-pin', '618204');
  before = await shown(twin.page);
  await twin.page.tap('form button[type=submit]');
  await screen(twin.page, before);
  ok(await twin.page.isVisible(`[data-course="${COURSE}"]`), 'the chosen Budi logs in');

  // merge Eka into Ani
  await go(page, box.url, '#/learners?q=eka');
  before = await shown(page);
  await page.click('tbody th a');
  await screen(page, before);
  await page.fill('input[name=merge-q]', 'ani');
  await page.waitForSelector('.picks button');
  await page.click('.picks button');
  before = await shown(page);
  await page.click('[role=alertdialog] .btn.danger');
  await screen(page, before);
  eq(await page.textContent('h1'), 'Ani Lestari', 'after the merge the kept account opens');
  await go(page, box.url, '#/audit');
  const audit = await page.textContent('tbody');
  ok(audit.includes('learner_merge') && audit.includes('learner_pin_reset') && audit.includes('learner_edit'),
    'the audit log has the correction, the reset and the merge');
  eq(errors.concat(phone.errors, twin.errors), [], 'no page errors');
});
