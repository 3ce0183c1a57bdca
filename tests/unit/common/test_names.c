/* Unit tests for names.c: names that hide or reorder text are refused, and
 * accepted names are kept in NFC. */
#include <stdlib.h>

#include "names.h"
#include "pb.h"
#include "tap.h"

static void
test_check(void)
{
	static const struct {
		const char *s;
		enum names_err want;
		uint32_t cp;
		const char *what;
	} rows[] = {
		{ "Siti Aminah", NAMES_OK, 0, "a plain name is fine" },
		{ "Budi \"Bud\" Santoso, S.Sos", NAMES_OK, 0, "quotes and commas are fine" },
		{ "N\xc3\xba\xc3\xb1" "ez", NAMES_OK, 0, "accented letters are fine" },
		{ "\xea\xa6\xb2\xea\xa6\xa4", NAMES_OK, 0, "Javanese script is fine" },
		{ "\xe2\x80\x8f" "x", NAMES_BIDI, 0x200f, "a right-to-left mark is refused" },
		{ "Siti \xe2\x80\xae" "animA", NAMES_BIDI, 0x202e, "U+202E RLO is refused" },
		{ "\xe2\x80\xaa" "a", NAMES_BIDI, 0x202a, "U+202A LRE is refused" },
		{ "a\xe2\x81\xa6" "b", NAMES_BIDI, 0x2066, "U+2066 LRI is refused" },
		{ "a\xe2\x81\xa9", NAMES_BIDI, 0x2069, "U+2069 PDI is refused" },
		{ "a\xd8\x9c" "b", NAMES_BIDI, 0x061c, "U+061C ALM is refused" },
		{ "a\xe2\x80\x8b" "b", NAMES_ZERO_WIDTH, 0x200b, "U+200B zero-width space is refused" },
		{ "a\xe2\x80\x8c" "b", NAMES_ZERO_WIDTH, 0x200c, "U+200C ZWNJ is refused" },
		{ "a\xe2\x80\x8d" "b", NAMES_ZERO_WIDTH, 0x200d, "U+200D ZWJ is refused" },
		{ "a\xe2\x81\xa0" "b", NAMES_ZERO_WIDTH, 0x2060, "U+2060 word joiner is refused" },
		{ "\xef\xbb\xbf" "a", NAMES_ZERO_WIDTH, 0xfeff, "U+FEFF is refused" },
		{ "a\tb", NAMES_CONTROL, 0x09, "a tab is refused" },
		{ "a\nb", NAMES_CONTROL, 0x0a, "a newline is refused" },
		{ "a\x7f", NAMES_CONTROL, 0x7f, "DEL is refused" },
		{ "a\xc2\x85", NAMES_CONTROL, 0x85, "a C1 control (NEL) is refused" },
		{ "a\xe2\x80\xa8" "b", NAMES_CONTROL, 0x2028, "U+2028 line separator is refused" },
		{ "\xff" "a", NAMES_BAD_UTF8, 0, "invalid UTF-8 is refused" },
		{ "\xed\xa0\x80", NAMES_BAD_UTF8, 0, "a UTF-16 surrogate is refused" },
		{ "\xc0\xaf", NAMES_BAD_UTF8, 0, "an overlong form is refused" },
	};
	uint32_t cp;
	size_t i;

	for (i = 0; i < PB_ARRAY_LEN(rows); i++) {
		enum names_err e = names_check(rows[i].s, &cp);

		CHECK(e == rows[i].want && cp == rows[i].cp, "%s", rows[i].what);
	}
	CHECK(names_check("a\xe2\x80\xae", NULL) == NAMES_BIDI, "the character is optional");
	CHECK(names_strerror(NAMES_BIDI) != NULL && names_strerror(NAMES_OK) != NULL,
	    "every code has a description");
}

static void
test_nfc(void)
{
	size_t len = 0;
	char *s;

	s = names_nfc("Jose\xcc\x81", &len);
	CHECK_EQ_STR(s, "Jos\xc3\xa9", "e + combining acute becomes precomposed e-acute");
	CHECK_EQ_INT(len, 5, "the length is that of the NFC form");
	free(s);
	s = names_nfc("Jos\xc3\xa9", NULL);
	CHECK_EQ_STR(s, "Jos\xc3\xa9", "text already in NFC is unchanged");
	free(s);
	s = names_nfc("", &len);
	CHECK(s != NULL && s[0] == '\0' && len == 0, "an empty string stays empty");
	free(s);
	s = names_nfc("\xe2\x84\xab", NULL);
	CHECK_EQ_STR(s, "\xc3\x85", "the angstrom sign becomes A-ring (canonical)");
	free(s);
	s = names_nfc("\xef\xac\x81", NULL);
	CHECK_EQ_STR(s, "\xef\xac\x81", "compatibility characters (the fi ligature) are kept");
	free(s);
	CHECK(names_nfc("\xff", NULL) == NULL, "invalid UTF-8 gives NULL");
}

int
main(void)
{
	test_check();
	test_nfc();
	return TAP_DONE();
}
