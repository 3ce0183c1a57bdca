/* The language of the interface and its texts: Bahasa Indonesia first,
 * English second (the choice is remembered on the phone). */
import id from './strings-id.js';
import en from './strings-en.js';
import { store, recall } from './util.js';

var STR = { id: id, en: en };

/* 'id' or 'en'; importers see every change (setLang). */
export var lang = recall('pb.lang') === 'en' ? 'en' : 'id';

export function setLang(l) {
  lang = l;
  store('pb.lang', lang);
}

/* The text of key in the current language (Indonesian where it lacks one),
 * with {name} replaced by vars.name. */
export function t(key, vars) {
  var s = STR[lang][key];
  if (s == null) s = STR.id[key];
  if (vars) s = s.replace(/\{(\w+)\}/g, function (m, k) { return vars[k] != null ? String(vars[k]) : m; });
  return s;
}

/* A date (ms since the epoch) as the learner reads it: "5 Mei 2025". */
export function fmtDate(ms) {
  try {
    return new Date(ms).toLocaleDateString(lang === 'en' ? 'en-GB' : 'id-ID',
      { day: 'numeric', month: 'long', year: 'numeric' });
  } catch (e) { return new Date(ms).toISOString().slice(0, 10); }
}
