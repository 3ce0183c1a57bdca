/* store_progress.c — lessons and per-learner-per-course summaries in the
 * store (see store_progress.h). */
#include <stdio.h>
#include <string.h>

#include "store_int.h"
#include "store_progress.h"

/* ---- summaries ---- */

static const char sql_sum_ensure[] =
    "INSERT INTO course_summary (learner, course, status, lessons_total, "
    "first_activity, last_activity, rev, first_boot, last_boot) "
    "VALUES (?, ?, 'in_progress', ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (learner, course) DO NOTHING";
static const char sql_sum_read[] =
    "SELECT lessons_total, best_score, passed, attempts, first_activity, "
    "completed_at FROM course_summary WHERE learner = ? AND course = ?";
static const char sql_sum_lessons[] =
    "SELECT count(completed_at), coalesce(sum(seconds_spent), 0) "
    "FROM lesson_progress WHERE learner = ? AND course = ?";
static const char sql_sum_write[] =
    "UPDATE course_summary SET status = ?, lessons_done = ?, lessons_total = ?, "
    "best_score = ?, passed = ?, attempts = ?, seconds_spent = ?, "
    "first_activity = ?, last_activity = ?, completed_at = ?, rev = ?, "
    /* the boot of each time that this write sets (SET sees the old row) */
    "first_boot = CASE WHEN first_activity = 0 THEN ? ELSE first_boot END, "
    "last_boot = ?, "
    "completed_boot = CASE WHEN completed_at = 0 AND ? != 0 THEN ? "
    "ELSE completed_boot END "
    "WHERE learner = ? AND course = ?";

/* Recompute (learner, course)'s summary after an activity at w under rev.
 * lessons_total < 0 keeps the stored one. Completion is sticky: once a
 * course is completed it stays completed with its first completed_at. */
