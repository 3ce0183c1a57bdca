/* Logging in: the name (picked from the names on this box or typed) and
 * the PIN. */
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { norm } from '../util.js';
import { ApiError, api, withTime } from '../api.js';
import { load, act } from '../retry.js';
import { session } from '../session.js';
import { showPage, go } from '../router.js';
import { field, bindDraft, pinInput, suggester } from '../forms.js';

export async function pageLogin(ctx) {
  var list = await load(ctx, function () { return session.names || api('GET', '/learners/names'); });
  session.names = list;
  var d = session.drafts.login;
  var nameIn = h('input', { type: 'text', autocomplete: 'username', maxlength: '60', autocapitalize: 'words' });
  var name = field('l-name', t('name'), nameIn, t('name_pick_hint'));
  bindDraft(nameIn, d, 'name');
  var sg = suggester(nameIn, t('name_pick_list'), function (q) {
    var nq = norm(q);
    var hits = session.names.names.filter(function (n) {
      var k = norm(n);
      return !nq || k.indexOf(nq) >= 0;
    });
    if (!nq && hits.length > 8) return { list: [] };
    if (hits.length === 1 && norm(hits[0]) === nq) return { list: [] };
    return { list: hits.slice(0, 8).map(function (n) {
      return { label: n, pick: function () { nameIn.value = n; d.name = n; sg.update(); pin.input.focus(); } };
    }) };
  });
  name.insertBefore(sg.ul, name.lastChild);
  var pin = field('l-pin', t('pin_login'), pinInput('current-password'));
  bindDraft(pin.input, d, 'pin');
  var alertHost = h('div');
  var submit = h('button', { type: 'submit', class: 'btn big' }, t('do_login'));
  var form = h('form', { novalidate: true, onsubmit: onSubmit }, name, pin, alertHost, submit);
  showPage(ctx, t('login'), [
    h('div', { class: 'card' }, h('h1', null, t('login')), form),
    h('p', null, t('no_account') + ' ', h('a', { href: '#/register', class: 'back' }, t('register')))
  ]);
  sg.update();

  async function onSubmit(ev) {
    ev.preventDefault();
    if (submit.disabled) return;
    name.setError(nameIn.value.trim() ? null : t('e_login_name'));
    pin.setError(pin.input.value ? null : t('e_login_pin'));
    if (!nameIn.value.trim()) { nameIn.focus(); return; }
    if (!pin.input.value) { pin.input.focus(); return; }
    var body = withTime({ name: nameIn.value.trim().replace(/\s+/g, ' '), pin: pin.input.value });
    try {
      session.me = await act(submit, alertHost, function () { return api('POST', '/login', body); });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      var msg = e.code === 'cooldown' ? t('e_cooldown', { n: e.body.retry_after || 60 })
        : e.code === 'wrong_credentials' || e.status === 401 ? t('e_wrong')
        : e.code === 'invalid_field' || e.code === 'bad_request' ? t('e_wrong') : t('error');
      alertHost.appendChild(h('div', { class: 'alert bad', role: 'alert' }, h('p', null, msg)));
      pin.input.value = ''; d.pin = '';
      pin.input.focus();
      return;
    }
    session.drafts.login = {};
    var next = session.afterLogin || '#/';
    session.afterLogin = null;
    go(next);
  }
}
