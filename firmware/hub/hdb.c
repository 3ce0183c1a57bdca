/* hdb.c — see hdb.h: the calls every driver shares, dispatched through
 * struct hdb_ops. */
#include "hdb_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

void
hdb__error(struct hdb_conn *c, pb_err err, int quiet, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	c->err = err;
	if (!quiet)
		log_warnx("%s: %s", c->kind == HDB_PG ? "postgresql" : "sqlite", c->errmsg);
}

int
hdb_url_is_pg(const char *url)
{
	return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0 ||
	    (strchr(url, '=') != NULL && strchr(url, '/') == NULL);
}

pb_err
hdb_connect(const char *url, struct hdb_conn **out)
{
	*out = NULL;
	return hdb_url_is_pg(url) ? hdb__pg_ops.connect(url, out) :
	    hdb__sqlite_ops.connect(url, out);
}

void
hdb_disconnect(struct hdb_conn *c)
{
	if (c != NULL)
		c->ops->disconnect(c);
}

enum hdb_kind
hdb_kind(const struct hdb_conn *c)
{
	return c->kind;
}

const char *
hdb_name(const struct hdb_conn *c)
{
	return c->name;
}

pb_err
hdb_check(struct hdb_conn *c)
{
	return c->ops->check(c);
}

pb_err
hdb_exec(struct hdb_conn *c, const char *sql)
{
	return c->ops->exec(c, sql);
}

pb_err
hdb_begin(struct hdb_conn *c)
{
	return c->ops->begin(c);
}

pb_err
hdb_commit(struct hdb_conn *c)
{
	return c->ops->exec(c, "COMMIT");
}

void
hdb_rollback(struct hdb_conn *c)
{
	if (c->ops->in_tx(c))
		(void)c->ops->exec(c, "ROLLBACK");
}

int
hdb_in_tx(struct hdb_conn *c)
{
	return c->ops->in_tx(c);
}

struct hdb_stmt *
hdb_prepare(struct hdb_conn *c, const char *sql)
{
	return c->ops->prepare(c, sql);
}

void
hdb_bind_text(struct hdb_stmt *s, int i, const char *v)
{
	s->c->ops->bind_text(s, i, v);
}

void
hdb_bind_int64(struct hdb_stmt *s, int i, int64_t v)
{
	s->c->ops->bind_int64(s, i, v);
}

void
hdb_bind_null(struct hdb_stmt *s, int i)
{
	s->c->ops->bind_null(s, i);
}

int
hdb_step(struct hdb_stmt *s)
{
	return s->c->ops->step(s);
}

void
hdb_reset(struct hdb_stmt *s)
{
	s->c->ops->reset(s);
}

void
hdb_finalize(struct hdb_stmt *s)
{
	if (s != NULL)
		s->c->ops->finalize(s);
}

int
hdb_column_count(struct hdb_stmt *s)
{
	return s->c->ops->column_count(s);
}

const char *
hdb_column_name(struct hdb_stmt *s, int i)
{
	return s->c->ops->column_name(s, i);
}

enum hdb_type
hdb_column_type(struct hdb_stmt *s, int i)
{
	return s->c->ops->column_type(s, i);
}

int64_t
hdb_column_int64(struct hdb_stmt *s, int i)
{
	return s->c->ops->column_int64(s, i);
}

int
hdb_column_int(struct hdb_stmt *s, int i)
{
	return (int)s->c->ops->column_int64(s, i);
}

double
hdb_column_double(struct hdb_stmt *s, int i)
{
	return s->c->ops->column_double(s, i);
}

const char *
hdb_column_text(struct hdb_stmt *s, int i)
{
	return s->c->ops->column_text(s, i);
}

int64_t
hdb_changes(struct hdb_conn *c)
{
	return c->ops->changes(c);
}

const char *
hdb_errmsg(struct hdb_conn *c)
{
	return c->errmsg[0] ? c->errmsg : "no error";
}

pb_err
hdb_err(struct hdb_conn *c)
{
	return c->err;
}

pb_err
hdb_schema_version(struct hdb_conn *c, int *version)
{
	return c->ops->schema_version(c, version);
}

pb_err
hdb_set_schema_version(struct hdb_conn *c, int version)
{
	return c->ops->set_schema_version(c, version);
}

pb_err
hdb_lock_schema(struct hdb_conn *c)
{
	return c->ops->lock_schema(c);
}

void
hdb_unlock_schema(struct hdb_conn *c)
{
	c->ops->unlock_schema(c);
}

pb_err
hdb_row_triggers(struct hdb_conn *c, int on)
{
	return c->ops->row_triggers != NULL ? c->ops->row_triggers(c, on) : PB_OK;
}
