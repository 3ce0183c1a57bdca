/* keyring.c — see keyring.h. */
#include "keyring.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "log.h"
#include "util.h"

#define KEYRING__MAX_FILE (1 << 20)

void
keyring_fingerprint(const unsigned char pk[KEYRING_PKLEN], char fp[KEYRING_FPLEN])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[17];
	int i, o = 0;

	crypto_hash_sha256(h, pk, KEYRING_PKLEN);
	util_hex(hex, h, 8);
	for (i = 0; i < 16; i++) {
		if (i > 0 && i % 4 == 0)
			fp[o++] = ':';
		fp[o++] = hex[i];
	}
	fp[o] = '\0';
}

/* Trim spaces, tabs and CRs at both ends, in place. */
static char *
keyring__trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && strchr(" \t\r", end[-1]) != NULL)
		*--end = '\0';
	return s;
}

/* Split one line into its key (into pk) and name; 0 for blank lines and
 * comments, -1 for a line that is not a key. */
static int
keyring__line(char *line, unsigned char pk[KEYRING_PKLEN], char name[KEYRING_NAMELEN])
{
	char *hash = strchr(line, '#'), *key;

	name[0] = '\0';
	if (hash != NULL) {
		*hash = '\0';
		snprintf(name, KEYRING_NAMELEN, "%s", keyring__trim(hash + 1));
	}
	key = keyring__trim(line);
	if (*key == '\0')
		return 0;
	if (strlen(key) != 2 * KEYRING_PKLEN || util_unhex(pk, KEYRING_PKLEN, key) != PB_OK)
		return -1;
	return 1;
}

static pb_err
keyring__read(struct keyring *kr, const char *path, int builtin)
{
	char *text = NULL, *line, *save = NULL;
	pb_err rc;

	if (path == NULL || path[0] == '\0')
		return PB_OK;
	if ((rc = fs_read_file(path, KEYRING__MAX_FILE, &text, NULL)) != PB_OK)
		return rc == PB_ERR_IO && errno == ENOENT ? PB_OK : rc;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		struct keyring_key k;
		struct keyring_key *nv;
		int r;

		memset(&k, 0, sizeof(k));
		if ((r = keyring__line(line, k.pk, k.name)) < 0)
			log_warnx("%s: ignoring a line that is not a hex Ed25519 key", path);
		if (r <= 0 || keyring_find(kr, k.pk) != NULL)
			continue;
		k.builtin = builtin;
		keyring_fingerprint(k.pk, k.fp);
		if ((nv = realloc(kr->v, (kr->n + 1) * sizeof(*nv))) == NULL) {
			free(text);
			return PB_ERR_NOMEM;
		}
		kr->v = nv;
		kr->v[kr->n++] = k;
	}
	free(text);
	return PB_OK;
}

pb_err
keyring_load(struct keyring *kr, const char *builtin_path, const char *local_path)
{
	pb_err rc;

	memset(kr, 0, sizeof(*kr));
	if ((rc = keyring__read(kr, builtin_path, 1)) != PB_OK ||
	    (rc = keyring__read(kr, local_path, 0)) != PB_OK)
		keyring_free(kr);
	return rc;
}

void
keyring_free(struct keyring *kr)
{
	free(kr->v);
	memset(kr, 0, sizeof(*kr));
}

const struct keyring_key *
keyring_find(const struct keyring *kr, const unsigned char pk[KEYRING_PKLEN])
{
	size_t i;

	for (i = 0; i < kr->n; i++)
		if (memcmp(kr->v[i].pk, pk, KEYRING_PKLEN) == 0)
			return &kr->v[i];
	return NULL;
}

