// Shared helpers for the browser tests: TAP output, a real pamongd on a free
// port with a temporary data dir (as tests/lib/pbtest.py does), Debian's
// Chromium driven by playwright-core with a phone viewport and touch, axe-core,
// layout checks and screenshots.
//
// PB_URL=http://127.0.0.1:PORT runs against a server that is already up
// instead (tests that restart the server then skip that part).
// KEEP_TMP=1 keeps data dirs and browser profiles.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD = path.resolve(ROOT, process.env.BUILD || 'build');
export const WEBROOT = path.join(ROOT, 'webroot');
export const SHOTS = path.join(ROOT, 'tests', 'out', 'screenshots');
export const VIEWPORTS = [
  { width: 320, height: 568 },
  { width: 360, height: 640 },
  { width: 412, height: 915 },
];
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000; // generous: a slow CI machine must not fail a correct app

// ---------- TAP ----------
let n = 0;
let failed = 0;
const cleanups = [];

export function ok(cond, what, detail) {
  n++;
  if (!cond) failed++;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
  if (!cond && detail !== undefined) {
    for (const line of String(typeof detail === 'string' ? detail : JSON.stringify(detail, null, 1)).split('\n')) {
      console.log('#   ' + line);
    }
  }
  return !!cond;
}

export function eq(got, want, what) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  return ok(g === w, what, `expected ${w}\ngot      ${g}`);
}

export function note(msg) { console.log('# ' + msg); }

export function onCleanup(fn) { cleanups.push(fn); }

async function cleanupAll() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try { await fn(); } catch (e) { /* best effort */ }
  }
}

// Runs the test body; a crash is one failing line with its stack. Exits
// non-zero when anything failed.
export async function run(body) {
  try {
    await body();
  } catch (e) {
    ok(false, 'test ran to the end', e && e.stack ? e.stack : String(e));
  }
  await cleanupAll();
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}

// ---------- the box ----------
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

// The server serves BUILD/webroot (made by `make webroot`); restage it when
// webroot/ has changed since, so the tests see the app as it is now.
function stageWebroot() {
  const newest = (dir) => {
    let m = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      m = Math.max(m, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
    }
    return m;
  };
  const staged = path.join(BUILD, 'webroot', 'index.html');
  if (!fs.existsSync(staged) || newest(WEBROOT) > fs.statSync(staged).mtimeMs) {
    execFileSync(path.join(ROOT, 'tools', 'stage-webroot.sh'), [BUILD], { stdio: 'inherit' });
  }
}

// A real pamongd on a free port with its own data dir and config.
export class Box {
  constructor() {
    this.proc = null;
    this.external = process.env.PB_URL || null;
  }

  async init() {
    if (!this.external) stageWebroot();
    if (this.external) {
      this.url = this.external.replace(/\/$/, '');
      return this;
    }
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-browser-'));
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.conf = path.join(this.dir, 'pamongd.conf');
    fs.writeFileSync(this.conf,
      // keep-alive longer than Node's own 5 s idle timeout, so the test's API
      // client (page.request) always closes an idle connection first: with both
      // at 5 s a request can meet the server's close ("socket hang up"), which
      // browsers retry but Node's agent does not
      `[http]\nport = ${this.port}\nlisten = 127.0.0.1\nkeepalive_ms = 20000\nwebroot = ${path.join(BUILD, 'webroot')}\n` +
      `[storage]\ndata_dir = ${this.dir}\n` +
      `[content]\nincoming = ${path.join(BUILD, 'packs')}\ntrusted_keys = ${path.join(BUILD, 'dev-signing.pub')}\n` +
      `[area]\nfile = ${path.join(ROOT, 'content', 'area', 'wilayah.tsv.gz')}\ncodes = 33.02\n`);
    onCleanup(async () => {
      await this.stop();
      if (!process.env.KEEP_TMP) fs.rmSync(this.dir, { recursive: true, force: true });
    });
    return this;
  }

  get db() { return this.dir ? path.join(this.dir, 'pamong.db') : null; }

  logText() {
    try { return fs.readFileSync(path.join(this.dir, 'pamongd.log'), 'utf8').slice(-4000); } catch (e) { return ''; }
  }

