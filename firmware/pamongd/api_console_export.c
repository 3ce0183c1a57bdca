/* api_console_export.c — carrying data home (docs/API.md, "Console:
 * export"): a CSV of learners and their progress for spreadsheets, and the
 * signed sync bundle (sync_bundle) that `pamong-hub import` applies like a
 * live upload.
 *
 * The CSV is UTF-8 with a byte order mark (so Excel reads it as UTF-8), one
 * row per learner and course (a learner with no progress has one row with
 * the course empty), every text field quoted, and a text field that a
 * spreadsheet would take for a formula (starting with = + - @, a tab or a
 * CR) starts with an apostrophe instead. Times are the box's local time,
 * corrected where the box learned the real time. */
#include <civetweb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "log.h"
#include "store_sync.h"
#include "sync.h"
#include "util.h"

/* A growing text buffer. */
struct ce__buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void
ce__add(struct ce__buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
ce__str(struct ce__buf *b, const char *s)
{
	ce__add(b, s, strlen(s));
}

/* One text field, quoted, defused if a spreadsheet would run it. */
static void
ce__field(struct ce__buf *b, char sep, const char *s, int first)
{
	const char *p;

	if (!first)
		ce__add(b, &sep, 1);
	ce__add(b, "\"", 1);
	if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		ce__add(b, "'", 1);
	for (p = s; *p; p++) {
		if (*p == '"')
			ce__add(b, "\"\"", 2);
		else if (*p == '\r' || *p == '\n')
			ce__add(b, " ", 1); /* one record a line */
		else
			ce__add(b, p, 1);
	}
	ce__add(b, "\"", 1);
}

static void
ce__num(struct ce__buf *b, char sep, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%c%lld", sep, v);
	ce__str(b, num);
}

/* A wall time in ms as "YYYY-MM-DD HH:MM" in the box's time zone; "" for 0. */
static void
ce__time(char out[32], int64_t ms)
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);

	out[0] = '\0';
	if (ms > 0 && localtime_r(&t, &tm) != NULL)
		strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

/* The learners, in an array sorted by village and name, and their summaries. */
struct ce__learner {
	struct store_learner l;
	int64_t registered_ms;
	struct ce__sum *sums;  /* their summaries, a list */
};

struct ce__sum {
	struct store_summary s;
	int64_t last_ms, done_ms;
	struct ce__sum *next;
};

struct ce__all {
	struct ce__learner *v;
	size_t n, cap;
	int oom;
};

static int
ce__learner_cb(void *arg, const struct store_learner *l, int64_t rev,
    const struct store_time *reg)
{
	struct ce__all *a = arg;

	(void)rev;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		struct ce__learner *nv = realloc(a->v, cap * sizeof(*nv));

		if (nv == NULL) {
			a->oom = 1;
			return 1;
		}
		a->v = nv;
		a->cap = cap;
	}
	memset(&a->v[a->n], 0, sizeof(a->v[a->n]));
	a->v[a->n].l = *l;
	a->v[a->n].registered_ms = reg->ms ? reg->ms : l->registered_at;
	a->n++;
	return 0;
}

static int
ce__by_id(const void *x, const void *y)
{
	return strcmp(((const struct ce__learner *)x)->l.id,
	    ((const struct ce__learner *)y)->l.id);
}

static int
ce__summary_cb(void *arg, const struct store_summary *s,
    const struct store_summary_times *t)
{
	struct ce__all *a = arg;
	struct ce__learner key, *l;
	struct ce__sum *n;

	snprintf(key.l.id, sizeof(key.l.id), "%s", s->learner);
	if ((l = bsearch(&key, a->v, a->n, sizeof(*a->v), ce__by_id)) == NULL)
		return 0;
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		a->oom = 1;
		return 1;
	}
	n->s = *s;
	n->last_ms = t->last_activity.ms ? t->last_activity.ms : s->last_activity;
	n->done_ms = t->completed_at.ms ? t->completed_at.ms : s->completed_at;
	n->next = l->sums;
	l->sums = n;
	return 0;
}

