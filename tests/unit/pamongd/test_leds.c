/* Unit tests for leds.c's pure parts: which pattern each state shows, the
 * patterns over time, and the button's debounce, press, hold and setup
 * logic fed with timestamps (no sleeping); plus gpio.c's line specs and the
 * sim backend's state file. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gpio.h"
#include "leds.h"
#include "tap.h"

/* lit samples of pattern p every 5 ms over one second from t0 */
static int
count_lit(enum leds_pattern p, int64_t t0, int *edges)
{
	int64_t t;
	int n = 0, last = -1, v;

	*edges = 0;
	for (t = t0; t < t0 + 1000; t += 5) {
		v = leds_lit(p, t);
		n += v;
		if (last >= 0 && v != last)
			(*edges)++;
		last = v;
	}
	return n;
}

static void
test_patterns(void)
{
	int edges, lit;

	lit = count_lit(LEDS_OFF, 12345, &edges);
	CHECK(lit == 0 && edges == 0, "off is never lit");
	lit = count_lit(LEDS_STEADY, 12345, &edges);
	CHECK(lit == 200 && edges == 0, "steady is always lit");
	lit = count_lit(LEDS_SLOW, 0, &edges);
	CHECK(lit == 100 && edges == 1, "slow blink: 1 Hz, half on (500 ms lit, 500 ms dark)");
	CHECK(leds_lit(LEDS_SLOW, 0) && leds_lit(LEDS_SLOW, 499) && !leds_lit(LEDS_SLOW, 500) &&
	    !leds_lit(LEDS_SLOW, 999) && leds_lit(LEDS_SLOW, 1000), "slow blink's edges are at 500 ms");
	lit = count_lit(LEDS_FAST, 0, &edges);
	CHECK(lit == 100 && edges == 7, "fast blink: 4 Hz, half on (4 lit periods a second)");
	CHECK(leds_lit(LEDS_FAST, 124) && !leds_lit(LEDS_FAST, 125) && leds_lit(LEDS_FAST, 250),
	    "fast blink's edges are at 125 ms");
	CHECK_EQ_STR(leds_pattern_name(LEDS_FAST), "fast_blink", "pattern names for health");
	CHECK_EQ_STR(leds_pattern_name(LEDS_SLOW), "slow_blink", "slow_blink named");
}

static void
test_states(void)
{
	CHECK(leds_system_pattern(LEDS_SERVING) == LEDS_STEADY, "system: serving is steady");
	CHECK(leds_system_pattern(LEDS_STARTING) == LEDS_SLOW, "system: starting blinks slowly");
	CHECK(leds_system_pattern(LEDS_STOPPING) == LEDS_SLOW, "system: stopping blinks slowly");
	CHECK(leds_system_pattern(LEDS_FAULT) == LEDS_FAST, "system: a fault blinks fast");
	CHECK(leds_wifi_pattern(-1) == LEDS_OFF, "wifi: hotspot down or unknown is off");
	CHECK(leds_wifi_pattern(0) == LEDS_STEADY, "wifi: hotspot up, no phones is steady");
	CHECK(leds_wifi_pattern(12) == LEDS_FAST, "wifi: phones connected blink fast");
	CHECK(leds_sync_pattern("") == LEDS_OFF && leds_sync_pattern("off") == LEDS_OFF,
	    "sync: sync switched off is off");
	CHECK(leds_sync_pattern("no_link") == LEDS_OFF, "sync: no uplink is off");
	CHECK(leds_sync_pattern("idle") == LEDS_STEADY, "sync: everything uploaded is steady");
	CHECK(leds_sync_pattern("uploading") == LEDS_SLOW, "sync: uploading blinks slowly");
	CHECK(leds_sync_pattern("failing") == LEDS_FAST &&
	    leds_sync_pattern("not_enrolled") == LEDS_FAST, "sync: failing uploads blink fast");
}

/* Feed level from t to t_end every step ms; returns the events seen (bits). */
static unsigned
feed(struct leds_button *b, int level, int64_t *t, int64_t dur, int64_t start_off)
{
	unsigned seen = 0;
	int64_t end = *t + dur;

	for (; *t < end; *t += 10)
		seen |= 1u << leds_button_feed(b, level, *t, *t - start_off);
	return seen;
}

#define EV(e) (1u << (e))
#define ONLY_NONE EV(LEDS_EV_NONE)

