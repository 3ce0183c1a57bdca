/* api.c — the learner API (docs/API.md). Every handler: parse and check
 * the input, look things up in the catalog snapshot, read or write through
 * the store (writes return once durable), answer JSON. */
#include "api.h"

#include <civetweb.h>
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "http.h"
#include "log.h"
#include "store_clock.h"
#include "store_learner.h"
#include "store_progress.h"
#include "store_quiz.h"
#include "store_session.h"
#include "sync.h"
#include "util.h"

#define API__MAX_SEGS 6
#define API__COOKIE "pb_session"

/* One request being handled. */
struct req {
	struct mg_connection *conn;
	struct app *app;
	const char *method;
	char path[512];
	char *seg[API__MAX_SEGS];
	int nseg;
	json_t *body;              /* parsed JSON object (POST/PUT) */
	struct store_learner me;   /* valid when logged_in */
	int logged_in;
	char token_hash[65];
	const struct cat_snapshot *snap;
};

static void
api__error(struct req *r, int status, const char *code, const char *msg)
{
	http_send_error(r->conn, status, code, msg, NULL);
}

static void
api__field_error(struct req *r, const char *field, const char *msg)
{
	http_send_error(r->conn, 400, "invalid_field", msg, field);
}

static void
api__store_error(struct req *r, pb_err err)
{
	if (err == PB_ERR_NOTFOUND) {
		api__error(r, 404, "not_found", "not found");
		return;
	}
	log_warnx("store: %s", pb_strerror(err));
	api__error(r, 503, "unavailable", "storage is failing; try again");
}

static void
api__when(struct req *r, struct store_when *w)
{
	json_t *ct = r->body ? json_object_get(r->body, "client_time") : NULL;

	memcpy(w->boot_id, r->app->boot_id, sizeof(w->boot_id));
	w->mono_ms = util_mono_ms();
	w->wall_ms = util_wall_ms();
	w->client_ms = json_is_integer(ct) && json_integer_value(ct) > 0 ?
	    (int64_t)json_integer_value(ct) : 0;
}

/* A string field of the body, or NULL. */
static const char *
api__str(struct req *r, const char *key)
{
	json_t *v = r->body ? json_object_get(r->body, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_t *
api__nullable_int(int64_t v, int64_t none)
{
	return v == none ? json_null() : json_integer(v);
}

int
api_name_normalize(const char *in, char *name, size_t namelen, char *key, size_t keylen)
{
	size_t o = 0, cps = 0;
	int pending_space = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)in; *p; p++) {
		unsigned char c = *p;

		if (c == ' ' || c == '\t') {
			pending_space = o > 0;
			continue;
		}
		if (c < 0x80 && !isalnum(c) && strchr(".,'-", c) == NULL)
			return 0;
		if (pending_space) {
			if (o + 1 >= namelen)
				return 0;
			name[o++] = ' ';
			cps++;
			pending_space = 0;
		}
		if (o + 1 >= namelen)
			return 0;
		name[o++] = (char)c;
		if ((c & 0xc0) != 0x80)
			cps++;
	}
	name[o] = '\0';
	if (cps < 2 || cps > 60 || o >= keylen)
		return 0;
	for (o = 0; name[o]; o++)
		key[o] = (char)((unsigned char)name[o] < 0x80 ? tolower((unsigned char)name[o]) :
		    name[o]);
	key[o] = '\0';
	return 1;
}

/* ---- sessions ---------------------------------------------------------- */

static void
api__load_session(struct req *r)
{
	const char *cookies = mg_get_header(r->conn, "Cookie");
	char token[128];
	char learner[37];

	if (cookies == NULL ||
	    mg_get_cookie(cookies, API__COOKIE, token, sizeof(token)) <= 0 ||
	    auth_token_hash(token, r->token_hash) != PB_OK)
		return;
	if (store_session_lookup(r->app->store, r->token_hash, util_wall_ms(),
		(int64_t)r->app->cfg->session_days * 86400000, learner) != PB_OK)
		return;
	if (store_learner_get(r->app->store, learner, &r->me) == PB_OK)
		r->logged_in = 1;
}

static int
api__need_login(struct req *r)
{
	if (!r->logged_in)
		api__error(r, 401, "not_logged_in", "log in first");
	return r->logged_in;
}

/* Make a session for the learner and answer with it and the learner. */
static json_t *api__learner_json(struct req *r, const struct store_learner *l);

