/* report.c — see report.h. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "totals.h"
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
	return report_table_csv_part(t, 1, len);
}

char *
report_table_csv_part(const struct report_table *t, int head, size_t *len)
{
	struct report_buf b = { NULL, 0, 0, 0 };
	json_t *row, *v;
	size_t i, j;

	report__put(&b, "", 0);
	if (head) {
		report__put(&b, "\xef\xbb\xbf", 3);
		json_array_foreach(t->columns, j, v) {
			if (j > 0)
				report__put(&b, ",", 1);
			report__cell(&b, v);
		}
		report__put(&b, "\r\n", 2);
	}
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
		if (t->sink != NULL && json_array_size(t->rows) >= REPORT_SINK_ROWS &&
		    t->sink(t, t->sink_arg) != 0)
			return PB_ERR_IO;
	}
	if (r != HDB_DONE) {
		log_warnx("report: %s", hdb_errmsg(c));
		return PB_ERR_DB;
	}
	return PB_OK;
}

#define REPORT_END_MS ((int64_t)1 << 62) /* "no end" */
#define REPORT_DAY_MS 86400000LL

static int64_t
report__to(const struct report_filter *f)
{
	return f->to_ms > 0 ? f->to_ms : REPORT_END_MS;
}

/* The SQL of "village is in unit" for a column, with the two parameters
 * rf__bind_unit binds (its length, then the code). The length is written
 * into the SQL as well, so that each level matches its expression index
 * (learners_p, _r, _d in db.c; a village uses learners_village). */
static void
report__unit_sql(char *out, size_t len, const char *col, const char *unit)
{
	size_t n = strlen(unit);

	if (n == 0)
		snprintf(out, len, "(CAST(? AS INTEGER) = 0 AND CAST(? AS TEXT) = '')");
	else if (n == 13)
		snprintf(out, len, "(CAST(? AS INTEGER) = 13 AND %s = CAST(? AS TEXT))", col);
	else
		snprintf(out, len, "(CAST(? AS INTEGER) = %zu AND substr(%s, 1, %zu) ="
		    " CAST(? AS TEXT))", n, col, n);
}

/* Prepare sql with {U} (learners l) and {V} (learners, no alias) replaced
 * by unit's condition. */
static pb_err
report__prepare_unit(struct hdb_conn *c, const char *sql, const char *unit,
    struct hdb_stmt **s)
{
	char buf[4096], u[160], v[160];
	size_t o = 0;
	const char *p;

	report__unit_sql(u, sizeof(u), "l.village", unit);
	report__unit_sql(v, sizeof(v), "village", unit);
	for (p = sql; *p && o + 160 < sizeof(buf); p++) {
		if (p[0] == '{' && (p[1] == 'U' || p[1] == 'V') && p[2] == '}') {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s", p[1] == 'U' ? u : v);
			p += 2;
		} else {
			buf[o++] = *p;
		}
	}
	if (*p != '\0')
		return PB_ERR_INVALID; /* a programming error: the SQL is ours */
	buf[o] = '\0';
	if ((*s = hdb_prepare(c, buf)) == NULL) {
		log_warnx("report: %s", hdb_errmsg(c));
		return PB_ERR_DB;
	}
	return PB_OK;
}

/* ---- per-village, per-course counts ---------------------------------- */

struct rf_counts {
	int64_t started, in_progress, completed, passed, score_sum, score_n;
};

struct rf_village {
	char code[24];
	int64_t learners;
};

struct rf {
	struct rf_village *v;   /* sorted by code */
	size_t nv;
	char (*course)[65];     /* sorted ids */
	size_t nc;
	struct rf_counts *cnt;  /* nv * nc */
};

static void
rf_free(struct rf *r)
{
	free(r->v);
	free(r->course);
	free(r->cnt);
	memset(r, 0, sizeof(*r));
}

static int
rf__vcmp(const void *a, const void *b)
{
	return strcmp(((const struct rf_village *)a)->code, ((const struct rf_village *)b)->code);
}

static int
rf__ccmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static pb_err
rf__add_course(struct rf *r, size_t *cap, const char *id)
{
	if (strlen(id) >= sizeof(r->course[0]))
		return PB_OK;
	if (r->nc == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		char (*nc)[65] = realloc(r->course, ncap * sizeof(*nc));

		if (nc == NULL)
			return PB_ERR_NOMEM;
		r->course = nc;
		*cap = ncap;
	}
	snprintf(r->course[r->nc++], sizeof(r->course[0]), "%s", id);
	return PB_OK;
}

static void
rf__bind_unit(struct hdb_stmt *s, int col, const char *unit)
{
	hdb_bind_int64(s, col, (int64_t)strlen(unit));
	hdb_bind_text(s, col + 1, unit);
}

/* One row of the per-village, per-course query, kept until every course is
 * known. */
struct rf_row {
	size_t village;
	char course[65];
	struct rf_counts n;
};

/* Sort r->course and drop repeats. */
static void
rf__unique_courses(struct rf *r)
{
	size_t i, j;

	if (r->nc < 2)
		return;
	qsort(r->course, r->nc, sizeof(r->course[0]), rf__ccmp);
	for (i = j = 1; i < r->nc; i++)
		if (strcmp(r->course[i], r->course[j - 1]) != 0)
			memmove(r->course[j++], r->course[i], sizeof(r->course[0]));
	r->nc = j;
}

/* Non-zero if the filter has no date range: then the running totals
 * (totals.h) answer instead of the learners' rows. */
static int
report__totals(const struct report_filter *f)
{
	return f->from_ms == 0 && f->to_ms == 0;
}

/* Bind ?col, ?col+1 to the bounds of the village codes in unit: every code
 * for the country, the code itself for a village, else the codes starting
 * with it (codes are digits and dots, all below '~'; PostgreSQL compares the
 * totals' codes bytewise, COLLATE "C"). */
static void
report__bind_range(struct hdb_stmt *s, int col, const char *unit)
{
	char hi[24];

	snprintf(hi, sizeof(hi), "%s%s", unit, strlen(unit) == 13 ? "" : "~");
	hdb_bind_text(s, col, unit);
	hdb_bind_text(s, col + 1, hi);
}

/* Load the counts for the filter's unit, course and range. The courses are
 * the one filtered on, or every course in the titles file and every course a
 * learner of the unit has a row for. */
static pb_err
rf__load(struct hdb_conn *c, const struct report_ctx *x, const struct report_filter *f,
    struct rf *r, int counts)
{
	struct hdb_stmt *s = NULL;
	struct rf_row *rows = NULL;
	size_t cap = 0, ccap = 0, nrows = 0, rcap = 0, k;
	int64_t to = report__to(f);
	pb_err rc;
	int st, i;

