/* store.h — the box's SQLite store: learners, sessions, progress, quiz
 * attempts, per-learner-per-course summaries, the event log and sync cursor.
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
 * All functions are thread-safe. */
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

struct store_learner {
	char id[37];           /* UUID made on the box */
	char name[128];        /* display name, trimmed */
	char position[48];     /* position (jabatan) id */
	char village[20];      /* Kemendagri code PP.RR.DD.VVVV */
	int64_t registered_at; /* wall ms */
};

struct store_summary {
	char learner[37];
	char course[64];
	char status[16];       /* not_started, in_progress, completed */
	int lessons_done;
	int lessons_total;
	int best_score;        /* percent, -1 if no finished attempt */
	int passed;            /* a finished attempt reached the passing score */
	int attempts;          /* finished attempts */
	int64_t seconds_spent; /* lessons' total time */
	int64_t first_activity, last_activity, completed_at; /* wall ms, 0 if none */
	int64_t rev;
};

struct store_lesson {
	char lesson[64];
	int opened, done;
	int64_t seconds_spent;
	int64_t last_activity;
};

struct store_attempt {
	char id[37];
	char learner[37];
	char course[64];
	int finished;
	int score, correct, total, passed; /* valid when finished */
	int64_t started_at, finished_at;
};

struct store_answer {
	char question[64];
	char choices[64];  /* comma-separated choice ids, e.g. "a,c" */
	int correct;
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

/* Learners. name_key is the lower-cased, space-collapsed name used for
 * uniqueness and login. PB_ERR_EXISTS if the name_key is taken. */
pb_err store_learner_create(struct store *st, const struct store_learner *l,
    const char *name_key, const char *pin_hash, const struct store_when *w);
/* PB_ERR_NOTFOUND if no such learner; pin_hash may be NULL. */
pb_err store_learner_by_name(struct store *st, const char *name_key,
    struct store_learner *out, char *pin_hash, size_t pin_hash_len);
pb_err store_learner_get(struct store *st, const char *id, struct store_learner *out);
/* Calls fn for every learner name, sorted; stops if fn returns non-zero. */
pb_err store_learner_names(struct store *st, int (*fn)(void *arg, const char *name),
    void *arg);

/* Sessions: only a hash of the token is stored. Lookup renews a session
 * seen more than a day ago and refuses one older than max_age_ms. */
pb_err store_session_create(struct store *st, const char *token_hash,
    const char *learner, int64_t now_ms);
pb_err store_session_lookup(struct store *st, const char *token_hash, int64_t now_ms,
    int64_t max_age_ms, char learner[37]);
pb_err store_session_delete(struct store *st, const char *token_hash);

/* Progress. lessons_total comes from the catalog. */
pb_err store_lesson_open(struct store *st, const char *learner, const char *course,
    const char *lesson, int lessons_total, const struct store_when *w);
/* Marks done and adds seconds; *lessons_done gets the course's new count. */
pb_err store_lesson_complete(struct store *st, const char *learner, const char *course,
    const char *lesson, int64_t seconds, int lessons_total, const struct store_when *w,
    int *lessons_done);
/* Adds time spent on a lesson without marking it done (a visit left early). */
pb_err store_lesson_time(struct store *st, const char *learner, const char *course,
    const char *lesson, int64_t seconds, int lessons_total, const struct store_when *w);
/* Calls fn for each lesson of (learner, course) that has a row. */
pb_err store_lessons(struct store *st, const char *learner, const char *course,
    int (*fn)(void *arg, const struct store_lesson *l), void *arg);
/* PB_ERR_NOTFOUND if the learner never touched the course. */
pb_err store_summary_get(struct store *st, const char *learner, const char *course,
    struct store_summary *out);
/* Every summary of one learner, most recent activity first. */
pb_err store_summaries(struct store *st, const char *learner,
    int (*fn)(void *arg, const struct store_summary *s), void *arg);

/* Quiz attempts. create: PB_ERR_EXISTS if this learner already has the
 * attempt (not an error for the caller: idempotent retry), PB_ERR_DENIED if
 * the id belongs to another learner or course. */
pb_err store_attempt_create(struct store *st, const char *attempt, const char *learner,
    const char *course, const struct store_when *w);
pb_err store_attempt_get(struct store *st, const char *attempt, struct store_attempt *out);
pb_err store_answers(struct store *st, const char *attempt,
    int (*fn)(void *arg, const struct store_answer *a), void *arg);
/* Records the first answer to a question; PB_ERR_EXISTS (and the stored
 * answer in *stored) if it was already answered; PB_ERR_STATE if finished. */
pb_err store_answer_put(struct store *st, const char *attempt, const char *question,
    const char *choices, int correct, const struct store_when *w,
    struct store_answer *stored);
/* Finishes an attempt once and updates the course summary (best score,
 * passed, status, completed_at). PB_ERR_EXISTS if it was already finished
 * (*out then holds the stored result). */
pb_err store_attempt_finish(struct store *st, const char *attempt, int score, int correct,
    int total, int passing_score, int lessons_total, const struct store_when *w,
    struct store_attempt *out);

/* Sync support: rows changed after a rev, in rev order, at most limit. */
pb_err store_sync_cursor(struct store *st, int64_t *acked_rev);
pb_err store_sync_set_cursor(struct store *st, int64_t acked_rev);
pb_err store_changed_learners(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_learner *l, int64_t rev), void *arg);
pb_err store_changed_summaries(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_summary *s), void *arg);

