// The learner app on small phones (issue 13): every lesson of the sample
// courses at 320x568, 320x640 and 360x640 without sideways page scrolling, every
// table cell wholly readable, images within the screen, axe-core clean;
// a first open that logs no error; registration errors that go once the
// field is right and the whole name of a long position; "Mulai" on a course
// never started; one "Belum lulus" on a failed quiz; a lesson's offline
// message that does not speak of typed input; the forgotten-PIN hint; a
// completion page that fits one 360x640 screen with position, village and
// check code.

import path from 'node:path';
import { run, ok, eq, note, startBox, browser, open, tapTo, axe, apiLearner, learnAnswers, uuid, TEXT, SHOTS } from './lib.mjs';

const SIZES = [{ width: 320, height: 568 }, { width: 320, height: 640 }, { width: 360, height: 640 }];

// What does not fit on the current screen of a lesson.
async function lessonProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const W = window.innerWidth;
    const de = document.documentElement;
    if (de.scrollWidth > W + 1 || document.body.scrollWidth > W + 1) out.push(`page scrolls sideways: ${de.scrollWidth} > ${W}`);
    for (const cell of document.querySelectorAll('.lesson-body td, .lesson-body th')) {
      const r = cell.getBoundingClientRect();
      if (getComputedStyle(cell.closest('thead') || cell).position === 'absolute') continue; // stacked: headings shown per cell
      if (r.width === 0) continue;
      if (r.left < -0.5 || r.right > W + 0.5) out.push(`cell off screen (${Math.round(r.left)}..${Math.round(r.right)}): "${cell.textContent.trim().slice(0, 30)}"`);
      if (cell.scrollWidth > cell.clientWidth + 1) out.push(`cell clips its text: "${cell.textContent.trim().slice(0, 30)}"`);
      const wrap = cell.closest('.table-wrap');
      if (wrap && wrap.scrollWidth > wrap.clientWidth + 1) out.push(`table scrolls inside its box: "${cell.textContent.trim().slice(0, 30)}"`);
    }
    for (const m of document.querySelectorAll('.lesson-body img, .lesson-body video')) {
      const r = m.getBoundingClientRect();
      if (r.right > W + 0.5) out.push(`${m.tagName.toLowerCase()} wider than the screen: ${Math.round(r.right)} > ${W}`);
    }
    for (const el of document.querySelectorAll('.lesson-body p, .lesson-body li, .lesson-body a')) {
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== 'inline') out.push(`text overflows: "${el.textContent.trim().slice(0, 30)}"`);
    }
    return out;
  });
}

