/* store.c — the box's SQLite store (see store.h for the contract).
 *
 * Writes: public write functions queue an operation and wait; one writer
 * thread takes everything queued, runs it in one BEGIN IMMEDIATE … COMMIT
 * with a SAVEPOINT per operation, then wakes the waiters. With WAL and
 * synchronous=FULL the COMMIT is the fsync, so concurrent writers share it.
 *
 * Reads: connections are checked out of a small idle pool (a new one is
 * opened when the pool is empty, so a read never waits for another read or
 * for the writer, and a callback may call the store again). Each connection
 * caches its prepared statements, keyed by the SQL string's address. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "log.h"
#include "sqlutil.h"
#include "store.h"
#include "util.h"

#define STORE__READERS 6   /* read connections: more readers wait for one */
#define STORE__BUSY_MS 5000
#define STORE__RENEW_MS (24LL * 3600 * 1000) /* session last_seen granularity */

struct store__conn {
	sqlite3 *db;
	struct sqlu_cache cache;  /* its prepared statements */
	struct store__conn *next; /* in the idle list */
};

/* One queued write: fn runs on the writer thread with arg. */
struct store__op {
	pb_err (*fn)(struct store *st, void *arg);
	void *arg;
	pb_err result;
	int done;
	struct store__op *next;
};

struct store {
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
	int64_t clock_learned_mono; /* util_mono_ms() of the last phone learning */
	int64_t clock_learned_rev;  /* committed_rev it saw */
	int clock_learned_known;    /* the current boot had an offset after it */
	char clock_learned_boot[37]; /* the current boot it was learned for */
};

/* ---- schema ---- */

/* Forward migrations: entry i takes user_version i to i + 1. Never edit a
 * released entry; append a new one. */
static const char *const store__migrations[] = {
	/* 1: the initial schema */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE learners ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  name_key TEXT NOT NULL UNIQUE,"
	"  position TEXT NOT NULL,"
	"  village TEXT NOT NULL,"
	"  pin_hash TEXT NOT NULL,"
	"  registered_at INTEGER NOT NULL,"
	"  boot_id TEXT NOT NULL,"
	"  mono_ms INTEGER NOT NULL,"
	"  client_ms INTEGER NOT NULL,"
	"  rev INTEGER NOT NULL"
	");"
	"CREATE INDEX learners_rev ON learners(rev);"
	"CREATE TABLE sessions ("
	"  token_hash TEXT PRIMARY KEY,"
	"  learner TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL"
	");"
	"CREATE INDEX sessions_learner ON sessions(learner);"
	"CREATE TABLE lesson_progress ("
	"  learner TEXT NOT NULL REFERENCES learners(id),"
	"  course TEXT NOT NULL,"
	"  lesson TEXT NOT NULL,"
	"  opened_at INTEGER NOT NULL,"
	"  completed_at INTEGER,"
	"  seconds_spent INTEGER NOT NULL DEFAULT 0,"
	"  last_activity INTEGER NOT NULL,"
	"  PRIMARY KEY (learner, course, lesson)"
	");"
	"CREATE TABLE attempts ("
	"  id TEXT PRIMARY KEY,"
	"  learner TEXT NOT NULL REFERENCES learners(id),"
	"  course TEXT NOT NULL,"
	"  started_at INTEGER NOT NULL,"
	"  finished_at INTEGER,"
	"  score INTEGER,"
	"  correct INTEGER,"
	"  total INTEGER,"
	"  passed INTEGER"
	");"
	"CREATE INDEX attempts_learner ON attempts(learner, course);"
	"CREATE TABLE attempt_answers ("
	"  attempt TEXT NOT NULL REFERENCES attempts(id),"
	"  question TEXT NOT NULL,"
	"  choices TEXT NOT NULL,"
	"  correct INTEGER NOT NULL,"
	"  answered_at INTEGER NOT NULL,"
	"  PRIMARY KEY (attempt, question)"
	");"
	"CREATE TABLE course_summary ("
	"  learner TEXT NOT NULL REFERENCES learners(id),"
	"  course TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  lessons_done INTEGER NOT NULL DEFAULT 0,"
	"  lessons_total INTEGER NOT NULL DEFAULT 0,"
	"  best_score INTEGER NOT NULL DEFAULT -1,"
	"  passed INTEGER NOT NULL DEFAULT 0,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  seconds_spent INTEGER NOT NULL DEFAULT 0,"
	"  first_activity INTEGER NOT NULL DEFAULT 0,"
	"  last_activity INTEGER NOT NULL DEFAULT 0,"
	"  completed_at INTEGER NOT NULL DEFAULT 0,"
	"  rev INTEGER NOT NULL,"
	"  PRIMARY KEY (learner, course)"
	");"
	"CREATE INDEX course_summary_rev ON course_summary(rev);"
	"CREATE TABLE events ("
	"  rev INTEGER PRIMARY KEY,"
	"  learner TEXT,"
	"  course TEXT,"
	"  kind TEXT NOT NULL,"
	"  detail TEXT,"
	"  boot_id TEXT NOT NULL,"
	"  mono_ms INTEGER NOT NULL,"
	"  wall_ms INTEGER NOT NULL,"
	"  client_ms INTEGER NOT NULL"
	");",
	/* 2: per-boot clock offsets, and the boot of each summary time. Rows
	 * written before this find their boots in the events table: the event
	 * that set a time carries the same wall ms (ties: the first event for
	 * first_activity and completed_at, the last for last_activity). A time
	 * without such an event keeps a NULL boot and is sent uncorrected. */
	"CREATE TABLE boot_clock ("
	"  boot_id TEXT PRIMARY KEY,"
	"  offset_ms INTEGER NOT NULL,"  /* real time - box wall clock */
	"  source TEXT NOT NULL CHECK (source IN ('hub', 'phone')),"
	"  votes INTEGER NOT NULL,"      /* phones that agreed; 1 for the hub */
	"  settled INTEGER NOT NULL,"    /* learned after the boot ended: final */
	"  learned_at INTEGER NOT NULL"  /* box wall ms */
	") WITHOUT ROWID;"
	"ALTER TABLE course_summary ADD COLUMN first_boot TEXT;"
	"ALTER TABLE course_summary ADD COLUMN last_boot TEXT;"
	"ALTER TABLE course_summary ADD COLUMN completed_boot TEXT;"
	"CREATE INDEX events_migrate_2 ON events(learner, course, wall_ms);"
	"UPDATE course_summary SET"
	"  first_boot = (SELECT e.boot_id FROM events e WHERE"
	"    e.learner = course_summary.learner AND e.course = course_summary.course"
	"    AND e.wall_ms = course_summary.first_activity ORDER BY e.rev LIMIT 1),"
	"  last_boot = (SELECT e.boot_id FROM events e WHERE"
	"    e.learner = course_summary.learner AND e.course = course_summary.course"
	"    AND e.wall_ms = course_summary.last_activity ORDER BY e.rev DESC LIMIT 1),"
	"  completed_boot = (SELECT e.boot_id FROM events e WHERE"
	"    e.learner = course_summary.learner AND e.course = course_summary.course"
	"    AND course_summary.completed_at != 0"
	"    AND e.wall_ms = course_summary.completed_at ORDER BY e.rev LIMIT 1);"
	"DROP INDEX events_migrate_2;"
	/* the current boot's phones are learned often (health): by this index */
	"CREATE INDEX events_boot ON events(boot_id);",
};

/* ---- connections and statements ---- */

static void
store__conn_close(struct store__conn *c)
{
	if (c == NULL)
		return;
	sqlu_cache_clear(&c->cache);
	if (sqlite3_close(c->db) != SQLITE_OK)
		log_warnx("store: close: %s", sqlite3_errmsg(c->db));
	free(c);
}

/* Open a connection; the writer's creates the file and turns on WAL. */
static pb_err
store__conn_open(const char *path, int writer, struct store__conn **out)
{
	struct store__conn *c;
	sqlite3_stmt *stmt = NULL;
	const unsigned char *mode;
	int flags, rc;
	pb_err err = PB_ERR_DB;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return PB_ERR_NOMEM;
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (writer)
		flags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		log_warnx("store: open %s: %s", path,
		    c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		err = sqlu_err(rc);
		goto out;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, STORE__BUSY_MS);
	err = sqlu_exec(c->db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;");
	if (err != PB_OK)
		goto out;
	if (writer) {
		err = PB_ERR_DB;
		if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &stmt,
		    NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
			log_warnx("store: %s: journal_mode: %s", path,
			    sqlite3_errmsg(c->db));
			goto out;
		}
		mode = sqlite3_column_text(stmt, 0);
		if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
			log_warnx("store: %s: cannot use WAL (journal mode %s)", path,
			    mode ? (const char *)mode : "?");
			goto out;
		}
		err = PB_OK;
	} else {
		err = sqlu_exec(c->db, "PRAGMA query_only=ON; PRAGMA cache_size=-512;");
	}
