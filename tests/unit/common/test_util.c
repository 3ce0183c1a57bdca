/* Unit tests for util.c and fsutil.c. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "tap.h"
#include "util.h"

static void
test_utf8(void)
{
	static const struct {
		const char *s;
		int valid;
		const char *what;
	} rows[] = {
		{ "Siti Aminah", 1, "plain ASCII is valid" },
		{ "Désa Kaliwungu", 1, "two-byte sequences are valid" },
		{ "日本", 1, "three-byte sequences are valid" },
		{ "\xf0\x9f\x98\x80", 1, "four-byte sequences (emoji) are valid" },
		{ "\xff\xfe", 0, "bytes that never occur in UTF-8 are refused" },
		{ "\xc3", 0, "a truncated sequence is refused" },
		{ "\xc0\xaf", 0, "an overlong slash is refused" },
		{ "\xe0\x80\xaf", 0, "an overlong three-byte form is refused" },
		{ "\xed\xa0\x80", 0, "a UTF-16 surrogate is refused" },
		{ "\xf4\x90\x80\x80", 0, "a code point above U+10FFFF is refused" },
		{ "a\x01" "b", 0, "a control character is refused" },
		{ "line\nnext\ttab", 1, "newline and tab are allowed" },
	};
	size_t i;

	for (i = 0; i < PB_ARRAY_LEN(rows); i++)
		CHECK(util_utf8_valid(rows[i].s, strlen(rows[i].s)) == rows[i].valid, "%s",
		    rows[i].what);
	CHECK(!util_utf8_valid("ab\0cd", 5), "an embedded NUL is refused");
	CHECK_EQ_INT(util_utf8_len("Désa"), 4, "code points are counted, not bytes");
}

static void
test_ids(void)
{
	char a[37], b[37], tok[65];
	unsigned char raw[4];

	util_uuid4(a);
	util_uuid4(b);
	CHECK(util_is_uuid(a) && a[14] == '4', "uuid4 makes a version 4 UUID (%s)", a);
	CHECK(strcmp(a, b) != 0, "two UUIDs differ");
	CHECK(!util_is_uuid("123") && !util_is_uuid("zzzzzzzz-zzzz-4zzz-8zzz-zzzzzzzzzzzz"),
	    "non-UUIDs are refused");
	util_token(tok, 32);
	CHECK_EQ_INT(strlen(tok), 64, "a 32-byte token is 64 hex characters");
	CHECK(util_unhex(raw, 4, "0a0B0c0D") == PB_OK && raw[1] == 0x0b, "hex decodes");
	CHECK(util_unhex(raw, 4, "0a0B0c0") != PB_OK && util_unhex(raw, 4, "0a0B0c0g") != PB_OK,
	    "wrong length or a non-hex digit is refused");
}

static void
test_atomic_write(void)
{
	char dir[] = "/tmp/pb-util-XXXXXX", path[256], tmp[300];
	char *data = NULL;
	size_t len = 0;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL, "made a temp dir");
	snprintf(path, sizeof(path), "%s/a/b/file", dir);
	snprintf(tmp, sizeof(tmp), "%s/a/b", dir);
	CHECK(fs_mkdirs(tmp, 0755) == PB_OK, "mkdirs makes nested directories");
	CHECK(fs_mkdirs(tmp, 0755) == PB_OK, "mkdirs accepts existing directories");
	CHECK(fs_write_atomic(path, "old", 3, 0600) == PB_OK, "first write");
	CHECK(fs_write_atomic(path, "new content", 11, 0600) == PB_OK, "replacing write");
	CHECK(fs_read_file(path, 100, &data, &len) == PB_OK && len == 11 &&
	    strcmp(data, "new content") == 0, "the file holds the new content whole");
	free(data);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CHECK(stat(tmp, &st) < 0, "no temporary file is left behind");
	CHECK(fs_read_file(path, 5, &data, &len) == PB_ERR_LIMIT, "a read over the limit is refused");
	CHECK(fs_remove_tree(dir) == PB_OK && stat(dir, &st) < 0, "remove_tree removes it all");
}

int
main(void)
{
	if (util_init() != PB_OK)
		return 1;
	test_utf8();
	test_ids();
	test_atomic_write();
	return TAP_DONE();
}
