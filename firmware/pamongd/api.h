/* api.h — the learner API under /api/v1/ (docs/API.md). main.c mounts
 * api_serve on the server under API_PREFIX; api.c routes each request to
 * a handler in the file of its resource. The name rule is here for its
 * unit test. */
#ifndef API_H
#define API_H

#include <stddef.h>

#include "pb.h"

#define API_PREFIX "/api/v1/"

struct app;
struct mg_connection;

/* Answer one request under API_PREFIX (an http_handler): path is the rest
 * of its path, app the struct app. Returns the status for the log. */
int api_serve(struct mg_connection *conn, const char *path, void *app);
/* Answer 404 for any other path under /api/ (an http_handler): no version
 * but API_PREFIX exists, whatever the method. */
int api_unknown(struct mg_connection *conn, const char *path, void *app);

/* At start, after the store is open: while the box has no facilitator,
 * the one-time setup code that creates the first one (made once and kept
 * in <data_dir>/console-setup-code, 0600, until used), printed on stdout
 * and logged. Returns PB_OK also when none is needed. */
pb_err api_console_init(struct app *app);

/* Normalise a learner's name: refuse hidden or reordering characters
 * (names.h), bring it to NFC, trim and collapse inner whitespace, allow
 * Latin letters (accented ones too), digits and .,'- only, 2..60 code
 * points. Writes the display form into name and the comparison key
 * (names_key: without case, look-alike letters read as the letter they
 * look like, so "Sıti" and "Siti" are one name) into key. Returns 0 if
 * invalid. */
int api_name_normalize(const char *in, char *name, size_t namelen, char *key, size_t keylen);

#endif
