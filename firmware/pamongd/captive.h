/* captive.h — what phones' connectivity checks and foreign hosts get
 * (docs/APPLIANCE.md, "Phones reach the app").
 *
 * Portal strategy ([hotspot] portal = yes): the hotspot's DNS sends every
 * name to the box, so each OS's check (Android /generate_204, Apple
 * /hotspot-detect.html, Windows /connecttest.txt and /ncsi.txt, Firefox
 * /success.txt, …) and any site a learner types arrive here with a foreign
 * Host. Until that phone (its address) has passed the portal they get a
 * 302 to the portal page, which says in Bahasa Indonesia (and English) the
 * one tap that keeps the phone on this Wi-Fi and has one large button to
 * the learner app; after it, each check gets its OS's "online" answer. A
 * phone passes by that button (/portal/lanjut) or by opening the app on
 * the box's own name or address. The RFC 8908 API (/portal/api, given by
 * DHCP option 114) says the same per phone.
 *
 * No-portal strategy (portal = no): only the box's own names resolve, so
 * the checks fail before they reach it; anything that still arrives is
 * served as the app, never redirected.
 *
 * The passed addresses live in a bounded table (CAPTIVE_MAX_PHONES, the
 * oldest forgotten first; CAPTIVE_PASS_S after which a phone sees the
 * portal again). */
#ifndef CAPTIVE_H
#define CAPTIVE_H

#include <stdint.h>

struct mg_connection;

#define CAPTIVE_MAX_PHONES 1024
#define CAPTIVE_PASS_S (12 * 3600)

struct captive_cfg {
	int portal;              /* 1: the portal strategy, 0: none */
	const char *own_hosts;   /* comma-separated names and addresses of the box */
	const char *box_ip;      /* the hotspot address ("10.42.0.1") */
	const char *box_name;    /* the short name ("pamong.box") */
};

/* Answer the request if it is the portal's or a foreign host's; returns
 * the HTTP status sent, 0 when the caller serves it as usual. */
int captive_handle(struct mg_connection *conn, const struct captive_cfg *c);

/* Non-zero if host (maybe with ":port") is one of own_hosts. */
int captive_host_is_own(const char *host, const char *own_hosts);

/* The per-phone state (also for the tests): mark an address as past the
 * portal at now_ms, ask whether it is, forget everyone. */
void captive_pass(const char *addr, int64_t now_ms);
int captive_passed(const char *addr, int64_t now_ms);
void captive_reset(void);

/* What a check on path gets once a phone has passed ("online"): status,
 * content type and body; NULL if path is no OS's check. */
struct captive_probe {
	const char *path;   /* the check's path */
	const char *who;    /* which OS asks it */
	int status;         /* 204 or 200 */
	const char *type;   /* Content-Type, NULL for 204 */
	const char *body;   /* what the OS compares */
};
const struct captive_probe *captive_probe_for(const char *path);

#endif
