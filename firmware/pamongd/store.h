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
 * changed since it).
 *
 * The store heals itself (store_open_care): it keeps rotating backups of the
 * database (store_backup.c) and checks the file at open and when idle
 * (store_check.c); a damaged file is moved aside and the newest good backup
 * restored, and the store keeps serving, degraded, with the reason in
 * store_stats(). */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
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
	int healthy;          /* 0: degraded, reason says why */
	int64_t commits;      /* transactions committed since open */
	int64_t writes;       /* write operations run since open */
	int64_t wal_pages;    /* pages in the WAL after the last commit */
	int64_t ckpt_care;    /* WAL checkpoints the care thread made since open */
	int64_t ckpt_writer;  /* those the writer made in a commit (WAL too long) */
	int64_t ckpt_care_frames, ckpt_writer_frames; /* WAL frames each copied */
	int64_t lost_writes;  /* revs lost to a restore at open; -1 unknown or none */
	char reason[768];     /* why degraded ("" when healthy) */
};

/* How the store looks after itself (store_open_care). Paths are copied. */
struct store_care {
	const char *backup_dir;  /* backups/pamong-<seq>-<UTC>.db */
	const char *damaged_dir; /* damaged files go to <damaged_dir>/<UTC>/ */
	long backups_kept;       /* newest backups kept (at least 1) */
	int64_t backup_budget;   /* bytes all backups may take; 0 = no limit */
	long backup_interval_s;  /* back up this often while written; 0 = at close only */
	long check_interval_s;   /* quick_check this often when idle; 0 = never */
	long idle_s;             /* "idle": no write for this long */
	const char *id_path;     /* the box id kept outside the database; NULL none */
};

/* Open (creating and migrating as needed) the database at path. */
pb_err store_open(const char *path, struct store **out);
/* Open like store_open, then check and heal: a file SQLite calls damaged,
 * one quick_check does not pass, or one whose counts fell below those
 * recorded beside it (<path>.mark) is moved aside and the newest backup
 * that passes quick_check restored (none: a new empty database); the store
 * is then degraded with the reason. Fails only when no database at all can
 * be opened, or the file is from a newer program (PB_ERR_STATE). */
pb_err store_open_care(const char *path, const struct store_care *care,
    struct store **out);
/* The periodic care: a backup when one is due and something was written
 * since the last, a quick_check when due and idle, the mark. A store opened
 * by store_open_care runs it every second on a thread of its own, so that a
 * long backup never holds up its caller; call it only on stores without. */
void store_tick(struct store *st);
/* Back up now (if anything was written since the last backup, or force),
 * then drop the oldest beyond backups_kept and the budget. */
pb_err store_backup(struct store *st, int force);
/* Mark the store degraded with a reason (sticky until restart). */
void store_set_degraded(struct store *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Finish queued writes, back up if anything changed (store_open_care
 * stores), and close. */
void store_close(struct store *st);
/* The box's id (a UUID made on first open). */
const char *store_box_id(const struct store *st);
/* Non-zero while storage is healthy (not degraded): a lock and no I/O, for
 * callers that ask often (the system LED, every second). */
int store_healthy(struct store *st);
pb_err store_stats(struct store *st, struct store_stats *out);

/* Group commit is on by default; off makes every write its own transaction
 * and fsync (only to measure what group commit gains). */
void store_set_group_commit(struct store *st, int on);

#endif
