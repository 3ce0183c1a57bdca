/* api_console_box.c — the box's state and its buttons on the console
 * (docs/API.md, "Console: the box"): uptime, disk and database, CPU
 * temperature and the Pi's under-voltage/throttling flags (sysfs; "not
 * available" elsewhere), phones, uplink and sync, the clock; sync now, set
 * the clock from the facilitator's phone when the box has no good time,
 * restart and safe shutdown (configured commands). */
#include <civetweb.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "api_int.h"
#include "leds.h"
#include "log.h"
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
	if (store_clock_get(r->app->store, r->app->boot_id, &clk) != PB_OK)
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
	    "capacity", (json_int_t)cfg->hs_max_stations,
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
 * hub's Date (this boot's offset, trusted over the learners' phones), so the
 * times of this boot are moved by it when uploaded. */
void
api__console_clock(struct req *r)
{
	json_t *v = json_object_get(r->body, "phone_ms");
	struct store_clock clk;
	int64_t phone, offset;
	char detail[96];
	pb_err rc;

	if (!json_is_integer(v) || (phone = json_integer_value(v)) < STORE_CLOCK_MIN_PHONE_MS ||
	    phone >= STORE_CLOCK_MAX_PHONE_MS) {
		api__field_error(r, "phone_ms", "phone_ms must be the phone's time in ms since 1970");
		return;
	}
	if (store_clock_get(r->app->store, r->app->boot_id, &clk) == PB_OK &&
	    clk.src == STORE_CLOCK_HUB) {
		api__error(r, 409, "clock_known", "the box has the hub's time already");
		return;
	}
	offset = phone - util_wall_ms();
	if ((rc = store_clock_set_hub(r->app->store, r->app->boot_id, offset)) != PB_OK) {
		api__store_error(r, rc);
		return;
	}
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
