/* Unit tests for jsonin.c: deep nesting is refused before jansson parses. */
#include <stdlib.h>
#include <string.h>

#include "jsonin.h"
#include "tap.h"

/* n opening brackets of kind open, then the matching closers. */
static char *
nested(int n, char open, char close)
{
	char *s = malloc((size_t)n * 2 + 1);

	if (s == NULL)
		abort();
	memset(s, open, (size_t)n);
	memset(s + n, close, (size_t)n);
	s[2 * n] = '\0';
	return s;
}

static void
test_depth(void)
{
	static const struct {
		const char *json;
		int depth;
		const char *what;
	} rows[] = {
		{ "1", 0, "a scalar has depth 0" },
		{ "{}", 1, "an empty object has depth 1" },
		{ "{\"a\":[1,{\"b\":[]}]}", 4, "objects and arrays count alike" },
		{ "[\"[[[[[[\"]", 1, "brackets inside a string do not count" },
		{ "[\"a\\\"[[[[\"]", 1, "an escaped quote does not end the string" },
		{ "[\"\\\\\",[[1]]]", 3, "an escaped backslash does end the string" },
		{ "]]]][", 1, "stray closers do not go below zero" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK_EQ_INT(jsonin_depth(rows[i].json, strlen(rows[i].json), 32),
		    rows[i].depth, rows[i].what);
}

static void
test_limit(void)
{
	json_error_t err;
	json_t *v;
	char *s;

	s = nested(JSONIN_MAX_DEPTH, '[', ']');
	v = jsonin_parse(s, strlen(s), 0, &err);
	CHECK(v != NULL, "nesting at the limit parses");
	json_decref(v);
	free(s);

	s = nested(JSONIN_MAX_DEPTH + 1, '{', '}');
	CHECK_EQ_INT(jsonin_depth(s, strlen(s), JSONIN_MAX_DEPTH), JSONIN_MAX_DEPTH + 1,
	    "one level over the limit is reported as over");
	free(s);

	s = nested(100000, '[', ']');
	v = jsonin_parse(s, strlen(s), 0, &err);
	CHECK(v == NULL, "100,000 levels are refused (jansson alone would overflow "
	    "a worker stack)");
	CHECK(jsonin_too_deep(&err), "the refusal says it came from the depth check");
	CHECK(strstr(err.text, "nesting") != NULL, "the message names the nesting");
	free(s);

	v = jsonin_parse("{\"a\":1,", 7, 0, &err);
	CHECK(v == NULL && !jsonin_too_deep(&err), "a syntax error is jansson's, not ours");
	v = jsonin_parse("{\"a\":1,\"a\":2}", 13, JSON_REJECT_DUPLICATES, &err);
	CHECK(v == NULL, "the caller's flags reach jansson");
	CHECK(!jsonin_too_deep(NULL), "no error is not a depth refusal");
}

int
main(void)
{
	test_depth();
	test_limit();
	return tap__failed != 0;
}
