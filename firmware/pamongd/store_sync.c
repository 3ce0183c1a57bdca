/* store_sync.c — the sync cursor and the rows changed after a rev, as
 * recorded or with their times corrected (see store_sync.h). */
#include "store_int.h"
#include "store_sync.h"

pb_err
store_sync_cursor(struct store *st, int64_t *acked_rev)
{
	struct store__conn *c;
	pb_err err;

	*acked_rev = 0;
	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	err = store__meta_get(c, "sync_acked_rev", acked_rev);
	if (err == PB_ERR_NOTFOUND)
		err = PB_OK;
	store__put(st, c);
	return err;
}

static pb_err
store__sync_set_cursor(struct store *st, void *arg)
{
	return store__meta_set(st->w, "sync_acked_rev", *(const int64_t *)arg);
}

pb_err
store_sync_set_cursor(struct store *st, int64_t acked_rev)
{
	if (acked_rev < 0)
		return PB_ERR_INVALID;
	return store__submit(st, store__sync_set_cursor, &acked_rev);
}

struct store__rebase {
	int64_t sent_rev;
	int64_t resent;
};

static int64_t
store__one_int(struct store__conn *c, const char *sql, pb_err *err)
{
	sqlite3_stmt *stmt;
	int64_t v = 0;

	if ((stmt = store__prep(c, sql)) == NULL) {
		*err = PB_ERR_DB;
		return 0;
	}
	if ((*err = sqlu_step_row(stmt)) == PB_OK)
		v = sqlite3_column_int64(stmt, 0);
	sqlu_done(stmt);
	return v;
}

/* Writer thread: renumber every row above max(sent_rev, the rev given out). */
static pb_err
store__rebaseline(struct store *st, void *arg)
{
	struct store__rebase *a = arg;
	int64_t held, delta;
	sqlite3_stmt *stmt;
	pb_err err = PB_OK;

	a->resent = -1;
	held = store__one_int(st->w, st->schema->max_rev_sql, &err);
	if (err != PB_OK || held >= a->sent_rev)
		return err;
	a->resent = 0;
	delta = st->rev > a->sent_rev ? st->rev : a->sent_rev;
	/* new revs (held_rev + delta) are all above every old one: no clash */
	if ((stmt = store__prep(st->w, "UPDATE events SET rev = rev + ?")) == NULL)
		return PB_ERR_DB;
	if ((err = sqlu_bind(stmt, "i", delta)) == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(st->w, "UPDATE learners SET rev = rev + ?")) == NULL)
		return PB_ERR_DB;
	if ((err = sqlu_bind(stmt, "i", delta)) == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;
	a->resent = sqlite3_changes(st->w->db);
	if ((stmt = store__prep(st->w, "UPDATE course_summary SET rev = rev + ?")) == NULL)
		return PB_ERR_DB;
	if ((err = sqlu_bind(stmt, "i", delta)) == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;
	a->resent += sqlite3_changes(st->w->db);
	if ((err = store__meta_set(st->w, "sync_acked_rev", 0)) != PB_OK)
		return err;
	st->rev = delta + held; /* the engine records it at commit */
	return PB_OK;
}

pb_err
store_sync_rebaseline(struct store *st, int64_t sent_rev, int64_t *resent)
{
	struct store__rebase a = { sent_rev, -1 };
	pb_err err;

	*resent = -1;
	if (sent_rev <= 0)
		return PB_OK;
	if ((err = store__submit(st, store__rebaseline, &a)) == PB_OK)
		*resent = a.resent;
	return err;
}

/* The caller's callback and its argument, for a row callback. */
struct store__changed_fn {
	int (*fn)(void *arg, const struct store_learner *l, int64_t rev);
	void *arg;
};

static int
store__changed_learner(void *arg, sqlite3_stmt *stmt)
{
	const struct store__changed_fn *a = arg;
	struct store_learner l;

	store__row_learner(stmt, &l);
	return a->fn(a->arg, &l, sqlite3_column_int64(stmt, 5));
}

pb_err
store_changed_learners(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_learner *l, int64_t rev), void *arg)
{
	struct store__changed_fn a = { fn, arg };

	return store__rows(st, "SELECT id, name, position, village, registered_at, "
	    "rev FROM learners WHERE rev > ? ORDER BY rev LIMIT ?", store__changed_learner,
	    &a, "ii", after_rev, (int64_t)(limit > 0 ? limit : -1));
}

pb_err
store_changed_summaries(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_summary *s), void *arg)
{
	struct store__summary_fn a = { fn, arg };

	return store__rows(st, "SELECT " STORE__SUMMARY_COLS " FROM "
	    "course_summary WHERE rev > ? ORDER BY rev LIMIT ?", store__summary_each, &a,
	    "ii", after_rev, (int64_t)(limit > 0 ? limit : -1));
}

/* ---- rows with corrected times ---- */

/* The caller's callback and its argument, for a row callback. */
struct store__sync_learner_fn {
	int (*fn)(void *arg, const struct store_learner *l, int64_t rev,
	    const struct store_time *registered_at);
	void *arg;
};

static int
store__sync_learner(void *arg, sqlite3_stmt *stmt)
{
	const struct store__sync_learner_fn *a = arg;
	struct store_learner l;
	struct store_time t;

	store__row_learner(stmt, &l);
	store__fix_time(stmt, 6, l.registered_at, &t);
	return a->fn(a->arg, &l, sqlite3_column_int64(stmt, 5), &t);
}

pb_err
store_sync_learners(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_learner *l, int64_t rev,
    const struct store_time *registered_at), void *arg)
{
	struct store__sync_learner_fn a = { fn, arg };

	return store__rows(st, "SELECT l.id, l.name, l.position, l.village, "
	    "l.registered_at, l.rev, k.offset_ms, k.source FROM learners l "
	    "LEFT JOIN boot_clock k ON k.boot_id = l.boot_id "
	    "WHERE l.rev > ? ORDER BY l.rev LIMIT ?", store__sync_learner, &a,
	    "ii", after_rev, (int64_t)(limit > 0 ? limit : -1));
}

/* The caller's callback and its argument, for a row callback. */
struct store__sync_summary_fn {
	int (*fn)(void *arg, const struct store_summary *s,
	    const struct store_summary_times *t);
	void *arg;
};

static int
store__sync_summary(void *arg, sqlite3_stmt *stmt)
{
	const struct store__sync_summary_fn *a = arg;
	struct store_summary s;
	struct store_summary_times t;

	store__row_summary(stmt, &s);
	store__fix_time(stmt, 13, s.first_activity, &t.first_activity);
	store__fix_time(stmt, 15, s.last_activity, &t.last_activity);
	store__fix_time(stmt, 17, s.completed_at, &t.completed_at);
	return a->fn(a->arg, &s, &t);
}

pb_err
store_sync_summaries(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_summary *s,
    const struct store_summary_times *t), void *arg)
{
	struct store__sync_summary_fn a = { fn, arg };

	return store__rows(st, "SELECT " STORE__SUMMARY_COLS ", "
	    "f.offset_ms, f.source, la.offset_ms, la.source, k.offset_ms, k.source "
	    "FROM course_summary "
	    "LEFT JOIN boot_clock f ON f.boot_id = course_summary.first_boot "
	    "LEFT JOIN boot_clock la ON la.boot_id = course_summary.last_boot "
	    "LEFT JOIN boot_clock k ON k.boot_id = course_summary.completed_boot "
	    "WHERE rev > ? ORDER BY rev LIMIT ?", store__sync_summary, &a,
	    "ii", after_rev, (int64_t)(limit > 0 ? limit : -1));
}
