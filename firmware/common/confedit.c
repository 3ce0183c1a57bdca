/* confedit.c — see confedit.h. */
#include "confedit.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

#define CONFEDIT_MAX (1 << 20)

int
confedit_value_ok(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f || *v == ';' || *v == '#')
			return 0;
	return 1;
}

/* The section a "[name]" line opens into name; 0 if it is not one. */
static int
confedit__section(const char *line, size_t len, char *name, size_t namelen)
{
	size_t i = 0, j;

	while (i < len && isspace((unsigned char)line[i]))
		i++;
	if (i == len || line[i] != '[')
		return 0;
	for (j = i + 1; j < len && line[j] != ']'; j++)
		;
	if (j == len || j - i - 1 >= namelen)
		return 0;
	memcpy(name, line + i + 1, j - i - 1);
	name[j - i - 1] = '\0';
	return 1;
}

/* Whether the line sets key. */
static int
confedit__is_key(const char *line, size_t len, const char *key)
{
	size_t i = 0, k = strlen(key);

	while (i < len && isspace((unsigned char)line[i]))
		i++;
	if (len - i < k || strncmp(line + i, key, k) != 0)
		return 0;
	i += k;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i < len && (line[i] == '=' || line[i] == ':');
}

/* out += s[0..n) */
static int
confedit__add(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t nc = (*cap ? *cap : 4096);
		char *p;

		while (nc < *len + n + 1)
			nc *= 2;
		if ((p = realloc(*out, nc)) == NULL)
			return -1;
		*out = p;
		*cap = nc;
	}
	memcpy(*out + *len, s, n);
	*len += n;
	(*out)[*len] = '\0';
	return 0;
}

/* Set one option in text (replaced by the new text). */
static pb_err
confedit__one(char **text, const struct confedit_kv *kv)
{
	char *out = NULL, sec[128] = "", line[1200];
	size_t len = 0, cap = 0, insert_at = (size_t)-1;
	const char *p = *text, *nl;
	int in = 0, done = 0, n;

	n = snprintf(line, sizeof(line), "%s = %s\n", kv->key, kv->value);
	if (n < 0 || (size_t)n >= sizeof(line))
		return PB_ERR_INVALID;
	for (; *p; p = nl) {
		size_t l;

		nl = strchr(p, '\n');
		nl = nl ? nl + 1 : p + strlen(p);
		l = (size_t)(nl - p);
		if (confedit__section(p, l, sec, sizeof(sec))) {
			if (in && !done)
				insert_at = len; /* the end of our section */
			in = strcmp(sec, kv->section) == 0;
		} else if (in && !done && confedit__is_key(p, l, kv->key)) {
			if (confedit__add(&out, &len, &cap, line, (size_t)n) < 0)
				goto nomem;
			done = 1;
			continue;
		}
		if (confedit__add(&out, &len, &cap, p, l) < 0)
			goto nomem;
		if (l > 0 && p[l - 1] != '\n' && confedit__add(&out, &len, &cap, "\n", 1) < 0)
			goto nomem;
	}
	if (!done && in)
		insert_at = len;
	if (!done && insert_at != (size_t)-1) {
		/* at the end of the section, before the blank lines that end it */
		while (insert_at >= 2 && out[insert_at - 1] == '\n' && out[insert_at - 2] == '\n')
			insert_at--;
		if (confedit__add(&out, &len, &cap, line, (size_t)n) < 0)
			goto nomem;
		memmove(out + insert_at + n, out + insert_at, len - (size_t)n - insert_at);
		memcpy(out + insert_at, line, (size_t)n);
		done = 1;
	}
	if (!done) {
		char head[160];
		int h = snprintf(head, sizeof(head), "%s[%s]\n", len ? "\n" : "", kv->section);

		if (h < 0 || (size_t)h >= sizeof(head) ||
		    confedit__add(&out, &len, &cap, head, (size_t)h) < 0 ||
		    confedit__add(&out, &len, &cap, line, (size_t)n) < 0)
			goto nomem;
	}
	free(*text);
	*text = out;
	return PB_OK;
nomem:
	free(out);
	return PB_ERR_NOMEM;
}

pb_err
confedit_set(const char *path, const struct confedit_kv *kv, size_t n)
{
	char *text = NULL, real[PATH_MAX];
	size_t i;
	pb_err rc;

	for (i = 0; i < n; i++)
		if (!confedit_value_ok(kv[i].value) || !confedit_value_ok(kv[i].key) ||
		    !confedit_value_ok(kv[i].section))
			return PB_ERR_INVALID;
	if ((rc = fs_read_file(path, CONFEDIT_MAX, &text, NULL)) != PB_OK) {
		if (rc != PB_ERR_IO || errno != ENOENT)
			return rc;
		if ((text = calloc(1, 1)) == NULL)
			return PB_ERR_NOMEM;
	}
	for (i = 0; i < n; i++)
		if ((rc = confedit__one(&text, &kv[i])) != PB_OK)
			goto out;
	/* the file itself, not a link to it: the image's /etc/pamong/pamongd.conf
	 * links to the data partition, in a directory pamongd cannot write, and
	 * the link must stay */
	if (realpath(path, real) != NULL)
		path = real;
	rc = fs_write_atomic(path, text, strlen(text), 0640);
out:
	free(text);
	return rc;
}
