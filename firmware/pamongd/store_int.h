/* store_int.h — internals shared only by the store's own files: the engine
 * (store.c) and the box's tables (store_schema.c, store_learner.c,
 * store_session.c, store_progress.c, store_quiz.c, store_sync.c,
 * store_clock.c), its backups (store_backup.c) and its checks
 * (store_check.c). Nothing else includes it; the public headers stay the
 * only contract. Names here are store__x (called across the store's files,
 * never from outside).
 *
 * How a table's file uses the engine: a read runs its query through
 * store__rows() or store__row() with a callback per row (or, for several
 * statements on one connection, takes one with store__get() and gives it
 * back with store__put()); a write packs its arguments in a struct and
 * passes a function to store__submit(), which runs it on the writer thread
 * inside a SAVEPOINT and returns once its batch is durable. Statements come
 * from store__prep() (cached per connection; the SQL must be a string
 * literal) and go back with sqlu_done(). */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <pthread.h>
#include <stdint.h>

#include <sqlite3.h>

#include "pb.h"
#include "sqlutil.h"
#include "store.h"

struct store_learner;
struct store_summary;
struct store_time;

/* ---- the engine (store.c) ---- */

/* A connection and its cached statements. */
struct store__conn {
	sqlite3 *db;
	struct sqlu_cache cache;  /* its prepared statements */
	struct store__conn *next; /* in the idle list */
};

struct store__op; /* a queued write (store.c) */

/* What the engine runs for the schema it opens. The engine itself knows
 * only the meta table (key TEXT PRIMARY KEY, value), which the first
 * migration must create. */
struct store__schema {
	const char *const *migrations; /* entry i takes user_version i to i + 1 */
	int nmigrations;
	const char *max_rev_sql;  /* one integer: the highest rev any row holds */
	const char *learners_sql; /* one integer: store_stats' learners */
	/* Counts that never go down (rows never deleted): checked at open
	 * against those recorded beside the file (<path>.mark). */
	const struct store__count *counts;
	int ncounts;
};

/* One count store_check.c watches: its name in the mark file and the SQL
 * giving it (one integer). */
struct store__count {
	const char *name;
	const char *sql;
};

#define STORE__COUNTS_MAX 8 /* counts a schema may have */
#define STORE__PATH_MAX 4096
#define STORE__MARK_MS 5000 /* the mark file follows the rev at most this often */
/* WAL pages from which the care thread checkpoints, and from which the
 * writer does it itself in the commit (no care thread: from
 * STORE__WAL_CKPT). 4 KB pages: 4 and 16 MB. */
#define STORE__WAL_CKPT 1000
#define STORE__WAL_HARD 4000
/* Under continuous writes each checkpoint leaves the pages written while
 * it ran: the care thread takes them in another round while they are this
 * many or more, the writer fewer itself (store__wal_hook). */
#define STORE__WAL_ROUND 64

/* The phone clock learning's memo (store_clock.c's; under store.mu). */
struct store__clock_memo {
	int64_t mono;     /* util_mono_ms() of the last phone learning */
	int64_t rev;      /* committed_rev it saw */
	int known;        /* the current boot had an offset after it */
	char boot[37];    /* the current boot it was learned for */
};

/* The clock epochs' memo (store_clock.c's; under store.mu): the current
 * epoch of this boot and the one before it, by their wall - boottime base. */
struct store__epoch_memo {
	int loaded;       /* the current epoch was read from the store */
	char boot[37];    /* the kernel boot id it is for */
	char id[37];      /* the current epoch */
	int64_t base;     /* its base, following the clock's slow drift */
	char prev[37];    /* the epoch before the last jump ("" none) */
	int64_t prev_base;
	int64_t want_delta, want_mono; /* a jump pamongd asked for, and when */
	char want_src[12];             /* by what ("" none) */
	int64_t seen_mono;             /* the current epoch last seen (CLOCK_BOOTTIME) */
	char ntp_file[512];            /* the NTP client's sync marker ("" none) */
};

struct store {
	const struct store__schema *schema;
	char *path;
	char box_id[37];
	struct store__conn *w; /* the writer's connection (writer thread only) */
	int64_t rev;           /* last rev given out (writer thread only) */

