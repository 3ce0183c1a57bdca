/* store_console.c — the facilitator console's tables (see store_console.h). */
#include <string.h>

#include "log.h"
#include "store_console.h"
#include "store_int.h"
#include "store_quiz.h"

#define STORE__CSESSION_RENEW_MS 60000

static pb_err store__csession_exec(struct store *st, const char *sql, const char *fmt,
    const char *a1, const char *a2, const char *a3, int64_t n);

/* ---- facilitators ---- */

static int
store__count_row(void *arg, sqlite3_stmt *stmt)
{
	*(int64_t *)arg = sqlite3_column_int64(stmt, 0);
	return 0;
}

pb_err
store_fac_count(struct store *st, int64_t *n)
{
	*n = 0;
	return store__row(st, "SELECT count(*) FROM facilitators", store__count_row, n, "");
}

struct store__fac_create {
	const struct store_fac *f;
	const char *pw_hash;
	int first;
};

static pb_err
store__fac_create(struct store *st, void *arg)
{
	struct store__fac_create *a = arg;
	sqlite3_stmt *stmt;
	pb_err err;

	if (a->first) {
		if ((stmt = store__prep(st->w, "SELECT count(*) FROM facilitators")) == NULL)
			return PB_ERR_DB;
		err = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int64(stmt, 0) == 0 ?
		    PB_OK : PB_ERR_STATE;
		sqlu_done(stmt);
		if (err != PB_OK)
			return err;
	}
	if ((stmt = store__prep(st->w, "INSERT INTO facilitators (id, username, pw_hash, "
	    "created_at, created_by) VALUES (?, ?, ?, ?, ?)")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tttit", a->f->id, a->f->username, a->pw_hash,
	    a->f->created_at, a->f->created_by);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

pb_err
store_fac_create(struct store *st, const struct store_fac *f, const char *pw_hash,
    int first)
{
	struct store__fac_create a = { f, pw_hash, first };

	return store__submit(st, store__fac_create, &a);
}

struct store__fac_out {
	struct store_fac *f;
	char *pw_hash;
	size_t pw_hash_len;
};

static void
store__row_fac(sqlite3_stmt *stmt, struct store_fac *f)
{
	memset(f, 0, sizeof(*f));
	sqlu_col_text(stmt, 0, f->id, sizeof(f->id));
	sqlu_col_text(stmt, 1, f->username, sizeof(f->username));
	f->created_at = sqlite3_column_int64(stmt, 2);
	sqlu_col_text(stmt, 3, f->created_by, sizeof(f->created_by));
	f->disabled_at = sqlite3_column_int64(stmt, 4);
}

static int
store__fac_read(void *arg, sqlite3_stmt *stmt)
{
	struct store__fac_out *a = arg;

	store__row_fac(stmt, a->f);
	if (a->pw_hash != NULL)
		sqlu_col_text(stmt, 5, a->pw_hash, a->pw_hash_len);
	return 0;
}

pb_err
store_fac_by_name(struct store *st, const char *username, struct store_fac *out,
    char *pw_hash, size_t pw_hash_len)
{
	struct store__fac_out a = { out, pw_hash, pw_hash_len };

	return store__row(st, "SELECT f.id, f.username, f.created_at, "
	    "CASE WHEN f.created_by IS NULL THEN '' ELSE coalesce(c.username, '-') END, "
	    "coalesce(f.disabled_at, 0), f.pw_hash "
	    "FROM facilitators f "
	    "LEFT JOIN facilitators c ON c.id = f.created_by WHERE f.username = ?",
	    store__fac_read, &a, "t", username);
}

struct store__fac_pw {
	const char *id, *pw_hash;
};

static pb_err
store__fac_set_password(struct store *st, void *arg)
{
	struct store__fac_pw *a = arg;
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, "UPDATE facilitators SET pw_hash = ? WHERE id = ?"))
	    == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tt", a->pw_hash, a->id);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	if (err == PB_OK && sqlite3_changes(st->w->db) == 0)
		err = PB_ERR_NOTFOUND;
	sqlu_done(stmt);
	return err;
}

