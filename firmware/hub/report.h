/* report.h — the dashboard's tables. Every table is columns + rows of JSON
 * cells (string, integer, real, null) and renders as JSON or as CSV, so any
 * table the dashboard shows can be exported. Units are Kemendagri code
 * prefixes: "" (all), province PP, regency PP.RR, district PP.RR.DD,
 * village PP.RR.DD.VVVV.
 *
 * What is counted (the same everywhere, so the numbers agree):
 * - learners: learners registered in the unit (before the range's end);
 * - started / in_progress / completed / passed: learner-course pairs, one
 *   per learner per course; with a date range, started and in_progress
 *   count pairs started before its end, completed and passed those
 *   completed within it;
 * - percent: completed of started, in the same rows;
 * - villages: the unit's villages in the Kemendagri list, reached: those
 *   with at least one learner;
 * - boxes: boxes that registered a learner in the unit.
 * Areas, totals, courses and the village × course table all come from one
 * per-village, per-course count, so they add up. */
#ifndef HUB_REPORT_H
#define HUB_REPORT_H

#include <jansson.h>
#include "hdb.h"
#include <stdint.h>

#include "courses.h"
#include "pb.h"
#include "region.h"

struct report_table {
	json_t *columns; /* array of column ids (strings) */
	json_t *rows;    /* array of arrays, one cell per column */
	/* Optional: called as rows pile up (report_learners, report_boxes), to
	 * send them on and empty t->rows; non-zero stops the report. */
	int (*sink)(struct report_table *t, void *arg);
	void *sink_arg;
};

#define REPORT_SINK_ROWS 500 /* rows handed to a sink at a time */

/* What every report is about. */
struct report_filter {
	char unit[16];       /* region code prefix, "" = all */
	char course[65];     /* course id, "" = all */
	int64_t from_ms;     /* range start (inclusive), 0 = open */
	int64_t to_ms;       /* range end (exclusive), 0 = open */
	int zone_s;          /* the unit's UTC offset (region_zone) */
	const char *zone;    /* its name: WIB, WITA, WIT */
	int en;              /* words (status) in English, else Bahasa Indonesia */
	int64_t limit;       /* learners, boxes: rows wanted, 0 = all */
	int64_t offset;      /* and how many to skip first */
	char search[65];     /* villages: village or district name (or code) holding this */
	char sort[24];       /* villages: the column to sort by, "" = village_code */
	int desc;            /* villages: sort descending */
};

/* Where names come from. */
struct report_ctx {
	const struct region *region;
	const struct courses *courses;
};

void report_table_free(struct report_table *t);
/* {"columns": [...], "rows": [[...], ...]} (new reference). */
json_t *report_table_json(const struct report_table *t);
/* UTF-8 CSV with a byte-order mark, CRLF lines, RFC 4180 quoting; text that
 * a spreadsheet would take for a formula gets a leading apostrophe. */
char *report_table_csv(const struct report_table *t, size_t *len);
/* The same for a part of a longer table: with the byte-order mark and the
 * header line only if head. */
char *report_table_csv_part(const struct report_table *t, int head, size_t *len);

/* Child units of the filter's unit: code, name, villages, villages_reached,
 * villages_percent, learners, started, completed, percent. *totals gets the
 * unit's own {learners, started, completed, percent, villages,
 * villages_reached, villages_percent, boxes}. */
pb_err report_areas(struct hdb_conn *c, const struct report_ctx *x, const struct report_filter *f,
    struct report_table *t, json_t **totals);
/* Courses (every known one) within the unit: course, title, learners,
 * started, in_progress, completed, passed, percent, avg_best_score. */
pb_err report_courses(struct hdb_conn *c, const struct report_ctx *x, const struct report_filter *f,
    struct report_table *t);
/* What report_villages says besides its rows. */
struct report_villages_info {
	int64_t total;     /* rows of all pages (after the search) */
	int64_t villages;  /* villages of the unit in the Kemendagri list */
	int64_t reached;   /* of them, those with at least one learner */
};
/* Village × course for every village of the unit in the Kemendagri list
 * (and any other village code learners gave): names and codes of province,
 * regency, district and village, course, course title, learners, started,
 * completed, percent, status (words). Only villages whose name, district's
 * name or code holds f->search (any case); sorted by f->sort (a column;
 * names without regard to case, status by its order from "no learners yet"
 * to "all completed"; then by village code and course), descending with
 * f->desc; the page f->limit/offset of them (no limit: all, handed to
 * t->sink as they are made). PB_ERR_LIMIT for the whole country. */
pb_err report_villages(struct hdb_conn *c, const struct report_ctx *x,
    const struct report_filter *f, struct report_table *t,
    struct report_villages_info *info);
/* Non-zero if col is a column report_villages sorts by ("" too). */
int report_villages_sort_valid(const char *col);
/* Learner x course rows within unit (course "" = all), ordered by village,
 * name, learner and course; the page f->limit/offset of them. Times in UTC.
 * With total, *total gets the number of rows of all pages. */
pb_err report_learners(struct hdb_conn *c, const struct report_ctx *x,
    const struct report_filter *f, struct report_table *t, int64_t *total);

/* Fleet filters (report_boxes). */
#define REPORT_STALE    0x1  /* not seen for 30 days (or never) */
#define REPORT_DISK     0x2  /* disk over 80 % used */
#define REPORT_DEGRADED 0x4  /* database degraded (restored after damage) */
#define REPORT_OLD      0x8  /* older version than the newest box runs */
/* Boxes that served the unit (every box for ""), with their last health;
 * with a date range, those last seen in it; only those matching every
 * filter in flags; ordered by name, the page f->limit/offset of them. With
 * total, *total gets the number of boxes of all pages. */
pb_err report_boxes(struct hdb_conn *c, const struct report_filter *f, int flags, int64_t now_ms,
    struct report_table *t, int64_t *total);
/* Completions over time within unit, in the unit's zone: period (label),
 * start (UTC ISO 8601), completions, cumulative; buckets of an hour (a chosen
 * range up to 2 days), a day (up to 92 days) or a month, with empty ones.
 * *bucket gets "hour", "day" or "month"; *sources what vouches for the
 * completion times counted: {"hub": n, "phone": n, "none": n, "unknown": n}
 * (unknown: the box did not say; docs/SYNC.md, Clock). */
pb_err report_completions(struct hdb_conn *c, const struct report_filter *f,
    struct report_table *t, const char **bucket, json_t **sources);

#endif
