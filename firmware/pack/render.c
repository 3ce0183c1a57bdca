/* render.c — see render.h. */
#include "render.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "relpath.h"

static const struct {
	const char *ext;
	enum render_kind kind;
} render__exts[] = {
	{"svg", RENDER_IMAGE}, {"png", RENDER_IMAGE}, {"jpg", RENDER_IMAGE},
	{"jpeg", RENDER_IMAGE}, {"webp", RENDER_IMAGE}, {"gif", RENDER_IMAGE},
	{"mp3", RENDER_AUDIO}, {"m4a", RENDER_AUDIO}, {"ogg", RENDER_AUDIO},
	{"opus", RENDER_AUDIO}, {"mp4", RENDER_VIDEO}, {"webm", RENDER_VIDEO},
	{"pdf", RENDER_PDF},
};

#define RENDER_IMAGE_EXTS ".svg .png .jpg .jpeg .webp .gif"
#define RENDER_EXT_LIST ".svg .png .jpg .jpeg .webp .gif .mp3 .m4a .ogg .opus .mp4 .webm .pdf"

struct render_ctx {
	const char *lesson_dir;  /* folder of the lesson, course-relative */
	const char *shown;       /* lesson file name for diagnostics */
	struct diags *d;
	struct render_out *out;
	size_t refcap;
	int nomem;               /* an allocation failed */
};

int
render_kind_of(const char *name)
{
	const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');
	size_t i;

	if (dot == NULL || (slash != NULL && dot < slash))
		return -1;
	for (i = 0; i < PB_ARRAY_LEN(render__exts); i++)
		if (strcasecmp(dot + 1, render__exts[i].ext) == 0)
			return (int)render__exts[i].kind;
	return -1;
}

/* HTML-escape s for text and attribute values. */
static void
render__esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

/* The plain text of a node's children, as cmark uses for alt text. Walked
 * with an iterator, not recursion: images nest in alt text without limit
 * (`![![![…`), and `pamong-pack preview` renders on a CivetWeb worker with a
 * 100 KiB stack. -1 when out of memory. */
