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
 * - netconf_render writes DIR/hostapd.conf (0600: it holds the passphrase),
 *   DIR/dnsmasq.conf and DIR/nftables.conf, each atomically (fsutil); DIR is
 *   created if missing. Nothing is written if the config fails netconf_check.
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

pb_err netconf_hostapd(const struct config *cfg, const char *passphrase, char *buf,
    size_t len);
pb_err netconf_dnsmasq(const struct config *cfg, char *buf, size_t len);
pb_err netconf_nftables(const struct config *cfg, char *buf, size_t len);

/* out must hold NETCONF_PASS_MAX + 1 bytes; "" when the hotspot is open. */
void netconf_make_passphrase(char out[NETCONF_GEN_CHARS + 1]);
pb_err netconf_passphrase(const struct config *cfg, char *out, size_t outlen, char *err,
    size_t errlen);

pb_err netconf_render(const struct config *cfg, const char *dir, char *err, size_t errlen);

#endif
