/* config.h — pamongd's configuration: one table of every option (name,
 * default, limits, help) drives defaults, file parsing, -n checks and the
 * shipped example (pamongd --print-config). */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdio.h>

#include "conf.h"
#include "pb.h"

#define CONFIG_DEFAULT_PATH "/etc/pamong/pamongd.conf"

struct config {
	/* [http] */
	char listen[CONF_STR_MAX];   /* addresses to listen on; "hotspot" = hotspot_ip */
	long port;                   /* TCP port */
	long threads;                /* worker threads = connections served at once */
	long keepalive_ms;           /* idle keep-alive connections are closed after this */
	long request_timeout_ms;     /* a request's headers must arrive within this */
	long body_timeout_ms;        /* and its body within this */
	long max_body;               /* request body limit, bytes */
	char webroot[CONF_STR_MAX];  /* static files of the learner app */

	/* [storage] */
	char data_dir[CONF_STR_MAX]; /* database, installed packs, keys */
	int group_commit;            /* share one fsync among concurrent writes */
	long backup_interval_s;      /* back up this often while written to; 0 = at stop only */
	long backups_kept;           /* newest backups kept */
	long backup_budget_mb;       /* all backups together at most; 0 = no limit */
	long check_interval_s;       /* quick_check this often when idle; 0 = never */
	/* [content] */
	char incoming[CONF_STR_MAX]; /* packs found here are installed at start */
	char trusted_keys[CONF_STR_MAX]; /* public keys that may sign packs */
	int dev_mode;                /* accept unsigned development packs */
	char usb_dir[CONF_STR_MAX];  /* USB sticks are mounted under here */
	long max_upload_mb;          /* largest pack uploaded from the console */
	long upload_timeout_s;       /* an upload arrives within this */
	/* [console] */
	char sys_dir[CONF_STR_MAX];          /* sysfs root for the box status */
	char restart_command[CONF_STR_MAX];  /* after the console's Restart */
	/* [area] */
	char area_file[CONF_STR_MAX];  /* the official region list */
	char area_codes[CONF_STR_MAX]; /* the regencies/districts this box serves */
	/* [sync] */
	char hub_url[CONF_STR_MAX];     /* pamong-hub address; empty = no uploads */
	char ca_file[CONF_STR_MAX];     /* CA bundle that verifies the hub */
	char pinned_key[CONF_STR_MAX];  /* the hub's pinned public key */
	char enroll_code[CONF_STR_MAX]; /* one-time code from the hub's staff */
	char box_name[CONF_STR_MAX];    /* shown to central staff */
	char uplinks[CONF_STR_MAX];     /* interfaces that can carry uploads */
	long chunk_rows;                /* rows of each kind per upload chunk */
	long sync_interval_s;           /* with a link up, look again this often */
	long backoff_min_s, backoff_max_s; /* retry delays after a failure */
	long connect_timeout_s;         /* per connection attempt */
	int watch_netlink;              /* wait for a default route on an uplink */
	/* [learners] */
	long session_days;           /* a login lasts this long without use */
	long pin_failures;           /* wrong PINs before a cool-down */
	long cooldown_s;             /* first cool-down; doubles, up to 15 minutes */
	long source_failures;        /* wrong logins from one address before it waits */
	long source_cooldown_s;      /* that address's first wait; doubles likewise */
	long registrations_per_source; /* per address per 24 h, 0 = no limit */
	long registrations_per_day;  /* per box per 24 h, 0 = no limit */
	/* [hotspot] (rendered into hostapd/dnsmasq/nftables files by netconf) */
	char hs_interface[CONF_STR_MAX]; /* the access point's interface */
	char hs_ssid[CONF_STR_MAX];      /* network name, 1..32 bytes */
	char hs_passphrase[CONF_STR_MAX]; /* WPA2; empty = made at first start */
	int hs_open;                     /* no passphrase at all, by choice */
	long hs_channel;                 /* 2.4 GHz channel */
	char hs_country[CONF_STR_MAX];   /* regulatory domain, ISO 3166 alpha-2 */
	char hs_address[CONF_STR_MAX];   /* the box on the hotspot, a.b.c.d/prefix */
	char hs_dhcp_start[CONF_STR_MAX], hs_dhcp_end[CONF_STR_MAX]; /* phones' range */
	long hs_lease_s;                 /* DHCP lease time */
	int hs_isolate;                  /* phones cannot reach each other */
	long hs_max_stations;            /* hostapd refuses phones beyond this */
	long hs_per_phone;               /* connections one phone may hold to pamongd */
	char hs_ctrl_dir[CONF_STR_MAX];  /* hostapd's control sockets (phones counted there) */
	char hs_apply_file[CONF_STR_MAX]; /* written when the console changes the hotspot */
	char hs_name[CONF_STR_MAX];      /* the box's short name (pamong.box) */
	int hs_portal;                   /* captive portal (1) or none (0) */
	char hs_radios[CONF_STR_MAX];    /* radios (names/globs); "" = interface alone */
	/* [leds] (gpio.h, leds.h) */
	char leds_backend[CONF_STR_MAX];    /* gpio, sim or none */
	char led_lines[4][CONF_STR_MAX];    /* system, wifi, sync, button */
	char leds_active_low[CONF_STR_MAX]; /* lines that are low when on/pressed */
	char leds_sim_file[CONF_STR_MAX];   /* sim backend's state file */
	char shutdown_command[CONF_STR_MAX]; /* run after a button shutdown */
	/* [modem] (image-build/overlay/usr/lib/pamong/pamong-modem, through hotspot.env) */
	char modem_apn[CONF_STR_MAX];      /* the mobile data APN */
	/* [clock] (clockset.h) */
	char clock_set_file[CONF_STR_MAX]; /* requests to set the system clock; "" never */
	int clock_min_phones;              /* agreeing phones that may set it */
	char clock_ntp_file[CONF_STR_MAX]; /* the NTP client's sync marker; "" none */
	/* derived from [hotspot] by config_load (one source for each fact) */
	char hotspot_if[CONF_STR_MAX];   /* the access point: never an uplink */
	char hotspot_ip[64];             /* the box's address on it, no prefix */
	char portal_hosts[CONF_STR_MAX + 128]; /* Host names the box answers as itself */
	char warnings[2048];             /* deprecated options met, one a line */
};

/* Defaults, then the file (if path is not NULL). err gets "file:line: msg". */
pb_err config_load(struct config *cfg, const char *path, char *err, size_t errlen);
/* Checks that go beyond one value (paths exist, …); err gets a message. */
pb_err config_check(const struct config *cfg, char *err, size_t errlen);
/* Set one option from text with the checks of the file (the console's
 * settings try their values on a copy first). */
pb_err config_set(struct config *cfg, const char *section, const char *name,
    const char *value, char *err, size_t errlen);
void config_print_example(FILE *f);

#endif
