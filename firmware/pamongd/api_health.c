/* api_health.c — GET /api/v1/health: version, state (degraded when the
 * store is failing or was healed, with the reason in "db"), the store's
 * counts, which clock this boot trusts and what last set it, sync's state, the phones on each
 * radio of the hotspot, the LEDs and whether
 * the button turned on setup mode. */
#include "api_int.h"
#include "clockset.h"
#include "leds.h"
#include "stations.h"
#include "store_clock.h"
#include "sync.h"
#include "util.h"

void
api__health(struct req *r)
{
	static const char *states[] = { "starting", "serving", "stopping" };
	struct store_stats st;
	int readable = store_stats(r->app->store, &st) == PB_OK;
	int ok = readable && st.healthy;
	const char *state = r->app->state == APP_SERVING && !ok ? "degraded" :
	    states[r->app->state];
	const char *db = ok ? "ok" : st.reason[0] ? st.reason : "cannot be read";

	struct store_clock clk;
	struct store_clock_jump jmp;
	json_t *set = json_null();
	char epoch[37];

	/* this boot's clock (its epoch since the last jump): the hub's offset,
	 * else one learned from phones (learned again after writes; at most
	 * once a minute once known); agreeing phones may have it set */
	clk.src = STORE_CLOCK_NONE;
	store_clock_epoch_now(r->app->store, epoch);
	if (ok && (store_clock_learn(r->app->store, epoch, 60000) != PB_OK ||
	    store_clock_get(r->app->store, epoch, &clk) != PB_OK))
		clk.src = STORE_CLOCK_NONE;
	if (clk.src != STORE_CLOCK_NONE)
		clockset_consider(&clk);
	/* the last time the clock was set in this boot, and by what */
	if (readable && store_clock_last_jump(r->app->store, r->app->boot_id, &jmp) == PB_OK)
		set = json_pack("{s:s, s:I, s:I, s:i}", "by", jmp.source, "jump_ms",
		    (json_int_t)jmp.jump_ms, "at", (json_int_t)jmp.at_ms, "count", jmp.count);
	http_send_json(r->conn, 200, json_pack(
	    "{s:s, s:s, s:s, s:I, s:s, s:i, s:o, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:b}",
	    "program", "pamongd", "version", PB_VERSION, "state", state,
	    "uptime_s", (json_int_t)((util_mono_ms() - r->app->started_mono_ms) / 1000),
	    "box_id", store_box_id(r->app->store), "courses", r->snap->ncourses,
	    "learners", readable ? json_integer((json_int_t)st.learners) : json_null(),
	    "db", db, "db_lost_writes", st.lost_writes >= 0 ?
	    json_integer((json_int_t)st.lost_writes) : json_null(),
	    "clock", clk.src == STORE_CLOCK_NONE ? "unknown" : store_clock_src_name(clk.src),
	    "clock_set", set ? set : json_null(), "sync", (json_t *)sync_status_json(), "wifi", (json_t *)stations_status_json(),
	    "leds", (json_t *)leds_status_json(),
	    "setup_mode", leds_setup_mode()), NULL);
}