static void
test_button(void)
{
	struct leds_button b;
	int64_t t = 1000000, start = 1000000; /* mono ms; pamongd started at start */
	unsigned s;
	int i, n;

	leds_button_init(&b);
	s = feed(&b, 0, &t, 200, start);
	CHECK(s == ONLY_NONE && b.armed, "a released button settles and arms the button");

	s = feed(&b, 1, &t, 100, start);
	s |= feed(&b, 0, &t, 200, start);
	CHECK(s == (ONLY_NONE | EV(LEDS_EV_PRESS)), "a 100 ms press is one short press");

	/* bounce: 5 ms spikes never last 30 ms */
	s = 0;
	for (i = 0; i < 20; i++) {
		s |= 1u << leds_button_feed(&b, 1, t, t - start);
		t += 5;
		s |= 1u << leds_button_feed(&b, 0, t, t - start);
		t += 15;
	}
	s |= feed(&b, 0, &t, 200, start);
	CHECK(s == ONLY_NONE, "contact bounce shorter than 30 ms is no press");

	s = feed(&b, 1, &t, 20, start) | feed(&b, 0, &t, 200, start);
	CHECK(s == ONLY_NONE, "a 20 ms pulse is filtered out (30 ms debounce)");

	s = feed(&b, 1, &t, 40, start) | feed(&b, 0, &t, 200, start);
	CHECK(s == (ONLY_NONE | EV(LEDS_EV_PRESS)), "a 40 ms press counts");

	/* a press with bouncing contacts is still one press */
	n = 0;
	for (i = 0; i < 3; i++) {
		n += leds_button_feed(&b, 1, t, t - start) == LEDS_EV_PRESS;
		t += 3;
		n += leds_button_feed(&b, 0, t, t - start) == LEDS_EV_PRESS;
		t += 3;
	}
	s = feed(&b, 1, &t, 300, start) | feed(&b, 0, &t, 200, start);
	CHECK(n == 0 && s == (ONLY_NONE | EV(LEDS_EV_PRESS)), "a bouncing 300 ms press is one press");

	s = feed(&b, 1, &t, 1900, start) | feed(&b, 0, &t, 100, start);
	CHECK(s == (ONLY_NONE | EV(LEDS_EV_PRESS)), "1.9 s is still a short press");

	s = feed(&b, 1, &t, 2500, start);
	CHECK(s == ONLY_NONE, "nothing happens while held 2.5 s");
	s = feed(&b, 0, &t, 100, start);
	CHECK(s == (ONLY_NONE | EV(LEDS_EV_SETUP)),
	    "a 2.5 s hold released in the first 2 minutes turns on setup mode");

	s = feed(&b, 1, &t, 4900, start);
	CHECK(!(s & EV(LEDS_EV_SHUTDOWN)), "no shutdown before 5 s");
	s = feed(&b, 1, &t, 200, start);
	CHECK(s == (ONLY_NONE | EV(LEDS_EV_SHUTDOWN)), "held 5 s: shutdown, while still held");
	s = feed(&b, 1, &t, 3000, start) | feed(&b, 0, &t, 200, start);
	CHECK(s == ONLY_NONE, "shutdown fires once; releasing afterwards is no press or setup");

	t = start + 130000;
	s = feed(&b, 1, &t, 3000, start) | feed(&b, 0, &t, 100, start);
	CHECK(s == (ONLY_NONE | EV(LEDS_EV_LONG)),
	    "after 2 minutes a 3 s hold is no setup mode (logged as nothing to do)");
	s = feed(&b, 1, &t, 100, start) | feed(&b, 0, &t, 100, start);
	CHECK(s == (ONLY_NONE | EV(LEDS_EV_PRESS)), "short presses still work after 2 minutes");

	t = start + 119000; /* pressed inside the window, released outside */
	s = feed(&b, 1, &t, 2500, start) | feed(&b, 0, &t, 100, start);
	CHECK(s == (ONLY_NONE | EV(LEDS_EV_SETUP)), "the window counts from the press, not the release");

	/* a button stuck pressed at start */
	leds_button_init(&b);
	t = start;
	s = feed(&b, 1, &t, 10000, start);
	CHECK(s == (ONLY_NONE | EV(LEDS_EV_STUCK)),
	    "a button pressed at start is reported stuck and never shuts down");
	s = feed(&b, 0, &t, 100, start);
	CHECK(s == ONLY_NONE, "its release is not a press");
	s = feed(&b, 1, &t, 100, start) | feed(&b, 0, &t, 100, start);
	CHECK(s == (ONLY_NONE | EV(LEDS_EV_PRESS)), "after that release it works");

	/* unreadable samples are ignored */
	leds_button_init(&b);
	t = start;
	s = feed(&b, -1, &t, 6000, start);
	CHECK(s == ONLY_NONE && b.stable == -1, "an unreadable button gives no events");
}

