/* catalog.c — see catalog.h.
 *
 * The files under packs_dir are packinst.c's; this file reads the current
 * version of each course (course.json and quiz.json) and, when a pack is
 * installed, checks it is newer than the course served and parses it before
 * packinst swaps it in.
 *
 * Snapshots and the courses in them are refcounted under one mutex; a course
 * unchanged by an install is shared by the old and the new snapshot. */
#include "catalog.h"

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "log.h"
#include "packfmt.h"
#include "packinst.h"

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
	char *local_keys;              /* the facilitator's keys file or NULL */
	int dev_mode;
	pthread_mutex_t lock;          /* snap pointer and every refcount */
	pthread_mutex_t install_lock;  /* one install at a time */
	struct cat__snap *snap;        /* current snapshot */
};

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
	for (i = 0; i < c->npre; i++) {
		struct cat_question *q = &c->pre_questions[i];

		free(q->text);
		free(q->explanation);
		for (j = 0; j < q->nchoices; j++)
			free(q->choices[j].text);
		free(q->choices);
	}
	free(c->pre_questions);
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

/* The questions of quiz.json or pretest.json into *qs, *nq. */
static pb_err
cat__parse_quiz(struct cat_question **qs, int *nq, const json_t *quiz, char *err,
    size_t errlen)
{
	const json_t *arr = json_object_get(quiz, "questions");
	size_t i, j, n = json_array_size(arr);
	pb_err rc;

	if (!json_is_array(arr) || n < 1 || n > CAT_MAX_QUESTIONS)
		return packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "quiz.json: questions must be a list of 1..%d", CAT_MAX_QUESTIONS);
	if ((*qs = calloc(n, sizeof(**qs))) == NULL)
		return PB_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		*nq = (int)i + 1;
		rc = cat__parse_question(&(*qs)[i], json_array_get(arr, i), i, err, errlen);
		if (rc != PB_OK)
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp((*qs)[j].id, (*qs)[i].id) == 0)
				return packfmt_fail(err, errlen, PB_ERR_INVALID,
				    "quiz.json: duplicate question %s", (*qs)[i].id);
	}
	return PB_OK;
}

/* Read root/course.json and root/quiz.json into a new course (refs 0). */
static pb_err
cat__course_load(const char *root, struct cat__course **out, char *err, size_t errlen)
{
	json_t *course = NULL, *quiz = NULL, *pre = NULL;
	struct cat__course *cc;
	struct cat_course *c;
	const char *lang, *fb;
	pb_err rc;

	*out = NULL;
	if ((cc = calloc(1, sizeof(*cc))) == NULL)
		return PB_ERR_NOMEM;
	c = &cc->pub;
	if ((rc = packfmt_load_json(root, "course.json", &course, err, errlen)) != PB_OK ||
	    (rc = packfmt_load_json(root, "quiz.json", &quiz, err, errlen)) != PB_OK)
		goto out;
	if ((rc = packfmt_id_version(course, "course.json", c->id, sizeof(c->id), c->version,
	    sizeof(c->version), err, errlen)) != PB_OK)
		goto out;
	rc = PB_ERR_INVALID;
	lang = packfmt_jstr(course, "language");
	fb = packfmt_jstr(course, "feedback");
	if (lang != NULL && (strlen(lang) == 0 || strlen(lang) >= sizeof(c->language))) {
		packfmt_fail(err, errlen, rc, "course.json: bad language");
		goto out;
	}
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
	if ((rc = cat__parse_quiz(&c->questions, &c->nquestions, quiz, err, errlen)) != PB_OK)
		goto out;
	/* a course with a pre-test (course.json "pretest") has pretest.json */
	if (json_is_object(json_object_get(course, "pretest"))) {
		c->pre_skippable = !json_is_false(json_object_get(json_object_get(course, "pretest"),
		    "skippable"));
		if ((rc = packfmt_load_json(root, "pretest.json", &pre, err, errlen)) != PB_OK ||
		    (rc = cat__parse_quiz(&c->pre_questions, &c->npre, pre, err, errlen)) != PB_OK)
			goto out;
	}
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
	json_decref(pre);
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

const struct cat_question *
cat_question_of(const struct cat_course *c, int pre, const char *qid)
{
	int i;

	if (!pre)
		return cat_question_find(c, qid);
	if (c == NULL || qid == NULL)
		return NULL;
	for (i = 0; i < c->npre; i++)
		if (strcmp(c->pre_questions[i].id, qid) == 0)
			return &c->pre_questions[i];
	return NULL;
}

/* ---- installed packs on disk ---- */

/* Load the current version of packs_dir/id. */
static pb_err
cat__load_installed(struct catalog *cat, const char *id, struct cat__course **out,
    char *err, size_t errlen)
{
	char path[PATH_MAX], ver[64], prev[64];
	pb_err rc;

	*out = NULL;
	if ((rc = packinst_current(cat->dir, id, ver, sizeof(ver), path, err, errlen)) !=
	    PB_OK)
		return rc;
	if ((rc = cat__course_load(path, out, err, errlen)) != PB_OK)
		return rc;
	if (strcmp((*out)->pub.id, id) != 0 || strcmp((*out)->pub.version, ver) != 0) {
		cat__course_free(&(*out)->pub);
		*out = NULL;
		return packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "course.json does not match %s/%s", id, ver);
	}
	packinst_previous(cat->dir, id, ver, prev, sizeof(prev));
	packinst_prune(cat->dir, id, ver, prev[0] ? prev : NULL);
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
	if (opts->local_keys != NULL && (cat->local_keys = strdup(opts->local_keys)) == NULL)
		goto out;
	packinst_clean(cat->dir);
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
	free(cat->local_keys);
	free(cat);
}

