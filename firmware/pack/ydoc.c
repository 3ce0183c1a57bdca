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

/* Line number line (1-based) of buf: *start and its length without the
 * line break; 0 if buf has no such line. */
static int
ydoc__line_text(const char *buf, size_t len, int line, const char **start, size_t *n)
{
	const char *p = buf, *end = buf + len, *nl;

	for (; line > 1 && p < end; line--) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return 0;
		p = nl + 1;
	}
	if (line > 1)
		return 0;
	nl = memchr(p, '\n', (size_t)(end - p));
	*n = (size_t)((nl != NULL ? nl : end) - p);
	if (*n > 0 && p[*n - 1] == '\r')
		(*n)--;
	*start = p;
	return 1;
}

/* The first ": " (or ':' ending the line) in t[0..n) at or after from;
 * NULL if none. */
static const char *
ydoc__colon(const char *t, size_t n, const char *from)
{
	for (; from < t + n; from++)
		if (*from == ':' && (from + 1 == t + n || from[1] == ' ' || from[1] == '\t'))
			return from;
	return NULL;
}

/* Report libyaml's error at its line. The common mistakes of authors (a
 * colon in an unquoted value, a tab, a quote never closed, a line indented
 * wrongly) get one sentence in the current language with the fix, and
 * libyaml's words in parentheses; others are shown as libyaml says them,
 * with where the construct began. */
static void
ydoc__syntax(const yaml_parser_t *parser, const char *buf, size_t len, const char *shown,
    struct diags *d)
{
	int line = (int)parser->problem_mark.line + 1, cline = (int)parser->context_mark.line + 1;
	const char *problem = parser->problem != NULL ? parser->problem : "?";
	const char *ctx = parser->context != NULL ? parser->context : "";
	const char *t = NULL, *c1, *c2, *q;
	char orig[256], qc;
	size_t n = 0, ind;

	snprintf(orig, sizeof(orig), "%s%s%s", problem, *ctx ? " " : "", ctx);
	if (strstr(problem, "end of stream") != NULL && strstr(ctx, "quoted scalar") != NULL &&
	    ydoc__line_text(buf, len, cline, &t, &n)) {
		c1 = ydoc__colon(t, n, t);
		for (q = c1 != NULL ? c1 : t; q < t + n && *q != '"' && *q != '\''; q++)
			;
		qc = q < t + n ? *q : '"';

		diag_add(d, shown, cline, TR("YAML salah: tanda kutip %c yang dibuka di baris ini tidak "
		    "ditutup; tambahkan %c di akhir nilainya (%s)", "bad YAML: the quote %c opened on "
		    "this line is never closed; add %c at the end of the value (%s)"), qc, qc, orig);
		return;
	}
	if (ydoc__line_text(buf, len, line, &t, &n)) {
		ind = strspn(t, " \t");
		if (ind > n)
			ind = n;
		if (memchr(t, '\t', ind) != NULL) {
			diag_add(d, shown, line, TR("YAML salah: ada karakter tab untuk menjorok; YAML hanya "
			    "menerima spasi, ganti tab dengan spasi (%s)", "bad YAML: a tab is used for "
			    "indentation; YAML accepts only spaces, replace the tab with spaces (%s)"), orig);
			return;
		}
		if (strcmp(problem, "mapping values are not allowed in this context") == 0) {
			c1 = ydoc__colon(t, n, t);
			c2 = c1 != NULL ? ydoc__colon(t, n, c1 + 1) : NULL;
			if (c2 != NULL) {
				const char *k = t + ind, *v = c1 + 1, *e = t + n;

				if (k + 1 < c1 && k[0] == '-' && k[1] == ' ')
					k += 2;
				while (v < e && (*v == ' ' || *v == '\t'))
					v++;
				while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
					e--;
				q = memchr(v, '"', (size_t)(e - v)) != NULL ? "'" : "\"";
				diag_add(d, shown, line, TR("YAML salah: titik dua dan spasi di dalam nilai tanpa "
				    "tanda kutip; apit nilainya dengan tanda kutip, tulis %.*s: %s%.*s%s (%s)",
				    "bad YAML: a colon and space inside an unquoted value; put the value in "
				    "quotes, write %.*s: %s%.*s%s (%s)"), (int)(c1 - k), k, q, (int)(e - v), v, q,
				    orig);
				return;
			}
			diag_add(d, shown, line, TR("YAML salah: baris ini menjorok tidak sejajar dengan kunci "
			    "di atasnya; samakan jumlah spasi di awal baris (%s)", "bad YAML: this line is "
			    "indented differently from the key above it; use the same number of spaces at "
			    "the start of the line (%s)"), orig);
			return;
		}
	}
	if (*ctx && cline != line)
		diag_add(d, shown, line, TR("YAML salah: %s (mulai di baris %d)",
		    "bad YAML: %s (started on line %d)"), orig, cline);
	else
		diag_add(d, shown, line, TR("YAML salah: %s", "bad YAML: %s"), orig);
}

/* Whether buf nests sequences and mappings more than YDOC_MAX_DEPTH deep
 * (reported to d at the line where it does). libyaml 0.2.5 has no limit of
 * its own, and its scanner checks every open flow level at every token: a
 * 16 KB `a: [[[[…` took 1.6 s to load, 4 MB would take hours. Counted from
 * the parser's events, which stops at the first level too many; a syntax
 * error ends the count (the load reports it). */
static int
ydoc__too_deep(const char *buf, size_t len, const char *shown, struct diags *d)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, done = 0, deep = 0;

	if (!yaml_parser_initialize(&parser))
		return 0; /* the load reports it */
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && yaml_parser_parse(&parser, &ev)) {
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > YDOC_MAX_DEPTH) {
				diag_add(d, shown, (int)ev.start_mark.line + 1,
				    TR("YAML salah: bersarang lebih dari %d tingkat",
				    "bad YAML: nested more than %d levels deep"), YDOC_MAX_DEPTH);
				deep = done = 1;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return deep;
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
	if (ydoc__too_deep(buf, len, shown, d))
		return NULL;
	if (!yaml_parser_initialize(&parser)) {
		diag_add(d, shown, 0, "%s", TR("memori habis", "out of memory"));
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &y->doc)) {
		ydoc__syntax(&parser, buf, len, shown, d);
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
		ydoc__syntax(&parser, buf, len, shown, d);
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
