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

/* Upload one chunk (gzip, signed) as the box with secret key sk. */
static void
upload(struct hubdb *db, const unsigned char *sk, const char *pkhex, const char *json,
    struct ingest_answer *a)
{
	static const struct ingest_limits lim = { 1 << 20, 16 << 20, 10000, 80 << 20 };
	unsigned char buf[8192], sig[64];
	char sighex[129];
	size_t n;

	n = gz(json, strlen(json), buf, sizeof(buf));
	crypto_sign_detached(sig, NULL, buf, n, sk);
	util_hex(sighex, sig, 64);
	memset(a, 0, sizeof(*a));
	ingest_upload(db, &lim, pkhex, sighex, "gzip", buf, n, 5000, a);
	json_decref(a->body);
	a->body = NULL;
}

static long long
db_int(struct hubdb *db, const char *sql)
{
	struct hdb_conn *c = hubdb_get(db);
	struct hdb_stmt *s = NULL;
	long long v = -1;

	if ((s = hdb_prepare(c, sql)) != NULL &&
	    hdb_step(s) == HDB_ROW)
		v = hdb_column_int64(s, 0);
	hdb_finalize(s);
	hubdb_put(db, c);
	return v;
}

static void
db_text(struct hubdb *db, const char *sql, char *out, size_t len)
{
	struct hdb_conn *c = hubdb_get(db);
	struct hdb_stmt *s = NULL;
	const char *t;

	out[0] = '\0';
	if ((s = hdb_prepare(c, sql)) != NULL &&
	    hdb_step(s) == HDB_ROW && (t = hdb_column_text(s, 0)) != NULL)
		snprintf(out, len, "%s", (const char *)t);
	hdb_finalize(s);
	hubdb_put(db, c);
}

#define TS_LEARNER "5a5a5a5a-0000-4000-8000-000000000001"

/* A chunk with one learner and one summary at rev; the time_source
 * members are spliced in as given ("" = none sent). */
static void
ts_chunk(char *out, size_t len, const char *box, int rev, const char *l_src,
    const char *s_src)
{
	snprintf(out, len, "{\"box\":\"%s\",\"chunk\":{\"from_rev\":%d,\"to_rev\":%d,"
	    "\"seq\":%d},\"learners\":[{\"id\":\"" TS_LEARNER "\",\"name\":\"Siti\","
	    "\"position\":\"kepala-desa\",\"village\":\"33.02.01.2001\","
	    "\"registered_at\":1764400000000,\"rev\":%d%s}],"
	    "\"summaries\":[{\"learner\":\"" TS_LEARNER "\",\"course\":\"k\","
	    "\"status\":\"in_progress\",\"lessons_done\":0,\"lessons_total\":2,"
	    "\"best_score\":null,\"passed\":false,\"attempts\":0,\"seconds_spent\":0,"
	    "\"first_activity\":1764400001000,\"last_activity\":1764400002000,"
	    "\"completed_at\":0,\"rev\":%d%s}],\"health\":{\"clock\":\"phone\"}}",
	    box, rev - 1, rev, rev, rev, l_src, rev, s_src);
}

/* time_source on learners and summaries: validated, stored as sent;
 * absent (older boxes) is fine. */
