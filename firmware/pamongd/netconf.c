/* netconf.c — see netconf.h. */
#include "netconf.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fnmatch.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

/* The box's subnet, host byte order. */
struct netconf__net {
	uint32_t addr, mask;
	int prefix;
	char ip[INET_ADDRSTRLEN], netmask[INET_ADDRSTRLEN];
};

/* Appends to a buffer; remembers if it ever ran out. */
struct netconf__buf {
	char *p;
	size_t len, used;
	int full;
};

__attribute__((format(printf, 2, 3))) static void
netconf__put(struct netconf__buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->len - b->used) {
		b->full = 1;
		return;
	}
	b->used += (size_t)n;
}

static pb_err
netconf__done(struct netconf__buf *b)
{
	return b->full ? PB_ERR_LIMIT : PB_OK;
}

static int
netconf__ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static void
netconf__ntop(uint32_t a, char out[INET_ADDRSTRLEN])
{
	struct in_addr in = { .s_addr = htonl(a) };

	inet_ntop(AF_INET, &in, out, INET_ADDRSTRLEN);
}

/* "a.b.c.d/prefix", prefix 8..30, a host address of that subnet. */
static int
netconf__parse_net(const char *s, struct netconf__net *n)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	char *end;
	long prefix;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end != '\0' || prefix < 8 || prefix > 30)
		return -1;
	if (netconf__ipv4(ip, &n->addr) < 0)
		return -1;
	n->prefix = (int)prefix;
	n->mask = (uint32_t)(0xffffffffu << (32 - prefix));
	if ((n->addr & ~n->mask) == 0 || (n->addr & ~n->mask) == ~n->mask)
		return -1; /* the network or broadcast address */
	netconf__ntop(n->addr, n->ip);
	netconf__ntop(n->mask, n->netmask);
	return 0;
}

/* A host address inside n's subnet, not its network or broadcast address. */
static int
netconf__in_net(uint32_t a, const struct netconf__net *n)
{
	return (a & n->mask) == (n->addr & n->mask) && (a & ~n->mask) != 0 &&
	    (a & ~n->mask) != ~n->mask;
}

static int
netconf__printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
netconf__pass_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < NETCONF_PASS_MIN || n > NETCONF_PASS_MAX)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

