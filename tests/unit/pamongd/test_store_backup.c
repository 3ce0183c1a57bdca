/* test_store_backup.c — the store's backups (store_backup.c): rotation
 * keeps the newest backups_kept and stays within the byte budget (oldest
 * removed first, the newest always kept, other files untouched); a backup
 * is made only when something was written since the last one; a backup's
 * name gives its time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "store_int.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/pb-unit-backup-XXXXXX";

/* A fake backup (or any file) of size bytes in d. */
static void
put_file(const char *d, const char *name, size_t size)
{
	char path[512], *buf = calloc(1, size + 1);

	snprintf(path, sizeof(path), "%s/%s", d, name);
	if (buf != NULL)
		(void)fs_write_atomic(path, buf, size, 0640);
	free(buf);
}

static int
exists(const char *d, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", d, name);
	return access(path, F_OK) == 0;
}

static void
fresh(const char *d)
{
	fs_remove_tree(d);
	fs_mkdirs(d, 0750);
}

static void
test_rotation_keeps_the_newest(void)
{
	char d[256], name[64];
	int i;

	snprintf(d, sizeof(d), "%s/rot", dir);
	fresh(d);
	for (i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "pamong-%06d-20250101T00000%dZ.db", i, i);
		put_file(d, name, 10);
	}
	put_file(d, "notes.txt", 10);
	put_file(d, "pamong-000009-20250101T000000Z.db.tmp", 10);
	CHECK_EQ_INT(store__backup_rotate(d, 3, 0), 2, "two of five removed to keep three");
	CHECK(!exists(d, "pamong-000001-20250101T000001Z.db") &&
	    !exists(d, "pamong-000002-20250101T000002Z.db"), "the two oldest went");
	CHECK(exists(d, "pamong-000003-20250101T000003Z.db") &&
	    exists(d, "pamong-000005-20250101T000005Z.db"), "the three newest stay");
	CHECK(exists(d, "notes.txt") && exists(d, "pamong-000009-20250101T000000Z.db.tmp"),
	    "files that are not backups are left alone");
	CHECK_EQ_INT(store__backup_rotate(d, 3, 0), 0, "nothing more to remove");
}

static void
test_rotation_budget(void)
{
	struct store__bk bk[8];
	char d[256], name[64];
	int i, n;

	snprintf(d, sizeof(d), "%s/budget", dir);
	fresh(d);
	/* sequence numbers, not names' times, give the order */
	for (i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "pamong-%06d-2025010%dT000000Z.db", i * 10, 9 - i);
		put_file(d, name, 100);
	}
	CHECK_EQ_INT(store__backup_rotate(d, 10, 250), 3,
	    "the oldest three go to fit 250 bytes");
	CHECK_EQ_INT(store__backup_list(d, bk, 8, &n), PB_OK, "listed");
	CHECK_EQ_INT(n, 2, "two backups stay");
	CHECK_EQ_INT(bk[0].seq, 50, "newest first");
	CHECK_EQ_INT(bk[1].seq, 40, "then the one before");
	CHECK_EQ_INT(store__backup_rotate(d, 10, 50), 1,
	    "a budget below one backup removes all but the newest");
	CHECK(exists(d, "pamong-000050-20250104T000000Z.db"), "the newest is always kept");
}

static void
test_backup_time(void)
{
	char t[40];

	store__backup_time("pamong-000003-20250102T030405Z.db", t, sizeof(t));
	CHECK_EQ_STR(t, "2025-01-02 03:04 UTC", "a backup's name gives its time");
	store__backup_time("other.db", t, sizeof(t));
	CHECK_EQ_STR(t, "?", "a name without a time says so");
}

static pb_err
touch_meta(struct store *st, void *arg)
{
	return store__meta_set(st->w, "test", *(int64_t *)arg);
}

static void
test_backup_only_after_writes(void)
{
	struct store_care care;
	struct store__bk bk[8];
	struct store *st = NULL;
	char db[256], bdir[256], ddir[256];
	int64_t v = 1;
	int n = 0;

	snprintf(db, sizeof(db), "%s/care/pamong.db", dir);
	snprintf(bdir, sizeof(bdir), "%s/care/backups", dir);
	snprintf(ddir, sizeof(ddir), "%s/care/damaged", dir);
	fresh(db);
	fs_remove_tree(db);
	memset(&care, 0, sizeof(care));
	care.backup_dir = bdir;
	care.damaged_dir = ddir;
	care.backups_kept = 2;
	CHECK_EQ_INT(store_open_care(db, &care, &st), PB_OK, "a new store opens");
	if (st == NULL)
		return;
	store__backup_list(bdir, bk, 8, &n);
	CHECK_EQ_INT(n, 1, "a store without backups makes one at open");
	CHECK_EQ_INT(store_backup(st, 0), PB_OK, "backing up with nothing new");
	store__backup_list(bdir, bk, 8, &n);
	CHECK_EQ_INT(n, 1, "nothing written: no new backup");
	CHECK_EQ_INT(store__submit(st, touch_meta, &v), PB_OK, "a write");
	CHECK_EQ_INT(store_backup(st, 0), PB_OK, "backing up after it");
	store__backup_list(bdir, bk, 8, &n);
	CHECK_EQ_INT(n, 2, "a write since: a new backup");
	v = 2;
	store__submit(st, touch_meta, &v);
	store_close(st);
	store__backup_list(bdir, bk, 8, &n);
	CHECK_EQ_INT(n, 2, "a clean close backs up, and two are kept");
	CHECK_EQ_INT(bk[0].seq, 3, "the newest is the close's");
	CHECK_EQ_INT(bk[1].seq, 2, "the oldest went");
}

int
main(void)
{
	if (util_init() != PB_OK || mkdtemp(dir) == NULL)
		return 1;
	test_rotation_keeps_the_newest();
	test_rotation_budget();
	test_backup_time();
	test_backup_only_after_writes();
	fs_remove_tree(dir);
	return TAP_DONE();
}
