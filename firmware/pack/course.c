/* course.c — see course.h. */
#include "course.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "relpath.h"
#include "render.h"
#include "util.h"
#include "ydoc.h"

/* Everything one course_load call needs. */
struct course_ctx {
	const char *dir;     /* the folder as given */
	struct course *c;
	struct diags *d;
	unsigned long long budget; /* media bytes before a warning */
	int pretest_line;    /* line of pretest: quiz: in course.yaml */
	int nomem;
};

int
course_id_ok(const char *s, size_t min, size_t max)
{
	size_t len = strlen(s);

	if (len < min || len > max)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

int
course_version_ok(const char *s)
{
	int part;

	for (part = 0; part < 3; part++) {
		size_t n = strspn(s, "0123456789");

		if (n == 0 || n > 9 || (n > 1 && s[0] == '0'))
			return 0;
		s += n;
		if (part < 2 && *s++ != '.')
			return 0;
	}
	return *s == '\0';
}

int
course_bad_utf8_line(const char *buf, size_t len)
{
	size_t start = 0;
	int line = 1;

	while (start <= len) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl != NULL ? (size_t)(nl - buf) : len;

		if (!util_utf8_valid(buf + start, end - start))
			return line;
		if (nl == NULL)
			break;
		start = end + 1;
		line++;
	}
	return 0;
}

/* Add s to a list unless it is there already. */
static int
course__add_unique(char ***v, size_t *n, const char *s)
{
	char **nv, *copy;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return 0;
	if ((copy = strdup(s)) == NULL)
		return -1;
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL) {
		free(copy);
		return -1;
	}
	nv[(*n)++] = copy;
	*v = nv;
	return 0;
}

/* Read a text file of the course. rel is course-relative; problems are
 * reported at (from, line) when the file is referenced from there (from NULL:
 * at the file itself). Returns 0 and a malloc'd buffer, or -1. */
static int
course__read_text(struct course_ctx *cx, const char *rel, const char *from, int line,
    const char *key, char **buf, size_t *len)
{
	char *shown = relpath_join(cx->dir, rel);
	int bad, rc = -1;
	pb_err err;

	*buf = NULL;
	if (shown == NULL) {
		cx->nomem = 1;
		return -1;
	}
	err = fs_read_file(shown, COURSE_MAX_TEXT, buf, len);
	if (err == PB_ERR_NOMEM) {
		cx->nomem = 1;
		goto out;
	}
	if (err == PB_ERR_LIMIT) {
		diag_add(cx->d, shown, 0, TR("berkas terlalu besar (paling besar %u MiB)",
		    "file too large (at most %u MiB)"), COURSE_MAX_TEXT >> 20);
		goto out;
	}
	if (err != PB_OK) {
		if (from == NULL && errno == ENOENT)
			diag_add(cx->d, shown, 0, "%s", TR("berkas tidak ditemukan", "file not found"));
		else if (from == NULL)
			diag_add(cx->d, shown, 0, TR("tidak dapat dibaca: %s", "cannot read: %s"),
			    strerror(errno));
		else if (errno == ENOENT)
			diag_add(cx->d, from, line, TR("%s: berkas tidak ditemukan: %s",
			    "%s: file not found: %s"), key, rel);
		else
			diag_add(cx->d, from, line, TR("%s: %s tidak dapat dibaca: %s",
			    "%s: cannot read %s: %s"), key, rel, strerror(errno));
		goto out;
	}
	if ((bad = course_bad_utf8_line(*buf, *len)) != 0) {
		diag_add(cx->d, shown, bad, "%s", TR("bukan teks UTF-8 yang sah (atau ada karakter kendali)",
		    "not valid UTF-8 text (or a control character)"));
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		free(*buf);
		*buf = NULL;
	}
	free(shown);
	return rc;
}

/* A text value that must be one of a fixed set; returns its index or -1. */
static int
course__enum(struct ydoc *y, yaml_node_t *n, const char *key, const char *const *opts,
    size_t nopts, const char *list)
{
	char *v = NULL;
	size_t i;
	int rc = -1;

	if (ydoc_str(y, n, key, 0, 1, &v) != 0)
		return -1;
	for (i = 0; i < nopts; i++)
		if (strcmp(v, opts[i]) == 0)
			rc = (int)i;
	if (rc < 0)
		diag_add(y->d, y->shown, ydoc_line(n), TR("%s: harus salah satu dari: %s",
		    "%s: must be one of: %s"), key, list);
	free(v);
	return rc;
}

