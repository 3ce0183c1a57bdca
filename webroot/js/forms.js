/* Form parts of the login and registration screens: a labelled field with
 * its hint and error, drafts that survive errors and language switches,
 * PIN inputs, and tappable suggestions under a text input. */
import { h, clear } from './dom.js';

/* A labelled input with an optional hint and an error line (setError). */
export function field(id, labelText, input, hint) {
  var hintEl = hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null;
  var errEl = h('p', { class: 'err', id: id + '-err', hidden: true });
  input.id = id;
  input.setAttribute('aria-describedby', (hint ? id + '-hint ' : '') + id + '-err');
  var wrap = h('div', { class: 'field' }, h('label', { for: id }, labelText), input, hintEl, errEl);
  wrap.setError = function (msg) {
    errEl.textContent = msg || '';
    errEl.hidden = !msg;
    if (msg) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  wrap.input = input;
  return wrap;
}

/* Keeps input's value in draft[key], and starts from it. */
export function bindDraft(input, draft, key) {
  if (draft[key] != null) input.value = draft[key];
  input.addEventListener('input', function () { draft[key] = input.value; });
  input.addEventListener('change', function () { draft[key] = input.value; });
}

export function pinInput(autocomplete) {
  return h('input', { type: 'password', inputmode: 'numeric', pattern: '[0-9]*', maxlength: '8',
    autocomplete: autocomplete });
}

/* A list of tappable suggestions under a text input. items(query) returns
 * {list: [{label, sub, pick}], note: text under the list}. */
export function suggester(input, listLabel, items) {
  var ul = h('ul', { class: 'sugg', 'aria-label': listLabel, hidden: true });
  var note = h('p', { class: 'hint', 'aria-live': 'polite' });
  function update() {
    var r = items(input.value);
    clear(ul);
    r.list.forEach(function (it) {
      ul.appendChild(h('li', null, h('button', { type: 'button', onclick: function () { it.pick(); } },
        it.label, it.sub ? h('span', null, it.sub) : null)));
    });
    ul.hidden = r.list.length === 0;
    note.textContent = r.note || '';
  }
  input.addEventListener('input', update);
  input.setAttribute('autocomplete', input.getAttribute('autocomplete') || 'off');
  return { ul: ul, note: note, update: update };
}
