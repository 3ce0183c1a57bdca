/* sign.c — see sign.h. */
#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "course.h"
#include "diag.h"
#include "fsutil.h"
#include "jsonin.h"
#include "util.h"

char *
sign_pub_path(const char *key_path)
{
	size_t len = strlen(key_path);
	char *out;

	if (len > 4 && strcmp(key_path + len - 4, ".key") == 0)
		len -= 4;
	if ((out = malloc(len + 5)) == NULL)
		return NULL;
	memcpy(out, key_path, len);
	memcpy(out + len, ".pub", 5);
	return out;
}

/* Create path (which must not exist) holding text, durably. */
static pb_err
sign__write_new(const char *path, const char *text, int mode)
{
	size_t len = strlen(text), off = 0;
	char dir[PATH_MAX];
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0)
		return errno == EEXIST ? PB_ERR_EXISTS : PB_ERR_IO;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	return fs_sync_dir(dirname(dir));
fail:
	if (fd >= 0)
		close(fd);
	unlink(path);
	return PB_ERR_IO;
}

pb_err
sign_keygen(const char *key_path, char *err, size_t errlen)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char seed[crypto_sign_SEEDBYTES];
	char hex[2 * crypto_sign_SECRETKEYBYTES + 2];
	char *pub = sign_pub_path(key_path);
	pb_err rc = PB_ERR_NOMEM;
	size_t n;

	if (pub == NULL) {
		snprintf(err, errlen, "%s", TR("memori habis", "out of memory"));
		return rc;
	}
	if (access(key_path, F_OK) == 0 || access(pub, F_OK) == 0) {
		snprintf(err, errlen, TR("%s atau %s sudah ada; kunci lama tidak ditimpa",
		    "%s or %s exists already; an existing key is never overwritten"), key_path, pub);
		rc = PB_ERR_EXISTS;
		goto out;
	}
	/* the whole secret key (seed, then public key: 128 hex characters), so
	 * its length alone tells it from a public key (64) */
	crypto_sign_keypair(pk, sk);
	crypto_sign_ed25519_sk_to_seed(seed, sk);
	util_hex(hex, sk, sizeof(sk));
	n = strlen(hex);
	hex[n] = '\n';
	hex[n + 1] = '\0';
	if ((rc = sign__write_new(key_path, hex, 0600)) != PB_OK) {
		snprintf(err, errlen, "%s: %s", key_path, rc == PB_ERR_EXISTS ?
		    TR("sudah ada", "exists already") : strerror(errno));
		goto out;
	}
	util_hex(hex, pk, sizeof(pk));
	n = strlen(hex);
	hex[n] = '\n';
	hex[n + 1] = '\0';
	if ((rc = sign__write_new(pub, hex, 0644)) != PB_OK) {
		snprintf(err, errlen, "%s: %s", pub, rc == PB_ERR_EXISTS ?
		    TR("sudah ada", "exists already") : strerror(errno));
		unlink(key_path);
		goto out;
	}
	snprintf(err, errlen, "%s", "");
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(hex, sizeof(hex));
	free(pub);
	return rc;
}

/* Read a one-line hex key file into out (outlen bytes). */
static pb_err
sign__load_hex(const char *path, unsigned char *out, size_t outlen, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len;
	pb_err rc;

	if ((rc = fs_read_file(path, 1024, &text, &len)) != PB_OK) {
		snprintf(err, errlen, "%s: %s", path, rc == PB_ERR_IO ? strerror(errno) :
		    pb_strerror(rc));
		return rc;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		text[--len] = '\0';
	if ((rc = util_unhex(out, outlen, text)) != PB_OK)
		snprintf(err, errlen, TR("%s: bukan kunci (harus %zu karakter heksadesimal)",
		    "%s: not a key (must be %zu hex characters)"), path, 2 * outlen);
	sodium_memzero(text, len);
	free(text);
	return rc;
}

/* The message for a key file that holds a public key. */
static void
sign__is_public(const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, TR("%s berisi kunci publik, bukan kunci rahasia (kunci rahasia dari "
	    "pamong-pack keygen berisi 128 karakter heksadesimal): tandatangani dengan berkas .key "
	    "yang dibuat oleh pamong-pack keygen", "%s holds a public key, not a secret key (a "
	    "secret key from pamong-pack keygen has 128 hex characters): sign with the .key file "
	    "made by pamong-pack keygen"), path);
}