	pthread_mutex_t mu;    /* guards everything below */
	pthread_cond_t work;   /* to the writer: queue non-empty or stopping */
	pthread_cond_t done;   /* to the waiters: a batch has finished */
	struct store__op *head, *tail;
	int stopping;
	int writer_running;
	pthread_t writer;
	int64_t committed_rev; /* highest rev in a committed batch */
	int64_t commits, writes;
	int healthy;
	int one_per_commit;    /* group commit off: one write per transaction */
	struct store__conn *idle; /* idle read connections */
	int nidle;
	int nreaders;             /* read connections open (idle or in use) */
	pthread_cond_t reader_free; /* to readers waiting for a connection */
	struct store__clock_memo clock; /* store_clock.c's; the engine leaves it */
	struct store__epoch_memo epoch; /* store_clock.c's too */

	/* self-care (store_backup.c, store_check.c); set before the writer
	 * starts or under mu */
	int cared;                /* opened by store_open_care */
	int damaged;             /* the open file is damaged: no backups, no checkpoint */
	struct store_care care;   /* its paths point into the two below */
	char backup_dir[STORE__PATH_MAX], damaged_dir[STORE__PATH_MAX];
	char reason[600];         /* sticky degraded reason (under mu) */
	char wfail[160];          /* the last write's storage failure (under mu) */
	int wfail_sticky;         /* wfail stays after good commits (corruption) */
	int64_t lost_writes;      /* revs lost to a restore; -1 unknown/none */
	int64_t backup_writes;    /* writes counted at the last backup (under mu) */
	int64_t last_backup_ms, last_check_ms, last_write_ms, last_mark_ms; /* util_mono_ms() */
	int64_t marked_rev;       /* the rev in the mark file (care thread) */
	pthread_t care_thread;    /* store_tick every second (store_check.c) */
	pthread_cond_t care_cv;   /* wakes it to stop (CLOCK_MONOTONIC) */
	int care_running;
	int care_stop;            /* under mu */

	/* checkpoints (store.c's wal hook asks, store_check.c's care thread
	 * makes them) */
	sqlite3 *ckpt_db;         /* the care thread's connection for them */
	int ckpt_due;             /* under mu: the WAL reached STORE__WAL_CKPT */
	int ckpt_busy;            /* under mu: the care thread is making one */
	int64_t wal_pages;        /* under mu: in the WAL after the last commit */
	int64_t wal_backfilled;   /* under mu: of those, known copied into the file */
	int64_t ckpt_care, ckpt_writer; /* under mu: checkpoints made by each */
	int64_t ckpt_care_frames, ckpt_writer_frames; /* under mu: pages each copied */
};

/* A checkpoint made by the care thread (care) or the writer: log and done
 * as sqlite3_wal_checkpoint_v2 gave them; counted in the stats (store.c). */
void store__ckpt_done(struct store *st, int care, int log, int done);

/* ---- the care thread (store_check.c) ---- */

/* Start the thread that runs store_tick every second (backups, the idle
 * check, the mark), so that none of it runs on a caller's thread; stop it
 * (store_close does, before anything else). */
pb_err store__care_start(struct store *st);
void store__care_stop(struct store *st);

/* Open (creating and migrating as needed) a store with the given schema;
 * store_open() is this with the box's (store__box_schema). */
pb_err store__open(const char *path, const struct store__schema *schema,
    struct store **out);

/* Close c (finalizing its cached statements); NULL is ignored. */
void store__conn_close(struct store__conn *c);

/* The cached statement for sql on c (see sqlu_prep). */
static inline sqlite3_stmt *
store__prep(struct store__conn *c, const char *sql)
{
	return sqlu_prep(c->db, &c->cache, sql);
}

/* A read connection (never waits for the writer); give it back with
 * store__put(). A callback holding one may call the store again. */
pb_err store__get(struct store *st, struct store__conn **out);
void store__put(struct store *st, struct store__conn *c);

/* Run sql on a read connection with the parameters fmt describes (as
 * sqlu_bind) and call row(arg, stmt) for each row until it returns
 * non-zero; PB_OK also when there are no rows. */
pb_err store__rows(struct store *st, const char *sql,
    int (*row)(void *arg, sqlite3_stmt *stmt), void *arg, const char *fmt, ...);
/* The same for the first row only: PB_ERR_NOTFOUND if there is none. */
pb_err store__row(struct store *st, const char *sql,
    int (*row)(void *arg, sqlite3_stmt *stmt), void *arg, const char *fmt, ...);

