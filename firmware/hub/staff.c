/* staff.c — see staff.h. */
#include "staff.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "password.h"
#include "region.h"
#include "util.h"

#define STAFF_COOL_MS 60000       /* an address's first cool-down */
#define STAFF_COOL_MAX_MS 900000  /* an address's longest cool-down */
#define STAFF_DELAY_MS 250        /* a name's delay after its first failure */
#define STAFF_DELAY_MAX_MS 2000   /* a name's longest delay */
#define STAFF_FORGET_MS 900000    /* a name's failures are forgotten after this */

/* argon2id uses 64 MiB per check: one at a time keeps the hub small */
static pthread_mutex_t staff_hash_mu = PTHREAD_MUTEX_INITIALIZER;
/* verified instead of a user's hash when the name is unknown */
static pthread_once_t staff_dummy_once = PTHREAD_ONCE_INIT;
static char staff_dummy[crypto_pwhash_STRBYTES];

#define STAFF_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define STAFF_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

/* A hash of a random password with the parameters users' hashes get: a
 * login for an unknown name verifies against it, so it takes as long as a
 * wrong password for a known name and names cannot be told apart. */
static void
staff__dummy_init(void)
{
	char pw[33];

	util_token(pw, 16);
	if (crypto_pwhash_str(staff_dummy, pw, strlen(pw), STAFF_OPSLIMIT,
	    STAFF_MEMLIMIT) != 0) {
		log_warnx("staff: cannot make the stand-in password hash (out of memory)");
		staff_dummy[0] = '\0';
	}
	sodium_memzero(pw, sizeof(pw));
}

int
staff_name_valid(const char *n)
{
	size_t len = strlen(n);

	if (len < 1 || len > 64)
		return 0;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && *n != '.' && *n != '_' && *n != '-')
			return 0;
	return 1;
}

int
staff_role_valid(const char *role)
{
	return strcmp(role, "admin") == 0 || strcmp(role, "staff") == 0 ||
	    strcmp(role, "readonly") == 0;
}

int
staff_area_valid(const char *role, const char *area)
{
	size_t n = strlen(area);

	if (n == 0)
		return 1;
	if (strcmp(role, "admin") == 0)
		return 0; /* an administrator sees every account: national only */
	return (n == 2 || n == 5) && region_code_valid(area);
}

/* Run one statement with text/integer parameters ("t" / "i" per char of
 * types); *changes gets the rows it changed. */
static pb_err
staff__exec(struct hubdb *db, const char *sql, const char *types, const void *const *args,
    int *changes)
{
	struct hdb_stmt *s = NULL;
	struct hdb_conn *c = hubdb_get(db);
	pb_err rc = PB_ERR_DB;
	int i, r;

	if ((s = hdb_prepare(c, sql)) == NULL)
		goto out;
	for (i = 0; types[i]; i++) {
		if (types[i] == 't')
			hdb_bind_text(s, i + 1, args[i]);
		else
			hdb_bind_int64(s, i + 1, *(const int64_t *)args[i]);
	}
	r = hdb_step(s);
	if (r != HDB_DONE) {
		if ((rc = hdb_err(c)) != PB_ERR_EXISTS) {
			log_warnx("staff: %s", hdb_errmsg(c));
			rc = PB_ERR_DB;
		}
		goto out;
	}
	if (changes != NULL)
		*changes = (int)hdb_changes(c);
	rc = PB_OK;
out:
	hdb_finalize(s);
	hubdb_put(db, c);
	return rc;
}

static pb_err
staff__hash(const char *name, const char *password, char hash[crypto_pwhash_STRBYTES])
{
	pb_err rc = PB_OK;

	if (!staff_name_valid(name) || password_check(name, password) != PASSWORD_OK)
		return PB_ERR_INVALID;
	pthread_mutex_lock(&staff_hash_mu);
	if (crypto_pwhash_str(hash, password, strlen(password), STAFF_OPSLIMIT,
	    STAFF_MEMLIMIT) != 0)
		rc = PB_ERR_NOMEM;
	pthread_mutex_unlock(&staff_hash_mu);
	return rc;
}

pb_err
staff_user_create(struct hubdb *db, const char *name, const char *password,
    const char *role, const char *area, int64_t now_ms)
{
	char hash[crypto_pwhash_STRBYTES];
	const void *args[5];
	pb_err rc;

	if (!staff_role_valid(role) || !staff_area_valid(role, area))
		return PB_ERR_INVALID;
	if ((rc = staff__hash(name, password, hash)) != PB_OK)
		return rc;
	args[0] = name;
	args[1] = hash;
	args[2] = &now_ms;
	args[3] = role;
	args[4] = area;
	/* a taken name violates the primary key: PB_ERR_EXISTS, nothing changes */
	return staff__exec(db, "INSERT INTO users(name, hash, created_at, role, area,"
	    " disabled) VALUES (?, ?, ?, ?, ?, 0)", "ttitt", args, NULL);
}

