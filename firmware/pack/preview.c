/* preview.c — `pamong-pack preview`: the learner app over a stand-in of
 * the box's learner API (docs/API.md) for one course read from its sources.
 *
 * CivetWeb serves the webroot; one handler answers /api/v1/ and the
 * course's files under /packs/ID/preview/. Every answer about the course
 * first reads and renders the sources again (course_load_with): while they
 * have errors the last good version is served and each lesson begins with
 * the problems. The quiz is answered from quiz.yaml, one attempt at a time;
 * nothing is stored.
 *
 * The page reloads itself when the sources change: the learner app's
 * index.html is served with one more script, /__preview/reload.js (from
 * this file, same origin), which asks /__preview/version — a hash of every
 * source file's name, size and time, read without rendering — once a second
 * and reloads the page when it differs. */
#include <civetweb.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "course.h"
#include "diag.h"
#include "fsutil.h"
#include "jsonin.h"
#include "preview.h"
#include "util.h"

#define PREVIEW__PORT 8088
#define PREVIEW__BODY_MAX 16384
#define PREVIEW__CHOICES 8
#define PREVIEW__WALK_MAX 4096     /* source files hashed for the version */
#define PREVIEW__WALK_DEPTH 6
#define PREVIEW__INDEX_MAX (256 * 1024)

struct preview {
	const struct preview_opts *o;
	const char *webroot;      /* the learner app's folder */
	pthread_mutex_t lock;     /* everything below */
	struct course c;          /* the last version without errors */
	int have;                 /* c is loaded */
	char *problems;           /* the problems of the sources now, or NULL */
	char attempt[64];         /* the quiz attempt being answered */
	int pre;                  /* it is the pre-test's */
	int answered[64];         /* per question: 1 + bitmask of the choices, 0 = not yet */
	int finished;
};

static volatile sig_atomic_t preview__stop;

static void
preview__signal(int sig)
{
	(void)sig;
	preview__stop = 1;
}

/* Read the sources again; keep the last good course when they have errors.
 * Prints what changed in the problems to stderr. Called with the lock. */
static void
preview__reload(struct preview *p)
{
	struct course_opts co = { p->o->media_budget };
	struct diags d = {0};
	struct course c;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	pb_err rc = course_load_with(p->o->dir, &co, &c, &d);

	if (d.n > 0 && (f = open_memstream(&text, &len)) != NULL) {
		diag_print(&d, f);
		fclose(f);
	}
	if (rc == PB_OK) {
		if (p->have)
			course_free(&p->c);
		p->c = c;
		p->have = 1;
	} else {
		course_free(&c);
	}
	/* warnings are shown like errors: the author should see them */
	if ((text == NULL) != (p->problems == NULL) ||
	    (text != NULL && strcmp(text, p->problems) != 0)) {
		if (text != NULL)
			fputs(text, stderr);
		else
			fprintf(stderr, "%s\n", TR("pratinjau: sumber kursus kini tanpa masalah",
			    "preview: the course sources now have no problems"));
	}
	free(p->problems);
	p->problems = text;
	diag_free(&d);
}

static void
preview__json(struct mg_connection *conn, int status, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
	size_t n = s ? strlen(s) : 0;

	mg_printf(conn, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	    "Cache-Control: no-store\r\nContent-Length: %zu\r\n\r\n", status,
	    mg_get_response_code_text(conn, status), n);
	if (n)
		mg_write(conn, s, n);
	free(s);
	json_decref(v);
}

static void
preview__error(struct mg_connection *conn, int status, const char *code)
{
	preview__json(conn, status, json_pack("{s:s, s:s}", "error", code, "message", code));
}

/* The body of a POST or PUT as JSON (NULL when empty, not JSON, too big or
 * nested too deeply). */
