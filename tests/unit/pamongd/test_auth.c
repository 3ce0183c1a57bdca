/* Unit tests for auth.c (PIN hashes, cool-down, tokens) and the learner name
 * rules of api_learner.c. */
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
}

static void
test_cooldown(struct auth *a)
{
	int64_t t = 1000000;
	int i;

	for (i = 0; i < 2; i++)
		auth_failed(a, "siti", t);
	CHECK_EQ_INT(auth_cooldown_left(a, "siti", t), 0, "two wrong PINs do not block yet");
	auth_failed(a, "siti", t);
	CHECK_EQ_INT(auth_cooldown_left(a, "siti", t), 60, "the third starts a 60 s wait");
	CHECK_EQ_INT(auth_cooldown_left(a, "budi", t), 0, "other names are not affected");
	auth_failed(a, "siti", t);
	CHECK_EQ_INT(auth_cooldown_left(a, "siti", t), 120, "the next doubles it");
	for (i = 0; i < 10; i++)
		auth_failed(a, "siti", t);
	CHECK_EQ_INT(auth_cooldown_left(a, "siti", t), 900, "the wait stops at 15 minutes");
	CHECK_EQ_INT(auth_cooldown_left(a, "siti", t + 900000), 0, "and ends");
	auth_succeeded(a, "siti");
	auth_failed(a, "siti", t);
	CHECK_EQ_INT(auth_cooldown_left(a, "siti", t), 0, "a good login resets the count");
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
	};
	static const char *bad[] = { "A", "   ", "<script>", "Budi\x01", "a;b",
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

	if (util_init() != PB_OK || auth_new(3, 60, &a) != PB_OK)
		return 1;
	test_pins(a);
	test_cooldown(a);
	test_tokens();
	test_names();
	auth_free(a);
	return TAP_DONE();
}
