/* Pamong Hub staff dashboard. Talks to /api/v1/hub/*; every user string is
   set as text, never as HTML. No external libraries. */
'use strict';

const T = {
  id: {
    nav_completion: 'Penyelesaian', nav_villages: 'Desa × kursus', nav_boxes: 'Kotak',
    nav_export: 'Ekspor', nav_users: 'Pengguna', logout: 'Keluar',
    login_title: 'Masuk staf', name: 'Nama', password: 'Kata sandi', login: 'Masuk',
    from: 'Dari tanggal', to: 'Sampai tanggal', all_time: 'Semua waktu', print: 'Cetak laporan',
    course: 'Kursus', all_courses: 'Semua kursus', learners: 'Peserta',
    villages_reached: 'Desa terjangkau', started_pairs: 'Kursus dimulai',
    completions: 'Kursus selesai', boxes_served: 'Kotak yang melayani wilayah ini',
    count_note: 'Kursus dihitung per peserta per kursus: satu peserta yang menyelesaikan dua kursus dihitung dua.',
    areas: 'Wilayah', courses: 'Kursus', boxes: 'Kotak',
    chart: 'Penyelesaian dari waktu ke waktu', learner_list: 'Peserta', csv: 'Unduh CSV',
    learners_csv_all: 'Unduh semua peserta di wilayah ini (CSV)',
    choose_area: 'Pilih wilayah', village_table: 'Desa × kursus',
    search: 'Cari desa atau kecamatan', choose_first: 'Pilih provinsi atau kabupaten dulu.',
    page_rows: 'Baris {a}–{b} dari {m}', page_prev: '‹ Sebelumnya', page_next: 'Berikutnya ›',
    vsummary: '{r} dari {v} desa punya peserta; {n} baris (desa × kursus).',
    show_only: 'Tampilkan hanya', f_stale: 'tidak terlihat 30 hari', f_disk: 'disk terisi lebih dari 80 %',
    f_degraded: 'basis data dipulihkan (degraded)', f_old: 'versi lama', boxes_count: '{n} kotak',
    enroll_title: 'Pendaftaran kotak baru',
    enroll_help: 'Kode berlaku sekali dan kedaluwarsa. Fasilitator memasukkannya ke konfigurasi kotak (sync.enroll_code).',
    valid_days: 'Berlaku (hari)', make_code: 'Buat kode',
    export_title: 'Mengirim data ke sistem lain',
    lrs_what: 'LRS (Learning Record Store) adalah sistem lain yang menyimpan catatan belajar dalam format standar xAPI, misalnya sistem kepegawaian atau pelatihan kementerian.',
    xapi_help: 'Pusat mengirim satu catatan untuk setiap kursus yang selesai, lulus atau gagal. Setiap catatan punya nomor tetap, jadi mengirim ulang tidak membuat data ganda di LRS.',
    lrs_none: 'Belum ada LRS yang diatur di pusat ini (xapi.lrs_endpoint), jadi tidak ada yang dikirim. Anda tetap dapat mengunduh berkasnya dan memberikannya kepada pengelola LRS.',
    lrs_set: 'LRS sudah diatur: tombol di bawah mengirim semua catatan wilayah Anda sekarang.',
    lrs_readonly: 'Akun hanya-baca dapat mengunduh, tetapi tidak mengirim.',
    xapi_download: 'Unduh catatan (berkas JSON xAPI)', xapi_forward: 'Kirim ke LRS',
    users_title: 'Akun staf', user_new: 'Akun baru', role: 'Peran',
    role_staff: 'Staf (baca dan buat kode kotak)', role_readonly: 'Hanya baca',
    role_admin: 'Administrator (nasional, mengelola akun)',
    area_code: 'Wilayah (kosong = nasional; kode provinsi 33 atau kabupaten 33.02)', create: 'Buat akun',
    disable: 'Nonaktifkan', enable: 'Aktifkan', reset: 'Atur ulang kata sandi',
    new_password_label: 'Kata sandi baru', active: 'aktif', disabled: 'nonaktif',
    national: 'Nasional', saved: 'Tersimpan.',
    attribution: 'Nama wilayah: Kemendagri melalui idn-area-data (ODbL).',
    indonesia: 'Indonesia', wrong: 'Nama atau kata sandi salah.',
    cooldown: 'Terlalu banyak percobaan. Coba lagi dalam {s} detik.', failed: 'Gagal: ',
    valid_until: 'berlaku sampai', sent: 'terkirim', already: 'sudah ada', fail: 'gagal',
    lost_writes: '{n} perubahan hilang',
    no_data: 'Belum ada data.', yes: 'ya', no: 'tidak', days: '{n} hari lalu', today: 'hari ini', never: 'belum pernah',
    bad_dates: 'Tanggal awal harus sebelum tanggal akhir.',
    zone_note: 'Waktu dalam {z} (zona wilayah ini); CSV memakai UTC.',
    per: { hour: 'per jam', day: 'per hari', month: 'per bulan' },
    chart_bars: 'Selesai {per}', chart_line: 'Jumlah berjalan',
    sources: 'Sumber waktu selesai: jam pusat {hub}, jam ponsel {phone}, jam kotak tanpa koreksi {none}, tidak dilaporkan {unknown}.',
    src: { hub: 'jam pusat', phone: 'jam ponsel', console: 'ponsel fasilitator', none: 'jam kotak', unknown: 'tak diketahui' },
    print_filters: 'Wilayah: {u} · Kursus: {c} · Periode: {p}', printed: 'Dicetak {d}',
    col: {
      code: 'Kode', name: 'Nama', learners: 'Peserta', started: 'Dimulai', completed: 'Selesai',
      percent: 'Selesai dari dimulai (%)', villages_reached: 'Desa dengan peserta',
      villages_percent: 'Desa terjangkau dari semua desa (%)', course: 'Id kursus',
      title: 'Kursus', course_title: 'Kursus', in_progress: 'Sedang', passed: 'Lulus',
      avg_best_score: 'Rata-rata nilai', avg_gain: 'Rata-rata kenaikan nilai',
      gain_learners: 'Peserta dengan pra & pasca-tes', position: 'Jabatan', village: 'Desa',
      village_name: 'Desa', village_code: 'Kode desa', district: 'Kecamatan', regency: 'Kabupaten/kota',
      province: 'Provinsi', box_name: 'Kotak', status: 'Status', lessons_done: 'Materi selesai',
      best_score: 'Nilai', attempts: 'Percobaan', completed_at: 'Selesai pada',
      last_activity: 'Aktivitas terakhir', box: 'Id kotak', enrolled_at: 'Terdaftar',
      last_seen: 'Terakhir terlihat', version: 'Versi', uptime_s: 'Nyala (detik)',
      pending: 'Baris tertunda', disk_free: 'Disk kosong', disk_used_percent: 'Disk terisi (%)',
      db_bytes: 'Basis data', db_state: 'Basis data', clock: 'Sumber jam', acked_rev: 'Rev diterima',
      db_reason: 'Keterangan basis data', db_lost_writes: 'Perubahan hilang',
      role: 'Peran', area: 'Wilayah', state: 'Keadaan', actions: 'Tindakan', time_source: 'Sumber waktu',
      period: 'Periode', completions: 'Selesai', cumulative: 'Jumlah berjalan'
    },
    tip: {
      percent: 'Pasangan peserta–kursus yang selesai dibagi yang dimulai, dalam baris yang sama.',
      villages_percent: 'Desa dengan sedikitnya satu peserta dibagi semua desa wilayah ini dalam daftar Kemendagri.',
      started: 'Pasangan peserta–kursus yang sudah dimulai (satu per peserta per kursus).',
      completed: 'Pasangan peserta–kursus yang selesai (satu per peserta per kursus).',
      disk_used_percent: 'Ruang disk kotak yang terpakai dari seluruh kapasitasnya.',
      clock: 'Yang menjamin jam kotak: jam pusat, jam ponsel peserta, ponsel fasilitator (konsol), atau tidak diketahui.',
      avg_gain: 'Nilai pasca-tes (kuis akhir) dikurangi nilai pra-tes, dirata-ratakan atas peserta yang punya keduanya (lihat kolom berikutnya).',
      gain_learners: 'Pasangan peserta–kursus yang punya nilai pra-tes dan pasca-tes: atas merekalah kenaikan dirata-ratakan.'
    },
    status: { completed: 'selesai', in_progress: 'sedang', not_started: 'belum' },
    dbstate: { ok: 'baik', degraded: 'dipulihkan (degraded)' },
    roles: { admin: 'administrator', staff: 'staf', readonly: 'hanya baca' }
  },
  en: {
    nav_completion: 'Completion', nav_villages: 'Village × course', nav_boxes: 'Boxes',
    nav_export: 'Export', nav_users: 'Users', logout: 'Log out',
    login_title: 'Staff login', name: 'Name', password: 'Password', login: 'Log in',
    from: 'From date', to: 'To date', all_time: 'All time', print: 'Print report',
    course: 'Course', all_courses: 'All courses', learners: 'Learners',
    villages_reached: 'Villages reached', started_pairs: 'Courses started',
    completions: 'Courses completed', boxes_served: 'Boxes that served this area',
    count_note: 'Courses are counted per learner per course: one learner who completes two courses counts twice.',
    areas: 'Areas', courses: 'Courses', boxes: 'Boxes',
    chart: 'Completions over time', learner_list: 'Learners', csv: 'Download CSV',
    learners_csv_all: 'Download all learners in this area (CSV)',
    choose_area: 'Choose an area', village_table: 'Village × course',
    search: 'Search village or district', choose_first: 'Choose a province or regency first.',
    page_rows: 'Rows {a}–{b} of {m}', page_prev: '‹ Previous', page_next: 'Next ›',
    vsummary: '{r} of {v} villages have learners; {n} rows (village × course).',
    show_only: 'Show only', f_stale: 'not seen for 30 days', f_disk: 'disk over 80 % full',
    f_degraded: 'database restored (degraded)', f_old: 'old version', boxes_count: '{n} boxes',
    enroll_title: 'Enroll a new box',
    enroll_help: 'A code works once and expires. The facilitator puts it in the box config (sync.enroll_code).',
    valid_days: 'Valid (days)', make_code: 'Make code',
    export_title: 'Sending data to other systems',
    lrs_what: 'An LRS (Learning Record Store) is another system that keeps learning records in the xAPI standard format, such as a ministry\'s HR or training system.',
    xapi_help: 'The hub sends one record for every course completed, passed or failed. Every record has a fixed id, so sending again never duplicates data at the LRS.',
    lrs_none: 'No LRS is set up on this hub (xapi.lrs_endpoint), so nothing is sent. You can still download the file and give it to whoever runs the LRS.',
    lrs_set: 'An LRS is set up: the button below sends every record of your area now.',
    lrs_readonly: 'A read-only account can download but not send.',
    xapi_download: 'Download records (xAPI JSON file)', xapi_forward: 'Send to LRS',
    users_title: 'Staff accounts', user_new: 'New account', role: 'Role',
    role_staff: 'Staff (reads, makes box codes)', role_readonly: 'Read-only',
    role_admin: 'Administrator (national, manages accounts)',
    area_code: 'Area (empty = national; province code 33 or regency 33.02)', create: 'Create account',
    disable: 'Disable', enable: 'Enable', reset: 'Reset password',
    new_password_label: 'New password', active: 'active', disabled: 'disabled',
    national: 'National', saved: 'Saved.',
    attribution: 'Region names: Kemendagri via idn-area-data (ODbL).',
    indonesia: 'Indonesia', wrong: 'Wrong name or password.',
    cooldown: 'Too many attempts. Try again in {s} seconds.', failed: 'Failed: ',
    valid_until: 'valid until', sent: 'sent', already: 'already stored', fail: 'failed',
    lost_writes: '{n} changes lost',
    no_data: 'No data yet.', yes: 'yes', no: 'no', days: '{n} days ago', today: 'today', never: 'never',
    bad_dates: 'The start date must come before the end date.',
    zone_note: 'Times in {z} (this area\'s zone); CSV files use UTC.',
    per: { hour: 'per hour', day: 'per day', month: 'per month' },
    chart_bars: 'Completed {per}', chart_line: 'Running total',
    sources: 'Completion times vouched for by: the hub\'s clock {hub}, phones\' clocks {phone}, the box clock uncorrected {none}, not reported {unknown}.',
    src: { hub: 'hub clock', phone: 'phone clock', console: 'facilitator\'s phone', none: 'box clock', unknown: 'unknown' },
    print_filters: 'Area: {u} · Course: {c} · Period: {p}', printed: 'Printed {d}',
    col: {
      code: 'Code', name: 'Name', learners: 'Learners', started: 'Started', completed: 'Completed',
      percent: 'Completed of started (%)', villages_reached: 'Villages with learners',
      villages_percent: 'Villages reached of all villages (%)', course: 'Course id',
      title: 'Course', course_title: 'Course', in_progress: 'In progress', passed: 'Passed',
      avg_best_score: 'Average score', avg_gain: 'Average score gain',
      gain_learners: 'Learners with pre & post-test', position: 'Position', village: 'Village',
      village_name: 'Village', village_code: 'Village code', district: 'District', regency: 'Regency/city',
      province: 'Province', box_name: 'Box', status: 'Status', lessons_done: 'Lessons done',
      best_score: 'Score', attempts: 'Attempts', completed_at: 'Completed at',
      last_activity: 'Last activity', box: 'Box id', enrolled_at: 'Enrolled', last_seen: 'Last seen',
      version: 'Version', uptime_s: 'Uptime (s)', pending: 'Pending rows', disk_free: 'Disk free',
      disk_used_percent: 'Disk used (%)', db_bytes: 'Database', db_state: 'Database',
      db_reason: 'Database note', db_lost_writes: 'Changes lost',
      clock: 'Clock source', acked_rev: 'Acked rev', role: 'Role', area: 'Area', state: 'State',
      actions: 'Actions', time_source: 'Time source', period: 'Period', completions: 'Completed',
      cumulative: 'Running total'
    },
    tip: {
      percent: 'Learner-course pairs completed divided by those started, in the same row.',
      villages_percent: 'Villages with at least one learner divided by all villages of this area in the Kemendagri list.',
      started: 'Learner-course pairs started (one per learner per course).',
      completed: 'Learner-course pairs completed (one per learner per course).',
      disk_used_percent: 'Share of the box\'s disk capacity in use.',
      clock: 'What vouches for the box\'s clock: the hub, learners\' phones, a facilitator\'s phone (console), or unknown.',
      avg_gain: 'Post-test (final quiz) score minus pre-test score, averaged over the learners who have both (see the next column).',
      gain_learners: 'Learner-course pairs with both a pre-test and a post-test score: the gain is averaged over them.'
    },
    status: { completed: 'completed', in_progress: 'in progress', not_started: 'not started' },
    dbstate: { ok: 'ok', degraded: 'restored (degraded)' },
    roles: { admin: 'administrator', staff: 'staff', readonly: 'read-only' }
  }
};