out:
	sqlite3_finalize(stmt);
	if (err != PB_OK) {
		store__conn_close(c);
		return err;
	}
	*out = c;
	return PB_OK;
}

/* The cached statement for sql on c (see sqlu_prep). */
static sqlite3_stmt *
store__prep(struct store__conn *c, const char *sql)
{
	return sqlu_prep(c->db, &c->cache, sql);
}

/* Read connections this thread holds right now. */
static _Thread_local int store__held;

/* A read connection: an idle one, a new one while fewer than
 * STORE__READERS are open, else wait for one to be put back. */
static pb_err
store__get(struct store *st, struct store__conn **out)
{
	pb_err err;

	pthread_mutex_lock(&st->mu);
	/* A thread that already holds one (a callback reading again) may open
	 * one more rather than wait for itself. */
	while (st->idle == NULL && st->nreaders >= STORE__READERS && store__held == 0)
		pthread_cond_wait(&st->reader_free, &st->mu);
	*out = st->idle;
	if (*out != NULL) {
		st->idle = (*out)->next;
		st->nidle--;
	} else {
		st->nreaders++;
	}
	pthread_mutex_unlock(&st->mu);
	store__held++;
	if (*out != NULL)
		return PB_OK;
	if ((err = store__conn_open(st->path, 0, out)) != PB_OK) {
		store__held--;
		pthread_mutex_lock(&st->mu);
		st->nreaders--;
		pthread_cond_signal(&st->reader_free);
		pthread_mutex_unlock(&st->mu);
	}
	return err;
}

static void
store__put(struct store *st, struct store__conn *c)
{
	if (c == NULL)
		return;
	store__held--;
	pthread_mutex_lock(&st->mu);
	if (st->nidle < STORE__READERS) {
		c->next = st->idle;
		st->idle = c;
		st->nidle++;
		c = NULL;
	} else {
		st->nreaders--;
	}
	pthread_cond_signal(&st->reader_free);
	pthread_mutex_unlock(&st->mu);
	store__conn_close(c);
}

static const struct store_when *
store__when(const struct store_when *w, struct store_when *def)
{
	if (w != NULL)
		return w;
	memset(def, 0, sizeof(*def));
	util_boot_id(def->boot_id);
	def->mono_ms = util_mono_ms();
	def->wall_ms = util_wall_ms();
	return def;
}

/* ---- the writer ---- */

/* Run one queued write inside a savepoint. Returns non-zero if the whole
 * transaction was lost (SQLite rolls back on some I/O errors). */
static int
store__run_op(struct store *st, struct store__op *op)
{
	sqlite3 *db = st->w->db;
	int64_t rev = st->rev;
	pb_err err;

	err = sqlu_exec(db, "SAVEPOINT op");
	if (err == PB_OK) {
		err = op->fn(st, op->arg);
		if (err == PB_OK)
			err = sqlu_exec(db, "RELEASE op");
		if (err != PB_OK && !sqlite3_get_autocommit(db)) {
			if (sqlu_exec(db, "ROLLBACK TO op") != PB_OK ||
			    sqlu_exec(db, "RELEASE op") != PB_OK)
				err = PB_ERR_DB;
		}
	}
	op->result = err;
	if (err != PB_OK)
		st->rev = rev; /* nothing of this op remains */
	return sqlite3_get_autocommit(db);
}

static void
store__batch_fail(struct store__op *from, struct store__op *to, pb_err err)
{
	for (; from != to; from = from->next)
		if (from->result == PB_OK)
			from->result = err;
}

static pb_err store__meta_set(struct store__conn *c, const char *key, int64_t v);

/* Run a batch as one transaction (restarted if SQLite dropped it) and
 * commit. Returns non-zero if everything committed that was expected to. */
static int
store__run_batch(struct store *st, struct store__op *batch, int *commits)
{
	sqlite3 *db = st->w->db;
	struct store__op *op, *start;
	int64_t rev0;
	int healthy = 1;
	pb_err err;

	op = batch;
	while (op != NULL) {
		start = op;
		rev0 = st->rev;
		err = sqlu_exec(db, "BEGIN IMMEDIATE");
		if (err != PB_OK) {
			for (; op != NULL; op = op->next)
				op->result = err;
			return 0;
		}
		for (; op != NULL; op = op->next) {
			if (store__run_op(st, op)) {
				/* The transaction is gone: its earlier ops too. */
				log_warnx("store: transaction rolled back by SQLite");
				st->rev = rev0;
				store__batch_fail(start, op->next, op->result != PB_OK ?
				    op->result : PB_ERR_DB);
				healthy = 0;
				op = op->next;
				break;
			}
		}
		if (!sqlite3_get_autocommit(db)) {
			err = PB_OK;
			if (st->rev != rev0)
				err = store__meta_set(st->w, "rev", st->rev);
			if (err == PB_OK)
				err = sqlu_exec(db, "COMMIT");
			if (err != PB_OK) {
				if (!sqlite3_get_autocommit(db))
					sqlu_exec(db, "ROLLBACK");
				store__batch_fail(start, op, err == PB_ERR_IO ? PB_ERR_IO
				    : PB_ERR_DB);
				healthy = 0;
			} else {
				(*commits)++;
			}
		}
	}
	return healthy;
}

static void *
store__writer(void *arg)
{
	struct store *st = arg;
	struct store__op *batch, *op, *next;
	int64_t n;
	int healthy, commits;

	pthread_mutex_lock(&st->mu);
	for (;;) {
		while (st->head == NULL && !st->stopping)
			pthread_cond_wait(&st->work, &st->mu);
		if (st->head == NULL)
			break;
		batch = st->head;
		if (st->one_per_commit) {
			st->head = batch->next;
			if (st->head == NULL)
				st->tail = NULL;
			batch->next = NULL;
		} else {
			st->head = st->tail = NULL;
		}
		pthread_mutex_unlock(&st->mu);

		commits = 0;
		healthy = store__run_batch(st, batch, &commits);

		pthread_mutex_lock(&st->mu);
		n = 0;
		for (op = batch; op != NULL; op = next) {
			next = op->next;
			op->done = 1;
			n++;
		}
		st->writes += n;
		st->commits += commits;
		st->committed_rev = st->rev;
		st->healthy = healthy;
		pthread_cond_broadcast(&st->done);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/* Queue fn(st, arg) for the writer and wait until its batch is durable. */
static pb_err
store__submit(struct store *st, pb_err (*fn)(struct store *, void *), void *arg)
{
	struct store__op op = { fn, arg, PB_OK, 0, NULL };

	pthread_mutex_lock(&st->mu);
	if (st->stopping) {
		pthread_mutex_unlock(&st->mu);
		return PB_ERR_STATE;
	}
	if (st->tail != NULL)
		st->tail->next = &op;
	else
		st->head = &op;
	st->tail = &op;
	pthread_cond_signal(&st->work);
	while (!op.done)
		pthread_cond_wait(&st->done, &st->mu);
	pthread_mutex_unlock(&st->mu);
	return op.result;
}

/* ---- helpers run on the writer ---- */

static const char sql_meta_get[] = "SELECT value FROM meta WHERE key = ?";
static const char sql_meta_set[] =
    "INSERT INTO meta (key, value) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value";

static pb_err
store__meta_set(struct store__conn *c, const char *key, int64_t v)
{
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(c, sql_meta_set)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "ti", key, v);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

/* PB_ERR_NOTFOUND if the key is not set. */
static pb_err
store__meta_get(struct store__conn *c, const char *key, int64_t *v)
{
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(c, sql_meta_get)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "t", key);
	if (err == PB_OK)
		err = sqlu_step_row(stmt);
	if (err == PB_OK)
		*v = sqlite3_column_int64(stmt, 0);
	sqlu_done(stmt);
	return err;
}

static const char sql_event[] =
    "INSERT INTO events (rev, learner, course, kind, detail, boot_id, mono_ms, "
    "wall_ms, client_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* Take the next rev and log the change under it. */
static pb_err
store__event(struct store *st, const char *learner, const char *course,
    const char *kind, const char *detail, const struct store_when *w, int64_t *rev)
{
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, sql_event)) == NULL)
		return PB_ERR_DB;
	*rev = ++st->rev;
	err = sqlu_bind(stmt, "itttttiii", *rev, learner, course, kind, detail,
	    w->boot_id, w->mono_ms, w->wall_ms, w->client_ms);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

static const char sql_sum_ensure[] =
    "INSERT INTO course_summary (learner, course, status, lessons_total, "
    "first_activity, last_activity, rev, first_boot, last_boot) "
    "VALUES (?, ?, 'in_progress', ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (learner, course) DO NOTHING";
