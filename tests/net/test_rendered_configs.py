"""`pamongd --render-net DIR` and the tools that read what it writes (root:
`nft -c` needs CAP_NET_ADMIN; it only checks, nothing is loaded):

- the defaults and a changed [hotspot] section render files that
  `dnsmasq --test -C` and `nft -c -f` accept (hostapd is checked by starting it
  on a simulated radio: tests/appliance/test_hotspot.sh);
- the rendered ruleset with the defaults is the hotspot firewall the image
  shipped by hand before (image-build/overlay/etc/nftables.conf, now gone):
  wlan0, port 8080, 8 connections per phone;
- the passphrase is made once (12+ characters, mode 0600 in the data dir) and
  kept by the next render; open = yes renders an open network;
- a bad [hotspot] value (a 33-byte SSID, a 7-character passphrase, a DHCP range
  outside the subnet) is refused with the option's name and writes nothing."""

import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import AREA_FILE, BUILD, PAMONGD, eq, ok, run_tests  # noqa: E402

TMP = tempfile.mkdtemp(prefix="pb-render-")


def render(name, hotspot=""):
    """Writes a config whose [hotspot] section is `hotspot`, renders it into
    TMP/name/net; returns (process, net dir, data dir)."""
    base = os.path.join(TMP, name)
    os.makedirs(base, exist_ok=True)
    conf = os.path.join(base, "pamongd.conf")
    with open(conf, "w") as f:
        f.write("[http]\nwebroot = %s\n[storage]\ndata_dir = %s/data\n[area]\nfile = %s\n"
                "[hotspot]\n%s" % (os.path.join(BUILD, "webroot"), base, AREA_FILE, hotspot))
    out = os.path.join(base, "net")
    r = subprocess.run([PAMONGD, "-f", conf, "--render-net", out], capture_output=True,
                       text=True)
    return r, out, os.path.join(base, "data")


def tool_checks(net, what):
    conf = os.path.join(net, "dnsmasq.conf")
    r = subprocess.run(["dnsmasq", "--test", "-C", conf], capture_output=True, text=True)
    ok(r.returncode == 0 and "syntax check OK" in r.stderr + r.stdout,
       "dnsmasq --test accepts the rendered dnsmasq.conf (%s)" % what, r.stderr)
    r = subprocess.run(["nft", "-c", "-f", os.path.join(net, "nftables.conf")],
                       capture_output=True, text=True)
    ok(r.returncode == 0, "nft -c accepts the rendered nftables.conf (%s)" % what, r.stderr)


def rules(text):
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def test_defaults():
    r, net, data = render("defaults")
    ok(r.returncode == 0, "--render-net with the [hotspot] defaults exits 0", r.stderr)
    eq(sorted(os.listdir(net)), ["dnsmasq.conf", "hostapd-wlan0.conf", "hotspot.env", "nftables.conf"],
       "it writes hostapd-wlan0.conf, dnsmasq.conf, nftables.conf and hotspot.env "
       "(no temporary files left)")
    with open(os.path.join(net, "hotspot.env")) as f:
        env = f.read()
    ok("\nHOTSPOT_INTERFACE=wlan0\n" in env and "\nHOTSPOT_ADDRESS=10.42.0.1/24\n" in env,
       "hotspot.env names the interface and the box's address for the units")
    tool_checks(net, "defaults")
    with open(os.path.join(net, "nftables.conf")) as f:
        got = rules(f.read())
    # the hand-written ruleset the image shipped until the renderer replaced it
    want = rules(HAND_WRITTEN)
    eq(got, want, "with the defaults the ruleset is the former hand-written one, rule for rule")
    mode = stat.S_IMODE(os.stat(os.path.join(net, "hostapd-wlan0.conf")).st_mode)
    eq(mode, 0o600, "hostapd.conf (it holds the passphrase) is mode 0600")
    pf = os.path.join(data, "hotspot-passphrase")
    with open(pf) as f:
        psk = f.read().strip()
    ok(len(psk) >= 12 and stat.S_IMODE(os.stat(pf).st_mode) == 0o600,
       "the passphrase is made (%d characters) and kept 0600 in the data dir" % len(psk))
    with open(os.path.join(net, "hostapd-wlan0.conf")) as f:
        hostapd = f.read()
    ok("\nwpa_passphrase=%s\n" % psk in hostapd and "\nwpa=2\n" in hostapd
       and "\nrsn_pairwise=CCMP\n" in hostapd, "hostapd.conf is WPA2-PSK/CCMP with it")
    r, _, _ = render("defaults")
    with open(pf) as f:
        eq(f.read().strip(), psk, "rendering again keeps the same passphrase")