/* An id value; *out stays NULL after a reported problem. */
static void
course__id(struct ydoc *y, yaml_node_t *n, const char *key, size_t min, char **out)
{
	if (ydoc_str(y, n, key, 0, 1, out) != 0)
		return;
	if (!course_id_ok(*out, min, 48)) {
		diag_add(y->d, y->shown, ydoc_line(n), TR("%s: hanya a-z, 0-9 dan '-', %zu..%d karakter",
		    "%s: only a-z, 0-9 and '-', %zu..%d characters"), key, min, 48);
		free(*out);
		*out = NULL;
	}
}

/* A relative path value (lesson file, quiz); *out stays NULL after a problem. */
static void
course__path(struct ydoc *y, yaml_node_t *n, const char *key, char **out)
{
	if (ydoc_str(y, n, key, 0, 1, out) != 0)
		return;
	if (!relpath_is_safe(*out)) {
		diag_add(y->d, y->shown, ydoc_line(n), TR("%s: jalur tidak aman: %s (tanpa '..', '/' di awal, atau '\\')",
		    "%s: unsafe path: %s (no '..', leading '/' or '\\')"), key, *out);
		free(*out);
		*out = NULL;
	}
}

/* The name of the course folder, for comparing with the id. */
static char *
course__folder(const char *dir)
{
	char real[PATH_MAX], *copy, *base, *res;
	size_t len;

	if ((copy = strdup(dir)) == NULL)
		return NULL;
	len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	base = strrchr(copy, '/');
	base = base != NULL ? base + 1 : copy;
	if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || *base == '\0') {
		if (realpath(copy, real) == NULL) {
			free(copy);
			return strdup("");
		}
		base = strrchr(real, '/');
		base = base != NULL && base[1] ? base + 1 : real;
	}
	res = strdup(base);
	free(copy);
	return res;
}

/* Parts of a relative path ("media/a.png" has 2). */
static int
course__parts(const char *p)
{
	int n = 1;

	for (; *p; p++)
		n += *p == '/';
	return n;
}

/* Whether p fits the box's limits on a path in a pack. */
static int
course__pack_path_ok(const char *p)
{
	return strlen(p) <= COURSE_PATH_MAX && course__parts(p) <= COURSE_PATH_PARTS;
}

/* Render one lesson and check every media file it uses. */
static void
course__lesson_body(struct course_ctx *cx, struct course_lesson *l, const char *from, int line)
{
	struct render_out ro = {0};
	char *md = NULL, *shown = NULL, *full = NULL;
	size_t len, i;
	struct stat st;

	if (course__read_text(cx, l->file, from, line, "file", &md, &len) != 0)
		return;
	if ((shown = relpath_join(cx->dir, l->file)) == NULL)
		goto nomem;
	if (render_lesson(md, len, l->file, shown, cx->d, &ro) != PB_OK)
		goto nomem;
	for (i = 0; i < ro.nrefs; i++) {
		const struct render_ref *r = &ro.refs[i];

		free(full);
		if ((full = relpath_join(cx->dir, r->path)) == NULL)
			goto nomem;
		if (stat(full, &st) != 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				diag_add(cx->d, shown, r->line, TR("berkas media tidak ditemukan: %s",
				    "media file not found: %s"), r->path);
			else
				diag_add(cx->d, shown, r->line, TR("berkas media tidak dapat dibaca: %s: %s",
				    "cannot read media file: %s: %s"), r->path, strerror(errno));
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			diag_add(cx->d, shown, r->line, TR("bukan berkas biasa: %s",
			    "not a regular file: %s"), r->path);
			continue;
		}
		if ((unsigned long long)st.st_size > COURSE_MAX_MEDIA) {
			diag_add(cx->d, shown, r->line, TR("berkas media terlalu besar: %s (paling besar %u MiB)",
			    "media file too large: %s (at most %u MiB)"), r->path, COURSE_MAX_MEDIA >> 20);
			continue;
		}
		if (!course__pack_path_ok(r->path)) {
			diag_add(cx->d, shown, r->line, TR("jalur media terlalu panjang untuk paket: %s "
			    "(paling banyak %d byte dan %d bagian)", "media path too long for a pack: %s "
			    "(at most %d bytes and %d parts)"), r->path, COURSE_PATH_MAX,
			    COURSE_PATH_PARTS);
			continue;
		}
		if (course__add_unique(&l->media, &l->nmedia, r->path) != 0 ||
		    course__add_unique(&cx->c->media, &cx->c->nmedia, r->path) != 0)
			goto nomem;
	}
	l->html = ro.html;
	ro.html = NULL;
	goto out;
nomem:
	cx->nomem = 1;
out:
	render_out_free(&ro);
	free(md);
	free(shown);
	free(full);
}

