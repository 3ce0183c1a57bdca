/* conf.c — see conf.h. */
#include "conf.h"

#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct conf_ctx {
	const struct conf_opt *opts;
	size_t n;
	void *cfg;
	char *err;
	size_t errlen;
};

static pb_err
conf__apply(const struct conf_opt *o, void *cfg, const char *value, char *err, size_t errlen)
{
	char *field = (char *)cfg + o->offset;

	switch (o->type) {
	case CONF_STR:
		if (strlen(value) >= CONF_STR_MAX) {
			snprintf(err, errlen, "%s.%s: value is too long", o->section, o->name);
			return PB_ERR_INVALID;
		}
		strcpy(field, value);
		return PB_OK;
	case CONF_INT: {
		char *end;
		long v;

		errno = 0;
		v = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0') {
			snprintf(err, errlen, "%s.%s: \"%s\" is not a whole number",
			    o->section, o->name, value);
			return PB_ERR_INVALID;
		}
		if (v < o->min || v > o->max) {
			snprintf(err, errlen, "%s.%s: %ld is outside %ld..%ld", o->section,
			    o->name, v, o->min, o->max);
			return PB_ERR_INVALID;
		}
		memcpy(field, &v, sizeof(v));
		return PB_OK;
	}
	case CONF_BOOL: {
		int v;

		if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") ||
		    !strcasecmp(value, "on") || !strcmp(value, "1"))
			v = 1;
		else if (!strcasecmp(value, "no") || !strcasecmp(value, "false") ||
		    !strcasecmp(value, "off") || !strcmp(value, "0"))
			v = 0;
		else {
			snprintf(err, errlen, "%s.%s: \"%s\" is not yes or no", o->section,
			    o->name, value);
			return PB_ERR_INVALID;
		}
		memcpy(field, &v, sizeof(v));
		return PB_OK;
	}
	}
	return PB_ERR_INVALID;
}

void
conf_defaults(const struct conf_opt *opts, size_t n, void *cfg)
{
	char err[256];
	size_t i;

	for (i = 0; i < n; i++)
		(void)conf__apply(&opts[i], cfg, opts[i].def, err, sizeof(err));
}

pb_err
conf_set(const struct conf_opt *opts, size_t n, void *cfg, const char *section,
    const char *name, const char *value, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(opts[i].section, section) && !strcmp(opts[i].name, name))
			return conf__apply(&opts[i], cfg, value, err, errlen);
	snprintf(err, errlen, "unknown option %s.%s", section, name);
	return PB_ERR_INVALID;
}

static int
conf__handler(void *user, const char *section, const char *name, const char *value)
{
	struct conf_ctx *c = user;

	return conf_set(c->opts, c->n, c->cfg, section, name, value, c->err, c->errlen) ==
	    PB_OK;
}

pb_err
conf_load(const struct conf_opt *opts, size_t n, void *cfg, const char *path, char *err,
    size_t errlen)
{
	struct conf_ctx c = { opts, n, cfg, NULL, 0 };
	char msg[400] = "";
	FILE *f;
	int line;

	c.err = msg;
	c.errlen = sizeof(msg);
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return PB_ERR_IO;
	}
	line = ini_parse_file(f, conf__handler, &c);
	fclose(f);
	if (line != 0) {
		snprintf(err, errlen, "%s:%d: %s", path, line,
		    msg[0] ? msg : "syntax error (expected [section] or key = value)");
		return PB_ERR_INVALID;
	}
	return PB_OK;
}

void
conf_write_example(const struct conf_opt *opts, size_t n, const char *title, FILE *f)
{
	const char *section = NULL;
	size_t i;

	fprintf(f, "# %s\n#\n# Every value below is the default; change what you need.\n",
	    title);
	for (i = 0; i < n; i++) {
		const struct conf_opt *o = &opts[i];
		const char *h = o->help;

		if (section == NULL || strcmp(section, o->section) != 0) {
			section = o->section;
			fprintf(f, "\n[%s]\n", section);
		}
		fputs("\n# ", f);
		for (; *h; h++) {
			fputc(*h, f);
			if (*h == '\n')
				fputs("# ", f);
		}
		if (o->type == CONF_INT)
			fprintf(f, " (%ld..%ld)", o->min, o->max);
		fprintf(f, "\n%s = %s\n", o->name, o->def);
	}
}
