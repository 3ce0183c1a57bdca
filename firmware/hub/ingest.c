/* ingest.c — see ingest.h and docs/SYNC.md. */
#include "ingest.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "jsonin.h"
#include "log.h"
#include "names.h"
#include "totals.h"
#include "util.h"

/* Crockford's base32: no I, L, O, U, so codes survive being read aloud. */
static const char ingest__b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

__attribute__((format(printf, 4, 5))) static void
ingest__fail(struct ingest_answer *a, int status, const char *error, const char *fmt, ...)
{
	va_list ap;

	a->status = status;
	a->error = error;
	va_start(ap, fmt);
	vsnprintf(a->message, sizeof(a->message), fmt, ap);
	va_end(ap);
	json_decref(a->body);
	a->body = NULL;
}

/* A 400 invalid_field for field (named in the answer and its message). */
__attribute__((format(printf, 3, 4))) static void
ingest__bad_field(struct ingest_answer *a, const char *field, const char *fmt, ...)
{
	char msg[sizeof(a->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ingest__fail(a, 400, "invalid_field", "%s %s", field, msg);
	snprintf(a->field, sizeof(a->field), "%s", field);
}

/* Upper-case the code, drop separators, read look-alikes as digits.
 * PB_ERR_INVALID unless 16 base32 characters remain. */
static pb_err
ingest__code_norm(const char *in, char out[17])
{
	size_t n = 0;

	for (; *in; in++) {
		int c = toupper((unsigned char)*in);

		if (c == '-' || c == ' ')
			continue;
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		if (strchr(ingest__b32, c) == NULL || c == '\0' || n == 16)
			return PB_ERR_INVALID;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n == 16 ? PB_OK : PB_ERR_INVALID;
}

pb_err
ingest_code_create(struct hubdb *db, int64_t now_ms, int64_t ttl_ms,
    char code[INGEST_CODE_LEN], int64_t *expires_at)
{
	unsigned char rnd[16];
	char norm[17], hash[65];
	struct hdb_stmt *s = NULL;
	struct hdb_conn *c = hubdb_get(db);
	pb_err rc = PB_ERR_DB;
	size_t i, o = 0;

	randombytes_buf(rnd, sizeof(rnd));
	for (i = 0; i < 16; i++) {
		norm[i] = ingest__b32[rnd[i] & 31];
		code[o++] = norm[i];
		if (i % 4 == 3 && i != 15)
			code[o++] = '-';
	}
	norm[16] = '\0';
	code[o] = '\0';
	util_sha256_hex(hash, norm, 16);
	*expires_at = now_ms + ttl_ms;
	if ((s = hdb_prepare(c, "INSERT INTO enroll_codes(hash, created_at, expires_at)"
	    " VALUES (?, ?, ?)")) == NULL)
		goto out;
	hdb_bind_text(s, 1, hash);
	hdb_bind_int64(s, 2, now_ms);
	hdb_bind_int64(s, 3, *expires_at);
	if (hdb_step(s) != HDB_DONE) {
		log_warnx("enroll code: %s", hdb_errmsg(c));
		goto out;
	}
	rc = PB_OK;
out:
	hdb_finalize(s);
	hubdb_put(db, c);
	return rc;
}

/* Verify a hex Ed25519 signature over data with a hex public key. */
static pb_err
ingest__verify(const char *key_hex, const char *sig_hex, const void *data, size_t len)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];

	if (key_hex == NULL || sig_hex == NULL ||
	    util_unhex(pk, sizeof(pk), key_hex) != PB_OK ||
	    util_unhex(sig, sizeof(sig), sig_hex) != PB_OK)
		return PB_ERR_INVALID;
	if (crypto_sign_verify_detached(sig, data, len, pk) != 0)
		return PB_ERR_CRYPTO;
	return PB_OK;
}

static int
ingest__is_hexkey(const char *s)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];

	return s != NULL && util_unhex(pk, sizeof(pk), s) == PB_OK;
}

/* A string member of at most max bytes (and at least min); NULL otherwise. */
static const char *
ingest__str(json_t *o, const char *key, size_t min, size_t max)
{
	json_t *v = json_object_get(o, key);
	size_t n;

	if (!json_is_string(v))
		return NULL;
	n = json_string_length(v);
	if (n < min || n > max || strlen(json_string_value(v)) != n)
		return NULL;
	return json_string_value(v);
}

/* An integer member in [min, max]; -1 return if missing or out of range. */
static int
ingest__int(json_t *o, const char *key, json_int_t min, json_int_t max, json_int_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return *out < min || *out > max ? -1 : 0;
}

void
ingest_enroll(struct hubdb *db, const char *body, size_t len, const char *sig_hex,
    int64_t now_ms, struct ingest_answer *a)
{
	const char *code, *key, *box_id, *name;
	char norm[17], hash[65];
	struct hdb_stmt *s = NULL;
	struct hdb_conn *c = NULL;
	json_error_t jerr;
	json_t *root;
	pb_err vr;

	memset(a, 0, sizeof(*a));
	if ((root = jsonin_parse(body, len, 0, &jerr)) == NULL || !json_is_object(root)) {
		ingest__fail(a, 400, "bad_request", "body is not a JSON object");
		goto out;
	}
	code = ingest__str(root, "code", 1, 64);
	key = ingest__str(root, "public_key", 64, 64);
	box_id = ingest__str(root, "box_id", 36, 36);
	name = ingest__str(root, "name", 1, 100);
	if (code == NULL || !ingest__is_hexkey(key) || box_id == NULL ||
	    !util_is_uuid(box_id) || name == NULL) {
		ingest__fail(a, 400, "bad_request",
		    "need code, public_key (64 hex), box_id (UUID), name (1..100 bytes)");
		goto out;
	}
	if ((vr = ingest__verify(key, sig_hex, body, len)) != PB_OK) {
		ingest__fail(a, vr == PB_ERR_INVALID ? 400 : 401,
		    vr == PB_ERR_INVALID ? "bad_request" : "bad_signature",
		    vr == PB_ERR_INVALID ? "X-Pamong-Signature missing or not 128 hex" :
		    "signature does not verify with public_key");
		goto out;
	}
	if (ingest__code_norm(code, norm) != PB_OK) {
		ingest__fail(a, 403, "bad_code", "unknown enrollment code");
		goto out;
	}
	util_sha256_hex(hash, norm, 16);

	c = hubdb_get(db);
	if (hdb_begin(c) != PB_OK) {
		ingest__fail(a, 503, "unavailable", "database busy");
		goto out;
	}
	/* an UPDATE that changes nothing locks the code's row: enrollments with
	 * one code through several hub processes take turns */
	if ((s = hdb_prepare(c, "UPDATE enroll_codes SET hash = hash WHERE hash = ?"
	    " RETURNING expires_at, used_by")) == NULL)
		goto dberr;
	hdb_bind_text(s, 1, hash);
	if (hdb_step(s) != HDB_ROW) {
		ingest__fail(a, 403, "bad_code", "unknown enrollment code");
		goto out;
	}
	if (hdb_column_type(s, 1) != HDB_NULL) {
		int same = strcmp(hdb_column_text(s, 1), key) == 0;

		if (!same) {
			ingest__fail(a, 409, "code_used", "this code was already used");
			goto out;
		}
		hdb_finalize(s);
		/* the same box again: its answer was lost on the way */
		if ((s = hdb_prepare(c, "SELECT box_id, enrolled_at FROM boxes"
		    " WHERE key = ?")) == NULL)
			goto dberr;
		hdb_bind_text(s, 1, key);
		if (hdb_step(s) != HDB_ROW)
			goto dberr;
		a->status = 200;
		a->body = json_pack("{s:s, s:I}", "box_id", hdb_column_text(s, 0),
		    "enrolled_at", (json_int_t)hdb_column_int64(s, 1));
		goto out;
	}
	if (hdb_column_int64(s, 0) < now_ms) {
		ingest__fail(a, 403, "code_expired", "this enrollment code has expired");
		goto out;
	}
	hdb_finalize(s);
	if ((s = hdb_prepare(c, "SELECT 1 FROM boxes WHERE key = ? OR box_id = ?")) == NULL)
		goto dberr;
	hdb_bind_text(s, 1, key);
	hdb_bind_text(s, 2, box_id);
	if (hdb_step(s) == HDB_ROW) {
		ingest__fail(a, 409, "box_exists", "this key or box id is already enrolled");
		goto out;
	}
	hdb_finalize(s);
	if ((s = hdb_prepare(c, "INSERT INTO boxes(key, box_id, name, enrolled_at)"
	    " VALUES (?, ?, ?, ?)")) == NULL)
		goto dberr;
	hdb_bind_text(s, 1, key);
	hdb_bind_text(s, 2, box_id);
	hdb_bind_text(s, 3, name);
	hdb_bind_int64(s, 4, now_ms);
	if (hdb_step(s) != HDB_DONE) {
		if (hdb_err(c) != PB_ERR_EXISTS)
			goto dberr;
		/* enrolled at this moment through another hub process */
		ingest__fail(a, 409, "box_exists", "this key or box id is already enrolled");
		goto out;
	}
	hdb_finalize(s);
	if ((s = hdb_prepare(c, "UPDATE enroll_codes SET used_at = ?, used_by = ?"
	    " WHERE hash = ?")) == NULL)
		goto dberr;
	hdb_bind_int64(s, 1, now_ms);
	hdb_bind_text(s, 2, key);
	hdb_bind_text(s, 3, hash);
	if (hdb_step(s) != HDB_DONE || hdb_commit(c) != PB_OK)
		goto dberr;
	log_info("enrolled box %s (%s)", box_id, name);
	a->status = 201;
	a->body = json_pack("{s:s, s:I}", "box_id", box_id, "enrolled_at",
	    (json_int_t)now_ms);
	goto out;
dberr:
	log_warnx("enroll: %s", hdb_errmsg(c));
	ingest__fail(a, 503, "unavailable", "database error");
out:
	hdb_finalize(s);
	if (c != NULL) {
		hdb_rollback(c);
		hubdb_put(db, c);
	}
	json_decref(root);
}

