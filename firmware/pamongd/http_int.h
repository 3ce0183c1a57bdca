/* http_int.h — shared only by the files of the http module: http.c (the
 * transport), http_reply.c (answers) and http_file.c (static files). It is
 * no contract; other modules include http.h or http_reply.h. */
#ifndef HTTP_INT_H
#define HTTP_INT_H

#include <stddef.h>

#include "http.h"

struct mg_context;

/* One registered path prefix. */
struct http__handler {
	const char *prefix; /* e.g. "/api/v1/" */
	size_t len;         /* strlen(prefix) */
	http_handler fn;    /* gets the path after the prefix */
	void *arg;          /* passed to fn */
};

/* A server (CivetWeb's user data). Its handlers are fixed before it starts,
 * so the worker threads only read them. */
struct http {
	struct mg_context *ctx;   /* CivetWeb's server; NULL until started */
	const struct config *cfg; /* listen address, webroot, portal, limits */
	const char *packs_dir;    /* installed packs, served under /packs/ */
	struct http__handler handler[HTTP_MAX_HANDLERS]; /* longest prefix first */
	size_t nhandlers;
	char page_policy[768];    /* headers for HTML pages (http__page_policy) */
	int busy;                 /* connections held by workers (atomic) */
	char ports[600];          /* what it listens on (CivetWeb's listening_ports) */
};

/* Headers every answer carries: no MIME sniffing, never inside a frame. */
#define HTTP__SECURITY "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
/* JSON answers are never a page: no script, style or frame of any kind. */
#define HTTP__JSON_SECURITY HTTP__SECURITY \
	"Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"

/* Fill h->page_policy: a Content-Security-Policy that lets an HTML page run
 * only the box's own script files and the inline scripts of the webroot's
 * index.html (by their SHA-256), with HTTP__SECURITY. */
void http__page_policy(struct http *h);

/* A connection's user data once http_read_body has read the whole body:
 * the transport closes connections whose body a handler left unread. */
#define HTTP__BODY_READ ((void *)1)

/* Non-zero if the client sent Accept-Encoding with gzip. */
int http__accepts_gzip(struct mg_connection *conn);

/* gzip-compress in into a malloc'd buffer; NULL on failure. */
unsigned char *http__gzip(const char *in, size_t len, size_t *outlen);

/* Answer a request that no handler owns from the webroot or a pack
 * (http_file.c). Returns the status answered, or 0 to let CivetWeb answer. */
int http__file(struct mg_connection *conn, const struct http *h, const char *uri);

#endif
