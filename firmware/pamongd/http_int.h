/* http_int.h — shared only by the files of the http module: http.c (the
 * transport), http_reply.c (answers) and http_file.c (static files). It is
 * no contract; other modules include http.h or http_reply.h. */
#ifndef HTTP_INT_H
#define HTTP_INT_H

#include <stddef.h>

struct app;
struct mg_connection;

/* A running server (CivetWeb's user data). */
struct http {
	struct mg_context *ctx; /* CivetWeb's server */
	struct app *app;        /* the config, the packs folder; passed to the API */
};

/* Non-zero if the client sent Accept-Encoding with gzip. */
int http__accepts_gzip(struct mg_connection *conn);

/* gzip-compress in into a malloc'd buffer; NULL on failure. */
unsigned char *http__gzip(const char *in, size_t len, size_t *outlen);

/* Answer a request that no handler owns from the webroot or a pack
 * (http_file.c). Returns the status answered, or 0 to let CivetWeb answer. */
int http__file(struct mg_connection *conn, const struct http *h, const char *uri);

#endif
