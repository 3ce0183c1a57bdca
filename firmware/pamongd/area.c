/* area.c — see area.h.
 *
 * The region file has one "CODE<TAB>NAME" line per unit. Loading keeps the
 * villages under a configured code and the names of the provinces, regencies
 * and districts related to a configured code (its ancestors and descendants),
 * copying all names into one arena. Nothing changes after area_load returns,
 * so lookups need no locking. */
#include "area.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "log.h"
#include "util.h"

#define AREA__LINE_MAX 512

/* A code and a name held as an offset into the arena while loading. */
struct area__rec {
	char code[16];
	size_t name;
};

struct area__vec {
	struct area__rec *v;
	size_t n, cap;
};

struct area {
	char *names;                           /* arena of all names */
	struct area_village *villages;         /* sorted by name, then code */
	size_t nvillages;
	const struct area_village **by_code;   /* the same villages sorted by code */
	struct area_unit *units;               /* the configured codes, in config order */
	size_t nunits;
};

/* Load-time state. */
struct area__load {
	char *arena;
	size_t alen, acap;
	struct area__vec cfg;   /* configured codes; name unused */
	struct area__vec upper; /* provinces, regencies, districts kept */
	struct area__vec vill;  /* villages kept */
};

static const struct area_position area__positions[] = {
	/* Permendagri 84/2015 on the structure of village government (SOTK). */
	{ "kepala-desa", "Kepala Desa", "Village Head" },
	{ "sekretaris-desa", "Sekretaris Desa", "Village Secretary" },
	{ "kaur-tata-usaha-umum", "Kepala Urusan Tata Usaha dan Umum",
	    "Head of Administration and General Affairs" },
	{ "kaur-keuangan", "Kepala Urusan Keuangan", "Head of Finance" },
	{ "kaur-perencanaan", "Kepala Urusan Perencanaan", "Head of Planning" },
	{ "kasi-pemerintahan", "Kepala Seksi Pemerintahan", "Head of Government Affairs" },
	{ "kasi-kesejahteraan", "Kepala Seksi Kesejahteraan", "Head of Welfare" },
	{ "kasi-pelayanan", "Kepala Seksi Pelayanan", "Head of Public Services" },
	{ "kepala-dusun", "Kepala Dusun/Kewilayahan", "Hamlet Head" },
	{ "staf-desa", "Staf Desa", "Village Staff" },
	/* Badan Permusyawaratan Desa (UU 6/2014). */
	{ "ketua-bpd", "Ketua BPD", "Chair of the Village Consultative Body (BPD)" },
	{ "anggota-bpd", "Anggota BPD", "Member of the Village Consultative Body (BPD)" },
	{ "pendamping-desa", "Pendamping Desa", "Village Facilitator" },
	{ "lainnya", "Lainnya", "Other" },
};

/* The level of a code: 1 PP, 2 PP.RR, 3 PP.RR.DD, 4 PP.RR.DD.VVVV, 0 if it is
 * none of these. */
static int
area__code_level(const char *s)
{
	static const char *const shapes[] = { "99", "99.99", "99.99.99", "99.99.99.9999" };
	size_t len = strlen(s), i, k;

	for (k = 0; k < PB_ARRAY_LEN(shapes); k++) {
		if (len != strlen(shapes[k]))
			continue;
		for (i = 0; i < len; i++) {
			if (shapes[k][i] == '.' ? s[i] != '.' : (s[i] < '0' || s[i] > '9'))
				return 0;
		}
		return (int)k + 1;
	}
	return 0;
}

/* Non-zero if unit code a contains code b (or is it). */
static int
area__contains(const char *a, const char *b)
{
	size_t n = strlen(a);

	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '.');
}

static pb_err
area__push(struct area__vec *vec, const char *code, size_t name)
{
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 64;
		struct area__rec *v = realloc(vec->v, cap * sizeof(*v));

		if (v == NULL)
			return PB_ERR_NOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	snprintf(vec->v[vec->n].code, sizeof(vec->v[vec->n].code), "%s", code);
	vec->v[vec->n].name = name;
	vec->n++;
	return PB_OK;
}