static void
api__start_session(struct req *r, int status, const struct store_learner *l)
{
	char token[AUTH_TOKEN_HEX], hash[65], hdr[256];
	pb_err rc;

	auth_new_token(token, hash);
	if ((rc = store_session_create(r->app->store, hash, l->id, util_wall_ms())) != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	snprintf(hdr, sizeof(hdr),
	    "Set-Cookie: %s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict\r\n",
	    API__COOKIE, token, r->app->cfg->session_days * 86400);
	http_send_json(r->conn, status, api__learner_json(r, l), hdr);
}

/* ---- learners ---------------------------------------------------------- */

static json_t *
api__learner_json(struct req *r, const struct store_learner *l)
{
	const struct area_position *pos = area_position_find(l->position);
	const struct area_village *v = area_village_find(r->app->area, l->village);

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}",
	    "id", l->id, "name", l->name, "position", l->position,
	    "position_label", pos ? pos->label_id : l->position,
	    "village", l->village, "village_name", v ? v->name : l->village,
	    "district", v && v->district ? v->district : "",
	    "regency", v && v->regency ? v->regency : "",
	    "registered_at", (json_int_t)l->registered_at);
}

static int
api__pin_ok(const char *pin)
{
	size_t n = strlen(pin), i;

	if (n < 4 || n > 8)
		return 0;
	for (i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return 0;
	return 1;
}

static void
api__register(struct req *r)
{
	const char *name = api__str(r, "name"), *position = api__str(r, "position");
	const char *village = api__str(r, "village"), *pin = api__str(r, "pin");
	char display[128], key[128], hash[AUTH_HASH_MAX];
	struct store_learner l;
	struct store_when w;
	pb_err rc;

	if (name == NULL || !api_name_normalize(name, display, sizeof(display), key, sizeof(key))) {
		api__field_error(r, "name", "name must be 2..60 letters, digits, spaces or .,'-");
		return;
	}
	if (position == NULL || area_position_find(position) == NULL) {
		api__field_error(r, "position", "unknown position");
		return;
	}
	if (village == NULL || area_village_find(r->app->area, village) == NULL) {
		api__field_error(r, "village", "village is not in this box's area");
		return;
	}
	if (pin == NULL || !api__pin_ok(pin)) {
		api__field_error(r, "pin", "PIN must be 4 to 8 digits");
		return;
	}
	if (store_learner_by_name(r->app->store, key, &l, NULL, 0) == PB_OK) {
		api__error(r, 409, "name_taken", "a learner with this name is registered");
		return;
	}
	if ((rc = auth_pin_hash(r->app->auth, pin, hash)) != PB_OK) {
		api__error(r, 503, "unavailable", "cannot hash the PIN now");
		return;
	}
	memset(&l, 0, sizeof(l));
	util_uuid4(l.id);
	snprintf(l.name, sizeof(l.name), "%s", display);
	snprintf(l.position, sizeof(l.position), "%s", position);
	snprintf(l.village, sizeof(l.village), "%s", village);
	api__when(r, &w);
	l.registered_at = w.wall_ms;
	rc = store_learner_create(r->app->store, &l, key, hash, &w);
	if (rc == PB_ERR_EXISTS) {
		api__error(r, 409, "name_taken", "a learner with this name is registered");
		return;
	}
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	log_info("learner registered: %s", l.id);
	api__start_session(r, 201, &l);
}

static void
api__login(struct req *r)
{
	const char *name = api__str(r, "name"), *pin = api__str(r, "pin");
	char display[128], key[128], hash[AUTH_HASH_MAX];
	struct store_learner l;
	long wait;
	pb_err rc;

	if (name == NULL || pin == NULL) {
		api__error(r, 400, "bad_request", "name and pin are required");
		return;
	}
	if (!api_name_normalize(name, display, sizeof(display), key, sizeof(key)) ||
	    !api__pin_ok(pin)) {
		api__error(r, 401, "wrong_credentials", "wrong name or PIN");
		return;
	}
	if ((wait = auth_cooldown_left(r->app->auth, key, util_mono_ms())) > 0) {
		json_t *o = json_pack("{s:s, s:s, s:i}", "error", "cooldown", "message",
		    "too many wrong PINs; wait", "retry_after", (int)wait);
		char hdr[64];

		snprintf(hdr, sizeof(hdr), "Retry-After: %ld\r\n", wait);
		http_send_json(r->conn, 429, o, hdr);
		return;
	}
	rc = store_learner_by_name(r->app->store, key, &l, hash, sizeof(hash));
	if (rc == PB_ERR_NOTFOUND) {
		auth_failed(r->app->auth, key, util_mono_ms());
		api__error(r, 401, "wrong_credentials", "wrong name or PIN");
		return;
	}
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	if (auth_pin_verify(r->app->auth, hash, pin) != PB_OK) {
		auth_failed(r->app->auth, key, util_mono_ms());
		api__error(r, 401, "wrong_credentials", "wrong name or PIN");
		return;
	}
	auth_succeeded(r->app->auth, key);
	api__start_session(r, 200, &l);
}

static void
api__logout(struct req *r)
{
	if (r->logged_in)
		(void)store_session_delete(r->app->store, r->token_hash);
	http_send_empty(r->conn, 204,
	    "Set-Cookie: " API__COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict\r\n");
}

static int
api__add_name(void *arg, const char *name)
{
	json_array_append_new(arg, json_string(name));
	return 0;
}

static void
api__names(struct req *r)
{
	json_t *a = json_array();
	pb_err rc = store_learner_names(r->app->store, api__add_name, a);

	if (rc != PB_OK) {
		json_decref(a);
		api__store_error(r, rc);
		return;
	}
	http_send_json(r->conn, 200, json_pack("{s:o}", "names", a), NULL);
}

static void
api__positions(struct req *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < area_npositions(); i++) {
		const struct area_position *p = area_position_at(i);

		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "id", p->id,
		    "id_label", p->label_id, "en_label", p->label_en));
	}
	http_send_json(r->conn, 200, json_pack("{s:o}", "positions", a), NULL);
}