/* The lessons: list of mappings in course.yaml. */
static void
course__lessons(struct course_ctx *cx, struct ydoc *y, yaml_node_t *seq)
{
	static const struct yfield f[] = {
		{"id", 1}, {"title", 1}, {"file", 1}, {"minutes", 0},
	};
	yaml_node_t *v[PB_ARRAY_LEN(f)];
	int n = ydoc_seq(y, seq, "lessons", 1, 50), i, *idline;
	size_t j;

	if (n <= 0)
		return;
	cx->c->lessons = calloc((size_t)n, sizeof(*cx->c->lessons));
	idline = calloc((size_t)n, sizeof(*idline));
	if (cx->c->lessons == NULL || idline == NULL) {
		free(idline);
		cx->nomem = 1;
		return;
	}
	cx->c->nlessons = (size_t)n;
	for (i = 0; i < n; i++) {
		struct course_lesson *l = &cx->c->lessons[i];
		yaml_node_t *item = ydoc_item(y, seq, i);

		if (ydoc_map(y, item, "lessons", f, PB_ARRAY_LEN(f), v) != 0)
			continue;
		if (v[0] != NULL)
			course__id(y, v[0], "id", 1, &l->id);
		if (l->id != NULL) {
			idline[i] = ydoc_line(v[0]);
			for (j = 0; j < (size_t)i; j++) {
				if (cx->c->lessons[j].id != NULL && strcmp(cx->c->lessons[j].id, l->id) == 0) {
					diag_add(cx->d, y->shown, idline[i], TR("id materi ganda: %s (pertama di baris %d)",
					    "duplicate lesson id: %s (first on line %d)"), l->id, idline[j]);
					break;
				}
			}
		}
		if (v[1] != NULL)
			ydoc_str(y, v[1], "title", 120, 1, &l->title);
		if (v[2] != NULL)
			course__path(y, v[2], "file", &l->file);
		if (v[3] != NULL)
			ydoc_int(y, v[3], "minutes", 1, COURSE_MINUTES_MAX, &l->minutes);
		if (l->file != NULL)
			course__lesson_body(cx, l, y->shown, ydoc_line(v[2]));
	}
	free(idline);
}