static const char sql_sum_read[] =
    "SELECT lessons_total, best_score, passed, attempts, first_activity, "
    "completed_at FROM course_summary WHERE learner = ? AND course = ?";
static const char sql_sum_lessons[] =
    "SELECT count(completed_at), coalesce(sum(seconds_spent), 0) "
    "FROM lesson_progress WHERE learner = ? AND course = ?";
static const char sql_sum_write[] =
    "UPDATE course_summary SET status = ?, lessons_done = ?, lessons_total = ?, "
    "best_score = ?, passed = ?, attempts = ?, seconds_spent = ?, "
    "first_activity = ?, last_activity = ?, completed_at = ?, rev = ?, "
    /* the boot of each time that this write sets (SET sees the old row) */
    "first_boot = CASE WHEN first_activity = 0 THEN ? ELSE first_boot END, "
    "last_boot = ?, "
    "completed_boot = CASE WHEN completed_at = 0 AND ? != 0 THEN ? "
    "ELSE completed_boot END "
    "WHERE learner = ? AND course = ?";

/* A finished attempt to fold into the summary. */
struct store__finish {
	int score, passed;
};

/* Recompute (learner, course)'s summary after an activity at w under rev.
 * lessons_total < 0 keeps the stored one. Completion is sticky: once a
 * course is completed it stays completed with its first completed_at. */
static pb_err
store__summary_update(struct store *st, const char *learner, const char *course,
    int lessons_total, const struct store_when *w, int64_t rev,
    const struct store__finish *fin, struct store_summary *out)
{
	sqlite3_stmt *stmt;
	struct store_summary s;
	pb_err err;

	memset(&s, 0, sizeof(s));
	if ((stmt = store__prep(st->w, sql_sum_ensure)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "ttdiiitt", learner, course,
	    lessons_total < 0 ? 0 : lessons_total, w->wall_ms, w->wall_ms, rev,
	    w->boot_id, w->boot_id);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;

	if ((stmt = store__prep(st->w, sql_sum_read)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tt", learner, course);
	if (err == PB_OK)
		err = sqlu_step_row(stmt);
	if (err == PB_OK) {
		s.lessons_total = sqlite3_column_int(stmt, 0);
		s.best_score = sqlite3_column_int(stmt, 1);
		s.passed = sqlite3_column_int(stmt, 2);
		s.attempts = sqlite3_column_int(stmt, 3);
		s.first_activity = sqlite3_column_int64(stmt, 4);
		s.completed_at = sqlite3_column_int64(stmt, 5);
	}
	sqlu_done(stmt);
	if (err != PB_OK)
		return err == PB_ERR_NOTFOUND ? PB_ERR_DB : err;

	if ((stmt = store__prep(st->w, sql_sum_lessons)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tt", learner, course);
	if (err == PB_OK)
		err = sqlu_step_row(stmt);
	if (err == PB_OK) {
		s.lessons_done = sqlite3_column_int(stmt, 0);
		s.seconds_spent = sqlite3_column_int64(stmt, 1);
	}
	sqlu_done(stmt);
	if (err != PB_OK)
		return err == PB_ERR_NOTFOUND ? PB_ERR_DB : err;

	if (lessons_total >= 0)
		s.lessons_total = lessons_total;
	if (fin != NULL) {
		s.attempts++;
		if (fin->score > s.best_score)
			s.best_score = fin->score;
		if (fin->passed)
			s.passed = 1;
	}
	if (s.first_activity == 0)
		s.first_activity = w->wall_ms;
	s.last_activity = w->wall_ms;
	if (s.completed_at == 0 && s.passed && s.lessons_done >= s.lessons_total)
		s.completed_at = w->wall_ms > 0 ? w->wall_ms : 1;
	snprintf(s.status, sizeof(s.status), "%s",
	    s.completed_at != 0 ? "completed" : "in_progress");
	s.rev = rev;

	if ((stmt = store__prep(st->w, sql_sum_write)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tdddddiiiiittittt", s.status, s.lessons_done,
	    s.lessons_total, s.best_score, s.passed, s.attempts, s.seconds_spent,
	    s.first_activity, s.last_activity, s.completed_at, s.rev, w->boot_id,
	    w->boot_id, s.completed_at, w->boot_id, learner, course);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err == PB_OK && out != NULL) {
		snprintf(s.learner, sizeof(s.learner), "%s", learner);
		snprintf(s.course, sizeof(s.course), "%s", course);
		*out = s;
	}
	return err;
}

/* ---- open / close ---- */

/* Load (or make, on first open) the box id and the last rev. */
static pb_err
store__load_meta(struct store *st)
{
	sqlite3_stmt *stmt;
	int64_t v;
	pb_err err;

	if ((stmt = store__prep(st->w, sql_meta_get)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "t", "box_id");
	if (err == PB_OK)
		err = sqlu_step_row(stmt);
	if (err == PB_OK)
		sqlu_col_text(stmt, 0, st->box_id, sizeof(st->box_id));
	sqlu_done(stmt);
	if (err == PB_ERR_NOTFOUND) {
		util_uuid4(st->box_id);
		if ((stmt = store__prep(st->w, sql_meta_set)) == NULL)
			return PB_ERR_DB;
		err = sqlu_bind(stmt, "tt", "box_id", st->box_id);
		if (err == PB_OK)
			err = sqlu_step_done(stmt);
		sqlu_done(stmt);
	}
	if (err != PB_OK)
		return err;

	st->rev = 0;
	err = store__meta_get(st->w, "rev", &v);
	if (err == PB_OK)
		st->rev = v;
	else if (err != PB_ERR_NOTFOUND)
		return err;
	/* Never go below a rev already used, whatever meta says. */
	if ((stmt = store__prep(st->w, "SELECT max(max(coalesce((SELECT max(rev) FROM "
	    "events), 0), coalesce((SELECT max(rev) FROM learners), 0)), "
	    "coalesce((SELECT max(rev) FROM course_summary), 0))")) == NULL)
		return PB_ERR_DB;
	err = sqlu_step_row(stmt);
	if (err == PB_OK && sqlite3_column_int64(stmt, 0) > st->rev)
		st->rev = sqlite3_column_int64(stmt, 0);
	sqlu_done(stmt);
	return err;
}

pb_err
store_open(const char *path, struct store **out)
{
	struct store *st;
	pb_err err;

	*out = NULL;
	if (util_init() != PB_OK)
		return PB_ERR_CRYPTO;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return PB_ERR_NOMEM;
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->work, NULL);
	pthread_cond_init(&st->done, NULL);
	pthread_cond_init(&st->reader_free, NULL);
	st->healthy = 1;
	st->path = strdup(path);
	if (st->path == NULL) {
		err = PB_ERR_NOMEM;
		goto out;
	}
	err = store__conn_open(path, 1, &st->w);
	if (err != PB_OK)
		goto out;
	err = sqlu_migrate(st->w->db, path, store__migrations,
	    (int)PB_ARRAY_LEN(store__migrations));
	if (err != PB_OK)
		goto out;
	err = store__load_meta(st);
	if (err != PB_OK)
		goto out;
	st->committed_rev = st->rev;
	if (pthread_create(&st->writer, NULL, store__writer, st) != 0) {
		log_warnx("store: cannot start the writer thread");
		err = PB_ERR_NOMEM;
		goto out;
	}
	st->writer_running = 1;
out:
	if (err != PB_OK) {
		store_close(st);
		return err;
	}
	*out = st;
	return PB_OK;
}

void
store_close(struct store *st)
{
	struct store__conn *c;
	int rc;

	if (st == NULL)
		return;
	pthread_mutex_lock(&st->mu);
	st->stopping = 1;
	pthread_cond_signal(&st->work);
	pthread_mutex_unlock(&st->mu);
	if (st->writer_running)
		pthread_join(st->writer, NULL);
	while ((c = st->idle) != NULL) {
		st->idle = c->next;
		store__conn_close(c);
	}
	if (st->w != NULL) {
		rc = sqlite3_wal_checkpoint_v2(st->w->db, NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		if (rc != SQLITE_OK)
			log_warnx("store: checkpoint: %s", sqlite3_errmsg(st->w->db));
		store__conn_close(st->w);
	}
	pthread_cond_destroy(&st->done);
	pthread_cond_destroy(&st->reader_free);
	pthread_cond_destroy(&st->work);
	pthread_mutex_destroy(&st->mu);
	free(st->path);
	free(st);
}

const char *
store_box_id(const struct store *st)
{
	return st->box_id;
}

pb_err
store_stats(struct store *st, struct store_stats *out)
{
	struct store__conn *c;
	sqlite3_stmt *stmt;
	struct stat sb;
	char wal[4096];
	pb_err err;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&st->mu);
	out->rev = st->committed_rev;
	out->healthy = st->healthy;
	out->commits = st->commits;
	out->writes = st->writes;
	pthread_mutex_unlock(&st->mu);
	if (stat(st->path, &sb) == 0)
		out->db_bytes += sb.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", st->path);
	if (stat(wal, &sb) == 0)
		out->db_bytes += sb.st_size;

	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, "SELECT count(*) FROM learners")) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	err = sqlu_step_row(stmt);
	if (err == PB_OK)
		out->learners = sqlite3_column_int64(stmt, 0);
	sqlu_done(stmt);
out:
	store__put(st, c);
	return err;
}

/* ---- learners ---- */

struct store__learner_create {
	const struct store_learner *l;
	const char *name_key, *pin_hash;
	const struct store_when *w;
};

static const char sql_learner_insert[] =
    "INSERT INTO learners (id, name, name_key, position, village, pin_hash, "
    "registered_at, boot_id, mono_ms, client_ms, rev) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static pb_err
store__learner_create(struct store *st, void *arg)
{
	struct store__learner_create *a = arg;
	sqlite3_stmt *stmt;
	int64_t rev;
	pb_err err;

	err = store__event(st, a->l->id, NULL, "learner_create", a->l->name, a->w, &rev);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(st->w, sql_learner_insert)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "ttttttitiii", a->l->id, a->l->name, a->name_key,
	    a->l->position, a->l->village, a->pin_hash, a->l->registered_at,
	    a->w->boot_id, a->w->mono_ms, a->w->client_ms, rev);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

pb_err
store_learner_create(struct store *st, const struct store_learner *l,
    const char *name_key, const char *pin_hash, const struct store_when *w)
{
	struct store_when def;
	struct store__learner_create a = { l, name_key, pin_hash, NULL };

	if (l == NULL || name_key == NULL || pin_hash == NULL)
		return PB_ERR_INVALID;
	a.w = store__when(w, &def);
	return store__submit(st, store__learner_create, &a);
}

static const char sql_learner_by_name[] =
    "SELECT id, name, position, village, registered_at, pin_hash "
    "FROM learners WHERE name_key = ?";
static const char sql_learner_by_id[] =
    "SELECT id, name, position, village, registered_at, pin_hash "
    "FROM learners WHERE id = ?";

static void
store__row_learner(sqlite3_stmt *stmt, struct store_learner *l)
{
	memset(l, 0, sizeof(*l));
	sqlu_col_text(stmt, 0, l->id, sizeof(l->id));
	sqlu_col_text(stmt, 1, l->name, sizeof(l->name));
	sqlu_col_text(stmt, 2, l->position, sizeof(l->position));
	sqlu_col_text(stmt, 3, l->village, sizeof(l->village));
	l->registered_at = sqlite3_column_int64(stmt, 4);
}

static pb_err
store__learner_one(struct store *st, const char *sql, const char *key,
    struct store_learner *out, char *pin_hash, size_t pin_hash_len)
{
	struct store__conn *c;
	sqlite3_stmt *stmt;
	pb_err err;

	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, sql)) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	err = sqlu_bind(stmt, "t", key);
	if (err == PB_OK)
		err = sqlu_step_row(stmt);
	if (err == PB_OK) {
		if (out != NULL)
			store__row_learner(stmt, out);
		if (pin_hash != NULL && pin_hash_len > 0)
			sqlu_col_text(stmt, 5, pin_hash, pin_hash_len);
	}
	sqlu_done(stmt);
out:
	store__put(st, c);
	return err;
}

pb_err
store_learner_by_name(struct store *st, const char *name_key,
    struct store_learner *out, char *pin_hash, size_t pin_hash_len)
{
	return store__learner_one(st, sql_learner_by_name, name_key, out, pin_hash,
	    pin_hash_len);
}

pb_err
store_learner_get(struct store *st, const char *id, struct store_learner *out)
{
	return store__learner_one(st, sql_learner_by_id, id, out, NULL, 0);
}

pb_err
store_learner_names(struct store *st, int (*fn)(void *arg, const char *name),
    void *arg)
{
	struct store__conn *c;
	sqlite3_stmt *stmt;
	pb_err err;

	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, "SELECT name FROM learners "
	    "ORDER BY name_key, name")) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	while ((err = sqlu_step_row(stmt)) == PB_OK)
		if (fn(arg, (const char *)sqlite3_column_text(stmt, 0)) != 0)
			break;
	if (err == PB_ERR_NOTFOUND)
		err = PB_OK;
	sqlu_done(stmt);
