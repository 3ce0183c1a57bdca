/* api_console_class.c — watching the class from the console
 * (docs/CONSOLE.md): today at a glance, per course and per village, and
 * the learners table (search, filters, sort, pages). */
#include <civetweb.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_int.h"
#include "leds.h"
#include "stations.h"
#include "store_class.h"
#include "util.h"

#define API__HOUR_MS (3600LL * 1000)
#define API__DAY_MS (24LL * 3600 * 1000)
#define API__PAGE_MAX 200

/* A query parameter into buf ("" when absent); answers 400 and returns 0
 * when it is longer than buf holds. */
static int
api__qstr(struct req *r, const char *name, char *buf, size_t len)
{
	const char *qs = mg_get_request_info(r->conn)->query_string;
	int n = qs ? mg_get_var(qs, strlen(qs), name, buf, len) : -1;

	if (n == -1)
		buf[0] = '\0';
	if (n < -1) {
		api__field_error(r, name, "too long");
		return 0;
	}
	return 1;
}

/* An integer query parameter in [min, max], or def when absent or empty;
 * answers 400 and returns 0 when malformed. */
static int
api__query_int(struct req *r, const char *name, long long min, long long max,
    long long def, long long *out)
{
	char buf[24], *end;

	*out = def;
	if (!api__qstr(r, name, buf, sizeof(buf)))
		return 0;
	if (buf[0] == '\0')
		return 1;
	errno = 0;
	*out = strtoll(buf, &end, 10);
	if (*end != '\0' || errno != 0 || *out < min || *out > max) {
		api__field_error(r, name, "out of range");
		return 0;
	}
	return 1;
}

static const char *
api__village_name(struct req *r, const char *code)
{
	const struct area_village *v = area_village_find(r->app->area, code);

	return v ? v->name : code;
}

struct api__today_ctx {
	struct req *r;
	json_t *arr;
	int64_t active; /* the villages' active learners, summed */
};

static int
api__today_course(void *arg, const struct store_today_course *c)
{
	struct api__today_ctx *a = arg;
	const struct cat_course *cc = cat_course_find(a->r->snap, c->course);

	json_array_append_new(a->arr, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}",
	    "course", c->course, "title", cc && cc->title ? cc->title : c->course,
	    "started", (json_int_t)c->started, "completed", (json_int_t)c->completed,
	    "lessons_today", (json_int_t)c->lessons, "quizzes_today", (json_int_t)c->quizzes,
	    "passed_today", (json_int_t)c->passed));
	return 0;
}

static int
api__today_village(void *arg, const struct store_today_village *v)
{
	struct api__today_ctx *a = arg;
	const struct area_village *av = area_village_find(a->r->app->area, v->village);

	a->active += v->active;
	json_array_append_new(a->arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}",
	    "village", v->village, "name", av ? av->name : v->village,
	    "district", av && av->district ? av->district : "",
	    "learners", (json_int_t)v->learners, "active", (json_int_t)v->active,
	    "completed", (json_int_t)v->completed));
	return 0;
}

/* GET console/today?since=MS: since is the start of the facilitator's day
 * (the page sends its local midnight; default: the last 24 hours). */
void
api__console_today(struct req *r)
{
	int64_t now = util_wall_ms();
	struct store_today t;
	struct api__today_ctx cs = { r, json_array(), 0 }, vs = { r, json_array(), 0 };
	long long since;
	int phones = stations_phones();
	pb_err rc;

	if (!api__query_int(r, "since", 0, now + API__DAY_MS, now - API__DAY_MS, &since)) {
		json_decref(cs.arr);
		json_decref(vs.arr);
		return;
	}
	/* the active learners are the villages' sum: counted once, there */
	if ((rc = store_today(r->app->store, since, 0, &t)) != PB_OK ||
	    (rc = store_today_courses(r->app->store, since, api__today_course, &cs)) != PB_OK ||
	    (rc = store_today_villages(r->app->store, now - API__HOUR_MS, api__today_village,
	    &vs)) != PB_OK) {
		json_decref(cs.arr);
		json_decref(vs.arr);
		api__store_error(r, rc);
		return;
	}
	http_send_json(r->conn, 200, json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o,"
	    " s:I, s:I}",
	    "phones", phones >= 0 ? json_integer(phones) : json_null(),
	    "capacity", (json_int_t)stations_capacity(r->app->cfg->hs_max_stations),
	    "learners", (json_int_t)t.learners, "active_hour", (json_int_t)vs.active,
	    "lessons_today", (json_int_t)t.lessons, "quizzes_today", (json_int_t)t.quizzes,
	    "passed_today", (json_int_t)t.passed, "courses", cs.arr, "villages", vs.arr,
	    "since", (json_int_t)since, "now", (json_int_t)now), NULL);
}