	memset(r, 0, sizeof(*r));
	if (f->course[0] != '\0') {
		if ((rc = rf__add_course(r, &ccap, f->course)) != PB_OK)
			goto fail;
	} else {
		for (k = 0; k < courses_count(x->courses); k++)
			if ((rc = rf__add_course(r, &ccap, courses_id(x->courses, k))) != PB_OK)
				goto fail;
	}
	if (report__totals(f)) {
		/* no date range: the running totals (totals.h) */
		if ((s = hdb_prepare(c, "SELECT village, learners FROM village_learners"
		    " WHERE village >= ?1 AND village <= ?2 AND learners > 0")) == NULL) {
			rc = PB_ERR_DB;
			goto fail;
		}
		report__bind_range(s, 1, f->unit);
	} else {
		if ((rc = report__prepare_unit(c, "SELECT village, count(*) FROM learners"
		    " WHERE {V}"
		    " AND registered_at < ? GROUP BY village", f->unit, &s)) != PB_OK)
			goto fail;
		rf__bind_unit(s, 1, f->unit);
		hdb_bind_int64(s, 3, to);
	}
	rc = PB_ERR_NOMEM;
	while ((st = hdb_step(s)) == HDB_ROW) {
		if (r->nv == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct rf_village *nv = realloc(r->v, ncap * sizeof(*nv));

			if (nv == NULL)
				goto fail;
			r->v = nv;
			cap = ncap;
		}
		snprintf(r->v[r->nv].code, sizeof(r->v[0].code), "%s", hdb_column_text(s, 0));
		r->v[r->nv++].learners = hdb_column_int64(s, 1);
	}
	if (st != HDB_DONE) {
		rc = PB_ERR_DB;
		goto fail;
	}
	hdb_finalize(s);
	s = NULL;
	if (r->nv > 1)
		qsort(r->v, r->nv, sizeof(*r->v), rf__vcmp);
	if (r->nv > 0 && counts && report__totals(f)) {
		if ((s = hdb_prepare(c, "SELECT village, course, started, in_progress,"
		    " completed, passed, score_sum, score_n FROM village_totals"
		    " WHERE village >= ?1 AND village <= ?2"
		    " AND (CAST(?3 AS TEXT) = '' OR course = CAST(?3 AS TEXT))")) == NULL) {
			rc = PB_ERR_DB;
			goto fail;
		}
		report__bind_range(s, 1, f->unit);
		hdb_bind_text(s, 3, f->course);
	} else if (r->nv > 0 && counts) {
		if ((rc = report__prepare_unit(c, "SELECT l.village, s.course,"
		    " sum(CASE WHEN s.status <> 'not_started' AND s.first_activity >= ?"
		    "   AND s.first_activity < ? THEN 1 ELSE 0 END),"
		    " sum(CASE WHEN s.status = 'in_progress' AND s.first_activity >= ?"
		    "   AND s.first_activity < ? THEN 1 ELSE 0 END),"
		    " sum(CASE WHEN s.status = 'completed' AND s.completed_at >= ?"
		    "   AND s.completed_at < ? THEN 1 ELSE 0 END),"
		    " sum(CASE WHEN s.passed <> 0 AND s.completed_at >= ?"
		    "   AND s.completed_at < ? THEN 1 ELSE 0 END),"
		    " sum(CASE WHEN s.best_score IS NOT NULL AND s.status <> 'not_started'"
		    "   AND s.first_activity >= ? AND s.first_activity < ? THEN s.best_score"
		    "   ELSE 0 END),"
		    " sum(CASE WHEN s.best_score IS NOT NULL AND s.status <> 'not_started'"
		    "   AND s.first_activity >= ? AND s.first_activity < ? THEN 1 ELSE 0 END)"
		    /* CROSS JOIN: SQLite then walks the area's learners (an index)
		     * and looks their rows up, instead of every summary */
		    " FROM learners l CROSS JOIN summaries s"
		    " WHERE s.box = l.box AND s.learner = l.id AND {U}"
		    " AND l.registered_at < ?"
		    " AND (CAST(? AS TEXT) = '' OR s.course = CAST(? AS TEXT))"
		    " GROUP BY l.village, s.course", f->unit, &s)) != PB_OK)
			goto fail;
		for (i = 0; i < 6; i++) {
			/* started: by the end of the range; completed: within it */
			hdb_bind_int64(s, 1 + 2 * i, i == 2 || i == 3 ? f->from_ms : 0);
			hdb_bind_int64(s, 2 + 2 * i, to);
		}
		rf__bind_unit(s, 13, f->unit);
		hdb_bind_int64(s, 15, to);
		hdb_bind_text(s, 16, f->course);
		hdb_bind_text(s, 17, f->course);
	}
	if (s != NULL) {
		rc = PB_ERR_NOMEM;
		while ((st = hdb_step(s)) == HDB_ROW) {
			struct rf_village key, *v;
			struct rf_row *row;

			snprintf(key.code, sizeof(key.code), "%s", hdb_column_text(s, 0));
			v = bsearch(&key, r->v, r->nv, sizeof(*r->v), rf__vcmp);
			if (v == NULL || strlen(hdb_column_text(s, 1)) >= sizeof(rows[0].course))
				continue;
			if (nrows == rcap) {
				size_t ncap = rcap ? rcap * 2 : 256;
				struct rf_row *nr = realloc(rows, ncap * sizeof(*nr));

				if (nr == NULL)
					goto fail;
				rows = nr;
				rcap = ncap;
			}
			row = &rows[nrows++];
			row->village = (size_t)(v - r->v);
			snprintf(row->course, sizeof(row->course), "%s", hdb_column_text(s, 1));
			row->n.started = hdb_column_int64(s, 2);
			row->n.in_progress = hdb_column_int64(s, 3);
			row->n.completed = hdb_column_int64(s, 4);
			row->n.passed = hdb_column_int64(s, 5);
			row->n.score_sum = hdb_column_int64(s, 6);
			row->n.score_n = hdb_column_int64(s, 7);
			if (f->course[0] == '\0' &&
			    (r->nc == 0 || strcmp(r->course[r->nc - 1], row->course) != 0) &&
			    rf__add_course(r, &ccap, row->course) != PB_OK)
				goto fail;
		}
		if (st != HDB_DONE) {
			rc = PB_ERR_DB;
			goto fail;
		}
		hdb_finalize(s);
		s = NULL;
	}
	rf__unique_courses(r);
	if (r->nv > 0 && r->nc > 0 &&
	    (r->cnt = calloc(r->nv * r->nc, sizeof(*r->cnt))) == NULL) {
		rc = PB_ERR_NOMEM;
		goto fail;
	}
	for (k = 0; k < nrows; k++) {
		char (*cp)[65] = bsearch(rows[k].course, r->course, r->nc, sizeof(r->course[0]),
		    rf__ccmp);
		struct rf_counts *n;

		if (cp == NULL)
			continue;
		n = &r->cnt[rows[k].village * r->nc + (size_t)(cp - r->course)];
		n->started += rows[k].n.started;
		n->in_progress += rows[k].n.in_progress;
		n->completed += rows[k].n.completed;
		n->passed += rows[k].n.passed;
		n->score_sum += rows[k].n.score_sum;
		n->score_n += rows[k].n.score_n;
	}
	free(rows);
	return PB_OK;
fail:
	if (rc == PB_ERR_DB)
		log_warnx("report: %s", hdb_errmsg(c));
	hdb_finalize(s);
	free(rows);
	rf_free(r);
	return rc;
}

/* The counts for the filter's unit, course and range, per village. */
static pb_err
rf_load(struct hdb_conn *c, const struct report_ctx *x, const struct report_filter *f,
    struct rf *r)
{
	return rf__load(c, x, f, r, 1);
}

/* The counts of a whole province, regency or district, or of the country,
 * without a date range, from the running totals: r gets one entry (the
 * unit) holding its learners and its counts per course. */
static pb_err
rf_load_unit(struct hdb_conn *c, const struct report_ctx *x, const struct report_filter *f,
    struct rf *r)
{
	struct hdb_stmt *s = NULL;
	struct rf_row *rows = NULL;
	size_t ccap = 0, nrows = 0, rcap = 0, k;
	int64_t learners = 0;
	pb_err rc = PB_ERR_NOMEM;
	int st;

	memset(r, 0, sizeof(*r));
	if (f->course[0] != '\0') {
		if (rf__add_course(r, &ccap, f->course) != PB_OK)
			goto fail;
	} else {
		for (k = 0; k < courses_count(x->courses); k++)
			if (rf__add_course(r, &ccap, courses_id(x->courses, k)) != PB_OK)
				goto fail;
	}
	/* the country is the sum of its provinces */
	if ((s = hdb_prepare(c, "SELECT course, sum(learners), sum(started),"
	    " sum(in_progress), sum(completed), sum(passed), sum(score_sum), sum(score_n)"
	    " FROM unit_totals WHERE lvl = ?1 AND (?1 = 2 AND CAST(?2 AS TEXT) = ''"
	    "   OR unit = CAST(?2 AS TEXT))"
	    " AND (course = '' OR CAST(?3 AS TEXT) = '' OR course = CAST(?3 AS TEXT))"
	    " GROUP BY course")) == NULL) {
		rc = PB_ERR_DB;
		goto fail;
	}
	hdb_bind_int64(s, 1, f->unit[0] == '\0' ? 2 : (int64_t)strlen(f->unit));
	hdb_bind_text(s, 2, f->unit);
	hdb_bind_text(s, 3, f->course);
	while ((st = hdb_step(s)) == HDB_ROW) {
		const char *course = hdb_column_text(s, 0);
		struct rf_row *row;

		if (course == NULL || strlen(course) >= sizeof(rows[0].course))
			continue;
		if (course[0] == '\0') {
			learners = hdb_column_int64(s, 1);
			continue;
		}
		if (nrows == rcap) {
			size_t ncap = rcap ? rcap * 2 : 16;
			struct rf_row *nr = realloc(rows, ncap * sizeof(*nr));

			if (nr == NULL)
				goto fail;
			rows = nr;
			rcap = ncap;
		}
		row = &rows[nrows++];
		row->village = 0;
		snprintf(row->course, sizeof(row->course), "%s", course);
		row->n.started = hdb_column_int64(s, 2);
		row->n.in_progress = hdb_column_int64(s, 3);
		row->n.completed = hdb_column_int64(s, 4);
		row->n.passed = hdb_column_int64(s, 5);
		row->n.score_sum = hdb_column_int64(s, 6);
		row->n.score_n = hdb_column_int64(s, 7);
		if (f->course[0] == '\0' && rf__add_course(r, &ccap, course) != PB_OK)
			goto fail;
	}
	if (st != HDB_DONE) {
		rc = PB_ERR_DB;
		goto fail;
	}
	hdb_finalize(s);
	s = NULL;
	rf__unique_courses(r);
	if (learners == 0) {
		free(rows);
		return PB_OK; /* no learners: nothing counts */
	}
	if ((r->v = calloc(1, sizeof(*r->v))) == NULL)
		goto fail;
	r->nv = 1;
	snprintf(r->v[0].code, sizeof(r->v[0].code), "%s", f->unit);
	r->v[0].learners = learners;
	if (r->nc > 0 && (r->cnt = calloc(r->nc, sizeof(*r->cnt))) == NULL)
		goto fail;
	for (k = 0; k < nrows; k++) {
		char (*cp)[65] = bsearch(rows[k].course, r->course, r->nc, sizeof(r->course[0]),
		    rf__ccmp);

		if (cp != NULL)
			r->cnt[cp - r->course] = rows[k].n;
	}
	free(rows);
	return PB_OK;
fail:
	if (rc == PB_ERR_DB)
		log_warnx("report: %s", hdb_errmsg(c));
	hdb_finalize(s);
	free(rows);
	rf_free(r);
	return rc;
}

