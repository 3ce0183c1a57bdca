/* relpath.h — relative paths inside a course folder: safety checks,
 * resolving lesson references, and URL escaping for rendered HTML. */
#ifndef RELPATH_H
#define RELPATH_H

#include "pb.h"

/* Non-zero if p is a safe relative path as written in course.yaml: not
 * empty, no backslash, not starting with '/', no ".." component. */
int relpath_is_safe(const char *p);

/* dir + "/" + rel without doubling the '/'; malloc'd, NULL on no memory.
 * dir "" (or NULL) gives a copy of rel. */
char *relpath_join(const char *dir, const char *rel);

/* The folder part of a relative path ("lessons" for "lessons/a.md", ""
 * for "a.md"); malloc'd. */
char *relpath_dirname(const char *p);

/* Normalise base_dir/ref (both relative, '/'-separated): drop "." and
 * empty components, apply "..". PB_ERR_INVALID if the result would leave
 * the root or is empty. *out is malloc'd. */
pb_err relpath_resolve(const char *base_dir, const char *ref, char **out);

/* Decode %XX escapes of a URL path. PB_ERR_INVALID on a malformed escape
 * or one that decodes to NUL. *out is malloc'd. */
pb_err relpath_unescape(const char *s, char **out);

/* Percent-encode every byte but A-Z a-z 0-9 / . _ ~ - ; malloc'd. */
char *relpath_escape(const char *s);

/* Non-zero if s starts with a URL scheme ("https:", "mailto:"). */
int relpath_has_scheme(const char *s);

#endif
