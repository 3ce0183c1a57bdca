/* store_check.c — the store looking after its file (see store.h): the
 * counts recorded beside it (<path>.mark), quick_check at open and when
 * idle, and healing at open: the damaged files moved aside into
 * <damaged_dir>/<UTC>/ (never deleted), the newest backup that passes
 * quick_check restored, or a new empty database. Knows no table: the
 * schema names the counts it watches. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "store_int.h"
#include "util.h"

/* What the mark file said. */
struct store__markv {
	int found;
	int clean;                      /* written by a clean close */
	int64_t rev;
	int64_t v[STORE__COUNTS_MAX];   /* per schema count; -1 not recorded */
	char at[32];                    /* UTC of writing */
};

pb_err
store__quick_check(const char *path, char *why, size_t len)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *stmt = NULL;
	const unsigned char *t;
	pb_err err = PB_ERR_DB;
	int rc;

	snprintf(why, len, "?");
	rc = sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(why, len, "%s", c ? sqlite3_errmsg(c) : sqlite3_errstr(rc));
		err = (rc & 0xff) == SQLITE_CANTOPEN ? PB_ERR_IO : PB_ERR_DB;
		goto out;
	}
	sqlite3_busy_timeout(c, 5000);
	if (sqlite3_prepare_v2(c, "PRAGMA quick_check(1)", -1, &stmt, NULL) != SQLITE_OK) {
		snprintf(why, len, "%s", sqlite3_errmsg(c));
		goto out;
	}
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		snprintf(why, len, "%s", sqlite3_errmsg(c));
		goto out;
	}
	t = sqlite3_column_text(stmt, 0);
	snprintf(why, len, "%s", t ? (const char *)t : "?");
	if (t != NULL && strcmp((const char *)t, "ok") == 0)
		err = PB_OK;
out:
	sqlite3_finalize(stmt);
	sqlite3_close(c);
	return err;
}

static int
store__int_row(void *arg, sqlite3_stmt *stmt)
{
	*(int64_t *)arg = sqlite3_column_int64(stmt, 0);
	return 0;
}

/* The schema's counts, now. */
static pb_err
store__counts(struct store *st, int64_t *v)
{
	pb_err err;
	int i;

	for (i = 0; i < st->schema->ncounts; i++)
		if ((err = store__row(st, st->schema->counts[i].sql, store__int_row, &v[i],
		    "")) != PB_OK)
			return err;
	return PB_OK;
}

static void
store__mark_path(const char *db, char *out, size_t len)
{
	snprintf(out, len, "%s.mark", db);
}

/* A full or read-only disk fails the mark every few seconds: said once a
 * minute. */
static struct log_limit store__mark_log = LOG_LIMIT_INIT;

pb_err
store__mark(struct store *st, int clean)
{
	int64_t v[STORE__COUNTS_MAX], rev;
	char path[STORE__PATH_MAX], buf[1024], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t n;
	int i;
	pb_err err;

	if ((err = store__counts(st, v)) != PB_OK)
		return err;
	pthread_mutex_lock(&st->mu);
	rev = st->committed_rev;
	pthread_mutex_unlock(&st->mu);
	st->marked_rev = rev;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M UTC", &tm);
	n = (size_t)snprintf(buf, sizeof(buf), "# pamongd: the database's counts, to "
	    "find it damaged\nat %s\nclean %d\nrev %" PRId64 "\n", stamp, clean, rev);
	for (i = 0; i < st->schema->ncounts && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s %" PRId64 "\n",
		    st->schema->counts[i].name, v[i]);
	if (n >= sizeof(buf))
		return PB_ERR_LIMIT;
	store__mark_path(st->path, path, sizeof(path));
	if ((err = fs_write_atomic(path, buf, n, 0640)) != PB_OK)
		log_warnx_limited(&store__mark_log, "store: cannot write %s: %s", path,
		    strerror(errno));
	return err;
}

static void
store__mark_read(const char *db, const struct store__schema *sc, struct store__markv *m)
{
	char path[STORE__PATH_MAX], key[64], *text = NULL, *line, *save = NULL;
	long long val;
	int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < STORE__COUNTS_MAX; i++)
		m->v[i] = -1;
	store__mark_path(db, path, sizeof(path));
	if (fs_read_file(path, 65536, &text, NULL) != PB_OK)
		return;
	m->found = 1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "at ", 3) == 0) {
			snprintf(m->at, sizeof(m->at), "%s", line + 3);
			continue;
		}
		if (sscanf(line, "%63s %lld", key, &val) != 2)
			continue;
		if (strcmp(key, "clean") == 0)
			m->clean = val != 0;
		else if (strcmp(key, "rev") == 0)
			m->rev = val;
		for (i = 0; i < sc->ncounts; i++)
			if (strcmp(key, sc->counts[i].name) == 0)
				m->v[i] = val;
	}
	free(text);
}

