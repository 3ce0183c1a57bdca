/* confedit.h — changing options of an INI config file in place: the
 * console's settings. Every other line (comments, order, other options)
 * stays as it was; the file is replaced atomically (fsutil.h). Values are
 * one line without ';' or '#' (inih would read them as comments). */
#ifndef CONFEDIT_H
#define CONFEDIT_H

#include <stddef.h>

#include "pb.h"

struct confedit_kv {
	const char *section;
	const char *key;
	const char *value;
};

/* Non-zero if value can be written as an option's value. */
int confedit_value_ok(const char *value);

/* Set each option of kv in the file at path (a missing file is created):
 * its line in its section is replaced, or added at the end of the section,
 * or the section is added at the end. A symbolic link is followed: the file
 * it names is replaced (atomically, in its own directory), the link kept. */
pb_err confedit_set(const char *path, const struct confedit_kv *kv, size_t n);

#endif
