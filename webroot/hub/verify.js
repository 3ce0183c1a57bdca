/* The hub's certificate check: the token after '#' (printed on the
 * certificate as a link) goes to /api/v1/verify; the answer is shown as
 * text only. */
'use strict';
(function () {
  var out = document.getElementById('result');
  var facts = document.getElementById('facts');
  var token = decodeURIComponent(location.hash.replace(/^#/, ''));
  function fact(label, value) {
    var dt = document.createElement('dt');
    var dd = document.createElement('dd');
    dt.textContent = label;
    dd.textContent = value || '—';
    facts.appendChild(dt);
    facts.appendChild(dd);
  }
  if (!token) { out.textContent = 'Tautan tidak berisi kode sertifikat. / The link holds no certificate code.'; return; }
  fetch('/api/v1/verify?t=' + encodeURIComponent(token)).then(function (r) {
    return r.json().then(function (b) { return { status: r.status, body: b }; });
  }).then(function (res) {
    var b = res.body || {};
    if (res.status !== 200) { out.textContent = 'Kode tidak sah. / Not a valid code.'; return; }
    if (!b.valid) {
      out.textContent = b.reason === 'unknown_box' ?
        'Kotak yang menerbitkan sertifikat ini belum dikenal pusat. / The box that issued it is not known here.' :
        'SERTIFIKAT TIDAK SAH: tanda tangan tidak cocok. / NOT VALID: the signature does not match.';
      return;
    }
    out.textContent = 'Sertifikat sah, diterbitkan oleh kotak ' + b.box_name + '. / Valid certificate, issued by box ' + b.box_name + '.';
    fact('Kode / Code', b.code);
    fact('Nama / Name', b.name);
    fact('Kursus / Course', b.course);
    fact('Tanggal selesai / Completed on', b.date);
    fact('Data pusat / Hub record', b.hub_status === 'completed' ? 'selesai / completed' :
      (b.hub_status ? b.hub_status : 'belum diunggah / not uploaded yet'));
    facts.hidden = false;
  }, function () { out.textContent = 'Pusat tidak terjangkau. / The hub cannot be reached.'; });
}());
