/* gpio.c — see gpio.h. The libgpiod code is compiled for the major version
 * the Makefile found (PB_GPIOD_MAJOR 1 or 2; 0 = built without libgpiod). */
#include "gpio.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#ifndef PB_GPIOD_MAJOR
#define PB_GPIOD_MAJOR 0
#endif
#if PB_GPIOD_MAJOR >= 1
#include <gpiod.h>
#endif

#define GPIO__CONSUMER "pamongd"

enum gpio__backend { GPIO__NONE, GPIO__SIM, GPIO__GPIO };

struct gpio__ln {
	int ok;       /* requested and working */
	int val;      /* last logical value written, -1 = none yet */
#if PB_GPIOD_MAJOR == 1
	struct gpiod_chip *chip;
	struct gpiod_line *line;
#elif PB_GPIOD_MAJOR >= 2
	struct gpiod_chip *chip;
	struct gpiod_line_request *req;
	unsigned int offset;
#endif
};

struct gpio {
	enum gpio__backend backend;
	struct gpio__ln ln[GPIO_NLINES];
	char sim_file[PATH_MAX];
	char sim_button[PATH_MAX + 8];
};

static const char *const gpio__names[GPIO_NLINES] = { "system", "wifi", "sync", "button" };

int
gpio_backend_valid(const char *name)
{
	return strcmp(name, "gpio") == 0 || strcmp(name, "sim") == 0 ||
	    strcmp(name, "none") == 0;
}

const char *
gpio_line_name(enum gpio_line l)
{
	return (unsigned)l < GPIO_NLINES ? gpio__names[l] : "?";
}

int
gpio_parse_active_low(const char *list, int out[GPIO_NLINES])
{
	const char *p = list, *e;
	size_t len;
	int i;

	for (i = 0; i < GPIO_NLINES; i++)
		out[i] = 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ',' && *e != ' ' && *e != '\t'; e++)
			;
		if ((len = (size_t)(e - p)) == 0)
			break;
		for (i = 0; i < GPIO_NLINES; i++)
			if (strlen(gpio__names[i]) == len && strncmp(p, gpio__names[i], len) == 0)
				break;
		if (i == GPIO_NLINES)
			return -1;
		out[i] = 1;
		p = e;
	}
	return 0;
}

int
gpio_parse_spec(const char *spec, char *chip, unsigned long chiplen, unsigned int *offset)
{
	const char *colon = strrchr(spec, ':');
	unsigned long off = 0;
	const char *p;

	if (colon == NULL || colon == spec || colon[1] == '\0' ||
	    (unsigned long)(colon - spec) >= chiplen)
		return 0;
	for (p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || off > 100000)
			return 0;
		off = off * 10 + (unsigned long)(*p - '0');
	}
	memcpy(chip, spec, (size_t)(colon - spec));
	chip[colon - spec] = '\0';
	*offset = (unsigned int)off;
	return 1;
}

/* ---- the sim backend ---- */

/* The LED states for whoever watches: a fresh file renamed over the old
 * one (readers never see half a line; no fsync, it is only a display). */
