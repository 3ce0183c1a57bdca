/* store_learner.c — learners in the store (see store_learner.h). */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "names.h"
#include "store_int.h"
#include "store_learner.h"

struct store__learner_create {
	const struct store_learner *l;
	const char *name_key, *pin_hash;
	const struct store_when *w;
};

static const char sql_learner_insert[] =
    "INSERT INTO learners (id, name, name_norm, name_key, position, village, "
    "pin_hash, registered_at, boot_id, mono_ms, client_ms, rev) "
    "VALUES (?1, ?2, ?3, ?3 || '|' || ?5 || '|' || ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

static pb_err
store__learner_create(struct store *st, void *arg)
{
	struct store__learner_create *a = arg;
	sqlite3_stmt *stmt;
	int64_t rev;
	pb_err err;

	err = store__event(st, a->l->id, NULL, "learner_create", a->l->name, a->w, &rev);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(st->w, sql_learner_insert)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "ttttttitiii", a->l->id, a->l->name, a->name_key,
	    a->l->position, a->l->village, a->pin_hash, a->l->registered_at,
	    a->w->boot_id, a->w->mono_ms, a->w->client_ms, rev);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

pb_err
store_learner_create(struct store *st, const struct store_learner *l,
    const char *name_key, const char *pin_hash, const struct store_when *w)
{
	struct store_when def;
	struct store__learner_create a = { l, name_key, pin_hash, NULL };

	if (l == NULL || name_key == NULL || pin_hash == NULL)
		return PB_ERR_INVALID;
	a.w = store__when(st, w, &def);
	return store__submit(st, store__learner_create, &a);
}

static const char sql_learner_by_name[] =
    "SELECT id, name, position, village, registered_at, pin_hash, pin_reset, "
    "coalesce(merged_into, '') FROM learners WHERE name_norm = ? AND merged_into IS NULL ORDER BY registered_at, id";
static const char sql_learner_by_id[] =
    "SELECT id, name, position, village, registered_at, pin_hash, pin_reset, "
    "coalesce(merged_into, '') FROM learners WHERE id = ?";

void
store__row_learner(sqlite3_stmt *stmt, struct store_learner *l)
{
	memset(l, 0, sizeof(*l));
	sqlu_col_text(stmt, 0, l->id, sizeof(l->id));
	sqlu_col_text(stmt, 1, l->name, sizeof(l->name));
	sqlu_col_text(stmt, 2, l->position, sizeof(l->position));
	sqlu_col_text(stmt, 3, l->village, sizeof(l->village));
	l->registered_at = sqlite3_column_int64(stmt, 4);
}

void
store__row_learner_full(sqlite3_stmt *stmt, struct store_learner *l)
{
	store__row_learner(stmt, l);
	l->pin_reset = sqlite3_column_int(stmt, 6);
	sqlu_col_text(stmt, 7, l->merged_into, sizeof(l->merged_into));
}

/* Where store__learner_one puts the row it reads. */
struct store__learner_out {
	struct store_learner *l;
	char *pin_hash;
	size_t pin_hash_len;
};

static int
store__learner_read(void *arg, sqlite3_stmt *stmt)
{
	struct store__learner_out *a = arg;

	if (a->l != NULL)
		store__row_learner_full(stmt, a->l);
	if (a->pin_hash != NULL && a->pin_hash_len > 0)
		sqlu_col_text(stmt, 5, a->pin_hash, a->pin_hash_len);
	return 0;
}

static pb_err
store__learner_one(struct store *st, const char *sql, const char *key,
    struct store_learner *out, char *pin_hash, size_t pin_hash_len)
{
	struct store__learner_out a = { out, pin_hash, pin_hash_len };

	return store__row(st, sql, store__learner_read, &a, "t", key);
}

pb_err
store_learner_by_name(struct store *st, const char *name_key,
    struct store_learner *out, char *pin_hash, size_t pin_hash_len)
{
	return store__learner_one(st, sql_learner_by_name, name_key, out, pin_hash,
	    pin_hash_len);
}

pb_err
store_learner_get_pin(struct store *st, const char *id, struct store_learner *out,
    char *pin_hash, size_t pin_hash_len)
{
	return store__learner_one(st, sql_learner_by_id, id, out, pin_hash, pin_hash_len);
}

