/* store_quiz.c — quiz attempts and answers in the store (see store_quiz.h). */
#include <stdio.h>
#include <string.h>

#include "store_int.h"
#include "store_progress.h"
#include "store_quiz.h"

struct store__attempt {
	const char *attempt, *learner, *course;
	const char *question, *choices;
	int correct;
	int score, ncorrect, total, passing_score, lessons_total;
	int pre;
	const struct store_when *w;
	struct store_answer *stored;
	struct store_attempt *out;
};

static const char sql_attempt_get[] =
    "SELECT id, learner, course, finished_at IS NOT NULL, coalesce(score, 0), "
    "coalesce(correct, 0), coalesce(total, 0), coalesce(passed, 0), started_at, "
    "coalesce(finished_at, 0), kind = 'pre' FROM attempts WHERE id = ?";

static void
store__row_attempt(sqlite3_stmt *stmt, struct store_attempt *a)
{
	memset(a, 0, sizeof(*a));
	sqlu_col_text(stmt, 0, a->id, sizeof(a->id));
	sqlu_col_text(stmt, 1, a->learner, sizeof(a->learner));
	sqlu_col_text(stmt, 2, a->course, sizeof(a->course));
	a->finished = sqlite3_column_int(stmt, 3);
	a->score = sqlite3_column_int(stmt, 4);
	a->correct = sqlite3_column_int(stmt, 5);
	a->total = sqlite3_column_int(stmt, 6);
	a->passed = sqlite3_column_int(stmt, 7);
	a->started_at = sqlite3_column_int64(stmt, 8);
	a->finished_at = sqlite3_column_int64(stmt, 9);
	a->pre = sqlite3_column_int(stmt, 10);
}

/* Read an attempt on connection c; PB_ERR_NOTFOUND if there is none. */
static pb_err
store__attempt_read(struct store__conn *c, const char *id, struct store_attempt *out)
{
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(c, sql_attempt_get)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "t", id);
	if (err == PB_OK)
		err = sqlu_step_row(stmt);
	if (err == PB_OK)
		store__row_attempt(stmt, out);
	sqlu_done(stmt);
	return err;
}

static pb_err
store__attempt_create(struct store *st, void *arg)
{
	struct store__attempt *a = arg;
	struct store_attempt cur;
	sqlite3_stmt *stmt;
	int64_t rev;
	pb_err err;

	err = store__attempt_read(st->w, a->attempt, &cur);
	if (err == PB_OK) {
		if (strcmp(cur.learner, a->learner) == 0 &&
		    strcmp(cur.course, a->course) == 0 && cur.pre == a->pre)
			return PB_ERR_EXISTS;
		return PB_ERR_DENIED;
	}
	if (err != PB_ERR_NOTFOUND)
		return err;
	if ((stmt = store__prep(st->w, "INSERT INTO attempts (id, learner, course, "
	    "started_at, kind) VALUES (?, ?, ?, ?, ?)")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tttit", a->attempt, a->learner, a->course,
	    a->w->wall_ms, a->pre ? "pre" : "quiz");
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err == PB_OK)
		err = store__event(st, a->learner, a->course, a->pre ? "pretest_start" :
		    "attempt_start", a->attempt, a->w, &rev);
	if (err == PB_OK)
		err = store__summary_update(st, a->learner, a->course, -1, a->w, rev,
		    NULL, NULL);
	return err;
}

pb_err
store_attempt_create_kind(struct store *st, const char *attempt, const char *learner,
    const char *course, int pre, const struct store_when *w)
{
	struct store_when def;
	struct store__attempt a;

	if (attempt == NULL || learner == NULL || course == NULL)
		return PB_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.attempt = attempt;
	a.learner = learner;
	a.course = course;
	a.pre = pre != 0;
	a.w = store__when(st, w, &def);
	return store__submit(st, store__attempt_create, &a);
}

pb_err
store_attempt_create(struct store *st, const char *attempt, const char *learner,
    const char *course, const struct store_when *w)
{
	return store_attempt_create_kind(st, attempt, learner, course, 0, w);
}

pb_err
store_attempt_get(struct store *st, const char *attempt, struct store_attempt *out)
{
	struct store__conn *c;
	pb_err err;

	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	err = store__attempt_read(c, attempt, out);
	store__put(st, c);
	return err;
}

static const char sql_answer_get[] =
    "SELECT question, choices, correct FROM attempt_answers "
    "WHERE attempt = ? AND question = ?";

static void
store__row_answer(sqlite3_stmt *stmt, struct store_answer *a)
{
	memset(a, 0, sizeof(*a));
	sqlu_col_text(stmt, 0, a->question, sizeof(a->question));
	sqlu_col_text(stmt, 1, a->choices, sizeof(a->choices));
	a->correct = sqlite3_column_int(stmt, 2);
}

/* The caller's callback and its argument, for a row callback. */
struct store__answer_fn {
	int (*fn)(void *arg, const struct store_answer *a);
	void *arg;
};

static int
store__answer_each(void *arg, sqlite3_stmt *stmt)
{
	const struct store__answer_fn *a = arg;
	struct store_answer ans;

	store__row_answer(stmt, &ans);
	return a->fn(a->arg, &ans);
}

pb_err
store_answers(struct store *st, const char *attempt,
    int (*fn)(void *arg, const struct store_answer *a), void *arg)
{
	struct store__answer_fn a = { fn, arg };

	return store__rows(st, "SELECT question, choices, correct FROM "
	    "attempt_answers WHERE attempt = ? ORDER BY rowid", store__answer_each, &a,
	    "t", attempt);
}