out:
	store__put(st, c);
	return err;
}

/* ---- sessions ---- */

struct store__session {
	const char *token_hash, *learner;
	int64_t now_ms;
};

static pb_err
store__session_create(struct store *st, void *arg)
{
	struct store__session *a = arg;
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, "INSERT INTO sessions (token_hash, learner, "
	    "created_at, last_seen) VALUES (?, ?, ?, ?)")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "ttii", a->token_hash, a->learner, a->now_ms, a->now_ms);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

static pb_err
store__session_touch(struct store *st, void *arg)
{
	struct store__session *a = arg;
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, "UPDATE sessions SET last_seen = ? "
	    "WHERE token_hash = ?")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "it", a->now_ms, a->token_hash);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

static pb_err
store__session_delete(struct store *st, void *arg)
{
	struct store__session *a = arg;
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, "DELETE FROM sessions WHERE token_hash = ?")) ==
	    NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "t", a->token_hash);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

pb_err
store_session_create(struct store *st, const char *token_hash, const char *learner,
    int64_t now_ms)
{
	struct store__session a = { token_hash, learner, now_ms };

	if (token_hash == NULL || learner == NULL)
		return PB_ERR_INVALID;
	return store__submit(st, store__session_create, &a);
}

pb_err
store_session_lookup(struct store *st, const char *token_hash, int64_t now_ms,
    int64_t max_age_ms, char learner[37])
{
	struct store__session a = { token_hash, NULL, now_ms };
	struct store__conn *c;
	sqlite3_stmt *stmt;
	int64_t last_seen = 0;
	pb_err err;

	learner[0] = '\0';
	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, "SELECT learner, last_seen FROM sessions "
	    "WHERE token_hash = ?")) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	err = sqlu_bind(stmt, "t", token_hash);
	if (err == PB_OK)
		err = sqlu_step_row(stmt);
	if (err == PB_OK) {
		sqlu_col_text(stmt, 0, learner, 37);
		last_seen = sqlite3_column_int64(stmt, 1);
	}
	sqlu_done(stmt);
out:
	store__put(st, c);
	if (err != PB_OK)
		return err;
	if (now_ms - last_seen > max_age_ms) {
		learner[0] = '\0';
		if (store__submit(st, store__session_delete, &a) != PB_OK)
			log_warnx("store: cannot delete an expired session");
		return PB_ERR_NOTFOUND;
	}
	if (now_ms - last_seen > STORE__RENEW_MS &&
	    store__submit(st, store__session_touch, &a) != PB_OK)
		log_warnx("store: cannot renew a session");
	return PB_OK;
}

pb_err
store_session_delete(struct store *st, const char *token_hash)
{
	struct store__session a = { token_hash, NULL, 0 };

	return store__submit(st, store__session_delete, &a);
}

/* ---- progress ---- */

enum store__lesson_kind { STORE__OPEN, STORE__COMPLETE, STORE__TIME };

struct store__lesson {
	const char *learner, *course, *lesson;
	int64_t seconds;
	int lessons_total;
	const struct store_when *w;
	int *lessons_done;
	enum store__lesson_kind kind;
};

static const char sql_lesson_open[] =
    "INSERT INTO lesson_progress (learner, course, lesson, opened_at, last_activity) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (learner, course, lesson) "
    "DO UPDATE SET last_activity = excluded.last_activity";
static const char sql_lesson_complete[] =
    "INSERT INTO lesson_progress (learner, course, lesson, opened_at, completed_at, "
    "seconds_spent, last_activity) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (learner, course, lesson) DO UPDATE SET "
    "completed_at = coalesce(completed_at, excluded.completed_at), "
    "seconds_spent = seconds_spent + excluded.seconds_spent, "
    "last_activity = excluded.last_activity";
static const char sql_lesson_time[] =
    "INSERT INTO lesson_progress (learner, course, lesson, opened_at, seconds_spent, "
    "last_activity) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (learner, course, lesson) DO UPDATE SET "
    "seconds_spent = seconds_spent + excluded.seconds_spent, "
    "last_activity = excluded.last_activity";