/* ---- installing ---- */

/* One install as the catalog sees it, for the packinst hooks. */
struct cat__pending {
	struct catalog *cat;
	char id[64];                /* the manifest's */
	char version[32];
	char prev[64];              /* the version served until now, "" if none */
	int force;                  /* install even if not newer */
	struct cat__course *course; /* parsed from the unpacked tree */
};

/* packinst hook: only a version newer than the one served installs. */
static pb_err
cat__want(void *arg, const char *id, const char *version, char *err, size_t errlen)
{
	struct cat__pending *p = arg;
	const struct cat_snapshot *snap;
	const struct cat_course *old;
	pb_err rc = PB_OK;

	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->version, sizeof(p->version), "%s", version);
	/* installs are serialized, so the snapshot cannot change under us */
	snap = catalog_acquire(p->cat);
	if ((old = cat_course_find(snap, id)) != NULL) {
		int cmp = packfmt_vercmp(version, old->version);

		snprintf(p->prev, sizeof(p->prev), "%s", old->version);
		/* the same version never reinstalls: its dir is the one served */
		if (cmp == 0 || (cmp < 0 && !p->force)) {
			rc = packfmt_fail(err, errlen, PB_ERR_EXISTS,
			    "%s %s is not newer than the installed %s", id, version,
			    old->version);
		}
	}
	catalog_release(p->cat, snap);
	return rc;
}

/* packinst hook: the verified tree holds a course that matches its manifest. */
static pb_err
cat__check(void *arg, const char *root, const char *id, const char *version, char *err,
    size_t errlen)
{
	struct cat__pending *p = arg;
	const struct cat_course *c;
	pb_err rc;

	if ((rc = cat__course_load(root, &p->course, err, errlen)) != PB_OK)
		return rc;
	c = &p->course->pub;
	if (strcmp(c->id, id) != 0 || strcmp(c->version, version) != 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "course.json (%s %s) does not match manifest.json (%s %s)", c->id,
		    c->version, id, version);
	return PB_OK;
}

static pb_err
cat__install(struct catalog *cat, const char *pack, int force, char *err, size_t errlen)
{
	struct packinst_opts o = {cat->dir, cat->keys_path, cat->dev_mode, cat->local_keys};
	struct cat__pending p = {.cat = cat, .force = force};
	struct packinst_hooks h = {cat__want, cat__check, &p};
	char vdir[PATH_MAX];
	pb_err rc;

	if ((rc = packinst_install(&o, pack, &h, vdir, err, errlen)) != PB_OK)
		goto out;
	free(p.course->pub.dir);
	if ((p.course->pub.dir = strdup(vdir)) == NULL ||
	    (rc = cat__publish(cat, p.course)) != PB_OK) {
		/* on disk it is installed; the next start serves it */
		rc = packfmt_fail(err, errlen, PB_ERR_NOMEM, "out of memory");
		goto out;
	}
	p.course = NULL;
	packinst_prune(cat->dir, p.id, p.version, p.prev[0] ? p.prev : NULL);
	log_info("installed %s %s%s%s from %s", p.id, p.version, p.prev[0] ? " over " : "",
	    p.prev, pack);
	rc = PB_OK;
out:
	if (p.course != NULL)
		cat__course_free(&p.course->pub);
	return rc;
}

