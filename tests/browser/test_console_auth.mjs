// The facilitator console in Chromium: first setup with the setup code
// (wrong code first), logout, login (wrong password first), adding a
// facilitator, my account, the audit log, the language switch; each screen
// checked with axe-core at 360x640 and 1280x800 and photographed into
// tests/out/screenshots/console/.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { run, ok, eq, startBox, browser, screen, shown, WEBROOT } from './lib.mjs';
import { checkConsole, go, setupCode, login, FAC } from './console.mjs';

const acorn = createRequire(import.meta.url)('acorn');

await run(async () => {
  // the console's modules keep the learner app's language level (docs/WEBAPP.md)
  const dir = path.join(WEBROOT, 'console', 'js');
  for (const f of fs.readdirSync(dir)) {
    let err = null;
    try { acorn.parse(fs.readFileSync(path.join(dir, f), 'utf8'), { ecmaVersion: 2017, sourceType: 'module' }); } catch (e) { err = e.message; }
    ok(err === null, `console/js/${f} parses as an ES2017 module`, err);
  }
  // imported from their text as data: URLs, which are always ES modules (Debian 12's
  // Node 18 reads a .js file outside a "type": "module" package as CommonJS)
  const esm = async (f) => (await import('data:text/javascript;base64,' +
    fs.readFileSync(path.join(dir, f)).toString('base64'))).default;
  const id = await esm('strings-id.js');
  const en = await esm('strings-en.js');
  eq(Object.keys(en).sort(), Object.keys(id).sort(), 'the console has every text in both languages');
  // one word for the phone in each language, the learner app's: "ponsel", never "HP"
  for (const f of fs.readdirSync(dir)) {
    const hp = fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => /\bHP\b/.test(l));
    eq(hp, [], `console/js/${f} calls a phone "ponsel" as the learner app does`);
  }
  for (const f of fs.readdirSync(dir)) {
    const ast = acorn.parse(fs.readFileSync(path.join(dir, f), 'utf8'), { ecmaVersion: 2017, sourceType: 'module' });
    const calls = [];
    const walk = (n) => {
      if (!n || typeof n.type !== 'string') return;
      if (n.type === 'CallExpression' && n.callee.name === 'addTexts') calls.push(n);
      for (const k of Object.keys(n)) {
        const v = n[k];
        if (Array.isArray(v)) v.forEach(walk); else if (v && typeof v === 'object') walk(v);
      }
    };
    walk(ast);
    for (const c of calls) {
      if (c.arguments.length === 1) { // one table: key: ['Indonesian', 'English']
        const bad = c.arguments[0].properties.filter((p) => p.value.type !== 'ArrayExpression' ||
          p.value.elements.length !== 2 || !p.value.elements.every((e) => e.type === 'Literal' && typeof e.value === 'string' && e.value));
        eq(bad.map((p) => p.key.name || p.key.value), [], `${f}: addTexts has every text in both languages`);
        continue;
      }
      const keys = c.arguments.map((o) => o.properties.map((p) => p.key.name || p.key.value).sort());
      eq(keys[1], keys[0], `${f}: addTexts has every text in both languages`);
    }
  }

  const box = await startBox();
  const { page, errors } = await browser();

  await go(page, box.url, '#/');
  ok(await page.isVisible('input[name=code]'), 'a box without facilitators opens on the setup screen');
  await checkConsole(page, 'auth-01-setup');
  await page.fill('input[name=code]', '0000-0000-0000');
  await page.fill('input[name=username]', FAC.username);
  await page.fill('input[name=password]', FAC.password);
  await page.click('form button[type=submit]');
  await page.waitForSelector('.err:not([hidden])');
  eq(await page.textContent('.err:not([hidden])'), 'Kode penyiapan salah.', 'a wrong code is named at its field');
  await checkConsole(page, 'auth-02-setup-wrong-code');
  let before = await shown(page);
  await page.fill('input[name=code]', setupCode(box));
  await page.click('form button[type=submit]');
  await screen(page, before);
  ok(await page.isVisible('nav a[href="#/facilitators"]'), 'after setup the facilitator is in, with the menu');

  await go(page, box.url, '#/logout');
  ok(await page.isVisible('input[name=password]'), 'logout leads to the login screen');
  await page.fill('input[name=username]', FAC.username);
  await page.fill('input[name=password]', 'salah-sekali-sandi');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.banner:not([hidden])');
  eq(await page.textContent('.banner:not([hidden])'), 'Nama pengguna atau kata sandi salah.', 'a wrong password is told plainly');
  await checkConsole(page, 'auth-03-login-wrong');
  await login(page);
  ok(await page.isVisible('nav'), 'the right password logs in');

  await go(page, box.url, '#/facilitators');
  await page.fill('input[name=username]', 'budi');
  await page.fill('input[name=password]', 'pendek');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.err:not([hidden])');
  ok((await page.getAttribute('input[name=password]', 'aria-invalid')) === 'true', 'a short password is marked invalid');
  await page.fill('input[name=password]', 'sandi-yang-panjang-2026');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.banner.ok:not([hidden])');
  ok((await page.textContent('main ul')).includes('budi'), 'the new facilitator is listed');
  await checkConsole(page, 'auth-04-facilitators');
  // disable budi (asked on the page first), then enable again
  const budi = 'li.fac:has(strong:text-is("budi"))';
  eq(await page.locator(`li.fac:has(strong:text-is("${FAC.username}")) button`).count(), 0, 'no button to disable or remove oneself');
  await page.click(`${budi} button:has-text("Nonaktifkan")`);
  await page.waitForSelector(`${budi} [role=alertdialog]`);
  await checkConsole(page, 'auth-04b-facilitator-disable-asked');
  await page.click(`${budi} [role=alertdialog] .btn.danger`);
  await page.waitForSelector(`${budi} .bad`);
  ok((await page.textContent(budi)).includes('dinonaktifkan'), 'budi is shown disabled', await page.textContent(budi));
  eq(await page.textContent('.banner.ok:not([hidden])'), 'budi dinonaktifkan.', 'and it is said');
  await checkConsole(page, 'auth-04c-facilitator-disabled');
  const other = await browser();
  await other.page.goto(box.url + '/console/#/login');
  await other.page.fill('input[name=username]', 'budi');
  await other.page.fill('input[name=password]', 'sandi-yang-panjang-2026');
  await other.page.click('form button[type=submit]');
  await other.page.waitForSelector('.banner:not([hidden])');
  eq(await other.page.textContent('.banner:not([hidden])'), 'Akun ini dinonaktifkan. Minta fasilitator lain mengaktifkannya lagi.',
    'budi\'s login says his account is disabled');
  await page.click(`${budi} button:has-text("Aktifkan lagi")`);
  await page.click(`${budi} [role=alertdialog] .btn.danger`);
  await page.waitForSelector(`${budi} button:has-text("Nonaktifkan")`);
  ok(!(await page.textContent(budi)).includes('dinonaktifkan'), 'enabled again');
  await other.page.fill('input[name=password]', 'sandi-yang-panjang-2026');
  await other.page.click('form button[type=submit]');
  await other.page.waitForSelector('nav:not([hidden])');
  ok(await other.page.isVisible('nav'), 'and budi logs in again');
  eq(other.errors, [], 'no page errors in budi\'s browser');

  await go(page, box.url, '#/account');
  await checkConsole(page, 'auth-05-account');
  await go(page, box.url, '#/audit');
  const audit = await page.textContent('tbody');
  ok(audit.includes('facilitator_add') && audit.includes('login_failed') && audit.includes('setup') &&
    audit.includes('facilitator_disable') && audit.includes('facilitator_enable'),
    'the audit log shows the setup, the failed login, the added, disabled and enabled facilitator', audit.slice(0, 300));
  await checkConsole(page, 'auth-06-audit');

  before = await shown(page);
  await page.click('#lang');
  await screen(page, before);
  eq(await page.getAttribute('html', 'lang'), 'en', 'the language switch sets lang=en');
  eq(await page.textContent('h1'), 'Console activity log', 'the screen is drawn again in English');
  await checkConsole(page, 'auth-07-audit-en');
  await page.click('#lang');

  // a learner's session opens nothing here
  const ctx2 = await browser();
  await ctx2.page.goto(box.url + '/console/#/audit');
  await screen(ctx2.page);
  ok(await ctx2.page.isVisible('input[name=password]'), 'another browser without a console login sees the login screen');
  eq(errors, [], 'no page errors');
});