  async start() {
    if (this.external) return this;
    const log = fs.openSync(path.join(this.dir, 'pamongd.log'), 'a');
    this.proc = spawn(path.join(BUILD, 'pamongd'), ['-d', '-f', this.conf], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.exited = new Promise((r) => this.proc.on('exit', (code, sig) => r(code === null ? sig : code)));
    const deadline = Date.now() + 20000;
    for (;;) {
      if (this.proc.exitCode !== null) throw new Error(`pamongd exited with ${this.proc.exitCode}:\n${this.logText()}`);
      try {
        const r = await fetch(this.url + '/api/v1/health');
        if (r.status === 200) break;
      } catch (e) { /* not up yet */ }
      if (Date.now() > deadline) throw new Error(`pamongd did not answer within 20 s:\n${this.logText()}`);
      await sleep(50);
    }
    return this;
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc) return null;
    const p = this.proc;
    this.proc = null;
    if (p.exitCode === null && p.signalCode === null) {
      p.kill(signal);
      const t = setTimeout(() => p.kill('SIGKILL'), 10000);
      const rc = await this.exited;
      clearTimeout(t);
      return rc;
    }
    return p.exitCode;
  }

  // sqlite3 CLI query on the box's database (read-only); rows as arrays.
  sql(query) {
    const out = execFileSync('sqlite3', ['-readonly', '-separator', '\t', this.db, query], { encoding: 'utf8' });
    return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  }
}

export async function startBox() {
  const box = new Box();
  await box.init();
  await box.start();
  return box;
}

// ---------- a plain API client (the test's own helper learner) ----------
// Each Set-Cookie header of a fetch() answer. Debian 12's Node 18 has no
// Headers.getSetCookie(); its get('set-cookie') joins them with ', ', and a
// comma followed by a name and '=' starts the next one (Expires= dates have
// a comma followed by a space and a day name, never by '=').
export function setCookies(headers) {
  if (headers.getSetCookie) return headers.getSetCookie();
  const all = headers.get('set-cookie');
  return all ? all.split(/,\s*(?=[^;,=\s]+=)/) : [];
}

export class Api {
  constructor(url) { this.url = url; this.cookie = ''; }

  async req(method, p, body) {
    const headers = {};
    if (this.cookie) headers.Cookie = this.cookie;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.url + '/api/v1' + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    // the session cookie (the box also sets pb_in, which the page reads)
    for (const sc of setCookies(r.headers)) {
      if (sc.startsWith('pb_session=')) this.cookie = sc.split(';')[0];
    }
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    return { status: r.status, json };
  }
}

export function uuid() {
  return crypto.randomUUID();
}

// Registers a throwaway learner through the API and returns its client.
export async function apiLearner(url, name) {
  const api = new Api(url);
  const v = (await api.req('GET', '/villages')).json.villages[0].code;
  const p = (await api.req('GET', '/positions')).json.positions[0].id;
  const r = await api.req('POST', '/register', { name, position: p, village: v, pin: '135792' });
  if (r.status !== 201) throw new Error(`register ${name}: ${r.status} ${JSON.stringify(r.json)}`);
  return api;
}

// The right choices of every question of a course, learned the way a phone
// would: by one throwaway attempt of a helper learner.
export async function learnAnswers(url, course) {
  const api = await apiLearner(url, 'Penguji Kunci ' + Math.floor(Math.random() * 1e6).toString(36).replace(/[0-9]/g, 'x'));
  const att = uuid();
  const a = (await api.req('POST', `/courses/${course}/attempts`, { attempt: att })).json;
  const key = {};
  for (const q of a.questions) {
    const r = (await api.req('PUT', `/attempts/${att}/answers/${q.id}`, { choices: [q.choices[0].id] })).json;
    if (r.correct_choices) key[q.id] = r.correct_choices;
  }
  const fin = (await api.req('POST', `/attempts/${att}/finish`, {})).json;
  for (const r of fin.results || []) key[r.question] = r.correct_choices;
  const wrong = {};
  for (const q of a.questions) {
    const bad = q.choices.map((c) => c.id).filter((id) => !key[q.id].includes(id));
    wrong[q.id] = bad.length ? [bad[0]] : [];
  }
  return { questions: a.questions, right: key, wrong, feedback: a.feedback };
}

