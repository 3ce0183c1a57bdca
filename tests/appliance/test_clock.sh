#!/bin/sh
# The saved clock (runs inside the appliance guest, as root: it sets the
# guest's own clock): image-build/overlay's pamong-clock, which
# pamong-clock.service runs at boot (load) and shutdown (save), with
# pamong-clock-save.timer saving hourly. Saved, then the clock thrown back
# to 2001 as after a power cut on a box without RTC: load sets it forward to
# the saved time; a clock already later is never set back; a damaged file
# is ignored. Then `pamong-clock set`, pamongd's request applied as
# pamong-clock-set.path does: the clock moves by the request's delta; a
# request made against another clock, a stale one, an implausible time, a
# symlink or a bad line is refused. Last, end to end: the guest's clock a
# day behind, pamongd asks for it to be set from a hub's Date (a stand-in
# answering /api/v1/health with the real time), pamong-clock applies the
# request, the system clock is right, and pamongd's health says the hub set it.
# Usage (from the checkout): tests/appliance/guest/run.sh tests/appliance/test_clock.sh
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
# it sets the system clock: never on a build machine
if [ ! -f /job/job.sh ]; then
	echo "not ok 1 - runs only inside the appliance guest (it sets the system clock)"
	exit 1
fi
T=$(mktemp -d /tmp/clock.XXXXXX)
CLOCK=image-build/overlay/usr/lib/pamong/pamong-clock
export PAMONG_CLOCK_FILE="$T/state/time"
pid= hubpid=
CHECK_LOGS="$T/pamongd.log"
. tests/appliance/lib.sh
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "$hubpid" ] && kill "$hubpid" 2>/dev/null
}
trap cleanup EXIT

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

# (b) pamong-clock set: a request as pamongd writes it (clockset.c)
uptime_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
request() { # delta_ms source [base error ms] [age ms]: into $T/req
	up=$(uptime_ms)
	now=$(date -u +%s%3N)
	printf 'pamong-clock-set 1\nbase_ms=%s\nmono_ms=%s\ndelta_ms=%s\nsource=%s\n' \
		$((now - up + ${3:-0})) $((up - ${4:-0})) "$1" "$2" >"$T/req"
}
moved() { # request args...: the clock moved by about delta (within a minute: TCG is slow; an hour is asked)
	before=$(date -u +%s)
	request "$@"
	$CLOCK set "$T/req" || return 1
	after=$(date -u +%s)
	echo "before $before, after $after, saved $(cat "$PAMONG_CLOCK_FILE")"
	[ ! -e "$T/req" ] && [ $((after - before - $1 / 1000)) -ge -60 ] &&
		[ $((after - before - $1 / 1000)) -le 60 ] &&
		[ "$(cat "$PAMONG_CLOCK_FILE")" -ge $((after - 2)) ]
}
check "set: the request moves the clock an hour forward, then saves it" moved 3600000 hub
check "set: and back again (phones)" moved -3600000 phone
unmoved() { # request args...: refused, the clock as it was, the file gone
	request "$@"
	unmoved_file
}
unmoved_file() {
	before=$(date -u +%s)
	$CLOCK set "$T/req"
	after=$(date -u +%s)
	[ ! -e "$T/req" ] && [ ! -e "$T/pwned" ] && [ $((after - before)) -ge 0 ] &&
		[ $((after - before)) -le 60 ]
}
check "set: a request made against another clock (base 60 s off) is refused" unmoved 3600000 hub 60000
check "set: a request 20 minutes old is refused" unmoved 3600000 hub 0 1200000
check "set: a time before 2024 is refused" unmoved -1700000000000 hub
check "set: an unknown source is refused" unmoved 3600000 me
bad_line() {
	request 3600000 hub
	printf 'x=$(touch %s/pwned)\n' "$T" >>"$T/req"
	unmoved_file
}
check "set: a request with a line it does not know is refused (and runs nothing)" bad_line
symlink() {
	request 3600000 hub
	mv "$T/req" "$T/real" && ln -s "$T/real" "$T/req" && unmoved_file
}
check "set: a symlink is refused and removed" symlink

# (c) end to end: the clock a day behind; a stand-in hub whose Date is right
real=$(date -u +%s)
printf '%s\n' 'import http.server, json, sys, time' \
	'class H(http.server.BaseHTTPRequestHandler):' \
	'    def date_time_string(self, timestamp=None):' \
	'        return super().date_time_string(time.time() + float(sys.argv[1]))' \
	'    def do_GET(self):' \
	'        body = json.dumps({"program": "pamong-hub", "state": "serving"}).encode()' \
	'        self.send_response(200)' \
	'        self.send_header("Content-Type", "application/json")' \
	'        self.send_header("Content-Length", str(len(body)))' \
	'        self.end_headers()' \
	'        self.wfile.write(body)' \
	'    def log_message(self, *a):' \
	'        pass' \
	's = http.server.HTTPServer(("127.0.0.1", 8090), H)' \
	'print("listening", flush=True)' \
	's.serve_forever()' >"$T/hub.py"
date -u -s "@$((real - 86400))" >/dev/null
python3 "$T/hub.py" 86400 >"$T/hub.log" 2>&1 &
hubpid=$!
# pamongd asks the hub once at start and then waits backoff_min_s: the
# stand-in must listen first (on a loaded machine Python took over 3 s)
wait_for 30 "$T/hub.log" '^listening' || echo "# the stand-in hub did not start: $(cat "$T/hub.log")"
printf '%s\n' '[http]' 'port = 8080' 'listen = 127.0.0.1' "webroot = $PWD/$BUILD/webroot" \
	'[storage]' "data_dir = $T/box" '[content]' "incoming = $PWD/$BUILD/packs" \
	"trusted_keys = $PWD/$BUILD/dev-signing.pub" '[area]' \
	"file = $PWD/content/area/wilayah.tsv.gz" 'codes = 33.02' '[sync]' \
	'hub_url = http://127.0.0.1:8090' 'watch_netlink = no' 'backoff_min_s = 60' \
	'[clock]' "set_file = $T/clock-set" >"$T/pamongd.conf"
"$BUILD/pamongd" -d -f "$T/pamongd.conf" >"$T/pamongd.log" 2>&1 &
pid=$!
asked() {
	i=0
	while [ ! -e "$T/clock-set" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	cat "$T/clock-set" && grep -q '^source=hub$' "$T/clock-set"
}
check "pamongd, a day behind the hub's Date, asks for the clock to be set (source hub)" asked
applied() {
	$CLOCK set "$T/clock-set" || return 1
	now=$(date -u +%s)
	echo "real $real, now $now"
	[ "$now" -ge "$real" ] && [ "$now" -lt $((real + 120)) ]
}
check "pamong-clock applies it: the system clock is right again" applied
health_set() {
	python3 -c 'import json, urllib.request; print(json.dumps(json.load(urllib.request.urlopen("http://127.0.0.1:8080/api/v1/health"))["clock_set"]))'
}
said() {
	i=0
	while [ $i -lt 50 ]; do
		h=$(health_set)
		echo "$h"
		case $h in *'"by": "hub"'*) return 0 ;; esac
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
check "pamongd's health says the hub set the clock" said
check "and its log records the jump" grep -q 'jumped by +86[34][0-9][0-9] s (set by hub)' "$T/pamongd.log"

echo "1..$n"
[ "$failed" -eq 0 ]
