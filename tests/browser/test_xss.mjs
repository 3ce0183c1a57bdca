// Names are rendered as text, never as HTML: a learner name such as
// <img src=x onerror=alert(1)> shows up literally on the login picker, the
// home screen and the completion page, and nothing runs. The box itself
// refuses such a name at registration; the replies are rewritten in the
// browser to prove the app would be safe even if one got through.

import { run, ok, eq, startBox, browser, open, tapTo, screen } from './lib.mjs';

const EVIL = '<img src=x onerror=alert(1)>';
const EVIL2 = '"><svg onload=alert(2)>';

await run(async () => {
  const box = await startBox();
  const { page, errors } = await browser();
  // every Content-Security-Policy refusal on any page of this test
  await page.addInitScript(() => {
    window.pbCsp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.pbCsp.push(e.violatedDirective + ' ' + e.blockedURI));
  });
  const villages = (await (await page.request.get(box.url + '/api/v1/villages')).json()).villages;
  const pos = (await (await page.request.get(box.url + '/api/v1/positions')).json()).positions[0].id;

  // the box refuses the name; the form shows why and keeps it as typed
  await page.goto(box.url + '/#/register');
  await screen(page);
  await page.fill('#r-name', EVIL);
  await page.tap('form button[type=submit]');
  await page.waitForSelector('#r-name[aria-invalid=true]');
  eq(await page.inputValue('#r-name'), EVIL, 'the refused name stays in the field as typed');
  const r = await page.request.post(box.url + '/api/v1/register', { data: { name: EVIL, position: pos, village: villages[0].code, pin: '482913' } });
  eq(r.status(), 400, 'the box refuses a name with < and >');

  // a learner whose replies carry HTML in every user string
  const reg = await page.request.post(box.url + '/api/v1/register', { data: { name: 'Nur Hidayah', position: pos, village: villages[0].code, pin: '482913' } });
  eq(reg.status(), 201, 'a normal learner registers');
  const evilMe = Object.assign(await reg.json(), { name: EVIL, village_name: EVIL2, district: EVIL2, regency: EVIL2 });
  await page.route('**/api/v1/me', (rt) => rt.fulfill({ json: evilMe }));
  await page.route('**/api/v1/learners/names?*', (rt) => rt.fulfill({ json: { names: [EVIL, EVIL2, 'Nur Hidayah'] } }));
  const courses = (await (await page.request.get(box.url + '/api/v1/courses')).json()).courses;
  await page.route('**/api/v1/courses/*/certificate', (rt) => rt.fulfill({ json: {
    learner: EVIL, village_name: EVIL2, district: EVIL2, regency: EVIL2, course: courses[0].id,
    course_title: EVIL2, completed_at: Date.now(), score: 90, clock: 'phone' } }));

  const clean = async (where) => {
    const bad = await page.evaluate(() => document.querySelectorAll('main img[src="x"], main svg[onload], main [onerror]').length);
    eq(bad, 0, `${where}: no element was made from a name`);
  };

  await page.reload();
  await screen(page);
  ok((await page.textContent('main h1')).includes(EVIL), 'home shows the name literally in the greeting');
  ok((await page.textContent('#acct-name')) === EVIL, 'the account box shows the name literally');
  ok((await page.textContent('main')).includes(EVIL2), 'the village is shown literally');
  await clean('home');

  await open(page, box.url + `/#/course/${courses[0].id}/certificate`);
  eq(await page.textContent('#cert-name'), EVIL, 'the completion page shows the name literally');
  eq(await page.textContent('#cert-course'), EVIL2, 'and the course title');
  await clean('completion page');

  // the login picker, logged out
  await page.unroute('**/api/v1/me');
  await page.route('**/api/v1/me', (rt) => rt.fulfill({ status: 401, json: { error: 'not_logged_in', message: '' } }));
  await page.reload();
  await screen(page);
  await tapTo(page, 'a[href="#/login"]');
  await page.fill('#l-name', 'img');
  await page.waitForSelector('.sugg button');
  const shown = await page.$$eval('.sugg button', (l) => l.map((b) => b.textContent));
  ok(shown.includes(EVIL), 'the login picker lists the name literally', shown);
  await page.tap('.sugg button');
  eq(await page.inputValue('#l-name'), EVIL, 'picking it fills the field with the text');
  await clean('login');

  eq(errors, [], 'nothing ran: no dialogs and no script errors');

  // the page's policy: only the box's own script files and index.html's
  // inline script (by its hash) run; an injected inline script does not
  const resp = await page.goto(box.url + '/');
  await screen(page);
  ok(/script-src 'self' 'sha256-/.test(resp.headers()['content-security-policy'] || '') &&
    resp.headers()['x-frame-options'] === 'DENY', 'the page comes with a script policy and X-Frame-Options: DENY',
    resp.headers());
  eq(await page.evaluate(() => window.pbCsp), [],
    'the app itself breaks no rule of its policy (index.html\'s inline script runs by its hash)');
  await page.evaluate(() => { const s = document.createElement('script'); s.textContent = 'window.pbInjected = 1'; document.body.appendChild(s); });
  eq(await page.evaluate(() => window.pbInjected === undefined && window.pbCsp.length), 1,
    'a script injected into the page is refused by the policy');
});
