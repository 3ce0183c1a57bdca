/* api_console_box.c — the box's state and its buttons on the console
 * (docs/API.md, "Console: the box"): uptime, disk and database, CPU
 * temperature and the Pi's under-voltage/throttling flags (sysfs; "not
 * available" elsewhere), phones, uplink and sync, the clock; sync now, set
 * the clock from the facilitator's phone when the box has no good time,
 * restart and safe shutdown (configured commands); the settings a
 * facilitator may change, written to the config file. */
#include <civetweb.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "api_int.h"
#include "clockset.h"
#include "confedit.h"
#include "fsutil.h"
#include "leds.h"
#include "log.h"
#include "stations.h"
#include "store_clock.h"
#include "sync.h"
#include "util.h"

/* A small sysfs or proc file's first line, or 0 if absent. Read with
 * read(2): such files say their size is 0 or 4096, whatever they hold. */
static int
cb__read(const char *dir, const char *rel, char *out, size_t len)
{
	char path[1024], *nl;
	ssize_t n;
	int fd;

	out[0] = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >= sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, out, len - 1);
	close(fd);
	if (n <= 0)
		return 0;
	out[n] = '\0';
	if ((nl = strchr(out, '\n')) != NULL)
		*nl = '\0';
	return out[0] != '\0';
}

/* The CPU temperature in tenths of a degree, or a JSON null. */
static json_t *
cb__temperature(const char *sys)
{
	char v[64];
	long milli;
	char *end;

	if (!cb__read(sys, "class/thermal/thermal_zone0/temp", v, sizeof(v)))
		return json_null();
	errno = 0;
	milli = strtol(v, &end, 10);
	if (errno != 0 || end == v || milli < -50000 || milli > 150000)
		return json_null();
	return json_real((double)(milli / 100) / 10.0);
}

/* The Pi firmware's throttling flags, or a JSON null on other machines. */
static json_t *
cb__throttled(const char *sys)
{
	char v[64];
	unsigned long f;
	char *end;

	if (!cb__read(sys, "devices/platform/soc/soc:firmware/get_throttled", v, sizeof(v)))
		return json_null();
	errno = 0;
	f = strtoul(v, &end, 16);
	if (errno != 0 || end == v)
		return json_null();
	return json_pack("{s:b, s:b, s:b, s:b, s:b, s:b, s:s}",
	    "under_voltage", (f & 0x1) != 0, "freq_capped", (f & 0x2) != 0,
	    "throttled", (f & 0x4) != 0, "under_voltage_since_boot", (f & 0x10000) != 0,
	    "throttled_since_boot", (f & 0x40000) != 0, "soft_temp_limit", (f & 0x8) != 0,
	    "raw", v);
}

static json_int_t
cb__box_uptime(void)
{
	char v[64];
	double up;

	if (!cb__read("/proc", "uptime", v, sizeof(v)) || sscanf(v, "%lf", &up) != 1)
		return -1;
	return (json_int_t)up;
}

void
api__console_status(struct req *r)
{
	const struct config *cfg = r->app->cfg;
	struct store_stats st;
	struct store_clock clk;
	struct statvfs vfs;
	char epoch[37];
	int phones = leds_wifi_phones();
	json_t *disk = json_null(), *db = json_null();

	if (statvfs(cfg->data_dir, &vfs) == 0)
		disk = json_pack("{s:I, s:I}", "total", (json_int_t)vfs.f_blocks *
		    (json_int_t)vfs.f_frsize, "free", (json_int_t)vfs.f_bavail *
		    (json_int_t)vfs.f_frsize);
	if (store_stats(r->app->store, &st) == PB_OK)
		db = json_pack("{s:I, s:I, s:b, s:s}", "bytes", (json_int_t)st.db_bytes,
		    "learners", (json_int_t)st.learners, "healthy", st.healthy, "reason",
		    st.reason);
	store_clock_epoch_now(r->app->store, epoch);
	if (store_clock_get(r->app->store, epoch, &clk) != PB_OK)
		clk.src = STORE_CLOCK_NONE;
	http_send_json(r->conn, 200, json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:o, s:o, s:o, "
	    "s:o, s:I, s:o, s:{s:s, s:I, s:I}, s:b, s:b}",
	    "box_id", store_box_id(r->app->store), "box_name", cfg->box_name,
	    "version", PB_VERSION,
	    "uptime_s", (json_int_t)((util_mono_ms() - r->app->started_mono_ms) / 1000),
	    "box_uptime_s", cb__box_uptime(), "disk", disk, "db", db,
	    "cpu_temp_c", cb__temperature(cfg->sys_dir), "throttling",
	    cb__throttled(cfg->sys_dir),
	    "phones", phones >= 0 ? json_integer(phones) : json_null(),
	    "capacity", (json_int_t)stations_capacity(cfg->hs_max_stations),
	    "sync", sync_status_json(),
	    "clock", "source", clk.src == STORE_CLOCK_NONE ? "unknown" :
	    store_clock_src_name(clk.src), "offset_ms", (json_int_t)clk.offset_ms,
	    "box_ms", (json_int_t)util_wall_ms(),
	    "restart_command", cfg->restart_command[0] != '\0',
	    "shutdown_command", cfg->shutdown_command[0] != '\0'), NULL);
}