/* course.yaml; returns the line of the quiz key (for a missing quiz file). */
static int
course__manifest(struct course_ctx *cx)
{
	static const struct yfield f[] = {
		{"id", 1}, {"title", 1}, {"summary", 1}, {"language", 1}, {"version", 1},
		{"passing_score", 1}, {"feedback", 0}, {"minutes", 0}, {"lessons", 1},
		{"quiz", 1}, {"pretest", 0},
	};
	static const struct yfield pf[] = {{"quiz", 1}, {"skippable", 0}};
	yaml_node_t *pv[PB_ARRAY_LEN(pf)];
	static const char *const langs[] = {"id", "en"}, *const fbs[] = {"immediate", "end"};
	yaml_node_t *v[PB_ARRAY_LEN(f)], *root;
	struct course *c = cx->c;
	struct ydoc y = {0};
	char *buf = NULL, *shown = NULL, *folder = NULL;
	size_t len;
	int quiz_line = 0, k;

	if (course__read_text(cx, "course.yaml", NULL, 0, NULL, &buf, &len) != 0)
		return 0;
	if ((shown = relpath_join(cx->dir, "course.yaml")) == NULL)
		goto nomem;
	if ((root = ydoc_load(&y, buf, len, shown, cx->d)) == NULL)
		goto out;
	if (ydoc_map(&y, root, "course.yaml", f, PB_ARRAY_LEN(f), v) != 0)
		goto out;
	if (v[0] != NULL) {
		course__id(&y, v[0], "id", 3, &c->id);
		if ((folder = course__folder(cx->dir)) == NULL)
			goto nomem;
		if (c->id != NULL && strcmp(c->id, folder) != 0)
			diag_add(cx->d, shown, ydoc_line(v[0]), TR("id '%s' tidak sama dengan nama folder '%s'",
			    "id '%s' does not match the folder name '%s'"), c->id, folder);
	}
	if (v[1] != NULL)
		ydoc_str(&y, v[1], "title", 120, 1, &c->title);
	if (v[2] != NULL)
		ydoc_str(&y, v[2], "summary", 500, 1, &c->summary);
	if (v[3] != NULL && (k = course__enum(&y, v[3], "language", langs, 2, "id, en")) >= 0 &&
	    (c->language = strdup(langs[k])) == NULL)
		goto nomem;
	if (v[4] != NULL && ydoc_str(&y, v[4], "version", 0, 1, &c->version) == 0 &&
	    !course_version_ok(c->version)) {
		diag_add(cx->d, shown, ydoc_line(v[4]), TR("version: harus berbentuk MAYOR.MINOR.PATCH, misalnya 1.0.0",
		    "version: must be MAJOR.MINOR.PATCH, e.g. 1.0.0"));
		free(c->version);
		c->version = NULL;
	}
	if (v[5] != NULL)
		ydoc_int(&y, v[5], "passing_score", 1, 100, &c->passing_score);
	if (v[6] != NULL && (k = course__enum(&y, v[6], "feedback", fbs, 2, "immediate, end")) >= 0)
		c->feedback_end = k == 1;
	if (v[7] != NULL)
		ydoc_int(&y, v[7], "minutes", 1, COURSE_MINUTES_MAX, &c->minutes);
	if (v[8] != NULL)
		course__lessons(cx, &y, v[8]);
	if (v[9] != NULL) {
		course__path(&y, v[9], "quiz", &c->quiz);
		quiz_line = ydoc_line(v[9]);
	}
	c->pretest_skippable = 1;
	if (v[10] != NULL && ydoc_map(&y, v[10], "pretest", pf, PB_ARRAY_LEN(pf), pv) == 0) {
		if (pv[0] != NULL) {
			course__path(&y, pv[0], "quiz", &c->pretest);
			cx->pretest_line = ydoc_line(pv[0]);
		}
		if (pv[1] != NULL)
			ydoc_bool(&y, pv[1], "skippable", &c->pretest_skippable);
	}
	goto out;
nomem:
	cx->nomem = 1;
out:
	ydoc_free(&y);
	free(buf);
	free(shown);
	free(folder);
	return quiz_line;
}

/* The choices of one question; returns the number marked correct, or -1 if
 * that cannot be told because of other problems. */
static int
course__choices(struct course_ctx *cx, struct ydoc *y, yaml_node_t *seq,
    struct course_question *q)
{
	static const struct yfield f[] = {{"text", 1}, {"correct", 0}};
	yaml_node_t *v[PB_ARRAY_LEN(f)];
	int n = ydoc_seq(y, seq, "choices", 2, 8), i, j, ncorrect = 0, unsure = 0;
	int *lines;

	if (n <= 0)
		return -1;
	q->choices = calloc((size_t)n, sizeof(*q->choices));
	lines = calloc((size_t)n, sizeof(*lines));
	if (q->choices == NULL || lines == NULL) {
		free(lines);
		cx->nomem = 1;
		return -1;
	}
	q->nchoices = (size_t)n;
	for (i = 0; i < n; i++) {
		struct course_choice *ch = &q->choices[i];

		if (ydoc_map(y, ydoc_item(y, seq, i), "choices", f, PB_ARRAY_LEN(f), v) != 0) {
			unsure = 1;
			continue;
		}
		if (v[0] != NULL && ydoc_str(y, v[0], "text", 0, 0, &ch->text) == 0) {
			lines[i] = ydoc_line(v[0]);
			for (j = 0; j < i; j++) {
				if (q->choices[j].text != NULL && strcmp(q->choices[j].text, ch->text) == 0) {
					diag_add(cx->d, y->shown, lines[i], TR("teks pilihan sama dengan baris %d",
					    "same choice text as line %d"), lines[j]);
					break;
				}
			}
		}
		if (v[1] != NULL && ydoc_bool(y, v[1], "correct", &ch->correct) != 0)
			unsure = 1;
		ncorrect += ch->correct;
	}
	free(lines);
	return unsure ? -1 : ncorrect;
}