static double
report__pct(int64_t part, int64_t whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

/* ---- pre-test to post-test gain ---------------------------------------- */

typedef void (*report_gain_fn)(const char *code, const char *course, int64_t sum,
    int64_t n, void *arg);

/* The gain (post_score - pre_score) of the learner-course pairs within f's
 * unit (and course) that have both scores: fn(area code of lvl characters,
 * course, sum of the gains, pairs) per area and course, lvl 0 for one area
 * "". With a date range, the pairs started before its end, as
 * avg_best_score. Not in the running totals: few pairs have a pre-test, and
 * the partial index summaries_gain (db.c) holds just those. */
static pb_err
report__gains(struct hdb_conn *c, const struct report_filter *f, size_t lvl,
    report_gain_fn fn, void *arg)
{
	struct hdb_stmt *s;
	int64_t to = report__to(f);
	size_t ulen = strlen(f->unit);
	char sql[900];
	pb_err rc;
	int st;

	if (report__totals(f) && ulen < 13 && lvl <= 8) {
		/* no date range, children down to districts: the gains kept in
		 * learner_rows (totals.h) */
		if ((rc = totals_fold(c)) != PB_OK)
			return rc;
		if ((s = hdb_prepare(c, "SELECT substr(unit, 1, ?1), course, sum(gain_sum),"
		    " sum(gain_n) FROM learner_rows WHERE lvl = ?2 AND unit >= ?3 AND unit <= ?4"
		    " AND course <> '' AND (CAST(?5 AS TEXT) = '' OR course = CAST(?5 AS TEXT))"
		    " GROUP BY 1, 2 HAVING sum(gain_n) <> 0")) == NULL) {
			log_warnx("report: %s", hdb_errmsg(c));
			return PB_ERR_DB;
		}
		hdb_bind_int64(s, 1, (int64_t)lvl);
		hdb_bind_int64(s, 2, lvl != 0 ? (int64_t)lvl : ulen == 0 ? 2 : (int64_t)ulen);
		report__bind_range(s, 3, f->unit);
		hdb_bind_text(s, 5, f->course);
		goto rows;
	}
	/* CROSS JOIN fixes SQLite's order: for the country it walks the pairs
	 * with both scores (summaries_gain) and looks their learners up; for an
	 * area it walks the area's learners (learners_p, _r, _d) and looks
	 * their rows up */
	snprintf(sql, sizeof(sql), "SELECT substr(l.village, 1, CAST(? AS INTEGER)),"
	    " s.course, sum(s.post_score - s.pre_score), count(*) FROM %s"
	    " WHERE s.pre_score IS NOT NULL AND s.post_score IS NOT NULL"
	    " AND l.box = s.box AND l.id = s.learner AND {U}"
	    " AND s.first_activity < ? AND l.registered_at < ?"
	    " AND (CAST(? AS TEXT) = '' OR s.course = CAST(? AS TEXT))"
	    " GROUP BY 1, 2", f->unit[0] == '\0' ? "summaries s CROSS JOIN learners l" :
	    "learners l CROSS JOIN summaries s");
	if ((rc = report__prepare_unit(c, sql, f->unit, &s)) != PB_OK)
		return rc;
	hdb_bind_int64(s, 1, (int64_t)lvl);
	rf__bind_unit(s, 2, f->unit);
	hdb_bind_int64(s, 4, to);
	hdb_bind_int64(s, 5, to);
	hdb_bind_text(s, 6, f->course);
	hdb_bind_text(s, 7, f->course);
rows:
	while ((st = hdb_step(s)) == HDB_ROW)
		fn(hdb_column_text(s, 0), hdb_column_text(s, 1), hdb_column_int64(s, 2),
		    hdb_column_int64(s, 3), arg);
	hdb_finalize(s);
	return st == HDB_DONE ? PB_OK : PB_ERR_DB;
}

/* The average gain to one decimal, null without pairs. */
static json_t *
report__avg_gain(int64_t sum, int64_t n)
{
	return n > 0 ? json_real((double)(sum * 10 / n) / 10.0) : json_null();
}

/* ---- areas and totals --------------------------------------------------- */

struct area_acc {
	char code[24];
	int64_t villages, reached, learners, started, completed, gain_sum, gain_n;
};

struct area_list {
	struct area_acc *a;
	size_t n, cap;
	size_t child;
	int oom;
};

static struct area_acc *
area__get(struct area_list *l, const char *code)
{
	size_t i;

	/* children arrive mostly in order: look from the end */
	for (i = l->n; i > 0; i--)
		if (strcmp(l->a[i - 1].code, code) == 0)
			return &l->a[i - 1];
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct area_acc *na = realloc(l->a, ncap * sizeof(*na));

		if (na == NULL) {
			l->oom = 1;
			return NULL;
		}
		l->a = na;
		l->cap = ncap;
	}
	memset(&l->a[l->n], 0, sizeof(l->a[0]));
	snprintf(l->a[l->n].code, sizeof(l->a[0].code), "%s", code);
	return &l->a[l->n++];
}

static void
area__child(const char *code, const char *name, void *arg)
{
	(void)name;
	(void)area__get(arg, code);
}

static void
area__village(const char *code, const char *name, void *arg)
{
	struct area_list *l = arg;
	char child[24];
	struct area_acc *a;

	(void)name;
	snprintf(child, sizeof(child), "%.*s", (int)l->child, code);
	if ((a = area__get(l, child)) != NULL)
		a->villages++;
}

static int
area__cmp(const void *a, const void *b)
{
	return strcmp(((const struct area_acc *)a)->code, ((const struct area_acc *)b)->code);
}

/* Boxes that registered a learner in the unit. */
static pb_err
report__boxes_served(struct hdb_conn *c, const struct report_filter *f, int64_t *n)
{
	struct hdb_stmt *s = NULL;
	pb_err rc;

	/* the country without a range: the count kept in learner_rows */
	if (f->unit[0] == '\0' && report__totals(f) && (rc = totals_fold(c)) != PB_OK)
		return rc;
	if ((rc = report__prepare_unit(c, f->unit[0] == '\0' && report__totals(f) ?
	    "SELECT COALESCE(sum(n), 0) FROM learner_rows WHERE {V} AND CAST(? AS BIGINT) > 0"
	    " AND lvl = 0 AND unit = '' AND course = ''" :
	    "SELECT count(DISTINCT box) FROM learners"
	    " WHERE {V}"
	    " AND registered_at < ?", f->unit, &s)) != PB_OK)
		return rc;
	rf__bind_unit(s, 1, f->unit);
	hdb_bind_int64(s, 3, report__to(f));
	rc = PB_ERR_DB;
	if (hdb_step(s) == HDB_ROW) {
		*n = hdb_column_int64(s, 0);
		rc = PB_OK;
	}
	hdb_finalize(s);
	return rc;
}

/* Add the started and completed counts of l's children (provinces,
 * regencies or districts) from their running totals, and to tot. */
static pb_err
report__child_counts(struct hdb_conn *c, const struct report_filter *f, struct area_list *l,
    struct area_acc *tot)
{
	struct hdb_stmt *s;
	int st;

	if ((s = hdb_prepare(c, "SELECT unit, sum(started), sum(completed) FROM unit_totals"
	    " WHERE lvl = ?1 AND unit >= ?2 AND unit <= ?3 AND course <> ''"
	    " AND (CAST(?4 AS TEXT) = '' OR course = CAST(?4 AS TEXT)) GROUP BY unit")) == NULL)
		return PB_ERR_DB;
	hdb_bind_int64(s, 1, (int64_t)l->child);
	report__bind_range(s, 2, f->unit);
	hdb_bind_text(s, 4, f->course);
	while ((st = hdb_step(s)) == HDB_ROW) {
		struct area_acc *a = area__get(l, hdb_column_text(s, 0));

		if (a == NULL)
			break;
		a->started += hdb_column_int64(s, 1);
		a->completed += hdb_column_int64(s, 2);
		tot->started += hdb_column_int64(s, 1);
		tot->completed += hdb_column_int64(s, 2);
	}
	hdb_finalize(s);
	if (l->oom)
		return PB_ERR_NOMEM;
	return st == HDB_DONE ? PB_OK : PB_ERR_DB;
}

struct area_gain {
	struct area_list *l;
	struct area_acc *tot;
};

static void
area__gain(const char *code, const char *course, int64_t sum, int64_t n, void *arg)
{
	struct area_gain *g = arg;
	struct area_acc *a;

	(void)course;
	g->tot->gain_sum += sum;
	g->tot->gain_n += n;
	if (g->l->child != 0 && (a = area__get(g->l, code)) != NULL) {
		a->gain_sum += sum;
		a->gain_n += n;
	}
}

