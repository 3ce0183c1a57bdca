/* The console's screens for getting in and for the console itself: first
 * setup, login, logout, facilitators, my account, the audit log. */
import { t, h, show, field, banner, api, failText, session, screen, menu, go, forget, when, announce, confirmBox } from './core.js';

/* Field errors the box names → the field's text. */
function fieldError(res, fields) {
  var b = res.body || {};
  if (res.status === 400 && b.field && fields[b.field]) {
    var key = { code: 'wrong_code', username: 'bad_username', password: 'bad_password', old_password: 'bad_old_password' }[b.field];
    fields[b.field].error(t(key || 'error'));
    fields[b.field].input.focus();
    return true;
  }
  return false;
}
function clearErrors(fields) { Object.keys(fields).forEach(function (k) { fields[k].error(''); }); }

/* A form that sends on submit with its button off while it waits. */
function form(kids, onsubmit) {
  var f = h('form', { novalidate: true }, kids);
  f.addEventListener('submit', function (e) {
    e.preventDefault();
    var btn = f.querySelector('button[type=submit]');
    if (btn.disabled) return;
    btn.disabled = true;
    Promise.resolve(onsubmit()).then(function () { btn.disabled = false; }, function () { btn.disabled = false; });
  });
  return f;
}

/* ---------- first setup ---------- */

screen('setup', function () {
  return api('GET', 'setup').then(function (res) {
    var st = res.body || {};
    if (res.status === 200 && !st.needed) { go('#/login'); return; }
    var msg = banner();
    var fields = {
      code: field(t('setup_code'), { name: 'code', autocomplete: 'off', inputmode: 'numeric', required: !st.button }, t('setup_code_hint')),
      username: field(t('username'), { name: 'username', autocomplete: 'username', autocapitalize: 'none', required: true }, t('username_hint')),
      password: field(t('password'), { name: 'password', type: 'password', autocomplete: 'new-password', required: true }, t('password_hint'))
    };
    show(t('setup_h'), h('div', { class: 'narrow' }, h('div', { class: 'card' },
      h('h1', null, t('setup_h')), h('p', null, t('setup_p')),
      st.button ? h('p', { class: 'banner ok' }, t('setup_button')) : null, msg,
      form([fields.code.el, fields.username.el, fields.password.el,
        h('button', { type: 'submit', class: 'btn' }, t('setup_go'))], function () {
        clearErrors(fields);
        msg.set('');
        return api('POST', 'setup', { code: fields.code.input.value.trim(), username: fields.username.input.value.trim(),
          password: fields.password.input.value }).then(function (res) {
          if (res.status === 201) { go('#/today'); return; }
          if (fieldError(res, fields)) return;
          msg.set(res.status === 409 ? t('already_set_up') : failText(res));
        });
      }))));
  });
}, true);

/* ---------- login ---------- */

