# lib.sh — the TAP helpers the appliance tests share (sourced inside the
# guest after T, the test's temp dir, and BUILD are set): ok, not_ok, check,
# wait_for, bg, box_conf, stop_phone. CHECK_LOGS: more log files whose
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
stop_phone() { # the hotspot tests' cleanup: what bg started, the phone's
	# namespace, the firewall's rules
	for p in $pids; do kill "$p" 2>/dev/null; done
	ip netns del phone 2>/dev/null
	nft flush ruleset 2>/dev/null
}
