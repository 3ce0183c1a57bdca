/* sqlutil.c — see sqlutil.h. */
#include "sqlutil.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

pb_err
sqlu_err(int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return PB_ERR_EXISTS;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return PB_ERR_NOTFOUND;
	case SQLITE_NOMEM:
		return PB_ERR_NOMEM;
	}
	switch (rc & 0xff) {
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
		return PB_ERR_IO;
	default:
		return PB_ERR_DB;
	}
}

pb_err
sqlu_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		log_warnx("sqlite: %.60s: %s", sql, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return sqlu_err(sqlite3_extended_errcode(db));
	}
	return PB_OK;
}

sqlite3_stmt *
sqlu_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		log_warnx("sqlite: prepare %.60s: %s", sql, sqlite3_errmsg(db));
		return NULL;
	}
	return stmt;
}

sqlite3_stmt *
sqlu_prep(sqlite3 *db, struct sqlu_cache *cache, const char *sql)
{
	sqlite3_stmt *stmt;
	int i;

	for (i = 0; i < cache->n; i++)
		if (cache->e[i].sql == sql)
			return cache->e[i].stmt;
	if (cache->n == SQLU_CACHE) {
		log_warnx("sqlite: statement cache full");
		return NULL;
	}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt,
	    NULL) != SQLITE_OK) {
		log_warnx("sqlite: prepare %.60s: %s", sql, sqlite3_errmsg(db));
		return NULL;
	}
	cache->e[cache->n].sql = sql;
	cache->e[cache->n].stmt = stmt;
	cache->n++;
	return stmt;
}

void
sqlu_cache_clear(struct sqlu_cache *cache)
{
	int i;

	for (i = 0; i < cache->n; i++)
		sqlite3_finalize(cache->e[i].stmt);
	cache->n = 0;
}

void
sqlu_done(sqlite3_stmt *stmt)
{
	if (stmt == NULL)
		return;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

pb_err
sqlu_bind(sqlite3_stmt *stmt, const char *fmt, ...)
{
	va_list ap;
	pb_err err;

	va_start(ap, fmt);
	err = sqlu_vbind(stmt, fmt, ap);
	va_end(ap);
	return err;
}

pb_err
sqlu_vbind(sqlite3_stmt *stmt, const char *fmt, va_list ap)
{
	const char *s;
	int i, rc = SQLITE_OK;

	for (i = 1; *fmt != '\0' && rc == SQLITE_OK; fmt++, i++) {
		switch (*fmt) {
		case 't':
			s = va_arg(ap, const char *);
			rc = s ? sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC)
			       : sqlite3_bind_null(stmt, i);
			break;
		case 'i':
			rc = sqlite3_bind_int64(stmt, i, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_int(stmt, i, va_arg(ap, int));
			break;
		default:
			rc = SQLITE_MISUSE;
		}
	}
	if (rc != SQLITE_OK) {
		log_warnx("sqlite: bind: %s", sqlite3_errstr(rc));
		return PB_ERR_DB;
	}
	return PB_OK;
}

pb_err
sqlu_step_done(sqlite3_stmt *stmt)
{
	int rc;

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		return PB_OK;
	rc = sqlite3_extended_errcode(sqlite3_db_handle(stmt));
	if ((rc & 0xff) != SQLITE_CONSTRAINT)
		log_warnx("sqlite: %.60s: %s", sqlite3_sql(stmt),
		    sqlite3_errmsg(sqlite3_db_handle(stmt)));
	return sqlu_err(rc);
}

pb_err
sqlu_step_row(sqlite3_stmt *stmt)
{
	int rc;

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		return PB_OK;
	if (rc == SQLITE_DONE)
		return PB_ERR_NOTFOUND;
	log_warnx("sqlite: %.60s: %s", sqlite3_sql(stmt),
	    sqlite3_errmsg(sqlite3_db_handle(stmt)));
	return sqlu_err(sqlite3_extended_errcode(sqlite3_db_handle(stmt)));
}

void
sqlu_col_text(sqlite3_stmt *stmt, int col, char *buf, size_t len)
{
	const unsigned char *s;

	s = sqlite3_column_text(stmt, col);
	snprintf(buf, len, "%s", s ? (const char *)s : "");
}

pb_err
sqlu_migrate(sqlite3 *db, const char *name, const char *const *migrations, int n)
{
	sqlite3_stmt *stmt = NULL;
	char sql[64];
	int version;
	pb_err err = PB_ERR_DB;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) !=
	    SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
		log_warnx("sqlite: %s: user_version: %s", name, sqlite3_errmsg(db));
		err = sqlu_err(sqlite3_extended_errcode(db));
		goto out;
	}
	version = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt); /* a statement left running locks DROP in a migration */
	if (version > n) {
		log_warnx("sqlite: %s has schema version %d but this program knows only "
		    "up to %d; refusing to open it (use a newer version)", name,
		    version, n);
		err = PB_ERR_STATE;
		goto out;
	}
	for (; version < n; version++) {
		err = sqlu_exec(db, "BEGIN IMMEDIATE");
		if (err != PB_OK)
			goto out;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
		err = sqlu_exec(db, migrations[version]);
		if (err == PB_OK)
			err = sqlu_exec(db, sql);
		if (err == PB_OK)
			err = sqlu_exec(db, "COMMIT");
		if (err != PB_OK) {
			log_warnx("sqlite: %s: migration %d failed", name, version + 1);
			if (!sqlite3_get_autocommit(db))
				sqlu_exec(db, "ROLLBACK");
			goto out;
		}
		log_info("sqlite: %s: migrated to schema version %d", name, version + 1);
	}
	err = PB_OK;
out:
	sqlite3_finalize(stmt);
	return err;
}
