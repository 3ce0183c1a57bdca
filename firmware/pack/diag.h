/* diag.h — problems found in course sources, reported as "file:line: message",
 * and the choice of language for everything pamong-pack prints. */
#ifndef DIAG_H
#define DIAG_H

#include <stddef.h>
#include <stdio.h>

#include "pb.h"

/* Non-zero when messages are printed in English (LANGUAGE, LC_ALL,
 * LC_MESSAGES or LANG starting with "en"); Bahasa Indonesia otherwise. */
extern int diag_english;

/* Pick the message in the current language: TR("teks", "text"). Both are
 * string literals with the same conversions, so -Wformat checks them. */
#define TR(id, en) (diag_english ? (en) : (id))

struct diag {
	char *file;  /* path as shown: the folder given on the command line + relative path */
	int line;    /* 1-based; 0 when the problem concerns the whole file */
	char *msg;   /* the problem, in the current language */
};

struct diags {
	struct diag *v; /* in the order found */
	size_t n;       /* number of problems */
	size_t cap;     /* allocated slots */
	int nomem;      /* an allocation failed; some problems may be missing */
};

/* Decide the language from the environment; call once at start. */
void diag_init_lang(void);

/* Record one problem. file may be NULL only together with line 0. */
void diag_add(struct diags *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Print every problem as "file:line: message" (or "file: message" for
 * line 0), one per line: grouped by file (in the order the files were
 * first reported), each file's by line. */
void diag_print(const struct diags *d, FILE *f);

/* Free every problem; the list can be reused. */
void diag_free(struct diags *d);

#endif