static json_t *
preview__body(struct mg_connection *conn)
{
	char buf[PREVIEW__BODY_MAX];
	size_t got = 0;
	int n;

	while (got < sizeof(buf) - 1 &&
	    (n = mg_read(conn, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	return jsonin_parse(buf, got, 0, NULL); /* a depth check first: jansson recurses */
}

/* The lesson's URL: the hash of its HTML in the query, so the app's own
 * cache of lessons never shows an old version. */
static char *
preview__lesson_url(const struct course *c, const struct course_lesson *l)
{
	char hex[65], *url = NULL;

	util_sha256_hex(hex, l->html, strlen(l->html));
	if (asprintf(&url, "/packs/%s/preview/lessons/%s.html?v=%.12s", c->id, l->id, hex) < 0)
		return NULL;
	return url;
}

static json_t *
preview__course_json(const struct course *c, int full)
{
	json_t *o, *ls;
	size_t i;
	int minutes = c->minutes;

	if (!minutes)
		for (i = 0; i < c->nlessons; i++)
			minutes += c->lessons[i].minutes;
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:n, s:b, s:n}",
	    "id", c->id, "title", c->title, "summary", c->summary, "language", c->language,
	    "version", c->version, "minutes", minutes, "lessons_total", (int)c->nlessons,
	    "lessons_done", 0, "status", "not_started", "best_score", "passed", 0,
	    "completed_at");
	if (!full || o == NULL)
		return o;
	ls = json_array();
	for (i = 0; i < c->nlessons; i++) {
		char *url = preview__lesson_url(c, &c->lessons[i]);

		json_array_append_new(ls, json_pack("{s:s, s:s, s:i, s:s, s:s, s:i}",
		    "id", c->lessons[i].id, "title", c->lessons[i].title,
		    "minutes", c->lessons[i].minutes, "url", url ? url : "",
		    "state", i == 0 ? "current" : "new", "seconds_spent", 0));
		free(url);
	}
	json_object_set_new(o, "lessons", ls);
	json_object_set_new(o, "passing_score", json_integer(c->passing_score));
	json_object_set_new(o, "feedback", json_string(c->feedback_end ? "end" : "immediate"));
	json_object_set_new(o, "quiz", json_pack("{s:i, s:i, s:n, s:b}", "questions",
	    (int)c->nquestions, "attempts", 0, "best_score", "passed", 0));
	if (c->pretest != NULL)
		json_object_set_new(o, "pretest", json_pack("{s:i, s:b, s:n}", "questions",
		    (int)c->npre, "skippable", c->pretest_skippable, "score"));
	return o;
}

/* The right choices of q as ids ["a", …] and as a bitmask. */
static json_t *
preview__right(const struct course_question *q, int *mask)
{
	json_t *a = json_array();
	size_t i;

	*mask = 0;
	for (i = 0; i < q->nchoices && i < PREVIEW__CHOICES; i++)
		if (q->choices[i].correct) {
			char id[2] = { (char)('a' + i), 0 };

			json_array_append_new(a, json_string(id));
			*mask |= 1 << i;
		}
	return a;
}

static json_t *
preview__choices_of(int mask)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < PREVIEW__CHOICES; i++)
		if (mask & (1 << i)) {
			char id[2] = { (char)('a' + i), 0 };

			json_array_append_new(a, json_string(id));
		}
	return a;
}

/* One question's result for the attempt ({question, choices, correct, …}). */
static json_t *
preview__result(const struct course_question *q, int answered)
{
	int right, mask = answered ? answered - 1 : 0;
	json_t *rc = preview__right(q, &right);

	return json_pack("{s:s, s:o, s:b, s:o, s:s}", "question", q->id, "choices",
	    preview__choices_of(mask), "correct", answered && mask == right, "correct_choices", rc,
	    "explanation", q->explanation);
}

/* The questions of the attempt being answered: the pre-test's or the quiz's. */
static const struct course_question *
preview__qs(const struct preview *p, size_t *n)
{
	*n = p->pre ? p->c.npre : p->c.nquestions;
	return p->pre ? p->c.pre_questions : p->c.questions;
}

static void
preview__attempt(struct preview *p, struct mg_connection *conn, json_t *body)
{
	const struct course *c = &p->c;
	const char *id = json_string_value(json_object_get(body, "attempt"));
	const char *kind = json_string_value(json_object_get(body, "kind"));
	json_t *qs = json_array(), *answers = json_object();
	const struct course_question *v;
	size_t i, j, n;
	int pre = kind != NULL && strcmp(kind, "pre") == 0 && c->pretest != NULL;

	if (id == NULL || strlen(id) >= sizeof(p->attempt)) {
		json_decref(qs);
		json_decref(answers);
		preview__error(conn, 400, "bad_request");
		return;
	}
	if (strcmp(id, p->attempt) != 0 || pre != p->pre) {
		snprintf(p->attempt, sizeof(p->attempt), "%s", id);
		memset(p->answered, 0, sizeof(p->answered));
		p->finished = 0;
		p->pre = pre;
	}
	v = preview__qs(p, &n);
	for (i = 0; i < n && i < PB_ARRAY_LEN(p->answered); i++) {
		const struct course_question *q = &v[i];
		json_t *ch = json_array();

		for (j = 0; j < q->nchoices && j < PREVIEW__CHOICES; j++) {
			char cid[2] = { (char)('a' + j), 0 };

			json_array_append_new(ch, json_pack("{s:s, s:s}", "id", cid, "text",
			    q->choices[j].text));
		}
		json_array_append_new(qs, json_pack("{s:s, s:s, s:s, s:o}", "id", q->id, "type",
		    q->multiple ? "multiple" : "single", "text", q->text, "choices", ch));
		if (p->answered[i])
			json_object_set_new(answers, q->id, preview__result(q, p->answered[i]));
	}
	preview__json(conn, 201, json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o}", "attempt",
	    p->attempt, "course", c->id, "kind", pre ? "pre" : "quiz", "feedback",
	    c->feedback_end || pre ? "end" : "immediate", "finished", p->finished, "questions", qs,
	    "answers", answers));
}

