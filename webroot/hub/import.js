/* The hub's sync-bundle import page: the staff session's CSRF token from
 * /api/v1/hub/me, then the chosen file as the body of /api/v1/hub/import.
 * The hub's answers are shown as text only. */
'use strict';
(function () {
  var csrf = '';
  var form = document.getElementById('import-form');
  var out = document.getElementById('result');

  function say(id, en) {
    out.textContent = id + ' / ' + en;
  }

  fetch('/api/v1/hub/me', { credentials: 'same-origin' }).then(function (r) {
    if (r.status !== 200) { document.getElementById('need-login').hidden = false; return null; }
    return r.json();
  }).then(function (me) {
    if (!me) return;
    csrf = me.csrf;
    form.hidden = false;
  });

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var f = document.getElementById('bundle').files[0];
    if (!f) return;
    var btn = form.querySelector('button');
    btn.disabled = true;
    say('Mengimpor…', 'Importing…');
    fetch('/api/v1/hub/import', {
      method: 'POST', credentials: 'same-origin', body: f,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) { return { status: r.status, body: b }; });
    }).then(function (res) {
      btn.disabled = false;
      var b = res.body || {};
      if (res.status === 200) {
        say('Kotak ' + b.box + ': ' + b.applied + ' bagian diterapkan' + (b.enrolled ? ', kotak didaftarkan' : '') + '.',
          'Box ' + b.box + ': ' + b.applied + ' chunks applied' + (b.enrolled ? ', box enrolled' : '') + '.');
      } else if (res.status === 401) {
        say('Sesi habis; masuk lagi di dasbor.', 'Session ended; log in again on the dashboard.');
      } else {
        say('Ditolak: ' + (b.error || res.status) + ' (' + (b.message || '') + ')',
          'Refused: ' + (b.error || res.status) + ' (' + (b.message || '') + ')');
      }
    }, function () {
      btn.disabled = false;
      say('Hub tidak terjangkau.', 'The hub cannot be reached.');
    });
  });
}());
