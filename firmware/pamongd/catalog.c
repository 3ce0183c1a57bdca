/* catalog.c — see catalog.h.
 *
 * Layout under packs_dir:
 *   <id>/<version>/...      an installed version (the pack's files)
 *   <id>/current -> <version>
 *   .tmp-XXXXXX/            a pack being unpacked; removed at start-up
 *
 * Installing unpacks the archive with our own checks on every entry (only
 * regular files and directories under the names the format allows, no
 * absolute paths, no "..", no links), hashing each file while writing it,
 * then checks the manifest's signature, sizes and hashes and parses the
 * course before anything outside the temporary directory is touched.
 *
 * Snapshots and the courses in them are refcounted under one mutex; a course
 * unchanged by an install is shared by the old and the new snapshot. */
#include "catalog.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "packfmt.h"
#include "util.h"

#define CAT_MAX_TOTAL   (512ULL * 1024 * 1024) /* unpacked bytes per pack */
#define CAT_MAX_ENTRIES 10000                  /* archive entries per pack */
#define CAT_MAX_LESSONS 50
#define CAT_MAX_QUESTIONS 50
#define CAT_MIN_CHOICES 2
#define CAT_MAX_CHOICES 8
#define CAT_ERRLEN      256

struct cat__course {
	struct cat_course pub; /* first: readers see only this */
	int refs;              /* snapshots holding it; under catalog.lock */
};

struct cat__snap {
	struct cat_snapshot pub; /* first: readers see only this */
	int refs;                /* readers + the catalog's own; under catalog.lock */
};

struct catalog {
	char *dir;                     /* realpath of packs_dir */
	char *keys_path;               /* trusted keys file or NULL */
	int dev_mode;
	pthread_mutex_t lock;          /* snap pointer and every refcount */
	pthread_mutex_t install_lock;  /* one install at a time */
	struct cat__snap *snap;        /* current snapshot */
};

/* One file unpacked from a pack or listed in its manifest. */
struct cat__file {
	char *path;
	unsigned long long size;
	char sha[65];
	int seen;
};

struct cat__files {
	struct cat__file *v;
	size_t n, cap;
};

struct cat__manifest {
	char id[64];
	char version[32];
	int dev;
	struct cat__files files;
};

static int
cat__is_manifest(const char *p)
{
	return strcmp(p, "manifest.json") == 0 || strcmp(p, "manifest.sig") == 0;
}

/* Whether a (safe) path is one the pack format allows. */
static int
cat__allowed_path(const char *p, int is_dir)
{
	if (strncmp(p, "lessons/", 8) == 0 || strncmp(p, "media/", 6) == 0)
		return 1;
	if (is_dir)
		return strcmp(p, "lessons") == 0 || strcmp(p, "media") == 0;
	return cat__is_manifest(p) || strcmp(p, "course.json") == 0 ||
	    strcmp(p, "quiz.json") == 0;
}

/* ---- file lists ---- */

static void
cat__files_free(struct cat__files *fl)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		free(fl->v[i].path);
	free(fl->v);
	memset(fl, 0, sizeof(*fl));
}

static pb_err
cat__files_add(struct cat__files *fl, const char *path, unsigned long long size,
    const char *sha)
{
	struct cat__file *f;

	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 32;
		struct cat__file *v = realloc(fl->v, cap * sizeof(*v));

		if (v == NULL)
			return PB_ERR_NOMEM;
		fl->v = v;
		fl->cap = cap;
	}
	f = &fl->v[fl->n];
	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL)
		return PB_ERR_NOMEM;
	f->size = size;
	snprintf(f->sha, sizeof(f->sha), "%s", sha);
	fl->n++;
	return PB_OK;
}

static int
cat__file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cat__file *)a)->path,
	    ((const struct cat__file *)b)->path);
}

static struct cat__file *
cat__files_find(struct cat__files *fl, const char *path)
{
	struct cat__file key;

	key.path = (char *)(uintptr_t)path;
	if (fl->n == 0)
		return NULL;
	return bsearch(&key, fl->v, fl->n, sizeof(*fl->v), cat__file_cmp);
}

/* ---- courses ---- */

static void
cat__course_free(struct cat_course *c)
{
	int i, j;

	if (c == NULL)
		return;
	free(c->title);
	free(c->summary);
	free(c->dir);
	for (i = 0; i < c->nlessons; i++) {
		free(c->lessons[i].title);
		free(c->lessons[i].file);
	}
	free(c->lessons);
	for (i = 0; i < c->nquestions; i++) {
		struct cat_question *q = &c->questions[i];

		free(q->text);
		free(q->explanation);
		for (j = 0; j < q->nchoices; j++)
			free(q->choices[j].text);
		free(q->choices);
	}
	free(c->questions);
	free((struct cat__course *)c);
}

/* Copy a required (def == NULL) or optional string member. */
static pb_err
cat__jdup(const json_t *o, const char *key, const char *def, char **out)
{
	const char *s = packfmt_jstr(o, key);

	if (s == NULL && json_object_get(o, key) != NULL)
		return PB_ERR_INVALID; /* present but not a string */
	if (s == NULL)
		s = def;
	if (s == NULL)
		return PB_ERR_INVALID;
	return (*out = strdup(s)) == NULL ? PB_ERR_NOMEM : PB_OK;
}

/* An optional integer member within [min, max]. */
static int
cat__jint(const json_t *o, const char *key, int def, int min, int max, int *out)
{
	const json_t *v = json_object_get(o, key);
	json_int_t i;

	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v))
		return -1;
	i = json_integer_value(v);
	if (i < min || i > max)
		return -1;
	*out = (int)i;
	return 0;
}

