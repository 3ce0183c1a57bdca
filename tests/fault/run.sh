#!/bin/sh
# make fault: the fault-injection suite (tests/fault/test_fault.py) in a
# private mount namespace, so that its tmpfs data dirs, read-only remounts
# and full disks touch nothing outside it and vanish with it. As root the
# namespace is a plain one; otherwise a user namespace maps us to root in it.
# Usage: tests/fault/run.sh   (BUILD=build; FAULT_CASES=truncated,wal,... to pick)
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
export BUILD
if [ -z "$PB_FAULT_NS" ]; then
	mkdir -p "$BUILD/fault"
	cc -O2 -std=c11 -Wall -Wextra -shared -fPIC -o "$BUILD/fault/eio.so" tests/fault/eio.c -ldl ||
		exit 1
	export PB_FAULT_NS=1
	if [ "$(id -u)" -eq 0 ]; then
		exec unshare --mount --propagation private "$0" "$@"
	fi
	if ! unshare --user --map-root-user --mount true 2>/dev/null; then
		echo "not ok 1 - make fault needs root or user namespaces (unshare --user failed)"
		exit 1
	fi
	exec unshare --user --map-root-user --mount --propagation private "$0" "$@"
fi
mkdir -p tests/out/logs
start=$(date +%s)
python3 tests/fault/test_fault.py "$@" | tee tests/out/logs/fault.log
rc=$?
# the pipe hides python's status: a "not ok" line is a failure
grep -q '^not ok' tests/out/logs/fault.log && rc=1
grep -q '^1\.\.' tests/out/logs/fault.log || rc=1
echo "make fault: $(grep -c '^ok' tests/out/logs/fault.log) passed, $(grep -c '^not ok' tests/out/logs/fault.log) failed in $(( $(date +%s) - start )) s"
exit $rc
