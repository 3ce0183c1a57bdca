/* Unit tests for the server's handler registration (http_handle): which
 * prefixes it takes, and that the longest prefix is tried first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "config.h"
#include "http.h"
#include "http_int.h"
#include "tap.h"

static int
handler(struct mg_connection *conn, const char *path, void *arg)
{
	(void)conn;
	(void)path;
	(void)arg;
	return 200;
}

static void
test_prefixes(const struct config *cfg)
{
	static const char *bad[] = { "", "api/v1/", "/api/v1", "/api/*/", "/api/v1$/",
		"/a?i/", "/api|/x/" };
	char what[64];
	struct http *h;
	size_t i;

	if (!CHECK(http_new(cfg, "/nonexistent/packs", &h) == PB_OK, "a server is made"))
		return;
	for (i = 0; i < PB_ARRAY_LEN(bad); i++) {
		snprintf(what, sizeof(what), "prefix \"%s\" is refused", bad[i]);
		CHECK_EQ_INT(http_handle(h, bad[i], handler, NULL), PB_ERR_INVALID, what);
	}
	CHECK_EQ_INT(http_handle(h, "/api/v1/", handler, NULL), PB_OK,
	    "a literal prefix between slashes is taken");
	CHECK_EQ_INT(http_handle(h, "/api/v1/", handler, NULL), PB_ERR_EXISTS,
	    "the same prefix twice is refused");
	http_stop(h);
}

static void
test_limit(const struct config *cfg)
{
	static const char *p[] = { "/a/", "/b/", "/c/", "/d/", "/e/", "/f/", "/g/", "/h/",
		"/i/" };
	_Static_assert(PB_ARRAY_LEN(p) > HTTP_MAX_HANDLERS, "one prefix more than the limit");
	struct http *h;
	size_t i;

	if (http_new(cfg, "/nonexistent/packs", &h) != PB_OK)
		return;
	for (i = 0; i < HTTP_MAX_HANDLERS; i++)
		if (http_handle(h, p[i], handler, NULL) != PB_OK)
			break;
	CHECK_EQ_INT(i, HTTP_MAX_HANDLERS, "HTTP_MAX_HANDLERS prefixes are taken");
	CHECK_EQ_INT(http_handle(h, p[HTTP_MAX_HANDLERS], handler, NULL), PB_ERR_LIMIT,
	    "one more is refused");
	http_stop(h);
}

static void
test_longest_first(const struct config *cfg)
{
	int a, b, c;
	struct http *h;

	if (http_new(cfg, "/nonexistent/packs", &h) != PB_OK)
		return;
	http_handle(h, "/api/v1/", handler, &a);
	http_handle(h, "/api/v1/console/", handler, &b);
	http_handle(h, "/x/", handler, &c);
	CHECK_EQ_INT(h->nhandlers, 3, "three prefixes registered");
	CHECK_EQ_STR(h->handler[0].prefix, "/api/v1/console/",
	    "a nested prefix registered later is tried before its parent");
	CHECK(h->handler[0].arg == &b && h->handler[1].arg == &a && h->handler[2].arg == &c,
	    "each prefix keeps its own argument");
	CHECK_EQ_INT(h->handler[1].len, strlen("/api/v1/"), "the prefix length is kept");
	http_stop(h);
}

/* gzip with a window sized to the input gives back the input, from 0
 * bytes to more than deflate's largest window. */
static void
test_gzip(void)
{
	static const size_t sizes[] = { 0, 1, 300, 1024, 1500, 3000, 5000, 40000, 200000 };
	static const char pat[] = "{\"id\":\"lesson-\",\"title\":\"Anggaran Desa\"}";
	size_t i, j, n, glen;
	unsigned char *gz, *back;
	char *in;
	z_stream zs;
	int okr;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		in = malloc(n + 1);
		back = malloc(n + 1);
		for (j = 0; j < n; j++) /* JSON-like text with repeats far apart */
			in[j] = (char)(pat[j % (sizeof(pat) - 1)] + (char)((j / 5000) % 3));
		gz = http__gzip(in, n, &glen);
		memset(&zs, 0, sizeof(zs));
		okr = gz != NULL && inflateInit2(&zs, 15 + 16) == Z_OK;
		if (okr) {
			zs.next_in = gz;
			zs.avail_in = (uInt)glen;
			zs.next_out = back;
			zs.avail_out = (uInt)n + 1;
			okr = inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out == n &&
			    memcmp(in, back, n) == 0;
			inflateEnd(&zs);
		}
		CHECK(okr && (n < 1024 || glen < n / 2), "gzip of %zu bytes inflates back (%zu bytes)",
		    n, glen);
		free(gz);
		free(in);
		free(back);
	}
}

int
main(void)
{
	struct config cfg;
	char err[256];

	if (config_load(&cfg, NULL, err, sizeof(err)) != PB_OK)
		return 1;
	test_prefixes(&cfg);
	test_limit(&cfg);
	test_longest_first(&cfg);
	test_gzip();
	return TAP_DONE();
}
