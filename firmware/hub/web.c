/* web.c — see web.h. */
#include "web.h"

#include <civetweb.h>
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "certify.h"
#include "import.h"
#include "ingest.h"
#include "jsonin.h"
#include "log.h"
#include "password.h"
#include "report.h"
#include "staff.h"
#include "totals.h"
#include "util.h"
#include "xapi.h"

#define WEB_JSON_MAX 16384 /* staff request bodies */

struct web {
	const struct hub_config *cfg;
	struct hubdb *db;
	const struct region *region;
	const struct courses *courses;
	struct mg_context *ctx;
	struct ingest_limits lim;
	int64_t started_ms;
	int secure;                  /* public_url is https: Secure cookies */
};

/* The staff member behind a request. */
struct web_staff {
	struct staff_user who;
	char csrf[STAFF_TOKEN_LEN];
	char token[STAFF_TOKEN_LEN];
};

static void
web__send(struct mg_connection *conn, int status, const char *type, const char *extra,
    const char *body, size_t len)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	/* boxes without a real-time clock learn the time from this */
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	mg_printf(conn, "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\n%s\r\n", status,
	    mg_get_response_code_text(conn, status), date, type, len, extra ? extra : "");
	mg_write(conn, body, len);
}

/* Send a JSON value (stolen) with a status. */
static int
web__json(struct mg_connection *conn, int status, json_t *v, const char *extra)
{
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;

	json_decref(v);
	if (s == NULL) {
		static const char oom[] = "{\"error\":\"unavailable\",\"message\":\"out of memory\"}";

		web__send(conn, 503, "application/json; charset=utf-8", NULL, oom,
		    sizeof(oom) - 1);
		return 503;
	}
	web__send(conn, status, "application/json; charset=utf-8", extra, s, strlen(s));
	free(s);
	return status;
}

static int
web__error(struct mg_connection *conn, int status, const char *code, const char *msg)
{
	return web__json(conn, status, json_pack("{s:s, s:s}", "error", code, "message",
	    msg), NULL);
}

/* Read the body, at most max bytes. Returns the length, or -1 if larger or
 * unreadable; *buf is malloc'd and NUL-terminated. */
static long
web__body(struct mg_connection *conn, size_t max, char **buf)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	size_t len = 0, cap;
	char *b, *nb;
	int n;

	*buf = NULL;
	if (ri->content_length > (long long)max)
		return -1;
	cap = ri->content_length >= 0 ? (size_t)ri->content_length : 4096;
	if ((b = malloc(cap + 1)) == NULL)
		return -1;
	for (;;) {
		if (len == cap) {
			if (ri->content_length >= 0)
				break;
			if (cap >= max) {
				free(b);
				return -1;
			}
			cap = cap * 2 > max ? max : cap * 2;
			if ((nb = realloc(b, cap + 1)) == NULL) {
				free(b);
				return -1;
			}
			b = nb;
		}
		if ((n = mg_read(conn, b + len, cap - len)) <= 0)
			break;
		len += (size_t)n;
	}
	if (ri->content_length >= 0 && len != (size_t)ri->content_length) {
		free(b);
		return -1;
	}
	b[len] = '\0';
	*buf = b;
	return (long)len;
}

/* The address the request really comes from (see realip.h). */
static void
web__client(struct mg_connection *conn, const struct web *w, char out[REALIP_ADDRLEN])
{
	realip_client(&w->cfg->proxies, mg_get_request_info(conn)->remote_addr,
	    mg_get_header(conn, "X-Forwarded-For"), mg_get_header(conn, "X-Real-IP"), out);
}

static int
web__method(struct mg_connection *conn, const char *want)
{
	if (strcmp(mg_get_request_info(conn)->request_method, want) == 0)
		return 1;
	web__error(conn, 405, "method_not_allowed", want);
	return 0;
}

/* Non-zero if the request says its body is JSON (Content-Type
 * application/json, parameters allowed); otherwise answers 415. An HTML form
 * on another site cannot send this type, so a cross-site form POST never
 * reaches a handler that reads JSON. */
static int
web__json_type(struct mg_connection *conn)
{
	const char *t = mg_get_header(conn, "Content-Type");

	if (t != NULL && strncasecmp(t, "application/json", 16) == 0 &&
	    (t[16] == '\0' || t[16] == ';' || t[16] == ' ' || t[16] == '\t'))
		return 1;
	web__error(conn, 415, "bad_content_type", "Content-Type must be application/json");
	return 0;
}

static int
web__health(struct mg_connection *conn, void *arg)
{
	struct web *w = arg;
	int ok = hubdb_healthy(w->db);

	return web__json(conn, 200, json_pack("{s:s, s:s, s:s, s:I, s:s, s:I}",
	    "program", "pamong-hub", "version", PB_VERSION, "state",
	    ok ? "serving" : "degraded", "uptime_s",
	    (json_int_t)((util_mono_ms() - w->started_ms) / 1000), "db", ok ? "ok" : "error",
	    "regions", (json_int_t)region_count(w->region)), NULL);
}

static int
web__answer(struct mg_connection *conn, struct ingest_answer *a)
{
	if (a->error != NULL && a->field[0] != '\0')
		return web__json(conn, a->status, json_pack("{s:s, s:s, s:s}", "error", a->error,
		    "message", a->message, "field", a->field), NULL);
	if (a->error != NULL)
		return web__error(conn, a->status, a->error, a->message);
	return web__json(conn, a->status, a->body, NULL);
}

