/* The completion page of a course (the "certificate" route): who
 * completed which course, when, with which quiz score. */
import { h } from '../dom.js';
import { t, fmtDate } from '../i18n.js';
import { enc } from '../util.js';
import { ApiError, api } from '../api.js';
import { load } from '../retry.js';
import { showPage, problemPage } from '../router.js';

export async function pageCertificate(ctx, cid) {
  var cert;
  try {
    cert = await load(ctx, function () { return api('GET', '/courses/' + enc(cid) + '/certificate'); });
  } catch (e) {
    if (e instanceof ApiError && e.code === 'not_found') {
      return problemPage(ctx, t('cert_none'), '#/course/' + enc(cid), t('to_course'));
    }
    throw e;
  }
  showPage(ctx, t('cert'), [
    h('a', { class: 'back no-print', href: '#/course/' + enc(cid) }, '← ' + cert.course_title),
    h('div', { class: 'card cert', id: 'cert' },
      h('div', { class: 'seal', 'aria-hidden': 'true' }, '✓'),
      h('h1', null, t('cert')),
      h('p', { class: 'muted' }, t('cert_given')),
      h('p', { class: 'who', id: 'cert-name' }, cert.learner),
      h('p', null, t('village_line', { v: cert.village_name, d: cert.district, r: cert.regency })),
      h('p', { class: 'muted' }, t('cert_did')),
      h('p', { class: 'what', id: 'cert-course' }, cert.course_title),
      h('dl', null,
        h('dt', null, t('cert_date')), h('dd', { id: 'cert-date' }, cert.completed_at ? fmtDate(cert.completed_at) : '—'),
        h('dt', null, t('cert_score')), h('dd', { id: 'cert-score' }, String(cert.score))),
      cert.clock === 'unknown' ? h('p', { class: 'small muted' }, t('cert_clock')) : null),
    h('a', { class: 'btn alt no-print', href: '#/' }, t('to_home'))
  ]);
}