static pb_err
cat__parse_lessons(struct cat_course *c, const json_t *arr, const char *root, char *err,
    size_t errlen)
{
	size_t i, j, n = json_array_size(arr);

	if (!json_is_array(arr) || n < 1 || n > CAT_MAX_LESSONS)
		return packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "course.json: lessons must be a list of 1..%d", CAT_MAX_LESSONS);
	if ((c->lessons = calloc(n, sizeof(*c->lessons))) == NULL)
		return PB_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		const json_t *l = json_array_get(arr, i), *media;
		struct cat_lesson *cl = &c->lessons[i];
		const char *id = packfmt_jstr(l, "id");

		c->nlessons = (int)i + 1;
		if (!json_is_object(l) || id == NULL || !packfmt_valid_id(id, sizeof(cl->id) - 1))
			return packfmt_fail(err, errlen, PB_ERR_INVALID,
			    "course.json: lesson %zu: bad or missing id", i + 1);
		snprintf(cl->id, sizeof(cl->id), "%s", id);
		for (j = 0; j < i; j++)
			if (strcmp(c->lessons[j].id, id) == 0)
				return packfmt_fail(err, errlen, PB_ERR_INVALID,
				    "course.json: duplicate lesson %s", id);
		if (cat__jdup(l, "title", NULL, &cl->title) != PB_OK ||
		    cat__jdup(l, "file", NULL, &cl->file) != PB_OK ||
		    cat__jint(l, "minutes", 0, 0, 100000, &cl->minutes) < 0)
			return packfmt_fail(err, errlen, PB_ERR_INVALID,
			    "course.json: lesson %s: bad or missing title, file or minutes", id);
		if (!packfmt_safe_path(cl->file) || strncmp(cl->file, "lessons/", 8) != 0)
			return packfmt_fail(err, errlen, PB_ERR_INVALID,
			    "course.json: lesson %s: unsafe file %s", id, cl->file);
		if (!packfmt_is_file(root, cl->file))
			return packfmt_fail(err, errlen, PB_ERR_INVALID,
			    "course.json: lesson %s: %s missing", id, cl->file);
		media = json_object_get(l, "media");
		for (j = 0; j < json_array_size(media); j++) {
			const char *m = json_string_value(json_array_get(media, j));

			if (m == NULL || !packfmt_safe_path(m) || strncmp(m, "media/", 6) != 0 ||
			    !packfmt_is_file(root, m))
				return packfmt_fail(err, errlen, PB_ERR_INVALID,
				    "course.json: lesson %s: media %s missing or unsafe", id,
				    m ? m : "?");
		}
	}
	return PB_OK;
}

static pb_err
cat__parse_question(struct cat_question *q, const json_t *o, size_t idx, char *err,
    size_t errlen)
{
	const char *id = packfmt_jstr(o, "id"), *type = packfmt_jstr(o, "type");
	const json_t *choices = json_object_get(o, "choices");
	size_t i, n = json_array_size(choices);
	int ncorrect = 0;

	if (!json_is_object(o) || id == NULL || !packfmt_valid_id(id, sizeof(q->id) - 1))
		return packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "quiz.json: question %zu: bad or missing id", idx + 1);
	snprintf(q->id, sizeof(q->id), "%s", id);
	if (type != NULL && strcmp(type, "single") == 0)
		q->multiple = 0;
	else if (type != NULL && strcmp(type, "multiple") == 0)
		q->multiple = 1;
	else
		return packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "quiz.json: %s: type must be single or multiple", id);
	if (cat__jdup(o, "text", NULL, &q->text) != PB_OK ||
	    cat__jdup(o, "explanation", "", &q->explanation) != PB_OK)
		return packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "quiz.json: %s: bad or missing text or explanation", id);
	if (!json_is_array(choices) || n < CAT_MIN_CHOICES || n > CAT_MAX_CHOICES)
		return packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "quiz.json: %s: needs %d..%d choices", id, CAT_MIN_CHOICES,
		    CAT_MAX_CHOICES);
	if ((q->choices = calloc(n, sizeof(*q->choices))) == NULL)
		return PB_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		const json_t *ch = json_array_get(choices, i), *corr;
		struct cat_choice *cc = &q->choices[i];
		const char *cid;

		q->nchoices = (int)i + 1;
		cc->id[0] = (char)('a' + i);
		cid = packfmt_jstr(ch, "id");
		corr = json_object_get(ch, "correct");
		if (!json_is_object(ch) || (cid != NULL && strcmp(cid, cc->id) != 0) ||
		    (corr != NULL && !json_is_boolean(corr)) ||
		    cat__jdup(ch, "text", NULL, &cc->text) != PB_OK)
			return packfmt_fail(err, errlen, PB_ERR_INVALID,
			    "quiz.json: %s: choice %s is malformed", id, cc->id);
		cc->correct = json_is_true(corr);
		ncorrect += cc->correct;
	}
	if (ncorrect == 0 || (!q->multiple && ncorrect != 1))
		return packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "quiz.json: %s: %s", id, ncorrect == 0 ? "no correct choice" :
		    "a single-choice question needs exactly one correct choice");
	return PB_OK;
}

static pb_err
cat__parse_quiz(struct cat_course *c, const json_t *quiz, char *err, size_t errlen)
{
	const json_t *arr = json_object_get(quiz, "questions");
	size_t i, j, n = json_array_size(arr);
	pb_err rc;

	if (!json_is_array(arr) || n < 1 || n > CAT_MAX_QUESTIONS)
		return packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "quiz.json: questions must be a list of 1..%d", CAT_MAX_QUESTIONS);
	if ((c->questions = calloc(n, sizeof(*c->questions))) == NULL)
		return PB_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		c->nquestions = (int)i + 1;
		rc = cat__parse_question(&c->questions[i], json_array_get(arr, i), i, err,
		    errlen);
		if (rc != PB_OK)
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(c->questions[j].id, c->questions[i].id) == 0)
				return packfmt_fail(err, errlen, PB_ERR_INVALID,
				    "quiz.json: duplicate question %s", c->questions[i].id);
	}
	return PB_OK;
}

