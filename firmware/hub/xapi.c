/* xapi.c — see xapi.h. */
#include "xapi.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

void
xapi_uuid(char out[37], const char *box, const char *learner, const char *course,
    const char *verb)
{
	static const char ns[] = "pamong-box xapi statement v1";
	const char *parts[] = { ns, box, learner, course, verb };
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	size_t i;

	crypto_hash_sha256_init(&st);
	for (i = 0; i < PB_ARRAY_LEN(parts); i++) /* NUL-separated: no ambiguity */
		crypto_hash_sha256_update(&st, (const unsigned char *)parts[i],
		    strlen(parts[i]) + 1);
	crypto_hash_sha256_final(&st, h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x50);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	snprintf(out, 37,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11],
	    h[12], h[13], h[14], h[15]);
}

static json_t *
xapi__statement(struct hdb_stmt *s, const char *home, const char *verb, int64_t when)
{
	const char *box = hdb_column_text(s, 0);
	const char *learner = hdb_column_text(s, 1);
	const char *course = hdb_column_text(s, 2);
	const char *name = hdb_column_text(s, 3);
	const char *village = hdb_column_text(s, 4);
	int passed = hdb_column_int(s, 6);
	char id[37], iso[32], verb_id[96], activity[600], ext_box[600], ext_vil[600];
	char duration[40];
	json_t *st, *result;

	xapi_uuid(id, box, learner, course, verb);
	util_iso8601(iso, when);
	snprintf(verb_id, sizeof(verb_id), XAPI_VERB_BASE "%s", verb);
	snprintf(activity, sizeof(activity), "%s/xapi/activities/course/%s", home, course);
	snprintf(ext_box, sizeof(ext_box), "%s/xapi/extensions/box", home);
	snprintf(ext_vil, sizeof(ext_vil), "%s/xapi/extensions/village", home);
	snprintf(duration, sizeof(duration), "PT%lldS",
	    (long long)hdb_column_int64(s, 8));
	result = json_pack("{s:b, s:s}", "completion",
	    strcmp(hdb_column_text(s, 5), "completed") == 0,
	    "duration", duration);
	if (result == NULL)
		return NULL;
	if (strcmp(verb, "completed") != 0)
		json_object_set_new(result, "success", json_boolean(passed));
	if (hdb_column_type(s, 7) != HDB_NULL) {
		int score = hdb_column_int(s, 7);

		json_object_set_new(result, "score", json_pack("{s:f, s:i, s:i, s:i}",
		    "scaled", score / 100.0, "raw", score, "min", 0, "max", 100));
	}
	st = json_pack("{s:s, s:s,"
	    " s:{s:s, s:s, s:{s:s, s:s}},"
	    " s:{s:s, s:{s:s, s:s}},"
	    " s:{s:s, s:s, s:{s:s, s:{s:s}}},"
	    " s:o,"
	    " s:{s:s, s:s, s:{s:s, s:s}}}",
	    "id", id, "timestamp", iso,
	    "actor", "objectType", "Agent", "name", name, "account", "homePage", home,
	    "name", learner,
	    "verb", "id", verb_id, "display", "en-US", verb, "id-ID",
	    strcmp(verb, "completed") == 0 ? "menyelesaikan" :
	    strcmp(verb, "passed") == 0 ? "lulus" : "tidak lulus",
	    "object", "objectType", "Activity", "id", activity, "definition", "type",
	    "http://adlnet.gov/expapi/activities/course", "name", "und", course,
	    "result", result,
	    "context", "platform", "Pamong Box", "language", "id-ID", "extensions",
	    ext_box, box, ext_vil, village);
	return st;
}

