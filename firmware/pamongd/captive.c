/* captive.c — see captive.h. */
#include "captive.h"

#include <civetweb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* Every OS's check, with what it wants to see when it is online. */
static const struct captive_probe captive__probes[] = {
	{ "/generate_204", "Android, Chrome OS", 204, NULL, "" },
	{ "/gen_204", "Android", 204, NULL, "" },
	{ "/hotspot-detect.html", "Apple iOS, macOS", 200, "text/html",
	    "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>" },
	{ "/library/test/success.html", "Apple (older)", 200, "text/html",
	    "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>" },
	{ "/connecttest.txt", "Windows 10, 11", 200, "text/plain", "Microsoft Connect Test" },
	{ "/ncsi.txt", "Windows (older)", 200, "text/plain", "Microsoft NCSI" },
	{ "/success.txt", "Firefox", 200, "text/plain", "success\n" },
	{ "/canonical.html", "Firefox", 200, "text/html",
	    "<meta http-equiv=\"refresh\" content=\"0;url=https://support.mozilla.org/kb/"
	    "captive-portal\"/>" },
	{ "/check_network_status.txt", "NetworkManager (Linux)", 200, "text/plain",
	    "NetworkManager is online\n" },
};

/* Phones past the portal, by address. */
static struct {
	pthread_mutex_t mu;
	struct {
		char addr[48];
		int64_t at;   /* when it passed; 0 = free */
	} phone[CAPTIVE_MAX_PHONES];
} C = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* The portal page: what keeps the phone on this Wi-Fi, then the button. */
static void
captive__page(char *out, size_t len, const struct captive_cfg *c)
{
	snprintf(out, len,
    "<!doctype html>\n"
    "<html lang=\"id\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>Pamong Box</title>\n"
    "<style>body{font-family:sans-serif;max-width:34em;margin:0 auto;padding:1em;"
    "font-size:1.15em;line-height:1.5;color:#1b1b1b}h1{font-size:1.4em}"
    "a.go{display:block;text-align:center;background:#0b6e4f;color:#fff;"
    "padding:1em;border-radius:.5em;font-size:1.3em;text-decoration:none;margin:1.2em 0}"
    "b{background:#fff3c4}small{color:#555}</style></head><body>\n"
    "<h1>Selamat datang di Pamong Box</h1>\n"
    "<p>Wi-Fi ini tidak tersambung ke internet. Itu memang begitu: semua pelajaran "
    "ada di kotak ini.</p>\n"
    "<p><b>Supaya ponsel tetap memakai Wi-Fi ini:</b> jika ponsel bertanya "
    "<i>&ldquo;Tetap sambungkan?&rdquo;</i> atau <i>&ldquo;Wi-Fi tidak memiliki akses "
    "internet&rdquo;</i>, ketuk <b>Ya</b> / <b>Tetap sambungkan</b>. Di layar ini "
    "(Android), ketuk <b>&#8942;</b> lalu <b>Gunakan jaringan ini apa adanya</b>. "
    "Di iPhone, ketuk <b>Selesai</b>.</p>\n"
    "<a class=\"go\" href=\"/portal/lanjut\">Buka aplikasi belajar</a>\n"
    "<p>Lain kali, buka peramban dan ketik <b>http://%s</b> (atau <b>%s</b>).</p>\n"
    "<hr><p lang=\"en\"><small>This Wi-Fi has no internet; the lessons are on this "
    "box. To keep the phone on it: answer <b>Yes</b> / <b>Stay connected</b> when asked, "
    "or tap <b>&#8942;</b> &rarr; <b>Use this network as is</b> here (Android), "
    "<b>Done</b> (iPhone). Then open the app with the button above, or "
    "http://%s in the browser.</small></p>\n"
    "</body></html>\n",
	    c->box_name, c->box_ip, c->box_name);
}

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

void
captive_pass(const char *addr, int64_t now_ms)
{
	size_t i, slot = 0;

	if (strlen(addr) >= sizeof(C.phone[0].addr))
		return;
	pthread_mutex_lock(&C.mu);
	for (i = 0; i < CAPTIVE_MAX_PHONES; i++) {
		if (C.phone[i].at != 0 && strcmp(C.phone[i].addr, addr) == 0) {
			slot = i;
			break;
		}
		/* else the free or oldest slot */
		if (C.phone[i].at < C.phone[slot].at)
			slot = i;
	}
	snprintf(C.phone[slot].addr, sizeof(C.phone[slot].addr), "%s", addr);
	C.phone[slot].at = now_ms > 0 ? now_ms : 1;
	pthread_mutex_unlock(&C.mu);
}