/* The memory all uploads being unpacked hold at once: their gunzipped text
 * and INGEST_TREE_FACTOR times it for the parsed tree. An upload that would
 * take the total over ingest_limits.max_memory is answered 503 (the box
 * sends it again later) instead of waiting while it holds memory. */
#define INGEST_TREE_FACTOR 4
static pthread_mutex_t ingest__mem_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t ingest__mem_used;   /* bytes reserved now */
static size_t ingest__mem_peak;   /* the most ever reserved at once */

/* Grow this upload's reservation *held to want bytes; -1 if over budget
 * (nothing more is reserved then). */
static int
ingest__mem_take(size_t budget, size_t *held, size_t want)
{
	int rc = 0;

	if (want <= *held)
		return 0;
	pthread_mutex_lock(&ingest__mem_mu);
	if (ingest__mem_used + (want - *held) > budget) {
		rc = -1;
	} else {
		ingest__mem_used += want - *held;
		*held = want;
		if (ingest__mem_used > ingest__mem_peak)
			ingest__mem_peak = ingest__mem_used;
	}
	pthread_mutex_unlock(&ingest__mem_mu);
	return rc;
}

static void
ingest__mem_give(size_t *held)
{
	pthread_mutex_lock(&ingest__mem_mu);
	ingest__mem_used -= *held;
	pthread_mutex_unlock(&ingest__mem_mu);
	*held = 0;
}

size_t
ingest_memory_peak(void)
{
	size_t v;

	pthread_mutex_lock(&ingest__mem_mu);
	v = ingest__mem_peak;
	pthread_mutex_unlock(&ingest__mem_mu);
	return v;
}

/* ingest_gunzip; with held, every buffer size is reserved first from a
 * budget (PB_ERR_STATE when it would go over). */
static pb_err
ingest__gunzip(const unsigned char *in, size_t inlen, size_t max, char **out,
    size_t *outlen, size_t budget, size_t *held)
{
	size_t cap = inlen * 4 + 1024, used = 0;
	z_stream z;
	pb_err rc = PB_ERR_INVALID;
	char *buf = NULL, *nb;
	int zr;

	*out = NULL;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return PB_ERR_NOMEM;
	if (cap > max + 1)
		cap = max + 1;
	if (held != NULL && ingest__mem_take(budget, held, cap + 1) != 0) {
		rc = PB_ERR_STATE;
		goto out;
	}
	if ((buf = malloc(cap + 1)) == NULL) {
		rc = PB_ERR_NOMEM;
		goto out;
	}
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)inlen;
	for (;;) {
		if (used == cap) {
			if (cap > max) {
				rc = PB_ERR_LIMIT;
				goto out;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			if (held != NULL && ingest__mem_take(budget, held, cap + 1) != 0) {
				rc = PB_ERR_STATE;
				goto out;
			}
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				rc = PB_ERR_NOMEM;
				goto out;
			}
			buf = nb;
		}
		z.next_out = (unsigned char *)buf + used;
		z.avail_out = (uInt)(cap - used);
		zr = inflate(&z, Z_NO_FLUSH);
		used = cap - z.avail_out;
		if (zr == Z_STREAM_END)
			break;
		if (zr != Z_OK && !(zr == Z_BUF_ERROR && z.avail_out == 0))
			goto out; /* corrupt or truncated */
		if (z.avail_in == 0 && z.avail_out != 0)
			goto out; /* input ended before the stream did */
	}
	if (used > max) {
		rc = PB_ERR_LIMIT;
		goto out;
	}
	if (z.avail_in != 0)
		goto out; /* trailing bytes after the gzip member */
	buf[used] = '\0';
	*out = buf;
	buf = NULL;
	*outlen = used;
	rc = PB_OK;
out:
	inflateEnd(&z);
	free(buf);
	return rc;
}

pb_err
ingest_gunzip(const unsigned char *in, size_t inlen, size_t max, char **out,
    size_t *outlen)
{
	return ingest__gunzip(in, inlen, max, out, outlen, 0, NULL);
}

/* One parsed summary or learner row is checked in place in the JSON; these
 * hold what a chunk claims. */
struct ingest_chunk {
	const char *box;
	json_int_t from_rev, to_rev, seq;
	json_t *learners, *summaries, *health;
	json_t *merges; /* [{from, into}]: learners a facilitator merged (optional) */
};

static int
ingest__course_ok(const char *s)
{
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-' ||
		    *s == '_' || *s == '.'))
			return 0;
	return 1;
}

static int
ingest__village_ok(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '.')
			return 0;
	return 1;
}

static int
ingest__bool(json_t *o, const char *key, int def)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return def;
	return json_is_boolean(v) ? json_is_true(v) : -1;
}

#define I64MAX INGEST_INT_MAX

/* A pre_score or post_score: absent, null, -1 (none) or 0–100; -1 if not. */
static int
ingest__score(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < -1 || json_integer_value(v) > 100)
		return -1;
	return 0;
}

/* A row's "rev" inside the chunk: from_rev < rev <= to_rev; -1 if not.
 * No arithmetic on from_rev: from_rev + 1 overflowed while revs could be
 * INT64_MAX, and would again if the cap were raised. */
