/* config.c — see config.h. */
#include "config.h"
#include "netconf.h"

#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpio.h"

#define S(f) offsetof(struct config, f)

static const struct conf_opt config__opts[] = {
	{ "http", "listen", CONF_STR, "hotspot,127.0.0.1", 0, 0, S(listen),
	    "Addresses to listen on, comma-separated: \"hotspot\" is the [hotspot]\n"
	    "address, so an uplink never sees pamongd even without the firewall;\n"
	    "0.0.0.0 = every interface (a PC without the hotspot)." },
	{ "http", "port", CONF_INT, "8080", 1, 65535, S(port),
	    "TCP port. On the box nftables sends port 80 of any address here." },
	{ "http", "threads", CONF_INT, "300", 8, 2000, S(threads),
	    "Worker threads. Each open connection holds one while it is served or\n"
	    "kept alive. The hotspot firewall lets a phone hold at most 8\n"
	    "connections, so 300 cannot all be taken by the phones the radios carry\n"
	    "(docs/APPLIANCE.md)." },
	{ "http", "keepalive_ms", CONF_INT, "500", 0, 120000, S(keepalive_ms),
	    "Close an idle keep-alive connection after this many milliseconds. A\n"
	    "page's requests follow each other within it; a short wait frees the\n"
	    "worker for other phones (960 connections served with 0 errors at 500)." },
	{ "http", "request_timeout_ms", CONF_INT, "5000", 1000, 600000,
	    S(request_timeout_ms),
	    "A request's headers must arrive completely within this many\n"
	    "milliseconds of the connection opening; also the longest wait for\n"
	    "one read or write." },
	{ "http", "body_timeout_ms", CONF_INT, "10000", 1000, 600000, S(body_timeout_ms),
	    "A request's body must arrive completely within this many milliseconds\n"
	    "(408 otherwise), so a phone that sends slowly cannot hold a worker. A\n"
	    "course pack upload ([content] upload_timeout_s in all) must not stall\n"
	    "this long." },
	{ "http", "max_body", CONF_INT, "16384", 1024, 1048576, S(max_body),
	    "Largest request body accepted, in bytes (413 above)." },
	{ "http", "webroot", CONF_STR, "/usr/share/pamong/webroot", 0, 0, S(webroot),
	    "Static files of the learner app." },
	{ "storage", "data_dir", CONF_STR, "/var/lib/pamong", 0, 0, S(data_dir),
	    "Database, installed course packs and the box's keys live here." },
	{ "storage", "group_commit", CONF_BOOL, "yes", 0, 0, S(group_commit),
	    "Let writes from many phones that arrive together share one commit and\n"
	    "fsync. Turn off only to measure what it gains." },
	{ "storage", "backup_interval_s", CONF_INT, "3600", 0, 604800, S(backup_interval_s),
	    "Back up the database (into data_dir/backups) this often while it is\n"
	    "written to, in seconds; also at every clean stop. 0: only at a clean\n"
	    "stop. A damaged database is replaced by the newest good backup." },
	{ "storage", "backups_kept", CONF_INT, "3", 1, 100, S(backups_kept),
	    "How many backups are kept; the oldest are removed first." },
	{ "storage", "backup_budget_mb", CONF_INT, "200", 0, 1000000, S(backup_budget_mb),
	    "Disk space all backups may take together, in MB (0 = no limit); the\n"
	    "oldest are removed first, the newest is always kept." },
	{ "storage", "check_interval_s", CONF_INT, "1800", 0, 604800, S(check_interval_s),
	    "Check the database (quick_check) this often, in seconds, when nothing\n"
	    "was written for a minute; damage found makes health say degraded.\n"
	    "0: only at start." },
	{ "content", "incoming", CONF_STR, "/var/lib/pamong/incoming", 0, 0, S(incoming),
	    "Course packs (*.pack) found here are verified and installed at start\n"
	    "when newer than what is installed." },
	{ "content", "trusted_keys", CONF_STR, "/etc/pamong/trusted-keys", 0, 0,
	    S(trusted_keys),
	    "Ed25519 public keys (hex, one per line) whose signatures are accepted\n"
	    "on course packs." },
	{ "content", "usb_dir", CONF_STR, "/media/pamong", 0, 0, S(usb_dir),
	    "Where USB sticks are mounted, read-only, one folder each (the image's\n"
	    "udev rule, docs/APPLIANCE.md). The console lists the *.pack files at\n"
	    "the top of each stick and in its pamong/ folder." },
	{ "content", "max_upload_mb", CONF_INT, "512", 1, 4096, S(max_upload_mb),
	    "Largest course pack a facilitator may upload from the console, in MB." },
	{ "content", "upload_timeout_s", CONF_INT, "1800", 10, 86400, S(upload_timeout_s),
	    "An upload from the console must arrive completely within this many\n"
	    "seconds." },
	{ "content", "dev_mode", CONF_BOOL, "no", 0, 0, S(dev_mode),
	    "Accept unsigned packs built with `pamong-pack build --dev`. Never on a\n"
	    "box in the field." },
	{ "console", "sys_dir", CONF_STR, "/sys", 0, 0, S(sys_dir),
	    "Where the box status reads the CPU temperature (class/thermal) and the\n"
	    "Pi firmware's throttling flags (devices/platform/soc/soc:firmware/\n"
	    "get_throttled). Tests point it at a fake Pi." },
	{ "console", "restart_command", CONF_STR, "", 0, 0, S(restart_command),
	    "Run (with /bin/sh) after the console's Restart button has stopped\n"
	    "pamongd cleanly, e.g. \"systemctl reboot\". Empty: pamongd exits with\n"
	    "status 75 and its unit (Restart=on-failure) starts it again. The Safe\n"
	    "shutdown button runs [leds] shutdown_command, like the button." },
	{ "area", "file", CONF_STR, "/usr/share/pamong/wilayah.tsv.gz", 0, 0, S(area_file),
	    "The official list of regions (Kemendagri codes, idn-area-data, ODbL)." },
	{ "area", "codes", CONF_STR, "33.02", 0, 0, S(area_codes),
	    "Regencies (PP.RR) or districts (PP.RR.DD) this box serves, comma-separated;\n"
	    "registration offers their villages." },
	{ "sync", "hub_url", CONF_STR, "", 0, 0, S(hub_url),
	    "Address of the central hub (https://…). Empty: the box never uploads." },
	{ "sync", "ca_file", CONF_STR, "", 0, 0, S(ca_file),
	    "PEM file of the certificate authorities that may vouch for the hub.\n"
	    "Empty: the system's store." },
	{ "sync", "pinned_key", CONF_STR, "", 0, 0, S(pinned_key),
	    "Accept only this hub public key (\"sha256//BASE64\" or a PEM/DER file).\n"
	    "Empty: no pinning." },
	{ "sync", "enroll_code", CONF_STR, "", 0, 0, S(enroll_code),
	    "One-time enrollment code made by the hub's staff; the box registers its\n"
	    "key with it on its first upload." },
	{ "sync", "box_name", CONF_STR, "", 0, 0, S(box_name),
	    "Name central staff see for this box. Empty: the box id." },
	{ "sync", "uplinks", CONF_STR, "eth*,end*,enx*,usb*,wwan*,ppp*", 0, 0, S(uplinks),
	    "Interfaces (names or globs, comma-separated) whose default route means\n"
	    "the hub may be reachable." },
	{ "sync", "chunk_rows", CONF_INT, "500", 1, 5000, S(chunk_rows),
	    "Learner and summary rows of each kind per upload chunk." },
	{ "sync", "interval_s", CONF_INT, "300", 10, 86400, S(sync_interval_s),
	    "While a link stays up, look for new progress this often (seconds)." },
	{ "sync", "backoff_min_s", CONF_INT, "5", 1, 3600, S(backoff_min_s),
	    "First wait after a failed upload (seconds); it doubles each time." },
	{ "sync", "backoff_max_s", CONF_INT, "600", 1, 86400, S(backoff_max_s),
	    "Longest wait between failed uploads (seconds)." },
	{ "sync", "connect_timeout_s", CONF_INT, "15", 1, 300, S(connect_timeout_s),
	    "Give up on one connection attempt to the hub after this (seconds)." },
	{ "sync", "watch_netlink", CONF_BOOL, "yes", 0, 0, S(watch_netlink),
	    "Wait for a default route on an uplink before trying. \"no\" assumes a\n"
	    "link is always there (development machines)." },
	{ "learners", "session_days", CONF_INT, "180", 1, 3650, S(session_days),
	    "A learner stays logged in on a phone for this many days without use." },
	{ "learners", "pin_failures", CONF_INT, "5", 1, 100, S(pin_failures),
	    "Wrong PINs for one learner before that learner has to wait." },
	{ "learners", "cooldown_s", CONF_INT, "60", 1, 3600, S(cooldown_s),
	    "The first wait after too many wrong PINs, in seconds; it doubles with\n"
	    "every further wrong PIN, up to 15 minutes." },
	{ "learners", "source_failures", CONF_INT, "10", 1, 1000, S(source_failures),
	    "Wrong logins (wrong PIN or unknown name) from one phone's address\n"
	    "before that address has to wait." },
	{ "learners", "source_cooldown_s", CONF_INT, "60", 1, 3600, S(source_cooldown_s),
	    "The address's first wait, in seconds; it doubles with every further\n"
	    "wrong login, up to 15 minutes." },
	{ "learners", "registrations_per_source", CONF_INT, "30", 0, 100000,
	    S(registrations_per_source),
	    "Registrations from one phone's address in 24 hours (0 = no limit): a\n"
	    "village office may register its officials on one phone." },
	{ "learners", "registrations_per_day", CONF_INT, "300", 0, 1000000,
	    S(registrations_per_day),
	    "Registrations on the whole box in 24 hours (0 = no limit). A\n"
	    "facilitator can lift it for the day from the console." },
	{ "hotspot", "interface", CONF_STR, "wlan0", 0, 0, S(hs_interface),
	    "The access point's interface. `pamongd --render-net DIR` writes\n"
	    "hostapd-IFACE.conf, dnsmasq.conf and nftables.conf for it from this\n"
	    "section." },
	{ "hotspot", "ssid", CONF_STR, "PamongBox", 0, 0, S(hs_ssid),
	    "Network name phones see (1 to 32 bytes)." },
	{ "hotspot", "passphrase", CONF_STR, "", 0, 0, S(hs_passphrase),
	    "WPA2 passphrase, 8 to 63 printable ASCII characters. Empty: one is made\n"
	    "at first start (16 letters and digits without look-alikes) and kept in\n"
	    "the data dir's hotspot-passphrase file (mode 0600)." },
	{ "hotspot", "open", CONF_BOOL, "no", 0, 0, S(hs_open),
	    "\"yes\" makes an open network anyone in range can join (then leave\n"
	    "passphrase empty). Only by explicit choice." },
	{ "hotspot", "channel", CONF_INT, "6", 1, 13, S(hs_channel),
	    "2.4 GHz channel (1 to 13 in Indonesia)." },
	{ "hotspot", "country", CONF_STR, "ID", 0, 0, S(hs_country),
	    "Country code (ISO 3166): which channels and powers are allowed." },
	{ "hotspot", "address", CONF_STR, "10.42.0.1/24", 0, 0, S(hs_address),
	    "The box's address on the hotspot, with the prefix length." },
	{ "hotspot", "dhcp_start", CONF_STR, "10.42.0.10", 0, 0, S(hs_dhcp_start),
	    "First address lent to phones (inside the box's subnet)." },
	{ "hotspot", "dhcp_end", CONF_STR, "10.42.0.200", 0, 0, S(hs_dhcp_end),
	    "Last address lent to phones; the range holds at least 64." },
	{ "hotspot", "lease_s", CONF_INT, "3600", 120, 3600, S(hs_lease_s),
	    "DHCP lease time in seconds: short, so addresses of phones that left\n"
	    "come back soon." },
	{ "hotspot", "isolate", CONF_BOOL, "yes", 0, 0, S(hs_isolate),
	    "Phones cannot reach each other, only the box (hostapd ap_isolate; the\n"
	    "Pi's on-board radio ignores it, docs/APPLIANCE.md)." },
	{ "hotspot", "max_stations", CONF_INT, "0", 0, 2007, S(hs_max_stations),
	    "Phones one radio accepts at most. 0: what the adapter table says for\n"
	    "its driver (docs/APPLIANCE.md), just under the radio's real limit so\n"
	    "hostapd refuses cleanly instead of the firmware failing; a number\n"
	    "lowers it (and is the limit of a radio the table does not know)." },
	{ "hotspot", "per_phone_connections", CONF_INT, "8", 1, 1000, S(hs_per_phone),
	    "Connections one phone (by its Wi-Fi hardware address) may hold to\n"
	    "pamongd; more are refused at once by the firewall." },
	{ "hotspot", "radios", CONF_STR, "", 0, 0, S(hs_radios),
	    "Radios that carry the hotspot, comma-separated names or globs (wlan*).\n"
	    "Empty: interface alone is the access point. Otherwise every radio present\n"
	    "gets its own hostapd (the same SSID and passphrase, its own channel of\n"
	    "1, 6, 11, as many phones as its adapter carries) joined to interface,\n"
	    "which is then a bridge the render makes (e.g. interface = pamong0)." },
	{ "hotspot", "name", CONF_STR, "pamong.box", 0, 0, S(hs_name),
	    "The box's short name on the hotspot (http://pamong.box), printed on\n"
	    "the facilitator card beside the address." },
	{ "hotspot", "portal", CONF_BOOL, "yes", 0, 0, S(hs_portal),
	    "yes: a captive portal (every name is the box; phones' connectivity\n"
	    "checks get the portal until that phone opened it, then \"online\").\n"
	    "no: only the box's own names resolve and the checks fail at once;\n"
	    "learners tap \"stay connected\" themselves (docs/APPLIANCE.md)." },
	{ "hotspot", "control_dir", CONF_STR, "/run/hostapd", 0, 0, S(hs_ctrl_dir),
	    "hostapd's control sockets: pamongd counts the phones on each radio\n"
	    "there (GET /api/v1/health, the wifi LED)." },
	{ "hotspot", "apply_file", CONF_STR, "", 0, 0, S(hs_apply_file),
	    "When the console saves a new hotspot name or password, pamongd writes\n"
	    "this file; the image's pamong-hotspot-apply.path then renders the\n"
	    "hotspot's files again and restarts its hostapd, so the change applies\n"
	    "at once (phones join again with it). Empty: at the next boot." },
	{ "leds", "backend", CONF_STR, "none", 0, 0, S(leds_backend),
	    "How the status LEDs and the button are reached: gpio (libgpiod, the\n"
	    "box), sim (no hardware: LED states written to sim_file) or none." },
	{ "leds", "system", CONF_STR, "GPIO17", 0, 0, S(led_lines[0]),
	    "The green system LED's line: a line name (GPIO17 is header pin 11 on\n"
	    "a Pi) or CHIP:OFFSET (gpiochip0:17). Empty: not wired." },
	{ "leds", "wifi", CONF_STR, "GPIO27", 0, 0, S(led_lines[1]),
	    "The blue wifi LED's line (GPIO27: header pin 13)." },
	{ "leds", "sync", CONF_STR, "GPIO22", 0, 0, S(led_lines[2]),
	    "The amber sync LED's line (GPIO22: header pin 15)." },
	{ "leds", "button", CONF_STR, "GPIO23", 0, 0, S(led_lines[3]),
	    "The button's line (GPIO23: header pin 16, the button to ground).\n"
	    "Short press: sync now; hold 5 s: safe shutdown; hold 2 s in the\n"
	    "first 2 minutes: setup mode." },
	{ "leds", "active_low", CONF_STR, "button", 0, 0, S(leds_active_low),
	    "Lines that are low when lit or pressed (comma-separated: system, wifi,\n"
	    "sync, button). An active-low button is pulled up, an active-high one\n"
	    "pulled down." },
	{ "leds", "sim_file", CONF_STR, "", 0, 0, S(leds_sim_file),
	    "sim backend: the LED states are written to this file as one line\n"
	    "(system=1 wifi=0 sync=0); the button is pressed while FILE.button exists." },
	{ "leds", "shutdown_command", CONF_STR, "", 0, 0, S(shutdown_command),
	    "Run (with /bin/sh) after a 5 s button hold or the console's Safe\n"
	    "shutdown has stopped pamongd cleanly, e.g. \"systemctl poweroff\".\n"
	    "Empty: pamongd just exits with status 0 and the service manager decides." },
	{ "modem", "apn", CONF_STR, "internet", 0, 0, S(modem_apn),
	    "The APN a USB modem (QMI or MBIM, through ModemManager) connects with\n"
	    "when it appears. \"internet\" works on Telkomsel, XL Axiata, by.U and\n"
	    "most Indonesian SIMs; Indosat Ooredoo: indosatgprs; Tri: 3data;\n"
	    "Smartfren: smartfren4g (docs/APPLIANCE.md, Uplinks). Letters, digits,\n"
	    "- . _ only. A wired link is preferred when both are up." },
	{ "clock", "set_file", CONF_STR, "", 0, 0, S(clock_set_file),
	    "The box has no battery-backed clock. When this boot's clock is off by\n"
	    "more than 2 minutes by the hub's Date or by agreeing phones, pamongd\n"
	    "asks for the system clock to be set by writing a request here; the\n"
	    "image's pamong-clock-set.path hands it to the privileged helper\n"
	    "(docs/APPLIANCE.md, The clock). Empty: never (a PC keeps its own time)." },
	{ "clock", "min_phones", CONF_INT, "3", 1, 1000, S(clock_min_phones),
	    "Phones (one per learner) whose clocks must agree before they may set\n"
	    "the system clock; the hub's Date alone is enough." },
	{ "clock", "ntp_file", CONF_STR, "/run/systemd/timesync/synchronized", 0, 0,
	    S(clock_ntp_file),
	    "A file the system's NTP client touches after each synchronization\n"
	    "(systemd-timesyncd's). A jump of the clock nobody asked for, with this\n"
	    "file touched just after it, is recorded as set by ntp (health's\n"
	    "clock_set); other such jumps as other. Empty: never ntp." },
};

