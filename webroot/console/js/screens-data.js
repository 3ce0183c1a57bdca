/* The console's screens for courses and for carrying data home: installed
 * courses, packs on USB sticks and uploaded packs (shown, then installed),
 * the trusted author keys, and the downloads (CSV, sync bundle,
 * printables). Everything the box sends is set as text. */
import { t, h, show, field, banner, api, failText, session, screen, menu, addTexts, announce, num, lang } from './core.js';

addTexts({
  nav_courses: 'Kursus',
  nav_export: 'Bawa pulang',
  courses_h: 'Kursus',
  courses_installed_h: 'Kursus terpasang',
  courses_none: 'Belum ada kursus terpasang.',
  col_title: 'Judul', col_version: 'Versi', col_key: 'Kunci penulis', col_size: 'Ukuran', col_state: 'Keadaan',
  usb_h: 'Paket di USB',
  usb_p: 'Colokkan flashdisk berisi berkas .pack (di akar atau di folder pamong/). Flashdisk dibaca saja, tidak diubah.',
  usb_none: 'Tidak ada paket di flashdisk yang tercolok.',
  usb_refresh: 'Periksa lagi',
  upload_h: 'Unggah paket dari perangkat ini',
  upload_label: 'Berkas paket (.pack)',
  upload_go: 'Unggah dan periksa',
  upload_busy: 'Mengunggah dan memeriksa… ({n}%)',
  upload_big: 'Paket terlalu besar untuk kotak ini.',
  upload_pick: 'Pilih berkas paket dulu.',
  install: 'Pasang',
  install_older: 'Pasang versi lama ini',
  install_older_q: 'Versi {v} lebih lama dari yang terpasang ({cur}). Peserta akan melihat versi lama. Lanjutkan?',
  installed_ok: '{title} versi {v} terpasang.',
  st_new: 'Baru', st_newer: 'Lebih baru dari {cur}', st_same: 'Sudah terpasang',
  st_older: 'Lebih lama dari {cur}', st_refused: 'Ditolak',
  ref_unknown_key: 'Ditandatangani kunci penulis yang tidak dikenal {fp}',
  ref_not_signed: 'Paket tidak ditandatangani.',
  ref_bad_pack: 'Paket rusak atau tidak sah ({msg}).',
  already_installed: 'Versi ini sudah terpasang.',
  keys_h: 'Kunci penulis tepercaya',
  keys_p: 'Kotak hanya memasang paket yang ditandatangani salah satu kunci ini.',
  key_builtin: 'bawaan sistem',
  key_remove: 'Hapus',
  key_remove_q: 'Hapus kunci {fp}? Paket dari penulis ini tidak bisa dipasang lagi.',
  key_removed: 'Kunci {fp} dihapus.',
  key_add_h: 'Tambah kunci dari berkas .pub',
  key_file: 'Berkas kunci publik (.pub)',
  key_name: 'Nama penulis (boleh kosong)',
  key_add_go: 'Tambah kunci',
  key_added: 'Kunci {fp} ditambahkan.',
  key_bad: 'Berkas ini bukan kunci publik penulis.',
  key_exists: 'Kunci ini sudah tepercaya.',
  export_h: 'Bawa data pulang',
  export_p: 'Unduh ke laptop atau simpan ke flashdisk dari sini.',
  export_csv_h: 'Daftar peserta dan kemajuan (CSV)',
  export_csv_p: 'Untuk LibreOffice atau Excel. Satu baris per peserta dan kursus.',
  export_csv: 'Unduh CSV (koma)',
  export_csv_semi: 'Unduh CSV untuk Excel berbahasa Indonesia (titik koma)',
  export_bundle_h: 'Paket sinkron untuk kantor pusat',
  export_bundle_p: 'Bila kotak tidak pernah tersambung: bawa berkas ini ke kantor pusat. Staf mengunggahnya di dasbor pusat (atau pamong-hub import). Aman dikirim lebih dari sekali.',
  export_bundle: 'Unduh paket sinkron'
}, {
  nav_courses: 'Courses',
  nav_export: 'Take home',
  courses_h: 'Courses',
  courses_installed_h: 'Installed courses',
  courses_none: 'No course is installed yet.',
  col_title: 'Title', col_version: 'Version', col_key: 'Author key', col_size: 'Size', col_state: 'State',
  usb_h: 'Packs on USB',
  usb_p: 'Plug in a USB stick with .pack files (at the top or in a pamong/ folder). The stick is only read, never changed.',
  usb_none: 'No pack on the plugged-in sticks.',
  usb_refresh: 'Look again',
  upload_h: 'Upload a pack from this device',
  upload_label: 'Pack file (.pack)',
  upload_go: 'Upload and check',
  upload_busy: 'Uploading and checking… ({n}%)',
  upload_big: 'The pack is too large for this box.',
  upload_pick: 'Choose a pack file first.',
  install: 'Install',
  install_older: 'Install this older version',
  install_older_q: 'Version {v} is older than the installed one ({cur}). Learners will see the older version. Go on?',
  installed_ok: '{title} version {v} installed.',
  st_new: 'New', st_newer: 'Newer than {cur}', st_same: 'Already installed',
  st_older: 'Older than {cur}', st_refused: 'Refused',
  ref_unknown_key: 'Signed by an unknown author key {fp}',
  ref_not_signed: 'The pack is not signed.',
  ref_bad_pack: 'The pack is damaged or not valid ({msg}).',
  already_installed: 'This version is already installed.',
  keys_h: 'Trusted author keys',
  keys_p: 'The box installs only packs signed by one of these keys.',
  key_builtin: 'built in',
  key_remove: 'Remove',
  key_remove_q: 'Remove key {fp}? Packs by this author can no longer be installed.',
  key_removed: 'Key {fp} removed.',
  key_add_h: 'Add a key from a .pub file',
  key_file: 'Public key file (.pub)',
  key_name: 'Author name (optional)',
  key_add_go: 'Add key',
  key_added: 'Key {fp} added.',
  key_bad: 'This file is not an author public key.',
  key_exists: 'This key is trusted already.',
  export_h: 'Take data home',
  export_p: 'Download to a laptop or save to a USB stick from here.',
  export_csv_h: 'Learners and progress (CSV)',
  export_csv_p: 'For LibreOffice or Excel. One row per learner and course.',
  export_csv: 'Download CSV (commas)',
  export_csv_semi: 'Download CSV for Excel set to Indonesian (semicolons)',
  export_bundle_h: 'Sync bundle for the central office',
  export_bundle_p: 'When the box never got a link: take this file to the central office. Staff upload it on the hub dashboard (or pamong-hub import). Safe to send more than once.',
  export_bundle: 'Download the sync bundle'
});

