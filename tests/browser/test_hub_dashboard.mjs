// The pamong-hub staff dashboard in Chromium: login, the right totals for a
// known data set, drill-down province → regency → district → village →
// learners, the chart, CSV links, boxes, language switch, logout.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { BUILD, ROOT, browser, eq, freePort, ok, onCleanup, run } from './lib.mjs';

const HUB = path.join(BUILD, 'pamong-hub');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startHub () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-hub-browser-'));
  const port = await freePort();
  const conf = path.join(dir, 'hub.conf');
  fs.writeFileSync(conf, `[http]\nport = ${port}\nwebroot = ${path.join(ROOT, 'webroot', 'hub')}\n` +
    `public_url = http://127.0.0.1:${port}\n[storage]\ndata_dir = ${dir}\n` +
    `[area]\nfile = ${path.join(ROOT, 'content', 'area', 'wilayah.tsv.gz')}\n`);
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
  const cmd = (...args) => execFileSync(HUB, ['-f', conf, ...args], { input: args[0] === 'add-user' ? 'Kebun-Kopi-42\n' : '', stdio: ['pipe', 'pipe', 'ignore'] }).toString().trim();
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

async function upload (hub, key, learners, summaries) {
  const max = Math.max(...learners.map((l) => l.rev), ...summaries.map((s) => s.rev));
  const body = zlib.gzipSync(JSON.stringify({ box: key.id, chunk: { from_rev: 0, to_rev: max, seq: 1 }, learners, summaries, health: { version: '0.1.0', pending: 0, clock: 'hub' } }));
  const r = await fetch(hub.url + '/api/v1/upload', { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'X-Pamong-Box': key.hex, 'X-Pamong-Signature': key.sign(body) } });
  return r.status;
}

const L = (rev, village, name) => ({ id: crypto.randomUUID(), name, position: 'kepala-desa', village, registered_at: 1764400000000, rev });
const S = (l, course, rev, done) => ({ learner: l.id, course, status: done ? 'completed' : 'in_progress', lessons_done: done ? 4 : 1, lessons_total: 4, best_score: done ? 90 : null, passed: !!done, attempts: done ? 1 : 0, seconds_spent: 600, first_activity: 1764400000000, last_activity: done || 1764400000000, completed_at: done || 0, times_corrected: false, rev });

