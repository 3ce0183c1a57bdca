/* api_console_learners.c — the console's learner pages and what a
 * facilitator does for a learner (docs/CONSOLE.md): a learner's progress,
 * quiz attempts and time; correcting a name, village or jabatan; a PIN
 * reset with a one-time code; merging two accounts of one person. Every
 * change is in the audit log. */
#include <civetweb.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "api_int.h"
#include "log.h"
#include "store_console.h"
#include "store_learner.h"
#include "store_progress.h"
#include "store_quiz.h"
#include "util.h"

#define API__ATTEMPTS_SHOWN 50

/* The learner the path names (console/learners/{id}/...), not merged
 * away; answers 404 and returns 0 if none. */
static int
api__path_learner(struct req *r, struct store_learner *l)
{
	if (!util_is_uuid(r->seg[2]) || store_learner_get(r->app->store, r->seg[2], l) != PB_OK) {
		api__error(r, 404, "not_found", "no such learner");
		return 0;
	}
	return 1;
}

static const char *
api__course_title(struct req *r, const char *id)
{
	const struct cat_course *c = cat_course_find(r->snap, id);

	return c && c->title ? c->title : id;
}

static int
api__add_summary(void *arg, const struct store_summary *s)
{
	struct req *r = ((void **)arg)[0];
	json_t *a = ((void **)arg)[1];

	json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:b, s:i, s:I,"
	    " s:I, s:I, s:I}", "course", s->course, "title", api__course_title(r, s->course),
	    "status", s->status, "lessons_done", s->lessons_done, "lessons_total",
	    s->lessons_total, "best_score", s->best_score, "passed", s->passed, "attempts",
	    s->attempts, "seconds_spent", (json_int_t)s->seconds_spent, "first_activity",
	    (json_int_t)s->first_activity, "last_activity", (json_int_t)s->last_activity,
	    "completed_at", (json_int_t)s->completed_at));
	return 0;
}

static int
api__add_attempt(void *arg, const struct store_attempt *at)
{
	struct req *r = ((void **)arg)[0];
	json_t *a = ((void **)arg)[1];

	json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I, s:b, s:I, s:i, s:i, s:i,"
	    " s:b}", "id", at->id, "course", at->course, "title",
	    api__course_title(r, at->course), "started_at", (json_int_t)at->started_at,
	    "finished", at->finished, "finished_at", (json_int_t)at->finished_at, "score",
	    at->score, "correct", at->correct, "total", at->total, "passed", at->passed));
	return 0;
}

/* GET console/learners/{id}: the learner, their courses and attempts. */
void
api__console_learner(struct req *r)
{
	struct store_learner l;
	json_t *o, *sums = json_array(), *atts = json_array();
	void *ctx[2] = { r, NULL };
	int64_t seconds = 0;
	size_t i;
	pb_err rc;

	if (!api__path_learner(r, &l)) {
		json_decref(sums);
		json_decref(atts);
		return;
	}
	ctx[1] = sums;
	rc = store_summaries(r->app->store, l.id, api__add_summary, ctx);
	ctx[1] = atts;
	if (rc == PB_OK)
		rc = store_console_attempts(r->app->store, l.id, API__ATTEMPTS_SHOWN,
		    api__add_attempt, ctx);
	if (rc != PB_OK) {
		json_decref(sums);
		json_decref(atts);
		api__store_error(r, rc);
		return;
	}
	for (i = 0; i < json_array_size(sums); i++)
		seconds += json_integer_value(json_object_get(json_array_get(sums, i),
		    "seconds_spent"));
	o = api__learner_json(r, &l);
	json_object_set_new(o, "merged_into", json_string(l.merged_into));
	json_object_set_new(o, "courses", sums);
	json_object_set_new(o, "attempts", atts);
	json_object_set_new(o, "seconds_spent", json_integer(seconds));
	http_send_json(r->conn, 200, o, NULL);
}