static pb_err
store__lesson(struct store *st, void *arg)
{
	struct store__lesson *a = arg;
	struct store_summary s;
	sqlite3_stmt *stmt;
	int64_t rev, wall = a->w->wall_ms;
	pb_err err;

	if (a->kind == STORE__OPEN) {
		if ((stmt = store__prep(st->w, sql_lesson_open)) == NULL)
			return PB_ERR_DB;
		err = sqlu_bind(stmt, "tttii", a->learner, a->course, a->lesson, wall,
		    wall);
	} else if (a->kind == STORE__TIME) {
		if ((stmt = store__prep(st->w, sql_lesson_time)) == NULL)
			return PB_ERR_DB;
		err = sqlu_bind(stmt, "tttiii", a->learner, a->course, a->lesson, wall,
		    a->seconds, wall);
	} else {
		if ((stmt = store__prep(st->w, sql_lesson_complete)) == NULL)
			return PB_ERR_DB;
		err = sqlu_bind(stmt, "tttiiii", a->learner, a->course, a->lesson, wall,
		    wall, a->seconds, wall);
	}
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;
	err = store__event(st, a->learner, a->course, a->kind == STORE__COMPLETE ?
	    "lesson_complete" : a->kind == STORE__TIME ? "lesson_time" : "lesson_open",
	    a->lesson, a->w, &rev);
	if (err == PB_OK)
		err = store__summary_update(st, a->learner, a->course, a->lessons_total,
		    a->w, rev, NULL, &s);
	if (err == PB_OK && a->lessons_done != NULL)
		*a->lessons_done = s.lessons_done;
	return err;
}

pb_err
store_lesson_open(struct store *st, const char *learner, const char *course,
    const char *lesson, int lessons_total, const struct store_when *w)
{
	struct store_when def;
	struct store__lesson a = { learner, course, lesson, 0, lessons_total, NULL,
		NULL, STORE__OPEN };

	if (learner == NULL || course == NULL || lesson == NULL)
		return PB_ERR_INVALID;
	a.w = store__when(w, &def);
	return store__submit(st, store__lesson, &a);
}

pb_err
store_lesson_complete(struct store *st, const char *learner, const char *course,
    const char *lesson, int64_t seconds, int lessons_total, const struct store_when *w,
    int *lessons_done)
{
	struct store_when def;
	int done = 0;
	struct store__lesson a = { learner, course, lesson, seconds, lessons_total,
		NULL, &done, STORE__COMPLETE };
	pb_err err;

	if (learner == NULL || course == NULL || lesson == NULL || seconds < 0)
		return PB_ERR_INVALID;
	a.w = store__when(w, &def);
	err = store__submit(st, store__lesson, &a);
	if (err == PB_OK && lessons_done != NULL)
		*lessons_done = done;
	return err;
}

pb_err
store_lesson_time(struct store *st, const char *learner, const char *course,
    const char *lesson, int64_t seconds, int lessons_total, const struct store_when *w)
{
	struct store_when def;
	struct store__lesson a = { learner, course, lesson, seconds, lessons_total,
		NULL, NULL, STORE__TIME };

	if (learner == NULL || course == NULL || lesson == NULL || seconds < 0)
		return PB_ERR_INVALID;
	a.w = store__when(w, &def);
	return store__submit(st, store__lesson, &a);
}

pb_err
store_lessons(struct store *st, const char *learner, const char *course,
    int (*fn)(void *arg, const struct store_lesson *l), void *arg)
{
	struct store__conn *c;
	struct store_lesson l;
	sqlite3_stmt *stmt;
	pb_err err;

	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, "SELECT lesson, completed_at IS NOT NULL, "
	    "seconds_spent, last_activity FROM lesson_progress "
	    "WHERE learner = ? AND course = ? ORDER BY opened_at, lesson")) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	err = sqlu_bind(stmt, "tt", learner, course);
	while (err == PB_OK && (err = sqlu_step_row(stmt)) == PB_OK) {
		memset(&l, 0, sizeof(l));
		sqlu_col_text(stmt, 0, l.lesson, sizeof(l.lesson));
		l.opened = 1;
		l.done = sqlite3_column_int(stmt, 1);
		l.seconds_spent = sqlite3_column_int64(stmt, 2);
		l.last_activity = sqlite3_column_int64(stmt, 3);
		if (fn(arg, &l) != 0)
			break;
	}
	if (err == PB_ERR_NOTFOUND)
		err = PB_OK;
	sqlu_done(stmt);
out:
	store__put(st, c);
	return err;
}

#define STORE__SUMMARY_COLS                                                    \
	"learner, course, status, lessons_done, lessons_total, best_score, "   \
	"passed, attempts, seconds_spent, first_activity, last_activity, "     \
	"completed_at, rev"

static void
store__row_summary(sqlite3_stmt *stmt, struct store_summary *s)
{
	memset(s, 0, sizeof(*s));
	sqlu_col_text(stmt, 0, s->learner, sizeof(s->learner));
	sqlu_col_text(stmt, 1, s->course, sizeof(s->course));
	sqlu_col_text(stmt, 2, s->status, sizeof(s->status));
	s->lessons_done = sqlite3_column_int(stmt, 3);
	s->lessons_total = sqlite3_column_int(stmt, 4);
	s->best_score = sqlite3_column_int(stmt, 5);
	s->passed = sqlite3_column_int(stmt, 6);
	s->attempts = sqlite3_column_int(stmt, 7);
	s->seconds_spent = sqlite3_column_int64(stmt, 8);
	s->first_activity = sqlite3_column_int64(stmt, 9);
	s->last_activity = sqlite3_column_int64(stmt, 10);
	s->completed_at = sqlite3_column_int64(stmt, 11);
	s->rev = sqlite3_column_int64(stmt, 12);
}

/* Run a summary query with the given binds ("t…" / "i…" as store__bind) and
 * call fn per row (at most one row if one is set). */
static pb_err
store__summary_query(struct store *st, const char *sql, const char *binds,
    const char *a, const char *b, int64_t i, int64_t j,
    int (*fn)(void *arg, const struct store_summary *s), void *arg,
    struct store_summary *one)
{
	struct store__conn *c;
	struct store_summary s;
	sqlite3_stmt *stmt;
	pb_err err;

	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, sql)) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	if (strcmp(binds, "tt") == 0)
		err = sqlu_bind(stmt, binds, a, b);
	else if (strcmp(binds, "t") == 0)
		err = sqlu_bind(stmt, binds, a);
	else
		err = sqlu_bind(stmt, binds, i, j);
	if (err != PB_OK)
		goto done;
	if (one != NULL) {
		err = sqlu_step_row(stmt);
		if (err == PB_OK)
			store__row_summary(stmt, one);
		goto done;
	}
	while ((err = sqlu_step_row(stmt)) == PB_OK) {
		store__row_summary(stmt, &s);
		if (fn(arg, &s) != 0)
			break;
	}
	if (err == PB_ERR_NOTFOUND)
		err = PB_OK;
done:
	sqlu_done(stmt);
out:
	store__put(st, c);
	return err;
}

pb_err
store_summary_get(struct store *st, const char *learner, const char *course,
    struct store_summary *out)
{
	return store__summary_query(st, "SELECT " STORE__SUMMARY_COLS " FROM "
	    "course_summary WHERE learner = ? AND course = ?", "tt", learner, course,
	    0, 0, NULL, NULL, out);
}

pb_err
store_summaries(struct store *st, const char *learner,
    int (*fn)(void *arg, const struct store_summary *s), void *arg)
{
	return store__summary_query(st, "SELECT " STORE__SUMMARY_COLS " FROM "
	    "course_summary WHERE learner = ? ORDER BY last_activity DESC, rev DESC",
	    "t", learner, NULL, 0, 0, fn, arg, NULL);
}

/* ---- quiz attempts ---- */

struct store__attempt {
	const char *attempt, *learner, *course;
	const char *question, *choices;
	int correct;
	int score, ncorrect, total, passing_score, lessons_total;
	const struct store_when *w;
	struct store_answer *stored;
	struct store_attempt *out;
};

static const char sql_attempt_get[] =
    "SELECT id, learner, course, finished_at IS NOT NULL, coalesce(score, 0), "
    "coalesce(correct, 0), coalesce(total, 0), coalesce(passed, 0), started_at, "
    "coalesce(finished_at, 0) FROM attempts WHERE id = ?";

static void
store__row_attempt(sqlite3_stmt *stmt, struct store_attempt *a)
{
	memset(a, 0, sizeof(*a));
	sqlu_col_text(stmt, 0, a->id, sizeof(a->id));
	sqlu_col_text(stmt, 1, a->learner, sizeof(a->learner));
	sqlu_col_text(stmt, 2, a->course, sizeof(a->course));
	a->finished = sqlite3_column_int(stmt, 3);
	a->score = sqlite3_column_int(stmt, 4);
	a->correct = sqlite3_column_int(stmt, 5);
	a->total = sqlite3_column_int(stmt, 6);
	a->passed = sqlite3_column_int(stmt, 7);
	a->started_at = sqlite3_column_int64(stmt, 8);
	a->finished_at = sqlite3_column_int64(stmt, 9);
}

