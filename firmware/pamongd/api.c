/* api.c — the learner API and the facilitator console's (docs/API.md): the route table and the one
 * function that answers every request under /api/v1/. The handlers are in
 * one file per resource (api_int.h). Every handler: parse and check the
 * input, look things up in the catalog snapshot, read or write through the
 * store (writes return once durable), answer JSON. */
#include "api.h"

#include <civetweb.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api_int.h"

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

/* Every endpoint: method, number of path segments, the fixed segments at
 * positions 0..4 (NULL = any id), who may call it, the handler. */
static const struct api__route {
	const char *method;
	int nseg;
	const char *s[5];
	enum api_level level;
	void (*fn)(struct req *r);
} api__routes[] = {
	{ "GET", 1, { "health" }, API_PUBLIC, api__health },
	{ "GET", 1, { "positions" }, API_PUBLIC, api__positions },
	{ "GET", 1, { "villages" }, API_PUBLIC, api__villages },
	{ "GET", 2, { "learners", "names" }, API_PUBLIC, api__names },
	{ "POST", 1, { "register" }, API_PUBLIC, api__register },
	{ "POST", 1, { "login" }, API_PUBLIC, api__login },
	{ "POST", 1, { "logout" }, API_PUBLIC, api__logout },
	{ "GET", 1, { "me" }, API_PUBLIC, api__me }, /* checks itself: 204, 401 */
	{ "POST", 1, { "pin" }, API_LEARNER_RESET, api__set_pin },
	{ "GET", 1, { "courses" }, API_LEARNER, api__courses },
	{ "GET", 2, { "courses" }, API_LEARNER, api__course_by_id },
	{ "GET", 1, { "resume" }, API_LEARNER, api__resume },
	{ "POST", 5, { "courses", NULL, "lessons", NULL, "open" }, API_LEARNER,
	  api__lesson_open },
	{ "POST", 5, { "courses", NULL, "lessons", NULL, "complete" }, API_LEARNER,
	  api__lesson_complete },
	{ "POST", 5, { "courses", NULL, "lessons", NULL, "time" }, API_LEARNER,
	  api__lesson_time },
	{ "POST", 3, { "courses", NULL, "attempts" }, API_LEARNER, api__attempt_create },
	{ "GET", 3, { "courses", NULL, "certificate" }, API_LEARNER, api__certificate },
	{ "PUT", 4, { "attempts", NULL, "answers" }, API_LEARNER, api__answer },
	{ "POST", 3, { "attempts", NULL, "finish" }, API_LEARNER, api__finish },
	/* the facilitator console (api_console*.c) */
	{ "GET", 2, { "console", "setup" }, API_PUBLIC, api__console_setup_state },
	{ "POST", 2, { "console", "setup" }, API_PUBLIC, api__console_setup },
	{ "POST", 2, { "console", "login" }, API_PUBLIC, api__console_login },
	{ "POST", 2, { "console", "logout" }, API_FACILITATOR, api__console_logout },
	{ "GET", 2, { "console", "me" }, API_FACILITATOR, api__console_me },
	{ "POST", 2, { "console", "password" }, API_FACILITATOR, api__console_password },
	{ "GET", 2, { "console", "facilitators" }, API_FACILITATOR,
	  api__console_facilitators },
	{ "POST", 2, { "console", "facilitators" }, API_FACILITATOR,
	  api__console_facilitator_add },
	{ "PUT", 3, { "console", "facilitators", NULL }, API_FACILITATOR,
	  api__console_facilitator_put },
	{ "DELETE", 3, { "console", "facilitators", NULL }, API_FACILITATOR,
	  api__console_facilitator_delete },
	{ "GET", 2, { "console", "audit" }, API_FACILITATOR, api__console_audit },
	{ "GET", 2, { "console", "today" }, API_FACILITATOR, api__console_today },
	{ "GET", 2, { "console", "learners" }, API_FACILITATOR, api__console_learners },
	{ "GET", 3, { "console", "learners", NULL }, API_FACILITATOR, api__console_learner },
	{ "PUT", 3, { "console", "learners", NULL }, API_FACILITATOR,
	  api__console_learner_edit },
	{ "POST", 4, { "console", "learners", NULL, "pin" }, API_FACILITATOR,
	  api__console_learner_pin },
	{ "POST", 4, { "console", "learners", NULL, "merge" }, API_FACILITATOR,
	  api__console_learner_merge },
	/* the console's course packs (api_console_courses.c) */
	{ "GET", 2, { "console", "courses" }, API_FACILITATOR, api__console_courses },
	{ "GET", 2, { "console", "usb" }, API_FACILITATOR, api__console_usb },
	{ "POST", 3, { "console", "usb", "install" }, API_FACILITATOR,
	  api__console_usb_install },
	{ "POST", 2, { "console", "uploads" }, API_FACILITATOR, api__console_upload },
	{ "POST", 3, { "console", "uploads" }, API_FACILITATOR,
	  api__console_upload_install },
	{ "DELETE", 3, { "console", "uploads" }, API_FACILITATOR,
	  api__console_upload_drop },
	{ "GET", 2, { "console", "keys" }, API_FACILITATOR, api__console_keys },
	{ "POST", 2, { "console", "keys" }, API_FACILITATOR, api__console_key_add },
	{ "DELETE", 3, { "console", "keys" }, API_FACILITATOR, api__console_key_remove },
	/* carrying data home (api_console_export.c) */
	{ "GET", 3, { "console", "export", "learners.csv" }, API_FACILITATOR,
	  api__console_export_csv },
	{ "GET", 3, { "console", "export", "bundle" }, API_FACILITATOR,
	  api__console_export_bundle },
	/* the box (api_console_box.c) */
	{ "GET", 2, { "console", "status" }, API_FACILITATOR, api__console_status },
	{ "POST", 2, { "console", "sync" }, API_FACILITATOR, api__console_sync_now },
	{ "POST", 2, { "console", "clock" }, API_FACILITATOR, api__console_clock },
	{ "POST", 2, { "console", "restart" }, API_FACILITATOR, api__console_restart },
	{ "POST", 2, { "console", "shutdown" }, API_FACILITATOR, api__console_shutdown },
	{ "GET", 2, { "console", "settings" }, API_FACILITATOR, api__console_settings },
	{ "PUT", 2, { "console", "settings" }, API_FACILITATOR, api__console_settings_put },
	{ "GET", 2, { "console", "areas" }, API_FACILITATOR, api__console_areas },
	/* printables (api_console_print.c) */
	{ "GET", 3, { "console", "print", "attendance" }, API_FACILITATOR,
	  api__console_attendance },
	{ "GET", 3, { "console", "print", "certificate" }, API_FACILITATOR,
	  api__console_certificate },
	{ "GET", 3, { "console", "print", "learners" }, API_FACILITATOR,
	  api__console_print_learners },
};

