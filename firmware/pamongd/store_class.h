/* store_class.h — the facilitator console's views of the class (see
 * store.h): the day at a glance (active learners, lessons completed,
 * quiz results; per course and per village) and the learners table with
 * its search, filters, sort and pages. Reads only. */
#ifndef STORE_CLASS_H
#define STORE_CLASS_H

#include <stdint.h>

#include "pb.h"
#include "store.h"

/* ---- today ---- */

struct store_today {
	int64_t learners;        /* registered, not merged away */
	int64_t active;          /* with activity since active_since (-1: not asked) */
	int64_t lessons;         /* lessons completed since day_start */
	int64_t quizzes, passed; /* attempts finished since day_start, and passed */
};

struct store_today_course {
	char course[64];
	int64_t started, completed;   /* learners with a summary; completed it */
	int64_t lessons;              /* lessons completed since day_start */
	int64_t quizzes, passed;      /* attempts finished since day_start */
};

struct store_today_village {
	char village[20];
	int64_t learners, active, completed; /* completed: learners with a course done */
};

/* active_since 0: leave active out (-1), e.g. when the villages' sum gives it. */
pb_err store_today(struct store *st, int64_t day_start, int64_t active_since,
    struct store_today *out);
pb_err store_today_courses(struct store *st, int64_t day_start,
    int (*fn)(void *arg, const struct store_today_course *c), void *arg);
pb_err store_today_villages(struct store *st, int64_t active_since,
    int (*fn)(void *arg, const struct store_today_village *v), void *arg);

/* ---- the learners table ---- */

enum store_class_sort {
	STORE_SORT_NAME, STORE_SORT_VILLAGE, STORE_SORT_POSITION, STORE_SORT_REGISTERED,
	STORE_SORT_ACTIVITY, STORE_SORT_PROGRESS
};

/* Filters: "" = any. q: the start of a word of the name (a name key).
 * course: whose status is shown and filtered (without status: learners who
 * started it). status: not_started, in_progress or completed — of that
 * course, or without one: no course started / a course under way / a
 * course completed. */
struct store_class_query {
	const char *q, *village, *position, *course, *status;
	enum store_class_sort sort;
	int desc;
	int limit, offset;
};

struct store_class_row {
	char id[37];
	char name[128];
	char village[20];
	char position[48];
	int64_t registered_at, last_activity, seconds_spent;
	int started, completed;        /* courses */
	char status[16];               /* of the query's course */
	int lessons_done, lessons_total, best_score;
};

/* The page of rows; *total the rows of all pages. */
pb_err store_class_learners(struct store *st, const struct store_class_query *q,
    int (*fn)(void *arg, const struct store_class_row *r), void *arg, int64_t *total);

#endif
