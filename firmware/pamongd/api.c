/* api.c — the learner API (docs/API.md): the route table and the one
 * function that answers every request under /api/v1/. The handlers are in
 * one file per resource (api_int.h). Every handler: parse and check the
 * input, look things up in the catalog snapshot, read or write through the
 * store (writes return once durable), answer JSON. */
#include "api.h"

#include <civetweb.h>
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

static int
api__need_login(struct req *r)
{
	if (!r->logged_in)
		api__error(r, 401, "not_logged_in", "log in first");
	return r->logged_in;
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
	{ "GET", 1, "me", NULL, NULL, NULL, 0, api__me }, /* checks itself */
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

/* The route of a request: found, then its login checked, and only then its
 * body read, so a request that is refused anyway never waits for a body. */
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
		if ((!strcmp(r->method, "POST") || !strcmp(r->method, "PUT")) &&
		    !api__read_json(r))
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