/* Copy a name into the arena; its offset in *off. */
static pb_err
area__intern(struct area__load *l, const char *name, size_t *off)
{
	size_t len = strlen(name) + 1;

	if (l->alen + len > l->acap) {
		size_t cap = l->acap ? l->acap * 2 : 4096;
		char *p;

		while (cap < l->alen + len)
			cap *= 2;
		if ((p = realloc(l->arena, cap)) == NULL)
			return PB_ERR_NOMEM;
		l->arena = p;
		l->acap = cap;
	}
	memcpy(l->arena + l->alen, name, len);
	*off = l->alen;
	l->alen += len;
	return PB_OK;
}

static int
area__rec_cmp(const void *a, const void *b)
{
	return strcmp(((const struct area__rec *)a)->code, ((const struct area__rec *)b)->code);
}

static const struct area__rec *
area__rec_find(const struct area__vec *vec, const char *code)
{
	struct area__rec key;

	snprintf(key.code, sizeof(key.code), "%s", code);
	if (vec->n == 0)
		return NULL;
	return bsearch(&key, vec->v, vec->n, sizeof(*vec->v), area__rec_cmp);
}

/* Split the comma-separated codes into l->cfg, checking their form. */
static pb_err
area__parse_codes(struct area__load *l, const char *codes, char *err, size_t errlen)
{
	const char *p = codes, *end;
	char code[32];
	size_t i, len;
	pb_err rc;

	for (;;) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		len = (size_t)(end - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len >= sizeof(code))
			len = sizeof(code) - 1;
		memcpy(code, p, len);
		code[len] = '\0';
		if (len == 0) {
			snprintf(err, errlen, "area codes \"%s\": empty code (expected a "
			    "comma-separated list such as \"33.02,33.03.05\")", codes);
			return PB_ERR_INVALID;
		}
		if (area__code_level(code) < 1 || area__code_level(code) > 3) {
			snprintf(err, errlen, "area code \"%s\" is malformed (expected a province "
			    "PP, a regency PP.RR or a district PP.RR.DD, e.g. 33.02)", code);
			return PB_ERR_INVALID;
		}
		for (i = 0; i < l->cfg.n && strcmp(l->cfg.v[i].code, code) != 0; i++)
			;
		if (i == l->cfg.n && (rc = area__push(&l->cfg, code, 0)) != PB_OK)
			return rc;
		if (*end == '\0')
			return PB_OK;
		p = end + 1;
	}
}

/* Whether the unit with this code is kept: a village under a configured code,
 * or a province/regency/district on the path to or under one. */
static int
area__wanted(const struct area__load *l, const char *code, int level)
{
	size_t i;

	for (i = 0; i < l->cfg.n; i++) {
		if (area__contains(l->cfg.v[i].code, code))
			return 1;
		if (level < 4 && area__contains(code, l->cfg.v[i].code))
			return 1;
	}
	return 0;
}

