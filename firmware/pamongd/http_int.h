/* http_int.h — shared only by the files of the http module: http.c (the
 * transport), http_reply.c (answers) and http_file.c (static files). It is
 * no contract; other modules include http.h or http_reply.h. */
#ifndef HTTP_INT_H
#define HTTP_INT_H

#include <stddef.h>

struct mg_connection;

/* Non-zero if the client sent Accept-Encoding with gzip. */
int http__accepts_gzip(struct mg_connection *conn);

/* gzip-compress in into a malloc'd buffer; NULL on failure. */
unsigned char *http__gzip(const char *in, size_t len, size_t *outlen);

#endif