/* Read root/course.json and root/quiz.json into a new course (refs 0). */
static pb_err
cat__course_load(const char *root, struct cat__course **out, char *err, size_t errlen)
{
	json_t *course = NULL, *quiz = NULL;
	struct cat__course *cc;
	struct cat_course *c;
	const char *id, *ver, *lang, *fb;
	long v[3];
	pb_err rc;

	*out = NULL;
	if ((cc = calloc(1, sizeof(*cc))) == NULL)
		return PB_ERR_NOMEM;
	c = &cc->pub;
	if ((rc = packfmt_load_json(root, "course.json", &course, err, errlen)) != PB_OK ||
	    (rc = packfmt_load_json(root, "quiz.json", &quiz, err, errlen)) != PB_OK)
		goto out;
	rc = PB_ERR_INVALID;
	id = packfmt_jstr(course, "id");
	ver = packfmt_jstr(course, "version");
	lang = packfmt_jstr(course, "language");
	fb = packfmt_jstr(course, "feedback");
	if (id == NULL || !packfmt_valid_id(id, sizeof(c->id) - 1)) {
		packfmt_fail(err, errlen, rc, "course.json: bad or missing id");
		goto out;
	}
	if (ver == NULL || strlen(ver) >= sizeof(c->version) ||
	    packfmt_parse_version(ver, v) < 0) {
		packfmt_fail(err, errlen, rc, "course.json: bad or missing version");
		goto out;
	}
	if (lang != NULL && (strlen(lang) == 0 || strlen(lang) >= sizeof(c->language))) {
		packfmt_fail(err, errlen, rc, "course.json: bad language");
		goto out;
	}
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->version, sizeof(c->version), "%s", ver);
	snprintf(c->language, sizeof(c->language), "%s", lang ? lang : "id");
	if (fb == NULL || strcmp(fb, "immediate") == 0) {
		c->feedback_end = 0;
	} else if (strcmp(fb, "end") == 0) {
		c->feedback_end = 1;
	} else {
		packfmt_fail(err, errlen, rc, "course.json: feedback must be immediate or end");
		goto out;
	}
	if ((rc = cat__jdup(course, "title", NULL, &c->title)) != PB_OK ||
	    (rc = cat__jdup(course, "summary", "", &c->summary)) != PB_OK) {
		packfmt_fail(err, errlen, rc, "course.json: bad or missing title or summary");
		goto out;
	}
	if (cat__jint(course, "passing_score", 70, 0, 100, &c->passing_score) < 0 ||
	    cat__jint(course, "minutes", 0, 0, 1000000, &c->minutes) < 0) {
		rc = packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "course.json: bad passing_score or minutes");
		goto out;
	}
	if ((rc = cat__parse_lessons(c, json_object_get(course, "lessons"), root, err,
	    errlen)) != PB_OK)
		goto out;
	if ((rc = cat__parse_quiz(c, quiz, err, errlen)) != PB_OK)
		goto out;
	if ((c->dir = strdup(root)) == NULL) {
		rc = PB_ERR_NOMEM;
		goto out;
	}
	*out = cc;
	cc = NULL;
	rc = PB_OK;
out:
	if (rc == PB_ERR_NOMEM)
		packfmt_fail(err, errlen, rc, "out of memory");
	if (cc != NULL)
		cat__course_free(&cc->pub);
	json_decref(course);
	json_decref(quiz);
	return rc;
}

/* ---- snapshots ---- */

/* Drop one reference; lock held. */
static void
cat__snap_unref(struct cat__snap *s)
{
	int i;

	if (s == NULL || --s->refs > 0)
		return;
	for (i = 0; i < s->pub.ncourses; i++) {
		struct cat__course *c = (struct cat__course *)s->pub.courses[i];

		if (--c->refs == 0)
			cat__course_free(&c->pub);
	}
	free(s->pub.courses);
	free(s);
}

static int
cat__course_cmp(const void *a, const void *b)
{
	return strcmp((*(struct cat_course *const *)a)->id,
	    (*(struct cat_course *const *)b)->id);
}

/* A new snapshot from courses (sorted here), taking a reference on each. */
static struct cat__snap *
cat__snap_new(struct cat_course **courses, int n)
{
	struct cat__snap *s = calloc(1, sizeof(*s));
	int i;

	if (s == NULL)
		return NULL;
	if (n > 0 && (s->pub.courses = calloc((size_t)n, sizeof(*courses))) == NULL) {
		free(s);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		s->pub.courses[i] = courses[i];
		((struct cat__course *)courses[i])->refs++;
	}
	s->pub.ncourses = n;
	if (n > 1)
		qsort(s->pub.courses, (size_t)n, sizeof(*courses), cat__course_cmp);
	s->refs = 1;
	return s;
}

/* Publish a snapshot with nc added (or replacing the course of the same id). */
static pb_err
cat__publish(struct catalog *cat, struct cat__course *nc)
{
	struct cat_course **v;
	struct cat__snap *old, *s;
	int i, n = 0;
	pb_err rc = PB_ERR_NOMEM;

	pthread_mutex_lock(&cat->lock);
	old = cat->snap;
	if ((v = calloc((size_t)old->pub.ncourses + 1, sizeof(*v))) == NULL)
		goto out;
	for (i = 0; i < old->pub.ncourses; i++)
		if (strcmp(old->pub.courses[i]->id, nc->pub.id) != 0)
			v[n++] = old->pub.courses[i];
	v[n++] = &nc->pub;
	if ((s = cat__snap_new(v, n)) == NULL)
		goto out;
	cat->snap = s;
	cat__snap_unref(old);
	rc = PB_OK;
out:
	pthread_mutex_unlock(&cat->lock);
	free(v);
	return rc;
}

