/* api_course.c — courses and progress: the course list and one course
 * with its lessons, a lesson opened, time spent, a lesson completed, where
 * to resume, the certificate of a completed course. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "area.h"
#include "store_progress.h"
#include "util.h"

static json_t *
api__nullable_int(int64_t v, int64_t none)
{
	return v == none ? json_null() : json_integer(v);
}

static const char *
api__status(const struct store_summary *s, int have)
{
	return have ? s->status : "not_started";
}

static json_t *
api__course_brief(struct req *r, const struct cat_course *c)
{
	struct store_summary s;
	int have = store_summary_get(r->app->store, r->me.id, c->id, &s) == PB_OK;

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:o, s:b}",
	    "id", c->id, "title", c->title, "summary", c->summary, "language", c->language,
	    "version", c->version, "minutes", c->minutes, "lessons_total", c->nlessons,
	    "lessons_done", have ? s.lessons_done : 0, "status", api__status(&s, have),
	    "best_score", have && s.best_score >= 0 ? json_integer(s.best_score) : json_null(),
	    "passed", have && s.passed);
}

void
api__courses(struct req *r)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < r->snap->ncourses; i++)
		json_array_append_new(a, api__course_brief(r, r->snap->courses[i]));
	http_send_json(r->conn, 200, json_pack("{s:o}", "courses", a), NULL);
}

struct api__lessons {
	const struct cat_course *c;
	struct store_lesson *rows; /* indexed like c->lessons */
};

static int
api__lesson_row(void *arg, const struct store_lesson *l)
{
	struct api__lessons *ls = arg;
	int i = cat_lesson_index(ls->c, l->lesson);

	if (i >= 0)
		ls->rows[i] = *l;
	return 0;
}

static pb_err
api__load_lessons(struct req *r, const struct cat_course *c, struct store_lesson **rows)
{
	struct api__lessons ls = { c, NULL };
	pb_err rc;

	if ((ls.rows = calloc((size_t)c->nlessons + 1, sizeof(*ls.rows))) == NULL)
		return PB_ERR_NOMEM;
	if ((rc = store_lessons(r->app->store, r->me.id, c->id, api__lesson_row, &ls)) != PB_OK) {
		free(ls.rows);
		return rc;
	}
	*rows = ls.rows;
	return PB_OK;
}