pb_err
store_learner_get(struct store *st, const char *id, struct store_learner *out)
{
	return store__learner_one(st, sql_learner_by_id, id, out, NULL, 0);
}

/* The caller's callback and its argument, for a row callback. */
struct store__name_fn {
	int (*fn)(void *arg, const char *name);
	void *arg;
};

static int
store__name_row(void *arg, sqlite3_stmt *stmt)
{
	struct store__name_fn *a = arg;

	return a->fn(a->arg, (const char *)sqlite3_column_text(stmt, 0));
}

pb_err
store_learner_names(struct store *st, const char *prefix, int limit,
    int (*fn)(void *arg, const char *name), void *arg)
{
	struct store__name_fn a = { fn, arg };

	return store__rows(st, "SELECT name FROM learners "
	    "WHERE instr(' ' || name_norm, ' ' || ?1) > 0 AND merged_into IS NULL "
	    "GROUP BY name ORDER BY name_norm, name LIMIT ?2",
	    store__name_row, &a, "td", prefix, limit);
}

/* ---- name keys made by an older rule -------------------------------- */

struct store__rekey_row {
	char id[37], key[256];
};

struct store__rekey {
	struct store__rekey_row *rows;
	size_t n, cap;
	int kept; /* rows whose new key another learner already has */
};

static pb_err
store__rekey(struct store *st, void *arg)
{
	struct store__rekey *a = arg;
	sqlite3_stmt *stmt;
	char name[256], norm[256], *key;
	size_t i;
	pb_err err = PB_OK;
	int rc;

	/* only names with a digit or a character outside ASCII can have a key
	 * other than their lower-case form */
	if (sqlite3_prepare_v2(st->w->db, "SELECT id, name, name_norm FROM learners "
	    "WHERE name GLOB '*[^ -/:-~]*'", -1, &stmt, NULL) != SQLITE_OK)
		return PB_ERR_DB;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store__rekey_row *r;

		sqlu_col_text(stmt, 1, name, sizeof(name));
		sqlu_col_text(stmt, 2, norm, sizeof(norm));
		if ((key = names_key(name)) == NULL || strlen(key) >= sizeof(r->key) ||
		    strcmp(key, norm) == 0) {
			free(key);
			continue;
		}
		if (a->n == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 16;

			if ((r = realloc(a->rows, cap * sizeof(*r))) == NULL) {
				free(key);
				err = PB_ERR_NOMEM;
				break;
			}
			a->rows = r;
			a->cap = cap;
		}
		r = &a->rows[a->n++];
		sqlu_col_text(stmt, 0, r->id, sizeof(r->id));
		memcpy(r->key, key, strlen(key) + 1);
		free(key);
	}
	if (err == PB_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = PB_ERR_DB;
	sqlite3_finalize(stmt);
	if (err != PB_OK)
		return err;
	/* a learner whose new key another of the same village and jabatan
	 * already has keeps the old one (UNIQUE name_key) */
	if (a->n > 0 && sqlite3_prepare_v2(st->w->db, "UPDATE OR IGNORE learners "
	    "SET name_norm = ?2, name_key = ?2 || '|' || village || '|' || position "
	    "WHERE id = ?1", -1, &stmt, NULL) != SQLITE_OK)
		return PB_ERR_DB;
	for (i = 0; i < a->n && err == PB_OK; i++) {
		sqlite3_reset(stmt);
		if ((err = sqlu_bind(stmt, "tt", a->rows[i].id, a->rows[i].key)) == PB_OK &&
		    (err = sqlu_step_done(stmt)) == PB_OK && sqlite3_changes(st->w->db) == 0) {
			log_warnx("store: learner %s: the name looks like another learner's of the "
			    "same village and jabatan; merge the two in the console",
			    a->rows[i].id);
			a->kept++;
		}
	}
	if (a->n > 0)
		sqlite3_finalize(stmt);
	return err;
}

pb_err
store_learner_rekey(struct store *st, int *changed)
{
	struct store__rekey a = { NULL, 0, 0, 0 };
	pb_err err;

	err = store__submit(st, store__rekey, &a);
	if (changed != NULL)
		*changed = err == PB_OK ? (int)a.n - a.kept : 0;
	free(a.rows);
	return err;
}
