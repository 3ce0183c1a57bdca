#!/bin/sh
# The saved clock (runs inside the appliance guest, as root: it sets the
# guest's own clock): image-build/overlay's pamong-clock, which
# pamong-clock.service runs at boot (load) and shutdown (save), with
# pamong-clock-save.timer saving hourly. Saved, then the clock thrown back
# to 2001 as after a power cut on a box without RTC: load sets it forward to
# the saved time; a clock already later is never set back; a damaged file
# is ignored.
# Usage (from the checkout): tests/appliance/guest/run.sh tests/appliance/test_clock.sh
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d /tmp/clock.XXXXXX)
CLOCK=image-build/overlay/usr/lib/pamong/pamong-clock
export PAMONG_CLOCK_FILE="$T/state/time"
. tests/appliance/lib.sh

check "save writes the time now" sh -c "$CLOCK save && cat $PAMONG_CLOCK_FILE"
saved=$(cat "$PAMONG_CLOCK_FILE" 2>/dev/null || echo 0)
date -u -s @1000000000 >/dev/null
forward() {
	$CLOCK load
	now=$(date -u +%s)
	echo "saved $saved, clock now $now"
	[ "$now" -ge "$saved" ] && [ "$now" -lt $((saved + 60)) ]
}
check "after a power cut (clock at 2001), load sets it forward to the saved time" forward
echo 1000000000 >"$PAMONG_CLOCK_FILE"
never_back() {
	before=$(date -u +%s)
	$CLOCK load
	[ "$(date -u +%s)" -ge "$before" ]
}
check "a saved time earlier than the clock never sets it back" never_back
echo 'garbage' >"$PAMONG_CLOCK_FILE"
check "a damaged file is ignored (status 0, the clock unchanged)" sh -c "$CLOCK load 2>&1 | grep -q 'not a time'"
rm -f "$PAMONG_CLOCK_FILE"
check "no saved time yet (first boot): nothing to do" sh -c "$CLOCK load | grep -q 'no saved time'"

echo "1..$n"
[ "$failed" -eq 0 ]
