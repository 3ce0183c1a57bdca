/* Unit tests for uplink.c's interface matching (the netlink watch itself is
 * exercised in network namespaces by tests/net). */
#include "tap.h"
#include "uplink.h"

int
main(void)
{
	static const struct {
		const char *patterns, *hotspot, *ifname;
		int want;
		const char *what;
	} cases[] = {
		{ "eth0,usb0,wwan0,ppp0", "wlan0", "eth0", 1, "a listed name is an uplink" },
		{ "eth0,usb0,wwan0,ppp0", "wlan0", "ppp0", 1, "the last listed name matches" },
		{ "eth0,usb0,wwan0,ppp0", "wlan0", "eth1", 0, "an unlisted name is not" },
		{ "eth*, enx*", "wlan0", "enx00e04c680001", 1, "globs and spaces in the list work" },
		{ "*", "wlan0", "wlan0", 0, "the hotspot is never an uplink, even for *" },
		{ "*", "", "lo", 0, "loopback is never an uplink" },
		{ "", "wlan0", "eth0", 0, "an empty list matches nothing" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_EQ_INT(uplink_matches(cases[i].patterns, cases[i].hotspot, cases[i].ifname),
		    cases[i].want, cases[i].what);
	return TAP_DONE();
}
