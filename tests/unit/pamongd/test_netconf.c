/* test_netconf.c — the hotspot's rendered configs (netconf) and the [hotspot]
 * checks: values from the config appear where hostapd, dnsmasq and nft read
 * them; WPA2-PSK/CCMP only, open only when asked; bad values are refused;
 * the passphrase is made once, stored 0600 and kept. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fsutil.h"
#include "netconf.h"
#include "tap.h"
#include "util.h"

static char buf[8192], err[512];

static void
defaults(struct config *cfg)
{
	(void)config_load(cfg, NULL, err, sizeof(err));
}

static int
has(const char *text, const char *line)
{
	return strstr(text, line) != NULL;
}

/* netconf_check on defaults with one field changed. */
static pb_err
check_with(size_t off, const char *value)
{
	struct config cfg;

	defaults(&cfg);
	snprintf((char *)&cfg + off, CONF_STR_MAX, "%s", value);
	err[0] = '\0';
	return netconf_check(&cfg, err, sizeof(err));
}
#define CHECK_WITH(field, value) check_with(offsetof(struct config, field), value)

static void
test_defaults(void)
{
	struct config cfg;

	defaults(&cfg);
	CHECK_EQ_STR(cfg.hs_interface, "wlan0", "interface defaults to wlan0");
	CHECK_EQ_STR(cfg.hs_ssid, "PamongBox", "ssid defaults to PamongBox");
	CHECK_EQ_STR(cfg.hs_passphrase, "", "passphrase defaults to empty (made at first start)");
	CHECK(!cfg.hs_open, "open defaults to no");
	CHECK_EQ_INT(cfg.hs_channel, 6, "channel defaults to 6");
	CHECK_EQ_STR(cfg.hs_country, "ID", "country defaults to ID");
	CHECK_EQ_STR(cfg.hs_address, "10.42.0.1/24", "address defaults to 10.42.0.1/24");
	CHECK(cfg.hs_lease_s <= 3600, "leases last an hour or less");
	CHECK(cfg.hs_isolate, "isolation defaults to on");
	CHECK_EQ_INT(cfg.hs_per_phone, 8, "8 connections per phone by default");
	CHECK(netconf_check(&cfg, err, sizeof(err)) == PB_OK, "the defaults pass the checks (%s)",
	    err);
}

static void
test_hostapd(void)
{
	struct config cfg;

	defaults(&cfg);
	snprintf(cfg.hs_interface, sizeof(cfg.hs_interface), "wlx00c0ca");
	snprintf(cfg.hs_ssid, sizeof(cfg.hs_ssid), "Desa Sukamaju");
	snprintf(cfg.hs_country, sizeof(cfg.hs_country), "MY");
	cfg.hs_channel = 11;
	cfg.hs_max_stations = 14;
	cfg.hs_isolate = 0;
	CHECK(netconf_hostapd(&cfg, NULL, "secret-passphrase", buf, sizeof(buf)) == PB_OK,
	    "hostapd.conf renders");
	CHECK(has(buf, "\ninterface=wlx00c0ca\n"), "hostapd: the interface from the config");
	CHECK(has(buf, "\nssid=Desa Sukamaju\n"), "hostapd: the SSID from the config");
	CHECK(has(buf, "\ncountry_code=MY\n") && has(buf, "\nieee80211d=1\n"),
	    "hostapd: the country code, advertised (802.11d)");
	CHECK(has(buf, "\nchannel=11\n"), "hostapd: the channel");
	CHECK(has(buf, "\nmax_num_sta=14\n"), "hostapd: max_num_sta from max_stations");
	CHECK(has(buf, "\nap_isolate=0\n"), "hostapd: ap_isolate follows isolate = no");
	CHECK(has(buf, "\nctrl_interface=/run/hostapd\n"), "hostapd: a control socket");
	CHECK(has(buf, "\nwpa=2\n") && has(buf, "\nwpa_key_mgmt=WPA-PSK\n") &&
	    has(buf, "\nrsn_pairwise=CCMP\n") &&
	    has(buf, "\nwpa_passphrase=secret-passphrase\n"),
	    "hostapd: WPA2-PSK with CCMP and the passphrase");
	CHECK(!has(buf, "SAE") && !has(buf, "TKIP") && !has(buf, "wpa_pairwise") &&
	    !has(buf, "wpa=3") && !has(buf, "wpa=1"),
	    "hostapd: no WPA3/SAE, no WPA1, no TKIP");
	defaults(&cfg);
	CHECK(netconf_hostapd(&cfg, NULL, "secret-passphrase", buf, sizeof(buf)) == PB_OK &&
	    has(buf, "\nap_isolate=1\n"), "hostapd: ap_isolate=1 by default");
	cfg.hs_open = 1;
	CHECK(netconf_hostapd(&cfg, NULL, "", buf, sizeof(buf)) == PB_OK && has(buf, "\nwpa=0\n") &&
	    !has(buf, "wpa_passphrase") && !has(buf, "wpa_key_mgmt"),
	    "hostapd: open = yes renders an open network, without a passphrase");
	CHECK(netconf_hostapd(&cfg, NULL, "", buf, 100) == PB_ERR_LIMIT,
	    "hostapd: a buffer too small is PB_ERR_LIMIT");
}