/* Queue fn(st, arg) for the writer and wait until its batch is durable.
 * fn runs inside its own SAVEPOINT on st->w: an error from it undoes only
 * its own changes and any rev it took. */
/* Keep the box id in the file idpath (beside the keys) and the database
 * agreeing: the file, once written, wins; absent or damaged, it is written
 * (atomically, fsynced) from the database. Call before the store is shared. */
void store__identity(struct store *st, const char *idpath);
pb_err store__submit(struct store *st, pb_err (*fn)(struct store *, void *),
    void *arg);

/* The meta table's integers; get gives PB_ERR_NOTFOUND if key is not set. */
pb_err store__meta_get(struct store__conn *c, const char *key, int64_t *v);
pb_err store__meta_set(struct store__conn *c, const char *key, int64_t v);

/* w, or (w NULL) now in this boot (its clock epoch), filled into *def. */
const struct store_when *store__when(struct store *st, const struct store_when *w,
    struct store_when *def);

/* ---- backups (store_backup.c) ---- */

/* One backup file in care->backup_dir. */
struct store__bk {
	char name[96];    /* pamong-<seq>-<UTC>.db */
	int64_t seq;      /* order of making */
	int64_t bytes;
};

/* The backups in dir, newest first; *n their number (at most max). */
pb_err store__backup_list(const char *dir, struct store__bk *out, int max, int *n);
/* Remove the oldest backups in dir beyond kept and beyond budget bytes (0:
 * no limit); the newest is always kept. Returns how many were removed. */
int store__backup_rotate(const char *dir, long kept, int64_t budget);
/* "YYYY-MM-DD HH:MM UTC" from a backup's name ("?" if it has none). */
void store__backup_time(const char *name, char *out, size_t len);

/* ---- checks and healing (store_check.c) ---- */

/* SQLite's quick_check on a new connection to path: PB_OK when "ok", else
 * PB_ERR_DB with the first complaint in why. */
pb_err store__quick_check(const char *path, char *why, size_t len);
/* Record the store's counts beside its file (<path>.mark); clean says
 * whether this is a clean close. */
pb_err store__mark(struct store *st, int clean);

/* ---- the box's schema and event log (store_schema.c) ---- */

extern const struct store__schema store__box_schema;

/* Take the next rev and log the change under it (writer thread only). */
pb_err store__event(struct store *st, const char *learner, const char *course,
    const char *kind, const char *detail, const struct store_when *w, int64_t *rev);

/* ---- learners (store_learner.c) ---- */

/* Read columns 0..4 (id, name, position, village, registered_at). */
void store__row_learner(sqlite3_stmt *stmt, struct store_learner *l);
/* The same, then pin_reset (column 6) and merged_into (7, '' if none);
 * column 5 is the PIN hash. */
void store__row_learner_full(sqlite3_stmt *stmt, struct store_learner *l);

/* ---- summaries (store_progress.c) ---- */

#define STORE__SUMMARY_COLS                                                    \
	"learner, course, status, lessons_done, lessons_total, best_score, "   \
	"passed, attempts, seconds_spent, first_activity, last_activity, "     \
	"completed_at, rev, pre_score"

/* A finished attempt to fold into the summary. */
struct store__finish {
	int score, passed;
};

/* Recompute (learner, course)'s summary after an activity at w under rev
 * (writer thread only). lessons_total < 0 keeps the stored one. fin: a
 * finished attempt, or NULL. out (may be NULL) gets the new summary. */
pb_err store__summary_update(struct store *st, const char *learner,
    const char *course, int lessons_total, const struct store_when *w, int64_t rev,
    const struct store__finish *fin, struct store_summary *out);
/* Read the STORE__SUMMARY_COLS columns (0..13). */
void store__row_summary(sqlite3_stmt *stmt, struct store_summary *s);

/* A caller's callback for summaries and its argument. */
struct store__summary_fn {
	int (*fn)(void *arg, const struct store_summary *s);
	void *arg;
};
/* A row callback for store__rows (arg: a struct store__summary_fn) over
 * rows of STORE__SUMMARY_COLS. */
int store__summary_each(void *arg, sqlite3_stmt *stmt);

/* ---- the clock (store_clock.c) ---- */

/* A recorded time t moved by the offset in columns col (offset_ms) and
 * col + 1 (source) of a row (both NULL: no offset known). */
void store__fix_time(sqlite3_stmt *stmt, int col, int64_t t, struct store_time *out);

#endif
