/* staff.h — central staff accounts: argon2id password hashes (libsodium
 * crypto_pwhash_str), sessions (only a hash of the token is stored, with a
 * CSRF token per session) and a login rate limit. The limit locks out a
 * client address after too many wrong passwords; a user name is never
 * locked out, since anyone can fail for any name: its failures only delay
 * its next logins a little (at most 2 s), from wherever they come. The
 * limiter counts in the database (login_limits, schema 7), so several hub
 * processes sharing one (docs/HUB.md) hold one limit, and a restart does
 * not forget it. */
#ifndef HUB_STAFF_H
#define HUB_STAFF_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"

#define STAFF_TOKEN_LEN 65  /* 32 random bytes as hex + NUL */

/* A staff account. role: "admin" (everything, and manages accounts; only
 * national), "staff" (reads its area, makes enrollment codes) or
 * "readonly" (reads its area). area: "" national, "PP" a province or
 * "PP.RR" a regency: every report, CSV and export is limited to it. */
struct staff_user {
	char name[65];
	char role[12];
	char area[16];
	int disabled;
};

/* Non-zero if n can name a user: 1..64 of [A-Za-z0-9._-]. */
int staff_name_valid(const char *n);
/* Non-zero for "admin", "staff" or "readonly". */
int staff_role_valid(const char *role);
/* Non-zero if area can scope an account ("", PP or PP.RR) with role. */
int staff_area_valid(const char *role, const char *area);

/* Create a user. PB_ERR_INVALID for a bad name, role or area or a password
 * that password_check (password.h) refuses; PB_ERR_EXISTS if the name is
 * taken (nothing changes). */
pb_err staff_user_create(struct hubdb *db, const char *name, const char *password,
    const char *role, const char *area, int64_t now_ms);
/* Set a new password for a user (and end its sessions). PB_ERR_NOTFOUND,
 * PB_ERR_INVALID as above. */
pb_err staff_user_reset(struct hubdb *db, const char *name, const char *password);
/* Disable (ending its sessions) or enable a user. PB_ERR_NOTFOUND. */
pb_err staff_user_disable(struct hubdb *db, const char *name, int disabled);
/* Every user: [{name, role, area, disabled, created_at}], by name. */
pb_err staff_user_list(struct hubdb *db, json_t **out);

/* Check a password for a login from client address addr. PB_OK fills token
 * and csrf for a new session that ends at now + ttl. PB_ERR_DENIED on a
 * wrong name or password (an unknown name takes as long as a known one);
 * PB_ERR_LIMIT (with *retry_after_s) while addr is cooling down after
 * max_fails failures. Recent failures for the name make this wait up to
 * 2 s before checking. */
pb_err staff_login(struct hubdb *db, const char *name, const char *password,
    const char *addr, int max_fails, int64_t now_ms, int64_t ttl_ms,
    char token[STAFF_TOKEN_LEN], char csrf[STAFF_TOKEN_LEN], int *retry_after_s);

/* Look a session up; PB_ERR_DENIED if unknown, expired or its user is
 * disabled. */
pb_err staff_session(struct hubdb *db, const char *token, int64_t now_ms,
    struct staff_user *who, char csrf[STAFF_TOKEN_LEN]);
pb_err staff_logout(struct hubdb *db, const char *token);

#endif
