/* store_backup.c — the store's online backups (see store.h): VACUUM INTO
 * on a connection of its own (a read transaction: writers go on), to
 * backups/pamong-<seq>-<UTC>.db.tmp, fsynced, renamed, the directory
 * fsynced; the oldest beyond the count and the byte budget removed. Knows
 * no table: a backup is the whole file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "store_int.h"
#include "util.h"

#define STORE__BK_MAX 256 /* backups looked at in one directory */

/* seq and UTC stamp of a backup's name; 0 if it is not one. */
static int
store__bk_parse(const char *name, int64_t *seq, char *stamp, size_t len)
{
	long long s;
	char st[32];
	int n = 0;

	if (sscanf(name, "pamong-%lld-%20[0-9TZ].db%n", &s, st, &n) != 2 ||
	    name[n] != '\0' || s < 0)
		return 0;
	*seq = s;
	if (stamp != NULL)
		snprintf(stamp, len, "%s", st);
	return 1;
}

static int
store__bk_newer(const void *a, const void *b)
{
	const struct store__bk *x = a, *y = b;

	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

pb_err
store__backup_list(const char *dir, struct store__bk *out, int max, int *n)
{
	struct store__bk *all;
	struct dirent *de;
	struct stat sb;
	char path[STORE__PATH_MAX];
	DIR *d;
	int64_t seq;
	int k = 0;

	*n = 0;
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? PB_OK : PB_ERR_IO;
	/* all of them, so that the newest are found whatever the order */
	if ((all = calloc(STORE__BK_MAX, sizeof(*all))) == NULL) {
		closedir(d);
		return PB_ERR_NOMEM;
	}
	while ((de = readdir(d)) != NULL && k < STORE__BK_MAX) {
		if (!store__bk_parse(de->d_name, &seq, NULL, 0) ||
		    strlen(de->d_name) >= sizeof(all->name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		snprintf(all[k].name, sizeof(all[k].name), "%s", de->d_name);
		all[k].seq = seq;
		all[k].bytes = sb.st_size;
		k++;
	}
	closedir(d);
	qsort(all, (size_t)k, sizeof(*all), store__bk_newer);
	*n = k < max ? k : max;
	memcpy(out, all, (size_t)*n * sizeof(*out));
	free(all);
	return PB_OK;
}

int
store__backup_rotate(const char *dir, long kept, int64_t budget)
{
	struct store__bk *bk;
	char path[STORE__PATH_MAX];
	int64_t total = 0;
	int n, i, removed = 0;

	if ((bk = calloc(STORE__BK_MAX, sizeof(*bk))) == NULL)
		return 0;
	if (store__backup_list(dir, bk, STORE__BK_MAX, &n) != PB_OK)
		goto out;
	for (i = 0; i < n; i++)
		total += bk[i].bytes;
	/* oldest first; the newest (index 0) always stays */
	for (i = n - 1; i > 0; i--) {
		if (i < kept && (budget <= 0 || total <= budget))
			break;
		snprintf(path, sizeof(path), "%s/%s", dir, bk[i].name);
		if (unlink(path) != 0) {
			log_warn("store: cannot remove the old backup %s", path);
			continue;
		}
		total -= bk[i].bytes;
		removed++;
	}
	if (budget > 0 && total > budget)
		log_warnx("store: the newest backup alone (%" PRId64 " bytes) is over the "
		    "backup budget (%" PRId64 " bytes); kept anyway", total, budget);
	if (removed > 0)
		(void)fs_sync_dir(dir);
out:
	free(bk);
	return removed;
}

void
store__backup_time(const char *name, char *out, size_t len)
{
	struct tm tm;
	char stamp[32];
	int64_t seq;

	memset(&tm, 0, sizeof(tm));
	if (!store__bk_parse(name, &seq, stamp, sizeof(stamp)) ||
	    strptime(stamp, "%Y%m%dT%H%M%SZ", &tm) == NULL) {
		snprintf(out, len, "?");
		return;
	}
	strftime(out, len, "%Y-%m-%d %H:%M UTC", &tm);
}

/* fsync a file by name. */
static pb_err
store__fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return PB_ERR_IO;
	r = fsync(fd);
	close(fd);
	return r == 0 ? PB_OK : PB_ERR_IO;
}

/* VACUUM INTO tmp on a connection of its own. */
static pb_err
store__vacuum_into(const char *db, const char *tmp)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *stmt = NULL;
	pb_err err = PB_ERR_DB;

	if (sqlite3_open_v2(db, &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		log_warnx("store: backup: open %s: %s", db, c ? sqlite3_errmsg(c) : "?");
		goto out;
	}
	sqlite3_busy_timeout(c, 5000);
	if ((stmt = sqlu_prepare(c, "VACUUM INTO ?")) == NULL)
		goto out;
	err = sqlu_bind(stmt, "t", tmp);
	if (err == PB_OK && (err = sqlu_step_done(stmt)) != PB_OK)
		log_warnx("store: backup to %s: %s", tmp, sqlite3_errmsg(c));
out:
	sqlite3_finalize(stmt);
	sqlite3_close(c);
	return err;
}

pb_err
store_backup(struct store *st, int force)
{
	struct store__bk newest;
	char tmp[STORE__PATH_MAX + 8], dst[STORE__PATH_MAX], stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	int64_t writes;
	int n;
	pb_err err;

	pthread_mutex_lock(&st->mu);
	writes = st->writes;
	pthread_mutex_unlock(&st->mu);
	if (!st->cared || st->damaged)
		return PB_ERR_STATE;
	if (!force && writes == st->backup_writes)
		return PB_OK; /* nothing new since the last one */
	if (fs_mkdirs(st->backup_dir, 0750) != PB_OK) {
		log_warn("store: cannot create %s", st->backup_dir);
		return PB_ERR_IO;
	}
	if ((err = store__backup_list(st->backup_dir, &newest, 1, &n)) != PB_OK)
		return err;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if ((size_t)snprintf(dst, sizeof(dst), "%s/pamong-%06" PRId64 "-%s.db",
	    st->backup_dir, n > 0 ? newest.seq + 1 : 1, stamp) >= sizeof(dst))
		return PB_ERR_INVALID;
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	(void)unlink(tmp);
	if ((err = store__vacuum_into(st->path, tmp)) != PB_OK)
		goto fail;
	err = PB_ERR_IO;
	if (store__fsync_path(tmp) != PB_OK || rename(tmp, dst) != 0 ||
	    fs_sync_dir(st->backup_dir) != PB_OK) {
		log_warn("store: backup %s", dst);
		goto fail;
	}
	st->backup_writes = writes;
	log_info("store: backed up to %s", dst);
	(void)store__backup_rotate(st->backup_dir, st->care.backups_kept,
	    st->care.backup_budget);
	(void)store__mark(st, 0);
	return PB_OK;
fail:
	(void)unlink(tmp);
	return err;
}
