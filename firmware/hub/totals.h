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
 * range is still counted from the rows themselves (report.c).
 *
 * Since schema version 7 the triggers do not add to these tables: they
 * append what changes to totals_delta(village, course, learners, …the
 * counts), a table no two uploads contend for, and totals_fold() adds the
 * deltas to the totals and deletes them in one transaction. An upload folds
 * its own deltas (SQLite: before its commit, as writers take turns anyway;
 * PostgreSQL: right after it, so that uploads of one area do not wait for
 * each other's commit on the area's rows), so the totals are exact once an
 * upload is answered; the dashboard folds what is left before it reads
 * them, and the hub at start. A learner or progress row deleted (a merge)
 * takes its counts away. */
#ifndef HUB_TOTALS_H
#define HUB_TOTALS_H

#include <stddef.h>

#include "hdb.h"
#include "pb.h"

/* The SQL of schema version 4 for the dialect: tables, triggers, and the
 * totals of the rows already stored; the caller frees it. NULL if out of
 * memory. */
char *totals_migration(enum hdb_kind kind);

/* The SQL of the deltas (schema version 7, see above): totals_delta, the
 * triggers that append to it (replacing version 4's), and the totals
 * rebuilt from the rows; the caller frees it. NULL if out of memory. */
char *totals_delta_migration(enum hdb_kind kind);

/* Schema version 8 (db.c; issue 14, the dashboard under 200 ms):
 * - completion_buckets(course, seg, unit, src_hub, src_phone, src_none,
 *   src_unknown): completions per province (unit; '' for the country) and
 *   course (and course '' for all) in segments of time: a segment starts at 15:00, 16:00 or 17:00
 *   UTC (seg: that hour since 1970), the midnights of WIT, WITA and WIB, so
 *   each segment lies within one day of each zone and the days of any zone
 *   are sums of whole segments; counted per source of the completion time
 *   (report_completions' time_sources);
 * - learner_rows(lvl, unit, course, n, gain_sum, gain_n): per province
 *   (lvl 2), regency (5) and district (8), the learner x course rows
 *   report_learners lists without a date range: per course, its summaries;
 *   course '', the learners with any (so the learners without any, listed
 *   once, are unit_totals' learners less these); and the sum and count of
 *   the pre-test to post-test gains (report.c, without a date range). The
 *   row lvl 0, unit '', course '': the boxes with at least one learner.
 * Built from the rows stored at the migration, then kept like the totals:
 * triggers on learners and summaries (insert, update, delete) append to
 * learner_rows_delta and completion_buckets_delta (no key: uploads running
 * at once share no row there), and totals_fold adds them in with
 * totals_delta (on PostgreSQL, totals_fold() is made again to do so). The
 * caller frees the SQL; NULL if out of memory. */
char *totals_buckets_migration(enum hdb_kind kind);

/* Schema 9, PostgreSQL: schema 8's trigger functions made again (CREATE OR
 * REPLACE; the completions' filter no index serves). The caller frees it;
 * NULL if out of memory. */
char *totals_buckets_functions_pg(void);

/* Fold the deltas committed so far (totals_delta, learner_rows_delta,
 * completion_buckets_delta) into their tables: inside the caller's
 * transaction if one is open (SQLite), else in a transaction of its own
 * (PostgreSQL always: it waits for another process's fold to commit
 * first). Cheap when there is nothing to fold. */
pb_err totals_fold(struct hdb_conn *c);

/* PostgreSQL, after an upload's commit (schema 9): fold without waiting
 * for another upload's fold — if one holds the lock, it looks again after
 * its commit and takes these deltas too; the fold that took the lock looks
 * again (up to TOTALS_FOLD_TRIES times) until nothing is left. Once every
 * upload running is answered, the totals are exact; the dashboard folds
 * before it reads. SQLite: nothing (its upload folds before its commit). */
#define TOTALS_FOLD_TRIES 50
pb_err totals_fold_after(struct hdb_conn *c);

/* The SQL of schema 9's totals_fold_try() (PostgreSQL). */
extern const char totals_fold_try_pg[];

/* SQLite, inside a write transaction: note where the delta tables end
 * (totals_mark), then fold only the deltas appended since
 * (totals_fold_since): an upload folds its own, not a bulk load's backlog
 * (hubdb_fold_backlog). PostgreSQL: nothing, and totals_fold. */
pb_err totals_mark(struct hdb_conn *c, long long mark[3]);
pb_err totals_fold_since(struct hdb_conn *c, const long long mark[3]);

/* A bounded part of the fold, in a transaction of its own, for the
 * backlog a bulk load from outside leaves (db.c folds it in the background
 * while the hub serves; the dashboard folds the rest before it reads, so
 * it is exact meanwhile): SQLite folds the first limit delta rows of each
 * table and sets *more if there may be others; PostgreSQL folds what is
 * committed (one statement). *folded: the delta rows (SQLite) or totals
 * rows (PostgreSQL) it took. */
pb_err totals_fold_batch(struct hdb_conn *c, long long limit, long long *folded,
    int *more);

/* SQLite's ingest of a chunk (ingest.c), set by set instead of row by row:
 * setup makes the connection's temporary tables (once), clear empties
 * them; the caller stages the chunk's learners in ing_l and summaries in
 * ing_s (one row per key, the highest rev), runs *_before, upserts from
 * the staged rows with the row triggers off, then runs *_after, which
 * appends the deltas of the whole set (those PostgreSQL's statement
 * triggers append) for totals_fold to add. NULL if out of memory. */
struct totals_ingest {
	const char *setup, *clear;
	const char *learners_before, *learners_after;
	const char *summaries_before, *summaries_after;
};
const struct totals_ingest *totals_ingest_sqlite(void);

#endif
