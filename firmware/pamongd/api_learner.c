/* api_learner.c — learners: what registration offers (positions,
 * villages, the names for the login picker), register, login, logout, me;
 * and the rule for a learner's name (api.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>

#include "api.h"
#include "api_int.h"
#include "log.h"
#include "names.h"
#include "store_learner.h"
#include "store_session.h"
#include "util.h"

int
api_name_normalize(const char *in, char *name, size_t namelen, char *key, size_t keylen)
{
	char *nfc = NULL, *lower = NULL;
	size_t o = 0, cps = 0, n;
	int pending_space = 0, ok = 0, k;
	const uint8_t *p;
	ucs4_t c;

	/* refuse hidden and reordering characters, then compare in NFC */
	if (names_check(in, NULL) != NAMES_OK || (nfc = names_nfc(in, NULL)) == NULL)
		goto out;
	p = (const uint8_t *)nfc;
	for (n = strlen(nfc); n > 0; p += k, n -= (size_t)k) {
		k = u8_mbtouc(&c, p, n);
		if (c == ' ' || c == '\t') {
			pending_space = o > 0;
			continue;
		}
		if (c < 0x80 ? !isalnum((int)c) && strchr(".,'-", (int)c) == NULL :
		    !names_latin_letter(c))
			goto out;
		if (pending_space) {
			if (o + 1 >= namelen)
				goto out;
			name[o++] = ' ';
			cps++;
			pending_space = 0;
		}
		if (o + (size_t)k >= namelen)
			goto out;
		memcpy(name + o, p, (size_t)k);
		o += (size_t)k;
		cps++;
	}
	name[o] = '\0';
	if (cps < 2 || cps > 60 || (lower = names_key(name)) == NULL ||
	    strlen(lower) >= keylen)
		goto out;
	memcpy(key, lower, strlen(lower) + 1);
	ok = 1;
out:
	free(nfc);
	free(lower);
	return ok;
}

json_t *
api__learner_json(struct req *r, const struct store_learner *l)
{
	const struct area_position *pos = area_position_find(l->position);
	const struct area_village *v = area_village_find(r->app->area, l->village);

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b}",
	    "id", l->id, "name", l->name, "position", l->position,
	    "position_label", pos ? pos->label_id : l->position,
	    "village", l->village, "village_name", v ? v->name : l->village,
	    "district", v && v->district ? v->district : "",
	    "regency", v && v->regency ? v->regency : "",
	    "registered_at", (json_int_t)l->registered_at, "must_set_pin", l->pin_reset);
}

