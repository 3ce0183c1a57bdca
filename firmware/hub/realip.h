/* realip.h — the address a request really comes from. Behind a reverse
 * proxy every TCP peer is the proxy; the proxy names the client in
 * X-Forwarded-For (appending the peer it saw to what the client sent) and
 * X-Real-IP. Those headers are believed only when the TCP peer is one of
 * the configured proxies, and from X-Forwarded-For only the rightmost entry
 * that is not itself a configured proxy: entries further left came from the
 * client and can say anything. In every other case (an untrusted peer, no
 * header, a malformed entry) the client is the TCP peer. Addresses are
 * compared as binary IPv4/IPv6 (an IPv4-mapped IPv6 address is its IPv4
 * address) and returned in one canonical text form, so one client always
 * gets the same rate-limit key. */
#ifndef HUB_REALIP_H
#define HUB_REALIP_H

#include <stddef.h>

#include "pb.h"

#define REALIP_MAX 16      /* proxies in one list */
#define REALIP_ADDRLEN 46  /* INET6_ADDRSTRLEN: canonical text + NUL */

/* Configured proxies. */
struct realip_list {
	size_t n;                        /* entries used */
	struct realip_addr {
		int family;              /* AF_INET or AF_INET6 */
		unsigned char addr[16];  /* network order; 4 bytes for AF_INET */
	} a[REALIP_MAX];
};

/* Parse a list of IPv4/IPv6 addresses separated by spaces or commas (empty:
 * no proxies). PB_ERR_INVALID with a message in err for an entry that is
 * not an address, or more than REALIP_MAX entries. */
pb_err realip_parse(const char *text, struct realip_list *out, char *err, size_t errlen);

/* The client of a request that came from TCP peer (text, as the server
 * reports it) with these X-Forwarded-For and X-Real-IP headers (either may
 * be NULL), in canonical text. X-Forwarded-For is used when present, else
 * X-Real-IP. */
void realip_client(const struct realip_list *proxies, const char *peer, const char *xff,
    const char *xrealip, char out[REALIP_ADDRLEN]);

#endif
