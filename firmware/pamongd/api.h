/* api.h — the learner API under /api/v1/ (docs/API.md). */
#ifndef API_H
#define API_H

#include <stddef.h>

struct mg_context;
struct app;

/* Register the /api/v1/ handlers on a started server. */
void api_register(struct mg_context *ctx, struct app *app);

/* Normalise a learner's name: trim, collapse inner whitespace, check the
 * characters and length (2..60 code points). Writes the display form into
 * name and the lower-cased comparison key into key. Returns 0 if invalid. */
int api_name_normalize(const char *in, char *name, size_t namelen, char *key, size_t keylen);

#endif
