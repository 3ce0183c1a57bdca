/* auth.h — learner PINs and sessions, and the limits that keep one phone
 * from guessing PINs or flooding the box with registrations.
 *
 * PINs: argon2id hashes (bounded memory and concurrency so a class
 * registering at once cannot exhaust the box); an unknown name is checked
 * against a dummy hash so that it answers as slowly as a wrong PIN.
 * Sessions: tokens whose SHA-256 alone is stored.
 *
 * Limits (all in memory, on the monotonic clock):
 * - per learner: after `pin_failures` wrong PINs the learner waits
 *   `cooldown_s`, doubling with each further wrong PIN up to
 *   AUTH_MAX_COOLDOWN_S. Keyed by learner id, so only existing learners have
 *   an entry, and an entry is never dropped while it counts or cools down:
 *   wrong logins with made-up names cannot push a learner's state out.
 * - per source address: after `source_failures` wrong logins the address
 *   waits `source_cooldown_s`, doubling likewise; at most
 *   `source_registrations` registrations per address and `registrations`
 *   per box in 24 hours. Sources live in a fixed table; one that is waiting
 *   is never the one dropped to make room.
 * All functions are thread-safe. */
#ifndef AUTH_H
#define AUTH_H

#include <stdint.h>

#include "pb.h"

#define AUTH_HASH_MAX 128          /* crypto_pwhash_STRBYTES */
#define AUTH_TOKEN_HEX 65          /* 32 random bytes as hex + NUL */
#define AUTH_MAX_COOLDOWN_S 900    /* longest single wait */
#define AUTH_DAY_MS (24LL * 3600 * 1000)

struct auth_limits {
	long pin_failures;         /* wrong PINs of one learner before a wait */
	long cooldown_s;           /* the learner's first wait */
	long source_failures;      /* wrong logins from one address before a wait */
	long source_cooldown_s;    /* the address's first wait */
	long source_registrations; /* registrations per address per 24 h, 0 = no limit */
	long registrations;        /* registrations per box per 24 h, 0 = no limit */
};

struct auth;

pb_err auth_new(const struct auth_limits *lim, struct auth **out);
void auth_free(struct auth *a);

/* argon2id hash of a PIN into out (AUTH_HASH_MAX bytes). */
pb_err auth_pin_hash(struct auth *a, const char *pin, char out[AUTH_HASH_MAX]);
/* argon2id hash of a facilitator's password (stronger than a PIN's);
 * auth_pin_verify checks it, since a hash carries its own parameters. */
pb_err auth_password_hash(struct auth *a, const char *password, char out[AUTH_HASH_MAX]);
/* PB_OK if pin matches hash, PB_ERR_DENIED if not. */
pb_err auth_pin_verify(struct auth *a, const char *hash, const char *pin);
/* As long as auth_pin_verify, for a name that has no learner. */
void auth_pin_dummy(struct auth *a, const char *pin);

/* A learner's wait in seconds (0 = may try). */
long auth_cooldown_left(struct auth *a, const char *learner_id, int64_t now_ms);
/* Record a wrong PIN / a good login of an existing learner. */
void auth_failed(struct auth *a, const char *learner_id, int64_t now_ms);
void auth_succeeded(struct auth *a, const char *learner_id);

/* An address's wait in seconds before its next login attempt (0 = may). */
long auth_source_wait(struct auth *a, const char *addr, int64_t now_ms);
/* Record a wrong login (wrong PIN or unknown name) from an address. */
void auth_source_failed(struct auth *a, const char *addr, int64_t now_ms);

/* Take one registration for addr: PB_OK (counted), or PB_ERR_LIMIT with
 * *retry_s the seconds until the address (or the box) may register again. */
pb_err auth_register_take(struct auth *a, const char *addr, int64_t now_ms, long *retry_s);
/* Give back a registration taken for one that then failed. */
void auth_register_return(struct auth *a, const char *addr);
/* A facilitator lifts today's limits: every count starts again from 0. */
void auth_register_lift(struct auth *a);

/* A new session token (hex) and the hash the store keeps. */
void auth_new_token(char token[AUTH_TOKEN_HEX], char token_hash[65]);
/* The stored hash of a token presented by a phone; PB_ERR_INVALID if the
 * token is not of our form. */
pb_err auth_token_hash(const char *token, char token_hash[65]);

#endif
