/* relpath.c — see relpath.h. */
#include "relpath.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int
relpath_is_safe(const char *p)
{
	const char *c;

	if (p == NULL || *p == '\0' || *p == '/' || strchr(p, '\\') != NULL)
		return 0;
	for (c = p; *c; ) {
		size_t len = strcspn(c, "/");

		if (len == 2 && c[0] == '.' && c[1] == '.')
			return 0;
		c += len;
		if (*c == '/')
			c++;
	}
	return 1;
}

char *
relpath_join(const char *dir, const char *rel)
{
	size_t dl = dir != NULL ? strlen(dir) : 0, rl = strlen(rel);
	char *out;

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if ((out = malloc(dl + rl + 2)) == NULL)
		return NULL;
	if (dl > 0) {
		memcpy(out, dir, dl);
		if (dir[dl - 1] != '/')
			out[dl++] = '/';
	}
	memcpy(out + dl, rel, rl + 1);
	return out;
}

char *
relpath_dirname(const char *p)
{
	const char *slash = strrchr(p, '/');

	return strndup(p, slash != NULL ? (size_t)(slash - p) : 0);
}

pb_err
relpath_resolve(const char *base_dir, const char *ref, char **out)
{
	char *joined, *res = NULL, *c;
	size_t n = 0;
	pb_err rc = PB_ERR_NOMEM;

	*out = NULL;
	if ((joined = relpath_join(base_dir, ref)) == NULL)
		return PB_ERR_NOMEM;
	if ((res = malloc(strlen(joined) + 1)) == NULL)
		goto out;
	rc = PB_ERR_INVALID;
	if (joined[0] == '/')
		goto out;
	for (c = joined; *c; ) {
		size_t len = strcspn(c, "/");

		if (len == 0 || (len == 1 && c[0] == '.')) {
			/* nothing */
		} else if (len == 2 && c[0] == '.' && c[1] == '.') {
			if (n == 0)
				goto out;
			while (n > 0 && res[n - 1] != '/')
				n--;
			if (n > 0)
				n--; /* the '/' before the dropped component */
		} else {
			if (n > 0)
				res[n++] = '/';
			memcpy(res + n, c, len);
			n += len;
		}
		c += len;
		if (*c == '/')
			c++;
	}
	if (n == 0)
		goto out;
	res[n] = '\0';
	*out = res;
	res = NULL;
	rc = PB_OK;
out:
	free(joined);
	free(res);
	return rc;
}

pb_err
relpath_unescape(const char *s, char **out)
{
	char *res = malloc(strlen(s) + 1);
	size_t n = 0;

	*out = NULL;
	if (res == NULL)
		return PB_ERR_NOMEM;
	for (; *s; s++) {
		if (*s == '%') {
			int hi = util_hexval(s[1]), lo = hi < 0 ? -1 : util_hexval(s[2]);

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(res);
				return PB_ERR_INVALID;
			}
			res[n++] = (char)(hi << 4 | lo);
			s += 2;
		} else {
			res[n++] = *s;
		}
	}
	res[n] = '\0';
	*out = res;
	return PB_OK;
}

char *
relpath_escape(const char *s)
{
	static const char digits[] = "0123456789ABCDEF";
	char *res = malloc(strlen(s) * 3 + 1), *o = res;

	if (res == NULL)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '/' || c == '.' || c == '_' || c == '~' || c == '-') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = digits[c >> 4];
			*o++ = digits[c & 15];
		}
	}
	*o = '\0';
	return res;
}

int
relpath_has_scheme(const char *s)
{
	const char *c = s;

	if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
		return 0;
	for (c++; *c; c++) {
		if (*c == ':')
			return 1;
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '+' || *c == '.' || *c == '-'))
			return 0;
	}
	return 0;
}