let lang = localStorage.getItem('hub-lang') || 'id';
let csrf = '';
let me = null;
const state = { unit: '', course: '', from: '', to: '', view: 'completion', zone: 'WIB', zoneOff: 25200, crumbs: [], pages: {}, vsort: { col: '', desc: false }, vseq: 0 };

/* Learners and boxes come a page at a time (the API's limit and offset);
 * a table's page starts again when what it shows changes (key). */
const PAGE = 100;
function pageOf (id, key) {
  if (!state.pages[id] || state.pages[id].key !== key) state.pages[id] = { key, offset: 0 };
  return state.pages[id];
}

function pager (id, data, reload) {
  const box = $(id + '-pager');
  const off = data.offset || 0;
  const n = data.rows.length;
  const total = data.total || 0;
  box.replaceChildren();
  if (total <= n && off === 0) return;
  const button = (label, offset) => {
    const b = el('button', t(label));
    b.type = 'button';
    b.addEventListener('click', () => { state.pages[id].offset = offset; reload(); });
    box.append(b, document.createTextNode(' '));
  };
  if (off > 0) button('page_prev', Math.max(0, off - PAGE));
  box.append(el('span', fill(t('page_rows'), { a: n ? off + 1 : 0, b: off + n, m: total })), document.createTextNode(' '));
  if (off + n < total) button('page_next', off + PAGE);
}
const VIEWS = ['completion', 'villages', 'boxes', 'export', 'users'];
const $ = (id) => document.getElementById(id);
const t = (k) => T[lang][k] || k;
const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined ? vars[k] : m));

