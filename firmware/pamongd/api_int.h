/* api_int.h — shared only by the files of the learner API: api.c (the
 * route table), api_req.c (what every handler needs from its request) and
 * one file per resource: api_learner.c, api_course.c, api_quiz.c,
 * api_health.c. It is no contract; other modules include api.h. Handlers
 * answer through http_reply.h and read and write through the store
 * (app.h). */
#ifndef API_INT_H
#define API_INT_H

#include <jansson.h>

#include "app.h"
#include "http_reply.h"
#include "store_console.h"
#include "store_learner.h"

#define API__MAX_SEGS 6
#define API__COOKIE "pb_session"
/* beside it, readable by the page: a session may exist (no secret) */
#define API__COOKIE_IN "pb_in"
#define API__CONSOLE_COOKIE "pb_console"

/* Who may call a route: anyone; a logged-in learner; a logged-in learner
 * even one whose PIN a facilitator reset (who may do nothing else until a
 * new PIN is set); a logged-in facilitator (with the CSRF token for a
 * state change). */
enum api_level { API_PUBLIC, API_LEARNER, API_LEARNER_RESET, API_FACILITATOR };

/* A console session ends after this long unused, and this long after the
 * login however used. */
#define API_CONSOLE_IDLE_MS (2LL * 3600 * 1000)
#define API_CONSOLE_LIFE_MS (12LL * 3600 * 1000)

/* One request being handled. */
struct req {
	struct mg_connection *conn;
	struct app *app;
	const char *method;
	const char *addr;          /* the phone's address (rate limits, logs) */
	char path[512];
	char *seg[API__MAX_SEGS];  /* the path after /api/v1/, split at '/' */
	int nseg;
	json_t *body;              /* parsed JSON object (POST/PUT) */
	struct store_learner me;   /* valid when logged_in */
	int logged_in;
	int has_cookie;            /* the request carried a session cookie */
	int has_in_cookie;         /* ...and the page's pb_in beside it */
	char token_hash[65];
	const struct cat_snapshot *snap;
	/* the console (paths under console/ only) */
	int fac_logged_in;
	struct store_fac fac;       /* valid when fac_logged_in */
	char csrf[STORE_CSRF_HEX];  /* the console session's CSRF token */
};

/* api_req.c: answers every handler gives, and what it reads of a request */
void api__error(struct req *r, int status, const char *code, const char *msg);
/* 429 with the wait in seconds, in the body and in Retry-After. */
void api__wait(struct req *r, const char *code, const char *message, long wait);
/* 400 invalid_field naming the field. */
void api__field_error(struct req *r, const char *field, const char *msg);
/* 404 for PB_ERR_NOTFOUND, else 503 (logged). */
void api__store_error(struct req *r, pb_err err);
/* When this request happens: boot id, box clocks, the body's client_time. */
void api__when(struct req *r, struct store_when *w);
/* A string field of the body, or NULL. */
const char *api__str(struct req *r, const char *key);
/* The decoded value of a query string parameter into out; 0 if absent or
 * longer than outlen - 1. */
int api__query(struct req *r, const char *name, char *out, size_t outlen);
/* The learner of the request's session cookie, if any, into r->me. */
void api__load_session(struct req *r);
/* Parse a POST/PUT body into r->body ({} when empty); answers 400/413
 * and returns 0 if it is not a JSON object. */
int api__read_json(struct req *r);
/* The course of the snapshot with this id; answers 404 and returns NULL
 * if there is none. */
const struct cat_course *api__find_course(struct req *r, const char *id);

/* The handlers of the route table (api.c), one file per resource. */
/* api_learner.c */
void api__positions(struct req *r);
void api__villages(struct req *r);
void api__names(struct req *r);
void api__register(struct req *r);
void api__login(struct req *r);
void api__logout(struct req *r);
void api__me(struct req *r);
void api__set_pin(struct req *r);
/* api_learner.c, shared with the console's learner pages */
json_t *api__learner_json(struct req *r, const struct store_learner *l);
/* The PIN rules: one to log in with (4..8 digits), a new one. */
int api__pin_ok(const char *pin);
int api__new_pin_ok(const char *pin);
/* api_course.c */
void api__courses(struct req *r);
void api__course_by_id(struct req *r);
void api__resume(struct req *r);
void api__lesson_open(struct req *r);
void api__lesson_complete(struct req *r);
void api__lesson_time(struct req *r);
void api__certificate(struct req *r);
/* api_quiz.c */
void api__attempt_create(struct req *r);
void api__answer(struct req *r);
void api__finish(struct req *r);
/* api_console.c: getting in */
/* The facilitator of the request's console cookie, if any, into r->fac. */
void api__load_console_session(struct req *r);
/* Record a console action in the audit log: who (the request's
 * facilitator, or nobody), what, when, from which address. */
void api__audit(struct req *r, const char *action, const char *detail);
void api__console_setup_state(struct req *r);
void api__console_setup(struct req *r);
void api__console_login(struct req *r);
void api__console_logout(struct req *r);
void api__console_me(struct req *r);
void api__console_password(struct req *r);
void api__console_facilitators(struct req *r);
void api__console_facilitator_add(struct req *r);
void api__console_facilitator_put(struct req *r);
void api__console_facilitator_delete(struct req *r);
void api__console_audit(struct req *r);
/* api_console_class.c: watching the class */
void api__console_today(struct req *r);
void api__console_learners(struct req *r);
/* api_console_learners.c: a learner's page and helping learners */
void api__console_learner(struct req *r);
void api__console_learner_edit(struct req *r);
void api__console_learner_pin(struct req *r);
void api__console_learner_merge(struct req *r);
/* api_console_courses.c: course packs and author keys */
void api__console_courses(struct req *r);
void api__console_usb(struct req *r);
void api__console_usb_install(struct req *r);
void api__console_upload(struct req *r);
void api__console_upload_install(struct req *r);
void api__console_upload_drop(struct req *r);
void api__console_keys(struct req *r);
void api__console_key_add(struct req *r);
void api__console_key_remove(struct req *r);
/* api_console_export.c: carrying data home */
void api__console_export_csv(struct req *r);
void api__console_export_bundle(struct req *r);
/* api_console_box.c: the box's state and buttons */
void api__console_status(struct req *r);
void api__console_sync_now(struct req *r);
void api__console_clock(struct req *r);
void api__console_restart(struct req *r);
void api__console_shutdown(struct req *r);
void api__console_settings(struct req *r);
void api__console_settings_put(struct req *r);
void api__console_areas(struct req *r);
/* api_console_print.c: printables */
void api__console_attendance(struct req *r);
void api__console_certificate(struct req *r);
void api__console_print_learners(struct req *r);
/* api_health.c */
void api__health(struct req *r);

#endif
