/* Pamong Hub staff dashboard. Talks to /api/v1/hub/*; every user string is
   set as text, never as HTML. No external libraries. */
'use strict';

const T = {
  id: {
    nav_completion: 'Penyelesaian', nav_boxes: 'Kotak', nav_export: 'Ekspor', logout: 'Keluar',
    login_title: 'Masuk staf', name: 'Nama', password: 'Kata sandi', login: 'Masuk',
    course: 'Kursus', all_courses: 'Semua kursus', learners: 'Peserta',
    completions: 'Kursus selesai', boxes: 'Kotak', areas: 'Wilayah', courses: 'Kursus',
    chart: 'Penyelesaian dari waktu ke waktu', learner_list: 'Peserta', csv: 'Unduh CSV',
    learners_csv_all: 'Unduh semua peserta di wilayah ini (CSV)',
    enroll_title: 'Pendaftaran kotak baru',
    enroll_help: 'Kode berlaku sekali dan kedaluwarsa. Fasilitator memasukkannya ke konfigurasi kotak (sync.enroll_code).',
    valid_days: 'Berlaku (hari)', make_code: 'Buat kode',
    xapi_help: 'Pernyataan completed / passed / failed dengan id tetap: mengekspor ulang tidak menggandakan data di LRS.',
    xapi_download: 'Unduh pernyataan (JSON)', xapi_forward: 'Kirim ke LRS',
    attribution: 'Nama wilayah: Kemendagri melalui idn-area-data (ODbL).',
    indonesia: 'Indonesia', wrong: 'Nama atau kata sandi salah.',
    cooldown: 'Terlalu banyak percobaan. Coba lagi dalam {s} detik.', failed: 'Gagal: ',
    valid_until: 'berlaku sampai', sent: 'terkirim', already: 'sudah ada', fail: 'gagal',
    no_data: 'Belum ada data.', yes: 'ya', no: 'tidak',
    col: {
      code: 'Kode', name: 'Nama', learners: 'Peserta', started: 'Mulai', completed: 'Selesai',
      percent: '% selesai', course: 'Kursus', in_progress: 'Sedang', passed: 'Lulus',
      avg_best_score: 'Rata-rata nilai', position: 'Jabatan', village: 'Kode desa',
      village_name: 'Desa', box_name: 'Kotak', status: 'Status', lessons_done: 'Pelajaran',
      best_score: 'Nilai', attempts: 'Percobaan', completed_at: 'Selesai pada',
      last_activity: 'Aktivitas terakhir', box: 'Id kotak', enrolled_at: 'Terdaftar',
      last_seen: 'Terakhir terlihat', version: 'Versi', uptime_s: 'Nyala (detik)',
      pending: 'Tertunda', disk_free: 'Disk kosong', db_bytes: 'Basis data', clock: 'Jam',
      acked_rev: 'Rev diterima'
    },
    status: { completed: 'selesai', in_progress: 'sedang', not_started: 'belum' }
  },
  en: {
    nav_completion: 'Completion', nav_boxes: 'Boxes', nav_export: 'Export', logout: 'Log out',
    login_title: 'Staff login', name: 'Name', password: 'Password', login: 'Log in',
    course: 'Course', all_courses: 'All courses', learners: 'Learners',
    completions: 'Courses completed', boxes: 'Boxes', areas: 'Areas', courses: 'Courses',
    chart: 'Completions over time', learner_list: 'Learners', csv: 'Download CSV',
    learners_csv_all: 'Download all learners in this area (CSV)',
    enroll_title: 'Enroll a new box',
    enroll_help: 'A code works once and expires. The facilitator puts it in the box config (sync.enroll_code).',
    valid_days: 'Valid (days)', make_code: 'Make code',
    xapi_help: 'completed / passed / failed statements with stable ids: exporting again never duplicates data at the LRS.',
    xapi_download: 'Download statements (JSON)', xapi_forward: 'Send to LRS',
    attribution: 'Region names: Kemendagri via idn-area-data (ODbL).',
    indonesia: 'Indonesia', wrong: 'Wrong name or password.',
    cooldown: 'Too many attempts. Try again in {s} seconds.', failed: 'Failed: ',
    valid_until: 'valid until', sent: 'sent', already: 'already stored', fail: 'failed',
    no_data: 'No data yet.', yes: 'yes', no: 'no',
    col: {
      code: 'Code', name: 'Name', learners: 'Learners', started: 'Started',
      completed: 'Completed', percent: '% completed', course: 'Course',
      in_progress: 'In progress', passed: 'Passed', avg_best_score: 'Average score',
      position: 'Position', village: 'Village code', village_name: 'Village',
      box_name: 'Box', status: 'Status', lessons_done: 'Lessons', best_score: 'Score',
      attempts: 'Attempts', completed_at: 'Completed at', last_activity: 'Last activity',
      box: 'Box id', enrolled_at: 'Enrolled', last_seen: 'Last seen', version: 'Version',
      uptime_s: 'Uptime (s)', pending: 'Pending', disk_free: 'Disk free',
      db_bytes: 'Database', clock: 'Clock', acked_rev: 'Acked rev'
    },
    status: { completed: 'completed', in_progress: 'in progress', not_started: 'not started' }
  }
};

