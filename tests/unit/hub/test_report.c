/* Unit tests for report.c's CSV rendering and xapi.c's statement ids. */
#include <stdlib.h>
#include <string.h>

#include "region.h"
#include "report.h"
#include "tap.h"
#include "util.h"
#include "xapi.h"

static void
test_csv(void)
{
	struct report_table t;
	size_t len = 0;
	char *csv;

	t.columns = json_pack("[s, s, s]", "name", "n", "note");
	t.rows = json_pack("[[s, i, n], [s, f, s], [s, b, s]]",
	    "Budi \"Bud\", S.Sos", 3,
	    "=SUM(A1)", 12.34, "baris\nbaru",
	    "Ñoño", 1, "");
	csv = report_table_csv(&t, &len);
	CHECK(csv != NULL && len == strlen(csv), "CSV is made");
	CHECK_EQ_STR(csv,
	    "\xef\xbb\xbf\"name\",\"n\",\"note\"\r\n"
	    "\"Budi \"\"Bud\"\", S.Sos\",3,\r\n"
	    "\"'=SUM(A1)\",12.3,\"baris\nbaru\"\r\n"
	    "\"Ñoño\",yes,\r\n",
	    "CSV: BOM, CRLF, doubled quotes, formulas defused, null empty");
	free(csv);
	report_table_free(&t);
}

/* Spreadsheets skip leading blanks before a formula: " =1+1" is a formula too. */
static void
test_csv_formula_after_blanks(void)
{
	static const struct {
		const char *cell, *want, *what;
	} rows[] = {
		{ " =HYPERLINK(\"x\")", "\"' =HYPERLINK(\"\"x\"\")\"",
		    "a formula after a space is defused" },
		{ "\t=1+1", "\"'\t=1+1\"", "a formula after a tab is defused" },
		{ "  \r\n+SUM(A1)", "\"'  \r\n+SUM(A1)\"",
		    "a formula after spaces, CR and LF is defused" },
		{ "   @cmd", "\"'   @cmd\"", "an @ after spaces is defused" },
		{ "\t", "\"'\t\"", "a lone tab is defused" },
		{ " Siti = Aminah", "\" Siti = Aminah\"", "an = later in the text is left alone" },
		{ "   ", "\"   \"", "blanks only are left alone" },
	};
	struct report_table t;
	char want[128];
	size_t i, len;
	char *csv;

	for (i = 0; i < PB_ARRAY_LEN(rows); i++) {
		t.columns = json_pack("[s]", "name");
		t.rows = json_pack("[[s]]", rows[i].cell);
		csv = report_table_csv(&t, &len);
		snprintf(want, sizeof(want), "\xef\xbb\xbf\"name\"\r\n%s\r\n", rows[i].want);
		CHECK_EQ_STR(csv, want, rows[i].what);
		free(csv);
		report_table_free(&t);
	}
}

static void
test_xapi_ids(void)
{
	char a[37], b[37], c[37];

	xapi_uuid(a, "box", "learner", "course", "completed");
	xapi_uuid(b, "box", "learner", "course", "completed");
	xapi_uuid(c, "box", "learner", "course", "passed");
	CHECK_EQ_STR(a, b, "the same inputs give the same statement id");
	CHECK(strcmp(a, c) != 0, "another verb gives another id");
	xapi_uuid(c, "boxl", "earner", "course", "completed");
	CHECK(strcmp(a, c) != 0, "moving a character between parts changes the id");
	CHECK(util_is_uuid(a) && a[14] == '5' && strchr("89ab", a[19]) != NULL,
	    "the id is a version-5-style RFC 4122 UUID: %s", a);
}

static void
test_region_codes(void)
{
	CHECK(region_code_valid("33") && region_code_valid("33.02") &&
	    region_code_valid("33.02.01") && region_code_valid("33.02.01.2001"),
	    "province, regency, district and village codes are valid");
	CHECK(!region_code_valid("3") && !region_code_valid("33.2") &&
	    !region_code_valid("33.02.01.200") && !region_code_valid("33-02") &&
	    !region_code_valid("33.02.01.2001.1"), "malformed codes are refused");
	CHECK_EQ_INT(region_child_len(0), 2, "below the country come provinces");
	CHECK_EQ_INT(region_child_len(8), 13, "below a district come villages");
	CHECK_EQ_INT(region_child_len(13), 0, "nothing is below a village");
}

int
main(void)
{
	if (util_init() != PB_OK)
		return 1;
	test_csv();
	test_csv_formula_after_blanks();
	test_xapi_ids();
	test_region_codes();
	return TAP_DONE();
}
