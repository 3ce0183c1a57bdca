/* hdb_int.h — what hdb.c shares with its two drivers (hdb_sqlite.c,
 * hdb_pg.c); nothing outside hdb*.c includes it. */
#ifndef HUB_HDB_INT_H
#define HUB_HDB_INT_H

#include "hdb.h"

/* One driver: every call of hdb.h that differs between the databases. */
struct hdb_ops {
	pb_err (*connect)(const char *url, struct hdb_conn **out);
	void (*disconnect)(struct hdb_conn *c);
	pb_err (*check)(struct hdb_conn *c);
	pb_err (*exec)(struct hdb_conn *c, const char *sql);
	pb_err (*begin)(struct hdb_conn *c);
	int (*in_tx)(struct hdb_conn *c);
	struct hdb_stmt *(*prepare)(struct hdb_conn *c, const char *sql);
	void (*bind_text)(struct hdb_stmt *s, int i, const char *v);
	void (*bind_int64)(struct hdb_stmt *s, int i, int64_t v);
	void (*bind_null)(struct hdb_stmt *s, int i);
	int (*step)(struct hdb_stmt *s);
	void (*reset)(struct hdb_stmt *s);
	void (*finalize)(struct hdb_stmt *s);
	int (*column_count)(struct hdb_stmt *s);
	const char *(*column_name)(struct hdb_stmt *s, int i);
	enum hdb_type (*column_type)(struct hdb_stmt *s, int i);
	int64_t (*column_int64)(struct hdb_stmt *s, int i);
	double (*column_double)(struct hdb_stmt *s, int i);
	const char *(*column_text)(struct hdb_stmt *s, int i);
	int64_t (*changes)(struct hdb_conn *c);
	pb_err (*schema_version)(struct hdb_conn *c, int *version);
	pb_err (*set_schema_version)(struct hdb_conn *c, int version);
	pb_err (*lock_schema)(struct hdb_conn *c);
	void (*unlock_schema)(struct hdb_conn *c);
	pb_err (*row_triggers)(struct hdb_conn *c, int on);
};

/* The part of a connection hdb.c reads; each driver embeds it first. */
struct hdb_conn {
	const struct hdb_ops *ops;
	enum hdb_kind kind;
	char name[256];        /* the URL or path without a password */
	char errmsg[512];      /* the last error */
	pb_err err;            /* and its code */
};

/* The part of a statement hdb.c reads; each driver embeds it first. */
struct hdb_stmt {
	struct hdb_conn *c;
};

extern const struct hdb_ops hdb__sqlite_ops;
extern const struct hdb_ops hdb__pg_ops;

/* Record the last error on c (and log it unless quiet). */
void hdb__error(struct hdb_conn *c, pb_err err, int quiet, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
