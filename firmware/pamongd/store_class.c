/* store_class.c — the console's views of the class (see store_class.h).
 * Each view is one statement over the summaries (course_summary: one row
 * per learner and course), the lessons and the attempts, by the indexes of
 * schema 4. */
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
	    " (SELECT count(DISTINCT learner) FROM course_summary WHERE last_activity >= ?2),"
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
	    " s AS (SELECT course, count(*) AS started,"
	    "   sum(status = 'completed') AS completed FROM course_summary GROUP BY course),"
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

	/* the few active and completed ones through their indexes, not an
	 * aggregate of every summary */
	return store__rows(st, "WITH"
	    " n AS (SELECT village, count(*) AS learners FROM learners"
	    "   WHERE merged_into IS NULL GROUP BY village),"
	    " a AS (SELECT l.village, count(DISTINCT s.learner) AS active FROM course_summary s"
	    "   JOIN learners l ON l.id = s.learner WHERE s.last_activity >= ?1"
	    "   AND l.merged_into IS NULL GROUP BY l.village),"
	    " d AS (SELECT l.village, count(DISTINCT s.learner) AS done FROM course_summary s"
	    "   JOIN learners l ON l.id = s.learner WHERE s.status = 'completed'"
	    "   AND l.merged_into IS NULL GROUP BY l.village)"
	    " SELECT n.village, n.learners, coalesce(a.active, 0), coalesce(d.done, 0) FROM n"
	    " LEFT JOIN a ON a.village = n.village LEFT JOIN d ON d.village = n.village"
	    " ORDER BY n.learners DESC, n.village",
	    store__village_row, &a, "i", active_since);
}

/* ---- the learners table ---- */

/* ?1 q, ?2 village, ?3 position, ?4 course, ?5 status, ?6 sort, ?7 desc,
 * ?8 limit, ?9 offset. */
static const char sql_class[] =
    "WITH s AS (SELECT learner, count(*) AS started, sum(status = 'completed') AS done,"
    "   max(last_activity) AS last, sum(seconds_spent) AS secs,"
    "   sum(lessons_done) AS lessons FROM course_summary GROUP BY learner),"
    " c AS (SELECT learner, status, lessons_done, lessons_total, best_score"
    "   FROM course_summary WHERE course = ?4),"
    " f AS (SELECT l.id, l.name, l.village, l.position, l.registered_at, l.name_norm,"
    "   coalesce(s.started, 0) AS started, coalesce(s.done, 0) AS done,"
    "   coalesce(s.last, 0) AS last, coalesce(s.secs, 0) AS secs,"
    "   coalesce(s.lessons, 0) AS lessons, c.learner IS NOT NULL AS in_course,"
    "   coalesce(c.status, 'not_started') AS cstatus, coalesce(c.lessons_done, 0) AS cdone,"
    "   coalesce(c.lessons_total, 0) AS ctotal, coalesce(c.best_score, -1) AS cbest"
    "   FROM learners l LEFT JOIN s ON s.learner = l.id LEFT JOIN c ON c.learner = l.id"
    "   WHERE l.merged_into IS NULL"
    "   AND (?1 = '' OR instr(' ' || l.name_norm, ' ' || ?1) > 0)"
    "   AND (?2 = '' OR l.village = ?2) AND (?3 = '' OR l.position = ?3))"
    " SELECT id, name, village, position, registered_at, last, secs, started, done,"
    "  cstatus, cdone, ctotal, cbest, count(*) OVER () FROM f WHERE"
    "  (?4 = '' OR ?5 != '' OR in_course) AND (?5 = '' OR"
    "   (?4 != '' AND cstatus = ?5) OR (?4 = '' AND CASE ?5"
    "    WHEN 'not_started' THEN started = 0 WHEN 'completed' THEN done > 0"
    "    WHEN 'in_progress' THEN started > done ELSE 0 END))"
    " ORDER BY"
    "  CASE WHEN ?7 = 0 THEN CASE ?6 WHEN 0 THEN name_norm WHEN 1 THEN village"
    "   WHEN 2 THEN position WHEN 3 THEN registered_at WHEN 4 THEN last"
    "   ELSE CASE WHEN ?4 != '' THEN cdone ELSE lessons END END END ASC,"
    "  CASE WHEN ?7 != 0 THEN CASE ?6 WHEN 0 THEN name_norm WHEN 1 THEN village"
    "   WHEN 2 THEN position WHEN 3 THEN registered_at WHEN 4 THEN last"
    "   ELSE CASE WHEN ?4 != '' THEN cdone ELSE lessons END END END DESC,"
    "  name_norm, id"
    " LIMIT ?8 OFFSET ?9";

