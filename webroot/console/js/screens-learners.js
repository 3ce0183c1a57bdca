/* The console's class screens: Today (figures and inline SVG charts),
 * Learners (search, filters, sort, pages) and a learner's page with the
 * help a facilitator gives: correct name, village or jabatan, reset the
 * PIN, merge two accounts of one person. */
import { t, h, show, field, banner, api, failText, screen, menu, go, when, num, addTexts, lang, announce, confirmBox } from './core.js';

addTexts({
  today_h: 'Hari ini',
  phones: 'Ponsel tersambung',
  phones_of: '{n} dari {cap}',
  active_hour: 'Aktif 1 jam terakhir',
  lessons_today: 'Pelajaran selesai hari ini',
  pass_rate: 'Lulus kuis hari ini',
  pass_of: '{p}% ({n} dari {m})',
  learners_total: 'Peserta terdaftar',
  per_course: 'Per kursus',
  per_village: 'Per desa',
  started: 'Mulai',
  completed: 'Selesai',
  learners_l: 'Peserta',
  active_l: 'Aktif 1 jam',
  chart_course: 'Grafik peserta per kursus: mulai dan selesai',
  chart_village: 'Grafik peserta per desa: terdaftar dan aktif dalam 1 jam terakhir',
  show_table: 'Lihat sebagai tabel',
  refresh: 'Perbarui',
  updated: 'Diperbarui {t}',
  none_yet: 'Belum ada data.',
  // learners
  search: 'Cari nama',
  village: 'Desa',
  position: 'Jabatan',
  course: 'Kursus',
  status: 'Status',
  any: 'Semua',
  st_not_started: 'Belum mulai',
  st_in_progress: 'Sedang belajar',
  st_completed: 'Selesai',
  name_col: 'Nama',
  progress_col: 'Kemajuan',
  activity_col: 'Terakhir aktif',
  sort_by: 'Urutkan menurut {c}',
  found: '{n} peserta',
  page_of: 'Halaman {p} dari {n}',
  prev: '‹ Sebelumnya',
  next: 'Berikutnya ›',
  courses_done: '{d}/{s} kursus selesai',
  lessons_of: '{d}/{n} pelajaran',
  filter_go: 'Terapkan',
  // a learner
  learner_h: 'Peserta',
  registered: 'Terdaftar',
  time_spent: 'Waktu belajar',
  minutes: '{n} menit',
  courses_h: 'Kursus',
  attempts_h: 'Percobaan kuis',
  score: 'Nilai',
  passed: 'Lulus',
  failed: 'Belum lulus',
  unfinished: 'Belum selesai',
  no_attempts: 'Belum ada percobaan kuis.',
  no_courses: 'Belum mulai kursus apa pun.',
  edit_h: 'Perbaiki data',
  edit_p: 'Perbaiki nama, desa atau jabatan yang salah ketik.',
  edited: 'Data peserta diperbaiki.',
  name_taken: 'Sudah ada peserta dengan nama, desa dan jabatan ini.',
  bad_name: 'Nama 2–60 huruf, angka, spasi atau . , \' -',
  pin_h: 'Atur ulang PIN',
  pin_p: 'Peserta lupa PIN? Buat kode sekali pakai, bacakan kepadanya. Ia masuk dengan kode itu lalu membuat PIN baru. Sesi peserta di ponsel lain berakhir.',
  pin_go: 'Buat kode sekali pakai',
  pin_confirm: 'Yakin? PIN lama {name} tidak berlaku lagi.',
  pin_code: 'Kode untuk {name}:',
  pin_code_p: 'Bacakan kode ini. Kode hanya ditampilkan sekali.',
  merge_h: 'Gabungkan akun',
  merge_p: 'Satu orang punya dua akun? Pilih akun yang dipertahankan. Semua kemajuan akun ini pindah ke sana, dan akun ini tidak dapat dipakai lagi.',
  merge_search: 'Cari akun tujuan',
  merge_pick: 'Gabungkan ke {name}',
  merge_confirm: 'Gabungkan {a} ke {b}? Ini tidak dapat dibatalkan.',
  merged: 'Akun digabungkan ke {name}.',
  merged_into: 'Akun ini sudah digabungkan ke akun lain.',
  open_target: 'Buka akun tujuan'
}, {
  today_h: 'Today',
  phones: 'Phones connected',
  phones_of: '{n} of {cap}',
  active_hour: 'Active in the last hour',
  lessons_today: 'Lessons completed today',
  pass_rate: 'Quiz passes today',
  pass_of: '{p}% ({n} of {m})',
  learners_total: 'Learners registered',
  per_course: 'Per course',
  per_village: 'Per village',
  started: 'Started',
  completed: 'Completed',
  learners_l: 'Learners',
  active_l: 'Active 1 h',
  chart_course: 'Chart of learners per course: started and completed',
  chart_village: 'Chart of learners per village: registered and active in the last hour',
  show_table: 'Show as a table',
  refresh: 'Refresh',
  updated: 'Updated {t}',
  none_yet: 'No data yet.',
  search: 'Search a name',
  village: 'Village',
  position: 'Position',
  course: 'Course',
  status: 'Status',
  any: 'All',
  st_not_started: 'Not started',
  st_in_progress: 'Learning',
  st_completed: 'Completed',
  name_col: 'Name',
  progress_col: 'Progress',
  activity_col: 'Last active',
  sort_by: 'Sort by {c}',
  found: '{n} learners',
  page_of: 'Page {p} of {n}',
  prev: '‹ Previous',
  next: 'Next ›',
  courses_done: '{d}/{s} courses completed',
  lessons_of: '{d}/{n} lessons',
  filter_go: 'Apply',
  learner_h: 'Learner',
  registered: 'Registered',
  time_spent: 'Time learning',
  minutes: '{n} min',
  courses_h: 'Courses',
  attempts_h: 'Quiz attempts',
  score: 'Score',
  passed: 'Passed',
  failed: 'Not passed',
  unfinished: 'Unfinished',
  no_attempts: 'No quiz attempts yet.',
  no_courses: 'No course started yet.',
  edit_h: 'Correct details',
  edit_p: 'Correct a misspelt name, village or position.',
  edited: 'The learner\'s details are corrected.',
  name_taken: 'A learner with this name, village and position exists.',
  bad_name: 'Name: 2–60 letters, digits, spaces or . , \' -',
  pin_h: 'Reset the PIN',
  pin_p: 'Learner forgot the PIN? Make a one-time code and read it out. They log in with it and make a new PIN. Their sessions on other phones end.',
  pin_go: 'Make a one-time code',
  pin_confirm: 'Sure? {name}\'s old PIN stops working.',
  pin_code: 'Code for {name}:',
  pin_code_p: 'Read this code out. It is shown only once.',
  merge_h: 'Merge accounts',
  merge_p: 'One person with two accounts? Choose the account to keep. All progress of this account moves there, and this account can no longer be used.',
  merge_search: 'Find the account to keep',
  merge_pick: 'Merge into {name}',
  merge_confirm: 'Merge {a} into {b}? This cannot be undone.',
  merged: 'Account merged into {name}.',
  merged_into: 'This account was merged into another.',
  open_target: 'Open the kept account'
});

