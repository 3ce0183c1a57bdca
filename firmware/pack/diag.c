/* diag.c — see diag.h. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int diag_english;

void
diag_init_lang(void)
{
	static const char *vars[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};
	size_t i;

	for (i = 0; i < PB_ARRAY_LEN(vars); i++) {
		const char *v = getenv(vars[i]);

		if (v == NULL || *v == '\0')
			continue;
		diag_english = strncmp(v, "en", 2) == 0;
		return;
	}
	diag_english = 0;
}

static void
diag__vadd(struct diags *d, int warning, const char *file, int line, const char *fmt,
    va_list ap) __attribute__((format(printf, 5, 0)));

static void
diag__vadd(struct diags *d, int warning, const char *file, int line, const char *fmt,
    va_list ap)
{
	struct diag *slot;
	char *msg = NULL, *fcopy = NULL;
	int n;

	n = vasprintf(&msg, fmt, ap);
	if (n < 0) {
		msg = NULL;
		goto fail;
	}
	if ((fcopy = strdup(file != NULL ? file : "")) == NULL)
		goto fail;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct diag *v = realloc(d->v, cap * sizeof(*v));

		if (v == NULL)
			goto fail;
		d->v = v;
		d->cap = cap;
	}
	slot = &d->v[d->n++];
	slot->file = fcopy;
	slot->line = line;
	slot->msg = msg;
	slot->warning = warning;
	d->nwarn += warning != 0;
	return;
fail:
	d->nomem = 1;
	free(msg);
	free(fcopy);
}

void
diag_add(struct diags *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag__vadd(d, 0, file, line, fmt, ap);
	va_end(ap);
}

void
diag_warn(struct diags *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag__vadd(d, 1, file, line, fmt, ap);
	va_end(ap);
}

size_t
diag_errors(const struct diags *d)
{
	return d->n - d->nwarn;
}

/* Sort key of one problem: files in the order they were first reported,
 * then by line, then in the order found. */
struct diag_key {
	size_t file;
	int line;
	size_t seq;
};

static int
diag__cmp(const void *a, const void *b)
{
	const struct diag_key *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
diag_print(const struct diags *d, FILE *f)
{
	struct diag_key *keys = calloc(d->n + 1, sizeof(*keys));
	size_t i, j;

	for (i = 0; keys != NULL && i < d->n; i++) {
		for (j = 0; j < i && strcmp(d->v[j].file, d->v[i].file) != 0; j++)
			;
		keys[i].file = j < i ? keys[j].file : i;
		keys[i].line = d->v[i].line;
		keys[i].seq = i;
	}
	if (keys != NULL)
		qsort(keys, d->n, sizeof(*keys), diag__cmp);
	for (i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[keys != NULL ? keys[i].seq : i];
		const char *pre = g->warning ? TR("peringatan: ", "warning: ") : "";

		if (g->line > 0)
			fprintf(f, "%s:%d: %s%s\n", g->file, g->line, pre, g->msg);
		else
			fprintf(f, "%s: %s%s\n", g->file, pre, g->msg);
	}
	if (d->nomem || (keys == NULL && d->n > 0))
		fprintf(f, "%s\n", TR("pamong-pack: memori habis; sebagian masalah tidak dilaporkan",
		    "pamong-pack: out of memory; some problems were not reported"));
	free(keys);
}

void
diag_free(struct diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}
