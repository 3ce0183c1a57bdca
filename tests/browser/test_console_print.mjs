// The console's printables in Chromium: the choice screen, the attendance
// list and a certificate, each checked with axe-core at 360x640 and
// 1280x800, then printed to PDF by Chromium (page.pdf, A4, print CSS) and
// the first page rendered to PNG with pdftoppm into
// tests/out/screenshots/console/ (print-attendance.png, print-certificate.png).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { run, ok, eq, startBox, browser, screen, shown, apiLearner, learnAnswers, uuid } from './lib.mjs';
import { checkConsole, go, setupCode, FAC, CONSOLE_SHOTS } from './console.mjs';

const COURSE = 'desa-administrasi';

async function completeCourse(url, name) {
  const key = await learnAnswers(url, COURSE);
  const api = await apiLearner(url, name);
  const course = (await api.req('GET', `/courses/${COURSE}`)).json;
  for (const l of course.lessons) {
    await api.req('POST', `/courses/${COURSE}/lessons/${l.id}/open`, {});
    await api.req('POST', `/courses/${COURSE}/lessons/${l.id}/complete`, { seconds: 90 });
  }
  const att = uuid();
  const a = (await api.req('POST', `/courses/${COURSE}/attempts`, { attempt: att })).json;
  for (const q of a.questions) await api.req('PUT', `/attempts/${att}/answers/${q.id}`, { choices: key.right[q.id] });
  const fin = (await api.req('POST', `/attempts/${att}/finish`, {})).json;
  if (fin.course_status !== 'completed') throw new Error('course not completed: ' + JSON.stringify(fin));
  return (await api.req('GET', '/me')).json;
}

// Chromium's PDF of the page, its first page as PNG; returns the PNG's path.
async function printPage(page, name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-print-'));
  const pdf = path.join(dir, name + '.pdf');
  await page.emulateMedia({ media: 'print' });
  await page.pdf({ path: pdf, format: 'A4', printBackground: true, preferCSSPageSize: true });
  await page.emulateMedia({ media: 'screen' });
  const head = fs.readFileSync(pdf).subarray(0, 5).toString();
  eq(head, '%PDF-', `${name}: Chromium printed a PDF`);
  fs.mkdirSync(CONSOLE_SHOTS, { recursive: true });
  const base = path.join(CONSOLE_SHOTS, name);
  execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', pdf, base]);
  const text = execFileSync('pdftotext', ['-f', '1', '-l', '1', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  fs.rmSync(dir, { recursive: true, force: true });
  ok(fs.statSync(base + '.png').size > 5000, `${name}: the first page rendered to ${path.relative(process.cwd(), base)}.png`);
  return text;
}

await run(async () => {
  const box = await startBox();
  const me = await completeCourse(box.url, 'Sri Mulyani Indrawati');
  const { page, errors } = await browser();
  await go(page, box.url, '#/');
  let before = await shown(page);
  await page.fill('input[name=code]', setupCode(box));
  await page.fill('input[name=username]', FAC.username);
  await page.fill('input[name=password]', FAC.password);
  await page.click('form button[type=submit]');
  await screen(page, before);

  await go(page, box.url, '#/print');
  await page.waitForSelector('a[href*="print/certificate"]');
  ok((await page.textContent('main')).includes('Sri Mulyani Indrawati'), 'the learner with a completed course is offered a certificate');
  await checkConsole(page, 'print-01-choose');

  before = await shown(page);
  await page.click('form button[type=submit]');
  await screen(page, before);
  const att = await page.textContent('main');
  ok(att.includes('DAFTAR HADIR') && att.includes('Sri Mulyani Indrawati') && att.includes('Tanda tangan'),
    'the attendance list names the learners with a column to sign');
  await checkConsole(page, 'print-02-attendance');
  const attPdf = await printPage(page, 'print-attendance');
  ok(attPdf.includes('DAFTAR HADIR') && attPdf.includes('Sri Mulyani Indrawati'), 'the printed list holds the title and the learner', attPdf.slice(0, 300));
  ok(!attPdf.includes('Keluar') && !attPdf.includes('Kembali'), 'the menu and buttons are not printed');

  await go(page, box.url, `#/print/certificate?learner=${me.id}&course=${COURSE}`);
  const cert = await page.textContent('main');
  ok(cert.includes('SERTIFIKAT') && cert.includes('Sri Mulyani Indrawati') && cert.includes('Kode verifikasi'),
    'the certificate names the learner and carries its verification code');
  await checkConsole(page, 'print-03-certificate');
  const certPdf = await printPage(page, 'print-certificate');
  ok(/[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}/.test(certPdf) && certPdf.includes('Administrasi Pemerintahan Desa'),
    'the printed certificate holds the course and the code', certPdf.slice(0, 400));
  eq(errors, [], 'no page errors');
});
