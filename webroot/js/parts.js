/* Pieces several screens share: a course's data and lesson links (course,
 * lesson, quiz), the progress bar and the status badge (home, course,
 * quiz). */
import { h } from './dom.js';
import { t } from './i18n.js';
import { enc } from './util.js';
import { apiGet } from './api.js';
import { load } from './retry.js';

/* A progress bar of done out of total, named label for screen readers. */
export function progressBar(done, total, label) {
  var pct = total ? Math.round(100 * done / total) : 0;
  return h('div', { class: 'bar-track', role: 'progressbar', 'aria-label': label, 'aria-valuemin': '0',
    'aria-valuemax': '100', 'aria-valuenow': String(pct), 'aria-valuetext': pct + '%' },
  h('div', { class: 'bar-fill', style: 'width:' + pct + '%' }));
}

/* A course's status (completed, in_progress, not_started) as a badge. */
export function statusBadge(st) {
  var cls = st === 'completed' ? 'done' : st === 'in_progress' ? 'cur' : 'new';
  return h('span', { class: 'badge ' + cls }, t('st_' + st));
}

/* The course cid as GET /courses/ID gives it, loaded for the screen ctx. */
export async function getCourse(ctx, cid) {
  return load(ctx, function () { return apiGet('/courses/' + enc(cid)); });
}

export function lessonHref(cid, lid) { return '#/course/' + enc(cid) + '/lesson/' + enc(lid); }
