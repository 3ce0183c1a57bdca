/* certify.c — see certify.h. */
#include "certify.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "hdb.h"
#include "util.h"

#define CERTIFY_TOKEN_MAX 400

/* Split token into its five parts (in place in buf). */
static int
certify__split(char *buf, char *part[5])
{
	char *p = buf;
	int i;

	for (i = 0; i < 5; i++) {
		part[i] = p;
		if (i < 4) {
			if ((p = strchr(p, '.')) == NULL)
				return 0;
			*p++ = '\0';
		}
	}
	return strchr(part[4], '.') == NULL;
}

static int
certify__id(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

pb_err
certify_check(struct hdb_conn *c, const char *token, json_t **out)
{
	char buf[CERTIFY_TOKEN_MAX + 1], *part[5], text[256], hex[13], code[16];
	unsigned char sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES];
	const char *reason = NULL, *box_name = "", *status = "";
	char name[256] = "";
	int64_t completed = 0;
	struct hdb_stmt *s = NULL;
	size_t siglen = 0, i;
	int valid = 0, rc;

	*out = NULL;
	if (strlen(token) > CERTIFY_TOKEN_MAX)
		return PB_ERR_INVALID;
	snprintf(buf, sizeof(buf), "%s", token);
	if (!certify__split(buf, part) || !util_is_uuid(part[0]) || !util_is_uuid(part[1]) ||
	    !certify__id(part[2], 63) || strlen(part[3]) != 10 ||
	    sodium_base642bin(sig, sizeof(sig), part[4], strlen(part[4]), NULL, &siglen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || siglen != sizeof(sig))
		return PB_ERR_INVALID;
	for (i = 0; i < 10; i++)
		if (!(i == 4 || i == 7 ? part[3][i] == '-' : part[3][i] >= '0' && part[3][i] <= '9'))
			return PB_ERR_INVALID;
	util_hex(hex, sig, 6);
	for (i = 0; i < 12; i++)
		hex[i] = (char)(hex[i] >= 'a' ? hex[i] - 32 : hex[i]);
	snprintf(code, sizeof(code), "%.4s-%.4s-%.4s", hex, hex + 4, hex + 8);

	if ((s = hdb_prepare(c, "SELECT key, name FROM boxes WHERE box_id = ?")) == NULL)
		return PB_ERR_DB;
	hdb_bind_text(s, 1, part[0]);
	rc = hdb_step(s);
	if (rc == HDB_ROW &&
	    util_unhex(pk, sizeof(pk), hdb_column_text(s, 0)) == PB_OK) {
		snprintf(text, sizeof(text), "pamong-certificate/1\n%s\n%s\n%s\n%s\n", part[0],
		    part[1], part[2], part[3]);
		valid = crypto_sign_verify_detached(sig, (const unsigned char *)text,
		    strlen(text), pk) == 0;
		reason = valid ? NULL : "signature";
		box_name = hdb_column_text(s, 1);
	} else if (rc == HDB_ROW || rc == HDB_DONE) {
		reason = "unknown_box";
	} else {
		hdb_finalize(s);
		return PB_ERR_DB;
	}
	*out = json_pack("{s:b, s:s?, s:s, s:s, s:s, s:s, s:s}", "valid", valid, "reason", reason,
	    "box_name", box_name ? box_name : "", "learner", part[1], "course", part[2], "date",
	    part[3], "code", code);
	hdb_finalize(s);
	if (*out == NULL)
		return PB_ERR_NOMEM;
	if (!valid)
		return PB_OK;
	/* what the hub holds of it, from the box's uploads */
	if ((s = hdb_prepare(c, "SELECT l.name, coalesce(m.status, ''),"
	    " coalesce(m.completed_at, 0) FROM learners l LEFT JOIN summaries m"
	    " ON m.box = l.box AND m.learner = l.id AND m.course = ?3"
	    " WHERE l.box = ?1 AND l.id = ?2")) == NULL)
		return PB_ERR_DB;
	hdb_bind_text(s, 1, part[0]);
	hdb_bind_text(s, 2, part[1]);
	hdb_bind_text(s, 3, part[2]);
	if (hdb_step(s) == HDB_ROW) {
		snprintf(name, sizeof(name), "%s", hdb_column_text(s, 0));
		status = hdb_column_text(s, 1);
		completed = hdb_column_int64(s, 2);
	}
	json_object_set_new(*out, "name", json_string(name));
	json_object_set_new(*out, "hub_status", json_string(status ? status : ""));
	json_object_set_new(*out, "hub_completed_at", json_integer(completed));
	hdb_finalize(s);
	return PB_OK;
}
