/* store_learner_admin.c — what a facilitator does for learners in the
 * store (see store_learner.h): corrections, PIN resets, merges. */
#include <string.h>

#include "store_int.h"
#include "store_learner.h"

#define STORE__MERGE_COURSES 256 /* courses one learner can have summaries of */

struct store__all_fn {
	int (*fn)(void *arg, const struct store_learner *l, const char *pin_hash);
	void *arg;
};

static int
store__all_row(void *arg, sqlite3_stmt *stmt)
{
	struct store__all_fn *a = arg;
	struct store_learner l;

	store__row_learner_full(stmt, &l);
	return a->fn(a->arg, &l, (const char *)sqlite3_column_text(stmt, 5));
}

pb_err
store_learner_all_by_name(struct store *st, const char *name_key,
    int (*fn)(void *arg, const struct store_learner *l, const char *pin_hash), void *arg)
{
	struct store__all_fn a = { fn, arg };

	return store__rows(st, "SELECT id, name, position, village, registered_at, pin_hash, "
	    "pin_reset, '' FROM learners WHERE name_norm = ? AND merged_into IS NULL "
	    "ORDER BY registered_at, id LIMIT 20", store__all_row, &a, "t", name_key);
}

/* ---- corrections ---- */

struct store__edit {
	const struct store_learner *l;
	const char *name_key;
	const struct store_when *w;
};

static pb_err
store__learner_edit(struct store *st, void *arg)
{
	struct store__edit *a = arg;
	sqlite3_stmt *stmt;
	int64_t rev;
	pb_err err;

	err = store__event(st, a->l->id, NULL, "learner_edit", a->l->name, a->w, &rev);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(st->w, "UPDATE learners SET name = ?2, name_norm = ?3, "
	    "name_key = ?3 || '|' || ?5 || '|' || ?4, position = ?4, village = ?5, rev = ?6 "
	    "WHERE id = ?1 AND merged_into IS NULL")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "ttttti", a->l->id, a->l->name, a->name_key,
	    a->l->position, a->l->village, rev);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	if (err == PB_OK && sqlite3_changes(st->w->db) == 0)
		err = PB_ERR_NOTFOUND;
	sqlu_done(stmt);
	return err;
}

pb_err
store_learner_edit(struct store *st, const struct store_learner *l, const char *name_key,
    const struct store_when *w)
{
	struct store_when def;
	struct store__edit a = { l, name_key, NULL };

	a.w = store__when(st, w, &def);
	return store__submit(st, store__learner_edit, &a);
}

/* ---- PINs ---- */

struct store__pin {
	const char *id, *pin_hash, *keep;
	int reset;
};

static pb_err
store__learner_set_pin(struct store *st, void *arg)
{
	struct store__pin *a = arg;
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, "UPDATE learners SET pin_hash = ?, pin_reset = ? "
	    "WHERE id = ? AND merged_into IS NULL")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tdt", a->pin_hash, a->reset, a->id);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	if (err == PB_OK && sqlite3_changes(st->w->db) == 0)
		err = PB_ERR_NOTFOUND;
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(st->w, "DELETE FROM sessions WHERE learner = ? AND "
	    "token_hash != ?")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tt", a->id, a->keep ? a->keep : "");
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

pb_err
store_learner_set_pin(struct store *st, const char *id, const char *pin_hash, int reset,
    const char *keep)
{
	struct store__pin a = { id, pin_hash, keep, reset };

	return store__submit(st, store__learner_set_pin, &a);
}

/* ---- merges ---- */

struct store__merge {
	const char *from, *into;
	const struct store_when *w;
};

/* One statement of the merge: ?1 from, ?2 into, ?3 a rev (or time), ?4 a
 * course, as many of them as it uses. */