const struct cat_snapshot *
catalog_acquire(struct catalog *cat)
{
	struct cat__snap *s;

	pthread_mutex_lock(&cat->lock);
	s = cat->snap;
	s->refs++;
	pthread_mutex_unlock(&cat->lock);
	return &s->pub;
}

void
catalog_release(struct catalog *cat, const struct cat_snapshot *snap)
{
	if (snap == NULL)
		return;
	pthread_mutex_lock(&cat->lock);
	cat__snap_unref((struct cat__snap *)(uintptr_t)snap);
	pthread_mutex_unlock(&cat->lock);
}

const struct cat_course *
cat_course_find(const struct cat_snapshot *snap, const char *id)
{
	struct cat_course key, *kp = &key, **found;

	if (snap == NULL || id == NULL || snap->ncourses == 0 ||
	    strlen(id) >= sizeof(key.id))
		return NULL;
	snprintf(key.id, sizeof(key.id), "%s", id);
	found = bsearch(&kp, snap->courses, (size_t)snap->ncourses, sizeof(*found),
	    cat__course_cmp);
	return found ? *found : NULL;
}

int
cat_lesson_index(const struct cat_course *c, const char *lesson_id)
{
	int i;

	if (c == NULL || lesson_id == NULL)
		return -1;
	for (i = 0; i < c->nlessons; i++)
		if (strcmp(c->lessons[i].id, lesson_id) == 0)
			return i;
	return -1;
}

const struct cat_question *
cat_question_find(const struct cat_course *c, const char *qid)
{
	int i;

	if (c == NULL || qid == NULL)
		return NULL;
	for (i = 0; i < c->nquestions; i++)
		if (strcmp(c->questions[i].id, qid) == 0)
			return &c->questions[i];
	return NULL;
}

/* ---- installed packs on disk ---- */