function applyLang () {
  document.documentElement.lang = lang;
  $('lang').textContent = lang === 'id' ? 'EN' : 'ID';
  $('lang').setAttribute('aria-label', (lang === 'id' ? 'EN' : 'ID') + ' — bahasa / language');
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

/* The query of the current filters (with extra parameters). */
function q (extra, opts) {
  const p = new URLSearchParams();
  const o = opts || {};
  if (state.unit) p.set('unit', state.unit);
  if (state.course && !o.noCourse) p.set('course', state.course);
  if (state.from && !o.noDates) p.set('from', state.from);
  if (state.to && !o.noDates) p.set('to', state.to);
  for (const [k, v] of Object.entries(extra || {})) p.set(k, v);
  const s = p.toString();
  return s ? '?' + s : '';
}

const NUMERIC = new Set(['learners', 'started', 'completed', 'percent', 'in_progress',
  'passed', 'avg_best_score', 'best_score', 'attempts', 'uptime_s', 'pending',
  'disk_free', 'db_bytes', 'acked_rev', 'completions', 'cumulative', 'villages',
  'villages_reached', 'villages_percent', 'disk_used_percent', 'lessons_done',
  'avg_gain', 'gain_learners']);

/* An ISO 8601 UTC time in the area's zone: "2025-11-29 14:56 WIB". */
function fmtTime (iso) {
  const ms = Date.parse(iso);
  if (isNaN(ms)) return iso;
  return new Date(ms + state.zoneOff * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' ' + state.zone;
}

function fmt (col, v) {
  if (v === null || v === undefined) return '';
  if (col === 'percent' || col === 'villages_percent' || col === 'disk_used_percent') return v > 0 && v < 0.05 ? '< 0.1 %' : v.toFixed(1) + ' %';
  if (col === 'status') return T[lang].status[v] || v;
  if (col === 'db_state') return T[lang].dbstate[v] || v;
  if (col === 'clock') return T[lang].src[v === 'phone' || v === 'hub' || v === 'console' ? v : 'unknown'];
  if (col === 'role') return T[lang].roles[v] || v;
  if (col === 'avg_gain') return (v > 0 ? '+' : '') + v.toFixed(1);
  if (typeof v === 'boolean') return v ? t('yes') : t('no');
  if (col === 'disk_free' || col === 'db_bytes') return (v / 1048576).toFixed(1) + ' MB';
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) return fmtTime(v);
  if (typeof v === 'number' && !Number.isInteger(v)) return v.toFixed(1);
  return v;
}

/* The source of one time in a row's time_source text ("completed_at: phone; …"). */
function sourceOf (text, key) {
  const m = (text || '').match(new RegExp('(?:^|; )' + key + ': (\\w+)'));
  return m ? m[1] : 'unknown';
}

/* Tables: remembered data, sortable by any column, optionally filtered. */
const tables = {};

function renderTable (id, data, cols, opts) {
  const o = opts || {};
  const prev = tables[id];
  tables[id] = { data, cols, opts: o, sort: prev && prev.cols.join() === cols.join() ? prev.sort : null };
  drawTable(id);
}

function drawTable (id) {
  const { data, cols, opts, sort } = tables[id];
  const table = $(id);
  const head = table.tHead;
  const body = table.tBodies[0];
  head.replaceChildren();
  body.replaceChildren();
  const idx = cols.map((c) => data.columns.indexOf(c));
  const tr = el('tr');
  cols.forEach((c, i) => {
    const th = el('th', null, NUMERIC.has(c) ? 'n' : '');
    th.scope = 'col';
    const b = el('button', (opts.labels && opts.labels[c]) || T[lang].col[c] || c, 'sort');
    b.type = 'button';
    b.addEventListener('click', () => {
      if (opts.onSort) {
        const s = opts.sorted;
        return opts.onSort(c, s && s.col === c ? !s.desc : NUMERIC.has(c));
      }
      const s = tables[id].sort;
      tables[id].sort = { i, desc: s && s.i === i ? !s.desc : NUMERIC.has(c) };
      drawTable(id);
    });
    th.append(b);
    if (T[lang].tip[c]) th.title = T[lang].tip[c];
    if (opts.sorted && opts.sorted.col === c) th.setAttribute('aria-sort', opts.sorted.desc ? 'descending' : 'ascending');
    if (!opts.onSort && sort && sort.i === i) th.setAttribute('aria-sort', sort.desc ? 'descending' : 'ascending');
    tr.append(th);
  });
  head.append(tr);
  let rows = data.rows;
  if (opts.filter) rows = rows.filter((r) => opts.filter(r, data.columns));
  if (sort && !opts.onSort) {
    const k = idx[sort.i];
    rows = rows.slice().sort((a, b) => {
      const x = a[k]; const y = b[k];
      const r = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x ?? '').localeCompare(String(y ?? ''), 'id');
      return sort.desc ? -r : r;
    });
  }
  if (rows.length === 0) {
    const r = el('tr');
    const td = el('td', t('no_data'));
    td.colSpan = cols.length;
    r.append(td);
    body.append(r);
  }
  const limit = opts.limit || Infinity;
  for (const row of rows.slice(0, limit)) {
    const r = el('tr');
    cols.forEach((c, i) => {
      const v = row[idx[i]];
      const td = el('td', null, NUMERIC.has(c) ? 'n' : '');
      if (opts.cell && opts.cell(td, c, v, row, data.columns)) { r.append(td); return; }
      if (c === 'percent' || c === 'villages_percent') {
        const bar = el('span', null, 'bar');
        bar.style.width = Math.max(1, Math.round(Math.min(v, 100))) / 2 + 'px';
        td.append(bar);
      }
      td.append(document.createTextNode(fmt(c, v)));
      td.dataset.col = c;
      r.append(td);
    });
    if (opts.onRow) opts.onRow(r, row, data.columns);
    body.append(r);
  }
  if (opts.after) opts.after(rows.length, Math.min(rows.length, limit));
}

