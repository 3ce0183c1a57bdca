/* ingest.c — see ingest.h and docs/SYNC.md. */
#include "ingest.h"

#include <ctype.h>
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
	sqlite3_stmt *s = NULL;
	sqlite3 *c = hubdb_get(db);
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
	if ((s = sqlu_prepare(c, "INSERT INTO enroll_codes(hash, created_at, expires_at)"
	    " VALUES (?, ?, ?)")) == NULL)
		goto out;
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now_ms);
	sqlite3_bind_int64(s, 3, *expires_at);
	if (sqlite3_step(s) != SQLITE_DONE) {
		log_warnx("enroll code: %s", sqlite3_errmsg(c));
		goto out;
	}
	rc = PB_OK;
out:
	sqlite3_finalize(s);
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
	sqlite3_stmt *s = NULL;
	sqlite3 *c = NULL;
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
	if (hubdb_begin(c) != PB_OK) {
		ingest__fail(a, 503, "unavailable", "database busy");
		goto out;
	}
	if ((s = sqlu_prepare(c, "SELECT expires_at, used_by FROM enroll_codes"
	    " WHERE hash = ?")) == NULL)
		goto dberr;
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		ingest__fail(a, 403, "bad_code", "unknown enrollment code");
		goto out;
	}
	if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
		int same = strcmp((const char *)sqlite3_column_text(s, 1), key) == 0;

		if (!same) {
			ingest__fail(a, 409, "code_used", "this code was already used");
			goto out;
		}
		sqlite3_finalize(s);
		/* the same box again: its answer was lost on the way */
		if ((s = sqlu_prepare(c, "SELECT box_id, enrolled_at FROM boxes"
		    " WHERE key = ?")) == NULL)
			goto dberr;
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_ROW)
			goto dberr;
		a->status = 200;
		a->body = json_pack("{s:s, s:I}", "box_id", sqlite3_column_text(s, 0),
		    "enrolled_at", (json_int_t)sqlite3_column_int64(s, 1));
		goto out;
	}
	if (sqlite3_column_int64(s, 0) < now_ms) {
		ingest__fail(a, 403, "code_expired", "this enrollment code has expired");
		goto out;
	}
	sqlite3_finalize(s);
	if ((s = sqlu_prepare(c, "SELECT 1 FROM boxes WHERE key = ? OR box_id = ?")) == NULL)
		goto dberr;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, box_id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		ingest__fail(a, 409, "box_exists", "this key or box id is already enrolled");
		goto out;
	}
	sqlite3_finalize(s);
	if ((s = sqlu_prepare(c, "INSERT INTO boxes(key, box_id, name, enrolled_at)"
	    " VALUES (?, ?, ?, ?)")) == NULL)
		goto dberr;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, box_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now_ms);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(s);
	if ((s = sqlu_prepare(c, "UPDATE enroll_codes SET used_at = ?, used_by = ?"
	    " WHERE hash = ?")) == NULL)
		goto dberr;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE || hubdb_commit(c) != PB_OK)
		goto dberr;
	log_info("enrolled box %s (%s)", box_id, name);
	a->status = 201;
	a->body = json_pack("{s:s, s:I}", "box_id", box_id, "enrolled_at",
	    (json_int_t)now_ms);
	goto out;
dberr:
	log_warnx("enroll: %s", sqlite3_errmsg(c));
	ingest__fail(a, 503, "unavailable", "database error");
out:
	sqlite3_finalize(s);
	if (c != NULL) {
		hubdb_rollback(c);
		hubdb_put(db, c);
	}
	json_decref(root);
}

pb_err
ingest_gunzip(const unsigned char *in, size_t inlen, size_t max, char **out,
    size_t *outlen)
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
 * some of the row's time fields (names, NULL-ended), each "hub", "phone" or
 * "none". 0 if valid. */
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
		    strcmp(val, "phone") != 0 && strcmp(val, "none") != 0))
			return -1;
	}
	return 0;
}

static const char *const ingest__learner_times[] = { "registered_at", NULL };
static const char *const ingest__summary_times[] = { "first_activity", "last_activity",
	"completed_at", NULL };

