/* Registration: name, position, village (searched as it is typed), PIN
 * twice. A name the box already has after a dropped connection may be our
 * own first try: then the same name and PIN log in. */
import { h, clear } from '../dom.js';
import { t, lang } from '../i18n.js';
import { norm } from '../util.js';
import { ApiError, api, withTime } from '../api.js';
import { load, act } from '../retry.js';
import { session } from '../session.js';
import { showPage, go } from '../router.js';
import { field, bindDraft, pinInput, suggester } from '../forms.js';

/* The message key for a name the box would refuse, or null. */
function validName(n) {
  n = n.trim().replace(/\s+/g, ' ');
  if (n.length < 2 || n.length > 60) return 'e_name';
  if (/[<>"&;:\/\\@#$%^*()_+=\[\]{}|~`!?]/.test(n)) return 'e_name_chars';
  return null;
}

export async function pageRegister(ctx) {
  var data = await load(ctx, function () {
    return Promise.all([
      session.positions || api('GET', '/positions'),
      session.villages || api('GET', '/villages')
    ]);
  });
  session.positions = data[0];
  if (!session.villages) {
    session.villages = data[1];
    session.villages.villages.forEach(function (v) { v._n = norm(v.name); v._d = norm(v.district); });
  }
  var d = session.drafts.reg;

  var name = field('r-name', t('name'), h('input', { type: 'text', autocomplete: 'name', maxlength: '60',
    autocapitalize: 'words' }), t('name_hint'));
  bindDraft(name.input, d, 'name');

  var sel = h('select', null, h('option', { value: '' }, t('position_pick')),
    session.positions.positions.map(function (p) {
      return h('option', { value: p.id }, lang === 'en' ? p.en_label : p.id_label);
    }));
  var pos = field('r-pos', t('position'), sel);
  bindDraft(sel, d, 'pos');

  var vinput = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
  var vil = field('r-vil', t('village'), vinput, t('village_hint'));
  bindDraft(vinput, d, 'vq');
  var chosen = h('div');
  vil.appendChild(chosen);
  function byCode(code) {
    for (var i = 0; i < session.villages.villages.length; i++) if (session.villages.villages[i].code === code) return session.villages.villages[i];
    return null;
  }
  function showChosen() {
    clear(chosen);
    var v = d.vil ? byCode(d.vil) : null;
    vinput.hidden = !!v;
    sg.ul.hidden = !!v || sg.ul.hidden;
    sg.note.hidden = !!v;
    if (!v) return;
    chosen.appendChild(h('div', { class: 'chosen' },
      h('div', null, h('b', null, v.name), h('br'), h('span', { class: 'small' }, t('district', { d: v.district }) + ', ' + v.regency)),
      h('button', { type: 'button', class: 'btn alt', 'aria-label': t('village_change_aria'), onclick: function () {
        d.vil = null; showChosen(); sg.update(); vinput.focus();
      } }, t('village_change'))));
  }
  var sg = suggester(vinput, t('village_list'), function (q) {
    var nq = norm(q);
    if (!nq && session.villages.villages.length > 12) return { list: [] };
    var words = nq ? nq.split(' ') : [];
    var hits = [];
    session.villages.villages.forEach(function (v) {
      var hay = v._n + ' ' + v._d;
      for (var i = 0; i < words.length; i++) if (hay.indexOf(words[i]) < 0) return;
      var rank = v._n.indexOf(nq) === 0 ? 0 : (' ' + v._n).indexOf(' ' + nq) >= 0 ? 1 : v._n.indexOf(nq) >= 0 ? 2 : 3;
      hits.push({ v: v, rank: rank });
    });
    hits.sort(function (a, b) { return a.rank - b.rank || (a.v.name < b.v.name ? -1 : a.v.name > b.v.name ? 1 : 0); });
    var max = 8;
    var list = hits.slice(0, max).map(function (x) {
      return { label: x.v.name, sub: t('district', { d: x.v.district }) + ', ' + x.v.regency,
        pick: function () { d.vil = x.v.code; vil.setError(null); showChosen(); chosen.querySelector('button').focus(); } };
    });
    var note = hits.length === 0 ? t('village_none')
      : hits.length > max ? t('village_more', { n: hits.length - max }) : t('village_count', { n: hits.length });
    return { list: list, note: note };
  });
  vil.insertBefore(sg.ul, chosen);
  vil.insertBefore(sg.note, chosen);

  var pin = field('r-pin', t('pin'), pinInput('new-password'), t('pin_hint'));
  bindDraft(pin.input, d, 'pin');
  var pin2 = field('r-pin2', t('pin2'), pinInput('new-password'));
  bindDraft(pin2.input, d, 'pin2');

  var alertHost = h('div');
  var submit = h('button', { type: 'submit', class: 'btn big' }, t('do_register'));
  var form = h('form', { novalidate: true, onsubmit: onSubmit }, name, pos, vil, pin, pin2, alertHost, submit);

  showPage(ctx, t('register_h'), [
    h('div', { class: 'card' }, h('h1', null, t('register_h')), form),
    h('p', null, t('have_account') + ' ', h('a', { href: '#/login', class: 'back' }, t('login')))
  ]);
  showChosen();
  if (!d.vil && vinput.value) sg.update();

  async function onSubmit(ev) {
    ev.preventDefault();
    if (submit.disabled) return;
    var bad = [];
    function check(f, key) { f.setError(key ? t(key) : null); if (key) bad.push(f); }
    check(name, validName(name.input.value));
    check(pos, sel.value ? null : 'e_position');
    check(vil, d.vil ? null : 'e_village');
    check(pin, /^[0-9]{4,8}$/.test(pin.input.value) ? null : 'e_pin');
    check(pin2, pin.input.value && pin2.input.value !== pin.input.value ? 'e_pin2' : null);
    if (bad.length) { (bad[0].input.hidden ? bad[0].querySelector('button') : bad[0].input).focus(); return; }
    var body = withTime({ name: name.input.value.trim().replace(/\s+/g, ' '), position: sel.value,
      village: d.vil, pin: pin.input.value });
    var dropped = false;
    try {
      session.me = await act(submit, alertHost, function () { return api('POST', '/register', body); },
        'net_down_saved', function () { dropped = true; });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.code === 'name_taken' && dropped) {
        /* the first try may have reached the box before the connection
         * dropped: then this name and PIN are ours */
        try { session.me = await api('POST', '/login', withTime({ name: body.name, pin: body.pin })); } catch (e2) { session.me = null; }
      }
      if (session.me) e = null;
      else if (e.code === 'name_taken') { name.setError(t('e_name_taken')); name.input.focus(); return; }
      if (e && e.code === 'invalid_field') {
        var f = { name: [name, 'e_name_chars'], position: [pos, 'e_position'], village: [vil, 'e_village'], pin: [pin, 'e_pin'] }[e.body.field];
        if (f) { f[0].setError(t(f[1])); (f[0].input.hidden ? f[0].querySelector('button') : f[0].input).focus(); return; }
      }
      if (e) {
        alertHost.appendChild(h('div', { class: 'alert bad', role: 'alert' }, h('p', null, t('error'))));
        return;
      }
    }
    session.drafts.reg = {};
    session.names = null;
    var next = session.afterLogin || '#/';
    session.afterLogin = null;
    go(next);
  }
}
