/* The console's Box screen: the box's state (uptime, disk, database, CPU
 * temperature and power, phones, sync, clock), its buttons (sync now, the
 * clock from this phone, restart, safe shutdown) and its settings. */
import { t, h, show, field, banner, api, failText, screen, menu, addTexts, announce, num, when, confirmBox } from './core.js';

addTexts({
  nav_box: ['Kotak', 'Box'],
  box_h: ['Kotak', 'Box'],
  st_h: ['Keadaan', 'State'],
  na: ['tidak tersedia', 'not available'],
  st_uptime: ['Menyala sejak', 'Up since'],
  st_disk: ['Ruang kosong', 'Free space'],
  st_db: ['Basis data', 'Database'],
  st_temp: ['Suhu prosesor', 'CPU temperature'],
  st_learners: ['{n} peserta', '{n} learners'],
  st_power: ['Daya listrik', 'Power supply'],
  st_phones: ['Ponsel tersambung', 'Phones connected'],
  st_sync: ['Kirim ke pusat', 'Sending to the hub'],
  st_clock: ['Jam kotak', 'Box clock'],
  power_ok: ['baik', 'good'],
  power_low: ['TEGANGAN KURANG sekarang — ganti adaptor atau kabel', 'UNDER-VOLTAGE now — change the adapter or cable'],
  power_was: ['pernah kurang sejak menyala', 'was low since start'],
  throttled: ['prosesor diperlambat', 'CPU slowed down'],
  sync_state_off: ['mati (tidak ada alamat pusat)', 'off (no hub address)'],
  sync_state_no_link: ['tidak ada sambungan', 'no link'],
  sync_state_idle: ['semua terkirim', 'everything sent'],
  sync_state_uploading: ['sedang mengirim', 'sending'],
  sync_state_failing: ['gagal', 'failing'],
  sync_state_not_enrolled: ['belum terdaftar di pusat', 'not enrolled at the hub'],
  sync_pending: ['{n} baris menunggu', '{n} rows waiting'],
  sync_last: ['terakhir berhasil {w}', 'last success {w}'],
  sync_err: ['kesalahan terakhir: {e}', 'last error: {e}'],
  clock_unknown: ['belum diketahui', 'not known yet'],
  clock_hub: ['dari pusat', 'from the hub'],
  clock_phone: ['dari ponsel peserta', 'from learners\' phones'],
  clock_console: ['dari ponsel fasilitator (konsol)', 'from a facilitator\'s phone (console)'],
  btn_h: ['Tombol', 'Buttons'],
  sync_now: ['Kirim sekarang', 'Send now'],
  sync_started: ['Pengiriman dimulai.', 'Sending started.'],
  sync_off: ['Kotak ini belum punya alamat pusat.', 'This box has no hub address yet.'],
  clock_set: ['Setel jam dari ponsel ini', 'Set the clock from this phone'],
  clock_done: ['Jam kotak disetel dari ponsel ini.', 'The box clock was set from this phone.'],
  clock_known: ['Kotak sudah punya jam dari pusat.', 'The box has the hub\'s time already.'],
  restart: ['Mulai ulang', 'Restart'],
  restart_q: ['Mulai ulang kotak? Ponsel terputus sebentar; semua data tetap tersimpan.', 'Restart the box? Phones lose it for a moment; all data stays.'],
  shutdown: ['Matikan dengan aman', 'Shut down safely'],
  shutdown_q: ['Matikan kotak? Data disimpan dulu. Cabut listrik setelah lampu hijau padam.', 'Shut the box down? Data is saved first. Unplug once the green light is off.'],
  stopping: ['Kotak sedang berhenti. Data aman.', 'The box is stopping. Data is safe.'],
  set_h: ['Pengaturan', 'Settings'],
  set_p: ['Disimpan ke berkas pengaturan kotak; berlaku setelah kotak dimulai ulang (juga nama dan kata sandi hotspot).', 'Saved to the box\'s config file; they apply once the box restarts (the hotspot name and password too).'],
  set_p_now: ['Disimpan ke berkas pengaturan kotak. Nama dan kata sandi hotspot berlaku saat itu juga; yang lain setelah kotak dimulai ulang.', 'Saved to the box\'s config file. The hotspot name and password apply at once; the rest once the box restarts.'],
  set_name: ['Nama kotak', 'Box name'],
  set_area: ['Wilayah (kode Kemendagri, pisahkan dengan koma)', 'Area (Kemendagri codes, comma-separated)'],
  set_area_find: ['Cari kabupaten atau kecamatan', 'Find a regency or district'],
  set_ssid: ['Nama hotspot', 'Hotspot name'],
  set_pass: ['Kata sandi hotspot (kosongkan agar tidak berubah)', 'Hotspot password (leave empty to keep it)'],
  set_hub: ['Alamat pusat (https://…)', 'Hub address (https://…)'],
  set_code: ['Kode pendaftaran dari pusat (kosongkan agar tidak berubah)', 'Enrollment code from the hub (leave empty to keep it)'],
  set_save: ['Simpan pengaturan', 'Save settings'],
  set_saved: ['Tersimpan. Mulai ulang kotak agar berlaku.', 'Saved. Restart the box to apply.'],
  set_add: ['Tambah {c}', 'Add {c}'],
  set_saved_hs: ['Tersimpan. Hotspot kini memakai nama dan kata sandi baru: ponsel perlu tersambung lagi dengannya.', 'Saved. The hotspot now uses the new name and password: phones must join again with them.'],
  set_saved_hs_more: ['Pengaturan lain berlaku setelah kotak dimulai ulang.', 'The other settings apply once the box restarts.']
});