/* Make a session for the learner and answer with it and the learner. */
static void
api__start_session(struct req *r, int status, const struct store_learner *l)
{
	char token[AUTH_TOKEN_HEX], hash[65], hdr[384];
	pb_err rc;

	auth_new_token(token, hash);
	if ((rc = store_session_create(r->app->store, hash, l->id, util_wall_ms())) != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	/* pb_in (no secret, readable by the page) tells the app's first
	 * request whether a session may exist (webroot/index.html) */
	snprintf(hdr, sizeof(hdr),
	    "Set-Cookie: " API__COOKIE_IN "=1; Path=/; Max-Age=%ld; SameSite=Strict\r\n"
	    "Set-Cookie: %s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict\r\n",
	    r->app->cfg->session_days * 86400, API__COOKIE, token,
	    r->app->cfg->session_days * 86400);
	http_send_json(r->conn, status, api__learner_json(r, l), hdr);
}

/* A PIN to log in with: 4 to 8 digits (PINs made before 6 became the rule
 * still work). */
int
api__pin_ok(const char *pin)
{
	size_t n = strlen(pin), i;

	if (n < 4 || n > 8)
		return 0;
	for (i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return 0;
	return 1;
}

/* A new PIN: 6 to 8 digits, like a bank card's PIN here, and not one digit
 * repeated or a run up or down (111111, 123456, 987654): guessing one
 * learner's 6-digit PIN at the box's limits takes years (docs/API.md). */
int
api__new_pin_ok(const char *pin)
{
	size_t n = strlen(pin), i;
	int same = 1, up = 1, down = 1;

	if (n < 6 || !api__pin_ok(pin))
		return 0;
	for (i = 1; i < n; i++) {
		same &= pin[i] == pin[i - 1];
		up &= pin[i] == pin[i - 1] + 1;
		down &= pin[i] == pin[i - 1] - 1;
	}
	return !same && !up && !down;
}

/* The learners of one name, as login and registration see them. */
#define API__SAME_MAX 20
struct api__namesakes {
	const char *village, *position; /* only these (NULL: any) */
	int n;
	struct store_learner l[API__SAME_MAX];
	char hash[API__SAME_MAX][AUTH_HASH_MAX];
};

static int
api__namesake(void *arg, const struct store_learner *l, const char *pin_hash)
{
	struct api__namesakes *a = arg;

	if ((a->village && strcmp(a->village, l->village) != 0) ||
	    (a->position && strcmp(a->position, l->position) != 0) || a->n == API__SAME_MAX)
		return 0;
	a->l[a->n] = *l;
	snprintf(a->hash[a->n], AUTH_HASH_MAX, "%s", pin_hash ? pin_hash : "");
	a->n++;
	return 0;
}

static pb_err
api__namesakes(struct req *r, const char *key, struct api__namesakes *a)
{
	a->n = 0;
	return store_learner_all_by_name(r->app->store, key, api__namesake, a);
}

/* Whether a learner of this name, village and position is registered:
 * the same person (officials of one name elsewhere or in another post
 * may register). */
static int
api__same_person(struct req *r, const char *key, const char *village, const char *position)
{
	static __thread struct api__namesakes a;

	a.village = village;
	a.position = position;
	return api__namesakes(r, key, &a) == PB_OK && a.n > 0;
}

void
api__register(struct req *r)
{
	const char *name = api__str(r, "name"), *position = api__str(r, "position");
	const char *village = api__str(r, "village"), *pin = api__str(r, "pin");
	char display[128], key[128], hash[AUTH_HASH_MAX];
	struct store_learner l;
	struct store_when w;
	long wait;
	pb_err rc;

	if (name == NULL || !api_name_normalize(name, display, sizeof(display), key, sizeof(key))) {
		api__field_error(r, "name", "name must be 2..60 letters, digits, spaces or .,'-");
		return;
	}
	if (position == NULL || area_position_find(position) == NULL) {
		api__field_error(r, "position", "unknown position");
		return;
	}
	if (village == NULL || area_village_find(r->app->area, village) == NULL) {
		api__field_error(r, "village", "village is not in this box's area");
		return;
	}
	if (pin == NULL || !api__new_pin_ok(pin)) {
		api__field_error(r, "pin",
		    "PIN must be 6 to 8 digits, not one digit repeated or a run like 123456");
		return;
	}
	if (api__same_person(r, key, village, position)) {
		api__error(r, 409, "name_taken",
		    "a learner with this name, village and position is registered");
		return;
	}
	if (auth_register_take(r->app->auth, r->addr, util_mono_ms(), &wait) != PB_OK) {
		log_warnx("registration from %s refused: daily limit reached", r->addr);
		api__wait(r, "too_many_registrations",
		    "too many registrations today; ask the facilitator", wait);
		return;
	}
	if ((rc = auth_pin_hash(r->app->auth, pin, hash)) != PB_OK) {
		auth_register_return(r->app->auth, r->addr);
		api__error(r, 503, "unavailable", "cannot hash the PIN now");
		return;
	}
	memset(&l, 0, sizeof(l));
	util_uuid4(l.id);
	snprintf(l.name, sizeof(l.name), "%s", display);
	snprintf(l.position, sizeof(l.position), "%s", position);
	snprintf(l.village, sizeof(l.village), "%s", village);
	api__when(r, &w);
	l.registered_at = w.wall_ms;
	rc = store_learner_create(r->app->store, &l, key, hash, &w);
	if (rc != PB_OK)
		auth_register_return(r->app->auth, r->addr);
	if (rc == PB_ERR_EXISTS) {
		api__error(r, 409, "name_taken",
		    "a learner with this name, village and position is registered");
		return;
	}
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	log_info("learner registered: %s", l.id);
	api__start_session(r, 201, &l);
}

/* A wrong login: counted for the address (and the learner, if one). */
static void
api__login_failed(struct req *r, const char *learner_id)
{
	int64_t now = util_mono_ms();

	if (learner_id != NULL)
		auth_failed(r->app->auth, learner_id, now);
	auth_source_failed(r->app->auth, r->addr, now);
	api__error(r, 401, "wrong_credentials", "wrong name or PIN");
}

/* The learner a login names: by name, and when several officials share
 * it, by the village and position the body adds. PB_ERR_EXISTS after
 * answering 409 choose_learner with the choices (village and position,
 * never ids) when the name alone is not enough. */
static pb_err
api__login_pick(struct req *r, const char *key, struct store_learner *l,
    char hash[AUTH_HASH_MAX])
{
	static __thread struct api__namesakes a;
	json_t *choices;
	pb_err rc;
	int i;

	a.village = api__str(r, "village");
	a.position = api__str(r, "position");
	if ((rc = api__namesakes(r, key, &a)) != PB_OK)
		return rc;
	if (a.n == 0)
		return PB_ERR_NOTFOUND;
	if (a.n == 1) {
		*l = a.l[0];
		snprintf(hash, AUTH_HASH_MAX, "%s", a.hash[0]);
		return PB_OK;
	}
	choices = json_array();
	for (i = 0; i < a.n; i++) {
		const struct area_position *pos = area_position_find(a.l[i].position);
		const struct area_village *v = area_village_find(r->app->area, a.l[i].village);

		json_array_append_new(choices, json_pack("{s:s, s:s, s:s, s:s, s:s}",
		    "village", a.l[i].village, "village_name", v ? v->name : a.l[i].village,
		    "district", v && v->district ? v->district : "",
		    "position", a.l[i].position,
		    "position_label", pos ? pos->label_id : a.l[i].position));
	}
	http_send_json(r->conn, 409, json_pack("{s:s, s:s, s:o}", "error", "choose_learner",
	    "message", "several learners have this name: send village and position",
	    "choices", choices), NULL);
	return PB_ERR_EXISTS;
}

void
api__login(struct req *r)
{
	const char *name = api__str(r, "name"), *pin = api__str(r, "pin");
	char display[128], key[128], hash[AUTH_HASH_MAX];
	struct store_learner l;
	long wait;
	pb_err rc;

	if ((wait = auth_source_wait(r->app->auth, r->addr, util_mono_ms())) > 0) {
		api__wait(r, "cooldown", "too many wrong logins from this phone; wait", wait);
		return;
	}
	if (name == NULL || pin == NULL) {
		api__error(r, 400, "bad_request", "name and pin are required");
		return;
	}
	if (!api_name_normalize(name, display, sizeof(display), key, sizeof(key)) ||
	    !api__pin_ok(pin)) {
		api__login_failed(r, NULL);
		return;
	}
	if ((rc = api__login_pick(r, key, &l, hash)) == PB_ERR_EXISTS)
		return; /* answered: which of them? */
	if (rc == PB_ERR_NOTFOUND) {
		auth_pin_dummy(r->app->auth, pin); /* as slow as a wrong PIN */
		api__login_failed(r, NULL);
		return;
	}
	if (rc != PB_OK) {
		api__store_error(r, rc);
		return;
	}
	if ((wait = auth_cooldown_left(r->app->auth, l.id, util_mono_ms())) > 0) {
		api__wait(r, "cooldown", "too many wrong PINs; wait", wait);
		return;
	}
	if (auth_pin_verify(r->app->auth, hash, pin) != PB_OK) {
		api__login_failed(r, l.id);
		return;
	}
	auth_succeeded(r->app->auth, l.id);
	api__start_session(r, 200, &l);
}

void
api__logout(struct req *r)
{
	if (r->logged_in)
		(void)store_session_delete(r->app->store, r->token_hash);
	http_send_empty(r->conn, 204,
	    "Set-Cookie: " API__COOKIE_IN "=; Path=/; Max-Age=0; SameSite=Strict\r\n"
	    "Set-Cookie: " API__COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict\r\n");
}

static int
api__add_name(void *arg, const char *name)
{
	json_array_append_new(arg, json_string(name));
	return 0;
}

/* Names for the login picker, only for what the learner started typing:
 * ?q= of at least 2 letters, matched with the start of a word of the name,
 * at most API__NAMES of them (and "more" when there are others). Without
 * that, anyone on the hotspot could list every learner. */
#define API__NAMES 10

void
api__names(struct req *r)
{
	char q[128], display[128], key[128];
	json_t *a;
	int more;
	pb_err rc;

	if (!api__query(r, "q", q, sizeof(q)) ||
	    !api_name_normalize(q, display, sizeof(display), key, sizeof(key))) {
		api__field_error(r, "q", "q must be the first 2 or more letters of a name");
		return;
	}
	a = json_array();
	rc = store_learner_names(r->app->store, key, API__NAMES + 1, api__add_name, a);
	if (rc != PB_OK) {
		json_decref(a);
		api__store_error(r, rc);
		return;
	}
	if ((more = json_array_size(a) > API__NAMES))
		json_array_remove(a, API__NAMES);
	http_send_json(r->conn, 200, json_pack("{s:o, s:b}", "names", a, "more", more), NULL);
}

void
api__positions(struct req *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < area_npositions(); i++) {
		const struct area_position *p = area_position_at(i);

		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "id", p->id,
		    "id_label", p->label_id, "en_label", p->label_en));
	}
	http_send_json(r->conn, 200, json_pack("{s:o}", "positions", a), NULL);
}

