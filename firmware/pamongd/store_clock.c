/* store_clock.c — per-boot clock offsets in the store (see store_clock.h):
 * the hub's, and the phones' as clockmath.c decides them from the events. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clockmath.h"
#include "log.h"
#include "store_clock.h"
#include "store_int.h"
#include "util.h"

const char *
store_clock_src_name(enum store_clock_src src)
{
	switch (src) {
	case STORE_CLOCK_HUB:
		return "hub";
	case STORE_CLOCK_PHONE:
		return "phone";
	default:
		return "none";
	}
}

static enum store_clock_src
store__clock_src(const unsigned char *name)
{
	if (name == NULL)
		return STORE_CLOCK_NONE;
	if (strcmp((const char *)name, "hub") == 0)
		return STORE_CLOCK_HUB;
	if (strcmp((const char *)name, "phone") == 0)
		return STORE_CLOCK_PHONE;
	return STORE_CLOCK_NONE;
}

/* One boot's offset to write: src NONE deletes a revisable phone offset. */
struct store__clock_row {
	char boot_id[37];
	int64_t offset_ms;
	enum store_clock_src src;
	int votes, settled;
};

struct store__clock_put {
	const struct store__clock_row *rows;
	size_t n;
	int64_t now_ms;
};

static const char sql_clock_hub[] =
    "INSERT INTO boot_clock (boot_id, offset_ms, source, votes, settled, learned_at) "
    "VALUES (?, ?, 'hub', 1, 0, ?) ON CONFLICT (boot_id) DO UPDATE SET "
    "offset_ms = excluded.offset_ms, source = 'hub', votes = 1, settled = 0, "
    "learned_at = excluded.learned_at";
/* A phone offset never replaces a hub one nor a settled one. */
static const char sql_clock_phone[] =
    "INSERT INTO boot_clock (boot_id, offset_ms, source, votes, settled, learned_at) "
    "VALUES (?, ?, 'phone', ?, ?, ?) ON CONFLICT (boot_id) DO UPDATE SET "
    "offset_ms = excluded.offset_ms, votes = excluded.votes, "
    "settled = excluded.settled, learned_at = excluded.learned_at "
    "WHERE boot_clock.source = 'phone' AND NOT boot_clock.settled";
static const char sql_clock_forget[] =
    "DELETE FROM boot_clock WHERE boot_id = ? AND source = 'phone' AND NOT settled";

static pb_err
store__clock_put(struct store *st, void *arg)
{
	const struct store__clock_put *a = arg;
	const struct store__clock_row *r;
	sqlite3_stmt *stmt;
	pb_err err = PB_OK;
	size_t i;

	for (i = 0; i < a->n && err == PB_OK; i++) {
		r = &a->rows[i];
		if (r->src == STORE_CLOCK_HUB) {
			if ((stmt = store__prep(st->w, sql_clock_hub)) == NULL)
				return PB_ERR_DB;
			err = sqlu_bind(stmt, "tii", r->boot_id, r->offset_ms, a->now_ms);
		} else if (r->src == STORE_CLOCK_PHONE) {
			if ((stmt = store__prep(st->w, sql_clock_phone)) == NULL)
				return PB_ERR_DB;
			err = sqlu_bind(stmt, "tiddi", r->boot_id, r->offset_ms, r->votes,
			    r->settled, a->now_ms);
		} else {
			if ((stmt = store__prep(st->w, sql_clock_forget)) == NULL)
				return PB_ERR_DB;
			err = sqlu_bind(stmt, "t", r->boot_id);
		}
		if (err == PB_OK)
			err = sqlu_step_done(stmt);
		sqlu_done(stmt);
	}
	return err;
}

