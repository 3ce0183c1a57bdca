/* api_quiz.c — a course's quiz: an attempt started (its id made by the
 * phone), an answer recorded with its feedback, the attempt finished and
 * scored. Answers reach the phone only after it submits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "store_progress.h"
#include "store_quiz.h"
#include "util.h"

static json_t *
api__split_choices(const char *csv)
{
	json_t *a = json_array();
	char buf[64], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", csv);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(tok));
	return a;
}

static json_t *
api__correct_choices(const struct cat_question *q)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < q->nchoices; i++)
		if (q->choices[i].correct)
			json_array_append_new(a, json_string(q->choices[i].id));
	return a;
}

/* Feedback for one answered question. */
static json_t *
api__feedback(const struct cat_question *q, const struct store_answer *a)
{
	return json_pack("{s:s, s:o, s:b, s:o, s:s}", "question", q->id, "choices",
	    api__split_choices(a->choices), "correct", a->correct, "correct_choices",
	    api__correct_choices(q), "explanation", q->explanation);
}

struct api__answers {
	const struct cat_course *c;
	int pre;          /* the pre-test's questions, not the final quiz's */
	json_t *obj;      /* question id → feedback (or recorded) */
	int correct;
	struct store_answer *list; /* indexed like c->questions, for finish */
};

/* The questions of the pre-test (pre != 0) or of the final quiz. */
static const struct cat_question *
api__qs(const struct cat_course *c, int pre, int *n)
{
	*n = pre ? c->npre : c->nquestions;
	return pre ? c->pre_questions : c->questions;
}

static int
api__question_index(const struct cat_course *c, int pre, const char *qid)
{
	int i, n;
	const struct cat_question *qs = api__qs(c, pre, &n);

	for (i = 0; i < n; i++)
		if (strcmp(qs[i].id, qid) == 0)
			return i;
	return -1;
}

static int
api__answer_row(void *arg, const struct store_answer *a)
{
	struct api__answers *as = arg;
	int qi = api__question_index(as->c, as->pre, a->question), n;
	const struct cat_question *qs = api__qs(as->c, as->pre, &n);

	if (qi < 0)
		return 0;
	if (as->list != NULL)
		as->list[qi] = *a;
	if (as->obj != NULL) {
		/* a pre-test never shows answers: its questions may be the final quiz's */
		json_t *f = as->c->feedback_end || as->pre ?
		    json_pack("{s:s, s:o, s:b}", "question", a->question, "choices",
			api__split_choices(a->choices), "recorded", 1) :
		    api__feedback(&qs[qi], a);
		json_object_set_new(as->obj, a->question, f);
	}
	if (a->correct)
		as->correct++;
	return 0;
}

static json_t *
api__questions(const struct cat_course *c, int pre)
{
	json_t *qs = json_array();
	int i, k, n;
	const struct cat_question *v = api__qs(c, pre, &n);

	for (i = 0; i < n; i++) {
		const struct cat_question *q = &v[i];
		json_t *ch = json_array();

		for (k = 0; k < q->nchoices; k++)
			json_array_append_new(ch, json_pack("{s:s, s:s}", "id", q->choices[k].id,
			    "text", q->choices[k].text));
		json_array_append_new(qs, json_pack("{s:s, s:s, s:s, s:o}", "id", q->id, "type",
		    q->multiple ? "multiple" : "single", "text", q->text, "choices", ch));
	}
	return qs;
}

/* Loads an attempt of the logged-in learner and its course; answers 404
 * and returns 0 otherwise. */
static int
api__my_attempt(struct req *r, const char *id, struct store_attempt *at,
    const struct cat_course **c)
{
	pb_err rc;

	if (!util_is_uuid(id)) {
		api__error(r, 404, "not_found", "no such attempt");
		return 0;
	}
	rc = store_attempt_get(r->app->store, id, at);
	if (rc == PB_ERR_NOTFOUND || (rc == PB_OK && strcmp(at->learner, r->me.id) != 0)) {
		api__error(r, 404, "not_found", "no such attempt");
		return 0;
	}
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return 0;
	}
	if ((*c = cat_course_find(r->snap, at->course)) == NULL) {
		api__error(r, 404, "not_found", "the course of this attempt is not installed");
		return 0;
	}
	return 1;
}

void
api__attempt_create(struct req *r)
{
	const char *id = api__str(r, "attempt"), *kind = api__str(r, "kind");
	const struct cat_course *c = api__find_course(r, r->seg[1]);
	struct api__answers as;
	struct store_attempt at;
	struct store_when w;
	int status = 201, pre;
	pb_err rc;

	if (c == NULL)
		return;
	if (id == NULL || !util_is_uuid(id)) {
		api__field_error(r, "attempt", "attempt must be a UUID made by the phone");
		return;
	}
	if (kind != NULL && strcmp(kind, "pre") != 0 && strcmp(kind, "quiz") != 0) {
		api__field_error(r, "kind", "kind must be pre or quiz");
		return;
	}
	pre = kind != NULL && strcmp(kind, "pre") == 0;
	if (pre && c->npre == 0) {
		api__error(r, 404, "not_found", "this course has no pre-test");
		return;
	}
	api__when(r, &w);
	rc = store_attempt_create_kind(r->app->store, id, r->me.id, c->id, pre, &w);
	if (rc == PB_ERR_EXISTS) {
		status = 200;
	} else if (rc == PB_ERR_DENIED) {
		api__error(r, 409, "attempt_conflict", "this attempt id is used elsewhere");
		return;
	} else if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	if ((rc = store_attempt_get(r->app->store, id, &at)) != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	memset(&as, 0, sizeof(as));
	as.c = c;
	as.pre = pre;
	as.obj = json_object();
	if ((rc = store_answers(r->app->store, id, api__answer_row, &as)) != PB_OK) {
		json_decref(as.obj);
		api__store_error(r, rc);
		return;
	}
	http_send_json(r->conn, status, json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o}",
	    "attempt", id, "course", c->id, "kind", pre ? "pre" : "quiz",
	    "feedback", c->feedback_end || pre ? "end" : "immediate",
	    "finished", at.finished, "questions", api__questions(c, pre), "answers", as.obj), NULL);
}

