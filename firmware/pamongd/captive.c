/* captive.c — see captive.h. */
#include "captive.h"

#include <civetweb.h>
#include <string.h>
#include <strings.h>

int
captive_host_is_own(const char *host, const char *own_hosts)
{
	size_t hlen;
	const char *p, *colon;

	if (host == NULL || *host == '\0')
		return 1; /* HTTP/1.0 without Host: nothing to compare */
	hlen = strlen(host);
	if (host[0] == '[') { /* [::1]:8080 */
		colon = strchr(host, ']');
		hlen = colon ? (size_t)(colon - host + 1) : hlen;
	} else if ((colon = strrchr(host, ':')) != NULL) {
		hlen = (size_t)(colon - host);
	}
	for (p = own_hosts; *p; ) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == hlen && strncasecmp(p, host, n) == 0)
			return 1;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return 0;
}

int
captive_redirect(struct mg_connection *conn, const char *own_hosts, const char *portal_url)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);

	if (captive_host_is_own(mg_get_header(conn, "Host"), own_hosts))
		return 0;
	mg_printf(conn,
	    "HTTP/1.1 302 Found\r\n"
	    "Location: %s\r\n"
	    "Cache-Control: no-store\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "\r\n",
	    portal_url, strcmp(ri->request_method, "HEAD") == 0 ? (size_t)0 :
	    strlen(portal_url) + 24);
	if (strcmp(ri->request_method, "HEAD") != 0)
		mg_printf(conn, "<a href=\"%s\">Pamong Box</a>\n", portal_url);
	return 1;
}