let lang = localStorage.getItem('hub-lang') || 'id';
let csrf = '';
const state = { unit: '', course: '', view: 'completion' };
const $ = (id) => document.getElementById(id);
const t = (k) => T[lang][k] || k;

function applyLang () {
  document.documentElement.lang = lang;
  $('lang').textContent = lang === 'id' ? 'EN' : 'ID';
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
}

async function api (method, path, body) {
  const opt = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  if (method !== 'GET') opt.headers['X-CSRF-Token'] = csrf;
  const r = await fetch(path, opt);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  return { status: r.status, data };
}

function el (tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function q (extra) {
  const p = new URLSearchParams();
  if (state.unit) p.set('unit', state.unit);
  if (state.course) p.set('course', state.course);
  for (const [k, v] of Object.entries(extra || {})) p.set(k, v);
  const s = p.toString();
  return s ? '?' + s : '';
}

const NUMERIC = new Set(['learners', 'started', 'completed', 'percent', 'in_progress',
  'passed', 'avg_best_score', 'best_score', 'attempts', 'uptime_s', 'pending',
  'disk_free', 'db_bytes', 'acked_rev', 'completions', 'cumulative']);

function fmt (col, v) {
  if (v === null || v === undefined) return '';
  if (col === 'percent') return v.toFixed(1) + ' %';
  if (col === 'status') return T[lang].status[v] || v;
  if (typeof v === 'boolean') return v ? t('yes') : t('no');
  if (col === 'disk_free' || col === 'db_bytes') return (v / 1048576).toFixed(1) + ' MB';
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) return v.replace('T', ' ').replace('Z', ' UTC');
  return v;
}

/* Fill a table from {columns, rows}, showing only cols (id list). */
function fillTable (id, data, cols, onRow) {
  const table = $(id);
  const head = table.tHead;
  const body = table.tBodies[0];
  head.replaceChildren();
  body.replaceChildren();
  const idx = cols.map((c) => data.columns.indexOf(c));
  const tr = el('tr');
  cols.forEach((c) => tr.append(el('th', T[lang].col[c] || c, NUMERIC.has(c) ? 'n' : '')));
  head.append(tr);
  if (data.rows.length === 0) {
    const r = el('tr');
    const td = el('td', t('no_data'));
    td.colSpan = cols.length;
    r.append(td);
    body.append(r);
    return;
  }
  for (const row of data.rows) {
    const r = el('tr');
    cols.forEach((c, i) => {
      const v = row[idx[i]];
      const td = el('td', null, NUMERIC.has(c) ? 'n' : '');
      if (c === 'percent') {
        const bar = el('span', null, 'bar');
        bar.style.width = Math.max(1, Math.round(v)) / 2 + 'px';
        td.append(bar);
      }
      td.append(document.createTextNode(fmt(c, v)));
      td.dataset.col = c;
      r.append(td);
    });
    if (onRow) onRow(r, row, data.columns);
    body.append(r);
  }
}

function csvLink (id, path) {
  $(id).href = path + q({ format: 'csv' });
}