static void
test_dnsmasq(void)
{
	struct config cfg;

	defaults(&cfg);
	snprintf(cfg.hs_interface, sizeof(cfg.hs_interface), "ap0");
	snprintf(cfg.hs_address, sizeof(cfg.hs_address), "192.168.50.1/23");
	snprintf(cfg.hs_dhcp_start, sizeof(cfg.hs_dhcp_start), "192.168.50.100");
	snprintf(cfg.hs_dhcp_end, sizeof(cfg.hs_dhcp_end), "192.168.51.99");
	cfg.hs_lease_s = 900;
	CHECK(netconf_check(&cfg, err, sizeof(err)) == PB_OK, "a /23 subnet passes (%s)", err);
	CHECK(netconf_dnsmasq(&cfg, buf, sizeof(buf)) == PB_OK, "dnsmasq.conf renders");
	CHECK(has(buf, "\ninterface=ap0\n") && has(buf, "\nbind-dynamic\n") &&
	    has(buf, "\nexcept-interface=lo\n"), "dnsmasq: bound to the hotspot interface only");
	CHECK(has(buf, "\ndhcp-range=192.168.50.100,192.168.51.99,255.255.254.0,900s\n"),
	    "dnsmasq: the DHCP range, netmask and lease time");
	CHECK(has(buf, "\ndhcp-lease-max=256\n"), "dnsmasq: as many leases as the range holds");
	CHECK(has(buf, "\naddress=/#/192.168.50.1\n"), "dnsmasq: every name is the box (portal)");
	CHECK(has(buf, "\ndhcp-option=114,\"http://192.168.50.1/\"\n"),
	    "dnsmasq: option 114 (RFC 8910) carries the portal URL");
	CHECK(has(buf, "\ndhcp-option=option:router,192.168.50.1\n") &&
	    has(buf, "\ndhcp-option=option:dns-server,192.168.50.1\n"),
	    "dnsmasq: the box is the phones' gateway and DNS server");
	CHECK(has(buf, "\nno-resolv\n") && !has(buf, "\nserver="),
	    "dnsmasq: no upstream DNS servers");
	defaults(&cfg);
	CHECK(netconf_dnsmasq(&cfg, buf, sizeof(buf)) == PB_OK &&
	    has(buf, "\ndhcp-range=10.42.0.10,10.42.0.200,255.255.255.0,3600s\n") &&
	    has(buf, "\ndhcp-lease-max=191\n"), "dnsmasq: the defaults give 191 leases of 1 h");
}

