/* store_session.h — learners' login sessions in the store (see store.h).
 * Only a hash of each session token is stored. Sessions are not learner
 * data: they take no rev and are never synced. */
#ifndef STORE_SESSION_H
#define STORE_SESSION_H

#include <stdint.h>

#include "pb.h"
#include "store.h"

/* Sessions: only a hash of the token is stored. Lookup renews a session
 * seen more than a day ago and refuses one older than max_age_ms. */
pb_err store_session_create(struct store *st, const char *token_hash,
    const char *learner, int64_t now_ms);
/* However often it is used, a session ends this long after it was made:
 * a phone lent or lost does not stay logged in for ever. */
#define STORE_SESSION_LIFE_MS (365LL * 24 * 3600 * 1000)

pb_err store_session_lookup(struct store *st, const char *token_hash, int64_t now_ms,
    int64_t max_age_ms, char learner[37]);
pb_err store_session_delete(struct store *st, const char *token_hash);

#endif
