/* hdb.h — the hub's database driver: one small interface over SQLite (the
 * embedded default) and PostgreSQL through libpq (production, shared by
 * several hub processes). It knows nothing of the hub's tables.
 *
 * SQL is written once, in the subset both accept (INSERT … ON CONFLICT …
 * DO UPDATE … WHERE, count(*) FILTER (WHERE …), RETURNING, no date
 * functions), with `?` or `?N` placeholders; the PostgreSQL driver rewrites
 * them to $N and sends the values as text for the server to type. Where the
 * dialects must differ the caller asks hdb_kind().
 *
 * A connection and its statements belong to one thread at a time. Failures
 * are logged with the server's message; hdb_err() maps the last one to a
 * pb_err (unique violations are PB_ERR_EXISTS, a lost connection PB_ERR_IO). */
#ifndef HUB_HDB_H
#define HUB_HDB_H

#include <stdint.h>

#include "pb.h"

enum hdb_kind { HDB_SQLITE, HDB_PG };

/* Column types as hdb_column_type reports them. */
enum hdb_type { HDB_NULL, HDB_INT, HDB_REAL, HDB_TEXT };

/* hdb_step results. */
#define HDB_ROW 1
#define HDB_DONE 0
#define HDB_ERROR (-1)

struct hdb_conn;
struct hdb_stmt;

/* Non-zero if url names a PostgreSQL database (postgresql:// or
 * postgres://, or a libpq "key=value" string); otherwise it is a path. */
int hdb_url_is_pg(const char *url);

/* Open a connection: a SQLite file (created if missing; WAL,
 * synchronous=FULL, a 30 s busy timeout) or a PostgreSQL URL. */
pb_err hdb_connect(const char *url, struct hdb_conn **out);
void hdb_disconnect(struct hdb_conn *c);
enum hdb_kind hdb_kind(const struct hdb_conn *c);
/* The URL without its password, for logs and messages. */
const char *hdb_name(const struct hdb_conn *c);

/* PostgreSQL: reconnect if the server dropped the connection. PB_OK if the
 * connection is usable. */
pb_err hdb_check(struct hdb_conn *c);

/* Run SQL without parameters or rows (may hold several statements). */
pb_err hdb_exec(struct hdb_conn *c, const char *sql);
/* Transactions: BEGIN IMMEDIATE on SQLite (writers queue at the start),
 * BEGIN on PostgreSQL (READ COMMITTED; lock rows with an UPDATE first). */
pb_err hdb_begin(struct hdb_conn *c);
pb_err hdb_commit(struct hdb_conn *c);
/* Roll back if a transaction is open; harmless otherwise. */
void hdb_rollback(struct hdb_conn *c);
/* Non-zero while a transaction is open on c. */
int hdb_in_tx(struct hdb_conn *c);

/* A statement the caller finalizes; NULL on failure (logged). */
struct hdb_stmt *hdb_prepare(struct hdb_conn *c, const char *sql);
/* Bind parameter i (1-based); values are copied. Text NULL binds NULL. */
void hdb_bind_text(struct hdb_stmt *s, int i, const char *v);
void hdb_bind_int64(struct hdb_stmt *s, int i, int64_t v);
void hdb_bind_null(struct hdb_stmt *s, int i);
/* Run (first call) or advance: HDB_ROW, HDB_DONE or HDB_ERROR (logged
 * unless it is a constraint violation). */
int hdb_step(struct hdb_stmt *s);
/* Back to before the first step, keeping the bindings. */
void hdb_reset(struct hdb_stmt *s);
/* NULL is ignored. */
void hdb_finalize(struct hdb_stmt *s);

/* Columns of the current row (0-based). */
int hdb_column_count(struct hdb_stmt *s);
const char *hdb_column_name(struct hdb_stmt *s, int i);
enum hdb_type hdb_column_type(struct hdb_stmt *s, int i);
int64_t hdb_column_int64(struct hdb_stmt *s, int i);
int hdb_column_int(struct hdb_stmt *s, int i);
double hdb_column_double(struct hdb_stmt *s, int i);
/* NULL for SQL NULL; valid until the next step, reset or finalize. */
const char *hdb_column_text(struct hdb_stmt *s, int i);

/* Rows changed by the last INSERT, UPDATE or DELETE on c. */
int64_t hdb_changes(struct hdb_conn *c);
/* The last error's message and its pb_err. */
const char *hdb_errmsg(struct hdb_conn *c);
pb_err hdb_err(struct hdb_conn *c);

/* The schema version (SQLite: PRAGMA user_version; PostgreSQL: the one
 * row of the table schema_version, created when missing) and setting it
 * inside the caller's transaction. */
pb_err hdb_schema_version(struct hdb_conn *c, int *version);
pb_err hdb_set_schema_version(struct hdb_conn *c, int version);
/* Take / release the database-wide migration lock (PostgreSQL: a session
 * advisory lock, so hubs starting together migrate once; a no-op on SQLite,
 * whose BEGIN IMMEDIATE already serialises writers). */
pb_err hdb_lock_schema(struct hdb_conn *c);
void hdb_unlock_schema(struct hdb_conn *c);

/* SQLite: turn this connection's row triggers off (on = 0) or back on, for
 * writes whose totals the caller appends itself (totals.h,
 * totals_ingest_sqlite). PostgreSQL: nothing (its triggers run per
 * statement). */
pb_err hdb_row_triggers(struct hdb_conn *c, int on);

#endif