/* The same when the order and filters need no learner's totals (sort by
 * name, village, position, registration, or a course's progress; status
 * only of a course): the page is cut from the learners first and the totals
 * are read for its rows alone. */
#define STORE__CLASS_FILTER                                                     \
    " FROM learners l LEFT JOIN course_summary c ON c.learner = l.id"         \
    "  AND c.course = ?4 WHERE l.merged_into IS NULL"                          \
    "  AND (?1 = '' OR instr(' ' || l.name_norm, ' ' || ?1) > 0)"              \
    "  AND (?2 = '' OR l.village = ?2) AND (?3 = '' OR l.position = ?3)"       \
    "  AND (?4 = '' OR ?5 != '' OR c.learner IS NOT NULL)"                     \
    "  AND (?5 = '' OR coalesce(c.status, 'not_started') = ?5)"

static const char sql_class_page[] =
    "SELECT p.id, p.name, p.village, p.position, p.registered_at,"
    " (SELECT coalesce(max(last_activity), 0) FROM course_summary WHERE learner = p.id),"
    " (SELECT coalesce(sum(seconds_spent), 0) FROM course_summary WHERE learner = p.id),"
    " (SELECT count(*) FROM course_summary WHERE learner = p.id),"
    " (SELECT count(*) FROM course_summary WHERE learner = p.id AND status = 'completed'),"
    " p.cstatus, p.cdone, p.ctotal, p.cbest, 0 FROM"
    " (SELECT l.id, l.name, l.village, l.position, l.registered_at, l.name_norm,"
    "  coalesce(c.status, 'not_started') AS cstatus, coalesce(c.lessons_done, 0) AS cdone,"
    "  coalesce(c.lessons_total, 0) AS ctotal, coalesce(c.best_score, -1) AS cbest,"
    "  CASE ?6 WHEN 0 THEN l.name_norm WHEN 1 THEN l.village WHEN 2 THEN l.position"
    "   WHEN 3 THEN l.registered_at ELSE coalesce(c.lessons_done, 0) END AS k"
    STORE__CLASS_FILTER
    "  ORDER BY CASE WHEN ?7 = 0 THEN k END ASC, CASE WHEN ?7 != 0 THEN k END DESC,"
    "  l.name_norm, l.id LIMIT ?8 OFFSET ?9) p"
    " ORDER BY CASE WHEN ?7 = 0 THEN p.k END ASC, CASE WHEN ?7 != 0 THEN p.k END DESC,"
    " p.name_norm, p.id";

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
	int64_t *total;
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
	*a->total = sqlite3_column_int64(stmt, 13);
	return a->fn(a->arg, &r);
}

static int
store__count_only(void *arg, sqlite3_stmt *stmt)
{
	*(int64_t *)arg = sqlite3_column_int64(stmt, 13);
	return 1;
}

pb_err
store_class_learners(struct store *st, const struct store_class_query *q,
    int (*fn)(void *arg, const struct store_class_row *r), void *arg, int64_t *total)
{
	struct store__class_fn a = { fn, arg, total };
	int64_t n = 0;
	pb_err err;

	*total = 0;
	if (q->sort != STORE_SORT_ACTIVITY && (q->course[0] != '\0' ||
	    (q->sort != STORE_SORT_PROGRESS && q->status[0] == '\0'))) {
		a.total = &n; /* the page's rows carry no total: counted apart */
		err = store__rows(st, sql_class_page, store__class_row, &a, "tttttdddd", q->q,
		    q->village, q->position, q->course, q->status, (int)q->sort, q->desc,
		    q->limit, q->offset);
		if (err == PB_OK)
			err = store__row(st, sql_class_count, store__count_row, total,
			    "tttttdddd", q->q, q->village, q->position, q->course, q->status,
			    (int)q->sort, q->desc, q->limit, q->offset);
		return err;
	}
	err = store__rows(st, sql_class, store__class_row, &a, "tttttdddd", q->q, q->village,
	    q->position, q->course, q->status, (int)q->sort, q->desc, q->limit, q->offset);
	/* a page past the end still says how many there are */
	if (err == PB_OK && *total == 0 && q->offset > 0)
		err = store__rows(st, sql_class, store__count_only, total, "tttttdddd", q->q,
		    q->village, q->position, q->course, q->status, (int)q->sort, q->desc, 1, 0);
	return err;
}
