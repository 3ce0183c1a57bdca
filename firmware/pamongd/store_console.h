/* store_console.h — the facilitator console's tables in the store (see
 * store.h): facilitators (argon2id password hashes), their console sessions
 * (apart from learners': only a hash of each token, with the session's
 * CSRF token) and the audit log of console actions. None of it is learner
 * data: no rev, never synced. */
#ifndef STORE_CONSOLE_H
#define STORE_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "pb.h"
#include "store.h"

#define STORE_FAC_NAME_MAX 33   /* username: 3..32 of [a-z0-9._-] + NUL */
#define STORE_CSRF_HEX 33       /* 16 random bytes as hex + NUL */

struct store_fac {
	char id[37];
	char username[STORE_FAC_NAME_MAX];
	int64_t created_at;    /* wall ms */
	char created_by[37];   /* stored: the creator's id; read: their username ("" for the
	                        * first, "-" when the creator was removed) */
	int64_t disabled_at;   /* wall ms when another disabled them; 0 if active */
};

enum store_fac_op { STORE_FAC_DISABLE, STORE_FAC_ENABLE, STORE_FAC_REMOVE };

/* How many facilitators there are. */
pb_err store_fac_count(struct store *st, int64_t *n);
/* Add one. first: only if there is none yet (PB_ERR_STATE otherwise), so
 * two setups racing make one account. PB_ERR_EXISTS if the username is
 * taken. */
pb_err store_fac_create(struct store *st, const struct store_fac *f,
    const char *pw_hash, int first);
/* By username; pw_hash (may be NULL) gets the hash. PB_ERR_NOTFOUND. */
pb_err store_fac_by_name(struct store *st, const char *username, struct store_fac *out,
    char *pw_hash, size_t pw_hash_len);
pb_err store_fac_set_password(struct store *st, const char *id, const char *pw_hash);
/* Another facilitator (target) disabled (their sessions end), enabled again
 * or removed (their sessions end; their audit rows stay) by actor, who must
 * be active: PB_ERR_STATE for oneself, PB_ERR_LIMIT when no active
 * facilitator would be left, PB_ERR_DENIED if the actor is no longer active, PB_ERR_NOTFOUND,
 * PB_ERR_EXISTS if already disabled (enabled). */
pb_err store_fac_set_state(struct store *st, const char *actor, const char *target,
    enum store_fac_op op, int64_t now_ms);
/* Calls fn for every facilitator, by username. */
pb_err store_fac_list(struct store *st, int (*fn)(void *arg, const struct store_fac *f),
    void *arg);

/* Console sessions: made at login; a lookup refuses (and deletes) one idle
 * longer than idle_ms or older than life_ms, and renews last_seen at most
 * once a minute. */
pb_err store_csession_create(struct store *st, const char *token_hash,
    const char *fac_id, const char *csrf, int64_t now_ms);
pb_err store_csession_lookup(struct store *st, const char *token_hash, int64_t now_ms,
    int64_t idle_ms, int64_t life_ms, struct store_fac *fac, char csrf[STORE_CSRF_HEX]);
pb_err store_csession_delete(struct store *st, const char *token_hash);
/* End every session of a facilitator but keep (may be NULL). */
pb_err store_csession_end_others(struct store *st, const char *fac_id, const char *keep);

/* One audit row. */
struct store_audit {
	int64_t id, at;        /* at: wall ms */
	char facilitator[37];  /* "" when nobody was logged in (a failed login) */
	char username[STORE_FAC_NAME_MAX];
	char action[32];
	char detail[256];
	char addr[48];
};

pb_err store_audit_add(struct store *st, const struct store_audit *a);
/* The newest rows with id < before (0: from the newest), at most limit. */
pb_err store_audit_list(struct store *st, int64_t before, int limit,
    int (*fn)(void *arg, const struct store_audit *a), void *arg);

struct store_attempt;
/* A learner's quiz attempts, newest first, at most limit. */
pb_err store_console_attempts(struct store *st, const char *learner, int limit,
    int (*fn)(void *arg, const struct store_attempt *a), void *arg);

#endif
