/* leds.c — see leds.h. */
#include "leds.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "sync.h"
#include "util.h"

#define LEDS__TICK_MS 10
#define LEDS__SYNC_EVERY_MS 250   /* how often sync_status() is read */
#define LEDS__SHOW_SHUTDOWN_MS 1000 /* all LEDs fast before stopping */

int
leds_lit(enum leds_pattern p, int64_t now_ms)
{
	int64_t t = now_ms < 0 ? -now_ms : now_ms;

	switch (p) {
	case LEDS_STEADY: return 1;
	case LEDS_SLOW: return t % 1000 < 500;  /* 1 Hz */
	case LEDS_FAST: return t % 250 < 125;   /* 4 Hz */
	case LEDS_OFF:
	default: return 0;
	}
}

const char *
leds_pattern_name(enum leds_pattern p)
{
	static const char *const names[] = { "off", "steady", "slow_blink", "fast_blink" };

	return (unsigned)p < PB_ARRAY_LEN(names) ? names[p] : "off";
}

enum leds_pattern
leds_system_pattern(enum leds_system s)
{
	switch (s) {
	case LEDS_SERVING: return LEDS_STEADY;
	case LEDS_FAULT: return LEDS_FAST;
	case LEDS_STARTING:
	case LEDS_STOPPING:
	default: return LEDS_SLOW;
	}
}

enum leds_pattern
leds_wifi_pattern(int phones)
{
	return phones < 0 ? LEDS_OFF : phones == 0 ? LEDS_STEADY : LEDS_FAST;
}

enum leds_pattern
leds_sync_pattern(const char *state)
{
	if (strcmp(state, "idle") == 0)
		return LEDS_STEADY;
	if (strcmp(state, "uploading") == 0)
		return LEDS_SLOW;
	if (strcmp(state, "failing") == 0 || strcmp(state, "not_enrolled") == 0 ||
	    strcmp(state, "disabled") == 0)
		return LEDS_FAST;
	return LEDS_OFF; /* "", off, no_link */
}

void
leds_button_init(struct leds_button *b)
{
	memset(b, 0, sizeof(*b));
	b->raw = -1;
	b->stable = -1;
}

enum leds_event
leds_button_feed(struct leds_button *b, int raw, int64_t now_ms, int64_t uptime_ms)
{
	int was;

	if (raw < 0)
		return LEDS_EV_NONE;
	raw = raw != 0;
	if (raw != b->raw) {
		b->raw = raw;
		b->raw_since = now_ms;
		b->down_up = raw ? uptime_ms : b->down_up;
	}
	if (raw != b->stable && now_ms - b->raw_since >= LEDS_DEBOUNCE_MS) {
		was = b->stable;
		b->stable = raw;
		if (was < 0) { /* the first settled level */
			b->armed = !raw;
			return raw ? LEDS_EV_STUCK : LEDS_EV_NONE;
		}
		if (!b->armed) {
			b->armed = !raw;
			return LEDS_EV_NONE;
		}
		if (raw) {
			b->down_at = b->raw_since;
			b->fired = 0;
			return LEDS_EV_NONE;
		}
		if (b->fired)
			return LEDS_EV_NONE;
		if (b->raw_since - b->down_at < LEDS_SHORT_MS)
			return LEDS_EV_PRESS;
		return b->down_up < LEDS_SETUP_WINDOW_MS ? LEDS_EV_SETUP : LEDS_EV_LONG;
	}
	if (b->stable == 1 && b->armed && !b->fired &&
	    now_ms - b->down_at >= LEDS_SHUTDOWN_MS) {
		b->fired = 1;
		return LEDS_EV_SHUTDOWN;
	}
	return LEDS_EV_NONE;
}

const char *
leds_event_name(enum leds_event e)
{
	static const char *const names[] = { "none", "press", "setup", "long", "shutdown",
		"stuck" };

	return (unsigned)e < PB_ARRAY_LEN(names) ? names[e] : "none";
}

/* ---- the thread ---- */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	int running, stop;
	struct leds_opts o;
	char lines[GPIO_NLINES][512], backend[16], sim_file[512];
	/* set by the rest of pamongd */
	enum leds_system system;
	int phones;
	/* set by the thread, read by health */
	enum leds_pattern shown[3];
	int button;          /* -1 none, 0 released, 1 pressed */
	int setup_mode, shutdown;
} L = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.phones = -1,
	.button = -1,
};

static void
leds__event(enum leds_event ev)
{
	switch (ev) {
	case LEDS_EV_PRESS:
		log_info("button: short press: sync now");
		sync_now();
		break;
	case LEDS_EV_SETUP:
		log_info("button: held 2 s in the first 2 minutes: setup mode on");
		pthread_mutex_lock(&L.mu);
		L.setup_mode = 1;
		pthread_mutex_unlock(&L.mu);
		break;
	case LEDS_EV_LONG:
		log_info("button: held 2-5 s: nothing to do (setup mode only in the first "
		    "2 minutes; hold 5 s to shut down)");
		break;
	case LEDS_EV_SHUTDOWN:
		log_info("button: held 5 s: shutdown by button");
		pthread_mutex_lock(&L.mu);
		L.shutdown = 1;
		pthread_mutex_unlock(&L.mu);
		break;
	case LEDS_EV_STUCK:
		log_warnx("button: pressed at start; ignored until it is released");
		break;
	case LEDS_EV_NONE:
	default:
		break;
	}
}