run(async () => {
  const hub = await startHub();
  hub.cmd('add-user', 'staf');
  // Known data: 5 learners; 3 completions on two days.
  const k1 = boxKey(); const k2 = boxKey();
  const a = L(1, '33.02.01.2001', 'Siti Aminah'); const b = L(2, '33.02.01.2001', 'Budi <b>Santoso</b>');
  const c = L(3, '33.02.02.2003', 'Citra'); const d = L(4, '33.02.02.2003', 'Dewi');
  const e = L(1, '35.07.01.2001', 'Eko');
  eq([await enroll(hub, k1, 'Kotak Banyumas'), await enroll(hub, k2, 'Kotak Malang')], [201, 201], 'two boxes enroll');
  eq(await upload(hub, k1, [a, b, c, d], [S(a, 'desa-administrasi', 5, 1764403000000), S(b, 'desa-administrasi', 6, 0), S(c, 'desa-keuangan', 7, 1764489400000)]), 200, 'box 1 uploads');
  eq(await upload(hub, k2, [e], [S(e, 'desa-administrasi', 2, 1764489400000)]), 200, 'box 2 uploads');

  const { page, errors } = await browser({ viewport: { width: 1280, height: 900 } });
  await page.goto(hub.url + '/');
  await page.waitForSelector('#login-form:not([hidden])');
  ok(await page.isVisible('#login-view'), 'without a session the login form shows');
  await page.fill('#login-name', 'staf');
  await page.fill('#login-password', 'salah-sekali');
  await page.click('#login-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('login-error').textContent !== '');
  ok(/salah/.test(await page.textContent('#login-error')), 'a wrong password shows an error in Bahasa Indonesia');
  await page.fill('#login-password', 'Kebun-Kopi-42');
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#completion-view:not([hidden])');
  await page.waitForFunction(() => document.querySelectorAll('#areas tbody tr[data-code]').length > 0);
  eq([await page.textContent('#total-learners'), await page.textContent('#total-completions'), await page.textContent('#total-boxes')],
    ['5', '3', '2'], 'country totals: 5 learners, 3 completions, 2 boxes');
  const rows = async (sel) => page.$$eval(sel + ' tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  eq(await rows('#areas'), [['33', 'Jawa Tengah', '4', '3', '2', '50.0 %'], ['35', 'Jawa Timur', '1', '1', '1', '100.0 %']],
    'provinces with learners, started, completed and percent');
  await page.click('#areas tr[data-code="33"]');
  await page.waitForSelector('#areas tr[data-code="33.02"]');
  eq(await page.textContent('#total-learners'), '4', 'drilling into Jawa Tengah narrows the totals');
  await page.click('#areas tr[data-code="33.02"]');
  await page.waitForSelector('#areas tr[data-code="33.02.01"]');
  eq((await rows('#areas')).map((r) => [r[1], r[2], r[4]]), [['Lumbir', '2', '1'], ['Wangon', '2', '1']], 'districts of Banyumas');
  await page.click('#areas tr[data-code="33.02.01"]');
  await page.waitForSelector('#areas tr[data-code="33.02.01.2001"]');
  await page.click('#areas tr[data-code="33.02.01.2001"]');
  await page.waitForSelector('#learners-block:not([hidden]) #learners tbody tr');
  const learners = await rows('#learners');
  eq(learners.map((r) => [r[0], r[3], r[4]]).sort(), [['Budi <b>Santoso</b>', 'desa-administrasi', 'sedang'], ['Siti Aminah', 'desa-administrasi', 'selesai']],
    'the village shows its learners, and markup in a name stays text');
  eq(await page.$$eval('#learners b', (x) => x.length), 0, 'no HTML from a learner name is rendered');
  eq(await page.$$eval('#crumbs a', (as) => as.map((x) => x.textContent)), ['Indonesia', 'Jawa Tengah', 'Kabupaten Banyumas', 'Lumbir', 'Cirahab'], 'breadcrumbs name the path');
  ok((await page.getAttribute('#learners-csv', 'href')).includes('unit=33.02.01.2001') && (await page.getAttribute('#learners-csv', 'href')).includes('format=csv'), 'the learners table links its CSV');
  const csv = await page.evaluate(async (href) => { const r = await fetch(href); return [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength]; }, await page.getAttribute('#learners-csv', 'href'));
  ok(csv[0] === 200 && csv[1].startsWith('text/csv'), 'the CSV link downloads CSV', csv);

  await page.click('#crumbs a:first-child');
  await page.waitForSelector('#areas tr[data-code="35"]');
  ok(await page.$$eval('#chart svg rect', (r) => r.length) === 2, 'the chart draws one bar per day with completions');
  await page.selectOption('#course-filter', 'desa-keuangan');
  await page.waitForFunction(() => document.getElementById('total-completions').textContent === '1');
  ok(true, 'the course filter shows 1 completion of desa-keuangan');

  await page.click('#nav button[data-view=boxes]');
  await page.waitForSelector('#boxes tbody tr td');
  eq((await rows('#boxes')).map((r) => r[0]).sort(), ['Kotak Banyumas', 'Kotak Malang'], 'the boxes page lists both boxes');
  await page.click('#make-code');
  await page.waitForFunction(() => /[0-9A-Z]{4}-/.test(document.getElementById('new-code').textContent));
  ok(true, 'the boxes page makes an enrollment code (CSRF token sent)');

  await page.click('#lang');
  eq(await page.textContent('#nav button[data-view=boxes]'), 'Boxes', 'the language switch shows English');
  await page.click('#logout');
  await page.waitForSelector('#login-view:not([hidden])');
  const me = await page.evaluate(async () => (await fetch('/api/v1/hub/me')).status);
  eq(me, 401, 'after logout the session is gone');
  eq(errors, [], 'no page errors');
});
