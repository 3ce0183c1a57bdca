/* api_console.c — getting into the facilitator console (docs/CONSOLE.md):
 * the first facilitator made only with proof of presence (the one-time
 * setup code printed at first start, or the button held into setup mode),
 * login with argon2id passwords and its limits, console sessions apart
 * from learners' with their CSRF token, more facilitators, the audit log. */
#include <civetweb.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "api_int.h"
#include "fsutil.h"
#include "leds.h"
#include "log.h"
#include "store_console.h"
#include "util.h"

#define API__SETUP_DIGITS 12
#define API__PW_MIN 10
#define API__PW_MAX 128
#define API__AUDIT_PAGE 50

/* ---- the setup code ---- */

/* A code as it is shown: 12 digits in groups of 4 ("1234-5678-9012"). */
static void
api__make_code(char out[16])
{
	unsigned char b[API__SETUP_DIGITS];
	int i, o = 0;

	randombytes_buf(b, sizeof(b));
	for (i = 0; i < API__SETUP_DIGITS; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = (char)('0' + randombytes_uniform(10));
	}
	out[o] = '\0';
	sodium_memzero(b, sizeof(b));
}

/* The digits of a typed code (spaces and dashes dropped) into out. */
static int
api__code_digits(const char *in, char out[API__SETUP_DIGITS + 1])
{
	size_t n = 0;

	for (; *in; in++) {
		if (*in == '-' || *in == ' ')
			continue;
		if (*in < '0' || *in > '9' || n == API__SETUP_DIGITS)
			return 0;
		out[n++] = *in;
	}
	out[n] = '\0';
	return n == API__SETUP_DIGITS;
}

pb_err
api_console_init(struct app *app)
{
	char *buf = NULL, digits[API__SETUP_DIGITS + 1];
	size_t len = 0;
	int64_t n;

	pthread_mutex_init(&app->setup_mu, NULL);
	snprintf(app->setup_path, sizeof(app->setup_path), "%s/console-setup-code",
	    app->cfg->data_dir);
	app->setup_code[0] = '\0';
	if (store_fac_count(app->store, &n) != PB_OK)
		return PB_ERR_DB;
	if (n > 0) {
		if (unlink(app->setup_path) < 0 && errno != ENOENT)
			log_warn("cannot remove %s", app->setup_path);
		return PB_OK;
	}
	/* The same code over restarts until it is used: the image's first
	 * boot shows the file, and a restart does not outdate a code written
	 * down. */
	if (fs_read_file(app->setup_path, 64, &buf, &len) == PB_OK) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (api__code_digits(buf, digits))
			snprintf(app->setup_code, sizeof(app->setup_code), "%.4s-%.4s-%.4s",
			    digits, digits + 4, digits + 8);
		free(buf);
	}
	if (app->setup_code[0] == '\0') {
		char line[32];

		api__make_code(app->setup_code);
		snprintf(line, sizeof(line), "%s\n", app->setup_code);
		if (fs_write_atomic(app->setup_path, line, strlen(line), 0600) != PB_OK)
			log_warn("cannot write %s", app->setup_path);
	}
	chmod(app->setup_path, 0600);
	printf("pamongd: console setup code: %s (open /console/ to create the first "
	    "facilitator; kode penyiapan konsol)\n", app->setup_code);
	fflush(stdout);
	log_info("console setup code: %s (in %s until the first facilitator is made)",
	    app->setup_code, app->setup_path);
	return PB_OK;
}

/* Whether the box has no facilitator yet (a store failure counts as no:
 * the setup itself then fails safely in the store). */
static int
api__setup_needed(struct req *r)
{
	int64_t n = 1;

	return store_fac_count(r->app->store, &n) == PB_OK && n == 0;
}

/* ---- sessions and the audit log ---- */

void
api__load_console_session(struct req *r)
{
	const char *cookies = mg_get_header(r->conn, "Cookie");
	char token[128];

	if (cookies == NULL ||
	    mg_get_cookie(cookies, API__CONSOLE_COOKIE, token, sizeof(token)) <= 0 ||
	    auth_token_hash(token, r->token_hash) != PB_OK)
		return;
	if (store_csession_lookup(r->app->store, r->token_hash, util_wall_ms(),
		API_CONSOLE_IDLE_MS, API_CONSOLE_LIFE_MS, &r->fac, r->csrf) == PB_OK)
		r->fac_logged_in = 1;
}