function bytes(n) {
  if (n == null) return t('na');
  if (n >= 1073741824) return num(Math.round(n / 107374182.4) / 10) + ' GB';
  if (n >= 1048576) return num(Math.round(n / 104857.6) / 10) + ' MB';
  return num(Math.round(n / 1024)) + ' KB';
}
function power(th) {
  if (!th) return t('na');
  var s = th.under_voltage ? t('power_low') : t('power_ok');
  if (!th.under_voltage && th.under_voltage_since_boot) s += ' (' + t('power_was') + ')';
  if (th.throttled) s += '; ' + t('throttled');
  return s;
}
function syncText(sy) {
  var s = t('sync_state_' + sy.state);
  if (sy.pending) s += '; ' + t('sync_pending', { n: num(sy.pending) });
  if (sy.last_success) s += '; ' + t('sync_last', { w: when(sy.last_success) });
  if (sy.last_error) s += '; ' + t('sync_err', { e: sy.last_error });
  return s;
}

function facts(s) {
  var rows = [
    [t('st_uptime'), when(Date.now() - s.uptime_s * 1000)],
    [t('st_disk'), s.disk ? bytes(s.disk.free) + ' / ' + bytes(s.disk.total) : t('na')],
    [t('st_db'), s.db ? bytes(s.db.bytes) + ' · ' + t('st_learners', { n: num(s.db.learners) }) + (s.db.healthy ? '' : ' · ' + s.db.reason) : t('na')],
    [t('st_temp'), s.cpu_temp_c == null ? t('na') : num(s.cpu_temp_c) + ' °C'],
    [t('st_power'), power(s.throttling)],
    [t('st_phones'), s.phones == null ? t('na') : num(s.phones) + ' / ' + num(s.capacity)],
    [t('st_sync'), syncText(s.sync)],
    [t('st_clock'), t('clock_' + s.clock.source)]
  ];
  return h('dl', { class: 'packfacts' }, rows.map(function (r) {
    return [h('dt', null, r[0]), h('dd', { class: r[1] === t('power_low') || /TEGANGAN|UNDER/.test(r[1]) ? 'bad' : null }, r[1])];
  }));
}

function buttons(s, msg) {
  function btn(label, cls, fn) {
    var b = h('button', { type: 'button', class: 'btn ' + (cls || '') }, label);
    b.addEventListener('click', function () { b.disabled = true; Promise.resolve(fn()).then(function () { b.disabled = false; }); });
    return b;
  }
  var out = [btn(t('sync_now'), '', function () {
    return api('POST', 'sync').then(function (r) {
      if (r.status === 202) { msg.set(t('sync_started'), true); announce(t('sync_started')); } else msg.set(r.status === 409 ? t('sync_off') : failText(r));
    });
  })];
  if (s.clock.source !== 'hub' && s.clock.source !== 'console') out.push(btn(t('clock_set'), 'alt', function () {
    return api('POST', 'clock', { phone_ms: Date.now() }).then(function (r) {
      if (r.status === 200) msg.set(t('clock_done'), true); else msg.set(r.status === 409 ? t('clock_known') : failText(r));
    });
  }));
  /* restart and shutdown: asked first on the page, then the box stops */
  function power(what, cls) {
    out.push(btn(t(what), cls, function () {
      wrap.appendChild(confirmBox(t(what + '_q'), function () {
        api('POST', what).then(function (r) { msg.set(r.status === 202 ? t('stopping') : failText(r), r.status === 202); });
      }));
    }));
  }
  power('restart', 'alt');
  power('shutdown', 'danger');
  var wrap = h('div', null, h('div', { class: 'btns' }, out));
  return wrap;
}