/* The questions of the quiz file path (course-relative; named by key on
 * line quiz_line of course.yaml) into *out_qs, *out_n. */
static void
course__questions(struct course_ctx *cx, const char *path, int quiz_line, const char *key,
    struct course_question **out_qs, size_t *out_n)
{
	static const struct yfield rf[] = {{"questions", 1}};
	static const struct yfield f[] = {
		{"id", 1}, {"type", 1}, {"text", 1}, {"choices", 1}, {"explanation", 1},
	};
	static const char *const types[] = {"single", "multiple"};
	yaml_node_t *v[PB_ARRAY_LEN(f)], *rv[1], *root;
	struct course_question *qs = NULL;
	char *buf = NULL, *shown = NULL, *from = NULL;
	int n, i, j, type, ncorrect, *idline = NULL;
	struct ydoc y = {0};
	size_t len;

	if ((from = relpath_join(cx->dir, "course.yaml")) == NULL)
		goto nomem;
	if (course__read_text(cx, path, from, quiz_line, key, &buf, &len) != 0)
		goto out;
	if ((shown = relpath_join(cx->dir, path)) == NULL)
		goto nomem;
	if ((root = ydoc_load(&y, buf, len, shown, cx->d)) == NULL)
		goto out;
	if (ydoc_map(&y, root, path, rf, 1, rv) != 0 || rv[0] == NULL)
		goto out;
	if ((n = ydoc_seq(&y, rv[0], "questions", 1, 50)) <= 0)
		goto out;
	qs = calloc((size_t)n, sizeof(*qs));
	idline = calloc((size_t)n, sizeof(*idline));
	if (qs == NULL || idline == NULL)
		goto nomem;
	*out_qs = qs;
	*out_n = (size_t)n;
	for (i = 0; i < n; i++) {
		struct course_question *q = &qs[i];
		yaml_node_t *item = ydoc_item(&y, rv[0], i);

		if (ydoc_map(&y, item, "questions", f, PB_ARRAY_LEN(f), v) != 0)
			continue;
		if (v[0] != NULL)
			course__id(&y, v[0], "id", 1, &q->id);
		if (q->id != NULL) {
			idline[i] = ydoc_line(v[0]);
			for (j = 0; j < i; j++) {
				if (qs[j].id != NULL && strcmp(qs[j].id, q->id) == 0) {
					diag_add(cx->d, shown, idline[i], TR("id pertanyaan ganda: %s (pertama di baris %d)",
					    "duplicate question id: %s (first on line %d)"), q->id, idline[j]);
					break;
				}
			}
		}
		type = v[1] != NULL ? course__enum(&y, v[1], "type", types, 2, "single, multiple") : -1;
		q->multiple = type == 1;
		if (v[2] != NULL)
			ydoc_str(&y, v[2], "text", 0, 0, &q->text);
		ncorrect = v[3] != NULL ? course__choices(cx, &y, v[3], q) : -1;
		if (v[4] != NULL)
			ydoc_str(&y, v[4], "explanation", 0, 0, &q->explanation);
		if (ncorrect == 0)
			diag_add(cx->d, shown, ydoc_line(item), "%s", TR("pertanyaan tanpa jawaban benar (tandai dengan correct: true)",
			    "question has no correct choice (mark it with correct: true)"));
		else if (ncorrect > 1 && type == 0)
			diag_add(cx->d, shown, ydoc_line(item), TR("pertanyaan single harus punya tepat satu jawaban benar (ada %d)",
			    "a single question must have exactly one correct choice (has %d)"), ncorrect);
	}
	goto out;
nomem:
	cx->nomem = 1;
out:
	ydoc_free(&y);
	free(idline);
	free(buf);
	free(shown);
	free(from);
}