static void
test_nftables(void)
{
	struct config cfg;

	defaults(&cfg);
	snprintf(cfg.hs_interface, sizeof(cfg.hs_interface), "pbhs");
	cfg.port = 8081;
	cfg.hs_per_phone = 12;
	CHECK(netconf_nftables(&cfg, buf, sizeof(buf)) == PB_OK, "nftables.conf renders");
	CHECK(strncmp(buf, "#!/usr/sbin/nft -f\n", 19) == 0 && has(buf, "\nflush ruleset\n"),
	    "nft: a complete ruleset that replaces what was loaded");
	CHECK(has(buf, "iifname \"pbhs\" tcp dport 80 redirect to :8081\n"),
	    "nft: port 80 from the hotspot goes to pamongd's port");
	CHECK(has(buf, "tcp dport 8081 add @phone_conns { ether saddr ct count over 12 } "
	    "reject with tcp reset\n"), "nft: the per-phone cap by MAC, from the config");
	CHECK(has(buf, "iifname != { \"lo\", \"pbhs\" } tcp dport 8081 drop\n"),
	    "nft: pamongd's port only from lo and the hotspot");
	CHECK(has(buf, "tcp dport 443 reject with tcp reset\n"), "nft: 443 refused at once");
	CHECK(has(buf, "\t\tiifname \"pbhs\" drop\n\t\toifname \"pbhs\" drop\n"),
	    "nft: nothing forwarded to or from the hotspot");
	CHECK(has(buf, "reject with icmpx type admin-prohibited\n"),
	    "nft: everything else from the hotspot refused");
	CHECK(!has(buf, "wlan0") && !has(buf, "8080"), "nft: no default left behind");
}

static void
test_refused(void)
{
	struct config cfg;

	CHECK(CHECK_WITH(hs_ssid, "") == PB_ERR_INVALID, "an empty SSID is refused");
	CHECK(CHECK_WITH(hs_ssid, "0123456789abcdef0123456789abcdef") == PB_OK,
	    "a 32-byte SSID is taken");
	CHECK(CHECK_WITH(hs_ssid, "0123456789abcdef0123456789abcdefX") == PB_ERR_INVALID &&
	    strstr(err, "hotspot.ssid") != NULL, "a 33-byte SSID is refused (%s)", err);
	CHECK(CHECK_WITH(hs_ssid, "Pamong\nwpa=0") == PB_ERR_INVALID,
	    "an SSID with a newline (a line injected into hostapd.conf) is refused");
	CHECK(CHECK_WITH(hs_passphrase, "1234567") == PB_ERR_INVALID &&
	    strstr(err, "hotspot.passphrase") != NULL, "a 7-character passphrase is refused");
	CHECK(CHECK_WITH(hs_passphrase, "12345678") == PB_OK, "an 8-character passphrase is taken");
	CHECK(CHECK_WITH(hs_passphrase,
	    "123456789012345678901234567890123456789012345678901234567890123") == PB_OK,
	    "a 63-character passphrase is taken");
	CHECK(CHECK_WITH(hs_passphrase,
	    "1234567890123456789012345678901234567890123456789012345678901234") == PB_ERR_INVALID,
	    "a 64-character passphrase is refused");
	CHECK(CHECK_WITH(hs_passphrase, "kata sandi\xc3\xa9") == PB_ERR_INVALID,
	    "a passphrase with non-ASCII characters is refused");
	defaults(&cfg);
	cfg.hs_open = 1;
	snprintf(cfg.hs_passphrase, sizeof(cfg.hs_passphrase), "12345678");
	CHECK(netconf_check(&cfg, err, sizeof(err)) == PB_ERR_INVALID,
	    "open = yes with a passphrase is refused (which one was meant?)");
	CHECK(CHECK_WITH(hs_country, "id") == PB_ERR_INVALID, "a lower-case country is refused");
	CHECK(CHECK_WITH(hs_country, "IDN") == PB_ERR_INVALID, "a 3-letter country is refused");
	CHECK(CHECK_WITH(hs_interface, "wlan0\" accept #") == PB_ERR_INVALID,
	    "an interface name that would inject nft syntax is refused");
	CHECK(CHECK_WITH(hs_interface, "wlan0123456789abc") == PB_ERR_INVALID,
	    "an interface name longer than IFNAMSIZ is refused");
	CHECK(CHECK_WITH(hs_address, "10.42.0.1") == PB_ERR_INVALID,
	    "an address without a prefix length is refused");
	CHECK(CHECK_WITH(hs_address, "10.42.0.0/24") == PB_ERR_INVALID,
	    "the network address as the box's address is refused");
	CHECK(CHECK_WITH(hs_address, "10.42.0.256/24") == PB_ERR_INVALID,
	    "a malformed address is refused");
	CHECK(CHECK_WITH(hs_address, "10.42.0.1/31") == PB_ERR_INVALID,
	    "a /31 is refused");
	CHECK(CHECK_WITH(hs_dhcp_start, "10.43.0.10") == PB_ERR_INVALID &&
	    strstr(err, "hotspot.dhcp_start") != NULL, "a range start outside the subnet is refused");
	CHECK(CHECK_WITH(hs_dhcp_end, "10.42.1.200") == PB_ERR_INVALID &&
	    strstr(err, "hotspot.dhcp_end") != NULL, "a range end outside the subnet is refused");
	CHECK(CHECK_WITH(hs_dhcp_end, "10.42.0.255") == PB_ERR_INVALID,
	    "the broadcast address as the range end is refused");
	CHECK(CHECK_WITH(hs_dhcp_end, "10.42.0.50") == PB_ERR_INVALID,
	    "a range of 41 addresses (under 64) is refused");
	CHECK(CHECK_WITH(hs_dhcp_start, "10.42.0.201") == PB_ERR_INVALID,
	    "a range that ends before it starts is refused");
	CHECK(CHECK_WITH(hs_address, "10.42.0.100/24") == PB_ERR_INVALID,
	    "a box address inside the DHCP range is refused");
}