/* Options that moved to [hotspot]: still read, with a warning. */
static const struct conf_alias config__aliases[] = {
	{ "sync", "hotspot_if", "hotspot", "interface", "use hotspot.interface" },
	{ "http", "portal_url", NULL, NULL,
	    "the portal is http://ADDRESS/portal/ from hotspot.address; "
	    "hotspot.portal = no turns it off" },
	{ "http", "portal_hosts", NULL, NULL,
	    "the box's own names are hotspot.address, hotspot.name, localhost and "
	    "127.0.0.1" },
};

/* What [hotspot] decides for the other sections. */
static void
config__derive(struct config *cfg)
{
	char ip[64];
	size_t n = strcspn(cfg->hs_address, "/");

	snprintf(ip, sizeof(ip), "%.*s", (int)(n < sizeof(ip) ? n : sizeof(ip) - 1),
	    cfg->hs_address);
	snprintf(cfg->hotspot_if, sizeof(cfg->hotspot_if), "%s", cfg->hs_interface);
	snprintf(cfg->hotspot_ip, sizeof(cfg->hotspot_ip), "%s", ip);
	snprintf(cfg->portal_hosts, sizeof(cfg->portal_hosts), "%s,%s,localhost,127.0.0.1",
	    ip, cfg->hs_name);
}

