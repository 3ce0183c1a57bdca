/* config.c — see config.h. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>

#define OPT_S(sec, nm, field, def, help) \
	{ sec, nm, CONF_STR, def, 0, 0, offsetof(struct hub_config, field), help }
#define OPT_I(sec, nm, field, def, lo, hi, help) \
	{ sec, nm, CONF_INT, def, lo, hi, offsetof(struct hub_config, field), help }

static const struct conf_opt hub_opts[] = {
	OPT_S("http", "listen", listen, "127.0.0.1",
	    "Address to listen on. Keep it on localhost behind a TLS-terminating\n"
	    "reverse proxy (nginx); the hub itself speaks plain HTTP."),
	OPT_I("http", "port", port, "8090", 1, 65535, "TCP port."),
	OPT_I("http", "threads", threads, "64", 2, 1024,
	    "Worker threads; each keep-alive connection holds one."),
	OPT_S("http", "webroot", webroot, "/usr/share/pamong/webroot/hub",
	    "Directory with the staff dashboard (webroot/hub in the source tree)."),
	OPT_S("http", "public_url", public_url, "http://localhost:8090",
	    "The hub's address as staff and boxes see it. xAPI statements name\n"
	    "learners as accounts on this home page: do not change it once used."),
	OPT_S("http", "trusted_proxy", trusted_proxy, "127.0.0.1",
	    "Reverse proxies (nginx) whose X-Forwarded-For / X-Real-IP headers name\n"
	    "the real client: IPv4 or IPv6 addresses separated by spaces or commas;\n"
	    "empty: none. From any other peer those headers are ignored and the peer\n"
	    "is the client. The login limit counts failures per client address."),
	OPT_S("storage", "data_dir", data_dir, "/var/lib/pamong-hub",
	    "Data directory: hub.db (SQLite, WAL) lives here unless db.url is set."),
	OPT_S("db", "url", db_url, "",
	    "The database: empty for data_dir/hub.db (SQLite), a SQLite file's\n"
	    "path, or PostgreSQL as postgresql://USER@HOST:PORT/DBNAME (libpq URL;\n"
	    "a password is better kept in ~/.pgpass or PGPASSWORD than here).\n"
	    "Several hub processes may share one PostgreSQL database."),
	OPT_I("upload", "max_body", max_body, "1048576", 1024, 268435456,
	    "Largest upload body as sent (gzip bytes); larger is refused with 413."),
	OPT_I("upload", "max_json", max_json, "16777216", 1024, 1073741824,
	    "Largest upload after decompression (bytes); larger is refused with 413."),
	OPT_I("upload", "memory", upload_memory, "134217728", 1048576, 68719476736,
	    "Memory all uploads being unpacked may hold at once (bytes): each\n"
	    "counts its gunzipped size and four times that for the parsed JSON.\n"
	    "An upload that would go over is answered 503 and sent again later.\n"
	    "At least 5 x max_json, so that the largest upload fits."),
	OPT_I("upload", "max_rows", max_rows, "20000", 1, 10000000,
	    "Most learner + summary rows in one chunk."),
	OPT_I("enroll", "code_ttl_s", code_ttl_s, "604800", 60, 31536000,
	    "How long a new enrollment code stays valid, in seconds (7 days)."),
	OPT_S("area", "file", area_file, "/usr/share/pamong/wilayah.tsv.gz",
	    "Official region list (Kemendagri codes, idn-area-data, ODbL):\n"
	    "gzip TSV, CODE<TAB>NAME. Without it the dashboard shows codes only."),
	OPT_S("courses", "file", courses_file, "/usr/share/pamong/courses.tsv",
	    "Course titles: ID<TAB>TITLE a line (`make` writes build/courses.tsv\n"
	    "from content/*/course.yaml). Without it the dashboard shows course ids."),
	OPT_I("auth", "session_hours", session_hours, "12", 1, 720,
	    "Staff sessions last this long."),
	OPT_I("auth", "login_attempts", login_attempts, "5", 1, 100,
	    "Wrong passwords from one client address before that address must\n"
	    "wait 60 s, doubling with each further failure up to 15 minutes.\n"
	    "Failures for one user name only slow that name's next logins (by up\n"
	    "to 2 s), so nobody can lock a staffer out from another address."),
	OPT_S("xapi", "lrs_endpoint", lrs_endpoint, "",
	    "xAPI 1.0.3 LRS to forward completions to, e.g.\n"
	    "https://lrs.example.org/xapi/ (empty: no forwarding)."),
	OPT_S("xapi", "lrs_user", lrs_user, "", "LRS Basic auth user."),
	OPT_S("xapi", "lrs_password", lrs_password, "", "LRS Basic auth password."),
};

pb_err
hub_config_load(struct hub_config *cfg, const char *path, char *err, size_t errlen)
{
	char msg[200];
	pb_err rc;

	conf_defaults(hub_opts, PB_ARRAY_LEN(hub_opts), cfg);
	if (path != NULL &&
	    (rc = conf_load(hub_opts, PB_ARRAY_LEN(hub_opts), cfg, path, err, errlen)) != PB_OK)
		return rc;
	if (cfg->upload_memory < 5 * cfg->max_json) {
		snprintf(err, errlen, "%s: upload.memory (%ld) must be at least 5 x"
		    " upload.max_json (%ld)", path ? path : "(defaults)", cfg->upload_memory,
		    cfg->max_json);
		return PB_ERR_INVALID;
	}
	if (realip_parse(cfg->trusted_proxy, &cfg->proxies, msg, sizeof(msg)) != PB_OK) {
		snprintf(err, errlen, "%s: http.trusted_proxy: %s", path ? path : "(defaults)",
		    msg);
		return PB_ERR_INVALID;
	}
	return PB_OK;
}

void
hub_config_example(FILE *f)
{
	conf_write_example(hub_opts, PB_ARRAY_LEN(hub_opts),
	    "pamong-hub.conf — configuration of the Pamong Box central hub", f);
}
