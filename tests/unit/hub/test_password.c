/* Unit tests for password.c: the rules a new staff password must meet. */
#include "password.h"
#include "tap.h"

#include "pb.h"

static void
test_rules(void)
{
	static const struct {
		const char *name, *pw;
		enum password_problem want;
		const char *what;
	} rows[] = {
		{ "staf", "Sawah hijau di Lumbir", PASSWORD_OK, "a passphrase is accepted" },
		{ "staf", "Kebun-Kopi-42", PASSWORD_OK, "words, digits and marks are accepted" },
		{ "staf", "Abc-12", PASSWORD_SHORT, "6 characters are too short" },
		{ "staf", "Ab-345678", PASSWORD_SHORT, "9 characters are too short" },
		{ "staf", "Ab-3456789", PASSWORD_OK, "10 characters are enough" },
		{ "staf", "\xc3\xa9t\xc3\xa9-\xc3\xa9t\xc3\xa9-xy", PASSWORD_OK,
		    "characters are counted, not bytes (10 with accents)" },
		{ "staf", "\xc3\xa9t\xc3\xa9-\xc3\xa9t\xc3\xa9", PASSWORD_SHORT,
		    "7 characters in 11 bytes are too short" },
		{ "staf", "aaaaaaaaaaaa", PASSWORD_ONE_KIND, "one character repeated is refused" },
		{ "staf", "korespondensi", PASSWORD_ONE_KIND, "lower-case only is refused" },
		{ "staf", "KORESPONDENSI", PASSWORD_ONE_KIND, "upper-case only is refused" },
		{ "staf", "8375920184", PASSWORD_ONE_KIND, "digits only are refused" },
		{ "staf", "password", PASSWORD_COMMON, "password is common" },
		{ "staf", "12345678", PASSWORD_COMMON, "12345678 is common" },
		{ "staf", "qwerty123", PASSWORD_COMMON, "qwerty123 is common" },
		{ "staf", "rahasia", PASSWORD_COMMON, "rahasia is common" },
		{ "staf", "bismillah", PASSWORD_COMMON, "bismillah is common" },
		{ "staf", "INDONESIA", PASSWORD_COMMON, "the list ignores case" },
		{ "staf", "sayang", PASSWORD_COMMON, "sayang is common" },
		{ "staf", "admin123", PASSWORD_COMMON, "admin123 is common" },
		{ "staf", "pamongdesa", PASSWORD_COMMON, "pamongdesa is common" },
		{ "staf", "Bismillah2024!", PASSWORD_COMMON,
		    "a common word with a year and a mark is common" },
		{ "staf", "123-Rahasia-123", PASSWORD_COMMON,
		    "digits and marks on both sides do not hide a common word" },
		{ "staf", "P@ssw0rd", PASSWORD_COMMON, "p@ssw0rd is common" },
		{ "pengelola.pusat", "Pengelola.Pusat", PASSWORD_IS_NAME,
		    "the user's name is refused, whatever the case" },
		{ "wahyu", "Wahyu-2024!", PASSWORD_IS_NAME,
		    "the user's name with digits and marks is refused" },
		{ "wahyu", "Wahyu Santoso 77", PASSWORD_OK, "a password containing the name is fine" },
	};
	size_t i;

	for (i = 0; i < PB_ARRAY_LEN(rows); i++)
		CHECK_EQ_INT(password_check(rows[i].name, rows[i].pw), rows[i].want, rows[i].what);
}

static void
test_messages(void)
{
	enum password_problem p;

	for (p = PASSWORD_SHORT; p <= PASSWORD_IS_NAME; p++)
		CHECK(strstr(password_message(p), "kata sandi") != NULL &&
		    strstr(password_message(p), " / ") != NULL &&
		    strstr(password_message(p), "password") != NULL,
		    "problem %d is told in Bahasa Indonesia and English", (int)p);
}

int
main(void)
{
	test_rules();
	test_messages();
	return TAP_DONE();
}
