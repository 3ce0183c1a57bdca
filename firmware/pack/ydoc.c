/* ydoc.c — see ydoc.h. */
#include "ydoc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *
ydoc__scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* Report libyaml's error at its line, with where the construct began. */
static void
ydoc__syntax(const yaml_parser_t *parser, const char *shown, struct diags *d)
{
	int line = (int)parser->problem_mark.line + 1, cline = (int)parser->context_mark.line + 1;
	const char *problem = parser->problem != NULL ? parser->problem : "?";

	if (parser->context != NULL && cline != line)
		diag_add(d, shown, line, TR("YAML salah: %s %s (mulai di baris %d)",
		    "bad YAML: %s %s (started on line %d)"), problem, parser->context, cline);
	else if (parser->context != NULL)
		diag_add(d, shown, line, TR("YAML salah: %s %s", "bad YAML: %s %s"), problem,
		    parser->context);
	else
		diag_add(d, shown, line, TR("YAML salah: %s", "bad YAML: %s"), problem);
}

yaml_node_t *
ydoc_load(struct ydoc *y, const char *buf, size_t len, const char *shown, struct diags *d)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	yaml_node_t *root = NULL;

	memset(y, 0, sizeof(*y));
	y->shown = shown;
	y->d = d;
	if (!yaml_parser_initialize(&parser)) {
		diag_add(d, shown, 0, "%s", TR("memori habis", "out of memory"));
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &y->doc)) {
		ydoc__syntax(&parser, shown, d);
		goto out;
	}
	y->loaded = 1;
	root = yaml_document_get_root_node(&y->doc);
	if (root == NULL) {
		diag_add(d, shown, 1, "%s", TR("berkas kosong", "the file is empty"));
		goto out;
	}
	/* a second document would be ignored silently: refuse it */
	if (!yaml_parser_load(&parser, &extra)) {
		ydoc__syntax(&parser, shown, d);
		root = NULL;
		goto out;
	}
	if (yaml_document_get_root_node(&extra) != NULL) {
		diag_add(d, shown, (int)extra.start_mark.line + 1, "%s",
		    TR("hanya satu dokumen YAML yang boleh", "only one YAML document is allowed"));
		root = NULL;
	}
	yaml_document_delete(&extra);
out:
	yaml_parser_delete(&parser);
	return root;
}

void
ydoc_free(struct ydoc *y)
{
	if (y->loaded)
		yaml_document_delete(&y->doc);
	y->loaded = 0;
}

int
ydoc_line(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

int
ydoc_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = ydoc__scalar(n);
	return strcmp(v, "") == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

int
ydoc_map(struct ydoc *y, yaml_node_t *n, const char *what, const struct yfield *f, size_t nf,
    yaml_node_t **vals)
{
	yaml_node_pair_t *p;
	int *keyline;
	size_t i;

	for (i = 0; i < nf; i++)
		vals[i] = NULL;
	if (n == NULL || n->type != YAML_MAPPING_NODE) {
		diag_add(y->d, y->shown, n != NULL ? ydoc_line(n) : 0,
		    TR("%s: harus berupa pemetaan (kunci: nilai)", "%s: must be a mapping (key: value)"),
		    what);
		return -1;
	}
	if ((keyline = calloc(nf + 1, sizeof(*keyline))) == NULL) {
		y->d->nomem = 1;
		return -1;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&y->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&y->doc, p->value);

		if (k == NULL || v == NULL)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			diag_add(y->d, y->shown, ydoc_line(k), "%s",
			    TR("kunci harus berupa teks", "a key must be text"));
			continue;
		}
		for (i = 0; i < nf; i++)
			if (strcmp(f[i].key, ydoc__scalar(k)) == 0)
				break;
		if (i == nf) {
			diag_add(y->d, y->shown, ydoc_line(k),
			    TR("kunci tidak dikenal: %s", "unknown key: %s"), ydoc__scalar(k));
			continue;
		}
		if (keyline[i] != 0) {
			diag_add(y->d, y->shown, ydoc_line(k),
			    TR("kunci ganda: %s (pertama di baris %d)",
			    "duplicate key: %s (first on line %d)"), f[i].key, keyline[i]);
			continue;
		}
		keyline[i] = ydoc_line(k);
		vals[i] = v;
	}
	for (i = 0; i < nf; i++)
		if (f[i].required && vals[i] == NULL)
			diag_add(y->d, y->shown, ydoc_line(n),
			    TR("kunci wajib tidak ada: %s", "missing required key: %s"), f[i].key);
	free(keyline);
	return 0;
}