function crumbs (navId, list, goFn) {
  const nav = $(navId);
  nav.replaceChildren();
  const top = el('a', t('indonesia'));
  top.href = '#';
  top.addEventListener('click', (e) => { e.preventDefault(); goFn(''); });
  nav.append(top);
  for (const c of list) {
    nav.append(el('span', '›', 'sep'));
    const a = el('a', c.name || c.code);
    a.href = '#';
    a.dataset.code = c.code;
    a.addEventListener('click', (e) => { e.preventDefault(); goFn(c.code); });
    nav.append(a);
  }
}

function areaName () {
  const last = state.crumbs[state.crumbs.length - 1];
  return last ? (last.name || last.code) + ' (' + last.code + ')' : t('indonesia');
}

/* The print header: what, where, which course and period, when printed. */
function printHead () {
  const titles = { completion: t('nav_completion'), villages: t('village_table'), boxes: t('boxes'), export: t('nav_export'), users: t('users_title') };
  $('print-title').textContent = titles[state.view] + ' — ' + areaName();
  const course = state.course ? ($('course-filter').selectedOptions[0] || {}).textContent || state.course : t('all_courses');
  const period = state.from || state.to ? (state.from || '…') + ' – ' + (state.to || '…') : t('all_time');
  const search = state.view === 'villages' && $('vsearch').value.trim() ? ` · ${t('search')}: “${$('vsearch').value.trim()}”` : '';
  $('print-filters').textContent = fill(t('print_filters'), { u: areaName(), c: course, p: period }) + search;
  $('print-date').textContent = fill(t('printed'), { d: fmtTime(new Date().toISOString()) });
}

