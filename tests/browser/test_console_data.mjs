// The console's courses and take-home screens in Chromium: packs on a USB
// folder (one newer, one by an unknown author key), installing one, an
// uploaded older pack, adding the unknown author's key from its .pub file,
// the downloads; each screen checked with axe-core at 360x640 and 1280x800
// and photographed into tests/out/screenshots/console/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { run, ok, eq, Box, browser, screen, shown, BUILD, ROOT, onCleanup } from './lib.mjs';
import { checkConsole, go, setupCode, FAC } from './console.mjs';

const PACK = path.join(BUILD, 'pamong-pack');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-console-data-'));
onCleanup(() => { if (!process.env.KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true }); });

// content/<id> at another version, signed with key, into out.
function build(id, version, key, out) {
  const src = path.join(tmp, 'src-' + id + '-' + version, id);
  fs.cpSync(path.join(ROOT, 'content', id), src, { recursive: true });
  const y = path.join(src, 'course.yaml');
  fs.writeFileSync(y, fs.readFileSync(y, 'utf8').replace(/^version: .*$/m, 'version: ' + version));
  execFileSync(PACK, ['build', src, '-o', out]);
  execFileSync(PACK, ['sign', out, '-k', key]);
  return out;
}

function fingerprint(pub) {
  const raw = Buffer.from(fs.readFileSync(pub, 'utf8').trim().split(/\s+/)[0], 'hex');
  const hex = execFileSync('sha256sum', { input: raw, encoding: 'utf8' }).slice(0, 16);
  return hex.match(/..../g).join(':');
}

await run(async () => {
  const devKey = path.join(BUILD, 'dev-signing.key');
  const strangerKey = path.join(tmp, 'penulis-lain.key');
  execFileSync(PACK, ['keygen', '-o', strangerKey]);
  const strangerPub = strangerKey.replace(/\.key$/, '.pub');
  const usb = path.join(tmp, 'media');
  const stick = path.join(usb, 'FLASHDISK', 'pamong');
  fs.mkdirSync(stick, { recursive: true });
  build('desa-keuangan', '1.2.0', devKey, path.join(stick, 'keuangan-1.2.0.pack'));
  build('literasi-digital', '2.0.0', strangerKey, path.join(stick, 'literasi-asing.pack'));
  const older = build('desa-administrasi', '0.9.0', devKey, path.join(tmp, 'administrasi-0.9.0.pack'));

  const box = new Box();
  await box.init();
  fs.appendFileSync(box.conf, `[content]\nusb_dir = ${usb}\n`);
  await box.start();
  const { page, errors } = await browser();

  await go(page, box.url, '#/');
  let before = await shown(page);
  await page.fill('input[name=code]', setupCode(box));
  await page.fill('input[name=username]', FAC.username);
  await page.fill('input[name=password]', FAC.password);
  await page.click('form button[type=submit]');
  await screen(page, before);

  await go(page, box.url, '#/courses');
  const text = await page.textContent('main');
  ok(text.includes('Administrasi Pemerintahan Desa'), 'the installed courses are listed');
  const fp = fingerprint(strangerPub);
  ok(text.includes('Ditandatangani kunci penulis yang tidak dikenal ' + fp),
    'a stick pack by an unknown key says so, with the key fingerprint', text.slice(0, 600));
  ok(text.includes('Lebih baru dari 1.1.0'), 'the newer version on the stick says it is newer');
  ok(text.includes('FLASHDISK/pamong/keuangan-1.2.0.pack'), 'each pack names its file on the stick');
  await checkConsole(page, 'data-01-courses');

  await page.click('li.pack:has-text("keuangan-1.2.0.pack") button');
  await page.waitForSelector('.banner.ok:not([hidden])');
  ok((await page.textContent('.banner.ok:not([hidden])')).includes('versi 1.2.0 terpasang'), 'installing from the stick says it is installed');
  // The screen is not re-rendered behind the facilitator's back: a file
  // chosen for upload right after an install is still chosen a moment later.
  await page.setInputFiles('input[name=pack]', older);
  await page.waitForTimeout(1500);
  eq(await page.evaluate(() => document.querySelector('input[name=pack]').files.length), 1,
    'a file chosen after an install stays chosen (the installed list updates in place)');
  await checkConsole(page, 'data-02-installed');
  eq(box.sql("SELECT action FROM audit WHERE action = 'course_install'").length, 1, 'the install is in the audit log');
  await page.waitForFunction(() => document.querySelector('[aria-labelledby=inst-h]').textContent.includes('1.2.0'));
  ok(!(await page.isVisible('li.pack:has-text("keuangan-1.2.0.pack") button')), 'the installed pack\'s card loses its button');

  await go(page, box.url, '#/export');
  await go(page, box.url, '#/courses');
  await page.setInputFiles('input[name=pack]', older);
  await page.click('form:has(input[name=pack]) button[type=submit]');
  await page.waitForSelector('li.pack:has-text("0.9.0")');
  ok((await page.textContent('li.pack:has-text("0.9.0")')).includes('Lebih lama dari 1.1.0'),
    'an uploaded older pack is shown as older before anything is installed');
  ok(await page.isVisible('li.pack:has-text("0.9.0") button:has-text("Pasang versi lama ini")'), '...with a button that asks first');
  await checkConsole(page, 'data-03-upload-older');

  await page.setInputFiles('input[name=keyfile]', strangerPub);
  await page.fill('input[name=keyname]', 'Penulis Jawa Tengah');
  await page.click('form:has(input[name=keyfile]) button[type=submit]');
  await page.waitForSelector('.banner.ok:has-text("ditambahkan")');
  ok((await page.textContent('ul.keys')).includes(fp), 'the author key is added from its .pub file');
  await checkConsole(page, 'data-04-keys');
  await go(page, box.url, '#/export');
  await go(page, box.url, '#/courses');
  ok(!(await page.textContent('main')).includes('tidak dikenal'), 'the stranger\'s pack is no longer refused');

  await go(page, box.url, '#/export');
  eq(await page.getAttribute('a[href*="learners.csv"]', 'href'), '/api/v1/console/export/learners.csv?lang=id', 'the CSV download link');
  const csv = await page.evaluate(async () => {
    const r = await fetch('/api/v1/console/export/learners.csv?lang=id');
    return { status: r.status, type: r.headers.get('content-type'), body: r.status === 200 ? '' : await r.text() };
  });
  eq(csv, { status: 200, type: 'text/csv; charset=utf-8', body: '' }, 'the facilitator\'s browser downloads the CSV');
  await checkConsole(page, 'data-05-export');
  before = await shown(page);
  await page.click('#lang');
  await screen(page, before);
  await checkConsole(page, 'data-06-export-en');
  eq(errors, [], 'no page errors');
});
