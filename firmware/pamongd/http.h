/* http.h — the CivetWeb server: start/stop with settings tuned for phones
 * (keep-alive, TCP_NODELAY, enough threads), refusal of unsafe paths before
 * anything else sees them, and static files (webroot and pack lessons/media with
 * ETag, Last-Modified, Range and pre-compressed gzip). The helpers that
 * handlers answer with are in http_reply.h. */
#ifndef HTTP_H
#define HTTP_H

#include "pb.h"

struct app;
struct http;

pb_err http_start(struct app *app, struct http **out);
void http_stop(struct http *h);

/* Write NAME.gz beside every compressible file (html, css, js, svg, json,
 * txt) under dir whose .gz is missing or older; CivetWeb then sends the .gz
 * to clients that accept gzip. */
pb_err http_precompress_dir(const char *dir);

#endif
