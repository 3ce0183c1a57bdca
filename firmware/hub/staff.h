/* staff.h — central staff accounts: argon2id password hashes (libsodium
 * crypto_pwhash_str), sessions (only a hash of the token is stored, with a
 * CSRF token per session) and a login rate limit. The limit locks out a
 * client address after too many wrong passwords; a user name is never
 * locked out, since anyone can fail for any name: its failures only delay
 * its next logins a little (at most 2 s), from wherever they come. */
#ifndef HUB_STAFF_H
#define HUB_STAFF_H

#include <stdint.h>

#include "db.h"

#define STAFF_TOKEN_LEN 65  /* 32 random bytes as hex + NUL */

/* Non-zero if n can name a user: 1..64 of [A-Za-z0-9._-]. */
int staff_name_valid(const char *n);

/* Create or replace a user. PB_ERR_INVALID for a bad name or a password
 * that password_check (password.h) refuses. */
pb_err staff_user_set(struct hubdb *db, const char *name, const char *password,
    int64_t now_ms);

/* Check a password for a login from client address addr. PB_OK fills token
 * and csrf for a new session that ends at now + ttl. PB_ERR_DENIED on a
 * wrong name or password (an unknown name takes as long as a known one);
 * PB_ERR_LIMIT (with *retry_after_s) while addr is cooling down after
 * max_fails failures. Recent failures for the name make this wait up to
 * 2 s before checking. */
pb_err staff_login(struct hubdb *db, const char *name, const char *password,
    const char *addr, int max_fails, int64_t now_ms, int64_t ttl_ms,
    char token[STAFF_TOKEN_LEN], char csrf[STAFF_TOKEN_LEN], int *retry_after_s);

/* Look a session up; PB_ERR_DENIED if unknown or expired. user is 65 bytes. */
pb_err staff_session(struct hubdb *db, const char *token, int64_t now_ms, char user[65],
    char csrf[STAFF_TOKEN_LEN]);
pb_err staff_logout(struct hubdb *db, const char *token);

/* Forget the rate limiter's memory (tests). */
void staff_reset_limits(void);

#endif