static int
course__cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A size for people: "20.0 KB", "2.5 MB" (a decimal comma in Indonesian). */
static void
course__size(char *buf, size_t len, double bytes, int mb_only)
{
	char *dot;

	if (mb_only)
		snprintf(buf, len, "%.3g MB", bytes / (1 << 20));
	else if (bytes < (1 << 20))
		snprintf(buf, len, "%.1f KB", bytes / 1024);
	else
		snprintf(buf, len, "%.1f MB", bytes / (1 << 20));
	if (!diag_english && (dot = strchr(buf, '.')) != NULL)
		*dot = ',';
}

/* What the first bytes of each media type look like. */
static const struct {
	const char *ext;   /* lower case, as render_kind_of knows it */
	const char *name;  /* the format, for messages */
	size_t off;        /* where magic starts */
	const char *magic; /* NULL: checked in course__magic_ok */
	size_t len;
} course__magics[] = {
	{"png", "PNG", 0, "\x89PNG\r\n\x1a\n", 8}, {"jpg", "JPEG", 0, "\xff\xd8\xff", 3},
	{"jpeg", "JPEG", 0, "\xff\xd8\xff", 3}, {"gif", "GIF", 0, "GIF8", 4},
	{"webp", "WebP", 8, "WEBP", 4}, {"svg", "SVG", 0, NULL, 0},
	{"mp3", "MP3", 0, NULL, 0}, {"m4a", "M4A", 4, "ftyp", 4}, {"mp4", "MP4", 4, "ftyp", 4},
	{"ogg", "Ogg", 0, "OggS", 4}, {"opus", "Opus", 0, "OggS", 4},
	{"webm", "WebM", 0, "\x1a\x45\xdf\xa3", 4}, {"pdf", "PDF", 0, "%PDF-", 5},
	{"vtt", "WebVTT", 0, NULL, 0},
};

/* Non-zero if head (the first n bytes of a file) fits entry i. */
static int
course__magic_ok(size_t i, const unsigned char *head, size_t n)
{
	const char *ext = course__magics[i].ext;

	if (strcmp(ext, "vtt") == 0) /* "WEBVTT", perhaps after a UTF-8 byte order mark */
		return (n >= 6 && memcmp(head, "WEBVTT", 6) == 0) ||
		    (n >= 9 && memcmp(head, "\xef\xbb\xbfWEBVTT", 9) == 0);
	if (strcmp(ext, "svg") == 0) /* XML text holding an <svg element early on */
		return memmem(head, n, "<svg", 4) != NULL;
	if (strcmp(ext, "mp3") == 0) /* an ID3 tag or an MPEG audio frame */
		return (n >= 3 && memcmp(head, "ID3", 3) == 0) ||
		    (n >= 2 && head[0] == 0xff && (head[1] & 0xe0) == 0xe0);
	if (strcmp(ext, "webp") == 0 && (n < 4 || memcmp(head, "RIFF", 4) != 0))
		return 0;
	return n >= course__magics[i].off + course__magics[i].len &&
	    memcmp(head + course__magics[i].off, course__magics[i].magic, course__magics[i].len) == 0;
}

/* Non-zero if the image in f (size bytes, its type's first bytes right)
 * ends as its format says: PNG's IEND chunk, JPEG's end marker, GIF's
 * trailer, WebP's RIFF length. A copy cut short (a failed download, a full
 * USB stick) passes the first-bytes check but does not decode. */
static int
course__image_whole(FILE *f, const char *ext, long long size, const unsigned char *head, size_t n)
{
	unsigned char tail[32];
	size_t t, i;

	if (size < (long long)sizeof(tail) || fseek(f, -(long)sizeof(tail), SEEK_END) != 0 ||
	    (t = fread(tail, 1, sizeof(tail), f)) != sizeof(tail))
		return 0;
	if (strcasecmp(ext, "png") == 0)
		return memcmp(tail + t - 8, "IEND\xae\x42\x60\x82", 8) == 0;
	if (strcasecmp(ext, "jpg") == 0 || strcasecmp(ext, "jpeg") == 0) {
		for (i = 0; i + 1 < t; i++) /* a few bytes after the marker are common */
			if (tail[i] == 0xff && tail[i + 1] == 0xd9)
				return 1;
		return 0;
	}
	if (strcasecmp(ext, "gif") == 0)
		return tail[t - 1] == 0x3b;
	if (strcasecmp(ext, "webp") == 0)
		return n >= 8 && (long long)((unsigned long)head[4] | (unsigned long)head[5] << 8 |
		    (unsigned long)head[6] << 16 | (unsigned long)head[7] << 24) + 8 <= size;
	return 1;
}