pb_err
store_clock_set_hub(struct store *st, const char *boot_id, int64_t offset_ms)
{
	struct store__clock_row r;
	struct store__clock_put a = { &r, 1, util_wall_ms() };

	if (boot_id == NULL || boot_id[0] == '\0' || strlen(boot_id) >= sizeof(r.boot_id))
		return PB_ERR_INVALID;
	memset(&r, 0, sizeof(r));
	snprintf(r.boot_id, sizeof(r.boot_id), "%s", boot_id);
	r.offset_ms = offset_ms;
	r.src = STORE_CLOCK_HUB;
	return store__submit(st, store__clock_put, &a);
}

static int
store__clock_read(void *arg, sqlite3_stmt *stmt)
{
	struct store_clock *out = arg;

	memset(out, 0, sizeof(*out));
	out->offset_ms = sqlite3_column_int64(stmt, 0);
	out->src = store__clock_src(sqlite3_column_text(stmt, 1));
	out->votes = sqlite3_column_int(stmt, 2);
	out->learned_at = sqlite3_column_int64(stmt, 3);
	return 0;
}

pb_err
store_clock_get(struct store *st, const char *boot_id, struct store_clock *out)
{
	memset(out, 0, sizeof(*out));
	return store__row(st, "SELECT offset_ms, source, votes, learned_at "
	    "FROM boot_clock WHERE boot_id = ?", store__clock_read, out, "t", boot_id);
}

/* ---- learning from the phones ---- */

static const char sql_clock_events_all[] =
    "SELECT boot_id, coalesce(learner, ''), client_ms - wall_ms FROM events "
    "WHERE client_ms >= ? AND client_ms < ? AND boot_id NOT IN "
    "(SELECT boot_id FROM boot_clock WHERE source = 'hub' OR settled) "
    "ORDER BY 1, 2, 3";
static const char sql_clock_events_one[] =
    "SELECT boot_id, coalesce(learner, ''), client_ms - wall_ms FROM events "
    "WHERE client_ms >= ? AND client_ms < ? AND boot_id = ? AND boot_id NOT IN "
    "(SELECT boot_id FROM boot_clock WHERE source = 'hub' OR settled) "
    "ORDER BY 2, 3";

/* The phone offsets of every boot (or only the current one) that has no
 * hub or settled offset and events with a plausible client time, into
 * *rows (malloc'd). A revisable boot whose phones no longer agree gets src
 * NONE (forget it). */
static pb_err
store__clock_compute(struct store *st, const char *current, int only_current,
    struct store__clock_row **rows, size_t *nrows)
{
	struct store__conn *c = NULL;
	struct clockmath_boot phones;
	struct store__clock_row *out = NULL, *nr, *r;
	sqlite3_stmt *stmt = NULL;
	char boot[37] = "";
	const char *b, *l;
	size_t n = 0, cap = 0;
	int64_t off = 0;
	int more, nv;
	pb_err err;

	*rows = NULL;
	*nrows = 0;
	memset(&phones, 0, sizeof(phones));
	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, only_current ? sql_clock_events_one :
	    sql_clock_events_all)) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	err = sqlu_bind(stmt, only_current ? "iit" : "ii",
	    (int64_t)CLOCKMATH_MIN_PHONE_MS, (int64_t)CLOCKMATH_MAX_PHONE_MS, current);
	for (more = err == PB_OK; more;) {
		err = sqlu_step_row(stmt);
		if (err != PB_OK && err != PB_ERR_NOTFOUND)
			goto out;
		more = err == PB_OK;
		b = more ? (const char *)sqlite3_column_text(stmt, 0) : "";
		l = more ? (const char *)sqlite3_column_text(stmt, 1) : "";
		b = b ? b : "";
		l = l ? l : "";
		if (!more || strcmp(b, boot) != 0) {
			if ((err = clockmath_boot_decide(&phones, &off, &nv)) != PB_OK)
				goto out;
			if (boot[0] != '\0') {
				if (n == cap) {
					cap = cap ? cap * 2 : 8;
					if ((nr = realloc(out, cap * sizeof(*out))) == NULL) {
						err = PB_ERR_NOMEM;
						goto out;
					}
					out = nr;
				}
				r = &out[n++];
				memset(r, 0, sizeof(*r));
				snprintf(r->boot_id, sizeof(r->boot_id), "%s", boot);
				r->src = nv > 0 ? STORE_CLOCK_PHONE : STORE_CLOCK_NONE;
				r->offset_ms = off;
				r->votes = nv;
				r->settled = strcmp(boot, current) != 0;
			}
			snprintf(boot, sizeof(boot), "%s", b);
		}
		if (more && (err = clockmath_boot_add(&phones, l,
		    sqlite3_column_int64(stmt, 2))) != PB_OK)
			goto out;
	}
	err = PB_OK;
	*rows = out;
	*nrows = n;
	out = NULL;