/* ---------- the box's lists (public learner API) ---------- */

var lists = null;
function loadLists() {
  if (lists) return Promise.resolve(lists);
  var o = { credentials: 'same-origin', headers: { Accept: 'application/json' } };
  return Promise.all([fetch('/api/v1/villages', o).then(function (r) { return r.json(); }),
    fetch('/api/v1/positions', o).then(function (r) { return r.json(); })]).then(function (x) {
    lists = { villages: x[0].villages, positions: x[1].positions };
    return lists;
  }, function () { return { villages: [], positions: [] }; });
}
function posLabel(p) { return lang === 'en' ? p.en_label : p.id_label; }

/* ---------- inline SVG charts ---------- */

var SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, text) {
  var el = document.createElementNS(SVG, tag);
  for (var k in attrs) el.setAttribute(k, attrs[k]);
  if (text != null) el.textContent = String(text);
  return el;
}

/* Horizontal paired bars: rows [{label, a, b}], series names and colours;
 * 360 px wide at most for a phone, scaled by the viewBox. */
function barChart(title, rows, names) {
  var W = 360, rowH = 54, top = 30, left = 8, barW = W - 16;
  var H = top + rows.length * rowH + 6;
  var max = 1;
  rows.forEach(function (r) { max = Math.max(max, r.a, r.b); });
  var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', role: 'img', 'aria-label': title, width: W, height: H });
  svg.appendChild(s('title', {}, title));
  var colors = ['#1f3a5f', '#2f8f5b'];
  names.forEach(function (n, i) {
    svg.appendChild(s('rect', { x: left + i * 150, y: 6, width: 13, height: 13, fill: colors[i] }));
    svg.appendChild(s('text', { x: left + i * 150 + 18, y: 18 }, n));
  });
  rows.forEach(function (r, i) {
    var y = top + i * rowH;
    svg.appendChild(s('text', { x: left, y: y + 14 }, r.label.length > 40 ? r.label.slice(0, 39) + '…' : r.label));
    [r.a, r.b].forEach(function (v, j) {
      var w = Math.max(1, Math.round((barW - 40) * v / max));
      svg.appendChild(s('rect', { x: left, y: y + 20 + j * 15, width: w, height: 12, fill: colors[j] }));
      svg.appendChild(s('text', { x: left + w + 4, y: y + 31 + j * 15 }, num(v)));
    });
  });
  return svg;
}