/* Installs and inspections run on a thread of their own with a large
 * stack, the caller (often a CivetWeb worker: Debian's libcivetweb gives
 * each 100 KiB) waiting: libarchive, libsodium's signature check, the fsync
 * walk and packinst's path buffers took some 56 KB of a worker's stack, and
 * a console handler adds its own on top. The stack is mapped, not touched,
 * and freed when the thread ends. */
#define CAT__WORK_STACK (1024 * 1024)

struct cat__work {
	struct catalog *cat;
	const char *pack;
	int force;                  /* install: an older version may go in */
	struct packinst_info *info; /* non-NULL: inspect only */
	char *err;
	size_t errlen;
	pb_err rc;
};

static void *
cat__work_run(void *arg)
{
	struct cat__work *w = arg;
	struct catalog *cat = w->cat;
	struct packinst_opts o = {cat->dir, cat->keys_path, cat->dev_mode, cat->local_keys};

	if (w->info != NULL)
		w->rc = packinst_inspect(&o, w->pack, w->info, w->err, w->errlen);
	else
		w->rc = cat__install(cat, w->pack, w->force, w->err, w->errlen);
	return NULL;
}

/* Run w on its own thread and wait (inline if no thread can be made). */
static pb_err
cat__on_own_stack(struct cat__work *w)
{
	pthread_attr_t attr;
	pthread_t th;
	int started;

	started = pthread_attr_init(&attr) == 0;
	if (started) {
		started = pthread_attr_setstacksize(&attr, CAT__WORK_STACK) == 0 &&
		    pthread_create(&th, &attr, cat__work_run, w) == 0;
		pthread_attr_destroy(&attr);
	}
	if (started)
		pthread_join(th, NULL);
	else {
		log_warnx("no thread for %s: working on the caller's stack", w->pack);
		cat__work_run(w);
	}
	return w->rc;
}

pb_err
catalog_inspect(struct catalog *cat, const char *pack_path, struct packinst_info *info,
    char *installed, size_t installedlen, char *err, size_t errlen)
{
	const struct cat_snapshot *snap;
	const struct cat_course *c;
	pb_err rc;

	/* one scan at a time: packinst reads through one static buffer */
	pthread_mutex_lock(&cat->install_lock);
	rc = cat__on_own_stack(&(struct cat__work){.cat = cat, .pack = pack_path,
	    .info = info, .err = err, .errlen = errlen});
	pthread_mutex_unlock(&cat->install_lock);
	if (rc != PB_OK && rc != PB_ERR_NOMEM)
		log_warnx("pack %s refused: %s", pack_path, err);
	installed[0] = '\0';
	snap = catalog_acquire(cat);
	if (info->id[0] != '\0' && (c = cat_course_find(snap, info->id)) != NULL)
		snprintf(installed, installedlen, "%s", c->version);
	catalog_release(cat, snap);
	return rc;
}

pb_err
catalog_install(struct catalog *cat, const char *pack_path, char *err, size_t errlen)
{
	return catalog_install_force(cat, pack_path, 0, err, errlen);
}

pb_err
catalog_install_force(struct catalog *cat, const char *pack_path, int force, char *err,
    size_t errlen)
{
	char ebuf[CAT_ERRLEN];
	pb_err rc;

	ebuf[0] = '\0';
	pthread_mutex_lock(&cat->install_lock);
	rc = cat__on_own_stack(&(struct cat__work){.cat = cat, .pack = pack_path,
	    .force = force, .err = ebuf, .errlen = sizeof(ebuf)});
	pthread_mutex_unlock(&cat->install_lock);
	if (rc == PB_ERR_EXISTS)
		log_info("pack %s skipped: %s (raise its version to install it)", pack_path, ebuf);
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