/* Remove every version dir of iddir except keep1 and keep2 (may be NULL). */
static void
cat__prune(const char *iddir, const char *keep1, const char *keep2)
{
	char path[PATH_MAX];
	struct dirent *de;
	long v[3];
	DIR *d;

	if ((d = opendir(iddir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (packfmt_parse_version(de->d_name, v) < 0 ||
		    (keep1 && strcmp(de->d_name, keep1) == 0) ||
		    (keep2 && strcmp(de->d_name, keep2) == 0))
			continue;
		if (packfmt_join(path, iddir, de->d_name) < 0)
			continue;
		if (fs_remove_tree(path) != PB_OK)
			log_warn("cannot remove old version %s", path);
		else
			log_debug("removed old version %s", path);
	}
	closedir(d);
}

/* The highest version dir in iddir below cur, into out (empty if none). */
static void
cat__previous(const char *iddir, const char *cur, char *out, size_t outlen)
{
	struct dirent *de;
	long v[3];
	DIR *d;

	out[0] = '\0';
	if ((d = opendir(iddir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (packfmt_parse_version(de->d_name, v) < 0 ||
		    packfmt_vercmp(de->d_name, cur) >= 0 ||
		    strlen(de->d_name) >= outlen)
			continue;
		if (out[0] == '\0' || packfmt_vercmp(de->d_name, out) > 0)
			snprintf(out, outlen, "%s", de->d_name);
	}
	closedir(d);
}

/* Load the current version of packs_dir/id. */
static pb_err
cat__load_installed(struct catalog *cat, const char *id, struct cat__course **out,
    char *err, size_t errlen)
{
	char iddir[PATH_MAX], path[PATH_MAX], cur[PATH_MAX], ver[64], prev[64];
	long v[3];
	ssize_t n;
	pb_err rc;

	*out = NULL;
	if (packfmt_join(iddir, cat->dir, id) < 0 || packfmt_join(path, iddir, "current.tmp") < 0 ||
	    packfmt_join(cur, iddir, "current") < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "path too long");
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("cannot remove %s", path);
	if ((n = readlink(cur, ver, sizeof(ver) - 1)) < 0)
		return packfmt_fail(err, errlen, PB_ERR_NOTFOUND, "no current version: %s",
		    strerror(errno));
	ver[n] = '\0';
	if (packfmt_parse_version(ver, v) < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "current -> %s is not a version",
		    ver);
	if (packfmt_join(path, iddir, ver) < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "path too long");
	if ((rc = cat__course_load(path, out, err, errlen)) != PB_OK)
		return rc;
	if (strcmp((*out)->pub.id, id) != 0 || strcmp((*out)->pub.version, ver) != 0) {
		cat__course_free(&(*out)->pub);
		*out = NULL;
		return packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "course.json does not match %s/%s", id, ver);
	}
	cat__previous(iddir, ver, prev, sizeof(prev));
	cat__prune(iddir, ver, prev[0] ? prev : NULL);
	return PB_OK;
}

pb_err
catalog_open(const struct catalog_opts *opts, struct catalog **out)
{
	struct cat_course **v = NULL;
	struct catalog *cat;
	struct dirent *de;
	char path[PATH_MAX], err[CAT_ERRLEN];
	size_t n = 0, cap = 0;
	DIR *d = NULL;
	pb_err rc;

	*out = NULL;
	if (opts == NULL || opts->packs_dir == NULL)
		return PB_ERR_INVALID;
	if ((cat = calloc(1, sizeof(*cat))) == NULL)
		return PB_ERR_NOMEM;
	pthread_mutex_init(&cat->lock, NULL);
	pthread_mutex_init(&cat->install_lock, NULL);
	cat->dev_mode = opts->dev_mode;
	if ((rc = fs_mkdirs(opts->packs_dir, 0755)) != PB_OK) {
		log_warn("cannot create %s", opts->packs_dir);
		goto out;
	}
	rc = PB_ERR_IO;
	if ((cat->dir = realpath(opts->packs_dir, NULL)) == NULL) {
		log_warn("%s", opts->packs_dir);
		goto out;
	}
	rc = PB_ERR_NOMEM;
	if (opts->trusted_keys != NULL && (cat->keys_path = strdup(opts->trusted_keys)) == NULL)
		goto out;
	rc = PB_ERR_IO;
	if ((d = opendir(cat->dir)) == NULL) {
		log_warn("%s", cat->dir);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		struct cat__course *c;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (packfmt_join(path, cat->dir, de->d_name) < 0)
			continue;
		if (strncmp(de->d_name, ".tmp-", 5) == 0) {
			log_info("removing unfinished install %s", path);
			if (fs_remove_tree(path) != PB_OK)
				log_warn("cannot remove %s", path);
			continue;
		}
		if (!packfmt_valid_id(de->d_name, sizeof(((struct cat_course *)0)->id) - 1) ||
		    lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (cat__load_installed(cat, de->d_name, &c, err, sizeof(err)) != PB_OK) {
			log_warnx("pack %s: %s; not served", de->d_name, err);
			continue;
		}
		if (n == cap) {
			struct cat_course **nv;

			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				cat__course_free(&c->pub);
				rc = PB_ERR_NOMEM;
				goto out;
			}
			v = nv;
		}
		v[n++] = &c->pub;
		log_debug("loaded %s %s", c->pub.id, c->pub.version);
	}
	rc = PB_ERR_NOMEM;
	if ((cat->snap = cat__snap_new(v, (int)n)) == NULL)
		goto out;
	log_info("%zu course%s installed in %s", n, n == 1 ? "" : "s", cat->dir);
	*out = cat;
	cat = NULL;
	rc = PB_OK;
out:
	if (d != NULL)
		closedir(d);
	if (cat != NULL) {
		size_t i;

		for (i = 0; i < n; i++)
			cat__course_free(v[i]);
		catalog_close(cat);
	}
	free(v);
	return rc;
}

void
catalog_close(struct catalog *cat)
{
	if (cat == NULL)
		return;
	pthread_mutex_lock(&cat->lock);
	cat__snap_unref(cat->snap);
	cat->snap = NULL;
	pthread_mutex_unlock(&cat->lock);
	pthread_mutex_destroy(&cat->lock);
	pthread_mutex_destroy(&cat->install_lock);
	free(cat->dir);
	free(cat->keys_path);
	free(cat);
}

/* ---- installing ---- */

/* mkdir every parent of rel inside root. */
static int
cat__mkparents(const char *root, const char *rel, int self)
{
	char path[PATH_MAX];
	size_t base = strlen(root) + 1, i, n;

	if (packfmt_join(path, root, rel) < 0)
		return -1;
	n = strlen(path);
	for (i = base; i <= n; i++) {
		if (path[i] != '/' && !(self && path[i] == '\0'))
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		if (i < n)
			path[i] = '/';
	}
	return 0;
}

/* Copy the current entry's data to root/rel, hashing it. */
static pb_err
cat__extract_file(struct archive *a, const char *root, const char *rel,
    unsigned long long *total, struct cat__files *got, char *err, size_t errlen)
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	char path[PATH_MAX], hex[65];
	static char buf[65536]; /* installs are serialized by install_lock */
	unsigned long long size = 0;
	pb_err rc = PB_ERR_IO;
	int fd = -1;

	if (cat__mkparents(root, rel, 0) < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: cannot create: %s", rel,
		    strerror(errno));
	if (packfmt_join(path, root, rel) < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: path too long", rel);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644)) < 0) {
		if (errno == EEXIST)
			return packfmt_fail(err, errlen, PB_ERR_INVALID, "duplicate entry %s", rel);
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: cannot create: %s", rel,
		    strerror(errno));
	}
	crypto_hash_sha256_init(&st);
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
		const char *p = buf;
		size_t left;

		if (n == 0)
			break;
		if (n < 0) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: %s", rel,
			    archive_error_string(a));
			goto out;
		}
		size += (unsigned long long)n;
		*total += (unsigned long long)n;
		if (*total > CAT_MAX_TOTAL) {
			rc = packfmt_fail(err, errlen, PB_ERR_LIMIT,
			    "pack is larger than %llu MB unpacked", CAT_MAX_TOTAL >> 20);
			goto out;
		}
		crypto_hash_sha256_update(&st, (const unsigned char *)buf,
		    (unsigned long long)n);
		for (left = (size_t)n; left > 0;) {
			ssize_t w = write(fd, p, left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = packfmt_fail(err, errlen, PB_ERR_IO, "%s: write: %s", rel,
				    strerror(errno));
				goto out;
			}
			p += w;
			left -= (size_t)w;
		}
	}
	if (fsync(fd) < 0) {
		rc = packfmt_fail(err, errlen, PB_ERR_IO, "%s: fsync: %s", rel, strerror(errno));
		goto out;
	}
	crypto_hash_sha256_final(&st, h);
	util_hex(hex, h, sizeof(h));
	if ((rc = cat__files_add(got, rel, size, hex)) != PB_OK)
		packfmt_fail(err, errlen, rc, "out of memory");
out:
	if (close(fd) < 0 && rc == PB_OK)
		rc = packfmt_fail(err, errlen, PB_ERR_IO, "%s: close: %s", rel, strerror(errno));
	return rc;
}

/* Unpack pack into root (an empty dir), refusing anything unsafe. The files
 * written, with sizes and hashes, go into got (sorted by path). */
