/* Unit tests for auth.c (PIN hashes, cool-down, tokens) and the learner name
 * rules of api_learner.c. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "tap.h"
#include "util.h"

static void
test_pins(struct auth *a)
{
	char h1[AUTH_HASH_MAX], h2[AUTH_HASH_MAX];

	CHECK(auth_pin_hash(a, "482913", h1) == PB_OK && strncmp(h1, "$argon2id$", 10) == 0,
	    "a PIN is hashed with argon2id");
	CHECK(auth_pin_hash(a, "482913", h2) == PB_OK && strcmp(h1, h2) != 0,
	    "the same PIN hashes differently each time (salt)");
	CHECK(auth_pin_verify(a, h1, "482913") == PB_OK, "the right PIN verifies");
	CHECK(auth_pin_verify(a, h1, "482914") == PB_ERR_DENIED, "a wrong PIN does not");
	auth_pin_dummy(a, "482913"); /* only that it runs: its time is checked over HTTP */
}

static void
test_cooldown(struct auth *a)
{
	int64_t t = 1000000;
	char id[40];
	int i;

	for (i = 0; i < 2; i++)
		auth_failed(a, "siti-id", t);
	CHECK_EQ_INT(auth_cooldown_left(a, "siti-id", t), 0, "two wrong PINs do not block yet");
	auth_failed(a, "siti-id", t);
	CHECK_EQ_INT(auth_cooldown_left(a, "siti-id", t), 60, "the third starts a 60 s wait");
	CHECK_EQ_INT(auth_cooldown_left(a, "budi-id", t), 0, "other learners are not affected");
	auth_failed(a, "siti-id", t);
	CHECK_EQ_INT(auth_cooldown_left(a, "siti-id", t), 120, "the next doubles it");
	for (i = 0; i < 10000; i++) {
		snprintf(id, sizeof(id), "made-up-%d", i);
		auth_failed(a, id, t);
	}
	CHECK_EQ_INT(auth_cooldown_left(a, "siti-id", t), 120,
	    "10,000 other learners' failures do not push the wait out");
	for (i = 0; i < 10; i++)
		auth_failed(a, "siti-id", t);
	CHECK_EQ_INT(auth_cooldown_left(a, "siti-id", t), 900, "the wait stops at 15 minutes");
	CHECK_EQ_INT(auth_cooldown_left(a, "siti-id", t + 900000), 0, "and ends");
	auth_succeeded(a, "siti-id");
	auth_failed(a, "siti-id", t);
	CHECK_EQ_INT(auth_cooldown_left(a, "siti-id", t), 0, "a good login resets the count");
}

static void
test_sources(struct auth *a)
{
	int64_t t = 5000000;
	char addr[48];
	int i;

	for (i = 0; i < 3; i++)
		auth_source_failed(a, "10.42.0.77", t);
	CHECK_EQ_INT(auth_source_wait(a, "10.42.0.77", t), 0,
	    "three wrong logins from an address do not block it");
	auth_source_failed(a, "10.42.0.77", t);
	CHECK_EQ_INT(auth_source_wait(a, "10.42.0.77", t), 30,
	    "the fourth makes the address wait");
	CHECK_EQ_INT(auth_source_wait(a, "10.42.0.78", t), 0, "other addresses are not affected");
	for (i = 0; i < 2000; i++) {
		snprintf(addr, sizeof(addr), "10.%d.%d.1", i / 250, i % 250);
		auth_source_failed(a, addr, t + 1);
	}
	CHECK_EQ_INT(auth_source_wait(a, "10.42.0.77", t), 30,
	    "2,000 other addresses do not push out a waiting one");
	auth_source_failed(a, "10.42.0.77", t + 10);
	CHECK_EQ_INT(auth_source_wait(a, "10.42.0.77", t + 10), 60, "its wait doubles");
}

