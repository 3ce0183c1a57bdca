/* render.h — one lesson's Markdown (GFM: tables, strikethrough, autolinks)
 * to an HTML fragment with cmark-gfm. Raw HTML is shown as text; media
 * referenced with the image syntax become <img>, <audio>, <video> or a PDF
 * link by their extension (see content/FORMAT.md), with URLs rewritten to
 * the pack's layout (../media/...). */
#ifndef RENDER_H
#define RENDER_H

#include <stddef.h>

#include "diag.h"

enum render_kind {
	RENDER_IMAGE,  /* .svg .png .jpg .jpeg .webp .gif */
	RENDER_AUDIO,  /* .mp3 .m4a .ogg .opus */
	RENDER_VIDEO,  /* .mp4 .webm */
	RENDER_PDF,    /* .pdf */
	RENDER_LINK    /* an ordinary link to a file under media/ */
};

/* A course file a lesson refers to. */
struct render_ref {
	char *path;             /* course-relative, normalised: "media/struktur.svg" */
	int line;               /* line of the reference in the Markdown file; 0 when
	                         * cmark-gfm lost it (lines before a table in the
	                         * same paragraph: its table extension re-parses
	                         * them without positions) */
	enum render_kind kind;  /* how it was rendered */
};

struct render_out {
	char *html;               /* the fragment, NUL-terminated */
	struct render_ref *refs;  /* every local file referenced, in order, repeats kept */
	size_t nrefs;
};

/* The kind of media for a file name by its extension (case-insensitive);
 * -1 if it is not a media type lessons may embed. */
int render_kind_of(const char *name);

/* Render md (len bytes of UTF-8). lesson_path is the lesson's course-relative
 * path (references are relative to its folder); shown is the file name used
 * in diagnostics. Bad references are reported to d and left out of refs.
 * Returns PB_ERR_NOMEM or PB_OK (also when problems were reported). */
pb_err render_lesson(const char *md, size_t len, const char *lesson_path, const char *shown,
    struct diags *d, struct render_out *out);
void render_out_free(struct render_out *out);

#endif
