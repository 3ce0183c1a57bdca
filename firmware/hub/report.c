/* report.c — see report.h. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

void
report_table_free(struct report_table *t)
{
	json_decref(t->columns);
	json_decref(t->rows);
	t->columns = t->rows = NULL;
}

json_t *
report_table_json(const struct report_table *t)
{
	return json_pack("{s:O, s:O}", "columns", t->columns, "rows", t->rows);
}

struct report_buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void
report__put(struct report_buf *b, const char *s, size_t n)
{
	char *np;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = (b->cap ? b->cap * 2 : 4096) + n;

		if ((np = realloc(b->p, ncap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Non-zero if a spreadsheet could read s as a formula: it starts with a tab
 * or CR, or its first character after blanks (space, tab, CR, LF) is one of
 * = + - @. Such cells get a leading apostrophe. */
static int
report__formula(const char *s)
{
	if (s[0] == '\t' || s[0] == '\r')
		return 1;
	s += strspn(s, " \t\r\n");
	return *s != '\0' && strchr("=+-@", *s) != NULL;
}

static void
report__cell(struct report_buf *b, json_t *v)
{
	char num[64];
	const char *s;
	size_t n;

	if (json_is_integer(v)) {
		n = (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		report__put(b, num, n);
		return;
	}
	if (json_is_real(v)) {
		n = (size_t)snprintf(num, sizeof(num), "%.1f", json_real_value(v));
		report__put(b, num, n);
		return;
	}
	if (json_is_true(v) || json_is_false(v)) {
		report__put(b, json_is_true(v) ? "yes" : "no", json_is_true(v) ? 3 : 2);
		return;
	}
	if (!json_is_string(v))
		return; /* null: empty cell */
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0)
		return;
	/* quote always: safe for commas, quotes, newlines and leading zeros */
	report__put(b, "\"", 1);
	if (report__formula(s))
		report__put(b, "'", 1);
	for (; *s; s++) {
		if (*s == '"')
			report__put(b, "\"\"", 2);
		else
			report__put(b, s, 1);
	}
	report__put(b, "\"", 1);
}