static int
ingest__rev(json_t *row, const struct ingest_chunk *ch)
{
	json_int_t v;

	if (ingest__int(row, "rev", 0, ch->to_rev, &v) < 0 || v <= ch->from_rev)
		return -1;
	return 0;
}

/* time_source (docs/SYNC.md, Clock): absent, or an object whose members are
 * some of the row's time fields (names, NULL-ended), each "hub", "phone",
 * "console" (a facilitator's phone) or "none". 0 if valid. */
static int
ingest__time_source(json_t *row, const char *const *fields)
{
	json_t *src = json_object_get(row, "time_source"), *v;
	const char *key, *val;
	size_t i;

	if (src == NULL)
		return 0;
	if (!json_is_object(src))
		return -1;
	json_object_foreach(src, key, v) {
		for (i = 0; fields[i] != NULL && strcmp(fields[i], key) != 0; i++)
			;
		val = json_string_value(v);
		if (fields[i] == NULL || val == NULL || (strcmp(val, "hub") != 0 &&
		    strcmp(val, "phone") != 0 && strcmp(val, "console") != 0 &&
		    strcmp(val, "none") != 0))
			return -1;
	}
	return 0;
}

static const char *const ingest__learner_times[] = { "registered_at", NULL };
static const char *const ingest__summary_times[] = { "first_activity", "last_activity",
	"completed_at", NULL };

/* A learner's name (names.h): refused with its field if it holds
 * characters that hide or reorder text, else replaced by its NFC form. */
static int
ingest__name(json_t *row, size_t i, struct ingest_answer *a)
{
	const char *name = json_string_value(json_object_get(row, "name"));
	enum names_err ne;
	char field[48], *nfc;
	size_t len = 0;
	uint32_t cp;

	snprintf(field, sizeof(field), "learners[%zu].name", i);
	if ((ne = names_check(name, &cp)) != NAMES_OK) {
		ingest__bad_field(a, field, "has %s (U+%04X)", names_strerror(ne), (unsigned)cp);
		return -1;
	}
	if ((nfc = names_nfc(name, &len)) == NULL) {
		ingest__fail(a, 503, "unavailable", "out of memory");
		return -1;
	}
	if (len > 200) {
		free(nfc);
		ingest__bad_field(a, field, "is longer than 200 bytes in NFC");
		return -1;
	}
	if (strcmp(nfc, name) != 0)
		json_object_set_new(row, "name", json_stringn(nfc, len));
	free(nfc);
	return 0;
}

/* Check every field of the chunk; on a problem fill a and return -1. */
static int
ingest__validate(json_t *root, const struct ingest_limits *lim, struct ingest_chunk *ch,
    struct ingest_answer *a)
{
	json_t *chunk, *row;
	json_int_t v;
	size_t i;

	if (!json_is_object(root)) {
		ingest__fail(a, 400, "bad_json", "body is not a JSON object");
		return -1;
	}
	ch->box = ingest__str(root, "box", 36, 36);
	chunk = json_object_get(root, "chunk");
	ch->learners = json_object_get(root, "learners");
	ch->summaries = json_object_get(root, "summaries");
	ch->health = json_object_get(root, "health");
	if (ch->box == NULL || !util_is_uuid(ch->box)) {
		ingest__bad_field(a, "box", "must be the box id (a UUID)");
		return -1;
	}
	if (!json_is_object(chunk)) {
		ingest__bad_field(a, "chunk", "must be {from_rev, to_rev, seq}");
		return -1;
	}
	if (ingest__int(chunk, "from_rev", 0, I64MAX, &ch->from_rev) < 0) {
		ingest__bad_field(a, "chunk.from_rev", "must be an integer in 0..2^53");
		return -1;
	}
	if (ingest__int(chunk, "to_rev", ch->from_rev, I64MAX, &ch->to_rev) < 0) {
		ingest__bad_field(a, "chunk.to_rev", "must be an integer in from_rev..2^53");
		return -1;
	}
	if (ingest__int(chunk, "seq", 1, I64MAX, &ch->seq) < 0) {
		ingest__bad_field(a, "chunk.seq", "must be an integer in 1..2^53");
		return -1;
	}
	/* missing lists are empty; root owns what is added */
	if (ch->learners == NULL) {
		ch->learners = json_array();
		json_object_set_new(root, "learners", ch->learners);
	}
	if (ch->summaries == NULL) {
		ch->summaries = json_array();
		json_object_set_new(root, "summaries", ch->summaries);
	}
	if (!json_is_array(ch->learners) || !json_is_array(ch->summaries) ||
	    (ch->health != NULL && !json_is_object(ch->health))) {
		ingest__fail(a, 400, "invalid_field",
		    "learners and summaries must be arrays, health an object");
		return -1;
	}
	ch->merges = json_object_get(root, "merges");
	if (ch->merges != NULL && !json_is_array(ch->merges)) {
		ingest__bad_field(a, "merges", "must be an array of {from, into}");
		return -1;
	}
	json_array_foreach(ch->merges, i, row) {
		const char *f = ingest__str(row, "from", 36, 36), *t = ingest__str(row, "into", 36, 36);

		if (!json_is_object(row) || f == NULL || t == NULL || !util_is_uuid(f) ||
		    !util_is_uuid(t) || strcmp(f, t) == 0) {
			ingest__fail(a, 400, "invalid_field",
			    "merges[%zu]: need from and into, two learner ids", i);
			return -1;
		}
	}
	if (json_array_size(ch->learners) + json_array_size(ch->summaries) +
	    json_array_size(ch->merges) > lim->max_rows) {
		ingest__fail(a, 413, "too_large", "more than %zu rows in one chunk",
		    lim->max_rows);
		return -1;
	}
	json_array_foreach(ch->learners, i, row) {
		const char *id = ingest__str(row, "id", 36, 36);
		const char *vil = ingest__str(row, "village", 1, 20);

		if (!json_is_object(row) || id == NULL || !util_is_uuid(id) ||
		    ingest__str(row, "name", 1, 200) == NULL ||
		    ingest__str(row, "position", 0, 64) == NULL || vil == NULL ||
		    !ingest__village_ok(vil) ||
		    ingest__int(row, "registered_at", 0, I64MAX, &v) < 0 ||
		    ingest__rev(row, ch) < 0 ||
		    ingest__bool(row, "times_corrected", 0) < 0 ||
		    ingest__time_source(row, ingest__learner_times) < 0) {
			ingest__fail(a, 400, "invalid_field",
			    "learners[%zu]: need id, name, position, village, registered_at,"
			    " rev in (from_rev, to_rev]; times_corrected, time_source as in"
			    " docs/SYNC.md", i);
			return -1;
		}
		if (ingest__name(row, i, a) < 0)
			return -1;
	}
	json_array_foreach(ch->summaries, i, row) {
		const char *lid = ingest__str(row, "learner", 36, 36);
		const char *course = ingest__str(row, "course", 1, 64);
		const char *status = ingest__str(row, "status", 1, 16);
		json_t *best = json_object_get(row, "best_score");

		if (!json_is_object(row) || ingest__score(row, "pre_score") < 0 ||
		    ingest__score(row, "post_score") < 0 || lid == NULL || !util_is_uuid(lid) ||
		    course == NULL || !ingest__course_ok(course) || status == NULL ||
		    (strcmp(status, "not_started") && strcmp(status, "in_progress") &&
		    strcmp(status, "completed")) ||
		    ingest__int(row, "lessons_done", 0, 100000, &v) < 0 ||
		    ingest__int(row, "lessons_total", 0, 100000, &v) < 0 ||
		    !(best == NULL || json_is_null(best) ||
		    (json_is_integer(best) && json_integer_value(best) >= 0 &&
		    json_integer_value(best) <= 100)) ||
		    ingest__bool(row, "passed", -1) < 0 ||
		    ingest__bool(row, "times_corrected", 0) < 0 ||
		    ingest__time_source(row, ingest__summary_times) < 0 ||
		    ingest__int(row, "attempts", 0, 1000000, &v) < 0 ||
		    ingest__int(row, "seconds_spent", 0, I64MAX, &v) < 0 ||
		    ingest__int(row, "first_activity", 0, I64MAX, &v) < 0 ||
		    ingest__int(row, "last_activity", 0, I64MAX, &v) < 0 ||
		    ingest__int(row, "completed_at", 0, I64MAX, &v) < 0 ||
		    ingest__rev(row, ch) < 0) {
			ingest__fail(a, 400, "invalid_field",
			    "summaries[%zu]: a field is missing, mistyped or out of range"
			    " (see docs/SYNC.md)", i);
			return -1;
		}
	}
	return 0;
}