static void
preview__answer(struct preview *p, struct mg_connection *conn, const char *qid, json_t *body)
{
	const struct course *c = &p->c;
	json_t *ch = json_object_get(body, "choices"), *v;
	size_t i, k, n;
	const struct course_question *qs = preview__qs(p, &n);
	int mask = 0;

	for (i = 0; i < n && i < PB_ARRAY_LEN(p->answered); i++)
		if (strcmp(qs[i].id, qid) == 0)
			break;
	if (i == n || i == PB_ARRAY_LEN(p->answered) || !json_is_array(ch)) {
		preview__error(conn, 400, "bad_request");
		return;
	}
	json_array_foreach(ch, k, v) {
		const char *s = json_string_value(v);

		if (s == NULL || strlen(s) != 1 || s[0] < 'a' ||
		    (size_t)(s[0] - 'a') >= qs[i].nchoices) {
			preview__error(conn, 400, "invalid_field");
			return;
		}
		mask |= 1 << (s[0] - 'a');
	}
	if (!p->answered[i])
		p->answered[i] = mask + 1;
	if (c->feedback_end || p->pre) {
		preview__json(conn, 200, json_pack("{s:s, s:b}", "question", qid, "recorded", 1));
		return;
	}
	v = preview__result(&qs[i], p->answered[i]);
	json_object_del(v, "choices");
	preview__json(conn, 200, v);
}

static void
preview__finish(struct preview *p, struct mg_connection *conn)
{
	const struct course *c = &p->c;
	json_t *results = json_array();
	size_t i, n;
	const struct course_question *qs = preview__qs(p, &n);
	int right = 0, score;

	for (i = 0; i < n && i < PB_ARRAY_LEN(p->answered); i++) {
		json_t *r = preview__result(&qs[i], p->answered[i]);

		right += json_is_true(json_object_get(r, "correct"));
		if (p->pre)
			json_decref(r); /* a pre-test shows no answers */
		else
			json_array_append_new(results, r);
	}
	p->finished = 1;
	score = n ? (int)(100 * right / (int)n) : 0;
	preview__json(conn, 200, json_pack("{s:s, s:s, s:i, s:i, s:i, s:b, s:i, s:i, s:s, s:o, s:n, "
	    "s:n}", "attempt", p->attempt, "kind", p->pre ? "pre" : "quiz", "score", score,
	    "correct", right, "total", (int)n, "passed", !p->pre && score >= c->passing_score,
	    "passing_score", c->passing_score, "best_score", score, "course_status", "in_progress",
	    "results", results, "pre_score", "post_score"));
}

