/* conf.h — table-driven config files (INI, read with inih). Each program
 * describes every option once: section, name, type, default, limits, help.
 * The same table gives the defaults, validates a file, and prints the fully
 * commented example config. */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>
#include <stdio.h>

#include "pb.h"

#define CONF_STR_MAX 512

enum conf_type {
	CONF_STR,  /* char[CONF_STR_MAX] */
	CONF_INT,  /* long, within [min, max] */
	CONF_BOOL  /* int, 0 or 1; accepts yes/no, true/false, on/off, 1/0 */
};

struct conf_opt {
	const char *section;  /* INI section, e.g. "http" */
	const char *name;     /* key inside the section */
	enum conf_type type;  /* how the value is parsed and stored */
	const char *def;      /* default, as it would be written in the file */
	long min, max;        /* limits for CONF_INT */
	size_t offset;        /* offsetof the field in the program's config */
	const char *help;     /* comment for the example config; '\n' separates lines */
};

/* An old option name still read, with a warning: its value goes to the
 * option to_section.to_name, or nowhere when to_name is NULL (the value is
 * now derived from other options; note says from which). */
struct conf_alias {
	const char *section, *name;       /* the deprecated option */
	const char *to_section, *to_name; /* where its value goes; NULL = ignored */
	const char *note;                 /* the warning's advice */
};

/* Fill cfg with every default. */
void conf_defaults(const struct conf_opt *opts, size_t n, void *cfg);

/* Read path over cfg (call conf_defaults first). On a bad file returns
 * PB_ERR_INVALID with "path:line: message" in err. A missing file is
 * PB_ERR_IO. */
pb_err conf_load(const struct conf_opt *opts, size_t n, void *cfg, const char *path,
    char *err, size_t errlen);

/* conf_load that also reads the deprecated names in aliases: each one met
 * appends "path:line: warning …\n" to warn (truncated if warnlen is short). */
pb_err conf_load_aliased(const struct conf_opt *opts, size_t n,
    const struct conf_alias *aliases, size_t naliases, void *cfg, const char *path,
    char *warn, size_t warnlen, char *err, size_t errlen);

/* Set one option from text (same checks as the file). */
pb_err conf_set(const struct conf_opt *opts, size_t n, void *cfg, const char *section,
    const char *name, const char *value, char *err, size_t errlen);

/* Write the commented example config whose values are the defaults. */
void conf_write_example(const struct conf_opt *opts, size_t n, const char *title, FILE *f);

#endif