int
captive_passed(const char *addr, int64_t now_ms)
{
	size_t i;
	int yes = 0;

	pthread_mutex_lock(&C.mu);
	for (i = 0; i < CAPTIVE_MAX_PHONES; i++)
		if (C.phone[i].at != 0 && strcmp(C.phone[i].addr, addr) == 0) {
			yes = now_ms - C.phone[i].at < (int64_t)CAPTIVE_PASS_S * 1000;
			break;
		}
	pthread_mutex_unlock(&C.mu);
	return yes;
}

void
captive_reset(void)
{
	pthread_mutex_lock(&C.mu);
	memset(C.phone, 0, sizeof(C.phone));
	pthread_mutex_unlock(&C.mu);
}

const struct captive_probe *
captive_probe_for(const char *path)
{
	size_t i;

	for (i = 0; i < PB_ARRAY_LEN(captive__probes); i++)
		if (strcmp(captive__probes[i].path, path) == 0)
			return &captive__probes[i];
	return NULL;
}

static int
captive__is_head(struct mg_connection *conn)
{
	return strcmp(mg_get_request_info(conn)->request_method, "HEAD") == 0;
}

/* One complete answer; never cached (the answer changes when the phone
 * passes). */
static int
captive__send(struct mg_connection *conn, int status, const char *reason,
    const char *extra, const char *type, const char *body)
{
	size_t len = body ? strlen(body) : 0;

	mg_printf(conn, "HTTP/1.1 %d %s\r\n%sCache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n", status, reason, extra ? extra : "");
	if (type != NULL)
		mg_printf(conn, "Content-Type: %s\r\nContent-Length: %zu\r\n", type, len);
	else if (status != 204)
		mg_printf(conn, "Content-Length: 0\r\n");
	mg_printf(conn, "\r\n");
	if (len > 0 && !captive__is_head(conn))
		mg_write(conn, body, len);
	return status;
}

static int
captive__redirect(struct mg_connection *conn, const char *url)
{
	char loc[340], body[400];

	snprintf(loc, sizeof(loc), "Location: %s\r\n", url);
	snprintf(body, sizeof(body), "<a href=\"%s\">Pamong Box</a>\n", url);
	return captive__send(conn, 302, "Found", loc, "text/html; charset=utf-8", body);
}

/* RFC 8908: this phone's state, and where the portal is. */
static int
captive__api(struct mg_connection *conn, const struct captive_cfg *c, int passed)
{
	char body[400];

	snprintf(body, sizeof(body),
	    "{\"captive\": %s, \"user-portal-url\": \"http://%s/portal/\", "
	    "\"venue-info-url\": \"http://%s/\"}\n",
	    passed ? "false" : "true", c->box_ip, c->box_name);
	return captive__send(conn, 200, "OK", NULL, "application/captive+json", body);
}

int
captive_handle(struct mg_connection *conn, const struct captive_cfg *c)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	const char *uri = ri->local_uri_raw, *addr = ri->remote_addr;
	const struct captive_probe *probe;
	int64_t now = util_mono_ms();
	char url[300], page[4096];

	if (!c->portal)
		return 0;
	if (strcmp(uri, "/portal/") == 0 || strcmp(uri, "/portal") == 0) {
		captive__page(page, sizeof(page), c);
		return captive__send(conn, 200, "OK",
		    "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; "
		    "frame-ancestors 'none'\r\nX-Frame-Options: DENY\r\n",
		    "text/html; charset=utf-8", page);
	}
	if (strcmp(uri, "/portal/lanjut") == 0) {
		captive_pass(addr, now);
		snprintf(url, sizeof(url), "http://%s/", c->box_name);
		return captive__redirect(conn, url);
	}
	if (strcmp(uri, "/portal/api") == 0)
		return captive__api(conn, c, captive_passed(addr, now));
	if (captive_host_is_own(mg_get_header(conn, "Host"), c->own_hosts)) {
		/* the learner app opened on the box's own name: past the portal */
		if (strcmp(uri, "/") == 0 || strcmp(uri, "/index.html") == 0)
			captive_pass(addr, now);
		return 0;
	}
	if (!captive_passed(addr, now)) {
		snprintf(url, sizeof(url), "http://%s/portal/", c->box_ip);
		return captive__redirect(conn, url);
	}
	if ((probe = captive_probe_for(uri)) != NULL)
		return captive__send(conn, probe->status,
		    probe->status == 204 ? "No Content" : "OK", NULL, probe->type, probe->body);
	/* a site typed while offline: the app instead */
	snprintf(url, sizeof(url), "http://%s/", c->box_name);
	return captive__redirect(conn, url);
}