static void
gpio__sim_write(struct gpio *g)
{
	char buf[64], tmp[PATH_MAX + 8];
	FILE *f;
	int ok;

	if (g->sim_file[0] == '\0')
		return;
	snprintf(buf, sizeof(buf), "system=%d wifi=%d sync=%d\n",
	    g->ln[GPIO_SYSTEM].val > 0, g->ln[GPIO_WIFI].val > 0, g->ln[GPIO_SYNC].val > 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", g->sim_file);
	ok = (f = fopen(tmp, "w")) != NULL;
	if (ok) {
		ok = fputs(buf, f) >= 0;
		ok = fclose(f) == 0 && ok;
	}
	if (!ok || rename(tmp, g->sim_file) < 0) {
		log_warn("leds: cannot write %s; the simulated LEDs are not shown", g->sim_file);
		(void)unlink(tmp);
		g->sim_file[0] = '\0';
	}
}

/* ---- the libgpiod backend ---- */

#if PB_GPIOD_MAJOR == 1

static int
gpio__request(struct gpio__ln *ln, const char *spec, int active_low, int input)
{
	char chip[128];
	unsigned int off;
	int flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;

	if (gpio_parse_spec(spec, chip, sizeof(chip), &off)) {
		if ((ln->chip = gpiod_chip_open_lookup(chip)) == NULL)
			return -1;
		ln->line = gpiod_chip_get_line(ln->chip, off);
	} else {
		ln->line = gpiod_line_find(spec);
		if (ln->line != NULL)
			ln->chip = gpiod_line_get_chip(ln->line);
	}
	if (ln->line == NULL) {
		if (errno == 0)
			errno = ENOENT;
		return -1;
	}
	if (input) {
		/* the bias holds the line at "released" when nobody presses */
		flags |= active_low ? GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP :
		    GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
		return gpiod_line_request_input_flags(ln->line, GPIO__CONSUMER, flags);
	}
	return gpiod_line_request_output_flags(ln->line, GPIO__CONSUMER, flags, 0);
}

static int
gpio__hw_set(struct gpio__ln *ln, int on)
{
	return gpiod_line_set_value(ln->line, on);
}

static int
gpio__hw_get(struct gpio__ln *ln)
{
	return gpiod_line_get_value(ln->line);
}

static void
gpio__hw_release(struct gpio__ln *ln)
{
	if (ln->line != NULL && gpiod_line_is_requested(ln->line))
		gpiod_line_release(ln->line);
	if (ln->chip != NULL)
		gpiod_chip_close(ln->chip);
	ln->chip = NULL;
	ln->line = NULL;
}

#elif PB_GPIOD_MAJOR >= 2

/* The chip that has a line called name, and its offset. */
static struct gpiod_chip *
gpio__find(const char *name, unsigned int *offset)
{
	struct gpiod_chip *chip = NULL;
	struct dirent *de;
	char path[PATH_MAX];
	DIR *d = opendir("/dev");
	int off;

	if (d == NULL)
		return NULL;
	while (chip == NULL && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "gpiochip", 8) != 0)
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		if (!gpiod_is_gpiochip_device(path) || (chip = gpiod_chip_open(path)) == NULL)
			continue;
		if ((off = gpiod_chip_get_line_offset_from_name(chip, name)) < 0) {
			gpiod_chip_close(chip);
			chip = NULL;
			continue;
		}
		*offset = (unsigned int)off;
	}
	closedir(d);
	if (chip == NULL)
		errno = ENOENT;
	return chip;
}

static int
gpio__request(struct gpio__ln *ln, const char *spec, int active_low, int input)
{
	struct gpiod_line_settings *ls = NULL;
	struct gpiod_line_config *lc = NULL;
	struct gpiod_request_config *rc = NULL;
	char chip[128], path[PATH_MAX];

	if (gpio_parse_spec(spec, chip, sizeof(chip), &ln->offset)) {
		if (chip[0] == '/')
			snprintf(path, sizeof(path), "%s", chip);
		else
			snprintf(path, sizeof(path), "/dev/%s", chip);
		ln->chip = gpiod_chip_open(path);
	} else {
		ln->chip = gpio__find(spec, &ln->offset);
	}
	if (ln->chip == NULL)
		return -1;
	if ((ls = gpiod_line_settings_new()) != NULL &&
	    (lc = gpiod_line_config_new()) != NULL &&
	    (rc = gpiod_request_config_new()) != NULL) {
		gpiod_line_settings_set_active_low(ls, active_low != 0);
		if (input) {
			gpiod_line_settings_set_direction(ls, GPIOD_LINE_DIRECTION_INPUT);
			gpiod_line_settings_set_bias(ls, active_low ? GPIOD_LINE_BIAS_PULL_UP :
			    GPIOD_LINE_BIAS_PULL_DOWN);
		} else {
			gpiod_line_settings_set_direction(ls, GPIOD_LINE_DIRECTION_OUTPUT);
			gpiod_line_settings_set_output_value(ls, GPIOD_LINE_VALUE_INACTIVE);
		}
		gpiod_request_config_set_consumer(rc, GPIO__CONSUMER);
		if (gpiod_line_config_add_line_settings(lc, &ln->offset, 1, ls) == 0)
			ln->req = gpiod_chip_request_lines(ln->chip, rc, lc);
	}
	gpiod_request_config_free(rc);
	gpiod_line_config_free(lc);
	gpiod_line_settings_free(ls);
	return ln->req != NULL ? 0 : -1;
}

