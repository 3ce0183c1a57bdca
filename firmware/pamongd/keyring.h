/* keyring.h — the course authors' Ed25519 public keys a box trusts to sign
 * content packs.
 *
 * Two files, one hex key a line, '#' starts a comment (the rest of a key's
 * line is its name): the image's file (content.trusted_keys, read-only,
 * "built in") and the facilitator's file in the data dir, which the console
 * adds keys to and removes keys from, rewritten atomically. A key is shown
 * and named by its fingerprint: the first 8 bytes of the SHA-256 of the raw
 * key, as "ab12:cd34:ef56:7890". Nothing here keeps state between calls:
 * every call reads the files again. Callers serialize add and remove. */
#ifndef KEYRING_H
#define KEYRING_H

#include <stddef.h>

#include "pb.h"

#define KEYRING_PKLEN   32  /* crypto_sign_PUBLICKEYBYTES */
#define KEYRING_FPLEN   20  /* "ab12:cd34:ef56:7890" and its NUL */
#define KEYRING_NAMELEN 64
#define KEYRING_MAX     64  /* keys in the facilitator's file */

struct keyring_key {
	unsigned char pk[KEYRING_PKLEN];
	char fp[KEYRING_FPLEN];     /* fingerprint */
	char name[KEYRING_NAMELEN]; /* the comment after the key, may be empty */
	int builtin;                /* from the image's file: cannot be removed */
};

struct keyring {
	struct keyring_key *v;
	size_t n;
};

/* The fingerprint of a key. */
void keyring_fingerprint(const unsigned char pk[KEYRING_PKLEN], char fp[KEYRING_FPLEN]);

/* Read both files (either may be NULL or missing) into kr; lines that are
 * not keys are skipped (logged). keyring_free releases kr. */
pb_err keyring_load(struct keyring *kr, const char *builtin_path, const char *local_path);
void keyring_free(struct keyring *kr);
/* The key of kr equal to pk, or NULL. */
const struct keyring_key *keyring_find(const struct keyring *kr,
    const unsigned char pk[KEYRING_PKLEN]);

/* The key in an author's .pub file (what `pamong-pack keygen` writes: hex,
 * optional comment lines): the first line that is not blank or a comment
 * must be 64 hex digits. PB_ERR_INVALID otherwise. */
pb_err keyring_parse_pub(const char *text, size_t len, unsigned char pk[KEYRING_PKLEN]);

/* Add pk with name (printable, trimmed to KEYRING_NAMELEN - 1) to the
 * facilitator's file. PB_ERR_EXISTS if either file has it already,
 * PB_ERR_LIMIT when the file holds KEYRING_MAX keys. */
pb_err keyring_add(const char *builtin_path, const char *local_path,
    const unsigned char pk[KEYRING_PKLEN], const char *name);
/* Remove the key with this fingerprint from the facilitator's file.
 * PB_ERR_NOTFOUND if it has none, PB_ERR_DENIED if the key is built in. */
pb_err keyring_remove(const char *builtin_path, const char *local_path, const char *fp);

#endif
