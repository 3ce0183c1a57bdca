/* sign.h — Ed25519 keys for course authors (libsodium), signing a pack's
 * manifest.json, and checking a pack: the signature (given a public key)
 * and every file's size and SHA-256 against the manifest. */
#ifndef SIGN_H
#define SIGN_H

#include <sodium.h>
#include <stddef.h>

#include "packfile.h"

/* What sign_check learned about a pack. */
struct sign_info {
	char id[64];        /* manifest "id" */
	char version[32];   /* manifest "version" */
	int dev;            /* manifest "dev" */
	int has_sig;        /* manifest.sig is present */
	int sig_checked;    /* ...and verified against the given key */
	size_t nfiles;      /* files listed in the manifest (manifest.json and
	                     * manifest.sig are not): what build and verify print */
};

/* NAME.key → NAME.pub (any other name: NAME + ".pub"); malloc'd. */
char *sign_pub_path(const char *key_path);

/* Make a key pair: key_path gets the 64-byte secret key, seed then public
 * key, as 128 hex characters (mode 0600), its .pub the public key as hex (64); one line each. Refuses to
 * overwrite either file (PB_ERR_EXISTS). */
pb_err sign_keygen(const char *key_path, char *err, size_t errlen);

/* Read a key file written by sign_keygen. sign_load_secret takes the
 * 128-hex secret key keygen writes (its two halves must belong together)
 * and the 64-hex seed it wrote before; it refuses a file named .pub, a
 * public key under any name (a copy of the NAME.pub beside it, or, with no
 * .pub beside it, 64 hex characters that are an Ed25519 public key's point),
 * and a secret key whose NAME.pub beside it holds another key, each with a
 * message in err saying which file to use. */
pb_err sign_load_secret(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES],
    char *err, size_t errlen);
pb_err sign_load_public(const char *path, unsigned char pk[crypto_sign_PUBLICKEYBYTES],
    char *err, size_t errlen);

/* Add or replace manifest.sig: the hex Ed25519 signature of manifest.json's
 * exact bytes and a newline, then the signer's public key in hex and a
 * newline (so a box can name a key it does not trust). */
pb_err sign_pack(struct pack *p, const unsigned char sk[crypto_sign_SECRETKEYBYTES],
    char *err, size_t errlen);

/* Check a pack: manifest.json is well formed, lists every other file
 * exactly once with the right size and SHA-256; with pk also that
 * manifest.sig is a valid signature by that key (PB_ERR_CRYPTO if not). */
pb_err sign_check(const struct pack *p, const unsigned char *pk, struct sign_info *info,
    char *err, size_t errlen);

#endif
