/* hdb_sqlite.c — the SQLite driver of hdb.h: a thin skin over sqlite3_*. */
#include "hdb_int.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "sqlutil.h"

struct hdb_lite {
	struct hdb_conn base;
	sqlite3 *db;
	int writer;     /* holds lite__write */
};

/* SQLite lets one writer in at a time; its busy handler makes the others
 * poll in sleeps of up to 100 ms, so the lock stood idle between uploads
 * and an unlucky one waited past its timeout under load. The writers of
 * this process take turns on a mutex instead (woken as soon as it is
 * free); other processes still meet the busy handler. */
static pthread_mutex_t lite__write = PTHREAD_MUTEX_INITIALIZER;

/* The write transaction ended (COMMIT, ROLLBACK, or SQLite's own rollback
 * after an error): let the next writer in. */
static void
lite__write_done(struct hdb_conn *c)
{
	struct hdb_lite *l = (struct hdb_lite *)(void *)c;

	if (l->writer && sqlite3_get_autocommit(l->db)) {
		l->writer = 0;
		pthread_mutex_unlock(&lite__write);
	}
}

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
		lite__write_done(c);
		return c->err;
	}
	lite__write_done(c);
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
	    "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;")) != PB_OK) {
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
	if (((struct hdb_lite *)(void *)c)->writer)
		pthread_mutex_unlock(&lite__write);
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
	struct hdb_lite *l = (struct hdb_lite *)(void *)c;

	if (!l->writer && sqlite3_get_autocommit(l->db)) {
		pthread_mutex_lock(&lite__write);
		l->writer = 1;
	}
	return lite_exec(c, "BEGIN IMMEDIATE"); /* a failure lets the mutex go */
}

static int
lite_in_tx(struct hdb_conn *c)
{
	lite__write_done(c);
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

static pb_err
lite_row_triggers(struct hdb_conn *c, int on)
{
	int now = -1;

	if (sqlite3_db_config(LITE(c), SQLITE_DBCONFIG_ENABLE_TRIGGER, on ? 1 : 0, &now) !=
	    SQLITE_OK || now != (on ? 1 : 0)) {
		hdb__error(c, PB_ERR_DB, 0, "%s: triggers could not be turned %s", c->name,
		    on ? "on" : "off");
		return PB_ERR_DB;
	}
	return PB_OK;
}

const struct hdb_ops hdb__sqlite_ops = {
	lite_connect, lite_disconnect, lite_check, lite_exec, lite_begin, lite_in_tx,
	lite_prepare, lite_bind_text, lite_bind_int64, lite_bind_null, lite_step,
	lite_reset, lite_finalize, lite_column_count, lite_column_name, lite_column_type,
	lite_column_int64, lite_column_double, lite_column_text, lite_changes,
	lite_schema_version, lite_set_schema_version, lite_lock_schema, lite_unlock_schema,
	lite_row_triggers,
};