def test_changed_values():
    r, net, _ = render("changed", "interface = wlx0013ef\nssid = Desa Sukamaju\n"
                       "passphrase = belajar-bersama\nchannel = 1\naddress = 192.168.60.1/23\n"
                       "dhcp_start = 192.168.60.20\ndhcp_end = 192.168.61.250\nlease_s = 600\n"
                       "isolate = no\nmax_stations = 14\nper_phone_connections = 6\n")
    ok(r.returncode == 0, "--render-net with every [hotspot] value changed exits 0", r.stderr)
    tool_checks(net, "changed values")
    with open(os.path.join(net, "hostapd-wlx0013ef.conf")) as f:
        h = f.read()
    ok(all(x in h for x in ("interface=wlx0013ef\n", "ssid=Desa Sukamaju\n", "channel=1\n",
                            "ap_isolate=0\n", "max_num_sta=14\n",
                            "wpa_passphrase=belajar-bersama\n")),
       "hostapd.conf carries the changed values")
    with open(os.path.join(net, "dnsmasq.conf")) as f:
        d = f.read()
    ok("dhcp-range=192.168.60.20,192.168.61.250,255.255.254.0,600s\n" in d
       and "address=/#/192.168.60.1\n" in d and 'dhcp-option=114,"http://192.168.60.1/"' in d,
       "dnsmasq.conf carries the range, lease, address and portal URL")
    with open(os.path.join(net, "nftables.conf")) as f:
        n = f.read()
    ok('iifname "wlx0013ef" tcp dport 80 redirect' in n and "ct count over 6 }" in n
       and "wlan0" not in n, "nftables.conf carries the interface and the per-phone cap")


def test_open_by_choice():
    r, net, data = render("open", "open = yes\n")
    ok(r.returncode == 0, "open = yes renders", r.stderr)
    with open(os.path.join(net, "hostapd-wlan0.conf")) as f:
        h = f.read()
    ok("\nwpa=0\n" in h and "wpa_passphrase" not in h, "an open network, by explicit choice")
    ok(not os.path.exists(os.path.join(data, "hotspot-passphrase")),
       "no passphrase is made for an open network")


def test_bad_values_refused():
    for name, section, key in (
            ("ssid", "ssid = 0123456789abcdef0123456789abcdefX\n", "hotspot.ssid"),
            ("short", "passphrase = 1234567\n", "hotspot.passphrase"),
            ("range", "dhcp_end = 10.42.1.20\n", "hotspot.dhcp_end"),
            ("channel", "channel = 14\n", "channel")):
        r, net, _ = render("bad-" + name, section)
        ok(r.returncode != 0 and key in r.stderr and not os.path.exists(net),
           "%s is refused with a message naming it, nothing written (%s)"
           % (section.strip(), r.stderr.strip()))


# The ruleset image-build/overlay/etc/nftables.conf held until this commit, minus
# its comments: what the defaults must still render.
HAND_WRITTEN = """
#!/usr/sbin/nft -f
flush ruleset
table inet pamong {
	set phone_conns {
		type ether_addr
		size 4096
		flags dynamic
	}
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "wlan0" tcp dport 80 redirect to :8080
	}
	chain input {
		type filter hook input priority filter; policy accept;
		iifname != { "lo", "wlan0" } tcp dport 8080 drop
		iifname != "wlan0" accept
		ct state established,related accept
		ct state invalid drop
		udp dport { 53, 67 } accept
		tcp dport 53 accept
		tcp dport 443 reject with tcp reset
		tcp dport 8080 add @phone_conns { ether saddr ct count over 8 } reject with tcp reset
		tcp dport 8080 accept
		icmp type echo-request accept
		icmpv6 type { echo-request, nd-neighbor-solicit, nd-router-solicit } accept
		reject with icmpx type admin-prohibited
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "wlan0" drop
		oifname "wlan0" drop
	}
}
"""

try:
    run_tests(globals())
finally:
    shutil.rmtree(TMP, ignore_errors=True)
