/* gpio.h — the box's four GPIO lines (three LEDs, one button) behind one
 * small interface, with three backends chosen by the config ([leds] backend):
 *
 *   gpio  libgpiod's character device: 1.6 (Debian 12) or 2.x (Debian 13, the
 *         Pi image), whichever pkg-config found at build time (PB_GPIOD_MAJOR)
 *   sim   no hardware: the LED states are kept in memory and, if a file is
 *         named, written to it ("system=1 wifi=0 sync=1\n"); the button is
 *         pressed while "<file>.button" exists (PC runs, integration tests)
 *   none  nothing is driven or read
 *
 * A line is "chip:offset" (gpiochip0:17, or /dev/gpiochip0:17) or a line
 * name (GPIO17, led-system) searched on every chip; "" = not wired. Values
 * are logical: 1 = LED lit / button pressed, whatever the line's polarity
 * (active_low). A line that is missing, busy or fails is logged once and
 * then left alone; opening never fails because of a line, so a broken LED
 * can never stop pamongd. Not thread-safe: one thread (leds.c) owns it. */
#ifndef GPIO_H
#define GPIO_H

#include "pb.h"

enum gpio_line { GPIO_SYSTEM, GPIO_WIFI, GPIO_SYNC, GPIO_BUTTON, GPIO_NLINES };

struct gpio_opts {
	const char *backend;               /* "gpio", "sim" or "none" */
	const char *lines[GPIO_NLINES];    /* line specs as above, "" = not wired */
	int active_low[GPIO_NLINES];       /* 1: the line is low when lit/pressed */
	const char *sim_file;              /* sim backend: state file, "" = memory only */
};

struct gpio;

/* 1 if name is a known backend. */
int gpio_backend_valid(const char *name);
/* "GPIO_SYSTEM" → "system" (the config keys). */
const char *gpio_line_name(enum gpio_line l);
/* Parse a comma-separated list of line names (system, wifi, sync, button)
 * into active_low flags; -1 on an unknown word. */
int gpio_parse_active_low(const char *list, int out[GPIO_NLINES]);
/* Split "chip:offset" into chip and offset; 0 if spec is a line name. */
int gpio_parse_spec(const char *spec, char *chip, unsigned long chiplen,
    unsigned int *offset);

/* Open the backend and request every wired line (LEDs as outputs, off; the
 * button as an input, biased towards "released"). PB_ERR_INVALID only for an
 * unknown backend; lines that fail are logged and skipped. */
pb_err gpio_open(const struct gpio_opts *o, struct gpio **out);
/* Drive an LED (logical value); no-op for unwired or failed lines. */
void gpio_set(struct gpio *g, enum gpio_line l, int on);
/* The button: 1 pressed, 0 released, -1 not wired or failing. */
int gpio_get(struct gpio *g, enum gpio_line l);
/* Number of lines that are wired and working. */
int gpio_lines_ok(const struct gpio *g);
/* Turn the LEDs off and release every line. */
void gpio_close(struct gpio *g);

#endif
