/* store_quiz.h — quiz attempts and their answers in the store (see
 * store.h). The first answer to a question stands; an attempt finishes
 * once and folds its score into the course summary (store_progress.h). */
#ifndef STORE_QUIZ_H
#define STORE_QUIZ_H

#include <stdint.h>

#include "pb.h"
#include "store.h"

struct store_attempt {
	char id[37];
	char learner[37];
	char course[64];
	int finished;
	int pre;           /* 1: a pre-test attempt, 0: the final quiz */
	int score, correct, total, passed; /* valid when finished */
	int64_t started_at, finished_at;
};

struct store_answer {
	char question[64];
	char choices[64];  /* comma-separated choice ids, e.g. "a,c" */
	int correct;
};

/* Quiz attempts. create: PB_ERR_EXISTS if this learner already has the
 * attempt (not an error for the caller: idempotent retry), PB_ERR_DENIED if
 * the id belongs to another learner or course. */
pb_err store_attempt_create(struct store *st, const char *attempt, const char *learner,
    const char *course, const struct store_when *w);
/* store_attempt_create of a pre-test (pre != 0) or final-quiz attempt; an
 * existing attempt of the other kind is PB_ERR_DENIED. A finished pre-test
 * does not count as a quiz attempt: the first one's score becomes the
 * summary's pre_score. */
pb_err store_attempt_create_kind(struct store *st, const char *attempt, const char *learner,
    const char *course, int pre, const struct store_when *w);
pb_err store_attempt_get(struct store *st, const char *attempt, struct store_attempt *out);
pb_err store_answers(struct store *st, const char *attempt,
    int (*fn)(void *arg, const struct store_answer *a), void *arg);
/* Records the first answer to a question; PB_ERR_EXISTS (and the stored
 * answer in *stored) if it was already answered; PB_ERR_STATE if finished. */
pb_err store_answer_put(struct store *st, const char *attempt, const char *question,
    const char *choices, int correct, const struct store_when *w,
    struct store_answer *stored);
/* Finishes an attempt once and updates the course summary (best score,
 * passed, status, completed_at). PB_ERR_EXISTS if it was already finished
 * (*out then holds the stored result). */
pb_err store_attempt_finish(struct store *st, const char *attempt, int score, int correct,
    int total, int passing_score, int lessons_total, const struct store_when *w,
    struct store_attempt *out);

#endif
