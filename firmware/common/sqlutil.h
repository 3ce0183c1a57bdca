/* sqlutil.h — helpers over SQLite's C API for the programs that keep an
 * SQLite database (pamongd's store, the hub's db): SQLite result codes as
 * pb_err, exec and prepare that log, a per-connection cache of prepared
 * statements, binding by a format string, stepping, text columns, and the
 * PRAGMA user_version migration runner.
 *
 * SQLite-specific on purpose: no other database hides behind these. Every
 * failure is logged with SQLite's message. A connection and its cache
 * belong to one thread at a time. */
#ifndef SQLUTIL_H
#define SQLUTIL_H

#include <stdarg.h>
#include <stddef.h>

#include <sqlite3.h>

#include "pb.h"

#define SQLU_CACHE 64 /* prepared statements one cache holds */

/* One connection's prepared statements, keyed by the SQL string's address
 * (the SQL must be a string literal or otherwise live as long as the
 * cache). Zero-initialised it is empty. */
struct sqlu_cache {
	int n;
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} e[SQLU_CACHE];
};

/* Map an SQLite (extended) result code to ours: unique and primary key
 * conflicts are PB_ERR_EXISTS, foreign keys PB_ERR_NOTFOUND, I/O, full and
 * cannot-open PB_ERR_IO, the rest PB_ERR_DB. */
pb_err sqlu_err(int rc);

/* Run SQL that returns no rows. */
pb_err sqlu_exec(sqlite3 *db, const char *sql);

/* Prepare a statement the caller finalizes; NULL on failure. */
sqlite3_stmt *sqlu_prepare(sqlite3 *db, const char *sql);

/* The cached statement for sql on db, prepared (persistent) on first use;
 * NULL on error or when the cache is full. Give it back with sqlu_done(). */
sqlite3_stmt *sqlu_prep(sqlite3 *db, struct sqlu_cache *cache, const char *sql);
/* Finalize every cached statement (before closing the connection). */
void sqlu_cache_clear(struct sqlu_cache *cache);
/* Reset a statement and clear its bindings; NULL is ignored. */
void sqlu_done(sqlite3_stmt *stmt);

/* Bind parameters 1.. from fmt: 't' const char * (NULL binds NULL),
 * 'i' int64_t, 'd' int. */
pb_err sqlu_bind(sqlite3_stmt *stmt, const char *fmt, ...);
pb_err sqlu_vbind(sqlite3_stmt *stmt, const char *fmt, va_list ap);

/* Step a statement that returns no rows. Constraint failures are not
 * logged (the caller decides whether they are errors). */
pb_err sqlu_step_done(sqlite3_stmt *stmt);
/* Step a query: PB_OK with a row, PB_ERR_NOTFOUND at the end. */
pb_err sqlu_step_row(sqlite3_stmt *stmt);

/* Copy a text column into buf ("" for NULL), truncating to len. */
void sqlu_col_text(sqlite3_stmt *stmt, int col, char *buf, size_t len);

/* Bring the database to schema version n: migrations[i] takes
 * PRAGMA user_version i to i + 1, each in its own transaction. A database
 * newer than n is left untouched: PB_ERR_STATE. name (the file) is only
 * for the log. */
pb_err sqlu_migrate(sqlite3 *db, const char *name, const char *const *migrations,
    int n);

#endif
