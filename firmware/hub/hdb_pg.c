/* hdb_pg.c — the PostgreSQL driver of hdb.h over libpq. Every statement is
 * one PQexecParams round trip (parse, bind, execute), with its parameters
 * as text and their types left to the server; `?` and `?N` placeholders
 * become $N. A result is read whole, then stepped through. */
#include "hdb_int.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* pg_advisory_lock key for migrations: "pamong" in ASCII, as a number */
#define PG_SCHEMA_LOCK "112971124111"

/* type OIDs from PostgreSQL's pg_type.dat */
#define PG_BOOL 16
#define PG_INT8 20
#define PG_INT2 21
#define PG_INT4 23
#define PG_FLOAT4 700
#define PG_FLOAT8 701
#define PG_NUMERIC 1700

struct hdb_pg {
	struct hdb_conn base;
	PGconn *pg;
	int64_t changes;       /* rows of the last INSERT/UPDATE/DELETE */
};

struct hdb_pg_stmt {
	struct hdb_stmt base;
	char *sql;             /* with $N placeholders */
	int nparams;
	char **vals;           /* nparams values, NULL = SQL NULL */
	PGresult *res;         /* after the first step */
	int row, nrows;
};

#define PG(c) (((struct hdb_pg *)(void *)(c))->pg)
#define PST(s) ((struct hdb_pg_stmt *)(void *)(s))

/* Notices ("relation already exists, skipping") only in the debug log. */
static void
pg__notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("postgresql: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* Map a failed result (or the connection's state) to a pb_err and record it. */
static void
pg__fail(struct hdb_conn *c, PGresult *res, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(PG(c));
	pb_err err = PB_ERR_DB;
	int quiet = 0;

	if (PQstatus(PG(c)) == CONNECTION_BAD)
		err = PB_ERR_IO;
	else if (state != NULL && strcmp(state, "23505") == 0)
		err = PB_ERR_EXISTS;
	else if (state != NULL && strcmp(state, "23503") == 0)
		err = PB_ERR_NOTFOUND;
	else if (state != NULL && strncmp(state, "08", 2) == 0)
		err = PB_ERR_IO;
	else if (state != NULL && strcmp(state, "53200") == 0)
		err = PB_ERR_NOMEM;
	if (state != NULL && strncmp(state, "23", 2) == 0)
		quiet = 1; /* constraints: the caller decides */
	hdb__error(c, err, quiet, "%.60s: %.*s", what, (int)strcspn(msg, "\n"), msg);
}

/* The URL without its password (user:secret@ and password=secret). */
static void
pg__name(const char *url, char *out, size_t len)
{
	const char *at = strchr(url, '@'), *scheme = strstr(url, "://"), *colon, *pw;

	if (scheme != NULL && at != NULL && (colon = memchr(scheme + 3, ':',
	    (size_t)(at - scheme - 3))) != NULL) {
		snprintf(out, len, "%.*s:***%s", (int)(colon - url), url, at);
		return;
	}
	if ((pw = strstr(url, "password=")) != NULL) {
		snprintf(out, len, "%.*spassword=***%s", (int)(pw - url), url,
		    pw + strcspn(pw, " &"));
		return;
	}
	snprintf(out, len, "%s", url);
}

static void pg_disconnect(struct hdb_conn *c);

static pb_err
pg_connect(const char *url, struct hdb_conn **out)
{
	struct hdb_pg *p;
	PGresult *res;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return PB_ERR_NOMEM;
	p->base.ops = &hdb__pg_ops;
	p->base.kind = HDB_PG;
	pg__name(url, p->base.name, sizeof(p->base.name));
	p->pg = PQconnectdb(url);
	if (p->pg == NULL || PQstatus(p->pg) != CONNECTION_OK) {
		hdb__error(&p->base, PB_ERR_IO, 0, "%s: %.*s", p->base.name,
		    p->pg ? (int)strcspn(PQerrorMessage(p->pg), "\n") : 20,
		    p->pg ? PQerrorMessage(p->pg) : "out of memory");
		pg_disconnect(&p->base);
		return PB_ERR_IO;
	}
	PQsetNoticeProcessor(p->pg, pg__notice, NULL);
	/* times are integers (ms); text compares byte-wise like SQLite */
	res = PQexec(p->pg, "SET client_encoding = 'UTF8'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg__fail(&p->base, res, "SET client_encoding");
		PQclear(res);
		pg_disconnect(&p->base);
		return PB_ERR_DB;
	}
	PQclear(res);
	*out = &p->base;
	return PB_OK;
}

static void
pg_disconnect(struct hdb_conn *c)
{
	if (PG(c) != NULL)
		PQfinish(PG(c));
	free(c);
}

static pb_err
pg_check(struct hdb_conn *c)
{
	if (PQstatus(PG(c)) == CONNECTION_OK)
		return PB_OK;
	log_warnx("postgresql: %s: connection lost; reconnecting", c->name);
	PQreset(PG(c));
	if (PQstatus(PG(c)) == CONNECTION_OK)
		return PB_OK;
	pg__fail(c, NULL, "reconnect");
	return PB_ERR_IO;
}

/* Outside a transaction a statement that found the connection dead (the
 * server restarted, a failover) is sent once more on a new connection:
 * nothing of it ran, and the hub's writes are idempotent besides. */
static int
pg__retry(struct hdb_conn *c, int was_idle)
{
	if (!was_idle || PQstatus(PG(c)) != CONNECTION_BAD)
		return 0;
	log_warnx("postgresql: %s: connection lost; reconnecting", c->name);
	PQreset(PG(c));
	return PQstatus(PG(c)) == CONNECTION_OK;
}

static pb_err
pg_exec(struct hdb_conn *c, const char *sql)
{
	int idle = PQtransactionStatus(PG(c)) == PQTRANS_IDLE;
	PGresult *res = PQexec(PG(c), sql);
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && pg__retry(c, idle)) {
		PQclear(res);
		res = PQexec(PG(c), sql);
		st = PQresultStatus(res);
	}
	pb_err rc = PB_OK;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pg__fail(c, res, sql);
		rc = c->err;
	}
	PQclear(res);
	return rc;
}

