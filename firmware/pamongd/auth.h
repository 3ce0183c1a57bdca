/* auth.h — learner PINs and sessions: argon2id PIN hashes (bounded memory
 * and concurrency so a class registering at once cannot exhaust the box),
 * session tokens (only their SHA-256 is stored), and the per-name cool-down
 * after repeated wrong PINs. */
#ifndef AUTH_H
#define AUTH_H

#include <stdint.h>

#include "pb.h"

#define AUTH_HASH_MAX 128   /* crypto_pwhash_STRBYTES */
#define AUTH_TOKEN_HEX 65   /* 32 random bytes as hex + NUL */

struct auth;

pb_err auth_new(long failures_allowed, long cooldown_s, struct auth **out);
void auth_free(struct auth *a);

/* argon2id hash of a PIN into out (AUTH_HASH_MAX bytes). */
pb_err auth_pin_hash(struct auth *a, const char *pin, char out[AUTH_HASH_MAX]);
/* PB_OK if pin matches hash, PB_ERR_DENIED if not. */
pb_err auth_pin_verify(struct auth *a, const char *hash, const char *pin);

/* Cool-down: seconds the name must still wait (0 = may try). */
long auth_cooldown_left(struct auth *a, const char *name_key, int64_t now_ms);
/* Record a wrong PIN / a good login for the name. */
void auth_failed(struct auth *a, const char *name_key, int64_t now_ms);
void auth_succeeded(struct auth *a, const char *name_key);

/* A new session token (hex) and the hash the store keeps. */
void auth_new_token(char token[AUTH_TOKEN_HEX], char token_hash[65]);
/* The stored hash of a token presented by a phone; PB_ERR_INVALID if the
 * token is not of our form. */
pb_err auth_token_hash(const char *token, char token_hash[65]);

#endif
