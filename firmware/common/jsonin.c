/* jsonin.c — depth-checked parsing of outside JSON (jsonin.h). */
#include "jsonin.h"

#include <stdio.h>
#include <string.h>

#define JSONIN__DEEP_TEXT "nesting is deeper than the allowed levels"

int
jsonin_depth(const char *buf, size_t len, int limit)
{
	int depth = 0, deepest = 0, in_string = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_string) {
			if (c == '\\')
				i++; /* the escaped byte cannot end the string */
			else if (c == '"')
				in_string = 0;
			continue;
		}
		switch (c) {
		case '"':
			in_string = 1;
			break;
		case '[':
		case '{':
			if (++depth > deepest) {
				deepest = depth;
				if (deepest > limit)
					return limit + 1;
			}
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
	}
	return deepest;
}

json_t *
jsonin_parse(const char *buf, size_t len, size_t flags, json_error_t *err)
{
	if (jsonin_depth(buf, len, JSONIN_MAX_DEPTH) > JSONIN_MAX_DEPTH) {
		if (err != NULL) {
			memset(err, 0, sizeof(*err));
			err->line = -1;
			err->column = -1;
			err->position = -1;
			snprintf(err->source, sizeof(err->source), "jsonin");
			snprintf(err->text, sizeof(err->text), "%s (%d)",
			    JSONIN__DEEP_TEXT, JSONIN_MAX_DEPTH);
		}
		return NULL;
	}
	return json_loadb(buf, len, flags, err);
}

int
jsonin_too_deep(const json_error_t *err)
{
	return err != NULL && strcmp(err->source, "jsonin") == 0;
}
