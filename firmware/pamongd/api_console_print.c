/* api_console_print.c — what the console's printable pages show
 * (docs/API.md, "Console: printables"): the attendance list (daftar hadir)
 * of a village and a day, and a learner's completion certificate with its
 * verification code.
 *
 * The code is the box key's Ed25519 signature over "pamong-certificate/1",
 * the box id, the learner id, the course id and the completion date (UTC),
 * a line each. The certificate prints the short form (its first six bytes,
 * XXXX-XXXX-XXXX) and a link to the hub's verify page that carries the
 * whole signature: the hub checks it with the public key the box enrolled
 * with (firmware/hub/certify.c), so a certificate the box never made does
 * not verify. */
#include <civetweb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "log.h"
#include "store_progress.h"
#include "store_report.h"
#include "sync.h"
#include "util.h"

#define CP__MAX_ROWS 2000 /* learners of one village on one list */

/* "YYYY-MM-DD" → the box's local midnight as wall ms; -1 if malformed. */
static int64_t
cp__day(const char *s)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 10 || (end = strptime(s, "%Y-%m-%d", &tm)) == NULL || *end != '\0' ||
	    tm.tm_year < 100 || tm.tm_year > 200)
		return -1;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

struct cp__att {
	json_t *rows;
	int n, present;
};

static int
cp__att_row(void *arg, const struct store_attendance *a)
{
	struct cp__att *c = arg;
	const struct area_position *pos = area_position_find(a->l.position);

	if (c->n++ >= CP__MAX_ROWS)
		return 1;
	c->present += a->events > 0;
	json_array_append_new(c->rows, json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I}", "id",
	    a->l.id, "name", a->l.name, "position", pos ? pos->label_id : a->l.position,
	    "position_en", pos ? pos->label_en : a->l.position, "present", a->events > 0,
	    "first", (json_int_t)a->first_ms, "last", (json_int_t)a->last_ms));
	return 0;
}

/* GET console/print/attendance?village=CODE&day=YYYY-MM-DD */
void
api__console_attendance(struct req *r)
{
	char village[20], day[16];
	const struct area_village *v;
	struct cp__att c = { json_array(), 0, 0 };
	int64_t from;

	if (!api__query(r, "village", village, sizeof(village)) ||
	    (v = area_village_find(r->app->area, village)) == NULL) {
		json_decref(c.rows);
		api__field_error(r, "village", "not a village this box serves");
		return;
	}
	if (!api__query(r, "day", day, sizeof(day)) || (from = cp__day(day)) < 0) {
		json_decref(c.rows);
		api__field_error(r, "day", "day must be YYYY-MM-DD");
		return;
	}
	if (store_attendance(r->app->store, v->code, from, from + 86400000, cp__att_row, &c) !=
	    PB_OK) {
		json_decref(c.rows);
		api__store_error(r, PB_ERR_DB);
		return;
	}
	http_send_json(r->conn, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o}",
	    "village", v->code, "village_name", v->name, "district", v->district ? v->district : "",
	    "regency", v->regency ? v->regency : "", "day", day,
	    "box_name", r->app->cfg->box_name, "present", c.present, "learners", c.rows), NULL);
}

/* The signed text of a certificate. */
static int
cp__cert_text(char *out, size_t len, const char *box, const char *learner, const char *course,
    const char *date)
{
	return snprintf(out, len, "pamong-certificate/1\n%s\n%s\n%s\n%s\n", box, learner, course,
	    date);
}

