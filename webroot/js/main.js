/* Pamong Belajar: the learner app served by pamongd (docs/API.md); its
 * files and why they are five: docs/WEBAPP.md. Plain ES2017 modules, no
 * build step. This is the entry: the header's language switch, the
 * events, the screens (screens.js) handed to the router (core.js).
 * Rules kept throughout: user strings only ever go through textContent
 * (the one innerHTML is the signed pack's own lesson HTML, lessonNode in
 * screens.js); a failed request shows a retry message and resends the
 * same request; form state survives errors and language switches. */
import { t, lang, setLang, takeEarly, timeWatch, setScreens, route, redraw, unhandled } from './core.js';
import {
  pageWelcome, pageLogin, pageRegister, pageNewPin, pageHome, pageCourse, pageLesson, pageQuiz, pageCertificate
} from './screens.js';

/* The header (index.html) in the current language. */
function applyLang() {
  document.documentElement.lang = lang;
  var b = document.getElementById('lang');
  b.textContent = t('lang_btn');
  b.setAttribute('lang', lang === 'id' ? 'en' : 'id');
  b.setAttribute('aria-label', t('lang_aria'));
  document.getElementById('skip').textContent = t('skip');
  var brand = document.getElementById('brand');
  brand.lastChild.textContent = t('app');
}

setScreens({
  welcome: pageWelcome,
  login: pageLogin,
  register: pageRegister,
  newpin: pageNewPin,
  home: pageHome,
  course: pageCourse,
  lesson: pageLesson,
  quiz: pageQuiz,
  certificate: pageCertificate
});
timeWatch();
document.getElementById('lang').addEventListener('click', function () {
  setLang(lang === 'id' ? 'en' : 'id');
  applyLang();
  redraw();
});
window.addEventListener('hashchange', route);
/* Errors from button handlers end here: never a blank or stuck screen. */
window.addEventListener('unhandledrejection', unhandled);
applyLang();
takeEarly();
route();
