#!/bin/sh
# Runs libFuzzer targets one after the other and prints one line each.
# Usage: tests/fuzz/run.sh BUILD SECONDS target...   (make fuzz calls it)
# With RUNS=N in the environment a target also stops after N executions
# (make fuzz SECONDS=3600 RUNS=10000000: whichever comes first).
#
# Each target starts from its seeds in tests/fuzz/corpus/<target>/ and the
# inputs earlier runs found in BUILD/fuzz/corpus/<target>/ (kept between
# runs, never committed), with tests/fuzz/<target>.dict when there is one.
# Logs and crash inputs go to tests/out/fuzz/. Exits 1 if a target crashed
# (a crash, a leak, undefined behaviour, a timeout or running out of memory).
#
# Each target runs with its stack limited to a CivetWeb worker's (Debian's
# libcivetweb gives each worker 100 KiB; STACK_KB=N in the environment to
# change it, 0 to leave the limit alone): recursion on outside input that
# would overflow a worker overflows here too and ASan reports it. Frames under
# ASan are larger than in the real build, so this errs on the strict side.
cd "$(dirname "$0")/../.." || exit 2
BUILD=$1
SECS=$2
shift 2
OUT=tests/out/fuzz
mkdir -p "$OUT"
crashed=0

# The value of "stat::NAME:" in a libFuzzer log, or of the last status line.
stat() { # log name
	v=$(sed -n "s/^stat::$2: *//p" "$1" | tail -1)
	if [ -z "$v" ] && [ "$2" = number_of_executed_units ]; then
		v=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$1" | tail -1)
	fi
	echo "${v:-?}"
}

printf '%-12s %12s %8s %6s %7s %7s  %s\n' target execs exec/s cov ft new result
for t in "$@"; do
	bin=$BUILD/fuzz/fuzz_$t
	work=$BUILD/fuzz/corpus/$t
	log=$OUT/$t.log
	mkdir -p "$work"
	set -- -max_total_time="$SECS" -print_final_stats=1 -timeout=25 \
	    -rss_limit_mb=2048 -close_fd_mask=2 -artifact_prefix="$OUT/$t-"
	[ -n "$RUNS" ] && set -- "$@" -runs="$RUNS"
	[ -f "tests/fuzz/$t.dict" ] && set -- "$@" -dict="tests/fuzz/$t.dict"
	[ -f "tests/fuzz/$t.options" ] && set -- "$@" $(cat "tests/fuzz/$t.options")
	(
		[ "${STACK_KB:-100}" = 0 ] || ulimit -s "${STACK_KB:-100}" || exit 2
		exec "$bin" "$@" "$work" "tests/fuzz/corpus/$t"
	) >"$log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ]; then
		result="0 crashes"
	else
		crashed=1
		result="CRASHED (exit $rc): $(grep -m1 -E 'ERROR: |runtime error|ALARM|out-of-memory' "$log" |
		    cut -c1-100); input: $(sed -n 's/.*Test unit written to //p' "$log" | tail -1)"
	fi
	printf '%-12s %12s %8s %6s %7s %7s  %s\n' "$t" \
	    "$(stat "$log" number_of_executed_units)" "$(stat "$log" average_exec_per_sec)" \
	    "${cov:-?}" "${ft:-?}" "$(stat "$log" new_units_added)" "$result"
done
[ "$crashed" -eq 0 ] || echo "a target crashed: see the logs in $OUT/ (reproduce: $BUILD/fuzz/fuzz_<target> <input>)"
exit "$crashed"
