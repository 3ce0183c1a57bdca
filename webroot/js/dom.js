/* Building the page. Strings always become text nodes: nothing a learner
 * or the box sends is ever parsed as HTML here. */

/* The page's content area (index.html's <main>): every screen is drawn in it. */
export var main = document.getElementById('main');

/* Element builder: h('p', {class: 'x', onclick: fn}, 'text', child, [kids]).
 * Strings always become text nodes. */
export function h(tag, props) {
  var el = document.createElement(tag);
  var k;
  for (k in props || {}) {
    var v = props[k];
    if (v == null || v === false) continue;
    if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
  return el;
}
export function add(el, kid) {
  if (kid == null || kid === false) return;
  if (Array.isArray(kid)) { kid.forEach(function (k) { add(el, k); }); return; }
  el.appendChild(typeof kid === 'object' ? kid : document.createTextNode(String(kid)));
}
export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

export function onScreen(el) { return !!el && document.body.contains(el); }

/* Says msg to screen readers (index.html's #status live region). */
export function announce(msg) {
  var s = document.getElementById('status');
  s.textContent = '';
  setTimeout(function () { s.textContent = msg; }, 50);
}