/* Limits in the option table: a config file with them is refused. */
static void
test_table_limits(void)
{
	static const struct { const char *text, *what; } bad[] = {
		{ "[hotspot]\nchannel = 14\n", "channel 14 is refused (1 to 13)" },
		{ "[hotspot]\nlease_s = 86400\n", "a lease over an hour is refused" },
		{ "[hotspot]\nmax_stations = -1\n", "max_stations -1 is refused" },
		{ "[hotspot]\nname = Pamong Box\n", "a name with a space is refused" },
		{ "[hotspot]\ncontrol_dir = run/hostapd\n", "a relative control_dir is refused" },
		{ "[hotspot]\nper_phone_connections = 0\n", "a per-phone cap of 0 is refused" },
		{ "[hotspot]\nisolate = maybe\n", "isolate = maybe is refused" },
	};
	char path[] = "/tmp/test_netconf.XXXXXX";
	struct config cfg;
	size_t i;
	int fd;

	for (i = 0; i < PB_ARRAY_LEN(bad); i++) {
		fd = mkstemp(path);
		if (fd < 0 || write(fd, bad[i].text, strlen(bad[i].text)) < 0) {
			CHECK(0, "temporary file");
			return;
		}
		close(fd);
		CHECK(config_load(&cfg, path, err, sizeof(err)) == PB_ERR_INVALID ||
		    netconf_check(&cfg, err, sizeof(err)) == PB_ERR_INVALID, "%s", bad[i].what);
		unlink(path);
		snprintf(path, sizeof(path), "/tmp/test_netconf.XXXXXX");
	}
}

static void
test_passphrase(void)
{
	char dir[] = "/tmp/test_netconf.XXXXXX", pass[64], again[64], file[256];
	const char *p;
	struct config cfg;
	struct stat st;
	int good = 1;

	if (mkdtemp(dir) == NULL) {
		CHECK(0, "temporary directory");
		return;
	}
	defaults(&cfg);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s/data", dir);
	snprintf(file, sizeof(file), "%s/data/%s", dir, NETCONF_PASS_FILE);
	CHECK(netconf_passphrase(&cfg, pass, sizeof(pass), err, sizeof(err)) == PB_OK,
	    "a passphrase is made at first start (%s)", err);
	CHECK(strlen(pass) >= 12,
	    "it is %zu characters long (12 or more)", strlen(pass));
	for (p = pass; *p; p++)
		if (*p != '-' && strchr(NETCONF_ALPHABET, *p) == NULL)
			good = 0;
	CHECK(good && !strpbrk(pass, "01ilo"), "only characters without look-alikes: %s", pass);
	CHECK(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "it is stored in the data dir with mode 0600 (%o)", st.st_mode & 0777);
	CHECK(netconf_passphrase(&cfg, again, sizeof(again), err, sizeof(err)) == PB_OK &&
	    strcmp(pass, again) == 0, "the next start gives the same passphrase");
	snprintf(cfg.hs_passphrase, sizeof(cfg.hs_passphrase), "configured-pass");
	CHECK(netconf_passphrase(&cfg, again, sizeof(again), err, sizeof(err)) == PB_OK &&
	    strcmp(again, "configured-pass") == 0, "a configured passphrase wins");
	cfg.hs_passphrase[0] = '\0';
	cfg.hs_open = 1;
	CHECK(netconf_passphrase(&cfg, again, sizeof(again), err, sizeof(err)) == PB_OK &&
	    again[0] == '\0', "an open network has no passphrase");
	cfg.hs_open = 0;
	(void)fs_write_atomic(file, "short\n", 6, 0600);
	CHECK(netconf_passphrase(&cfg, again, sizeof(again), err, sizeof(err)) ==
	    PB_ERR_INVALID, "a damaged stored passphrase is refused, not silently replaced");
	(void)fs_remove_tree(dir);
}

