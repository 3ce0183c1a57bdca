/* xapi.h — completions as xAPI 1.0.3 statements, and forwarding them to an
 * LRS. A statement's id is derived from (box, learner, course, verb), so
 * exporting again yields the same ids and an LRS stores each once. */
#ifndef HUB_XAPI_H
#define HUB_XAPI_H

#include <jansson.h>
#include "hdb.h"

#include "pb.h"

#define XAPI_VERB_BASE "http://adlnet.gov/expapi/verbs/"

/* Name-based UUID: SHA-256 of the parts (not SHA-1, which libsodium lacks),
 * first 16 bytes, version nibble 5 and RFC 4122 variant so strict LRS
 * validators accept it. */
void xapi_uuid(char out[37], const char *box, const char *learner, const char *course,
    const char *verb);

/* Every statement (completed / passed / failed) for rows changed at or
 * after since_ms (0 = all) of learners in unit (a region code prefix, ""
 * = all), as a JSON array. home is the hub's public URL. */
pb_err xapi_statements(struct hdb_conn *c, const char *home, int64_t since_ms,
    const char *unit,
    json_t **out);

struct xapi_forward_result {
	int sent;     /* stored by the LRS now (200/204) */
	int already;  /* 409: the LRS has a statement with this id */
	int failed;   /* anything else */
	char last_error[160];
};

/* PUT each statement to endpoint/statements?statementId=… with Basic auth. */
pb_err xapi_forward(const char *endpoint, const char *user, const char *password,
    json_t *statements, struct xapi_forward_result *res);

#endif