/* Warn of a used media file over the budget, whose content is not what its
 * extension says, or an image cut short. */
static void
course__media_check(struct course_ctx *cx, const char *rel)
{
	static const struct {
		const char *id, *en;
	} hints[] = {
		[RENDER_IMAGE] = {"perkecil gambarnya (lebar sekitar 1000 piksel cukup untuk layar ponsel) "
		    "dan simpan sebagai WebP atau JPEG", "make the picture smaller (about 1000 pixels wide "
		    "is enough for a phone) and save it as WebP or JPEG"},
		[RENDER_AUDIO] = {"simpan ulang sebagai Opus atau MP3 mono dengan bitrate rendah (24-48 "
		    "kbit/s)", "save it again as Opus or mono MP3 at a low bitrate (24-48 kbit/s)"},
		[RENDER_VIDEO] = {"perkecil ke 360p dan simpan ulang dengan bitrate rendah (H.264/AAC atau "
		    "VP9/Opus)", "scale it down to 360p and save it again at a low bitrate (H.264/AAC or "
		    "VP9/Opus)"},
		[RENDER_PDF] = {"simpan ulang PDF-nya dengan gambar beresolusi lebih rendah", "save the PDF "
		    "again with lower-resolution pictures"},
		[RENDER_LINK] = {"perkecil berkasnya", "make the file smaller"},
	};
	unsigned char head[1024];
	char *full = relpath_join(cx->dir, rel), size[32], budget[32];
	const char *dot = strrchr(rel, '.');
	struct stat st;
	size_t i, n = 0;
	int kind = render_kind_of(rel);
	FILE *f;

	if (full == NULL) {
		cx->nomem = 1;
		return;
	}
	if ((f = fopen(full, "rb")) == NULL || fstat(fileno(f), &st) != 0)
		goto out; /* reported already when the lesson was checked */
	n = fread(head, 1, sizeof(head), f);
	for (i = 0; dot != NULL && i < PB_ARRAY_LEN(course__magics); i++) {
		if (strcasecmp(dot + 1, course__magics[i].ext) != 0 || course__magic_ok(i, head, n))
			continue;
		diag_warn(cx->d, full, 0, TR("isinya bukan %s seperti kata ekstensinya (.%s): berkas "
		    "rusak atau salah ekstensi; buka dan simpan ulang sebagai %s, atau ganti namanya",
		    "its content is not %s as its extension (.%s) says: the file is damaged or "
		    "misnamed; open it and save it again as %s, or rename it"), course__magics[i].name,
		    dot + 1, course__magics[i].name);
		break;
	}
	if (dot != NULL && i == PB_ARRAY_LEN(course__magics) && kind == RENDER_IMAGE &&
	    !course__image_whole(f, dot + 1, (long long)st.st_size, head, n)) {
		course__size(size, sizeof(size), (double)st.st_size, 0);
		diag_warn(cx->d, full, 0, TR("%s, tetapi gambarnya tidak utuh (berkasnya berhenti sebelum "
		    "akhir gambar), jadi ponsel tidak dapat menampilkannya: salin atau simpan ulang dari "
		    "berkas aslinya sebagai WebP atau JPEG", "%s, but the picture is not whole (the file "
		    "stops before the picture's end), so phones cannot show it: copy it again or save it "
		    "again from the original as WebP or JPEG"), size);
	}
	if ((unsigned long long)st.st_size > cx->budget && kind >= 0) {
		course__size(size, sizeof(size), (double)st.st_size, 0);
		course__size(budget, sizeof(budget), (double)cx->budget, 1);
		diag_warn(cx->d, full, 0, TR("%s, lebih besar dari batas %s untuk satu berkas media: %s",
		    "%s, over the %s budget for one media file: %s"), size, budget,
		    TR(hints[kind].id, hints[kind].en));
	}
out:
	if (f != NULL)
		fclose(f);
	free(full);
}

/* Warn of every file under the course's rel folder (media/ and below) that
 * no lesson uses. A folder as deep as a pack path may be is not looked into
 * (nothing in it can be in a pack), which also bounds the recursion: preview
 * runs this on a CivetWeb worker's 100 KiB stack. */
