/* http.h — the CivetWeb server, the transport: start/stop with settings
 * tuned for phones (keep-alive, TCP_NODELAY, enough threads), refusal of
 * unsafe paths before anything else sees them, captive-portal redirects,
 * and static files (webroot and pack lessons/media with ETag, Last-Modified,
 * Range and pre-compressed gzip; http_file.c). It knows nothing of the
 * routes: whoever starts it registers a handler for each path prefix
 * (main.c: the learner API under /api/v1/). Handlers answer with the
 * helpers of http_reply.h. */
#ifndef HTTP_H
#define HTTP_H

#include "pb.h"

#define HTTP_MAX_HANDLERS 8 /* path prefixes one server can register */

struct config;
struct http;
struct mg_connection;

/* Answers one request under a registered prefix. path: the URI after the
 * prefix (not percent-decoded, already checked safe); arg: as registered.
 * Returns the HTTP status it answered with (for CivetWeb). Called on any
 * of the server's worker threads. */
typedef int (*http_handler)(struct mg_connection *conn, const char *path, void *arg);

/* A server for cfg's [http] settings that serves cfg->webroot, and
 * packs_dir under /packs/; not listening yet. cfg and packs_dir are kept
 * by pointer and must outlive it. */
pb_err http_new(const struct config *cfg, const char *packs_dir, struct http **out);

/* Before http_start: every request whose path starts with prefix goes to
 * fn(conn, rest of the path, arg), never to the captive portal or the
 * static files; when prefixes nest, the longest wins. prefix: a literal
 * path that starts and ends with '/', kept by pointer. PB_ERR_INVALID for
 * another prefix, PB_ERR_EXISTS if registered already, PB_ERR_LIMIT beyond
 * HTTP_MAX_HANDLERS, PB_ERR_STATE once started. */
pb_err http_handle(struct http *h, const char *prefix, http_handler fn, void *arg);

/* Listen and serve; PB_ERR_IO if CivetWeb cannot start (port taken …). */
pb_err http_start(struct http *h);
/* After http_start: the addresses and ports listened on ("10.42.0.1:8080,…"). */
const char *http_listening(const struct http *h);
/* Stop serving (requests in progress finish) and free h; NULL is fine. */
void http_stop(struct http *h);

/* Write NAME.gz beside every compressible file (html, css, js, svg, json,
 * txt) under dir whose .gz is missing or older; CivetWeb then sends the .gz
 * to clients that accept gzip. */
pb_err http_precompress_dir(const char *dir);

#endif
