/* db.h — the hub's SQLite database: schema, migrations and a pool of
 * connections shared by the web threads. WAL mode, synchronous=FULL.
 * Each module keeps its own SQL; this module only hands out connections. */
#ifndef HUB_DB_H
#define HUB_DB_H

#include <sqlite3.h>

#include "pb.h"
#include "sqlutil.h" /* statements: sqlu_prepare, sqlu_exec */

struct hubdb;

/* Open (creating and migrating) the database at path with a pool of
 * nconn connections. */
pb_err hubdb_open(const char *path, int nconn, struct hubdb **out);
void hubdb_close(struct hubdb *db);

/* Borrow a connection (waits while all are busy); give it back with put. */
sqlite3 *hubdb_get(struct hubdb *db);
void hubdb_put(struct hubdb *db, sqlite3 *c);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
pb_err hubdb_begin(sqlite3 *c);
pb_err hubdb_commit(sqlite3 *c);
void hubdb_rollback(sqlite3 *c);

/* Non-zero if the database answers a trivial query. */
int hubdb_healthy(struct hubdb *db);

#endif
