#!/bin/sh
# The status LEDs and the button on real GPIO lines (runs inside the appliance
# guest, as root; see tests/appliance/README.md): gpio-sim makes a chip with
# lines led-system, led-wifi, led-sync, button; build/pamongd runs with
# [leds] backend = gpio on them (libgpiod, found by line name). The
# simulator's sysfs value files show what pamongd drives: the system LED
# steady once serving, the sync LED off with no uplink, the wifi LED off with
# no hotspot. Pulling the button line up for 100 ms → "sync now" in the log;
# holding it 5 s → pamongd stops cleanly (status 0, "shutdown by button").
# Usage (from the checkout): tests/appliance/guest/run.sh tests/appliance/test_leds.sh
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
T=$(mktemp -d /tmp/leds.XXXXXX)
G=/sys/kernel/config/gpio-sim/leds
pid=

CHECK_LOGS="$T/pamongd.log"
. tests/appliance/lib.sh
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -d "$G" ] && {
		echo 0 >"$G/live"
		rmdir "$G"/bank0/line* "$G/bank0" "$G"
	} 2>/dev/null
}
trap cleanup EXIT

# (a) the chip: four named lines
make_chip() {
	mkdir "$G" "$G/bank0" &&
		echo 4 >"$G/bank0/num_lines" &&
		i=0 &&
		for name in led-system led-wifi led-sync button; do
			mkdir "$G/bank0/line$i" && echo "$name" >"$G/bank0/line$i/name" || return 1
			i=$((i + 1))
		done &&
		echo 1 >"$G/live"
}
check "gpio-sim makes a chip with lines led-system, led-wifi, led-sync, button" make_chip
chip=$(cat "$G/bank0/chip_name" 2>/dev/null)
sim=/sys/devices/platform/$(cat "$G/dev_name" 2>/dev/null)/$chip
value() { cat "$sim/sim_gpio$1/value"; }

# (b) pamongd with its LEDs on those lines; a hub that no uplink reaches
box_conf "$T/pamongd.conf" "[http]" "listen = 127.0.0.1"
cat >>"$T/pamongd.conf" <<EOF
[sync]
hub_url = http://10.99.0.1:8090
[leds]
backend = gpio
system = led-system
wifi = led-wifi
sync = led-sync
button = button
active_low =
EOF
"$BUILD/pamongd" -d -f "$T/pamongd.conf" >"$T/pamongd.log" 2>&1 &
pid=$!
if wait_for 30 "$T/pamongd.log" 'serving on' && wait_for 5 "$T/pamongd.log" '4 of 4 lines'; then
	ok "pamongd serves with [leds] backend = gpio, 4 of 4 lines in use"
else
	not_ok "pamongd serves with [leds] backend = gpio, 4 of 4 lines in use" "$T/pamongd.log"
fi

# (c) what the lines show: sampled every 50 ms for 1.5 s (slow blink would
# show 0s, fast blink 0s and 1s)
samples() { # line number: 30 samples of its value
	i=0
	s=
	while [ $i -lt 30 ]; do
		s="$s$(value "$1")"
		sleep 0.05
		i=$((i + 1))
	done
	echo "$s"
}
sleep 0.3
steady_on() { s=$(samples 0); echo "led-system: $s"; [ "$s" = 111111111111111111111111111111 ]; }
check "the system LED is steady on once serving (sim_gpio0 value 1 for 1.5 s)" steady_on
sync_off() { s=$(samples 2); echo "led-sync: $s"; [ "$s" = 000000000000000000000000000000 ]; }
check "the sync LED is off with no uplink" sync_off
wifi_off() { s=$(samples 1); echo "led-wifi: $s"; [ "$s" = 000000000000000000000000000000 ]; }
check "the wifi LED is off while no hotspot reports phones" wifi_off
health() {
	python3 -c 'import json, urllib.request
h = json.load(urllib.request.urlopen("http://127.0.0.1:8080/api/v1/health", timeout=5))
print(h["leds"], h["sync"]["state"], h["setup_mode"])
l = h["leds"]
assert (l["backend"], l["system"], l["wifi"], l["sync"], l["button"]) == \
    ("gpio", "steady", "off", "off", "released"), l
assert h["sync"]["state"] == "no_link" and h["setup_mode"] is False'
}
check "health: leds gpio, system steady, wifi off, sync off (no_link), button released" health

# (d) the button: 100 ms pulled up (active high) → a sync attempt
echo pull-up >"$sim/sim_gpio3/pull"
sleep 0.1
echo pull-down >"$sim/sim_gpio3/pull"
if wait_for 5 "$T/pamongd.log" 'short press: sync now'; then
	ok "the button pulled for 100 ms: 'sync now' in pamongd's log"
else
	not_ok "the button pulled for 100 ms: 'sync now' in pamongd's log" "$T/pamongd.log"
fi

# (e) held 5 s → every LED blinks, then pamongd stops cleanly by itself
echo pull-up >"$sim/sim_gpio3/pull"
if wait_for 8 "$T/pamongd.log" 'held 5 s'; then
	s=$(samples 0)
	echo "# led-system after the hold: $s"
	case $s in *0*1* | *1*0*) ok "held 5 s: logged, and the system LED blinks" ;;
	*) not_ok "held 5 s: logged, and the system LED blinks ($s)" "$T/pamongd.log" ;;
	esac
else
	not_ok "held 5 s: logged, and the system LED blinks" "$T/pamongd.log"
fi
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$pid" 2>/dev/null; then
	not_ok "pamongd stops by itself after the 5 s hold" "$T/pamongd.log"
else
	wait "$pid"
	rc=$?
	pid=
	if [ "$rc" -eq 0 ] && grep -q 'shutdown by button' "$T/pamongd.log" &&
		grep -q 'stopped' "$T/pamongd.log"; then
		ok "pamongd stops cleanly after the 5 s hold (status 0, 'shutdown by button', 'stopped')"
	else
		not_ok "pamongd stops cleanly after the 5 s hold (status $rc)" "$T/pamongd.log"
	fi
fi
echo pull-down >"$sim/sim_gpio3/pull"
check "the system LED is off after the stop" sh -c "[ \"\$(cat $sim/sim_gpio0/value)\" = 0 ]"

echo "1..$n"
[ "$failed" -eq 0 ]