pb_err
store_fac_set_password(struct store *st, const char *id, const char *pw_hash)
{
	struct store__fac_pw a = { id, pw_hash };

	return store__submit(st, store__fac_set_password, &a);
}

struct store__fac_fn {
	int (*fn)(void *arg, const struct store_fac *f);
	void *arg;
};

static int
store__fac_each(void *arg, sqlite3_stmt *stmt)
{
	struct store__fac_fn *a = arg;
	struct store_fac f;

	store__row_fac(stmt, &f);
	return a->fn(a->arg, &f);
}

pb_err
store_fac_list(struct store *st, int (*fn)(void *arg, const struct store_fac *f),
    void *arg)
{
	struct store__fac_fn a = { fn, arg };

	return store__rows(st, "SELECT f.id, f.username, f.created_at, "
	    "CASE WHEN f.created_by IS NULL THEN '' ELSE coalesce(c.username, '-') END, "
	    "coalesce(f.disabled_at, 0) FROM facilitators f "
	    "LEFT JOIN facilitators c ON c.id = f.created_by ORDER BY f.username",
	    store__fac_each, &a, "");
}

struct store__fac_state {
	const char *actor, *target;
	enum store_fac_op op;
	int64_t now_ms;
};

/* Writer thread: disable, enable or remove target for actor, in one
 * transaction: the actor must still be an active facilitator and not the
 * target, and at least one active facilitator must be left, so two
 * facilitators disabling each other at once leave one. */
static pb_err
store__fac_state(struct store *st, void *arg)
{
	const struct store__fac_state *a = arg;
	static const char *const sql[] = {
		[STORE_FAC_DISABLE] = "UPDATE facilitators SET disabled_at = ?1 "
		    "WHERE id = ?2 AND disabled_at IS NULL",
		[STORE_FAC_ENABLE] = "UPDATE facilitators SET disabled_at = NULL "
		    "WHERE id = ?2 AND disabled_at IS NOT NULL AND ?1 = ?1",
		[STORE_FAC_REMOVE] = "DELETE FROM facilitators WHERE id = ?2 AND ?1 = ?1",
	};
	sqlite3_stmt *stmt;
	int64_t active = 0, exists = 0;
	pb_err err;

	if (strcmp(a->actor, a->target) == 0)
		return PB_ERR_STATE;
	if ((stmt = store__prep(st->w, "SELECT (SELECT count(*) FROM facilitators "
	    "WHERE id = ?1 AND disabled_at IS NULL), (SELECT count(*) FROM facilitators "
	    "WHERE id = ?2)")) == NULL)
		return PB_ERR_DB;
	if ((err = sqlu_bind(stmt, "tt", a->actor, a->target)) == PB_OK &&
	    (err = sqlu_step_row(stmt)) == PB_OK) {
		active = sqlite3_column_int64(stmt, 0);
		exists = sqlite3_column_int64(stmt, 1);
	}
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;
	if (active == 0)
		return PB_ERR_DENIED;
	if (exists == 0)
		return PB_ERR_NOTFOUND;
	if ((stmt = store__prep(st->w, sql[a->op])) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "it", a->now_ms, a->target);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	if (err == PB_OK && sqlite3_changes(st->w->db) == 0)
		err = PB_ERR_EXISTS; /* already in that state */
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;
	/* the removed one's sessions go by ON DELETE CASCADE */
	if (a->op == STORE_FAC_DISABLE && (err = store__csession_exec(st,
	    "DELETE FROM console_sessions WHERE facilitator = ?", "t", a->target, NULL,
	    NULL, 0)) != PB_OK)
		return err;
	if ((stmt = store__prep(st->w, "SELECT count(*) FROM facilitators "
	    "WHERE disabled_at IS NULL")) == NULL)
		return PB_ERR_DB;
	if ((err = sqlu_step_row(stmt)) == PB_OK)
		active = sqlite3_column_int64(stmt, 0);
	sqlu_done(stmt);
	if (err == PB_OK && active == 0)
		err = PB_ERR_LIMIT; /* the savepoint rolls it back */
	return err;
}

pb_err
store_fac_set_state(struct store *st, const char *actor, const char *target,
    enum store_fac_op op, int64_t now_ms)
{
	struct store__fac_state a = { actor, target, op, now_ms };