static int
web__enroll(struct mg_connection *conn, void *arg)
{
	struct web *w = arg;
	struct ingest_answer a;
	char *body = NULL;
	long len;

	if (!web__method(conn, "POST"))
		return 405;
	if (!web__json_type(conn))
		return 415;
	if ((len = web__body(conn, WEB_JSON_MAX, &body)) < 0)
		return web__error(conn, 413, "too_large", "body over 16 KiB");
	ingest_enroll(w->db, body, (size_t)len, mg_get_header(conn, "X-Pamong-Signature"),
	    util_wall_ms(), &a);
	free(body);
	if (a.error != NULL)
		log_info("enroll refused: %d %s (%s)", a.status, a.error, a.message);
	return web__answer(conn, &a);
}

static int
web__upload(struct mg_connection *conn, void *arg)
{
	struct web *w = arg;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct ingest_answer a;
	char *body = NULL, from[REALIP_ADDRLEN];
	long len;

	if (!web__method(conn, "POST"))
		return 405;
	/* an unenrolled key (or bad headers) is answered before the body is read */
	if (ingest_upload_head(w->db, &w->lim, mg_get_header(conn, "X-Pamong-Box"),
	    mg_get_header(conn, "X-Pamong-Signature"), mg_get_header(conn, "Content-Encoding"),
	    ri->content_length, &a) != 0)
		goto answer;
	len = web__body(conn, w->lim.max_body, &body);
	ingest_upload(w->db, &w->lim, mg_get_header(conn, "X-Pamong-Box"),
	    mg_get_header(conn, "X-Pamong-Signature"),
	    mg_get_header(conn, "Content-Encoding"), (unsigned char *)body,
	    len < 0 ? (ri->content_length > 0 ? (size_t)ri->content_length :
	    w->lim.max_body + 1) : (size_t)len, util_wall_ms(), &a);
	free(body);
answer:
	if (a.error != NULL) { /* logged before the box hears of it */
		web__client(conn, w, from);
		log_info("upload from %s refused: %d %s (%s)", from, a.status, a.error,
		    a.message);
	}
	return web__answer(conn, &a);
}

/* ---- staff ---------------------------------------------------------- */

/* The session of the request; answers 401 (and returns 0) without one.
 * For POST also checks the CSRF header. */
static int
web__staff(struct mg_connection *conn, struct web *w, struct web_staff *st)
{
	const char *cookie = mg_get_header(conn, "Cookie");
	const char *method = mg_get_request_info(conn)->request_method;
	const char *csrf;

	memset(st, 0, sizeof(*st));
	if (cookie == NULL || mg_get_cookie(cookie, "pbh_session", st->token,
	    sizeof(st->token)) < 0 || staff_session(w->db, st->token, util_wall_ms(),
	    &st->who, st->csrf) != PB_OK) {
		web__error(conn, 401, "not_logged_in", "log in first");
		return 0;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		csrf = mg_get_header(conn, "X-CSRF-Token");
		if (csrf == NULL || strlen(csrf) != strlen(st->csrf) ||
		    sodium_memcmp(csrf, st->csrf, strlen(csrf)) != 0) {
			web__error(conn, 403, "bad_csrf", "X-CSRF-Token missing or wrong");
			return 0;
		}
	}
	return 1;
}

/* Non-zero if the staff member may change things (not read-only); else 403. */
static int
web__may_write(struct mg_connection *conn, const struct web_staff *st)
{
	if (strcmp(st->who.role, "readonly") != 0)
		return 1;
	web__error(conn, 403, "read_only", "this account can only read");
	return 0;
}

/* Non-zero for an administrator; else 403. */
static int
web__admin(struct mg_connection *conn, const struct web_staff *st)
{
	if (strcmp(st->who.role, "admin") == 0)
		return 1;
	web__error(conn, 403, "not_admin", "only an administrator may do this");
	return 0;
}

