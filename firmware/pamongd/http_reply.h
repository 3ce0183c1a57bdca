/* http_reply.h — what a request handler needs from the server: read the
 * request body with a size limit, and answer JSON, a JSON error or an empty
 * body. Every answer leaves as one write (headers and body together) with
 * Cache-Control: no-store; bodies of 1 KiB and more are gzipped for clients
 * that accept it. Handlers include this header, never http.h. */
#ifndef HTTP_REPLY_H
#define HTTP_REPLY_H

#include <jansson.h>
#include <stddef.h>

#include "pb.h"

struct mg_connection;

/* Read the request body (at most max bytes, all of it within deadline_ms)
 * into a NUL-terminated malloc'd buffer. PB_ERR_LIMIT if larger,
 * PB_ERR_TIMEOUT if it did not arrive in time, PB_ERR_IO if the client went
 * away. */
/* Stream the request body into fd (a file: uploads never sit in memory),
 * at most max bytes, all of it within deadline_ms, and each 16 KiB piece
 * (or the rest) within stall_ms: CivetWeb's mg_read waits for all it was
 * asked for while bytes keep trickling in, so a watchdog thread shuts the
 * connection's reading side when a piece is late. *outlen gets its length.
 * The same errors as http_read_body, PB_ERR_IO also when fd cannot be
 * written (errno set). */
pb_err http_read_body_fd(struct mg_connection *conn, int fd, unsigned long long max,
    long deadline_ms, long stall_ms, unsigned long long *outlen);
pb_err http_read_body(struct mg_connection *conn, size_t max, long deadline_ms, char **out,
    size_t *len);

/* Answer with JSON (takes the reference to obj); gzip when large and
 * accepted. extra_headers: NULL or "Name: value\r\n" lines. */
void http_send_json(struct mg_connection *conn, int status, json_t *obj,
    const char *extra_headers);
/* {"error": code, "message": message[, "field": field]} */
void http_send_error(struct mg_connection *conn, int status, const char *code,
    const char *message, const char *field);
/* Answer with body as it is (CSV, a download): ctype its Content-Type. */
void http_send_body(struct mg_connection *conn, int status, const char *ctype,
    const char *body, size_t len, const char *extra_headers);
void http_send_empty(struct mg_connection *conn, int status, const char *extra_headers);

#endif