static const struct area *ce__area; /* for the sort below: set under ce__lock */
static pthread_mutex_t ce__lock = PTHREAD_MUTEX_INITIALIZER;

static const char *
ce__village_name(const struct area *ar, const char *code)
{
	const struct area_village *v = area_village_find(ar, code);

	return v ? v->name : code;
}

static int
ce__by_village_name(const void *x, const void *y)
{
	const struct ce__learner *a = x, *b = y;
	int c = strcmp(ce__village_name(ce__area, a->l.village),
	    ce__village_name(ce__area, b->l.village));

	return c ? c : strcmp(a->l.name, b->l.name);
}

static void
ce__free(struct ce__all *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		struct ce__sum *s = a->v[i].sums, *next;

		for (; s; s = next) {
			next = s->next;
			free(s);
		}
	}
	free(a->v);
}

static const char *
ce__status(const char *status, int id)
{
	if (strcmp(status, "completed") == 0)
		return id ? "selesai" : "completed";
	if (strcmp(status, "in_progress") == 0)
		return id ? "sedang belajar" : "in progress";
	return id ? "belum mulai" : "not started";
}

/* GET console/export/learners.csv[?lang=en][&sep=semicolon] */
void
api__console_export_csv(struct req *r)
{
	static const char *head_id[] = { "ID peserta", "Nama", "Jabatan", "Desa",
		"Kode desa", "Kecamatan", "Terdaftar", "Kursus", "ID kursus", "Status",
		"Pelajaran selesai", "Jumlah pelajaran", "Nilai terbaik", "Lulus",
		"Percobaan kuis", "Menit belajar", "Aktivitas terakhir", "Selesai pada" };
	static const char *head_en[] = { "Learner ID", "Name", "Position", "Village",
		"Village code", "District", "Registered", "Course", "Course ID", "Status",
		"Lessons done", "Lessons", "Best score", "Passed", "Quiz attempts",
		"Minutes learning", "Last activity", "Completed at" };
	struct ce__all all = { 0 };
	struct ce__buf b = { 0 };
	char lang[8] = "id", sepname[16] = "comma", t1[32], t2[32], t3[32], extra[160];
	char sep;
	int id;
	size_t i, k;

	/* absent parameters keep their defaults (a failed lookup clears the buffer) */
	if (!api__query(r, "lang", lang, sizeof(lang)) || lang[0] == '\0')
		snprintf(lang, sizeof(lang), "id");
	if (!api__query(r, "sep", sepname, sizeof(sepname)) || sepname[0] == '\0')
		snprintf(sepname, sizeof(sepname), "comma");
	if (strcmp(lang, "id") != 0 && strcmp(lang, "en") != 0) {
		api__field_error(r, "lang", "lang must be id or en");
		return;
	}
	if (strcmp(sepname, "comma") != 0 && strcmp(sepname, "semicolon") != 0) {
		api__field_error(r, "sep", "sep must be comma or semicolon");
		return;
	}
	id = strcmp(lang, "id") == 0;
	sep = sepname[0] == 'c' ? ',' : ';';
	if (store_sync_learners(r->app->store, 0, 0, ce__learner_cb, &all) != PB_OK ||
	    all.oom)
		goto fail;
	qsort(all.v, all.n, sizeof(*all.v), ce__by_id);
	if (store_sync_summaries(r->app->store, 0, 0, ce__summary_cb, &all) != PB_OK ||
	    all.oom)
		goto fail;
	pthread_mutex_lock(&ce__lock);
	ce__area = r->app->area;
	qsort(all.v, all.n, sizeof(*all.v), ce__by_village_name);
	pthread_mutex_unlock(&ce__lock);

	ce__str(&b, "\xEF\xBB\xBF");
	for (k = 0; k < PB_ARRAY_LEN(head_id); k++)
		ce__field(&b, sep, id ? head_id[k] : head_en[k], k == 0);
	ce__str(&b, "\r\n");
	for (i = 0; i < all.n; i++) {
		const struct ce__learner *L = &all.v[i];
		const struct area_position *pos = area_position_find(L->l.position);
		const struct area_village *v = area_village_find(r->app->area, L->l.village);
		const struct ce__sum *s = L->sums;

		ce__time(t1, L->registered_ms);
		do {
			const struct cat_course *c = s ? cat_course_find(r->snap, s->s.course) : NULL;

			ce__field(&b, sep, L->l.id, 1);
			ce__field(&b, sep, L->l.name, 0);
			ce__field(&b, sep, pos ? (id ? pos->label_id : pos->label_en) :
			    L->l.position, 0);
			ce__field(&b, sep, v ? v->name : "", 0);
			ce__field(&b, sep, L->l.village, 0);
			ce__field(&b, sep, v && v->district ? v->district : "", 0);
			ce__field(&b, sep, t1, 0);
			if (s == NULL) {
				for (k = 0; k < 11; k++)
					ce__str(&b, sep == ',' ? "," : ";");
				ce__str(&b, "\r\n");
				break;
			}
			ce__field(&b, sep, c ? c->title : s->s.course, 0);
			ce__field(&b, sep, s->s.course, 0);
			ce__field(&b, sep, ce__status(s->s.status, id), 0);
			ce__num(&b, sep, s->s.lessons_done);
			ce__num(&b, sep, s->s.lessons_total);
			if (s->s.best_score >= 0)
				ce__num(&b, sep, s->s.best_score);
			else
				ce__add(&b, &sep, 1);
			ce__field(&b, sep, s->s.passed ? (id ? "ya" : "yes") :
			    (id ? "tidak" : "no"), 0);
			ce__num(&b, sep, s->s.attempts);
			ce__num(&b, sep, (s->s.seconds_spent + 30) / 60);
			ce__time(t2, s->last_ms);
			ce__time(t3, s->done_ms);
			ce__field(&b, sep, t2, 0);
			ce__field(&b, sep, t3, 0);
			ce__str(&b, "\r\n");
			s = s->next;
		} while (s != NULL);
	}
	if (b.oom)
		goto fail;
	snprintf(extra, sizeof(extra),
	    "Content-Disposition: attachment; filename=\"peserta-%s.csv\"\r\n",
	    store_box_id(r->app->store));
	api__audit(r, "export_csv", id ? "id" : "en");
	http_send_body(r->conn, 200, "text/csv; charset=utf-8", b.p, b.len, extra);
	ce__free(&all);
	free(b.p);
	return;
fail:
	ce__free(&all);
	free(b.p);
	log_warnx("console: cannot build the CSV export");
	api__error(r, 503, "unavailable", "cannot read the learners; try again");
}