/* Why the open store st is damaged by its counts ("" if it is not). */
static void
store__counts_check(struct store *st, const struct store__markv *m, char *why,
    size_t len)
{
	int64_t v[STORE__COUNTS_MAX];
	int i;

	why[0] = '\0';
	if (!m->found)
		return;
	if (st->rev < m->rev) {
		snprintf(why, len, "its rev %" PRId64 " is below the %" PRId64 " recorded "
		    "at %s", st->rev, m->rev, m->at);
		return;
	}
	if (store__counts(st, v) != PB_OK) {
		snprintf(why, len, "its rows cannot be counted");
		return;
	}
	for (i = 0; i < st->schema->ncounts; i++)
		if (m->v[i] >= 0 && v[i] < m->v[i]) {
			snprintf(why, len, "it has %" PRId64 " %s, fewer than the %" PRId64
			    " recorded at %s", v[i], st->schema->counts[i].name, m->v[i],
			    m->at);
			return;
		}
}

/* A directory <root>/<UTC stamp>[-n]/ that did not exist. */
static pb_err
store__damaged_dir(const char *root, char *out, size_t len)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int i;

	if (fs_mkdirs(root, 0750) != PB_OK)
		return PB_ERR_IO;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(out, len, "%s/%s", root, stamp);
		else
			snprintf(out, len, "%s/%s-%d", root, stamp, i);
		if (mkdir(out, 0750) == 0)
			return fs_sync_dir(root);
		if (errno != EEXIST)
			return PB_ERR_IO;
	}
	return PB_ERR_EXISTS;
}

/* Move path (and its -wal, -shm) into dir; fsync both directories. */
static pb_err
store__move(const char *path, const char *dir)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char from[STORE__PATH_MAX], to[STORE__PATH_MAX], base[STORE__PATH_MAX],
	    pdir[STORE__PATH_MAX];
	pb_err err = PB_OK;
	size_t i;

	snprintf(base, sizeof(base), "%s", path);
	snprintf(pdir, sizeof(pdir), "%s", path);
	for (i = 0; i < PB_ARRAY_LEN(sfx); i++) {
		snprintf(from, sizeof(from), "%s%s", path, sfx[i]);
		snprintf(to, sizeof(to), "%s/%s%s", dir, basename(base), sfx[i]);
		if (rename(from, to) != 0 && errno != ENOENT) {
			log_warn("store: cannot move %s to %s", from, to);
			err = PB_ERR_IO;
		}
	}
	(void)fs_sync_dir(dir);
	(void)fs_sync_dir(dirname(pdir));
	return err;
}

/* Copy src to dst so that dst is whole or absent: dst.tmp, fsync, rename,
 * fsync the directory. */
