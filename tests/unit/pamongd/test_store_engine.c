/* test_store_engine.c — the store's engine (store.c) on its own, with a
 * schema of its test's making: it runs the migrations it is given, keeps
 * the box id and the rev in meta, never gives out a rev below the schema's
 * highest, undoes a failed write (and its rev) without touching the
 * others, and runs reads with a row callback; its writer reuses its
 * prepared transaction statements, and its WAL is checkpointed by the care
 * thread, not in a commit, and stays bounded. No learner in sight. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "fsutil.h"
#include "sqlutil.h"
#include "store_fixtures.h"
#include "store_int.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/pb-unit-engine-XXXXXX";

static const char *const toy_migrations[] = {
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE items (name TEXT PRIMARY KEY, rev INTEGER NOT NULL);",
	"CREATE INDEX items_rev ON items(rev);",
};

static const struct store__schema toy = {
	toy_migrations, 2,
	"SELECT coalesce(max(rev), 0) FROM items",
	"SELECT count(*) FROM items",
	NULL, 0,
};

/* The same schema one migration short: a program that knows less. */
static const struct store__schema toy_old = {
	toy_migrations, 1,
	"SELECT coalesce(max(rev), 0) FROM items",
	"SELECT count(*) FROM items",
	NULL, 0,
};

static const char sql_put[] = "INSERT INTO items (name, rev) VALUES (?, ?)";

/* A write: insert each name under the next rev; fails on a taken name. */
static pb_err
put_items(struct store *st, void *arg)
{
	const char *const *names = arg;
	sqlite3_stmt *stmt;
	pb_err err = PB_OK;

	for (; *names != NULL && err == PB_OK; names++) {
		if ((stmt = store__prep(st->w, sql_put)) == NULL)
			return PB_ERR_DB;
		err = sqlu_bind(stmt, "ti", *names, ++st->rev);
		if (err == PB_OK)
			err = sqlu_step_done(stmt);
		sqlu_done(stmt);
	}
	return err;
}

static pb_err
put(struct store *st, const char *a, const char *b)
{
	const char *names[3] = { a, b, NULL };

	return store__submit(st, put_items, names);
}

/* Collects "name:rev," for each row; stops after max rows if max > 0. */
struct list {
	char buf[256];
	int rows, max;
};

static int
list_row(void *arg, sqlite3_stmt *stmt)
{
	struct list *l = arg;
	size_t n = strlen(l->buf);

	snprintf(l->buf + n, sizeof(l->buf) - n, "%s:%lld,",
	    (const char *)sqlite3_column_text(stmt, 0),
	    (long long)sqlite3_column_int64(stmt, 1));
	l->rows++;
	return l->max > 0 && l->rows >= l->max;
}

static struct list
list(struct store *st, int max)
{
	struct list l;

	memset(&l, 0, sizeof(l));
	l.max = max;
	if (store__rows(st, "SELECT name, rev FROM items ORDER BY rev", list_row, &l,
	    "") != PB_OK)
		snprintf(l.buf, sizeof(l.buf), "error");
	return l;
}

