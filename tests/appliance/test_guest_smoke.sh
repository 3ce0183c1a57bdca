#!/bin/sh
# The appliance guest works (runs inside it, as root; see tests/appliance/README.md):
# two simulated radios; hostapd brings up a WPA2 AP on wlan0; a "phone" (wlan1
# in its own network namespace) associates with wpa_supplicant, gets a DHCP
# lease from dnsmasq and pings the box; gpio-sim lines named like the box's
# LEDs and button are driven and read with libgpiod's tools; and the shared
# build/pamongd runs with the guest's libraries and answers the phone.
# Usage (from the checkout): tests/appliance/guest/run.sh tests/appliance/test_guest_smoke.sh
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
BOX_IP=10.42.0.1
SSID=pamong-smoke
PSK=smoke-test-passphrase
T=$(mktemp -d /tmp/smoke.XXXXXX)
. tests/appliance/lib.sh
cleanup() {
	stop_phone
	[ -d /sys/kernel/config/gpio-sim/pamong ] && {
		echo 0 >/sys/kernel/config/gpio-sim/pamong/live
		rmdir /sys/kernel/config/gpio-sim/pamong/bank0/line* \
			/sys/kernel/config/gpio-sim/pamong/bank0 /sys/kernel/config/gpio-sim/pamong
	} 2>/dev/null
}
trap cleanup EXIT

# (a) two radios
radios() { [ "$(iw dev | grep -cE 'Interface wlan[01]$')" -eq 2 ]; }
check "iw dev shows two radios, wlan0 and wlan1" radios

# (b) the box's access point: WPA2-PSK on wlan0
cat >"$T/hostapd.conf" <<EOF
interface=wlan0
driver=nl80211
ctrl_interface=$T/hostapd
ssid=$SSID
country_code=ID
hw_mode=g
channel=6
wpa=2
wpa_key_mgmt=WPA-PSK
rsn_pairwise=CCMP
wpa_passphrase=$PSK
EOF
ip addr add "$BOX_IP/24" dev wlan0
bg "$T/hostapd.log" hostapd "$T/hostapd.conf"
if wait_for 15 "$T/hostapd.log" 'AP-ENABLED'; then
	ok "hostapd brings up a WPA2 access point on wlan0 (AP-ENABLED)"
else
	not_ok "hostapd brings up a WPA2 access point on wlan0 (AP-ENABLED)" "$T/hostapd.log"
fi

# (c) a phone: wlan1's radio in its own namespace, joined with wpa_supplicant
phone_radio wlan1
phone_join wlan1 "$SSID" "$PSK" \
	"the phone ($phy in its own namespace) joins with WPA2-PSK (CTRL-EVENT-CONNECTED)"

# (d) dnsmasq on wlan0 leases the phone an address (busybox udhcpc in the phone)
bg "$T/dnsmasq.log" dnsmasq --keep-in-foreground --log-facility=- --conf-file=/dev/null \
	--user=root --interface=wlan0 --bind-interfaces --no-resolv --no-hosts \
	--address="/#/$BOX_IP" --dhcp-range=10.42.0.10,10.42.0.250,255.255.255.0,1h \
	--dhcp-leasefile="$T/leases" --dhcp-authoritative
cat >"$T/udhcpc.sh" <<'EOF'
#!/bin/sh
case $1 in
bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/$subnet" dev "$interface" ;;
esac
EOF
chmod +x "$T/udhcpc.sh"
lease() {
	ip netns exec phone busybox udhcpc -i wlan1 -q -n -t 10 -T 2 -s "$T/udhcpc.sh" &&
		ip -n phone -4 addr show wlan1 | grep -q 'inet 10\.42\.0\.'
}
if lease >"$T/udhcpc.log" 2>&1; then
	ok "dnsmasq on wlan0 leases the phone $(ip -n phone -4 -o addr show wlan1 | awk '{print $4}')"
else
	not_ok "dnsmasq on wlan0 leases the phone an address" "$T/udhcpc.log" "$T/dnsmasq.log"
