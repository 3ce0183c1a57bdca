/* main.c — pamongd: flags, start-up order, the signal loop, clean shutdown. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <systemd/sd-daemon.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "app.h"
#include "clockset.h"
#include "fsutil.h"
#include "http.h"
#include "leds.h"
#include "log.h"
#include "netconf.h"
#include "stations.h"
#include "sync.h"
#include "util.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pamongd [-dhnv] [-f FILE]\n"
	    "\n"
	    "Pamong Box daemon: serves courses to phones on the box's hotspot and keeps\n"
	    "learners' progress.\n"
	    "\n"
	    "  -d             stay in the foreground and log to stderr\n"
	    "  -v             more log messages (debug)\n"
	    "  -f FILE        config file (default " CONFIG_DEFAULT_PATH ")\n"
	    "  -n             check the config and exit\n"
	    "  -h, --help     this help\n"
	    "  --version      print the version\n"
	    "  --print-config print the commented example config (all defaults)\n"
	    "  --render-net DIR  write the hotspot's hostapd-IFACE.conf, dnsmasq.conf,\n"
	    "                 nftables.conf and hotspot.env from the config's [hotspot]\n"
	    "                 section into DIR\n"
	    "                 (makes the WPA2 passphrase on first use) and exit\n");
}

static pb_err
load_config(struct config *cfg, const char *path, int explicit)
{
	char err[512];
	pb_err rc;

	rc = config_load(cfg, path, err, sizeof(err));
	if (rc == PB_ERR_IO && !explicit && errno == ENOENT)
		rc = config_load(cfg, NULL, err, sizeof(err));
	if (rc == PB_OK)
		rc = config_check(cfg, err, sizeof(err));
	if (rc != PB_OK)
		fprintf(stderr, "pamongd: %s\n", err);
	return rc;
}

/* Install newer packs from the incoming folder and pre-compress their text. */
static void
install_packs(struct app *app)
{
	int n = catalog_install_dir(app->catalog, app->cfg->incoming);

	if (n > 0)
		log_info("installed %d pack(s) from %s", n, app->cfg->incoming);
	(void)http_precompress_dir(app->packs_dir);
}

static void
start_sync(struct app *app)
{
	const struct config *cfg = app->cfg;
	struct sync_opts o;

	memset(&o, 0, sizeof(o));
	o.hub_url = cfg->hub_url;
	o.ca_file = cfg->ca_file;
	o.pinned_key = cfg->pinned_key;
	o.enroll_code = cfg->enroll_code;
	o.box_name = cfg->box_name;
	o.data_dir = cfg->data_dir;
	o.uplinks = cfg->uplinks;
	o.hotspot_if = cfg->hotspot_if;
	o.version = PB_VERSION;
	o.chunk_rows = cfg->chunk_rows;
	o.interval_s = cfg->sync_interval_s;
	o.backoff_min_s = cfg->backoff_min_s;
	o.backoff_max_s = cfg->backoff_max_s;
	o.connect_timeout_s = cfg->connect_timeout_s;
	o.watch_netlink = cfg->watch_netlink;
	/* uploads are optional: the learner app never waits for them */
	if (sync_start(&o, app->store) != PB_OK) {
		struct sync_status ss;

		sync_status(&ss);
		log_warnx("sync: disabled: %s; learners are served as usual", ss.last_error);
	}
}

/* The 5 s button hold: stop as SIGTERM does (the main loop's sigwait). */
static void
on_button_shutdown(void)
{
	kill(getpid(), SIGTERM);
}

/* LEDs and button (leds.h): they never stop the start; a bad line is logged. */
static void
start_leds(struct app *app)
{
	const struct config *cfg = app->cfg;
	struct leds_opts o;
	int i;

	memset(&o, 0, sizeof(o));
	o.gpio.backend = cfg->leds_backend;
	for (i = 0; i < GPIO_NLINES; i++)
		o.gpio.lines[i] = cfg->led_lines[i];
	(void)gpio_parse_active_low(cfg->leds_active_low, o.gpio.active_low);
	o.gpio.sim_file = cfg->leds_sim_file;
	o.started_mono_ms = app->started_mono_ms;
	o.on_shutdown = on_button_shutdown;
	if (leds_start(&o) != PB_OK)
		log_warnx("leds: cannot start; carrying on without LEDs");
}

/* After a button shutdown: the configured command (e.g. systemctl poweroff). */
static void
run_shutdown_command(const char *cmd)
{
	int st;

	if (cmd[0] == '\0')
		return;
	log_info("running the shutdown command: %s", cmd);
	if ((st = system(cmd)) != 0)
		log_warnx("the shutdown command exited with status %d", st);
}

/* The web server with every path prefix it hands to a handler: the learner
 * API, whose console/ routes are the facilitator console's. */