/* End every session of name. */
static void
staff__end_sessions(struct hubdb *db, const char *name)
{
	const void *args[1] = { name };

	(void)staff__exec(db, "DELETE FROM sessions WHERE \"user\" = ?", "t", args, NULL);
}

pb_err
staff_user_reset(struct hubdb *db, const char *name, const char *password)
{
	char hash[crypto_pwhash_STRBYTES];
	const void *args[2];
	int n = 0;
	pb_err rc;

	if ((rc = staff__hash(name, password, hash)) != PB_OK)
		return rc;
	args[0] = hash;
	args[1] = name;
	if ((rc = staff__exec(db, "UPDATE users SET hash = ? WHERE name = ?", "tt", args,
	    &n)) != PB_OK)
		return rc;
	if (n == 0)
		return PB_ERR_NOTFOUND;
	staff__end_sessions(db, name);
	return PB_OK;
}

pb_err
staff_user_disable(struct hubdb *db, const char *name, int disabled)
{
	int64_t d = disabled ? 1 : 0;
	const void *args[2] = { &d, name };
	int n = 0;
	pb_err rc;

	if ((rc = staff__exec(db, "UPDATE users SET disabled = ? WHERE name = ?", "it", args,
	    &n)) != PB_OK)
		return rc;
	if (n == 0)
		return PB_ERR_NOTFOUND;
	if (disabled)
		staff__end_sessions(db, name);
	return PB_OK;
}

pb_err
staff_user_list(struct hubdb *db, json_t **out)
{
	struct hdb_stmt *s = NULL;
	struct hdb_conn *c = hubdb_get(db);
	json_t *arr = json_array();
	pb_err rc = PB_ERR_DB;
	int r;

	if (arr == NULL || (s = hdb_prepare(c, "SELECT name, role, area, disabled, created_at"
	    " FROM users ORDER BY name")) == NULL)
		goto out;
	while ((r = hdb_step(s)) == HDB_ROW) {
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b, s:I}",
		    "name", hdb_column_text(s, 0),
		    "role", hdb_column_text(s, 1),
		    "area", hdb_column_text(s, 2),
		    "disabled", hdb_column_int(s, 3) != 0,
		    "created_at", (json_int_t)hdb_column_int64(s, 4))) != 0) {
			rc = PB_ERR_NOMEM;
			goto out;
		}
	}
	if (r != HDB_DONE)
		goto out;
	*out = arr;
	arr = NULL;
	rc = PB_OK;
out:
	json_decref(arr);
	hdb_finalize(s);
	hubdb_put(db, c);
	return rc;
}

/* The limiter's counts for one key ("a:address" or "n:name"). */
struct staff_limit {
	int fails;       /* failures since the last success */
	int64_t until;   /* addresses: refused before this time */
	int64_t last;    /* the last failure */
};

/* Read the counts of the address key and the name key. */
static pb_err
staff__limits(struct hdb_conn *c, const char *akey, const char *nkey,
    struct staff_limit *a, struct staff_limit *n)
{
	struct hdb_stmt *s;
	int st;

	memset(a, 0, sizeof(*a));
	memset(n, 0, sizeof(*n));
	if ((s = hdb_prepare(c, "SELECT key, fails, until_ms, last_ms FROM login_limits"
	    " WHERE key IN (?, ?)")) == NULL)
		return PB_ERR_DB;
	hdb_bind_text(s, 1, akey);
	hdb_bind_text(s, 2, nkey);
	while ((st = hdb_step(s)) == HDB_ROW) {
		const char *k = hdb_column_text(s, 0);
		struct staff_limit *l = k != NULL && strcmp(k, akey) == 0 ? a : n;

		l->fails = hdb_column_int(s, 1);
		l->until = hdb_column_int64(s, 2);
		l->last = hdb_column_int64(s, 3);
	}
	hdb_finalize(s);
	return st == HDB_DONE ? PB_OK : PB_ERR_DB;
}

/* Seconds an address must wait before it may try again, 0 if it may now. */
static int
staff__blocked(const struct staff_limit *a, int64_t now_ms)
{
	if (a->until <= now_ms)
		return 0;
	return (int)((a->until - now_ms + 999) / 1000);
}

/* How long a login for a name must wait before its password is checked:
 * nothing at first, then growing with its recent failures up to
 * STAFF_DELAY_MAX_MS. Failures from anywhere count, so this only slows a
 * guesser down; it never refuses the name. */
