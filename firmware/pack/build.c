/* build.c — see build.h. */
#include "build.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fsutil.h"
#include "relpath.h"
#include "util.h"

/* JSON text of a value (2-space indent, keys in insertion order, final
 * newline); steals the reference. */
static pb_err
build__dump(json_t *v, char **out, size_t *outlen)
{
	char *s;
	size_t len;

	*out = NULL;
	if (v == NULL)
		return PB_ERR_NOMEM;
	s = json_dumps(v, JSON_INDENT(2));
	json_decref(v);
	if (s == NULL)
		return PB_ERR_NOMEM;
	len = strlen(s);
	if ((*out = realloc(s, len + 2)) == NULL) {
		free(s);
		return PB_ERR_NOMEM;
	}
	(*out)[len] = '\n';
	(*out)[len + 1] = '\0';
	*outlen = len + 1;
	return PB_OK;
}

static json_t *
build__strings(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++) {
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

pb_err
build_course_json(const struct course *c, char **out, size_t *outlen)
{
	json_t *lessons = json_array(), *root = NULL;
	int minutes = c->minutes;
	size_t i;

	if (lessons == NULL)
		return PB_ERR_NOMEM;
	for (i = 0; i < c->nlessons; i++) {
		const struct course_lesson *l = &c->lessons[i];
		char file[128];
		json_t *o;

		snprintf(file, sizeof(file), "lessons/%s.html", l->id);
		o = json_pack("{s:s, s:s, s:i, s:s, s:o}", "id", l->id, "title", l->title,
		    "minutes", l->minutes, "file", file, "media", build__strings(l->media, l->nmedia));
		if (json_array_append_new(lessons, o) != 0)
			goto nomem;
		if (c->minutes == 0)
			minutes += l->minutes;
	}
	root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:o, s:{s:i}}",
	    "id", c->id, "title", c->title, "summary", c->summary, "language", c->language,
	    "version", c->version, "passing_score", c->passing_score,
	    "feedback", c->feedback_end ? "end" : "immediate", "minutes", minutes,
	    "lessons", lessons, "quiz", "questions", (int)c->nquestions);
	/* only a course with a pre-test says so: older boxes' packs stay as they were */
	if (root != NULL && c->pretest != NULL &&
	    json_object_set_new(root, "pretest", json_pack("{s:i, s:b}", "questions",
		(int)c->npre, "skippable", c->pretest_skippable)) != 0) {
		json_decref(root);
		return PB_ERR_NOMEM;
	}
	return build__dump(root, out, outlen);
nomem:
	json_decref(lessons);
	return PB_ERR_NOMEM;
}

/* quiz.json's form of n questions. */
static pb_err
build__questions_json(const struct course_question *v, size_t n, char **out, size_t *outlen)
{
	json_t *qs = json_array(), *root;
	size_t i, j;

	if (qs == NULL)
		return PB_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		const struct course_question *q = &v[i];
		json_t *choices = json_array(), *o;

		for (j = 0; choices != NULL && j < q->nchoices; j++) {
			char id[2] = {(char)('a' + j), '\0'};

			if (json_array_append_new(choices, json_pack("{s:s, s:s, s:b}", "id", id, "text",
			    q->choices[j].text, "correct", q->choices[j].correct)) != 0) {
				json_decref(choices);
				choices = NULL;
			}
		}
		o = json_pack("{s:s, s:s, s:s, s:o, s:s}", "id", q->id, "type",
		    q->multiple ? "multiple" : "single", "text", q->text, "choices", choices,
		    "explanation", q->explanation);
		if (json_array_append_new(qs, o) != 0) {
			json_decref(qs);
			return PB_ERR_NOMEM;
		}
	}
	root = json_pack("{s:o}", "questions", qs);
	return build__dump(root, out, outlen);
}

pb_err
build_quiz_json(const struct course *c, char **out, size_t *outlen)
{
	return build__questions_json(c->questions, c->nquestions, out, outlen);
}

pb_err
build_pretest_json(const struct course *c, char **out, size_t *outlen)
{
	return build__questions_json(c->pre_questions, c->npre, out, outlen);
}

size_t
build_manifest_count(const struct pack *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += strcmp(p->v[i].path, "manifest.json") != 0 &&
		    strcmp(p->v[i].path, "manifest.sig") != 0;
	return n;
}

pb_err
build_manifest(const struct pack *p, const char *id, const char *version, const char *title,
    int dev, char **out, size_t *outlen)
{
	struct pack sorted = *p;
	struct pack_entry *copy = NULL;
	json_t *files = json_array(), *root;
	size_t i;

	*out = NULL;
	if (files == NULL || (p->n > 0 && (copy = malloc(p->n * sizeof(*copy))) == NULL))
		goto nomem;
	if (p->n > 0)
		memcpy(copy, p->v, p->n * sizeof(*copy));
	sorted.v = copy;
	pack_sort(&sorted);
	for (i = 0; i < sorted.n; i++) {
		const struct pack_entry *e = &sorted.v[i];
		char hex[65];

		if (strcmp(e->path, "manifest.json") == 0 || strcmp(e->path, "manifest.sig") == 0)
			continue;
		util_sha256_hex(hex, e->data, e->len);
		if (json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "path", e->path,
		    "size", (json_int_t)e->len, "sha256", hex)) != 0)
			goto nomem;
	}
	free(copy);
	root = json_pack("{s:i, s:s, s:s, s:s, s:b, s:o}", "format", BUILD_FORMAT, "id", id,
	    "version", version, "title", title, "dev", dev, "files", files);
	return build__dump(root, out, outlen);
nomem:
	free(copy);
	json_decref(files);
	return PB_ERR_NOMEM;
}

pb_err
build_pack(const struct course *c, const char *dir, int dev, struct pack *p, char *err,
    size_t errlen)
{
	char *text = NULL, *full = NULL;
	size_t len, i;
	pb_err rc;

	snprintf(err, errlen, "%s", TR("memori habis", "out of memory"));
	if ((rc = build_course_json(c, &text, &len)) != PB_OK ||
	    (rc = pack_put_owned(p, "course.json", text, len)) != PB_OK)
		return rc;
	if ((rc = build_quiz_json(c, &text, &len)) != PB_OK ||
	    (rc = pack_put_owned(p, "quiz.json", text, len)) != PB_OK)
		return rc;
	if (c->pretest != NULL && ((rc = build_pretest_json(c, &text, &len)) != PB_OK ||
	    (rc = pack_put_owned(p, "pretest.json", text, len)) != PB_OK))
		return rc;
	for (i = 0; i < c->nlessons; i++) {
		char name[128];

		snprintf(name, sizeof(name), "lessons/%s.html", c->lessons[i].id);
		if ((rc = pack_put(p, name, c->lessons[i].html, strlen(c->lessons[i].html))) != PB_OK)
			return rc;
	}
	for (i = 0; i < c->nmedia; i++) {
		if ((full = relpath_join(dir, c->media[i])) == NULL)
			return PB_ERR_NOMEM;
		rc = fs_read_file(full, COURSE_MAX_MEDIA, &text, &len);
		if (rc != PB_OK) {
			snprintf(err, errlen, "%s: %s", full, rc == PB_ERR_IO ? strerror(errno) :
			    pb_strerror(rc));
			free(full);
			return rc;
		}
		free(full);
		if ((rc = pack_put_owned(p, c->media[i], text, len)) != PB_OK)
			return rc;
	}
	if ((rc = build_manifest(p, c->id, c->version, c->title, dev, &text, &len)) != PB_OK)
		return rc;
	return pack_put_owned(p, "manifest.json", text, len);
}
