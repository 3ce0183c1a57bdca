/* Unit tests for ingest.c: gunzip limits and an in-memory hub database for
 * enrollment and chunk application. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ingest.h"
#include "log.h"
#include "tap.h"
#include "util.h"

static size_t
gz(const char *in, size_t len, unsigned char *out, size_t cap)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	deflateEnd(&z);
	return cap - z.avail_out;
}

static void
test_gunzip(void)
{
	unsigned char buf[4096];
	char big[3000], *out = NULL;
	size_t n, outlen = 0;

	n = gz("{\"a\":1}", 7, buf, sizeof(buf));
	CHECK(ingest_gunzip(buf, n, 100, &out, &outlen) == PB_OK, "gunzip of a small body works");
	CHECK_EQ_STR(out, "{\"a\":1}", "gunzip gives back the bytes");
	free(out);
	memset(big, 'x', sizeof(big));
	n = gz(big, sizeof(big), buf, sizeof(buf));
	CHECK_EQ_INT(ingest_gunzip(buf, n, 2999, &out, &outlen), PB_ERR_LIMIT,
	    "one byte over the decompressed limit is PB_ERR_LIMIT");
	CHECK_EQ_INT(ingest_gunzip(buf, n, 3000, &out, &outlen), PB_OK,
	    "exactly the decompressed limit is fine");
	free(out);
	CHECK_EQ_INT(ingest_gunzip(buf, n - 5, 5000, &out, &outlen), PB_ERR_INVALID,
	    "a truncated gzip stream is PB_ERR_INVALID");
	CHECK_EQ_INT(ingest_gunzip((const unsigned char *)"plain", 5, 5000, &out, &outlen),
	    PB_ERR_INVALID, "plain bytes are PB_ERR_INVALID");
}

static void
test_codes(struct hubdb *db)
{
	char code[INGEST_CODE_LEN], code2[INGEST_CODE_LEN];
	int64_t exp = 0;
	size_t i;
	int shape = 1;

	CHECK(ingest_code_create(db, 1000, 60000, code, &exp) == PB_OK, "a code is made");
	CHECK_EQ_INT(exp, 61000, "the code expires at now + ttl");
	for (i = 0; i < 19; i++)
		if ((i % 5 == 4) != (code[i] == '-'))
			shape = 0;
	CHECK(shape && strlen(code) == 19, "the code has the XXXX-XXXX-XXXX-XXXX shape: %s", code);
	CHECK(strpbrk(code, "ILOU") == NULL, "the code avoids I, L, O and U");
	CHECK(ingest_code_create(db, 1000, 60000, code2, &exp) == PB_OK &&
	    strcmp(code, code2) != 0, "two codes differ");
}

static void
test_enroll(struct hubdb *db)
{
	unsigned char pk[32], sk[64], sig[64];
	char pkhex[65], sighex[129], body[512], code[INGEST_CODE_LEN], id[37];
	struct ingest_answer a;
	int64_t exp;

	crypto_sign_keypair(pk, sk);
	util_hex(pkhex, pk, 32);
	util_uuid4(id);
	ingest_code_create(db, 1000, 60000, code, &exp);
	snprintf(body, sizeof(body), "{\"code\":\"%s\",\"public_key\":\"%s\",\"box_id\":\"%s\","
	    "\"name\":\"t\"}", code, pkhex, id);
	crypto_sign_detached(sig, NULL, (unsigned char *)body, strlen(body), sk);
	util_hex(sighex, sig, 64);
	ingest_enroll(db, body, strlen(body), sighex, 70000, &a);
	CHECK_EQ_INT(a.status, 403, "a code used after it expired is refused");
	ingest_enroll(db, body, strlen(body), sighex, 2000, &a);
	CHECK_EQ_INT(a.status, 201, "a fresh code enrolls the box");
	json_decref(a.body);
	ingest_enroll(db, body, strlen(body) - 1, sighex, 2000, &a);
	CHECK_EQ_INT(a.status, 400, "a body cut short is refused");
}

int
main(void)
{
	char dir[] = "/tmp/pb-unit-hub-XXXXXX", path[64];
	struct hubdb *db = NULL;

	log_init("test", 1, 0);
	if (util_init() != PB_OK || mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/hub.db", dir);
	test_gunzip();
	CHECK(hubdb_open(path, 2, &db) == PB_OK, "a new hub database opens");
	if (db != NULL) {
		test_codes(db);
		test_enroll(db);
		hubdb_close(db);
	}
	CHECK(hubdb_open(path, 1, &db) == PB_OK, "the database opens again (migrations idempotent)");
	hubdb_close(db);
	unlink(path);
	strcat(path, "-wal");
	unlink(path);
	snprintf(path, sizeof(path), "%s/hub.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return TAP_DONE();
}
