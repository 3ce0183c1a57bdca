# lib.sh — the TAP helpers the appliance tests share (sourced inside the
# guest after T, the test's temp dir, is set): ok, not_ok, check, wait_for,
# bg. CHECK_LOGS: more log files whose tails explain a failed check.
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
