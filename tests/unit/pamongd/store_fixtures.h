/* store_fixtures.h — helpers the store's unit tests share (test_store.c,
 * test_sync.c, test_store_engine.c): SQL run straight on a database file,
 * moments in
 * a named boot and learners made at them. Include
 * it in one test's .c only; every helper is static and may go unused. */
#ifndef STORE_FIXTURES_H
#define STORE_FIXTURES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_learner.h"
#include "util.h"

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)

/* One integer from a query run directly on the database file at path
 * (opened with flags, as sqlite3_open_v2's); -1 on error. */
__attribute__((unused)) static long long
file_int(const char *path, int flags, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	long long v = -1;

	if (sqlite3_open_v2(path, &db, flags, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* Run SQL directly on the database file at path; SQLite's result code. */
__attribute__((unused)) static int
file_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* A moment in boot at box clock wall, the phone's clock at client (0: the
 * phone sent none). */
__attribute__((unused)) static struct store_when
at(const char *boot, int64_t wall, int64_t client)
{
	struct store_when w;

	memset(&w, 0, sizeof(w));
	snprintf(w.boot_id, sizeof(w.boot_id), "%s", boot);
	w.mono_ms = 1000;
	w.wall_ms = wall;
	w.client_ms = client;
	return w;
}

/* A learner registered at w (registered_at is the box clock, as api.c sets
 * it), its name key the lower-cased name; id (may be NULL) gets its UUID. */
__attribute__((unused)) static pb_err
learner_make(struct store *st, const char *name, const struct store_when *w,
    char id[37])
{
	struct store_learner l;
	char key[128];
	size_t i;

	memset(&l, 0, sizeof(l));
	util_uuid4(l.id);
	snprintf(l.name, sizeof(l.name), "%s", name);
	snprintf(l.position, sizeof(l.position), "kepala-desa");
	snprintf(l.village, sizeof(l.village), "33.02.01.2001");
	l.registered_at = w->wall_ms;
	for (i = 0; name[i] != '\0' && i + 1 < sizeof(key); i++)
		key[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	key[i] = '\0';
	if (id != NULL)
		memcpy(id, l.id, 37);
	return store_learner_create(st, &l, key, "$argon2id$hash", w);
}

/* A learner registered in boot at wall, the phone at wall + skew (0: the
 * phone sent no clock). */
__attribute__((unused)) static pb_err
learner_at(struct store *st, const char *name, const char *boot, int64_t wall,
    int64_t skew, char id[37])
{
	struct store_when w = at(boot, wall, skew ? wall + skew : 0);

	return learner_make(st, name, &w, id);
}

#endif