pb_err
netconf_check(const struct config *cfg, char *err, size_t errlen)
{
	struct netconf__net net;
	uint32_t lo, hi;
	size_t n;
	const char *p;

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); return PB_ERR_INVALID; } while (0)
	n = strlen(cfg->hs_interface);
	if (n == 0 || n >= IF_NAMESIZE)
		BAD("hotspot.interface: \"%s\" is not an interface name", cfg->hs_interface);
	for (p = cfg->hs_interface; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			BAD("hotspot.interface: \"%s\" is not an interface name", cfg->hs_interface);
	n = strlen(cfg->hs_ssid);
	if (n == 0 || n > 32)
		BAD("hotspot.ssid: must be 1 to 32 bytes (it is %zu)", n);
	if (!netconf__printable(cfg->hs_ssid))
		BAD("hotspot.ssid: control characters are not allowed");
	if (cfg->hs_open && cfg->hs_passphrase[0] != '\0')
		BAD("hotspot.passphrase: set, but open = yes: choose one");
	if (cfg->hs_passphrase[0] != '\0' && !netconf__pass_ok(cfg->hs_passphrase))
		BAD("hotspot.passphrase: must be %d to %d printable ASCII characters",
		    NETCONF_PASS_MIN, NETCONF_PASS_MAX);
	if (strlen(cfg->hs_country) != 2 || cfg->hs_country[0] < 'A' ||
	    cfg->hs_country[0] > 'Z' || cfg->hs_country[1] < 'A' || cfg->hs_country[1] > 'Z')
		BAD("hotspot.country: \"%s\" is not a two-letter country code (ID)",
		    cfg->hs_country);
	if (netconf__parse_net(cfg->hs_address, &net) < 0)
		BAD("hotspot.address: \"%s\" is not a host address with a prefix "
		    "length of 8 to 30 (10.42.0.1/24)", cfg->hs_address);
	if (netconf__ipv4(cfg->hs_dhcp_start, &lo) < 0 || !netconf__in_net(lo, &net))
		BAD("hotspot.dhcp_start: \"%s\" is not an address in %s/%d",
		    cfg->hs_dhcp_start, net.ip, net.prefix);
	if (netconf__ipv4(cfg->hs_dhcp_end, &hi) < 0 || !netconf__in_net(hi, &net))
		BAD("hotspot.dhcp_end: \"%s\" is not an address in %s/%d",
		    cfg->hs_dhcp_end, net.ip, net.prefix);
	if (hi < lo || hi - lo + 1 < NETCONF_MIN_LEASES)
		BAD("hotspot.dhcp_start..dhcp_end: the range must hold at least %d addresses",
		    NETCONF_MIN_LEASES);
	if (net.addr >= lo && net.addr <= hi)
		BAD("hotspot.address: the box's own address %s is inside the DHCP range",
		    net.ip);
	n = strlen(cfg->hs_name);
	if (n == 0 || n > 63 || cfg->hs_name[0] == '.' || cfg->hs_name[0] == '-' ||
	    strchr(cfg->hs_name, '.') == NULL)
		BAD("hotspot.name: \"%s\" is not a host name like pamong.box", cfg->hs_name);
	for (p = cfg->hs_name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '.'))
			BAD("hotspot.name: \"%s\" is not a host name like pamong.box "
			    "(lower-case letters, digits, '-', '.')", cfg->hs_name);
	n = strlen(cfg->hs_ctrl_dir);
	if (cfg->hs_ctrl_dir[0] != '/' || n > 80)
		BAD("hotspot.control_dir: \"%s\" is not an absolute path (of at most 80 "
		    "bytes)", cfg->hs_ctrl_dir);
	for (p = cfg->hs_ctrl_dir; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-_.", *p) != NULL))
			BAD("hotspot.control_dir: \"%s\": only letters, digits and / - _ .",
			    cfg->hs_ctrl_dir);
	/* the modem's APN goes into hotspot.env (a shell file) unquoted */
	n = strlen(cfg->modem_apn);
	if (n == 0 || n > 62)
		BAD("modem.apn: must be 1 to 62 characters (it is %zu)", n);
	for (p = cfg->modem_apn; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'))
			BAD("modem.apn: \"%s\": only letters, digits and - . _", cfg->modem_apn);
#undef BAD
	return PB_OK;
}

/* The one header every rendered file starts with. */
static void
netconf__header(struct netconf__buf *b, const char *what)
{
	netconf__put(b,
	    "# %s — rendered by `pamongd --render-net` from the [hotspot] section of\n"
	    "# pamongd's config. Do not edit: change the config and render again\n"
	    "# (docs/APPLIANCE.md says what each line is for).\n", what);
}

/* Measured on Debian's kernels and firmware (PLATFORM.md, docs/APPLIANCE.md). */
static const struct netconf_radio netconf__radios[] = {
	{ "brcmfmac", "Raspberry Pi on-board (BCM43455, BCM43436; Debian's standard "
	    "firmware)", 8, 0 },
	{ "mt76x2u", "MediaTek MT7612U USB (firmware-mediatek)", 32, 1 },
	{ "mt76x0u", "MediaTek MT7610U USB (firmware-mediatek)", 16, 1 },
	{ "mt7921u", "MediaTek MT7921AU USB (firmware-mediatek)", 14, 1 },
	{ "mt7925u", "MediaTek MT7925U USB (firmware-mediatek)", 14, 1 },
	{ "rt2800usb", "Ralink/MediaTek RT5370, RT5572 USB (firmware-misc-nonfree)", 10, 1 },
	{ "mac80211_hwsim", "simulated radio (tests)", 30, 1 },
};

const struct netconf_radio *
netconf_radio_table(size_t *n)
{
	*n = PB_ARRAY_LEN(netconf__radios);
	return netconf__radios;
}

const struct netconf_radio *
netconf_radio_lookup(const char *driver)
{
	size_t i;

	for (i = 0; i < PB_ARRAY_LEN(netconf__radios); i++)
		if (strcmp(netconf__radios[i].driver, driver) == 0)
			return &netconf__radios[i];
	return NULL;
}

int
netconf_radio_driver(const char *sysfs_net, const char *ifname, char *out, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	if (len == 0 || strchr(ifname, '/') != NULL || ifname[0] == '.')
		return -1;
	snprintf(path, sizeof(path), "%s/%s/device/driver", sysfs_net, ifname);
	if ((n = readlink(path, target, sizeof(target) - 1)) <= 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(out, len, "%s", base ? base + 1 : target);
	return 0;
}

long
netconf_radio_capacity(const struct netconf_radio *t, long max_stations)
{
	if (t == NULL)
		return max_stations > 0 ? max_stations : NETCONF_UNKNOWN_MAX_STA;
	return max_stations > 0 && max_stations < t->max_sta ? max_stations : t->max_sta;
}

pb_err
netconf_hostapd(const struct config *cfg, const struct netconf_ap *ap,
    const char *passphrase, char *buf, size_t len)
{
	struct netconf__buf b = { buf, len, 0, 0 };
	const struct netconf_radio *radio = ap ? ap->radio : NULL;
	const char *ifname = ap ? ap->ifname : cfg->hs_interface;

	if (len == 0)
		return PB_ERR_LIMIT;
	buf[0] = '\0';
	netconf__header(&b, "hostapd-RADIO.conf");
	netconf__put(&b,
	    "# the radio: %s (%s)\n"
	    "interface=%s\n"
	    "driver=nl80211\n"
	    "# pamongd counts the phones connected through this socket\n"
	    "ctrl_interface=%s\n"
	    "ctrl_interface_group=%ld\n"
	    "ssid=%s\n"
	    "utf8_ssid=1\n"
	    "country_code=%s\n"
	    "ieee80211d=1\n"
	    "hw_mode=g\n"
	    "channel=%ld\n"
	    "ieee80211n=1\n"
	    "wmm_enabled=1\n"
	    "# phones reach the box, not each other%s\n"
	    "ap_isolate=%d\n"
	    "# just under the radio's real limit: hostapd refuses, the firmware does not fail\n"
	    "max_num_sta=%ld\n"
	    "auth_algs=1\n"
	    "ignore_broadcast_ssid=0\n",
	    radio ? radio->driver : "driver unknown",
	    radio ? radio->chipsets : "not in pamongd's adapter table",
	    ifname, cfg->hs_ctrl_dir, ap ? ap->ctrl_gid : 0L,
	    cfg->hs_ssid, cfg->hs_country, ap && ap->channel ? ap->channel : cfg->hs_channel,
	    radio && !radio->isolates ? " -- THIS RADIO IGNORES IT: phones on it can\n"
	    "# reach each other (docs/APPLIANCE.md)" : "",
	    cfg->hs_isolate ? 1 : 0, netconf_radio_capacity(radio, cfg->hs_max_stations));
	if (ap && ap->bridge)
		netconf__put(&b, "# one of several radios: hostapd joins it to the hotspot's bridge\n"
		    "bridge=%s\n", ap->bridge);
	if (cfg->hs_open) {
		netconf__put(&b, "# open network: chosen in the config (hotspot.open = yes)\n"
		    "wpa=0\n");
	} else {
		/* WPA2-PSK with CCMP only: the Pi's brcmfmac firmware crashes with
		 * WPA3/SAE in AP mode, and TKIP is broken. */
		netconf__put(&b,
		    "# WPA2-PSK only, CCMP only\n"
		    "wpa=2\n"
		    "wpa_key_mgmt=WPA-PSK\n"
		    "rsn_pairwise=CCMP\n"
		    "wpa_passphrase=%s\n", passphrase ? passphrase : "");
	}
	return netconf__done(&b);
}

pb_err
netconf_dnsmasq(const struct config *cfg, char *buf, size_t len)
{
	struct netconf__buf b = { buf, len, 0, 0 };
	struct netconf__net net;
	uint32_t lo = 0, hi = 0;

	if (len == 0)
		return PB_ERR_LIMIT;
	buf[0] = '\0';
	if (netconf__parse_net(cfg->hs_address, &net) < 0 ||
	    netconf__ipv4(cfg->hs_dhcp_start, &lo) < 0 || netconf__ipv4(cfg->hs_dhcp_end, &hi) < 0)
		return PB_ERR_INVALID;
	netconf__header(&b, "dnsmasq.conf");
	netconf__put(&b,
	    "# only the hotspot: never DHCP or DNS on an uplink or the loopback\n"
	    "interface=%s\n"
	    "except-interface=lo\n"
	    "bind-dynamic\n"
	    "# no upstream servers, no /etc/hosts: the box answers for itself\n"
	    "no-resolv\n"
	    "no-hosts\n"
	    "no-poll\n"
	    "# DHCP: short leases, so addresses of phones that left come back soon\n"
	    "dhcp-range=%s,%s,%s,%lds\n"
	    "dhcp-lease-max=%lu\n"
	    "dhcp-authoritative\n"
	    "# the box is the phones' gateway and DNS server: port 80 of any address\n"
	    "# reaches it (nftables); nothing is forwarded beyond it\n"
	    "dhcp-option=option:router,%s\n"
	    "dhcp-option=option:dns-server,%s\n",
	    cfg->hs_interface, cfg->hs_dhcp_start, cfg->hs_dhcp_end, net.netmask,
	    cfg->hs_lease_s, (unsigned long)(hi - lo + 1), net.ip, net.ip);
	if (cfg->hs_portal) {
		/* every name is the box, so every connectivity check reaches
		 * pamongd (captive.h); Windows also checks that this name has
		 * Microsoft's address before it believes an HTTP answer */
		netconf__put(&b,
		    "# captive portal (hotspot.portal = yes): every name is the box, so every\n"
		    "# phone's connectivity check reaches pamongd, which answers it per phone\n"
		    "address=/#/%s\n"
		    "address=/dns.msftncsi.com/131.107.255.255\n"
		    "# RFC 8910: the RFC 8908 captive-portal API (phones that insist on HTTPS\n"
		    "# for it ignore it and fall back to their checks)\n"
		    "dhcp-option=114,\"http://%s/portal/api\"\n", net.ip, net.ip);
	} else {
		/* only the box's names; the rest fail at once (NXDOMAIN) */
		netconf__put(&b,
		    "# no portal (hotspot.portal = no): only the box's own name resolves;\n"
		    "# every other name fails at once (NXDOMAIN), so phones' checks fail fast\n"
		    "address=/%s/%s\n"
		    "address=/#/\n", cfg->hs_name, net.ip);
	}
	return netconf__done(&b);
}

pb_err
netconf_nftables(const struct config *cfg, char *buf, size_t len)
{
	struct netconf__buf b = { buf, len, 0, 0 };
	const char *i = cfg->hs_interface;

	if (len == 0)
		return PB_ERR_LIMIT;
	buf[0] = '\0';
	netconf__put(&b, "#!/usr/sbin/nft -f\n");
	netconf__header(&b, "nftables.conf, the Pamong Box firewall");
	netconf__put(&b,
	    "# The hotspot is %s; pamongd listens on %ld.\n"
	    "# - Port 80 of any address reaches pamongd (phones' captive-portal checks and\n"
	    "#   any site typed while offline land on the box); 443 is refused at once so\n"
	    "#   a phone's HTTPS check fails fast instead of timing out.\n"
	    "# - One phone (by its Wi-Fi hardware address, so changing its IP does not\n"
	    "#   help) holds at most %ld connections to pamongd: a phone opens about 6, and\n"
	    "#   pamongd's workers stay enough for every phone the radios carry.\n"
	    "# - From the hotspot only DHCP, DNS, pamongd and ping reach the box; nothing\n"
	    "#   is ever forwarded between the hotspot and an uplink.\n",
	    i, cfg->port, cfg->hs_per_phone);
	netconf__put(&b,
	    "flush ruleset\n"
	    "table inet pamong {\n"
	    "\tset phone_conns {\n"
	    "\t\ttype ether_addr\n"
	    "\t\tsize 4096\n"
	    "\t\tflags dynamic\n"
	    "\t}\n"
	    "\n"
	    "\tchain prerouting {\n"
	    "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	    "\t\tiifname \"%s\" tcp dport 80 redirect to :%ld\n"
	    "\t}\n"
	    "\n", i, cfg->port);
	netconf__put(&b,
	    "\tchain input {\n"
	    "\t\ttype filter hook input priority filter; policy accept;\n"
	    "\t\t# pamongd (%ld) is for phones on the hotspot and the box itself: an\n"
	    "\t\t# uplink (a village office LAN, a modem) never reaches it\n"
	    "\t\tiifname != { \"lo\", \"%s\" } tcp dport %ld drop\n"
	    "\t\tiifname != \"%s\" accept\n"
	    "\t\tct state established,related accept\n"
	    "\t\tct state invalid drop\n"
	    "\t\tudp dport { 53, 67 } accept\n"
	    "\t\ttcp dport 53 accept\n"
	    "\t\ttcp dport 443 reject with tcp reset\n"
	    "\t\ttcp dport %ld add @phone_conns { ether saddr ct count over %ld } "
	    "reject with tcp reset\n"
	    "\t\ttcp dport %ld accept\n"
	    "\t\ticmp type echo-request accept\n"
	    "\t\ticmpv6 type { echo-request, nd-neighbor-solicit, nd-router-solicit } accept\n"
	    "\t\treject with icmpx type admin-prohibited\n"
	    "\t}\n"
	    "\n", cfg->port, i, cfg->port, i, cfg->port, cfg->hs_per_phone, cfg->port);
	netconf__put(&b,
	    "\tchain forward {\n"
	    "\t\ttype filter hook forward priority filter; policy accept;\n"
	    "\t\tiifname \"%s\" drop\n"
	    "\t\toifname \"%s\" drop\n"
	    "\t}\n"
	    "}\n", i, i);
	return netconf__done(&b);
}

void
netconf_make_passphrase(char out[NETCONF_GEN_CHARS + 1])
{
	static const char alphabet[] = NETCONF_ALPHABET;
	size_t i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = alphabet[randombytes_uniform((uint32_t)(sizeof(alphabet) - 1))];
	}
	out[o] = '\0';
}

pb_err
netconf_passphrase(const struct config *cfg, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char path[PATH_MAX], made[NETCONF_GEN_CHARS + 2];
	char *data = NULL;
	size_t n = 0;
	pb_err rc;

	if (outlen < NETCONF_PASS_MAX + 1)
		return PB_ERR_LIMIT;
	out[0] = '\0';
	if (cfg->hs_open)
		return PB_OK;
	if (cfg->hs_passphrase[0] != '\0') {
		snprintf(out, outlen, "%s", cfg->hs_passphrase);
		return PB_OK;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", cfg->data_dir, NETCONF_PASS_FILE) >=
	    sizeof(path))
		return PB_ERR_LIMIT;
	rc = fs_read_file(path, 256, &data, &n);
	if (rc == PB_OK) {
		while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
			data[--n] = '\0';
		/* A bad stored passphrase is not replaced: phones and the
		 * facilitator card know the old one. */
		if (!netconf__pass_ok(data)) {
			snprintf(err, errlen, "%s: not a WPA2 passphrase (%d to %d printable "
			    "ASCII characters); fix or remove it", path, NETCONF_PASS_MIN,
			    NETCONF_PASS_MAX);
			free(data);
			return PB_ERR_INVALID;
		}
		snprintf(out, outlen, "%s", data);
		free(data);
		return PB_OK;
	}
	if (rc != PB_ERR_IO || errno != ENOENT) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return rc;
	}
	if (fs_mkdirs(cfg->data_dir, 0750) != PB_OK) {
		snprintf(err, errlen, "cannot create %s: %s", cfg->data_dir, strerror(errno));
		return PB_ERR_IO;
	}
	netconf_make_passphrase(made);
	n = strlen(made);
	made[n] = '\n';
	if (fs_write_atomic(path, made, n + 1, 0600) != PB_OK) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return PB_ERR_IO;
	}
	made[n] = '\0';
	snprintf(out, outlen, "%s", made);
	sodium_memzero(made, sizeof(made));
	return PB_OK;
}