function dataTable(caption, heads, rows) {
  return h('details', null, h('summary', null, t('show_table')),
    h('div', { class: 'tablewrap', tabindex: 0, role: 'region', 'aria-label': caption }, h('table', null,
      h('caption', { class: 'sr' }, caption),
      h('thead', null, h('tr', null, heads.map(function (x, i) { return h('th', { scope: 'col', class: i ? 'num' : null }, x); }))),
      h('tbody', null, rows.map(function (r) {
        return h('tr', null, r.map(function (c, i) { return h(i ? 'td' : 'th', { scope: i ? null : 'row', class: i ? 'num' : null }, c); }));
      })))));
}

/* ---------- today ---------- */

function midnight() { var d = new Date(); d.setHours(0, 0, 0, 0); return d.getTime(); }

function stat(label, value, id) {
  return h('div', { class: 'stat', id: id }, h('span', { class: 'n' }, value), h('span', { class: 'l' }, label));
}

screen('today', function () {
  return api('GET', 'today?since=' + midnight()).then(function (res) {
    if (res.status !== 200) { show(t('today_h'), [h('h1', null, t('today_h')), h('div', { class: 'banner', role: 'alert' }, failText(res))]); return; }
    var d = res.body;
    var phones = d.phones == null ? t('unknown') : t('phones_of', { n: num(d.phones), cap: num(d.capacity) });
    var rate = d.quizzes_today ? t('pass_of', { p: Math.round(100 * d.passed_today / d.quizzes_today), n: num(d.passed_today), m: num(d.quizzes_today) }) : '—';
    var courses = d.courses.map(function (c) { return { label: c.title, a: c.started, b: c.completed, c: c }; });
    var villages = d.villages.slice(0, 12).map(function (v) { return { label: v.name, a: v.learners, b: v.active, v: v }; });
    show(t('today_h'), [
      h('h1', null, t('today_h')),
      h('div', { class: 'grid' },
        stat(t('phones'), phones, 'st-phones'), stat(t('active_hour'), num(d.active_hour), 'st-active'),
        stat(t('lessons_today'), num(d.lessons_today), 'st-lessons'), stat(t('pass_rate'), rate, 'st-pass'),
        stat(t('learners_total'), num(d.learners), 'st-learners')),
      h('div', { class: 'card' }, h('h2', null, t('per_course')),
        courses.length ? [barChart(t('chart_course'), courses, [t('started'), t('completed')]),
          dataTable(t('per_course'), [t('course'), t('started'), t('completed'), t('lessons_today'), t('pass_rate')],
            d.courses.map(function (c) { return [c.title, num(c.started), num(c.completed), num(c.lessons_today), c.quizzes_today ? Math.round(100 * c.passed_today / c.quizzes_today) + '%' : '—']; }))]
          : h('p', null, t('none_yet'))),
      h('div', { class: 'card' }, h('h2', null, t('per_village')),
        villages.length ? [barChart(t('chart_village'), villages, [t('learners_l'), t('active_l')]),
          dataTable(t('per_village'), [t('village'), t('learners_l'), t('active_l'), t('completed')],
            d.villages.map(function (v) { return [v.name, num(v.learners), num(v.active), num(v.completed)]; }))]
          : h('p', null, t('none_yet'))),
      h('p', { class: 'muted' }, t('updated', { t: when(d.now) }), ' ',
        h('button', { type: 'button', class: 'btn alt', id: 'refresh', onclick: function () { go('#/today'); } }, t('refresh')))
    ]);
  });
});

