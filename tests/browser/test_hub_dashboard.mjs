// The pamong-hub staff dashboard in Chromium at tablet and desktop width:
// login (no navigation before it), the right totals for a known data set,
// drill-down province → regency → district → village → learners, course
// titles, the chart at a day / a month / all time, the village × course
// table (search, sort, CSV), the fleet and its filters, the Export page,
// account management, a regency account, axe, no page-wide overflow, and
// every view printed as a report (print emulation screenshots in
// tests/out/screenshots/hub/).
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { BUILD, ROOT, SHOTS, axe, browser, eq, freePort, ok, onCleanup, run } from './lib.mjs';

const HUB = path.join(BUILD, 'pamong-hub');
const HUBSHOTS = path.join(SHOTS, 'hub');
const PW = 'Kebun-Kopi-42';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startHub () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-hub-browser-'));
  const port = await freePort();
  const conf = path.join(dir, 'hub.conf');
  const titles = path.join(dir, 'courses.tsv');
  fs.writeFileSync(titles, 'desa-administrasi\tAdministrasi Pemerintahan Desa\ndesa-keuangan\tSiklus Keuangan Desa\n');
  fs.writeFileSync(conf, `[http]\nport = ${port}\nwebroot = ${path.join(ROOT, 'webroot', 'hub')}\n` +
    `public_url = http://127.0.0.1:${port}\n[storage]\ndata_dir = ${dir}\n` +
    `[area]\nfile = ${path.join(ROOT, 'content', 'area', 'wilayah.tsv.gz')}\n[courses]\nfile = ${titles}\n`);
  const log = fs.openSync(path.join(dir, 'hub.log'), 'a');
  const proc = spawn(HUB, ['-d', '-f', conf], { stdio: ['ignore', log, log] });
  onCleanup(async () => {
    proc.kill('SIGTERM');
    if (!process.env.KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(url + '/api/v1/health')).status === 200) break; } catch (e) { /* not yet */ }
    await sleep(50);
  }
  const cmd = (...args) => execFileSync(HUB, ['-f', conf, ...args], { input: args[0] === 'add-user' ? PW + '\n' : '', stdio: ['pipe', 'pipe', 'ignore'] }).toString().trim();
  return { url, cmd };
}

function boxKey () {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const hex = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url').toString('hex');
  return { hex, privateKey, id: crypto.randomUUID(), sign: (b) => crypto.sign(null, b, privateKey).toString('hex') };
}

