/* http.h — the CivetWeb server: start/stop with settings tuned for phones
 * (keep-alive, TCP_NODELAY, enough threads), refusal of unsafe paths before
 * anything else sees them, static files (webroot and pack lessons/media with
 * ETag, Last-Modified, Range and pre-compressed gzip), and the helpers the
 * API handlers use to read bodies and answer JSON. */
#ifndef HTTP_H
#define HTTP_H

#include <jansson.h>
#include <stddef.h>

#include "pb.h"

struct mg_connection;
struct app;
struct http;

pb_err http_start(struct app *app, struct http **out);
void http_stop(struct http *h);

/* Write NAME.gz beside every compressible file (html, css, js, svg, json,
 * txt) under dir whose .gz is missing or older; CivetWeb then sends the .gz
 * to clients that accept gzip. */
pb_err http_precompress_dir(const char *dir);

/* Read the request body (at most max bytes) into a NUL-terminated malloc'd
 * buffer. PB_ERR_LIMIT if larger, PB_ERR_IO if the client went away. */
pb_err http_read_body(struct mg_connection *conn, size_t max, char **out, size_t *len);

/* Answer with JSON (takes the reference to obj); gzip when large and
 * accepted. extra_headers: NULL or "Name: value\r\n" lines. */
void http_send_json(struct mg_connection *conn, int status, json_t *obj,
    const char *extra_headers);
/* {"error": code, "message": message[, "field": field]} */
void http_send_error(struct mg_connection *conn, int status, const char *code,
    const char *message, const char *field);
void http_send_empty(struct mg_connection *conn, int status, const char *extra_headers);

#endif
