/* store.c — the store's engine (see store.h for the contract, store_int.h
 * for how the table files use it). It knows the meta table and nothing of
 * the box's tables: store_schema.c hands it their migrations, and each
 * store_*.c runs its own SQL through it.
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "fsutil.h"
#include "log.h"
#include "sqlutil.h"
#include "store_learner.h"
#include "store.h"
#include "store_clock.h"
#include "store_int.h"
#include "util.h"

#define STORE__READERS 6   /* read connections: more readers wait for one */
#define STORE__BUSY_MS 5000
/* Memory: every cache has a bound, so that RSS stays flat as the file grows
 * (make soak). Page caches: the writer's 2 MB, each reader's 512 KB; the
 * WAL is checkpointed into the file every STORE__WAL_CKPT pages (by the
 * care thread, see store__wal_hook) and its file cut back to 4 MB after;
 * all of SQLite's heap is held to a soft 16 MB, beyond which it gives back
 * cache pages first. Statements are cached per connection, one per SQL
 * literal (a fixed set). */
#define STORE__WRITER_CACHE "PRAGMA cache_size=-2048; PRAGMA journal_size_limit=4194304;"
#define STORE__READER_CACHE "PRAGMA query_only=ON; PRAGMA cache_size=-512;"
#define STORE__HEAP_SOFT (16LL * 1024 * 1024)

/* One queued write: fn runs on the writer thread with arg. */
struct store__op {
	pb_err (*fn)(struct store *st, void *arg);
	void *arg;
	pb_err result;
	int done;
	struct store__op *next;
};

/* ---- connections and statements ---- */

void
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
		err = sqlu_exec(c->db, STORE__WRITER_CACHE);
	} else {
		err = sqlu_exec(c->db, STORE__READER_CACHE);
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

/* Read connections this thread holds right now. */
static _Thread_local int store__held;

/* A read connection: an idle one, a new one while fewer than
 * STORE__READERS are open, else wait for one to be put back. */
pb_err
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

void
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

/* ---- reads ---- */

/* store__rows (one 0) and store__row (one 1). */
static pb_err
store__vread(struct store *st, int one, const char *sql,
    int (*row)(void *arg, sqlite3_stmt *stmt), void *arg, const char *fmt, va_list ap)
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
	err = sqlu_vbind(stmt, fmt, ap);
	while (err == PB_OK && (err = sqlu_step_row(stmt)) == PB_OK)
		if (row(arg, stmt) != 0 || one)
			break;
	if (err == PB_ERR_NOTFOUND && !one)
		err = PB_OK;
	sqlu_done(stmt);
out:
	store__put(st, c);
	return err;
}

pb_err
store__rows(struct store *st, const char *sql, int (*row)(void *arg, sqlite3_stmt *stmt),
    void *arg, const char *fmt, ...)
{
	va_list ap;
	pb_err err;

	va_start(ap, fmt);
	err = store__vread(st, 0, sql, row, arg, fmt, ap);
	va_end(ap);
	return err;
}

pb_err
store__row(struct store *st, const char *sql, int (*row)(void *arg, sqlite3_stmt *stmt),
    void *arg, const char *fmt, ...)
{
	va_list ap;
	pb_err err;

	va_start(ap, fmt);
	err = store__vread(st, 1, sql, row, arg, fmt, ap);
	va_end(ap);
	return err;
}

const struct store_when *
store__when(struct store *st, const struct store_when *w, struct store_when *def)
{
	char boot[37];

	if (w != NULL)
		return w;
	memset(def, 0, sizeof(*def));
	util_boot_id(boot);
	def->mono_ms = util_mono_ms();
	def->wall_ms = util_wall_ms();
	store_clock_epoch(st, boot, def->mono_ms, def->wall_ms, def->boot_id);
	return def;
}

/* ---- the writer ---- */

/* The SQLite code of a failure that is the storage's (I/O, read-only,
 * corrupt, full), else 0. */
static int
store__storage_rc(sqlite3 *db, pb_err err)
{
	int rc;

	if (err != PB_ERR_IO && err != PB_ERR_DB)
		return 0;
	rc = sqlite3_extended_errcode(db);
	switch (rc & 0xff) {
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
		return rc;
	}
	return 0;
}

/* The writer's transaction control, prepared once and kept in its cache
 * like any other statement (parsing them for every write cost about 5 % of
 * the writer's CPU per durable write). The rare paths (ROLLBACK TO, a
 * failed COMMIT's ROLLBACK) are still run as text. */