/* ---------- learners ---------- */

screen('learners', function (parts, query) {
  var q = {};
  ['q', 'village', 'position', 'course', 'status', 'sort', 'dir', 'page'].forEach(function (k) { if (query.get(k)) q[k] = query.get(k); });
  function hashFor(nq) {
    var p = new URLSearchParams();
    Object.keys(nq).forEach(function (k) { if (nq[k]) p.set(k, nq[k]); });
    var x = p.toString();
    return '#/learners' + (x ? '?' + x : '');
  }
  var qs = new URLSearchParams();
  Object.keys(q).forEach(function (k) { qs.set(k, q[k]); });
  qs.set('per', '25');
  return Promise.all([loadLists(), api('GET', 'learners?' + qs.toString())]).then(function (x) {
    var L = x[0], res = x[1];
    if (res.status !== 200) {
      show(t('nav_learners'), [h('h1', null, t('nav_learners')), h('div', { class: 'banner', role: 'alert' }, failText(res))]);
      return;
    }
    var d = res.body;
    var search = field(t('search'), { name: 'q', type: 'search', value: q.q || '', autocomplete: 'off' });
    var vil = field(t('village'), { name: 'village', value: q.village || '', options: [['', t('any')]].concat(L.villages.map(function (v) { return [v.code, v.name + ' (' + v.district + ')']; })) });
    var pos = field(t('position'), { name: 'position', value: q.position || '', options: [['', t('any')]].concat(L.positions.map(function (p) { return [p.id, posLabel(p)]; })) });
    var crs = field(t('course'), { name: 'course', value: q.course || '', options: [['', t('any')]].concat(d.courses.map(function (c) { return [c.id, c.title]; })) });
    var sts = field(t('status'), { name: 'status', value: q.status || '', options: [['', t('any')], ['not_started', t('st_not_started')], ['in_progress', t('st_in_progress')], ['completed', t('st_completed')]] });
    var form = h('form', { class: 'card', role: 'search' }, h('div', { class: 'row' }, search.el, vil.el, pos.el, crs.el, sts.el),
      h('button', { type: 'submit', class: 'btn' }, t('filter_go')));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      go(hashFor({ q: search.input.value.trim(), village: vil.input.value, position: pos.input.value, course: crs.input.value,
        status: sts.input.value, sort: q.sort, dir: q.dir }));
    });
    function sortHead(key, label, cls) {
      var cur = (q.sort || 'name') === key;
      var dir = cur && q.dir !== 'desc' ? 'desc' : 'asc';
      return h('th', { scope: 'col', class: cls, 'aria-sort': cur ? (q.dir === 'desc' ? 'descending' : 'ascending') : null },
        h('button', { type: 'button', 'aria-label': t('sort_by', { c: t(label) }), onclick: function () {
          go(hashFor(Object.assign({}, q, { sort: key, dir: dir, page: '' })));
        } }, t(label), cur ? (q.dir === 'desc' ? ' ▼' : ' ▲') : ''));
    }
    var pages = Math.max(1, Math.ceil(d.total / d.per));
    var pageNo = d.page;
    var rows = d.learners.map(function (l) {
      var prog = q.course ? t('st_' + l.status) + (l.lessons_total ? ' · ' + t('lessons_of', { d: l.lessons_done, n: l.lessons_total }) : '')
        : t('courses_done', { d: l.courses_completed, s: l.courses_started });
      return h('tr', null,
        h('th', { scope: 'row' }, h('a', { href: '#/learner/' + l.id }, l.name)),
        h('td', { class: 'hide-s' }, l.village_name), h('td', { class: 'hide-s' }, l.position_label),
        h('td', null, prog), h('td', { class: 'hide-s' }, when(l.last_activity)));
    });
    show(t('nav_learners'), [
      h('h1', null, t('nav_learners')), form,
      h('p', { 'aria-live': 'polite' }, t('found', { n: num(d.total) })),
      h('div', { class: 'tablewrap', tabindex: 0, role: 'region', 'aria-label': t('nav_learners') }, h('table', null,
        h('thead', null, h('tr', null, sortHead('name', 'name_col'), sortHead('village', 'village', 'hide-s'),
          sortHead('position', 'position', 'hide-s'), sortHead('progress', 'progress_col'), sortHead('activity', 'activity_col', 'hide-s'))),
        h('tbody', null, rows))),
      h('nav', { class: 'pager', 'aria-label': t('page_of', { p: pageNo, n: pages }) },
        h('a', { class: 'btn alt', href: hashFor(Object.assign({}, q, { page: String(pageNo - 1) })), hidden: pageNo <= 1 }, t('prev')),
        h('span', null, t('page_of', { p: pageNo, n: pages })),
        h('a', { class: 'btn alt', href: hashFor(Object.assign({}, q, { page: String(pageNo + 1) })), hidden: pageNo >= pages }, t('next')))
    ]);
  });
});

