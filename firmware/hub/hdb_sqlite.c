/* hdb_sqlite.c — the SQLite driver of hdb.h: a thin skin over sqlite3_*. */
#include "hdb_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "sqlutil.h"

struct hdb_lite {
	struct hdb_conn base;
	sqlite3 *db;
};

struct hdb_lite_stmt {
	struct hdb_stmt base;
	sqlite3_stmt *st;
};

#define LITE(c) (((struct hdb_lite *)(void *)(c))->db)
#define LST(s) (((struct hdb_lite_stmt *)(void *)(s))->st)

static void
lite__fail(struct hdb_conn *c, int quiet)
{
	int rc = sqlite3_extended_errcode(LITE(c));

	hdb__error(c, sqlu_err(rc), quiet, "%s: %s", c->name, sqlite3_errmsg(LITE(c)));
}

static pb_err
lite_exec(struct hdb_conn *c, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(LITE(c), sql, NULL, NULL, &msg) != SQLITE_OK) {
		hdb__error(c, sqlu_err(sqlite3_extended_errcode(LITE(c))), 0, "%.60s: %s", sql,
		    msg ? msg : sqlite3_errmsg(LITE(c)));
		sqlite3_free(msg);
		return c->err;
	}
	return PB_OK;
}

static void lite_disconnect(struct hdb_conn *c);

static pb_err
lite_connect(const char *url, struct hdb_conn **out)
{
	struct hdb_lite *l;
	pb_err rc;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return PB_ERR_NOMEM;
	l->base.ops = &hdb__sqlite_ops;
	l->base.kind = HDB_SQLITE;
	snprintf(l->base.name, sizeof(l->base.name), "%s", url);
	if (sqlite3_open_v2(url, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		hdb__error(&l->base, PB_ERR_IO, 0, "%s: %s", url,
		    l->db ? sqlite3_errmsg(l->db) : "cannot open");
		lite_disconnect(&l->base);
		return PB_ERR_IO;
	}
	sqlite3_busy_timeout(l->db, 30000);
	if ((rc = lite_exec(&l->base, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "PRAGMA foreign_keys=ON;")) != PB_OK) {
		lite_disconnect(&l->base);
		return rc;
	}
	*out = &l->base;
	return PB_OK;
}

static void
lite_disconnect(struct hdb_conn *c)
{
	sqlite3_close(LITE(c));
	free(c);
}

static pb_err
lite_check(struct hdb_conn *c)
{
	(void)c;
	return PB_OK;
}

static pb_err
lite_begin(struct hdb_conn *c)
{
	return lite_exec(c, "BEGIN IMMEDIATE");
}

static int
lite_in_tx(struct hdb_conn *c)
{
	return !sqlite3_get_autocommit(LITE(c));
}

static struct hdb_stmt *
lite_prepare(struct hdb_conn *c, const char *sql)
{
	struct hdb_lite_stmt *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		hdb__error(c, PB_ERR_NOMEM, 0, "out of memory");
		return NULL;
	}
	s->base.c = c;
	if (sqlite3_prepare_v2(LITE(c), sql, -1, &s->st, NULL) != SQLITE_OK) {
		hdb__error(c, PB_ERR_DB, 0, "prepare %.60s: %s", sql, sqlite3_errmsg(LITE(c)));
		free(s);
		return NULL;
	}
	return &s->base;
}

static void
lite_bind_text(struct hdb_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(LST(s), i);
	else
		sqlite3_bind_text(LST(s), i, v, -1, SQLITE_TRANSIENT);
}

static void
lite_bind_int64(struct hdb_stmt *s, int i, int64_t v)
{
	sqlite3_bind_int64(LST(s), i, v);
}

static void
lite_bind_null(struct hdb_stmt *s, int i)
{
	sqlite3_bind_null(LST(s), i);
}

static int
lite_step(struct hdb_stmt *s)
{
	int rc = sqlite3_step(LST(s));

	if (rc == SQLITE_ROW)
		return HDB_ROW;
	if (rc == SQLITE_DONE)
		return HDB_DONE;
	lite__fail(s->c, (sqlite3_extended_errcode(LITE(s->c)) & 0xff) == SQLITE_CONSTRAINT);
	return HDB_ERROR;
}

static void
lite_reset(struct hdb_stmt *s)
{
	sqlite3_reset(LST(s));
}

static void
lite_finalize(struct hdb_stmt *s)
{
	sqlite3_finalize(LST(s));
	free(s);
}

static int
lite_column_count(struct hdb_stmt *s)
{
	return sqlite3_column_count(LST(s));
}

static const char *
lite_column_name(struct hdb_stmt *s, int i)
{
	return sqlite3_column_name(LST(s), i);
}

static enum hdb_type
lite_column_type(struct hdb_stmt *s, int i)
{
	switch (sqlite3_column_type(LST(s), i)) {
	case SQLITE_INTEGER: return HDB_INT;
	case SQLITE_FLOAT: return HDB_REAL;
	case SQLITE_NULL: return HDB_NULL;
	default: return HDB_TEXT;
	}
}

static int64_t
lite_column_int64(struct hdb_stmt *s, int i)
{
	return sqlite3_column_int64(LST(s), i);
}

static double
lite_column_double(struct hdb_stmt *s, int i)
{
	return sqlite3_column_double(LST(s), i);
}

static const char *
lite_column_text(struct hdb_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(LST(s), i);
}

static int64_t
lite_changes(struct hdb_conn *c)
{
	return sqlite3_changes64(LITE(c));
}

static pb_err
lite_schema_version(struct hdb_conn *c, int *version)
{
	sqlite3_stmt *st = NULL;
	pb_err rc = PB_OK;

	if (sqlite3_prepare_v2(LITE(c), "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		lite__fail(c, 0);
		rc = c->err;
	} else {
		*version = sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	return rc;
}

static pb_err
lite_set_schema_version(struct hdb_conn *c, int version)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	return lite_exec(c, sql);
}

static pb_err
lite_lock_schema(struct hdb_conn *c)
{
	(void)c;
	return PB_OK;
}

static void
lite_unlock_schema(struct hdb_conn *c)
{
	(void)c;
}

const struct hdb_ops hdb__sqlite_ops = {
	lite_connect, lite_disconnect, lite_check, lite_exec, lite_begin, lite_in_tx,
	lite_prepare, lite_bind_text, lite_bind_int64, lite_bind_null, lite_step,
	lite_reset, lite_finalize, lite_column_count, lite_column_name, lite_column_type,
	lite_column_int64, lite_column_double, lite_column_text, lite_changes,
	lite_schema_version, lite_set_schema_version, lite_lock_schema, lite_unlock_schema,
};