// ---------- the browser ----------
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export async function browser(opts = {}) {
  // opts.profile: reuse a browser profile (a phone that closed the browser)
  const profile = opts.profile || fs.mkdtempSync(path.join(os.tmpdir(), 'pb-chromium-'));
  const viewport = opts.viewport || { width: 360, height: 640 };
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
    viewport,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: opts.locale || 'id-ID',
    userAgent: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  });
  ctx.setDefaultTimeout(WAIT);
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  page.on('dialog', (d) => { errors.push('dialog: ' + d.message()); d.dismiss().catch(() => {}); });
  let closed = false;
  const close = async (keepProfile) => {
    if (closed) return;
    closed = true;
    await ctx.close().catch(() => {});
    if (!process.env.KEEP_TMP && !keepProfile) fs.rmSync(profile, { recursive: true, force: true });
  };
  onCleanup(close);
  return { ctx, page, errors, close, profile };
}

// How many screens the app has shown so far.
export async function shown(page) {
  return page.evaluate(() => +(document.getElementById('main').getAttribute('data-shown') || 0));
}

// Waits until the app shows a screen (a newer one than `after` if given).
export async function screen(page, after = 0) {
  await page.waitForFunction((a) => {
    const m = document.getElementById('main');
    return +(m.getAttribute('data-shown') || 0) > a && !m.querySelector('.loading');
  }, after);
}

// Opens a route of the app (e.g. '#/course/x') and waits for its screen;
// a reload when the app is not loaded yet.
export async function open(page, url) {
  const base = url.split('#')[0];
  const here = page.url().split('#')[0];
  if (here !== base || page.url() === 'about:blank') {
    await page.goto(url);
    await screen(page);
    return;
  }
  const hash = '#' + (url.split('#')[1] || '/');
  if (await page.evaluate(() => location.hash || '#/') === hash) return;
  const before = await shown(page);
  await page.evaluate((h) => { location.hash = h; }, hash);
  await screen(page, before);
}

// Taps selector and waits for the next screen.
export async function tapTo(page, selector) {
  const before = await shown(page);
  await page.tap(selector);
  await screen(page, before);
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

// axe-core on the current screen; the serious and critical violations.
export async function axe(page) {
  const has = await page.evaluate(() => typeof window.axe === 'object');
  // evaluated by the test driver, which the page's script policy does not restrict
  if (!has) await page.evaluate(AXE);
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((x) => x.target.join(' ') + ' :: ' + x.failureSummary.split('\n').slice(0, 3).join(' ')) }));
  });
  return res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// Layout problems on the current screen: horizontal scrolling, text under
// 16 px, tap targets under 44 px.
export async function layoutProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const de = document.documentElement;
    if (de.scrollWidth > window.innerWidth + 1 || document.body.scrollWidth > window.innerWidth + 1) {
      out.push(`horizontal scroll: scrollWidth ${de.scrollWidth} > innerWidth ${window.innerWidth}`);
    }
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return false;
      const cs = getComputedStyle(el);
      return cs.visibility !== 'hidden' && cs.display !== 'none' && r.right > 0 && r.left < window.innerWidth + 1 && r.bottom > -10000;
    };
    // text size: every element that directly holds visible text
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (!t.nodeValue.trim()) continue;
      const el = t.parentElement;
      if (!el || seen.has(el) || !visible(el) || el.closest('.sr,[aria-hidden=true],noscript,script,style')) continue;
      seen.add(el);
      const fs = parseFloat(getComputedStyle(el).fontSize);
      if (fs < 16) out.push(`text ${fs}px: <${el.tagName.toLowerCase()}> "${t.nodeValue.trim().slice(0, 40)}"`);
    }
    // tap targets
    const targets = document.querySelectorAll('a[href], button, input, select, textarea, summary, audio[controls], video[controls], [role=button]');
    for (const el of targets) {
      if (!visible(el) || el.closest('.sr')) continue;
      if (el.classList.contains('skip')) continue;
      let box = el.getBoundingClientRect();
      // a radio or checkbox is tapped through its label
      if ((el.type === 'radio' || el.type === 'checkbox') && el.closest('label')) box = el.closest('label').getBoundingClientRect();
      // links inside running text are exempt (WCAG 2.5.5 inline exception)
      if (el.tagName === 'A' && getComputedStyle(el).display === 'inline') continue;
      if (box.height < 44 - 0.5 || box.width < 44 - 0.5) {
        out.push(`tap target ${Math.round(box.width)}x${Math.round(box.height)}: <${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}> "${(el.textContent || el.value || '').trim().slice(0, 30)}"`);
      }
    }
    return out;
  });
}

