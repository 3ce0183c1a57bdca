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
	const struct conf_alias *aliases;
	size_t naliases;
	const char *path;
	int line;               /* the line being read (counted by the handler) */
	char *warn;
	size_t warnlen;
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
conf__handler_lineno(void *user, const char *section, const char *name, const char *value,
    int lineno)
{
	struct conf_ctx *c = user;
	size_t i, used;

	for (i = 0; i < c->naliases; i++) {
		const struct conf_alias *a = &c->aliases[i];

		if (strcmp(a->section, section) != 0 || strcmp(a->name, name) != 0)
			continue;
		used = c->warn ? strlen(c->warn) : 0;
		if (c->warn && used + 1 < c->warnlen)
			snprintf(c->warn + used, c->warnlen - used, "%s:%d: warning: %s.%s is "
			    "deprecated%s: %s\n", c->path, lineno, section, name,
			    a->to_name ? "" : " and ignored", a->note);
		if (a->to_name == NULL)
			return 1;
		return conf_set(c->opts, c->n, c->cfg, a->to_section, a->to_name, value,
		    c->err, c->errlen) == PB_OK;
	}
	return conf_set(c->opts, c->n, c->cfg, section, name, value, c->err, c->errlen) ==
	    PB_OK;
}

pb_err
conf_load(const struct conf_opt *opts, size_t n, void *cfg, const char *path, char *err,
    size_t errlen)
{
	return conf_load_aliased(opts, n, NULL, 0, cfg, path, NULL, 0, err, errlen);
}

/* inih without INI_HANDLER_LINENO: count lines ourselves through the
 * reader, so warnings can name theirs. */
struct conf__reader {
	FILE *f;
	struct conf_ctx *c;
};

static char *
conf__reader(char *str, int num, void *stream)
{
	struct conf__reader *r = stream;
	char *s = fgets(str, num, r->f);

	if (s != NULL)
		r->c->line++;
	return s;
}

static int
conf__handler(void *user, const char *section, const char *name, const char *value)
{
	struct conf_ctx *c = user;

	return conf__handler_lineno(user, section, name, value, c->line);
}

pb_err
conf_load_aliased(const struct conf_opt *opts, size_t n, const struct conf_alias *aliases,
    size_t naliases, void *cfg, const char *path, char *warn, size_t warnlen, char *err,
    size_t errlen)
{
	struct conf_ctx c;
	struct conf__reader rd;
	char msg[400] = "";
	FILE *f;
	int line;

	memset(&c, 0, sizeof(c));
	c.opts = opts;
	c.n = n;
	c.cfg = cfg;
	c.aliases = aliases;
	c.naliases = naliases;
	c.path = path;
	c.warn = warn;
	c.warnlen = warnlen;
	if (warn != NULL && warnlen > 0)
		warn[0] = '\0';
	c.err = msg;
	c.errlen = sizeof(msg);
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return PB_ERR_IO;
	}
	rd.f = f;
	rd.c = &c;
	line = ini_parse_stream(conf__reader, &rd, conf__handler, &c);
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