/* Read an attempt on connection c; PB_ERR_NOTFOUND if there is none. */
static pb_err
store__attempt_read(struct store__conn *c, const char *id, struct store_attempt *out)
{
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(c, sql_attempt_get)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "t", id);
	if (err == PB_OK)
		err = sqlu_step_row(stmt);
	if (err == PB_OK)
		store__row_attempt(stmt, out);
	sqlu_done(stmt);
	return err;
}

static pb_err
store__attempt_create(struct store *st, void *arg)
{
	struct store__attempt *a = arg;
	struct store_attempt cur;
	sqlite3_stmt *stmt;
	int64_t rev;
	pb_err err;

	err = store__attempt_read(st->w, a->attempt, &cur);
	if (err == PB_OK) {
		if (strcmp(cur.learner, a->learner) == 0 &&
		    strcmp(cur.course, a->course) == 0)
			return PB_ERR_EXISTS;
		return PB_ERR_DENIED;
	}
	if (err != PB_ERR_NOTFOUND)
		return err;
	if ((stmt = store__prep(st->w, "INSERT INTO attempts (id, learner, course, "
	    "started_at) VALUES (?, ?, ?, ?)")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "ttti", a->attempt, a->learner, a->course,
	    a->w->wall_ms);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err == PB_OK)
		err = store__event(st, a->learner, a->course, "attempt_start", a->attempt,
		    a->w, &rev);
	if (err == PB_OK)
		err = store__summary_update(st, a->learner, a->course, -1, a->w, rev,
		    NULL, NULL);
	return err;
}

pb_err
store_attempt_create(struct store *st, const char *attempt, const char *learner,
    const char *course, const struct store_when *w)
{
	struct store_when def;
	struct store__attempt a;

	if (attempt == NULL || learner == NULL || course == NULL)
		return PB_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.attempt = attempt;
	a.learner = learner;
	a.course = course;
	a.w = store__when(w, &def);
	return store__submit(st, store__attempt_create, &a);
}

pb_err
store_attempt_get(struct store *st, const char *attempt, struct store_attempt *out)
{
	struct store__conn *c;
	pb_err err;

	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	err = store__attempt_read(c, attempt, out);
	store__put(st, c);
	return err;
}

static const char sql_answer_get[] =
    "SELECT question, choices, correct FROM attempt_answers "
    "WHERE attempt = ? AND question = ?";

static void
store__row_answer(sqlite3_stmt *stmt, struct store_answer *a)
{
	memset(a, 0, sizeof(*a));
	sqlu_col_text(stmt, 0, a->question, sizeof(a->question));
	sqlu_col_text(stmt, 1, a->choices, sizeof(a->choices));
	a->correct = sqlite3_column_int(stmt, 2);
}

pb_err
store_answers(struct store *st, const char *attempt,
    int (*fn)(void *arg, const struct store_answer *a), void *arg)
{
	struct store__conn *c;
	struct store_answer ans;
	sqlite3_stmt *stmt;
	pb_err err;

	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, "SELECT question, choices, correct FROM "
	    "attempt_answers WHERE attempt = ? ORDER BY rowid")) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	err = sqlu_bind(stmt, "t", attempt);
	while (err == PB_OK && (err = sqlu_step_row(stmt)) == PB_OK) {
		store__row_answer(stmt, &ans);
		if (fn(arg, &ans) != 0)
			break;
	}
	if (err == PB_ERR_NOTFOUND)
		err = PB_OK;
	sqlu_done(stmt);
out:
	store__put(st, c);
	return err;
}

/* The first answer stands: an answered question gives PB_ERR_EXISTS and the
 * stored answer even after the attempt finished (a retry); a new answer to
 * a finished attempt gives PB_ERR_STATE. */
static pb_err
store__answer_put(struct store *st, void *arg)
{
	struct store__attempt *a = arg;
	struct store_attempt cur;
	sqlite3_stmt *stmt;
	int64_t rev;
	pb_err err;

	err = store__attempt_read(st->w, a->attempt, &cur);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(st->w, sql_answer_get)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tt", a->attempt, a->question);
	if (err == PB_OK)
		err = sqlu_step_row(stmt);
	if (err == PB_OK && a->stored != NULL)
		store__row_answer(stmt, a->stored);
	sqlu_done(stmt);
	if (err == PB_OK)
		return PB_ERR_EXISTS;
	if (err != PB_ERR_NOTFOUND)
		return err;
	if (cur.finished)
		return PB_ERR_STATE;
	if ((stmt = store__prep(st->w, "INSERT INTO attempt_answers (attempt, question, "
	    "choices, correct, answered_at) VALUES (?, ?, ?, ?, ?)")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tttdi", a->attempt, a->question, a->choices,
	    a->correct ? 1 : 0, a->w->wall_ms);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err == PB_OK)
		err = store__event(st, cur.learner, cur.course, "answer", a->question,
		    a->w, &rev);
	if (err == PB_OK)
		err = store__summary_update(st, cur.learner, cur.course, -1, a->w, rev,
		    NULL, NULL);
	if (err == PB_OK && a->stored != NULL) {
		memset(a->stored, 0, sizeof(*a->stored));
		snprintf(a->stored->question, sizeof(a->stored->question), "%s",
		    a->question);
		snprintf(a->stored->choices, sizeof(a->stored->choices), "%s", a->choices);
		a->stored->correct = a->correct ? 1 : 0;
	}
	return err;
}

pb_err
store_answer_put(struct store *st, const char *attempt, const char *question,
    const char *choices, int correct, const struct store_when *w,
    struct store_answer *stored)
{
	struct store_when def;
	struct store__attempt a;

	if (attempt == NULL || question == NULL || choices == NULL)
		return PB_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.attempt = attempt;
	a.question = question;
	a.choices = choices;
	a.correct = correct;
	a.stored = stored;
	a.w = store__when(w, &def);
	return store__submit(st, store__answer_put, &a);
}

static pb_err
store__attempt_finish(struct store *st, void *arg)
{
	struct store__attempt *a = arg;
	struct store__finish fin;
	struct store_attempt cur;
	sqlite3_stmt *stmt;
	char detail[64];
	int64_t rev;
	pb_err err;

	err = store__attempt_read(st->w, a->attempt, &cur);
	if (err != PB_OK)
		return err;
	if (cur.finished) {
		if (a->out != NULL)
			*a->out = cur;
		return PB_ERR_EXISTS;
	}
	fin.score = a->score;
	fin.passed = a->score >= a->passing_score;
	if ((stmt = store__prep(st->w, "UPDATE attempts SET finished_at = ?, "
	    "score = ?, correct = ?, total = ?, passed = ? WHERE id = ?")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "iddddt", a->w->wall_ms, a->score, a->ncorrect,
	    a->total, fin.passed, a->attempt);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;
	snprintf(detail, sizeof(detail), "%s score=%d", a->attempt, a->score);
	err = store__event(st, cur.learner, cur.course, "attempt_finish", detail, a->w,
	    &rev);
	if (err == PB_OK)
		err = store__summary_update(st, cur.learner, cur.course, a->lessons_total,
		    a->w, rev, &fin, NULL);
	if (err == PB_OK && a->out != NULL) {
		*a->out = cur;
		a->out->finished = 1;
		a->out->score = a->score;
		a->out->correct = a->ncorrect;
		a->out->total = a->total;
		a->out->passed = fin.passed;
		a->out->finished_at = a->w->wall_ms;
	}
	return err;
}

pb_err
store_attempt_finish(struct store *st, const char *attempt, int score, int correct,
    int total, int passing_score, int lessons_total, const struct store_when *w,
    struct store_attempt *out)
{
	struct store_when def;
	struct store__attempt a;

	if (attempt == NULL)
		return PB_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.attempt = attempt;
	a.score = score;
	a.ncorrect = correct;
	a.total = total;
	a.passing_score = passing_score;
	a.lessons_total = lessons_total;
	a.out = out;
	a.w = store__when(w, &def);
	return store__submit(st, store__attempt_finish, &a);
}

/* ---- sync ---- */

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

pb_err
store_changed_learners(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_learner *l, int64_t rev), void *arg)
{
	struct store__conn *c;
	struct store_learner l;
	sqlite3_stmt *stmt;
	pb_err err;

	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, "SELECT id, name, position, village, registered_at, "
	    "rev FROM learners WHERE rev > ? ORDER BY rev LIMIT ?")) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	err = sqlu_bind(stmt, "ii", after_rev, (int64_t)(limit > 0 ? limit : -1));
	while (err == PB_OK && (err = sqlu_step_row(stmt)) == PB_OK) {
		store__row_learner(stmt, &l);
		if (fn(arg, &l, sqlite3_column_int64(stmt, 5)) != 0)
			break;
	}
	if (err == PB_ERR_NOTFOUND)
		err = PB_OK;
	sqlu_done(stmt);
