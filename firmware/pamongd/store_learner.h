/* store_learner.h — learners in the store (see store.h): registered on
 * this box with a UUID made here, found by id or by their name key for
 * login. Creating one takes a rev and logs an event. */
#ifndef STORE_LEARNER_H
#define STORE_LEARNER_H

#include <stddef.h>
#include <stdint.h>

#include "pb.h"
#include "store.h"

struct store_learner {
	char id[37];           /* UUID made on the box */
	char name[128];        /* display name, trimmed */
	char position[48];     /* position (jabatan) id */
	char village[20];      /* Kemendagri code PP.RR.DD.VVVV */
	int64_t registered_at; /* wall ms */
	int pin_reset;         /* the PIN is a facilitator's one-time code */
};

/* Learners. name_key is the lower-cased, space-collapsed name used for
 * login; a learner is unique by name_key, village and position together.
 * PB_ERR_EXISTS if one with all three is registered. */
pb_err store_learner_create(struct store *st, const struct store_learner *l,
    const char *name_key, const char *pin_hash, const struct store_when *w);
/* The first registered learner of this name key; PB_ERR_NOTFOUND if none;
 * pin_hash may be NULL. */
pb_err store_learner_by_name(struct store *st, const char *name_key,
    struct store_learner *out, char *pin_hash, size_t pin_hash_len);
pb_err store_learner_get(struct store *st, const char *id, struct store_learner *out);
/* Calls fn for at most limit learner names, sorted, of which a word starts
 * with prefix (compared with the name keys: lower-case it first); stops if
 * fn returns non-zero. */
pb_err store_learner_names(struct store *st, const char *prefix, int limit,
    int (*fn)(void *arg, const char *name), void *arg);

#endif