/* ---- the clock (docs/SYNC.md, Clock) ----
 * The box has no real-time clock. Per boot id the store keeps an offset
 * (real time - the box's wall clock in that boot), learned from the hub's
 * Date header (best; the current boot only) or from the phones' clocks that
 * every write carries (client_ms). Uploaded times are moved by the offset of
 * the boot they were recorded in. */

#define STORE_CLOCK_TOLERANCE_MS 120000 /* a smaller offset is not applied */
#define STORE_CLOCK_AGREE_MS 120000     /* phones this close to the median agree */
#define STORE_CLOCK_MIN_PHONE_MS 1704067200000LL /* 2024-01-01: earlier is wrong */
#define STORE_CLOCK_MAX_PHONE_MS 4102444800000LL /* 2100-01-01: later is wrong */

/* What vouches for a time. */
enum store_clock_src {
	STORE_CLOCK_NONE = 0, /* nothing: the box clock as recorded */
	STORE_CLOCK_PHONE,    /* the boot's offset learned from phones' clocks */
	STORE_CLOCK_HUB,      /* the boot's offset learned from the hub's Date */
};

/* A boot's learned offset. */
struct store_clock {
	int64_t offset_ms;         /* real time - box wall clock */
	enum store_clock_src src;  /* PHONE or HUB */
	int votes;                 /* phones (one per learner) that agreed; 1 for hub */
	int64_t learned_at;        /* box wall ms when learned */
};

/* A recorded wall time as it is uploaded. */
struct store_time {
	int64_t ms;                /* corrected if moved, else as recorded; 0 = none */
	enum store_clock_src src;  /* NONE if ms is 0 or the boot's offset is unknown */
	int moved;                 /* the offset was beyond the tolerance and applied */
};

/* A summary's times as uploaded. */
struct store_summary_times {
	struct store_time first_activity, last_activity, completed_at;
};

/* "hub", "phone" or "none". */
const char *store_clock_src_name(enum store_clock_src src);
/* Record the hub's offset for a boot (it replaces a phone one). */
pb_err store_clock_set_hub(struct store *st, const char *boot_id, int64_t offset_ms);
/* Learn phone offsets from the events' client_ms (rule in docs/SYNC.md)
 * for boots without a hub offset. current_boot is still collecting events:
 * its result is revised; other boots' results are final. max_age_ms 0:
 * every boot, now (before an upload). max_age_ms > 0: only current_boot (a
 * cheap refresh, e.g. for health), skipped when nothing was written since
 * the last one, or when the boot has an offset and the last one is younger
 * than max_age_ms. */
pb_err store_clock_learn(struct store *st, const char *current_boot, int64_t max_age_ms);
/* The offset known for a boot; PB_ERR_NOTFOUND if none. */
pb_err store_clock_get(struct store *st, const char *boot_id, struct store_clock *out);
/* As store_changed_learners / store_changed_summaries, with each row's
 * times corrected by the offset of the boot they were recorded in. The
 * store_learner / store_summary passed hold the times as recorded. */
pb_err store_sync_learners(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_learner *l, int64_t rev,
    const struct store_time *registered_at), void *arg);
pb_err store_sync_summaries(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_summary *s,
    const struct store_summary_times *t), void *arg);

/* Group commit is on by default; off makes every write its own transaction
 * and fsync (only to measure what group commit gains). */
void store_set_group_commit(struct store *st, int on);

#endif
