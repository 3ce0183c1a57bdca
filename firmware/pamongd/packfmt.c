/* packfmt.c — see packfmt.h. */
#include "packfmt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "jsonin.h"

pb_err
packfmt_fail(char *err, size_t errlen, pb_err rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* out = a/b; -1 if it does not fit in PATH_MAX. */
int
packfmt_join(char out[PATH_MAX], const char *a, const char *b)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", a, b);

	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

/* ---- names and versions ---- */

int
packfmt_valid_id(const char *s, size_t max)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-'))
			return 0;
	return 1;
}

/* Parse MAJOR.MINOR.PATCH (decimal, at most 9 digits each). */
int
packfmt_parse_version(const char *s, long v[3])
{
	int i;

	for (i = 0; i < 3; i++) {
		int digits = 0;

		v[i] = 0;
		while (*s >= '0' && *s <= '9') {
			if (++digits > 9)
				return -1;
			v[i] = v[i] * 10 + (*s++ - '0');
		}
		if (digits == 0)
			return -1;
		if (i < 2 && *s++ != '.')
			return -1;
	}
	return *s == '\0' ? 0 : -1;
}

/* <0, 0, >0 like strcmp; both must parse. */
int
packfmt_vercmp(const char *a, const char *b)
{
	long va[3], vb[3];
	int i;

	if (packfmt_parse_version(a, va) < 0 || packfmt_parse_version(b, vb) < 0)
		return strcmp(a, b);
	for (i = 0; i < 3; i++)
		if (va[i] != vb[i])
			return va[i] < vb[i] ? -1 : 1;
	return 0;
}

/* A relative path without empty, "." or ".." components, backslashes or
 * control characters, at most PACKFMT_MAX_DEPTH components deep. */
int
packfmt_safe_path(const char *p)
{
	size_t n = strlen(p), i, start = 0, parts = 0;

	if (n == 0 || n > PACKFMT_MAX_RELPATH || p[0] == '/')
		return 0;
	for (i = 0; i <= n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch != '\0' && ch != '/') {
			if (ch < 0x20 || ch == 0x7f || ch == '\\')
				return 0;
			continue;
		}
		if (i == start || (i - start == 1 && p[start] == '.') ||
		    (i - start == 2 && p[start] == '.' && p[start + 1] == '.') ||
		    ++parts > PACKFMT_MAX_DEPTH)
			return 0;
		start = i + 1;
	}
	return 1;
}

/* Whether root/rel is a regular file (not a link). */
int
packfmt_is_file(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	if (packfmt_join(path, root, rel) < 0)
		return 0;
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- JSON files ---- */

pb_err
packfmt_load_json(const char *root, const char *name, json_t **out, char *err,
    size_t errlen)
{
	char path[PATH_MAX];
	size_t len;
	char *buf;
	pb_err rc;

	*out = NULL;
	if (packfmt_join(path, root, name) < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: path too long", name);
	if ((rc = fs_read_file(path, PACKFMT_MAX_JSON, &buf, &len)) != PB_OK)
		return packfmt_fail(err, errlen, rc == PB_ERR_LIMIT ? rc : PB_ERR_INVALID,
		    "%s: %s", name, rc == PB_ERR_LIMIT ? "too large" : strerror(errno));
	rc = packfmt_parse_json(buf, len, name, out, err, errlen);
	free(buf);
	return rc;
}

pb_err
packfmt_parse_json(const char *text, size_t len, const char *name, json_t **out,
    char *err, size_t errlen)
{
	json_error_t jerr;

	*out = NULL;
	if (len > PACKFMT_MAX_JSON)
		return packfmt_fail(err, errlen, PB_ERR_LIMIT, "%s: too large", name);
	*out = jsonin_parse(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (*out == NULL)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s:%d: %s", name, jerr.line,
		    jerr.text);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: not a JSON object", name);
	}
	return PB_OK;
}

/* A string member; NULL when absent or not a string. */
const char *
packfmt_jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

pb_err
packfmt_id_version(const json_t *o, const char *name, char *id, size_t idlen,
    char *version, size_t verlen, char *err, size_t errlen)
{
	const char *i = packfmt_jstr(o, "id"), *v = packfmt_jstr(o, "version");
	long parts[3];

	if (i == NULL || !packfmt_valid_id(i, idlen - 1))
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: bad or missing id", name);
	if (v == NULL || strlen(v) >= verlen || packfmt_parse_version(v, parts) < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: bad or missing version",
		    name);
	snprintf(id, idlen, "%s", i);
	snprintf(version, verlen, "%s", v);
	return PB_OK;
}