/* Bind a row's time_source as compact JSON text (NULL when absent). */
static void
ingest__bind_time_source(sqlite3_stmt *s, int col, json_t *row)
{
	json_t *src = json_object_get(row, "time_source");
	char *text = src ? json_dumps(src, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	if (text != NULL)
		sqlite3_bind_text(s, col, text, -1, free);
	else
		sqlite3_bind_null(s, col);
}

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

		if (!json_is_object(row) || lid == NULL || !util_is_uuid(lid) ||
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

static void
ingest__bind_health(sqlite3_stmt *s, json_t *h, int col, const char *key, int is_text)
{
	json_t *v = h ? json_object_get(h, key) : NULL;

	if (is_text && json_is_string(v))
		sqlite3_bind_text(s, col, json_string_value(v), -1, SQLITE_TRANSIENT);
	else if (!is_text && json_is_integer(v))
		sqlite3_bind_int64(s, col, json_integer_value(v));
	else
		sqlite3_bind_null(s, col);
}

static json_int_t
ingest__i(json_t *row, const char *key)
{
	return json_integer_value(json_object_get(row, key));
}

/* A box's merges ("learner X merged into Y" by a facilitator): recorded in
 * learner_merges (made here, on the first merge any box sends), and the
 * merged learner's rows of that box dropped, now and whenever a later
 * chunk (a late bundle) brings them again: Y's summaries, uploaded under
 * newer revs, hold the merged progress. */
static pb_err
ingest__merges(sqlite3 *c, const struct ingest_chunk *ch)
{
	static const char *const drop[] = {
		"DELETE FROM summaries WHERE box = ?1 AND learner IN"
		" (SELECT from_id FROM learner_merges WHERE box = ?1)",
		"DELETE FROM learners WHERE box = ?1 AND id IN"
		" (SELECT from_id FROM learner_merges WHERE box = ?1)",
	};
	sqlite3_stmt *s = NULL;
	pb_err rc = PB_ERR_DB;
	int have = 0;
	json_t *row;
	size_t i;

	if (json_array_size(ch->merges) > 0) {
		if (sqlu_exec(c, "CREATE TABLE IF NOT EXISTS learner_merges (box TEXT NOT NULL,"
		    " from_id TEXT NOT NULL, into_id TEXT NOT NULL, rev INTEGER NOT NULL,"
		    " PRIMARY KEY (box, from_id))") != PB_OK ||
		    (s = sqlu_prepare(c, "INSERT INTO learner_merges (box, from_id, into_id, rev)"
		    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) == NULL)
			return PB_ERR_DB;
		json_array_foreach(ch->merges, i, row) {
			sqlite3_bind_text(s, 1, ch->box, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 2, json_string_value(json_object_get(row, "from")), -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(s, 3, json_string_value(json_object_get(row, "into")), -1,
			    SQLITE_STATIC);
			sqlite3_bind_int64(s, 4, ingest__i(row, "rev"));
			if (sqlite3_step(s) != SQLITE_DONE)
				goto out;
			sqlite3_reset(s);
		}
		sqlite3_finalize(s);
		s = NULL;
	}
	if ((s = sqlu_prepare(c, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	    " AND name = 'learner_merges'")) == NULL)
		return PB_ERR_DB;
	if (sqlite3_step(s) == SQLITE_ROW)
		have = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	for (i = 0; have && i < PB_ARRAY_LEN(drop); i++) {
		if ((s = sqlu_prepare(c, drop[i])) == NULL)
			return PB_ERR_DB;
		sqlite3_bind_text(s, 1, ch->box, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto out;
		sqlite3_finalize(s);
		s = NULL;
	}
	rc = PB_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

/* Apply a validated chunk for box in one transaction. */
static pb_err
ingest__apply(sqlite3 *c, const char *key, const struct ingest_chunk *ch, size_t bytes,
    int64_t now_ms, int64_t *acked)
{
	sqlite3_stmt *sl = NULL, *ss = NULL, *s = NULL;
	int64_t acked_rev, last_seq;
	pb_err rc = PB_ERR_DB;
	json_t *row;
	size_t i;

	if (hubdb_begin(c) != PB_OK)
		return PB_ERR_DB;
	if ((s = sqlu_prepare(c, "SELECT acked_rev, last_seq FROM boxes WHERE key = ?"))
	    == NULL)
		goto out;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW)
		goto out;
	acked_rev = sqlite3_column_int64(s, 0);
	last_seq = sqlite3_column_int64(s, 1);
	sqlite3_finalize(s);
	s = NULL;

	if ((sl = sqlu_prepare(c,
	    "INSERT INTO learners(box, id, name, position, village, registered_at, rev,"
	    " times_corrected, time_source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT(box, id) DO UPDATE SET name = excluded.name,"
	    " position = excluded.position, village = excluded.village,"
	    " registered_at = excluded.registered_at, rev = excluded.rev,"
	    " times_corrected = excluded.times_corrected,"
	    " time_source = excluded.time_source"
	    " WHERE excluded.rev > learners.rev")) == NULL)
		goto out;
	json_array_foreach(ch->learners, i, row) {
		sqlite3_bind_text(sl, 1, ch->box, -1, SQLITE_STATIC);
		sqlite3_bind_text(sl, 2, json_string_value(json_object_get(row, "id")), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(sl, 3, json_string_value(json_object_get(row, "name")), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(sl, 4, json_string_value(json_object_get(row, "position")),
		    -1, SQLITE_STATIC);
		sqlite3_bind_text(sl, 5, json_string_value(json_object_get(row, "village")),
		    -1, SQLITE_STATIC);
		sqlite3_bind_int64(sl, 6, ingest__i(row, "registered_at"));
		sqlite3_bind_int64(sl, 7, ingest__i(row, "rev"));
		sqlite3_bind_int(sl, 8, ingest__bool(row, "times_corrected", 0));
		ingest__bind_time_source(sl, 9, row);
		if (sqlite3_step(sl) != SQLITE_DONE)
			goto out;
		sqlite3_reset(sl);
	}
	if ((ss = sqlu_prepare(c,
	    "INSERT INTO summaries(box, learner, course, status, lessons_done,"
	    " lessons_total, best_score, passed, attempts, seconds_spent, first_activity,"
	    " last_activity, completed_at, times_corrected, rev, time_source)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
	    " ?16)"
	    " ON CONFLICT(box, learner, course) DO UPDATE SET status = excluded.status,"
	    " lessons_done = excluded.lessons_done, lessons_total = excluded.lessons_total,"
	    " best_score = excluded.best_score, passed = excluded.passed,"
	    " attempts = excluded.attempts, seconds_spent = excluded.seconds_spent,"
	    " first_activity = excluded.first_activity,"
	    " last_activity = excluded.last_activity,"
	    " completed_at = excluded.completed_at,"
	    " times_corrected = excluded.times_corrected, rev = excluded.rev,"
	    " time_source = excluded.time_source"
	    " WHERE excluded.rev > summaries.rev")) == NULL)
		goto out;
	json_array_foreach(ch->summaries, i, row) {
		json_t *best = json_object_get(row, "best_score");

		sqlite3_bind_text(ss, 1, ch->box, -1, SQLITE_STATIC);
		sqlite3_bind_text(ss, 2, json_string_value(json_object_get(row, "learner")),
		    -1, SQLITE_STATIC);
		sqlite3_bind_text(ss, 3, json_string_value(json_object_get(row, "course")),
		    -1, SQLITE_STATIC);
		sqlite3_bind_text(ss, 4, json_string_value(json_object_get(row, "status")),
		    -1, SQLITE_STATIC);
		sqlite3_bind_int64(ss, 5, ingest__i(row, "lessons_done"));
		sqlite3_bind_int64(ss, 6, ingest__i(row, "lessons_total"));
		if (json_is_integer(best))
			sqlite3_bind_int64(ss, 7, json_integer_value(best));
		else
			sqlite3_bind_null(ss, 7);
		sqlite3_bind_int(ss, 8, ingest__bool(row, "passed", 0));
		sqlite3_bind_int64(ss, 9, ingest__i(row, "attempts"));
		sqlite3_bind_int64(ss, 10, ingest__i(row, "seconds_spent"));
		sqlite3_bind_int64(ss, 11, ingest__i(row, "first_activity"));
		sqlite3_bind_int64(ss, 12, ingest__i(row, "last_activity"));
		sqlite3_bind_int64(ss, 13, ingest__i(row, "completed_at"));
		sqlite3_bind_int(ss, 14, ingest__bool(row, "times_corrected", 0));
		sqlite3_bind_int64(ss, 15, ingest__i(row, "rev"));
		ingest__bind_time_source(ss, 16, row);
		if (sqlite3_step(ss) != SQLITE_DONE)
			goto out;
		sqlite3_reset(ss);
	}
	if (ingest__merges(c, ch) != PB_OK)
		goto out;
	/* contiguous: everything up to from_rev was held, now up to to_rev is */
	if (ch->from_rev <= acked_rev && ch->to_rev > acked_rev)
		acked_rev = ch->to_rev;
	if ((s = sqlu_prepare(c, ch->seq > last_seq ?
	    "UPDATE boxes SET acked_rev = ?1, last_seq = ?2, last_seen = ?3,"
	    " version = ?4, uptime_s = ?5, disk_free = ?6, db_bytes = ?7, pending = ?8,"
	    " clock = ?9 WHERE key = ?10" :
	    "UPDATE boxes SET acked_rev = ?1 WHERE key = ?10")) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, acked_rev);
	sqlite3_bind_text(s, 10, key, -1, SQLITE_STATIC);
	if (ch->seq > last_seq) {
		sqlite3_bind_int64(s, 2, ch->seq);
		sqlite3_bind_int64(s, 3, now_ms);
		ingest__bind_health(s, ch->health, 4, "version", 1);
		ingest__bind_health(s, ch->health, 5, "uptime_s", 0);
		ingest__bind_health(s, ch->health, 6, "disk_free", 0);
		ingest__bind_health(s, ch->health, 7, "db_bytes", 0);
		ingest__bind_health(s, ch->health, 8, "pending", 0);
		ingest__bind_health(s, ch->health, 9, "clock", 1);
	}
	if (sqlite3_step(s) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(s);
	if ((s = sqlu_prepare(c, "INSERT INTO uploads(box, at, seq, from_rev, to_rev,"
	    " acked_rev, learners, summaries, bytes) VALUES (?,?,?,?,?,?,?,?,?)")) == NULL)
		goto out;
	sqlite3_bind_text(s, 1, ch->box, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now_ms);
	sqlite3_bind_int64(s, 3, ch->seq);
	sqlite3_bind_int64(s, 4, ch->from_rev);
	sqlite3_bind_int64(s, 5, ch->to_rev);
	sqlite3_bind_int64(s, 6, acked_rev);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)json_array_size(ch->learners));
	sqlite3_bind_int64(s, 8, (sqlite3_int64)json_array_size(ch->summaries));
	sqlite3_bind_int64(s, 9, (sqlite3_int64)bytes);
	if (sqlite3_step(s) != SQLITE_DONE || hubdb_commit(c) != PB_OK)
		goto out;
	*acked = acked_rev;
	rc = PB_OK;
out:
	if (rc != PB_OK)
		log_warnx("upload: %s", sqlite3_errmsg(c));
	sqlite3_finalize(s);
	sqlite3_finalize(sl);
	sqlite3_finalize(ss);
	hubdb_rollback(c);
	return rc;
}

/* The header checks; with box_id (37 bytes) also the enrolled id. */
static int
ingest__head(struct hubdb *db, const struct ingest_limits *lim, const char *key_hex,
    const char *sig_hex, const char *encoding, long long declared_len, char *box_id,
    struct ingest_answer *a)
{
	unsigned char sig[crypto_sign_BYTES];
	sqlite3_stmt *s = NULL;
	sqlite3 *c;
	int rc = -1;

	if (!ingest__is_hexkey(key_hex) || sig_hex == NULL ||
	    util_unhex(sig, sizeof(sig), sig_hex) != PB_OK) {
		ingest__fail(a, 400, "bad_request",
		    "X-Pamong-Box (64 hex) and X-Pamong-Signature (128 hex) are required");
		return -1;
	}
	c = hubdb_get(db);
	if ((s = sqlu_prepare(c, "SELECT box_id FROM boxes WHERE key = ?")) == NULL) {
		ingest__fail(a, 503, "unavailable", "database error");
		goto out;
	}
	sqlite3_bind_text(s, 1, key_hex, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		ingest__fail(a, 403, "unknown_box", "this key is not enrolled");
		goto out;
	}
	if (box_id != NULL)
		snprintf(box_id, 37, "%s", (const char *)sqlite3_column_text(s, 0));
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
	sqlite3_finalize(s);
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
	sqlite3 *c = NULL;
	json_t *root = NULL;
	char *json = NULL;
	size_t jlen;
	json_error_t jerr;
	int64_t acked = 0;
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
	if ((r = ingest_gunzip(body, len, lim->max_json, &json, &jlen)) != PB_OK) {
		if (r == PB_ERR_LIMIT)
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
	if (ingest__apply(c, key_hex, &ch, len, now_ms, &acked) != PB_OK) {
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
}