static void
api__course(struct req *r, const char *id)
{
	const struct cat_course *c = api__find_course(r, id);
	struct store_lesson *rows = NULL;
	struct store_summary s;
	json_t *lessons, *o;
	int have, i, current = -1;
	char url[512];
	pb_err rc;

	if (c == NULL)
		return;
	if ((rc = api__load_lessons(r, c, &rows)) != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	have = store_summary_get(r->app->store, r->me.id, c->id, &s) == PB_OK;
	lessons = json_array();
	for (i = 0; i < c->nlessons; i++) {
		const char *state = rows[i].done ? "done" : "new";

		if (!rows[i].done && current < 0) {
			current = i;
			state = "current";
		}
		snprintf(url, sizeof(url), "/packs/%s/%s/%s", c->id, c->version,
		    c->lessons[i].file);
		json_array_append_new(lessons, json_pack("{s:s, s:s, s:i, s:s, s:s, s:I}",
		    "id", c->lessons[i].id, "title", c->lessons[i].title,
		    "minutes", c->lessons[i].minutes, "url", url, "state", state,
		    "seconds_spent", (json_int_t)rows[i].seconds_spent));
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:o, s:{s:i, s:i, s:o, s:b},"
		      " s:i, s:i, s:s, s:o}",
	    "id", c->id, "title", c->title, "summary", c->summary, "language", c->language,
	    "version", c->version, "minutes", c->minutes, "passing_score", c->passing_score,
	    "feedback", c->feedback_end ? "end" : "immediate", "lessons", lessons,
	    "quiz", "questions", c->nquestions, "attempts", have ? s.attempts : 0,
	    "best_score", have && s.best_score >= 0 ? json_integer(s.best_score) : json_null(),
	    "passed", have && s.passed,
	    "lessons_done", have ? s.lessons_done : 0, "lessons_total", c->nlessons,
	    "status", api__status(&s, have),
	    "completed_at", have ? api__nullable_int(s.completed_at, 0) : json_null());
	/* a course with a pre-test: its size, whether it may be skipped, the score */
	if (o != NULL && c->npre > 0)
		json_object_set_new(o, "pretest", json_pack("{s:i, s:b, s:o}", "questions", c->npre,
		    "skippable", c->pre_skippable, "score", have && s.pre_score >= 0 ?
		    json_integer(s.pre_score) : json_null()));
	free(rows);
	http_send_json(r->conn, 200, o, NULL);
}

void
api__course_by_id(struct req *r)
{
	api__course(r, r->seg[1]);
}

static int
api__lesson_target(struct req *r, const struct cat_course **c, int *li)
{
	if ((*c = api__find_course(r, r->seg[1])) == NULL)
		return 0;
	if ((*li = cat_lesson_index(*c, r->seg[3])) < 0) {
		api__error(r, 404, "not_found", "no such lesson");
		return 0;
	}
	return 1;
}

void
api__lesson_open(struct req *r)
{
	const struct cat_course *c;
	struct store_when w;
	struct store_lesson *rows = NULL;
	int li;
	pb_err rc;

	if (!api__lesson_target(r, &c, &li))
		return;
	api__when(r, &w);
	rc = store_lesson_open(r->app->store, r->me.id, c->id, c->lessons[li].id, c->nlessons, &w);
	if (rc == PB_OK)
		rc = api__load_lessons(r, c, &rows);
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	http_send_json(r->conn, 200, json_pack("{s:s, s:s}", "lesson", c->lessons[li].id,
	    "state", rows[li].done ? "done" : "current"), NULL);
	free(rows);
}

/* The body's "visit" (a UUID) into *visit, or NULL when absent; answers
 * 400 and returns 0 when it is not a UUID. */
static int
api__visit(struct req *r, const char **visit)
{
	json_t *v = json_object_get(r->body, "visit");

	*visit = NULL;
	if (v == NULL)
		return 1;
	if (!json_is_string(v) || !util_is_uuid(json_string_value(v))) {
		api__field_error(r, "visit", "visit must be a UUID made by the phone");
		return 0;
	}
	*visit = json_string_value(v);
	return 1;
}

/* The body's "seconds" (time spent on one visit) into *out, or with a
 * visit its "total" (the visit's running total); 0 when absent and
 * optional. Answers 400 and returns 0 when it is not acceptable. */
static int
api__seconds(struct req *r, int required, const char *visit, int64_t *out)
{
	const char *key = visit != NULL ? "total" : "seconds";
	json_t *sec = json_object_get(r->body, key);

	*out = 0;
	if (sec == NULL && !required && visit == NULL)
		return 1;
	if (!json_is_integer(sec) || json_integer_value(sec) < 0 ||
	    json_integer_value(sec) > 86400) {
		api__field_error(r, key, visit != NULL ? "total must be a whole number 0..86400" :
		    "seconds must be a whole number 0..86400");
		return 0;
	}
	*out = (int64_t)json_integer_value(sec);
	return 1;
}

/* Time spent on a visit that ends without finishing the lesson. */
void
api__lesson_time(struct req *r)
{
	const struct cat_course *c;
	struct store_lesson *rows = NULL;
	struct store_when w;
	const char *visit;
	int64_t seconds;
	int li;
	pb_err rc;

	if (!api__lesson_target(r, &c, &li) || !api__visit(r, &visit) ||
	    !api__seconds(r, 1, visit, &seconds))
		return;
	api__when(r, &w);
	rc = visit != NULL ?
	    store_lesson_visit(r->app->store, r->me.id, c->id, c->lessons[li].id, visit,
		seconds, 0, c->nlessons, &w, NULL) :
	    store_lesson_time(r->app->store, r->me.id, c->id, c->lessons[li].id,
		seconds, c->nlessons, &w);
	if (rc == PB_OK)
		rc = api__load_lessons(r, c, &rows);
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	http_send_json(r->conn, 200, json_pack("{s:s, s:s, s:I}", "lesson", c->lessons[li].id,
	    "state", rows[li].done ? "done" : "current",
	    "seconds_spent", (json_int_t)rows[li].seconds_spent), NULL);
	free(rows);
}

void
api__lesson_complete(struct req *r)
{
	const struct cat_course *c;
	struct store_when w;
	const char *visit;
	int64_t seconds;
	int li, done = 0;
	pb_err rc;

	if (!api__lesson_target(r, &c, &li) || !api__visit(r, &visit) ||
	    !api__seconds(r, 0, visit, &seconds))
		return;
	api__when(r, &w);
	rc = visit != NULL ?
	    store_lesson_visit(r->app->store, r->me.id, c->id, c->lessons[li].id, visit,
		seconds, 1, c->nlessons, &w, &done) :
	    store_lesson_complete(r->app->store, r->me.id, c->id, c->lessons[li].id,
		seconds, c->nlessons, &w, &done);
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	http_send_json(r->conn, 200, json_pack("{s:s, s:s, s:i, s:i}", "lesson",
	    c->lessons[li].id, "state", "done", "lessons_done", done,
	    "lessons_total", c->nlessons), NULL);
}

struct api__resume {
	struct req *r;
	const struct cat_course *course;
};

static int
api__resume_pick(void *arg, const struct store_summary *s)
{
	struct api__resume *res = arg;
	const struct cat_course *c;

	if (strcmp(s->status, "completed") == 0)
		return 0;
	if ((c = cat_course_find(res->r->snap, s->course)) == NULL)
		return 0;
	res->course = c;
	return 1;
}

void
api__resume(struct req *r)
{
	struct api__resume res = { r, NULL };
	struct store_lesson *rows = NULL;
	const struct cat_course *c;
	pb_err rc;
	int i;

	if ((rc = store_summaries(r->app->store, r->me.id, api__resume_pick, &res)) != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	if ((c = res.course) == NULL) {
		http_send_json(r->conn, 200, json_pack("{s:n}", "course"), NULL);
		return;
	}
	if ((rc = api__load_lessons(r, c, &rows)) != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	for (i = 0; i < c->nlessons && rows[i].done; i++)
		;
	free(rows);
	if (i < c->nlessons)
		http_send_json(r->conn, 200, json_pack("{s:s, s:s, s:s, s:s, s:s}", "course",
		    c->id, "course_title", c->title, "lesson", c->lessons[i].id,
		    "lesson_title", c->lessons[i].title, "kind", "lesson"), NULL);
	else
		http_send_json(r->conn, 200, json_pack("{s:s, s:s, s:n, s:n, s:s}", "course",
		    c->id, "course_title", c->title, "lesson", "lesson_title", "kind", "quiz"),
		    NULL);
}

/* The completion page's check code of learner on course: the first 8 hex
 * digits of SHA-256("pamong-cert-1\n" learner "\n" course), upper case, as
 * XXXX-XXXX. The hub, which has the learner's id, computes the same to
 * check a page shown to it (docs/API.md). */
static void
api__cert_code(const char *learner, const char *course, char out[10])
{
	char buf[160], hex[65];
	int n = snprintf(buf, sizeof(buf), "pamong-cert-1\n%s\n%s", learner, course);
	size_t i, j = 0;

	util_sha256_hex(hex, buf, n > 0 && (size_t)n < sizeof(buf) ? (size_t)n : 0);
	for (i = 0; i < 8; i++) {
		if (i == 4)
			out[j++] = '-';
		out[j++] = (char)toupper((unsigned char)hex[i]);
	}
	out[j] = '\0';
}

void
api__certificate(struct req *r)
{
	const struct cat_course *c = api__find_course(r, r->seg[1]);
	const struct area_position *pos;
	const struct area_village *v;
	char code[10];
	struct store_summary s;

	if (c == NULL)
		return;
	if (store_summary_get(r->app->store, r->me.id, c->id, &s) != PB_OK ||
	    strcmp(s.status, "completed") != 0) {
		api__error(r, 404, "not_found", "this course is not completed yet");
		return;
	}
	v = area_village_find(r->app->area, r->me.village);
	pos = area_position_find(r->me.position);
	api__cert_code(r->me.id, c->id, code);
	http_send_json(r->conn, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:s}",
	    "learner", r->me.name, "position", r->me.position,
	    "position_label", pos ? pos->label_id : r->me.position,
	    "village_name", v ? v->name : r->me.village,
	    "district", v && v->district ? v->district : "",
	    "regency", v && v->regency ? v->regency : "", "course", c->id,
	    "course_title", c->title, "completed_at", (json_int_t)s.completed_at,
	    "score", s.best_score, "code", code), NULL);
}