	return store__submit(st, store__fac_state, &a);
}

/* ---- console sessions ---- */

struct store__csession {
	const char *token_hash, *fac_id, *csrf;
	int64_t now_ms;
};

static pb_err
store__csession_exec(struct store *st, const char *sql, const char *fmt,
    const char *a1, const char *a2, const char *a3, int64_t n)
{
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = sqlu_prep(st->w->db, &st->w->cache, sql)) == NULL)
		return PB_ERR_DB;
	if (strcmp(fmt, "ttti") == 0)
		err = sqlu_bind(stmt, fmt, a1, a2, a3, n);
	else if (strcmp(fmt, "it") == 0)
		err = sqlu_bind(stmt, fmt, n, a1);
	else if (strcmp(fmt, "tt") == 0)
		err = sqlu_bind(stmt, fmt, a1, a2);
	else
		err = sqlu_bind(stmt, fmt, a1);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

static pb_err
store__csession_create(struct store *st, void *arg)
{
	struct store__csession *a = arg;

	return store__csession_exec(st, "INSERT INTO console_sessions (token_hash, "
	    "facilitator, csrf, created_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
	    "ttti", a->token_hash, a->fac_id, a->csrf, a->now_ms);
}

static pb_err
store__csession_touch(struct store *st, void *arg)
{
	struct store__csession *a = arg;

	return store__csession_exec(st, "UPDATE console_sessions SET last_seen = ? "
	    "WHERE token_hash = ?", "it", a->token_hash, NULL, NULL, a->now_ms);
}

static pb_err
store__csession_delete(struct store *st, void *arg)
{
	struct store__csession *a = arg;

	return store__csession_exec(st, "DELETE FROM console_sessions WHERE token_hash = ?",
	    "t", a->token_hash, NULL, NULL, 0);
}

static pb_err
store__csession_end_others(struct store *st, void *arg)
{
	struct store__csession *a = arg;

	return store__csession_exec(st, "DELETE FROM console_sessions WHERE "
	    "facilitator = ?1 AND token_hash != ?2", "tt", a->fac_id,
	    a->token_hash ? a->token_hash : "", NULL, 0);
}

pb_err
store_csession_create(struct store *st, const char *token_hash, const char *fac_id,
    const char *csrf, int64_t now_ms)
{
	struct store__csession a = { token_hash, fac_id, csrf, now_ms };

	return store__submit(st, store__csession_create, &a);
}

pb_err
store_csession_delete(struct store *st, const char *token_hash)
{
	struct store__csession a = { token_hash, NULL, NULL, 0 };

	return store__submit(st, store__csession_delete, &a);
}

pb_err
store_csession_end_others(struct store *st, const char *fac_id, const char *keep)
{
	struct store__csession a = { keep, fac_id, NULL, 0 };

	return store__submit(st, store__csession_end_others, &a);
}

struct store__csession_row {
	struct store_fac *fac;
	char *csrf;
	int64_t created_at, last_seen;
};

static int
store__csession_read(void *arg, sqlite3_stmt *stmt)
{
	struct store__csession_row *r = arg;

	store__row_fac(stmt, r->fac);
	sqlu_col_text(stmt, 5, r->csrf, STORE_CSRF_HEX);
	r->created_at = sqlite3_column_int64(stmt, 6);
	r->last_seen = sqlite3_column_int64(stmt, 7);
	return 0;
}

pb_err
store_csession_lookup(struct store *st, const char *token_hash, int64_t now_ms,
    int64_t idle_ms, int64_t life_ms, struct store_fac *fac, char csrf[STORE_CSRF_HEX])
{
	struct store__csession a = { token_hash, NULL, NULL, now_ms };
	struct store__csession_row r = { fac, csrf, 0, 0 };
	pb_err err;

	err = store__row(st, "SELECT f.id, f.username, f.created_at, '', 0, s.csrf, "
	    "s.created_at, s.last_seen FROM console_sessions s "
	    "JOIN facilitators f ON f.id = s.facilitator WHERE s.token_hash = ? "
	    "AND f.disabled_at IS NULL",
	    store__csession_read, &r, "t", token_hash);
	if (err != PB_OK)
		return err;
	if (now_ms - r.last_seen > idle_ms || now_ms - r.created_at > life_ms ||
	    now_ms < r.created_at) {
		if (store__submit(st, store__csession_delete, &a) != PB_OK)
			log_warnx("store: cannot delete an expired console session");
		return PB_ERR_NOTFOUND;
	}
	if (now_ms - r.last_seen > STORE__CSESSION_RENEW_MS &&
	    store__submit(st, store__csession_touch, &a) != PB_OK)
		log_warnx("store: cannot renew a console session");
	return PB_OK;
}

