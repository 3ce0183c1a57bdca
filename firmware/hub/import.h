/* import.h — sync bundles: what a box that saw no link carries to the hub
 * on a facilitator's USB stick or laptop (docs/SYNC.md, "Bundles").
 *
 * A bundle holds the box's public key, the box's signed enrollment request
 * when it had an enrollment code, and the same signed gzip chunks a live
 * upload sends. Importing hands every chunk to ingest_upload exactly as if
 * the box had sent it, so the same rules apply (signature, limits, each row
 * only if its rev is newer): an import followed by a live upload of the same
 * rows, or the same bundle imported twice, changes nothing twice. */
#ifndef HUB_IMPORT_H
#define HUB_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "ingest.h"

#define IMPORT_MAX_BYTES (64u * 1024 * 1024) /* a bundle file */
#define IMPORT_MAX_CHUNKS 100000

struct import_result {
	char box[64];        /* the bundle's box id */
	int chunks;          /* chunks in the bundle */
	int applied;         /* chunks ingest accepted */
	int enrolled;        /* the bundle's enrollment enrolled the box now */
	int64_t acked_rev;   /* the rev the hub holds for the box afterwards */
	int status;          /* 200, or the HTTP status of the first refusal */
	const char *error;   /* its stable code (ingest's or "bad_bundle"), NULL if none */
	char message[256];   /* English detail */
};

/* Import the bundle text (len bytes). Stops at the first refused chunk;
 * chunks before it stay applied (each is complete on its own). */
void import_bundle(struct hubdb *db, const struct ingest_limits *lim, const char *text,
    size_t len, int64_t now_ms, struct import_result *res);

#endif
