/* The machinery of the facilitator console that knows no screen: the
 * element builder, language and texts, requests to the box (with the
 * session's CSRF token), the session, the menu and the router. Screens
 * register themselves with screen() and menu(); main.js starts it all.
 * Nothing the box sends is ever parsed as HTML: strings become text. */
import id from './strings-id.js';
import en from './strings-en.js';
/* the element builder and the request helpers are the learner app's (the
 * box serves both apps): one copy */
import { h, add, clear, requestOpts, fetchT } from '../../js/core.js';

var texts = { id: id, en: en };

/* ---------- language ---------- */

function recall(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
function remember(key, v) { try { localStorage.setItem(key, v); } catch (e) { /* private mode */ } }

export var lang = recall('pb_console_lang') === 'en' ? 'en' : 'id';
export function setLang(l) { lang = l; remember('pb_console_lang', l); }
/* A text in the current language with {name} values put in; a key only
 * one language has falls back to Indonesian. */
export function t(key, vars) {
  var s = texts[lang][key];
  if (s == null) s = id[key];
  if (s == null) s = key;
  return String(s).replace(/\{(\w+)\}/g, function (m, k) { return vars && vars[k] != null ? vars[k] : m; });
}
/* Add texts (a screen module's own keys) for both languages. */
export function addTexts(idTexts, enTexts) {
  if (enTexts === undefined) { /* one table: key: [Indonesian, English] */
    Object.keys(idTexts).forEach(function (k) { id[k] = idTexts[k][0]; en[k] = idTexts[k][1]; });
    return;
  }
  Object.assign(id, idTexts);
  Object.assign(en, enTexts);
}

/* ---------- building the page ---------- */

export var main = document.getElementById('main');

export { h, clear };

/* A question asked on the page (not a browser dialog): msg, then "yes"
 * (onYes runs) or "cancel"; the box removes itself either way. */
export function confirmBox(msg, onYes) {
  var box = h('div', { class: 'banner', role: 'alertdialog', 'aria-label': msg }, h('p', null, msg),
    h('div', { class: 'btns' },
      h('button', { type: 'button', class: 'btn danger', onclick: function () { box.remove(); onYes(); } }, t('yes')),
      h('button', { type: 'button', class: 'btn alt', onclick: function () { box.remove(); } }, t('cancel'))));
  setTimeout(function () { box.querySelector('button').focus(); }, 0);
  return box;
}

/* Tell screen readers (the live region of index.html). */
export function announce(msg) {
  var s = document.getElementById('status');
  s.textContent = '';
  setTimeout(function () { s.textContent = msg; }, 50);
}

/* Draw a screen: its content replaces main's, the title follows its
 * first heading, focus goes to main for screen readers. */
export function show(title, kids) {
  clear(main);
  main.setAttribute('data-shown', +(main.getAttribute('data-shown') || 0) + 1);
  add(main, kids);
  document.title = title + ' · ' + t('app');
  main.focus({ preventScroll: true });
}

var uid = 0;
/* A labelled input with its hint and a place for its error:
 * returns { el, input, error(msg) }. */
export function field(label, props, hint) {
  var fid = 'f' + (++uid), hid = fid + 'h', eid = fid + 'e';
  var input = props && props.options ? h('select', { id: fid, name: props.name }, props.options.map(function (o) {
    return h('option', { value: o[0], selected: o[0] === props.value }, o[1]);
  })) : h('input', Object.assign({ id: fid, 'aria-describedby': hint ? hid : null }, props || {}));
  var err = h('p', { class: 'err', id: eid, hidden: true });
  return {
    el: h('div', { class: 'field' }, h('label', { for: fid }, label), input,
      hint ? h('p', { class: 'hint', id: hid }, hint) : null, err),
    input: input,
    error: function (msg) {
      err.textContent = msg || '';
      err.hidden = !msg;
      if (msg) { input.setAttribute('aria-invalid', 'true'); input.setAttribute('aria-describedby', eid + (hint ? ' ' + hid : '')); }
      else { input.removeAttribute('aria-invalid'); if (hint) input.setAttribute('aria-describedby', hid); }
    }
  };
}

/* A banner (role=alert for errors) that can be set and hidden. */
export function banner() {
  var b = h('div', { class: 'banner', role: 'alert', hidden: true });
  b.set = function (msg, good) {
    b.textContent = msg || '';
    b.className = good ? 'banner ok' : 'banner';
    b.hidden = !msg;
  };
  return b;
}

/* ---------- the box ---------- */

/* The logged-in facilitator ({id, username}) and the CSRF token. */
export var session = { fac: null, csrf: null };

/* A request to /api/v1/console/<path>: resolves {status, body, headers}
 * (status 0 when the box cannot be reached). State changes carry the CSRF
 * token; a 401 outside getting in sends the facilitator to the login. A
 * GET answer that arrives after another screen was opened never resolves. */
export function api(method, path, body) {
  var gen = drawGen;
  var hdrs = { Accept: 'application/json' };
  if (method !== 'GET' && session.csrf) hdrs['X-CSRF-Token'] = session.csrf;
  /* no time limit: installing a large pack may take a while */
  return fetchT('/api/v1/console/' + path, requestOpts(method, body, hdrs), 0).then(function (r) {
    return r.text().then(function (txt) {
      var b = null;
      try { b = txt ? JSON.parse(txt) : null; } catch (e) { b = null; }
      if (b && b.csrf) session.csrf = b.csrf;
      if (b && b.facilitator) session.fac = b.facilitator;
      /* 'me' is the router's own question: it draws the login itself */
      if (r.status === 401 && !/^(login|setup|me)$/.test(path)) {
        session.fac = null;
        session.csrf = null;
        go('#/login');
      }
      return { status: r.status, body: b, headers: r.headers };
    });
  }, function () { return { status: 0, body: null }; }).then(function (res) {
    /* what a screen asked for after another screen was opened is not
     * wanted any more: it must not draw over the newer screen */
    return method === 'GET' && gen !== drawGen ? new Promise(function () {}) : res;
  });
}

/* The text for a failed answer (field errors are the caller's). */
export function failText(res) {
  if (res.status === 0) return t('net_down');
  if (res.status === 429) return t('wait_s', { n: (res.body && res.body.retry_after) || 60 });
  if (res.status === 503) return t('busy');
  return t('error');
}

/* ---------- dates and numbers ---------- */

export function when(ms) {
  if (!ms) return '—';
  var d = new Date(ms);
  try {
    return d.toLocaleString(lang === 'id' ? 'id-ID' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  } catch (e) { return d.toISOString().replace('T', ' ').slice(0, 16); }
}
export function num(n) {
  try { return Number(n).toLocaleString(lang === 'id' ? 'id-ID' : 'en-GB'); } catch (e) { return String(n); }
}

/* ---------- menu and router ---------- */

var screens = {};   /* first path part → function(parts, query) */
var menuItems = []; /* { key, hash } in menu order */
var publicScreens = { login: 1, setup: 1 };

/* A screen for #/name/...: fn(parts) draws it (parts: the path after #/). */
export function screen(name, fn, isPublic) {
  screens[name] = fn;
  if (isPublic) publicScreens[name] = 1;
}
/* An entry of the menu (shown once logged in): label key, hash. */
export function menu(key, hash) { menuItems.push({ key: key, hash: hash }); }

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function drawMenu(current) {
  var nav = document.getElementById('nav');
  clear(nav);
  nav.setAttribute('aria-label', t('nav_aria'));
  nav.hidden = !session.fac;
  if (!session.fac) return;
  menuItems.forEach(function (m) {
    nav.appendChild(h('a', { href: m.hash, 'aria-current': m.hash === '#/' + current ? 'page' : null }, t(m.key)));
  });
  nav.appendChild(h('a', { href: '#/logout' }, t('logout')));
}

/* Who is logged in, asked once per page load (the cookie is HttpOnly). */
var known = false;
function whoami() {
  if (known) return Promise.resolve();
  return api('GET', 'me').then(function (res) {
    known = true;
    if (res.status !== 200) { session.fac = null; session.csrf = null; }
  });
}
export function forget() { known = true; session.fac = null; session.csrf = null; }

/* The hash being drawn and its promise: asking again for the same hash
 * while it is drawn (a redirect that several answers ask for, a hashchange
 * after go()) joins it, so a late second drawing cannot wipe what the
 * facilitator has typed meanwhile. route(true) draws again anyway (the
 * language switch). */
var drawing = null;
var drawn = null;
var drawGen = 0; /* counts drawings started; api() drops older GET answers */

export function route(force) {
  var at = location.hash;
  if (drawing === at && force !== true) return drawn;
  drawing = at;
  drawGen++;
  var done = function () { if (drawing === at) drawing = null; };
  drawn = draw(at);
  drawn.then(done, done);
  return drawn;
}

function draw(at) {
  var hash = at.replace(/^#\/?/, '');
  var q = hash.indexOf('?');
  var query = new URLSearchParams(q >= 0 ? hash.slice(q + 1) : '');
  var parts = (q >= 0 ? hash.slice(0, q) : hash).split('/').filter(Boolean).map(decodeURIComponent);
  return whoami().then(function () {
    var name = parts[0] || (session.fac ? 'today' : 'login');
    if (!session.fac && !publicScreens[name]) name = 'login';
    if (session.fac && publicScreens[name]) name = 'today';
    drawMenu(name);
    var fn = screens[name] || screens.today;
    return fn(parts.slice(1), query);
  });
}
