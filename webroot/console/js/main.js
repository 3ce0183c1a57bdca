/* The console's entry: the header's language switch, then the router
 * (core.js) over the screens (screens*.js register themselves). */
import { t, lang, setLang, route } from './core.js';
import './screens-learners.js';
import './screens.js';
import './screens-data.js';
import './screens-print.js';
import './screens-box.js';

function header() {
  document.documentElement.lang = lang;
  var b = document.getElementById('lang');
  b.textContent = t('lang_btn');
  b.setAttribute('lang', lang === 'id' ? 'en' : 'id');
  b.setAttribute('aria-label', t('lang_aria'));
  document.getElementById('brand-t').textContent = t('app');
  document.getElementById('skip').textContent = t('skip');
}

document.getElementById('lang').addEventListener('click', function () {
  setLang(lang === 'id' ? 'en' : 'id');
  header();
  route(true);
});
window.addEventListener('hashchange', route);
header();
route();