function setZone (data) {
  if (data && data.zone) { state.zone = data.zone; state.zoneOff = data.zone_offset_s; }
  $('zone-note').textContent = fill(t('zone_note'), { z: state.zone });
}

function go (unit) {
  state.unit = unit;
  show(state.view);
}

async function loadCourses () {
  const r = await api('GET', '/api/v1/hub/courses');
  if (r.status !== 200) return;
  const sel = $('course-filter');
  const keep = state.course;
  while (sel.options.length > 1) sel.remove(1);
  const ci = r.data.columns.indexOf('course');
  const ti = r.data.columns.indexOf('title');
  for (const row of r.data.rows) {
    const o = el('option', row[ti]);
    o.value = row[ci];
    sel.append(o);
  }
  sel.value = keep;
}

async function loadCompletion () {
  const village = state.unit.length === 13;
  const [areas, courses, chart] = await Promise.all([
    api('GET', '/api/v1/hub/areas' + q()),
    api('GET', '/api/v1/hub/courses' + q({}, { noCourse: true })),
    api('GET', '/api/v1/hub/completions' + q())
  ]);
  if (areas.status === 401) return showLogin();
  if (areas.status !== 200) return filterError(areas);
  state.crumbs = areas.data.crumbs || [];
  setZone(areas.data);
  crumbs('crumbs', state.crumbs, go);
  const a = areas.data;
  $('total-learners').textContent = a.learners;
  $('total-villages').textContent = a.villages ? `${a.villages_reached} / ${a.villages}` : a.villages_reached;
  $('total-villages-pct').textContent = a.villages ? fmt('percent', a.villages_percent) : '';
  $('card-villages').title = T[lang].tip.villages_percent;
  $('total-started').textContent = a.started;
  $('card-started').title = T[lang].tip.started;
  $('total-completions').textContent = a.completions;
  $('total-completions-pct').textContent = a.started ? fill(lang === 'id' ? '{p} dari yang dimulai' : '{p} of those started', { p: fmt('percent', a.percent) }) : '';
  $('card-completions').title = T[lang].tip.completed;
  $('total-boxes').textContent = a.boxes;
  $('areas-block').hidden = village;
  renderTable('areas', a, ['code', 'name', 'villages_reached', 'villages_percent', 'learners', 'started', 'completed', 'percent', 'avg_gain', 'gain_learners'], {
    cell: (td, c, v, row, cols) => {
      if (c !== 'villages_reached') return false;
      td.textContent = `${v} / ${row[cols.indexOf('villages')]}`;
      return true;
    },
    onRow: (tr, row, cols) => {
      const code = row[cols.indexOf('code')];
      tr.className = 'drill';
      tr.dataset.code = code;
      tr.tabIndex = 0;
      tr.addEventListener('click', () => go(code));
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(code); });
    }
  });
  $('areas-csv').href = '/api/v1/hub/areas' + q({ format: 'csv' });
  if (courses.status === 200) {
    renderTable('courses', courses.data, ['title', 'learners', 'started', 'in_progress', 'completed', 'passed', 'percent', 'avg_best_score', 'avg_gain', 'gain_learners']);
  }
  $('courses-csv').href = '/api/v1/hub/courses' + q({ format: 'csv' }, { noCourse: true });
  if (chart.status === 200) drawChart(chart.data);
  $('chart-csv').href = '/api/v1/hub/completions' + q({ format: 'csv' });
  $('learners-all-csv').href = '/api/v1/hub/learners' + q({ format: 'csv' });
  $('learners-block').hidden = !village;
  if (village) await loadLearners();
  printHead();
}

async function loadLearners () {
  const page = pageOf('learners', q());
  const l = await api('GET', '/api/v1/hub/learners' + q({ limit: PAGE, offset: page.offset }));
  if (l.status === 200) {
    pager('learners', l.data, loadLearners);
    renderTable('learners', l.data, ['name', 'position', 'course_title', 'status', 'lessons_done', 'best_score', 'passed', 'completed_at', 'box_name'], {
      cell: (td, c, v, row, cols) => {
        if (c !== 'completed_at' || !v) return false;
        const src = sourceOf(row[cols.indexOf('time_source')], 'completed_at');
        td.append(document.createTextNode(fmt(c, v) + ' '));
        const s = el('span', '· ' + (T[lang].src[src] || src), 'src src-' + src);
        td.append(s);
        td.title = T[lang].col.time_source + ': ' + T[lang].src[src];
        td.dataset.col = c;
        return true;
      }
    });
  }
  $('learners-csv').href = '/api/v1/hub/learners' + q({ format: 'csv' });
}