static void
course__unused(struct course_ctx *cx, const char *rel)
{
	char *full = relpath_join(cx->dir, rel), *sub = NULL;
	struct dirent **names = NULL;
	struct stat st;
	int n, i, isdir;

	if (full == NULL) {
		cx->nomem = 1;
		return;
	}
	if ((n = scandir(full, &names, NULL, alphasort)) < 0)
		n = 0; /* no media/ folder: nothing unused */
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char *path;

		if (name[0] == '.') /* ".", "..", and hidden files of the author's system */
			continue;
		free(sub);
		if ((sub = relpath_join(rel, name)) == NULL || (path = relpath_join(cx->dir, sub)) == NULL) {
			cx->nomem = 1;
			break;
		}
		isdir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
		if (isdir && course__parts(sub) >= COURSE_PATH_PARTS) {
			diag_warn(cx->d, path, 0, TR("folder ini terlalu dalam untuk paket (paling banyak %d "
			    "bagian), isinya tidak dilihat dan tidak masuk paket", "this folder is too deep for "
			    "a pack (at most %d parts), so what is in it is not looked at and left out of the "
			    "pack"), COURSE_PATH_PARTS);
		} else if (isdir) {
			course__unused(cx, sub);
		} else if (cx->c->nmedia == 0 || bsearch(&sub, cx->c->media, cx->c->nmedia,
		    sizeof(*cx->c->media), course__cmp_str) == NULL) {
			diag_warn(cx->d, path, 0, "%s", TR("berkas media ini tidak dipakai materi mana pun, "
			    "jadi tidak masuk paket", "no lesson uses this media file, so it is left out of "
			    "the pack"));
		}
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(sub);
	free(full);
}

pb_err
course_load(const char *dir, struct course *c, struct diags *d)
{
	return course_load_with(dir, NULL, c, d);
}

pb_err
course_load_with(const char *dir, const struct course_opts *o, struct course *c,
    struct diags *d)
{
	struct course_ctx cx = {dir, c, d, COURSE_MEDIA_BUDGET, 0, 0};
	int quiz_line;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (o != NULL && o->media_budget > 0)
		cx.budget = o->media_budget;
	quiz_line = course__manifest(&cx);
	if (c->quiz != NULL)
		course__questions(&cx, c->quiz, quiz_line, "quiz", &c->questions, &c->nquestions);
	if (c->pretest != NULL)
		course__questions(&cx, c->pretest, cx.pretest_line, "pretest: quiz", &c->pre_questions,
		    &c->npre);
	if (c->nmedia > 1)
		qsort(c->media, c->nmedia, sizeof(*c->media), course__cmp_str);
	for (i = 0; i < c->nmedia; i++)
		course__media_check(&cx, c->media[i]);
	/* which files are unused is only known when every lesson was read */
	if (c->nlessons > 0 && diag_errors(d) == 0)
		course__unused(&cx, "media");
	if (cx.nomem) {
		d->nomem = 1;
		return PB_ERR_NOMEM;
	}
	return diag_errors(d) > 0 ? PB_ERR_INVALID : PB_OK;
}

static void
course__free_strs(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
course_free(struct course *c)
{
	size_t i, j;

	for (i = 0; i < c->nlessons; i++) {
		struct course_lesson *l = &c->lessons[i];

		free(l->id);
		free(l->title);
		free(l->file);
		free(l->html);
		course__free_strs(l->media, l->nmedia);
	}
	free(c->lessons);
	for (i = 0; i < c->nquestions; i++) {
		struct course_question *q = &c->questions[i];

		for (j = 0; j < q->nchoices; j++)
			free(q->choices[j].text);
		free(q->choices);
		free(q->id);
		free(q->text);
		free(q->explanation);
	}
	free(c->questions);
	for (i = 0; i < c->npre; i++) {
		struct course_question *q = &c->pre_questions[i];

		for (j = 0; j < q->nchoices; j++)
			free(q->choices[j].text);
		free(q->choices);
		free(q->id);
		free(q->text);
		free(q->explanation);
	}
	free(c->pre_questions);
	free(c->pretest);
	course__free_strs(c->media, c->nmedia);
	free(c->id);
	free(c->title);
	free(c->summary);
	free(c->language);
	free(c->version);
	free(c->quiz);
	memset(c, 0, sizeof(*c));
}