pb_err
sign_load_secret(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES], char *err,
    size_t errlen)
{
	unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char pub[crypto_sign_PUBLICKEYBYTES];
	size_t len = strlen(path), tlen = 0;
	char *pub_path = NULL, *text = NULL, ignored[8];
	int has_pub, legacy;
	pb_err rc;

	if (len >= 4 && strcmp(path + len - 4, ".pub") == 0) {
		snprintf(err, errlen, TR("%s adalah kunci publik (.pub), bukan kunci rahasia: "
		    "tandatangani dengan berkas .key yang dibuat oleh pamong-pack keygen",
		    "%s is a public key (.pub), not a secret key: sign with the .key file made by "
		    "pamong-pack keygen"), path);
		return PB_ERR_INVALID;
	}
	if ((rc = fs_read_file(path, 1024, &text, &tlen)) != PB_OK) {
		snprintf(err, errlen, "%s: %s", path, rc == PB_ERR_IO ? strerror(errno) :
		    pb_strerror(rc));
		return rc;
	}
	while (tlen > 0 && (text[tlen - 1] == '\n' || text[tlen - 1] == '\r' || text[tlen - 1] == ' '))
		text[--tlen] = '\0';
	/* 128 hex: keygen's secret key (seed, public key); 64: the seed alone,
	 * as keygen wrote before, or a public key under another name */
	legacy = tlen == 2 * crypto_sign_SEEDBYTES;
	if (tlen == 2 * crypto_sign_SECRETKEYBYTES)
		rc = util_unhex(sk, crypto_sign_SECRETKEYBYTES, text);
	else if (legacy)
		rc = util_unhex(seed, sizeof(seed), text);
	else
		rc = PB_ERR_INVALID;
	sodium_memzero(text, tlen);
	free(text);
	if (rc != PB_OK) {
		snprintf(err, errlen, TR("%s: bukan kunci rahasia (harus %d karakter heksadesimal)",
		    "%s: not a secret key (must be %d hex characters)"), path,
		    2 * crypto_sign_SECRETKEYBYTES);
		return PB_ERR_INVALID;
	}
	if (!legacy) {
		crypto_sign_ed25519_sk_to_seed(seed, sk);
		memcpy(pub, sk + crypto_sign_SEEDBYTES, sizeof(pub));
	}
	rc = crypto_sign_seed_keypair(pk, sk, seed) == 0 ? PB_OK : PB_ERR_CRYPTO;
	if (rc == PB_OK && !legacy && sodium_memcmp(pk, pub, sizeof(pk)) != 0)
		rc = PB_ERR_CRYPTO; /* its halves do not belong together */
	if (rc != PB_OK) {
		sodium_memzero(seed, sizeof(seed));
		sodium_memzero(sk, crypto_sign_SECRETKEYBYTES);
		snprintf(err, errlen, "%s: %s", path, TR("bukan kunci rahasia", "not a secret key"));
		return rc;
	}
	/* the .pub keygen wrote beside it must be this key's */
	if ((pub_path = sign_pub_path(path)) == NULL) {
		snprintf(err, errlen, "%s", TR("memori habis", "out of memory"));
		rc = PB_ERR_NOMEM;
		goto out;
	}
	has_pub = access(pub_path, F_OK) == 0 &&
	    sign__load_hex(pub_path, pub, sizeof(pub), ignored, sizeof(ignored)) == PB_OK;
	if (legacy && ((has_pub && sodium_memcmp(pub, seed, sizeof(seed)) == 0) ||
	    (!has_pub && crypto_core_ed25519_is_valid_point(seed)))) {
		/* a copy of the .pub beside it, or 64 hex characters that are a
		 * public key's point (a seed is one only by a 1-in-16 chance; the
		 * message says to use keygen's file) */
		sign__is_public(path, err, errlen);
		rc = PB_ERR_INVALID;
	} else if (access(pub_path, F_OK) == 0 &&
	    (!has_pub || sodium_memcmp(pub, pk, sizeof(pk)) != 0)) {
		snprintf(err, errlen, TR("%s bukan pasangan %s di sebelahnya: tandatangani dengan berkas "
		    ".key yang dibuat oleh pamong-pack keygen bersama .pub itu", "%s does not belong to "
		    "%s beside it: sign with the .key file that pamong-pack keygen made together with "
		    "that .pub"), path, pub_path);
		rc = PB_ERR_CRYPTO;
	}
out:
	sodium_memzero(seed, sizeof(seed));
	if (rc != PB_OK)
		sodium_memzero(sk, crypto_sign_SECRETKEYBYTES);
	free(pub_path);
	return rc;
}