function crumbs (list) {
  const nav = $('crumbs');
  nav.replaceChildren();
  const top = el('a', t('indonesia'));
  top.addEventListener('click', () => go(''));
  nav.append(top);
  for (const c of list) {
    nav.append(el('span', '›', 'sep'));
    const a = el('a', c.name || c.code);
    a.dataset.code = c.code;
    a.addEventListener('click', () => go(c.code));
    nav.append(a);
  }
}

function go (unit) {
  state.unit = unit;
  loadCompletion();
}

async function loadCourses () {
  const r = await api('GET', '/api/v1/hub/courses');
  if (r.status !== 200) return;
  const sel = $('course-filter');
  const keep = sel.value;
  while (sel.options.length > 1) sel.remove(1);
  const ci = r.data.columns.indexOf('course');
  for (const row of r.data.rows) {
    const o = el('option', row[ci]);
    o.value = row[ci];
    sel.append(o);
  }
  sel.value = keep;
}

async function loadCompletion () {
  const village = state.unit.length === 13;
  const [areas, courses, chart] = await Promise.all([
    api('GET', '/api/v1/hub/areas' + q()),
    api('GET', '/api/v1/hub/courses' + (state.unit ? '?unit=' + state.unit : '')),
    api('GET', '/api/v1/hub/completions' + q())
  ]);
  if (areas.status === 401) return showLogin();
  if (areas.status !== 200) return;
  crumbs(areas.data.crumbs || []);
  $('total-learners').textContent = areas.data.learners;
  $('total-completions').textContent = areas.data.completions;
  $('total-boxes').textContent = areas.data.boxes;
  $('areas-block').hidden = village;
  fillTable('areas', areas.data, ['code', 'name', 'learners', 'started', 'completed', 'percent'],
    (tr, row, cols) => {
      const code = row[cols.indexOf('code')];
      tr.className = 'drill';
      tr.dataset.code = code;
      tr.tabIndex = 0;
      tr.addEventListener('click', () => go(code));
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(code); });
    });
  csvLink('areas-csv', '/api/v1/hub/areas');
  if (courses.status === 200) {
    fillTable('courses', courses.data, ['course', 'started', 'in_progress', 'completed', 'passed', 'percent', 'avg_best_score']);
  }
  $('courses-csv').href = '/api/v1/hub/courses' + (state.unit ? '?unit=' + state.unit + '&' : '?') + 'format=csv';
  if (chart.status === 200) drawChart(chart.data);
  csvLink('chart-csv', '/api/v1/hub/completions');
  csvLink('learners-all-csv', '/api/v1/hub/learners');
  $('learners-block').hidden = !village;
  if (village) {
    const l = await api('GET', '/api/v1/hub/learners' + q());
    if (l.status === 200) {
      fillTable('learners', l.data, ['name', 'position', 'village_name', 'course', 'status',
        'lessons_done', 'best_score', 'passed', 'completed_at', 'box_name']);
    }
    csvLink('learners-csv', '/api/v1/hub/learners');
  }
}

const SVG = 'http://www.w3.org/2000/svg';
function svg (tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/* Daily completions as bars, the running total as a line. */
function drawChart (data) {
  const box = $('chart');
  box.replaceChildren();
  const rows = data.rows;
  if (rows.length === 0) { box.append(el('p', t('no_data'), 'note')); return; }
  const W = 800; const H = 240; const L = 44; const R = 44; const B = 28; const TOP = 10;
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('chart') });
  const maxDay = Math.max(...rows.map((r) => r[1]));
  const maxCum = rows[rows.length - 1][2];
  const n = rows.length;
  const bw = (W - L - R) / n;
  const y1 = (v) => H - B - (v / maxDay) * (H - B - TOP);
  const y2 = (v) => H - B - (v / maxCum) * (H - B - TOP);
  s.append(svg('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' }));
  s.append(svg('line', { x1: L, y1: TOP, x2: L, y2: H - B, class: 'axis' }));
  rows.forEach((r, i) => {
    const x = L + i * bw;
    const bar = svg('rect', { x: x + bw * 0.15, y: y1(r[1]), width: Math.max(1, bw * 0.7), height: H - B - y1(r[1]), fill: '#8cc7b0' });
    bar.append(svg('title', {}, `${r[0]}: ${r[1]} (${r[2]})`));
    s.append(bar);
  });
  const pts = rows.map((r, i) => `${L + (i + 0.5) * bw},${y2(r[2])}`).join(' ');
  s.append(svg('polyline', { points: pts, fill: 'none', stroke: '#0b6e4f', 'stroke-width': 2 }));
  s.append(svg('text', { x: L - 4, y: TOP + 10, 'text-anchor': 'end' }, String(maxDay)));
  s.append(svg('text', { x: W - R + 4, y: TOP + 10 }, String(maxCum)));
  s.append(svg('text', { x: L, y: H - 8 }, rows[0][0]));
  s.append(svg('text', { x: W - R, y: H - 8, 'text-anchor': 'end' }, rows[n - 1][0]));
  box.append(s);
}