static int64_t
staff__delay(const struct staff_limit *n, int64_t now_ms)
{
	int64_t d = STAFF_DELAY_MS;
	int i;

	if (n->fails == 0 || now_ms - n->last > STAFF_FORGET_MS)
		return 0;
	for (i = 1; i < n->fails && d < STAFF_DELAY_MAX_MS; i++)
		d *= 2;
	return d < STAFF_DELAY_MAX_MS ? d : STAFF_DELAY_MAX_MS;
}

/* Count a failure for key (one statement, so hub processes counting at
 * once add up) or forget the key after a success. With max_fails > 0 the
 * key (an address) is refused for a cool-down once it has that many.
 * Keys quiet for STAFF_FORGET_MS and not cooling down are dropped. */
static pb_err
staff__record(struct hdb_conn *c, const char *key, int ok, int max_fails, int64_t now_ms)
{
	struct hdb_stmt *s;
	int64_t cool = STAFF_COOL_MS;
	int fails = 0, extra, st;

	if (ok) {
		if ((s = hdb_prepare(c, "DELETE FROM login_limits WHERE key = ?")) == NULL)
			return PB_ERR_DB;
		hdb_bind_text(s, 1, key);
		st = hdb_step(s);
		hdb_finalize(s);
		return st == HDB_DONE ? PB_OK : PB_ERR_DB;
	}
	if ((s = hdb_prepare(c, "DELETE FROM login_limits WHERE last_ms < ?1 AND until_ms <= ?2"))
	    == NULL)
		return PB_ERR_DB;
	hdb_bind_int64(s, 1, now_ms - STAFF_FORGET_MS);
	hdb_bind_int64(s, 2, now_ms);
	st = hdb_step(s);
	hdb_finalize(s);
	if (st != HDB_DONE)
		return PB_ERR_DB;
	if ((s = hdb_prepare(c, "INSERT INTO login_limits(key, fails, until_ms, last_ms)"
	    " VALUES (?1, 1, 0, ?2) ON CONFLICT(key) DO UPDATE SET"
	    " fails = CASE WHEN ?2 - login_limits.last_ms > ?3 AND login_limits.until_ms <= ?2"
	    "   THEN 1 ELSE login_limits.fails + 1 END, last_ms = ?2 RETURNING fails")) == NULL)
		return PB_ERR_DB;
	hdb_bind_text(s, 1, key);
	hdb_bind_int64(s, 2, now_ms);
	hdb_bind_int64(s, 3, STAFF_FORGET_MS);
	if ((st = hdb_step(s)) == HDB_ROW)
		fails = hdb_column_int(s, 0);
	hdb_finalize(s);
	if (st != HDB_ROW)
		return PB_ERR_DB;
	if (max_fails <= 0 || fails < max_fails)
		return PB_OK;
	for (extra = fails - max_fails; extra > 0 && cool < STAFF_COOL_MAX_MS; extra--)
		cool *= 2;
	if (cool > STAFF_COOL_MAX_MS)
		cool = STAFF_COOL_MAX_MS;
	if ((s = hdb_prepare(c, "UPDATE login_limits SET until_ms = ?1"
	    " WHERE key = ?2 AND until_ms < ?1")) == NULL)
		return PB_ERR_DB;
	hdb_bind_int64(s, 1, now_ms + cool);
	hdb_bind_text(s, 2, key);
	st = hdb_step(s);
	hdb_finalize(s);
	return st == HDB_DONE ? PB_OK : PB_ERR_DB;
}