static pb_err
netconf__write(const char *dir, const char *name, const char *text, int mode, char *err,
    size_t errlen)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		snprintf(err, errlen, "%s/%s: path too long", dir, name);
		return PB_ERR_LIMIT;
	}
	if (fs_write_atomic(path, text, strlen(text), mode) != PB_OK) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return PB_ERR_IO;
	}
	return PB_OK;
}

/* Run as root (the render unit): give path the data dir's owner and group,
 * so pamongd, its own user, can read what root made there. */
static pb_err
netconf__own(const char *data_dir, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (geteuid() != 0)
		return PB_OK;
	if (stat(data_dir, &st) < 0 || chown(path, st.st_uid, st.st_gid) < 0) {
		snprintf(err, errlen, "cannot give %s to the owner of %s: %s", path, data_dir,
		    strerror(errno));
		return PB_ERR_IO;
	}
	return PB_OK;
}

/* hotspot.env: what the units (and pamong-modem: MODEM_APN) need, in
 * shell syntax (values checked by netconf_check, so never quoted
 * characters). */
static pb_err
netconf__env(const struct config *cfg, char names[][16], int n, char *buf, size_t len)
{
	struct netconf__buf b = { buf, len, 0, 0 };
	int i;

	buf[0] = '\0';
	netconf__header(&b, "hotspot.env");
	netconf__put(&b, "HOTSPOT_INTERFACE=%s\nHOTSPOT_ADDRESS=%s\nHOTSPOT_BRIDGE=%d\n"
	    "MODEM_APN=%s\nHOTSPOT_RADIOS=\"", cfg->hs_interface, cfg->hs_address,
	    cfg->hs_radios[0] != '\0' ? 1 : 0, cfg->modem_apn);
	for (i = 0; i < n; i++)
		netconf__put(&b, "%s%s", i ? " " : "", names[i]);
	netconf__put(&b, "\"\n");
	return netconf__done(&b);
}

