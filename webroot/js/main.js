/* Pamong Belajar: the learner app served by pamongd (docs/API.md).
 * Plain ES2017 modules, no dependencies, no build step; index.html loads
 * this file and preloads every module below (keep its list in step: the
 * browser tests compare it with the imports).
 *
 *   main.js         start: the header's language switch, events, the screens wired to the router
 *   router.js       hash routes, the page around every screen, error pages
 *   screens/*.js    one module per screen (welcome, login, register, home,
 *                   course, lesson, quiz, certificate)
 *   forms.js        form fields, drafts, suggestions (login, register)
 *   parts.js        course data, progress bars, badges (several screens)
 *   lesson-time.js  time spent reading lessons, sent to the box
 *   retry.js        the retry message and loops that resend a failed request
 *   api.js          requests to the box and their errors
 *   session.js      who is logged in, lists from the box, drafts
 *   i18n.js         language, t(); strings-id.js, strings-en.js: every text
 *   dom.js          the element builder; util.js: storage, ids, search keys
 *
 * Rules kept throughout: user strings only ever go through textContent
 * (the one innerHTML is the signed pack's own lesson HTML, screens/lesson.js);
 * a failed request shows a retry message and resends the same request;
 * form state survives errors and language switches (drafts). */
import { t, lang, setLang } from './i18n.js';
import { takeEarly } from './api.js';
import { timeWatch } from './lesson-time.js';
import { setScreens, route, redraw, unhandled } from './router.js';
import { pageWelcome } from './screens/welcome.js';
import { pageLogin } from './screens/login.js';
import { pageRegister } from './screens/register.js';
import { pageHome } from './screens/home.js';
import { pageCourse } from './screens/course.js';
import { pageLesson } from './screens/lesson.js';
import { pageQuiz } from './screens/quiz.js';
import { pageCertificate } from './screens/certificate.js';

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