void
api__audit(struct req *r, const char *action, const char *detail)
{
	struct store_audit a;

	memset(&a, 0, sizeof(a));
	a.at = util_wall_ms();
	if (r->fac_logged_in) {
		snprintf(a.facilitator, sizeof(a.facilitator), "%s", r->fac.id);
		snprintf(a.username, sizeof(a.username), "%s", r->fac.username);
	}
	snprintf(a.action, sizeof(a.action), "%s", action);
	snprintf(a.detail, sizeof(a.detail), "%s", detail ? detail : "");
	snprintf(a.addr, sizeof(a.addr), "%s", r->addr ? r->addr : "");
	if (store_audit_add(r->app->store, &a) != PB_OK)
		log_warnx("audit: cannot record %s by %s", action, a.username);
	log_info("console: %s by %s from %s: %s", action,
	    a.username[0] ? a.username : "-", a.addr, a.detail);
}

static json_t *
api__fac_json(const struct store_fac *f)
{
	return json_pack("{s:s, s:s, s:I, s:s, s:o}", "id", f->id, "username", f->username,
	    "created_at", (json_int_t)f->created_at, "created_by", f->created_by,
	    "disabled_at", f->disabled_at > 0 ? json_integer(f->disabled_at) : json_null());
}

/* Make a console session for f and answer with it: the cookie (HttpOnly,
 * SameSite=Strict), and the CSRF token in the body for the page to send. */
static void
api__console_start(struct req *r, int status, const struct store_fac *f)
{
	char token[AUTH_TOKEN_HEX], hash[65], csrf[STORE_CSRF_HEX], hdr[256];
	pb_err rc;

	auth_new_token(token, hash);
	util_token(csrf, (STORE_CSRF_HEX - 1) / 2);
	if ((rc = store_csession_create(r->app->store, hash, f->id, csrf, util_wall_ms())) !=
	    PB_OK) {
		api__store_error(r, rc);
		return;
	}
	r->fac = *f;
	r->fac_logged_in = 1;
	snprintf(hdr, sizeof(hdr),
	    "Set-Cookie: %s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict\r\n",
	    API__CONSOLE_COOKIE, token, (long long)(API_CONSOLE_LIFE_MS / 1000));
	http_send_json(r->conn, status, json_pack("{s:o, s:s}", "facilitator",
	    api__fac_json(f), "csrf", csrf), hdr);
}

/* ---- input rules ---- */

/* A username: 3..32 of a-z 0-9 . _ - (lower-cased into out). */
static int
api__username_ok(const char *in, char out[STORE_FAC_NAME_MAX])
{
	size_t n = strlen(in), i;

	if (n < 3 || n >= STORE_FAC_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = in[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
		    c == '_' || c == '-'))
			return 0;
		out[i] = c;
	}
	out[n] = '\0';
	return 1;
}

/* A new password: 10..128 bytes (UTF-8, checked with the body), not the
 * username in it. */
static int
api__password_ok(const char *pw, const char *username)
{
	size_t n = strlen(pw);

	return n >= API__PW_MIN && n <= API__PW_MAX && strstr(pw, username) == NULL;
}

/* The username and new password of a body, checked; answers 400 if not. */
static int
api__new_account(struct req *r, char username[STORE_FAC_NAME_MAX], char hash[AUTH_HASH_MAX])
{
	const char *u = api__str(r, "username"), *pw = api__str(r, "password");

	if (u == NULL || !api__username_ok(u, username)) {
		api__field_error(r, "username", "username must be 3 to 32 of a-z, 0-9, . _ -");
		return 0;
	}
	if (pw == NULL || !api__password_ok(pw, username)) {
		api__field_error(r, "password",
		    "password must be 10 to 128 characters and not contain the username");
		return 0;
	}
	if (auth_password_hash(r->app->auth, pw, hash) != PB_OK) {
		api__error(r, 503, "unavailable", "cannot hash the password now");
		return 0;
	}
	return 1;
}

/* ---- handlers ---- */

void
api__console_setup_state(struct req *r)
{
	http_send_json(r->conn, 200, json_pack("{s:b, s:b}", "needed", api__setup_needed(r),
	    "button", leds_setup_mode()), NULL);
}

