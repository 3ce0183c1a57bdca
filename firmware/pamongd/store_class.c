/* store_class.c — the console's views of the class (see store_class.h).
 * Each view is one statement over the summaries (course_summary: one row
 * per learner and course; course_counts: their number per course, kept by
 * triggers), the lessons and the attempts, by the indexes of schemas 4 to
 * 6. */
#include <string.h>

#include "store_class.h"
#include "store_int.h"

static int
store__today_row(void *arg, sqlite3_stmt *stmt)
{
	struct store_today *t = arg;

	t->learners = sqlite3_column_int64(stmt, 0);
	t->active = sqlite3_column_int64(stmt, 1);
	t->lessons = sqlite3_column_int64(stmt, 2);
	t->quizzes = sqlite3_column_int64(stmt, 3);
	t->passed = sqlite3_column_int64(stmt, 4);
	return 0;
}

pb_err
store_today(struct store *st, int64_t day_start, int64_t active_since,
    struct store_today *out)
{
	memset(out, 0, sizeof(*out));
	return store__row(st, "SELECT"
	    " (SELECT count(*) FROM learners WHERE merged_into IS NULL),"
	    " CASE WHEN ?2 > 0 THEN (SELECT count(DISTINCT learner) FROM course_summary"
	    "  WHERE last_activity >= ?2) ELSE -1 END,"
	    " (SELECT count(*) FROM lesson_progress WHERE completed_at >= ?1),"
	    " (SELECT count(*) FROM attempts WHERE finished_at >= ?1),"
	    " (SELECT count(*) FROM attempts WHERE finished_at >= ?1 AND passed != 0)",
	    store__today_row, out, "ii", day_start, active_since);
}

struct store__course_fn {
	int (*fn)(void *arg, const struct store_today_course *c);
	void *arg;
};

static int
store__course_row(void *arg, sqlite3_stmt *stmt)
{
	struct store__course_fn *a = arg;
	struct store_today_course c;

	memset(&c, 0, sizeof(c));
	sqlu_col_text(stmt, 0, c.course, sizeof(c.course));
	c.started = sqlite3_column_int64(stmt, 1);
	c.completed = sqlite3_column_int64(stmt, 2);
	c.lessons = sqlite3_column_int64(stmt, 3);
	c.quizzes = sqlite3_column_int64(stmt, 4);
	c.passed = sqlite3_column_int64(stmt, 5);
	return a->fn(a->arg, &c);
}

pb_err
store_today_courses(struct store *st, int64_t day_start,
    int (*fn)(void *arg, const struct store_today_course *c), void *arg)
{
	struct store__course_fn a = { fn, arg };

	return store__rows(st, "WITH"
	    " s AS (SELECT course, started, completed FROM course_counts WHERE started > 0),"
	    " l AS (SELECT course, count(*) AS n FROM lesson_progress"
	    "   WHERE completed_at >= ?1 GROUP BY course),"
	    " q AS (SELECT course, count(*) AS n, sum(passed != 0) AS passed FROM attempts"
	    "   WHERE finished_at >= ?1 GROUP BY course)"
	    " SELECT s.course, s.started, s.completed, coalesce(l.n, 0), coalesce(q.n, 0),"
	    " coalesce(q.passed, 0) FROM s LEFT JOIN l ON l.course = s.course"
	    " LEFT JOIN q ON q.course = s.course ORDER BY s.course",
	    store__course_row, &a, "i", day_start);
}

struct store__village_fn {
	int (*fn)(void *arg, const struct store_today_village *v);
	void *arg;
};

static int
store__village_row(void *arg, sqlite3_stmt *stmt)
{
	struct store__village_fn *a = arg;
	struct store_today_village v;

	memset(&v, 0, sizeof(v));
	sqlu_col_text(stmt, 0, v.village, sizeof(v.village));
	v.learners = sqlite3_column_int64(stmt, 1);
	v.active = sqlite3_column_int64(stmt, 2);
	v.completed = sqlite3_column_int64(stmt, 3);
	return a->fn(a->arg, &v);
}

pb_err
store_today_villages(struct store *st, int64_t active_since,
    int (*fn)(void *arg, const struct store_today_village *v), void *arg)
{
	struct store__village_fn a = { fn, arg };

	/* each learner's totals (learner_stats, kept by triggers) beside them */
	return store__rows(st, "SELECT l.village, count(*),"
	    " coalesce(sum(st.last_activity >= ?1), 0), coalesce(sum(st.completed > 0), 0)"
	    " FROM learners l LEFT JOIN learner_stats st ON st.learner = l.id"
	    " WHERE l.merged_into IS NULL GROUP BY l.village ORDER BY count(*) DESC, l.village",
	    store__village_row, &a, "i", active_since);
}

/* ---- the learners table ---- */

/* ?1 q, ?2 village, ?3 position, ?4 course, ?5 status, ?6 sort, ?7 desc,
 * ?8 limit, ?9 offset. The learners (5,000 at most on a box) beside their
 * totals (learner_stats, one row each) and the course's summary. */