/* Read the region file, keeping what area__wanted selects. */
static pb_err
area__read(struct area__load *l, const char *path, char *err, size_t errlen)
{
	char line[AREA__LINE_MAX], *tab, *name;
	const char *msg;
	unsigned long lineno = 0;
	size_t len, off;
	gzFile gz;
	int level, zerr;
	pb_err rc = PB_OK;

	errno = 0;
	if ((gz = gzopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "cannot open");
		return PB_ERR_IO;
	}
	while (gzgets(gz, line, (int)sizeof(line)) != NULL) {
		lineno++;
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!gzeof(gz)) {
			snprintf(err, errlen, "%s:%lu: line too long", path, lineno);
			rc = PB_ERR_INVALID;
			goto out;
		}
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if ((tab = strchr(line, '\t')) == NULL) {
			snprintf(err, errlen, "%s:%lu: expected CODE<TAB>NAME", path, lineno);
			rc = PB_ERR_INVALID;
			goto out;
		}
		*tab = '\0';
		name = tab + 1;
		if ((level = area__code_level(line)) == 0 || *name == '\0' ||
		    strchr(name, '\t') != NULL || !util_utf8_valid(name, strlen(name))) {
			snprintf(err, errlen, "%s:%lu: bad code or name", path, lineno);
			rc = PB_ERR_INVALID;
			goto out;
		}
		if (!area__wanted(l, line, level))
			continue;
		if ((rc = area__intern(l, name, &off)) != PB_OK ||
		    (rc = area__push(level == 4 ? &l->vill : &l->upper, line, off)) != PB_OK) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	/* gzgets returns NULL at the end and on errors, a cut stream included. */
	msg = gzerror(gz, &zerr);
	if (zerr != Z_OK) {
		snprintf(err, errlen, "%s: %s", path, zerr == Z_ERRNO ? strerror(errno) : msg);
		rc = zerr == Z_ERRNO ? PB_ERR_IO : PB_ERR_INVALID;
	}
out:
	if ((zerr = gzclose(gz)) != Z_OK && rc == PB_OK) {
		snprintf(err, errlen, "%s: read failed (zlib error %d)", path, zerr);
		rc = zerr == Z_ERRNO ? PB_ERR_IO : PB_ERR_INVALID;
	}
	return rc;
}

/* The name of the unit above a village at code length n, or NULL. */
static const char *
area__upper_name(const struct area__load *l, const char *arena, const char *code, size_t n)
{
	char buf[16];
	const struct area__rec *r;

	snprintf(buf, sizeof(buf), "%.*s", (int)n, code);
	r = area__rec_find(&l->upper, buf);
	return r ? arena + r->name : NULL;
}

/* ASCII case-insensitive comparison, the same in every locale. */
static int
area__casecmp(const char *a, const char *b)
{
	unsigned char ca, cb;

	do {
		ca = (unsigned char)*a++;
		cb = (unsigned char)*b++;
		if (ca >= 'A' && ca <= 'Z')
			ca = (unsigned char)(ca - 'A' + 'a');
		if (cb >= 'A' && cb <= 'Z')
			cb = (unsigned char)(cb - 'A' + 'a');
	} while (ca != '\0' && ca == cb);
	return (int)ca - (int)cb;
}

static int
area__village_name_cmp(const void *a, const void *b)
{
	const struct area_village *va = a, *vb = b;
	int c;

	if ((c = area__casecmp(va->name, vb->name)) != 0)
		return c;
	if ((c = strcmp(va->name, vb->name)) != 0)
		return c;
	return strcmp(va->code, vb->code);
}

static int
area__village_code_cmp(const void *a, const void *b)
{
	const struct area_village *const *va = a, *const *vb = b;

	return strcmp((*va)->code, (*vb)->code);
}

/* Build the public tables from the records read; a takes over the arena. */
static pb_err
area__build(struct area__load *l, struct area *a, char *err, size_t errlen)
{
	const struct area__rec *r;
	struct area_village *v;
	size_t i;

	if (l->upper.n > 0) /* an area with no records (a code not in the list) */
		qsort(l->upper.v, l->upper.n, sizeof(*l->upper.v), area__rec_cmp);
	a->units = calloc(l->cfg.n, sizeof(*a->units));
	a->villages = calloc(l->vill.n ? l->vill.n : 1, sizeof(*a->villages));
	a->by_code = calloc(l->vill.n ? l->vill.n : 1, sizeof(*a->by_code));
	if (a->units == NULL || a->villages == NULL || a->by_code == NULL) {
		snprintf(err, errlen, "out of memory");
		return PB_ERR_NOMEM;
	}
	a->names = l->arena;
	l->arena = NULL;
	for (i = 0; i < l->cfg.n; i++) {
		if ((r = area__rec_find(&l->upper, l->cfg.v[i].code)) == NULL) {
			snprintf(err, errlen, "area code \"%s\" is not in the list of regions",
			    l->cfg.v[i].code);
			return PB_ERR_INVALID;
		}
		memcpy(a->units[i].code, r->code, sizeof(a->units[i].code));
		a->units[i].name = a->names + r->name;
		a->nunits++;
	}
	for (i = 0; i < l->vill.n; i++) {
		v = &a->villages[i];
		memcpy(v->code, l->vill.v[i].code, sizeof(v->code));
		v->name = a->names + l->vill.v[i].name;
		v->district = area__upper_name(l, a->names, v->code, 8);
		v->regency = area__upper_name(l, a->names, v->code, 5);
		v->province = area__upper_name(l, a->names, v->code, 2);
		if (v->district == NULL || v->regency == NULL || v->province == NULL) {
			snprintf(err, errlen, "village %s: its district, regency or province is "
			    "missing from the list of regions", v->code);
			return PB_ERR_INVALID;
		}
	}
	a->nvillages = l->vill.n;
	qsort(a->villages, a->nvillages, sizeof(*a->villages), area__village_name_cmp);
	for (i = 0; i < a->nvillages; i++)
		a->by_code[i] = &a->villages[i];
	qsort(a->by_code, a->nvillages, sizeof(*a->by_code), area__village_code_cmp);
	for (i = 1; i < a->nvillages; i++) {
		if (strcmp(a->by_code[i - 1]->code, a->by_code[i]->code) == 0) {
			snprintf(err, errlen, "village %s is listed twice", a->by_code[i]->code);
			return PB_ERR_INVALID;
		}
	}
	return PB_OK;
}