/* A village counts as reached when the list has it (or no list is loaded). */
static int
report__listed(const struct region *r, const char *code)
{
	return r == NULL || region_count(r) == 0 || region_name(r, code) != NULL;
}

pb_err
report_areas(struct hdb_conn *c, const struct report_ctx *x, const struct report_filter *f,
    struct report_table *t, json_t **totals)
{
	static const char *const cols[] = { "code", "name", "villages", "villages_reached",
		"villages_percent", "learners", "started", "completed", "percent",
		"gain_learners", "avg_gain", NULL };
	struct area_list l = { NULL, 0, 0, region_child_len(strlen(f->unit)), 0 };
	struct area_acc tot;
	struct rf r;
	int64_t boxes = 0;
	size_t i, j;
	int fast;
	pb_err rc;

	*totals = NULL;
	if ((rc = report__init(t, cols)) != PB_OK)
		return rc;
	/* without a range, above the district: the villages' learners, and the
	 * children's counts from their running totals (totals.h) */
	fast = report__totals(f) && l.child != 0 && l.child <= 8;
	if ((rc = rf__load(c, x, f, &r, !fast)) != PB_OK ||
	    (rc = report__boxes_served(c, f, &boxes)) != PB_OK)
		goto out;
	memset(&tot, 0, sizeof(tot));
	tot.villages = (int64_t)region_each(x->region, f->unit, 13, NULL, NULL);
	if (l.child != 0) {
		/* every child the list has, even without learners */
		region_each(x->region, f->unit, l.child, area__child, &l);
		region_each(x->region, f->unit, 13, area__village, &l);
	}
	for (i = 0; i < r.nv; i++) {
		struct area_acc *a = NULL;
		int listed = report__listed(x->region, r.v[i].code);

		tot.learners += r.v[i].learners;
		tot.reached += listed;
		if (l.child != 0) {
			char child[24];

			snprintf(child, sizeof(child), "%.*s", (int)l.child, r.v[i].code);
			if ((a = area__get(&l, child)) == NULL)
				break;
			a->learners += r.v[i].learners;
			a->reached += listed;
		}
		for (j = 0; j < r.nc; j++) {
			const struct rf_counts *n = &r.cnt[i * r.nc + j];

			tot.started += n->started;
			tot.completed += n->completed;
			if (a != NULL) {
				a->started += n->started;
				a->completed += n->completed;
			}
		}
	}
	if (fast && (rc = report__child_counts(c, f, &l, &tot)) != PB_OK)
		goto out;
	{
		struct area_gain g = { &l, &tot };

		if ((rc = report__gains(c, f, l.child, area__gain, &g)) != PB_OK)
			goto out;
	}
	rc = PB_ERR_NOMEM;
	if (l.oom)
		goto out;
	if (l.n > 1)
		qsort(l.a, l.n, sizeof(*l.a), area__cmp);
	for (i = 0; i < l.n; i++) {
		const struct area_acc *a = &l.a[i];

		if (json_array_append_new(t->rows, json_pack("[s, o, I, I, f, I, I, I, f, I, o]",
		    a->code, report__name(x->region, a->code), (json_int_t)a->villages,
		    (json_int_t)a->reached, report__pct(a->reached, a->villages),
		    (json_int_t)a->learners, (json_int_t)a->started, (json_int_t)a->completed,
		    report__pct(a->completed, a->started), (json_int_t)a->gain_n,
		    report__avg_gain(a->gain_sum, a->gain_n))) != 0)
			goto out;
	}
	*totals = json_pack("{s:I, s:I, s:I, s:f, s:I, s:I, s:f, s:I, s:I, s:o}",
	    "learners", (json_int_t)tot.learners, "started", (json_int_t)tot.started,
	    "completions", (json_int_t)tot.completed,
	    "percent", report__pct(tot.completed, tot.started),
	    "villages", (json_int_t)tot.villages, "villages_reached", (json_int_t)tot.reached,
	    "villages_percent", report__pct(tot.reached, tot.villages),
	    "boxes", (json_int_t)boxes, "gain_learners", (json_int_t)tot.gain_n,
	    "avg_gain", report__avg_gain(tot.gain_sum, tot.gain_n));
	rc = *totals != NULL ? PB_OK : PB_ERR_NOMEM;
out:
	free(l.a);
	rf_free(&r);
	return rc;
}

/* ---- courses ------------------------------------------------------------ */

static json_t *
report__title(const struct courses *cs, const char *id)
{
	const char *title = courses_title(cs, id);

	return json_string(title != NULL ? title : id);
}

struct course_gain {
	const struct rf *r;
	int64_t *sum, *n;
};

static void
course__gain(const char *code, const char *course, int64_t sum, int64_t n, void *arg)
{
	struct course_gain *g = arg;
	char (*hit)[65] = bsearch(course, g->r->course, g->r->nc, sizeof(*g->r->course),
	    rf__ccmp);

	(void)code;
	if (hit != NULL) {
		g->sum[hit - g->r->course] += sum;
		g->n[hit - g->r->course] += n;
	}
}

pb_err
report_courses(struct hdb_conn *c, const struct report_ctx *x, const struct report_filter *f,
    struct report_table *t)
{
	static const char *const cols[] = { "course", "title", "learners", "started",
		"in_progress", "completed", "passed", "percent", "avg_best_score",
		"gain_learners", "avg_gain", NULL };
	struct rf r;
	struct course_gain g;
	int64_t learners = 0;
	size_t i, j;
	pb_err rc;

	if ((rc = report__init(t, cols)) != PB_OK)
		return rc;
	rc = report__totals(f) && strlen(f->unit) < 13 ? rf_load_unit(c, x, f, &r) :
	    rf_load(c, x, f, &r);
	if (rc != PB_OK)
		return rc;
	g.r = &r;
	g.sum = calloc(r.nc + 1, sizeof(*g.sum));
	g.n = calloc(r.nc + 1, sizeof(*g.n));
	if (g.sum == NULL || g.n == NULL)
		rc = PB_ERR_NOMEM;
	else
		rc = report__gains(c, f, 0, course__gain, &g);
	if (rc != PB_OK)
		goto out;
	for (i = 0; i < r.nv; i++)
		learners += r.v[i].learners;
	for (j = 0; j < r.nc; j++) {
		struct rf_counts n;
		json_t *avg;

		memset(&n, 0, sizeof(n));
		for (i = 0; i < r.nv; i++) {
			const struct rf_counts *v = &r.cnt[i * r.nc + j];

			n.started += v->started;
			n.in_progress += v->in_progress;
			n.completed += v->completed;
			n.passed += v->passed;
			n.score_sum += v->score_sum;
			n.score_n += v->score_n;
		}
		avg = n.score_n > 0 ? json_real((double)(n.score_sum * 10 / n.score_n) / 10.0) :
		    json_null();
		if (json_array_append_new(t->rows, json_pack("[s, o, I, I, I, I, I, f, o, I, o]",
		    r.course[j], report__title(x->courses, r.course[j]), (json_int_t)learners,
		    (json_int_t)n.started, (json_int_t)n.in_progress, (json_int_t)n.completed,
		    (json_int_t)n.passed, report__pct(n.completed, n.started), avg,
		    (json_int_t)g.n[j], report__avg_gain(g.sum[j], g.n[j]))) != 0) {
			rc = PB_ERR_NOMEM;
			break;
		}
	}
out:
	free(g.sum);
	free(g.n);
	rf_free(&r);
	return rc;
}

/* ---- village x course ----------------------------------------------------- */

/* A village of the table: its code, the names of it and its areas (from the
 * list, NULL when it has none) and its entry in the counts (or none). */
struct vil_ent {
	char code[24];
	const char *name[4];   /* province, regency, district, village */
	size_t rv;             /* index in rf.v, or VIL_NONE */
};

#define VIL_NONE ((size_t)-1)

struct vil_list {
	struct vil_ent *e;
	size_t n, cap;
	int oom;
};

static void
vil__add(const char *code, const char *name, void *arg)
{
	struct vil_list *l = arg;

	(void)name;
	if (l->oom)
		return;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 256;
		struct vil_ent *ne = realloc(l->e, ncap * sizeof(*ne));

		if (ne == NULL) {
			l->oom = 1;
			return;
		}
		l->e = ne;
		l->cap = ncap;
	}
	memset(&l->e[l->n], 0, sizeof(l->e[0]));
	snprintf(l->e[l->n++].code, sizeof(l->e[0].code), "%s", code);
}

static int
vil__cmp(const void *a, const void *b)
{
	return strcmp(((const struct vil_ent *)a)->code, ((const struct vil_ent *)b)->code);
}

/* The status of a village for a course: its rank (0 no learners … 4 all
 * completed) and its words. */
static int
report__vrank(int64_t learners, int64_t started, int64_t completed)
{
	if (learners == 0)
		return 0;
	if (started == 0)
		return 1;
	if (completed == 0)
		return 2;
	return completed < learners ? 3 : 4;
}