#define STORE__CLASS_FILTER                                                     \
    " FROM learners l LEFT JOIN learner_stats st ON st.learner = l.id"        \
    "  LEFT JOIN course_summary c ON c.learner = l.id"                         \
    "  AND c.course = ?4 WHERE l.merged_into IS NULL"                          \
    "  AND (?1 = '' OR instr(' ' || l.name_norm, ' ' || ?1) > 0)"              \
    "  AND (?2 = '' OR l.village = ?2) AND (?3 = '' OR l.position = ?3)"       \
    "  AND (?4 = '' OR ?5 != '' OR c.learner IS NOT NULL)"                     \
    "  AND (?5 = '' OR (?4 != '' AND coalesce(c.status, 'not_started') = ?5)"  \
    "   OR (?4 = '' AND CASE ?5"                                               \
    "    WHEN 'not_started' THEN coalesce(st.started, 0) = 0"                  \
    "    WHEN 'completed' THEN coalesce(st.completed, 0) > 0"                  \
    "    WHEN 'in_progress' THEN coalesce(st.started, 0) > coalesce(st.completed, 0)" \
    "    ELSE 0 END))"

#define STORE__CLASS_SELECT                                                     \
    "SELECT l.id, l.name, l.village, l.position, l.registered_at,"             \
    " coalesce(st.last_activity, 0), coalesce(st.seconds, 0), coalesce(st.started, 0)," \
    " coalesce(st.completed, 0), coalesce(c.status, 'not_started'),"           \
    " coalesce(c.lessons_done, 0), coalesce(c.lessons_total, 0),"              \
    " coalesce(c.best_score, -1)"                                              \
    STORE__CLASS_FILTER

/* Any order: its key chosen by ?6, its direction by ?7. */
static const char sql_class_page[] =
    STORE__CLASS_SELECT
    " ORDER BY"
    "  CASE WHEN ?7 = 0 THEN CASE ?6 WHEN 0 THEN l.name_norm WHEN 1 THEN l.village"
    "   WHEN 2 THEN l.position WHEN 3 THEN l.registered_at"
    "   WHEN 4 THEN coalesce(st.last_activity, 0)"
    "   ELSE CASE WHEN ?4 != '' THEN coalesce(c.lessons_done, 0)"
    "    ELSE coalesce(st.lessons, 0) END END END ASC,"
    "  CASE WHEN ?7 != 0 THEN CASE ?6 WHEN 0 THEN l.name_norm WHEN 1 THEN l.village"
    "   WHEN 2 THEN l.position WHEN 3 THEN l.registered_at"
    "   WHEN 4 THEN coalesce(st.last_activity, 0)"
    "   ELSE CASE WHEN ?4 != '' THEN coalesce(c.lessons_done, 0)"
    "    ELSE coalesce(st.lessons, 0) END END END DESC,"
    "  l.name_norm, l.id LIMIT ?8 OFFSET ?9";

/* The usual order, by name, walks the name index and stops at the page
 * (?6 and ?7 bound but unused). */
static const char sql_class_by_name[] =
    STORE__CLASS_SELECT " AND ?6 >= 0 AND ?7 >= 0"
    " ORDER BY l.name_norm, l.id LIMIT ?8 OFFSET ?9";
static const char sql_class_by_name_desc[] =
    STORE__CLASS_SELECT " AND ?6 >= 0 AND ?7 >= 0"
    " ORDER BY l.name_norm DESC, l.id DESC LIMIT ?8 OFFSET ?9";

/* The rows of every page (?6..?9 bound but unused: one binding for both). */
static const char sql_class_count[] =
    "SELECT count(*)" STORE__CLASS_FILTER " AND ?6 >= 0 AND ?7 >= 0 AND ?8 >= 0 AND ?9 >= 0";

static int
store__count_row(void *arg, sqlite3_stmt *stmt)
{
	*(int64_t *)arg = sqlite3_column_int64(stmt, 0);
	return 0;
}

struct store__class_fn {
	int (*fn)(void *arg, const struct store_class_row *r);
	void *arg;
};

static int
store__class_row(void *arg, sqlite3_stmt *stmt)
{
	struct store__class_fn *a = arg;
	struct store_class_row r;

	memset(&r, 0, sizeof(r));
	sqlu_col_text(stmt, 0, r.id, sizeof(r.id));
	sqlu_col_text(stmt, 1, r.name, sizeof(r.name));
	sqlu_col_text(stmt, 2, r.village, sizeof(r.village));
	sqlu_col_text(stmt, 3, r.position, sizeof(r.position));
	r.registered_at = sqlite3_column_int64(stmt, 4);
	r.last_activity = sqlite3_column_int64(stmt, 5);
	r.seconds_spent = sqlite3_column_int64(stmt, 6);
	r.started = sqlite3_column_int(stmt, 7);
	r.completed = sqlite3_column_int(stmt, 8);
	sqlu_col_text(stmt, 9, r.status, sizeof(r.status));
	r.lessons_done = sqlite3_column_int(stmt, 10);
	r.lessons_total = sqlite3_column_int(stmt, 11);
	r.best_score = sqlite3_column_int(stmt, 12);
	return a->fn(a->arg, &r);
}

pb_err
store_class_learners(struct store *st, const struct store_class_query *q,
    int (*fn)(void *arg, const struct store_class_row *r), void *arg, int64_t *total)
{
	struct store__class_fn a = { fn, arg };
	pb_err err;

	*total = 0;
	err = store__rows(st, q->sort != STORE_SORT_NAME ? sql_class_page : q->desc ?
	    sql_class_by_name_desc : sql_class_by_name, store__class_row, &a, "tttttdddd", q->q,
	    q->village, q->position, q->course, q->status, (int)q->sort, q->desc, q->limit,
	    q->offset);
	if (err == PB_OK)
		err = store__row(st, sql_class_count, store__count_row, total, "tttttdddd",
		    q->q, q->village, q->position, q->course, q->status, (int)q->sort, q->desc,
		    q->limit, q->offset);
	return err;
}