pb_err
staff_login(struct hubdb *db, const char *name, const char *password, const char *addr,
    int max_fails, int64_t now_ms, int64_t ttl_ms, char token[STAFF_TOKEN_LEN],
    char csrf[STAFF_TOKEN_LEN], int *retry_after_s)
{
	char hash[crypto_pwhash_STRBYTES] = "", nkey[96], akey[96], thash[65];
	struct staff_limit la, ln;
	struct hdb_stmt *s = NULL;
	struct hdb_conn *c = NULL;
	int wait_a, good, known;
	int64_t delay;
	pb_err rc = PB_ERR_DB;

	(void)pthread_once(&staff_dummy_once, staff__dummy_init);
	snprintf(nkey, sizeof(nkey), "n:%.80s", name);
	snprintf(akey, sizeof(akey), "a:%.80s", addr);
	/* the limiter's counts are in the database: every hub process on it
	 * counts the same failures */
	c = hubdb_get(db);
	if (staff__limits(c, akey, nkey, &la, &ln) != PB_OK) {
		log_warnx("login: %s", hdb_errmsg(c));
		goto out;
	}
	wait_a = staff__blocked(&la, now_ms);
	delay = staff__delay(&ln, now_ms);
	if (wait_a > 0) {
		*retry_after_s = wait_a;
		rc = PB_ERR_LIMIT;
		goto out;
	}
	if (delay > 0) {
		struct timespec ts = { (time_t)(delay / 1000), (long)(delay % 1000) * 1000000L };

		hubdb_put(db, c); /* not held while waiting */
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		c = hubdb_get(db);
	}
	if ((s = hdb_prepare(c, "SELECT hash FROM users WHERE name = ? AND disabled = 0")) ==
	    NULL)
		goto out;
	hdb_bind_text(s, 1, name);
	if (hdb_step(s) == HDB_ROW)
		snprintf(hash, sizeof(hash), "%s", hdb_column_text(s, 0));
	known = hash[0] != '\0';
	hdb_finalize(s);
	s = NULL;
	/* an unknown name costs the same argon2id check as a known one */
	pthread_mutex_lock(&staff_hash_mu);
	good = crypto_pwhash_str_verify(known ? hash : staff_dummy, password,
	    strlen(password)) == 0 && known;
	pthread_mutex_unlock(&staff_hash_mu);
	if (staff__record(c, nkey, good, 0, now_ms) != PB_OK ||
	    staff__record(c, akey, good, max_fails, now_ms) != PB_OK)
		log_warnx("login: the failure count was not stored: %s", hdb_errmsg(c));
	if (!good) {
		rc = PB_ERR_DENIED;
		goto out;
	}
	util_token(token, 32);
	util_token(csrf, 32);
	util_sha256_hex(thash, token, strlen(token));
	if ((s = hdb_prepare(c, "INSERT INTO sessions(token_hash, \"user\", csrf, expires_at)"
	    " VALUES (?,?,?,?)")) == NULL)
		goto out;
	hdb_bind_text(s, 1, thash);
	hdb_bind_text(s, 2, name);
	hdb_bind_text(s, 3, csrf);
	hdb_bind_int64(s, 4, now_ms + ttl_ms);
	if (hdb_step(s) != HDB_DONE)
		goto out;
	hdb_finalize(s);
	/* expired sessions are cleaned up whenever someone logs in */
	if ((s = hdb_prepare(c, "DELETE FROM sessions WHERE expires_at < ?")) == NULL)
		goto out;
	hdb_bind_int64(s, 1, now_ms);
	(void)hdb_step(s);
	rc = PB_OK;
out:
	hdb_finalize(s);
	hubdb_put(db, c);
	return rc;
}

pb_err
staff_session(struct hubdb *db, const char *token, int64_t now_ms,
    struct staff_user *who, char csrf[STAFF_TOKEN_LEN])
{
	struct hdb_stmt *s = NULL;
	struct hdb_conn *c;
	char thash[65];
	pb_err rc = PB_ERR_DENIED;

	if (token == NULL || strlen(token) != STAFF_TOKEN_LEN - 1)
		return PB_ERR_DENIED;
	util_sha256_hex(thash, token, strlen(token));
	c = hubdb_get(db);
	if ((s = hdb_prepare(c, "SELECT s.\"user\", s.csrf, u.role, u.area"
	    " FROM sessions s JOIN users u ON u.name = s.\"user\""
	    " WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0")) == NULL) {
		rc = PB_ERR_DB;
		goto out;
	}
	hdb_bind_text(s, 1, thash);
	hdb_bind_int64(s, 2, now_ms);
	if (hdb_step(s) == HDB_ROW) {
		memset(who, 0, sizeof(*who));
		snprintf(who->name, sizeof(who->name), "%s",
		    hdb_column_text(s, 0));
		snprintf(csrf, STAFF_TOKEN_LEN, "%s", hdb_column_text(s, 1));
		snprintf(who->role, sizeof(who->role), "%s",
		    hdb_column_text(s, 2));
		snprintf(who->area, sizeof(who->area), "%s",
		    hdb_column_text(s, 3));
		rc = PB_OK;
	}
out:
	hdb_finalize(s);
	hubdb_put(db, c);
	return rc;
}

pb_err
staff_logout(struct hubdb *db, const char *token)
{
	struct hdb_stmt *s = NULL;
	struct hdb_conn *c;
	char thash[65];
	pb_err rc = PB_ERR_DB;

	if (token == NULL)
		return PB_OK;
	util_sha256_hex(thash, token, strlen(token));
	c = hubdb_get(db);
	if ((s = hdb_prepare(c, "DELETE FROM sessions WHERE token_hash = ?")) != NULL) {
		hdb_bind_text(s, 1, thash);
		if (hdb_step(s) == HDB_DONE)
			rc = PB_OK;
	}
	hdb_finalize(s);
	hubdb_put(db, c);
	return rc;
}
