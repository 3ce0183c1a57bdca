/* store_progress.h — lessons opened and completed, and the
 * per-learner-per-course summaries they (and quiz attempts, store_quiz.h)
 * keep up to date, in the store (see store.h). Every write takes a rev,
 * logs an event and recomputes the course's summary. */
#ifndef STORE_PROGRESS_H
#define STORE_PROGRESS_H

#include <stdint.h>

#include "pb.h"
#include "store.h"

struct store_summary {
	char learner[37];
	char course[64];
	char status[16];       /* not_started, in_progress, completed */
	int lessons_done;
	int lessons_total;
	int best_score;        /* percent, -1 if no finished attempt (the post-test's score) */
	int pre_score;         /* the first finished pre-test's percent, -1 if none */
	int passed;            /* a finished attempt reached the passing score */
	int attempts;          /* finished attempts */
	int64_t seconds_spent; /* lessons' total time */
	int64_t first_activity, last_activity, completed_at; /* wall ms, 0 if none */
	int64_t rev;
};

struct store_lesson {
	char lesson[64];
	int opened, done;
	int64_t seconds_spent;
	int64_t last_activity;
};

/* Progress. lessons_total comes from the catalog. */
pb_err store_lesson_open(struct store *st, const char *learner, const char *course,
    const char *lesson, int lessons_total, const struct store_when *w);
/* Marks done and adds seconds; *lessons_done gets the course's new count. */
pb_err store_lesson_complete(struct store *st, const char *learner, const char *course,
    const char *lesson, int64_t seconds, int lessons_total, const struct store_when *w,
    int *lessons_done);
/* Adds time spent on a lesson without marking it done (a visit left early). */
pb_err store_lesson_time(struct store *st, const char *learner, const char *course,
    const char *lesson, int64_t seconds, int lessons_total, const struct store_when *w);
/* store_lesson_complete (complete != 0) or store_lesson_time for a visit
 * the phone names: total is the visit's running total of seconds, and only
 * what it adds to the highest total counted for (learner, visit) is added,
 * so the same request sent again (its reply lost) counts nothing twice. */
pb_err store_lesson_visit(struct store *st, const char *learner, const char *course,
    const char *lesson, const char *visit, int64_t total, int complete, int lessons_total,
    const struct store_when *w, int *lessons_done);
/* Calls fn for each lesson of (learner, course) that has a row. */
pb_err store_lessons(struct store *st, const char *learner, const char *course,
    int (*fn)(void *arg, const struct store_lesson *l), void *arg);
/* PB_ERR_NOTFOUND if the learner never touched the course. */
pb_err store_summary_get(struct store *st, const char *learner, const char *course,
    struct store_summary *out);
/* Every summary of one learner, most recent activity first. */
pb_err store_summaries(struct store *st, const char *learner,
    int (*fn)(void *arg, const struct store_summary *s), void *arg);

#endif