void
api__console_sync_now(struct req *r)
{
	struct sync_status s;

	sync_status(&s);
	if (strcmp(s.state, "off") == 0) {
		api__error(r, 409, "sync_off", "no hub is set for this box");
		return;
	}
	sync_now();
	api__audit(r, "sync_now", s.state);
	http_send_json(r->conn, 202, json_pack("{s:s}", "state", s.state), NULL);
}

/* POST console/clock {"phone_ms": N}: the facilitator's phone vouches for
 * the time while this boot has no time from the hub. It is kept like the
 * hub's Date (this boot's offset, trusted over the learners' phones) under
 * its own source, "console" (health, the uploaded time_source, the clock's
 * jump), so the times of this boot are moved by it when uploaded. */
void
api__console_clock(struct req *r)
{
	json_t *v = json_object_get(r->body, "phone_ms");
	struct store_clock clk;
	int64_t phone, offset;
	char detail[96], epoch[37];
	pb_err rc;

	if (!json_is_integer(v) || (phone = json_integer_value(v)) < STORE_CLOCK_MIN_PHONE_MS ||
	    phone >= STORE_CLOCK_MAX_PHONE_MS) {
		api__field_error(r, "phone_ms", "phone_ms must be the phone's time in ms since 1970");
		return;
	}
	store_clock_epoch_now(r->app->store, epoch);
	if (store_clock_get(r->app->store, epoch, &clk) == PB_OK &&
	    (clk.src == STORE_CLOCK_HUB || clk.src == STORE_CLOCK_CONSOLE)) {
		api__error(r, 409, "clock_known", clk.src == STORE_CLOCK_HUB ?
		    "the box has the hub's time already" :
		    "a facilitator's phone has set the clock already");
		return;
	}
	offset = phone - util_wall_ms();
	if ((rc = store_clock_set(r->app->store, epoch, offset, STORE_CLOCK_CONSOLE)) !=
	    PB_OK) {
		api__store_error(r, rc);
		return;
	}
	clockset_request(offset, "console"); /* the system clock too, if far off */
	snprintf(detail, sizeof(detail), "offset %lld ms", (long long)offset);
	api__audit(r, "clock_set", detail);
	http_send_json(r->conn, 200, json_pack("{s:I}", "offset_ms", (json_int_t)offset), NULL);
}

/* Stop pamongd cleanly (as SIGTERM does); main then runs the command of
 * what was asked (main.c). The answer leaves before the stop begins. */
static void
cb__power(struct req *r, int what, const char *action)
{
	api__audit(r, action, "");
	log_info("console: %s requested", action);
	r->app->power = what;
	http_send_empty(r->conn, 202, NULL);
	kill(getpid(), SIGTERM);
}

void
api__console_restart(struct req *r)
{
	cb__power(r, APP_POWER_RESTART, "restart");
}

void
api__console_shutdown(struct req *r)
{
	cb__power(r, APP_POWER_SHUTDOWN, "shutdown");
}

/* ---- settings ---- */