static void
test_writes_and_reads(const char *path)
{
	struct store *st = NULL;
	struct store_stats s;
	struct list l;
	char box[37];

	CHECK_EQ_INT(store__open(path, &toy, &st), PB_OK, "a store opens with a toy schema");
	if (st == NULL)
		return;
	CHECK_EQ_INT(file_int(path, SQLITE_OPEN_READONLY, "PRAGMA user_version"), 2,
	    "the engine ran both migrations it was given");
	CHECK(util_is_uuid(store_box_id(st)), "and made a box id in meta");
	snprintf(box, sizeof(box), "%s", store_box_id(st));

	CHECK_EQ_INT(put(st, "a", NULL), PB_OK, "a write is acknowledged");
	CHECK_EQ_INT(put(st, "b", "c"), PB_OK, "a write of two rows is acknowledged");
	CHECK_EQ_INT(put(st, "d", "a"), PB_ERR_EXISTS,
	    "a write that fails halfway reports SQLite's error as ours");
	CHECK_EQ_INT(put(st, "e", NULL), PB_OK, "the next write goes through");
	l = list(st, 0);
	CHECK_EQ_STR(l.buf, "a:1,b:2,c:3,e:4,",
	    "the failed write left nothing behind, not even its first row or its revs");
	l = list(st, 2);
	CHECK(l.rows == 2 && strcmp(l.buf, "a:1,b:2,") == 0,
	    "a row callback that returns non-zero stops the read");
	CHECK_EQ_INT(store__row(st, "SELECT name, rev FROM items WHERE name = ?", list_row,
	    &l, "t", "zz"), PB_ERR_NOTFOUND, "reading one row that is not there: NOTFOUND");
	CHECK_EQ_INT(store__rows(st, "SELECT name, rev FROM items WHERE name = ?", list_row,
	    &l, "t", "zz"), PB_OK, "reading no rows at all is no error");

	CHECK_EQ_INT(store_stats(st, &s), PB_OK, "stats are read");
	CHECK_EQ_INT(s.learners, 4, "the schema's count query gives stats' count");
	CHECK_EQ_INT(s.rev, 4, "the rev is the last one committed");
	CHECK_EQ_INT(s.writes, 4, "four writes ran, the failed one included");
	CHECK_EQ_INT(s.healthy, 1, "a write that fails on a constraint leaves it healthy");
	put(st, "f", NULL);
	put(st, "g", NULL);
	store_close(st);

	st = NULL;
	CHECK_EQ_INT(store__open(path, &toy, &st), PB_OK, "the store opens again");
	if (st == NULL)
		return;
	CHECK_EQ_STR(store_box_id(st), box, "with the same box id");
	CHECK_EQ_INT(put(st, "h", NULL), PB_OK, "a write after reopening");
	CHECK_EQ_STR(list(st, 0).buf, "a:1,b:2,c:3,e:4,f:5,g:6,h:7,",
	    "continues the revs where they were");
	store_close(st);
}

static void
test_rev_floor(const char *path)
{
	struct store *st = NULL;

	CHECK_EQ_INT(file_exec(path, "UPDATE meta SET value = 2 WHERE key = 'rev'"),
	    SQLITE_OK, "meta's rev is set back behind the rows");
	CHECK_EQ_INT(store__open(path, &toy, &st), PB_OK, "the store opens");
	if (st == NULL)
		return;
	put(st, "i", NULL);
	CHECK_EQ_STR(list(st, 0).buf, "a:1,b:2,c:3,e:4,f:5,g:6,h:7,i:8,",
	    "no rev the schema's rows hold is given out again");
	store_close(st);
}

static void
test_newer_schema(const char *path)
{
	struct store *st = NULL;

	CHECK_EQ_INT(store__open(path, &toy_old, &st), PB_ERR_STATE,
	    "a program that knows fewer migrations refuses the file");
	CHECK(st == NULL, "and returns no store");
	CHECK_EQ_INT(file_int(path, SQLITE_OPEN_READONLY, "PRAGMA user_version"), 2,
	    "the file keeps its schema version");
}

/* ---- the writer's statements ---- */

/* How often each transaction statement cached on the writer's connection
 * ran (0: none is cached). Runs on the writer thread (store__submit). */
struct runs {
	int begin, savepoint, release, commit;
};

static pb_err
count_runs(struct store *st, void *arg)
{
	struct runs *r = arg;
	sqlite3_stmt *stmt = NULL;
	const char *sql;
	int n;

	while ((stmt = sqlite3_next_stmt(st->w->db, stmt)) != NULL) {
		sql = sqlite3_sql(stmt);
		n = sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_RUN, 0);
		if (strcmp(sql, "BEGIN IMMEDIATE") == 0)
			r->begin = n;
		else if (strcmp(sql, "SAVEPOINT op") == 0)
			r->savepoint = n;
		else if (strcmp(sql, "RELEASE op") == 0)
			r->release = n;
		else if (strcmp(sql, "COMMIT") == 0)
			r->commit = n;
	}
	return PB_OK;
}

static void
test_statements_reused(const char *path)
{
	struct store *st = NULL;
	struct runs r;
	char name[16];
	int i;

	CHECK_EQ_INT(store__open(path, &toy, &st), PB_OK, "a store opens");
	if (st == NULL)
		return;
	store_set_group_commit(st, 0); /* one transaction per write */
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		put(st, name, NULL);
	}
	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(store__submit(st, count_runs, &r), PB_OK, "the writer is asked");
	CHECK(r.begin >= 6 && r.savepoint >= 6,
	    "BEGIN and SAVEPOINT are one prepared statement each, run for every write "
	    "(ran %d and %d times for 6 writes)", r.begin, r.savepoint);
	CHECK(r.release >= 5 && r.commit >= 5,
	    "RELEASE and COMMIT too (%d and %d times for 5 finished writes)", r.release,
	    r.commit);
	store_close(st);
}