pb_err
area_load(const char *path, const char *codes, struct area **out, char *err, size_t errlen)
{
	struct area__load l;
	struct area *a = NULL;
	size_t i;
	pb_err rc;

	memset(&l, 0, sizeof(l));
	*out = NULL;
	if ((rc = area__parse_codes(&l, codes ? codes : "", err, errlen)) != PB_OK)
		goto out;
	if ((rc = area__read(&l, path, err, errlen)) != PB_OK)
		goto out;
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = PB_ERR_NOMEM;
		goto out;
	}
	if ((rc = area__build(&l, a, err, errlen)) != PB_OK)
		goto out;
	for (i = 0; i < a->nunits; i++) {
		size_t k, n = 0;

		for (k = 0; k < a->nvillages; k++)
			n += area__contains(a->units[i].code, a->villages[k].code) != 0;
		if (n == 0)
			log_warnx("area %s (%s) has no villages", a->units[i].code,
			    a->units[i].name);
	}
	log_debug("area: %zu villages in %zu configured areas", a->nvillages, a->nunits);
	*out = a;
	a = NULL;
out:
	area_free(a);
	free(l.arena);
	free(l.cfg.v);
	free(l.upper.v);
	free(l.vill.v);
	return rc;
}

void
area_free(struct area *a)
{
	if (a == NULL)
		return;
	free(a->names);
	free(a->villages);
	free(a->by_code);
	free(a->units);
	free(a);
}

size_t
area_nvillages(const struct area *a)
{
	return a->nvillages;
}

const struct area_village *
area_village_at(const struct area *a, size_t i)
{
	return i < a->nvillages ? &a->villages[i] : NULL;
}

static int
area__find_cmp(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct area_village *const *)elem)->code);
}

const struct area_village *
area_village_find(const struct area *a, const char *code)
{
	const struct area_village *const *v;

	if (code == NULL || a->nvillages == 0)
		return NULL;
	v = bsearch(code, a->by_code, a->nvillages, sizeof(*a->by_code), area__find_cmp);
	return v ? *v : NULL;
}

size_t
area_nunits(const struct area *a)
{
	return a->nunits;
}

const struct area_unit *
area_unit_at(const struct area *a, size_t i)
{
	return i < a->nunits ? &a->units[i] : NULL;
}

size_t
area_npositions(void)
{
	return PB_ARRAY_LEN(area__positions);
}

const struct area_position *
area_position_at(size_t i)
{
	return i < PB_ARRAY_LEN(area__positions) ? &area__positions[i] : NULL;
}

const struct area_position *
area_position_find(const char *id)
{
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0; i < PB_ARRAY_LEN(area__positions); i++) {
		if (strcmp(area__positions[i].id, id) == 0)
			return &area__positions[i];
	}
	return NULL;
}