static pb_err
store__merge_exec(struct store *st, const char *sql, const struct store__merge *a,
    int64_t rev, const char *course)
{
	sqlite3_stmt *stmt;
	pb_err err = PB_OK;
	int n, rc = SQLITE_OK;

	if ((stmt = sqlu_prep(st->w->db, &st->w->cache, sql)) == NULL)
		return PB_ERR_DB;
	n = sqlite3_bind_parameter_count(stmt);
	if (n >= 1)
		rc |= sqlite3_bind_text(stmt, 1, a->from, -1, SQLITE_STATIC);
	if (n >= 2)
		rc |= sqlite3_bind_text(stmt, 2, a->into, -1, SQLITE_STATIC);
	if (n >= 3)
		rc |= sqlite3_bind_int64(stmt, 3, rev);
	if (n >= 4)
		rc |= sqlite3_bind_text(stmt, 4, course ? course : "", -1, SQLITE_STATIC);
	if (rc != SQLITE_OK)
		err = PB_ERR_DB;
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

/* Both learners exist and are not merged, and are two. */
static pb_err
store__merge_check(struct store *st, const struct store__merge *a)
{
	sqlite3_stmt *stmt;
	pb_err err = PB_OK;
	int n = 0, merged = 0;

	if (strcmp(a->from, a->into) == 0)
		return PB_ERR_INVALID;
	if ((stmt = store__prep(st->w, "SELECT count(*), count(merged_into) FROM learners "
	    "WHERE id IN (?, ?)")) == NULL)
		return PB_ERR_DB;
	if (sqlu_bind(stmt, "tt", a->from, a->into) != PB_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW)
		err = PB_ERR_DB;
	else {
		n = sqlite3_column_int(stmt, 0);
		merged = sqlite3_column_int(stmt, 1);
	}
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;
	return n != 2 ? PB_ERR_NOTFOUND : merged ? PB_ERR_INVALID : PB_OK;
}

/* Fold from's summary of course into into's (which exists). */
static const char sql_merge_summary[] =
    "UPDATE course_summary AS y SET"
    "  lessons_total = max(y.lessons_total, x.lessons_total),"
    "  best_score = max(y.best_score, x.best_score),"
    "  passed = max(y.passed, x.passed),"
    /* the pre-test score is the first finished pre-test (content/FORMAT.md):
     * of the one account that took it, or of both the earlier (their
     * attempts are into's by now) */
    "  pre_score = CASE WHEN x.pre_score < 0 THEN y.pre_score"
    "    WHEN y.pre_score < 0 THEN x.pre_score"
    "    ELSE coalesce((SELECT a.score FROM attempts a WHERE a.learner = ?2"
    "      AND a.course = ?4 AND a.kind = 'pre' AND a.finished_at IS NOT NULL"
    "      ORDER BY a.finished_at, a.started_at LIMIT 1), y.pre_score) END,"
    "  attempts = y.attempts + x.attempts,"
    "  lessons_done = (SELECT count(*) FROM lesson_progress p WHERE p.learner = ?2"
    "    AND p.course = ?4 AND p.completed_at IS NOT NULL),"
    "  seconds_spent = (SELECT coalesce(sum(seconds_spent), 0) FROM lesson_progress p"
    "    WHERE p.learner = ?2 AND p.course = ?4),"
    "  first_boot = CASE WHEN x.first_activity != 0 AND (y.first_activity = 0 OR"
    "    x.first_activity < y.first_activity) THEN x.first_boot ELSE y.first_boot END,"
    "  first_activity = CASE WHEN x.first_activity != 0 AND (y.first_activity = 0 OR"
    "    x.first_activity < y.first_activity) THEN x.first_activity ELSE y.first_activity END,"
    "  last_boot = CASE WHEN x.last_activity > y.last_activity THEN x.last_boot"
    "    ELSE y.last_boot END,"
    "  last_activity = max(x.last_activity, y.last_activity),"
    "  completed_boot = CASE WHEN x.completed_at != 0 AND (y.completed_at = 0 OR"
    "    x.completed_at < y.completed_at) THEN x.completed_boot ELSE y.completed_boot END,"
    "  completed_at = CASE WHEN x.completed_at != 0 AND (y.completed_at = 0 OR"
    "    x.completed_at < y.completed_at) THEN x.completed_at ELSE y.completed_at END,"
    "  rev = ?3 "
    "FROM (SELECT * FROM course_summary WHERE learner = ?1 AND course = ?4) AS x "
    "WHERE y.learner = ?2 AND y.course = ?4";

/* After the fold: completed if it now has every lesson and a pass. */
static const char sql_merge_status[] =
    "UPDATE course_summary SET"
    "  completed_at = CASE WHEN completed_at = 0 AND passed != 0 AND"
    "    lessons_done >= lessons_total THEN max(last_activity, 1) ELSE completed_at END,"
    "  completed_boot = CASE WHEN completed_at = 0 AND passed != 0 AND"
    "    lessons_done >= lessons_total THEN last_boot ELSE completed_boot END "
    "WHERE learner = ?2 AND course = ?4 AND rev = ?3";

static pb_err
store__learner_merge(struct store *st, void *arg)
{
	struct store__merge *a = arg;
	char courses[STORE__MERGE_COURSES][64];
	int has_into[STORE__MERGE_COURSES];
	sqlite3_stmt *stmt;
	int n = 0, i;
	int64_t rev;
	pb_err err;

	if ((err = store__merge_check(st, a)) != PB_OK)
		return err;
	/* lessons: a lesson of both keeps the earliest opening and completion
	 * and the time spent in both */
	err = store__merge_exec(st, "INSERT INTO lesson_progress (learner, course, lesson, "
	    "opened_at, completed_at, seconds_spent, last_activity) "
	    "SELECT ?2, course, lesson, opened_at, completed_at, seconds_spent, last_activity "
	    "FROM lesson_progress WHERE learner = ?1 AND true "
	    "ON CONFLICT (learner, course, lesson) DO UPDATE SET "
	    "opened_at = min(opened_at, excluded.opened_at), "
	    "completed_at = CASE WHEN completed_at IS NULL THEN excluded.completed_at "
	    "  WHEN excluded.completed_at IS NULL THEN completed_at "
	    "  ELSE min(completed_at, excluded.completed_at) END, "
	    "seconds_spent = seconds_spent + excluded.seconds_spent, "
	    "last_activity = max(last_activity, excluded.last_activity)", a, 0, NULL);
	if (err == PB_OK)
		err = store__merge_exec(st, "DELETE FROM lesson_progress WHERE learner = ?1", a, 0, NULL);
	if (err == PB_OK)
		err = store__merge_exec(st, "UPDATE attempts SET learner = ?2 WHERE learner = ?1", a, 0, NULL);
	if (err != PB_OK)
		return err;
	/* summaries: each of from's courses under its own rev */
	if ((stmt = store__prep(st->w, "SELECT x.course, y.course IS NOT NULL FROM "
	    "course_summary x LEFT JOIN course_summary y ON y.learner = ?2 AND "
	    "y.course = x.course WHERE x.learner = ?1 ORDER BY x.course")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tt", a->from, a->into);
	while (err == PB_OK && sqlite3_step(stmt) == SQLITE_ROW && n < STORE__MERGE_COURSES) {
		sqlu_col_text(stmt, 0, courses[n], sizeof(courses[n]));
		has_into[n++] = sqlite3_column_int(stmt, 1);
	}
	sqlu_done(stmt);
	for (i = 0; err == PB_OK && i < n; i++) {
		err = store__event(st, a->into, courses[i], "learner_merge", a->from, a->w, &rev);
		if (err != PB_OK)
			break;
		if (has_into[i]) {
			err = store__merge_exec(st, sql_merge_summary, a, rev, courses[i]);
			if (err == PB_OK)
				err = store__merge_exec(st, sql_merge_status, a, rev, courses[i]);
			if (err == PB_OK)
				err = store__merge_exec(st, "UPDATE course_summary SET status = "
				    "CASE WHEN completed_at != 0 THEN 'completed' ELSE 'in_progress' END "
				    "WHERE learner = ?2 AND course = ?4 AND rev = ?3",
				    a, rev, courses[i]);
		} else {
			err = store__merge_exec(st, "UPDATE course_summary SET learner = ?2, "
			    "rev = ?3 WHERE learner = ?1 AND course = ?4", a, rev, courses[i]);
		}
	}
	if (err == PB_OK)
		err = store__merge_exec(st, "DELETE FROM course_summary WHERE learner = ?1", a, 0, NULL);
	if (err == PB_OK)
		err = store__event(st, a->from, NULL, "learner_merge", a->into, a->w, &rev);
	if (err == PB_OK)
		err = store__merge_exec(st, "UPDATE learners SET merged_into = ?2 WHERE id = ?1", a, 0, NULL);
	if (err == PB_OK)
		err = store__merge_exec(st, "DELETE FROM sessions WHERE learner = ?1", a, 0, NULL);
	if (err == PB_OK)
		err = store__merge_exec(st, "INSERT INTO learner_merges (from_id, into_id, at, rev) "
		    "VALUES (?1, ?2, ?3, (SELECT max(rev) FROM events))", a, a->w->wall_ms, NULL);
	return err;
}

pb_err
store_learner_merge(struct store *st, const char *from, const char *into,
    const struct store_when *w)
{
	struct store_when def;
	struct store__merge a = { from, into, NULL };

	if (from == NULL || into == NULL)
		return PB_ERR_INVALID;
	a.w = store__when(st, w, &def);
	return store__submit(st, store__learner_merge, &a);
}

struct store__merges_fn {
	int (*fn)(void *arg, const char *from, const char *into, int64_t at, int64_t rev);
	void *arg;
};

static int
store__merge_row(void *arg, sqlite3_stmt *stmt)
{
	struct store__merges_fn *a = arg;

	return a->fn(a->arg, (const char *)sqlite3_column_text(stmt, 0),
	    (const char *)sqlite3_column_text(stmt, 1), sqlite3_column_int64(stmt, 2),
	    sqlite3_column_int64(stmt, 3));
}

pb_err
store_changed_merges(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const char *from, const char *into, int64_t at, int64_t rev),
    void *arg)
{
	struct store__merges_fn a = { fn, arg };

	return store__rows(st, "SELECT from_id, into_id, at, rev FROM learner_merges "
	    "WHERE rev > ?1 ORDER BY rev LIMIT ?2", store__merge_row, &a, "id", after_rev,
	    limit > 0 ? limit : 1000000);
}