static json_t *
web__body_json(struct mg_connection *conn)
{
	char *body = NULL;
	json_t *v = NULL;
	long len;

	if ((len = web__body(conn, WEB_JSON_MAX, &body)) >= 0)
		v = jsonin_parse(body, (size_t)len, 0, NULL);
	free(body);
	if (v != NULL && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

static int
web__login(struct mg_connection *conn, void *arg)
{
	struct web *w = arg;
	char token[STAFF_TOKEN_LEN], csrf[STAFF_TOKEN_LEN], hdr[300], from[REALIP_ADDRLEN];
	const char *name, *pw;
	int retry = 0, r;
	json_t *req;
	pb_err rc;

	if (!web__method(conn, "POST"))
		return 405;
	if (!web__json_type(conn))
		return 415;
	if ((req = web__body_json(conn)) == NULL)
		return web__error(conn, 400, "bad_request", "need a JSON object");
	name = json_string_value(json_object_get(req, "name"));
	pw = json_string_value(json_object_get(req, "password"));
	if (name == NULL || pw == NULL) {
		json_decref(req);
		return web__error(conn, 400, "bad_request", "need name and password");
	}
	web__client(conn, w, from);
	rc = staff_login(w->db, name, pw, from, (int)w->cfg->login_attempts, util_wall_ms(), w->cfg->session_hours * 3600000L,
	    token, csrf, &retry);
	if (rc == PB_ERR_LIMIT) {
		log_info("staff login for \"%.64s\" from %s refused: cooling down", name, from);
		snprintf(hdr, sizeof(hdr), "Retry-After: %d\r\n", retry);
		r = web__json(conn, 429, json_pack("{s:s, s:s, s:i}", "error", "cooldown",
		    "message", "too many wrong passwords; wait", "retry_after", retry), hdr);
	} else if (rc == PB_ERR_DENIED) {
		log_info("staff login for \"%.64s\" from %s failed", name, from);
		r = web__error(conn, 401, "wrong_credentials", "wrong name or password");
	} else if (rc != PB_OK) {
		r = web__error(conn, 503, "unavailable", "database error");
	} else {
		snprintf(hdr, sizeof(hdr), "Set-Cookie: pbh_session=%s; HttpOnly;"
		    " SameSite=Strict; Path=/; Max-Age=%ld%s\r\n", token,
		    w->cfg->session_hours * 3600, w->secure ? "; Secure" : "");
		log_info("staff \"%s\" logged in from %s", name, from);
		r = web__json(conn, 200, json_pack("{s:s, s:s}", "user", name, "csrf", csrf),
		    hdr);
	}
	json_decref(req);
	return r;
}

static int
web__logout(struct mg_connection *conn, void *arg)
{
	struct web *w = arg;
	struct web_staff st;

	if (!web__method(conn, "POST"))
		return 405;
	if (!web__staff(conn, w, &st))
		return 401;
	(void)staff_logout(w->db, st.token);
	web__send(conn, 204, "text/plain", "Set-Cookie: pbh_session=; HttpOnly;"
	    " SameSite=Strict; Path=/; Max-Age=0\r\n", "", 0);
	return 204;
}

static int
web__me(struct mg_connection *conn, void *arg)
{
	struct web *w = arg;
	struct web_staff st;
	const char *zone;
	int off;

	if (!web__staff(conn, w, &st))
		return 401;
	zone = region_zone(st.who.area, &off);
	return web__json(conn, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:i,"
	    " s:b}", "user", st.who.name, "csrf", st.csrf, "public_url", w->cfg->public_url,
	    "role", st.who.role, "area", st.who.area, "area_name",
	    st.who.area[0] ? region_name(w->region, st.who.area) : NULL, "zone", zone,
	    "zone_offset_s", off, "lrs", w->cfg->lrs_endpoint[0] != '\0'), NULL);
}

/* Query parameters of the staff reports, checked and scoped. */
struct web_query {
	struct report_filter f;
	char format[8];
	char since[24];
	char from[16], to[16];    /* YYYY-MM-DD in the unit's zone */
	char lang[4];
	char filter[64];          /* fleet: stale,disk,degraded,old */
	char limit[12], offset[12];
	char order[8];            /* villages: asc|desc */
	int flags;
};

/* A page of learners or boxes in JSON: WEB_PAGE rows unless limit says
 * (at most WEB_PAGE_MAX); CSV has every row. */
#define WEB_PAGE 100
#define WEB_PAGE_MAX 1000

/* Local midnight of YYYY-MM-DD as UTC ms, with zone offset_s; -1 if bad. */
static int64_t
web__date(const char *s, int offset_s)
{
	struct tm tm;
	int y, m, d;
	char tail;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
	    s[4] != '-' || s[7] != '-' || y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 ||
	    d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	if (timegm(&tm) < 0 || tm.tm_mday != d) /* normalised: 31 February is refused */
		return -1;
	return ((int64_t)timegm(&tm) - offset_s) * 1000;
}

/* Parse the query and limit it to the staff member's area: no unit means
 * their area; a unit outside it is refused (403). Returns 0 after answering. */
static int
web__query(struct mg_connection *conn, const struct web_staff *st, struct web_query *q)
{
	const char *qs = mg_get_request_info(conn)->query_string;
	size_t qlen = qs ? strlen(qs) : 0, alen = strlen(st->who.area);
	struct report_filter *f = &q->f;
	const char *p;
	char *tok, *save;
	int64_t v;

	memset(q, 0, sizeof(*q));
	if (qs != NULL) {
		if (mg_get_var(qs, qlen, "unit", f->unit, sizeof(f->unit)) < -1 ||
		    mg_get_var(qs, qlen, "course", f->course, sizeof(f->course)) < -1 ||
		    mg_get_var(qs, qlen, "format", q->format, sizeof(q->format)) < -1 ||
		    mg_get_var(qs, qlen, "since", q->since, sizeof(q->since)) < -1 ||
		    mg_get_var(qs, qlen, "from", q->from, sizeof(q->from)) < -1 ||
		    mg_get_var(qs, qlen, "to", q->to, sizeof(q->to)) < -1 ||
		    mg_get_var(qs, qlen, "lang", q->lang, sizeof(q->lang)) < -1 ||
		    mg_get_var(qs, qlen, "filter", q->filter, sizeof(q->filter)) < -1 ||
		    mg_get_var(qs, qlen, "limit", q->limit, sizeof(q->limit)) < -1 ||
		    mg_get_var(qs, qlen, "offset", q->offset, sizeof(q->offset)) < -1 ||
		    mg_get_var(qs, qlen, "q", f->search, sizeof(f->search)) < -1 ||
		    mg_get_var(qs, qlen, "sort", f->sort, sizeof(f->sort)) < -1 ||
		    mg_get_var(qs, qlen, "order", q->order, sizeof(q->order)) < -1)
			goto bad;
	}
	for (p = q->limit; *p; p++)
		if (!isdigit((unsigned char)*p))
			goto bad;
	for (p = q->offset; *p; p++)
		if (!isdigit((unsigned char)*p))
			goto bad;
	f->limit = q->limit[0] ? strtoll(q->limit, NULL, 10) : WEB_PAGE;
	f->offset = q->offset[0] ? strtoll(q->offset, NULL, 10) : 0;
	if (f->limit < 1 || f->limit > WEB_PAGE_MAX)
		goto bad;
	if (f->unit[0] != '\0' && !region_code_valid(f->unit))
		goto bad;
	for (p = f->course; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' &&
		    *p != '_' && *p != '.')
			goto bad;
	for (p = q->since; *p; p++)
		if (!isdigit((unsigned char)*p))
			goto bad;
	if (q->format[0] != '\0' && strcmp(q->format, "csv") != 0 &&
	    strcmp(q->format, "json") != 0)
		goto bad;
	if (q->lang[0] != '\0' && strcmp(q->lang, "id") != 0 && strcmp(q->lang, "en") != 0)
		goto bad;
	f->en = strcmp(q->lang, "en") == 0;
	if (!report_villages_sort_valid(f->sort) || (q->order[0] != '\0' &&
	    strcmp(q->order, "asc") != 0 && strcmp(q->order, "desc") != 0))
		goto bad;
	f->desc = strcmp(q->order, "desc") == 0;
	for (p = f->search; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			goto bad;
	for (tok = strtok_r(q->filter, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "stale") == 0)
			q->flags |= REPORT_STALE;
		else if (strcmp(tok, "disk") == 0)
			q->flags |= REPORT_DISK;
		else if (strcmp(tok, "degraded") == 0)
			q->flags |= REPORT_DEGRADED;
		else if (strcmp(tok, "old") == 0)
			q->flags |= REPORT_OLD;
		else
			goto bad;
	}
	/* the staff member's area bounds everything */
	if (f->unit[0] == '\0')
		snprintf(f->unit, sizeof(f->unit), "%s", st->who.area);
	if (strncmp(f->unit, st->who.area, alen) != 0 || strlen(f->unit) < alen) {
		web__error(conn, 403, "outside_area", "this account may only read its own area");
		return 0;
	}
	f->zone = region_zone(f->unit, &f->zone_s);
	if (q->from[0] != '\0') {
		if ((v = web__date(q->from, f->zone_s)) < 0)
			goto bad;
		f->from_ms = v;
	}
	if (q->to[0] != '\0') {
		if ((v = web__date(q->to, f->zone_s)) < 0)
			goto bad;
		f->to_ms = v + 86400000; /* "to" is the last day shown */
	}
	if (f->to_ms > 0 && f->to_ms <= f->from_ms)
		goto bad;
	return 1;
bad:
	web__error(conn, 400, "bad_request",
	    "unit must be a region code, course [a-z0-9._-], format csv|json, since ms,"
	    " from/to YYYY-MM-DD (from before to), lang id|en,"
	    " filter stale,disk,degraded,old, limit 1-1000, offset a number,"
	    " q up to 64 bytes, sort a column of the table, order asc|desc");
	return 0;
}

/* Send a report table as JSON (with extra members) or CSV. */
static int
web__table(struct mg_connection *conn, const struct web_query *q, const char *name,
    struct report_table *t, json_t *extra)
{
	char hdr[200];
	int r;

	if (strcmp(q->format, "csv") == 0) {
		size_t len;
		char *csv = report_table_csv(t, &len);

		json_decref(extra);
		if (csv == NULL)
			return web__error(conn, 503, "unavailable", "out of memory");
		snprintf(hdr, sizeof(hdr), "Content-Disposition: attachment;"
		    " filename=\"%s%s%s.csv\"\r\n", name, q->f.unit[0] ? "-" : "", q->f.unit);
		web__send(conn, 200, "text/csv; charset=utf-8", hdr, csv, len);
		free(csv);
		return 200;
	}
	{
		json_t *v = report_table_json(t);

		if (v != NULL && extra != NULL)
			json_object_update(v, extra);
		json_decref(extra);
		r = web__json(conn, 200, v, NULL);
	}
	return r;
}

/* A CSV answer sent as its rows come (chunked), for tables of any size. */
struct web_stream {
	struct mg_connection *conn;
	const struct web_query *q;
	const char *name;
	int started;  /* headers and the header line sent */
};

static int
web__stream_rows(struct report_table *t, void *arg)
{
	struct web_stream *w = arg;
	size_t len;
	char *csv = report_table_csv_part(t, !w->started, &len);

	if (csv == NULL)
		return -1;
	if (!w->started) {
		char date[64];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		mg_printf(w->conn, "HTTP/1.1 200 OK\r\nDate: %s\r\n"
		    "Content-Type: text/csv; charset=utf-8\r\nTransfer-Encoding: chunked\r\n"
		    "Cache-Control: no-store\r\nContent-Disposition: attachment;"
		    " filename=\"%s%s%s.csv\"\r\n\r\n", date, w->name,
		    w->q->f.unit[0] ? "-" : "", w->q->f.unit);
		w->started = 1;
	}
	if (len > 0 && mg_send_chunk(w->conn, csv, (unsigned)len) < 0) {
		free(csv);
		return -1; /* the client went away */
	}
	free(csv);
	json_array_clear(t->rows);
	return 0;
}

/* The path from the country down to unit: [{code, name}, ...]. */
static json_t *
web__crumbs(const struct region *r, const char *unit)
{
	static const size_t lens[] = { 2, 5, 8, 13 };
	json_t *arr = json_array();
	char code[16];
	size_t i;

	for (i = 0; i < PB_ARRAY_LEN(lens) && lens[i] <= strlen(unit); i++) {
		const char *n;

		snprintf(code, sizeof(code), "%.*s", (int)lens[i], unit);
		n = region_name(r, code);
		json_array_append_new(arr, json_pack("{s:s, s:s?}", "code", code, "name", n));
	}
	return arr;
}

enum web_report { WR_AREAS, WR_COURSES, WR_LEARNERS, WR_BOXES, WR_COMPLETIONS,
	WR_VILLAGES };

static int
web__report(struct mg_connection *conn, struct web *w, enum web_report kind)
{
	static const char *const names[] = { "areas", "courses", "learners", "boxes",
		"completions", "villages" };
	struct report_ctx x = { w->region, w->courses };
	struct report_table t = { NULL, NULL, NULL, NULL };
	struct web_staff st;
	struct web_query q;
	json_t *extra = NULL;
	const char *bucket = NULL;
	struct web_stream ws = { conn, NULL, NULL, 0 };
	struct report_villages_info vi;
	int64_t total = 0;
	struct hdb_conn *c;
	pb_err rc = PB_ERR_INVALID;

	if (!web__method(conn, "GET"))
		return 405;
	if (!web__staff(conn, w, &st))
		return 401;
	if (!web__query(conn, &st, &q))
		return 400;
	if ((kind == WR_LEARNERS || kind == WR_BOXES || kind == WR_VILLAGES) &&
	    strcmp(q.format, "csv") == 0 && (kind != WR_VILLAGES || strlen(q.f.unit) >= 2)) {
		/* CSV: every row, streamed */
		q.f.limit = q.f.offset = 0;
		ws.q = &q;
		ws.name = names[kind];
		t.sink = web__stream_rows;
		t.sink_arg = &ws;
	}
	c = hubdb_get(w->db);
	/* the running totals: what an upload could not fold yet (totals.h) */
	if ((kind == WR_AREAS || kind == WR_COURSES || kind == WR_VILLAGES) &&
	    totals_fold(c) != PB_OK)
		log_warnx("web: running totals not folded: %s", hdb_errmsg(c));
	switch (kind) {
	case WR_AREAS:
		rc = report_areas(c, &x, &q.f, &t, &extra);
		break;
	case WR_COURSES:
		rc = report_courses(c, &x, &q.f, &t);
		break;
	case WR_LEARNERS:
		rc = report_learners(c, &x, &q.f, &t, t.sink ? NULL : &total);
		break;
	case WR_BOXES:
		rc = report_boxes(c, &q.f, q.flags, util_wall_ms(), &t, t.sink ? NULL : &total);
		break;
	case WR_COMPLETIONS:
		{
			json_t *src = NULL;

			rc = report_completions(c, &q.f, &t, &bucket, &src);
			extra = src != NULL ? json_pack("{s:o}", "time_sources", src) : NULL;
		}
		break;
	case WR_VILLAGES:
		rc = report_villages(c, &x, &q.f, &t, &vi);
		total = vi.total;
		break;
	}
	hubdb_put(w->db, c);
	if (t.sink != NULL) {
		if (rc == PB_OK && web__stream_rows(&t, &ws) == 0) {
			mg_send_chunk(conn, "", 0); /* the end */
		} else if (ws.started) {
			/* no last chunk: the client sees an unfinished download */
			log_warnx("web: %s CSV cut short", names[kind]);
		} else {
			report_table_free(&t);
			return web__error(conn, 503, "unavailable", "database error");
		}
		report_table_free(&t);
		return 200;
	}
	if (rc == PB_ERR_LIMIT)
		return web__error(conn, 400, "choose_area",
		    "choose a province, regency or district first");
	if (rc != PB_OK) {
		json_decref(extra);
		report_table_free(&t);
		return web__error(conn, 503, "unavailable", "database error");
	}
	/* every JSON answer says what it covers */
	if (extra == NULL)
		extra = json_object();
	json_object_set_new(extra, "unit", json_string(q.f.unit));
	json_object_set_new(extra, "crumbs", web__crumbs(w->region, q.f.unit));
	json_object_set_new(extra, "zone", json_string(q.f.zone));
	json_object_set_new(extra, "zone_offset_s", json_integer(q.f.zone_s));
	if (bucket != NULL)
		json_object_set_new(extra, "bucket", json_string(bucket));
	if (kind == WR_VILLAGES) {
		json_object_set_new(extra, "villages", json_integer(vi.villages));
		json_object_set_new(extra, "villages_reached", json_integer(vi.reached));
		json_object_set_new(extra, "q", json_string(q.f.search));
		json_object_set_new(extra, "sort", json_string(q.f.sort[0] ? q.f.sort :
		    "village_code"));
		json_object_set_new(extra, "order", json_string(q.f.desc ? "desc" : "asc"));
	}
	if (kind == WR_LEARNERS || kind == WR_BOXES || kind == WR_VILLAGES) {
		/* one page of the rows: which, and how many there are in all */
		json_object_set_new(extra, "total", json_integer(total));
		json_object_set_new(extra, "limit", json_integer(q.f.limit));
		json_object_set_new(extra, "offset", json_integer(q.f.offset));
	}
	web__table(conn, &q, names[kind], &t, extra);
	report_table_free(&t);
	return 200;
}

static int
web__areas(struct mg_connection *conn, void *arg)
{
	return web__report(conn, arg, WR_AREAS);
}

static int
web__courses(struct mg_connection *conn, void *arg)
{
	return web__report(conn, arg, WR_COURSES);
}

static int
web__learners(struct mg_connection *conn, void *arg)
{
	return web__report(conn, arg, WR_LEARNERS);
}

static int
web__boxes(struct mg_connection *conn, void *arg)
{
	return web__report(conn, arg, WR_BOXES);
}

static int
web__completions(struct mg_connection *conn, void *arg)
{
	return web__report(conn, arg, WR_COMPLETIONS);
}

static int
web__villages(struct mg_connection *conn, void *arg)
{
	return web__report(conn, arg, WR_VILLAGES);
}

static int
web__xapi(struct mg_connection *conn, void *arg)
{
	struct web *w = arg;
	struct web_staff st;
	struct web_query q;
	json_t *stmts = NULL;
	struct hdb_conn *c;
	pb_err rc;

	if (!web__method(conn, "GET"))
		return 405;
	if (!web__staff(conn, w, &st))
		return 401;
	if (!web__query(conn, &st, &q))
		return 400;
	c = hubdb_get(w->db);
	rc = xapi_statements(c, w->cfg->public_url, q.since[0] ? strtoll(q.since, NULL, 10) : 0,
	    q.f.unit, &stmts);
	hubdb_put(w->db, c);
	if (rc != PB_OK)
		return web__error(conn, 503, "unavailable", "database error");
	return web__json(conn, 200, stmts, "X-Experience-API-Version: 1.0.3\r\n"
	    "Content-Disposition: attachment; filename=\"statements.json\"\r\n");
}

static int
web__xapi_forward(struct mg_connection *conn, void *arg)
{
	struct web *w = arg;
	struct xapi_forward_result res;
	struct web_staff st;
	json_t *stmts = NULL;
	struct hdb_conn *c;
	pb_err rc;

	if (!web__method(conn, "POST"))
		return 405;
	if (!web__staff(conn, w, &st))
		return 401;
	if (!web__may_write(conn, &st))
		return 403;
	if (w->cfg->lrs_endpoint[0] == '\0')
		return web__error(conn, 409, "no_lrs", "xapi.lrs_endpoint is not configured");
	c = hubdb_get(w->db);
	rc = xapi_statements(c, w->cfg->public_url, 0, st.who.area, &stmts);
	hubdb_put(w->db, c);
	if (rc != PB_OK)
		return web__error(conn, 503, "unavailable", "database error");
	(void)xapi_forward(w->cfg->lrs_endpoint, w->cfg->lrs_user, w->cfg->lrs_password,
	    stmts, &res);
	json_decref(stmts);
	log_info("xapi forward by %s: %d sent, %d already stored, %d failed", st.who.name,
	    res.sent, res.already, res.failed);
	return web__json(conn, 200, json_pack("{s:i, s:i, s:i, s:s*}", "sent", res.sent,
	    "already", res.already, "failed", res.failed, "last_error",
	    res.last_error[0] ? res.last_error : NULL), NULL);
}

/* GET: every account (administrators only). POST {"action": "create",
 * "name", "password", "role", "area"} | {"action": "disable" | "enable",
 * "name"} | {"action": "reset", "name", "password"}. */
static int
web__users(struct mg_connection *conn, void *arg)
{
	struct web *w = arg;
	struct web_staff st;
	const char *method = mg_get_request_info(conn)->request_method;
	const char *action, *name, *pw, *role, *area;
	json_t *req, *list = NULL;
	pb_err rc;
	int r;

	if (!web__staff(conn, w, &st))
		return 401;
	if (!web__admin(conn, &st))
		return 403;
	if (strcmp(method, "GET") == 0) {
		size_t i;
		json_t *u;

		if (staff_user_list(w->db, &list) != PB_OK)
			return web__error(conn, 503, "unavailable", "database error");
		json_array_foreach(list, i, u) {
			const char *a = json_string_value(json_object_get(u, "area"));

			json_object_set_new(u, "area_name", a && a[0] && region_name(w->region, a) ?
			    json_string(region_name(w->region, a)) : json_null());
		}
		return web__json(conn, 200, json_pack("{s:o}", "users", list), NULL);
	}
	if (!web__method(conn, "POST"))
		return 405;
	if (!web__json_type(conn))
		return 415;
	if ((req = web__body_json(conn)) == NULL)
		return web__error(conn, 400, "bad_request", "need a JSON object");
	action = json_string_value(json_object_get(req, "action"));
	name = json_string_value(json_object_get(req, "name"));
	pw = json_string_value(json_object_get(req, "password"));
	role = json_string_value(json_object_get(req, "role"));
	area = json_string_value(json_object_get(req, "area"));
	if (action == NULL || name == NULL || !staff_name_valid(name)) {
		r = web__error(conn, 400, "bad_request", "need action and a valid name");
		goto out;
	}
	if (strcmp(action, "create") == 0) {
		if (pw == NULL || role == NULL || !staff_role_valid(role) ||
		    !staff_area_valid(role, area ? area : "")) {
			r = web__error(conn, 400, "invalid_field", "role admin|staff|readonly;"
			    " area \"\", a province or a regency code; admin only national");
			goto out;
		}
		if (password_check(name, pw) != PASSWORD_OK) {
			r = web__error(conn, 400, "weak_password",
			    password_message(password_check(name, pw)));
			goto out;
		}
		rc = staff_user_create(w->db, name, pw, role, area ? area : "", util_wall_ms());
	} else if (strcmp(action, "reset") == 0) {
		if (pw == NULL || password_check(name, pw) != PASSWORD_OK) {
			r = web__error(conn, 400, "weak_password",
			    password_message(pw ? password_check(name, pw) : PASSWORD_SHORT));
			goto out;
		}
		rc = staff_user_reset(w->db, name, pw);
	} else if (strcmp(action, "disable") == 0 || strcmp(action, "enable") == 0) {
		if (strcmp(name, st.who.name) == 0) {
			r = web__error(conn, 409, "self", "you cannot disable your own account");
			goto out;
		}
		rc = staff_user_disable(w->db, name, action[0] == 'd');
	} else {
		r = web__error(conn, 400, "bad_request", "action create|reset|disable|enable");
		goto out;
	}
	if (rc == PB_ERR_EXISTS)
		r = web__error(conn, 409, "exists", "a user with this name exists");
	else if (rc == PB_ERR_NOTFOUND)
		r = web__error(conn, 404, "no_user", "no such user");
	else if (rc == PB_ERR_INVALID)
		r = web__error(conn, 400, "invalid_field", "bad name, role, area or password");
	else if (rc != PB_OK)
		r = web__error(conn, 503, "unavailable", "database error");
	else {
		log_info("staff %s: %s user %s", st.who.name, action, name);
		r = web__json(conn, 200, json_pack("{s:s, s:s}", "name", name, "done", action),
		    NULL);
	}
out:
	json_decref(req);
	return r;
}

static int
web__enroll_code(struct mg_connection *conn, void *arg)
{
	struct web *w = arg;
	struct web_staff st;
	char code[INGEST_CODE_LEN], iso[32];
	json_int_t ttl = w->cfg->code_ttl_s;
	int64_t expires;
	json_t *req;

	if (!web__method(conn, "POST"))
		return 405;
	if (!web__staff(conn, w, &st))
		return 401;
	if (!web__may_write(conn, &st))
		return 403;
	if (!web__json_type(conn))
		return 415;
	if ((req = web__body_json(conn)) == NULL)
		return web__error(conn, 400, "bad_request", "need a JSON object");
	if (json_is_integer(json_object_get(req, "ttl_s")))
		ttl = json_integer_value(json_object_get(req, "ttl_s"));
	json_decref(req);
	if (ttl < 60 || ttl > 31536000)
		return web__error(conn, 400, "invalid_field", "ttl_s must be 60..31536000");
	if (ingest_code_create(w->db, util_wall_ms(), (int64_t)ttl * 1000, code, &expires) !=
	    PB_OK)
		return web__error(conn, 503, "unavailable", "database error");
	util_iso8601(iso, expires);
	log_info("staff %s made an enrollment code valid until %s", st.who.name, iso);
	return web__json(conn, 201, json_pack("{s:s, s:I, s:s}", "code", code, "expires_at",
	    (json_int_t)expires, "expires", iso), NULL);
}

/* GET /api/v1/verify?t=TOKEN: anyone holding a certificate a box printed
 * may check it (certify.h); no login. */
static int
web__verify(struct mg_connection *conn, void *arg)
{
	struct web *w = arg;
	const char *qs = mg_get_request_info(conn)->query_string;
	char token[512];
	json_t *out = NULL;
	struct hdb_conn *c;
	pb_err rc;

	if (!web__method(conn, "GET"))
		return 405;
	if (qs == NULL || mg_get_var(qs, strlen(qs), "t", token, sizeof(token)) <= 0)
		return web__error(conn, 400, "invalid_field", "t must be a certificate token");
	c = hubdb_get(w->db);
	rc = certify_check(c, token, &out);
	hubdb_put(w->db, c);
	if (rc == PB_ERR_INVALID)
		return web__error(conn, 400, "invalid_field", "t is not a certificate token");
	if (rc != PB_OK)
		return web__error(conn, 503, "unavailable", "database error");
	return web__json(conn, 200, out, NULL);
}

/* POST /api/v1/hub/import: a staff member uploads a sync bundle a
 * facilitator carried from a box (import.h). */
static int
web__import(struct mg_connection *conn, void *arg)
{
	struct web *w = arg;
	struct import_result res;
	struct web_staff st;
	char *body = NULL;
	long len;

	if (!web__method(conn, "POST"))
		return 405;
	if (!web__staff(conn, w, &st))
		return 401;
	if (!web__may_write(conn, &st))
		return 403;
	if (!web__json_type(conn))
		return 415;
	if ((len = web__body(conn, IMPORT_MAX_BYTES, &body)) < 0)
		return web__error(conn, 413, "too_large", "the bundle is larger than 64 MB");
	import_bundle(w->db, &w->lim, body, (size_t)len, util_wall_ms(), &res);
	free(body);
	log_info("staff %s imported a bundle of box %s: %d of %d chunks%s%s", st.who.name,
	    res.box[0] ? res.box : "?", res.applied, res.chunks, res.error ? ", refused: " : "",
	    res.error ? res.error : "");
	if (res.error != NULL)
		return web__json(conn, res.status, json_pack("{s:s, s:s, s:i, s:i}", "error",
		    res.error, "message", res.message, "applied", res.applied, "chunks",
		    res.chunks), NULL);
	return web__json(conn, 200, json_pack("{s:s, s:i, s:i, s:b, s:I}", "box", res.box,
	    "chunks", res.chunks, "applied", res.applied, "enrolled", res.enrolled,
	    "acked_rev", (json_int_t)res.acked_rev), NULL);
}

static int
web__not_found(struct mg_connection *conn, void *arg)
{
	(void)arg;
	return web__error(conn, 404, "not_found", "no such endpoint");
}

static int
web__log_message(const struct mg_connection *conn, const char *msg)
{
	(void)conn;
	log_warnx("http: %s", msg);
	return 1;
}

pb_err
web_start(const struct hub_config *cfg, struct hubdb *db, const struct region *r,
    const struct courses *cs, struct web **out)
{
	static const struct {
		const char *uri;
		mg_request_handler fn;
	} routes[] = {
		{ "/api/v1/health$", web__health },
		{ "/api/v1/enroll$", web__enroll },
		{ "/api/v1/upload$", web__upload },
		{ "/api/v1/hub/login$", web__login },
		{ "/api/v1/hub/logout$", web__logout },
		{ "/api/v1/hub/me$", web__me },
		{ "/api/v1/hub/areas$", web__areas },
		{ "/api/v1/hub/courses$", web__courses },
		{ "/api/v1/hub/learners$", web__learners },
		{ "/api/v1/hub/boxes$", web__boxes },
		{ "/api/v1/hub/completions$", web__completions },
		{ "/api/v1/hub/villages$", web__villages },
		{ "/api/v1/hub/users$", web__users },
		{ "/api/v1/hub/xapi$", web__xapi },
		{ "/api/v1/hub/xapi/forward$", web__xapi_forward },
		{ "/api/v1/hub/enroll-codes$", web__enroll_code },
		{ "/api/v1/hub/import$", web__import },
		{ "/api/v1/verify$", web__verify },
		{ "/api/", web__not_found },
	};
	struct mg_callbacks cb;
	struct web *w;
	char port[CONF_STR_MAX + 32], threads[16];
	const char *opts[] = {
		"listening_ports", port,
		"num_threads", threads,
		"document_root", cfg->webroot,
		"enable_keep_alive", "yes",
		"keep_alive_timeout_ms", "15000",
		"tcp_nodelay", "1",
		"request_timeout_ms", "60000",
		"enable_directory_listing", "no",
		"additional_header", "X-Content-Type-Options: nosniff\r\n"
		    "X-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n"
		    "Content-Security-Policy: default-src 'self'; img-src 'self' data:;"
		    " style-src 'self'; script-src 'self'; frame-ancestors 'none'",
		NULL
	};
	size_t i;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return PB_ERR_NOMEM;
	w->cfg = cfg;
	w->db = db;
	w->region = r;
	w->courses = cs;
	w->lim.max_body = (size_t)cfg->max_body;
	w->lim.max_json = (size_t)cfg->max_json;
	w->lim.max_rows = (size_t)cfg->max_rows;
	w->lim.max_memory = (size_t)cfg->upload_memory;
	w->started_ms = util_mono_ms();
	w->secure = strncmp(cfg->public_url, "https:", 6) == 0;
	if (strchr(cfg->listen, ':') != NULL)
		snprintf(port, sizeof(port), "[%s]:%ld", cfg->listen, cfg->port);
	else
		snprintf(port, sizeof(port), "%s:%ld", cfg->listen, cfg->port);
	snprintf(threads, sizeof(threads), "%ld", cfg->threads);
	memset(&cb, 0, sizeof(cb));
	cb.log_message = web__log_message;
	if ((w->ctx = mg_start(&cb, w, opts)) == NULL) {
		log_warnx("cannot listen on %s (in use? webroot %s missing?)", port,
		    cfg->webroot);
		free(w);
		return PB_ERR_IO;
	}
	for (i = 0; i < PB_ARRAY_LEN(routes); i++)
		mg_set_request_handler(w->ctx, routes[i].uri, routes[i].fn, w);
	log_info("listening on http://%s (dashboard from %s)", port, cfg->webroot);
	*out = w;
	return PB_OK;
}

void
web_stop(struct web *w)
{
	if (w == NULL)
		return;
	mg_stop(w->ctx);
	free(w);
}