/* GET console/print/certificate?learner=ID&course=ID */
void
api__console_certificate(struct req *r)
{
	char learner[40], course[64], date[16], text[256], b64[100], token[400], code[16];
	char url[1500], hex[13], detail[128];
	unsigned char sig[64];
	const struct cat_course *c;
	const struct area_village *v;
	const struct area_position *pos;
	struct store_learner l;
	struct store_summary s;
	time_t t;
	struct tm tm;

	if (!api__query(r, "learner", learner, sizeof(learner)) || !util_is_uuid(learner)) {
		api__field_error(r, "learner", "learner must be a learner id");
		return;
	}
	if (!api__query(r, "course", course, sizeof(course)) ||
	    (c = cat_course_find(r->snap, course)) == NULL) {
		api__field_error(r, "course", "no such course");
		return;
	}
	if (store_learner_get(r->app->store, learner, &l) != PB_OK) {
		api__error(r, 404, "not_found", "no such learner");
		return;
	}
	if (store_summary_get(r->app->store, learner, course, &s) != PB_OK ||
	    strcmp(s.status, "completed") != 0 || s.completed_at <= 0) {
		api__error(r, 409, "not_completed", "the learner has not completed this course");
		return;
	}
	t = (time_t)(s.completed_at / 1000);
	if (gmtime_r(&t, &tm) == NULL || strftime(date, sizeof(date), "%Y-%m-%d", &tm) == 0) {
		api__error(r, 409, "not_completed", "the completion has no date");
		return;
	}
	cp__cert_text(text, sizeof(text), store_box_id(r->app->store), l.id, c->id, date);
	if (sync_sign(text, strlen(text), sig) != PB_OK) {
		api__error(r, 503, "unavailable", "the box key is not ready");
		return;
	}
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	util_hex(hex, sig, 6);
	for (size_t i = 0; i < 12; i++)
		hex[i] = (char)(hex[i] >= 'a' ? hex[i] - 32 : hex[i]);
	snprintf(code, sizeof(code), "%.4s-%.4s-%.4s", hex, hex + 4, hex + 8);
	snprintf(token, sizeof(token), "%s.%s.%s.%s.%s", store_box_id(r->app->store), l.id, c->id,
	    date, b64);
	{
		const char *hub = r->app->cfg->hub_url;
		size_t n = strlen(hub);

		snprintf(url, sizeof(url), "%.*s/verify.html#%s",
		    (int)(n > 0 && hub[n - 1] == '/' ? n - 1 : n) & 0x3ff, hub, token);
	}
	v = area_village_find(r->app->area, l.village);
	pos = area_position_find(l.position);
	snprintf(detail, sizeof(detail), "%s %s", l.id, c->id);
	api__audit(r, "certificate", detail);
	http_send_json(r->conn, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:I, s:s, s:i, s:s, s:s, s:s, s:s}",
	    "learner", l.id, "name", l.name, "position", pos ? pos->label_id : l.position,
	    "position_en", pos ? pos->label_en : l.position,
	    "village_name", v ? v->name : l.village, "district", v && v->district ? v->district : "",
	    "regency", v && v->regency ? v->regency : "", "course", c->id, "course_title", c->title,
	    "completed_at", (json_int_t)s.completed_at, "date", date, "score", s.best_score,
	    "code", code, "token", token, "verify_url", r->app->cfg->hub_url[0] ? url : "",
	    "box_name", r->app->cfg->box_name), NULL);
}

/* GET console/print/learners?village=CODE: who can get a certificate (the
 * learners of a village with their completed courses), for the print page's
 * choices. */
struct cp__done {
	json_t *rows;
	struct req *r;
	int n;
};

static int
cp__done_summary(void *arg, const struct store_summary *s)
{
	json_t *courses = arg;

	if (strcmp(s->status, "completed") == 0)
		json_array_append_new(courses, json_string(s->course));
	return 0;
}

static int
cp__done_row(void *arg, const struct store_attendance *a)
{
	struct cp__done *d = arg;
	json_t *courses = json_array();

	if (d->n++ >= CP__MAX_ROWS) {
		json_decref(courses);
		return 1;
	}
	(void)store_summaries(d->r->app->store, a->l.id, cp__done_summary, courses);
	json_array_append_new(d->rows, json_pack("{s:s, s:s, s:o}", "id", a->l.id, "name",
	    a->l.name, "completed", courses));
	return 0;
}

void
api__console_print_learners(struct req *r)
{
	char village[20];
	const struct area_village *v;
	struct cp__done d = { json_array(), r, 0 };

	if (!api__query(r, "village", village, sizeof(village)) ||
	    (v = area_village_find(r->app->area, village)) == NULL) {
		json_decref(d.rows);
		api__field_error(r, "village", "not a village this box serves");
		return;
	}
	if (store_attendance(r->app->store, v->code, 0, 0, cp__done_row, &d) != PB_OK) {
		json_decref(d.rows);
		api__store_error(r, PB_ERR_DB);
		return;
	}
	http_send_json(r->conn, 200, json_pack("{s:o}", "learners", d.rows), NULL);
}
