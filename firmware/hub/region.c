/* region.c — see region.h. */
#include "region.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct region_ent {
	char code[16];
	char *name;
};

struct region {
	struct region_ent *ents; /* sorted by code */
	size_t n;
};

static int
region__cmp(const void *a, const void *b)
{
	return strcmp(((const struct region_ent *)a)->code,
	    ((const struct region_ent *)b)->code);
}

int
region_code_valid(const char *code)
{
	/* shapes: 99 / 99.99 / 99.99.99 / 99.99.99.9999 */
	static const char *const shape = "99.99.99.9999";
	size_t n = strlen(code), i;

	if (n != 2 && n != 5 && n != 8 && n != 13)
		return 0;
	for (i = 0; i < n; i++) {
		if (shape[i] == '.' ? code[i] != '.' : !isdigit((unsigned char)code[i]))
			return 0;
	}
	return 1;
}

size_t
region_child_len(size_t len)
{
	switch (len) {
	case 0: return 2;
	case 2: return 5;
	case 5: return 8;
	case 8: return 13;
	default: return 0;
	}
}

pb_err
region_load(const char *path, struct region **out, char *err, size_t errlen)
{
	struct region *r = NULL;
	size_t cap = 0, lineno = 0;
	char line[512];
	gzFile gz;
	pb_err rc = PB_ERR_NOMEM;

	*out = NULL;
	if ((gz = gzopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return PB_ERR_IO;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto out;
	while (gzgets(gz, line, sizeof(line)) != NULL) {
		char *tab, *end;
		struct region_ent *e;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if ((tab = strchr(line, '\t')) == NULL) {
			snprintf(err, errlen, "%s:%zu: expected CODE<TAB>NAME", path, lineno);
			rc = PB_ERR_INVALID;
			goto out;
		}
		*tab = '\0';
		if (lineno == 1 && !region_code_valid(line))
			continue; /* a header line */
		if (!region_code_valid(line)) {
			snprintf(err, errlen, "%s:%zu: \"%s\" is not a region code", path,
			    lineno, line);
			rc = PB_ERR_INVALID;
			goto out;
		}
		if ((end = strchr(tab + 1, '\t')) != NULL)
			*end = '\0';
		if (r->n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct region_ent *ne = realloc(r->ents, ncap * sizeof(*ne));

			if (ne == NULL)
				goto out;
			r->ents = ne;
			cap = ncap;
		}
		e = &r->ents[r->n];
		memcpy(e->code, line, strlen(line) + 1); /* valid: at most 13 */
		if ((e->name = strdup(tab + 1)) == NULL)
			goto out;
		r->n++;
	}
	if (!gzeof(gz)) {
		snprintf(err, errlen, "%s: not a complete gzip file", path);
		rc = PB_ERR_INVALID;
		goto out;
	}
	qsort(r->ents, r->n, sizeof(*r->ents), region__cmp);
	*out = r;
	r = NULL;
	rc = PB_OK;
out:
	gzclose(gz);
	region_free(r);
	return rc;
}

void
region_free(struct region *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		free(r->ents[i].name);
	free(r->ents);
	free(r);
}

const char *
region_name(const struct region *r, const char *code)
{
	struct region_ent key, *e;

	if (r == NULL || strlen(code) >= sizeof(key.code))
		return NULL;
	snprintf(key.code, sizeof(key.code), "%s", code);
	e = bsearch(&key, r->ents, r->n, sizeof(*r->ents), region__cmp);
	return e ? e->name : NULL;
}

size_t
region_count(const struct region *r)
{
	return r ? r->n : 0;
}

size_t
region_each(const struct region *r, const char *prefix, size_t len,
    void (*fn)(const char *code, const char *name, void *arg), void *arg)
{
	size_t plen = strlen(prefix), lo = 0, hi, n = 0;

	if (r == NULL)
		return 0;
	/* the first entry not below prefix: codes sorted, a prefix's range is one run */
	hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(r->ents[mid].code, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < r->n && strncmp(r->ents[lo].code, prefix, plen) == 0; lo++) {
		if (strlen(r->ents[lo].code) != len)
			continue;
		if (fn != NULL)
			fn(r->ents[lo].code, r->ents[lo].name, arg);
		n++;
	}
	return n;
}

const char *
region_zone(const char *code, int *offset_s)
{
	/* Presidential Decree 41/1987: WITA from Bali, Nusa Tenggara, South, East
	 * and North Kalimantan and Sulawesi; WIT from Maluku and Papua */
	static const char *const wita = "51 52 53 63 64 65 71 72 73 74 75 76";
	static const char *const wit = "81 82 91 92 93 94 95 96";
	char pp[3];

	if (strlen(code) >= 2 && isdigit((unsigned char)code[0]) &&
	    isdigit((unsigned char)code[1])) {
		pp[0] = code[0];
		pp[1] = code[1];
		pp[2] = '\0';
		if (strstr(wita, pp) != NULL) {
			*offset_s = 8 * 3600;
			return "WITA";
		}
		if (strstr(wit, pp) != NULL) {
			*offset_s = 9 * 3600;
			return "WIT";
		}
	}
	*offset_s = 7 * 3600;
	return "WIB";
}
