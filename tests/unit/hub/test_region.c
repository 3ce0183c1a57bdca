/* Unit tests for region.c: the end of a unit's codes for range scans. */
#include <string.h>

#include "region.h"
#include "tap.h"

int
main(void)
{
	static const struct { const char *unit, *end; } cases[] = {
		{ "", "A" },
		{ "33", "34" },
		{ "33.02", "33.03" },
		{ "33.09", "33.10" },
		{ "33.02.01.2009", "33.02.01.2010" },
		{ "33.99", "34" },
		{ "33.09.99", "33.10" },
		{ "99", "A" },
	};
	static const char *const inside[] = { "33.02", "33.02.01", "33.02.99.9999" };
	static const char *const inside99[] = { "33.99", "33.99.01", "33.99.99.9999" };
	char end[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		region_unit_end(cases[i].unit, end, sizeof(end));
		CHECK(strcmp(end, cases[i].end) == 0, "the codes of '%s' end before '%s' (got '%s')",
		    cases[i].unit, cases[i].end, end);
	}
	region_unit_end("33.02", end, sizeof(end));
	for (i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
		CHECK(strcmp(inside[i], "33.02") >= 0 && strcmp(inside[i], end) < 0,
		    "%s sorts within 33.02's range", inside[i]);
	CHECK(strcmp("33.03", end) >= 0 && strcmp("33.1", end) >= 0,
	    "33.03 sorts after 33.02's range");
	region_unit_end("33.99", end, sizeof(end));
	for (i = 0; i < sizeof(inside99) / sizeof(inside99[0]); i++)
		CHECK(strcmp(inside99[i], "33.99") >= 0 && strcmp(inside99[i], end) < 0,
		    "%s sorts within 33.99's range", inside99[i]);
	return TAP_DONE();
}
