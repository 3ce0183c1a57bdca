/* totals.h — running totals of course progress, kept by the database itself
 * (triggers on learners and summaries, in the same transaction as the
 * upsert), so that the dashboard's area, course and village figures read a
 * few rows instead of joining every learner's progress (issue 14).
 *
 * Tables (schema version 4, db.c):
 * - village_learners(village, learners): learners per village code;
 * - village_totals(village, course, started, in_progress, completed, passed,
 *   score_sum, score_n): per village and course, what report.h counts
 *   without a date range;
 * - unit_totals(lvl, unit, course, learners, …the same counts): the same
 *   summed per province (lvl 2, unit = the village code's first 2
 *   characters), regency (5) and district (8); course '' rows hold the
 *   learners. The country is the sum of the lvl 2 rows.
 * A learner whose village changes moves its counts; a summary replaced by a
 * newer rev applies the difference between the old and the new row. A date
 * range is still counted from the rows themselves (report.c). */
#ifndef HUB_TOTALS_H
#define HUB_TOTALS_H

#include <stddef.h>

#include "hdb.h"

/* The SQL of schema version 4 for the dialect: tables, triggers, and the
 * totals of the rows already stored; the caller frees it. NULL if out of
 * memory. */
char *totals_migration(enum hdb_kind kind);

#endif