static struct http *
start_http(struct app *app)
{
	const struct config *cfg = app->cfg;
	struct http *h = NULL;

	if (http_new(cfg, app->packs_dir, &h) != PB_OK ||
	    http_handle(h, API_PREFIX, api_serve, app) != PB_OK ||
	    http_handle(h, "/api/", api_unknown, app) != PB_OK)
		fatalx("cannot set up the web server");
	if (http_start(h) != PB_OK)
		fatalx("cannot listen on %s port %ld (listen = %s; is the hotspot's address "
		    "%s set? a PC without the hotspot: listen = 0.0.0.0)", cfg->listen,
		    cfg->port, cfg->listen, cfg->hotspot_ip);
	return h;
}

/* The system LED: steady while storage is healthy, the fault pattern
 * while it is degraded (restored from a backup, failing writes). */
static void
show_storage(struct app *app)
{
	leds_set_system(store_healthy(app->store) ? LEDS_SERVING : LEDS_FAULT);
}

/* Phones per radio from hostapd's control sockets (stations.h). */
static void
start_stations(const struct config *cfg)
{
	struct stations_opts o;

	memset(&o, 0, sizeof(o));
	o.ctrl_dir = cfg->hs_ctrl_dir;
	o.max_stations = cfg->hs_max_stations;
	o.set_leds = 1;
	if (stations_start(&o) != PB_OK)
		log_warnx("wifi: cannot start counting phones; carrying on");
}

/* What systemctl status shows: "serving, 12 phones, 3 pending uploads".
 * Sent only when it changes. */
