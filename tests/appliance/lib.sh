# lib.sh — the TAP helpers the appliance tests share (sourced inside the
# guest after T, the test's temp dir, and BUILD are set): ok, not_ok, check,
# wait_for, bg, box_conf, phone_radio, phone_join, stop_phone. CHECK_LOGS: more log files whose
# tails explain a failed check.
n=0
failed=0
pids=

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { # description, log files whose tails explain it
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for f; do
		[ -f "$f" ] && { echo "# --- $f"; tail -n 15 "$f" | sed 's/^/#   /'; }
	done
}
check() { # description, command... (its output goes to $T/check.log)
	d=$1
	shift
	if "$@" >"$T/check.log" 2>&1; then ok "$d"; else not_ok "$d" "$T/check.log" $CHECK_LOGS; fi
}
wait_for() { # seconds, file, pattern: wait until a line in file matches
	i=0
	while [ "$i" -lt $(($1 * 10)) ]; do
		grep -q "$3" "$2" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
bg() { # log file, command...: start in the background, remember the pid
	log=$1
	shift
	"$@" >"$log" 2>&1 &
	pids="$pids $!"
}
box_conf() { # file, more lines...: the pamongd config the guest tests start
	# from (port 8080; the checkout's webroot, packs, key and area; data in
	# $T/box), then the given lines (a section may be named again)
	f=$1
	shift
	cat >"$f" <<CONF
[http]
port = 8080
webroot = $PWD/$BUILD/webroot
[storage]
data_dir = $T/box
[content]
incoming = $PWD/$BUILD/packs
trusted_keys = $PWD/$BUILD/dev-signing.pub
[area]
file = $PWD/content/area/wilayah.tsv.gz
codes = 33.02
CONF
	for line; do echo "$line"; done >>"$f"
}
phone_radio() { # interface: its radio moves into the network namespace
	# "phone" (the phone's side of the air), leaving the box its others
	phy=$(cat "/sys/class/net/$1/phy80211/name")
	ip netns add phone
	ip -n phone link set lo up
	iw phy "$phy" set netns name phone
}
phone_join() { # interface, SSID, passphrase, description: wpa_supplicant in
	# "phone" joins with WPA2-PSK (CCMP); ok or not_ok within 30 s
	cat >"$T/wpa.conf" <<WPA
network={
	ssid="$2"
	key_mgmt=WPA-PSK
	proto=RSN
	pairwise=CCMP
	psk="$3"
}
WPA
	bg "$T/wpa.log" ip netns exec phone wpa_supplicant -D nl80211 -i "$1" -c "$T/wpa.conf"
	if wait_for 30 "$T/wpa.log" 'CTRL-EVENT-CONNECTED'; then
		ok "$4"
	else
		not_ok "$4" "$T/wpa.log" "$T/hostapd.log"
	fi
}
stop_phone() { # the hotspot tests' cleanup: what bg started, the phone's
	# namespace, the firewall's rules
	for p in $pids; do kill "$p" 2>/dev/null; done
	ip netns del phone 2>/dev/null
	nft flush ruleset 2>/dev/null
}