void
api__villages(struct req *r)
{
	json_t *units = json_array(), *vs = json_array();
	size_t i;

	for (i = 0; i < area_nunits(r->app->area); i++) {
		const struct area_unit *u = area_unit_at(r->app->area, i);

		json_array_append_new(units, json_pack("{s:s, s:s}", "code", u->code,
		    "name", u->name ? u->name : ""));
	}
	for (i = 0; i < area_nvillages(r->app->area); i++) {
		const struct area_village *v = area_village_at(r->app->area, i);

		json_array_append_new(vs, json_pack("{s:s, s:s, s:s, s:s}", "code", v->code,
		    "name", v->name, "district", v->district ? v->district : "",
		    "regency", v->regency ? v->regency : ""));
	}
	http_send_json(r->conn, 200, json_pack("{s:o, s:o}", "area", units, "villages", vs),
	    NULL);
}

void
api__me(struct req *r)
{
	char hdr[128];

	if (!r->logged_in) {
		/* A phone without any session cookie is simply not logged in: 204,
		 * not an error a browser logs on every first open of the app. A
		 * cookie that no longer names a session is refused as before. */
		if (!r->has_cookie) {
			http_send_empty(r->conn, 204, NULL);
			return;
		}
		api__error(r, 401, "not_logged_in", "log in first");
		return;
	}
	/* a session from before pb_in existed gets it now */
	if (!r->has_in_cookie) {
		snprintf(hdr, sizeof(hdr), "Set-Cookie: " API__COOKIE_IN "=1; Path=/; Max-Age=%ld; "
		    "SameSite=Strict\r\n", r->app->cfg->session_days * 86400);
		http_send_json(r->conn, 200, api__learner_json(r, &r->me), hdr);
		return;
	}
	http_send_json(r->conn, 200, api__learner_json(r, &r->me), NULL);
}