static pb_err
store__copy(const char *src, const char *dst)
{
	char tmp[STORE__PATH_MAX], buf[65536], dir[STORE__PATH_MAX];
	int in = -1, out = -1;
	pb_err err = PB_ERR_IO;
	ssize_t n, w;

	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0 ||
	    (out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		for (w = 0; w < n;) {
			ssize_t k = write(out, buf + w, (size_t)(n - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				goto out;
			w += k;
		}
	}
	if (fsync(out) != 0)
		goto out;
	if (close(out) != 0) {
		out = -1;
		goto out;
	}
	out = -1;
	if (rename(tmp, dst) != 0)
		goto out;
	snprintf(dir, sizeof(dir), "%s", dst);
	err = fs_sync_dir(dirname(dir));
out:
	if (err != PB_OK)
		log_warn("store: cannot copy %s to %s", src, dst);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (err != PB_OK)
		(void)unlink(tmp);
	return err;
}

/* Restore the newest backup that passes quick_check to path and open it;
 * backups that do not pass are moved into dmg. name gets the one used. */
static pb_err
store__restore(const char *path, const struct store__schema *schema,
    const char *bdir, const char *dmg, struct store **out, char *name, size_t len)
{
	struct store__bk *bk;
	char src[STORE__PATH_MAX], why[256];
	int n, i;
	pb_err err = PB_ERR_NOTFOUND;

	*out = NULL;
	if ((bk = calloc(64, sizeof(*bk))) == NULL)
		return PB_ERR_NOMEM;
	if (store__backup_list(bdir, bk, 64, &n) != PB_OK)
		n = 0;
	for (i = 0; i < n; i++) {
		snprintf(src, sizeof(src), "%s/%s", bdir, bk[i].name);
		if (store__quick_check(src, why, sizeof(why)) != PB_OK) {
			log_warnx("store: the backup %s is damaged too (%s); moved to %s", src,
			    why, dmg);
			(void)store__move(src, dmg);
			continue;
		}
		if (store__copy(src, path) != PB_OK)
			continue;
		if ((err = store__open(path, schema, out)) == PB_OK) {
			snprintf(name, len, "%s", bk[i].name);
			break;
		}
		log_warnx("store: the backup %s copied but would not open", src);
		(void)store__move(path, dmg);
		err = PB_ERR_NOTFOUND;
	}
	free(bk);
	return err;
}

static pb_err
store__bump_rev(struct store *st, void *arg)
{
	int64_t rev = *(int64_t *)arg;

	if (rev > st->rev)
		st->rev = rev;
	return PB_OK;
}

void
store_set_degraded(struct store *st, const char *fmt, ...)
{
	char msg[sizeof(st->reason)];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("store: degraded: %s", msg);
	pthread_mutex_lock(&st->mu);
	n = strlen(st->reason);
	if (n == 0)
		snprintf(st->reason, sizeof(st->reason), "%s", msg);
	else if (n + 2 + strlen(msg) < sizeof(st->reason)) {
		memcpy(st->reason + n, "; ", 2);
		memcpy(st->reason + n + 2, msg, strlen(msg) + 1);
	} else
		log_warnx("store: the reason is too long to add to health");
	pthread_mutex_unlock(&st->mu);
}

/* The data dir's trouble in words ("" if none). */
static void
store__dir_state(const char *dir, char *why, size_t len)
{
	struct statvfs vfs;

	why[0] = '\0';
	if (statvfs(dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
		snprintf(why, len, "the data dir %s is on a read-only filesystem", dir);
	else if (access(dir, W_OK) != 0)
		snprintf(why, len, "the data dir %s is not writable (%s)", dir,
		    strerror(errno));
}

pb_err
store_open_care(const char *path, const struct store_care *care, struct store **out)
{
	const struct store__schema *schema = &store__box_schema;
	struct store *st = NULL;
	struct store__markv m;
	char dir[STORE__PATH_MAX], dirwhy[STORE__PATH_MAX + 64], damage[320], dmg[STORE__PATH_MAX],
	    wal[STORE__PATH_MAX], bk[96], when[40], fb[STORE__PATH_MAX];
	struct store__bk newest;
	int wal_lost, n;
	pb_err err;

	*out = NULL;
	damage[0] = dmg[0] = bk[0] = '\0';
	snprintf(dir, sizeof(dir), "%s", path);
	store__dir_state(dirname(dir), dirwhy, sizeof(dirwhy));
	if (dirwhy[0] != '\0')
		log_warnx("store: %s", dirwhy);
	store__mark_read(path, schema, &m);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	wal_lost = m.found && !m.clean && access(path, F_OK) == 0 &&
	    access(wal, F_OK) != 0;

	err = store__open(path, schema, &st);
	if (err == PB_OK) {
		char why[256];

		if (store__quick_check(path, why, sizeof(why)) != PB_OK)
			snprintf(damage, sizeof(damage), "quick_check: %s", why);
		else
			store__counts_check(st, &m, damage, sizeof(damage));
	} else if (err == PB_ERR_DB) {
		snprintf(damage, sizeof(damage), "SQLite finds it malformed at open");
	} else if (err == PB_ERR_STATE || err == PB_ERR_NOMEM || err == PB_ERR_CRYPTO) {
		return err;
	}

	if (damage[0] != '\0') {
		log_warnx("store: %s is damaged: %s", path, damage);
		if (st != NULL) {
			st->damaged = 1;
			store_close(st);
			st = NULL;
		}
		if (store__damaged_dir(care->damaged_dir, dmg, sizeof(dmg)) != PB_OK ||
		    store__move(path, dmg) != PB_OK) {
			log_warn("store: cannot move the damaged files aside");
			err = PB_ERR_IO;
		} else {
			log_warnx("store: the damaged files are kept in %s", dmg);
			err = store__restore(path, schema, care->backup_dir, dmg, &st, bk,
			    sizeof(bk));
			if (err != PB_OK)
				err = store__open(path, schema, &st);
		}
	}
	if (err != PB_OK && st == NULL) {
		/* Nothing on the data dir opens: serve from a temporary file
		 * rather than not at all. */
		const char *rt = getenv("RUNTIME_DIRECTORY");

		snprintf(fb, sizeof(fb), "%s/pamongd-%u.db", rt && *rt ? rt : "/dev/shm",
		    (unsigned)getuid());
		(void)unlink(fb);
		if (store__open(fb, schema, &st) != PB_OK)
			return err;
		store__identity(st, care->id_path);
		store_set_degraded(st, "%s%sthe database %s cannot be opened (%s): serving "
		    "from a temporary database (%s), nothing written is kept after a "
		    "restart", dirwhy, dirwhy[0] ? "; " : "", path, pb_strerror(err), fb);
		*out = st;
		return PB_OK;
	}

	if (dirwhy[0] != '\0')
		store_set_degraded(st, "%s", dirwhy);
	st->cared = 1;
	st->lost_writes = -1;
	snprintf(st->backup_dir, sizeof(st->backup_dir), "%s", care->backup_dir);
	snprintf(st->damaged_dir, sizeof(st->damaged_dir), "%s", care->damaged_dir);
	st->care = *care;
	st->care.backup_dir = st->backup_dir;
	st->care.damaged_dir = st->damaged_dir;
	if (st->care.backups_kept < 1)
		st->care.backups_kept = 1;
	if (damage[0] != '\0') {
		if (dmg[0] == '\0') {
			store_set_degraded(st, "the database is damaged (%s) and could not "
			    "be moved aside", damage);
		} else if (err == PB_OK && bk[0] != '\0') {
			store__backup_time(bk, when, sizeof(when));
			if (m.found && m.rev > st->rev) {
				st->lost_writes = m.rev - st->rev;
				store_set_degraded(st, "the database was damaged (%s); restored "
				    "from the backup of %s; %s%" PRId64 " writes since were lost; "
				    "the damaged files are in %s", damage, when,
				    m.clean ? "" : "at least ", st->lost_writes, dmg);
			} else if (m.found && m.clean) {
				st->lost_writes = 0;
				store_set_degraded(st, "the database was damaged (%s); restored "
				    "from the backup of %s; no writes were lost (it was stopped "
				    "cleanly after it); the damaged files are in %s", damage, when,
				    dmg);
			} else {
				store_set_degraded(st, "the database was damaged (%s); restored "
				    "from the backup of %s; writes since may be lost (how many is "
				    "not known); the damaged files are in %s", damage, when, dmg);
			}
		} else if (m.found && m.rev > st->rev) {
			st->lost_writes = m.rev - st->rev;
			store_set_degraded(st, "the database was damaged (%s) and no backup "
			    "was usable: started with an empty database; %s%" PRId64 " writes "
			    "were lost; the damaged files are in %s", damage,
			    m.clean ? "" : "at least ", st->lost_writes, dmg);
		} else {
			store_set_degraded(st, "the database was damaged (%s) and no backup "
			    "was usable: started with an empty database; the damaged files "
			    "are in %s", damage, dmg);
		}
		/* revs never go back: the hub may already hold the lost ones */
		if (m.found && m.rev > st->rev)
			(void)store__submit(st, store__bump_rev, &m.rev);
	} else if (wal_lost) {
		store_set_degraded(st, "the journal %s was missing after an unclean stop: "
		    "writes since the last checkpoint may be lost (rev now %" PRId64
		    ", %" PRId64 " recorded at %s)", wal, st->rev, m.rev, m.at);
	}
	store__identity(st, care->id_path);
	st->last_backup_ms = st->last_check_ms = st->last_write_ms = util_mono_ms();
	if (store__backup_list(st->backup_dir, &newest, 1, &n) != PB_OK || n == 0)
		(void)store_backup(st, 1);
	else
		(void)store__mark(st, 0);
	(void)store__care_start(st);
	*out = st;
	return PB_OK;
}

void
store_tick(struct store *st)
{
	int64_t now = util_mono_ms(), last_write, rev;
	char why[256];

	if (!st->cared || st->damaged)
		return;
	pthread_mutex_lock(&st->mu);
	last_write = st->last_write_ms;
	rev = st->committed_rev;
	pthread_mutex_unlock(&st->mu);
	/* the rev recorded beside the file follows the writes, so that a
	 * restore can say how many were lost */
	if (rev != st->marked_rev && now - st->last_mark_ms >= STORE__MARK_MS) {
		st->last_mark_ms = now;
		(void)store__mark(st, 0);
	}
	if (st->care.backup_interval_s > 0 &&
	    now - st->last_backup_ms >= st->care.backup_interval_s * 1000) {
		st->last_backup_ms = now;
		(void)store_backup(st, 0);
	}
	if (st->care.check_interval_s > 0 &&
	    now - st->last_check_ms >= st->care.check_interval_s * 1000 &&
	    now - last_write >= st->care.idle_s * 1000) {
		st->last_check_ms = now;
		if (store__quick_check(st->path, why, sizeof(why)) != PB_OK) {
			st->damaged = 1;
			store_set_degraded(st, "quick_check found the database damaged while "
			    "serving (%s); restart pamongd to restore the newest backup", why);
		}
	}
}

/* ---- the care thread ---- */

/* Checkpoint failures are said once a minute. */
static struct log_limit store__ckpt_log = LOG_LIMIT_INIT;

/* A PASSIVE checkpoint on the care thread's own connection, asked for by
 * the writer's WAL hook (store.c): it copies what it can of the WAL into
 * the file without waiting for (or holding) the writer or the readers. */
static void
store__checkpoint(struct store *st)
{
	int rc, log = 0, done = 0;

	if (st->damaged)
		return;
	if (st->ckpt_db == NULL) {
		rc = sqlite3_open_v2(st->path, &st->ckpt_db, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_NOMUTEX, NULL);
		if (rc == SQLITE_OK) {
			/* a checkpoint syncs as its connection says: as the writer */
			rc = sqlite3_exec(st->ckpt_db, "PRAGMA synchronous=FULL", NULL,
			    NULL, NULL);
			(void)sqlite3_db_config(st->ckpt_db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
			    1, NULL);
		}
		if (rc != SQLITE_OK) {
			log_warnx_limited(&store__ckpt_log, "store: checkpoint: open: %s",
			    st->ckpt_db ? sqlite3_errmsg(st->ckpt_db) : sqlite3_errstr(rc));
			sqlite3_close(st->ckpt_db);
			st->ckpt_db = NULL;
			return;
		}
	}
	rc = sqlite3_wal_checkpoint_v2(st->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &log, &done);
	if (rc != SQLITE_OK) {
		log_warnx_limited(&store__ckpt_log, "store: checkpoint: %s",
		    sqlite3_errmsg(st->ckpt_db));
		sqlite3_close(st->ckpt_db);
		st->ckpt_db = NULL;
		return;
	}
	store__ckpt_done(st, 1, log, done);
}

static void *
store__care_run(void *arg)
{
	struct store *st = arg;
	struct timespec until;
	int due;

	pthread_mutex_lock(&st->mu);
	while (!st->care_stop) {
		if (!st->ckpt_due) {
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += 1;
			pthread_cond_timedwait(&st->care_cv, &st->mu, &until);
		}
		if (st->care_stop)
			break;
		due = st->ckpt_due;
		st->ckpt_due = 0;
		st->ckpt_busy = due;
		pthread_mutex_unlock(&st->mu);
		if (due) {
			store__checkpoint(st);
			pthread_mutex_lock(&st->mu);
			st->ckpt_busy = 0;
			pthread_mutex_unlock(&st->mu);
		}
		/* a backup of a large file takes seconds: here it delays only
		 * the next tick and checkpoint (the writer makes one itself if
		 * the WAL grows too long meanwhile), never a request, a signal or
		 * the LEDs */
		store_tick(st);
		pthread_mutex_lock(&st->mu);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

pb_err
store__care_start(struct store *st)
{
	pthread_condattr_t a;
	int r;

	if (pthread_condattr_init(&a) != 0)
		return PB_ERR_NOMEM;
	r = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (r == 0)
		r = pthread_cond_init(&st->care_cv, &a);
	pthread_condattr_destroy(&a);
	if (r != 0)
		return PB_ERR_NOMEM;
	pthread_mutex_lock(&st->mu);
	st->care_stop = 0;
	if (pthread_create(&st->care_thread, NULL, store__care_run, st) != 0) {
		pthread_mutex_unlock(&st->mu);
		pthread_cond_destroy(&st->care_cv);
		log_warnx("store: cannot start the care thread: no backups or checks");
		return PB_ERR_NOMEM;
	}
	st->care_running = 1; /* from now on the WAL hook wakes it */
	pthread_mutex_unlock(&st->mu);
	return PB_OK;
}

void
store__care_stop(struct store *st)
{
	if (!st->care_running)
		return;
	pthread_mutex_lock(&st->mu);
	st->care_stop = 1;
	pthread_cond_signal(&st->care_cv);
	pthread_mutex_unlock(&st->mu);
	pthread_join(st->care_thread, NULL);
	pthread_mutex_lock(&st->mu);
	st->care_running = 0;
	pthread_mutex_unlock(&st->mu);
	pthread_cond_destroy(&st->care_cv);
	sqlite3_close(st->ckpt_db);
	st->ckpt_db = NULL;
}
