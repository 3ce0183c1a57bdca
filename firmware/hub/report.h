/* report.h — the dashboard's tables. Every table is columns + rows of JSON
 * cells (string, integer, real, null) and renders as JSON or as CSV, so any
 * table the dashboard shows can be exported. Units are Kemendagri code
 * prefixes: "" (all), province PP, regency PP.RR, district PP.RR.DD,
 * village PP.RR.DD.VVVV. */
#ifndef HUB_REPORT_H
#define HUB_REPORT_H

#include <jansson.h>
#include "hdb.h"

#include "pb.h"
#include "region.h"

struct report_table {
	json_t *columns; /* array of column ids (strings) */
	json_t *rows;    /* array of arrays, one cell per column */
};

void report_table_free(struct report_table *t);
/* {"columns": [...], "rows": [[...], ...]} (new reference). */
json_t *report_table_json(const struct report_table *t);
/* UTF-8 CSV with a byte-order mark, CRLF lines, RFC 4180 quoting; text that
 * a spreadsheet would take for a formula gets a leading apostrophe. */
char *report_table_csv(const struct report_table *t, size_t *len);

/* Child units of unit (course "" = any course): code, name, learners,
 * started, completed (learners who completed), percent. */
pb_err report_areas(struct hdb_conn *c, const struct region *r, const char *unit,
    const char *course, struct report_table *t);
/* Courses within unit: course, started, in_progress, completed, passed,
 * percent (completed of the unit's learners), avg_best_score. */
pb_err report_courses(struct hdb_conn *c, const char *unit, struct report_table *t);
/* Learner x course rows within unit (course "" = all). */
pb_err report_learners(struct hdb_conn *c, const struct region *r, const char *unit,
    const char *course, struct report_table *t);
/* Every enrolled box and its last health. */
pb_err report_boxes(struct hdb_conn *c, struct report_table *t);
/* Completions per day within unit: day, completions, cumulative. */
pb_err report_completions(struct hdb_conn *c, const char *unit, const char *course,
    struct report_table *t);
/* Totals for a unit: learners, completed (learner-course pairs), boxes. */
pb_err report_totals(struct hdb_conn *c, const char *unit, const char *course, json_t **out);

#endif