/* The options the console may change: JSON field, section, name. */
static const struct cb__setting {
	const char *field, *section, *name;
} cb__settings[] = {
	{ "box_name", "sync", "box_name" },
	{ "area_codes", "area", "codes" },
	{ "hotspot_ssid", "hotspot", "ssid" },
	{ "hotspot_passphrase", "hotspot", "passphrase" },
	{ "hub_url", "sync", "hub_url" },
	{ "enroll_code", "sync", "enroll_code" },
};

static pthread_mutex_t cb__settings_lock = PTHREAD_MUTEX_INITIALIZER;

/* GET console/settings: as saved in the config file (what the box runs
 * with after its next start, and the hotspot already when it was applied
 * at once), else as running. */
void
api__console_settings(struct req *r)
{
	const struct config *c = r->app->cfg;
	struct config *saved = malloc(sizeof(*saved));
	char err[256];

	if (saved != NULL && r->app->conf_path != NULL &&
	    config_load(saved, r->app->conf_path, err, sizeof(err)) == PB_OK)
		c = saved;
	/* the passphrase is never sent back: only whether one is set */
	http_send_json(r->conn, 200, json_pack("{s:s, s:s, s:s, s:b, s:b, s:s, s:b, s:s, s:b}",
	    "box_name", c->box_name, "area_codes", c->area_codes, "hotspot_ssid", c->hs_ssid,
	    "hotspot_passphrase_set", c->hs_passphrase[0] != '\0', "hotspot_open", c->hs_open,
	    "hub_url", c->hub_url, "enroll_code_set", c->enroll_code[0] != '\0',
	    "config_file", r->app->conf_path ? r->app->conf_path : "",
	    "hotspot_applies_at_once", r->app->cfg->hs_apply_file[0] != '\0'), NULL);
	free(saved);
}

/* Ask for the hotspot's files to be rendered again and its hostapd
 * restarted ([hotspot] apply_file, the image's pamong-hotspot-apply.path):
 * 1 if asked. */
static int
cb__hotspot_apply(struct req *r)
{
	const char *path = r->app->cfg->hs_apply_file;
	char line[64];
	int n;

	if (path[0] == '\0')
		return 0;
	n = snprintf(line, sizeof(line), "pamong-hotspot-apply 1\nat_ms=%lld\n",
	    (long long)util_wall_ms());
	if (fs_write_atomic(path, line, (size_t)n, 0640) != PB_OK) {
		log_warn("console: cannot write %s", path);
		return 0;
	}
	log_info("console: the hotspot's new settings are applied now (%s)", path);
	return 1;
}

/* PUT console/settings {field: value, ...}: each value checked as the
 * config file's own option would be (on a copy of the running config, with
 * the whole config's checks and the area codes loaded), then written to the
 * config file atomically. The hotspot's name and password apply at once
 * where [hotspot] apply_file is set (the image); the rest, and the hotspot
 * elsewhere, at the box's next start (the console's Restart): the database,
 * sessions and uploads stay. */