static void
test_gpio(void)
{
	struct gpio_opts o = { 0 };
	struct gpio *g = NULL;
	char chip[64], path[] = "/tmp/pb-test-leds.XXXXXX", file[128], btn[140];
	char buf[64] = "";
	unsigned int off = 0;
	FILE *f;
	int fd;

	CHECK(gpio_parse_spec("gpiochip0:17", chip, sizeof(chip), &off) &&
	    strcmp(chip, "gpiochip0") == 0 && off == 17, "gpiochip0:17 is a chip and an offset");
	CHECK(gpio_parse_spec("/dev/gpiochip1:3", chip, sizeof(chip), &off) &&
	    strcmp(chip, "/dev/gpiochip1") == 0 && off == 3, "a chip may be a path");
	CHECK(!gpio_parse_spec("GPIO17", chip, sizeof(chip), &off), "GPIO17 is a line name");
	CHECK(!gpio_parse_spec("led:x", chip, sizeof(chip), &off) &&
	    !gpio_parse_spec(":4", chip, sizeof(chip), &off) &&
	    !gpio_parse_spec("chip:", chip, sizeof(chip), &off), "malformed specs are names");
	CHECK(gpio_backend_valid("gpio") && gpio_backend_valid("sim") &&
	    gpio_backend_valid("none") && !gpio_backend_valid("GPIO") && !gpio_backend_valid(""),
	    "backends: gpio, sim, none");

	o.backend = "bogus";
	CHECK(gpio_open(&o, &g) == PB_ERR_INVALID && g == NULL, "an unknown backend is refused");

	/* gpio backend, lines that do not exist: opens, logs, drives nothing */
	o.backend = "gpio";
	o.lines[GPIO_SYSTEM] = "no-such-line-pamong";
	o.lines[GPIO_BUTTON] = "gpiochip99:0";
	CHECK(gpio_open(&o, &g) == PB_OK && g != NULL && gpio_lines_ok(g) == 0,
	    "missing GPIO lines never stop the start (opened with 0 lines)");
	gpio_set(g, GPIO_SYSTEM, 1);
	CHECK(gpio_get(g, GPIO_BUTTON) == -1, "a missing button reads as not wired");
	gpio_close(g);

	fd = mkstemp(path);
	close(fd);
	unlink(path);
	snprintf(file, sizeof(file), "%s", path);
	snprintf(btn, sizeof(btn), "%s.button", path);
	o.backend = "sim";
	o.lines[GPIO_SYSTEM] = "led-system";
	o.lines[GPIO_WIFI] = "";
	o.lines[GPIO_SYNC] = "led-sync";
	o.lines[GPIO_BUTTON] = "button";
	o.sim_file = file;
	CHECK(gpio_open(&o, &g) == PB_OK && gpio_lines_ok(g) == 3, "sim backend: 3 wired lines");
	gpio_set(g, GPIO_SYSTEM, 1);
	gpio_set(g, GPIO_WIFI, 1);
	if ((f = fopen(file, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	CHECK_EQ_STR(buf, "system=1 wifi=0 sync=0\n",
	    "sim backend writes lit LEDs to its file; an unwired LED stays off");
	CHECK(gpio_get(g, GPIO_BUTTON) == 0, "sim button released without its file");
	fclose(fopen(btn, "w"));
	CHECK(gpio_get(g, GPIO_BUTTON) == 1, "sim button pressed while <file>.button exists");
	unlink(btn);
	gpio_close(g);
	buf[0] = '\0';
	if ((f = fopen(file, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	CHECK_EQ_STR(buf, "system=0 wifi=0 sync=0\n", "closing turns every LED off");
	unlink(file);
}

int
main(void)
{
	test_patterns();
	test_states();
	test_button();
	test_gpio();
	return TAP_DONE();
}
