// pamong-pack preview in Chromium: a course made by `pamong-pack new` shows
// in the learner app itself (its lesson, table stacked at 320 px, picture),
// an edit to the Markdown shows by itself (the page reloads when the sources
// change), and the quiz runs from
// quiz.yaml.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, ok, eq, BUILD, browser, freePort, onCleanup, screen, takeQuiz } from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await run(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-preview-'));
  const course = path.join(dir, 'kursus-pratinjau');
  execFileSync(path.join(BUILD, 'pamong-pack'), ['new', course], { env: { ...process.env, LANG: 'C.UTF-8' } });
  const port = await freePort();
  const proc = spawn(path.join(BUILD, 'pamong-pack'), ['preview', course, '--port', String(port)], { stdio: 'ignore' });
  onCleanup(async () => { proc.kill('SIGTERM'); if (!process.env.KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true }); });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(url + '/api/v1/health')).ok) break; } catch (e) { /* not up yet */ }
    await sleep(50);
  }
  const { page, errors } = await browser({ viewport: { width: 320, height: 640 } });
  await page.goto(url + '/#/course/kursus-pratinjau/lesson/langkah');
  await screen(page);
  await page.waitForSelector('.lesson-body table');
  eq(await page.textContent('main h1'), 'Langkah demi Langkah', 'the lesson shows in the learner app');
  const fit = await page.evaluate(() => ({ w: document.documentElement.scrollWidth, stacked: !!document.querySelector('.table-wrap.stacked') }));
  ok(fit.w <= 320, 'at 320 px it fits the phone (the table stacked if it must)', fit);

  const md = path.join(course, 'lessons', '02-langkah.md');
  fs.appendFileSync(md, '\nKalimat **baru** dari penulis.\n');
  // nobody reloads: the preview's script sees the change and reloads the page
  await page.waitForSelector('.lesson-body strong', { timeout: 30000 });
  await screen(page);
  ok((await page.textContent('.lesson-body')).includes('Kalimat baru dari penulis.'), 'an edit to the Markdown shows without reloading by hand');

  await page.goto(url + '/#/course/kursus-pratinjau/lesson/pengantar');
  await screen(page);
  await page.waitForSelector('.lesson-body img');
  const img = await page.$eval('.lesson-body img', (i) => new Promise((r) => (i.complete ? r(i.naturalWidth) : i.addEventListener('load', () => r(i.naturalWidth)))));
  ok(img > 0, 'its picture loads from media/', img);

  await page.goto(url + '/#/course/kursus-pratinjau/quiz');
  await screen(page);
  const score = await takeQuiz(page, { q1: ['a'], q2: ['a', 'b'] }, 'immediate');
  eq(score, '100', 'the quiz runs from quiz.yaml');
  eq(errors, [], 'no script errors or dialogs in the page');
});