void
api__console_settings_put(struct req *r)
{
	struct confedit_kv kv[PB_ARRAY_LEN(cb__settings)];
	struct config *copy = NULL;
	struct area *area = NULL;
	char err[512], detail[200];
	size_t i, n = 0, off = 0, others;
	int hotspot, applied;
	const char *k;
	json_t *v;
	pb_err rc;

	json_object_foreach(r->body, k, v) {
		for (i = 0; i < PB_ARRAY_LEN(cb__settings) && strcmp(cb__settings[i].field, k); i++)
			;
		if (i == PB_ARRAY_LEN(cb__settings)) {
			api__field_error(r, k, "not a setting the console changes");
			return;
		}
		if (!json_is_string(v) || strlen(json_string_value(v)) >= CONF_STR_MAX ||
		    !util_utf8_valid(json_string_value(v), strlen(json_string_value(v))) ||
		    !confedit_value_ok(json_string_value(v))) {
			api__field_error(r, k, "must be one line of text without ; or #");
			return;
		}
	}
	if (r->app->conf_path == NULL) {
		api__error(r, 409, "no_config_file", "pamongd runs without a config file");
		return;
	}
	if ((copy = malloc(sizeof(*copy))) == NULL) {
		api__error(r, 503, "unavailable", "out of memory");
		return;
	}
	*copy = *r->app->cfg;
	for (i = 0; i < PB_ARRAY_LEN(cb__settings); i++) {
		const struct cb__setting *s = &cb__settings[i];

		if ((v = json_object_get(r->body, s->field)) == NULL)
			continue;
		if (config_set(copy, s->section, s->name, json_string_value(v), err,
		    sizeof(err)) != PB_OK) {
			api__field_error(r, s->field, err);
			goto out;
		}
		kv[n++] = (struct confedit_kv){ s->section, s->name, json_string_value(v) };
		off += (size_t)snprintf(detail + off, off < sizeof(detail) ? sizeof(detail) - off : 0,
		    "%s%s", off ? " " : "", s->field);
		if (off >= sizeof(detail))
			off = sizeof(detail) - 1;
	}
	if (n == 0) {
		api__error(r, 400, "bad_request", "no setting given");
		goto out;
	}
	if (copy->hub_url[0] != '\0' && strncmp(copy->hub_url, "https://", 8) != 0 &&
	    strncmp(copy->hub_url, "http://", 7) != 0) {
		api__field_error(r, "hub_url", "hub_url must start with https://");
		goto out;
	}
	if (config_check(copy, err, sizeof(err)) != PB_OK) {
		api__field_error(r, strstr(err, "passphrase") ? "hotspot_passphrase" :
		    strstr(err, "hotspot") ? "hotspot_ssid" : "settings", err);
		goto out;
	}
	if (area_load(copy->area_file, copy->area_codes, &area, err, sizeof(err)) != PB_OK) {
		api__field_error(r, "area_codes", err);
		goto out;
	}
	area_free(area);
	pthread_mutex_lock(&cb__settings_lock);
	rc = confedit_set(r->app->conf_path, kv, n);
	pthread_mutex_unlock(&cb__settings_lock);
	if (rc != PB_OK) {
		log_warn("console: cannot write %s", r->app->conf_path);
		api__error(r, 503, "unavailable", "cannot write the config file");
		goto out;
	}
	hotspot = json_object_get(r->body, "hotspot_ssid") != NULL ||
	    json_object_get(r->body, "hotspot_passphrase") != NULL;
	applied = hotspot && cb__hotspot_apply(r);
	others = json_object_size(r->body) - (json_object_get(r->body, "hotspot_ssid") != NULL) -
	    (json_object_get(r->body, "hotspot_passphrase") != NULL);
	if (applied && off + 20 < sizeof(detail))
		snprintf(detail + off, sizeof(detail) - off, " (hotspot applied)");
	api__audit(r, "settings", detail);
	http_send_json(r->conn, 200, json_pack("{s:b, s:b, s:s*}", "saved", 1,
	    "restart_needed", others > 0 || (hotspot && !applied),
	    "hotspot", !hotspot ? NULL : applied ? "applied" : "next_start"), NULL);
out:
	free(copy);
}

/* GET console/areas?q=TEXT: provinces, regencies and districts of the
 * official list whose name holds TEXT (20 at most), for the area setting. */
void
api__console_areas(struct req *r)
{
	char q[64], line[512];
	json_t *a = json_array();
	gzFile f;

	if (!api__query(r, "q", q, sizeof(q)) || strlen(q) < 2) {
		json_decref(a);
		api__field_error(r, "q", "q must be 2 to 63 characters");
		return;
	}
	if ((f = gzopen(r->app->cfg->area_file, "rb")) == NULL) {
		json_decref(a);
		api__error(r, 503, "unavailable", "cannot read the region list");
		return;
	}
	while (json_array_size(a) < 20 && gzgets(f, line, sizeof(line)) != NULL) {
		char *tab = strchr(line, '\t'), *nl;
		int dots = 0;

		if (tab == NULL)
			continue;
		*tab = '\0';
		if ((nl = strchr(tab + 1, '\n')) != NULL)
			*nl = '\0';
		for (char *p = line; *p; p++)
			dots += *p == '.';
		if (dots > 2 || strcasestr(tab + 1, q) == NULL)
			continue;
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "code", line, "name", tab + 1,
		    "level", dots == 0 ? "province" : dots == 1 ? "regency" : "district"));
	}
	gzclose(f);
	http_send_json(r->conn, 200, json_pack("{s:o}", "areas", a), NULL);
}