static pb_err
cat__extract(const char *pack, const char *root, struct cat__files *got, char *err,
    size_t errlen)
{
	struct archive *a;
	struct archive_entry *e;
	unsigned long long total = 0;
	char rel[PACKFMT_MAX_RELPATH + 8];
	int nentries = 0, r;
	pb_err rc = PB_ERR_NOMEM;

	if ((a = archive_read_new()) == NULL)
		return packfmt_fail(err, errlen, rc, "out of memory");
	if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK) {
		rc = packfmt_fail(err, errlen, PB_ERR_STATE, "libarchive: %s",
		    archive_error_string(a));
		goto out;
	}
	if (archive_read_open_filename(a, pack, 65536) != ARCHIVE_OK) {
		rc = packfmt_fail(err, errlen, errno == ENOENT ? PB_ERR_NOTFOUND : PB_ERR_INVALID,
		    "cannot read pack: %s", archive_error_string(a));
		goto out;
	}
	for (;;) {
		const char *name, *p;
		size_t len;
		int isdir;

		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "not a valid pack: %s",
			    archive_error_string(a));
			goto out;
		}
		if (++nentries > CAT_MAX_ENTRIES) {
			rc = packfmt_fail(err, errlen, PB_ERR_LIMIT, "more than %d entries",
			    CAT_MAX_ENTRIES);
			goto out;
		}
		if ((name = archive_entry_pathname(e)) == NULL) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "entry without a name");
			goto out;
		}
		p = strncmp(name, "./", 2) == 0 ? name + 2 : name;
		isdir = archive_entry_filetype(e) == AE_IFDIR;
		len = strlen(p);
		if (len >= sizeof(rel)) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "unsafe path %.64s...", p);
			goto out;
		}
		memcpy(rel, p, len + 1);
		while (isdir && len > 0 && rel[len - 1] == '/')
			rel[--len] = '\0';
		if (isdir && len == 0)
			continue; /* "./" */
		if (!packfmt_safe_path(rel)) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "unsafe path %s", name);
			goto out;
		}
		if (archive_entry_hardlink(e) != NULL || archive_entry_symlink(e) != NULL ||
		    (!isdir && archive_entry_filetype(e) != AE_IFREG)) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID,
			    "unsafe entry %s: not a regular file or directory", rel);
			goto out;
		}
		if (!cat__allowed_path(rel, isdir)) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "unexpected file %s", rel);
			goto out;
		}
		if (isdir) {
			if (cat__mkparents(root, rel, 1) < 0) {
				rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: cannot create: %s",
				    rel, strerror(errno));
				goto out;
			}
			continue;
		}
		if (archive_entry_size(e) < 0 ||
		    total + (unsigned long long)archive_entry_size(e) > CAT_MAX_TOTAL) {
			rc = packfmt_fail(err, errlen, PB_ERR_LIMIT,
			    "pack is larger than %llu MB unpacked", CAT_MAX_TOTAL >> 20);
			goto out;
		}
		if ((rc = cat__extract_file(a, root, rel, &total, got, err, errlen)) != PB_OK)
			goto out;
	}
	if (got->n > 1)
		qsort(got->v, got->n, sizeof(*got->v), cat__file_cmp);
	rc = PB_OK;
out:
	archive_read_free(a);
	return rc;
}