/* A learner sets a new PIN: after a facilitator's reset (logged in with
 * the one-time code) without the old one, else with old_pin. Every other
 * session of the learner ends. */
void
api__set_pin(struct req *r)
{
	const char *pin = api__str(r, "pin"), *old = api__str(r, "old_pin");
	char hash[AUTH_HASH_MAX];
	struct store_learner l;
	long wait;
	pb_err rc;

	if (!r->me.pin_reset) {
		if (old == NULL || !api__pin_ok(old)) {
			api__field_error(r, "old_pin", "the current PIN is required");
			return;
		}
		if ((rc = store_learner_get_pin(r->app->store, r->me.id, &l, hash,
		    sizeof(hash))) != PB_OK) {
			api__store_error(r, rc);
			return;
		}
		if ((wait = auth_cooldown_left(r->app->auth, l.id, util_mono_ms())) > 0) {
			api__wait(r, "cooldown", "too many wrong PINs; wait", wait);
			return;
		}
		if (auth_pin_verify(r->app->auth, hash, old) != PB_OK) {
			auth_failed(r->app->auth, l.id, util_mono_ms());
			api__field_error(r, "old_pin", "the current PIN is wrong");
			return;
		}
	}
	if (pin == NULL || !api__new_pin_ok(pin)) {
		api__field_error(r, "pin",
		    "PIN must be 6 to 8 digits, not one digit repeated or a run like 123456");
		return;
	}
	if (auth_pin_hash(r->app->auth, pin, hash) != PB_OK) {
		api__error(r, 503, "unavailable", "cannot hash the PIN now");
		return;
	}
	if ((rc = store_learner_set_pin(r->app->store, r->me.id, hash, 0, r->token_hash)) !=
	    PB_OK) {
		api__store_error(r, rc);
		return;
	}
	log_info("learner %s set a new PIN", r->me.id);
	r->me.pin_reset = 0;
	http_send_json(r->conn, 200, api__learner_json(r, &r->me), NULL);
}