static const char *
report__vstatus(int rank, int en)
{
	static const char *const id[] = { "belum ada peserta", "belum mulai",
		"sedang berjalan", "sebagian selesai", "semua selesai" };
	static const char *const eng[] = { "no learners yet", "not started", "in progress",
		"partly completed", "all completed" };

	return en ? eng[rank] : id[rank];
}

/* The columns of the village x course table; each sorts. */
static const char *const report__vcols[] = { "province_code", "province", "regency_code",
	"regency", "district_code", "district", "village_code", "village", "course",
	"course_title", "learners", "started", "completed", "percent", "status", NULL };

int
report_villages_sort_valid(const char *col)
{
	size_t i;

	if (col[0] == '\0')
		return 1;
	for (i = 0; report__vcols[i] != NULL; i++)
		if (strcmp(report__vcols[i], col) == 0)
			return 1;
	return 0;
}

/* One row of the table: a village and a course. */
struct vil_row {
	uint32_t v, c;
};

struct vil_sort {
	const struct vil_list *l;
	const struct rf *r;
	const char **title;   /* per course */
	int col;              /* index in report__vcols */
	int desc;
};

static const struct rf_counts vil__zero;

static const struct rf_counts *
vil__counts(const struct vil_sort *k, const struct vil_row *w, int64_t *learners)
{
	const struct vil_ent *e = &k->l->e[w->v];

	if (e->rv == VIL_NONE) {
		*learners = 0;
		return &vil__zero;
	}
	*learners = k->r->v[e->rv].learners;
	return &k->r->cnt[e->rv * k->r->nc + w->c];
}

static int
vil__name_cmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == NULL) - (b == NULL); /* unnamed last */
	return strcasecmp(a, b);
}

static int
vil__icmp(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int
vil__row_cmp(const void *pa, const void *pb, void *arg)
{
	const struct vil_sort *k = arg;
	const struct vil_row *a = pa, *b = pb;
	const struct vil_ent *va = &k->l->e[a->v], *vb = &k->l->e[b->v];
	const struct rf_counts *na, *nb;
	int64_t la, lb;
	int r = 0;

	na = vil__counts(k, a, &la);
	nb = vil__counts(k, b, &lb);
	switch (k->col) {
	case 1: case 3: case 5: case 7: /* names */
		r = vil__name_cmp(va->name[k->col / 2], vb->name[k->col / 2]);
		break;
	case 8:
		r = vil__icmp(a->c, b->c);
		break;
	case 9:
		r = strcasecmp(k->title[a->c], k->title[b->c]);
		break;
	case 10:
		r = vil__icmp(la, lb);
		break;
	case 11:
		r = vil__icmp(na->started, nb->started);
		break;
	case 12:
		r = vil__icmp(na->completed, nb->completed);
		break;
	case 13: {
		double x = report__pct(na->completed, na->started);
		double y = report__pct(nb->completed, nb->started);

		r = x < y ? -1 : x > y;
		break;
	}
	case 14:
		r = vil__icmp(report__vrank(la, na->started, na->completed),
		    report__vrank(lb, nb->started, nb->completed));
		break;
	default: /* the codes: the village code's order */
		break;
	}
	if (k->desc)
		r = -r;
	if (r == 0) /* then by village and course, always ascending */
		r = a->v != b->v ? vil__icmp(a->v, b->v) : vil__icmp(a->c, b->c);
	return r;
}

/* Non-zero if the village's or its district's name (or its code) holds s,
 * without regard to case. */
static int
vil__match(const struct vil_ent *e, const char *s)
{
	return s[0] == '\0' || strstr(e->code, s) != NULL ||
	    (e->name[3] != NULL && strcasestr(e->name[3], s) != NULL) ||
	    (e->name[2] != NULL && strcasestr(e->name[2], s) != NULL);
}

static json_t *
vil__name_json(const char *name)
{
	return name != NULL ? json_string(name) : json_null();
}

pb_err
report_villages(struct hdb_conn *c, const struct report_ctx *x, const struct report_filter *f,
    struct report_table *t, struct report_villages_info *info)
{
	struct vil_list l = { NULL, 0, 0, 0 };
	struct vil_row *rows = NULL;
	struct vil_sort k;
	const char **title = NULL;
	struct rf r;
	size_t i, j, n = 0, from, to;
	pb_err rc;

	memset(info, 0, sizeof(*info));
	if (strlen(f->unit) < 2)
		return PB_ERR_LIMIT; /* 80,000 villages x courses: choose a province */
	if ((rc = report__init(t, report__vcols)) != PB_OK)
		return rc;
	if ((rc = rf_load(c, x, f, &r)) != PB_OK)
		return rc;
	region_each(x->region, f->unit, 13, vil__add, &l);
	for (i = 0; i < r.nv; i++) /* codes learners gave that the list lacks */
		if (!report__listed(x->region, r.v[i].code) || region_count(x->region) == 0)
			vil__add(r.v[i].code, NULL, &l);
	rc = PB_ERR_NOMEM;
	if (l.oom || (r.nc > 0 && (title = calloc(r.nc, sizeof(*title))) == NULL))
		goto out;
	if (l.n > 1)
		qsort(l.e, l.n, sizeof(l.e[0]), vil__cmp);
	for (j = 0; j < r.nc; j++) {
		const char *tt = courses_title(x->courses, r.course[j]);

		title[j] = tt != NULL ? tt : r.course[j];
	}
	info->villages = (int64_t)region_each(x->region, f->unit, 13, NULL, NULL);
	for (i = 0; i < l.n; i++) {
		struct vil_ent *e = &l.e[i];
		struct rf_village key, *v;
		static const int len[] = { 2, 5, 8, 13 };
		char code[24];
		int m;

		snprintf(key.code, sizeof(key.code), "%s", e->code);
		v = r.nv ? bsearch(&key, r.v, r.nv, sizeof(*r.v), rf__vcmp) : NULL;
		e->rv = v != NULL ? (size_t)(v - r.v) : VIL_NONE;
		for (m = 0; m < 4; m++) {
			snprintf(code, sizeof(code), "%.*s", len[m], e->code);
			e->name[m] = region_name(x->region, code);
		}
		if (v != NULL && v->learners > 0 && report__listed(x->region, e->code))
			info->reached++;
		if (vil__match(e, f->search))
			n += r.nc;
	}
	/* the rows the search keeps, sorted as asked */
	if (n > 0 && (rows = malloc(n * sizeof(*rows))) == NULL)
		goto out;
	n = 0;
	for (i = 0; i < l.n; i++)
		if (vil__match(&l.e[i], f->search))
			for (j = 0; j < r.nc; j++) {
				rows[n].v = (uint32_t)i;
				rows[n++].c = (uint32_t)j;
			}
	info->total = (int64_t)n;
	k.l = &l;
	k.r = &r;
	k.title = title;
	k.desc = f->desc;
	for (k.col = 0; report__vcols[k.col] != NULL &&
	    strcmp(report__vcols[k.col], f->sort) != 0; k.col++)
		;
	if (report__vcols[k.col] == NULL)
		k.col = 6; /* village_code */
	if (n > 1 && (k.col != 6 || k.desc))
		qsort_r(rows, n, sizeof(*rows), vil__row_cmp, &k);
	/* the page asked for (no limit: every row, for the CSV) */
	from = f->offset > 0 && (uint64_t)f->offset < n ? (size_t)f->offset : f->offset > 0 ? n : 0;
	to = f->limit > 0 && (uint64_t)f->limit < n - from ? from + (size_t)f->limit : n;
	for (i = from; i < to; i++) {
		const struct vil_ent *e = &l.e[rows[i].v];
		const struct rf_counts *cn;
		int64_t learners;
		char p[3], rg[6], d[9];

		cn = vil__counts(&k, &rows[i], &learners);
		snprintf(p, sizeof(p), "%.2s", e->code);
		snprintf(rg, sizeof(rg), "%.5s", e->code);
		snprintf(d, sizeof(d), "%.8s", e->code);
		if (json_array_append_new(t->rows, json_pack(
		    "[s, o, s, o, s, o, s, o, s, s, I, I, I, f, s]",
		    p, vil__name_json(e->name[0]), rg, vil__name_json(e->name[1]),
		    d, vil__name_json(e->name[2]), e->code, vil__name_json(e->name[3]),
		    r.course[rows[i].c], title[rows[i].c], (json_int_t)learners,
		    (json_int_t)cn->started, (json_int_t)cn->completed,
		    report__pct(cn->completed, cn->started),
		    report__vstatus(report__vrank(learners, cn->started, cn->completed),
		    f->en))) != 0)
			goto out;
		if (t->sink != NULL && json_array_size(t->rows) >= REPORT_SINK_ROWS &&
		    t->sink(t, t->sink_arg) != 0) {
			rc = PB_ERR_IO;
			goto out;
		}
	}
	rc = PB_OK;
out:
	free(rows);
	free(title);
	free(l.e);
	rf_free(&r);
	return rc;
}

/* ---- learners ------------------------------------------------------------- */

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
	const struct report_ctx *x = arg;
	const char *village = hdb_column_text(s, 3);
	const char *course = hdb_column_text(s, 7);

	return json_pack("[o, o, o, s, o, o, o, o, o, o, o, o, o, b, o, o, o, o, o, b, o]",
	    report__col(s, 0), report__col(s, 1), report__col(s, 2), village,
	    report__name(x->region, village), report__col(s, 4), report__col(s, 5),
	    report__time(s, 6), report__col(s, 7),
	    course ? report__title(x->courses, course) : json_null(), report__col(s, 8),
	    report__col(s, 9), report__col(s, 10), hdb_column_int(s, 11) != 0,
	    report__col(s, 12), report__col(s, 13), report__time(s, 14), report__time(s, 15),
	    report__time(s, 16), hdb_column_int(s, 17) != 0, report__time_source(s, 18));
}

