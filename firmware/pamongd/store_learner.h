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
	char merged_into[37];  /* "" unless merged into that learner */
};

/* Learners. name_key is the comparison key of the space-collapsed name
 * (names_key in names.h: without case, look-alike letters folded) used
 * for login; a learner is unique by name_key, village and position together.
 * PB_ERR_EXISTS if one with all three is registered. */
pb_err store_learner_create(struct store *st, const struct store_learner *l,
    const char *name_key, const char *pin_hash, const struct store_when *w);
/* The first registered learner of this name key; PB_ERR_NOTFOUND if none;
 * pin_hash may be NULL. */
pb_err store_learner_by_name(struct store *st, const char *name_key,
    struct store_learner *out, char *pin_hash, size_t pin_hash_len);
pb_err store_learner_get(struct store *st, const char *id, struct store_learner *out);
/* The same with the PIN hash. */
pb_err store_learner_get_pin(struct store *st, const char *id, struct store_learner *out,
    char *pin_hash, size_t pin_hash_len);
/* Calls fn for at most limit learner names, sorted, of which a word starts
 * with prefix (compared with the name keys: lower-case it first); stops if
 * fn returns non-zero. */
pb_err store_learner_names(struct store *st, const char *prefix, int limit,
    int (*fn)(void *arg, const char *name), void *arg);

/* Bring the name keys made by an older rule (the lower-case name) to
 * names_key's; store_open does it at every start. A learner whose new key
 * another of the same village and jabatan has keeps the old one (logged:
 * a facilitator merges them). *changed (may be NULL): keys changed. */
pb_err store_learner_rekey(struct store *st, int *changed);

/* ---- what a facilitator does for learners (store_learner_admin.c) ---- */

/* Every learner (not merged away) of a name key with their PIN hashes,
 * oldest first: officials of one name told apart by village and jabatan. */
pb_err store_learner_all_by_name(struct store *st, const char *name_key,
    int (*fn)(void *arg, const struct store_learner *l, const char *pin_hash), void *arg);
/* Correct a learner's name, position and village (l->id names them): a new
 * rev, so sync uploads the change. PB_ERR_EXISTS if another learner has
 * that name, village and position; PB_ERR_NOTFOUND. */
pb_err store_learner_edit(struct store *st, const struct store_learner *l,
    const char *name_key, const struct store_when *w);
/* A new PIN hash; reset marks it a facilitator's one-time code (to be
 * replaced at the next login). Every session of the learner ends but keep
 * (a token hash, or NULL). PINs are not synced: no rev. */
pb_err store_learner_set_pin(struct store *st, const char *id, const char *pin_hash,
    int reset, const char *keep);
/* Merge learner from into learner into (one person, two accounts): from's
 * lessons, attempts and summaries become into's (a lesson done in either
 * is done; times spent add up; best score, passes and attempts combine),
 * each changed summary under a new rev; from is marked merged, its
 * sessions end, and the merge is recorded under its rev for sync.
 * PB_ERR_NOTFOUND if either is missing, PB_ERR_INVALID if they are the
 * same or either was merged already. */
pb_err store_learner_merge(struct store *st, const char *from, const char *into,
    const struct store_when *w);
/* Merges recorded after a rev, in rev order (sync). */
pb_err store_changed_merges(struct store *st, int64_t after_rev, int limit,
    int (*fn)(void *arg, const char *from, const char *into, int64_t at, int64_t rev),
    void *arg);

#endif