out:
	store__put(st, c);
	return err;
}

pb_err
store_changed_summaries(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_summary *s), void *arg)
{
	return store__summary_query(st, "SELECT " STORE__SUMMARY_COLS " FROM "
	    "course_summary WHERE rev > ? ORDER BY rev LIMIT ?", "ii", NULL, NULL,
	    after_rev, (int64_t)(limit > 0 ? limit : -1), fn, arg, NULL);
}

void
store_set_group_commit(struct store *st, int on)
{
	pthread_mutex_lock(&st->mu);
	st->one_per_commit = !on;
	pthread_mutex_unlock(&st->mu);
}

/* ---- the clock ---- */

const char *
store_clock_src_name(enum store_clock_src src)
{
	switch (src) {
	case STORE_CLOCK_HUB:
		return "hub";
	case STORE_CLOCK_PHONE:
		return "phone";
	default:
		return "none";
	}
}

static enum store_clock_src
store__clock_src(const unsigned char *name)
{
	if (name == NULL)
		return STORE_CLOCK_NONE;
	if (strcmp((const char *)name, "hub") == 0)
		return STORE_CLOCK_HUB;
	if (strcmp((const char *)name, "phone") == 0)
		return STORE_CLOCK_PHONE;
	return STORE_CLOCK_NONE;
}

/* One boot's offset to write: src NONE deletes a revisable phone offset. */
struct store__clock_row {
	char boot_id[37];
	int64_t offset_ms;
	enum store_clock_src src;
	int votes, settled;
};

struct store__clock_put {
	const struct store__clock_row *rows;
	size_t n;
	int64_t now_ms;
};

static const char sql_clock_hub[] =
    "INSERT INTO boot_clock (boot_id, offset_ms, source, votes, settled, learned_at) "
    "VALUES (?, ?, 'hub', 1, 0, ?) ON CONFLICT (boot_id) DO UPDATE SET "
    "offset_ms = excluded.offset_ms, source = 'hub', votes = 1, settled = 0, "
    "learned_at = excluded.learned_at";
/* A phone offset never replaces a hub one nor a settled one. */
static const char sql_clock_phone[] =
    "INSERT INTO boot_clock (boot_id, offset_ms, source, votes, settled, learned_at) "
    "VALUES (?, ?, 'phone', ?, ?, ?) ON CONFLICT (boot_id) DO UPDATE SET "
    "offset_ms = excluded.offset_ms, votes = excluded.votes, "
    "settled = excluded.settled, learned_at = excluded.learned_at "
    "WHERE boot_clock.source = 'phone' AND NOT boot_clock.settled";
static const char sql_clock_forget[] =
    "DELETE FROM boot_clock WHERE boot_id = ? AND source = 'phone' AND NOT settled";

static pb_err
store__clock_put(struct store *st, void *arg)
{
	const struct store__clock_put *a = arg;
	const struct store__clock_row *r;
	sqlite3_stmt *stmt;
	pb_err err = PB_OK;
	size_t i;

	for (i = 0; i < a->n && err == PB_OK; i++) {
		r = &a->rows[i];
		if (r->src == STORE_CLOCK_HUB) {
			if ((stmt = store__prep(st->w, sql_clock_hub)) == NULL)
				return PB_ERR_DB;
			err = sqlu_bind(stmt, "tii", r->boot_id, r->offset_ms, a->now_ms);
		} else if (r->src == STORE_CLOCK_PHONE) {
			if ((stmt = store__prep(st->w, sql_clock_phone)) == NULL)
				return PB_ERR_DB;
			err = sqlu_bind(stmt, "tiddi", r->boot_id, r->offset_ms, r->votes,
			    r->settled, a->now_ms);
		} else {
			if ((stmt = store__prep(st->w, sql_clock_forget)) == NULL)
				return PB_ERR_DB;
			err = sqlu_bind(stmt, "t", r->boot_id);
		}
		if (err == PB_OK)
			err = sqlu_step_done(stmt);
		sqlu_done(stmt);
	}
	return err;
}

pb_err
store_clock_set_hub(struct store *st, const char *boot_id, int64_t offset_ms)
{
	struct store__clock_row r;
	struct store__clock_put a = { &r, 1, util_wall_ms() };

	if (boot_id == NULL || boot_id[0] == '\0' || strlen(boot_id) >= sizeof(r.boot_id))
		return PB_ERR_INVALID;
	memset(&r, 0, sizeof(r));
	snprintf(r.boot_id, sizeof(r.boot_id), "%s", boot_id);
	r.offset_ms = offset_ms;
	r.src = STORE_CLOCK_HUB;
	return store__submit(st, store__clock_put, &a);
}

static void
store__clock_read(sqlite3_stmt *stmt, int col, struct store_clock *out)
{
	memset(out, 0, sizeof(*out));
	out->offset_ms = sqlite3_column_int64(stmt, col);
	out->src = store__clock_src(sqlite3_column_text(stmt, col + 1));
	out->votes = sqlite3_column_int(stmt, col + 2);
	out->learned_at = sqlite3_column_int64(stmt, col + 3);
}

pb_err
store_clock_get(struct store *st, const char *boot_id, struct store_clock *out)
{
	struct store__conn *c;
	sqlite3_stmt *stmt;
	pb_err err;

	memset(out, 0, sizeof(*out));
	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, "SELECT offset_ms, source, votes, learned_at "
	    "FROM boot_clock WHERE boot_id = ?")) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	err = sqlu_bind(stmt, "t", boot_id);
	if (err == PB_OK)
		err = sqlu_step_row(stmt);
	if (err == PB_OK)
		store__clock_read(stmt, 0, out);
	sqlu_done(stmt);
out:
	store__put(st, c);
	return err;
}

/* A growable array of int64. */
struct store__vec {
	int64_t *v;
	size_t n, cap;
};

static pb_err
store__vec_push(struct store__vec *a, int64_t x)
{
	int64_t *nv;
	size_t cap;

	if (a->n == a->cap) {
		cap = a->cap ? a->cap * 2 : 16;
		if ((nv = realloc(a->v, cap * sizeof(*nv))) == NULL)
			return PB_ERR_NOMEM;
		a->v = nv;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return PB_OK;
}

static int
store__cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The median of n sorted values (the mean of the middle two if n is even). */
static int64_t
store__median(const int64_t *v, size_t n)
{
	if (n % 2 == 1)
		return v[n / 2];
	return v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

/* A boot's phone offset from one vote per learner (each that learner's
 * median phone - box difference): the votes within STORE_CLOCK_AGREE_MS of
 * the lower median must be a strict majority; the offset is their median.
 * Sorts votes. Returns the number of agreeing votes, 0 if none decide. */
static int
store__clock_vote(struct store__vec *votes, int64_t *offset)
{
	int64_t m;
	size_t i, lo, hi;

	if (votes->n == 0)
		return 0;
	qsort(votes->v, votes->n, sizeof(votes->v[0]), store__cmp64);
	m = votes->v[(votes->n - 1) / 2];
	for (lo = 0; votes->v[lo] < m - STORE_CLOCK_AGREE_MS; lo++)
		;
	for (hi = votes->n; votes->v[hi - 1] > m + STORE_CLOCK_AGREE_MS; hi--)
		;
	i = hi - lo;
	if (2 * i <= votes->n)
		return 0;
	*offset = store__median(votes->v + lo, i);
	return (int)i;
}

/* Close one learner's group into a vote (the group's values are sorted). */
static pb_err
store__clock_learner_done(struct store__vec *vals, struct store__vec *votes)
{
	pb_err err = PB_OK;

	if (vals->n > 0)
		err = store__vec_push(votes, store__median(vals->v, vals->n));
	vals->n = 0;
	return err;
}

static const char sql_clock_events_all[] =
    "SELECT boot_id, coalesce(learner, ''), client_ms - wall_ms FROM events "
    "WHERE client_ms >= ? AND client_ms < ? AND boot_id NOT IN "
    "(SELECT boot_id FROM boot_clock WHERE source = 'hub' OR settled) "
    "ORDER BY 1, 2, 3";
static const char sql_clock_events_one[] =
    "SELECT boot_id, coalesce(learner, ''), client_ms - wall_ms FROM events "
    "WHERE client_ms >= ? AND client_ms < ? AND boot_id = ? AND boot_id NOT IN "
    "(SELECT boot_id FROM boot_clock WHERE source = 'hub' OR settled) "
    "ORDER BY 2, 3";

/* The phone offsets of every boot (or only the current one) that has no
 * hub or settled offset and events with a plausible client time, into
 * *rows (malloc'd). A revisable boot whose phones no longer agree gets src
 * NONE (forget it). */
static pb_err
store__clock_compute(struct store *st, const char *current, int only_current,
    struct store__clock_row **rows, size_t *nrows)
{
	struct store__conn *c = NULL;
	struct store__vec vals = { NULL, 0, 0 }, votes = { NULL, 0, 0 };
	struct store__clock_row *out = NULL, *nr, *r;
	sqlite3_stmt *stmt = NULL;
	char boot[37] = "", learner[37] = "";
	const char *b, *l;
	size_t n = 0, cap = 0;
	int64_t off = 0;
	int more, nv;
	pb_err err;

	*rows = NULL;
	*nrows = 0;
	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, only_current ? sql_clock_events_one :
	    sql_clock_events_all)) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	err = sqlu_bind(stmt, only_current ? "iit" : "ii",
	    (int64_t)STORE_CLOCK_MIN_PHONE_MS, (int64_t)STORE_CLOCK_MAX_PHONE_MS, current);
	for (more = err == PB_OK; more;) {
		err = sqlu_step_row(stmt);
		if (err != PB_OK && err != PB_ERR_NOTFOUND)
			goto out;
		more = err == PB_OK;
		b = more ? (const char *)sqlite3_column_text(stmt, 0) : "";
		l = more ? (const char *)sqlite3_column_text(stmt, 1) : "";
		b = b ? b : "";
		l = l ? l : "";
		if (!more || strcmp(l, learner) != 0 || strcmp(b, boot) != 0) {
			if ((err = store__clock_learner_done(&vals, &votes)) != PB_OK)
				goto out;
			snprintf(learner, sizeof(learner), "%s", l);
		}
		if (!more || strcmp(b, boot) != 0) {
			if (boot[0] != '\0') {
				if (n == cap) {
					cap = cap ? cap * 2 : 8;
					if ((nr = realloc(out, cap * sizeof(*out))) == NULL) {
						err = PB_ERR_NOMEM;
						goto out;
					}
					out = nr;
				}
				r = &out[n++];
				memset(r, 0, sizeof(*r));
				snprintf(r->boot_id, sizeof(r->boot_id), "%s", boot);
				nv = store__clock_vote(&votes, &off);
				r->src = nv > 0 ? STORE_CLOCK_PHONE : STORE_CLOCK_NONE;
				r->offset_ms = off;
				r->votes = nv;
				r->settled = strcmp(boot, current) != 0;
			}
			votes.n = 0;
			snprintf(boot, sizeof(boot), "%s", b);
		}
		if (more && (err = store__vec_push(&vals, sqlite3_column_int64(stmt, 2))) !=
		    PB_OK)
			goto out;
	}
	err = PB_OK;
	*rows = out;
	*nrows = n;
	out = NULL;
out:
	sqlu_done(stmt);
	store__put(st, c);
	free(out);
	free(vals.v);
	free(votes.v);
	return err;
}