static void
notify_status(const struct app *app, char *last, size_t lastlen)
{
	struct sync_status ss;
	char line[200], phones[48];
	int n = stations_phones(), radios, cap;

	sync_status(&ss);
	stations_totals(&radios, &cap);
	if (n < 0)
		snprintf(phones, sizeof(phones), "hotspot down");
	else
		snprintf(phones, sizeof(phones), "%d phone%s of %d", n, n == 1 ? "" : "s", cap);
	snprintf(line, sizeof(line), "STATUS=%s, %s, %lld pending upload%s%s%s",
	    store_healthy(app->store) ? "serving" : "serving (storage degraded)", phones,
	    (long long)ss.pending, ss.pending == 1 ? "" : "s",
	    ss.state[0] && strcmp(ss.state, "off") != 0 ? ", sync " : "",
	    ss.state[0] && strcmp(ss.state, "off") != 0 ? ss.state : "");
	if (strcmp(line, last) == 0)
		return;
	snprintf(last, lastlen, "%s", line);
	sd_notify(0, line);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "print-config", no_argument, NULL, 'P' },
		{ "render-net", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_PATH, *render_dir = NULL;
	int fg = 0, verbose = 0, check = 0, explicit = 0, ch, sig, rc = 1;
	struct catalog_opts copts;
	struct http *http = NULL;
	struct config cfg;
	struct app app;
	char dbpath[PATH_MAX], bkdir[PATH_MAX], dmgdir[PATH_MAX], idpath[PATH_MAX], err[512], status[200] = "";
	uint64_t watchdog_us = 0;
	struct store_care care;
	struct timespec tick = { 1, 0 };
	sigset_t set;

	while ((ch = getopt_long(argc, argv, "df:hnv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': fg = 1; break;
		case 'f': path = optarg; explicit = 1; break;
		case 'n': check = 1; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("pamongd %s\n", PB_VERSION); return 0;
		case 'P': config_print_example(stdout); return 0;
		case 'R': render_dir = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (load_config(&cfg, path, explicit) != PB_OK)
		return 1;
	if (check) {
		printf("pamongd: configuration OK\n");
		return 0;
	}
	if (render_dir != NULL) {
		if (util_init() != PB_OK || netconf_render(&cfg, render_dir, err, sizeof(err))
		    != PB_OK) {
			fprintf(stderr, "pamongd: %s\n", err);
			return 1;
		}
		return 0;
	}
	log_init("pamongd", fg, verbose);
	if (cfg.warnings[0] != '\0') {
		char *line, *save = NULL;

		for (line = strtok_r(cfg.warnings, "\n", &save); line;
		    line = strtok_r(NULL, "\n", &save))
			log_warnx("%s", line);
	}
	/* The database, keys and learners' data are the box's alone. */
	umask(027);
	/* As a service pamongd runs as its own user (the systemd unit); root is
	 * for running it by hand in the foreground (make run, tests). */
	if (geteuid() == 0 && !fg)
		fatalx("refusing to run as root as a service: run it as its own user "
		    "(the systemd unit does), or with -d in the foreground");
	if (util_init() != PB_OK)
		fatalx("cannot initialise libsodium");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("cannot initialise libcurl");
	/* Many worker threads: keep malloc from giving each its own arena and
	 * from moving large blocks (argon2) off mmap, so memory stays small. */
	mallopt(M_ARENA_MAX, 2);
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&app, 0, sizeof(app));
	app.cfg = &cfg;
	app.state = APP_STARTING;
	app.started_mono_ms = util_mono_ms();
	util_boot_id(app.boot_id);
	sd_notify(0, "STATUS=starting: opening the database");
	start_leds(&app);

	if (fs_mkdirs(cfg.data_dir, 0750) != PB_OK)
		fatal("cannot create %s", cfg.data_dir);
	snprintf(app.packs_dir, sizeof(app.packs_dir), "%s/packs", cfg.data_dir);
	snprintf(app.local_keys, sizeof(app.local_keys), "%s/trusted-keys", cfg.data_dir);
	app.conf_path = path;
	snprintf(dbpath, sizeof(dbpath), "%s/pamong.db", cfg.data_dir);
	snprintf(bkdir, sizeof(bkdir), "%s/backups", cfg.data_dir);
	snprintf(dmgdir, sizeof(dmgdir), "%s/damaged", cfg.data_dir);
	snprintf(idpath, sizeof(idpath), "%s/box.id", cfg.data_dir);
	memset(&care, 0, sizeof(care));
	care.backup_dir = bkdir;
	care.damaged_dir = dmgdir;
	care.id_path = idpath;
	care.backups_kept = cfg.backups_kept;
	care.backup_budget = (int64_t)cfg.backup_budget_mb * 1024 * 1024;
	care.backup_interval_s = cfg.backup_interval_s;
	care.check_interval_s = cfg.check_interval_s;
	care.idle_s = cfg.check_interval_s < 60 ? cfg.check_interval_s : 60;
	/* A damaged database is healed here (degraded, never fatal); only a
	 * database from a newer pamongd or no file at all stops the start. */
	if (store_open_care(dbpath, &care, &app.store) != PB_OK)
		fatalx("cannot open the database %s", dbpath);
	store_set_group_commit(app.store, cfg.group_commit);
	clockset_init(app.store, cfg.clock_set_file, cfg.clock_min_phones);
	store_clock_ntp_file(app.store, cfg.clock_ntp_file);
	if (api_console_init(&app) != PB_OK)
		fatalx("cannot read the facilitators from the database");
	if (area_load(cfg.area_file, cfg.area_codes, &app.area, err, sizeof(err)) != PB_OK)
		fatalx("area: %s", err);
	memset(&copts, 0, sizeof(copts));
	copts.packs_dir = app.packs_dir;
	copts.trusted_keys = cfg.trusted_keys;
	copts.dev_mode = cfg.dev_mode;
	copts.local_keys = app.local_keys;
	if (catalog_open(&copts, &app.catalog) != PB_OK)
		fatalx("cannot open the course packs in %s", app.packs_dir);
	sd_notify(0, "STATUS=starting: installing course packs");
	install_packs(&app);
	start_sync(&app);
	start_stations(&cfg);
	if (auth_new(&(struct auth_limits){ .pin_failures = cfg.pin_failures,
	    .cooldown_s = cfg.cooldown_s, .source_failures = cfg.source_failures,
	    .source_cooldown_s = cfg.source_cooldown_s,
	    .source_registrations = cfg.registrations_per_source,
	    .registrations = cfg.registrations_per_day }, &app.auth) != PB_OK)
		fatalx("out of memory");
	http = start_http(&app);
	app.state = APP_SERVING;
	show_storage(&app);
	log_info("serving on %s (version %s, box %s)", http_listening(http), PB_VERSION,
	    store_box_id(app.store));
	sd_notify(0, "READY=1\nSTATUS=serving");
	/* WatchdogSec= in the unit: this loop pings every second; a pamongd
	 * whose main loop hangs (or is stopped) is killed and restarted */
	if (sd_watchdog_enabled(0, &watchdog_us) > 0)
		log_info("watchdog: every %llu ms", (unsigned long long)(watchdog_us / 1000));

	for (;;) {
		/* every second: the system LED, the watchdog, the status line
		 * (backups and checks run on the store's own thread) */
		if ((sig = sigtimedwait(&set, NULL, &tick)) < 0) {
			show_storage(&app);
			if (watchdog_us)
				sd_notify(0, "WATCHDOG=1");
			notify_status(&app, status, sizeof(status));
			continue;
		}
		if (sig == SIGHUP) {
			log_info("SIGHUP: looking for new packs");
			install_packs(&app);
			continue;
		}
		break;
	}
	if (leds_shutdown_requested())
		log_info("stopping: shutdown by button");
	else if (app.power != APP_POWER_NONE)
		log_info("stopping: %s from the console",
		    app.power == APP_POWER_RESTART ? "restart" : "shutdown");
	else
		log_info("stopping (signal %d)", sig);
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
	app.state = APP_STOPPING;
	leds_set_system(LEDS_STOPPING);
	http_stop(http);
	stations_stop();
	sync_stop();
	store_close(app.store);
	catalog_close(app.catalog);
	area_free(app.area);
	auth_free(app.auth);
	curl_global_cleanup();
	leds_stop();
	rc = 0;
	log_info("stopped");
	if (leds_shutdown_requested() || app.power == APP_POWER_SHUTDOWN)
		run_shutdown_command(cfg.shutdown_command);
	if (app.power == APP_POWER_RESTART) {
		if (cfg.restart_command[0] == '\0')
			rc = 75; /* EX_TEMPFAIL: Restart=on-failure starts pamongd again */
		run_shutdown_command(cfg.restart_command);
	}
	return rc;
}
