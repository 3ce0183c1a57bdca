#!/bin/bash
# Runs the test suites and ends with "N passed, N failed (M min)"; each program's
# line says how long it took.
# Usage: tests/run.sh [suite ...]   suites: unit integration fault browser net appliance recipe
# (fault here is make fault's short version: a few cases, 3 kill -9 trials, 2 of each
# kind of power cut). Not in the default list: systemd (the guest booted with systemd
# as PID 1, 5-10 minutes;
# make test-systemd) and image (make test-image).
# Every test program prints TAP lines ("ok N - …" / "not ok N - …"); a program
# that exits non-zero without a "not ok" line counts as one failure.
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
export BUILD
OUT=tests/out
mkdir -p "$OUT/logs"
SUITES=${*:-unit integration fault browser net appliance recipe}
# Programs of the unit, integration and browser suites run this many at a
# time (each has its own temp dir, ports and processes; most of their time
# is spent waiting on the programs they test); TEST_JOBS=1 runs one at a time.
TEST_JOBS=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
COUNTS=$(mktemp -d)
trap 'rm -rf "$COUNTS"' EXIT
failed=0
started=$(date +%s)

run_one() { # name, command...
	local name=$1 log p f rc secs t0 line
	shift
	log="$OUT/logs/$(echo "$name" | tr '/ ' '__').log"
	t0=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	echo "$p $f" >"$COUNTS/$(echo "$name" | tr '/ []' '____')"
	if [ "$f" -eq 0 ]; then
		line=$(printf '%-50s %s ok (%s s)' "$name" "$p" "$secs")
	else
		line=$(printf '%-50s %s ok, %s FAILED (%s s; see %s)\n%s' "$name" "$p" "$f" \
		    "$secs" "$log" "$(grep -A3 '^not ok ' "$log" | head -40 | sed 's/^/    /')")
	fi
	echo "$line" # one write, whole, while others run beside it
}

# run_one in the background when TEST_JOBS allows, else at once.
spawn() {
	if [ "$TEST_JOBS" -le 1 ]; then
		run_one "$@"
		return
	fi
	while [ "$(jobs -rp | wc -l)" -ge "$TEST_JOBS" ]; do
		wait -n
	done
	run_one "$@" &
}

for suite in $SUITES; do
	case $suite in
	unit)
		for t in "$BUILD"/tests/*/test_*; do
			[ -x "$t" ] || continue
			spawn "unit/${t#"$BUILD"/tests/}" "$t"
		done ;;
	integration)
		for t in tests/integration/test_*.py; do
			[ -f "$t" ] || continue
			spawn "${t#tests/}" python3 "$t"
		done
		# the hub suites again on PostgreSQL (a cluster of their own: tests/lib/pgtest.py)
		for t in tests/integration/test_hub_*.py; do
			[ -f "$t" ] || continue
			spawn "${t#tests/} [postgresql]" env PB_HUB_DB=postgresql python3 "$t"
		done ;;
	fault)
		run_one "fault/short" env \
		    FAULT_CASES=truncated,wal,nobackup,readonly,full,eio,synckey,kill9,powercut,packcut,keycut \
		    TRIALS=3 POWERCUTS=2 PACKCUTS=2 KEYCUTS=2 tests/fault/run.sh ;;
	browser)
		for t in tests/browser/test_*.mjs; do
			[ -f "$t" ] || continue
			spawn "${t#tests/}" node "$t"
		done ;;
	net)
		for t in tests/net/test_*.sh tests/net/test_*.py; do
			[ -f "$t" ] || continue
			case $t in
			*.py) run_one "${t#tests/}" python3 "$t" ;;
			*) run_one "${t#tests/}" sh "$t" ;;
			esac
		done ;;
	appliance|systemd)
		# A QEMU guest with simulated radios and GPIO (tests/appliance/README.md):
		# built once and cached, then each script runs in a fresh boot of it.
		# test_systemd.sh boots systemd as PID 1 (minutes): its own suite.
		log=$OUT/logs/appliance_guest-build.log
		printf '%-50s ' "appliance/guest (build or cache)"
		if tests/appliance/guest/build.sh >"$log" 2>&1; then
			tail -n 1 "$log"
		else
			echo "FAILED (see $log)"
			tail -n 20 "$log" | sed 's/^/    /'
			failed=$((failed + 1))
			continue
		fi
		for t in tests/appliance/test_*.sh tests/appliance/test_*.py; do
			[ -f "$t" ] || continue
			case $suite:$t in
			appliance:*/test_systemd.sh) continue ;;
			systemd:*/test_systemd.sh) ;;
			systemd:*) continue ;;
			esac
			run_one "${t#tests/}" tests/appliance/guest/run.sh "$t"
		done ;;
	recipe)
		# The Pi image's recipe without building it (seconds; tests/image/README.md)
		run_one "image/test_recipe.py" python3 tests/image/test_recipe.py ;;
	image)
		# The Pi image in build/image (make image; tests/image/README.md).
		for t in tests/image/test_*.sh tests/image/test_*.py; do
			[ -f "$t" ] || continue
			case $t in
			*.py) run_one "${t#tests/}" python3 "$t" ;;
			*) run_one "${t#tests/}" sh "$t" ;;
			esac
		done ;;
	*) echo "unknown suite: $suite" >&2; exit 2 ;;
	esac
	wait
done
passed=0
for c in "$COUNTS"/*; do
	[ -f "$c" ] || continue
	read -r p f <"$c"
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "$passed passed, $failed failed ($((($(date +%s) - started + 30) / 60)) min)"
[ "$failed" -eq 0 ]