screen('login', function () {
  return api('GET', 'setup').then(function (res) {
    if (res.status === 200 && res.body.needed) { go('#/setup'); return; }
    var msg = banner();
    var user = field(t('username'), { name: 'username', autocomplete: 'username', autocapitalize: 'none', required: true });
    var pw = field(t('password'), { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    show(t('login_h'), h('div', { class: 'narrow' }, h('div', { class: 'card' },
      h('h1', null, t('login_h')), msg,
      form([user.el, pw.el, h('button', { type: 'submit', class: 'btn' }, t('login_go'))], function () {
        msg.set('');
        return api('POST', 'login', { username: user.input.value.trim(), password: pw.input.value }).then(function (res) {
          if (res.status === 200) { go('#/today'); return; }
          msg.set(res.status === 401 ? t('wrong_login') : res.status === 403 && res.body && res.body.error === 'account_disabled' ? t('account_disabled') : failText(res));
          pw.input.value = '';
          pw.input.focus();
        });
      }))));
  });
}, true);

screen('logout', function () {
  return api('POST', 'logout').then(function () { forget(); go('#/login'); });
});

/* ---------- facilitators ---------- */

/* One facilitator: who added them, and for another one the buttons to
 * disable (enable) or remove them, each asked first; msg tells the outcome. */
function facRow(f, msg) {
  var li = h('li', { class: 'fac' });
  function act(method, body, q, done) {
    li.appendChild(confirmBox(t(q, { name: f.username }), function () { send(method, body, done); }));
  }
  function send(method, body, done) {
    api(method, 'facilitators/' + f.id, body).then(function (r) {
      if (r.status !== 204) {
        msg.set(r.body && r.body.error === 'last_facilitator' ? t('fac_last') : failText(r));
        return;
      }
      msg.set(t(done, { name: f.username }), true);
      announce(t(done, { name: f.username }));
      if (method === 'DELETE') { li.parentNode.removeChild(li); return; }
      f.disabled_at = body.disabled ? Date.now() : null;
      draw();
    });
  }
  function draw() {
    while (li.firstChild) li.removeChild(li.firstChild);
    li.appendChild(h('span', null, h('strong', null, f.username), ' · ',
      h('span', { class: 'muted' }, f.created_by === '-' ? t('fac_by_gone') : f.created_by ? t('fac_by', { name: f.created_by }) : t('fac_first'), ', ', when(f.created_at)),
      f.disabled_at ? [' · ', h('span', { class: 'bad' }, t('fac_disabled', { w: when(f.disabled_at) }))] : null));
    if (f.id === session.fac.id) return;
    var toggle = h('button', { type: 'button', class: 'btn alt' }, t(f.disabled_at ? 'fac_enable' : 'fac_disable'));
    toggle.addEventListener('click', function () {
      if (f.disabled_at) act('PUT', { disabled: false }, 'fac_enable_q', 'fac_enabled');
      else act('PUT', { disabled: true }, 'fac_disable_q', 'fac_disabled_done');
    });
    var remove = h('button', { type: 'button', class: 'btn danger' }, t('fac_remove'));
    remove.addEventListener('click', function () { act('DELETE', null, 'fac_remove_q', 'fac_removed'); });
    li.appendChild(h('span', { class: 'btns' }, toggle, remove));
  }
  draw();
  return li;
}

screen('facilitators', function () {
  return api('GET', 'facilitators').then(function (res) {
    if (res.status !== 200) { show(t('fac_h'), h('div', { class: 'banner', role: 'alert' }, failText(res))); return; }
    var listMsg = banner();
    var list = h('ul', { class: 'facs' }, res.body.facilitators.map(function (f) { return facRow(f, listMsg); }));
    var msg = banner();
    var fields = {
      username: field(t('username'), { name: 'username', autocomplete: 'off', autocapitalize: 'none' }, t('username_hint')),
      password: field(t('password'), { name: 'password', type: 'password', autocomplete: 'new-password' }, t('password_hint'))
    };
    show(t('fac_h'), [h('h1', null, t('fac_h')), h('div', { class: 'card' }, listMsg, list),
      h('div', { class: 'card' }, h('h2', null, t('fac_add_h')), msg,
        form([fields.username.el, fields.password.el, h('button', { type: 'submit', class: 'btn' }, t('fac_add_go'))], function () {
          clearErrors(fields);
          msg.set('');
          return api('POST', 'facilitators', { username: fields.username.input.value.trim(), password: fields.password.input.value }).then(function (r) {
            if (r.status === 201) {
              list.appendChild(facRow(r.body, listMsg));
              msg.set(t('fac_added', { name: r.body.username }), true);
              fields.username.input.value = '';
              fields.password.input.value = '';
              return;
            }
            if (fieldError(r, fields)) return;
            msg.set(r.status === 409 ? t('username_taken') : failText(r));
          });
        }))]);
  });
});

/* ---------- my account ---------- */

screen('account', function () {
  var msg = banner();
  var fields = {
    old_password: field(t('password_old'), { name: 'old', type: 'password', autocomplete: 'current-password' }),
    password: field(t('password_new'), { name: 'new', type: 'password', autocomplete: 'new-password' }, t('password_hint'))
  };
  show(t('account_h'), [h('h1', null, t('account_h')),
    h('div', { class: 'card' }, h('p', null, t('account_p', { name: session.fac.username }))),
    h('div', { class: 'card' }, h('h2', null, t('pw_change_h')), msg,
      form([fields.old_password.el, fields.password.el, h('button', { type: 'submit', class: 'btn' }, t('save'))], function () {
        clearErrors(fields);
        msg.set('');
        return api('POST', 'password', { old_password: fields.old_password.input.value, password: fields.password.input.value }).then(function (r) {
          if (r.status === 204) {
            fields.old_password.input.value = fields.password.input.value = '';
            msg.set(t('pw_changed'), true);
            announce(t('pw_changed'));
            return;
          }
          if (!fieldError(r, fields)) msg.set(failText(r));
        });
      }))]);
});

/* ---------- the audit log ---------- */

screen('audit', function () {
  var body = h('tbody');
  var more = h('button', { type: 'button', class: 'btn alt', hidden: true }, t('audit_more'));
  var msg = banner();
  var last = 0;
  function page() {
    return api('GET', 'audit' + (last ? '?before=' + last : '')).then(function (res) {
      if (res.status !== 200) { msg.set(failText(res)); return; }
      res.body.entries.forEach(function (e) {
        last = e.id;
        body.appendChild(h('tr', null, h('td', null, when(e.at)), h('td', null, e.username || t('nobody')),
          h('td', null, e.action), h('td', null, e.detail), h('td', { class: 'hide-s' }, e.addr)));
      });
      if (!body.firstChild) body.appendChild(h('tr', null, h('td', { colspan: 5 }, t('audit_none'))));
      more.hidden = !res.body.more;
    });
  }
  more.addEventListener('click', page);
  return page().then(function () {
    show(t('audit_h'), [h('h1', null, t('audit_h')), h('p', { class: 'muted' }, t('audit_p')), msg,
      h('div', { class: 'tablewrap', tabindex: 0, role: 'region', 'aria-label': t('audit_h') }, h('table', null,
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('audit_when')), h('th', { scope: 'col' }, t('audit_who')),
          h('th', { scope: 'col' }, t('audit_what')), h('th', { scope: 'col' }, t('audit_detail')),
          h('th', { scope: 'col', class: 'hide-s' }, t('audit_addr')))), body)), more]);
  });
});

menu('nav_facilitators', '#/facilitators');
menu('nav_audit', '#/audit');
menu('nav_account', '#/account');