pb_err
store__summary_update(struct store *st, const char *learner, const char *course,
    int lessons_total, const struct store_when *w, int64_t rev,
    const struct store__finish *fin, struct store_summary *out)
{
	sqlite3_stmt *stmt;
	struct store_summary s;
	pb_err err;

	memset(&s, 0, sizeof(s));
	if ((stmt = store__prep(st->w, sql_sum_ensure)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "ttdiiitt", learner, course,
	    lessons_total < 0 ? 0 : lessons_total, w->wall_ms, w->wall_ms, rev,
	    w->boot_id, w->boot_id);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;

	if ((stmt = store__prep(st->w, sql_sum_read)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tt", learner, course);
	if (err == PB_OK)
		err = sqlu_step_row(stmt);
	if (err == PB_OK) {
		s.lessons_total = sqlite3_column_int(stmt, 0);
		s.best_score = sqlite3_column_int(stmt, 1);
		s.passed = sqlite3_column_int(stmt, 2);
		s.attempts = sqlite3_column_int(stmt, 3);
		s.first_activity = sqlite3_column_int64(stmt, 4);
		s.completed_at = sqlite3_column_int64(stmt, 5);
	}
	sqlu_done(stmt);
	if (err != PB_OK)
		return err == PB_ERR_NOTFOUND ? PB_ERR_DB : err;

	if ((stmt = store__prep(st->w, sql_sum_lessons)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tt", learner, course);
	if (err == PB_OK)
		err = sqlu_step_row(stmt);
	if (err == PB_OK) {
		s.lessons_done = sqlite3_column_int(stmt, 0);
		s.seconds_spent = sqlite3_column_int64(stmt, 1);
	}
	sqlu_done(stmt);
	if (err != PB_OK)
		return err == PB_ERR_NOTFOUND ? PB_ERR_DB : err;

	if (lessons_total >= 0)
		s.lessons_total = lessons_total;
	if (fin != NULL) {
		s.attempts++;
		if (fin->score > s.best_score)
			s.best_score = fin->score;
		if (fin->passed)
			s.passed = 1;
	}
	if (s.first_activity == 0)
		s.first_activity = w->wall_ms;
	s.last_activity = w->wall_ms;
	if (s.completed_at == 0 && s.passed && s.lessons_done >= s.lessons_total)
		s.completed_at = w->wall_ms > 0 ? w->wall_ms : 1;
	snprintf(s.status, sizeof(s.status), "%s",
	    s.completed_at != 0 ? "completed" : "in_progress");
	s.rev = rev;

	if ((stmt = store__prep(st->w, sql_sum_write)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tdddddiiiiittittt", s.status, s.lessons_done,
	    s.lessons_total, s.best_score, s.passed, s.attempts, s.seconds_spent,
	    s.first_activity, s.last_activity, s.completed_at, s.rev, w->boot_id,
	    w->boot_id, s.completed_at, w->boot_id, learner, course);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err == PB_OK && out != NULL) {
		snprintf(s.learner, sizeof(s.learner), "%s", learner);
		snprintf(s.course, sizeof(s.course), "%s", course);
		*out = s;
	}
	return err;
}

/* ---- lessons ---- */

enum store__lesson_kind { STORE__OPEN, STORE__COMPLETE, STORE__TIME };

struct store__lesson {
	const char *learner, *course, *lesson;
	int64_t seconds;
	int lessons_total;
	const struct store_when *w;
	int *lessons_done;
	enum store__lesson_kind kind;
	const char *visit;   /* NULL, or the visit whose running total seconds is */
};

static const char sql_visit_get[] =
    "SELECT seconds FROM lesson_visits WHERE learner = ? AND visit = ?";
static const char sql_visit_put[] =
    "INSERT INTO lesson_visits (learner, visit, course, lesson, seconds) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (learner, visit) DO UPDATE SET "
    "seconds = max(seconds, excluded.seconds)";

/* The seconds a visit's running total adds to what was counted of it;
 * records the new total. */
static pb_err
store__visit_delta(struct store *st, const struct store__lesson *a, int64_t *delta)
{
	sqlite3_stmt *stmt;
	int64_t before = 0;
	pb_err err;
	int rc;

	if ((stmt = store__prep(st->w, sql_visit_get)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tt", a->learner, a->visit);
	if (err == PB_OK) {
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			before = sqlite3_column_int64(stmt, 0);
		else if (rc != SQLITE_DONE)
			err = PB_ERR_DB;
	}
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;
	*delta = a->seconds > before ? a->seconds - before : 0;
	if ((stmt = store__prep(st->w, sql_visit_put)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tttti", a->learner, a->visit, a->course, a->lesson, a->seconds);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

static const char sql_lesson_open[] =
    "INSERT INTO lesson_progress (learner, course, lesson, opened_at, last_activity) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (learner, course, lesson) "
    "DO UPDATE SET last_activity = excluded.last_activity";
static const char sql_lesson_complete[] =
    "INSERT INTO lesson_progress (learner, course, lesson, opened_at, completed_at, "
    "seconds_spent, last_activity) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (learner, course, lesson) DO UPDATE SET "
    "completed_at = coalesce(completed_at, excluded.completed_at), "
    "seconds_spent = seconds_spent + excluded.seconds_spent, "
    "last_activity = excluded.last_activity";
static const char sql_lesson_time[] =
    "INSERT INTO lesson_progress (learner, course, lesson, opened_at, seconds_spent, "
    "last_activity) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (learner, course, lesson) DO UPDATE SET "
    "seconds_spent = seconds_spent + excluded.seconds_spent, "
    "last_activity = excluded.last_activity";

static pb_err
store__lesson(struct store *st, void *arg)
{
	struct store__lesson *a = arg;
	struct store_summary s;
	sqlite3_stmt *stmt;
	int64_t rev, wall = a->w->wall_ms, seconds = a->seconds;
	pb_err err;

	if (a->visit != NULL && a->kind != STORE__OPEN &&
	    (err = store__visit_delta(st, a, &seconds)) != PB_OK)
		return err;
	if (a->kind == STORE__OPEN) {
		if ((stmt = store__prep(st->w, sql_lesson_open)) == NULL)
			return PB_ERR_DB;
		err = sqlu_bind(stmt, "tttii", a->learner, a->course, a->lesson, wall,
		    wall);
	} else if (a->kind == STORE__TIME) {
		if ((stmt = store__prep(st->w, sql_lesson_time)) == NULL)
			return PB_ERR_DB;
		err = sqlu_bind(stmt, "tttiii", a->learner, a->course, a->lesson, wall,
		    seconds, wall);
	} else {
		if ((stmt = store__prep(st->w, sql_lesson_complete)) == NULL)
			return PB_ERR_DB;
		err = sqlu_bind(stmt, "tttiiii", a->learner, a->course, a->lesson, wall,
		    wall, seconds, wall);
	}
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;
	err = store__event(st, a->learner, a->course, a->kind == STORE__COMPLETE ?
	    "lesson_complete" : a->kind == STORE__TIME ? "lesson_time" : "lesson_open",
	    a->lesson, a->w, &rev);
	if (err == PB_OK)
		err = store__summary_update(st, a->learner, a->course, a->lessons_total,
		    a->w, rev, NULL, &s);
	if (err == PB_OK && a->lessons_done != NULL)
		*a->lessons_done = s.lessons_done;
	return err;
}

pb_err
store_lesson_open(struct store *st, const char *learner, const char *course,
    const char *lesson, int lessons_total, const struct store_when *w)
{
	struct store_when def;
	struct store__lesson a = { learner, course, lesson, 0, lessons_total, NULL,
		NULL, STORE__OPEN, NULL };

	if (learner == NULL || course == NULL || lesson == NULL)
		return PB_ERR_INVALID;
	a.w = store__when(st, w, &def);
	return store__submit(st, store__lesson, &a);
}

pb_err
store_lesson_complete(struct store *st, const char *learner, const char *course,
    const char *lesson, int64_t seconds, int lessons_total, const struct store_when *w,
    int *lessons_done)
{
	struct store_when def;
	int done = 0;
	struct store__lesson a = { learner, course, lesson, seconds, lessons_total,
		NULL, &done, STORE__COMPLETE, NULL };
	pb_err err;

	if (learner == NULL || course == NULL || lesson == NULL || seconds < 0)
		return PB_ERR_INVALID;
	a.w = store__when(st, w, &def);
	err = store__submit(st, store__lesson, &a);
	if (err == PB_OK && lessons_done != NULL)
		*lessons_done = done;
	return err;
}

pb_err
store_lesson_time(struct store *st, const char *learner, const char *course,
    const char *lesson, int64_t seconds, int lessons_total, const struct store_when *w)
{
	struct store_when def;
	struct store__lesson a = { learner, course, lesson, seconds, lessons_total,
		NULL, NULL, STORE__TIME, NULL };

	if (learner == NULL || course == NULL || lesson == NULL || seconds < 0)
		return PB_ERR_INVALID;
	a.w = store__when(st, w, &def);
	return store__submit(st, store__lesson, &a);
}

pb_err
store_lesson_visit(struct store *st, const char *learner, const char *course,
    const char *lesson, const char *visit, int64_t total, int complete, int lessons_total,
    const struct store_when *w, int *lessons_done)
{
	struct store_when def;
	int done = 0;
	struct store__lesson a = { learner, course, lesson, total, lessons_total, NULL,
		&done, complete ? STORE__COMPLETE : STORE__TIME, visit };
	pb_err err;

	if (learner == NULL || course == NULL || lesson == NULL || visit == NULL || total < 0)
		return PB_ERR_INVALID;
	a.w = store__when(st, w, &def);
	err = store__submit(st, store__lesson, &a);
	if (err == PB_OK && lessons_done != NULL)
		*lessons_done = done;
	return err;
}

/* The caller's callback and its argument, for a row callback. */
struct store__lesson_fn {
	int (*fn)(void *arg, const struct store_lesson *l);
	void *arg;
};

static int
store__lesson_row(void *arg, sqlite3_stmt *stmt)
{
	const struct store__lesson_fn *a = arg;
	struct store_lesson l;

	memset(&l, 0, sizeof(l));
	sqlu_col_text(stmt, 0, l.lesson, sizeof(l.lesson));
	l.opened = 1;
	l.done = sqlite3_column_int(stmt, 1);
	l.seconds_spent = sqlite3_column_int64(stmt, 2);
	l.last_activity = sqlite3_column_int64(stmt, 3);
	return a->fn(a->arg, &l);
}

pb_err
store_lessons(struct store *st, const char *learner, const char *course,
    int (*fn)(void *arg, const struct store_lesson *l), void *arg)
{
	struct store__lesson_fn a = { fn, arg };

	return store__rows(st, "SELECT lesson, completed_at IS NOT NULL, "
	    "seconds_spent, last_activity FROM lesson_progress "
	    "WHERE learner = ? AND course = ? ORDER BY opened_at, lesson",
	    store__lesson_row, &a, "tt", learner, course);
}

void
store__row_summary(sqlite3_stmt *stmt, struct store_summary *s)
{
	memset(s, 0, sizeof(*s));
	sqlu_col_text(stmt, 0, s->learner, sizeof(s->learner));
	sqlu_col_text(stmt, 1, s->course, sizeof(s->course));
	sqlu_col_text(stmt, 2, s->status, sizeof(s->status));
	s->lessons_done = sqlite3_column_int(stmt, 3);
	s->lessons_total = sqlite3_column_int(stmt, 4);
	s->best_score = sqlite3_column_int(stmt, 5);
	s->passed = sqlite3_column_int(stmt, 6);
	s->attempts = sqlite3_column_int(stmt, 7);
	s->seconds_spent = sqlite3_column_int64(stmt, 8);
	s->first_activity = sqlite3_column_int64(stmt, 9);
	s->last_activity = sqlite3_column_int64(stmt, 10);
	s->completed_at = sqlite3_column_int64(stmt, 11);
	s->rev = sqlite3_column_int64(stmt, 12);
	s->pre_score = sqlite3_column_int(stmt, 13);
}

int
store__summary_each(void *arg, sqlite3_stmt *stmt)
{
	const struct store__summary_fn *a = arg;
	struct store_summary s;

	store__row_summary(stmt, &s);
	return a->fn(a->arg, &s);
}

static int
store__summary_read(void *arg, sqlite3_stmt *stmt)
{
	store__row_summary(stmt, arg);
	return 0;
}

pb_err
store_summary_get(struct store *st, const char *learner, const char *course,
    struct store_summary *out)
{
	return store__row(st, "SELECT " STORE__SUMMARY_COLS " FROM "
	    "course_summary WHERE learner = ? AND course = ?", store__summary_read, out,
	    "tt", learner, course);
}

pb_err
store_summaries(struct store *st, const char *learner,
    int (*fn)(void *arg, const struct store_summary *s), void *arg)
{
	struct store__summary_fn a = { fn, arg };

	return store__rows(st, "SELECT " STORE__SUMMARY_COLS " FROM "
	    "course_summary WHERE learner = ? ORDER BY last_activity DESC, rev DESC",
	    store__summary_each, &a, "t", learner);
}