pb_err
keyring_parse_pub(const char *text, size_t len, unsigned char pk[KEYRING_PKLEN])
{
	char buf[512], *line, *save = NULL;
	char name[KEYRING_NAMELEN];

	if (len >= sizeof(buf) || memchr(text, '\0', len) != NULL)
		return PB_ERR_INVALID;
	memcpy(buf, text, len);
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		int r = keyring__line(line, pk, name);

		if (r != 0)
			return r > 0 ? PB_OK : PB_ERR_INVALID;
	}
	return PB_ERR_INVALID;
}

/* The facilitator's file written from kr's non-built-in keys. */
static pb_err
keyring__write(const char *local_path, const struct keyring *kr)
{
	size_t cap = 128 + kr->n * (2 * KEYRING_PKLEN + KEYRING_NAMELEN + 8), off, i;
	char *out = malloc(cap);
	pb_err rc;

	if (out == NULL)
		return PB_ERR_NOMEM;
	off = (size_t)snprintf(out, cap,
	    "# Author keys added on this box's console (pamongd rewrites this file).\n");
	for (i = 0; i < kr->n; i++) {
		char hex[2 * KEYRING_PKLEN + 1];

		if (kr->v[i].builtin)
			continue;
		util_hex(hex, kr->v[i].pk, KEYRING_PKLEN);
		off += (size_t)snprintf(out + off, cap - off, "%s%s%s\n", hex,
		    kr->v[i].name[0] ? " # " : "", kr->v[i].name);
	}
	rc = fs_write_atomic(local_path, out, off, 0644);
	free(out);
	return rc;
}

pb_err
keyring_add(const char *builtin_path, const char *local_path,
    const unsigned char pk[KEYRING_PKLEN], const char *name)
{
	struct keyring kr;
	struct keyring_key k, *nv;
	size_t i, nlocal = 0;
	pb_err rc;

	if ((rc = keyring_load(&kr, builtin_path, local_path)) != PB_OK)
		return rc;
	if (keyring_find(&kr, pk) != NULL) {
		rc = PB_ERR_EXISTS;
		goto out;
	}
	for (i = 0; i < kr.n; i++)
		nlocal += !kr.v[i].builtin;
	if (nlocal >= KEYRING_MAX) {
		rc = PB_ERR_LIMIT;
		goto out;
	}
	memset(&k, 0, sizeof(k));
	memcpy(k.pk, pk, KEYRING_PKLEN);
	keyring_fingerprint(pk, k.fp);
	/* a name is one line of printable text: no '#', no control characters */
	for (i = 0; name != NULL && name[i] != '\0' && i < KEYRING_NAMELEN - 1; i++)
		k.name[i] = ((unsigned char)name[i] < 0x20 || name[i] == 0x7f ||
		    name[i] == '#') ? ' ' : name[i];
	k.name[i] = '\0';
	{
		char *t = keyring__trim(k.name);

		memmove(k.name, t, strlen(t) + 1);
	}
	if ((nv = realloc(kr.v, (kr.n + 1) * sizeof(*nv))) == NULL) {
		rc = PB_ERR_NOMEM;
		goto out;
	}
	kr.v = nv;
	kr.v[kr.n++] = k;
	rc = keyring__write(local_path, &kr);
out:
	keyring_free(&kr);
	return rc;
}

pb_err
keyring_remove(const char *builtin_path, const char *local_path, const char *fp)
{
	struct keyring kr;
	size_t i;
	pb_err rc = PB_ERR_NOTFOUND;

	if ((rc = keyring_load(&kr, builtin_path, local_path)) != PB_OK)
		return rc;
	rc = PB_ERR_NOTFOUND;
	for (i = 0; i < kr.n; i++) {
		if (strcmp(kr.v[i].fp, fp) != 0)
			continue;
		if (kr.v[i].builtin) {
			rc = PB_ERR_DENIED;
			goto out;
		}
		memmove(&kr.v[i], &kr.v[i + 1], (kr.n - i - 1) * sizeof(*kr.v));
		kr.n--;
		rc = keyring__write(local_path, &kr);
		goto out;
	}
out:
	keyring_free(&kr);
	return rc;
}