static void
test_registrations(struct auth *a)
{
	int64_t t = 9000000;
	long retry = 0;
	int i, ok = 1;

	for (i = 0; i < 2; i++)
		ok &= auth_register_take(a, "10.42.0.5", t, &retry) == PB_OK;
	CHECK(ok, "an address registers up to its limit");
	CHECK(auth_register_take(a, "10.42.0.5", t, &retry) == PB_ERR_LIMIT &&
	    retry == 24 * 3600, "then waits for the rest of its 24 hours");
	auth_register_return(a, "10.42.0.5");
	CHECK(auth_register_take(a, "10.42.0.5", t, &retry) == PB_OK,
	    "a registration given back (it failed) can be used again");
	CHECK(auth_register_take(a, "10.42.0.6", t, &retry) == PB_OK &&
	    auth_register_take(a, "10.42.0.7", t, &retry) == PB_OK,
	    "other addresses register while the box has room");
	CHECK(auth_register_take(a, "10.42.0.8", t + 1000, &retry) == PB_ERR_LIMIT &&
	    retry == 24 * 3600 - 1, "the box's daily limit stops the next one");
	auth_register_lift(a);
	CHECK(auth_register_take(a, "10.42.0.5", t + 2000, &retry) == PB_OK,
	    "a facilitator lifting the limit lets registrations go on");
	CHECK(auth_register_take(a, "10.42.0.5", t + AUTH_DAY_MS + 3000, &retry) == PB_OK,
	    "a new day starts the counts again");
}

static void
test_tokens(void)
{
	char tok[AUTH_TOKEN_HEX], hash[65], again[65];

	auth_new_token(tok, hash);
	CHECK(auth_token_hash(tok, again) == PB_OK && strcmp(hash, again) == 0,
	    "a token hashes to what the store keeps");
	CHECK(strcmp(tok, hash) != 0, "the store never keeps the token itself");
	CHECK(auth_token_hash("abc", again) == PB_ERR_INVALID, "short tokens are refused");
	tok[3] = 'Z';
	CHECK(auth_token_hash(tok, again) == PB_ERR_INVALID, "non-hex tokens are refused");
}

static void
test_names(void)
{
	static const struct {
		const char *in, *name, *key;
	} good[] = {
		{ "  Siti   Aminah ", "Siti Aminah", "siti aminah" },
		{ "I Gusti Ngurah Rai", "I Gusti Ngurah Rai", "i gusti ngurah rai" },
		{ "Ma'ruf, S.Pd.", "Ma'ruf, S.Pd.", "ma'ruf, s.pd." },
		{ "Dédé", "Dédé", "dédé" },
		{ "De\xcc\x81" "de\xcc\x81", "Dédé", "dédé" }, /* e + combining acute: NFC */
		{ "ÉLIA Nguyễn", "ÉLIA Nguyễn", "élia nguyễn" },
		/* look-alikes share the key of the name they look like (names_key) */
		{ "S\xc4\xb1ti Aminah", "S\xc4\xb1ti Aminah", "siti aminah" }, /* dotless i */
		{ "Wu\xc5\x82" "an", "Wu\xc5\x82" "an", "wulan" },            /* l with a stroke */
		{ "Budi Sant0so", "Budi Sant0so", "budi santoso" },              /* digit 0 */
	};
	static const char *bad[] = { "A", "   ", "<script>", "Budi\x01", "a;b",
		"Siti\xe2\x80\xae" "animA",  /* right-to-left override */
		"Si\xe2\x80\x8bti",          /* zero-width space */
		"\xd0\x85iti",                /* Cyrillic DZE, looks like S */
		"\xce\x9f" "ka",              /* Greek capital omicron, looks like O */
		"\xef\xbc\xb3\xef\xbd\x89\xef\xbd\x94\xef\xbd\x89", /* full-width Siti */
		"Budi \xf0\x9f\x98\x80",    /* an emoji */
		"\xff\xfe",                   /* not UTF-8 */
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" };
	char name[128], key[128];
	size_t i;

	for (i = 0; i < PB_ARRAY_LEN(good); i++) {
		int okn = api_name_normalize(good[i].in, name, sizeof(name), key, sizeof(key));

		CHECK(okn && strcmp(name, good[i].name) == 0 && strcmp(key, good[i].key) == 0,
		    "name \"%s\" becomes \"%s\" / \"%s\"", good[i].in, good[i].name, good[i].key);
	}
	for (i = 0; i < PB_ARRAY_LEN(bad); i++)
		CHECK(!api_name_normalize(bad[i], name, sizeof(name), key, sizeof(key)),
		    "name \"%s\" is refused", bad[i]);
}

int
main(void)
{
	struct auth *a;

	if (util_init() != PB_OK || auth_new(&(struct auth_limits){ .pin_failures = 3,
	    .cooldown_s = 60, .source_failures = 4, .source_cooldown_s = 30,
	    .source_registrations = 2, .registrations = 4 }, &a) != PB_OK)
		return 1;
	test_pins(a);
	test_cooldown(a);
	test_sources(a);
	test_registrations(a);
	test_tokens();
	test_names();
	auth_free(a);
	return TAP_DONE();
}
