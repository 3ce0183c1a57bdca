/* api_req.c — what every learner API handler needs from its request
 * (api_int.h): the error answers, the session, the JSON body and its
 * fields, the time of the request, the course an id names. */
#include <civetweb.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "jsonin.h"
#include "log.h"
#include "store_clock.h"
#include "store_learner.h"
#include "store_session.h"
#include "util.h"

void
api__error(struct req *r, int status, const char *code, const char *msg)
{
	http_send_error(r->conn, status, code, msg, NULL);
}

/* 429 with the wait in seconds, in the body and in Retry-After. */
void
api__wait(struct req *r, const char *code, const char *message, long wait)
{
	json_t *o = json_pack("{s:s, s:s, s:i}", "error", code, "message", message,
	    "retry_after", (int)wait);
	char hdr[64];

	snprintf(hdr, sizeof(hdr), "Retry-After: %ld\r\n", wait);
	http_send_json(r->conn, 429, o, hdr);
}

void
api__field_error(struct req *r, const char *field, const char *msg)
{
	http_send_error(r->conn, 400, "invalid_field", msg, field);
}

void
api__store_error(struct req *r, pb_err err)
{
	if (err == PB_ERR_NOTFOUND) {
		api__error(r, 404, "not_found", "not found");
		return;
	}
	static struct log_limit lim = LOG_LIMIT_INIT;

	log_warnx_limited(&lim, "store: a request's write failed: %s", pb_strerror(err));
	api__error(r, 503, "unavailable", "storage is failing; try again");
}

void
api__when(struct req *r, struct store_when *w)
{
	json_t *ct = r->body ? json_object_get(r->body, "client_time") : NULL;

	w->mono_ms = util_mono_ms();
	w->wall_ms = util_wall_ms();
	store_clock_epoch(r->app->store, r->app->boot_id, w->mono_ms, w->wall_ms, w->boot_id);
	w->client_ms = json_is_integer(ct) && json_integer_value(ct) > 0 ?
	    (int64_t)json_integer_value(ct) : 0;
}

/* A string field of the body, or NULL. */
const char *
api__str(struct req *r, const char *key)
{
	json_t *v = r->body ? json_object_get(r->body, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

void
api__load_session(struct req *r)
{
	const char *cookies = mg_get_header(r->conn, "Cookie");
	char token[128];
	char learner[37], in[8];

	if (cookies == NULL || mg_get_cookie(cookies, API__COOKIE, token, sizeof(token)) <= 0)
		return;
	r->has_cookie = 1;
	r->has_in_cookie = mg_get_cookie(cookies, API__COOKIE_IN, in, sizeof(in)) > 0;
	if (auth_token_hash(token, r->token_hash) != PB_OK)
		return;
	if (store_session_lookup(r->app->store, r->token_hash, util_wall_ms(),
		(int64_t)r->app->cfg->session_days * 86400000, learner) != PB_OK)
		return;
	if (store_learner_get(r->app->store, learner, &r->me) == PB_OK)
		r->logged_in = 1;
}

int
api__read_json(struct req *r)
{
	const char *ctype = mg_get_header(r->conn, "Content-Type");
	json_error_t jerr;
	char *buf = NULL;
	size_t len = 0;
	pb_err rc;

	/* Only JSON, even when empty: a page of another site can send a form or
	 * plain text here without asking the box first, never JSON. */
	if (ctype == NULL || strncasecmp(ctype, "application/json", 16) != 0) {
		api__error(r, 400, "bad_request", "Content-Type must be application/json");
		return 0;
	}
	rc = http_read_body(r->conn, (size_t)r->app->cfg->max_body,
	    r->app->cfg->body_timeout_ms, &buf, &len);
	if (rc == PB_ERR_LIMIT) {
		api__error(r, 413, "too_large", "request body is too large");
		return 0;
	}
	if (rc == PB_ERR_TIMEOUT) {
		api__error(r, 408, "too_slow", "the request body did not arrive in time");
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
	if (!util_utf8_valid(buf, len)) {
		free(buf);
		api__error(r, 400, "bad_request", "body is not valid UTF-8 text");
		return 0;
	}
	r->body = jsonin_parse(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (r->body == NULL && jsonin_too_deep(&jerr)) {
		api__error(r, 400, "bad_request", "body nests too deeply");
		return 0;
	}
	if (r->body == NULL || !json_is_object(r->body)) {
		api__error(r, 400, "bad_request", "body must be a JSON object");
		return 0;
	}
	return 1;
}

const struct cat_course *
api__find_course(struct req *r, const char *id)
{
	const struct cat_course *c = cat_course_find(r->snap, id);

	if (c == NULL)
		api__error(r, 404, "not_found", "no such course");
	return c;
}

int
api__query(struct req *r, const char *name, char *out, size_t outlen)
{
	const char *qs = mg_get_request_info(r->conn)->query_string;

	return qs != NULL && mg_get_var(qs, strlen(qs), name, out, outlen) >= 0;
}