/* The first facilitator: with the setup code, or without it while the
 * button has put the box in setup mode. Wrong codes count as wrong logins
 * of the address (the same wait). */
void
api__console_setup(struct req *r)
{
	const char *code = api__str(r, "code");
	char digits[API__SETUP_DIGITS + 1], want[API__SETUP_DIGITS + 1];
	char username[STORE_FAC_NAME_MAX], hash[AUTH_HASH_MAX];
	struct store_fac f;
	int proof = 0;
	long wait;
	pb_err rc;

	if ((wait = auth_source_wait(r->app->auth, r->addr, util_mono_ms())) > 0) {
		api__wait(r, "cooldown", "too many wrong attempts from this device; wait", wait);
		return;
	}
	if (!api__setup_needed(r)) {
		api__error(r, 409, "already_set_up",
		    "the console has a facilitator; ask them to add you");
		return;
	}
	pthread_mutex_lock(&r->app->setup_mu);
	if (code != NULL && code[0] != '\0' && r->app->setup_code[0] != '\0' &&
	    api__code_digits(code, digits) && api__code_digits(r->app->setup_code, want))
		proof = sodium_memcmp(digits, want, API__SETUP_DIGITS) == 0;
	pthread_mutex_unlock(&r->app->setup_mu);
	if (!proof && (code == NULL || code[0] == '\0') && leds_setup_mode())
		proof = 2;
	if (!proof) {
		auth_source_failed(r->app->auth, r->addr, util_mono_ms());
		api__audit(r, "setup_failed", "wrong setup code");
		api__field_error(r, "code", "wrong setup code");
		return;
	}
	if (!api__new_account(r, username, hash))
		return;
	memset(&f, 0, sizeof(f));
	util_uuid4(f.id);
	snprintf(f.username, sizeof(f.username), "%s", username);
	f.created_at = util_wall_ms();
	if ((rc = store_fac_create(r->app->store, &f, hash, 1)) == PB_ERR_STATE) {
		api__error(r, 409, "already_set_up",
		    "the console has a facilitator; ask them to add you");
		return;
	}
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	pthread_mutex_lock(&r->app->setup_mu);
	sodium_memzero(r->app->setup_code, sizeof(r->app->setup_code));
	if (unlink(r->app->setup_path) < 0 && errno != ENOENT)
		log_warn("cannot remove %s", r->app->setup_path);
	pthread_mutex_unlock(&r->app->setup_mu);
	r->fac = f;
	r->fac_logged_in = 1;
	api__audit(r, "setup", proof == 2 ? "first facilitator (button)" :
	    "first facilitator (setup code)");
	api__console_start(r, 201, &f);
}

void
api__console_login(struct req *r)
{
	const char *u = api__str(r, "username"), *pw = api__str(r, "password");
	char username[STORE_FAC_NAME_MAX], hash[AUTH_HASH_MAX], detail[64];
	struct store_fac f;
	long wait;
	pb_err rc;

	if ((wait = auth_source_wait(r->app->auth, r->addr, util_mono_ms())) > 0) {
		api__wait(r, "cooldown", "too many wrong logins from this device; wait", wait);
		return;
	}
	if (u == NULL || pw == NULL) {
		api__error(r, 400, "bad_request", "username and password are required");
		return;
	}
	if (!api__username_ok(u, username) || strlen(pw) > API__PW_MAX) {
		auth_source_failed(r->app->auth, r->addr, util_mono_ms());
		api__error(r, 401, "wrong_credentials", "wrong username or password");
		return;
	}
	rc = store_fac_by_name(r->app->store, username, &f, hash, sizeof(hash));
	if (rc == PB_ERR_NOTFOUND) {
		auth_pin_dummy(r->app->auth, pw);
		auth_source_failed(r->app->auth, r->addr, util_mono_ms());
		snprintf(detail, sizeof(detail), "unknown username %s", username);
		api__audit(r, "login_failed", detail);
		api__error(r, 401, "wrong_credentials", "wrong username or password");
		return;
	}
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	if ((wait = auth_cooldown_left(r->app->auth, f.id, util_mono_ms())) > 0) {
		api__wait(r, "cooldown", "too many wrong passwords for this account; wait", wait);
		return;
	}
	if (auth_pin_verify(r->app->auth, hash, pw) != PB_OK) {
		auth_failed(r->app->auth, f.id, util_mono_ms());
		auth_source_failed(r->app->auth, r->addr, util_mono_ms());
		snprintf(detail, sizeof(detail), "wrong password for %s", username);
		api__audit(r, "login_failed", detail);
		api__error(r, 401, "wrong_credentials", "wrong username or password");
		return;
	}
	if (f.disabled_at > 0) {
		/* the password was right: saying so hides nothing it proves */
		snprintf(detail, sizeof(detail), "disabled account %s", username);
		api__audit(r, "login_failed", detail);
		api__error(r, 403, "account_disabled",
		    "this account is disabled; ask another facilitator");
		return;
	}
	auth_succeeded(r->app->auth, f.id);
	r->fac = f;
	r->fac_logged_in = 1;
	api__audit(r, "login", "");
	api__console_start(r, 200, &f);
}