fi

# (e) the phone reaches the box over the air
check "the phone pings the box at $BOX_IP" ip netns exec phone ping -c 2 -W 3 "$BOX_IP"

# (f) gpio-sim: a chip with the box's line names, driven and read with libgpiod v1 tools
G=/sys/kernel/config/gpio-sim/pamong
make_chip() {
	mkdir "$G" "$G/bank0" &&
		echo 4 >"$G/bank0/num_lines" &&
		i=0 &&
		for name in led-system led-wifi led-sync button; do
			mkdir "$G/bank0/line$i" && echo "$name" >"$G/bank0/line$i/name" || return 1
			i=$((i + 1))
		done &&
		echo 1 >"$G/live" &&
		[ "$(gpiofind button)" = "$(cat "$G/bank0/chip_name") 3" ]
}
check "gpio-sim makes a chip with lines led-system, led-wifi, led-sync, button" make_chip
chip=$(cat "$G/bank0/chip_name" 2>/dev/null)
sim=/sys/devices/platform/$(cat "$G/dev_name" 2>/dev/null)/$chip
drive_led() { # gpioset holds led-wifi high; the simulator's value shows it
	gpioset --mode=signal "$chip" 1=1 &
	p=$!
	i=0
	while [ "$(cat "$sim/sim_gpio1/value")" != 1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	v=$(cat "$sim/sim_gpio1/value")
	kill "$p"
	wait "$p" 2>/dev/null
	echo "sim_gpio1/value=$v"
	[ "$v" = 1 ]
}
check "gpioset drives led-wifi high and gpio-sim's value shows 1" drive_led
read_button() { # pulling the button line is what gpioget reads
	echo pull-up >"$sim/sim_gpio3/pull" && up=$(gpioget "$chip" 3) &&
		echo pull-down >"$sim/sim_gpio3/pull" && down=$(gpioget "$chip" 3) &&
		echo "pull-up: $up, pull-down: $down" && [ "$up" = 1 ] && [ "$down" = 0 ]
}
check "pulling the button line up and down is what gpioget reads" read_button
button_edge() { # an edge on the button reaches gpiomon (the patched irq_sim)
	gpiomon --num-events=1 --rising-edge "$chip" 3 >"$T/gpiomon.log" 2>&1 &
	p=$!
	# edges again and again until gpiomon has one: on a loaded machine it may
	# not watch the line yet when the first comes
	i=0
	while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
		echo pull-down >"$sim/sim_gpio3/pull"
		sleep 0.05
		echo pull-up >"$sim/sim_gpio3/pull"
		sleep 0.1
		i=$((i + 1))
	done
	kill "$p" 2>/dev/null
	cat "$T/gpiomon.log"
	grep -q 'RISING EDGE' "$T/gpiomon.log"
}
check "gpiomon sees the button's rising edge" button_edge

# (g) the checkout's own pamongd runs here with the guest's libraries
box_conf "$T/pamongd.conf" "[http]" "listen = $BOX_IP"
check "$BUILD/pamongd -n -f accepts a configuration in the guest" "$BUILD/pamongd" -n -f "$T/pamongd.conf"
check "$BUILD/pamong-hub --help runs in the guest (its libraries are there too)" "$BUILD/pamong-hub" --help
bg "$T/pamongd.log" "$BUILD/pamongd" -d -f "$T/pamongd.conf"
health() { # the phone reads pamongd's health over the air
	i=0
	while [ $i -lt 30 ]; do
		ip netns exec phone python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())' \
			"http://$BOX_IP:8080/api/v1/health" && return 0
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}
if health >"$T/health.log" 2>&1 && grep -q '"version"' "$T/health.log"; then
	ok "the phone reads pamongd's /api/v1/health over the Wi-Fi"
else
	not_ok "the phone reads pamongd's /api/v1/health over the Wi-Fi" "$T/health.log" "$T/pamongd.log"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
