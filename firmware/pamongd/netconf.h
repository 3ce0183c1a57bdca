/* netconf.h — the hotspot's configs rendered from pamongd's [hotspot]
 * section: hostapd.conf, dnsmasq.conf and the nftables ruleset, so the
 * hotspot is described in one place and these files are never edited by hand
 * (docs/APPLIANCE.md says what each line is for).
 *
 * Contract:
 * - netconf_check validates the [hotspot] values beyond what the option
 *   table's limits can say (SSID length, passphrase length and characters,
 *   addresses and the DHCP range inside the box's subnet, names safe to write
 *   into the rendered files). config_check calls it; every renderer assumes
 *   it passed.
 * - The renderers are pure: they write one file's text into buf (NUL-
 *   terminated) and touch nothing else; PB_ERR_LIMIT if buf is too small.
 * - netconf_passphrase gives the WPA2 passphrase: the configured one, else
 *   the one stored in DATA_DIR/hotspot-passphrase, else a new one made now
 *   (NETCONF_GEN_CHARS characters from an alphabet without look-alikes) and
 *   stored there, mode 0600, before it is returned. util_init must have run.
 * - netconf_render writes DIR/hostapd-IFACE.conf (0600: it holds the
 *   passphrase; IFACE the hotspot's interface),
 *   DIR/dnsmasq.conf, DIR/nftables.conf and DIR/hotspot.env (the interface
 *   and address for the units, shell syntax), each atomically (fsutil); DIR
 *   is created if missing. Nothing is written if the config fails
 *   netconf_check. Run as root, it gives the passphrase file and hostapd's
 *   control socket the data dir's owner and group, so pamongd (its own
 *   user) reads them.
 */
#ifndef NETCONF_H
#define NETCONF_H

#include <stddef.h>

#include "config.h"
#include "pb.h"

#define NETCONF_PASS_FILE "hotspot-passphrase"
/* WPA2: 8..63 printable ASCII characters (a 64-hex-digit PSK is not taken) */
#define NETCONF_PASS_MIN 8
#define NETCONF_PASS_MAX 63
/* a made passphrase: 4 groups of 4 from NETCONF_ALPHABET, joined by '-' */
#define NETCONF_GEN_CHARS 19
#define NETCONF_ALPHABET "abcdefghjkmnpqrstuvwxyz23456789"
/* the DHCP range must hold at least this many leases */
#define NETCONF_MIN_LEASES 64

pb_err netconf_check(const struct config *cfg, char *err, size_t errlen);

/* One access point to render: a radio and what the box knows of it. */
struct netconf_ap {
	const char *ifname;               /* the radio's interface */
	const struct netconf_radio *radio; /* its adapter, NULL = unknown driver */
	long ctrl_gid;                    /* group of the control socket (pamongd's) */
};
/* ap NULL: the [hotspot] interface, adapter unknown, control group 0. */
pb_err netconf_hostapd(const struct config *cfg, const struct netconf_ap *ap,
    const char *passphrase, char *buf, size_t len);
pb_err netconf_dnsmasq(const struct config *cfg, char *buf, size_t len);
pb_err netconf_nftables(const struct config *cfg, char *buf, size_t len);

/* out must hold NETCONF_PASS_MAX + 1 bytes; "" when the hotspot is open. */
void netconf_make_passphrase(char out[NETCONF_GEN_CHARS + 1]);
pb_err netconf_passphrase(const struct config *cfg, char *out, size_t outlen, char *err,
    size_t errlen);

pb_err netconf_render(const struct config *cfg, const char *dir, char *err, size_t errlen);

/* The Wi-Fi adapters the box knows, by kernel driver (docs/APPLIANCE.md):
 * how many phones each carries in AP mode (rendered as max_num_sta, just
 * under the real limit so hostapd refuses the next phone cleanly instead
 * of the firmware failing) and whether it honours ap_isolate. */
struct netconf_radio {
	const char *driver;   /* as in /sys/class/net/IF/device/driver */
	const char *chipsets; /* for people: what the adapter is */
	int max_sta;          /* phones it is expected to carry */
	int isolates;         /* 1: ap_isolate works; 0: silently ignored */
};

#define NETCONF_SYSFS_NET "/sys/class/net"
/* radios whose driver is not in the table carry at most this many */
#define NETCONF_UNKNOWN_MAX_STA 10

/* The table's entry for driver, or NULL. */
const struct netconf_radio *netconf_radio_lookup(const char *driver);
/* The table itself (n entries), for docs and tests. */
const struct netconf_radio *netconf_radio_table(size_t *n);
/* The driver of SYSFS_NET/ifname into out; -1 if it has none (not there). */
int netconf_radio_driver(const char *sysfs_net, const char *ifname, char *out, size_t len);
/* Phones a radio (t, NULL = unknown driver) is allowed: the table's limit,
 * or lower when max_stations (the config; 0 = no cap) says so. */
long netconf_radio_capacity(const struct netconf_radio *t, long max_stations);

#endif
