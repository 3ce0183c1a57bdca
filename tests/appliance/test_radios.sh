#!/bin/sh
# One hostapd per radio (runs inside the appliance guest, as root; see
# tests/appliance/README.md): mac80211_hwsim is reloaded with three radios;
# `pamongd --render-net` with [hotspot] radios = wlan0,wlan1 and interface =
# pamong0 writes one hostapd config per radio (the same SSID and passphrase,
# channels 6 and 1, max_num_sta from the adapter table, bridge=pamong0);
# the bridge is made as pamong-net.service makes it; both hostapds come up
# in it; a phone on the third radio joins, gets a lease through the bridge,
# and pamongd's health counts it on the radio it joined, with both radios'
# capacity.
# Usage (from the checkout): tests/appliance/guest/run.sh tests/appliance/test_radios.sh
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
T=$(mktemp -d /tmp/radios.XXXXXX)
NET=$T/net
CHECK_LOGS="$T/pamongd.log"
. tests/appliance/lib.sh
trap stop_phone EXIT

check "mac80211_hwsim with three radios" sh -c \
	'rmmod mac80211_hwsim && modprobe mac80211_hwsim radios=3 && sleep 0.5 && ls /sys/class/net | tee /dev/stderr | grep -q wlan2'
# the phone's radio leaves first: the render sees the box's radios only
phone_radio wlan2

box_conf "$T/pamongd.conf" "[hotspot]" "interface = pamong0" "radios = wlan*" \
	"control_dir = $T/hostapd"
check "pamongd --render-net with radios = wlan* renders" "$BUILD/pamongd" -f "$T/pamongd.conf" --render-net "$NET"
two_files() {
	ls "$NET"
	[ -f "$NET/hostapd-wlan0.conf" ] && [ -f "$NET/hostapd-wlan1.conf" ] &&
		grep -q '^bridge=pamong0$' "$NET/hostapd-wlan0.conf" &&
		grep -q '^bridge=pamong0$' "$NET/hostapd-wlan1.conf" &&
		grep -q '^channel=6$' "$NET/hostapd-wlan0.conf" && grep -q '^channel=1$' "$NET/hostapd-wlan1.conf" &&
		grep -q '^max_num_sta=30$' "$NET/hostapd-wlan1.conf" &&
		[ "$(grep '^ssid=\|^wpa_passphrase=' "$NET/hostapd-wlan0.conf")" = \
			"$(grep '^ssid=\|^wpa_passphrase=' "$NET/hostapd-wlan1.conf")" ] &&
		grep -qx 'HOTSPOT_RADIOS="wlan0 wlan1"' "$NET/hotspot.env"
}
check "hostapd-wlan0.conf (channel 6) and hostapd-wlan1.conf (channel 1): one SSID and passphrase, bridge pamong0" two_files

# the bridge, as pamong-net.service's ExecStartPost makes it
. "$NET/hotspot.env"
ip link add "$HOTSPOT_INTERFACE" type bridge
ip link set "$HOTSPOT_INTERFACE" up
ip addr replace "$HOTSPOT_ADDRESS" dev "$HOTSPOT_INTERFACE"
check "nft loads the rendered ruleset (for pamong0)" nft -f "$NET/nftables.conf"
bg "$T/hostapd0.log" hostapd "$NET/hostapd-wlan0.conf"
bg "$T/hostapd1.log" hostapd "$NET/hostapd-wlan1.conf"
if wait_for 20 "$T/hostapd0.log" 'AP-ENABLED' && wait_for 20 "$T/hostapd1.log" 'AP-ENABLED'; then
	ok "both hostapds are up (AP-ENABLED)"
else
	not_ok "both hostapds are up (AP-ENABLED)" "$T/hostapd0.log" "$T/hostapd1.log"
fi
in_bridge() {
	bridge link show | tee /dev/stderr | grep -c 'master pamong0' | grep -qx 2
}
check "both radios are ports of the bridge pamong0" in_bridge
bg "$T/dnsmasq.log" dnsmasq --keep-in-foreground --log-facility=- --user=root \
	--conf-file="$NET/dnsmasq.conf" --dhcp-leasefile="$T/leases" --pid-file=
bg "$T/pamongd.log" "$BUILD/pamongd" -d -f "$T/pamongd.conf"
wait_for 30 "$T/pamongd.log" 'serving on' || not_ok "pamongd serves" "$T/pamongd.log"

# a phone joins the SSID (either radio) and gets a lease through the bridge
PSK=$(cat "$T/box/hotspot-passphrase")
phone_join wlan2 PamongBox "$PSK" "the phone joins PamongBox"
lease() {
	ip netns exec phone busybox udhcpc -i wlan2 -q -n -t 10 -T 2 -s /bin/true 2>&1 |
		tee /dev/stderr | grep -q 'lease of 10\.42\.0\.'
}
check "the phone gets a lease through the bridge" lease
counted() {
	i=0
	while [ $i -lt 40 ]; do
		python3 -c 'import json, sys, urllib.request
h = json.load(urllib.request.urlopen("http://127.0.0.1:8080/api/v1/health", timeout=5))["wifi"]
print(json.dumps(h))
r = {x["interface"]: x for x in h["radios"]}
sys.exit(0 if h["phones"] == 1 and set(r) == {"wlan0", "wlan1"} and h["capacity"] == 60
         and sum(x["phones"] for x in r.values()) == 1 and {x["channel"] for x in r.values()} == {1, 6}
         else 1)' && return 0
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}
check "health: 1 phone, radios wlan0 and wlan1 (channels 6 and 1), capacity 30 + 30" counted

echo "1..$n"
[ "$failed" -eq 0 ]
