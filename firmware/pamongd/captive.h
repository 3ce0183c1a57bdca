/* captive.h — captive-portal answers. The hotspot's DNS sends every name
 * to the box, so a phone's connectivity check (Android's /generate_204,
 * Apple's /hotspot-detect.html, Windows' /connecttest.txt, …) and any site a
 * learner types arrive here with a foreign Host. Those get a redirect to
 * the box's own address, which makes the phone open the learner app in its
 * "sign in to network" window. */
#ifndef CAPTIVE_H
#define CAPTIVE_H

struct mg_connection;

/* If this request must be redirected to portal_url, answer it and return
 * non-zero. own_hosts: comma-separated names the box answers to. */
int captive_redirect(struct mg_connection *conn, const char *own_hosts,
    const char *portal_url);

/* Non-zero if host (maybe with ":port") is one of own_hosts. */
int captive_host_is_own(const char *host, const char *own_hosts);

#endif