/* The columns of a stored row and how each is read from the row's JSON:
 * 't' text, 'i' integer (null stays null), 'b' boolean as 0/1 (absent: 0),
 * 'j' an object kept as its compact JSON text (absent: null), 's' a score
 * (ingest__score; none, -1 or null, stored as null). */
struct ingest_col {
	const char *name;
	char kind;
};

static const struct ingest_col ingest__learner_cols[] = {
	{ "id", 't' }, { "name", 't' }, { "position", 't' }, { "village", 't' },
	{ "registered_at", 'i' }, { "rev", 'i' }, { "times_corrected", 'b' },
	{ "time_source", 'j' }, { NULL, 0 } };
static const struct ingest_col ingest__summary_cols[] = {
	{ "learner", 't' }, { "course", 't' }, { "status", 't' }, { "lessons_done", 'i' },
	{ "lessons_total", 'i' }, { "best_score", 'i' }, { "passed", 'b' },
	{ "attempts", 'i' }, { "seconds_spent", 'i' }, { "first_activity", 'i' },
	{ "last_activity", 'i' }, { "completed_at", 'i' }, { "times_corrected", 'b' },
	{ "rev", 'i' }, { "time_source", 'j' }, { "pre_score", 's' },
	{ "post_score", 's' }, { NULL, 0 } };

/* The validated rows as the JSON text one upsert statement reads: each
 * object reduced to the stored columns with their stored values. NULL if
 * out of memory. */
static char *
ingest__rows_json(json_t *rows, const struct ingest_col *cols)
{
	json_t *out = json_array(), *row, *o, *v;
	char *text = NULL, *ts;
	size_t i;
	int k;

	if (out == NULL)
		return NULL;
	json_array_foreach(rows, i, row) {
		if ((o = json_object()) == NULL || json_array_append_new(out, o) != 0)
			goto out;
		for (k = 0; cols[k].name != NULL; k++) {
			v = json_object_get(row, cols[k].name);
			switch (cols[k].kind) {
			case 'b':
				v = json_integer(json_is_true(v));
				break;
			case 's':
				v = json_is_integer(v) && json_integer_value(v) >= 0 ?
				    json_incref(v) : json_null();
				break;
			case 'j':
				ts = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
				v = ts ? json_string(ts) : json_null();
				free(ts);
				break;
			default:
				v = v ? json_incref(v) : json_null();
			}
			if (v == NULL || json_object_set_new(o, cols[k].name, v) != 0)
				goto out;
		}
	}
	text = json_dumps(out, JSON_COMPACT);
out:
	json_decref(out);
	return text;
}

/* The upserts of a chunk's rows; a row replaces the stored one only if its
 * rev is newer. PostgreSQL: one statement per table and chunk (one round
 * trip), ?1 the box, ?2 the rows as JSON (ingest__rows_json) read with
 * jsonb_to_recordset; it refuses to touch one row twice in a statement, so
 * a key sent twice in a chunk keeps its highest rev, as SQLite's staging
 * does (ingest__sqlite_rows, below: the same upsert tails read from the
 * staged rows). */
static const char ingest__learners_pg[] =
	"INSERT INTO learners(box, id, name, position, village, registered_at, rev,"
	" times_corrected, time_source)"
	" SELECT DISTINCT ON (x.id) ?1, x.id, x.name, x.position, x.village,"
	" x.registered_at, x.rev, x.times_corrected, x.time_source"
	" FROM jsonb_to_recordset(?2::jsonb) AS x(id text, name text, position text,"
	" village text, registered_at bigint, rev bigint, times_corrected bigint,"
	" time_source text) ORDER BY x.id, x.rev DESC";
static const char ingest__learners_upsert[] =
	" ON CONFLICT(box, id) DO UPDATE SET name = excluded.name,"
	" position = excluded.position, village = excluded.village,"
	" registered_at = excluded.registered_at, rev = excluded.rev,"
	" times_corrected = excluded.times_corrected,"
	" time_source = excluded.time_source"
	" WHERE excluded.rev > learners.rev";
static const char ingest__summaries_pg[] =
	"INSERT INTO summaries(box, learner, course, status, lessons_done,"
	" lessons_total, best_score, passed, attempts, seconds_spent, first_activity,"
	" last_activity, completed_at, times_corrected, rev, time_source, pre_score,"
	" post_score)"
	" SELECT DISTINCT ON (x.learner, x.course) ?1, x.learner, x.course, x.status,"
	" x.lessons_done, x.lessons_total, x.best_score, x.passed, x.attempts,"
	" x.seconds_spent, x.first_activity, x.last_activity, x.completed_at,"
	" x.times_corrected, x.rev, x.time_source, x.pre_score, x.post_score"
	" FROM jsonb_to_recordset(?2::jsonb) AS x(learner text, course text, status text,"
	" lessons_done bigint, lessons_total bigint, best_score bigint, passed bigint,"
	" attempts bigint, seconds_spent bigint, first_activity bigint,"
	" last_activity bigint, completed_at bigint, times_corrected bigint, rev bigint,"
	" time_source text, pre_score bigint, post_score bigint)"
	" ORDER BY x.learner, x.course, x.rev DESC";
static const char ingest__summaries_upsert[] =
	" ON CONFLICT(box, learner, course) DO UPDATE SET status = excluded.status,"
	" lessons_done = excluded.lessons_done, lessons_total = excluded.lessons_total,"
	" best_score = excluded.best_score, passed = excluded.passed,"
	" attempts = excluded.attempts, seconds_spent = excluded.seconds_spent,"
	" first_activity = excluded.first_activity,"
	" last_activity = excluded.last_activity,"
	" completed_at = excluded.completed_at,"
	" times_corrected = excluded.times_corrected, rev = excluded.rev,"
	" time_source = excluded.time_source, pre_score = excluded.pre_score,"
	" post_score = excluded.post_score"
	" WHERE excluded.rev > summaries.rev";

/* A box's merges ("learner X merged into Y" by a facilitator): recorded in
 * learner_merges (schema 9), and the merged learner's rows of that box
 * dropped, now and whenever a later chunk (a late bundle) brings them
 * again: Y's summaries, uploaded under newer revs, hold the merged
 * progress. */