/* Which learner x course rows report_learners lists ({U}: the unit). */
#define REPORT_LEARNERS_WHERE \
	" WHERE {U} AND l.registered_at < ?" \
	" AND (CAST(? AS TEXT) = '' OR s.course = CAST(? AS TEXT))" \
	" AND (s.learner IS NULL OR (s.last_activity >= ? AND s.first_activity < ?)" \
	"   OR (s.completed_at >= ? AND s.completed_at < ?))"

static void
report__bind_learners(struct hdb_stmt *s, const struct report_filter *f)
{
	int64_t to = report__to(f);

	rf__bind_unit(s, 1, f->unit);
	hdb_bind_int64(s, 3, to);
	hdb_bind_text(s, 4, f->course);
	hdb_bind_text(s, 5, f->course);
	hdb_bind_int64(s, 6, f->from_ms);
	hdb_bind_int64(s, 7, to);
	hdb_bind_int64(s, 8, f->from_ms);
	hdb_bind_int64(s, 9, to);
}

/* LIMIT ? OFFSET ? values of a page (no limit: all). */
static void
report__bind_page(struct hdb_stmt *s, int col, const struct report_filter *f)
{
	hdb_bind_int64(s, col, f->limit > 0 ? f->limit : REPORT_END_MS);
	hdb_bind_int64(s, col + 1, f->offset > 0 ? f->offset : 0);
}

pb_err
report_learners(struct hdb_conn *c, const struct report_ctx *x, const struct report_filter *f,
    struct report_table *t, int64_t *total)
{
	static const char *const cols[] = { "learner", "name", "position", "village",
		"village_name", "box", "box_name", "registered_at", "course", "course_title",
		"status", "lessons_done", "lessons_total", "passed", "best_score", "attempts",
		"first_activity", "last_activity", "completed_at", "times_corrected",
		"time_source", NULL };
	struct hdb_stmt *s = NULL;
	pb_err rc;

	if ((rc = report__init(t, cols)) != PB_OK)
		return rc;
	if (total != NULL && report__totals(f) && strlen(f->unit) <= 8) {
		/* no date range, the country, a province or a regency: the rows
		 * kept in learner_rows (totals.h; the country is the sum of its
		 * provinces) */
		if ((rc = totals_fold(c)) != PB_OK)
			return rc;
		/* every course's rows, and once each learner without any (all
		 * learners, in unit_totals, less those with some) */
		if ((s = hdb_prepare(c, "SELECT sum(x.n) FROM (SELECT CASE WHEN course = ''"
		    " THEN -n ELSE n END AS n FROM learner_rows WHERE lvl = ?1"
		    " AND (?1 = 2 AND CAST(?2 AS TEXT) = '' OR unit = CAST(?2 AS TEXT))"
		    " AND (CAST(?3 AS TEXT) = '' OR course = CAST(?3 AS TEXT))"
		    " UNION ALL SELECT learners FROM unit_totals WHERE lvl = ?1"
		    " AND (?1 = 2 AND CAST(?2 AS TEXT) = '' OR unit = CAST(?2 AS TEXT))"
		    " AND course = '' AND CAST(?3 AS TEXT) = '') x")) == NULL) {
			log_warnx("report: %s", hdb_errmsg(c));
			return PB_ERR_DB;
		}
		hdb_bind_int64(s, 1, f->unit[0] == '\0' ? 2 : (int64_t)strlen(f->unit));
		hdb_bind_text(s, 2, f->unit);
		hdb_bind_text(s, 3, f->course);
		rc = PB_ERR_DB;
		if (hdb_step(s) == HDB_ROW) {
			*total = hdb_column_int64(s, 0);
			rc = PB_OK;
		}
		hdb_finalize(s);
		s = NULL;
		if (rc != PB_OK)
			return rc;
	} else if (total != NULL) {
		if ((rc = report__prepare_unit(c, "SELECT count(*) FROM learners l"
		    " LEFT JOIN summaries s ON s.box = l.box AND s.learner = l.id"
		    REPORT_LEARNERS_WHERE, f->unit, &s)) != PB_OK)
			return rc;
		report__bind_learners(s, f);
		rc = PB_ERR_DB;
		if (hdb_step(s) == HDB_ROW) {
			*total = hdb_column_int64(s, 0);
			rc = PB_OK;
		}
		hdb_finalize(s);
		if (rc != PB_OK)
			return rc;
	}
	/* the index learners_order (village, name, id) gives the order, so a
	 * page does not sort the whole area */
	if ((rc = report__prepare_unit(c,
	    "SELECT l.id, l.name, l.position, l.village, l.box, b.name, l.registered_at,"
	    " s.course, s.status, s.lessons_done, s.lessons_total, COALESCE(s.passed, 0),"
	    " s.best_score, s.attempts, s.first_activity, s.last_activity,"
	    " s.completed_at, COALESCE(s.times_corrected, 0),"
	    " COALESCE(s.time_source, l.time_source)"
	    " FROM learners l LEFT JOIN boxes b ON b.box_id = l.box"
	    " LEFT JOIN summaries s ON s.box = l.box AND s.learner = l.id"
	    REPORT_LEARNERS_WHERE
	    " ORDER BY l.village, l.name, l.id, s.course LIMIT ? OFFSET ?", f->unit,
	    &s)) != PB_OK)
		return rc;
	report__bind_learners(s, f);
	report__bind_page(s, 10, f);
	rc = report__rows(c, s, t, report__learner_row, x);
	hdb_finalize(s);
	return rc;
}

/* ---- the fleet ------------------------------------------------------------ */

/* Compare dotted versions numerically ("0.10.0" > "0.9.2"); text after the
 * numbers compares as text. */
static int
report__vercmp(const char *a, const char *b)
{
	while (*a || *b) {
		char *ea, *eb;
		unsigned long long na = strtoull(a, &ea, 10), nb = strtoull(b, &eb, 10);

		if (ea == a || eb == b)
			return strcmp(a, b);
		if (na != nb)
			return na < nb ? -1 : 1;
		a = ea;
		b = eb;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
		if ((*a == '\0') != (*b == '\0'))
			return *a == '\0' ? -1 : 1;
	}
	return 0;
}

/* Which boxes report_boxes lists: the unit's, in the range, matching the
 * flags ({O}: placeholders of the old versions). */
#define REPORT_BOXES_WHERE \
	" WHERE (CAST(? AS INTEGER) = 0 OR b.box_id IN (SELECT l.box FROM learners l" \
	"   WHERE {V}))" \
	" AND (CAST(? AS INTEGER) = 0 OR (COALESCE(b.last_seen, 0) >= ?" \
	"   AND COALESCE(b.last_seen, 0) < ?))" \
	" AND (CAST(? AS INTEGER) = 0 OR COALESCE(b.last_seen, 0) <= 0" \
	"   OR ? - b.last_seen >= ?)" \
	" AND (CAST(? AS INTEGER) = 0 OR (COALESCE(b.disk_total, 0) > 0" \
	"   AND COALESCE(b.disk_free, 0) <= b.disk_total" \
	"   AND (b.disk_total - COALESCE(b.disk_free, 0)) * 100 > b.disk_total * 80))" \
	" AND (CAST(? AS INTEGER) = 0 OR b.db_state = 'degraded')" \
	" AND (CAST(? AS INTEGER) = 0 OR b.version IN ({O}))"

#define REPORT_MAX_VERSIONS 64

struct report_versions {
	char v[REPORT_MAX_VERSIONS][65];
	size_t n;
};

/* Bind REPORT_BOXES_WHERE from column col; returns the next column. */
static int
report__bind_boxes(struct hdb_stmt *s, int col, const struct report_filter *f, int flags,
    int64_t now_ms, const struct report_versions *old)
{
	size_t i;

	hdb_bind_int64(s, col++, f->unit[0] != '\0');
	rf__bind_unit(s, col, f->unit);
	col += 2;
	hdb_bind_int64(s, col++, f->from_ms > 0 || f->to_ms > 0);
	hdb_bind_int64(s, col++, f->from_ms);
	hdb_bind_int64(s, col++, report__to(f));
	hdb_bind_int64(s, col++, (flags & REPORT_STALE) != 0);
	hdb_bind_int64(s, col++, now_ms);
	hdb_bind_int64(s, col++, 30 * REPORT_DAY_MS);
	hdb_bind_int64(s, col++, (flags & REPORT_DISK) != 0);
	hdb_bind_int64(s, col++, (flags & REPORT_DEGRADED) != 0);
	hdb_bind_int64(s, col++, (flags & REPORT_OLD) != 0);
	for (i = 0; i < old->n; i++)
		hdb_bind_text(s, col++, old->v[i]);
	if (old->n == 0)
		hdb_bind_text(s, col++, "");
	return col;
}