static void
api__villages(struct req *r)
{
	json_t *units = json_array(), *vs = json_array();
	size_t i;

	for (i = 0; i < area_nunits(r->app->area); i++) {
		const struct area_unit *u = area_unit_at(r->app->area, i);

		json_array_append_new(units, json_pack("{s:s, s:s}", "code", u->code,
		    "name", u->name ? u->name : ""));
	}
	for (i = 0; i < area_nvillages(r->app->area); i++) {
		const struct area_village *v = area_village_at(r->app->area, i);

		json_array_append_new(vs, json_pack("{s:s, s:s, s:s, s:s}", "code", v->code,
		    "name", v->name, "district", v->district ? v->district : "",
		    "regency", v->regency ? v->regency : ""));
	}
	http_send_json(r->conn, 200, json_pack("{s:o, s:o}", "area", units, "villages", vs),
	    NULL);
}

/* ---- courses and progress ---------------------------------------------- */

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

static void
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

static const struct cat_course *
api__find_course(struct req *r, const char *id)
{
	const struct cat_course *c = cat_course_find(r->snap, id);

	if (c == NULL)
		api__error(r, 404, "not_found", "no such course");
	return c;
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
	free(rows);
	http_send_json(r->conn, 200, o, NULL);
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

static void
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

/* The body's "seconds" (time spent on one visit) into *out; 0 when absent
 * and optional. Answers 400 and returns 0 when it is not acceptable. */
static int
api__seconds(struct req *r, int required, int64_t *out)
{
	json_t *sec = json_object_get(r->body, "seconds");

	*out = 0;
	if (sec == NULL && !required)
		return 1;
	if (!json_is_integer(sec) || json_integer_value(sec) < 0 ||
	    json_integer_value(sec) > 86400) {
		api__field_error(r, "seconds", "seconds must be a whole number 0..86400");
		return 0;
	}
	*out = (int64_t)json_integer_value(sec);
	return 1;
}

/* Time spent on a visit that ends without finishing the lesson. */
static void
api__lesson_time(struct req *r)
{
	const struct cat_course *c;
	struct store_lesson *rows = NULL;
	struct store_when w;
	int64_t seconds;
	int li;
	pb_err rc;

	if (!api__lesson_target(r, &c, &li) || !api__seconds(r, 1, &seconds))
		return;
	api__when(r, &w);
	rc = store_lesson_time(r->app->store, r->me.id, c->id, c->lessons[li].id,
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

static void
api__lesson_complete(struct req *r)
{
	const struct cat_course *c;
	struct store_when w;
	int64_t seconds;
	int li, done = 0;
	pb_err rc;

	if (!api__lesson_target(r, &c, &li) || !api__seconds(r, 0, &seconds))
		return;
	api__when(r, &w);
	rc = store_lesson_complete(r->app->store, r->me.id, c->id, c->lessons[li].id,
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

static void
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

/* ---- quiz -------------------------------------------------------------- */

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
	json_t *obj;      /* question id → feedback (or recorded) */
	int correct;
	struct store_answer *list; /* indexed like c->questions, for finish */
};

static int
api__question_index(const struct cat_course *c, const char *qid)
{
	int i;

	for (i = 0; i < c->nquestions; i++)
		if (strcmp(c->questions[i].id, qid) == 0)
			return i;
	return -1;
}

static int
api__answer_row(void *arg, const struct store_answer *a)
{
	struct api__answers *as = arg;
	int qi = api__question_index(as->c, a->question);

	if (qi < 0)
		return 0;
	if (as->list != NULL)
		as->list[qi] = *a;
	if (as->obj != NULL) {
		json_t *f = as->c->feedback_end ?
		    json_pack("{s:s, s:o, s:b}", "question", a->question, "choices",
			api__split_choices(a->choices), "recorded", 1) :
		    api__feedback(&as->c->questions[qi], a);
		json_object_set_new(as->obj, a->question, f);
	}
	if (a->correct)
		as->correct++;
	return 0;
}

static json_t *
api__questions(const struct cat_course *c)
{
	json_t *qs = json_array();
	int i, k;

	for (i = 0; i < c->nquestions; i++) {
		const struct cat_question *q = &c->questions[i];
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

static void
api__attempt_create(struct req *r)
{
	const char *id = api__str(r, "attempt");
	const struct cat_course *c = api__find_course(r, r->seg[1]);
	struct api__answers as;
	struct store_attempt at;
	struct store_when w;
	int status = 201;
	pb_err rc;

	if (c == NULL)
		return;
	if (id == NULL || !util_is_uuid(id)) {
		api__field_error(r, "attempt", "attempt must be a UUID made by the phone");
		return;
	}
	api__when(r, &w);
	rc = store_attempt_create(r->app->store, id, r->me.id, c->id, &w);
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
	as.obj = json_object();
	if ((rc = store_answers(r->app->store, id, api__answer_row, &as)) != PB_OK) {
		json_decref(as.obj);
		api__store_error(r, rc);
		return;
	}
	http_send_json(r->conn, status, json_pack("{s:s, s:s, s:s, s:b, s:o, s:o}",
	    "attempt", id, "course", c->id, "feedback", c->feedback_end ? "end" : "immediate",
	    "finished", at.finished, "questions", api__questions(c), "answers", as.obj), NULL);
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

static void
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
	if ((q = cat_question_find(c, r->seg[3])) == NULL) {
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
	if (c->feedback_end)
		http_send_json(r->conn, 200, json_pack("{s:s, s:b}", "question", q->id,
		    "recorded", 1), NULL);
	else
		http_send_json(r->conn, 200, api__feedback(q, &stored), NULL);
}

static void
api__finish(struct req *r)
{
	struct store_answer *list = NULL;
	const struct cat_course *c;
	struct store_attempt at, res;
	struct api__answers as;
	struct store_summary s;
	struct store_when w;
	json_t *results;
	int score, i;
	pb_err rc;

	if (!api__my_attempt(r, r->seg[1], &at, &c))
		return;
	if ((list = calloc((size_t)c->nquestions + 1, sizeof(*list))) == NULL) {
		api__error(r, 503, "unavailable", "out of memory");
		return;
	}
	memset(&as, 0, sizeof(as));
	as.c = c;
	as.list = list;
	if ((rc = store_answers(r->app->store, at.id, api__answer_row, &as)) != PB_OK)
		goto fail;
	score = c->nquestions > 0 ? as.correct * 100 / c->nquestions : 0;
	api__when(r, &w);
	rc = store_attempt_finish(r->app->store, at.id, score, as.correct, c->nquestions,
	    c->passing_score, c->nlessons, &w, &res);
	if (rc != PB_OK && rc != PB_ERR_EXISTS)
		goto fail;
	if ((rc = store_summary_get(r->app->store, r->me.id, c->id, &s)) != PB_OK)
		goto fail;
	results = json_array();
	for (i = 0; i < c->nquestions; i++) {
		struct store_answer a = list[i];

		if (a.question[0] == '\0')
			snprintf(a.question, sizeof(a.question), "%s", c->questions[i].id);
		json_array_append_new(results, api__feedback(&c->questions[i], &a));
	}
	free(list);
	http_send_json(r->conn, 200, json_pack("{s:s, s:i, s:i, s:i, s:b, s:i, s:i, s:s, s:o}",
	    "attempt", at.id, "score", res.score, "correct", res.correct, "total", res.total,
	    "passed", res.passed, "passing_score", c->passing_score,
	    "best_score", s.best_score, "course_status", s.status, "results", results), NULL);
	return;
fail:
	free(list);
	api__store_error(r, rc);
}

static void
api__certificate(struct req *r)
{
	const struct cat_course *c = api__find_course(r, r->seg[1]);
	const struct area_village *v;
	struct store_summary s;

	if (c == NULL)
		return;
	if (store_summary_get(r->app->store, r->me.id, c->id, &s) != PB_OK ||
	    strcmp(s.status, "completed") != 0) {
		api__error(r, 404, "not_found", "this course is not completed yet");
		return;
	}
	v = area_village_find(r->app->area, r->me.village);
	http_send_json(r->conn, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:i}",
	    "learner", r->me.name, "village_name", v ? v->name : r->me.village,
	    "district", v && v->district ? v->district : "",
	    "regency", v && v->regency ? v->regency : "", "course", c->id,
	    "course_title", c->title, "completed_at", (json_int_t)s.completed_at,
	    "score", s.best_score), NULL);
}

/* ---- health ------------------------------------------------------------ */

static void
api__health(struct req *r)
{
	static const char *states[] = { "starting", "serving", "stopping" };
	struct store_stats st;
	int ok = store_stats(r->app->store, &st) == PB_OK && st.healthy;
	const char *state = r->app->state == APP_SERVING && !ok ? "degraded" :
	    states[r->app->state];

	struct store_clock clk;

	/* this boot's clock: the hub's offset, else one learned from phones
	 * (learned again after writes; at most once a minute once known) */
	clk.src = STORE_CLOCK_NONE;
	if (ok && (store_clock_learn(r->app->store, r->app->boot_id, 60000) != PB_OK ||
	    store_clock_get(r->app->store, r->app->boot_id, &clk) != PB_OK))
		clk.src = STORE_CLOCK_NONE;
	http_send_json(r->conn, 200, json_pack("{s:s, s:s, s:s, s:I, s:s, s:i, s:I, s:s, s:s, s:o}",
	    "program", "pamongd", "version", PB_VERSION, "state", state,
	    "uptime_s", (json_int_t)((util_mono_ms() - r->app->started_mono_ms) / 1000),
	    "box_id", store_box_id(r->app->store), "courses", r->snap->ncourses,
	    "learners", (json_int_t)(ok ? st.learners : 0), "db", ok ? "ok" : "failing",
	    "clock", clk.src == STORE_CLOCK_NONE ? "unknown" : store_clock_src_name(clk.src),
	    "sync", (json_t *)sync_status_json()), NULL);
}

/* ---- routing ----------------------------------------------------------- */

static int
api__split(struct req *r, const char *uri)
{
	char *p, *save = NULL;

	if (strlen(uri) >= sizeof(r->path))
		return 0;
	snprintf(r->path, sizeof(r->path), "%s", uri);
	for (p = strtok_r(r->path, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (r->nseg == API__MAX_SEGS)
			return 0;
		r->seg[r->nseg++] = p;
	}
	return r->nseg > 0;
}

static int
api__read_json(struct req *r)
{
	const char *ctype = mg_get_header(r->conn, "Content-Type");
	json_error_t jerr;
	char *buf = NULL;
	size_t len = 0;
	pb_err rc;

	rc = http_read_body(r->conn, (size_t)r->app->cfg->max_body, &buf, &len);
	if (rc == PB_ERR_LIMIT) {
		api__error(r, 413, "too_large", "request body is too large");
		return 0;
	}
	if (rc != PB_OK) {
		api__error(r, 400, "bad_request", "could not read the request body");
		return 0;
	}
	if (len == 0) {
		free(buf);
		r->body = json_object();
		return 1;
	}
	if (ctype == NULL || strncasecmp(ctype, "application/json", 16) != 0) {
		free(buf);
		api__error(r, 400, "bad_request", "Content-Type must be application/json");
		return 0;
	}
	if (!util_utf8_valid(buf, len)) {
		free(buf);
		api__error(r, 400, "bad_request", "body is not valid UTF-8 text");
		return 0;
	}
	r->body = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (r->body == NULL || !json_is_object(r->body)) {
		api__error(r, 400, "bad_request", "body must be a JSON object");
		return 0;
	}
	return 1;
}

static void
api__me(struct req *r)
{
	http_send_json(r->conn, 200, api__learner_json(r, &r->me), NULL);
}

static void
api__course_by_id(struct req *r)
{
	api__course(r, r->seg[1]);
}

/* Every endpoint: method, number of path segments, the fixed segments at
 * positions 0, 1, 2 and 4 (NULL = any id), whether it needs a login. */
static const struct api__route {
	const char *method;
	int nseg;
	const char *s0, *s1, *s2, *s4;
	int login;
	void (*fn)(struct req *r);
} api__routes[] = {
	{ "GET", 1, "health", NULL, NULL, NULL, 0, api__health },
	{ "GET", 1, "positions", NULL, NULL, NULL, 0, api__positions },
	{ "GET", 1, "villages", NULL, NULL, NULL, 0, api__villages },
	{ "GET", 2, "learners", "names", NULL, NULL, 0, api__names },
	{ "POST", 1, "register", NULL, NULL, NULL, 0, api__register },
	{ "POST", 1, "login", NULL, NULL, NULL, 0, api__login },
	{ "POST", 1, "logout", NULL, NULL, NULL, 0, api__logout },
	{ "GET", 1, "me", NULL, NULL, NULL, 1, api__me },
	{ "GET", 1, "courses", NULL, NULL, NULL, 1, api__courses },
	{ "GET", 2, "courses", NULL, NULL, NULL, 1, api__course_by_id },
	{ "GET", 1, "resume", NULL, NULL, NULL, 1, api__resume },
	{ "POST", 5, "courses", NULL, "lessons", "open", 1, api__lesson_open },
	{ "POST", 5, "courses", NULL, "lessons", "complete", 1, api__lesson_complete },
	{ "POST", 5, "courses", NULL, "lessons", "time", 1, api__lesson_time },
	{ "POST", 3, "courses", NULL, "attempts", NULL, 1, api__attempt_create },
	{ "GET", 3, "courses", NULL, "certificate", NULL, 1, api__certificate },
	{ "PUT", 4, "attempts", NULL, "answers", NULL, 1, api__answer },
	{ "POST", 3, "attempts", NULL, "finish", NULL, 1, api__finish },
};

static int
api__seg_is(struct req *r, int i, const char *want)
{
	return want == NULL || (i < r->nseg && strcmp(r->seg[i], want) == 0);
}

static void
api__route(struct req *r)
{
	int path_known = 0;
	size_t i;

	for (i = 0; i < PB_ARRAY_LEN(api__routes); i++) {
		const struct api__route *rt = &api__routes[i];

		if (rt->nseg != r->nseg || !api__seg_is(r, 0, rt->s0) ||
		    !api__seg_is(r, 1, rt->s1) || !api__seg_is(r, 2, rt->s2) ||
		    !api__seg_is(r, 4, rt->s4))
			continue;
		path_known = 1;
		if (strcmp(rt->method, r->method) != 0)
			continue;
		if (rt->login && !api__need_login(r))
			return;
		rt->fn(r);
		return;
	}
	if (path_known)
		api__error(r, 405, "method_not_allowed", "this method is not allowed here");
	else
		api__error(r, 404, "not_found", "no such endpoint");
}

static int
api__handle(struct mg_connection *conn, void *cbdata)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct req r;

	memset(&r, 0, sizeof(r));
	r.conn = conn;
	r.app = cbdata;
	r.method = ri->request_method;
	if (!api__split(&r, ri->local_uri + strlen("/api/v1/"))) {
		api__error(&r, 404, "not_found", "no such endpoint");
		return 404;
	}
	if ((!strcmp(r.method, "POST") || !strcmp(r.method, "PUT")) && !api__read_json(&r))
		return 400;
	r.snap = catalog_acquire(r.app->catalog);
	api__load_session(&r);
	api__route(&r);
	catalog_release(r.app->catalog, r.snap);
	json_decref(r.body);
	return 200;
}

void
api_register(struct mg_context *ctx, struct app *app)
{
	mg_set_request_handler(ctx, "/api/v1/", api__handle, app);
}
