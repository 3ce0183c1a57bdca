/* store.h — the box's SQLite store: opening it, its writer, its readers.
 *
 * One SQLite file in WAL mode, schema versioned with PRAGMA user_version and
 * forward migrations. Every write runs on one writer thread that batches all
 * writes queued while the previous batch was committing into one transaction
 * (group commit, synchronous=FULL): a store_* write returns only once its
 * batch is durable. Each write runs inside its own SAVEPOINT, so one failing
 * write does not undo the others in its batch. Reads use a small pool of
 * read-only connections and never wait for the writer.
 *
 * Every change to learner data takes the next value of a box-wide monotonic
 * `rev` and appends an event (boot id, monotonic ms, wall ms, phone ms).
 * Summaries and learners remember the boot each of their wall times was
 * recorded in, so the times can be corrected per boot when uploaded.
 * All functions are thread-safe.
 *
 * The tables, one header each: store_learner.h (learners), store_session.h
 * (sessions), store_progress.h (lessons and per-learner-per-course
 * summaries), store_quiz.h (quiz attempts and answers), store_clock.h
 * (per-boot clock offsets), store_sync.h (the sync cursor and the rows
 * changed since it). */
#ifndef STORE_H
#define STORE_H

#include <stdint.h>

#include "pb.h"

struct store;

/* When something happened, as the box knows it. */
struct store_when {
	char boot_id[37];  /* kernel boot id of this boot */
	int64_t mono_ms;   /* CLOCK_BOOTTIME ms within that boot */
	int64_t wall_ms;   /* the box's wall clock (may be wrong: no RTC) */
	int64_t client_ms; /* the phone's clock, 0 if it sent none */
};

struct store_stats {
	int64_t learners;
	int64_t rev;          /* highest rev given out */
	int64_t db_bytes;     /* main file + WAL */
	int healthy;          /* 0 after a write failed with an I/O error */
	int64_t commits;      /* transactions committed since open */
	int64_t writes;       /* write operations run since open */
};

/* Open (creating and migrating as needed) the database at path. */
pb_err store_open(const char *path, struct store **out);
/* Finish queued writes and close. */
void store_close(struct store *st);
/* The box's id (a UUID made on first open). */
const char *store_box_id(const struct store *st);
pb_err store_stats(struct store *st, struct store_stats *out);

/* Group commit is on by default; off makes every write its own transaction
 * and fsync (only to measure what group commit gains). */
void store_set_group_commit(struct store *st, int on);

#endif