static int
api__class_row(void *arg, const struct store_class_row *c)
{
	struct api__today_ctx *a = arg;
	const struct area_position *pos = area_position_find(c->position);

	json_array_append_new(a->arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I,"
	    " s:i, s:i, s:s, s:i, s:i, s:i}", "id", c->id, "name", c->name,
	    "village", c->village, "village_name", api__village_name(a->r, c->village),
	    "position", c->position, "position_label", pos ? pos->label_id : c->position,
	    "registered_at", (json_int_t)c->registered_at,
	    "last_activity", (json_int_t)c->last_activity,
	    "seconds_spent", (json_int_t)c->seconds_spent, "courses_started", c->started,
	    "courses_completed", c->completed, "status", c->status,
	    "lessons_done", c->lessons_done, "lessons_total", c->lessons_total,
	    "best_score", c->best_score));
	return 0;
}

/* GET console/learners?q=&village=&position=&course=&status=&sort=&dir=&page=&per= */
void
api__console_learners(struct req *r)
{
	static const char *sorts[] = { "name", "village", "position", "registered",
		"activity", "progress" };
	static const char *statuses[] = { "", "not_started", "in_progress", "completed" };
	char q[128] = "", key[128] = "", display[128], village[24] = "", position[64] = "";
	char course[72] = "", status[24] = "", sort[24] = "", dir[8] = "";
	struct store_class_query cq;
	struct api__today_ctx a = { r, NULL, 0 };
	long long page, per;
	int64_t total;
	json_t *courses;
	size_t i;
	pb_err rc;

	memset(&cq, 0, sizeof(cq));
	if (!api__qstr(r, "q", q, sizeof(q)) || !api__qstr(r, "village", village, sizeof(village)) ||
	    !api__qstr(r, "position", position, sizeof(position)) ||
	    !api__qstr(r, "course", course, sizeof(course)) ||
	    !api__qstr(r, "status", status, sizeof(status)) ||
	    !api__qstr(r, "sort", sort, sizeof(sort)) || !api__qstr(r, "dir", dir, sizeof(dir)))
		return;
	if (q[0] != '\0' && !api_name_normalize(q, display, sizeof(display), key, sizeof(key))) {
		api__field_error(r, "q", "q must be 2 or more letters of a name");
		return;
	}
	if (village[0] && area_village_find(r->app->area, village) == NULL) {
		api__field_error(r, "village", "unknown village");
		return;
	}
	if (position[0] && area_position_find(position) == NULL) {
		api__field_error(r, "position", "unknown position");
		return;
	}
	if (course[0] && cat_course_find(r->snap, course) == NULL) {
		api__field_error(r, "course", "unknown course");
		return;
	}
	for (i = 0; i < PB_ARRAY_LEN(statuses) && strcmp(status, statuses[i]) != 0; i++)
		;
	if (i == PB_ARRAY_LEN(statuses)) {
		api__field_error(r, "status", "status must be not_started, in_progress or completed");
		return;
	}
	cq.sort = STORE_SORT_NAME;
	if (sort[0] != '\0') {
		for (i = 0; i < PB_ARRAY_LEN(sorts) && strcmp(sort, sorts[i]) != 0; i++)
			;
		if (i == PB_ARRAY_LEN(sorts)) {
			api__field_error(r, "sort", "sort must be name, village, position, "
			    "registered, activity or progress");
			return;
		}
		cq.sort = (enum store_class_sort)i;
	}
	if (dir[0] != '\0' && strcmp(dir, "asc") != 0 && strcmp(dir, "desc") != 0) {
		api__field_error(r, "dir", "dir must be asc or desc");
		return;
	}
	if (!api__query_int(r, "page", 1, 1000000, 1, &page) ||
	    !api__query_int(r, "per", 1, API__PAGE_MAX, 50, &per))
		return;
	cq.q = key;
	cq.village = village;
	cq.position = position;
	cq.course = course;
	cq.status = status;
	cq.desc = strcmp(dir, "desc") == 0;
	cq.limit = (int)per;
	cq.offset = (int)((page - 1) * per);
	a.arr = json_array();
	if ((rc = store_class_learners(r->app->store, &cq, api__class_row, &a, &total)) !=
	    PB_OK) {
		json_decref(a.arr);
		api__store_error(r, rc);
		return;
	}
	courses = json_array();
	for (i = 0; i < (size_t)r->snap->ncourses; i++)
		json_array_append_new(courses, json_pack("{s:s, s:s}", "id",
		    r->snap->courses[i]->id, "title", r->snap->courses[i]->title ?
		    r->snap->courses[i]->title : r->snap->courses[i]->id));
	http_send_json(r->conn, 200, json_pack("{s:I, s:I, s:I, s:o, s:o}", "total",
	    (json_int_t)total, "page", (json_int_t)page, "per", (json_int_t)per, "learners",
	    a.arr, "courses", courses), NULL);
}