pb_err
xapi_statements(struct hdb_conn *c, const char *home, int64_t since_ms, const char *unit,
    json_t **out)
{
	struct hdb_stmt *s = NULL;
	json_t *arr = json_array(), *st;
	pb_err rc = PB_ERR_DB;
	int r;

	*out = NULL;
	if (arr == NULL)
		return PB_ERR_NOMEM;
	if ((s = hdb_prepare(c, "SELECT s.box, s.learner, s.course, l.name, l.village, s.status, s.passed,"
	    " s.best_score, s.seconds_spent, s.attempts, s.completed_at, s.last_activity"
	    " FROM summaries s JOIN learners l ON l.box = s.box AND l.id = s.learner"
	    " WHERE (s.status = 'completed' OR s.attempts > 0)"
	    " AND (s.last_activity >= ?1 OR s.completed_at >= ?1)"
	    " AND substr(l.village, 1, CAST(?2 AS INTEGER)) = CAST(?3 AS TEXT)"
	    " ORDER BY s.box, s.learner, s.course")) == NULL) {
		log_warnx("xapi: %s", hdb_errmsg(c));
		goto out;
	}
	hdb_bind_int64(s, 1, since_ms);
	hdb_bind_int64(s, 2, (int64_t)strlen(unit));
	hdb_bind_text(s, 3, unit);
	while ((r = hdb_step(s)) == HDB_ROW) {
		int completed = strcmp(hdb_column_text(s, 5),
		    "completed") == 0;
		int passed = hdb_column_int(s, 6), attempts = hdb_column_int(s, 9);
		int64_t done_at = hdb_column_int64(s, 10);
		int64_t last = hdb_column_int64(s, 11);

		if (completed) {
			if ((st = xapi__statement(s, home, "completed", done_at)) == NULL ||
			    json_array_append_new(arr, st) != 0)
				goto nomem;
		}
		if (attempts > 0) {
			st = xapi__statement(s, home, passed ? "passed" : "failed",
			    passed && done_at > 0 ? done_at : last);
			if (st == NULL || json_array_append_new(arr, st) != 0)
				goto nomem;
		}
	}
	if (r != HDB_DONE) {
		log_warnx("xapi: %s", hdb_errmsg(c));
		goto out;
	}
	*out = arr;
	arr = NULL;
	rc = PB_OK;
	goto out;
nomem:
	rc = PB_ERR_NOMEM;
out:
	hdb_finalize(s);
	json_decref(arr);
	return rc;
}

static size_t
xapi__discard(char *p, size_t sz, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return sz * n;
}

pb_err
xapi_forward(const char *endpoint, const char *user, const char *password,
    json_t *statements, struct xapi_forward_result *res)
{
	struct curl_slist *hdr = NULL;
	CURL *curl = NULL;
	pb_err rc = PB_ERR_NOMEM;
	char url[1024];
	json_t *st;
	size_t i, elen = strlen(endpoint);
	const char *slash = elen > 0 && endpoint[elen - 1] == '/' ? "" : "/";

	memset(res, 0, sizeof(*res));
	if ((curl = curl_easy_init()) == NULL)
		goto out;
	if ((hdr = curl_slist_append(hdr, "Content-Type: application/json")) == NULL ||
	    (hdr = curl_slist_append(hdr, "X-Experience-API-Version: 1.0.3")) == NULL)
		goto out;
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(curl, CURLOPT_USERNAME, user);
	curl_easy_setopt(curl, CURLOPT_PASSWORD, password);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, xapi__discard);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	json_array_foreach(statements, i, st) {
		char *body = json_dumps(st, JSON_COMPACT);
		long code = 0;
		CURLcode cr;

		if (body == NULL)
			goto out;
		snprintf(url, sizeof(url), "%s%sstatements?statementId=%s", endpoint, slash,
		    json_string_value(json_object_get(st, "id")));
		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		cr = curl_easy_perform(curl);
		free(body);
		if (cr == CURLE_OK)
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
		if (code == 200 || code == 204) {
			res->sent++;
		} else if (code == 409) {
			res->already++;
		} else {
			res->failed++;
			if (cr != CURLE_OK)
				snprintf(res->last_error, sizeof(res->last_error), "%s",
				    curl_easy_strerror(cr));
			else
				snprintf(res->last_error, sizeof(res->last_error),
				    "LRS answered %ld", code);
		}
	}
	rc = res->failed ? PB_ERR_IO : PB_OK;
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(curl);
	return rc;
}