function size(n) {
  if (n >= 1048576) return num(Math.round(n / 104857.6) / 10) + ' MB';
  if (n >= 1024) return num(Math.round(n / 1024)) + ' KB';
  return num(n) + ' B';
}

function refusal(p) {
  var r = p.refusal || {};
  if (r.code === 'unknown_key') return t('ref_unknown_key', { fp: p.fingerprint });
  if (r.code === 'not_signed') return t('ref_not_signed');
  return t('ref_bad_pack', { msg: r.message || '' });
}

function stateText(p) {
  if (p.state === 'refused') return refusal(p);
  return t('st_' + p.state, { cur: p.installed_version });
}

/* A pack found on a stick or uploaded: what it is and its install button. */
function packCard(p, install, msg, installed) {
  var btn = null;
  var state = h('dd', { class: p.state === 'refused' ? 'bad' : null }, stateText(p));
  if (p.state === 'new' || p.state === 'newer' || p.state === 'older') {
    btn = h('button', { type: 'button', class: p.state === 'older' ? 'btn alt' : 'btn' },
      p.state === 'older' ? t('install_older') : t('install'));
    btn.addEventListener('click', function () {
      var older = p.state === 'older';
      if (older && !window.confirm(t('install_older_q', { v: p.version, cur: p.installed_version }))) return;
      btn.disabled = true;
      install(older).then(function (res) {
        btn.disabled = false;
        if (res.status === 200) {
          var m = t('installed_ok', { title: p.title || p.id, v: p.version });
          msg.set(m, true);
          announce(m);
          /* Only this card and the installed list change: a whole-screen
             re-render would drop what the facilitator is doing meanwhile
             (a file chosen for upload, an upload under way). */
          btn.parentNode.removeChild(btn);
          state.textContent = t('st_same');
          if (installed) installed();
        } else if (res.status === 409 && res.body && res.body.error === 'already_installed') msg.set(t('already_installed'));
        else if (res.status === 422 && res.body && res.body.pack) msg.set(refusal(res.body.pack));
        else msg.set(failText(res));
      });
    });
  }
  return h('li', { class: 'card pack' },
    h('h3', null, p.title || p.id),
    h('dl', { class: 'packfacts' },
      h('dt', null, t('col_version')), h('dd', null, p.version || '—'),
      h('dt', null, t('col_key')), h('dd', { class: 'fp' }, p.fingerprint || '—'),
      h('dt', null, t('col_size')), h('dd', null, size(p.size)),
      h('dt', null, t('col_state')), state),
    p.file ? h('p', { class: 'muted' }, p.file) : null,
    btn);
}