const SVG = 'http://www.w3.org/2000/svg';
function svg (tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/* A round step for an axis of max: 1, 2 or 5 times a power of ten. */
function niceStep (max, n) {
  const raw = Math.max(1, max / n);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

const MONTHS = {
  id: ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'],
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
};

/* A period label as the axis shows it: "14:00", "29 Nov", "Nov 2025". */
function axisLabel (p, bucket) {
  const m = p.match(/^(\d{4})-(\d\d)(?:-(\d\d))?(?: (\d\d:\d\d))?$/);
  if (!m) return p;
  const mon = MONTHS[lang][parseInt(m[2], 10) - 1];
  if (bucket === 'hour') return m[4];
  if (bucket === 'month') return mon + ' ' + m[1];
  return parseInt(m[3], 10) + ' ' + mon;
}

/* Completions per period as bars (left axis), the running total as a line
   (right axis); labelled axes, at most about eight labels on each. */
function drawChart (data) {
  const box = $('chart');
  box.replaceChildren();
  const rows = data.rows;
  const srcs = data.time_sources;
  $('chart-sources').textContent = srcs ? fill(t('sources'), srcs) : '';
  if (rows.length === 0) { box.append(el('p', t('no_data'), 'note')); return; }
  const per = T[lang].per[data.bucket] || '';
  const W = 820; const H = 300; const L = 56; const R = 64; const B = 52; const TOP = 28;
  const title = `${t('chart')} (${per}, ${data.zone})`;
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  s.append(svg('title', {}, title));
  const maxBar = Math.max(1, ...rows.map((r) => r[2]));
  const maxCum = Math.max(1, rows[rows.length - 1][3]);
  const sb = niceStep(maxBar, 4); const topBar = Math.ceil(maxBar / sb) * sb;
  const sc = niceStep(maxCum, 4); const topCum = Math.ceil(maxCum / sc) * sc;
  const n = rows.length;
  const pw = W - L - R; const ph = H - B - TOP;
  const bw = pw / n;
  const y1 = (v) => H - B - (v / topBar) * ph;
  const y2 = (v) => H - B - (v / topCum) * ph;
  for (let v = 0; v <= topBar; v += sb) {
    s.append(svg('line', { x1: L, y1: y1(v), x2: W - R, y2: y1(v), class: 'grid' }));
    s.append(svg('text', { x: L - 6, y: y1(v) + 4, 'text-anchor': 'end', class: 'tick' }, String(v)));
  }
  for (let v = 0; v <= topCum; v += sc) {
    s.append(svg('text', { x: W - R + 6, y: y2(v) + 4, class: 'tick cum' }, String(v)));
  }
  s.append(svg('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' }));
  s.append(svg('line', { x1: L, y1: TOP, x2: L, y2: H - B, class: 'axis' }));
  s.append(svg('line', { x1: W - R, y1: TOP, x2: W - R, y2: H - B, class: 'axis' }));
  rows.forEach((r, i) => {
    const x = L + i * bw;
    const bar = svg('rect', { x: x + bw * 0.12, y: y1(r[2]), width: Math.max(1, bw * 0.76), height: H - B - y1(r[2]), class: 'barfill' });
    bar.append(svg('title', {}, `${r[0]} ${data.zone}: ${r[2]} (${t('chart_line').toLowerCase()} ${r[3]})`));
    s.append(bar);
  });
  const every = Math.max(1, Math.ceil(n / 8));
  rows.forEach((r, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    if (i === n - 1 && i % every !== 0 && (n - 1) % every < every / 2) return;
    const x = L + (i + 0.5) * bw;
    s.append(svg('line', { x1: x, y1: H - B, x2: x, y2: H - B + 4, class: 'axis' }));
    s.append(svg('text', { x, y: H - B + 17, 'text-anchor': 'middle', class: 'tick' }, axisLabel(r[0], data.bucket)));
  });
  if (data.bucket === 'hour') {
    s.append(svg('text', { x: L, y: H - B + 32, class: 'tick' }, rows[0][0].slice(0, 10)));
  }
  const pts = rows.map((r, i) => `${L + (i + 0.5) * bw},${y2(r[3])}`).join(' ');
  s.append(svg('polyline', { points: pts, class: 'cumline' }));
  s.append(svg('text', { x: L, y: 16, class: 'axis-title' }, fill(t('chart_bars'), { per })));
  s.append(svg('text', { x: W - R, y: 16, 'text-anchor': 'end', class: 'axis-title cum' }, t('chart_line')));
  s.append(svg('text', { x: L + pw / 2, y: H - 6, 'text-anchor': 'middle', class: 'axis-title' },
    `${T[lang].col.period} (${data.zone})`));
  box.append(s);
}

/* ---- village x course -------------------------------------------------- */

async function loadVillages () {
  const pick = $('vpick');
  const sel = $('vpick-select');
  $('vtable-block').hidden = true;
  if (state.unit.length < 2) {
    const r = await api('GET', '/api/v1/hub/areas' + q({}, { noDates: true, noCourse: true }));
    if (r.status === 401) return showLogin();
    if (r.status !== 200) return;
    state.crumbs = r.data.crumbs || [];
    crumbs('vcrumbs', state.crumbs, go);
    sel.replaceChildren(el('option', t('choose_first')));
    sel.options[0].value = '';
    const ci = r.data.columns.indexOf('code');
    const ni = r.data.columns.indexOf('name');
    for (const row of r.data.rows) {
      const o = el('option', `${row[ni] || row[ci]} (${row[ci]})`);
      o.value = row[ci];
      sel.append(o);
    }
    pick.hidden = false;
    printHead();
    return;
  }
  pick.hidden = true;
  /* the hub sorts, searches and pages the table: a province has tens of
     thousands of rows; the CSV has every one */
  const search = $('vsearch').value.trim();
  const extra = { lang };
  if (search) extra.q = search;
  if (state.vsort.col) Object.assign(extra, { sort: state.vsort.col, order: state.vsort.desc ? 'desc' : 'asc' });
  const page = pageOf('villages', q(extra));
  const seq = ++state.vseq;
  const r = await api('GET', '/api/v1/hub/villages' + q(Object.assign({ limit: PAGE, offset: page.offset }, extra)));
  if (seq !== state.vseq) return; /* a newer search or page is on its way */
  if (r.status === 401) return showLogin();
  if (r.status !== 200) return filterError(r);
  state.crumbs = r.data.crumbs || [];
  setZone(r.data);
  crumbs('vcrumbs', state.crumbs, go);
  $('vtable-block').hidden = false;
  $('vsummary').textContent = fill(t('vsummary'), { r: r.data.villages_reached, v: r.data.villages, n: r.data.total });
  pager('villages', r.data, loadVillages);
  renderTable('villages', r.data, ['district', 'village', 'village_code', 'course_title', 'learners', 'started', 'completed', 'percent', 'status'], {
    sorted: { col: r.data.sort, desc: r.data.order === 'desc' },
    onSort: (col, desc) => { state.vsort = { col, desc }; loadVillages(); }
  });
  const all = { lang };
  if (state.vsort.col) Object.assign(all, { sort: extra.sort, order: extra.order });
  $('villages-csv').href = '/api/v1/hub/villages' + q(Object.assign({ format: 'csv' }, all));
  printHead();
}

/* ---- the fleet ------------------------------------------------------------ */

function fleetFilter () {
  return [...document.querySelectorAll('#fleet-filters input:checked')].map((i) => i.value).join(',');
}

async function loadBoxes () {
  const f = fleetFilter();
  const extra = f ? { filter: f } : {};
  const page = pageOf('boxes', q(extra, { noCourse: true }));
  const r = await api('GET', '/api/v1/hub/boxes' + q(Object.assign({ limit: PAGE, offset: page.offset }, extra), { noCourse: true }));
  if (r.status === 401) return showLogin();
  if (r.status !== 200) return filterError(r);
  setZone(r.data);
  state.crumbs = r.data.crumbs || [];
  crumbs('bcrumbs', state.crumbs, go);
  $('boxes-count').textContent = fill(t('boxes_count'), { n: r.data.total }) + ' · ' + areaName();
  pager('boxes', r.data, loadBoxes);
  renderTable('boxes', r.data, ['name', 'last_seen', 'version', 'pending', 'disk_used_percent', 'db_state', 'clock', 'learners', 'enrolled_at'], {
    cell: (td, c, v, row, cols) => {
      if (c === 'last_seen') {
        const d = row[cols.indexOf('days_unseen')];
        td.textContent = v ? `${fmt(c, v)} (${d === 0 ? t('today') : fill(t('days'), { n: d })})` : t('never');
        if (v === null || d >= 30) td.classList.add('warn');
        td.title = T[lang].col.time_source + ': ' + T[lang].src.hub;
        return true;
      }
      if (c === 'version') {
        td.textContent = v || '';
        if (row[cols.indexOf('old_version')]) { td.classList.add('warn'); td.append(el('span', ' (' + t('f_old') + ')', 'src')); }
        return true;
      }
      if (c === 'disk_used_percent' && v > 80) td.classList.add('warn');
      if (c === 'db_state') {
        /* the box's own words for a restored database, and what it lost */
        const why = row[cols.indexOf('db_reason')];
        const lost = row[cols.indexOf('db_lost_writes')];
        td.textContent = fmt(c, v);
        if (v === 'degraded') td.classList.add('warn');
        if (why && why !== 'ok') td.append(el('span', ' — ' + why, 'src'));
        if (lost > 0) td.append(el('span', ' · ' + fill(t('lost_writes'), { n: lost }), 'src'));
        return true;
      }
      if (c === 'clock') td.title = T[lang].tip.clock;
      return false;
    }
  });
  $('boxes-csv').href = '/api/v1/hub/boxes' + q(Object.assign({ format: 'csv' }, extra), { noCourse: true });
  $('enroll-block').hidden = !me || me.role === 'readonly';
  printHead();
}

/* ---- export ---------------------------------------------------------------- */

function loadExport () {
  const ro = me && me.role === 'readonly';
  $('lrs-state').textContent = !me.lrs ? t('lrs_none') : ro ? t('lrs_readonly') : t('lrs_set');
  $('xapi-forward').hidden = !me.lrs || ro;
  $('xapi-download').href = '/api/v1/hub/xapi' + (state.unit ? '?unit=' + state.unit : '');
  printHead();
}

/* ---- users (administrators) ---------------------------------------------------- */

async function loadUsers () {
  const r = await api('GET', '/api/v1/hub/users');
  if (r.status === 401) return showLogin();
  if (r.status !== 200) return;
  const data = {
    columns: ['name', 'role', 'area', 'state', 'actions'],
    rows: r.data.users.map((u) => [u.name, u.role, u.area ? `${u.area_name || ''} (${u.area})` : t('national'), u.disabled ? t('disabled') : t('active'), u])
  };
  const sel = $('r-name');
  const keep = sel.value;
  sel.replaceChildren(...r.data.users.map((u) => { const o = el('option', u.name); o.value = u.name; return o; }));
  if (keep) sel.value = keep;
  renderTable('users', data, ['name', 'role', 'area', 'state', 'actions'], {
    cell: (td, c, v) => {
      if (c !== 'actions') return false;
      if (v.name === me.user) return true;
      const b = el('button', v.disabled ? t('enable') : t('disable'));
      b.type = 'button';
      b.dataset.user = v.name;
      b.dataset.action = v.disabled ? 'enable' : 'disable';
      b.addEventListener('click', () => userAction({ action: b.dataset.action, name: v.name }));
      const p = el('button', t('reset'));
      p.type = 'button';
      p.dataset.user = v.name;
      p.dataset.action = 'reset';
      p.addEventListener('click', () => { $('r-name').value = v.name; $('r-password').focus(); });
      td.append(b, document.createTextNode(' '), p);
      return true;
    }
  });
  printHead();
}

async function userAction (body) {
  const r = await api('POST', '/api/v1/hub/users', body);
  $('user-result').textContent = r.status === 200 ? t('saved') : t('failed') + (r.data && r.data.message);
  $('user-result').className = r.status === 200 ? '' : 'error';
  loadUsers();
  return r.status;
}

/* ---- views ------------------------------------------------------------------ */

function filterError (r) {
  $('filter-error').textContent = t('failed') + ((r.data && r.data.message) || r.status);
}

function show (view) {
  state.view = view;
  $('filter-error').textContent = '';
  for (const v of VIEWS) $(v + '-view').hidden = v !== view;
  for (const b of document.querySelectorAll('#nav button')) {
    b.classList.toggle('active', b.dataset.view === view);
    if (b.dataset.view === view) b.setAttribute('aria-current', 'page'); else b.removeAttribute('aria-current');
  }
  $('filters').hidden = view === 'export' || view === 'users';
  $('course-label').hidden = view === 'boxes';
  if (view === 'completion') { loadCourses(); loadCompletion(); }
  if (view === 'villages') loadVillages();
  if (view === 'boxes') loadBoxes();
  if (view === 'export') loadExport();
  if (view === 'users') loadUsers();
}

function showLogin () {
  for (const v of VIEWS) $(v + '-view').hidden = true;
  $('nav').hidden = true;
  $('filters').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  $('login-view').hidden = false;
  document.body.classList.add('login');
}

function loggedIn (m) {
  me = m;
  csrf = m.csrf;
  const role = T[lang].roles[m.role] || m.role;
  $('who').textContent = `${m.user} · ${role}${m.area ? ' · ' + (m.area_name || m.area) : ''}`;
  $('login-view').hidden = true;
  document.body.classList.remove('login');
  $('nav').hidden = false;
  $('logout').hidden = false;
  document.querySelector('#nav button[data-view=users]').hidden = m.role !== 'admin';
  if (state.view === 'users' && m.role !== 'admin') state.view = 'completion';
  state.zone = m.zone || 'WIB';
  state.zoneOff = m.zone_offset_s || 25200;
  show(state.view);
}

async function init () {
  applyLang();
  $('lang').addEventListener('click', () => {
    lang = lang === 'id' ? 'en' : 'id';
    localStorage.setItem('hub-lang', lang);
    applyLang();
    if (!$('nav').hidden) loggedIn(me);
  });
  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('login-error').textContent = '';
    const r = await api('POST', '/api/v1/hub/login', { name: $('login-name').value, password: $('login-password').value });
    if (r.status === 200) {
      $('login-password').value = '';
      const m = await api('GET', '/api/v1/hub/me');
      return loggedIn(m.data);
    }
    $('login-error').textContent = r.status === 429 ? t('cooldown').replace('{s}', r.data.retry_after) : t('wrong');
  });
  $('logout').addEventListener('click', async () => {
    await api('POST', '/api/v1/hub/logout');
    csrf = '';
    me = null;
    Object.assign(state, { unit: '', course: '', from: '', to: '', view: 'completion', crumbs: [] });
    $('from').value = '';
    $('to').value = '';
    showLogin();
  });
  for (const b of document.querySelectorAll('#nav button')) b.addEventListener('click', () => show(b.dataset.view));
  $('course-filter').addEventListener('change', (e) => { state.course = e.target.value; show(state.view); });
  const dates = () => {
    const f = $('from').value; const to = $('to').value;
    if (f && to && f > to) { $('filter-error').textContent = t('bad_dates'); return; }
    state.from = f; state.to = to;
    show(state.view);
  };
  $('from').addEventListener('change', dates);
  $('to').addEventListener('change', dates);
  $('all-time').addEventListener('click', () => { $('from').value = ''; $('to').value = ''; dates(); });
  $('print').addEventListener('click', () => { printHead(); window.print(); });
  window.addEventListener('beforeprint', printHead);
  $('vpick-select').addEventListener('change', (e) => { if (e.target.value) go(e.target.value); });
  let vtimer = null;
  $('vsearch').addEventListener('input', () => {
    clearTimeout(vtimer);
    vtimer = setTimeout(loadVillages, 250);
  });
  for (const c of document.querySelectorAll('#fleet-filters input')) c.addEventListener('change', loadBoxes);
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
  $('reset-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const st = await userAction({ action: 'reset', name: $('r-name').value, password: $('r-password').value });
    if (st === 200) $('r-password').value = '';
  });
  $('user-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const st = await userAction({ action: 'create', name: $('u-name').value, password: $('u-password').value, role: $('u-role').value, area: $('u-area').value.trim() });
    if (st === 200) { $('u-name').value = ''; $('u-password').value = ''; $('u-area').value = ''; }
  });
  const m = await api('GET', '/api/v1/hub/me');
  if (m.status === 200) loggedIn(m.data); else showLogin();
}

document.addEventListener('DOMContentLoaded', init);
