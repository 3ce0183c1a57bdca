/* certify.h — checking a completion certificate a box printed (docs/API.md,
 * GET /api/v1/verify): its token carries the box id, the learner id, the
 * course id, the completion date and the box key's Ed25519 signature over
 * them (firmware/pamongd/api_console_print.c). The hub checks the signature
 * with the key the box enrolled with, and says what it holds of that
 * learner and course. */
#ifndef HUB_CERTIFY_H
#define HUB_CERTIFY_H

#include <jansson.h>

#include "hdb.h"
#include "pb.h"

/* Check token. PB_OK with *out = {"valid": true/false, "reason", "box_name",
 * "learner", "name", "course", "date", "code", "hub_status",
 * "hub_completed_at"}; PB_ERR_INVALID when the token is malformed,
 * PB_ERR_DB on a database error. */
pb_err certify_check(struct hdb_conn *c, const char *token, json_t **out);

#endif