void
api__console_logout(struct req *r)
{
	(void)store_csession_delete(r->app->store, r->token_hash);
	api__audit(r, "logout", "");
	http_send_empty(r->conn, 204, "Set-Cookie: " API__CONSOLE_COOKIE
	    "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict\r\n");
}

void
api__console_me(struct req *r)
{
	http_send_json(r->conn, 200, json_pack("{s:o, s:s}", "facilitator",
	    api__fac_json(&r->fac), "csrf", r->csrf), NULL);
}

/* Change one's own password: the old one again, then the new; every other
 * session of the account ends. */
void
api__console_password(struct req *r)
{
	const char *old = api__str(r, "old_password"), *pw = api__str(r, "password");
	char hash[AUTH_HASH_MAX];
	struct store_fac f;
	pb_err rc;

	if (old == NULL || strlen(old) > API__PW_MAX) {
		api__field_error(r, "old_password", "the current password is required");
		return;
	}
	if ((rc = store_fac_by_name(r->app->store, r->fac.username, &f, hash,
	    sizeof(hash))) != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	if (auth_pin_verify(r->app->auth, hash, old) != PB_OK) {
		auth_failed(r->app->auth, f.id, util_mono_ms());
		api__field_error(r, "old_password", "the current password is wrong");
		return;
	}
	if (pw == NULL || !api__password_ok(pw, f.username)) {
		api__field_error(r, "password",
		    "password must be 10 to 128 characters and not contain the username");
		return;
	}
	if (auth_password_hash(r->app->auth, pw, hash) != PB_OK) {
		api__error(r, 503, "unavailable", "cannot hash the password now");
		return;
	}
	if ((rc = store_fac_set_password(r->app->store, f.id, hash)) != PB_OK ||
	    (rc = store_csession_end_others(r->app->store, f.id, r->token_hash)) != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	api__audit(r, "password_change", "");
	http_send_empty(r->conn, 204, NULL);
}

static int
api__add_fac(void *arg, const struct store_fac *f)
{
	json_array_append_new(arg, api__fac_json(f));
	return 0;
}

void
api__console_facilitators(struct req *r)
{
	json_t *a = json_array();
	pb_err rc;

	if ((rc = store_fac_list(r->app->store, api__add_fac, a)) != PB_OK) {
		json_decref(a);
		api__store_error(r, rc);
		return;
	}
	http_send_json(r->conn, 200, json_pack("{s:o}", "facilitators", a), NULL);
}

void
api__console_facilitator_add(struct req *r)
{
	char username[STORE_FAC_NAME_MAX], hash[AUTH_HASH_MAX];
	struct store_fac f;
	pb_err rc;

	if (!api__new_account(r, username, hash))
		return;
	memset(&f, 0, sizeof(f));
	util_uuid4(f.id);
	snprintf(f.username, sizeof(f.username), "%s", username);
	f.created_at = util_wall_ms();
	snprintf(f.created_by, sizeof(f.created_by), "%s", r->fac.id);
	if ((rc = store_fac_create(r->app->store, &f, hash, 0)) == PB_ERR_EXISTS) {
		api__error(r, 409, "username_taken", "a facilitator with this username exists");
		return;
	}
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	api__audit(r, "facilitator_add", f.username);
	snprintf(f.created_by, sizeof(f.created_by), "%s", r->fac.username);
	http_send_json(r->conn, 201, api__fac_json(&f), NULL);
}

struct api__fac_find {
	const char *id;
	char *name;
};

static int
api__fac_find(void *arg, const struct store_fac *f)
{
	struct api__fac_find *a = arg;

	if (strcmp(f->id, a->id) != 0)
		return 0;
	snprintf(a->name, STORE_FAC_NAME_MAX, "%s", f->username);
	return 1;
}

/* The username of a facilitator id into name ("" if none): for the audit
 * row, read before a removal. The list is a handful of accounts. */
static void
api__fac_username(struct req *r, const char *id, char name[STORE_FAC_NAME_MAX])
{
	struct api__fac_find a = { id, name };

	name[0] = '\0';
	(void)store_fac_list(r->app->store, api__fac_find, &a);
}

/* A facilitator of the path (console/facilitators/ID) disabled, enabled
 * or removed by the one logged in, audited with the username; 204. */
static void
api__fac_change(struct req *r, enum store_fac_op op)
{
	static const char *const action[] = {
		[STORE_FAC_DISABLE] = "facilitator_disable",
		[STORE_FAC_ENABLE] = "facilitator_enable",
		[STORE_FAC_REMOVE] = "facilitator_remove",
	};
	const char *id = r->seg[2];
	char name[STORE_FAC_NAME_MAX] = "";
	pb_err rc;

	if (strlen(id) != 36) {
		api__error(r, 404, "not_found", "no such facilitator");
		return;
	}
	api__fac_username(r, id, name);
	rc = store_fac_set_state(r->app->store, r->fac.id, id, op, util_wall_ms());
	if (rc == PB_ERR_STATE) {
		api__error(r, 409, "self", "you cannot disable or remove your own account");
		return;
	}
	if (rc == PB_ERR_LIMIT) {
		api__error(r, 409, "last_facilitator",
		    "the last active facilitator cannot be disabled or removed");
		return;
	}
	if (rc == PB_ERR_EXISTS) {
		api__error(r, 409, op == STORE_FAC_DISABLE ? "already_disabled" :
		    "already_enabled", op == STORE_FAC_DISABLE ?
		    "this facilitator is disabled already" :
		    "this facilitator is active already");
		return;
	}
	if (rc == PB_ERR_DENIED) {
		api__error(r, 401, "not_logged_in", "log in to the console first");
		return;
	}
	if (rc == PB_ERR_NOTFOUND) {
		api__error(r, 404, "not_found", "no such facilitator");
		return;
	}
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	api__audit(r, action[op], name);
	http_send_empty(r->conn, 204, NULL);
}

/* PUT console/facilitators/ID {"disabled": true|false} */
void
api__console_facilitator_put(struct req *r)
{
	json_t *v = json_object_get(r->body, "disabled");

	if (!json_is_boolean(v)) {
		api__field_error(r, "disabled", "disabled must be true or false");
		return;
	}
	api__fac_change(r, json_is_true(v) ? STORE_FAC_DISABLE : STORE_FAC_ENABLE);
}

/* DELETE console/facilitators/ID */
void
api__console_facilitator_delete(struct req *r)
{
	api__fac_change(r, STORE_FAC_REMOVE);
}

static int
api__add_audit(void *arg, const struct store_audit *a)
{
	json_array_append_new(arg, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}",
	    "id", (json_int_t)a->id, "at", (json_int_t)a->at, "username", a->username,
	    "action", a->action, "detail", a->detail, "addr", a->addr));
	return 0;
}

/* The audit log, newest first, a page at a time: ?before=ID. */
void
api__console_audit(struct req *r)
{
	char before[24] = "";
	long long b = 0;
	char *end;
	json_t *a;
	pb_err rc;

	if (api__query(r, "before", before, sizeof(before)) && before[0] != '\0') {
		errno = 0;
		b = strtoll(before, &end, 10);
		if (*end != '\0' || errno != 0 || b < 1) {
			api__field_error(r, "before", "before must be an entry id");
			return;
		}
	}
	a = json_array();
	if ((rc = store_audit_list(r->app->store, b, API__AUDIT_PAGE, api__add_audit, a)) !=
	    PB_OK) {
		json_decref(a);
		api__store_error(r, rc);
		return;
	}
	http_send_json(r->conn, 200, json_pack("{s:o, s:b}", "entries", a, "more",
	    json_array_size(a) == API__AUDIT_PAGE), NULL);
}