/* ---------- a learner ---------- */

var flash = null; /* told once on the next drawing of a learner's page */

screen('learner', function (parts) {
  var id = parts[0] || '';
  return Promise.all([loadLists(), api('GET', 'learners/' + encodeURIComponent(id))]).then(function (x) {
    var L = x[0], res = x[1];
    if (res.status !== 200) {
      show(t('learner_h'), [h('h1', null, t('learner_h')), h('div', { class: 'banner', role: 'alert' }, res.status === 404 ? t('none_yet') : failText(res))]);
      return;
    }
    var l = res.body;
    var info = h('dl', { class: 'facts' },
      h('dt', null, t('village')), h('dd', null, l.village_name + (l.district ? ' (' + l.district + ')' : '')),
      h('dt', null, t('position')), h('dd', null, l.position_label),
      h('dt', null, t('registered')), h('dd', null, when(l.registered_at)),
      h('dt', null, t('time_spent')), h('dd', null, t('minutes', { n: num(Math.round(l.seconds_spent / 60)) })));
    var courses = l.courses.length ? h('div', { class: 'tablewrap', tabindex: 0, role: 'region', 'aria-label': t('courses_h') }, h('table', null,
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('course')), h('th', { scope: 'col' }, t('status')),
        h('th', { scope: 'col' }, t('progress_col')), h('th', { scope: 'col', class: 'num' }, t('score')),
        h('th', { scope: 'col', class: 'num hide-s' }, t('time_spent')))),
      h('tbody', null, l.courses.map(function (c) {
        return h('tr', null, h('th', { scope: 'row' }, c.title), h('td', null, t('st_' + c.status)),
          h('td', null, t('lessons_of', { d: c.lessons_done, n: c.lessons_total })),
          h('td', { class: 'num' }, c.best_score >= 0 ? c.best_score : '—'),
          h('td', { class: 'num hide-s' }, t('minutes', { n: num(Math.round(c.seconds_spent / 60)) })));
      })))) : h('p', null, t('no_courses'));
    var attempts = l.attempts.length ? h('ul', null, l.attempts.map(function (a) {
      return h('li', null, a.title + ' · ' + when(a.started_at) + ' · ',
        a.finished ? (t('score') + ' ' + a.score + ' · ' + (a.passed ? t('passed') : t('failed'))) : t('unfinished'));
    })) : h('p', null, t('no_attempts'));
    var told = flash ? h('div', { class: 'banner ok', role: 'status' }, flash) : null;
    flash = null;
    var kids = [h('p', null, h('a', { href: '#/learners' }, '← ' + t('nav_learners'))), h('h1', null, l.name), told,
      h('div', { class: 'card' }, info), h('div', { class: 'card' }, h('h2', null, t('courses_h')), courses),
      h('div', { class: 'card' }, h('h2', null, t('attempts_h')), attempts)];
    if (l.merged_into) {
      kids.splice(2, 0, h('div', { class: 'banner' }, h('p', null, t('merged_into')),
        h('a', { class: 'btn alt', href: '#/learner/' + l.merged_into }, t('open_target'))));
      show(l.name, kids);
      return;
    }
    kids.push(editCard(l, L), pinCard(l), mergeCard(l));
    show(l.name, kids);
  });
});

