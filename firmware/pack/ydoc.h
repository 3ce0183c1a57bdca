/* ydoc.h — one YAML file loaded with libyaml, and typed, checked access to
 * its nodes. Every problem is added to a diags list with the node's line, so
 * a caller can check a whole file and report everything at once. */
#ifndef YDOC_H
#define YDOC_H

#include <stddef.h>
#include <yaml.h>

#include "diag.h"

struct ydoc {
	yaml_document_t doc; /* the first document of the file */
	int loaded;          /* doc must be deleted */
	const char *shown;   /* file name for diagnostics */
	struct diags *d;     /* where problems go */
};

/* One key a mapping may have. */
struct yfield {
	const char *key;     /* the key as written */
	int required;        /* report a missing key */
};

#define YDOC_MAX_DEPTH 64 /* sequences and mappings inside each other */

/* Parse buf (len bytes, checked to be UTF-8 already). Reports syntax errors
 * (with libyaml's line), nesting deeper than YDOC_MAX_DEPTH (without
 * loading), an empty file, a second document. Returns the root node, or
 * NULL if there is nothing usable. */
yaml_node_t *ydoc_load(struct ydoc *y, const char *buf, size_t len, const char *shown,
    struct diags *d);
void ydoc_free(struct ydoc *y);

/* 1-based line where a node starts. */
int ydoc_line(const yaml_node_t *n);

/* Check that n is a mapping with only the keys in f (reports unknown,
 * duplicate and missing required keys); vals[i] gets the value node of
 * f[i].key or NULL. what names the mapping in messages. Returns 0 if n is a
 * mapping (even with key problems), -1 if it is not. */
int ydoc_map(struct ydoc *y, yaml_node_t *n, const char *what, const struct yfield *f,
    size_t nf, yaml_node_t **vals);

/* Items of a sequence: checks the type and the count (min..max) and
 * returns the number of items (0 after reporting a problem of type). */
int ydoc_seq(struct ydoc *y, yaml_node_t *n, const char *key, int min, int max);
yaml_node_t *ydoc_item(struct ydoc *y, yaml_node_t *seq, int i);

/* A text value of 1..maxlen code points (maxlen 0: no upper limit); with
 * oneline no line breaks. *out is malloc'd or NULL after a reported problem.
 * Returns 0 or -1. */
int ydoc_str(struct ydoc *y, yaml_node_t *n, const char *key, size_t maxlen, int oneline,
    char **out);

/* A whole number in min..max written without quotes. */
int ydoc_int(struct ydoc *y, yaml_node_t *n, const char *key, int min, int max, int *out);

/* true or false (also True/TRUE/False/FALSE) written without quotes. */
int ydoc_bool(struct ydoc *y, yaml_node_t *n, const char *key, int *out);

/* Non-zero if n is a plain null scalar ("", "~", "null"). */
int ydoc_is_null(const yaml_node_t *n);

#endif
