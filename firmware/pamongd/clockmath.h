/* clockmath.h — the rule that corrects the box's clock (docs/SYNC.md,
 * Clock) as pure arithmetic: no I/O, no SQLite, no clock reads.
 *
 * A boot's offset is real time - the box's wall clock in that boot. From
 * the phones: each learner's phone - box differences recorded in the boot
 * give that learner one vote (their median); the votes within
 * CLOCKMATH_AGREE_MS of the lower median must be a strict majority, and
 * the offset is the median of those. An offset within CLOCKMATH_TOLERANCE_MS
 * is not applied to times. store_clock.c feeds this the events and stores
 * what it decides. */
#ifndef CLOCKMATH_H
#define CLOCKMATH_H

#include <stddef.h>
#include <stdint.h>

#include "pb.h"

#define CLOCKMATH_TOLERANCE_MS 120000 /* a smaller offset is not applied */
#define CLOCKMATH_AGREE_MS 120000     /* phones this close to the median agree */
#define CLOCKMATH_MIN_PHONE_MS 1704067200000LL /* 2024-01-01: earlier is wrong */
#define CLOCKMATH_MAX_PHONE_MS 4102444800000LL /* 2100-01-01: later is wrong */
#define CLOCKMATH_SAME_MS 1000 /* a revised phone offset closer than this is not rewritten */

/* A growable array of int64. */
struct clockmath_vec {
	int64_t *v;
	size_t n, cap;
};

/* One boot's phone readings being turned into votes. Zero-initialised it
 * is empty; free it with clockmath_boot_free(). */
struct clockmath_boot {
	struct clockmath_vec vals;  /* the current learner's differences, sorted */
	struct clockmath_vec votes; /* one per learner closed so far */
	char learner[37];           /* whose differences vals holds */
};

/* The median of n > 0 sorted values (the mean of the middle two, rounded
 * down, if n is even). */
int64_t clockmath_median(const int64_t *v, size_t n);

/* A boot's phone offset from one vote per learner (each that learner's
 * median phone - box difference): the votes within CLOCKMATH_AGREE_MS of
 * the lower median must be a strict majority; the offset is their median.
 * Sorts votes. Returns the number of agreeing votes, 0 if none decide
 * (*offset is then left as it was). */
int clockmath_vote(int64_t *votes, size_t n, int64_t *offset);

/* Add one reading (a phone's time - the box's, ms) of learner. Readings
 * must come sorted by learner, then by value. */
pb_err clockmath_boot_add(struct clockmath_boot *b, const char *learner,
    int64_t diff_ms);
/* Close the boot: *votes gets the number of agreeing votes (0: the phones
 * do not decide) and, if any, *offset the offset (as clockmath_vote).
 * Leaves b empty for the next boot. */
pb_err clockmath_boot_decide(struct clockmath_boot *b, int64_t *offset, int *votes);
void clockmath_boot_free(struct clockmath_boot *b);

/* Non-zero if an offset is beyond the tolerance: times are moved by it. */
int clockmath_moves(int64_t offset_ms);

/* Non-zero if a phone offset learned again is the one stored (same votes,
 * less than CLOCKMATH_SAME_MS apart): a busy boot's median moves by
 * milliseconds, and rewriting it would cost a write for nothing. */
int clockmath_phone_same(int64_t stored_ms, int stored_votes, int64_t new_ms,
    int new_votes);

#endif
