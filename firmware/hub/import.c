/* import.c — see import.h. */
#include "import.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonin.h"
#include "log.h"

static void
import__fail(struct import_result *res, int status, const char *error, const char *msg)
{
	res->status = status;
	res->error = error;
	snprintf(res->message, sizeof(res->message), "%s", msg);
}

/* Take the answer of one ingest call; 0 if it was refused. */
static int
import__answer(struct import_result *res, struct ingest_answer *a)
{
	if (a->error != NULL) {
		res->status = a->status;
		res->error = a->error;
		snprintf(res->message, sizeof(res->message), "%s%s%s", a->message,
		    a->field[0] ? ": " : "", a->field);
		return 0;
	}
	if (json_is_integer(json_object_get(a->body, "acked_rev")))
		res->acked_rev = json_integer_value(json_object_get(a->body, "acked_rev"));
	json_decref(a->body);
	a->body = NULL;
	return 1;
}

/* Enroll the box with the bundle's request if the hub does not know it. */
static int
import__enroll(struct hubdb *db, const struct ingest_limits *lim, const char *key,
    const char *sig, json_t *enroll, int64_t now_ms, struct import_result *res)
{
	struct ingest_answer a;
	const char *body, *esig;

	memset(&a, 0, sizeof(a));
	if (ingest_upload_head(db, lim, key, sig, "gzip", -1, &a) == 0)
		return 1;
	if (a.status != 403 || strcmp(a.error, "unknown_box") != 0 || enroll == NULL)
		return import__answer(res, &a);
	body = json_string_value(json_object_get(enroll, "body"));
	esig = json_string_value(json_object_get(enroll, "signature"));
	if (body == NULL || esig == NULL) {
		import__fail(res, 400, "bad_bundle", "enroll must be {body, signature}");
		return 0;
	}
	memset(&a, 0, sizeof(a));
	ingest_enroll(db, body, strlen(body), esig, now_ms, &a);
	if (a.error != NULL)
		return import__answer(res, &a);
	json_decref(a.body);
	res->enrolled = 1;
	return 1;
}

void
import_bundle(struct hubdb *db, const struct ingest_limits *lim, const char *text,
    size_t len, int64_t now_ms, struct import_result *res)
{
	json_t *b, *chunks, *ch, *fmt, *ver;
	json_error_t jerr;
	unsigned char *gz = NULL;
	const char *key, *box;
	size_t i;

	memset(res, 0, sizeof(*res));
	res->status = 200;
	if (len > IMPORT_MAX_BYTES) {
		import__fail(res, 413, "too_large", "the bundle is larger than 64 MB");
		return;
	}
	if ((b = jsonin_parse(text, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
	    !json_is_object(b)) {
		json_decref(b);
		import__fail(res, 400, "bad_bundle", "not a sync bundle (not a JSON object)");
		return;
	}
	fmt = json_object_get(b, "format");
	ver = json_object_get(b, "version");
	chunks = json_object_get(b, "chunks");
	key = json_string_value(json_object_get(b, "public_key"));
	box = json_string_value(json_object_get(b, "box"));
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "pamong-sync-bundle") != 0 ||
	    !json_is_integer(ver) || json_integer_value(ver) != 1 || !json_is_array(chunks) ||
	    key == NULL || box == NULL) {
		import__fail(res, 400, "bad_bundle",
		    "not a sync bundle of format pamong-sync-bundle version 1");
		goto out;
	}
	snprintf(res->box, sizeof(res->box), "%s", box);
	res->chunks = (int)json_array_size(chunks);
	if (json_array_size(chunks) > IMPORT_MAX_CHUNKS) {
		import__fail(res, 413, "too_large", "too many chunks");
		goto out;
	}
	json_array_foreach(chunks, i, ch) {
		const char *sig = json_string_value(json_object_get(ch, "signature"));
		const char *b64 = json_string_value(json_object_get(ch, "gzip_base64"));
		struct ingest_answer a;
		size_t gzlen = 0, b64len;

		if (sig == NULL || b64 == NULL) {
			import__fail(res, 400, "bad_bundle",
			    "a chunk must be {signature, gzip_base64}");
			goto out;
		}
		if (i == 0 && !import__enroll(db, lim, key, sig, json_object_get(b, "enroll"),
		    now_ms, res))
			goto out;
		b64len = strlen(b64);
		if (b64len / 4 * 3 > lim->max_body + 3) {
			import__fail(res, 413, "too_large", "a chunk is larger than an upload may be");
			goto out;
		}
		if ((gz = malloc(b64len / 4 * 3 + 3)) == NULL) {
			import__fail(res, 503, "unavailable", "out of memory");
			goto out;
		}
		if (sodium_base642bin(gz, b64len / 4 * 3 + 3, b64, b64len, NULL, &gzlen, NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0) {
			import__fail(res, 400, "bad_bundle", "a chunk is not base64");
			goto out;
		}
		memset(&a, 0, sizeof(a));
		ingest_upload(db, lim, key, sig, "gzip", gz, gzlen, now_ms, &a);
		free(gz);
		gz = NULL;
		if (!import__answer(res, &a))
			goto out;
		res->applied++;
	}
out:
	free(gz);
	json_decref(b);
	log_info("import of box %s: %d of %d chunks applied%s, hub holds rev %lld%s%s",
	    res->box[0] ? res->box : "?", res->applied, res->chunks,
	    res->enrolled ? " (enrolled now)" : "", (long long)res->acked_rev,
	    res->error ? "; refused: " : "", res->error ? res->message : "");
}