static int
render__plain(FILE *f, cmark_node *n)
{
	cmark_iter *it = cmark_iter_new(n);
	cmark_event_type ev;

	if (it == NULL)
		return -1;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *c = cmark_iter_get_node(it);

		if (ev != CMARK_EVENT_ENTER || c == n)
			continue;
		switch (cmark_node_get_type(c)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
		case CMARK_NODE_HTML_INLINE:
			fputs(cmark_node_get_literal(c), f);
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			fputc(' ', f);
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
	return 0;
}

static int
render__add_ref(struct render_ctx *cx, char *path, int line, enum render_kind kind)
{
	struct render_out *o = cx->out;

	if (o->nrefs == cx->refcap) {
		size_t cap = cx->refcap ? cx->refcap * 2 : 8;
		struct render_ref *v = realloc(o->refs, cap * sizeof(*v));

		if (v == NULL) {
			free(path);
			cx->nomem = 1;
			return -1;
		}
		o->refs = v;
		cx->refcap = cap;
	}
	o->refs[o->nrefs].path = path;
	o->refs[o->nrefs].line = line;
	o->refs[o->nrefs].kind = kind;
	o->nrefs++;
	return 0;
}

/* "../" once per folder of dir: the way from a lesson's folder back to
 * the course folder; malloc'd. */
static char *
render__up(const char *dir)
{
	size_t depth = *dir ? 1 : 0, i;
	const char *c;
	char *up;

	for (c = dir; *c; c++)
		depth += *c == '/';
	if ((up = malloc(3 * depth + 1)) == NULL)
		return NULL;
	for (i = 0; i < depth; i++)
		memcpy(up + 3 * i, "../", 3);
	up[3 * depth] = '\0';
	return up;
}

/* The reference to write for up + name: between < > when it has a space
 * (CommonMark's way to write such a destination); malloc'd. */
static char *
render__suggest(const char *up, const char *name)
{
	char *out = NULL;

	if (asprintf(&out, strchr(name, ' ') != NULL ? "<%s%s>" : "%s%s", up, name) < 0)
		return NULL;
	return out;
}

/* Non-zero if url is a path on the author's computer: a drive letter
 * ("C:\\", "D:/"), a network share ("\\\\server") or a file: URL. */
static int
render__is_pc_path(const char *url)
{
	return (((url[0] >= 'A' && url[0] <= 'Z') || (url[0] >= 'a' && url[0] <= 'z')) &&
	    url[1] == ':' && (url[2] == '\\' || url[2] == '/')) ||
	    strncmp(url, "\\\\", 2) == 0 || strncasecmp(url, "file:", 5) == 0;
}

/* Report a path on the author's computer, with what to write instead.
 * Returns 1 if url was one (and was reported), 0 if not. */
static int
render__pc_path(struct render_ctx *cx, const char *url, int line)
{
	const char *name = url + strlen(url);
	char *up = NULL, *media = NULL, *fix = NULL;

	if (!render__is_pc_path(url))
		return 0;
	while (name > url && name[-1] != '\\' && name[-1] != '/')
		name--;
	if ((up = render__up(cx->lesson_dir)) != NULL && asprintf(&media, "%smedia/", up) < 0)
		media = NULL;
	if (media == NULL || (fix = render__suggest(media, name)) == NULL)
		cx->nomem = 1;
	else
		diag_add(cx->d, cx->shown, line, TR("%s adalah jalur di komputer Anda, bukan di "
		    "folder kursus: salin berkasnya ke folder media/ kursus dan tulis %s",
		    "%s is a path on your computer, not in the course folder: copy the file into "
		    "the course's media/ folder and write %s"), url, fix);
	free(up);
	free(media);
	free(fix);
	return 1;
}

/* Resolve a local reference written in the lesson (path part only, the
 * fragment already split off) to a course path under media/. Reports
 * problems; returns the malloc'd path or NULL. */
static char *
render__local(struct render_ctx *cx, const char *url, int line)
{
	char *decoded = NULL, *res = NULL, *up = NULL, *fix = NULL;
	pb_err rc;

	if (render__pc_path(cx, url, line))
		goto out;
	if (strchr(url, '\\') != NULL) {
		char *c;

		if ((fix = strdup(url)) == NULL) {
			cx->nomem = 1;
			goto out;
		}
		for (c = fix; *c; c++)
			if (*c == '\\')
				*c = '/';
		diag_add(cx->d, cx->shown, line, TR("jalur ditulis dengan garis miring terbalik (\\) "
		    "gaya Windows: tulis %s", "path written with Windows backslashes (\\): write %s"), fix);
		goto out;
	}
	if (url[0] == '/') {
		diag_add(cx->d, cx->shown, line, TR("jalur harus relatif terhadap berkas materi: %s",
		    "path must be relative to the lesson file: %s"), url);
		goto out;
	}
	if ((rc = relpath_unescape(url, &decoded)) != PB_OK) {
		if (rc == PB_ERR_NOMEM)
			cx->nomem = 1;
		else
			diag_add(cx->d, cx->shown, line, TR("escape %% tidak sah di jalur: %s",
			    "bad %% escape in path: %s"), url);
		goto out;
	}
	if ((rc = relpath_resolve(cx->lesson_dir, decoded, &res)) != PB_OK) {
		if (rc == PB_ERR_NOMEM)
			cx->nomem = 1;
		else
			diag_add(cx->d, cx->shown, line, TR("jalur keluar dari folder kursus: %s",
			    "path leaves the course folder: %s"), url);
		goto out;
	}
	if (strncmp(res, "media/", 6) != 0) {
		/* written as if from the course folder ("media/x.svg" in lessons/)? */
		if (*cx->lesson_dir && strncmp(decoded, "media/", 6) == 0) {
			if ((up = render__up(cx->lesson_dir)) == NULL ||
			    (fix = render__suggest(up, url)) == NULL)
				cx->nomem = 1;
			else
				diag_add(cx->d, cx->shown, line, TR("jalur dihitung dari folder berkas materi "
				    "(%s/): tulis %s, bukan %s", "paths are relative to the lesson file's folder "
				    "(%s/): write %s, not %s"), cx->lesson_dir, fix, url);
		} else {
			diag_add(cx->d, cx->shown, line, TR("berkas media harus berada di folder media/: %s",
			    "media files must be in the media/ folder: %s"), url);
		}
		free(res);
		res = NULL;
	}
out:
	free(decoded);
	free(up);
	free(fix);
	return res;
}

/* Split url at '#': *path gets a malloc'd copy of the part before it, the
 * return value points at the fragment ("" if none). */
static const char *
render__split(const char *url, char **path)
{
	const char *hash = strchr(url, '#');

	if (hash == NULL)
		hash = url + strlen(url);
	*path = strndup(url, (size_t)(hash - url));
	return hash;
}

/* The pack-relative URL for a course path, as seen from lessons/. */
static char *
render__href(const char *path, const char *frag)
{
	char *esc = relpath_escape(path), *href = NULL;

	if (esc != NULL && asprintf(&href, "../%s%s", esc, frag) < 0)
		href = NULL;
	free(esc);
	return href;
}

/* Non-zero if img is the only thing in its paragraph (besides spaces). */
static int
render__alone(cmark_node *img)
{
	cmark_node *parent = cmark_node_parent(img), *c;

	if (parent == NULL || cmark_node_get_type(parent) != CMARK_NODE_PARAGRAPH)
		return 0;
	for (c = cmark_node_first_child(parent); c != NULL; c = cmark_node_next(c)) {
		cmark_node_type t = cmark_node_get_type(c);

		if (c == img || t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK)
			continue;
		if (t == CMARK_NODE_TEXT &&
		    strspn(cmark_node_get_literal(c), " \t") == strlen(cmark_node_get_literal(c)))
			continue;
		return 0;
	}
	return 1;
}

/* Write the HTML for one media reference. */
static void
render__media_html(FILE *f, enum render_kind kind, const char *href, const char *text,
    const char *title, const char *path, int alone, const char *poster, const char *track)
{
	const char *label = *text ? text : strrchr(path, '/') + 1;
	const char *tag = kind == RENDER_AUDIO ? "audio" : "video";

	switch (kind) {
	case RENDER_IMAGE:
		fputs("<img src=\"", f);
		render__esc(f, href);
		fputs("\" alt=\"", f);
		render__esc(f, text);
		if (title != NULL && *title) {
			fputs("\" title=\"", f);
			render__esc(f, title);
		}
		fputs("\" loading=\"lazy\">", f);
		break;
	case RENDER_AUDIO:
	case RENDER_VIDEO:
		if (alone)
			fprintf(f, "<figure class=\"pb-%s\">", tag);
		fprintf(f, "<%s controls preload=\"none\"%s src=\"", tag,
		    kind == RENDER_VIDEO ? " playsinline" : "");
		render__esc(f, href);
		if (!alone && *text) {
			fputs("\" aria-label=\"", f);
			render__esc(f, text);
		}
		if (poster != NULL) {
			fputs("\" poster=\"", f);
			render__esc(f, poster);
		}
		fputs("\">", f);
		if (track != NULL) {
			fputs("<track kind=\"captions\" label=\"CC\" default src=\"", f);
			render__esc(f, track);
			fputs("\">", f);
		}
		fputs("<a href=\"", f);
		render__esc(f, href);
		fputs("\">", f);
		render__esc(f, label);
		fprintf(f, "</a></%s>", tag);
		if (alone && *text) {
			fputs("<figcaption>", f);
			render__esc(f, text);
			fputs("</figcaption>", f);
		}
		if (alone)
			fputs("</figure>\n", f);
		break;
	case RENDER_PDF:
	case RENDER_LINK:
		fputs("<a class=\"pb-pdf\" href=\"", f);
		render__esc(f, href);
		fputs("\" type=\"application/pdf\" target=\"_blank\" rel=\"noopener\">", f);
		render__esc(f, label);
		fputs("</a>", f);
		break;
	}
}

/* Where our own HTML cannot go (a table cell takes only some kinds of
 * inline node): an image keeps its node, pointed at the pack's file; other
 * media become a link to the file, labelled like render__media_html's.
 * Returns -1 when out of memory. */
static int
render__image_plain(cmark_node *img, enum render_kind kind, const char *href,
    const char *text, const char *path)
{
	cmark_node *link = NULL, *label = NULL;

	if (kind == RENDER_IMAGE)
		return cmark_node_set_url(img, href) ? 0 : -1;
	if ((link = cmark_node_new(CMARK_NODE_LINK)) == NULL ||
	    (label = cmark_node_new(CMARK_NODE_TEXT)) == NULL ||
	    !cmark_node_set_url(link, href) ||
	    !cmark_node_set_literal(label, *text ? text : strrchr(path, '/') + 1) ||
	    !cmark_node_append_child(link, label))
		goto fail;
	label = NULL;
	if (!cmark_node_replace(img, link)) {
		cmark_node_free(link);
		return cmark_node_set_url(img, href) ? 0 : -1;
	}
	cmark_node_free(img);
	return 0;
fail:
	if (label != NULL)
		cmark_node_free(label);
	if (link != NULL)
		cmark_node_free(link);
	return -1;
}

/* A video's title names its poster and captions: "poster=PATH
 * captions=PATH" (either or both, paths relative to the lesson like the
 * video's). Each found is checked (an image; a .vtt file under media/),
 * added to the lesson's files and its pack URL put in *poster / *track.
 * Problems are reported. Returns -1 when out of memory. */
static int
render__video_extras(struct render_ctx *cx, const char *title, int line, char **poster,
    char **track)
{
	char *copy, *tok, *save = NULL, *upath = NULL, *path = NULL;
	int rc = 0;

	if (title == NULL || *title == '\0')
		return 0;
	if ((copy = strdup(title)) == NULL)
		return -1;
	for (tok = strtok_r(copy, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		int is_poster = strncmp(tok, "poster=", 7) == 0;
		const char *val = strchr(tok, '=') ? strchr(tok, '=') + 1 : "";
		char **out = is_poster ? poster : track;

		if (!is_poster && strncmp(tok, "captions=", 9) != 0) {
			diag_add(cx->d, cx->shown, line, TR("judul video hanya boleh berisi poster=GAMBAR dan "
			    "captions=TEKS.vtt, bukan %s", "a video's title may hold only poster=IMAGE and "
			    "captions=TEXT.vtt, not %s"), tok);
			continue;
		}
		free(upath);
		upath = NULL;
		render__split(val, &upath);
		free(path);
		path = NULL;
		if (upath == NULL || *upath == '\0' || (path = render__local(cx, upath, line)) == NULL)
			continue;
		if (is_poster ? render_kind_of(path) != RENDER_IMAGE :
		    (strlen(path) < 4 || strcasecmp(path + strlen(path) - 4, ".vtt") != 0)) {
			diag_add(cx->d, cx->shown, line, is_poster ?
			    TR("poster video harus gambar (" RENDER_IMAGE_EXTS "): %s",
			    "a video's poster must be an image (" RENDER_IMAGE_EXTS "): %s") :
			    TR("teks video (captions) harus berkas WebVTT .vtt: %s",
			    "a video's captions must be a WebVTT .vtt file: %s"), val);
			continue;
		}
		free(*out);
		if ((*out = render__href(path, "")) == NULL) {
			rc = -1;
			break;
		}
		rc = render__add_ref(cx, path, line, is_poster ? RENDER_IMAGE : RENDER_LINK);
		path = NULL; /* the list's now, or freed */
		if (rc != 0)
			break;
	}
	free(upath);
	free(path);
	free(copy);
	return rc;
}

/* Replace an image node by the media it refers to. */
static void
render__image(struct render_ctx *cx, cmark_node *img)
{
	const char *url = cmark_node_get_url(img), *frag;
	int line = cmark_node_get_start_line(img), kind, alone;
	char *upath = NULL, *path = NULL, *href = NULL, *text = NULL, *html = NULL;
	char *poster = NULL, *track = NULL;
	size_t textlen, htmllen;
	cmark_node *repl = NULL;
	FILE *f;

	if (url == NULL || *url == '\0') {
		diag_add(cx->d, cx->shown, line, "%s", TR("alamat media kosong", "empty media path"));
		return;
	}
	if (render__pc_path(cx, url, line))
		return;
	if (relpath_has_scheme(url) || strncmp(url, "//", 2) == 0) {
		diag_add(cx->d, cx->shown, line, TR("media harus berkas di folder kursus, bukan alamat web: %s",
		    "media must be a file in the course folder, not a web address: %s"), url);
		return;
	}
	frag = render__split(url, &upath);
	if (upath == NULL || (path = render__local(cx, upath, line)) == NULL)
		goto out;
	if ((kind = render_kind_of(path)) < 0) {
		diag_add(cx->d, cx->shown, line, TR("jenis media tidak didukung: %s (pakai "
		    RENDER_EXT_LIST ")", "unsupported media type: %s (use " RENDER_EXT_LIST ")"), url);
		goto out;
	}
	if ((href = render__href(path, frag)) == NULL)
		goto nomem;
	if ((f = open_memstream(&text, &textlen)) == NULL)
		goto nomem;
	if (render__plain(f, img) < 0) {
		fclose(f);
		goto nomem;
	}
	if (fclose(f) != 0)
		goto nomem;
	alone = render__alone(img);
	if (kind == RENDER_VIDEO &&
	    render__video_extras(cx, cmark_node_get_title(img), line, &poster, &track) < 0)
		goto nomem;
	if ((f = open_memstream(&html, &htmllen)) == NULL)
		goto nomem;
	render__media_html(f, (enum render_kind)kind, href, text,
	    kind == RENDER_VIDEO ? NULL : cmark_node_get_title(img), path,
	    alone && kind != RENDER_IMAGE && kind != RENDER_PDF, poster, track);
	if (fclose(f) != 0)
		goto nomem;
	if (alone && (kind == RENDER_AUDIO || kind == RENDER_VIDEO)) {
		if ((repl = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK)) == NULL ||
		    !cmark_node_set_on_enter(repl, html) || !cmark_node_set_on_exit(repl, ""))
			goto nomem;
		cmark_node *para = cmark_node_parent(img);

		if (!cmark_node_replace(para, repl)) {
			cmark_node_free(repl);
			repl = NULL;
			if (render__image_plain(img, (enum render_kind)kind, href, text, path) < 0)
				goto nomem;
		} else {
			cmark_node_free(para); /* and img with it */
		}
	} else {
		if ((repl = cmark_node_new(CMARK_NODE_CUSTOM_INLINE)) == NULL ||
		    !cmark_node_set_on_enter(repl, html) || !cmark_node_set_on_exit(repl, ""))
			goto nomem;
		if (!cmark_node_replace(img, repl)) {
			/* a table cell refuses custom nodes */
			cmark_node_free(repl);
			repl = NULL;
			if (render__image_plain(img, (enum render_kind)kind, href, text, path) < 0)
				goto nomem;
		} else {
			cmark_node_free(img);
		}
	}
	repl = NULL;
	if (render__add_ref(cx, path, line, (enum render_kind)kind) == 0)
		path = NULL;
	goto out;
nomem:
	cx->nomem = 1;
out:
	if (repl != NULL)
		cmark_node_free(repl);
	free(upath);
	free(path);
	free(href);
	free(text);
	free(html);
	free(poster);
	free(track);
}

/* Point a link to a local file at its place in the pack. Links with a
 * scheme, "//host" links and "#anchors" stay as written. */
static void
render__link(struct render_ctx *cx, cmark_node *link)
{
	const char *url = cmark_node_get_url(link), *frag;
	int line = cmark_node_get_start_line(link);
	char *upath = NULL, *path = NULL, *href = NULL;

	if (url == NULL || *url == '\0' || *url == '#' || render__pc_path(cx, url, line) ||
	    relpath_has_scheme(url) || strncmp(url, "//", 2) == 0)
		return;
	frag = render__split(url, &upath);
	if (upath == NULL) {
		cx->nomem = 1;
		goto out;
	}
	if ((path = render__local(cx, upath, line)) == NULL)
		goto out;
	if ((href = render__href(path, frag)) == NULL || !cmark_node_set_url(link, href)) {
		cx->nomem = 1;
		goto out;
	}
	if (render__add_ref(cx, path, line, RENDER_LINK) == 0)
		path = NULL;
out:
	free(upath);
	free(path);
	free(href);
}

/* The line of an inline node: its own when cmark-gfm kept it, else its
 * block's first line plus the line breaks before it in that block. */
static int
render__line(cmark_node *n)
{
	cmark_node *c, *block = cmark_node_parent(n);
	int line = cmark_node_get_start_line(n);

	if (line > 0 || block == NULL)
		return line;
	line = cmark_node_get_start_line(block);
	for (c = cmark_node_first_child(block); c != NULL && c != n; c = cmark_node_next(c))
		if (cmark_node_get_type(c) == CMARK_NODE_SOFTBREAK ||
		    cmark_node_get_type(c) == CMARK_NODE_LINEBREAK)
			line++;
	return line;
}

/* Report image or link syntax that cmark-gfm left as text (learners would
 * see the raw Markdown): a "](" or "![" in a text node. The usual cause is a
 * space in the file name; a path on the author's computer is named as such. */
static void
render__leftover(struct render_ctx *cx, cmark_node *n, int line)
{
	const char *s = cmark_node_get_literal(n), *start, *close, *end, *bang;
	char *url = NULL, *label = NULL;

	while (s != NULL && *s) {
		close = strstr(s, "](");
		bang = strstr(s, "![");
		if (close == NULL && bang == NULL)
			return;
		if (close == NULL) {
			/* "![" with no "](" after it: report up to the end of the text */
			diag_add(cx->d, cx->shown, line, TR("gambar/tautan tidak terbaca oleh Markdown dan "
			    "akan tampil sebagai teks: %.80s (periksa pasangan [ ] dan ( ), tanpa spasi di "
			    "antara ] dan ()", "image/link not recognised by Markdown, learners would see it "
			    "as text: %.80s (check the [ ] and ( ) pairs, no space between ] and ()"), bang);
			return;
		}
		for (start = close; start > s && start[-1] != '['; start--)
			;
		if (start > s)
			start--;
		if (start > s && start[-1] == '!')
			start--;
		end = strchr(close + 2, ')');
		end = end != NULL ? end + 1 : close + strlen(close);
		/* url: what is between "](" and ")"; label: from "[" or "![" to "]" */
		if ((url = strndup(close + 2, (size_t)(end - close - 2) - (end[-1] == ')'))) == NULL ||
		    (label = strndup(start, (size_t)(close - start + 1))) == NULL) {
			cx->nomem = 1;
			goto out;
		}
		if (*label != '[' && *label != '!') /* no "[" before the "](" in this text */
			label[0] = '\0';
		if (*label == '\0' || *url == '<' ||
		    (!render__is_pc_path(url) && strchr(url, ' ') == NULL)) {
			diag_add(cx->d, cx->shown, line, TR("gambar/tautan tidak terbaca oleh Markdown dan "
			    "akan tampil sebagai teks: %.*s (periksa pasangan [ ] dan ( ), tanpa spasi di "
			    "antara ] dan ()", "image/link not recognised by Markdown, learners would see it "
			    "as text: %.*s (check the [ ] and ( ) pairs, no space between ] and ()"),
			    (int)(end - start > 120 ? 120 : end - start), start);
		} else if (!render__pc_path(cx, url, line)) {
			diag_add(cx->d, cx->shown, line, TR("gambar/tautan tidak terbaca karena nama "
			    "berkasnya berisi spasi; tulis namanya di antara < >: %s(<%s>) (atau ganti "
			    "setiap spasi dengan %%20)", "image/link not recognised because its file name "
			    "has a space; write the name between < >: %s(<%s>) (or replace every space "
			    "with %%20)"), label, url);
		}
		free(url);
		free(label);
		url = label = NULL;
		s = end;
	}
out:
	free(url);
	free(label);
}

/* Raw HTML is shown as text: an inline becomes a text node, a block a
 * paragraph holding its text. */
static void
render__html_as_text(struct render_ctx *cx, cmark_node *n)
{
	const char *lit = cmark_node_get_literal(n);
	cmark_node *text = NULL, *para = NULL;
	char *copy = NULL;
	size_t len;

	if (lit == NULL)
		lit = "";
	len = strlen(lit);
	while (len > 0 && (lit[len - 1] == '\n' || lit[len - 1] == '\r'))
		len--;
	if ((copy = strndup(lit, len)) == NULL || (text = cmark_node_new(CMARK_NODE_TEXT)) == NULL ||
	    !cmark_node_set_literal(text, copy))
		goto nomem;
	if (cmark_node_get_type(n) == CMARK_NODE_HTML_BLOCK) {
		if ((para = cmark_node_new(CMARK_NODE_PARAGRAPH)) == NULL ||
		    !cmark_node_append_child(para, text))
			goto nomem;
		text = NULL;
		if (!cmark_node_replace(n, para))
			goto out; /* left as is: cmark omits raw HTML */
		para = NULL;
	} else {
		if (!cmark_node_replace(n, text))
			goto out;
		text = NULL;
	}
	cmark_node_free(n);
	goto out;
nomem:
	cx->nomem = 1;
out:
	if (text != NULL)
		cmark_node_free(text);
	if (para != NULL)
		cmark_node_free(para);
	free(copy);
}

static cmark_parser *
render__parser(void)
{
	static const char *exts[] = {"table", "strikethrough", "autolink"};
	cmark_parser *p;
	size_t i;

	cmark_gfm_core_extensions_ensure_registered();
	if ((p = cmark_parser_new(CMARK_OPT_DEFAULT)) == NULL)
		return NULL;
	for (i = 0; i < PB_ARRAY_LEN(exts); i++) {
		cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);

		if (e == NULL || !cmark_parser_attach_syntax_extension(p, e)) {
			cmark_parser_free(p);
			return NULL;
		}
	}
	return p;
}