static pb_err
ingest__merges(struct hdb_conn *c, const struct ingest_chunk *ch)
{
	static const char *const drop[] = {
		"DELETE FROM summaries WHERE box = ?1 AND learner IN"
		" (SELECT from_id FROM learner_merges WHERE box = ?1)",
		"DELETE FROM learners WHERE box = ?1 AND id IN"
		" (SELECT from_id FROM learner_merges WHERE box = ?1)",
	};
	struct hdb_stmt *s = NULL;
	pb_err rc = PB_ERR_DB;
	json_t *row;
	size_t i;

	if (json_array_size(ch->merges) > 0) {
		if ((s = hdb_prepare(c, "INSERT INTO learner_merges (box, from_id, into_id, rev)"
		    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) == NULL)
			return PB_ERR_DB;
		json_array_foreach(ch->merges, i, row) {
			hdb_bind_text(s, 1, ch->box);
			hdb_bind_text(s, 2, json_string_value(json_object_get(row, "from")));
			hdb_bind_text(s, 3, json_string_value(json_object_get(row, "into")));
			hdb_bind_int64(s, 4, json_integer_value(json_object_get(row, "rev")));
			if (hdb_step(s) != HDB_DONE)
				goto out;
			hdb_reset(s);
		}
		hdb_finalize(s);
		s = NULL;
	}
	for (i = 0; i < PB_ARRAY_LEN(drop); i++) {
		if ((s = hdb_prepare(c, drop[i])) == NULL)
			return PB_ERR_DB;
		hdb_bind_text(s, 1, ch->box);
		if (hdb_step(s) != HDB_DONE)
			goto out;
		hdb_finalize(s);
		s = NULL;
	}
	rc = PB_OK;
out:
	hdb_finalize(s);
	return rc;
}

/* Bind a validated row's columns as ?2… (the box is ?1). */
static pb_err
ingest__bind_row(struct hdb_stmt *s, json_t *row, const struct ingest_col *cols)
{
	json_t *v;
	char *ts;
	int k;

	for (k = 0; cols[k].name != NULL; k++) {
		v = json_object_get(row, cols[k].name);
		switch (cols[k].kind) {
		case 't':
			hdb_bind_text(s, k + 2, json_string_value(v));
			break;
		case 'b':
			hdb_bind_int64(s, k + 2, json_is_true(v));
			break;
		case 'j':
			if (v == NULL) {
				hdb_bind_null(s, k + 2);
				break;
			}
			if ((ts = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
				return PB_ERR_NOMEM;
			hdb_bind_text(s, k + 2, ts);
			free(ts);
			break;
		default:
			if (json_is_integer(v) && (cols[k].kind != 's' || json_integer_value(v) >= 0))
				hdb_bind_int64(s, k + 2, json_integer_value(v));
			else
				hdb_bind_null(s, k + 2);
		}
	}
	return PB_OK;
}

/* PostgreSQL: upsert rows (a JSON array) of box with one statement. */
static pb_err
ingest__upsert(struct hdb_conn *c, const char *box, json_t *rows,
    const struct ingest_col *cols, const char *head, const char *tail)
{
	struct hdb_stmt *s = NULL;
	char sql[2048], *text = NULL;
	pb_err rc = PB_ERR_DB;

	if (json_array_size(rows) == 0)
		return PB_OK;
	snprintf(sql, sizeof(sql), "%s%s", head, tail);
	if ((s = hdb_prepare(c, sql)) == NULL)
		goto out;
	hdb_bind_text(s, 1, box);
	if ((text = ingest__rows_json(rows, cols)) == NULL) {
		rc = PB_ERR_NOMEM;
		goto out;
	}
	hdb_bind_text(s, 2, text);
	if (hdb_step(s) == HDB_DONE)
		rc = PB_OK;
out:
	hdb_finalize(s);
	free(text);
	return rc;
}

/* SQLite: a chunk's rows set by set (totals.h, totals_ingest_sqlite):
 * staged in the connection's temporary tables (a key sent twice keeps its
 * highest rev, as row by row), upserted with the row triggers off, and
 * their deltas appended once per table from the sets of new and replaced
 * rows. The rule is the upsert's: a row replaces the stored one only if
 * its rev is newer. */
static const char ingest__stage_learners[] =
	"INSERT INTO ing_l(box, id, name, position, village, registered_at, rev,"
	" times_corrected, time_source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	" ON CONFLICT(id) DO UPDATE SET name = excluded.name, position = excluded.position,"
	" village = excluded.village, registered_at = excluded.registered_at,"
	" rev = excluded.rev, times_corrected = excluded.times_corrected,"
	" time_source = excluded.time_source WHERE excluded.rev > ing_l.rev";
static const char ingest__stage_summaries[] =
	"INSERT INTO ing_s(box, learner, course, status, lessons_done, lessons_total,"
	" best_score, passed, attempts, seconds_spent, first_activity, last_activity,"
	" completed_at, times_corrected, rev, time_source, pre_score, post_score)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
	" ?17, ?18) ON CONFLICT(learner, course) DO UPDATE SET status = excluded.status,"
	" lessons_done = excluded.lessons_done, lessons_total = excluded.lessons_total,"
	" best_score = excluded.best_score, passed = excluded.passed,"
	" attempts = excluded.attempts, seconds_spent = excluded.seconds_spent,"
	" first_activity = excluded.first_activity, last_activity = excluded.last_activity,"
	" completed_at = excluded.completed_at, times_corrected = excluded.times_corrected,"
	" rev = excluded.rev, time_source = excluded.time_source,"
	" pre_score = excluded.pre_score, post_score = excluded.post_score"
	" WHERE excluded.rev > ing_s.rev";
static const char ingest__learners_staged[] =
	"INSERT INTO learners(box, id, name, position, village, registered_at, rev,"
	" times_corrected, time_source) SELECT box, id, name, position, village,"
	" registered_at, rev, times_corrected, time_source FROM ing_l WHERE true";
static const char ingest__summaries_staged[] =
	"INSERT INTO summaries(box, learner, course, status, lessons_done,"
	" lessons_total, best_score, passed, attempts, seconds_spent, first_activity,"
	" last_activity, completed_at, times_corrected, rev, time_source, pre_score,"
	" post_score) SELECT box, learner, course, status, lessons_done, lessons_total,"
	" best_score, passed, attempts, seconds_spent, first_activity, last_activity,"
	" completed_at, times_corrected, rev, time_source, pre_score, post_score"
	" FROM ing_s WHERE true";

/* Stage rows with statement stage, then before, the upsert (upsert_head +
 * tail) without row triggers, after. */
static pb_err
ingest__sqlite_set(struct hdb_conn *c, const char *box, json_t *rows,
    const struct ingest_col *cols, const char *stage, const char *before,
    const char *upsert_head, const char *tail, const char *after)
{
	struct hdb_stmt *s;
	char sql[2048];
	pb_err rc = PB_OK;
	json_t *row;
	size_t i;

	if (json_array_size(rows) == 0)
		return PB_OK;
	if ((s = hdb_prepare(c, stage)) == NULL)
		return PB_ERR_DB;
	json_array_foreach(rows, i, row) {
		hdb_bind_text(s, 1, box);
		if ((rc = ingest__bind_row(s, row, cols)) != PB_OK)
			break;
		if (hdb_step(s) != HDB_DONE) {
			rc = PB_ERR_DB;
			break;
		}
		hdb_reset(s);
	}
	hdb_finalize(s);
	if (rc != PB_OK || (rc = hdb_exec(c, before)) != PB_OK)
		return rc;
	snprintf(sql, sizeof(sql), "%s%s", upsert_head, tail);
	if ((rc = hdb_row_triggers(c, 0)) != PB_OK)
		return rc;
	rc = hdb_exec(c, sql);
	if (hdb_row_triggers(c, 1) != PB_OK)
		rc = PB_ERR_DB; /* the upload fails rather than go on without them */
	if (rc != PB_OK)
		return rc;
	return hdb_exec(c, after);
}

static pb_err
ingest__sqlite_rows(struct hdb_conn *c, const struct ingest_chunk *ch)
{
	const struct totals_ingest *ti = totals_ingest_sqlite();
	pb_err rc;

	if (ti == NULL)
		return PB_ERR_NOMEM;
	if ((rc = hdb_exec(c, ti->setup)) != PB_OK || (rc = hdb_exec(c, ti->clear)) != PB_OK)
		return rc;
	if ((rc = ingest__sqlite_set(c, ch->box, ch->learners, ingest__learner_cols,
	    ingest__stage_learners, ti->learners_before, ingest__learners_staged,
	    ingest__learners_upsert, ti->learners_after)) != PB_OK)
		return rc;
	return ingest__sqlite_set(c, ch->box, ch->summaries, ingest__summary_cols,
	    ingest__stage_summaries, ti->summaries_before, ingest__summaries_staged,
	    ingest__summaries_upsert, ti->summaries_after);
}

/* Bind health member key as column col: a text of at most max bytes
 * (max > 0) or an integer (max 0); anything else as NULL. Health is
 * informative: a value out of shape is dropped, not refused. */
static void
ingest__bind_health(struct hdb_stmt *s, json_t *h, int col, const char *key, size_t max)
{
	json_t *v = h ? json_object_get(h, key) : NULL;

	if (max > 0 && json_is_string(v) && json_string_length(v) <= max &&
	    strlen(json_string_value(v)) == json_string_length(v))
		hdb_bind_text(s, col, json_string_value(v));
	else if (max == 0 && json_is_integer(v))
		hdb_bind_int64(s, col, json_integer_value(v));
	else
		hdb_bind_null(s, col);
}

#define INGEST_HEALTH_TEXT 64    /* version, clock, db */
#define INGEST_HEALTH_REASON 300 /* db_reason (docs/SYNC.md) */

/* Non-zero if a row of rows has member key equal to id: the chunk brings
 * learner id's row (learners, "id"), or id is merged away in this chunk
 * (merges, "from"; its row is dropped). */
static int
ingest__rows_have(json_t *rows, const char *key, const char *id)
{
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row)
		if (strcmp(json_string_value(json_object_get(row, key)), id) == 0)
			return 1;
	return 0;
}

#define ingest__in_chunk(ch, id) ingest__rows_have((ch)->learners, "id", (id))
#define ingest__merged_here(ch, id) ingest__rows_have((ch)->merges, "from", (id))

/* Non-zero if a and b are two spellings that look alike: one names_key
 * (key_a is a's; key_b b's, or NULL to compute it), and not the same
 * name but for case (a box refuses that
 * itself; the hub looks for what only looks the same). */
static int
ingest__alike(const char *key_a, const char *a, const char *key_b, const char *b)
{
	char *kb = NULL, *la, *lb;
	int alike;

	if (key_b == NULL && (key_b = kb = names_key(b)) == NULL)
		return 0;
	alike = strcmp(key_a, key_b) == 0;
	free(kb);
	if (!alike)
		return 0;
	la = names_lower(a);
	lb = names_lower(b);
	alike = la != NULL && lb != NULL && strcmp(la, lb) != 0;
	free(la);
	free(lb);
	return alike;
}

/* The two questions of ingest__lookalikes, one statement each (PostgreSQL:
 * one round trip, not two per learner): which of the ids in ?2 (a JSON
 * array) box ?1 holds; and box ?1's learners of the villages and jabatans
 * in ?2 (a JSON array of {"v", "p"}), by the primary key's box, not the
 * index of a village of every box. */
static const char ingest__held_pg[] =
	"SELECT id FROM learners WHERE box = ?1 AND id IN"
	" (SELECT jsonb_array_elements_text(?2::jsonb))";
static const char ingest__held_sqlite[] =
	"SELECT id FROM learners WHERE box = ?1 AND id IN (SELECT value FROM json_each(?2))";
static const char ingest__near_pg[] =
	"SELECT id, name, village, position FROM learners WHERE box = ?1"
	" AND (village || '', position) IN (SELECT x.v, x.p FROM"
	" jsonb_to_recordset(?2::jsonb) AS x(v text, p text))";
static const char ingest__near_sqlite[] =
	"SELECT id, name, village, position FROM learners WHERE box = ?1"
	" AND (village || '', position) IN (SELECT json_extract(value, '$.v'),"
	" json_extract(value, '$.p') FROM json_each(?2))";

struct ingest_near {
	char *id, *name, *vil, *pos;
};

static int
ingest__cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Run sql with ?1 = box and ?2 = arg's JSON; each row's first ncol columns
 * copied into a new array of n rows (struct ingest_near, ncol 1 or 4). */
static pb_err
ingest__ask(struct hdb_conn *c, const char *sql, const char *box, json_t *arg, int ncol,
    struct ingest_near **out, size_t *n)
{
	struct hdb_stmt *s;
	char *text = json_dumps(arg, JSON_COMPACT);
	size_t cap = 0;
	pb_err rc = PB_OK;
	int st;

	*out = NULL;
	*n = 0;
	if (text == NULL)
		return PB_ERR_NOMEM;
	if ((s = hdb_prepare(c, sql)) == NULL) {
		free(text);
		return PB_ERR_DB;
	}
	hdb_bind_text(s, 1, box);
	hdb_bind_text(s, 2, text);
	while ((st = hdb_step(s)) == HDB_ROW) {
		struct ingest_near *r;

		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct ingest_near *np = realloc(*out, ncap * sizeof(**out));

			if (np == NULL) {
				rc = PB_ERR_NOMEM;
				break;
			}
			*out = np;
			cap = ncap;
		}
		r = &(*out)[*n];
		memset(r, 0, sizeof(*r));
		(*n)++;
		r->id = strdup(hdb_column_text(s, 0) ? hdb_column_text(s, 0) : "");
		if (ncol > 1) {
			r->name = strdup(hdb_column_text(s, 1) ? hdb_column_text(s, 1) : "");
			r->vil = strdup(hdb_column_text(s, 2) ? hdb_column_text(s, 2) : "");
			r->pos = strdup(hdb_column_text(s, 3) ? hdb_column_text(s, 3) : "");
		}
		if (r->id == NULL || (ncol > 1 && (r->name == NULL || r->vil == NULL ||
		    r->pos == NULL))) {
			rc = PB_ERR_NOMEM;
			break;
		}
	}
	if (rc == PB_OK && st != HDB_DONE)
		rc = PB_ERR_DB;
	hdb_finalize(s);
	free(text);
	return rc;
}

static void
ingest__near_free(struct ingest_near *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].id);
		free(r[i].name);
		free(r[i].vil);
		free(r[i].pos);
	}
	free(r);
}