int
ydoc_seq(struct ydoc *y, yaml_node_t *n, const char *key, int min, int max)
{
	long count;

	if (n->type != YAML_SEQUENCE_NODE) {
		diag_add(y->d, y->shown, ydoc_line(n),
		    TR("%s: harus berupa daftar", "%s: must be a list"), key);
		return 0;
	}
	count = n->data.sequence.items.top - n->data.sequence.items.start;
	if (count < min || count > max)
		diag_add(y->d, y->shown, ydoc_line(n),
		    TR("%s: harus berisi %d..%d butir (ada %ld)", "%s: must have %d..%d items (has %ld)"),
		    key, min, max, count);
	return (int)count;
}

yaml_node_t *
ydoc_item(struct ydoc *y, yaml_node_t *seq, int i)
{
	return yaml_document_get_node(&y->doc, seq->data.sequence.items.start[i]);
}

int
ydoc_str(struct ydoc *y, yaml_node_t *n, const char *key, size_t maxlen, int oneline,
    char **out)
{
	const char *v;
	size_t len, cps;

	*out = NULL;
	if (n->type != YAML_SCALAR_NODE) {
		diag_add(y->d, y->shown, ydoc_line(n),
		    TR("%s: harus berupa teks", "%s: must be text"), key);
		return -1;
	}
	v = ydoc__scalar(n);
	len = n->data.scalar.length;
	if (ydoc_is_null(n) || len == 0) {
		diag_add(y->d, y->shown, ydoc_line(n),
		    TR("%s: tidak boleh kosong", "%s: must not be empty"), key);
		return -1;
	}
	/* escapes in quoted scalars can produce NUL or control characters */
	if (strlen(v) != len || !util_utf8_valid(v, len)) {
		diag_add(y->d, y->shown, ydoc_line(n),
		    TR("%s: berisi karakter kendali", "%s: contains a control character"), key);
		return -1;
	}
	if (oneline && strpbrk(v, "\r\n") != NULL) {
		diag_add(y->d, y->shown, ydoc_line(n),
		    TR("%s: tidak boleh berisi ganti baris", "%s: must not contain line breaks"), key);
		return -1;
	}
	cps = util_utf8_len(v);
	if (maxlen > 0 && cps > maxlen) {
		diag_add(y->d, y->shown, ydoc_line(n),
		    TR("%s: terlalu panjang (%zu karakter, paling banyak %zu)",
		    "%s: too long (%zu characters, at most %zu)"), key, cps, maxlen);
		return -1;
	}
	if ((*out = strdup(v)) == NULL) {
		y->d->nomem = 1;
		return -1;
	}
	return 0;
}

int
ydoc_int(struct ydoc *y, yaml_node_t *n, const char *key, int min, int max, int *out)
{
	const char *v;
	char *end;
	long val;

	if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		v = ydoc__scalar(n);
		errno = 0;
		val = strtol(v, &end, 10);
		if (*v >= '0' && *v <= '9' && *end == '\0' && errno == 0 && val >= min &&
		    val <= max) {
			*out = (int)val;
			return 0;
		}
	}
	diag_add(y->d, y->shown, ydoc_line(n),
	    TR("%s: harus bilangan bulat %d..%d", "%s: must be a whole number %d..%d"), key, min,
	    max);
	return -1;
}

int
ydoc_bool(struct ydoc *y, yaml_node_t *n, const char *key, int *out)
{
	static const char *yes[] = {"true", "True", "TRUE"}, *no[] = {"false", "False", "FALSE"};
	size_t i;

	if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		for (i = 0; i < PB_ARRAY_LEN(yes); i++) {
			if (strcmp(ydoc__scalar(n), yes[i]) == 0) {
				*out = 1;
				return 0;
			}
			if (strcmp(ydoc__scalar(n), no[i]) == 0) {
				*out = 0;
				return 0;
			}
		}
	}
	diag_add(y->d, y->shown, ydoc_line(n),
	    TR("%s: harus true atau false", "%s: must be true or false"), key);
	return -1;
}