long
netconf_radio_channel(long channel, int k)
{
	static const long others[] = { 1, 6, 11 };
	long list[4];
	int n = 0;
	size_t i;

	list[n++] = channel;
	for (i = 0; i < PB_ARRAY_LEN(others); i++)
		if (others[i] != channel)
			list[n++] = others[i];
	return list[k % n];
}

static int
netconf__cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
netconf_radios(const struct config *cfg, const char *sysfs_net, char names[][16], int max)
{
	char pats[CONF_STR_MAX], path[PATH_MAX], *save = NULL, *tok;
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (cfg->hs_radios[0] == '\0') {
		snprintf(names[0], 16, "%.15s", cfg->hs_interface);
		return max > 0 ? 1 : 0;
	}
	if ((d = opendir(sysfs_net)) == NULL)
		return 0;
	while (n < max && (e = readdir(d)) != NULL) {
		struct stat st;
		int match = 0;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= 16)
			continue;
		snprintf(path, sizeof(path), "%s/%s/phy80211", sysfs_net, e->d_name);
		if (stat(path, &st) < 0)
			continue; /* not a radio */
		snprintf(pats, sizeof(pats), "%s", cfg->hs_radios);
		for (tok = strtok_r(pats, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
			if (fnmatch(tok, e->d_name, 0) == 0)
				match = 1;
		if (match)
			snprintf(names[n++], 16, "%s", e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, 16, netconf__cmp);
	return n;
}

pb_err
netconf_render(const struct config *cfg, const char *dir, char *err, size_t errlen)
{
	return netconf_render_at(cfg, dir, NETCONF_SYSFS_NET, err, errlen);
}

pb_err
netconf_render_at(const struct config *cfg, const char *dir, const char *sysfs_net,
    char *err, size_t errlen)
{
	enum { BUFSZ = 8192 };
	char pass[NETCONF_PASS_MAX + 1], driver[64], path[PATH_MAX];
	char names[NETCONF_MAX_RADIOS][16];
	char *hostapd = NULL, *dnsmasq = NULL, *nft = NULL, *env = NULL;
	struct netconf_ap ap;
	struct stat st;
	int nradios, i;
	pb_err rc;

	if ((rc = netconf_check(cfg, err, errlen)) != PB_OK)
		return rc;
	hostapd = malloc(BUFSZ);
	dnsmasq = malloc(BUFSZ);
	nft = malloc(BUFSZ);
	env = malloc(BUFSZ);
	if (hostapd == NULL || dnsmasq == NULL || nft == NULL || env == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = PB_ERR_NOMEM;
		goto out;
	}
	if ((rc = netconf_passphrase(cfg, pass, sizeof(pass), err, errlen)) != PB_OK)
		goto out;
	if (!cfg->hs_open && cfg->hs_passphrase[0] == '\0') {
		snprintf(path, sizeof(path), "%s/%s", cfg->data_dir, NETCONF_PASS_FILE);
		if ((rc = netconf__own(cfg->data_dir, path, err, errlen)) != PB_OK)
			goto out;
	}
	nradios = netconf_radios(cfg, sysfs_net, names, NETCONF_MAX_RADIOS);
	if ((rc = netconf_dnsmasq(cfg, dnsmasq, BUFSZ)) != PB_OK ||
	    (rc = netconf_nftables(cfg, nft, BUFSZ)) != PB_OK ||
	    (rc = netconf__env(cfg, names, nradios, env, BUFSZ)) != PB_OK) {
		snprintf(err, errlen, "cannot render the hotspot's configs (%s)", pb_strerror(rc));
		goto out;
	}
	if (fs_mkdirs(dir, 0755) != PB_OK) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		rc = PB_ERR_IO;
		goto out;
	}
	/* one hostapd per radio, as the kernel has it now; the control socket
	 * in the data dir's group (pamongd's) */
	for (i = 0; i < nradios; i++) {
		memset(&ap, 0, sizeof(ap));
		ap.ifname = names[i];
		if (netconf_radio_driver(sysfs_net, names[i], driver, sizeof(driver)) == 0)
			ap.radio = netconf_radio_lookup(driver);
		ap.ctrl_gid = stat(cfg->data_dir, &st) == 0 ? (long)st.st_gid : 0;
		ap.channel = netconf_radio_channel(cfg->hs_channel, i);
		ap.bridge = cfg->hs_radios[0] != '\0' ? cfg->hs_interface : NULL;
		if ((rc = netconf_hostapd(cfg, &ap, pass, hostapd, BUFSZ)) != PB_OK) {
			snprintf(err, errlen, "cannot render hostapd's config (%s)", pb_strerror(rc));
			goto out;
		}
		snprintf(path, sizeof(path), "hostapd-%s.conf", names[i]);
		if ((rc = netconf__write(dir, path, hostapd, 0600, err, errlen)) != PB_OK)
			goto out;
	}
	if ((rc = netconf__write(dir, "dnsmasq.conf", dnsmasq, 0644, err, errlen)) != PB_OK ||
	    (rc = netconf__write(dir, "nftables.conf", nft, 0644, err, errlen)) != PB_OK ||
	    (rc = netconf__write(dir, "hotspot.env", env, 0644, err, errlen)) != PB_OK)
		goto out;
out:
	sodium_memzero(pass, sizeof(pass));
	if (hostapd)
		sodium_memzero(hostapd, BUFSZ);
	free(hostapd);
	free(dnsmasq);
	free(nft);
	free(env);
	return rc;
}