static void *
leds__run(void *arg)
{
	struct leds_button btn;
	struct gpio *g = NULL;
	struct sync_status ss;
	enum leds_pattern pat[3];
	int64_t now, next_sync = 0, shutdown_at = 0;
	struct timespec ts;
	int i, b, stop, called = 0;

	(void)arg;
	leds_button_init(&btn);
	pat[2] = LEDS_OFF;
	if (gpio_open(&L.o.gpio, &g) != PB_OK) {
		log_warnx("leds: cannot open the %s backend; no LEDs", L.o.gpio.backend);
		return NULL;
	}
	log_info("leds: %s backend, %d of 4 lines in use", L.o.gpio.backend, gpio_lines_ok(g));
	for (;;) {
		now = util_mono_ms();
		b = gpio_get(g, GPIO_BUTTON);
		leds__event(leds_button_feed(&btn, b, now, now - L.o.started_mono_ms));
		if (now >= next_sync) {
			sync_status(&ss);
			pat[2] = leds_sync_pattern(ss.state);
			next_sync = now + LEDS__SYNC_EVERY_MS;
		}
		pthread_mutex_lock(&L.mu);
		pat[0] = leds_system_pattern(L.system);
		pat[1] = leds_wifi_pattern(L.phones);
		if (L.shutdown && shutdown_at == 0)
			shutdown_at = now + LEDS__SHOW_SHUTDOWN_MS;
		if (shutdown_at != 0 && now < shutdown_at)
			pat[0] = pat[1] = pat[2] = LEDS_FAST;
		memcpy(L.shown, pat, sizeof(pat));
		L.button = btn.stable < 0 ? b : btn.stable;
		stop = L.stop;
		pthread_mutex_unlock(&L.mu);
		for (i = 0; i < 3; i++)
			gpio_set(g, (enum gpio_line)i, leds_lit(pat[i], now));
		if (shutdown_at != 0 && now >= shutdown_at && !called) {
			called = 1;
			if (L.o.on_shutdown != NULL)
				L.o.on_shutdown();
		}
		if (stop)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += LEDS__TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&L.mu);
		while (!L.stop && pthread_cond_timedwait(&L.cv, &L.mu, &ts) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&L.mu);
	}
	gpio_close(g);
	return NULL;
}

pb_err
leds_start(const struct leds_opts *o)
{
	pthread_condattr_t ca;
	int i;

	if (L.running)
		return PB_ERR_STATE;
	if (!gpio_backend_valid(o->gpio.backend))
		return PB_ERR_INVALID;
	L.o = *o;
	/* keep our own copies of the strings */
	snprintf(L.backend, sizeof(L.backend), "%s", o->gpio.backend);
	L.o.gpio.backend = L.backend;
	for (i = 0; i < GPIO_NLINES; i++) {
		snprintf(L.lines[i], sizeof(L.lines[i]), "%s",
		    o->gpio.lines[i] != NULL ? o->gpio.lines[i] : "");
		L.o.gpio.lines[i] = L.lines[i];
	}
	snprintf(L.sim_file, sizeof(L.sim_file), "%s",
	    o->gpio.sim_file != NULL ? o->gpio.sim_file : "");
	L.o.gpio.sim_file = L.sim_file;
	if (strcmp(L.backend, "none") == 0)
		return PB_OK;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&L.cv, &ca);
	pthread_condattr_destroy(&ca);
	L.stop = 0;
	if (pthread_create(&L.th, NULL, leds__run, NULL) != 0) {
		pthread_cond_destroy(&L.cv);
		return PB_ERR_NOMEM;
	}
	pthread_mutex_lock(&L.mu);
	L.running = 1;
	pthread_mutex_unlock(&L.mu);
	return PB_OK;
}

void
leds_stop(void)
{
	if (!L.running)
		return;
	pthread_mutex_lock(&L.mu);
	L.stop = 1;
	pthread_cond_signal(&L.cv);
	pthread_mutex_unlock(&L.mu);
	pthread_join(L.th, NULL);
	pthread_cond_destroy(&L.cv);
	pthread_mutex_lock(&L.mu);
	L.running = 0;
	pthread_mutex_unlock(&L.mu);
}

void
leds_set_system(enum leds_system s)
{
	pthread_mutex_lock(&L.mu);
	L.system = s;
	pthread_mutex_unlock(&L.mu);
}

void
leds_set_wifi(int phones)
{
	pthread_mutex_lock(&L.mu);
	L.phones = phones < 0 ? -1 : phones;
	pthread_mutex_unlock(&L.mu);
}

int
leds_wifi_phones(void)
{
	int v;

	pthread_mutex_lock(&L.mu);
	v = L.phones;
	pthread_mutex_unlock(&L.mu);
	return v;
}

int
leds_setup_mode(void)
{
	int v;

	pthread_mutex_lock(&L.mu);
	v = L.setup_mode;
	pthread_mutex_unlock(&L.mu);
	return v;
}

int
leds_shutdown_requested(void)
{
	int v;

	pthread_mutex_lock(&L.mu);
	v = L.shutdown;
	pthread_mutex_unlock(&L.mu);
	return v;
}

json_t *
leds_status_json(void)
{
	enum leds_pattern p[3];
	int button, running;

	pthread_mutex_lock(&L.mu);
	memcpy(p, L.shown, sizeof(p));
	button = L.button;
	running = L.running;
	pthread_mutex_unlock(&L.mu);
	if (!running)
		p[0] = p[1] = p[2] = LEDS_OFF;
	return json_pack("{s:s, s:s, s:s, s:s, s:s}",
	    "backend", L.backend[0] != '\0' ? L.backend : "none",
	    "system", leds_pattern_name(p[0]), "wifi", leds_pattern_name(p[1]),
	    "sync", leds_pattern_name(p[2]),
	    "button", !running || button < 0 ? "none" : button ? "pressed" : "released");
}
