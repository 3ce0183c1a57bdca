/* fuzz_json_body — a learner API request body, as pamongd's api.c takes it:
 * the UTF-8 check, the depth-checked parse (jsonin_parse) and the field
 * checks that need no server: name normalisation (api_name_normalize),
 * positions (area_position_find) and villages (area_village_find, with the
 * real region list when content/area/wilayah.tsv.gz is readable).
 *
 * Besides the sanitizers it checks what the functions promise: a parsed body
 * nests at most JSONIN_MAX_DEPTH levels; a normalised name is 2..60 code
 * points without tabs or leading, trailing or double spaces, its key has no
 * upper-case ASCII; normalising a normalised name changes neither. */
#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "area.h"
#include "fuzz.h"
#include "jsonin.h"
#include "log.h"
#include "util.h"

static struct area *area;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	const char *path = getenv("PB_FUZZ_AREA");

	(void)argc;
	(void)argv;
	log_init("fuzz", 1, 0);
	if (util_init() != PB_OK)
		abort();
	if (path == NULL)
		path = "content/area/wilayah.tsv.gz";
	if (access(path, R_OK) == 0 && area_load(path, "33.02", &area, err, sizeof(err)) != PB_OK)
		area = NULL;
	return 0;
}

static void
check_name(const char *in)
{
	char name[128], key[128], name2[128], key2[128];
	size_t i, n;

	if (!api_name_normalize(in, name, sizeof(name), key, sizeof(key)))
		return;
	n = strlen(name);
	if (n == 0 || name[0] == ' ' || name[n - 1] == ' ' || strstr(name, "  ") != NULL ||
	    util_utf8_len(name) < 2 || util_utf8_len(name) > 60)
		abort();
	if (strchr(name, '\t') != NULL)
		abort();
	for (i = 0; key[i] != '\0'; i++)
		if (isupper((unsigned char)key[i]))
			abort();
	if (!api_name_normalize(name, name2, sizeof(name2), key2, sizeof(key2)) ||
	    strcmp(name, name2) != 0 || strcmp(key, key2) != 0)
		abort();
}

static void
check_body(json_t *body)
{
	const char *k;
	json_t *v;

	json_object_foreach(body, k, v) {
		const char *s = json_string_value(v);

		if (s == NULL)
			continue;
		if (strcmp(k, "name") == 0)
			check_name(s);
		else if (strcmp(k, "position") == 0)
			(void)area_position_find(s);
		else if (strcmp(k, "village") == 0 && area != NULL)
			(void)area_village_find(area, s);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	json_error_t jerr;
	json_t *body;
	char *dumped;

	if (!util_utf8_valid(buf, size))
		return 0;
	body = jsonin_parse(buf, size, JSON_REJECT_DUPLICATES, &jerr);
	if (body == NULL) {
		(void)jsonin_too_deep(&jerr);
		return 0;
	}
	if (jsonin_depth(buf, size, JSONIN_MAX_DEPTH) > JSONIN_MAX_DEPTH)
		abort();
	if (json_is_object(body))
		check_body(body);
	/* what the API answers is built from such values: they dump and load again */
	if ((dumped = json_dumps(body, JSON_ENCODE_ANY | JSON_COMPACT)) != NULL) {
		json_t *again = jsonin_parse(dumped, strlen(dumped), JSON_DECODE_ANY, NULL);

		if (again == NULL || !json_equal(body, again))
			abort();
		json_decref(again);
		free(dumped);
	}
	json_decref(body);
	return 0;
}