function editCard(l, L) {
  var msg = banner();
  var name = field(t('name_col'), { name: 'name', value: l.name, autocomplete: 'off' });
  var vil = field(t('village'), { name: 'village', value: l.village, options: L.villages.map(function (v) { return [v.code, v.name + ' (' + v.district + ')']; }) });
  var pos = field(t('position'), { name: 'position', value: l.position, options: L.positions.map(function (p) { return [p.id, posLabel(p)]; }) });
  var btn = h('button', { type: 'submit', class: 'btn' }, t('save'));
  var f = h('form', { novalidate: true }, name.el, vil.el, pos.el, btn);
  f.addEventListener('submit', function (e) {
    e.preventDefault();
    if (btn.disabled) return;
    btn.disabled = true;
    name.error('');
    msg.set('');
    api('PUT', 'learners/' + l.id, { name: name.input.value, village: vil.input.value, position: pos.input.value }).then(function (r) {
      btn.disabled = false;
      if (r.status === 200) { flash = t('edited'); announce(t('edited')); go('#/learner/' + l.id); return; }
      if (r.status === 400 && r.body && r.body.field === 'name') { name.error(t('bad_name')); name.input.focus(); return; }
      msg.set(r.status === 409 ? t('name_taken') : failText(r));
    });
  });
  return h('div', { class: 'card' }, h('h2', null, t('edit_h')), h('p', { class: 'muted' }, t('edit_p')), msg, f);
}

function pinCard(l) {
  var out = h('div', { 'aria-live': 'polite' });
  var msg = banner();
  var btn = h('button', { type: 'button', class: 'btn', id: 'pin-reset' }, t('pin_go'));
  btn.addEventListener('click', function () {
    out.textContent = '';
    out.appendChild(confirmBox(t('pin_confirm', { name: l.name }), function () {
      api('POST', 'learners/' + l.id + '/pin').then(function (r) {
        if (r.status !== 200) { msg.set(failText(r)); return; }
        out.textContent = '';
        out.appendChild(h('div', { class: 'banner ok', role: 'status' }, h('p', null, t('pin_code', { name: l.name })),
          h('p', { class: 'code', id: 'pin-code' }, r.body.code.slice(0, 4) + ' ' + r.body.code.slice(4)), h('p', null, t('pin_code_p'))));
      });
    }));
  });
  return h('div', { class: 'card' }, h('h2', null, t('pin_h')), h('p', { class: 'muted' }, t('pin_p')), msg, btn, out);
}

function mergeCard(l) {
  var msg = banner();
  var search = field(t('merge_search'), { name: 'merge-q', type: 'search', autocomplete: 'off' });
  var list = h('ul', { class: 'picks' });
  var timer = null;
  search.input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = search.input.value.trim();
      list.textContent = '';
      if (q.length < 2) return;
      api('GET', 'learners?per=8&q=' + encodeURIComponent(q)).then(function (r) {
        list.textContent = '';
        if (r.status !== 200) return;
        r.body.learners.filter(function (x) { return x.id !== l.id; }).forEach(function (x) {
          list.appendChild(h('li', null, h('button', { type: 'button', class: 'btn alt', onclick: function () {
            list.textContent = '';
            list.appendChild(h('li', null, confirmBox(t('merge_confirm', { a: l.name, b: x.name }), function () {
              api('POST', 'learners/' + l.id + '/merge', { into: x.id }).then(function (mr) {
                if (mr.status === 200) { announce(t('merged', { name: x.name })); go('#/learner/' + x.id); return; }
                msg.set(failText(mr));
              });
            })));
          } }, t('merge_pick', { name: x.name + ' · ' + x.village_name + ' · ' + x.position_label }))));
        });
      });
    }, 250);
  });
  return h('div', { class: 'card' }, h('h2', null, t('merge_h')), h('p', { class: 'muted' }, t('merge_p')), msg, search.el, list);
}

menu('nav_today', '#/today');
menu('nav_learners', '#/learners');