/* Look-alike names (names_key), found again at the hub: a learner new to
 * the hub whose name reads as the name of another learner of the same box,
 * village and jabatan (in this chunk, or stored and not in this chunk) is
 * refused, as the box refuses it at registration (409 name_taken).
 * Learners the hub already holds are not judged again. PB_ERR_EXISTS with
 * a filled in. */
static pb_err
ingest__lookalikes(struct hdb_conn *c, const struct ingest_chunk *ch,
    struct ingest_answer *a)
{
	size_t n = json_array_size(ch->learners), nheld = 0, nnear = 0, i, j;
	struct ingest_near *held = NULL, *near = NULL;
	struct {
		const char *id, *vil, *pos, *name;
		int held;
	} *f;
	char **keys, **ids = NULL, field[48];
	json_t *row, *ask = NULL, *pairs = NULL;
	int pg = hdb_kind(c) == HDB_PG;
	pb_err rc = PB_OK;

	if (n == 0)
		return PB_OK;
	keys = calloc(n, sizeof(*keys));
	f = calloc(n, sizeof(*f));
	if (keys == NULL || f == NULL || (ask = json_array()) == NULL ||
	    (pairs = json_array()) == NULL) {
		rc = PB_ERR_NOMEM;
		goto out;
	}
	json_array_foreach(ch->learners, i, row) {
		f[i].id = json_string_value(json_object_get(row, "id"));
		f[i].vil = json_string_value(json_object_get(row, "village"));
		f[i].pos = json_string_value(json_object_get(row, "position"));
		f[i].name = json_string_value(json_object_get(row, "name"));
		if ((keys[i] = names_key(f[i].name)) == NULL ||
		    json_array_append_new(ask, json_string(f[i].id)) != 0) {
			rc = PB_ERR_NOMEM;
			goto out;
		}
	}
	/* held already: an update, not judged again */
	if ((rc = ingest__ask(c, pg ? ingest__held_pg : ingest__held_sqlite, ch->box, ask, 1,
	    &held, &nheld)) != PB_OK)
		goto out;
	if (nheld > 0) {
		if ((ids = calloc(nheld, sizeof(*ids))) == NULL) {
			rc = PB_ERR_NOMEM;
			goto out;
		}
		for (j = 0; j < nheld; j++)
			ids[j] = held[j].id;
		qsort(ids, nheld, sizeof(*ids), ingest__cmp_str);
	}
	for (i = 0; i < n; i++) {
		f[i].held = ids != NULL && bsearch(&f[i].id, ids, nheld, sizeof(*ids),
		    ingest__cmp_str) != NULL;
		if (!f[i].held && !ingest__merged_here(ch, f[i].id) &&
		    json_array_append_new(pairs, json_pack("{s:s, s:s}", "v", f[i].vil, "p",
		    f[i].pos)) != 0) {
			rc = PB_ERR_NOMEM;
			goto out;
		}
	}
	if (json_array_size(pairs) > 0 && (rc = ingest__ask(c, pg ? ingest__near_pg :
	    ingest__near_sqlite, ch->box, pairs, 4, &near, &nnear)) != PB_OK)
		goto out;
	for (i = 0; i < n; i++) {
		const char *id = f[i].id, *vil = f[i].vil, *pos = f[i].pos, *name = f[i].name;
		const char *other = NULL;

		if (ingest__merged_here(ch, id) || f[i].held)
			continue;
		for (j = 0; j < n && other == NULL; j++)
			if (j != i && strcmp(f[j].vil, vil) == 0 && strcmp(f[j].pos, pos) == 0 &&
			    strcmp(f[j].id, id) != 0 &&
			    ingest__alike(keys[i], name, keys[j], f[j].name) &&
			    !ingest__merged_here(ch, f[j].id))
				other = f[j].id;
		/* stored learners: those this chunk brings again are judged by
		 * their new rows above */
		for (j = 0; j < nnear && other == NULL; j++)
			if (strcmp(near[j].vil, vil) == 0 && strcmp(near[j].pos, pos) == 0 &&
			    strcmp(near[j].id, id) != 0 &&
			    ingest__alike(keys[i], name, NULL, near[j].name) &&
			    !ingest__merged_here(ch, near[j].id) && !ingest__in_chunk(ch, near[j].id))
				other = near[j].id;
		if (other != NULL) {
			char who[48];

			snprintf(who, sizeof(who), "%s", other);
			snprintf(field, sizeof(field), "learners[%zu].name", i);
			ingest__bad_field(a, field, "looks like the name of learner %s of this box"
			    " (same village and jabatan): merge the two on the box", who);
			rc = PB_ERR_EXISTS;
			goto out;
		}
	}
out:
	json_decref(ask);
	json_decref(pairs);
	free(ids);
	ingest__near_free(held, nheld);
	ingest__near_free(near, nnear);
	for (i = 0; keys != NULL && i < n; i++)
		free(keys[i]);
	free(keys);
	free(f);
	return rc;
}