function installedTable(courses) {
  if (!courses.length) return h('p', null, t('courses_none'));
  return h('div', { class: 'tablewrap', tabindex: 0, role: 'region', 'aria-label': t('courses_installed_h') },
    h('table', null, h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, t('col_title')), h('th', { scope: 'col' }, t('col_version')),
      h('th', { scope: 'col', class: 'hide-s' }, t('col_key')), h('th', { scope: 'col', class: 'num' }, t('col_size')))),
    h('tbody', null, courses.map(function (c) {
      return h('tr', null, h('td', null, c.title, h('br'), h('span', { class: 'muted' }, c.id)),
        h('td', null, c.version), h('td', { class: 'hide-s fp' }, c.fingerprint || '—'), h('td', { class: 'num' }, size(c.size)));
    }))));
}

/* Upload a file as the request body, with progress; resolves like api(). */
function uploadPack(file, progress) {
  return new Promise(function (resolve) {
    var x = new XMLHttpRequest();
    x.open('POST', '/api/v1/console/uploads');
    x.setRequestHeader('Content-Type', 'application/octet-stream');
    if (session.csrf) x.setRequestHeader('X-CSRF-Token', session.csrf);
    x.upload.onprogress = function (e) { if (e.lengthComputable) progress(Math.round(e.loaded * 100 / e.total)); };
    x.onload = function () {
      var b = null;
      try { b = JSON.parse(x.responseText); } catch (e) { b = null; }
      resolve({ status: x.status, body: b });
    };
    x.onerror = function () { resolve({ status: 0, body: null }); };
    x.send(file);
  });
}

function keysCard(keys) {
  var msg = banner();
  var list = h('ul', { class: 'keys' }, keys.map(function (k) {
    var rm = k.builtin ? h('span', { class: 'tag' }, t('key_builtin')) :
      h('button', { type: 'button', class: 'btn alt', 'aria-label': t('key_remove') + ' ' + k.fingerprint }, t('key_remove'));
    if (!k.builtin) rm.addEventListener('click', function () {
      if (!window.confirm(t('key_remove_q', { fp: k.fingerprint }))) return;
      api('DELETE', 'keys/' + encodeURIComponent(k.fingerprint)).then(function (res) {
        if (res.status === 204) { msg.set(t('key_removed', { fp: k.fingerprint }), true); li.remove(); } else msg.set(failText(res));
      });
    });
    var li = h('li', null, h('span', { class: 'fp' }, k.fingerprint), ' ', k.name ? h('span', null, k.name, ' ') : null, rm);
    return li;
  }));
  var file = field(t('key_file'), { type: 'file', accept: '.pub,text/plain', name: 'keyfile' });
  var name = field(t('key_name'), { name: 'keyname', maxlength: 60, autocomplete: 'off' });
  var add = h('button', { type: 'submit', class: 'btn' }, t('key_add_go'));
  var f = h('form', { novalidate: true }, file.el, name.el, add);
  f.addEventListener('submit', function (e) {
    e.preventDefault();
    file.error('');
    var fl = file.input.files && file.input.files[0];
    if (!fl || fl.size > 4096) { file.error(t('key_bad')); return; }
    add.disabled = true;
    fl.text().then(function (text) {
      return api('POST', 'keys', { key: text, name: name.input.value.trim() });
    }).then(function (res) {
      add.disabled = false;
      if (res.status === 201) {
        msg.set(t('key_added', { fp: res.body.fingerprint }), true);
        list.appendChild(h('li', null, h('span', { class: 'fp' }, res.body.fingerprint), ' ', res.body.name));
        f.reset();
      } else if (res.status === 400) file.error(t('key_bad'));
      else if (res.status === 409 && res.body && res.body.error === 'exists') file.error(t('key_exists'));
      else msg.set(failText(res));
    });
  });
  return h('section', { class: 'card', 'aria-labelledby': 'keys-h' },
    h('h2', { id: 'keys-h' }, t('keys_h')), h('p', { class: 'muted' }, t('keys_p')), msg, list,
    h('h3', null, t('key_add_h')), f);
}

