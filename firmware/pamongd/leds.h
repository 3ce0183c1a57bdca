/* leds.h — the box's status LEDs and its button (DESIGN.md's LED table).
 *
 * One thread ticks every 10 ms: it drives all three LEDs from the states
 * the rest of pamongd sets, blinking in phase from one monotonic clock, and
 * polls the button through gpio.h. What each LED shows:
 *
 *   system (green)  steady serving · slow blink starting/stopping · fast fault
 *   wifi (blue)     off hotspot down/unknown · steady no phones · fast phones
 *   sync (amber)    off no uplink/sync off · steady uploaded · slow uploading ·
 *                   fast failing or not enrolled (read from sync_status())
 *
 * Slow blink is 1 Hz, fast 4 Hz, both half on, half off. The button is
 * debounced (30 ms); a press shorter than 2 s asks sync_now(); held 5 s it
 * shows all LEDs fast for a second, then calls the on_shutdown hook (main
 * stops pamongd as for SIGTERM); released after 2–5 s during the first two
 * minutes after start it turns on setup mode. A button already pressed at
 * start is ignored until it has been released once (a stuck button never
 * shuts the box down). Every event is logged.
 *
 * Nothing here ever waits on hardware in the caller's thread: the lines are
 * opened by the LED thread, and a missing or failing line is logged once and
 * ignored. The pattern and button functions are pure, for the unit tests. */
#ifndef LEDS_H
#define LEDS_H

#include <stdint.h>

#include "gpio.h"
#include "pb.h"

enum leds_pattern { LEDS_OFF, LEDS_STEADY, LEDS_SLOW, LEDS_FAST };
enum leds_system { LEDS_STARTING, LEDS_SERVING, LEDS_STOPPING, LEDS_FAULT };

#define LEDS_DEBOUNCE_MS 30
#define LEDS_SHORT_MS 2000       /* shorter is a short press */
#define LEDS_SHUTDOWN_MS 5000    /* held this long: safe shutdown */
#define LEDS_SETUP_WINDOW_MS 120000 /* setup mode only this soon after start */

/* Pure: is an LED with pattern p lit at monotonic time now_ms? */
int leds_lit(enum leds_pattern p, int64_t now_ms);
/* "off", "steady", "slow_blink", "fast_blink". */
const char *leds_pattern_name(enum leds_pattern p);
enum leds_pattern leds_system_pattern(enum leds_system s);
/* phones: -1 hotspot down or not known, else the stations connected. */
enum leds_pattern leds_wifi_pattern(int phones);
/* state: sync_status()'s state word ("" = sync off). */
enum leds_pattern leds_sync_pattern(const char *state);

enum leds_event {
	LEDS_EV_NONE,
	LEDS_EV_PRESS,    /* a short press was released: sync now */
	LEDS_EV_SETUP,    /* held 2–5 s in the setup window, released */
	LEDS_EV_LONG,     /* held 2–5 s outside the window: nothing to do */
	LEDS_EV_SHUTDOWN, /* held 5 s (fires while still held, once) */
	LEDS_EV_STUCK     /* pressed at start: ignored until released */
};

/* The button's debounce and timing, fed raw samples with their times. */
struct leds_button {
	int raw;            /* last raw sample, -1 none yet */
	int64_t raw_since;  /* when raw took its value */
	int stable;         /* debounced: -1 unknown, 0 released, 1 pressed */
	int armed;          /* seen released since start */
	int64_t down_at;    /* when the current press began (raw edge) */
	int64_t down_up;    /* uptime at that moment */
	int fired;          /* this press already gave LEDS_EV_SHUTDOWN */
};

void leds_button_init(struct leds_button *b);
/* Feed one sample (1 pressed, 0 released, -1 unreadable: ignored) taken at
 * now_ms, uptime_ms after pamongd started; returns what happened. */
enum leds_event leds_button_feed(struct leds_button *b, int raw, int64_t now_ms,
    int64_t uptime_ms);
const char *leds_event_name(enum leds_event e);

struct leds_opts {
	struct gpio_opts gpio;       /* backend and lines */
	int64_t started_mono_ms;     /* pamongd's start (util_mono_ms) */
	void (*on_shutdown)(void);   /* the 5 s hold: stop pamongd */
};

/* Start the thread (the lines are opened there). PB_OK unless the thread
 * cannot start; the "none" backend starts no thread. */
pb_err leds_start(const struct leds_opts *o);
/* LEDs off, lines released, thread joined. Safe if never started. */
void leds_stop(void);
void leds_set_system(enum leds_system s);
void leds_set_wifi(int phones);
/* The phones last given to leds_set_wifi (-1: unknown). */
int leds_wifi_phones(void);
/* 1 once the button turned setup mode on. */
int leds_setup_mode(void);
/* 1 once the button asked for a shutdown. */
int leds_shutdown_requested(void);

/* The "leds" member of GET /api/v1/health: backend, system, wifi, sync
 * (pattern names), button ("released", "pressed", "none"). New reference. */
struct json_t;
struct json_t *leds_status_json(void);

#endif