await run(async () => {
  const box = await startBox();
  const api = await apiLearner(box.url, 'Penguji Layar');
  const courses = (await api.req('GET', '/courses')).json.courses;
  ok(courses.length >= 3, 'the sample courses are installed', courses.length);

  // ---- a first open: no error status, nothing in the console
  const first = await browser();
  const consoleErrors = [];
  const bad = [];
  first.page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  first.page.on('response', (r) => { if (r.status() >= 400) bad.push(`${r.status()} ${r.url()}`); });
  await open(first.page, box.url + '/');
  await tapTo(first.page, 'a[href="#/register"]');
  await first.page.reload();
  await first.page.waitForSelector('#r-name');
  eq(bad, [], 'opening the app and the register page asks nothing that answers with an error');
  eq(consoleErrors, [], 'and logs nothing in the console');

  // ---- registration: errors go as each field gets right
  const page = first.page;
  await page.tap('form button[type=submit]');
  await page.waitForSelector('#r-name-err:not([hidden])');
  await page.fill('#r-name', 'S');
  ok(!(await page.isHidden('#r-name-err')), 'a name still too short keeps its error');
  await page.fill('#r-name', 'Sri Wahyuni');
  ok(await page.isHidden('#r-name-err'), 'the name error goes as soon as the name is right');
  eq(await page.getAttribute('#r-name', 'aria-invalid'), null, 'and the field is no longer marked invalid');
  const long = (await (await fetch(box.url + '/api/v1/positions')).json()).positions.find((p) => p.id_label.length > 30);
  await page.selectOption('#r-pos', long.id);
  ok(await page.isHidden('#r-pos-err'), 'the position error goes once a position is chosen');
  for (const vp of SIZES) {
    await page.setViewportSize(vp);
    const full = await page.$eval('#r-pos-full', (e) => ({ text: e.textContent, fits: e.scrollWidth <= e.clientWidth + 1 && !e.hidden }));
    ok(full.text === long.id_label && full.fits, `at ${vp.width} px the whole position "${long.id_label}" is readable`, full);
  }
  await page.setViewportSize({ width: 360, height: 640 });
  await page.fill('#r-pin', '482913');
  ok(await page.isHidden('#r-pin-err'), 'the PIN error goes once the PIN is right');
  await page.fill('#r-pin2', '48291');
  await page.tap('form button[type=submit]');
  await page.waitForSelector('#r-pin2-err:not([hidden])');
  await page.fill('#r-pin2', '482913');
  ok(await page.isHidden('#r-pin2-err'), 'the repeated PIN error goes once both PINs match');
  ok(!(await page.isHidden('#r-vil-err')), 'the village error stays while no village is chosen');

  // ---- log in: what to do about a forgotten PIN
  await open(page, box.url + '/#/login');
  const forgot = await page.textContent('#forgot-pin');
  ok(/fasilitator/.test(forgot) && /PIN/.test(forgot), 'the login screen says to ask the facilitator to reset a forgotten PIN', forgot);

  // ---- the learner's phone: the helper learner's session
  const [cname, cval] = api.cookie.split('=');
  await first.ctx.addCookies([{ name: cname, value: cval, url: box.url }]);
  await page.goto(box.url + '/#/');
  await page.reload();
  await page.waitForSelector('#resume');
  await open(page, box.url + `/#/course/${courses[0].id}`);
  const cont = await page.textContent('#continue');
  ok(/^Mulai: /.test(cont), 'a course never started offers "Mulai: …", not "Lanjutkan"', cont);
  ok(/Mulai di sini/.test(await page.textContent('.lessons .current')), 'its first lesson says "Mulai di sini"');

  // ---- every lesson of every sample course at 320 and 360 px
  for (const c of courses) {
    const d = (await api.req('GET', `/courses/${c.id}`)).json;
    for (const l of d.lessons) {
      await page.setViewportSize({ width: 360, height: 640 });
      await open(page, box.url + `/#/course/${c.id}/lesson/${l.id}`);
      await page.waitForSelector('.lesson-body');
      const v = await axe(page);
      ok(v.length === 0, `${c.id}/${l.id}: no serious or critical axe-core violations`, v);
      for (const vp of SIZES) {
        await page.setViewportSize(vp);
        await page.waitForFunction((w) => window.innerWidth === w, vp.width);
        await page.waitForTimeout(150); // the tables are measured again after a resize (100 ms)
        const probs = await lessonProblems(page);
        ok(probs.length === 0, `${c.id}/${l.id} at ${vp.width}x${vp.height}: fits (no sideways scroll, every table cell whole, images within)`, probs.slice(0, 8).join('\n'));
      }
    }
  }
  // the first lesson of desa-administrasi: the "Kapan" of each row is on screen
  await page.setViewportSize({ width: 320, height: 640 });
  await open(page, box.url + '/#/course/desa-administrasi/lesson/kepala-desa');
  await page.waitForTimeout(150);
  const kapan = await page.$$eval('.lesson-body td[data-label="Kapan"]', (l) => l.map((td) => {
    const r = td.getBoundingClientRect();
    return { text: td.textContent, seen: r.width > 0 && r.right <= window.innerWidth, label: getComputedStyle(td, '::before').content };
  }));
  ok(kapan.length === 4 && kapan.every((k) => k.seen && k.label === '"Kapan"'), 'at 320 px every "Kapan" cell is on screen under its heading', kapan);
  await page.evaluate(() => document.querySelector('.lesson-body table').scrollIntoView());
  await page.screenshot({ path: path.join(SHOTS, 'screen-25-lesson-table-320.png') });

  // ---- the lesson's offline message speaks of no typed input
  await page.setViewportSize({ width: 360, height: 640 });
  await page.route('**/lessons/*/complete', (r) => r.abort('connectionreset'));
  await page.tap('#lesson-done');
  await page.waitForSelector('.alert[role=alert], .alert p[role=alert]');
  const msg = await page.textContent('.alert');
  ok(msg.includes(TEXT.id.netDown) && !/Isian/.test(msg), 'a lost connection on a lesson says so without speaking of typed input', msg);
  await page.unroute('**/lessons/*/complete');

  // ---- a failed quiz says "Belum lulus" once; a passed course's completion page
  const c0 = 'desa-administrasi';
  const key = await learnAnswers(box.url, c0);
  const failAtt = uuid();
  await api.req('POST', `/courses/${c0}/attempts`, { attempt: failAtt });
  for (const q of key.questions) await api.req('PUT', `/attempts/${failAtt}/answers/${q.id}`, { choices: key.wrong[q.id] });
  await api.req('POST', `/attempts/${failAtt}/finish`, {});
  await page.evaluate(([k, id]) => localStorage.setItem(k, JSON.stringify({ id, finished: true })), [`pb.att.${(await api.req('GET', '/me')).json.id}.${c0}`, failAtt]);
  await open(page, box.url + `/#/course/${c0}/quiz`);
  await page.waitForSelector('#quiz-result');
  const times = (await page.textContent('#quiz-result')).split(TEXT.id.notPassed).length - 1;
  eq(times, 1, 'the failed quiz result says "Belum lulus" once');

  const dd = (await api.req('GET', `/courses/${c0}`)).json;
  for (const l of dd.lessons) await api.req('POST', `/courses/${c0}/lessons/${l.id}/complete`, { seconds: 30 });
  const passAtt = uuid();
  await api.req('POST', `/courses/${c0}/attempts`, { attempt: passAtt });
  for (const q of key.questions) await api.req('PUT', `/attempts/${passAtt}/answers/${q.id}`, { choices: key.right[q.id] });
  await api.req('POST', `/attempts/${passAtt}/finish`, {});
  const cert = (await api.req('GET', `/courses/${c0}/certificate`)).json;
  ok(/^[0-9A-F]{4}-[0-9A-F]{4}$/.test(cert.code) && cert.position_label, 'the box gives the completion page a check code and the position', cert);
  for (const vp of [{ width: 320, height: 640 }, { width: 360, height: 640 }]) {
    await page.setViewportSize(vp);
    await open(page, box.url + `/#/course/${c0}/certificate`);
    await page.waitForSelector('#cert-code');
    const fit = await page.evaluate(() => ({ h: document.documentElement.scrollHeight, w: document.documentElement.scrollWidth,
      vh: window.innerHeight, vw: window.innerWidth, text: document.getElementById('cert').textContent }));
    ok(fit.h <= fit.vh && fit.w <= fit.vw, `at ${vp.width}x${vp.height} the completion page fits one screen`, fit);
    if (vp.width === 360) await page.screenshot({ path: path.join(SHOTS, 'screen-26-certificate-one-screen.png') });
    ok(fit.text.includes(cert.position_label) && fit.text.includes(cert.village_name) && fit.text.includes(cert.code),
      'it shows the position, the village and the check code', fit.text);
  }
  const v = await axe(page);
  ok(v.length === 0, 'the completion page: no serious or critical axe-core violations', v);
  note(`check code ${cert.code}`);
  eq(first.errors, [], 'no script errors or dialogs in the page');
});
