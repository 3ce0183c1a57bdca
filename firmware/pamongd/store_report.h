/* store_report.h — what the console's printables read from the store
 * (see store.h): the learners of a village with what they did in a span of
 * time (the attendance list). */
#ifndef STORE_REPORT_H
#define STORE_REPORT_H

#include <stdint.h>

#include "pb.h"
#include "store.h"
#include "store_learner.h"

/* One learner of the attendance list. */
struct store_attendance {
	struct store_learner l;
	int64_t events;       /* what they did in the span (opened, completed, answered…) */
	int64_t first_ms;     /* the first of it (box wall ms), 0 if none */
	int64_t last_ms;      /* the last of it */
};

/* Calls fn for every learner of village, by name, with their activity in
 * [from_ms, to_ms) of the box's wall clock; stops if fn returns non-zero. */
pb_err store_attendance(struct store *st, const char *village, int64_t from_ms,
    int64_t to_ms, int (*fn)(void *arg, const struct store_attendance *a), void *arg);

#endif