static pb_err
pg_begin(struct hdb_conn *c)
{
	return pg_exec(c, "BEGIN");
}

static int
pg_in_tx(struct hdb_conn *c)
{
	return PQtransactionStatus(PG(c)) != PQTRANS_IDLE;
}

/* sql with ? and ?N as $N, outside quotes and comments; *n = highest N. */
static char *
pg__rewrite(const char *sql, int *n)
{
	size_t len = strlen(sql), o = 0, i;
	char *out = malloc(len * 6 + 1), quote = 0;
	int next = 0;

	*n = 0;
	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		char ch = sql[i];

		if (quote) {
			if (ch == quote)
				quote = 0;
		} else if (ch == '\'' || ch == '"') {
			quote = ch;
		} else if (ch == '-' && sql[i + 1] == '-') {
			size_t e = strcspn(sql + i, "\n");

			memcpy(out + o, sql + i, e);
			o += e;
			i += e - 1;
			continue;
		} else if (ch == '?') {
			int num;

			if (sql[i + 1] >= '0' && sql[i + 1] <= '9') {
				num = atoi(sql + i + 1);
				while (sql[i + 1] >= '0' && sql[i + 1] <= '9')
					i++;
			} else {
				num = next + 1;
			}
			next = num;
			if (num > *n)
				*n = num;
			o += (size_t)sprintf(out + o, "$%d", num);
			continue;
		}
		out[o++] = ch;
	}
	out[o] = '\0';
	return out;
}

static struct hdb_stmt *
pg_prepare(struct hdb_conn *c, const char *sql)
{
	struct hdb_pg_stmt *s;

	if ((s = calloc(1, sizeof(*s))) == NULL || (s->sql = pg__rewrite(sql,
	    &s->nparams)) == NULL || (s->nparams > 0 && (s->vals = calloc((size_t)s->nparams,
	    sizeof(char *))) == NULL)) {
		hdb__error(c, PB_ERR_NOMEM, 0, "out of memory");
		if (s != NULL)
			free(s->sql);
		free(s);
		return NULL;
	}
	s->base.c = c;
	return &s->base;
}

static void
pg__set(struct hdb_stmt *st, int i, char *v)
{
	struct hdb_pg_stmt *s = PST(st);

	if (i < 1 || i > s->nparams) {
		free(v);
		return;
	}
	free(s->vals[i - 1]);
	s->vals[i - 1] = v;
}

static void
pg_bind_text(struct hdb_stmt *s, int i, const char *v)
{
	pg__set(s, i, v ? strdup(v) : NULL);
}

static void
pg_bind_int64(struct hdb_stmt *s, int i, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	pg__set(s, i, strdup(buf));
}

static void
pg_bind_null(struct hdb_stmt *s, int i)
{
	pg__set(s, i, NULL);
}

static int
pg_step(struct hdb_stmt *st)
{
	struct hdb_pg_stmt *s = PST(st);
	struct hdb_pg *p = (struct hdb_pg *)(void *)st->c;
	ExecStatusType es;

	if (s->res == NULL) {
		int idle = PQtransactionStatus(p->pg) == PQTRANS_IDLE;

		s->res = PQexecParams(p->pg, s->sql, s->nparams, NULL,
		    (const char *const *)s->vals, NULL, NULL, 0);
		es = PQresultStatus(s->res);
		if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK &&
		    pg__retry(st->c, idle)) {
			PQclear(s->res);
			s->res = PQexecParams(p->pg, s->sql, s->nparams, NULL,
			    (const char *const *)s->vals, NULL, NULL, 0);
			es = PQresultStatus(s->res);
		}
		if (es == PGRES_COMMAND_OK) {
			p->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
			s->nrows = 0;
		} else if (es == PGRES_TUPLES_OK) {
			p->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
			s->nrows = PQntuples(s->res);
		} else {
			pg__fail(st->c, s->res, s->sql);
			PQclear(s->res);
			s->res = NULL;
			return HDB_ERROR;
		}
		s->row = -1;
	}
	if (s->row + 1 >= s->nrows) {
		s->row = s->nrows;
		return HDB_DONE;
	}
	s->row++;
	return HDB_ROW;
}