async function enroll (hub, key, name) {
  const body = Buffer.from(JSON.stringify({ code: hub.cmd('enroll-code'), public_key: key.hex, box_id: key.id, name }));
  const r = await fetch(hub.url + '/api/v1/enroll', { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Pamong-Signature': key.sign(body) } });
  return r.status;
}

async function upload (hub, key, learners, summaries, health) {
  const max = Math.max(...learners.map((l) => l.rev), ...summaries.map((s) => s.rev));
  const body = zlib.gzipSync(JSON.stringify({ box: key.id, chunk: { from_rev: 0, to_rev: max, seq: 1 }, learners, summaries, health }));
  const r = await fetch(hub.url + '/api/v1/upload', { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'X-Pamong-Box': key.hex, 'X-Pamong-Signature': key.sign(body) } });
  return r.status;
}

const L = (rev, village, name) => ({ id: crypto.randomUUID(), name, position: 'kepala-desa', village, registered_at: 1764400000000, rev });
const S = (l, course, rev, done, src) => ({ learner: l.id, course, status: done ? 'completed' : 'in_progress', lessons_done: done ? 4 : 1, lessons_total: 4, best_score: done ? 90 : null, passed: !!done, attempts: done ? 1 : 0, seconds_spent: 600, first_activity: 1764400000000, last_activity: done || 1764400000000, completed_at: done || 0, times_corrected: !!src, time_source: src ? { completed_at: src } : undefined, rev });

const VIEWPORTS = { tablet: { width: 768, height: 1024 }, desktop: { width: 1280, height: 900 } };

run(async () => {
  fs.mkdirSync(HUBSHOTS, { recursive: true });
  const hub = await startHub();
  hub.cmd('add-user', 'staf');
  // Known data: 5 learners; 3 completions on two days (29 and 30 Nov 2025, WIB).
  const k1 = boxKey(); const k2 = boxKey();
  const a = L(1, '33.02.01.2001', 'Siti Aminah'); const b = L(2, '33.02.01.2001', 'Budi <b>Santoso</b>');
  const c = L(3, '33.02.02.2003', 'Citra'); const d = L(4, '33.02.02.2003', 'Dewi');
  const e = L(1, '35.07.01.2001', 'Eko');
  eq([await enroll(hub, k1, 'Kotak Banyumas'), await enroll(hub, k2, 'Kotak Malang')], [201, 201], 'two boxes enroll');
  eq(await upload(hub, k1, [a, b, c, d], [{ ...S(a, 'desa-administrasi', 5, 1764403000000, 'phone'), pre_score: 50, post_score: 90 }, S(b, 'desa-administrasi', 6, 0), S(c, 'desa-keuangan', 7, 1764489400000, 'hub')],
    { version: '0.2.0', pending: 0, clock: 'hub', disk_free: 1e9, disk_total: 8e9, db: 'degraded', db_reason: 'restored from the backup of 2026-11-29 02:00', db_lost_writes: 3 }), 200, 'box 1 uploads');
  eq(await upload(hub, k2, [e], [{ ...S(e, 'desa-administrasi', 2, 1764489400000), pre_score: 70, post_score: 90 }],
    { version: '0.1.0', pending: 5, clock: 'phone', disk_free: 6e9, disk_total: 8e9, db: 'ok' }), 200, 'box 2 uploads');

  const { page, errors } = await browser({ viewport: VIEWPORTS.desktop });
  const rows = async (sel) => page.$$eval(sel + ' tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const noOverflow = async (what) => {
    const o = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    ok(o[0] <= o[1], `${what}: no page-wide horizontal scrolling (${o[0]} ≤ ${o[1]} px)`, o);
  };
  const axeOk = async (what) => {
    const v = await axe(page);
    ok(v.length === 0, `${what}: no serious or critical axe-core violations`, v);
  };

  await page.goto(hub.url + '/');
  await page.waitForSelector('#login-form:not([hidden])');
  ok(await page.isVisible('#login-view'), 'without a session the login form shows');
  ok(!(await page.isVisible('#nav')) && !(await page.isVisible('#filters')), 'the login page shows no navigation and no filters');
  await axeOk('login');
  await page.fill('#login-name', 'staf');
  await page.fill('#login-password', 'salah-sekali');
  await page.click('#login-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('login-error').textContent !== '');
  ok(/salah/.test(await page.textContent('#login-error')), 'a wrong password shows an error in Bahasa Indonesia');
  await page.fill('#login-password', PW);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#completion-view:not([hidden])');
  await page.waitForFunction(() => document.querySelectorAll('#areas tbody tr[data-code]').length > 0);
  eq([await page.textContent('#total-learners'), await page.textContent('#total-completions'), await page.textContent('#total-boxes')],
    ['5', '3', '2'], 'country totals: 5 learners, 3 completions, 2 boxes');
  const areaRows = (await rows('#areas')).filter((r) => r[4] !== '0');
  eq(areaRows, [['33', 'Jawa Tengah', '2 / 8563', '< 0.1 %', '4', '3', '2', '66.7 %', '+40.0', '1'], ['35', 'Jawa Timur', '1 / 8494', '< 0.1 %', '1', '1', '1', '100.0 %', '+20.0', '1']],
    'provinces: villages reached of all, learners, started, completed, completed of started, average gain and over how many');
  const heads = await page.$$eval('#areas th', (ths) => ths.map((th) => [th.textContent, th.title]));
  ok(heads.some(([h, tip]) => /dari dimulai/.test(h) && /dibagi/.test(tip)) && heads.some(([h]) => /dari semua desa/.test(h)),
    'every percentage column says what it is a share of', heads);
  ok(heads.some(([h, tip]) => /kenaikan nilai/.test(h) && /pasca-tes.*dikurangi.*pra-tes.*keduanya/.test(tip)) &&
    heads.some(([h, tip]) => /pra & pasca-tes/.test(h) && /dirata-ratakan/.test(tip)),
    'the gain column says what it averages, and the next one over how many learners', heads);
  eq(await page.$$eval('#courses tbody tr', (trs) => trs.map((tr) => [...tr.children].slice(-2).map((td) => td.textContent))),
    [['+30.0', '2'], ['', '0']], 'courses: the average gain (+40 and +20 over 2) beside completion; none without both scores');
  eq(await page.$$eval('#courses tbody tr', (trs) => trs.map((tr) => tr.children[0].textContent)),
    ['Administrasi Pemerintahan Desa', 'Siklus Keuangan Desa'], 'courses are shown by title');
  eq(await page.$$eval('#course-filter option', (os) => os.map((o) => o.textContent)),
    ['Semua kursus', 'Administrasi Pemerintahan Desa', 'Siklus Keuangan Desa'], 'the course filter lists titles');
  ok(/Sumber waktu selesai: jam pusat 1, jam ponsel 1/.test(await page.textContent('#chart-sources')), 'the chart says which clocks vouch for its times');
  ok(await page.$$eval('#chart svg rect', (r) => r.length) === 2, 'the chart draws one bar per day');
  ok(await page.$$eval('#chart svg .axis-title', (t) => t.map((x) => x.textContent).join('|')).then((s) => /per hari/.test(s) && /WIB/.test(s)),
    'the chart labels its axes with the period and the zone');
  await noOverflow('completion, desktop');
  await axeOk('completion');

  await page.click('#areas tr[data-code="33"]');
  await page.waitForSelector('#areas tr[data-code="33.02"]');
  eq([await page.textContent('#total-learners'), await page.textContent('#total-boxes')], ['4', '1'],
    'Jawa Tengah: 4 learners and only the 1 box that served it');
  await page.click('#areas tr[data-code="33.02"]');
  await page.waitForSelector('#areas tr[data-code="33.02.01"]');
  eq((await rows('#areas')).filter((r) => r[4] !== '0').map((r) => [r[1], r[4], r[6]]), [['Lumbir', '2', '1'], ['Wangon', '2', '1']], 'districts of Banyumas');
  await page.click('#areas tr[data-code="33.02.01"]');
  await page.waitForSelector('#areas tr[data-code="33.02.01.2001"]');
  await page.click('#areas tr[data-code="33.02.01.2001"]');
  await page.waitForSelector('#learners-block:not([hidden]) #learners tbody tr');
  const learners = await rows('#learners');
  eq(learners.map((r) => [r[0], r[2], r[3]]).sort(), [['Budi <b>Santoso</b>', 'Administrasi Pemerintahan Desa', 'sedang'], ['Siti Aminah', 'Administrasi Pemerintahan Desa', 'selesai']],
    'the village shows its learners with course titles, and markup in a name stays text');
  ok(learners.some((r) => /^2025-11-29 14:56 WIB · jam ponsel$/.test(r[7])), 'a completion time is shown in WIB with its time source', learners);
  eq(await page.$$eval('#learners b', (x) => x.length), 0, 'no HTML from a learner name is rendered');
  eq((await page.$$eval('#learners th', (ths) => ths.map((th) => th.textContent)))[4], 'Materi selesai',
    'the lessons column speaks as the learner app does ("materi", not "pelajaran")');
  eq(await page.$$eval('#crumbs a', (as) => as.map((x) => x.textContent)), ['Indonesia', 'Jawa Tengah', 'Kabupaten Banyumas', 'Lumbir', 'Cirahab'], 'breadcrumbs name the path');
  const href = await page.getAttribute('#learners-csv', 'href');
  ok(href.includes('unit=33.02.01.2001') && href.includes('format=csv'), 'the learners table links its CSV');
  const csv = await page.evaluate(async (h) => { const r = await fetch(h); return [r.status, r.headers.get('content-type')]; }, href);
  ok(csv[0] === 200 && csv[1].startsWith('text/csv'), 'the CSV link downloads CSV', csv);

  // time: a day, a month, all time
  await page.click('#crumbs a:first-child');
  await page.waitForSelector('#areas tr[data-code="35"]');
  await page.fill('#from', '2025-11-30');
  await page.fill('#to', '2025-11-30');
  await page.dispatchEvent('#to', 'change');
  // the day's chart: 24 hourly bars and hour labels (the chart before it may also have 24 bars)
  await page.waitForFunction(() => document.querySelectorAll('#chart svg rect').length === 24 &&
    [...document.querySelectorAll('#chart svg text')].some((t) => t.textContent === '00:00'), null, { timeout: 60000 }).catch(() => {});
  eq(await page.textContent('#total-completions'), '2', 'one day (30 Nov, WIB): 2 completions in 24 hourly bars');
  ok(await page.$$eval('#chart svg text', (t) => t.map((x) => x.textContent)).then((l) => l.includes('00:00') && l.includes('12:00')),
    'hours are labelled on the axis');
  await shotBoth('completion-day');
  await page.fill('#from', '2025-11-01');
  await page.dispatchEvent('#from', 'change');
  await page.waitForFunction(() => document.querySelectorAll('#chart svg rect').length === 30);
  eq(await page.textContent('#total-completions'), '3', 'one month: 3 completions in 30 daily bars');
  await page.click('#all-time');
  await page.waitForFunction(() => document.querySelectorAll('#chart svg rect').length === 2);
  await page.selectOption('#course-filter', 'desa-keuangan');
  await page.waitForFunction(() => document.getElementById('total-completions').textContent === '1');
  ok(true, 'the course filter shows 1 completion of Siklus Keuangan Desa');
  await page.selectOption('#course-filter', '');
  await page.waitForFunction(() => document.getElementById('total-completions').textContent === '3');

  // village x course
  await page.click('#nav button[data-view=villages]');
  await page.waitForSelector('#vpick:not([hidden])');
  await page.selectOption('#vpick-select', '33');
  await page.waitForSelector('#vtable-block:not([hidden]) #villages tbody tr');
  ok(/dari 8563 desa/.test(await page.textContent('#vsummary')), 'Jawa Tengah: all its villages are in the table', await page.textContent('#vsummary'));
  // the hub pages, sorts and searches the table: 100 rows at a time
  ok(/Baris 1–100 dari 17126/.test(await page.textContent('#villages-pager')), 'a long table shows a page of 100 rows and says of how many', await page.textContent('#villages-pager'));
  eq(await page.$$eval('#villages tbody tr', (r) => r.length), 100, 'a page has 100 rows');
  await page.click('#villages-pager button');
  await page.waitForFunction(() => /Baris 101–200/.test(document.getElementById('villages-pager').textContent));
  ok(true, 'the next page comes from the hub');
  await page.fill('#vsearch', 'cirahab');
  await page.waitForFunction(() => document.querySelectorAll('#villages tbody tr').length === 2);
  eq((await rows('#villages')).map((r) => [r[1], r[3], r[4], r[6], r[8]]),
    [['Cirahab', 'Administrasi Pemerintahan Desa', '2', '1', 'sebagian selesai'], ['Cirahab', 'Siklus Keuangan Desa', '2', '0', 'belum mulai']],
    'searching a village shows it per course with status words');
  await page.fill('#vsearch', 'lumbir');
  await page.waitForFunction(() => document.querySelectorAll('#villages tbody tr').length > 2);
  await page.click('#villages th:nth-child(5) button');
  await page.waitForFunction(() => document.querySelector('#villages th:nth-child(5)').getAttribute('aria-sort') === 'descending');
  eq((await rows('#villages'))[0][1], 'Cirahab', 'sorting by learners puts the village with most learners first');
  ok((await page.getAttribute('#villages-csv', 'href')).includes('/api/v1/hub/villages?unit=33'), 'the table links its CSV');
  await noOverflow('village × course, desktop');
  await axeOk('village × course');
  await shotBoth('villages');
  await page.fill('#vsearch', '');

  // fleet
  await page.click('#nav button[data-view=boxes]');
  await page.waitForSelector('#boxes tbody tr td');
  eq((await rows('#boxes')).map((r) => r[0]), ['Kotak Banyumas'], 'with Jawa Tengah chosen, the fleet lists the box that served it');
  await page.click('#bcrumbs a:first-child');
  await page.waitForFunction(() => document.querySelectorAll('#boxes tbody tr').length === 2);
  eq((await rows('#boxes')).map((r) => [r[0], r[2], r[4], r[5], r[6]]).sort(),
    [['Kotak Banyumas', '0.2.0', '87.5 %', 'dipulihkan (degraded) — restored from the backup of 2026-11-29 02:00 · 3 perubahan hilang', 'jam pusat'], ['Kotak Malang', '0.1.0 (versi lama)', '25.0 %', 'baik', 'jam ponsel']],
    'the fleet: version, disk used, database state with the box\'s reason and the changes it lost, clock source');
  await page.check('#fleet-filters input[value=degraded]');
  await page.waitForFunction(() => document.querySelectorAll('#boxes tbody tr').length === 1);
  eq((await rows('#boxes'))[0][0], 'Kotak Banyumas', 'the degraded filter keeps the restored box');
  ok((await page.getAttribute('#boxes-csv', 'href')).includes('filter=degraded'), 'the CSV link carries the filter');
  await page.uncheck('#fleet-filters input[value=degraded]');
  await page.check('#fleet-filters input[value=old]');
  await page.waitForFunction(() => document.querySelectorAll('#boxes tbody tr').length === 1 && document.querySelector('#boxes tbody td').textContent === 'Kotak Malang');
  await page.uncheck('#fleet-filters input[value=old]');
  await page.click('#make-code');
  await page.waitForFunction(() => /[0-9A-Z]{4}-/.test(document.getElementById('new-code').textContent));
  ok(true, 'the boxes page makes an enrollment code (CSRF token sent)');
  await axeOk('boxes');
  await shotBoth('boxes');

  // export
  await page.click('#nav button[data-view=export]');
  await page.waitForSelector('#export-view:not([hidden])');
  ok(/LRS \(Learning Record Store\) adalah sistem lain/.test(await page.textContent('#export-view')), 'the Export page says what an LRS is');
  ok(/Belum ada LRS/.test(await page.textContent('#lrs-state')) && !(await page.isVisible('#xapi-forward')),
    'without an LRS it says nothing is sent and offers no send button');
  await axeOk('export');

  // users
  await page.click('#nav button[data-view=users]');
  await page.waitForSelector('#users tbody tr td');
  await page.fill('#u-name', 'banyumas');
  await page.fill('#u-password', PW);
  await page.selectOption('#u-role', 'readonly');
  await page.fill('#u-area', '33.02');
  await page.click('#user-form button[type=submit]');
  await page.waitForFunction(() => [...document.querySelectorAll('#users tbody tr')].some((tr) => tr.children[0].textContent === 'banyumas'));
  eq((await rows('#users')).find((r) => r[0] === 'banyumas').slice(0, 4), ['banyumas', 'hanya baca', 'Kabupaten Banyumas (33.02)', 'aktif'],
    'the administrator creates a read-only Banyumas account');
  await page.click('#users button[data-user=banyumas][data-action=reset]');
  eq(await page.inputValue('#r-name'), 'banyumas', 'the reset button picks the account in the reset form');
  await page.fill('#r-password', 'Sawah hijau di Lumbir');
  await page.click('#reset-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('user-result').textContent === 'Tersimpan.');
  ok(true, 'the administrator resets a password');
  await page.click('#users button[data-user=banyumas][data-action=disable]');
  await page.waitForFunction(() => [...document.querySelectorAll('#users tbody tr')].some((tr) => tr.children[0].textContent === 'banyumas' && tr.children[3].textContent === 'nonaktif'));
  await page.click('#users button[data-user=banyumas][data-action=enable]');
  await page.waitForFunction(() => [...document.querySelectorAll('#users tbody tr')].some((tr) => tr.children[0].textContent === 'banyumas' && tr.children[3].textContent === 'aktif'));
  ok(true, 'the administrator disables and enables an account');
  await axeOk('users');
  await shotBoth('users');

  // a regency account
  await page.click('#logout');
  await page.waitForSelector('#login-view:not([hidden])');
  ok(!(await page.isVisible('#nav')), 'after logout the navigation is gone');
  eq(await page.evaluate(async () => (await fetch('/api/v1/hub/me')).status), 401, 'after logout the session is gone');
  await page.fill('#login-name', 'banyumas');
  await page.fill('#login-password', 'Sawah hijau di Lumbir');
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#completion-view:not([hidden])');
  await page.waitForFunction(() => document.querySelectorAll('#areas tbody tr[data-code]').length > 0);
  eq([await page.textContent('#total-learners'), await page.textContent('#total-boxes')], ['4', '1'], 'a Banyumas account sees Banyumas only');
  ok(!(await page.isVisible('#nav button[data-view=users]')), 'a non-administrator has no Users page');
  eq(await page.evaluate(async () => (await fetch('/api/v1/hub/learners?unit=35.07&format=csv')).status), 403, 'changing the URL to another regency is refused');
  await page.click('#nav button[data-view=boxes]');
  await page.waitForSelector('#boxes tbody tr td');
  ok(!(await page.isVisible('#enroll-block')), 'a read-only account gets no enrollment-code button');
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('#boxes th').textContent === 'Name');
  eq([await page.textContent('#nav button[data-view=boxes]'), (await rows('#boxes'))[0][5]], ['Boxes', 'restored (degraded) — restored from the backup of 2026-11-29 02:00 · 3 changes lost'],
    'the language switch shows English, in the tables too');
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('#boxes th').textContent === 'Nama');

  // tablet width
  await page.setViewportSize(VIEWPORTS.tablet);
  for (const view of ['completion', 'villages', 'boxes', 'export']) {
    await page.click(`#nav button[data-view=${view}]`);
    await page.waitForSelector(`#${view}-view:not([hidden])`);
    await sleep(300);
    await noOverflow(`${view}, tablet`);
  }
  await page.click('#nav button[data-view=completion]');
  await page.waitForSelector('#areas tbody tr[data-code]');
  const wide = await page.evaluate(() => { const s = document.querySelector('#areas').closest('.scroll'); return [s.scrollWidth, s.clientWidth, getComputedStyle(s).overflowX]; });
  ok(wide[2] === 'auto', 'a wide table scrolls inside its own box on a tablet', wide);
  await page.setViewportSize(VIEWPORTS.desktop);
  eq(errors, [], 'no page errors');

  async function shotBoth (name) {
    await page.screenshot({ path: path.join(HUBSHOTS, name + '.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    const p = await page.evaluate(() => {
      const vis = (s) => { const e = document.querySelector(s); return !!e && getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0; };
      return { head: vis('#report-head'), nav: vis('header'), buttons: [...document.querySelectorAll('main button:not(.sort)')].filter((b) => b.getClientRects().length > 0).length, filters: document.getElementById('print-filters').textContent };
    });
    ok(p.head && !p.nav && p.buttons === 0 && /Periode/.test(p.filters), `${name} prints as a report: title, filters, date, no buttons`, p);
    await page.screenshot({ path: path.join(HUBSHOTS, name + '-print.png'), fullPage: true });
    const pdf = path.join(HUBSHOTS, name + '.pdf');
    await page.pdf({ path: pdf, format: 'A4', displayHeaderFooter: false, preferCSSPageSize: true });
    const text = execFileSync('pdftotext', [pdf, '-']).toString();
    ok(/Hal\. 1 \/ \d+/.test(text) && text.includes('Dicetak'), `${name}: the PDF numbers its pages (Hal. 1 / N) and says when it was printed`);
    await page.emulateMedia({ media: 'screen' });
  }
});