static void
test_render(void)
{
	char dir[] = "/tmp/test_netconf.XXXXXX", path[512];
	struct config cfg;
	struct stat st;
	char *text = NULL;
	size_t n;

	if (mkdtemp(dir) == NULL) {
		CHECK(0, "temporary directory");
		return;
	}
	defaults(&cfg);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s/data", dir);
	snprintf(cfg.hs_ssid, sizeof(cfg.hs_ssid), "%s", "0123456789abcdef0123456789abcdefX");
	snprintf(path, sizeof(path), "%s/net", dir);
	CHECK(netconf_render(&cfg, path, err, sizeof(err)) == PB_ERR_INVALID &&
	    access(path, F_OK) != 0, "a bad config renders nothing (%s)", err);
	snprintf(cfg.hs_ssid, sizeof(cfg.hs_ssid), "PamongBox");
	CHECK(netconf_render(&cfg, path, err, sizeof(err)) == PB_OK, "the three files render");
	snprintf(path, sizeof(path), "%s/net/hostapd-wlan0.conf", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "hostapd.conf (it holds the passphrase) is mode 0600");
	snprintf(path, sizeof(path), "%s/net/dnsmasq.conf", dir);
	CHECK(fs_read_file(path, 65536, &text, &n) == PB_OK && has(text, "address=/#/10.42.0.1"),
	    "dnsmasq.conf is written");
	free(text);
	snprintf(path, sizeof(path), "%s/net/nftables.conf", dir);
	CHECK(access(path, R_OK) == 0, "nftables.conf is written");
	(void)fs_remove_tree(dir);
}