static void
pg_reset(struct hdb_stmt *st)
{
	PQclear(PST(st)->res);
	PST(st)->res = NULL;
}

static void
pg_finalize(struct hdb_stmt *st)
{
	struct hdb_pg_stmt *s = PST(st);
	int i;

	PQclear(s->res);
	for (i = 0; i < s->nparams; i++)
		free(s->vals[i]);
	free(s->vals);
	free(s->sql);
	free(s);
}

static int
pg_column_count(struct hdb_stmt *st)
{
	return PST(st)->res ? PQnfields(PST(st)->res) : 0;
}

static const char *
pg_column_name(struct hdb_stmt *st, int i)
{
	return PST(st)->res ? PQfname(PST(st)->res, i) : NULL;
}

/* Non-zero if the current row has a value in column i. */
static int
pg__has(struct hdb_stmt *st, int i)
{
	struct hdb_pg_stmt *s = PST(st);

	return s->res != NULL && s->row >= 0 && s->row < s->nrows && i >= 0 &&
	    i < PQnfields(s->res) && !PQgetisnull(s->res, s->row, i);
}

static enum hdb_type
pg_column_type(struct hdb_stmt *st, int i)
{
	struct hdb_pg_stmt *s = PST(st);

	if (!pg__has(st, i))
		return HDB_NULL;
	switch (PQftype(s->res, i)) {
	case PG_BOOL: case PG_INT2: case PG_INT4: case PG_INT8:
		return HDB_INT;
	case PG_FLOAT4: case PG_FLOAT8:
		return HDB_REAL;
	case PG_NUMERIC: /* sum() of integers is numeric: whole numbers stay integers */
		return strchr(PQgetvalue(s->res, s->row, i), '.') ? HDB_REAL : HDB_INT;
	default:
		return HDB_TEXT;
	}
}

static int64_t
pg_column_int64(struct hdb_stmt *st, int i)
{
	const char *v;

	if (!pg__has(st, i))
		return 0;
	v = PQgetvalue(PST(st)->res, PST(st)->row, i);
	if (PQftype(PST(st)->res, i) == PG_BOOL)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static double
pg_column_double(struct hdb_stmt *st, int i)
{
	return pg__has(st, i) ? strtod(PQgetvalue(PST(st)->res, PST(st)->row, i), NULL) : 0.0;
}

static const char *
pg_column_text(struct hdb_stmt *st, int i)
{
	return pg__has(st, i) ? PQgetvalue(PST(st)->res, PST(st)->row, i) : NULL;
}

static int64_t
pg_changes(struct hdb_conn *c)
{
	return ((struct hdb_pg *)(void *)c)->changes;
}

static pb_err
pg_schema_version(struct hdb_conn *c, int *version)
{
	PGresult *res;
	pb_err rc;

	if ((rc = pg_exec(c, "CREATE TABLE IF NOT EXISTS schema_version("
	    "version INTEGER NOT NULL);"
	    "INSERT INTO schema_version(version) SELECT 0"
	    " WHERE NOT EXISTS (SELECT 1 FROM schema_version)")) != PB_OK)
		return rc;
	res = PQexec(PG(c), "SELECT max(version) FROM schema_version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		pg__fail(c, res, "schema_version");
		PQclear(res);
		return c->err;
	}
	*version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return PB_OK;
}

static pb_err
pg_set_schema_version(struct hdb_conn *c, int version)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d", version);
	return pg_exec(c, sql);
}

static pb_err
pg_lock_schema(struct hdb_conn *c)
{
	return pg_exec(c, "SELECT pg_advisory_lock(" PG_SCHEMA_LOCK ")");
}

static void
pg_unlock_schema(struct hdb_conn *c)
{
	(void)pg_exec(c, "SELECT pg_advisory_unlock(" PG_SCHEMA_LOCK ")");
}

const struct hdb_ops hdb__pg_ops = {
	pg_connect, pg_disconnect, pg_check, pg_exec, pg_begin, pg_in_tx,
	pg_prepare, pg_bind_text, pg_bind_int64, pg_bind_null, pg_step,
	pg_reset, pg_finalize, pg_column_count, pg_column_name, pg_column_type,
	pg_column_int64, pg_column_double, pg_column_text, pg_changes,
	pg_schema_version, pg_set_schema_version, pg_lock_schema, pg_unlock_schema,
	NULL, /* row_triggers: PostgreSQL's run per statement */
};
