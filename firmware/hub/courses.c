/* courses.c — see courses.h. */
#include "courses.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct course_ent {
	char *id, *title;
};

struct courses {
	struct course_ent *ents; /* sorted by id */
	size_t n;
};

static int
courses__cmp(const void *a, const void *b)
{
	return strcmp(((const struct course_ent *)a)->id, ((const struct course_ent *)b)->id);
}

/* Course ids as the upload allows them: 1..64 of [a-z0-9._-]. */
static int
courses__id_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

pb_err
courses_load(const char *path, struct courses **out, char *err, size_t errlen)
{
	struct courses *cs = NULL;
	size_t cap = 0, lineno = 0;
	char line[1024];
	gzFile gz;
	pb_err rc = PB_ERR_NOMEM;

	*out = NULL;
	if ((gz = gzopen(path, "rb")) == NULL) { /* reads plain files too */
		snprintf(err, errlen, "%s: cannot open", path);
		return PB_ERR_IO;
	}
	if ((cs = calloc(1, sizeof(*cs))) == NULL)
		goto out;
	while (gzgets(gz, line, sizeof(line)) != NULL) {
		char *tab;
		struct course_ent *e;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if ((tab = strchr(line, '\t')) == NULL || tab[1] == '\0') {
			snprintf(err, errlen, "%s:%zu: expected ID<TAB>TITLE", path, lineno);
			rc = PB_ERR_INVALID;
			goto out;
		}
		*tab = '\0';
		if (!courses__id_ok(line)) {
			snprintf(err, errlen, "%s:%zu: \"%.64s\" is not a course id", path, lineno,
			    line);
			rc = PB_ERR_INVALID;
			goto out;
		}
		if (cs->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct course_ent *ne = realloc(cs->ents, ncap * sizeof(*ne));

			if (ne == NULL)
				goto out;
			cs->ents = ne;
			cap = ncap;
		}
		e = &cs->ents[cs->n];
		e->id = strdup(line);
		e->title = strdup(tab + 1);
		if (e->id == NULL || e->title == NULL) {
			free(e->id);
			free(e->title);
			goto out;
		}
		cs->n++;
	}
	if (!gzeof(gz)) {
		snprintf(err, errlen, "%s: unreadable", path);
		rc = PB_ERR_INVALID;
		goto out;
	}
	if (cs->n > 0)
		qsort(cs->ents, cs->n, sizeof(*cs->ents), courses__cmp);
	*out = cs;
	cs = NULL;
	rc = PB_OK;
out:
	gzclose(gz);
	courses_free(cs);
	return rc;
}

void
courses_free(struct courses *cs)
{
	size_t i;

	if (cs == NULL)
		return;
	for (i = 0; i < cs->n; i++) {
		free(cs->ents[i].id);
		free(cs->ents[i].title);
	}
	free(cs->ents);
	free(cs);
}

const char *
courses_title(const struct courses *cs, const char *id)
{
	struct course_ent key, *e;

	if (cs == NULL || cs->n == 0)
		return NULL;
	key.id = (char *)(uintptr_t)id;
	e = bsearch(&key, cs->ents, cs->n, sizeof(*cs->ents), courses__cmp);
	return e ? e->title : NULL;
}

size_t
courses_count(const struct courses *cs)
{
	return cs ? cs->n : 0;
}

const char *
courses_id(const struct courses *cs, size_t i)
{
	return cs && i < cs->n ? cs->ents[i].id : NULL;
}
