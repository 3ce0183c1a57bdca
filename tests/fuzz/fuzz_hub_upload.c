/* fuzz_hub_upload — what a box sends pamong-hub, through the hub's real
 * ingest.c on a real SQLite database (in the scratch dir):
 *
 *   first byte % 3 == 0: the rest is an upload body as sent (gzip bytes);
 *   first byte % 3 == 1: the rest is the upload's JSON, gzipped here;
 *   first byte % 3 == 2: the rest is an enrollment body (JSON).
 *
 * The harness signs every body with a fixed test key, as a real box would,
 * so the fuzzer gets past the signature to gunzip, the JSON, the schema
 * checks and the database writes. The upload key is enrolled for box
 * FUZZ_BOX; the enrollment key is not enrolled and the code FUZZ_CODE is
 * valid, so an enrollment body with FUZZ_ENROLL_PK succeeds. The tables the
 * runs change are put back after each run, so every run starts from the
 * same database. PB_FUZZ_VERBOSE=1 prints each answer (to check seeds). */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "db.h"
#include "fuzz.h"
#include "ingest.h"
#include "log.h"
#include "util.h"

#define FUZZ_BOX  "0b0c0d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"
#define FUZZ_CODE "ABCD-EFGH-JKMN-PQRS"
#define FUZZ_NOW  1767225600000LL /* 2026-01-01, so runs are repeatable */

static struct hubdb *db;
static unsigned char up_pk[32], up_sk[64], en_pk[32], en_sk[64];
static char up_pkhex[65];
static const struct ingest_limits lim = { 256 * 1024, 1024 * 1024, 200, 5 * 1024 * 1024 };

static void
seed_key(unsigned char fill, unsigned char pk[32], unsigned char sk[64])
{
	unsigned char seed[crypto_sign_SEEDBYTES];

	memset(seed, fill, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
}

static void
exec_or_die(const char *sql)
{
	struct hdb_conn *c = hubdb_get(db);

	if (hdb_exec(c, sql) != PB_OK)
		abort();
	hubdb_put(db, c);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[PATH_MAX], sql[512], hash[65];

	(void)argc;
	(void)argv;
	log_init("fuzz", 1, 0);
	if (util_init() != PB_OK)
		abort();
	seed_key(0x11, up_pk, up_sk);
	seed_key(0x22, en_pk, en_sk);
	util_hex(up_pkhex, up_pk, sizeof(up_pk));
	fuzz_scratch("hub");
	fuzz_path(path, "hub.db");
	if (hubdb_open(path, 1, &db) != PB_OK)
		abort();
	/* durability is not what is tested here; speed is welcome */
	exec_or_die("PRAGMA synchronous=OFF");
	util_sha256_hex(hash, "ABCDEFGHJKMNPQRS", 16);
	snprintf(sql, sizeof(sql), "INSERT INTO enroll_codes(hash, created_at, expires_at)"
	    " VALUES ('%s', 0, %lld);"
	    "INSERT INTO boxes(key, box_id, name, enrolled_at) VALUES ('%s', '%s', 'fuzz', 0);",
	    hash, FUZZ_NOW + 86400000LL, up_pkhex, FUZZ_BOX);
	exec_or_die(sql);
	return 0;
}

/* Put back everything a run may have changed. */
static void
reset(void)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "DELETE FROM learners; DELETE FROM summaries;"
	    " DELETE FROM uploads; DELETE FROM boxes WHERE key <> '%s';"
	    " UPDATE boxes SET acked_rev = 0, last_seq = 0, last_seen = NULL,"
	    " version = NULL, uptime_s = NULL, disk_free = NULL, db_bytes = NULL,"
	    " pending = NULL, clock = NULL;"
	    " UPDATE enroll_codes SET used_at = NULL, used_by = NULL;", up_pkhex);
	exec_or_die(sql);
}

/* gzip in[0..len) into a malloc'd buffer. */
static unsigned char *
gzip(const uint8_t *in, size_t len, size_t *outlen)
{
	unsigned char *out;
	z_stream z;
	size_t cap;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	cap = deflateBound(&z, (uLong)len);
	if ((out = malloc(cap)) == NULL)
		abort();
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static void
sign_hex(char out[129], const unsigned char *body, size_t len, const unsigned char *sk)
{
	unsigned char sig[crypto_sign_BYTES];

	crypto_sign_detached(sig, NULL, body, len, sk);
	util_hex(out, sig, sizeof(sig));
}

static void
answer_free(struct ingest_answer *a)
{
	if (getenv("PB_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "answer: %d %s %s\n", a->status, a->error ? a->error : "-",
		    a->message);
	if ((a->error == NULL) != (a->body != NULL) || a->status < 200 || a->status > 599)
		abort(); /* an answer is either an error or a body, with a real status */
	json_decref(a->body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_answer a;
	unsigned char *body = NULL;
	size_t len;
	char sig[129];
	int mode;

	if (size < 1)
		return 0;
	mode = data[0] % 3;
	data++;
	size--;
	if (mode == 2) {
		sign_hex(sig, data, size, en_sk);
		ingest_enroll(db, (const char *)data, size, sig, FUZZ_NOW, &a);
	} else {
		if (mode == 1)
			body = gzip(data, size, &len);
		sign_hex(sig, body ? body : data, body ? len : size, up_sk);
		ingest_upload(db, &lim, up_pkhex, sig, "gzip", body ? body : data,
		    body ? len : size, FUZZ_NOW, &a);
	}
	answer_free(&a);
	free(body);
	reset();
	return 0;
}