/* The adapter table: each radio's max_num_sta and ap_isolate note. */
static void
test_radios(void)
{
	const struct netconf_radio *brcm = netconf_radio_lookup("brcmfmac"),
	    *mt = netconf_radio_lookup("mt76x2u"), *mt79 = netconf_radio_lookup("mt7921u");
	struct netconf_ap ap = { "wlan0", NULL, 117 };
	char drv[32], dir[] = "/tmp/test_radios.XXXXXX", path[256];
	struct config cfg;

	CHECK(brcm && brcm->max_sta >= 8 && brcm->max_sta <= 10 && !brcm->isolates,
	    "brcmfmac: 8 to 10 phones, ap_isolate ignored");
	CHECK(mt && mt->max_sta > 15 && mt->isolates, "mt76x2u: more than 15, isolates");
	CHECK(mt79 && mt79->max_sta < 15 && netconf_radio_lookup("mt7925u")->max_sta < 15,
	    "mt7921u/mt7925u: just under their 15 stations");
	CHECK(netconf_radio_lookup("r8188eu") == NULL, "an unknown driver is not in the table");
	CHECK(netconf_radio_capacity(brcm, 0) == brcm->max_sta &&
	    netconf_radio_capacity(brcm, 5) == 5 && netconf_radio_capacity(brcm, 20) == brcm->max_sta,
	    "max_stations lowers a known radio's limit, never raises it");
	CHECK(netconf_radio_capacity(NULL, 0) == NETCONF_UNKNOWN_MAX_STA &&
	    netconf_radio_capacity(NULL, 14) == 14,
	    "an unknown radio: max_stations, else %d", NETCONF_UNKNOWN_MAX_STA);
	defaults(&cfg);
	ap.radio = brcm;
	CHECK(netconf_hostapd(&cfg, &ap, "secret-passphrase", buf, sizeof(buf)) == PB_OK &&
	    has(buf, "\nmax_num_sta=8\n") && has(buf, "IGNORES IT") &&
	    has(buf, "\nctrl_interface_group=117\n") && has(buf, "# the radio: brcmfmac"),
	    "hostapd on brcmfmac: max_num_sta 8, says ap_isolate is ignored, control group");
	ap.radio = mt;
	CHECK(netconf_hostapd(&cfg, &ap, "secret-passphrase", buf, sizeof(buf)) == PB_OK &&
	    has(buf, "\nmax_num_sta=32\n") && !has(buf, "IGNORES"),
	    "hostapd on mt76x2u: max_num_sta 32, isolated");
	/* the driver read from sysfs: a fake /sys/class/net */
	if (mkdtemp(dir) == NULL)
		return;
	snprintf(path, sizeof(path), "%s/wlan7", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/wlan7/device", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/wlan7/device/driver", dir);
	CHECK(symlink("../../../bus/usb/drivers/mt76x2u", path) == 0 &&
	    netconf_radio_driver(dir, "wlan7", drv, sizeof(drv)) == 0 &&
	    strcmp(drv, "mt76x2u") == 0, "the driver's name from sysfs (%s)", drv);
	CHECK(netconf_radio_driver(dir, "wlan8", drv, sizeof(drv)) < 0 &&
	    netconf_radio_driver(dir, "../wlan7", drv, sizeof(drv)) < 0,
	    "no driver for a missing interface or a path");
	unlink(path);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	(void)system(path);
}

/* [sync] hotspot_if and [http] portal_* moved to [hotspot]: read with a
 * warning; the derived values follow [hotspot]. */
static void
test_aliases(void)
{
	static const char text[] = "[http]\nportal_url = http://1.2.3.4/\n"
	    "portal_hosts = a,b\n[sync]\nhotspot_if = wlan9\n[hotspot]\naddress = 10.9.0.1/24\n"
	    "dhcp_start = 10.9.0.10\ndhcp_end = 10.9.0.200\n";
	char path[] = "/tmp/test_alias.XXXXXX";
	struct config cfg;
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) < 0) {
		CHECK(0, "temporary file");
		return;
	}
	close(fd);
	CHECK(config_load(&cfg, path, err, sizeof(err)) == PB_OK, "old names still load (%s)", err);
	CHECK(strcmp(cfg.hs_interface, "wlan9") == 0 && strcmp(cfg.hotspot_if, "wlan9") == 0,
	    "sync.hotspot_if sets hotspot.interface");
	CHECK(has(cfg.warnings, ":5: warning: sync.hotspot_if is deprecated: use hotspot.interface") &&
	    has(cfg.warnings, ":2: warning: http.portal_url is deprecated and ignored") &&
	    has(cfg.warnings, ":3: warning: http.portal_hosts is deprecated and ignored"),
	    "each old name is warned about with its line");
	CHECK(strcmp(cfg.portal_url, "http://10.9.0.1/") == 0 &&
	    strcmp(cfg.portal_hosts, "10.9.0.1,pamong.box,localhost,127.0.0.1") == 0 &&
	    strcmp(cfg.hotspot_ip, "10.9.0.1") == 0,
	    "the portal and the box's names follow hotspot.address (%s; %s)", cfg.portal_url,
	    cfg.portal_hosts);
	unlink(path);
	defaults(&cfg);
	CHECK(cfg.warnings[0] == '\0' && strcmp(cfg.listen, "hotspot,127.0.0.1") == 0,
	    "defaults: no warnings; listen on the hotspot address and loopback");
}

int
main(void)
{
	if (util_init() != PB_OK)
		return 1;
	test_defaults();
	test_hostapd();
	test_dnsmasq();
	test_nftables();
	test_refused();
	test_table_limits();
	test_passphrase();
	test_render();
	test_radios();
	test_aliases();
	return TAP_DONE();
}