pb_err
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	pb_err rc = PB_OK;

	memset(cfg, 0, sizeof(*cfg));
	conf_defaults(config__opts, PB_ARRAY_LEN(config__opts), cfg);
	if (path != NULL)
		rc = conf_load_aliased(config__opts, PB_ARRAY_LEN(config__opts),
		    config__aliases, PB_ARRAY_LEN(config__aliases), cfg, path, cfg->warnings,
		    sizeof(cfg->warnings), err, errlen);
	config__derive(cfg);
	return rc;
}

static pb_err
config__dir(const char *what, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s is not a directory", what, path);
		return PB_ERR_INVALID;
	}
	return PB_OK;
}

pb_err
config_check(const struct config *cfg, char *err, size_t errlen)
{
	pb_err rc;

	if ((rc = config__dir("http.webroot", cfg->webroot, err, errlen)) != PB_OK)
		return rc;
	if (access(cfg->area_file, R_OK) < 0) {
		snprintf(err, errlen, "area.file: cannot read %s", cfg->area_file);
		return PB_ERR_INVALID;
	}
	if ((rc = netconf_check(cfg, err, errlen)) != PB_OK)
		return rc;
	if (!gpio_backend_valid(cfg->leds_backend)) {
		snprintf(err, errlen, "leds.backend: %s is not gpio, sim or none",
		    cfg->leds_backend);
		return PB_ERR_INVALID;
	}
	if (gpio_parse_active_low(cfg->leds_active_low, (int[GPIO_NLINES]){ 0 }) < 0) {
		snprintf(err, errlen, "leds.active_low: %s: not a list of system, wifi, "
		    "sync, button", cfg->leds_active_low);
		return PB_ERR_INVALID;
	}
	if (cfg->data_dir[0] != '/') {
		snprintf(err, errlen, "storage.data_dir: %s must be an absolute path",
		    cfg->data_dir);
		return PB_ERR_INVALID;
	}
	return PB_OK;
}

pb_err
config_set(struct config *cfg, const char *section, const char *name, const char *value,
    char *err, size_t errlen)
{
	return conf_set(config__opts, PB_ARRAY_LEN(config__opts), cfg, section, name, value,
	    err, errlen);
}

void
config_print_example(FILE *f)
{
	conf_write_example(config__opts, PB_ARRAY_LEN(config__opts),
	    "pamongd.conf — Pamong Box daemon configuration", f);
}