function settingsForm(cur) {
  var msg = banner();
  var f = {
    box_name: field(t('set_name'), { name: 'box_name', value: cur.box_name, maxlength: 100, autocomplete: 'off' }),
    area_codes: field(t('set_area'), { name: 'area_codes', value: cur.area_codes, autocomplete: 'off', inputmode: 'decimal' }),
    hotspot_ssid: field(t('set_ssid'), { name: 'hotspot_ssid', value: cur.hotspot_ssid, maxlength: 32, autocomplete: 'off' }),
    hotspot_passphrase: field(t('set_pass'), { name: 'hotspot_passphrase', type: 'password', autocomplete: 'new-password', maxlength: 63 }),
    hub_url: field(t('set_hub'), { name: 'hub_url', value: cur.hub_url, type: 'url', autocomplete: 'off' }),
    enroll_code: field(t('set_code'), { name: 'enroll_code', autocomplete: 'off' })
  };
  var find = field(t('set_area_find'), { name: 'area_q', type: 'search', autocomplete: 'off' });
  var hits = h('ul', { class: 'keys', 'aria-live': 'polite' });
  var timer = null;
  find.input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = find.input.value.trim();
      while (hits.firstChild) hits.removeChild(hits.firstChild);
      if (q.length < 2) return;
      api('GET', 'areas?q=' + encodeURIComponent(q)).then(function (r) {
        if (r.status !== 200) return;
        r.body.areas.forEach(function (a) {
          var add = h('button', { type: 'button', class: 'btn alt' }, t('set_add', { c: a.code }));
          add.addEventListener('click', function () {
            var codes = f.area_codes.input.value.split(',').map(function (x) { return x.trim(); }).filter(Boolean);
            if (codes.indexOf(a.code) < 0) codes.push(a.code);
            f.area_codes.input.value = codes.join(',');
          });
          hits.appendChild(h('li', null, h('span', null, a.code + ' ' + a.name), add));
        });
      });
    }, 250);
  });
  var form = h('form', { novalidate: true }, f.box_name.el, f.area_codes.el, find.el, hits, f.hotspot_ssid.el,
    f.hotspot_passphrase.el, f.hub_url.el, f.enroll_code.el, h('button', { type: 'submit', class: 'btn' }, t('set_save')));
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    msg.set('');
    Object.keys(f).forEach(function (k) { f[k].error(''); });
    var body = {};
    ['box_name', 'area_codes', 'hotspot_ssid', 'hub_url'].forEach(function (k) {
      if (f[k].input.value.trim() !== (cur[k] || '')) body[k] = f[k].input.value.trim();
    });
    if (f.hotspot_passphrase.input.value) body.hotspot_passphrase = f.hotspot_passphrase.input.value;
    if (f.enroll_code.input.value.trim()) body.enroll_code = f.enroll_code.input.value.trim();
    if (!Object.keys(body).length) return;
    api('PUT', 'settings', body).then(function (r) {
      if (r.status === 200) {
        var said = r.body.hotspot === 'applied' ? t('set_saved_hs') + (r.body.restart_needed ? ' ' + t('set_saved_hs_more') : '') : t('set_saved');
        msg.set(said, true);
        announce(said);
        Object.keys(body).forEach(function (k) { if (k in cur) cur[k] = body[k]; });
        f.hotspot_passphrase.input.value = f.enroll_code.input.value = '';
        return;
      }
      if (r.status === 400 && r.body && f[r.body.field]) { f[r.body.field].error(r.body.message); f[r.body.field].input.focus(); return; }
      msg.set(failText(r));
    });
  });
  return h('section', { class: 'card', 'aria-labelledby': 'set-h' }, h('h2', { id: 'set-h' }, t('set_h')),
    h('p', { class: 'muted' }, t(cur.hotspot_applies_at_once ? 'set_p_now' : 'set_p')), msg, form);
}

screen('box', function () {
  return Promise.all([api('GET', 'status'), api('GET', 'settings')]).then(function (r) {
    if (r[0].status !== 200) { show(t('box_h'), h('div', { class: 'banner', role: 'alert' }, failText(r[0]))); return; }
    var msg = banner();
    show(t('box_h'), [h('h1', null, t('box_h')),
      h('section', { class: 'card', 'aria-labelledby': 'st-h' }, h('h2', { id: 'st-h' }, t('st_h')), facts(r[0].body)),
      h('section', { class: 'card', 'aria-labelledby': 'btn-h' }, h('h2', { id: 'btn-h' }, t('btn_h')), msg, buttons(r[0].body, msg)),
      r[1].status === 200 ? settingsForm(r[1].body) : null]);
  });
});

menu('nav_box', '#/box');
