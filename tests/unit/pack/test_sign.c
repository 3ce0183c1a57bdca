/* test_sign.c — keys, signing and checking packs in memory: a good pack
 * verifies, every kind of tampering is caught, keys are never overwritten. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "fsutil.h"
#include "sign.h"
#include "tap.h"
#include "util.h"

/* A small pack: two files and their manifest. */
static void
make_pack(struct pack *p)
{
	char *m;
	size_t len;

	memset(p, 0, sizeof(*p));
	pack_put(p, "course.json", "{}\n", 3);
	pack_put(p, "lessons/a.html", "<p>a</p>\n", 9);
	if (build_manifest(p, "kursus-uji", "1.0.0", "Uji", 0, &m, &len) == PB_OK)
		pack_put_owned(p, "manifest.json", m, len);
}

static void
test_keys(const char *dir)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	char key[512], pub[512], err[512];
	struct stat st;
	char *pp;

	snprintf(key, sizeof(key), "%s/dev.key", dir);
	snprintf(pub, sizeof(pub), "%s/dev.pub", dir);
	pp = sign_pub_path(key);
	CHECK_EQ_STR(pp, pub, "NAME.key has its public key in NAME.pub");
	free(pp);
	pp = sign_pub_path("kunci");
	CHECK_EQ_STR(pp, "kunci.pub", "another name gets .pub appended");
	free(pp);
	CHECK_EQ_INT(sign_keygen(key, err, sizeof(err)), PB_OK, "keygen writes a key pair");
	CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600, "the secret key is mode 0600");
	CHECK(stat(pub, &st) == 0 && st.st_size == 65, "the public key is 64 hex characters and a newline");
	CHECK_EQ_INT(sign_keygen(key, err, sizeof(err)), PB_ERR_EXISTS, "keygen refuses to overwrite a key");
	CHECK(sign_load_secret(key, sk, err, sizeof(err)) == PB_OK, "the secret key loads");
	CHECK(sign_load_public(pub, pk, err, sizeof(err)) == PB_OK, "the public key loads");
	CHECK(memcmp(sk + 32, pk, 32) == 0, "the secret key belongs to the public key");
	CHECK_EQ_INT(sign_load_secret("/nonexistent/x.key", sk, err, sizeof(err)), PB_ERR_IO,
	    "a missing key file is an I/O error");
}

static void
test_sign_verify(void)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char pk2[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];
	struct sign_info info;
	struct pack p;
	char err[512];

	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	diag_english = 1;

	make_pack(&p);
	CHECK_EQ_INT(sign_check(&p, NULL, &info, err, sizeof(err)), PB_OK, "an unsigned pack's files check out");
	CHECK(!info.has_sig && info.nfiles == 2 && strcmp(info.id, "kursus-uji") == 0,
	    "the check reports id, file count and no signature");
	CHECK_EQ_INT(sign_check(&p, pk, &info, err, sizeof(err)), PB_ERR_CRYPTO,
	    "an unsigned pack fails when a key is given");
	CHECK_EQ_STR(err, "the pack is not signed (no manifest.sig)", "...saying it is unsigned");
	CHECK_EQ_INT(sign_pack(&p, sk, err, sizeof(err)), PB_OK, "signing adds manifest.sig");
	CHECK(pack_find(&p, "manifest.sig") != NULL && pack_find(&p, "manifest.sig")->len == 194,
	    "manifest.sig is 128 hex characters of signature, then 64 of the signer's key, a line each");
	{
		char pkhex[65];

		util_hex(pkhex, pk, sizeof(pk));
		CHECK(memcmp(pack_find(&p, "manifest.sig")->data + 129, pkhex, 64) == 0,
		    "...the second line is the signer's public key");
	}
	CHECK_EQ_INT(sign_check(&p, pk, &info, err, sizeof(err)), PB_OK, "a signed pack verifies");
	CHECK(info.sig_checked, "...with its signature checked");
	CHECK_EQ_INT(sign_check(&p, pk2, &info, err, sizeof(err)), PB_ERR_CRYPTO,
	    "another key's public key does not verify it");
	CHECK_EQ_INT(sign_pack(&p, sk2, err, sizeof(err)), PB_OK, "signing again replaces the signature");
	CHECK(sign_check(&p, pk2, &info, err, sizeof(err)) == PB_OK && p.n == 4,
	    "...which then verifies with the new key, still one manifest.sig");
	pack_free(&p);

	make_pack(&p);
	sign_pack(&p, sk, err, sizeof(err));
	p.v[1].data[0] = 'X';
	CHECK_EQ_INT(sign_check(&p, pk, &info, err, sizeof(err)), PB_ERR_INVALID,
	    "a changed file fails the check");
	CHECK_EQ_STR(err, "file SHA-256 does not match the manifest: lessons/a.html", "...naming the file");
	pack_free(&p);

	make_pack(&p);
	sign_pack(&p, sk, err, sizeof(err));
	pack_put(&p, "media/extra.svg", "<svg/>", 6);
	CHECK_EQ_INT(sign_check(&p, pk, &info, err, sizeof(err)), PB_ERR_INVALID,
	    "a file added to the pack fails the check");
	CHECK_EQ_STR(err, "file not listed in the manifest: media/extra.svg", "...naming the file");
	pack_free(&p);

	make_pack(&p);
	sign_pack(&p, sk, err, sizeof(err));
	pack_put(&p, "lessons/a.html", "<p>a</p>\n\n", 10);
	CHECK_EQ_INT(sign_check(&p, pk, &info, err, sizeof(err)), PB_ERR_INVALID,
	    "a file of another size fails the check");
	pack_free(&p);

	make_pack(&p);
	sign_pack(&p, sk, err, sizeof(err));
	{
		struct pack_entry *m = (struct pack_entry *)pack_find(&p, "manifest.json");
		char *at = memmem(m->data, m->len, "1.0.0", 5);

		if (at != NULL)
			at[0] = '9';
	}
	CHECK_EQ_INT(sign_check(&p, pk, &info, err, sizeof(err)), PB_ERR_CRYPTO,
	    "a changed manifest fails the signature");
	CHECK_EQ_INT(sign_check(&p, NULL, &info, err, sizeof(err)), PB_OK,
	    "(without a key only the files are checked)");
	pack_free(&p);

	memset(&p, 0, sizeof(p));
	pack_put(&p, "course.json", "{}", 2);
	CHECK_EQ_INT(sign_check(&p, NULL, &info, err, sizeof(err)), PB_ERR_INVALID,
	    "a pack without manifest.json fails");
	CHECK_EQ_INT(sign_pack(&p, sk, err, sizeof(err)), PB_ERR_INVALID, "...and cannot be signed");
	pack_free(&p);
	diag_english = 0;
}

int
main(void)
{
	char dir[] = "/tmp/pb-test-sign-XXXXXX";

	if (util_init() != PB_OK || mkdtemp(dir) == NULL)
		return 1;
	test_keys(dir);
	test_sign_verify();
	fs_remove_tree(dir);
	return TAP_DONE();
}
