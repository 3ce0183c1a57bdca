/* Unit tests for realip.c: which address a request comes from behind a
 * reverse proxy, and that nobody else can choose it. */
#include "realip.h"
#include "tap.h"

static void
test_parse(void)
{
	struct realip_list l;
	char err[200];

	CHECK(realip_parse("", &l, err, sizeof(err)) == PB_OK && l.n == 0,
	    "an empty list means no proxies");
	CHECK(realip_parse("127.0.0.1", &l, err, sizeof(err)) == PB_OK && l.n == 1,
	    "one address");
	CHECK(realip_parse(" 10.0.0.1, ::1 ,192.168.1.2 ", &l, err, sizeof(err)) == PB_OK &&
	    l.n == 3, "addresses separated by commas and spaces, IPv4 and IPv6");
	CHECK(realip_parse("127.0.0.1, localhost", &l, err, sizeof(err)) == PB_ERR_INVALID &&
	    strstr(err, "localhost") != NULL, "a host name is refused and named (%s)", err);
	CHECK(realip_parse("10.0.0.0/8", &l, err, sizeof(err)) == PB_ERR_INVALID,
	    "a network is refused: addresses only");
	CHECK(realip_parse("127.0.0.1:80", &l, err, sizeof(err)) == PB_ERR_INVALID,
	    "an address with a port is refused");
}

static void
test_client(void)
{
	static const struct {
		const char *peer, *xff, *xreal, *want, *what;
	} rows[] = {
		{ "127.0.0.1", NULL, NULL, "127.0.0.1", "without headers the client is the peer" },
		{ "127.0.0.1", "203.0.113.7", NULL, "203.0.113.7",
		    "a trusted proxy's X-Forwarded-For names the client" },
		{ "127.0.0.1", "6.6.6.6, 203.0.113.7", NULL, "203.0.113.7",
		    "the rightmost entry counts, not what the client put before it" },
		{ "127.0.0.1", "6.6.6.6, 203.0.113.7, 127.0.0.1", NULL, "203.0.113.7",
		    "entries that are our own proxies are skipped" },
		{ "127.0.0.1", "127.0.0.1", NULL, "127.0.0.1",
		    "when every entry is a proxy the leftmost is the client" },
		{ "127.0.0.1", "203.0.113.7:4711", NULL, "203.0.113.7",
		    "a port after an IPv4 entry is dropped" },
		{ "127.0.0.1", "[2001:db8::1]:4711", NULL, "2001:db8::1",
		    "a bracketed IPv6 entry with a port" },
		{ "127.0.0.1", "2001:DB8:0::1", NULL, "2001:db8::1",
		    "IPv6 is given in canonical form" },
		{ "127.0.0.1", "::ffff:203.0.113.7", NULL, "203.0.113.7",
		    "an IPv4-mapped address is its IPv4 address" },
		{ "127.0.0.1", "6.6.6.6, bogus", NULL, "127.0.0.1",
		    "a malformed rightmost entry leaves the peer" },
		{ "127.0.0.1", "", NULL, "127.0.0.1", "an empty header leaves the peer" },
		{ "127.0.0.1", NULL, "198.51.100.4", "198.51.100.4",
		    "a trusted proxy's X-Real-IP names the client" },
		{ "127.0.0.1", "203.0.113.7", "198.51.100.4", "203.0.113.7",
		    "X-Forwarded-For is preferred to X-Real-IP" },
		{ "127.0.0.1", NULL, "not an address", "127.0.0.1",
		    "a malformed X-Real-IP leaves the peer" },
		{ "192.0.2.9", "203.0.113.7", "198.51.100.4", "192.0.2.9",
		    "an untrusted peer's headers are ignored" },
		{ "::ffff:127.0.0.1", "203.0.113.7", NULL, "203.0.113.7",
		    "a proxy seen as an IPv4-mapped peer is still trusted" },
	};
	struct realip_list l;
	char err[200], out[REALIP_ADDRLEN];
	size_t i;

	CHECK(realip_parse("127.0.0.1", &l, err, sizeof(err)) == PB_OK, "the proxy list parses");
	for (i = 0; i < PB_ARRAY_LEN(rows); i++) {
		realip_client(&l, rows[i].peer, rows[i].xff, rows[i].xreal, out);
		CHECK_EQ_STR(out, rows[i].want, rows[i].what);
	}
	CHECK(realip_parse("", &l, err, sizeof(err)) == PB_OK, "an empty list parses");
	realip_client(&l, "127.0.0.1", "203.0.113.7", "198.51.100.4", out);
	CHECK_EQ_STR(out, "127.0.0.1", "without proxies no header is believed");
}

int
main(void)
{
	test_parse();
	test_client();
	return TAP_DONE();
}
