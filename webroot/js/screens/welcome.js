/* The welcome screen of a phone that is not logged in: log in or register. */
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { showPage } from '../router.js';

export async function pageWelcome(ctx) {
  showPage(ctx, t('welcome'), h('div', { class: 'card' },
    h('h1', null, t('welcome')),
    h('p', null, t('welcome_p')),
    h('a', { class: 'btn big', href: '#/login' }, t('login')),
    h('a', { class: 'btn big alt', href: '#/register' }, t('register'))));
}