pb_err
sign_load_public(const char *path, unsigned char pk[crypto_sign_PUBLICKEYBYTES], char *err,
    size_t errlen)
{
	return sign__load_hex(path, pk, crypto_sign_PUBLICKEYBYTES, err, errlen);
}

pb_err
sign_pack(struct pack *p, const unsigned char sk[crypto_sign_SECRETKEYBYTES], char *err,
    size_t errlen)
{
	const struct pack_entry *m = pack_find(p, "manifest.json");
	unsigned char sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES];
	char hex[2 * crypto_sign_BYTES + 2 * crypto_sign_PUBLICKEYBYTES + 3];
	size_t n;

	if (m == NULL) {
		snprintf(err, errlen, "%s", TR("manifest.json tidak ada di dalam paket",
		    "manifest.json is missing from the pack"));
		return PB_ERR_INVALID;
	}
	if (crypto_sign_detached(sig, NULL, m->data, m->len, sk) != 0) {
		snprintf(err, errlen, "%s", TR("gagal menandatangani", "signing failed"));
		return PB_ERR_CRYPTO;
	}
	/* the second line names the signer, so a box that does not trust the
	 * key can say which key it is */
	if (crypto_sign_ed25519_sk_to_pk(pk, sk) != 0) {
		snprintf(err, errlen, "%s", TR("gagal menandatangani", "signing failed"));
		return PB_ERR_CRYPTO;
	}
	util_hex(hex, sig, sizeof(sig));
	n = strlen(hex);
	hex[n++] = '\n';
	util_hex(hex + n, pk, sizeof(pk));
	n = strlen(hex);
	hex[n++] = '\n';
	hex[n] = '\0';
	return pack_put(p, "manifest.sig", hex, n);
}

/* Check manifest.sig against pk. */
static pb_err
sign__check_sig(const struct pack *p, const struct pack_entry *m, const unsigned char *pk,
    char *err, size_t errlen)
{
	const struct pack_entry *s = pack_find(p, "manifest.sig");
	unsigned char sig[crypto_sign_BYTES];
	char hex[2 * crypto_sign_BYTES + 1];
	size_t len;

	if (s == NULL) {
		snprintf(err, errlen, "%s", TR("paket tidak ditandatangani (manifest.sig tidak ada)",
		    "the pack is not signed (no manifest.sig)"));
		return PB_ERR_CRYPTO;
	}
	/* the signature is the first line; a second names the signer's key */
	for (len = 0; len < s->len && s->data[len] != '\n'; len++)
		;
	while (len > 0 && s->data[len - 1] == '\r')
		len--;
	if (len != 2 * crypto_sign_BYTES) {
		snprintf(err, errlen, "%s", TR("manifest.sig rusak", "manifest.sig is malformed"));
		return PB_ERR_CRYPTO;
	}
	memcpy(hex, s->data, len);
	hex[len] = '\0';
	if (util_unhex(sig, sizeof(sig), hex) != PB_OK) {
		snprintf(err, errlen, "%s", TR("manifest.sig rusak", "manifest.sig is malformed"));
		return PB_ERR_CRYPTO;
	}
	if (crypto_sign_verify_detached(sig, m->data, m->len, pk) != 0) {
		snprintf(err, errlen, "%s", TR("tanda tangan tidak cocok dengan kunci publik ini",
		    "the signature does not verify with this public key"));
		return PB_ERR_CRYPTO;
	}
	return PB_OK;
}