/* Apply a validated chunk for box in one transaction. The box's row is
 * locked first (an UPDATE that changes nothing), so chunks of one box
 * applied by several hub processes at once take turns. */
static pb_err
ingest__apply(struct hdb_conn *c, const char *key, const struct ingest_chunk *ch,
    size_t bytes, int64_t now_ms, int64_t *acked, struct ingest_answer *a)
{
	struct hdb_stmt *s = NULL;
	int64_t acked_rev, last_seq;
	long long mark[3] = { 0, 0, 0 };
	pb_err rc = PB_ERR_DB;

	if (hdb_begin(c) != PB_OK || totals_mark(c, mark) != PB_OK) {
		hdb_rollback(c);
		return PB_ERR_DB;
	}
	if ((s = hdb_prepare(c, "UPDATE boxes SET last_seq = last_seq WHERE key = ?"
	    " RETURNING acked_rev, last_seq")) == NULL)
		goto out;
	hdb_bind_text(s, 1, key);
	if (hdb_step(s) != HDB_ROW)
		goto out;
	acked_rev = hdb_column_int64(s, 0);
	last_seq = hdb_column_int64(s, 1);
	hdb_finalize(s);
	s = NULL;
	if ((rc = ingest__lookalikes(c, ch, a)) != PB_OK)
		goto out;
	if (hdb_kind(c) == HDB_SQLITE) {
		if ((rc = ingest__sqlite_rows(c, ch)) != PB_OK)
			goto out;
	} else if ((rc = ingest__upsert(c, ch->box, ch->learners, ingest__learner_cols,
	    ingest__learners_pg, ingest__learners_upsert)) != PB_OK ||
	    (rc = ingest__upsert(c, ch->box, ch->summaries, ingest__summary_cols,
	    ingest__summaries_pg, ingest__summaries_upsert)) != PB_OK) {
		goto out;
	}
	if ((rc = ingest__merges(c, ch)) != PB_OK)
		goto out;
	rc = PB_ERR_DB;
	/* contiguous: everything up to from_rev was held, now up to to_rev is */
	if (ch->from_rev <= acked_rev && ch->to_rev > acked_rev)
		acked_rev = ch->to_rev;
	if ((s = hdb_prepare(c, ch->seq > last_seq ?
	    "UPDATE boxes SET acked_rev = ?1, last_seq = ?2, last_seen = ?3,"
	    " version = ?4, uptime_s = ?5, disk_free = ?6, db_bytes = ?7, pending = ?8,"
	    " clock = ?9, disk_total = ?11, db_state = ?12, db_reason = ?13,"
	    " db_lost_writes = ?14 WHERE key = ?10" :
	    "UPDATE boxes SET acked_rev = ?1 WHERE key = ?2")) == NULL)
		goto out;
	hdb_bind_int64(s, 1, acked_rev);
	if (ch->seq > last_seq) {
		hdb_bind_int64(s, 2, ch->seq);
		hdb_bind_int64(s, 3, now_ms);
		ingest__bind_health(s, ch->health, 4, "version", INGEST_HEALTH_TEXT);
		ingest__bind_health(s, ch->health, 5, "uptime_s", 0);
		ingest__bind_health(s, ch->health, 6, "disk_free", 0);
		ingest__bind_health(s, ch->health, 7, "db_bytes", 0);
		ingest__bind_health(s, ch->health, 8, "pending", 0);
		ingest__bind_health(s, ch->health, 9, "clock", INGEST_HEALTH_TEXT);
		hdb_bind_text(s, 10, key);
		ingest__bind_health(s, ch->health, 11, "disk_total", 0);
		ingest__bind_health(s, ch->health, 12, "db", INGEST_HEALTH_TEXT);
		ingest__bind_health(s, ch->health, 13, "db_reason", INGEST_HEALTH_REASON);
		ingest__bind_health(s, ch->health, 14, "db_lost_writes", 0);
	} else {
		hdb_bind_text(s, 2, key);
	}
	if (hdb_step(s) != HDB_DONE)
		goto out;
	hdb_finalize(s);
	if ((s = hdb_prepare(c, "INSERT INTO uploads(box, at, seq, from_rev, to_rev,"
	    " acked_rev, learners, summaries, bytes) VALUES (?,?,?,?,?,?,?,?,?)")) == NULL)
		goto out;
	hdb_bind_text(s, 1, ch->box);
	hdb_bind_int64(s, 2, now_ms);
	hdb_bind_int64(s, 3, ch->seq);
	hdb_bind_int64(s, 4, ch->from_rev);
	hdb_bind_int64(s, 5, ch->to_rev);
	hdb_bind_int64(s, 6, acked_rev);
	hdb_bind_int64(s, 7, (int64_t)json_array_size(ch->learners));
	hdb_bind_int64(s, 8, (int64_t)json_array_size(ch->summaries));
	hdb_bind_int64(s, 9, (int64_t)bytes);
	if (hdb_step(s) != HDB_DONE)
		goto out;
	/* the running totals (totals.h): SQLite folds this upload's deltas
	 * before its commit (writers take turns anyway), PostgreSQL after it,
	 * so that no upload holds an area's totals rows while it commits */
	if (hdb_kind(c) == HDB_SQLITE && totals_fold_since(c, mark) != PB_OK)
		goto out;
	if (hdb_commit(c) != PB_OK)
		goto out;
	*acked = acked_rev;
	rc = PB_OK;
	/* stored: a failed fold leaves the deltas to the next one */
	if (hdb_kind(c) == HDB_PG && totals_fold_after(c) != PB_OK)
		log_warnx("upload: running totals not folded yet: %s", hdb_errmsg(c));
out:
	if (rc != PB_OK && rc != PB_ERR_EXISTS)
		log_warnx("upload: %s", hdb_errmsg(c));
	hdb_finalize(s);
	hdb_rollback(c);
	return rc;
}

