/* The console's printables: choose a village and day for the attendance list
 * (daftar hadir), or a learner's completed course for a certificate; each is
 * a page laid out for A4 (the menu and buttons are not printed). */
import { t, h, show, banner, api, failText, screen, menu, addTexts, lang, go } from './core.js';

addTexts({
  nav_print: 'Cetak',
  print_h: 'Cetak',
  att_h: 'Daftar hadir',
  att_p: 'Satu desa, satu hari: semua peserta desa itu, ditandai bila belajar di kotak hari itu, dengan kolom tanda tangan.',
  village: 'Desa', day: 'Tanggal',
  att_go: 'Buka daftar hadir',
  cert_h: 'Sertifikat penyelesaian',
  cert_p: 'Pilih desa, lalu peserta dan kursus yang sudah diselesaikannya.',
  cert_none: 'Belum ada peserta desa ini yang menyelesaikan kursus.',
  print_go: 'Cetak',
  back: 'Kembali',
  att_title: 'DAFTAR HADIR',
  att_sub: 'Pelatihan Aparatur Desa — Pamong Box',
  att_no: 'No', att_name: 'Nama', att_pos: 'Jabatan', att_here: 'Belajar di kotak', att_sign: 'Tanda tangan',
  att_yes: 'Ya', att_count: '{n} dari {m} peserta belajar di kotak hari ini.',
  att_empty: 'Belum ada peserta terdaftar dari desa ini.',
  cert_title: 'SERTIFIKAT',
  cert_given: 'diberikan kepada',
  cert_done: 'telah menyelesaikan kursus',
  cert_on: 'pada tanggal {d} dengan nilai {s}.',
  cert_code: 'Kode verifikasi',
  cert_check: 'Periksa keaslian di',
  cert_check_no_hub: 'Keaslian dapat diperiksa kantor pusat dengan kode ini.',
  of_village: 'Desa {v}, Kecamatan {d}'
}, {
  nav_print: 'Print',
  print_h: 'Print',
  att_h: 'Attendance list',
  att_p: 'One village, one day: every learner of that village, marked when they learned on the box that day, with a column to sign.',
  village: 'Village', day: 'Date',
  att_go: 'Open the attendance list',
  cert_h: 'Completion certificate',
  cert_p: 'Choose a village, then a learner and a course they completed.',
  cert_none: 'No learner of this village has completed a course yet.',
  print_go: 'Print',
  back: 'Back',
  att_title: 'ATTENDANCE LIST',
  att_sub: 'Village official training — Pamong Box',
  att_no: 'No', att_name: 'Name', att_pos: 'Position', att_here: 'Learned on the box', att_sign: 'Signature',
  att_yes: 'Yes', att_count: '{n} of {m} learners learned on the box that day.',
  att_empty: 'No learner of this village has registered yet.',
  cert_title: 'CERTIFICATE',
  cert_given: 'awarded to',
  cert_done: 'for completing the course',
  cert_on: 'on {d} with a score of {s}.',
  cert_code: 'Verification code',
  cert_check: 'Check it at',
  cert_check_no_hub: 'The central office can check it with this code.',
  of_village: 'Village {v}, District {d}'
});