/* sql with {O} replaced by one placeholder per old version (at least one). */
static void
report__boxes_sql(char *out, size_t len, const char *sql, size_t nold)
{
	const char *o = strstr(sql, "{O}");
	size_t n = (size_t)(o - sql), i, k;

	k = (size_t)snprintf(out, len, "%.*s", (int)n, sql);
	for (i = 0; i < (nold ? nold : 1) && k + 4 < len; i++)
		k += (size_t)snprintf(out + k, len - k, "%s?", i ? "," : "");
	snprintf(out + k, len - k, "%s", o + 3);
}

pb_err
report_boxes(struct hdb_conn *c, const struct report_filter *f, int flags, int64_t now_ms,
    struct report_table *t, int64_t *total)
{
	static const char *const cols[] = { "box", "name", "last_seen", "days_unseen",
		"version", "old_version", "pending", "disk_free", "disk_total",
		"disk_used_percent", "db_state", "clock", "learners", "enrolled_at", "uptime_s",
		"db_bytes", "acked_rev", "db_reason", "db_lost_writes", NULL };
	struct report_versions *old;
	struct hdb_stmt *s = NULL;
	char newest[65] = "", sql[4096];
	size_t i;
	int st, col;
	pb_err rc;

	if ((rc = report__init(t, cols)) != PB_OK)
		return rc;
	if ((old = calloc(1, sizeof(*old))) == NULL)
		return PB_ERR_NOMEM;
	/* the versions boxes run (a handful of distinct values): the newest,
	 * and the older ones for the "old" filter */
	rc = PB_ERR_DB;
	if ((s = hdb_prepare(c, "SELECT DISTINCT version FROM boxes"
	    " WHERE version IS NOT NULL")) == NULL)
		goto out;
	while ((st = hdb_step(s)) == HDB_ROW) {
		const char *ver = hdb_column_text(s, 0);

		if (ver == NULL || strlen(ver) >= sizeof(newest))
			continue;
		if (newest[0] == '\0' || report__vercmp(ver, newest) > 0)
			snprintf(newest, sizeof(newest), "%s", ver);
		if (old->n < REPORT_MAX_VERSIONS)
			snprintf(old->v[old->n++], sizeof(old->v[0]), "%s", ver);
	}
	hdb_finalize(s);
	s = NULL;
	if (st != HDB_DONE)
		goto out;
	for (i = 0; i < old->n;) {
		if (report__vercmp(old->v[i], newest) < 0)
			i++;
		else
			memmove(old->v[i], old->v[--old->n], sizeof(old->v[0]));
	}
	if (total != NULL) {
		report__boxes_sql(sql, sizeof(sql), "SELECT count(*) FROM boxes b"
		    REPORT_BOXES_WHERE, old->n);
		if ((rc = report__prepare_unit(c, sql, f->unit, &s)) != PB_OK)
			goto out;
		report__bind_boxes(s, 1, f, flags, now_ms, old);
		rc = PB_ERR_DB;
		if (hdb_step(s) != HDB_ROW)
			goto out;
		*total = hdb_column_int64(s, 0);
		hdb_finalize(s);
		s = NULL;
	}
	/* the index boxes_name gives the order; the learners are counted for
	 * the page's boxes only */
	report__boxes_sql(sql, sizeof(sql),
	    "SELECT b.box_id, b.name, b.last_seen, b.version, b.pending, b.disk_free,"
	    " b.disk_total, b.db_state, b.clock, b.enrolled_at, b.uptime_s, b.db_bytes,"
	    " b.acked_rev, (SELECT count(*) FROM learners l WHERE l.box = b.box_id AND {U}),"
	    " b.db_reason, b.db_lost_writes FROM boxes b" REPORT_BOXES_WHERE
	    " ORDER BY b.name, b.box_id LIMIT ? OFFSET ?", old->n);
	if ((rc = report__prepare_unit(c, sql, f->unit, &s)) != PB_OK)
		goto out;
	rf__bind_unit(s, 1, f->unit);
	col = report__bind_boxes(s, 3, f, flags, now_ms, old);
	report__bind_page(s, col, f);
	rc = PB_ERR_NOMEM;
	while ((st = hdb_step(s)) == HDB_ROW) {
		int64_t seen = hdb_column_int64(s, 2);
		int64_t dfree = hdb_column_int64(s, 5), dtotal = hdb_column_int64(s, 6);
		const char *ver = hdb_column_text(s, 3);
		json_t *used = dtotal > 0 && dfree <= dtotal ?
		    json_real(report__pct(dtotal - dfree, dtotal)) : json_null();
		int isold = ver != NULL && newest[0] && report__vercmp(ver, newest) < 0;

		if (json_array_append_new(t->rows, json_pack("[o, o, o, o, o, b, o, o, o, o, o, o, I,"
		    " o, o, o, o, o, o]", report__col(s, 0), report__col(s, 1), report__time(s, 2),
		    seen > 0 ? json_integer((now_ms - seen) / REPORT_DAY_MS) : json_null(),
		    report__col(s, 3), isold, report__col(s, 4), report__col(s, 5),
		    report__col(s, 6), used, report__col(s, 7), report__col(s, 8),
		    (json_int_t)hdb_column_int64(s, 13), report__time(s, 9), report__col(s, 10),
		    report__col(s, 11), report__col(s, 12), report__col(s, 14),
		    report__col(s, 15))) != 0)
			goto out;
		if (t->sink != NULL && json_array_size(t->rows) >= REPORT_SINK_ROWS &&
		    t->sink(t, t->sink_arg) != 0) {
			rc = PB_ERR_IO;
			goto out;
		}
	}
	rc = st == HDB_DONE ? PB_OK : PB_ERR_DB;
out:
	if (rc == PB_ERR_DB)
		log_warnx("report: %s", hdb_errmsg(c));
	hdb_finalize(s);
	free(old);
	return rc;
}

/* ---- completions over time ------------------------------------------------- */

/* The start (local ms since the epoch, zone applied) of the month holding
 * local ms t, and of the next one. */