pb_err
store_clock_learn(struct store *st, const char *current_boot, int64_t max_age_ms)
{
	struct store__clock_put a = { NULL, 0, 0 };
	struct store__clock_row *rows = NULL;
	struct store_clock old;
	int64_t now = util_mono_ms();
	size_t i, n = 0, keep = 0;
	pb_err err;

	if (current_boot == NULL)
		return PB_ERR_INVALID;
	/* With max_age: skip when nothing was written since, or when this boot
	 * already has an offset and the last learning is younger than max_age. */
	pthread_mutex_lock(&st->mu);
	if (max_age_ms > 0 && st->clock_learned_mono != 0 &&
	    strcmp(st->clock_learned_boot, current_boot) == 0 &&
	    (st->clock_learned_rev == st->committed_rev ||
	    (st->clock_learned_known && now - st->clock_learned_mono < max_age_ms))) {
		pthread_mutex_unlock(&st->mu);
		return PB_OK;
	}
	st->clock_learned_mono = now; /* claimed: concurrent callers skip */
	st->clock_learned_known = 0;
	st->clock_learned_rev = st->committed_rev;
	snprintf(st->clock_learned_boot, sizeof(st->clock_learned_boot), "%s",
	    current_boot);
	pthread_mutex_unlock(&st->mu);

	err = store__clock_compute(st, current_boot, max_age_ms > 0, &rows, &n);
	if (err != PB_OK)
		goto out;
	/* write only what changes: a busy boot's median moves by milliseconds */
	for (i = 0; i < n; i++) {
		err = store_clock_get(st, rows[i].boot_id, &old);
		if (err != PB_OK && err != PB_ERR_NOTFOUND)
			goto out;
		if (err == PB_ERR_NOTFOUND ? rows[i].src == STORE_CLOCK_NONE :
		    old.src == STORE_CLOCK_PHONE && rows[i].src == STORE_CLOCK_PHONE &&
		    !rows[i].settled && old.votes == rows[i].votes &&
		    llabs(old.offset_ms - rows[i].offset_ms) < 1000)
			continue;
		rows[keep++] = rows[i];
	}
	err = PB_OK;
	if (keep == 0)
		goto out;
	a.rows = rows;
	a.n = keep;
	a.now_ms = util_wall_ms();
	err = store__submit(st, store__clock_put, &a);
out:
	if (err != PB_OK)
		log_warnx("store: learning the clock from phones: %s", pb_strerror(err));
	else if (store_clock_get(st, current_boot, &old) == PB_OK) {
		pthread_mutex_lock(&st->mu);
		st->clock_learned_known = 1;
		pthread_mutex_unlock(&st->mu);
	}
	free(rows);
	return err;
}

/* Move t by the offset in columns col (offset_ms) and col + 1 (source). */
static void
store__fix_time(sqlite3_stmt *stmt, int col, int64_t t, struct store_time *out)
{
	int64_t off;

	memset(out, 0, sizeof(*out));
	out->ms = t;
	if (t == 0 || sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return;
	out->src = store__clock_src(sqlite3_column_text(stmt, col + 1));
	if (out->src == STORE_CLOCK_NONE)
		return;
	off = sqlite3_column_int64(stmt, col);
	if (off > STORE_CLOCK_TOLERANCE_MS || off < -STORE_CLOCK_TOLERANCE_MS) {
		out->ms = t + off;
		out->moved = 1;
	}
}

pb_err
store_sync_learners(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_learner *l, int64_t rev,
    const struct store_time *registered_at), void *arg)
{
	struct store__conn *c;
	struct store_learner l;
	struct store_time t;
	sqlite3_stmt *stmt;
	pb_err err;

	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, "SELECT l.id, l.name, l.position, l.village, "
	    "l.registered_at, l.rev, k.offset_ms, k.source FROM learners l "
	    "LEFT JOIN boot_clock k ON k.boot_id = l.boot_id "
	    "WHERE l.rev > ? ORDER BY l.rev LIMIT ?")) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	err = sqlu_bind(stmt, "ii", after_rev, (int64_t)(limit > 0 ? limit : -1));
	while (err == PB_OK && (err = sqlu_step_row(stmt)) == PB_OK) {
		store__row_learner(stmt, &l);
		store__fix_time(stmt, 6, l.registered_at, &t);
		if (fn(arg, &l, sqlite3_column_int64(stmt, 5), &t) != 0)
			break;
	}
	if (err == PB_ERR_NOTFOUND)
		err = PB_OK;
	sqlu_done(stmt);
out:
	store__put(st, c);
	return err;
}

pb_err
store_sync_summaries(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const struct store_summary *s,
    const struct store_summary_times *t), void *arg)
{
	struct store__conn *c;
	struct store_summary s;
	struct store_summary_times t;
	sqlite3_stmt *stmt;
	pb_err err;

	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, "SELECT " STORE__SUMMARY_COLS ", "
	    "f.offset_ms, f.source, la.offset_ms, la.source, k.offset_ms, k.source "
	    "FROM course_summary "
	    "LEFT JOIN boot_clock f ON f.boot_id = course_summary.first_boot "
	    "LEFT JOIN boot_clock la ON la.boot_id = course_summary.last_boot "
	    "LEFT JOIN boot_clock k ON k.boot_id = course_summary.completed_boot "
	    "WHERE rev > ? ORDER BY rev LIMIT ?")) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	err = sqlu_bind(stmt, "ii", after_rev, (int64_t)(limit > 0 ? limit : -1));
	while (err == PB_OK && (err = sqlu_step_row(stmt)) == PB_OK) {
		store__row_summary(stmt, &s);
		store__fix_time(stmt, 13, s.first_activity, &t.first_activity);
		store__fix_time(stmt, 15, s.last_activity, &t.last_activity);
		store__fix_time(stmt, 17, s.completed_at, &t.completed_at);
		if (fn(arg, &s, &t) != 0)
			break;
	}
	if (err == PB_ERR_NOTFOUND)
		err = PB_OK;
	sqlu_done(stmt);
out:
	store__put(st, c);
	return err;
}
