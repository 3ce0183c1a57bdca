/* store_session.c — learners' sessions in the store (see store_session.h). */
#include "log.h"
#include "store_int.h"
#include "store_session.h"

#define STORE__RENEW_MS (24LL * 3600 * 1000) /* session last_seen granularity */

struct store__session {
	const char *token_hash, *learner;
	int64_t now_ms;
};

static pb_err
store__session_create(struct store *st, void *arg)
{
	struct store__session *a = arg;
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, "INSERT INTO sessions (token_hash, learner, "
	    "created_at, last_seen) VALUES (?, ?, ?, ?)")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "ttii", a->token_hash, a->learner, a->now_ms, a->now_ms);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

static pb_err
store__session_touch(struct store *st, void *arg)
{
	struct store__session *a = arg;
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, "UPDATE sessions SET last_seen = ? "
	    "WHERE token_hash = ?")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "it", a->now_ms, a->token_hash);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

static pb_err
store__session_delete(struct store *st, void *arg)
{
	struct store__session *a = arg;
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, "DELETE FROM sessions WHERE token_hash = ?")) ==
	    NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "t", a->token_hash);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

pb_err
store_session_create(struct store *st, const char *token_hash, const char *learner,
    int64_t now_ms)
{
	struct store__session a = { token_hash, learner, now_ms };

	if (token_hash == NULL || learner == NULL)
		return PB_ERR_INVALID;
	return store__submit(st, store__session_create, &a);
}

/* A session row as store_session_lookup reads it. */
struct store__session_row {
	char *learner;
	int64_t last_seen;
	int64_t created_at;
};

static int
store__session_read(void *arg, sqlite3_stmt *stmt)
{
	struct store__session_row *r = arg;

	sqlu_col_text(stmt, 0, r->learner, 37);
	r->last_seen = sqlite3_column_int64(stmt, 1);
	r->created_at = sqlite3_column_int64(stmt, 2);
	return 0;
}

pb_err
store_session_lookup(struct store *st, const char *token_hash, int64_t now_ms,
    int64_t max_age_ms, char learner[37])
{
	struct store__session a = { token_hash, NULL, now_ms };
	struct store__session_row r = { learner, 0, 0 };
	int64_t last_seen;
	pb_err err;

	learner[0] = '\0';
	err = store__row(st, "SELECT learner, last_seen, created_at FROM sessions "
	    "WHERE token_hash = ?", store__session_read, &r, "t", token_hash);
	if (err != PB_OK)
		return err;
	last_seen = r.last_seen;
	if (now_ms - last_seen > max_age_ms || now_ms - r.created_at > STORE_SESSION_LIFE_MS) {
		learner[0] = '\0';
		if (store__submit(st, store__session_delete, &a) != PB_OK)
			log_warnx("store: cannot delete an expired session");
		return PB_ERR_NOTFOUND;
	}
	if (now_ms - last_seen > STORE__RENEW_MS &&
	    store__submit(st, store__session_touch, &a) != PB_OK)
		log_warnx("store: cannot renew a session");
	return PB_OK;
}

pb_err
store_session_delete(struct store *st, const char *token_hash)
{
	struct store__session a = { token_hash, NULL, 0 };

	return store__submit(st, store__session_delete, &a);
}