/* GET console/export/bundle: everything the box holds as a signed sync
 * bundle, for `pamong-hub import` or the hub's staff page. All of it, not
 * only what the hub has not acknowledged: the hub keeps only rows newer than
 * its own, so carrying more changes nothing twice. */
void
api__console_export_bundle(struct req *r)
{
	json_t *b = sync_bundle(0);
	char extra[200], day[16], detail[64];
	time_t now = time(NULL);
	struct tm tm;
	char *text;

	if (b == NULL || (text = json_dumps(b, JSON_COMPACT)) == NULL) {
		json_decref(b);
		log_warnx("console: cannot build the sync bundle");
		api__error(r, 503, "unavailable", "cannot build the bundle; try again");
		return;
	}
	day[0] = '\0';
	if (localtime_r(&now, &tm) != NULL)
		strftime(day, sizeof(day), "%Y%m%d", &tm);
	snprintf(extra, sizeof(extra),
	    "Content-Disposition: attachment; filename=\"pamong-%.8s-%s.sync.json\"\r\n",
	    store_box_id(r->app->store), day);
	snprintf(detail, sizeof(detail), "%zu chunks",
	    json_array_size(json_object_get(b, "chunks")));
	api__audit(r, "export_bundle", detail);
	http_send_body(r->conn, 200, "application/json", text, strlen(text), extra);
	free(text);
	json_decref(b);
}