/* ---- the audit log ---- */

static pb_err
store__audit_add(struct store *st, void *arg)
{
	const struct store_audit *a = arg;
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, "INSERT INTO audit (at, facilitator, username, "
	    "action, detail, addr) VALUES (?, nullif(?, ''), ?, ?, ?, ?)")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "itttt" "t", a->at, a->facilitator, a->username, a->action,
	    a->detail, a->addr);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

pb_err
store_audit_add(struct store *st, const struct store_audit *a)
{
	return store__submit(st, store__audit_add, (void *)a);
}

struct store__audit_fn {
	int (*fn)(void *arg, const struct store_audit *a);
	void *arg;
};

static int
store__audit_each(void *arg, sqlite3_stmt *stmt)
{
	struct store__audit_fn *a = arg;
	struct store_audit r;

	memset(&r, 0, sizeof(r));
	r.id = sqlite3_column_int64(stmt, 0);
	r.at = sqlite3_column_int64(stmt, 1);
	sqlu_col_text(stmt, 2, r.facilitator, sizeof(r.facilitator));
	sqlu_col_text(stmt, 3, r.username, sizeof(r.username));
	sqlu_col_text(stmt, 4, r.action, sizeof(r.action));
	sqlu_col_text(stmt, 5, r.detail, sizeof(r.detail));
	sqlu_col_text(stmt, 6, r.addr, sizeof(r.addr));
	return a->fn(a->arg, &r);
}

pb_err
store_audit_list(struct store *st, int64_t before, int limit,
    int (*fn)(void *arg, const struct store_audit *a), void *arg)
{
	struct store__audit_fn a = { fn, arg };

	return store__rows(st, "SELECT id, at, coalesce(facilitator, ''), username, action, "
	    "detail, addr FROM audit WHERE ?1 <= 0 OR id < ?1 ORDER BY id DESC LIMIT ?2",
	    store__audit_each, &a, "id", before, limit);
}

/* ---- a learner's attempts (the console's learner page) ---- */

struct store__attempt_fn {
	int (*fn)(void *arg, const struct store_attempt *a);
	void *arg;
};

static int
store__attempt_row(void *arg, sqlite3_stmt *stmt)
{
	struct store__attempt_fn *a = arg;
	struct store_attempt at;

	memset(&at, 0, sizeof(at));
	sqlu_col_text(stmt, 0, at.id, sizeof(at.id));
	sqlu_col_text(stmt, 1, at.learner, sizeof(at.learner));
	sqlu_col_text(stmt, 2, at.course, sizeof(at.course));
	at.started_at = sqlite3_column_int64(stmt, 3);
	at.finished = sqlite3_column_type(stmt, 4) != SQLITE_NULL;
	at.finished_at = sqlite3_column_int64(stmt, 4);
	at.score = sqlite3_column_int(stmt, 5);
	at.correct = sqlite3_column_int(stmt, 6);
	at.total = sqlite3_column_int(stmt, 7);
	at.passed = sqlite3_column_int(stmt, 8);
	return a->fn(a->arg, &at);
}

pb_err
store_console_attempts(struct store *st, const char *learner, int limit,
    int (*fn)(void *arg, const struct store_attempt *a), void *arg)
{
	struct store__attempt_fn a = { fn, arg };

	return store__rows(st, "SELECT id, learner, course, started_at, finished_at, "
	    "coalesce(score, 0), coalesce(correct, 0), coalesce(total, 0), "
	    "coalesce(passed, 0) FROM attempts WHERE learner = ? "
	    "ORDER BY started_at DESC LIMIT ?", store__attempt_row, &a, "td", learner, limit);
}