static pb_err
cat__parse_manifest(const char *root, struct cat__manifest *m, char *err, size_t errlen)
{
	json_t *j = NULL, *files, *fmt, *dev;
	const char *id, *ver;
	size_t i;
	long v[3];
	pb_err rc;

	if ((rc = packfmt_load_json(root, "manifest.json", &j, err, errlen)) != PB_OK)
		return rc;
	rc = PB_ERR_INVALID;
	fmt = json_object_get(j, "format");
	id = packfmt_jstr(j, "id");
	ver = packfmt_jstr(j, "version");
	dev = json_object_get(j, "dev");
	files = json_object_get(j, "files");
	if (!json_is_integer(fmt) || json_integer_value(fmt) != 1) {
		packfmt_fail(err, errlen, rc, "manifest.json: unsupported format");
		goto out;
	}
	if (id == NULL || !packfmt_valid_id(id, sizeof(m->id) - 1)) {
		packfmt_fail(err, errlen, rc, "manifest.json: bad or missing id");
		goto out;
	}
	if (ver == NULL || strlen(ver) >= sizeof(m->version) ||
	    packfmt_parse_version(ver, v) < 0) {
		packfmt_fail(err, errlen, rc, "manifest.json: bad or missing version");
		goto out;
	}
	if (dev != NULL && !json_is_boolean(dev)) {
		packfmt_fail(err, errlen, rc, "manifest.json: dev must be true or false");
		goto out;
	}
	snprintf(m->id, sizeof(m->id), "%s", id);
	snprintf(m->version, sizeof(m->version), "%s", ver);
	m->dev = json_is_true(dev);
	if (!json_is_array(files)) {
		packfmt_fail(err, errlen, rc, "manifest.json: files missing");
		goto out;
	}
	for (i = 0; i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i), *size = json_object_get(f, "size");
		const char *path = packfmt_jstr(f, "path"), *sha = packfmt_jstr(f, "sha256");
		unsigned char raw[32];

		if (path == NULL || !packfmt_safe_path(path) || !cat__allowed_path(path, 0) ||
		    cat__is_manifest(path) || !json_is_integer(size) ||
		    json_integer_value(size) < 0 || sha == NULL || strlen(sha) != 64 ||
		    util_unhex(raw, sizeof(raw), sha) != PB_OK) {
			packfmt_fail(err, errlen, rc, "manifest.json: file %zu (%s) is malformed",
			    i + 1, path ? path : "?");
			goto out;
		}
		if (cat__files_add(&m->files, path, (unsigned long long)json_integer_value(size),
		    sha) != PB_OK) {
			rc = packfmt_fail(err, errlen, PB_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	rc = PB_OK;
out:
	json_decref(j);
	return rc;
}

/* Check manifest.sig against the trusted keys (or accept a dev pack). */
static pb_err
cat__check_signature(struct catalog *cat, const char *root, const struct cat__manifest *m,
    char *err, size_t errlen)
{
	unsigned char sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES];
	char path[PATH_MAX], *man = NULL, *sigtxt = NULL, *keys = NULL, *line, *save;
	size_t manlen, siglen;
	int nkeys = 0;
	pb_err rc = PB_ERR_CRYPTO;

	if (m->dev && cat->dev_mode) {
		log_info("pack %s %s: development pack, signature not checked", m->id,
		    m->version);
		return PB_OK;
	}
	if (packfmt_join(path, root, "manifest.sig") < 0 || !packfmt_is_file(root, "manifest.sig")) {
		return packfmt_fail(err, errlen, PB_ERR_CRYPTO, "pack is not signed%s",
		    m->dev ? " (development pack; the box is not in development mode)" : "");
	}
	if (fs_read_file(path, 4096, &sigtxt, &siglen) != PB_OK) {
		packfmt_fail(err, errlen, rc, "manifest.sig: cannot read");
		goto out;
	}
	while (siglen > 0 && strchr(" \t\r\n", sigtxt[siglen - 1]) != NULL)
		sigtxt[--siglen] = '\0';
	if (util_unhex(sig, sizeof(sig), sigtxt) != PB_OK) {
		packfmt_fail(err, errlen, rc, "manifest.sig: not a hex Ed25519 signature");
		goto out;
	}
	if (packfmt_join(path, root, "manifest.json") < 0 ||
	    fs_read_file(path, PACKFMT_MAX_JSON, &man, &manlen) != PB_OK) {
		packfmt_fail(err, errlen, rc, "manifest.json: cannot read");
		goto out;
	}
	if (cat->keys_path == NULL ||
	    fs_read_file(cat->keys_path, 1 << 20, &keys, NULL) != PB_OK) {
		packfmt_fail(err, errlen, rc, "signature does not verify (no trusted keys)");
		goto out;
	}
	for (line = strtok_r(keys, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *end;

		if (hash != NULL)
			*hash = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		end = line + strlen(line);
		while (end > line && strchr(" \t\r", end[-1]) != NULL)
			*--end = '\0';
		if (*line == '\0')
			continue;
		if (util_unhex(pk, sizeof(pk), line) != PB_OK) {
			log_warnx("%s: ignoring a line that is not a hex Ed25519 key",
			    cat->keys_path);
			continue;
		}
		nkeys++;
		if (crypto_sign_verify_detached(sig, (const unsigned char *)man, manlen,
		    pk) == 0) {
			rc = PB_OK;
			goto out;
		}
	}
	packfmt_fail(err, errlen, rc, "signature does not verify%s",
	    nkeys == 0 ? " (no trusted keys)" : "");
out:
	free(man);
	free(sigtxt);
	free(keys);
	return rc;
}

/* Every manifest file unpacked with its size and hash; nothing else unpacked. */
static pb_err
cat__check_files(struct cat__manifest *m, struct cat__files *got, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < m->files.n; i++) {
		struct cat__file *want = &m->files.v[i], *f = cat__files_find(got, want->path);

		if (f == NULL)
			return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: missing", want->path);
		if (f->seen)
			return packfmt_fail(err, errlen, PB_ERR_INVALID,
			    "manifest.json: %s listed twice", want->path);
		f->seen = 1;
		if (f->size != want->size)
			return packfmt_fail(err, errlen, PB_ERR_CRYPTO,
			    "%s: size mismatch (manifest %llu, pack %llu)", want->path,
			    want->size, f->size);
		if (strcasecmp(f->sha, want->sha) != 0)
			return packfmt_fail(err, errlen, PB_ERR_CRYPTO, "%s: SHA-256 mismatch",
			    want->path);
	}
	for (i = 0; i < got->n; i++)
		if (!got->v[i].seen && !cat__is_manifest(got->v[i].path))
			return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: not in the manifest",
			    got->v[i].path);
	return PB_OK;
}

static int
cat__sync_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	int fd, r;

	(void)st;
	(void)ftw;
	if (flag != FTW_D && flag != FTW_DP)
		return 0;
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* Move the verified tree tmp into place as packs_dir/id/version and point
 * current at it. On failure nothing served has changed. */
static pb_err
cat__commit(struct catalog *cat, const char *tmp, const struct cat__manifest *m,
    char vdir[PATH_MAX], char *err, size_t errlen)
{
	char iddir[PATH_MAX], link[PATH_MAX], cur[PATH_MAX];
	struct stat st;

	if (nftw(tmp, cat__sync_one, 16, FTW_PHYS | FTW_DEPTH) != 0)
		return packfmt_fail(err, errlen, PB_ERR_IO, "fsync: %s", strerror(errno));
	if (packfmt_join(iddir, cat->dir, m->id) < 0 || packfmt_join(vdir, iddir, m->version) < 0 ||
	    packfmt_join(link, iddir, "current.tmp") < 0 || packfmt_join(cur, iddir, "current") < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "path too long");
	if (fs_mkdirs(iddir, 0755) != PB_OK)
		return packfmt_fail(err, errlen, PB_ERR_IO, "%s: %s", iddir, strerror(errno));
	if (lstat(vdir, &st) == 0) {
		/* a stale dir (never current: current is older), e.g. a crash
		 * between rename and the symlink swap */
		log_info("removing stale %s", vdir);
		if (fs_remove_tree(vdir) != PB_OK)
			return packfmt_fail(err, errlen, PB_ERR_IO, "%s: %s", vdir,
			    strerror(errno));
	}
	if (rename(tmp, vdir) < 0)
		return packfmt_fail(err, errlen, PB_ERR_IO, "rename to %s: %s", vdir,
		    strerror(errno));
	if (fs_sync_dir(cat->dir) != PB_OK)
		goto fail;
	if ((unlink(link) < 0 && errno != ENOENT) || symlink(m->version, link) < 0 ||
	    rename(link, cur) < 0)
		goto fail;
	if (fs_sync_dir(iddir) != PB_OK)
		log_warn("fsync %s", iddir); /* the swap happened; keep it */
	return PB_OK;
fail:
	packfmt_fail(err, errlen, PB_ERR_IO, "cannot switch %s to %s: %s", m->id, m->version,
	    strerror(errno));
	unlink(link);
	fs_remove_tree(vdir);
	return PB_ERR_IO;
}