pb_err
render_lesson(const char *md, size_t len, const char *lesson_path, const char *shown,
    struct diags *d, struct render_out *out)
{
	struct render_ctx cx = {0};
	cmark_parser *parser = NULL;
	cmark_node *doc = NULL, **todo = NULL;
	cmark_iter *it = NULL;
	cmark_event_type ev;
	size_t ntodo = 0, cap = 0, i;
	cmark_node *in_image = NULL;
	char *dir = NULL, *html;
	pb_err rc = PB_ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	if ((dir = relpath_dirname(lesson_path)) == NULL)
		goto out;
	cx.lesson_dir = dir;
	cx.shown = shown;
	cx.d = d;
	cx.out = out;
	if ((parser = render__parser()) == NULL)
		goto out;
	cmark_parser_feed(parser, md, len);
	if ((doc = cmark_parser_finish(parser)) == NULL)
		goto out;
	cmark_consolidate_text_nodes(doc); /* "![", "x", "](y z)" become one text */
	if ((it = cmark_iter_new(doc)) == NULL)
		goto out;
	/* collect first: the tree must not change under the iterator. Nothing
	 * inside an image is collected: the image's replacement takes its text
	 * and frees it, so later nodes in the list are never inside freed ones. */
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);

		if (ev == CMARK_EVENT_EXIT && n == in_image)
			in_image = NULL;
		if (ev != CMARK_EVENT_ENTER || in_image != NULL)
			continue;
		if (t == CMARK_NODE_IMAGE)
			in_image = n;
		if (t == CMARK_NODE_TEXT) /* reads only: the tree must not change here */
			render__leftover(&cx, n, render__line(n));
		if (t != CMARK_NODE_IMAGE && t != CMARK_NODE_LINK && t != CMARK_NODE_HTML_INLINE &&
		    t != CMARK_NODE_HTML_BLOCK)
			continue;
		if (ntodo == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			cmark_node **v = realloc(todo, ncap * sizeof(*v));

			if (v == NULL)
				goto out;
			todo = v;
			cap = ncap;
		}
		todo[ntodo++] = n;
	}
	cmark_iter_free(it);
	it = NULL;
	for (i = 0; i < ntodo; i++) {
		cmark_node *n = todo[i];

		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_IMAGE: render__image(&cx, n); break;
		case CMARK_NODE_LINK: render__link(&cx, n); break;
		default: render__html_as_text(&cx, n); break;
		}
	}
	if (cx.nomem)
		goto out;
	html = cmark_render_html(doc, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(parser));
	if (html == NULL)
		goto out;
	/* cmark allocates with its own allocator (malloc by default) */
	out->html = html;
	rc = PB_OK;
out:
	if (it != NULL)
		cmark_iter_free(it);
	if (doc != NULL)
		cmark_node_free(doc);
	if (parser != NULL)
		cmark_parser_free(parser);
	free(todo);
	free(dir);
	if (rc != PB_OK)
		render_out_free(out);
	return rc;
}

void
render_out_free(struct render_out *out)
{
	size_t i;

	for (i = 0; i < out->nrefs; i++)
		free(out->refs[i].path);
	free(out->refs);
	free(out->html);
	memset(out, 0, sizeof(*out));
}