/* /api/v1/…: the stand-in of the box's learner API. */
static void
preview__api(struct preview *p, struct mg_connection *conn, const char *method,
    const char *path)
{
	const struct course *c = &p->c;
	char seg[6][128];
	int n = 0;
	const char *s = path;
	json_t *body = NULL;

	while (*s && n < 6) {
		size_t len = strcspn(s, "/?");

		if (len >= sizeof(seg[0]))
			break;
		memcpy(seg[n], s, len);
		seg[n++][len] = '\0';
		s += len;
		if (*s != '/')
			break;
		s++;
	}
	if (!strcmp(method, "POST") || !strcmp(method, "PUT"))
		body = preview__body(conn);
	if (n == 1 && !strcmp(seg[0], "health"))
		preview__json(conn, 200, json_pack("{s:s, s:s, s:s}", "program", "pamong-pack preview",
		    "version", PB_VERSION, "state", "ok"));
	else if (n == 1 && !strcmp(seg[0], "me"))
		preview__json(conn, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}",
		    "id", "00000000-0000-4000-8000-000000000000", "name",
		    TR("Pratinjau Penulis", "Author Preview"), "position", "lainnya", "position_label",
		    "Lainnya", "village", "", "village_name", TR("(pratinjau)", "(preview)"),
		    "district", "-", "regency", "-", "registered_at", 0));
	else if (n == 1 && !strcmp(seg[0], "positions"))
		preview__json(conn, 200, json_pack("{s:[]}", "positions"));
	else if (n == 1 && !strcmp(seg[0], "villages"))
		preview__json(conn, 200, json_pack("{s:[], s:[]}", "area", "villages"));
	else if (n == 1 && !strcmp(seg[0], "resume"))
		preview__json(conn, 200, json_pack("{s:n}", "course"));
	else if (n == 1 && !strcmp(seg[0], "courses"))
		preview__json(conn, 200, json_pack("{s:[o]}", "courses", preview__course_json(c, 0)));
	else if (n >= 2 && !strcmp(seg[0], "courses") && strcmp(seg[1], c->id) != 0)
		preview__error(conn, 404, "not_found");
	else if (n == 2 && !strcmp(seg[0], "courses"))
		preview__json(conn, 200, preview__course_json(c, 1));
	else if (n == 5 && !strcmp(seg[2], "lessons"))
		preview__json(conn, 200, json_pack("{s:s, s:s, s:i, s:i, s:i}", "lesson", seg[3],
		    "state", strcmp(seg[4], "complete") ? "current" : "done", "lessons_done", 0,
		    "lessons_total", (int)c->nlessons, "seconds_spent", 0));
	else if (n == 3 && !strcmp(seg[2], "attempts") && !strcmp(method, "POST"))
		preview__attempt(p, conn, body);
	else if (n == 3 && !strcmp(seg[2], "certificate"))
		preview__error(conn, 404, "not_found");
	else if (n == 4 && !strcmp(seg[0], "attempts") && !strcmp(seg[2], "answers"))
		preview__answer(p, conn, seg[3], body);
	else if (n == 3 && !strcmp(seg[0], "attempts") && !strcmp(seg[2], "finish"))
		preview__finish(p, conn);
	else if (n == 1 && (!strcmp(seg[0], "logout") || !strcmp(seg[0], "login") ||
	    !strcmp(seg[0], "register")))
		preview__error(conn, 400, "preview");
	else
		preview__error(conn, 404, "not_found");
	json_decref(body);
}

/* text with & < > escaped, appended to f */
static void
preview__escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else
			fputc(*s, f);
	}
}

/* /packs/ID/preview/lessons/LID.html (the lesson rendered now, after the
 * problems of the sources if any) and /packs/ID/preview/media/NAME. */
static void
preview__pack_file(struct preview *p, struct mg_connection *conn, const char *rest)
{
	const struct course *c = &p->c;
	char lid[128], path[PATH_MAX];
	size_t i, len;
	char *out = NULL;
	FILE *f;

	if (strncmp(rest, "lessons/", 8) == 0 && (len = strcspn(rest + 8, "?")) > 5 &&
	    len - 5 < sizeof(lid) && strncmp(rest + 8 + len - 5, ".html", 5) == 0) {
		snprintf(lid, sizeof(lid), "%.*s", (int)(len - 5), rest + 8);
		for (i = 0; i < c->nlessons; i++) {
			if (strcmp(c->lessons[i].id, lid) != 0)
				continue;
			if ((f = open_memstream(&out, &len)) == NULL)
				break;
			if (p->problems != NULL) {
				fputs("<div class=\"alert bad\" role=\"alert\"><p>", f);
				preview__escape(f, TR("Sumber kursus bermasalah; yang tampil adalah versi "
				    "terakhir yang sah:", "The course sources have problems; this is the last "
				    "version without errors:"));
				fputs("</p><pre>", f);
				preview__escape(f, p->problems);
				fputs("</pre></div>\n", f);
			}
			fputs(c->lessons[i].html, f);
			fclose(f);
			mg_printf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
			    "Cache-Control: no-store\r\nContent-Length: %zu\r\n\r\n", len);
			mg_write(conn, out, len);
			free(out);
			return;
		}
	}
	if (strncmp(rest, "media/", 6) == 0) {
		len = strcspn(rest, "?");
		for (i = 0; i < c->nmedia; i++) {
			/* only a file a lesson uses (the names the pack would hold) */
			if (strlen(c->media[i]) != len || strncmp(c->media[i], rest, len) != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", p->o->dir, c->media[i]);
			mg_send_file(conn, path); /* with Range, as the box */
			return;
		}
	}
	preview__error(conn, 404, "not_found");
}