static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_savepoint[] = "SAVEPOINT op";
static const char sql_release[] = "RELEASE op";
static const char sql_commit[] = "COMMIT";

/* Run one of the above on the writer's connection. */
static pb_err
store__wexec(struct store *st, const char *sql)
{
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, sql)) == NULL)
		return PB_ERR_DB;
	err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

/* Run one queued write inside a savepoint. Returns non-zero if the whole
 * transaction was lost (SQLite rolls back on some I/O errors). */
static int
store__run_op(struct store *st, struct store__op *op, int *fail_rc)
{
	sqlite3 *db = st->w->db;
	int64_t rev = st->rev;
	pb_err err;
	int rc;

	err = store__wexec(st, sql_savepoint);
	if (err == PB_OK) {
		err = op->fn(st, op->arg);
		if (err == PB_OK)
			err = store__wexec(st, sql_release);
		if ((rc = store__storage_rc(db, err)) != 0)
			*fail_rc = rc;
		if (err != PB_OK && !sqlite3_get_autocommit(db)) {
			if (sqlu_exec(db, "ROLLBACK TO op") != PB_OK ||
			    sqlu_exec(db, "RELEASE op") != PB_OK)
				err = PB_ERR_DB;
		}
	}
	if (err != PB_OK && *fail_rc == 0)
		*fail_rc = store__storage_rc(db, err);
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

/* Run a batch as one transaction (restarted if SQLite dropped it) and
 * commit. Returns non-zero if everything committed that was expected to. */
static int
store__run_batch(struct store *st, struct store__op *batch, int *commits, int *fail_rc)
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
		err = store__wexec(st, sql_begin);
		if (err != PB_OK) {
			*fail_rc = store__storage_rc(db, err);
			for (; op != NULL; op = op->next)
				op->result = err;
			return 0;
		}
		for (; op != NULL; op = op->next) {
			if (store__run_op(st, op, fail_rc)) {
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
				err = store__wexec(st, sql_commit);
			if (err != PB_OK) {
				if (*fail_rc == 0)
					*fail_rc = store__storage_rc(db, err);
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

void
store__ckpt_done(struct store *st, int care, int log, int done)
{
	int64_t copied;

	pthread_mutex_lock(&st->mu);
	copied = done > st->wal_backfilled && log <= st->wal_pages ?
	    done - st->wal_backfilled : 0;
	if (copied > 0)
		st->wal_backfilled = done;
	if (care) {
		st->ckpt_care++;
		st->ckpt_care_frames += copied;
	} else {
		st->ckpt_writer++;
		st->ckpt_writer_frames += copied;
	}
	pthread_mutex_unlock(&st->mu);
}

/* SQLite calls this on the writer's thread after every commit, with the
 * pages now in the WAL; it replaces SQLite's auto-checkpoint, which ran
 * inside the COMMIT (in the crowd bench about 1.4 times a second, 5 ms on
 * average, up to 46 ms, that a batch's callers waited for). From
 * STORE__WAL_CKPT pages on, the care thread is asked for a PASSIVE
 * checkpoint (store__checkpoint), which copies the WAL into the file
 * beside the writer, never holding it; the pages written while it ran are
 * taken by another round, and the last few (under STORE__WAL_ROUND) by the
 * writer: a PASSIVE checkpoint never catches up with a writer that does
 * not pause, and the WAL can begin again only once all of it is in the
 * file. Without a care thread, or when the WAL has outgrown
 * STORE__WAL_HARD pages (the care thread busy with a long backup, starved
 * of CPU), the writer checkpoints here as SQLite did, so the WAL stays
 * bounded. Durability is the same either
 * way: a checkpoint only copies committed frames and syncs the file
 * (synchronous=FULL on both connections) before the WAL is reused. */
static int
store__wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *st = arg;
	int care, catchup = 0, rc, log = 0, done = 0;

	pthread_mutex_lock(&st->mu);
	if (pages < st->wal_pages)
		st->wal_backfilled = 0; /* the WAL began again from its start */
	st->wal_pages = pages;
	care = st->care_running && !st->care_stop;
	if (pages >= STORE__WAL_CKPT && care && pages < STORE__WAL_HARD &&
	    !st->ckpt_due && !st->ckpt_busy) {
		if (st->wal_backfilled > 0 &&
		    pages - st->wal_backfilled < STORE__WAL_ROUND) {
			/* the care thread copied all but the last few pages, which
			 * this commit wrote while it ran: copying these here costs
			 * about one more small fdatasync and lets the next write
			 * begin the WAL again */
			catchup = 1;
		} else {
			st->ckpt_due = 1;
			pthread_cond_signal(&st->care_cv);
		}
	}
	pthread_mutex_unlock(&st->mu);
	if (!catchup && pages < (care ? STORE__WAL_HARD : STORE__WAL_CKPT))
		return SQLITE_OK;
	rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc == SQLITE_OK)
		store__ckpt_done(st, 0, log, done);
	return SQLITE_OK;
}

/* Failing writes are said once a minute, not once a batch. */
static struct log_limit store__wfail_log = LOG_LIMIT_INIT;

static void *
store__writer(void *arg)
{
	struct store *st = arg;
	struct store__op *batch, *op, *next;
	int64_t n;
	int healthy, commits, fail_rc;

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

		commits = fail_rc = 0;
		healthy = store__run_batch(st, batch, &commits, &fail_rc);

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
		st->last_write_ms = util_mono_ms();
		if (fail_rc != 0) {
			/* said in health until a later commit succeeds (corruption:
			 * until restart) */
			snprintf(st->wfail, sizeof(st->wfail), "writes fail: %s",
			    sqlite3_errstr(fail_rc));
			st->wfail_sticky |= (fail_rc & 0xff) == SQLITE_CORRUPT ||
			    (fail_rc & 0xff) == SQLITE_NOTADB;
			log_warnx_limited(&store__wfail_log, "store: %s", st->wfail);
		} else if (commits > 0 && !st->wfail_sticky) {
			st->wfail[0] = '\0';
		}
		pthread_cond_broadcast(&st->done);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/* Queue fn(st, arg) for the writer and wait until its batch is durable. */
pb_err
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

/* ---- meta: the engine's own keys (box_id, rev) and its users' ---- */

static const char sql_meta_get[] = "SELECT value FROM meta WHERE key = ?";
static const char sql_meta_set[] =
    "INSERT INTO meta (key, value) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value";

pb_err
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
pb_err
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

static pb_err
store__set_box_id(struct store *st, void *arg)
{
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, sql_meta_set)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tt", "box_id", (const char *)arg);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

void
store__identity(struct store *st, const char *idpath)
{
	char id[sizeof(st->box_id)], text[sizeof(st->box_id) + 1], *buf = NULL;
	size_t len = 0;

	id[0] = '\0';
	if (idpath == NULL || idpath[0] == '\0')
		return;
	if (fs_read_file(idpath, 256, &buf, &len) == PB_OK) {
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (len == sizeof(id) - 1 && util_is_uuid(buf))
			memcpy(id, buf, sizeof(id));
		else
			log_warnx("store: %s is damaged (%zu bytes, not a box id): written again "
			    "from the database", idpath, len);
		free(buf);
	} else if (errno != ENOENT) {
		log_warn("store: cannot read %s", idpath);
	}
	if (id[0] == '\0') {
		/* first start, an older pamongd's data dir, or a damaged file:
		 * the database's id is the box's from now on */
		snprintf(text, sizeof(text), "%s\n", st->box_id);
		if (fs_write_atomic(idpath, text, strlen(text), 0640) != PB_OK)
			log_warn("store: cannot write the box id to %s", idpath);
		return;
	}
	if (strcmp(id, st->box_id) == 0)
		return;
	/* a database made anew (none was usable) or one from elsewhere: the
	 * box keeps the id its key was enrolled with */
	log_warnx("store: the database says box %s, %s says %s: the box stays %s",
	    st->box_id, idpath, id, id);
	if (store__submit(st, store__set_box_id, id) != PB_OK)
		log_warnx("store: cannot record the box id %s in the database", id);
	memcpy(st->box_id, id, sizeof(id));
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
	if ((stmt = store__prep(st->w, st->schema->max_rev_sql)) == NULL)
		return PB_ERR_DB;
	err = sqlu_step_row(stmt);
	if (err == PB_OK && sqlite3_column_int64(stmt, 0) > st->rev)
		st->rev = sqlite3_column_int64(stmt, 0);
	sqlu_done(stmt);
	return err;
}

pb_err
store__open(const char *path, const struct store__schema *schema, struct store **out)
{
	struct store *st;
	pb_err err;

	*out = NULL;
	if (util_init() != PB_OK)
		return PB_ERR_CRYPTO;
	(void)sqlite3_soft_heap_limit64(STORE__HEAP_SOFT);
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return PB_ERR_NOMEM;
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->work, NULL);
	pthread_cond_init(&st->done, NULL);
	pthread_cond_init(&st->reader_free, NULL);
	st->healthy = 1;
	st->lost_writes = -1;
	st->schema = schema;
	st->path = strdup(path);
	if (st->path == NULL) {
		err = PB_ERR_NOMEM;
		goto out;
	}
	err = store__conn_open(path, 1, &st->w);
	if (err != PB_OK)
		goto out;
	(void)sqlite3_wal_hook(st->w->db, store__wal_hook, st);
	err = sqlu_migrate(st->w->db, path, schema->migrations, schema->nmigrations);
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

pb_err
store_open(const char *path, struct store **out)
{
	pb_err err;
	int n = 0;

	if ((err = store__open(path, &store__box_schema, out)) != PB_OK)
		return err;
	/* name keys written by an older version (names_key) */
	if ((err = store_learner_rekey(*out, &n)) != PB_OK) {
		store_close(*out);
		*out = NULL;
		return err;
	}
	if (n > 0)
		log_info("store: %d learner name keys brought to the look-alike rule", n);
	return PB_OK;
}

void
store_close(struct store *st)
{
	struct store__conn *c;
	int rc;

	if (st == NULL)
		return;
	store__care_stop(st);
	pthread_mutex_lock(&st->mu);
	st->stopping = 1;
	pthread_cond_signal(&st->work);
	pthread_mutex_unlock(&st->mu);
	if (st->writer_running)
		pthread_join(st->writer, NULL);
	if (st->cared && !st->damaged && st->writer_running) {
		(void)store_backup(st, 0);
		(void)store__mark(st, 1);
	}
	while ((c = st->idle) != NULL) {
		st->idle = c->next;
		if (st->damaged)
			sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		store__conn_close(c);
	}
	/* a damaged file is left as it is, -wal and all, to be moved aside */
	if (st->w != NULL && st->damaged)
		sqlite3_db_config(st->w->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	if (st->w != NULL && !st->damaged) {
		rc = sqlite3_wal_checkpoint_v2(st->w->db, NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		if (rc != SQLITE_OK)
			log_warnx("store: checkpoint: %s", sqlite3_errmsg(st->w->db));
	}
	store__conn_close(st->w);
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

static int
store__stats_row(void *arg, sqlite3_stmt *stmt)
{
	struct store_stats *out = arg;

	out->learners = sqlite3_column_int64(stmt, 0);
	return 0;
}

int
store_healthy(struct store *st)
{
	int ok;

	pthread_mutex_lock(&st->mu);
	ok = st->healthy && st->reason[0] == '\0' && st->wfail[0] == '\0';
	pthread_mutex_unlock(&st->mu);
	return ok;
}

pb_err
store_stats(struct store *st, struct store_stats *out)
{
	struct stat sb;
	char wal[4096];

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&st->mu);
	out->rev = st->committed_rev;
	out->lost_writes = st->lost_writes;
	snprintf(out->reason, sizeof(out->reason), "%s%s%s", st->reason,
	    st->reason[0] && st->wfail[0] ? "; " : "", st->wfail);
	if (!st->healthy && out->reason[0] == '\0')
		snprintf(out->reason, sizeof(out->reason), "writes fail");
	out->healthy = out->reason[0] == '\0';
	out->commits = st->commits;
	out->writes = st->writes;
	out->wal_pages = st->wal_pages;
	out->ckpt_care = st->ckpt_care;
	out->ckpt_writer = st->ckpt_writer;
	out->ckpt_care_frames = st->ckpt_care_frames;
	out->ckpt_writer_frames = st->ckpt_writer_frames;
	pthread_mutex_unlock(&st->mu);
	if (stat(st->path, &sb) == 0)
		out->db_bytes += sb.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", st->path);
	if (stat(wal, &sb) == 0)
		out->db_bytes += sb.st_size;
	return store__row(st, st->schema->learners_sql, store__stats_row, out, "");
}

void
store_set_group_commit(struct store *st, int on)
{
	pthread_mutex_lock(&st->mu);
	st->one_per_commit = !on;
	pthread_mutex_unlock(&st->mu);
}