// Checks the current screen: axe, then the layout at every viewport (the
// viewport is restored after), and a screenshot at 360x640.
export async function checkScreen(page, name, opts = {}) {
  await screen(page).catch(() => {});
  const v = await axe(page);
  ok(v.length === 0, `${name}: no serious or critical axe-core violations`, v);
  const orig = page.viewportSize();
  for (const vp of VIEWPORTS) {
    await page.setViewportSize(vp);
    await page.waitForFunction((w) => window.innerWidth === w, vp.width);
    const probs = await layoutProblems(page);
    ok(probs.length === 0, `${name}: layout at ${vp.width}x${vp.height} (no horizontal scroll, text >= 16px, targets >= 44px)`, probs.slice(0, 12).join('\n'));
    if (vp.width === 360 && opts.shot !== false) await shot(page, name);
  }
  await page.setViewportSize(orig);
}

// ---------- app flows shared by the tests ----------
export const TEXT = {
  id: { login: 'Masuk', register: 'Daftar baru', doRegister: 'Daftar', resume: 'Lanjutkan belajar', next: 'Selesai, lanjut', toQuiz: 'Selesai, ke kuis',
    check: 'Periksa jawaban', save: 'Simpan jawaban', passed: 'Lulus', notPassed: 'Belum lulus', retryQuiz: 'Coba kuis lagi', netDown: 'Koneksi terputus',
    retry: 'Coba lagi', logout: 'Keluar', cert: 'Tanda Selesai Kursus', seeCert: 'Lihat tanda selesai', lang: 'English' },
  en: { login: 'Log in', register: 'Register', doRegister: 'Register', resume: 'Continue learning', next: 'Done, next', toQuiz: 'Done, to the quiz',
    check: 'Check answer', save: 'Save answer', passed: 'Passed', notPassed: 'Not passed', retryQuiz: 'Take the quiz again', netDown: 'Connection lost',
    retry: 'Try again', logout: 'Log out', cert: 'Course Completion', seeCert: 'See completion page', lang: 'Indonesia' },
};

// Fills in and sends the registration form. Picks the village by typing
// part of its name (search-as-you-type).
export async function register(page, { name, pin, villageQuery, lang = 'id' }) {
  await page.waitForSelector('#r-name');
  await page.fill('#r-name', name);
  await page.selectOption('#r-pos', { index: 1 });
  await page.fill('#r-vil', villageQuery);
  await page.tap('.sugg button');
  await page.waitForSelector('.chosen');
  await page.fill('#r-pin', pin);
  await page.fill('#r-pin2', pin);
  await tapTo(page, 'form button[type=submit]');
  void lang;
}

// Answers the quiz in the browser with the given choices; returns the
// result screen's score text.
export async function takeQuiz(page, answers, feedback) {
  for (;;) {
    await page.waitForSelector('#q-submit:not([hidden]), #quiz-result');
    if (await page.$('#quiz-result')) break;
    const legend = await page.$eval('legend', (e) => e.textContent);
    const qid = await page.$eval('form input', (e) => e.name.slice(2));
    for (const c of answers[qid]) await page.tap(`form input[value="${c}"] >> xpath=..`);
    await page.tap('#q-submit');
    if (feedback !== 'end') {
      await page.waitForSelector('#q-feedback');
      await page.tap('#q-next');
    } else {
      await page.waitForFunction((l) => !document.querySelector('legend') || document.querySelector('legend').textContent !== l, legend);
    }
  }
  return page.$eval('#score', (e) => e.textContent);
}