/* ---- reloading the page when the sources change ---- */

static void
preview__fnv(uint64_t *h, const void *data, size_t len)
{
	const unsigned char *b = data;
	size_t i;

	for (i = 0; i < len; i++) {
		*h ^= b[i];
		*h *= 1099511628211ULL;
	}
}

/* Add every entry under dir (name, size, mtime) to *h, in directory order
 * sorted by name so two walks of the same tree agree. */
static void
preview__walk(const char *dir, int depth, uint64_t *h, int *left)
{
	struct dirent **names = NULL;
	char path[PATH_MAX];
	struct stat st;
	int n, i;

	if (depth > PREVIEW__WALK_DEPTH || (n = scandir(dir, &names, NULL, alphasort)) < 0)
		return;
	for (i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;

		if (*left > 0 && nm[0] != '.' &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, nm) < sizeof(path) &&
		    stat(path, &st) == 0) {
			(*left)--;
			preview__fnv(h, nm, strlen(nm) + 1);
			preview__fnv(h, &st.st_size, sizeof(st.st_size));
			preview__fnv(h, &st.st_mtim, sizeof(st.st_mtim));
			if (S_ISDIR(st.st_mode))
				preview__walk(path, depth + 1, h, left);
		}
		free(names[i]);
	}
	free(names);
}

static const char preview__reload_js[] =
    "/* pamong-pack preview: reload the page when the course's sources change. */\n"
    "let last = null;\n"
    "async function poll() {\n"
    "  try {\n"
    "    const r = await fetch('/__preview/version', { cache: 'no-store' });\n"
    "    const v = (await r.json()).version;\n"
    "    if (last !== null && v !== last) { location.reload(); return; }\n"
    "    last = v;\n"
    "  } catch (e) { /* the preview is restarting: ask again */ }\n"
    "  setTimeout(poll, 1000);\n"
    "}\n"
    "poll();\n";

static void
preview__send(struct mg_connection *conn, const char *type, const char *body, size_t n)
{
	mg_printf(conn, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nCache-Control: no-store\r\n"
	    "Content-Length: %zu\r\n\r\n", type, n);
	mg_write(conn, body, n);
}

/* /__preview/version, /__preview/reload.js, and the learner app's
 * index.html with the reload script (/ and /index.html). */
static int
preview__reload_handler(struct mg_connection *conn, void *arg)
{
	struct preview *p = arg;
	const char *uri = mg_get_request_info(conn)->local_uri;
	char path[PATH_MAX + 64], hex[17];
	uint64_t h = 14695981039346656037ULL;
	int left = PREVIEW__WALK_MAX;
	char *text = NULL, *head;
	size_t len = 0;

	if (strcmp(uri, "/__preview/version") == 0) {
		preview__walk(p->o->dir, 0, &h, &left);
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
		preview__json(conn, 200, json_pack("{s:s}", "version", hex));
		return 1;
	}
	if (strcmp(uri, "/__preview/reload.js") == 0) {
		preview__send(conn, "text/javascript; charset=utf-8", preview__reload_js,
		    sizeof(preview__reload_js) - 1);
		return 1;
	}
	if (strcmp(uri, "/") != 0 && strcmp(uri, "/index.html") != 0)
		return 0; /* CivetWeb serves it */
	snprintf(path, sizeof(path), "%s/index.html", p->webroot);
	if (fs_read_file(path, PREVIEW__INDEX_MAX, &text, &len) != PB_OK ||
	    (head = strstr(text, "</head>")) == NULL) {
		free(text);
		preview__error(conn, 500, "no_index");
		return 1;
	}
	{
		static const char tag[] =
		    "<script type=\"module\" src=\"/__preview/reload.js\"></script>\n";
		size_t at = (size_t)(head - text);

		mg_printf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
		    "Cache-Control: no-store\r\nContent-Length: %zu\r\n\r\n",
		    len + sizeof(tag) - 1);
		mg_write(conn, text, at);
		mg_write(conn, tag, sizeof(tag) - 1);
		mg_write(conn, text + at, len - at);
	}
	free(text);
	return 1;
}