static int
gpio__hw_set(struct gpio__ln *ln, int on)
{
	return gpiod_line_request_set_value(ln->req, ln->offset,
	    on ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
}

static int
gpio__hw_get(struct gpio__ln *ln)
{
	enum gpiod_line_value v = gpiod_line_request_get_value(ln->req, ln->offset);

	return v == GPIOD_LINE_VALUE_ERROR ? -1 : v == GPIOD_LINE_VALUE_ACTIVE;
}

static void
gpio__hw_release(struct gpio__ln *ln)
{
	if (ln->req != NULL)
		gpiod_line_request_release(ln->req);
	if (ln->chip != NULL)
		gpiod_chip_close(ln->chip);
	ln->req = NULL;
	ln->chip = NULL;
}

#else /* built without libgpiod */

static int
gpio__request(struct gpio__ln *ln, const char *spec, int active_low, int input)
{
	(void)ln, (void)spec, (void)active_low, (void)input;
	errno = ENOSYS;
	return -1;
}

static int
gpio__hw_set(struct gpio__ln *ln, int on)
{
	(void)ln, (void)on;
	return -1;
}

static int
gpio__hw_get(struct gpio__ln *ln)
{
	(void)ln;
	return -1;
}

static void
gpio__hw_release(struct gpio__ln *ln)
{
	(void)ln;
}

#endif

pb_err
gpio_open(const struct gpio_opts *o, struct gpio **out)
{
	struct gpio *g;
	int i;

	*out = NULL;
	if (!gpio_backend_valid(o->backend))
		return PB_ERR_INVALID;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return PB_ERR_NOMEM;
	g->backend = strcmp(o->backend, "gpio") == 0 ? GPIO__GPIO :
	    strcmp(o->backend, "sim") == 0 ? GPIO__SIM : GPIO__NONE;
	for (i = 0; i < GPIO_NLINES; i++) {
		struct gpio__ln *ln = &g->ln[i];
		const char *spec = o->lines[i] != NULL ? o->lines[i] : "";

		ln->val = -1;
		if (g->backend == GPIO__NONE || spec[0] == '\0')
			continue;
		if (g->backend == GPIO__SIM) {
			ln->ok = 1;
			continue;
		}
		errno = 0;
		if (gpio__request(ln, spec, o->active_low[i], i == GPIO_BUTTON) < 0) {
			log_warn("leds: cannot use GPIO line %s for the %s%s%s", spec,
			    gpio__names[i], i == GPIO_BUTTON ? "" : " LED",
			    PB_GPIOD_MAJOR == 0 ? " (built without libgpiod)" : "");
			gpio__hw_release(ln);
			continue;
		}
		ln->ok = 1;
		log_debug("leds: %s on GPIO line %s%s", gpio__names[i], spec,
		    o->active_low[i] ? " (active low)" : "");
	}
	if (g->backend == GPIO__SIM && o->sim_file != NULL && o->sim_file[0] != '\0') {
		snprintf(g->sim_file, sizeof(g->sim_file), "%s", o->sim_file);
		snprintf(g->sim_button, sizeof(g->sim_button), "%s.button", o->sim_file);
	}
	*out = g;
	return PB_OK;
}

void
gpio_set(struct gpio *g, enum gpio_line l, int on)
{
	struct gpio__ln *ln;

	if (g == NULL || (unsigned)l >= GPIO_BUTTON)
		return;
	ln = &g->ln[l];
	on = on != 0;
	if (!ln->ok || ln->val == on)
		return;
	ln->val = on;
	if (g->backend == GPIO__SIM) {
		gpio__sim_write(g);
	} else if (g->backend == GPIO__GPIO && gpio__hw_set(ln, on) < 0) {
		log_warn("leds: cannot drive the %s LED; leaving it alone", gpio__names[l]);
		ln->ok = 0;
	}
}

int
gpio_get(struct gpio *g, enum gpio_line l)
{
	struct gpio__ln *ln;
	int v;

	if (g == NULL || l != GPIO_BUTTON)
		return -1;
	ln = &g->ln[l];
	if (!ln->ok)
		return -1;
	if (g->backend == GPIO__SIM)
		return g->sim_button[0] != '\0' && access(g->sim_button, F_OK) == 0;
	if ((v = gpio__hw_get(ln)) < 0) {
		log_warn("leds: cannot read the button; ignoring it from now on");
		ln->ok = 0;
		return -1;
	}
	return v != 0;
}

int
gpio_lines_ok(const struct gpio *g)
{
	int i, n = 0;

	for (i = 0; g != NULL && i < GPIO_NLINES; i++)
		n += g->ln[i].ok;
	return n;
}

void
gpio_close(struct gpio *g)
{
	int i;

	if (g == NULL)
		return;
	for (i = 0; i < GPIO_BUTTON; i++)
		gpio_set(g, (enum gpio_line)i, 0);
	if (g->backend == GPIO__GPIO)
		for (i = 0; i < GPIO_NLINES; i++)
			gpio__hw_release(&g->ln[i]);
	free(g);
}