char *
report_table_csv(const struct report_table *t, size_t *len)
{
	struct report_buf b = { NULL, 0, 0, 0 };
	json_t *row, *v;
	size_t i, j;

	report__put(&b, "\xef\xbb\xbf", 3);
	json_array_foreach(t->columns, j, v) {
		if (j > 0)
			report__put(&b, ",", 1);
		report__cell(&b, v);
	}
	report__put(&b, "\r\n", 2);
	json_array_foreach(t->rows, i, row) {
		json_array_foreach(row, j, v) {
			if (j > 0)
				report__put(&b, ",", 1);
			report__cell(&b, v);
		}
		report__put(&b, "\r\n", 2);
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

/* Start a table with the given NULL-terminated column names. */
static pb_err
report__init(struct report_table *t, const char *const *cols)
{
	t->columns = json_array();
	t->rows = json_array();
	if (t->columns == NULL || t->rows == NULL)
		goto fail;
	for (; *cols; cols++)
		if (json_array_append_new(t->columns, json_string(*cols)) != 0)
			goto fail;
	return PB_OK;
fail:
	report_table_free(t);
	return PB_ERR_NOMEM;
}

/* A cell from column i of the current row: text, integer, real or null. */
static json_t *
report__col(struct hdb_stmt *s, int i)
{
	switch (hdb_column_type(s, i)) {
	case HDB_INT:
		return json_integer(hdb_column_int64(s, i));
	case HDB_REAL:
		return json_real(hdb_column_double(s, i));
	case HDB_TEXT:
		return json_string(hdb_column_text(s, i));
	default:
		return json_null();
	}
}

/* A wall time in ms as ISO 8601, null for 0. */
static json_t *
report__time(struct hdb_stmt *s, int i)
{
	char iso[32];
	int64_t ms = hdb_column_int64(s, i);

	if (hdb_column_type(s, i) == HDB_NULL || ms <= 0)
		return json_null();
	util_iso8601(iso, ms);
	return json_string(iso);
}

static json_t *
report__name(const struct region *r, const char *code)
{
	const char *n = region_name(r, code);

	return n ? json_string(n) : json_null();
}

/* Step s to the end, adding one row per result made by fn. */
static pb_err
report__rows(struct hdb_conn *c, struct hdb_stmt *s, struct report_table *t,
    json_t *(*fn)(struct hdb_stmt *s, const void *arg), const void *arg)
{
	int r;

	while ((r = hdb_step(s)) == HDB_ROW) {
		json_t *row = fn(s, arg);

		if (row == NULL || json_array_append_new(t->rows, row) != 0)
			return PB_ERR_NOMEM;
	}
	if (r != HDB_DONE) {
		log_warnx("report: %s", hdb_errmsg(c));
		return PB_ERR_DB;
	}
	return PB_OK;
}

static json_t *
report__area_row(struct hdb_stmt *s, const void *arg)
{
	const char *code = hdb_column_text(s, 0);
	int64_t learners = hdb_column_int64(s, 1), done = hdb_column_int64(s, 3);

	return json_pack("[s, o, I, I, I, f]", code, report__name(arg, code),
	    (json_int_t)learners, (json_int_t)hdb_column_int64(s, 2),
	    (json_int_t)done, learners ? 100.0 * (double)done / (double)learners : 0.0);
}

pb_err
report_areas(struct hdb_conn *c, const struct region *r, const char *unit, const char *course,
    struct report_table *t)
{
	static const char *const cols[] = { "code", "name", "learners", "started",
		"completed", "percent", NULL };
	size_t child = region_child_len(strlen(unit));
	struct hdb_stmt *s = NULL;
	pb_err rc;

	if ((rc = report__init(t, cols)) != PB_OK)
		return rc;
	if (child == 0)
		return PB_OK; /* a village has no child units */
	if ((s = hdb_prepare(c, "SELECT substr(l.village, 1, ?1) AS u, count(*),"
	    " count(*) FILTER (WHERE EXISTS(SELECT 1 FROM summaries s WHERE s.box = l.box"
	    "   AND s.learner = l.id AND (?3 = '' OR s.course = ?3)"
	    "   AND s.status != 'not_started')),"
	    " count(*) FILTER (WHERE EXISTS(SELECT 1 FROM summaries s WHERE s.box = l.box"
	    "   AND s.learner = l.id AND (?3 = '' OR s.course = ?3)"
	    "   AND s.status = 'completed'))"
	    " FROM learners l WHERE substr(l.village, 1, length(?2)) = ?2"
	    " GROUP BY u ORDER BY u")) == NULL) {
		log_warnx("report: %s", hdb_errmsg(c));
		return PB_ERR_DB;
	}
	hdb_bind_int64(s, 1, (int64_t)child);
	hdb_bind_text(s, 2, unit);
	hdb_bind_text(s, 3, course);
	rc = report__rows(c, s, t, report__area_row, r);
	hdb_finalize(s);
	return rc;
}

static json_t *
report__course_row(struct hdb_stmt *s, const void *arg)
{
	const int64_t *unit_learners = arg;
	int64_t done = hdb_column_int64(s, 3);

	return json_pack("[o, I, I, I, I, f, o]", report__col(s, 0),
	    (json_int_t)hdb_column_int64(s, 1), (json_int_t)hdb_column_int64(s, 2),
	    (json_int_t)done, (json_int_t)hdb_column_int64(s, 4),
	    *unit_learners ? 100.0 * (double)done / (double)*unit_learners : 0.0,
	    report__col(s, 5));
}

/* Learners registered in unit. */
static pb_err
report__count_learners(struct hdb_conn *c, const char *unit, int64_t *n)
{
	struct hdb_stmt *s;
	pb_err rc = PB_ERR_DB;

	if ((s = hdb_prepare(c, "SELECT count(*) FROM learners"
	    " WHERE substr(village, 1, length(?1)) = ?1")) == NULL)
		return PB_ERR_DB;
	hdb_bind_text(s, 1, unit);
	if (hdb_step(s) == HDB_ROW) {
		*n = hdb_column_int64(s, 0);
		rc = PB_OK;
	}
	hdb_finalize(s);
	return rc;
}

pb_err
report_courses(struct hdb_conn *c, const char *unit, struct report_table *t)
{
	static const char *const cols[] = { "course", "started", "in_progress",
		"completed", "passed", "percent", "avg_best_score", NULL };
	struct hdb_stmt *s = NULL;
	int64_t learners = 0;
	pb_err rc;

	if ((rc = report__init(t, cols)) != PB_OK)
		return rc;
	if ((rc = report__count_learners(c, unit, &learners)) != PB_OK)
		return rc;
	if ((s = hdb_prepare(c, "SELECT s.course,"
	    " count(*) FILTER (WHERE s.status != 'not_started'),"
	    " count(*) FILTER (WHERE s.status = 'in_progress'),"
	    " count(*) FILTER (WHERE s.status = 'completed'),"
	    " count(*) FILTER (WHERE s.passed != 0),"
	    " round(avg(s.best_score), 1)"
	    " FROM summaries s JOIN learners l ON l.box = s.box AND l.id = s.learner"
	    " WHERE substr(l.village, 1, length(?1)) = ?1"
	    " GROUP BY s.course ORDER BY s.course")) == NULL) {
		log_warnx("report: %s", hdb_errmsg(c));
		return PB_ERR_DB;
	}
	hdb_bind_text(s, 1, unit);
	rc = report__rows(c, s, t, report__course_row, &learners);
	hdb_finalize(s);
	return rc;
}

/* A row's time_source JSON ({"completed_at": "phone", …}) as text staff can
 * read in a spreadsheet: "completed_at: phone; first_activity: hub". */
static json_t *
report__time_source(struct hdb_stmt *s, int col)
{
	const char *text = hdb_column_text(s, col);
	json_t *obj, *v, *out;
	const char *k;
	char buf[256] = "";
	size_t n = 0;

	if (text == NULL || (obj = json_loads(text, 0, NULL)) == NULL)
		return json_string("");
	json_object_foreach(obj, k, v) {
		if (json_is_string(v) && n < sizeof(buf))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s: %s", n ? "; " : "",
			    k, json_string_value(v));
	}
	json_decref(obj);
	out = json_string(buf);
	return out != NULL ? out : json_string("");
}

static json_t *
report__learner_row(struct hdb_stmt *s, const void *arg)
{
	const char *village = hdb_column_text(s, 3);

	return json_pack("[o, o, o, s, o, o, o, o, o, o, o, o, b, o, o, o, o, o, b, o]",
	    report__col(s, 0), report__col(s, 1), report__col(s, 2), village,
	    report__name(arg, village), report__col(s, 4), report__col(s, 5),
	    report__time(s, 6), report__col(s, 7), report__col(s, 8), report__col(s, 9),
	    report__col(s, 10), hdb_column_int(s, 11), report__col(s, 12),
	    report__col(s, 13), report__time(s, 14), report__time(s, 15),
	    report__time(s, 16), hdb_column_int(s, 17), report__time_source(s, 18));
}

pb_err
report_learners(struct hdb_conn *c, const struct region *r, const char *unit, const char *course,
    struct report_table *t)
{
	static const char *const cols[] = { "learner", "name", "position", "village",
		"village_name", "box", "box_name", "registered_at", "course", "status",
		"lessons_done", "lessons_total", "passed", "best_score", "attempts",
		"first_activity", "last_activity", "completed_at", "times_corrected",
		"time_source", NULL };
	struct hdb_stmt *s = NULL;
	pb_err rc;

	if ((rc = report__init(t, cols)) != PB_OK)
		return rc;
	if ((s = hdb_prepare(c, "SELECT l.id, l.name, l.position, l.village, l.box, b.name, l.registered_at,"
	    " s.course, s.status, s.lessons_done, s.lessons_total, coalesce(s.passed, 0),"
	    " s.best_score, s.attempts, s.first_activity, s.last_activity,"
	    " s.completed_at, coalesce(s.times_corrected, 0),"
	    " coalesce(s.time_source, l.time_source)"
	    " FROM learners l LEFT JOIN boxes b ON b.box_id = l.box"
	    " LEFT JOIN summaries s ON s.box = l.box AND s.learner = l.id"
	    " WHERE substr(l.village, 1, length(?1)) = ?1"
	    " AND (?2 = '' OR s.course = ?2)"
	    " ORDER BY l.village, l.name, l.id, s.course")) == NULL) {
		log_warnx("report: %s", hdb_errmsg(c));
		return PB_ERR_DB;
	}
	hdb_bind_text(s, 1, unit);
	hdb_bind_text(s, 2, course);
	rc = report__rows(c, s, t, report__learner_row, r);
	hdb_finalize(s);
	return rc;
}

static json_t *
report__box_row(struct hdb_stmt *s, const void *arg)
{
	(void)arg;
	return json_pack("[o, o, o, o, o, o, o, o, o, o, o, o]", report__col(s, 0),
	    report__col(s, 1), report__time(s, 2), report__time(s, 3), report__col(s, 4),
	    report__col(s, 5), report__col(s, 6), report__col(s, 7), report__col(s, 8),
	    report__col(s, 9), report__col(s, 10), report__col(s, 11));
}

pb_err
report_boxes(struct hdb_conn *c, struct report_table *t)
{
	static const char *const cols[] = { "box", "name", "enrolled_at", "last_seen",
		"version", "uptime_s", "pending", "disk_free", "db_bytes", "clock",
		"acked_rev", "learners", NULL };
	struct hdb_stmt *s = NULL;
	pb_err rc;

	if ((rc = report__init(t, cols)) != PB_OK)
		return rc;
	if ((s = hdb_prepare(c, "SELECT b.box_id, b.name, b.enrolled_at, b.last_seen, b.version, b.uptime_s,"
	    " b.pending, b.disk_free, b.db_bytes, b.clock, b.acked_rev,"
	    " (SELECT count(*) FROM learners l WHERE l.box = b.box_id)"
	    " FROM boxes b ORDER BY b.name, b.box_id")) == NULL) {
		log_warnx("report: %s", hdb_errmsg(c));
		return PB_ERR_DB;
	}
	rc = report__rows(c, s, t, report__box_row, NULL);
	hdb_finalize(s);
	return rc;
}

static json_t *
report__day_row(struct hdb_stmt *s, const void *arg)
{
	int64_t *cum = (int64_t *)(uintptr_t)arg;

	char iso[32];

	*cum += hdb_column_int64(s, 1);
	util_iso8601(iso, hdb_column_int64(s, 0) * 86400000);
	iso[10] = '\0'; /* YYYY-MM-DD (UTC) */
	return json_pack("[s, I, I]", iso,
	    (json_int_t)hdb_column_int64(s, 1), (json_int_t)*cum);
}

pb_err
report_completions(struct hdb_conn *c, const char *unit, const char *course,
    struct report_table *t)
{
	static const char *const cols[] = { "day", "completions", "cumulative", NULL };
	struct hdb_stmt *s = NULL;
	int64_t cum = 0;
	pb_err rc;

	if ((rc = report__init(t, cols)) != PB_OK)
		return rc;
	if ((s = hdb_prepare(c, "SELECT s.completed_at / 86400000 AS day, count(*)"
	    " FROM summaries s JOIN learners l ON l.box = s.box AND l.id = s.learner"
	    " WHERE s.status = 'completed' AND s.completed_at > 0"
	    " AND substr(l.village, 1, length(?1)) = ?1 AND (?2 = '' OR s.course = ?2)"
	    " GROUP BY day ORDER BY day")) == NULL) {
		log_warnx("report: %s", hdb_errmsg(c));
		return PB_ERR_DB;
	}
	hdb_bind_text(s, 1, unit);
	hdb_bind_text(s, 2, course);
	rc = report__rows(c, s, t, report__day_row, &cum);
	hdb_finalize(s);
	return rc;
}

pb_err
report_totals(struct hdb_conn *c, const char *unit, const char *course, json_t **out)
{
	struct hdb_stmt *s = NULL;
	pb_err rc = PB_ERR_DB;

	if ((s = hdb_prepare(c, "SELECT (SELECT count(*) FROM learners l"
	    "   WHERE substr(l.village, 1, length(?1)) = ?1),"
	    " (SELECT count(*) FROM summaries s JOIN learners l"
	    "   ON l.box = s.box AND l.id = s.learner"
	    "   WHERE substr(l.village, 1, length(?1)) = ?1"
	    "   AND (?2 = '' OR s.course = ?2) AND s.status = 'completed'),"
	    " (SELECT count(*) FROM boxes)")) == NULL) {
		log_warnx("report: %s", hdb_errmsg(c));
		return PB_ERR_DB;
	}
	hdb_bind_text(s, 1, unit);
	hdb_bind_text(s, 2, course);
	if (hdb_step(s) == HDB_ROW) {
		*out = json_pack("{s:I, s:I, s:I}",
		    "learners", (json_int_t)hdb_column_int64(s, 0),
		    "completions", (json_int_t)hdb_column_int64(s, 1),
		    "boxes", (json_int_t)hdb_column_int64(s, 2));
		rc = *out ? PB_OK : PB_ERR_NOMEM;
	}
	hdb_finalize(s);
	return rc;
}