static int
preview__handler(struct mg_connection *conn, void *arg)
{
	struct preview *p = arg;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	const char *uri = ri->local_uri;
	char prefix[128];

	pthread_mutex_lock(&p->lock);
	preview__reload(p);
	snprintf(prefix, sizeof(prefix), "/packs/%s/preview/", p->c.id);
	if (strncmp(uri, "/api/v1/", 8) == 0)
		preview__api(p, conn, ri->request_method, uri + 8);
	else if (strncmp(uri, prefix, strlen(prefix)) == 0 && strstr(uri, "..") == NULL)
		preview__pack_file(p, conn, uri + strlen(prefix));
	else
		preview__error(conn, 404, "not_found");
	pthread_mutex_unlock(&p->lock);
	return 1;
}

/* The webroot beside the program (build/webroot for build/pamong-pack),
 * or ../webroot from it, or the installed one. */
static int
preview__find_webroot(char *out, size_t outlen)
{
	static const char *const rel[] = { "webroot", "../webroot", "../share/pamong/webroot" };
	char exe[PATH_MAX], idx[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;
	size_t i;
	char *slash;

	if (n <= 0)
		return 0;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	for (i = 0; i < PB_ARRAY_LEN(rel); i++) {
		snprintf(idx, sizeof(idx), "%s/%s/index.html", exe, rel[i]);
		if (stat(idx, &st) == 0) {
			snprintf(out, outlen, "%s/%s", exe, rel[i]);
			return 1;
		}
	}
	return 0;
}

pb_err
preview_run(const struct preview_opts *o)
{
	struct preview p;
	struct mg_callbacks cb;
	struct mg_context *ctx;
	struct sigaction sa;
	char webroot[PATH_MAX + 64], ports[128];
	pb_err rc = PB_OK;

	memset(&p, 0, sizeof(p));
	p.o = o;
	pthread_mutex_init(&p.lock, NULL);
	if (o->webroot != NULL)
		snprintf(webroot, sizeof(webroot), "%s", o->webroot);
	else if (!preview__find_webroot(webroot, sizeof(webroot))) {
		fprintf(stderr, "pamong-pack: %s\n", TR("folder aplikasi peserta (webroot) tidak "
		    "ditemukan di samping program; beri --webroot FOLDER",
		    "the learner app's folder (webroot) is not beside the program; give --webroot DIR"));
		return PB_ERR_INVALID;
	}
	preview__reload(&p);
	if (!p.have) {
		free(p.problems);
		return PB_ERR_INVALID;
	}
	snprintf(ports, sizeof(ports), "%s:%ld", o->listen ? o->listen : "127.0.0.1",
	    o->port ? o->port : PREVIEW__PORT);
	const char *opts[] = {
		"listening_ports", ports,
		"num_threads", "4",
		"document_root", webroot,
		"enable_directory_listing", "no",
		"static_file_cache_control", "no-store",
		"cgi_pattern", "**.no-cgi-here$",
		"ssi_pattern", "**.no-ssi-here$",
		NULL
	};
	memset(&cb, 0, sizeof(cb));
	mg_init_library(0);
	if ((ctx = mg_start(&cb, NULL, opts)) == NULL) {
		fprintf(stderr, "pamong-pack: %s %s\n", TR("tidak bisa mendengarkan di",
		    "cannot listen on"), ports);
		rc = PB_ERR_IO;
		goto out;
	}
	p.webroot = webroot;
	mg_set_request_handler(ctx, "/__preview/", preview__reload_handler, &p);
	mg_set_request_handler(ctx, "/$", preview__reload_handler, &p);
	mg_set_request_handler(ctx, "/index.html$", preview__reload_handler, &p);
	mg_set_request_handler(ctx, "/api/v1/", preview__handler, &p);
	mg_set_request_handler(ctx, "/packs/", preview__handler, &p);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = preview__signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf(TR("Pratinjau %s: http://%s/ (Ctrl+C untuk berhenti; halaman dimuat ulang "
	    "sendiri saat sumbernya berubah)\n", "Preview of %s: http://%s/ (Ctrl+C to stop; "
	    "the page reloads itself when the sources change)\n"), p.c.id, ports);
	fflush(stdout);
	while (!preview__stop)
		usleep(200 * 1000);
	mg_stop(ctx);
out:
	mg_exit_library();
	if (p.have)
		course_free(&p.c);
	free(p.problems);
	pthread_mutex_destroy(&p.lock);
	return rc;
}