static pb_err
cat__install(struct catalog *cat, const char *pack, char *err, size_t errlen)
{
	struct cat__manifest m;
	struct cat__files got;
	struct cat__course *c = NULL;
	const struct cat_snapshot *snap;
	const struct cat_course *old;
	char tmp[PATH_MAX], vdir[PATH_MAX], prev[64];
	int have_tmp = 0;
	pb_err rc;

	memset(&m, 0, sizeof(m));
	memset(&got, 0, sizeof(got));
	prev[0] = '\0';
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", cat->dir) >= sizeof(tmp)) {
		rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "path too long");
		goto out;
	}
	if (mkdtemp(tmp) == NULL || chmod(tmp, 0755) < 0) {
		rc = packfmt_fail(err, errlen, PB_ERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	have_tmp = 1;
	if ((rc = cat__extract(pack, tmp, &got, err, errlen)) != PB_OK)
		goto out;
	if (cat__files_find(&got, "manifest.json") == NULL) {
		rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "manifest.json missing");
		goto out;
	}
	if ((rc = cat__parse_manifest(tmp, &m, err, errlen)) != PB_OK ||
	    (rc = cat__check_signature(cat, tmp, &m, err, errlen)) != PB_OK)
		goto out;
	/* installs are serialized, so the snapshot cannot change under us */
	snap = catalog_acquire(cat);
	if ((old = cat_course_find(snap, m.id)) != NULL) {
		snprintf(prev, sizeof(prev), "%s", old->version);
		if (packfmt_vercmp(m.version, old->version) <= 0) {
			rc = packfmt_fail(err, errlen, PB_ERR_EXISTS,
			    "%s %s is not newer than the installed %s", m.id, m.version,
			    old->version);
		}
	}
	catalog_release(cat, snap);
	if (rc != PB_OK)
		goto out;
	if ((rc = cat__check_files(&m, &got, err, errlen)) != PB_OK ||
	    (rc = cat__course_load(tmp, &c, err, errlen)) != PB_OK)
		goto out;
	if (strcmp(c->pub.id, m.id) != 0 || strcmp(c->pub.version, m.version) != 0) {
		rc = packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "course.json (%s %s) does not match manifest.json (%s %s)", c->pub.id,
		    c->pub.version, m.id, m.version);
		goto out;
	}
	if ((rc = cat__commit(cat, tmp, &m, vdir, err, errlen)) != PB_OK)
		goto out;
	have_tmp = 0;
	free(c->pub.dir);
	if ((c->pub.dir = strdup(vdir)) == NULL || (rc = cat__publish(cat, c)) != PB_OK) {
		/* on disk it is installed; the next start serves it */
		rc = packfmt_fail(err, errlen, PB_ERR_NOMEM, "out of memory");
		goto out;
	}
	c = NULL;
	if (packfmt_join(tmp, cat->dir, m.id) == 0)
		cat__prune(tmp, m.version, prev[0] ? prev : NULL);
	log_info("installed %s %s%s%s from %s", m.id, m.version, prev[0] ? " over " : "",
	    prev, pack);
	rc = PB_OK;
out:
	if (c != NULL)
		cat__course_free(&c->pub);
	if (have_tmp && fs_remove_tree(tmp) != PB_OK)
		log_warn("cannot remove %s", tmp);
	cat__files_free(&m.files);
	cat__files_free(&got);
	return rc;
}

pb_err
catalog_install(struct catalog *cat, const char *pack_path, char *err, size_t errlen)
{
	char ebuf[CAT_ERRLEN];
	pb_err rc;

	ebuf[0] = '\0';
	pthread_mutex_lock(&cat->install_lock);
	rc = cat__install(cat, pack_path, ebuf, sizeof(ebuf));
	pthread_mutex_unlock(&cat->install_lock);
	if (rc == PB_ERR_EXISTS)
		log_debug("pack %s skipped: %s", pack_path, ebuf);
	else if (rc != PB_OK)
		log_warnx("pack %s refused: %s", pack_path, ebuf);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", rc == PB_OK ? "" : ebuf);
	return rc;
}

static int
cat__strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
catalog_install_dir(struct catalog *cat, const char *dir)
{
	char **names = NULL, path[PATH_MAX];
	struct dirent *de;
	size_t n = 0, cap = 0, i;
	int installed = -1;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		log_warn("%s", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char *s;

		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".pack") != 0)
			continue;
		if (n == cap) {
			char **nv;

			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(names, cap * sizeof(*names))) == NULL)
				goto out;
			names = nv;
		}
		if ((s = strdup(de->d_name)) == NULL)
			goto out;
		names[n++] = s;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cat__strcmp);
	installed = 0;
	for (i = 0; i < n; i++) {
		if (packfmt_join(path, dir, names[i]) < 0)
			continue;
		if (catalog_install(cat, path, NULL, 0) == PB_OK)
			installed++;
	}
out:
	if (installed < 0)
		log_warnx("%s: out of memory", dir);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return installed;
}
