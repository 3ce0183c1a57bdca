/* realip.c — see realip.h. */
#include "realip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* One address in text, exactly; an IPv4-mapped IPv6 address becomes IPv4. */
static int
realip__pton(const char *s, struct realip_addr *a)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->addr) != 1)
		return -1;
	a->family = AF_INET6;
	if (memcmp(a->addr, mapped, sizeof(mapped)) == 0) {
		memmove(a->addr, a->addr + 12, 4);
		memset(a->addr + 4, 0, 12);
		a->family = AF_INET;
	}
	return 0;
}

/* One header entry of len bytes: blanks around it, "[v6]", "[v6]:port" and
 * "v4:port" as some proxies write them. */
static int
realip__entry(const char *s, size_t len, struct realip_addr *a)
{
	char buf[REALIP_ADDRLEN + 16], *p, *colon;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	p = buf;
	if (*p == '[') {
		if ((colon = strchr(p, ']')) == NULL || (colon[1] != '\0' && colon[1] != ':'))
			return -1;
		*colon = '\0';
		p++;
	} else if ((colon = strchr(p, ':')) != NULL && colon == strrchr(p, ':')) {
		*colon = '\0';
	}
	return realip__pton(p, a);
}

static int
realip__trusted(const struct realip_list *l, const struct realip_addr *a)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->a[i].family == a->family && memcmp(l->a[i].addr, a->addr,
		    a->family == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

static void
realip__text(const struct realip_addr *a, char out[REALIP_ADDRLEN])
{
	if (inet_ntop(a->family, a->addr, out, REALIP_ADDRLEN) == NULL)
		snprintf(out, REALIP_ADDRLEN, "?");
}

pb_err
realip_parse(const char *text, struct realip_list *out, char *err, size_t errlen)
{
	char tok[REALIP_ADDRLEN + 16];
	size_t len;

	memset(out, 0, sizeof(*out));
	for (;;) {
		text += strspn(text, " \t,");
		if (*text == '\0')
			return PB_OK;
		len = strcspn(text, " \t,");
		snprintf(tok, sizeof(tok), "%.*s", (int)(len < sizeof(tok) - 1 ? len :
		    sizeof(tok) - 1), text);
		if (out->n == REALIP_MAX) {
			snprintf(err, errlen, "more than %d addresses", REALIP_MAX);
			return PB_ERR_INVALID;
		}
		if (len >= sizeof(tok) || realip__pton(tok, &out->a[out->n]) != 0) {
			snprintf(err, errlen, "\"%s\" is not an IPv4 or IPv6 address", tok);
			return PB_ERR_INVALID;
		}
		out->n++;
		text += len;
	}
}

void
realip_client(const struct realip_list *proxies, const char *peer, const char *xff,
    const char *xrealip, char out[REALIP_ADDRLEN])
{
	struct realip_addr pa, a, leftmost;
	const char *end, *start;
	int have = 0;

	if (peer == NULL || realip__entry(peer, strlen(peer), &pa) != 0) {
		snprintf(out, REALIP_ADDRLEN, "%.45s", peer ? peer : "?");
		return;
	}
	realip__text(&pa, out);
	if (!realip__trusted(proxies, &pa))
		return;
	if (xff != NULL) {
		/* from the right: the first entry that is not a proxy of ours */
		for (end = xff + strlen(xff); end > xff; end = start - 1) {
			for (start = end; start > xff && start[-1] != ','; start--)
				;
			if (realip__entry(start, (size_t)(end - start), &a) != 0)
				return; /* malformed: keep the peer */
			if (!realip__trusted(proxies, &a)) {
				realip__text(&a, out);
				return;
			}
			leftmost = a;
			have = 1;
			if (start == xff)
				break;
		}
		if (have)
			realip__text(&leftmost, out);
		return;
	}
	if (xrealip != NULL && realip__entry(xrealip, strlen(xrealip), &a) == 0)
		realip__text(&a, out);
}
