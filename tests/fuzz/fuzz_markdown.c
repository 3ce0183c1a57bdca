/* fuzz_markdown — one lesson's Markdown through pamong-pack's real
 * render_lesson() (cmark-gfm with the table, strikethrough and autolink
 * extensions, then our own rendering of media, links and raw HTML).
 *
 * Input: the lesson's text (course_load() hands render_lesson only valid
 * UTF-8, so other inputs are skipped the same way). Besides the sanitizers
 * it checks the promises of render.h: raw HTML from the author never
 * reaches the output as a tag, and every reference kept is a normalised
 * course-relative path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "course.h"
#include "fuzz.h"
#include "log.h"
#include "relpath.h"
#include "render.h"
#include "util.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz", 1, 0);
	diag_english = 1;
	if (util_init() != PB_OK)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *md = (const char *)data;
	struct render_out out = {0};
	struct diags d = {0};
	size_t i;

	if (course_bad_utf8_line(md, size) != 0)
		return 0;
	if (render_lesson(md, size, "lessons/01.md", "lessons/01.md", &d, &out) != PB_OK) {
		render_out_free(&out);
		diag_free(&d);
		return 0;
	}
	if (out.html == NULL || strstr(out.html, "<script") != NULL ||
	    strstr(out.html, "<iframe") != NULL)
		abort();
	for (i = 0; i < out.nrefs; i++) {
		char *again = NULL;

		if (out.refs[i].path == NULL || !relpath_is_safe(out.refs[i].path) ||
		    out.refs[i].line < 0)
			abort();
		/* normalised: resolving it again changes nothing */
		if (relpath_resolve("", out.refs[i].path, &again) != PB_OK ||
		    strcmp(again, out.refs[i].path) != 0)
			abort();
		free(again);
	}
	render_out_free(&out);
	diag_free(&d);
	return 0;
}
