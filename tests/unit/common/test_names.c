/* Unit tests for names.c: names that hide or reorder text are refused, and
 * accepted names are kept in NFC. */
#include <stdlib.h>
#include <string.h>

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

static void
test_invisible(void)
{
	static const struct {
		const char *s;
		uint32_t cp;
		const char *what;
	} rows[] = {
		{ "Si\xc2\xadti", 0xad, "a soft hyphen is refused" },
		{ "Si\xcd\x8fti", 0x34f, "a combining grapheme joiner is refused" },
		{ "Siti\xef\xb8\x8f", 0xfe0f, "a variation selector is refused" },
		{ "Siti\xe3\x85\xa4", 0x3164, "a Hangul filler is refused" },
		{ "Siti\xf3\xa0\x80\x81", 0xe0001, "a tag character is refused" },
		{ "a\xe2\x81\xa3" "b", 0x2063, "an invisible separator is refused" },
	};
	uint32_t cp;
	size_t i;

	for (i = 0; i < PB_ARRAY_LEN(rows); i++)
		CHECK(names_check(rows[i].s, &cp) == NAMES_ZERO_WIDTH && cp == rows[i].cp,
		    "%s", rows[i].what);
}

/* Two names that look alike have one key; names that look different keep
 * theirs. */
static void
test_key(void)
{
	static const struct {
		const char *a, *b;
		const char *what;
	} same[] = {
		{ "Siti Aminah", "siti aminah", "case does not count" },
		{ "Siti", "S\xc4\xb1ti", "dotless i (U+0131) reads as i" },
		{ "Siti", "S\xc4\xb0ti", "capital I with a dot (U+0130) reads as i" },
		{ "Siti", "Si\xcc\x87ti", "i with a combining dot above reads as i" },
		{ "Lukas", "\xc5\x81ukas", "L with a stroke (U+0141) reads as L" },
		{ "Wulan", "Wu\xc5\x82" "an", "l with a stroke (U+0142) reads as l" },
		{ "Dodi", "\xc4\x90odi", "D with a stroke (U+0110) reads as D" },
		{ "Roro", "R\xc3\xb8r\xc3\xb8", "o with a stroke (U+00F8) reads as o" },
		{ "Rudi", "\xef\xbc\xb2udi", "a full-width R (U+FF32) reads as R" },
		{ "rudi", "\xef\xbd\x92udi", "a full-width r (U+FF52) reads as r" },
		{ "Siti", "\xf0\x9d\x90\x92iti", "a mathematical bold S reads as S" },
		{ "Rafi", "Ra\xef\xac\x81", "the fi ligature reads as f and i" },
		{ "Jose", "Jose\xe2\x80\x8b", "a zero-width space is not seen" },
		{ "Josu\xc3\xa9", "Josue\xcc\x81", "a combining accent is the precomposed one" },
		{ "Siti", "\xd0\x85iti", "Cyrillic DZE (U+0405) reads as S" },
		{ "Aminah", "\xd0\x90min\xd0\xb0h", "Cyrillic A and a read as A and a" },
		{ "Oki", "\xce\x9fki", "Greek capital omicron reads as O" },
		{ "Hana", "\xd0\x9d" "ana", "Cyrillic EN (U+041D) reads as H" },
		{ "Kopi", "K\xd0\xbep\xd1\x96", "Cyrillic o and i read as o and i" },
		{ "Budi Santoso", "Budi Sant0so", "the digit 0 reads as o" },
		{ "Lia", "1ia", "the digit 1 reads as l" },
		{ "Hanss", "Han\xc3\x9f", "sharp s folds to ss" },
	};
	static const struct {
		const char *a, *b;
		const char *what;
	} differ[] = {
		{ "Jose", "Jos\xc3\xa9", "an accent makes another name" },
		{ "Siti", "Sita", "another letter makes another name" },
		{ "Arni", "Ami", "rn and m are not folded" },
		{ "Nur", "Nuri", "a longer name is another name" },
	};
	char *ka, *kb;
	size_t i;

	for (i = 0; i < PB_ARRAY_LEN(same); i++) {
		ka = names_key(same[i].a);
		kb = names_key(same[i].b);
		CHECK(ka != NULL && kb != NULL && strcmp(ka, kb) == 0, "%s (%s / %s)", same[i].what,
		    ka ? ka : "NULL", kb ? kb : "NULL");
		free(ka);
		free(kb);
	}
	for (i = 0; i < PB_ARRAY_LEN(differ); i++) {
		ka = names_key(differ[i].a);
		kb = names_key(differ[i].b);
		CHECK(ka != NULL && kb != NULL && strcmp(ka, kb) != 0, "%s", differ[i].what);
		free(ka);
		free(kb);
	}
	ka = names_key("Dédé Nguyễn");
	CHECK_EQ_STR(ka, "dédé nguyễn", "a plain accented name's key is its lower-case NFC form");
	free(ka);
	ka = names_key("");
	CHECK(ka != NULL && ka[0] == '\0', "an empty name has an empty key");
	free(ka);
	CHECK(names_key("\xff") == NULL, "invalid UTF-8 has no key");
}

int
main(void)
{
	test_check();
	test_nfc();
	test_invisible();
	test_key();
	return TAP_DONE();
}
