/* Unit tests for conf.c: defaults, parsing, errors with file:line, example. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "tap.h"

struct cfg {
	char name[CONF_STR_MAX];
	long port;
	int on;
};

static const struct conf_opt opts[] = {
	{ "a", "name", CONF_STR, "box", 0, 0, offsetof(struct cfg, name), "A name." },
	{ "a", "port", CONF_INT, "8080", 1, 65535, offsetof(struct cfg, port), "A port." },
	{ "b", "on", CONF_BOOL, "no", 0, 0, offsetof(struct cfg, on), "A switch\nover two lines." },
};

static const char *
write_tmp(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/pb-conf-%d.conf", (int)getpid());
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

int
main(void)
{
	struct cfg c;
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *mem;
	const char *p;

	conf_defaults(opts, PB_ARRAY_LEN(opts), &c);
	CHECK(strcmp(c.name, "box") == 0 && c.port == 8080 && c.on == 0, "defaults are applied");

	p = write_tmp("[a]\nname = desa\nport = 81\n[b]\non = yes\n");
	CHECK(conf_load(opts, PB_ARRAY_LEN(opts), &c, p, err, sizeof(err)) == PB_OK &&
	    strcmp(c.name, "desa") == 0 && c.port == 81 && c.on == 1, "a good file is read");

	static const struct {
		const char *text;
		const char *want;
	} bad[] = {
		{ "[a]\nport = 0\n", ":2: a.port: 0 is outside 1..65535" },
		{ "[a]\n\nport = eighty\n", ":3: a.port: \"eighty\" is not a whole number" },
		{ "[b]\non = maybe\n", ":2: b.on: \"maybe\" is not yes or no" },
		{ "[a]\nnmae = x\n", ":2: unknown option a.nmae" },
		{ "[a\n", ":1: syntax error" },
	};
	for (size_t i = 0; i < PB_ARRAY_LEN(bad); i++) {
		conf_defaults(opts, PB_ARRAY_LEN(opts), &c);
		p = write_tmp(bad[i].text);
		if (!CHECK(conf_load(opts, PB_ARRAY_LEN(opts), &c, p, err, sizeof(err)) == PB_ERR_INVALID &&
		    strstr(err, bad[i].want) != NULL && strncmp(err, p, strlen(p)) == 0,
		    "bad file %zu reports \"%s\"", i, bad[i].want))
			printf("#   got: %s\n", err);
	}
	unlink(p);
	CHECK(conf_load(opts, PB_ARRAY_LEN(opts), &c, "/nonexistent/x.conf", err, sizeof(err)) ==
	    PB_ERR_IO, "a missing file is an I/O error");

	mem = open_memstream(&buf, &len);
	conf_write_example(opts, PB_ARRAY_LEN(opts), "Example", mem);
	fclose(mem);
	CHECK(strstr(buf, "[a]\n") && strstr(buf, "# A port. (1..65535)\nport = 8080\n") &&
	    strstr(buf, "# A switch\n# over two lines.\non = no\n"), "the example has every option, "
	    "its help as comments and its default");
	p = write_tmp(buf);
	conf_defaults(opts, PB_ARRAY_LEN(opts), &c);
	CHECK(conf_load(opts, PB_ARRAY_LEN(opts), &c, p, err, sizeof(err)) == PB_OK,
	    "the example parses back");
	unlink(p);
	free(buf);
	return TAP_DONE();
}