/* PUT console/learners/{id} {name?, village?, position?}: a correction. */
void
api__console_learner_edit(struct req *r)
{
	const char *name = api__str(r, "name"), *position = api__str(r, "position");
	const char *village = api__str(r, "village");
	char display[128], key[128], detail[640];
	struct store_learner l, n;
	pb_err rc;

	if (!api__path_learner(r, &l))
		return;
	if (l.merged_into[0] != '\0') {
		api__error(r, 409, "merged", "this learner was merged into another");
		return;
	}
	n = l;
	if (json_object_get(r->body, "name") != NULL) {
		if (name == NULL || !api_name_normalize(name, display, sizeof(display), key,
		    sizeof(key))) {
			api__field_error(r, "name",
			    "name must be 2..60 letters, digits, spaces or .,'-");
			return;
		}
		snprintf(n.name, sizeof(n.name), "%s", display);
	}
	if (json_object_get(r->body, "position") != NULL) {
		if (position == NULL || area_position_find(position) == NULL) {
			api__field_error(r, "position", "unknown position");
			return;
		}
		snprintf(n.position, sizeof(n.position), "%s", position);
	}
	if (json_object_get(r->body, "village") != NULL) {
		if (village == NULL || area_village_find(r->app->area, village) == NULL) {
			api__field_error(r, "village", "village is not in this box's area");
			return;
		}
		snprintf(n.village, sizeof(n.village), "%s", village);
	}
	if (!api_name_normalize(n.name, display, sizeof(display), key, sizeof(key))) {
		api__field_error(r, "name", "name must be 2..60 letters, digits, spaces or .,'-");
		return;
	}
	rc = store_learner_edit(r->app->store, &n, key, NULL);
	if (rc == PB_ERR_EXISTS) {
		api__error(r, 409, "name_taken",
		    "another learner has this name, village and position");
		return;
	}
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	snprintf(detail, sizeof(detail), "%s: %s/%s/%s -> %s/%s/%s", l.id, l.name, l.village,
	    l.position, n.name, n.village, n.position);
	api__audit(r, "learner_edit", detail);
	n.pin_reset = l.pin_reset;
	http_send_json(r->conn, 200, api__learner_json(r, &n), NULL);
}

/* POST console/learners/{id}/pin: a one-time code of 8 digits to read out;
 * the learner logs in with it and must then set a new PIN. Their sessions
 * end now. */
void
api__console_learner_pin(struct req *r)
{
	char code[9], hash[AUTH_HASH_MAX], detail[200];
	struct store_learner l;
	pb_err rc;
	int i;

	if (!api__path_learner(r, &l))
		return;
	if (l.merged_into[0] != '\0') {
		api__error(r, 409, "merged", "this learner was merged into another");
		return;
	}
	do {
		for (i = 0; i < 8; i++)
			code[i] = (char)('0' + randombytes_uniform(10));
		code[8] = '\0';
	} while (!api__new_pin_ok(code));
	if (auth_pin_hash(r->app->auth, code, hash) != PB_OK) {
		api__error(r, 503, "unavailable", "cannot hash the code now");
		return;
	}
	if ((rc = store_learner_set_pin(r->app->store, l.id, hash, 1, NULL)) != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	auth_succeeded(r->app->auth, l.id); /* a wait from wrong PINs ends */
	snprintf(detail, sizeof(detail), "%s (%s)", l.name, l.id);
	api__audit(r, "learner_pin_reset", detail);
	http_send_json(r->conn, 200, json_pack("{s:s, s:s}", "code", code, "learner", l.id),
	    NULL);
	sodium_memzero(code, sizeof(code));
}

/* POST console/learners/{id}/merge {into}: this learner's progress goes to
 * into, which stays; this one is marked merged. */
void
api__console_learner_merge(struct req *r)
{
	const char *into = api__str(r, "into");
	struct store_learner from, to;
	char detail[640];
	pb_err rc;

	if (!api__path_learner(r, &from))
		return;
	if (into == NULL || !util_is_uuid(into)) {
		api__field_error(r, "into", "into must be a learner id");
		return;
	}
	if (store_learner_get(r->app->store, into, &to) != PB_OK) {
		api__field_error(r, "into", "no such learner");
		return;
	}
	if (strcmp(from.id, to.id) == 0) {
		api__field_error(r, "into", "a learner cannot be merged into themselves");
		return;
	}
	if (from.merged_into[0] != '\0' || to.merged_into[0] != '\0') {
		api__error(r, 409, "merged", "one of them was merged already");
		return;
	}
	rc = store_learner_merge(r->app->store, from.id, to.id, NULL);
	if (rc == PB_ERR_INVALID) {
		api__error(r, 409, "merged", "one of them was merged already");
		return;
	}
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	snprintf(detail, sizeof(detail), "%s (%s) into %s (%s)", from.name, from.id, to.name,
	    to.id);
	api__audit(r, "learner_merge", detail);
	http_send_json(r->conn, 200, json_pack("{s:s, s:s}", "merged", from.id, "into", to.id),
	    NULL);
}