/* Check the manifest's file list against the pack's files. */
static pb_err
sign__check_files(const struct pack *p, json_t *files, char *err, size_t errlen)
{
	unsigned char *seen = calloc(p->n + 1, 1);
	pb_err rc = PB_ERR_INVALID;
	json_t *f;
	size_t i, k;

	if (seen == NULL) {
		snprintf(err, errlen, "%s", TR("memori habis", "out of memory"));
		return PB_ERR_NOMEM;
	}
	json_array_foreach(files, i, f) {
		const char *path = NULL, *sha = NULL;
		json_int_t size = -1;
		const struct pack_entry *e;
		char hex[65];

		if (json_unpack(f, "{s:s, s:I, s:s}", "path", &path, "size", &size, "sha256", &sha) != 0) {
			snprintf(err, errlen, TR("manifest.json: files[%zu] rusak",
			    "manifest.json: files[%zu] is malformed"), i);
			goto out;
		}
		e = pack_find(p, path);
		if (e == NULL || strcmp(path, "manifest.json") == 0 || strcmp(path, "manifest.sig") == 0) {
			snprintf(err, errlen, TR("berkas di manifest tidak ada di dalam paket: %s",
			    "file in the manifest is missing from the pack: %s"), path);
			goto out;
		}
		k = (size_t)(e - p->v);
		if (seen[k]) {
			snprintf(err, errlen, TR("berkas tercantum dua kali di manifest: %s",
			    "file listed twice in the manifest: %s"), path);
			goto out;
		}
		seen[k] = 1;
		if (size < 0 || (size_t)size != e->len) {
			snprintf(err, errlen, TR("ukuran berkas tidak cocok dengan manifest: %s",
			    "file size does not match the manifest: %s"), path);
			goto out;
		}
		util_sha256_hex(hex, e->data, e->len);
		if (strcmp(hex, sha) != 0) {
			snprintf(err, errlen, TR("SHA-256 berkas tidak cocok dengan manifest: %s",
			    "file SHA-256 does not match the manifest: %s"), path);
			goto out;
		}
	}
	for (k = 0; k < p->n; k++) {
		if (!seen[k] && strcmp(p->v[k].path, "manifest.json") != 0 &&
		    strcmp(p->v[k].path, "manifest.sig") != 0) {
			snprintf(err, errlen, TR("berkas tidak tercantum di manifest: %s",
			    "file not listed in the manifest: %s"), p->v[k].path);
			goto out;
		}
	}
	rc = PB_OK;
out:
	free(seen);
	return rc;
}

pb_err
sign_check(const struct pack *p, const unsigned char *pk, struct sign_info *info, char *err,
    size_t errlen)
{
	const struct pack_entry *m = pack_find(p, "manifest.json");
	const char *id, *version, *title;
	json_t *root = NULL, *files;
	json_error_t jerr;
	json_int_t format;
	int dev;
	pb_err rc = PB_ERR_INVALID;

	memset(info, 0, sizeof(*info));
	snprintf(err, errlen, "%s", "");
	if (m == NULL) {
		snprintf(err, errlen, "%s", TR("manifest.json tidak ada di dalam paket",
		    "manifest.json is missing from the pack"));
		return PB_ERR_INVALID;
	}
	info->has_sig = pack_find(p, "manifest.sig") != NULL;
	if (pk != NULL) {
		if ((rc = sign__check_sig(p, m, pk, err, errlen)) != PB_OK)
			return rc;
		info->sig_checked = 1;
	}
	if ((root = jsonin_parse((const char *)m->data, m->len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		snprintf(err, errlen, TR("manifest.json: JSON salah di baris %d: %s",
		    "manifest.json: bad JSON on line %d: %s"), jerr.line, jerr.text);
		return PB_ERR_INVALID;
	}
	if (json_unpack(root, "{s:I, s:s, s:s, s:s, s:b, s:o}", "format", &format, "id", &id,
	    "version", &version, "title", &title, "dev", &dev, "files", &files) != 0 ||
	    !json_is_array(files)) {
		snprintf(err, errlen, "%s", TR("manifest.json: kunci wajib tidak ada atau salah jenis",
		    "manifest.json: a required key is missing or has the wrong type"));
		goto out;
	}
	if (format != BUILD_FORMAT) {
		snprintf(err, errlen, TR("manifest.json: format %lld tidak dikenal",
		    "manifest.json: unknown format %lld"), (long long)format);
		goto out;
	}
	if (!course_id_ok(id, 3, 48) || !course_version_ok(version)) {
		snprintf(err, errlen, "%s", TR("manifest.json: id atau version salah",
		    "manifest.json: bad id or version"));
		goto out;
	}
	snprintf(info->id, sizeof(info->id), "%s", id);
	snprintf(info->version, sizeof(info->version), "%s", version);
	info->dev = dev;
	info->nfiles = json_array_size(files);
	rc = sign__check_files(p, files, err, errlen);
out:
	json_decref(root);
	return rc;
}