out:
	sqlu_done(stmt);
	store__put(st, c);
	free(out);
	clockmath_boot_free(&phones);
	return err;
}

pb_err
store_clock_learn(struct store *st, const char *current_boot, int64_t max_age_ms)
{
	struct store__clock_put a = { NULL, 0, 0 };
	struct store__clock_row *rows = NULL;
	struct store_clock old;
	int64_t now = util_mono_ms();
	size_t i, n = 0, keep = 0;
	pb_err err;

	if (current_boot == NULL)
		return PB_ERR_INVALID;
	/* With max_age: skip when nothing was written since, or when this boot
	 * already has an offset and the last learning is younger than max_age. */
	pthread_mutex_lock(&st->mu);
	if (max_age_ms > 0 && st->clock.mono != 0 &&
	    strcmp(st->clock.boot, current_boot) == 0 &&
	    (st->clock.rev == st->committed_rev ||
	    (st->clock.known && now - st->clock.mono < max_age_ms))) {
		pthread_mutex_unlock(&st->mu);
		return PB_OK;
	}
	st->clock.mono = now; /* claimed: concurrent callers skip */
	st->clock.known = 0;
	st->clock.rev = st->committed_rev;
	snprintf(st->clock.boot, sizeof(st->clock.boot), "%s", current_boot);
	pthread_mutex_unlock(&st->mu);

	err = store__clock_compute(st, current_boot, max_age_ms > 0, &rows, &n);
	if (err != PB_OK)
		goto out;
	/* write only what changes: a busy boot's median moves by milliseconds */
	for (i = 0; i < n; i++) {
		err = store_clock_get(st, rows[i].boot_id, &old);
		if (err != PB_OK && err != PB_ERR_NOTFOUND)
			goto out;
		if (err == PB_ERR_NOTFOUND ? rows[i].src == STORE_CLOCK_NONE :
		    old.src == STORE_CLOCK_PHONE && rows[i].src == STORE_CLOCK_PHONE &&
		    !rows[i].settled && clockmath_phone_same(old.offset_ms, old.votes,
		    rows[i].offset_ms, rows[i].votes))
			continue;
		rows[keep++] = rows[i];
	}
	err = PB_OK;
	if (keep == 0)
		goto out;
	a.rows = rows;
	a.n = keep;
	a.now_ms = util_wall_ms();
	err = store__submit(st, store__clock_put, &a);
out:
	if (err != PB_OK)
		log_warnx("store: learning the clock from phones: %s", pb_strerror(err));
	else if (store_clock_get(st, current_boot, &old) == PB_OK) {
		pthread_mutex_lock(&st->mu);
		st->clock.known = 1;
		pthread_mutex_unlock(&st->mu);
	}
	free(rows);
	return err;
}

/* ---- uploaded times ---- */

/* Move t by the offset in columns col (offset_ms) and col + 1 (source). */
void
store__fix_time(sqlite3_stmt *stmt, int col, int64_t t, struct store_time *out)
{
	int64_t off;

	memset(out, 0, sizeof(*out));
	out->ms = t;
	if (t == 0 || sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return;
	out->src = store__clock_src(sqlite3_column_text(stmt, col + 1));
	if (out->src == STORE_CLOCK_NONE)
		return;
	off = sqlite3_column_int64(stmt, col);
	if (clockmath_moves(off)) {
		out->ms = t + off;
		out->moved = 1;
	}
}