function today() {
  var d = new Date();
  return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
}
function longDate(s) {
  try {
    return new Date(s + 'T12:00:00Z').toLocaleDateString(lang === 'id' ? 'id-ID' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  } catch (e) { return s; }
}
function villageSelect(villages, id) {
  return h('select', { id: id, name: 'village' }, villages.map(function (v) {
    return h('option', { value: v.code }, v.name + (v.district ? ' (' + v.district + ')' : ''));
  }));
}
function printBar(backHash) {
  var p = h('button', { type: 'button', class: 'btn' }, t('print_go'));
  p.addEventListener('click', function () { window.print(); });
  return h('div', { class: 'btns noprint' }, p, h('a', { class: 'btn alt', href: backHash }, t('back')));
}

screen('print', function (parts, query) {
  if (parts[0] === 'attendance') return attendance(query);
  if (parts[0] === 'certificate') return certificate(query);
  return fetch('/api/v1/villages', { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (vb) {
    var villages = (vb && vb.villages) || [];
    var vsel = villageSelect(villages, 'att-village');
    var day = h('input', { id: 'att-day', name: 'day', type: 'date', value: today(), required: true });
    var f = h('form', { novalidate: true },
      h('div', { class: 'row' }, h('div', { class: 'field' }, h('label', { for: 'att-village' }, t('village')), vsel),
        h('div', { class: 'field' }, h('label', { for: 'att-day' }, t('day')), day)),
      h('button', { type: 'submit', class: 'btn' }, t('att_go')));
    f.addEventListener('submit', function (e) {
      e.preventDefault();
      go('#/print/attendance?village=' + encodeURIComponent(vsel.value) + '&day=' + encodeURIComponent(day.value));
    });
    var csel = villageSelect(villages, 'cert-village');
    var list = h('ul', { class: 'keys' });
    var msg = banner();
    function learners() {
      while (list.firstChild) list.removeChild(list.firstChild);
      api('GET', 'print/learners?village=' + encodeURIComponent(csel.value)).then(function (res) {
        if (res.status !== 200) { msg.set(failText(res)); return; }
        var any = false;
        res.body.learners.forEach(function (l) {
          l.completed.forEach(function (c) {
            any = true;
            list.appendChild(h('li', null, h('span', null, l.name, ' — ', c), h('a', { class: 'btn alt',
              href: '#/print/certificate?learner=' + encodeURIComponent(l.id) + '&course=' + encodeURIComponent(c) }, t('cert_h'))));
          });
        });
        if (!any) list.appendChild(h('li', null, t('cert_none')));
      });
    }
    csel.addEventListener('change', learners);
    learners();
    show(t('print_h'), [h('h1', null, t('print_h')),
      h('section', { class: 'card', 'aria-labelledby': 'att-h' }, h('h2', { id: 'att-h' }, t('att_h')), h('p', { class: 'muted' }, t('att_p')), f),
      h('section', { class: 'card', 'aria-labelledby': 'cert-h' }, h('h2', { id: 'cert-h' }, t('cert_h')), h('p', { class: 'muted' }, t('cert_p')), msg,
        h('div', { class: 'field' }, h('label', { for: 'cert-village' }, t('village')), csel), list)]);
  });
});

function attendance(query) {
  return api('GET', 'print/attendance?village=' + encodeURIComponent(query.get('village') || '') + '&day=' + encodeURIComponent(query.get('day') || '')).then(function (res) {
    if (res.status !== 200) { show(t('att_h'), [h('h1', null, t('att_h')), h('div', { class: 'banner', role: 'alert' }, failText(res)), printBar('#/print')]); return; }
    var b = res.body;
    var rows = b.learners.map(function (l, i) {
      return h('tr', null, h('td', { class: 'num' }, String(i + 1)), h('td', null, l.name),
        h('td', null, lang === 'id' ? l.position : l.position_en), h('td', null, l.present ? t('att_yes') : ''),
        h('td', { class: 'sign' }, ''));
    });
    show(t('att_h'), h('article', { class: 'printable' }, printBar('#/print'),
      h('h1', { class: 'center' }, t('att_title')),
      h('p', { class: 'center' }, t('att_sub')),
      h('p', { class: 'center' }, t('of_village', { v: b.village_name, d: b.district }), h('br'), b.regency, ' · ', longDate(b.day)),
      rows.length ? h('table', { class: 'att' }, h('thead', null, h('tr', null,
        h('th', { scope: 'col', class: 'num' }, t('att_no')), h('th', { scope: 'col' }, t('att_name')),
        h('th', { scope: 'col' }, t('att_pos')), h('th', { scope: 'col' }, t('att_here')), h('th', { scope: 'col', class: 'sign' }, t('att_sign')))),
      h('tbody', null, rows)) : h('p', null, t('att_empty')),
      h('p', { class: 'muted' }, t('att_count', { n: b.present, m: b.learners.length }))));
  });
}

function certificate(query) {
  return api('GET', 'print/certificate?learner=' + encodeURIComponent(query.get('learner') || '') + '&course=' + encodeURIComponent(query.get('course') || '')).then(function (res) {
    if (res.status !== 200) { show(t('cert_h'), [h('h1', null, t('cert_h')), h('div', { class: 'banner', role: 'alert' }, failText(res)), printBar('#/print')]); return; }
    var c = res.body;
    show(t('cert_h'), h('article', { class: 'printable cert' }, printBar('#/print'),
      h('div', { class: 'certframe' },
        h('p', { class: 'center muted' }, 'Pamong Box'),
        h('h1', { class: 'center certtitle' }, t('cert_title')),
        h('p', { class: 'center' }, t('cert_given')),
        h('p', { class: 'center certname' }, c.name),
        h('p', { class: 'center' }, lang === 'id' ? c.position : c.position_en, h('br'), t('of_village', { v: c.village_name, d: c.district })),
        h('p', { class: 'center' }, t('cert_done')),
        h('p', { class: 'center certcourse' }, c.course_title),
        h('p', { class: 'center' }, t('cert_on', { d: longDate(c.date), s: c.score >= 0 ? c.score : '—' })),
        h('div', { class: 'certcode' },
          h('p', null, t('cert_code'), ': ', h('strong', { class: 'fp' }, c.code)),
          c.verify_url ? h('p', { class: 'small' }, t('cert_check'), ' ', h('span', { class: 'fp url' }, c.verify_url)) :
            h('p', { class: 'small' }, t('cert_check_no_hub'), ' ', h('span', { class: 'fp url' }, c.token))))));
  });
}

menu('nav_print', '#/print');