/* The first answer stands: an answered question gives PB_ERR_EXISTS and the
 * stored answer even after the attempt finished (a retry); a new answer to
 * a finished attempt gives PB_ERR_STATE. */
static pb_err
store__answer_put(struct store *st, void *arg)
{
	struct store__attempt *a = arg;
	struct store_attempt cur;
	sqlite3_stmt *stmt;
	int64_t rev;
	pb_err err;

	err = store__attempt_read(st->w, a->attempt, &cur);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(st->w, sql_answer_get)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tt", a->attempt, a->question);
	if (err == PB_OK)
		err = sqlu_step_row(stmt);
	if (err == PB_OK && a->stored != NULL)
		store__row_answer(stmt, a->stored);
	sqlu_done(stmt);
	if (err == PB_OK)
		return PB_ERR_EXISTS;
	if (err != PB_ERR_NOTFOUND)
		return err;
	if (cur.finished)
		return PB_ERR_STATE;
	if ((stmt = store__prep(st->w, "INSERT INTO attempt_answers (attempt, question, "
	    "choices, correct, answered_at) VALUES (?, ?, ?, ?, ?)")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "tttdi", a->attempt, a->question, a->choices,
	    a->correct ? 1 : 0, a->w->wall_ms);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err == PB_OK)
		err = store__event(st, cur.learner, cur.course, "answer", a->question,
		    a->w, &rev);
	if (err == PB_OK)
		err = store__summary_update(st, cur.learner, cur.course, -1, a->w, rev,
		    NULL, NULL);
	if (err == PB_OK && a->stored != NULL) {
		memset(a->stored, 0, sizeof(*a->stored));
		snprintf(a->stored->question, sizeof(a->stored->question), "%s",
		    a->question);
		snprintf(a->stored->choices, sizeof(a->stored->choices), "%s", a->choices);
		a->stored->correct = a->correct ? 1 : 0;
	}
	return err;
}

pb_err
store_answer_put(struct store *st, const char *attempt, const char *question,
    const char *choices, int correct, const struct store_when *w,
    struct store_answer *stored)
{
	struct store_when def;
	struct store__attempt a;

	if (attempt == NULL || question == NULL || choices == NULL)
		return PB_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.attempt = attempt;
	a.question = question;
	a.choices = choices;
	a.correct = correct;
	a.stored = stored;
	a.w = store__when(st, w, &def);
	return store__submit(st, store__answer_put, &a);
}

static pb_err
store__attempt_finish(struct store *st, void *arg)
{
	struct store__attempt *a = arg;
	struct store__finish fin;
	struct store_attempt cur;
	sqlite3_stmt *stmt;
	char detail[64];
	int64_t rev;
	pb_err err;

	err = store__attempt_read(st->w, a->attempt, &cur);
	if (err != PB_OK)
		return err;
	if (cur.finished) {
		if (a->out != NULL)
			*a->out = cur;
		return PB_ERR_EXISTS;
	}
	fin.score = a->score;
	fin.passed = !cur.pre && a->score >= a->passing_score;
	if ((stmt = store__prep(st->w, "UPDATE attempts SET finished_at = ?, "
	    "score = ?, correct = ?, total = ?, passed = ? WHERE id = ?")) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "iddddt", a->w->wall_ms, a->score, a->ncorrect,
	    a->total, fin.passed, a->attempt);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err != PB_OK)
		return err;
	snprintf(detail, sizeof(detail), "%s score=%d", a->attempt, a->score);
	err = store__event(st, cur.learner, cur.course, cur.pre ? "pretest_finish" :
	    "attempt_finish", detail, a->w, &rev);
	/* the first finished pre-test is the course's pre_score; it is no quiz
	 * attempt (best score, passed and attempts are the final quiz's) */
	if (err == PB_OK && cur.pre) {
		if ((stmt = store__prep(st->w, "UPDATE course_summary SET pre_score = ? "
		    "WHERE learner = ? AND course = ? AND pre_score < 0")) == NULL)
			return PB_ERR_DB;
		err = sqlu_bind(stmt, "dtt", a->score, cur.learner, cur.course);
		if (err == PB_OK)
			err = sqlu_step_done(stmt);
		sqlu_done(stmt);
	}
	if (err == PB_OK)
		err = store__summary_update(st, cur.learner, cur.course, a->lessons_total,
		    a->w, rev, cur.pre ? NULL : &fin, NULL);
	if (err == PB_OK && a->out != NULL) {
		*a->out = cur;
		a->out->finished = 1;
		a->out->score = a->score;
		a->out->correct = a->ncorrect;
		a->out->total = a->total;
		a->out->passed = fin.passed;
		a->out->finished_at = a->w->wall_ms;
	}
	return err;
}

pb_err
store_attempt_finish(struct store *st, const char *attempt, int score, int correct,
    int total, int passing_score, int lessons_total, const struct store_when *w,
    struct store_attempt *out)
{
	struct store_when def;
	struct store__attempt a;

	if (attempt == NULL)
		return PB_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.attempt = attempt;
	a.score = score;
	a.ncorrect = correct;
	a.total = total;
	a.passing_score = passing_score;
	a.lessons_total = lessons_total;
	a.out = out;
	a.w = store__when(st, w, &def);
	return store__submit(st, store__attempt_finish, &a);
}