/* Checks the phone's choices against the question; builds "a,c" sorted. */
static int
api__parse_choices(struct req *r, const struct cat_question *q, char *csv, size_t len,
    int *correct)
{
	json_t *arr = json_object_get(r->body, "choices"), *v;
	int chosen[8] = { 0 }, n = 0, k;
	size_t i, o = 0;

	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		api__field_error(r, "choices", "choices must be a list of choice ids");
		return 0;
	}
	json_array_foreach(arr, i, v) {
		const char *id = json_is_string(v) ? json_string_value(v) : "";

		for (k = 0; k < q->nchoices && k < 8; k++)
			if (strcmp(q->choices[k].id, id) == 0)
				break;
		if (k == q->nchoices || k >= 8 || chosen[k]) {
			api__field_error(r, "choices", "unknown or repeated choice id");
			return 0;
		}
		chosen[k] = 1;
		n++;
	}
	if (!q->multiple && n != 1) {
		api__field_error(r, "choices", "this question takes exactly one choice");
		return 0;
	}
	*correct = 1;
	csv[0] = '\0';
	for (k = 0; k < q->nchoices && k < 8; k++) {
		if (chosen[k] != q->choices[k].correct)
			*correct = 0;
		if (chosen[k])
			o += (size_t)snprintf(csv + o, len - o, "%s%s", o ? "," : "",
			    q->choices[k].id);
	}
	return 1;
}

void
api__answer(struct req *r)
{
	const struct cat_question *q;
	const struct cat_course *c;
	struct store_answer stored;
	struct store_attempt at;
	struct store_when w;
	char csv[64];
	int correct;
	pb_err rc;

	if (!api__my_attempt(r, r->seg[1], &at, &c))
		return;
	if ((q = cat_question_of(c, at.pre, r->seg[3])) == NULL) {
		api__error(r, 404, "not_found", "no such question");
		return;
	}
	if (!api__parse_choices(r, q, csv, sizeof(csv), &correct))
		return;
	api__when(r, &w);
	memset(&stored, 0, sizeof(stored));
	rc = store_answer_put(r->app->store, at.id, q->id, csv, correct, &w, &stored);
	if (rc == PB_ERR_STATE) {
		api__error(r, 409, "attempt_finished", "this attempt is finished");
		return;
	}
	if (rc == PB_OK) {
		snprintf(stored.question, sizeof(stored.question), "%s", q->id);
		snprintf(stored.choices, sizeof(stored.choices), "%s", csv);
		stored.correct = correct;
	} else if (rc != PB_ERR_EXISTS) {
		api__store_error(r, rc);
		return;
	}
	if (c->feedback_end || at.pre)
		http_send_json(r->conn, 200, json_pack("{s:s, s:b}", "question", q->id,
		    "recorded", 1), NULL);
	else
		http_send_json(r->conn, 200, api__feedback(q, &stored), NULL);
}

void
api__finish(struct req *r)
{
	struct store_answer *list = NULL;
	const struct cat_course *c;
	struct store_attempt at, res;
	struct api__answers as;
	struct store_summary s;
	struct store_when w;
	const struct cat_question *qs;
	json_t *results;
	int score, i, n;
	pb_err rc;

	if (!api__my_attempt(r, r->seg[1], &at, &c))
		return;
	qs = api__qs(c, at.pre, &n);
	if ((list = calloc((size_t)n + 1, sizeof(*list))) == NULL) {
		api__error(r, 503, "unavailable", "out of memory");
		return;
	}
	memset(&as, 0, sizeof(as));
	as.c = c;
	as.pre = at.pre;
	as.list = list;
	if ((rc = store_answers(r->app->store, at.id, api__answer_row, &as)) != PB_OK)
		goto fail;
	score = n > 0 ? as.correct * 100 / n : 0;
	api__when(r, &w);
	rc = store_attempt_finish(r->app->store, at.id, score, as.correct, n,
	    c->passing_score, c->nlessons, &w, &res);
	if (rc != PB_OK && rc != PB_ERR_EXISTS)
		goto fail;
	if ((rc = store_summary_get(r->app->store, r->me.id, c->id, &s)) != PB_OK)
		goto fail;
	results = json_array();
	for (i = 0; i < n && !at.pre; i++) { /* no answers for a pre-test */
		struct store_answer a = list[i];

		if (a.question[0] == '\0')
			snprintf(a.question, sizeof(a.question), "%s", qs[i].id);
		json_array_append_new(results, api__feedback(&qs[i], &a));
	}
	free(list);
	http_send_json(r->conn, 200, json_pack("{s:s, s:s, s:i, s:i, s:i, s:b, s:i, s:i, s:s, s:o, "
	    "s:o, s:o}", "attempt", at.id, "kind", at.pre ? "pre" : "quiz", "score", res.score,
	    "correct", res.correct, "total", res.total, "passed", res.passed,
	    "passing_score", c->passing_score, "best_score", s.best_score,
	    "course_status", s.status, "results", results,
	    "pre_score", s.pre_score >= 0 ? json_integer(s.pre_score) : json_null(),
	    "post_score", s.best_score >= 0 ? json_integer(s.best_score) : json_null()), NULL);
	return;
fail:
	free(list);
	api__store_error(r, rc);
}
