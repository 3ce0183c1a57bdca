/* clockmath.c — see clockmath.h. */
#include "clockmath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pb_err
clockmath__push(struct clockmath_vec *a, int64_t x)
{
	int64_t *nv;
	size_t cap;

	if (a->n == a->cap) {
		cap = a->cap ? a->cap * 2 : 16;
		if ((nv = realloc(a->v, cap * sizeof(*nv))) == NULL)
			return PB_ERR_NOMEM;
		a->v = nv;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return PB_OK;
}

static int
clockmath__cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The median of n sorted values (the mean of the middle two if n is even). */
int64_t
clockmath_median(const int64_t *v, size_t n)
{
	if (n % 2 == 1)
		return v[n / 2];
	return v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

int
clockmath_vote(int64_t *votes, size_t n, int64_t *offset)
{
	int64_t m;
	size_t i, lo, hi;

	if (n == 0)
		return 0;
	qsort(votes, n, sizeof(votes[0]), clockmath__cmp64);
	m = votes[(n - 1) / 2];
	for (lo = 0; votes[lo] < m - CLOCKMATH_AGREE_MS; lo++)
		;
	for (hi = n; votes[hi - 1] > m + CLOCKMATH_AGREE_MS; hi--)
		;
	i = hi - lo;
	if (2 * i <= n)
		return 0;
	*offset = clockmath_median(votes + lo, i);
	return (int)i;
}

/* Close one learner's group into a vote (the group's values are sorted). */
static pb_err
clockmath__learner_done(struct clockmath_boot *b)
{
	pb_err err = PB_OK;

	if (b->vals.n > 0)
		err = clockmath__push(&b->votes, clockmath_median(b->vals.v, b->vals.n));
	b->vals.n = 0;
	return err;
}

pb_err
clockmath_boot_add(struct clockmath_boot *b, const char *learner, int64_t diff_ms)
{
	pb_err err;

	if (strcmp(learner, b->learner) != 0) {
		if ((err = clockmath__learner_done(b)) != PB_OK)
			return err;
		snprintf(b->learner, sizeof(b->learner), "%s", learner);
	}
	return clockmath__push(&b->vals, diff_ms);
}

pb_err
clockmath_boot_decide(struct clockmath_boot *b, int64_t *offset, int *votes)
{
	pb_err err;

	*votes = 0;
	err = clockmath__learner_done(b);
	if (err == PB_OK)
		*votes = clockmath_vote(b->votes.v, b->votes.n, offset);
	b->votes.n = 0;
	b->learner[0] = '\0';
	return err;
}

void
clockmath_boot_free(struct clockmath_boot *b)
{
	free(b->vals.v);
	free(b->votes.v);
	memset(b, 0, sizeof(*b));
}

int
clockmath_moves(int64_t offset_ms)
{
	return offset_ms > CLOCKMATH_TOLERANCE_MS || offset_ms < -CLOCKMATH_TOLERANCE_MS;
}

int
clockmath_phone_same(int64_t stored_ms, int stored_votes, int64_t new_ms,
    int new_votes)
{
	return stored_votes == new_votes && llabs(stored_ms - new_ms) < CLOCKMATH_SAME_MS;
}