static int
api__seg_is(struct req *r, int i, const char *want)
{
	return want == NULL || (i < r->nseg && strcmp(r->seg[i], want) == 0);
}

/* Whether the request may go on to its handler; answers it if not. A
 * learner needs a learner session. A facilitator route needs a console
 * session, and a state change also its CSRF token in X-CSRF-Token: a
 * learner's cookie opens nothing here, and another page cannot act with
 * the facilitator's cookie. */
static int
api__allowed(struct req *r, enum api_level level)
{
	const char *tok;

	switch (level) {
	case API_PUBLIC:
		return 1;
	case API_LEARNER:
	case API_LEARNER_RESET:
		if (!r->logged_in) {
			api__error(r, 401, "not_logged_in", "log in first");
			return 0;
		}
		if (r->me.pin_reset && level != API_LEARNER_RESET) {
			api__error(r, 403, "pin_change_required", "set a new PIN first");
			return 0;
		}
		return 1;
	case API_FACILITATOR:
		if (!r->fac_logged_in) {
			api__error(r, 401, "not_logged_in", "log in to the console first");
			return 0;
		}
		if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
			return 1;
		tok = mg_get_header(r->conn, "X-CSRF-Token");
		if (tok == NULL || strlen(tok) != strlen(r->csrf) ||
		    sodium_memcmp(tok, r->csrf, strlen(r->csrf)) != 0) {
			api__error(r, 403, "csrf", "missing or wrong X-CSRF-Token");
			return 0;
		}
		return 1;
	}
	return 0;
}

/* The route of a request: found, then who may call it checked, and only
 * then its body read, so a request that is refused anyway never waits for
 * a body. */
static void
api__route(struct req *r)
{
	int path_known = 0, k;
	size_t i;

	for (i = 0; i < PB_ARRAY_LEN(api__routes); i++) {
		const struct api__route *rt = &api__routes[i];

		if (rt->nseg != r->nseg)
			continue;
		for (k = 0; k < 5 && api__seg_is(r, k, rt->s[k]); k++)
			;
		if (k < 5)
			continue;
		path_known = 1;
		if (strcmp(rt->method, r->method) != 0)
			continue;
		if (!api__allowed(r, rt->level))
			return;
		/* an upload streams its body to a file itself */
		if ((!strcmp(r->method, "POST") || !strcmp(r->method, "PUT")) &&
		    rt->fn != api__console_upload && !api__read_json(r))
			return;
		rt->fn(r);
		return;
	}
	if (path_known)
		api__error(r, 405, "method_not_allowed", "this method is not allowed here");
	else
		api__error(r, 404, "not_found", "no such endpoint");
}

int
api_serve(struct mg_connection *conn, const char *path, void *app)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	r.conn = conn;
	r.app = app;
	r.method = mg_get_request_info(conn)->request_method;
	r.addr = mg_get_request_info(conn)->remote_addr;
	if (!api__split(&r, path)) {
		api__error(&r, 404, "not_found", "no such endpoint");
		return 404;
	}
	r.snap = catalog_acquire(r.app->catalog);
	if (strcmp(r.seg[0], "console") == 0)
		api__load_console_session(&r);
	else
		api__load_session(&r);
	api__route(&r);
	catalog_release(r.app->catalog, r.snap);
	json_decref(r.body);
	return 200;
}

int
api_unknown(struct mg_connection *conn, const char *path, void *app)
{
	(void)path;
	(void)app;
	http_send_error(conn, 404, "not_found", "no such endpoint", NULL);
	return 404;
}
