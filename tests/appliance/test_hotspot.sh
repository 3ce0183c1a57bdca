#!/bin/sh
# The hotspot from one config (runs inside the appliance guest, as root; see
# tests/appliance/README.md): `pamongd --render-net` writes hostapd.conf,
# dnsmasq.conf and nftables.conf from a pamongd config that only names its
# paths ([hotspot] is all defaults); hostapd, dnsmasq, nft and pamongd start
# with exactly those files on wlan0; a "phone" (wlan1 in its own network
# namespace) joins with the passphrase pamongd made and stored in its data
# dir, gets a DHCP lease carrying option 114 (RFC 8910) with the portal API's URL,
# resolves an arbitrary name to the box, and reads
# http://pamong.box/api/v1/health through port 80.
# Usage (from the checkout): tests/appliance/guest/run.sh tests/appliance/test_hotspot.sh
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
BOX_IP=10.42.0.1
T=$(mktemp -d /tmp/hotspot.XXXXXX)
NET=$T/net
. tests/appliance/lib.sh
trap stop_phone EXIT

# (a) render the three files from the config's [hotspot] defaults
box_conf "$T/pamongd.conf"
check "pamongd --render-net writes hostapd.conf, dnsmasq.conf and nftables.conf" \
	"$BUILD/pamongd" -f "$T/pamongd.conf" --render-net "$NET"
PSK=$(cat "$T/box/hotspot-passphrase" 2>/dev/null)
SSID=$(sed -n 's/^ssid=//p' "$NET/hostapd-wlan0.conf")
passphrase_made() {
	ls -l "$T/box/hotspot-passphrase"
	[ "${#PSK}" -ge 12 ] && ls -l "$T/box/hotspot-passphrase" | grep -q '^-rw-------' &&
		grep -qx "wpa_passphrase=$PSK" "$NET/hostapd-wlan0.conf"
}
check "the passphrase was made (${#PSK} characters), stored 0600 and rendered" passphrase_made

# (b) the box: the rendered files, unchanged
ip addr add "$BOX_IP/24" dev wlan0
ip link set wlan0 up
check "nft loads the rendered ruleset" nft -f "$NET/nftables.conf"
bg "$T/hostapd.log" hostapd "$NET/hostapd-wlan0.conf"
if wait_for 15 "$T/hostapd.log" 'AP-ENABLED'; then
	ok "hostapd starts from the rendered hostapd.conf (AP-ENABLED, WPA2, SSID $SSID)"
else
	not_ok "hostapd starts from the rendered hostapd.conf (AP-ENABLED)" "$T/hostapd.log"
fi
bg "$T/dnsmasq.log" dnsmasq --keep-in-foreground --log-facility=- --user=root \
	--conf-file="$NET/dnsmasq.conf" --dhcp-leasefile="$T/leases" --pid-file="$T/dnsmasq.pid" \
	--log-dhcp
if wait_for 10 "$T/dnsmasq.log" 'DHCP, IP range'; then
	ok "dnsmasq starts from the rendered dnsmasq.conf"
else
	not_ok "dnsmasq starts from the rendered dnsmasq.conf" "$T/dnsmasq.log"
fi
bg "$T/pamongd.log" "$BUILD/pamongd" -d -f "$T/pamongd.conf"

# (c) a phone joins with the generated passphrase
phone_radio wlan1
phone_join wlan1 "$SSID" "$PSK" "the phone joins with WPA2-PSK and the passphrase from the data dir"

# (d) DHCP: a lease, option 114 requested and received (busybox udhcpc's env)
cat >"$T/udhcpc.sh" <<EOF
#!/bin/sh
case \$1 in
bound|renew)
	env >"$T/lease.env"
	ip addr flush dev "\$interface"
	ip addr add "\$ip/\$subnet" dev "\$interface"
	[ -n "\$router" ] && ip route replace default via "\$router" dev "\$interface"
	mkdir -p /etc/netns/phone
	for d in \$dns; do echo "nameserver \$d"; done >/etc/netns/phone/resolv.conf ;;
esac
EOF
chmod +x "$T/udhcpc.sh"
lease() {
	ip netns exec phone busybox udhcpc -i wlan1 -q -n -t 10 -T 2 -O 114 -s "$T/udhcpc.sh" &&
		ip -n phone -4 addr show wlan1 | grep -q 'inet 10\.42\.0\.'
}
if lease >"$T/udhcpc.log" 2>&1; then
	ok "dnsmasq leases the phone $(ip -n phone -4 -o addr show wlan1 | awk '{print $4}')"
else
	not_ok "dnsmasq leases the phone an address" "$T/udhcpc.log" "$T/dnsmasq.log"
fi
URL_HEX=$(printf 'http://%s/portal/api' "$BOX_IP" | od -An -tx1 | tr -d ' \n')
option_114() {
	grep -E '^(opt114|router|dns|lease)=' "$T/lease.env"
	grep -qx "router=$BOX_IP" "$T/lease.env" && grep -qx "dns=$BOX_IP" "$T/lease.env" &&
		{ grep -qix "opt114=$URL_HEX" "$T/lease.env" ||
			grep -qx "opt114=http://$BOX_IP/portal/api" "$T/lease.env"; }
}
check "the lease carries option 114 = http://$BOX_IP/portal/api (RFC 8910), the box as router and DNS" \
	option_114
lease_time() {
	t=$(sed -n 's/^lease=//p' "$T/lease.env")
	echo "lease=$t"
	[ -n "$t" ] && [ "$t" -le 3600 ]
}
check "the lease lasts an hour or less" lease_time

# (e) DNS: any name is the box
resolve() {
	ip netns exec phone python3 -c 'import socket, sys
a = socket.gethostbyname(sys.argv[1]); print(a); sys.exit(a != sys.argv[2])' \
		connectivitycheck.gstatic.com "$BOX_IP"
}
check "the phone resolves connectivitycheck.gstatic.com to the box ($BOX_IP)" resolve
resolve_msft() {
	ip netns exec phone python3 -c 'import socket, sys
a = socket.gethostbyname("dns.msftncsi.com"); print(a); sys.exit(a != "131.107.255.255")'
}
check "the phone resolves dns.msftncsi.com to Microsoft's address (Windows' DNS check)" resolve_msft

# (f) the app by its short name, through port 80 (nft redirects it to pamongd's 8080)
health() {
	i=0
	while [ $i -lt 40 ]; do
		ip netns exec phone python3 -c 'import sys, urllib.request
r = urllib.request.urlopen(sys.argv[1], timeout=3)
print(r.status, r.read().decode()); sys.exit(r.status != 200)' \
			"http://pamong.box/api/v1/health" && return 0
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}
if health >"$T/health.log" 2>&1 && grep -q '"version"' "$T/health.log"; then
	ok "the phone GETs http://pamong.box/api/v1/health through port 80: 200"
else
	not_ok "the phone GETs http://pamong.box/api/v1/health through port 80: 200" \
		"$T/health.log" "$T/pamongd.log"
fi
https_refused() {
	ip netns exec phone python3 -c 'import socket, sys, time
s = socket.socket(); s.settimeout(5); t = time.monotonic()
try:
    s.connect((sys.argv[1], 443)); sys.exit("connected")
except ConnectionRefusedError:
    print("refused in %.0f ms" % ((time.monotonic() - t) * 1000))' "$BOX_IP"
}
check "port 443 is refused at once over the air" https_refused

echo "1..$n"
[ "$failed" -eq 0 ]