/* The header checks; with box_id (37 bytes) also the enrolled id. */
static int
ingest__head(struct hubdb *db, const struct ingest_limits *lim, const char *key_hex,
    const char *sig_hex, const char *encoding, long long declared_len, char *box_id,
    struct ingest_answer *a)
{
	unsigned char sig[crypto_sign_BYTES];
	struct hdb_stmt *s = NULL;
	struct hdb_conn *c;
	int rc = -1;

	if (!ingest__is_hexkey(key_hex) || sig_hex == NULL ||
	    util_unhex(sig, sizeof(sig), sig_hex) != PB_OK) {
		ingest__fail(a, 400, "bad_request",
		    "X-Pamong-Box (64 hex) and X-Pamong-Signature (128 hex) are required");
		return -1;
	}
	c = hubdb_get(db);
	if ((s = hdb_prepare(c, "SELECT box_id FROM boxes WHERE key = ?")) == NULL) {
		ingest__fail(a, 503, "unavailable", "database error");
		goto out;
	}
	hdb_bind_text(s, 1, key_hex);
	if (hdb_step(s) != HDB_ROW) {
		ingest__fail(a, 403, "unknown_box", "this key is not enrolled");
		goto out;
	}
	if (box_id != NULL)
		snprintf(box_id, 37, "%s", hdb_column_text(s, 0));
	if (declared_len > (long long)lim->max_body) {
		ingest__fail(a, 413, "too_large", "body over %zu bytes", lim->max_body);
		goto out;
	}
	if (encoding == NULL || strcasecmp(encoding, "gzip") != 0) {
		ingest__fail(a, 415, "bad_encoding", "Content-Encoding must be gzip");
		goto out;
	}
	rc = 0;
out:
	hdb_finalize(s);
	hubdb_put(db, c);
	return rc;
}

int
ingest_upload_head(struct hubdb *db, const struct ingest_limits *lim, const char *key_hex,
    const char *sig_hex, const char *encoding, long long declared_len,
    struct ingest_answer *a)
{
	memset(a, 0, sizeof(*a));
	return ingest__head(db, lim, key_hex, sig_hex, encoding, declared_len, NULL, a);
}

void
ingest_upload(struct hubdb *db, const struct ingest_limits *lim, const char *key_hex,
    const char *sig_hex, const char *encoding, const unsigned char *body, size_t len,
    int64_t now_ms, struct ingest_answer *a)
{
	struct ingest_chunk ch;
	char box_id[37] = "";
	struct hdb_conn *c = NULL;
	json_t *root = NULL;
	char *json = NULL;
	size_t jlen;
	json_error_t jerr;
	int64_t acked = 0;
	size_t held = 0;
	pb_err r;

	memset(a, 0, sizeof(*a));
	memset(&ch, 0, sizeof(ch));
	if (ingest__head(db, lim, key_hex, sig_hex, encoding,
	    body == NULL ? (long long)lim->max_body + 1 : (long long)len, box_id, a) != 0)
		goto out;
	if (ingest__verify(key_hex, sig_hex, body, len) != PB_OK) {
		ingest__fail(a, 401, "bad_signature", "signature does not verify");
		goto out;
	}
	if ((r = ingest__gunzip(body, len, lim->max_json, &json, &jlen, lim->max_memory,
	    &held)) == PB_OK && ingest__mem_take(lim->max_memory, &held,
	    jlen + 1 + jlen * INGEST_TREE_FACTOR) != 0)
		r = PB_ERR_STATE;
	if (r != PB_OK) {
		if (r == PB_ERR_STATE)
			ingest__fail(a, 503, "unavailable", "hub busy (upload memory in use);"
			    " send again");
		else if (r == PB_ERR_LIMIT)
			ingest__fail(a, 413, "too_large", "over %zu bytes after gunzip",
			    lim->max_json);
		else if (r == PB_ERR_NOMEM)
			ingest__fail(a, 503, "unavailable", "out of memory");
		else
			ingest__fail(a, 400, "bad_gzip", "body is not complete gzip");
		goto out;
	}
	log_debug("upload from box %s: %zu bytes, %zu after gunzip", box_id, len, jlen);
	if ((root = jsonin_parse(json, jlen, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		if (jsonin_too_deep(&jerr))
			ingest__fail(a, 400, "bad_json", "%s", jerr.text);
		else
			ingest__fail(a, 400, "bad_json", "line %d: %s", jerr.line, jerr.text);
		goto out;
	}
	if (ingest__validate(root, lim, &ch, a) < 0)
		goto out;
	if (strcmp(ch.box, box_id) != 0) {
		ingest__fail(a, 403, "box_mismatch", "box is not the id this key enrolled with");
		goto out;
	}
	c = hubdb_get(db);
	if ((r = ingest__apply(c, key_hex, &ch, len, now_ms, &acked, a)) != PB_OK) {
		if (r != PB_ERR_EXISTS)
			ingest__fail(a, 503, "unavailable", "database error; send again");
		goto out;
	}
	a->status = 200;
	a->body = json_pack("{s:I}", "acked_rev", (json_int_t)acked);
out:
	if (c != NULL)
		hubdb_put(db, c);
	json_decref(root);
	free(json);
	ingest__mem_give(&held);
}