screen('courses', function () {
  return Promise.all([api('GET', 'courses'), api('GET', 'usb'), api('GET', 'keys')]).then(function (r) {
    var msg = banner();
    if (r[0].status !== 200) { show(t('courses_h'), h('div', { class: 'banner', role: 'alert' }, failText(r[0]))); return; }
    var inst = h('div', null, installedTable(r[0].body.courses));
    var reload = function () {
      api('GET', 'courses').then(function (res) {
        if (res.status !== 200) return;
        while (inst.firstChild) inst.removeChild(inst.firstChild);
        inst.appendChild(installedTable(res.body.courses));
      });
    };
    var usbPacks = (r[1].body && r[1].body.packs) || [];
    var usbList = usbPacks.length ? h('ul', { class: 'packs' }, usbPacks.map(function (p) {
      return packCard(p, function (older) {
        return api('POST', 'usb/install', { file: p.file, confirm_older: older });
      }, msg, reload);
    })) : h('p', null, t('usb_none'));
    var refresh = h('button', { type: 'button', class: 'btn alt' }, t('usb_refresh'));
    refresh.addEventListener('click', function () { window.dispatchEvent(new HashChangeEvent('hashchange')); });

    var upMsg = banner();
    var upFile = field(t('upload_label'), { type: 'file', accept: '.pack,application/octet-stream', name: 'pack' });
    var upBtn = h('button', { type: 'submit', class: 'btn' }, t('upload_go'));
    var upOut = h('ul', { class: 'packs' });
    var upForm = h('form', { novalidate: true }, upFile.el, upBtn);
    upForm.addEventListener('submit', function (e) {
      e.preventDefault();
      upFile.error('');
      upMsg.set('');
      var fl = upFile.input.files && upFile.input.files[0];
      if (!fl) { upFile.error(t('upload_pick')); return; }
      upBtn.disabled = true;
      uploadPack(fl, function (n) { upBtn.textContent = t('upload_busy', { n: n }); }).then(function (res) {
        upBtn.disabled = false;
        upBtn.textContent = t('upload_go');
        while (upOut.firstChild) upOut.removeChild(upOut.firstChild);
        if (res.status === 201) {
          upOut.appendChild(packCard(res.body, function (older) {
            return api('POST', 'uploads/' + res.body.upload, { confirm_older: older });
          }, upMsg, reload));
        } else if (res.status === 413) upMsg.set(t('upload_big'));
        else upMsg.set(failText(res));
      });
    });

    show(t('courses_h'), [h('h1', null, t('courses_h')), msg,
      h('section', { class: 'card', 'aria-labelledby': 'inst-h' }, h('h2', { id: 'inst-h' }, t('courses_installed_h')),
        inst),
      h('section', { class: 'card', 'aria-labelledby': 'usb-h' }, h('h2', { id: 'usb-h' }, t('usb_h')),
        h('p', { class: 'muted' }, t('usb_p')), usbList, h('div', { class: 'btns' }, refresh)),
      h('section', { class: 'card', 'aria-labelledby': 'up-h' }, h('h2', { id: 'up-h' }, t('upload_h')), upMsg, upForm, upOut),
      r[2].status === 200 ? keysCard(r[2].body.keys) : null]);
  });
});

screen('export', function () {
  var base = '/api/v1/console/export/';
  show(t('export_h'), [h('h1', null, t('export_h')), h('p', { class: 'muted' }, t('export_p')),
    h('section', { class: 'card', 'aria-labelledby': 'csv-h' }, h('h2', { id: 'csv-h' }, t('export_csv_h')),
      h('p', null, t('export_csv_p')), h('div', { class: 'btns' },
        h('a', { class: 'btn', href: base + 'learners.csv?lang=' + lang, download: '' }, t('export_csv')),
        h('a', { class: 'btn alt', href: base + 'learners.csv?sep=semicolon&lang=' + lang, download: '' }, t('export_csv_semi')))),
    h('section', { class: 'card', 'aria-labelledby': 'bundle-h' }, h('h2', { id: 'bundle-h' }, t('export_bundle_h')),
      h('p', null, t('export_bundle_p')), h('div', { class: 'btns' },
        h('a', { class: 'btn', href: base + 'bundle', download: '' }, t('export_bundle'))))]);
});

menu('nav_courses', '#/courses');
menu('nav_export', '#/export');