/* ---- checkpoints ---- */

static const char sql_put_big[] =
    "INSERT INTO items (name, rev) VALUES (? || hex(randomblob(8000)), ?)";

/* A write of about ten pages (a 16 KB name, in the table and its index). */
static pb_err
put_big(struct store *st, void *arg)
{
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, sql_put_big)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "ti", (const char *)arg, ++st->rev);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

/* The WAL's frames by its file's size (4 KB pages). */
static long
wal_frames(const char *path)
{
	char wal[160];
	struct stat sb;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (stat(wal, &sb) != 0)
		return 0;
	return sb.st_size > 32 ? (long)((sb.st_size - 32) / (4096 + 24)) : 0;
}

/* Write big rows, one transaction each, until the WAL has been checkpointed
 * and begun again from its start 3 times, or max writes. Returns how many
 * times it began again; *most gets its largest size seen (frames). */
static int
write_until(struct store *st, const char *path, int max, long *most,
    struct store_stats *s)
{
	char name[24];
	int64_t last = 0;
	int i, restarts = 0;

	*most = 0;
	for (i = 0; i < max && restarts < 3; i++) {
		snprintf(name, sizeof(name), "big%d-", i);
		if (store__submit(st, put_big, name) != PB_OK || store_stats(st, s) != PB_OK)
			break;
		if (wal_frames(path) > *most)
			*most = wal_frames(path);
		restarts += s->wal_pages < last;
		last = s->wal_pages;
	}
	return restarts;
}

static void
test_checkpoints(const char *dirpath)
{
	struct store *st = NULL;
	struct store_stats s;
	char path[160];
	long most;
	int n;

	snprintf(path, sizeof(path), "%s/ckpt-care.db", dirpath);
	CHECK_EQ_INT(store__open(path, &toy, &st), PB_OK, "a store opens");
	if (st == NULL)
		return;
	CHECK_EQ_INT(store__care_start(st), PB_OK, "with its care thread");
	store_set_group_commit(st, 0);
	/* 2,000 writes are about 20,000 pages */
	n = write_until(st, path, 2000, &most, &s);
	CHECK_EQ_INT(n, 3, "under continuous writes the WAL is checkpointed and begun "
	    "again");
	CHECK(s.ckpt_care >= 3 && s.ckpt_care_frames >= 3 * STORE__WAL_CKPT,
	    "by the care thread (%lld checkpoints, %lld pages copied)",
	    (long long)s.ckpt_care, (long long)s.ckpt_care_frames);
	CHECK(s.ckpt_writer_frames * 10 <= s.ckpt_care_frames, "the writer copied "
	    "little itself: only the last pages, written while the care thread's "
	    "checkpoint ran (%lld checkpoints, %lld pages)", (long long)s.ckpt_writer,
	    (long long)s.ckpt_writer_frames);
	/* past STORE__WAL_HARD a commit's checkpoint is refused while the care
	 * thread's runs (SQLITE_BUSY), so the next commit tries again */
	CHECK(most <= STORE__WAL_HARD + STORE__WAL_CKPT, "the WAL stayed bounded "
	    "(%ld frames at most; a commit checkpoints from %d)", most, STORE__WAL_HARD);
	store_close(st);

	st = NULL;
	snprintf(path, sizeof(path), "%s/ckpt-alone.db", dirpath);
	CHECK_EQ_INT(store__open(path, &toy, &st), PB_OK, "a store without a care "
	    "thread opens");
	if (st == NULL)
		return;
	store_set_group_commit(st, 0);
	n = write_until(st, path, 2000, &most, &s);
	CHECK_EQ_INT(n, 3, "its WAL is checkpointed and begun again too");
	CHECK(s.ckpt_writer >= 3 && s.ckpt_writer_frames >= 3 * STORE__WAL_CKPT,
	    "by its writer, in the commit (%lld checkpoints, %lld pages)",
	    (long long)s.ckpt_writer, (long long)s.ckpt_writer_frames);
	CHECK(most <= STORE__WAL_CKPT + 20, "at its checkpoint size (%ld frames at "
	    "most)", most);
	store_close(st);
}

int
main(void)
{
	char path[128];

	if (util_init() != PB_OK || mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/engine.db", dir);
	test_writes_and_reads(path);
	test_rev_floor(path);
	test_newer_schema(path);
	snprintf(path, sizeof(path), "%s/stmts.db", dir);
	test_statements_reused(path);
	test_checkpoints(dir);
	fs_remove_tree(dir);
	return TAP_DONE();
}
