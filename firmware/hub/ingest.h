/* ingest.h — what boxes send: enrollment codes, box enrollment and signed
 * upload chunks (docs/SYNC.md). Every refusal happens before anything is
 * written; accepted rows are applied in one transaction, each only if its
 * rev is newer than the stored one. */
#ifndef HUB_INGEST_H
#define HUB_INGEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define INGEST_CODE_LEN 20 /* "XXXX-XXXX-XXXX-XXXX" + NUL */

/* The HTTP answer to a box request. */
struct ingest_answer {
	int status;          /* HTTP status */
	const char *error;   /* stable error code, NULL on success */
	char message[200];   /* English detail for developers */
	char field[48];      /* the field at fault ("chunk.seq"), "" if none */
	json_t *body;        /* success body (caller frees), NULL on error */
};

/* The largest integer an upload may carry (seq, revs, times): 2^53, so
 * every value stays exact in JSON readers (doubles) as well as SQLite. */
#define INGEST_INT_MAX ((json_int_t)1 << 53)

struct ingest_limits {
	size_t max_body;     /* bytes as sent */
	size_t max_json;     /* bytes after gunzip */
	size_t max_rows;     /* learner + summary rows */
	size_t max_memory;   /* all uploads being unpacked at once: gunzipped
			      * bytes + 4x for the parsed tree (503 above) */
};

/* The most upload memory (as max_memory counts it) ever held at once. */
size_t ingest_memory_peak(void);

/* Make a single-use enrollment code valid until now_ms + ttl_ms; only its
 * hash is stored. */
pb_err ingest_code_create(struct hubdb *db, int64_t now_ms, int64_t ttl_ms,
    char code[INGEST_CODE_LEN], int64_t *expires_at);

/* POST /api/v1/enroll: body is the JSON as received, sig_hex the
 * X-Pamong-Signature header (may be NULL). */
void ingest_enroll(struct hubdb *db, const char *body, size_t len, const char *sig_hex,
    int64_t now_ms, struct ingest_answer *a);

/* The checks of POST /api/v1/upload that need only the headers: their
 * form (400), that key_hex is an enrolled box (403 unknown_box), the
 * declared length (413; declared_len < 0 when none was) and the encoding
 * (415). Returns 0 if the body may be read, else -1 with a filled in: the
 * caller answers without reading (or unzipping) the body. */
int ingest_upload_head(struct hubdb *db, const struct ingest_limits *lim,
    const char *key_hex, const char *sig_hex, const char *encoding,
    long long declared_len, struct ingest_answer *a);

/* POST /api/v1/upload. key_hex, sig_hex, encoding: the headers (may be
 * NULL). body holds len bytes, or is NULL when the declared length already
 * exceeds the limit (len then holds that length). Makes the checks of
 * ingest_upload_head again before anything else. */
void ingest_upload(struct hubdb *db, const struct ingest_limits *lim, const char *key_hex,
    const char *sig_hex, const char *encoding, const unsigned char *body, size_t len,
    int64_t now_ms, struct ingest_answer *a);

/* Gunzip at most max bytes into a malloc'd NUL-terminated buffer.
 * PB_ERR_INVALID if not complete gzip, PB_ERR_LIMIT if larger. */
pb_err ingest_gunzip(const unsigned char *in, size_t inlen, size_t max, char **out,
    size_t *outlen);

#endif