static void
test_time_source(struct hubdb *db)
{
	unsigned char pk[32], sk[64], sig[64];
	char pkhex[65], sighex[129], body[2048], code[INGEST_CODE_LEN], id[37], text[200];
	struct ingest_answer a;
	int64_t exp;

	crypto_sign_keypair(pk, sk);
	util_hex(pkhex, pk, 32);
	util_uuid4(id);
	ingest_code_create(db, 1000, 60000, code, &exp);
	snprintf(body, sizeof(body), "{\"code\":\"%s\",\"public_key\":\"%s\",\"box_id\":\"%s\","
	    "\"name\":\"ts\"}", code, pkhex, id);
	crypto_sign_detached(sig, NULL, (unsigned char *)body, strlen(body), sk);
	util_hex(sighex, sig, 64);
	ingest_enroll(db, body, strlen(body), sighex, 2000, &a);
	json_decref(a.body);
	CHECK_EQ_INT(a.status, 201, "a box for the time_source tests enrolls");

	ts_chunk(body, sizeof(body), id, 1, "", "");
	upload(db, sk, pkhex, body, &a);
	CHECK_EQ_INT(a.status, 200, "a chunk without time_source (an older box) is accepted");
	CHECK_EQ_INT(db_int(db, "SELECT count(*) FROM summaries WHERE time_source IS NULL "
	    "AND learner = '" TS_LEARNER "'"), 1, "its summary has no time_source");

	ts_chunk(body, sizeof(body), id, 2, ",\"times_corrected\":true,"
	    "\"time_source\":{\"registered_at\":\"phone\"}", ",\"times_corrected\":true,"
	    "\"time_source\":{\"last_activity\":\"hub\",\"first_activity\":\"phone\"}");
	upload(db, sk, pkhex, body, &a);
	CHECK_EQ_INT(a.status, 200, "a chunk with time_source is accepted");
	db_text(db, "SELECT times_corrected || ' ' || time_source FROM learners WHERE id = '"
	    TS_LEARNER "'", text, sizeof(text));
	CHECK_EQ_STR(text, "1 {\"registered_at\":\"phone\"}",
	    "the learner's times_corrected and time_source are stored");
	db_text(db, "SELECT times_corrected || ' ' || time_source FROM summaries WHERE "
	    "learner = '" TS_LEARNER "'", text, sizeof(text));
	CHECK_EQ_STR(text, "1 {\"first_activity\":\"phone\",\"last_activity\":\"hub\"}",
	    "the summary's time_source is stored (keys sorted)");

	static const struct {
		const char *l, *s, *what;
	} bad[] = {
		{ "", ",\"time_source\":{\"first_activity\":\"ntp\"}",
		  "a source other than hub, phone, none" },
		{ "", ",\"time_source\":{\"registered_at\":\"hub\"}",
		  "a summary time_source naming a learner's field" },
		{ ",\"time_source\":{\"first_activity\":\"hub\"}", "",
		  "a learner time_source naming a summary's field" },
		{ "", ",\"time_source\":\"hub\"", "a time_source that is not an object" },
		{ ",\"times_corrected\":\"yes\"", "", "a learner times_corrected not boolean" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ts_chunk(body, sizeof(body), id, 3, bad[i].l, bad[i].s);
		upload(db, sk, pkhex, body, &a);
		CHECK(a.status == 400 && a.error != NULL &&
		    strcmp(a.error, "invalid_field") == 0,
		    "%s is refused with 400 invalid_field (got %d)", bad[i].what, a.status);
	}
	CHECK_EQ_INT(db_int(db, "SELECT max(rev) FROM summaries WHERE learner = '"
	    TS_LEARNER "'"), 2, "nothing of the refused chunks is stored");

	/* the top of the rev range (2^53): the window check adds nothing to
	 * from_rev (from_rev + 1 overflowed when revs went up to 2^63-1) */
	snprintf(body, sizeof(body), "{\"box\":\"%s\",\"chunk\":{\"from_rev\":"
	    "9007199254740992,\"to_rev\":9007199254740992,\"seq\":9},\"learners\":"
	    "[{\"id\":\"" TS_LEARNER "\",\"name\":\"Siti\",\"position\":\"kepala-desa\","
	    "\"village\":\"33.02.01.2001\",\"registered_at\":1,\"rev\":5}]}", id);
	upload(db, sk, pkhex, body, &a);
	CHECK(a.status == 400 && a.error != NULL && strcmp(a.error, "invalid_field") == 0,
	    "a row below a chunk at rev 2^53 is outside it: 400 invalid_field (got %d)",
	    a.status);
	CHECK_EQ_INT(db_int(db, "SELECT max(rev) FROM learners WHERE id = '" TS_LEARNER "'"),
	    2, "and is not stored");
}

/* A hub database of schema 1 gains the columns of schemas 2 and 3, the
 * running totals of 4 and the indexes of 5. */
static void
test_migrate_1(const char *path)
{
	struct hubdb *db = NULL;
	struct hdb_conn *c;
	pb_err rc;

	CHECK(hubdb_open(path, 1, &db) == PB_OK, "a hub database to take back to schema 1");
	if (db == NULL)
		return;
	c = hubdb_get(db);
	rc = hdb_exec(c, "DROP TRIGGER learners_rows_ins; DROP TRIGGER learners_rows_upd;"
	    "DROP TRIGGER learners_rows_del; DROP TRIGGER summaries_rows_ins;"
	    "DROP TRIGGER summaries_rows_upd; DROP TRIGGER summaries_rows_del;"
	    "DROP TABLE learner_rows; DROP TABLE completion_buckets; DROP TABLE region_names;"
	    "DROP TABLE learner_rows_delta; DROP TABLE completion_buckets_delta;"
	    "DROP TRIGGER learners_totals_ins; DROP TRIGGER learners_totals_upd;"
	    "DROP TRIGGER summaries_totals_ins; DROP TRIGGER summaries_totals_upd;"
	    "DROP TRIGGER learners_totals_del; DROP TRIGGER summaries_totals_del;"
	    "DROP TABLE totals_delta; DROP TABLE login_limits;"
	    "ALTER TABLE boxes DROP COLUMN db_reason; ALTER TABLE boxes DROP COLUMN db_lost_writes;"
	    "DROP TABLE village_learners; DROP TABLE village_totals; DROP TABLE unit_totals;"
	    "DROP INDEX learners_order; DROP INDEX boxes_name; DROP INDEX summaries_done;"
	    "DROP INDEX summaries_gain; ALTER TABLE summaries DROP COLUMN pre_score;"
	    "ALTER TABLE summaries DROP COLUMN post_score;"
	    "CREATE INDEX summaries_completed ON summaries(completed_at)"
	    "  WHERE status = 'completed';"
	    "ALTER TABLE learners DROP COLUMN times_corrected;"
	    "ALTER TABLE learners DROP COLUMN time_source;"
	    "ALTER TABLE summaries DROP COLUMN time_source;"
	    "ALTER TABLE users DROP COLUMN role; ALTER TABLE users DROP COLUMN area;"
	    "ALTER TABLE users DROP COLUMN disabled; ALTER TABLE boxes DROP COLUMN disk_total;"
	    "ALTER TABLE boxes DROP COLUMN db_state; DROP INDEX learners_p;"
	    "DROP INDEX learners_r; DROP INDEX learners_d; PRAGMA user_version = 1;");
	hubdb_put(db, c);
	hubdb_close(db);
	CHECK_EQ_INT(rc, PB_OK, "the database looks like schema 1 again");
	db = NULL;
	CHECK(hubdb_open(path, 1, &db) == PB_OK, "a schema-1 hub database opens");
	if (db == NULL)
		return;
	CHECK_EQ_INT(db_int(db, "PRAGMA user_version"), 9, "and is migrated to schema 9");
	CHECK_EQ_INT(db_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN"
	    " ('village_learners', 'village_totals', 'unit_totals', 'learners_totals_ins',"
	    " 'summaries_totals_upd', 'learners_order', 'summaries_done', 'totals_delta',"
	    " 'learners_totals_del', 'summaries_totals_del', 'login_limits')"), 11,
	    "with the running totals, their deltas and triggers, the schema 5 indexes and"
	    " the login limits");
	CHECK_EQ_INT(db_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN"
	    " ('learner_rows', 'completion_buckets', 'region_names', 'learners_rows_ins',"
	    " 'learners_rows_upd', 'learners_rows_del', 'summaries_rows_ins',"
	    " 'summaries_rows_upd', 'summaries_rows_del', 'learner_rows_delta',"
	    " 'completion_buckets_delta')"), 11,
	    "with the schema 8 tables, their deltas and triggers");
	CHECK_EQ_INT(db_int(db, "SELECT count(*) FROM sqlite_master WHERE name ="
	    " 'learner_merges'"), 1, "and schema 9's learner_merges");
	CHECK_EQ_INT(db_int(db, "SELECT count(*) FROM pragma_table_info('users') "
	    "WHERE name IN ('role', 'area', 'disabled')"), 3, "users have role, area, disabled");
	CHECK_EQ_INT(db_int(db, "SELECT count(*) FROM pragma_table_info('summaries') "
	    "WHERE name = 'time_source'"), 1, "summaries have time_source");
	CHECK_EQ_INT(db_int(db, "SELECT count(*) FROM pragma_table_info('summaries') "
	    "WHERE name IN ('pre_score', 'post_score')"), 2,
	    "summaries have pre_score and post_score (schema 6)");
	CHECK_EQ_INT(db_int(db, "SELECT count(*) FROM learners WHERE time_source IS NOT "
	    "NULL"), 0, "old learner rows have no time_source");
	hubdb_close(db);
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
		test_time_source(db);
		hubdb_close(db);
	}
	CHECK(hubdb_open(path, 1, &db) == PB_OK, "the database opens again (migrations idempotent)");
	hubdb_close(db);
	test_migrate_1(path);
	unlink(path);
	strcat(path, "-wal");
	unlink(path);
	snprintf(path, sizeof(path), "%s/hub.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return TAP_DONE();
}
