/* dbcopy.c — see dbcopy.h. */
#include "dbcopy.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "totals.h"

#define DBCOPY_BATCH 500  /* rows per INSERT: 500 x 16 columns stay under
			   * both databases' parameter limits */

/* Rows in table on c, -1 on error. */
static int64_t
dbcopy__count(struct hdb_conn *c, const char *table)
{
	char sql[128];
	struct hdb_stmt *s;
	int64_t n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if ((s = hdb_prepare(c, sql)) != NULL && hdb_step(s) == HDB_ROW)
		n = hdb_column_int64(s, 0);
	hdb_finalize(s);
	return n;
}

/* "INSERT INTO table("a", "b") VALUES (?, ?), … " for rows rows of the
 * columns of src's current row. */
static char *
dbcopy__insert_sql(struct hdb_stmt *src, const char *table, int rows)
{
	int ncol = hdb_column_count(src), i, r;
	size_t cap = 64 + strlen(table) + (size_t)ncol * 40 + (size_t)rows * (size_t)ncol * 3 +
	    (size_t)rows * 4, o;
	char *sql = malloc(cap);

	if (sql == NULL)
		return NULL;
	o = (size_t)snprintf(sql, cap, "INSERT INTO %s(", table);
	for (i = 0; i < ncol; i++)
		o += (size_t)snprintf(sql + o, cap - o, "%s\"%s\"", i ? ", " : "",
		    hdb_column_name(src, i));
	o += (size_t)snprintf(sql + o, cap - o, ") VALUES ");
	for (r = 0; r < rows; r++) {
		sql[o++] = r ? ',' : ' ';
		sql[o++] = '(';
		for (i = 0; i < ncol; i++) {
			if (i)
				sql[o++] = ',';
			sql[o++] = '?';
		}
		sql[o++] = ')';
	}
	sql[o] = '\0';
	return sql;
}

/* Bind the current row of src as row r of dst's parameters. */
static void
dbcopy__bind_row(struct hdb_stmt *dst, struct hdb_stmt *src, int r)
{
	int ncol = hdb_column_count(src), i, p;

	for (i = 0; i < ncol; i++) {
		p = r * ncol + i + 1;
		switch (hdb_column_type(src, i)) {
		case HDB_NULL:
			hdb_bind_null(dst, p);
			break;
		case HDB_INT:
			hdb_bind_int64(dst, p, hdb_column_int64(src, i));
			break;
		default:
			hdb_bind_text(dst, p, hdb_column_text(src, i));
		}
	}
}

/* Copy one table: DBCOPY_BATCH rows per INSERT, the rest one by one;
 * *n = rows copied. */
static pb_err
dbcopy__table(struct hdb_conn *from, struct hdb_conn *to, const char *table, int64_t *n)
{
	struct hdb_stmt *src = NULL, *batch = NULL, *one = NULL;
	char sql[128], *ins = NULL;
	int64_t total = dbcopy__count(from, table), in_batches;
	int r, rows = 0;
	pb_err rc = PB_ERR_DB;

	*n = 0;
	if (total < 0)
		return PB_ERR_DB;
	in_batches = total - total % DBCOPY_BATCH;
	snprintf(sql, sizeof(sql), "SELECT * FROM %s", table);
	if ((src = hdb_prepare(from, sql)) == NULL)
		goto out;
	while ((r = hdb_step(src)) == HDB_ROW) {
		if (*n < in_batches) {
			if (batch == NULL && ((ins = dbcopy__insert_sql(src, table,
			    DBCOPY_BATCH)) == NULL || (batch = hdb_prepare(to, ins)) == NULL))
				goto out;
			dbcopy__bind_row(batch, src, rows++);
			if (rows == DBCOPY_BATCH) {
				if (hdb_step(batch) != HDB_DONE)
					goto out;
				hdb_reset(batch);
				rows = 0;
			}
		} else {
			if (one == NULL) {
				free(ins);
				if ((ins = dbcopy__insert_sql(src, table, 1)) == NULL ||
				    (one = hdb_prepare(to, ins)) == NULL)
					goto out;
			}
			dbcopy__bind_row(one, src, 0);
			if (hdb_step(one) != HDB_DONE)
				goto out;
			hdb_reset(one);
		}
		(*n)++;
	}
	if (r == HDB_DONE)
		rc = PB_OK;
out:
	hdb_finalize(src);
	hdb_finalize(batch);
	hdb_finalize(one);
	free(ins);
	return rc;
}

pb_err
dbcopy_run(const char *from, const char *to, FILE *out)
{
	struct hubdb *src = NULL, *dst = NULL;
	struct hdb_conn *cf = NULL, *ct = NULL;
	int64_t n, m;
	pb_err rc;
	int i;

	if ((rc = hubdb_open(from, 1, &src)) != PB_OK) {
		fprintf(stderr, "pamong-hub: cannot open %s\n", from);
		goto out;
	}
	if ((rc = hubdb_open(to, 1, &dst)) != PB_OK) {
		fprintf(stderr, "pamong-hub: cannot open the target database\n");
		goto out;
	}
	cf = hubdb_get(src);
	ct = hubdb_get(dst);
	for (i = 0; hubdb_tables[i] != NULL; i++) {
		if ((n = dbcopy__count(ct, hubdb_tables[i])) != 0) {
			fprintf(stderr, "pamong-hub: %s already has rows in %s;"
			    " migrate copies into an empty hub database only\n", hdb_name(ct),
			    hubdb_tables[i]);
			rc = n < 0 ? PB_ERR_DB : PB_ERR_EXISTS;
			goto out;
		}
	}
	/* a snapshot of the source, one transaction on the target */
	if ((rc = hdb_begin(cf)) != PB_OK || (rc = hdb_begin(ct)) != PB_OK)
		goto out;
	for (i = 0; hubdb_tables[i] != NULL; i++) {
		if ((rc = dbcopy__table(cf, ct, hubdb_tables[i], &n)) != PB_OK) {
			fprintf(stderr, "pamong-hub: copying %s failed: %s\n", hubdb_tables[i],
			    hdb_errmsg(ct));
			goto out;
		}
		fprintf(out, "%-14s %lld rows\n", hubdb_tables[i], (long long)n);
	}
	/* the running totals of the rows copied (totals.h) */
	if ((rc = totals_fold(ct)) != PB_OK || (rc = hdb_commit(ct)) != PB_OK)
		goto out;
	for (i = 0; hubdb_tables[i] != NULL; i++) {
		n = dbcopy__count(cf, hubdb_tables[i]);
		m = dbcopy__count(ct, hubdb_tables[i]);
		if (n < 0 || n != m) {
			fprintf(stderr, "pamong-hub: %s: %lld rows in the source, %lld copied\n",
			    hubdb_tables[i], (long long)n, (long long)m);
			rc = PB_ERR_STATE;
			goto out;
		}
	}
	rc = PB_OK;
out:
	if (cf != NULL)
		hubdb_put(src, cf);
	if (ct != NULL)
		hubdb_put(dst, ct);
	hubdb_close(src);
	hubdb_close(dst);
	return rc;
}
