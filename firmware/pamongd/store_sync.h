/* store_sync.h — what sync (sync.h) reads from the store (see store.h):
 * the cursor (the highest rev the hub acknowledged) and the learners and
 * summaries changed after a rev, in rev order, either as recorded or with
 * their times corrected by the offset of the boot they were recorded in
 * (store_clock.h). */
#ifndef STORE_SYNC_H
#define STORE_SYNC_H

#include <stdint.h>

#include "pb.h"
#include "store.h"
#include "store_clock.h"
#include "store_learner.h"
#include "store_progress.h"

/* A summary's times as uploaded. */
struct store_summary_times {
	struct store_time first_activity, last_activity, completed_at;
};

/* Re-baseline after the database went back in time (its -wal lost after a
 * crash, an older backup restored): sent_rev is the highest rev ever sent to
 * the hub, recorded outside the database. If no row holds a rev that high,
 * the hub may hold revs the box has lost, and rows the box holds now would
 * look older than the hub's: every learner and summary row (and event) is
 * given a new rev above both sent_rev and any rev given out, and the cursor
 * goes back to 0, so that all of them are sent again and the hub takes them.
 * *resent gets the number of rows to send again, -1 when the database
 * holds sent_rev (nothing was done). */
pb_err store_sync_rebaseline(struct store *st, int64_t sent_rev, int64_t *resent);

/* Sync support: rows changed after a rev, in rev order, at most limit. */
pb_err store_sync_cursor(struct store *st, int64_t *acked_rev);
pb_err store_sync_set_cursor(struct store *st, int64_t acked_rev);
pb_err store_changed_learners(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_learner *l, int64_t rev), void *arg);
pb_err store_changed_summaries(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_summary *s), void *arg);
/* As store_changed_learners / store_changed_summaries, with each row's
 * times corrected by the offset of the boot they were recorded in. The
 * store_learner / store_summary passed hold the times as recorded. */
pb_err store_sync_learners(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_learner *l, int64_t rev,
    const struct store_time *registered_at), void *arg);
pb_err store_sync_summaries(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_summary *s,
    const struct store_summary_times *t), void *arg);

#endif