async function loadBoxes () {
  const r = await api('GET', '/api/v1/hub/boxes');
  if (r.status === 401) return showLogin();
  if (r.status !== 200) return;
  fillTable('boxes', r.data, ['name', 'last_seen', 'version', 'pending', 'disk_free', 'db_bytes', 'clock', 'learners', 'enrolled_at', 'box']);
  $('boxes-csv').href = '/api/v1/hub/boxes?format=csv';
}

function show (view) {
  state.view = view;
  for (const v of ['completion', 'boxes', 'export']) $(v + '-view').hidden = v !== view;
  for (const b of document.querySelectorAll('#nav button')) b.classList.toggle('active', b.dataset.view === view);
  if (view === 'completion') { loadCourses(); loadCompletion(); }
  if (view === 'boxes') loadBoxes();
}

function showLogin () {
  for (const v of ['completion', 'boxes', 'export']) $(v + '-view').hidden = true;
  $('nav').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  $('login-view').hidden = false;
}

function loggedIn (me) {
  csrf = me.csrf;
  $('who').textContent = me.user;
  $('login-view').hidden = true;
  $('nav').hidden = false;
  $('logout').hidden = false;
  show(state.view);
}

async function init () {
  applyLang();
  $('lang').addEventListener('click', () => {
    lang = lang === 'id' ? 'en' : 'id';
    localStorage.setItem('hub-lang', lang);
    applyLang();
    if (!$('nav').hidden) show(state.view);
  });
  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('login-error').textContent = '';
    const r = await api('POST', '/api/v1/hub/login', { name: $('login-name').value, password: $('login-password').value });
    if (r.status === 200) { $('login-password').value = ''; return loggedIn(r.data); }
    $('login-error').textContent = r.status === 429 ? t('cooldown').replace('{s}', r.data.retry_after) : t('wrong');
  });
  $('logout').addEventListener('click', async () => {
    await api('POST', '/api/v1/hub/logout');
    csrf = '';
    showLogin();
  });
  for (const b of document.querySelectorAll('#nav button')) b.addEventListener('click', () => show(b.dataset.view));
  $('course-filter').addEventListener('change', (e) => { state.course = e.target.value; loadCompletion(); });
  $('make-code').addEventListener('click', async () => {
    const days = Math.max(1, Math.min(365, parseInt($('code-days').value, 10) || 7));
    const r = await api('POST', '/api/v1/hub/enroll-codes', { ttl_s: days * 86400 });
    $('new-code').textContent = r.status === 201 ? `${r.data.code} (${t('valid_until')} ${fmt('', r.data.expires)})` : t('failed') + (r.data && r.data.message);
  });
  $('xapi-forward').addEventListener('click', async () => {
    const r = await api('POST', '/api/v1/hub/xapi/forward');
    $('xapi-result').textContent = r.status === 200
      ? `${r.data.sent} ${t('sent')}, ${r.data.already} ${t('already')}, ${r.data.failed} ${t('fail')}${r.data.last_error ? ' (' + r.data.last_error + ')' : ''}`
      : t('failed') + (r.data && r.data.message);
  });
  const me = await api('GET', '/api/v1/hub/me');
  if (me.status === 200) loggedIn(me.data); else showLogin();
}

document.addEventListener('DOMContentLoaded', init);
