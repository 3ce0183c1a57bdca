/* diag.h — problems found in course sources, reported as "file:line: message",
 * and the choice of language for everything pamong-pack prints. A problem is
 * an error (the course is refused) or a warning ("file:line: peringatan:
 * message"; the course still builds). */
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
	int warning; /* 1: a warning, printed with its prefix; 0: an error */
};

struct diags {
	struct diag *v; /* in the order found */
	size_t n;       /* number of problems, warnings included */
	size_t nwarn;   /* how many of them are warnings */
	size_t cap;     /* allocated slots */
	int nomem;      /* an allocation failed; some problems may be missing */
};

/* Decide the language from the environment; call once at start. */
void diag_init_lang(void);

/* Record one problem. file may be NULL only together with line 0. */
void diag_add(struct diags *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record one warning: printed like a problem with "peringatan: " ("warning: ")
 * before the message, but it does not make the course invalid. */
void diag_warn(struct diags *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Number of errors (problems that are not warnings). */
size_t diag_errors(const struct diags *d);

/* Print every problem as "file:line: message" (or "file: message" for
 * line 0), one per line: grouped by file (in the order the files were
 * first reported), each file's by line. */
void diag_print(const struct diags *d, FILE *f);

/* Free every problem; the list can be reused. */
void diag_free(struct diags *d);

#endif
