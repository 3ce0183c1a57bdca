/* uplink.h — is there a way out? Watches netlink (libmnl) for a default
 * route on an uplink interface (eth0, usb0, wwan0, ppp0, … never the
 * hotspot's) and calls back when that changes. Event-driven: the thread
 * sleeps in poll() on the netlink socket; nothing is polled on a timer. */
#ifndef UPLINK_H
#define UPLINK_H

#include <net/if.h>

#include "pb.h"

struct uplink;

/* Called from the uplink thread whenever the state changes: up is 1 with
 * the interface name of a usable default route, 0 when none is left. */
typedef void (*uplink_cb)(void *arg, int up, const char *ifname);

/* patterns: comma-separated interface names or fnmatch globs ("eth*,usb0");
 * hotspot: the access point interface, never an uplink (may be ""). */
pb_err uplink_start(const char *patterns, const char *hotspot, uplink_cb cb, void *arg,
    struct uplink **out);
void uplink_stop(struct uplink *u);

/* Non-zero if an uplink default route exists now; ifname gets its name. */
int uplink_is_up(struct uplink *u, char ifname[IF_NAMESIZE]);

/* Non-zero if ifname is an uplink by patterns and is not hotspot. */
int uplink_matches(const char *patterns, const char *hotspot, const char *ifname);

#endif