static int64_t
report__month(int64_t t, int next)
{
	time_t secs = (time_t)(t / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (next)
		tm.tm_mon++;
	return (int64_t)timegm(&tm) * 1000;
}

/* The source of completed_at in a row's time_source JSON: 0 hub, 1 phone
 * (a learner's, or a facilitator's in the console), 2 none (the box clock,
 * uncorrected), 3 not said. */
static int
report__source(const char *text)
{
	json_t *obj = text ? json_loads(text, 0, NULL) : NULL;
	const char *src = json_string_value(json_object_get(obj, "completed_at"));
	int i = 3;

	if (src != NULL)
		i = strcmp(src, "hub") == 0 ? 0 : strcmp(src, "phone") == 0 ||
		    strcmp(src, "console") == 0 ? 1 : 2;
	json_decref(obj);
	return i;
}

/* Completions in the filter per bucket of step ms (local time), added into
 * cnt[b - first] for first <= b <= last; with src, also per time source.
 * At the country level the learners are not joined at all. */
struct report_pairs {
	int64_t (*p)[2]; /* bucket, completions */
	size_t n, cap;
};

/* Add n completions to bucket b (see report__buckets). */
static pb_err
report__bucket_add(int64_t b, int64_t n, int64_t first, int64_t last, int64_t *cnt,
    struct report_pairs *pairs)
{
	if (pairs != NULL) {
		if (pairs->n == pairs->cap) {
			size_t ncap = pairs->cap ? pairs->cap * 2 : 64;
			int64_t (*np)[2] = realloc(pairs->p, ncap * sizeof(*np));

			if (np == NULL)
				return PB_ERR_NOMEM;
			pairs->p = np;
			pairs->cap = ncap;
		}
		pairs->p[pairs->n][0] = b;
		pairs->p[pairs->n++][1] = n;
	}
	if (cnt != NULL && b >= first && b <= last)
		cnt[b - first] += n;
	return PB_OK;
}

/* Days of the country or a province from completion_buckets (totals.h):
 * the segments of the range, each within one local day of the zone. */
static pb_err
report__day_buckets(struct hdb_conn *c, const struct report_filter *f, int64_t first,
    int64_t last, int64_t *cnt, int64_t src[4], struct report_pairs *pairs)
{
	struct hdb_stmt *s;
	pb_err rc = PB_OK;
	int st, i;

	if ((s = hdb_prepare(c, "SELECT (seg * 3600000 + ?1) / 86400000, sum(src_hub),"
	    " sum(src_phone), sum(src_none), sum(src_unknown) FROM completion_buckets"
	    " WHERE course = CAST(?2 AS TEXT) AND unit = CAST(?5 AS TEXT)"
	    " AND seg >= ?3 AND seg < ?4 GROUP BY 1")) == NULL) {
		log_warnx("report: %s", hdb_errmsg(c));
		return PB_ERR_DB;
	}
	hdb_bind_int64(s, 1, (int64_t)f->zone_s * 1000);
	hdb_bind_text(s, 2, f->course);
	/* a range's ends are local midnights: where segments start */
	hdb_bind_int64(s, 3, f->from_ms / 3600000);
	hdb_bind_int64(s, 4, (report__to(f) + 3599999) / 3600000);
	hdb_bind_text(s, 5, f->unit);
	while (rc == PB_OK && (st = hdb_step(s)) == HDB_ROW) {
		int64_t n = 0;

		for (i = 0; i < 4; i++) {
			if (src != NULL)
				src[i] += hdb_column_int64(s, 1 + i);
			n += hdb_column_int64(s, 1 + i);
		}
		if (n != 0)
			rc = report__bucket_add(hdb_column_int64(s, 0), n, first, last, cnt, pairs);
	}
	hdb_finalize(s);
	if (rc != PB_OK)
		return rc;
	return st == HDB_DONE ? PB_OK : PB_ERR_DB;
}

#define REPORT_SHORT_MS (31 * REPORT_DAY_MS) /* a range this short: walk its completions */

static pb_err
report__buckets(struct hdb_conn *c, const struct report_filter *f, int64_t step,
    int64_t first, int64_t last, int64_t *cnt, int64_t src[4], struct report_pairs *pairs)
{
	struct hdb_stmt *s = NULL;
	int64_t zone = (int64_t)f->zone_s * 1000;
	size_t ulen = strlen(f->unit);
	pb_err rc;
	int st;

	/* days of the country or a province: the kept buckets */
	if (step == REPORT_DAY_MS && (ulen == 0 || ulen == 2)) {
		if ((rc = totals_fold(c)) != PB_OK)
			return rc;
		return report__day_buckets(c, f, first, last, cnt, src, pairs);
	}
	/* else the rows: for the country its completions alone; for an area,
	 * a short range's completions (summaries_done) and their learners, or
	 * the area's learners and their rows (CROSS JOIN fixes SQLite's order) */
	rc = report__prepare_unit(c, f->unit[0] == '\0' ?
	    "SELECT (s.completed_at + ?) / ?, s.time_source, count(*) FROM summaries s"
	    " WHERE s.status = 'completed' AND s.completed_at > 0"
	    " AND s.completed_at >= ? AND s.completed_at < ?"
	    " AND (CAST(? AS INTEGER) = 0 AND CAST(? AS TEXT) = '')"
	    " AND (CAST(? AS TEXT) = '' OR s.course = CAST(? AS TEXT))"
	    " GROUP BY 1, 2" : f->from_ms > 0 && f->to_ms > 0 &&
	    f->to_ms - f->from_ms <= REPORT_SHORT_MS ?
	    "SELECT (s.completed_at + ?) / ?, s.time_source, count(*)"
	    " FROM summaries s CROSS JOIN learners l"
	    " WHERE s.status = 'completed' AND s.completed_at > 0"
	    " AND s.completed_at >= ? AND s.completed_at < ? AND {U}"
	    " AND s.box = l.box AND s.learner = l.id"
	    " AND (CAST(? AS TEXT) = '' OR s.course = CAST(? AS TEXT))"
	    " GROUP BY 1, 2" :
	    "SELECT (s.completed_at + ?) / ?, s.time_source, count(*)"
	    " FROM learners l CROSS JOIN summaries s"
	    " WHERE s.box = l.box AND s.learner = l.id"
	    " AND s.status = 'completed' AND s.completed_at > 0"
	    " AND s.completed_at >= ? AND s.completed_at < ? AND {U}"
	    " AND (CAST(? AS TEXT) = '' OR s.course = CAST(? AS TEXT))"
	    " GROUP BY 1, 2", f->unit, &s);
	if (rc != PB_OK)
		return rc;
	hdb_bind_int64(s, 1, zone);
	hdb_bind_int64(s, 2, step);
	hdb_bind_int64(s, 3, f->from_ms);
	hdb_bind_int64(s, 4, report__to(f));
	rf__bind_unit(s, 5, f->unit);
	hdb_bind_text(s, 7, f->course);
	hdb_bind_text(s, 8, f->course);
	while (rc == PB_OK && (st = hdb_step(s)) == HDB_ROW) {
		int64_t n = hdb_column_int64(s, 2);

		if (src != NULL)
			src[report__source(hdb_column_text(s, 1))] += n;
		rc = report__bucket_add(hdb_column_int64(s, 0), n, first, last, cnt, pairs);
	}
	hdb_finalize(s);
	if (rc != PB_OK)
		return rc;
	return st == HDB_DONE ? PB_OK : PB_ERR_DB;
}

pb_err
report_completions(struct hdb_conn *c, const struct report_filter *f, struct report_table *t,
    const char **bucket, json_t **sources)
{
	static const char *const cols[] = { "period", "start", "completions", "cumulative",
		NULL };
	int64_t zone = (int64_t)f->zone_s * 1000, step = REPORT_DAY_MS, first, last, cum = 0;
	int64_t src[4] = { 0, 0, 0, 0 }, dlo = -1, dhi = -1, *cnt = NULL;
	struct report_pairs days = { NULL, 0, 0 };
	size_t nb, i;
	pb_err rc;

	*bucket = "day";
	*sources = NULL;
	if ((rc = report__init(t, cols)) != PB_OK)
		return rc;
	/* one pass by local day (and time source) gives the span and the counts */
	if ((rc = report__buckets(c, f, REPORT_DAY_MS, 0, -1, NULL, src, &days)) != PB_OK)
		goto out;
	rc = PB_ERR_NOMEM;
	*sources = json_pack("{s:I, s:I, s:I, s:I}", "hub", (json_int_t)src[0], "phone",
	    (json_int_t)src[1], "none", (json_int_t)src[2], "unknown", (json_int_t)src[3]);
	if (*sources == NULL)
		goto out;
	for (i = 0; i < days.n; i++) {
		if (dlo < 0 || days.p[i][0] < dlo)
			dlo = days.p[i][0];
		if (dhi < 0 || days.p[i][0] > dhi)
			dhi = days.p[i][0];
	}
	if (f->from_ms > 0)
		dlo = (f->from_ms + zone) / REPORT_DAY_MS;
	if (f->to_ms > 0)
		dhi = (f->to_ms - 1 + zone) / REPORT_DAY_MS;
	rc = PB_OK;
	if (dlo < 0 || dhi < dlo)
		goto out; /* nothing completed, no range to show */
	/* hours for a chosen day or two; days up to a quarter; then months */
	if (f->from_ms > 0 && f->to_ms > 0 && f->to_ms - f->from_ms <= 2 * REPORT_DAY_MS) {
		*bucket = "hour";
		step = 3600000;
		first = (f->from_ms + zone) / step;
		last = (f->to_ms - 1 + zone) / step;
	} else {
		*bucket = dhi - dlo < 92 ? "day" : "month";
		first = dlo;
		last = dhi;
	}
	if (last - first > 40000)
		first = last - 40000; /* a century of days at most */
	nb = (size_t)(last - first + 1);
	rc = PB_ERR_NOMEM;
	if ((cnt = calloc(nb, sizeof(*cnt))) == NULL)
		goto out;
	if (step != REPORT_DAY_MS) {
		if ((rc = report__buckets(c, f, step, first, last, cnt, NULL, NULL)) != PB_OK)
			goto out;
	} else {
		for (i = 0; i < days.n; i++)
			if (days.p[i][0] >= first && days.p[i][0] <= last)
				cnt[days.p[i][0] - first] += days.p[i][1];
	}
	rc = PB_ERR_NOMEM;
	for (i = 0; i < nb;) {
		int64_t start = (first + (int64_t)i) * step, n = 0, end;
		char label[32], iso[32];
		time_t secs = (time_t)(start / 1000);
		struct tm tm;

		if (strcmp(*bucket, "month") == 0) {
			start = report__month(start, 0);
			end = report__month(start, 1);
			for (; i < nb && (first + (int64_t)i) * step < end; i++)
				n += cnt[i];
			secs = (time_t)(start / 1000);
			gmtime_r(&secs, &tm);
			strftime(label, sizeof(label), "%Y-%m", &tm);
		} else {
			n = cnt[i++];
			gmtime_r(&secs, &tm);
			strftime(label, sizeof(label), step == REPORT_DAY_MS ? "%Y-%m-%d" :
			    "%Y-%m-%d %H:00", &tm);
		}
		cum += n;
		util_iso8601(iso, start - zone);
		if (json_array_append_new(t->rows, json_pack("[s, s, I, I]", label, iso,
		    (json_int_t)n, (json_int_t)cum)) != 0)
			goto out;
	}
	rc = PB_OK;
out:
	free(days.p);
	free(cnt);
	return rc;
}
