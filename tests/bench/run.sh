#!/bin/sh
# make bench: runs every benchmark against the real pamongd and prints each
# figure next to its reference. It reports; it does not fail on a missed
# target. It exits non-zero only when a bench could not run at all.
#
# Usage: BUILD=build tests/bench/run.sh [classroom] [crowd] [static] [writes] [startup] [slow3g]
# Knobs (environment): CLASS_SECONDS (20), CLASS_THINK_MS (100), SAT_SECONDS (10),
# CROWD_PHONES (160) x 6 conns for CROWD_SECONDS (30), CROWD_THINK (1000-3000 ms),
# CROWD_BURST_SECONDS (5: the same connections starting in one instant),
# WRK_SECONDS (5) x WRK_ROUNDS (2), WRITE_SECONDS (5), WRITE_CLIENTS (100), STARTUP_RUNS (5),
# SD_FSYNC_MS (10), KEEP_TMP (keep the temp dir).
# Needs: cc, pkg-config + libjansson-dev (loadgen), curl, python3 (a free
# port), wrk and nginx (static), the sample packs in $BUILD/packs.
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BENCHES=${*:-classroom crowd static writes startup slow3g}
CLASS_SECONDS=${CLASS_SECONDS:-20}
CLASS_THINK_MS=${CLASS_THINK_MS:-100}
SAT_SECONDS=${SAT_SECONDS:-10}
CROWD_PHONES=${CROWD_PHONES:-160}
CROWD_SECONDS=${CROWD_SECONDS:-30}
CROWD_THINK=${CROWD_THINK:-1000-3000}
CROWD_BURST_SECONDS=${CROWD_BURST_SECONDS:-5}
WRK_SECONDS=${WRK_SECONDS:-5}
WRK_ROUNDS=${WRK_ROUNDS:-2}
WRITE_SECONDS=${WRITE_SECONDS:-5}
WRITE_CLIENTS=${WRITE_CLIENTS:-100}
STARTUP_RUNS=${STARTUP_RUNS:-5}
SD_FSYNC_MS=${SD_FSYNC_MS:-10}

PAMONGD=$BUILD/pamongd
PACKS=$BUILD/packs
OUT=$ROOT/tests/out/bench
TMP=$(mktemp -d /tmp/pb-bench.XXXXXX) || exit 2
ROWS=$TMP/rows
LG=$BUILD/bench/loadgen
SHIM=$BUILD/bench/slowfsync.so
BOX_PID=
NGINX_PID=
classroom_rss=
not_run=0
mkdir -p "$OUT" "$BUILD/bench"
: >"$ROWS"

cleanup() {
	[ -n "$BOX_PID" ] && kill "$BOX_PID" 2>/dev/null && wait "$BOX_PID" 2>/dev/null
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "temp dir kept: $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "bench: $*" >&2; }

# row NAME MEASURED REFERENCE VERDICT
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$ROWS"; }

# A bench that could not run: its row says why and make bench fails.
skipped() { # name reason
	row "$1" "not run" "-" "$2"
	not_run=$((not_run + 1))
	say "$1: not run: $2"
}

# A measurement that produced nothing counts as a bench that did not run.
failed_if_nan() { # value what
	if [ "$1" = nan ] || [ -z "$1" ]; then
		not_run=$((not_run + 1))
		say "$2: no result"
	fi
}

# val KEY FILE: the value of a "key value" line of loadgen's output.
val() { awk -v k="$1" '$1 == k { v = $2 } END { print (v == "" ? "nan" : v) }' "$2"; }

# verdict VALUE OP LIMIT (OP: lt le ge eq) → ok / MISS / n/a
verdict() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "nan" || v == "" || v == "n/a") { print "n/a"; exit }
		v += 0; l += 0
		r = (op == "lt") ? v < l : (op == "le") ? v <= l : (op == "ge") ? v >= l : v == l
		print (r ? "ok" : "MISS") }'
}

calc() { awk "BEGIN { printf \"$1\", $2 }"; }

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# mean of the arguments, nan if one is nan
mean() { echo "$@" | awk '{ for (i = 1; i <= NF; i++) { if ($i == "nan") { print "nan"; exit } s += $i }
	if (NF == 0) print "nan"; else printf "%.0f\n", s / NF }'; }

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# write_conf DATA_DIR PORT INCOMING WEBROOT [EXTRA]: the config the
# integration tests' Box class writes (tests/lib/pbtest.py).
write_conf() {
	mkdir -p "$1" "$3"
	cat >"$1/pamongd.conf" <<CONF
[http]
port = $2
listen = 127.0.0.1
webroot = $4
[storage]
data_dir = $1
[content]
incoming = $3
trusted_keys = $TMP/dev-signing.pub
[area]
file = $ROOT/content/area/wilayah.tsv.gz
codes = 33.02
[learners]
# every simulated phone registers from 127.0.0.1
registrations_per_source = 0
registrations_per_day = 0
${5:-}
CONF
}

# start_box DATA_DIR PORT [PRELOAD]: pamongd in the background; waits for
# /api/v1/health to answer 200. Sets BOX_PID.
start_box() {
	if [ -n "${3:-}" ]; then
		LD_PRELOAD=$3 SLOWFSYNC_MS=$SD_FSYNC_MS "$PAMONGD" -d -f "$1/pamongd.conf" \
		    >>"$1/pamongd.log" 2>&1 &
	else
		"$PAMONGD" -d -f "$1/pamongd.conf" >>"$1/pamongd.log" 2>&1 &
	fi
	BOX_PID=$!
	i=0
	while [ $i -lt 300 ]; do
		if ! kill -0 "$BOX_PID" 2>/dev/null; then
			say "pamongd exited; its log:"
			tail -20 "$1/pamongd.log" >&2
			BOX_PID=
			return 1
		fi
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/api/v1/health")" = 200 ] &&
			return 0
		sleep 0.05
		i=$((i + 1))
	done
	say "pamongd did not answer on port $2"
	stop_box
	return 1
}

stop_box() {
	if [ -n "$BOX_PID" ]; then
		kill "$BOX_PID" 2>/dev/null
		wait "$BOX_PID" 2>/dev/null
	fi
	BOX_PID=
}

have_packs() { ls "$PACKS"/*.pack >/dev/null 2>&1; }

# The boxes serve private copies of the webroot and the packs: other runs of
# make in this checkout restage $BUILD/webroot while we measure.
WEBROOT=$TMP/webroot
copy_inputs() {
	mkdir -p "$WEBROOT" "$TMP/packs"
	cp -r "$BUILD/webroot/." "$WEBROOT/" || return 1
	if have_packs; then
		cp "$PACKS"/*.pack "$TMP/packs/" || return 1
		[ -f "$BUILD/dev-signing.pub" ] && cp "$BUILD/dev-signing.pub" "$TMP/dev-signing.pub"
	fi
	PACKS=$TMP/packs
	return 0
}

# ---- tools of the bench ---------------------------------------------------
build_tools() {
	[ -x "$PAMONGD" ] || { say "$PAMONGD missing (run make)"; return 1; }
	# shellcheck disable=SC2046
	cc -O2 -g -std=c11 -Wall -Wextra -pthread -o "$LG" tests/bench/loadgen.c \
	    $(pkg-config --cflags --libs jansson zlib) || return 1
	cc -O2 -std=c11 -Wall -Wextra -shared -fPIC -o "$SHIM" tests/bench/slowfsync.c -ldl ||
		return 1
}

# ---- 1. classroom -------------------------------------------------------------
bench_classroom() {
	name="classroom 40 phones x 6 conns"
	if ! have_packs; then
		skipped "$name" "no sample packs in $BUILD/packs (make packs)"
		return
	fi
	d=$TMP/classroom
	port=$(free_port)
	write_conf "$d" "$port" "$PACKS" "$WEBROOT"
	# as in the field: the packs were installed by an earlier start
	start_box "$d" "$port" || { skipped "$name" "pamongd did not start"; return; }
	stop_box
	start_box "$d" "$port" || { skipped "$name" "pamongd did not restart"; return; }
	rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$BOX_PID/status")
	say "classroom: 40 phones x 6 keep-alive connections, ${CLASS_SECONDS}s, think time 0..$((2 * CLASS_THINK_MS)) ms"
	if ! "$LG" classroom "$port" 40 6 "$CLASS_SECONDS" "$CLASS_THINK_MS" A "$BOX_PID" \
	    >"$OUT/classroom.txt" 2>"$OUT/classroom.err"; then
		cat "$OUT/classroom.err" >&2
		stop_box
		skipped "$name" "loadgen failed (see $OUT/classroom.err)"
		return
	fi
	say "classroom saturated: the same 240 connections without think time, ${SAT_SECONDS}s"
	"$LG" classroom "$port" 40 6 "$SAT_SECONDS" 0 B "$BOX_PID" \
	    >"$OUT/saturated.txt" 2>"$OUT/saturated.err" || cat "$OUT/saturated.err" >&2
	hwm_end=$(awk '/^VmHWM:/ { print $2 }' "/proc/$BOX_PID/status" 2>/dev/null)
	stop_box
	f=$OUT/classroom.txt
	errors=$(val errors "$f")
	served=$(val served "$f")
	conns=$(val connections "$f")
	p50=$(val lat_p50_ms "$f")
	p99=$(val lat_p99_ms "$f")
	rss=$(val rss_peak_kb "$f")
	classroom_rss=$rss
	hwm=$(val hwm_kb "$f")
	hwm0=$(val hwm_before_kb "$f")
	row "classroom errors ($(val requests "$f") requests)" "$errors" "0" "$(verdict "$errors" eq 0)"
	row "classroom connections served" "$served/$conns" "$conns/$conns" "$(verdict "$served" eq "$conns")"
	row "classroom keep-alive reconnects" "$(val reconnects "$f")" "(info)" ""
	row "classroom slowest first answer" "$(val first_answer_max_ms "$f") ms" "(info)" ""
	row "classroom latency p50" "$p50 ms" "(info)" ""
	row "classroom latency p99" "$p99 ms" "< 50 ms" "$(verdict "$p99" lt 50)"
	row "classroom latency p99.9 / max" "$(val lat_p999_ms "$f") / $(val lat_max_ms "$f") ms" "(info)" ""
	for k in first static read progress quiz; do
		row "  p50 / p99 $k ($(val "lat_${k}_count" "$f") req)" \
		    "$(val "lat_${k}_p50_ms" "$f") / $(val "lat_${k}_p99_ms" "$f") ms" "(info)" ""
	done
	row "classroom requests/s" "$(val rps "$f")" "(info)" ""
	row "classroom register p50 (40 at once)" "$(val register_p50_ms "$f") ms" "(info: argon2id)" ""
	row "pamongd peak RSS during the flow" "$(calc '%.1f MB' "$rss / 1024")" "<= 20 MB" \
	    "$(verdict "$rss" le 20480)"
	row "pamongd RSS idle after start" "$(calc '%.1f MB' "${rss0:-0} / 1024")" "(info)" ""
	row "pamongd VmHWM before the flow" "$(calc '%.1f MB' "$hwm0 / 1024")" "(info: 40 registers)" ""
	row "pamongd peak RssAnon during the flow" "$(calc '%.1f MB' "$(val anon_peak_kb "$f") / 1024")" \
	    "(info: private)" ""
	row "pamongd RssFile (shared libraries)" "$(calc '%.1f MB' "$(val file_kb "$f") / 1024")" "(info)" ""
	row "pamongd VmHWM after the flow" "$(calc '%.1f MB' "$hwm / 1024")" "<= 20 MB" \
	    "$(verdict "$hwm" le 20480)"
	f=$OUT/saturated.txt
	if [ "$(val requests "$f")" != nan ]; then
		row "saturated (no think) requests/s" "$(val rps "$f")" "(info)" ""
		row "saturated errors / served" "$(val errors "$f") / $(val served "$f")" "0 / 240" \
		    "$(verdict "$(val errors "$f")" eq 0)"
		row "saturated latency p50 / p99" "$(val lat_p50_ms "$f") / $(val lat_p99_ms "$f") ms" "(info)" ""
		row "pamongd VmHWM after saturation" "$(calc '%.1f MB' "${hwm_end:-0} / 1024")" "(info)" ""
	fi
}

# ---- 1b. crowd: more connections than workers ---------------------------------
# 160 phones x 6 connections = 960 against the default 300 workers, think
# time 1-3 s: what a class's captive probes and browsers' parallel
# connections do to the box. Measured as a class at work: each connection's
# first request also waits a think time, so the phones join over the first
# seconds as they do in a room (target: 0 errors, p99 < 50 ms). Then the
# harsher case apart, every connection's first request in the same instant
# (info: 960 requests at once are CPU-bound on 2 cores, client included).
# Peak RSS beside the 240-connection classroom's.
bench_crowd() {
	conns=$((CROWD_PHONES * 6))
	name="crowd $CROWD_PHONES phones x 6 conns"
	if ! have_packs; then
		skipped "$name" "no sample packs in $BUILD/packs (make packs)"
		return
	fi
	d=$TMP/crowd
	port=$(free_port)
	write_conf "$d" "$port" "$PACKS" "$WEBROOT"
	start_box "$d" "$port" || { skipped "$name" "pamongd did not start"; return; }
	say "crowd: $CROWD_PHONES phones x 6 keep-alive connections, ${CROWD_SECONDS}s, think time $CROWD_THINK ms"
	crowd_load0=$(cut -d' ' -f1-3 /proc/loadavg)
	if ! "$LG" classroom "$port" "$CROWD_PHONES" 6 "$CROWD_SECONDS" "$CROWD_THINK" C "$BOX_PID" spread \
	    >"$OUT/crowd.txt" 2>"$OUT/crowd.err"; then
		cat "$OUT/crowd.err" >&2
		stop_box
		skipped "$name" "loadgen failed (see $OUT/crowd.err)"
		return
	fi
	crowd_load1=$(cut -d' ' -f1-3 /proc/loadavg)
	say "crowd at once: the same $conns connections, every first request in the same instant, ${CROWD_BURST_SECONDS}s"
	"$LG" classroom "$port" "$CROWD_PHONES" 6 "$CROWD_BURST_SECONDS" "$CROWD_THINK" D "$BOX_PID" together \
	    >"$OUT/crowd-burst.txt" 2>"$OUT/crowd-burst.err" || cat "$OUT/crowd-burst.err" >&2
	crowd_load2=$(cut -d' ' -f1-3 /proc/loadavg)
	stop_box
	f=$OUT/crowd.txt
	errors=$(val errors "$f")
	p99=$(val lat_p99_ms "$f")
	rss=$(val rss_peak_kb "$f")
	failed_if_nan "$errors" "crowd"
	row "crowd $conns conns: errors ($(val requests "$f") requests)" "$errors" "0" \
	    "$(verdict "$errors" eq 0)"
	row "crowd connections served" "$(val served "$f")/$(val connections "$f")" \
	    "$conns/$conns" "$(verdict "$(val served "$f")" eq "$conns")"
	row "crowd keep-alive reconnects" "$(val reconnects "$f")" "(info)" ""
	row "crowd latency p50" "$(val lat_p50_ms "$f") ms" "(info)" ""
	row "crowd latency p99" "$p99 ms" "< 50 ms" "$(verdict "$p99" lt 50)"
	row "crowd latency p99.9 / max" "$(val lat_p999_ms "$f") / $(val lat_max_ms "$f") ms" "(info)" ""
	# to the answer's arrival in loadgen's kernel (SO_TIMESTAMPNS): the box's
	# time, without loadgen's 960 threads then waiting for one of the 2 cores
	row "crowd p99 to the answer's arrival" "$(val rx_p99_ms "$f") ms" "(info)" ""
	for k in first static read progress quiz; do
		row "  p50 / p99 $k ($(val "lat_${k}_count" "$f") req)" \
		    "$(val "lat_${k}_p50_ms" "$f") / $(val "lat_${k}_p99_ms" "$f") ms" "(info)" ""
	done
	# what the box spent, whatever else the machine ran (the latencies
	# above move with the machine's load; this much less)
	row "crowd CPU per request: pamongd / loadgen" \
	    "$(val cpu_us_per_req "$f") / $(val client_cpu_us_per_req "$f") us" "(info: same 2 cores)" ""
	row "crowd load average at start / end" "$crowd_load0 / $crowd_load1" "(info)" ""
	f=$OUT/crowd-burst.txt
	if [ "$(val requests "$f")" != nan ]; then
		row "crowd at once: errors ($(val requests "$f") requests)" "$(val errors "$f")" "0" \
		    "$(verdict "$(val errors "$f")" eq 0)"
		row "crowd at once: $conns first answers p50 / p99 / max" \
		    "$(val lat_first_p50_ms "$f") / $(val lat_first_p99_ms "$f") / $(val lat_first_max_ms "$f") ms" \
		    "(info)" ""
		row "crowd at once: CPU per request: pamongd / loadgen" \
		    "$(val cpu_us_per_req "$f") / $(val client_cpu_us_per_req "$f") us" "(info)" ""
		row "crowd at once: load average at end" "$crowd_load2" "(info)" ""
		b=$(val rss_peak_kb "$f")
		[ "$b" != nan ] && [ "$rss" != nan ] && [ "$b" -gt "$rss" ] && rss=$b
	else
		skipped "crowd at once" "loadgen failed (see $OUT/crowd-burst.err)"
	fi
	# the classroom's figure from this run only (run.sh crowd alone has none)
	if [ -n "$classroom_rss" ]; then
		c240=$(calc '%.1f MB' "$classroom_rss / 1024")
	else
		c240="(classroom not run)"
	fi
	row "pamongd peak RSS, $conns vs 240 conns" "$(calc '%.1f MB' "$rss / 1024") vs $c240" "(info)" ""
}

# ---- 2. static files: pamongd against nginx ---------------------------------------
make_static_files() { # DIR
	mkdir -p "$1"
	# a ~20 KB lesson: real lesson HTML from the installed packs (or the
	# Markdown sources), repeated to 20 KB
	src=$(find "$TMP"/classroom/packs "$TMP"/startup-*/packs -path '*/lessons/*.html' 2>/dev/null | head -20)
	[ -n "$src" ] || src=$(find content -path '*/lessons/*.md' | head -20)
	i=0
	while [ $i -lt 20 ]; do
		# shellcheck disable=SC2086
		cat $src
		i=$((i + 1))
	done | head -c 20480 >"$1/lesson-20k.html"
	# a 1 MB media file: the sample audio, repeated
	media=$(find content -name '*.mp3' | head -5)
	if [ -n "$media" ]; then
		i=0
		while [ $i -lt 20 ]; do
			# shellcheck disable=SC2086
			cat $media
			i=$((i + 1))
		done | head -c 1048576 >"$1/media-1m.mp3"
	else
		head -c 1048576 /dev/urandom >"$1/media-1m.mp3"
	fi
}

start_nginx() { # PORT ROOT DIR
	mkdir -p "$3"
	cat >"$3/nginx.conf" <<CONF
user root;
daemon off;
worker_processes auto;
pid $3/nginx.pid;
error_log $3/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    client_body_temp_path $3/body;
    types { text/html html; audio/mpeg mp3; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$1;
        root $2;
    }
}
CONF
	nginx -e "$3/error.log" -c "$3/nginx.conf" >"$3/stdout.log" 2>&1 &
	NGINX_PID=$!
	i=0
	while [ $i -lt 100 ]; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/lesson-20k.html")" = 200 ] &&
			return 0
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	cat "$3/error.log" "$3/stdout.log" >&2
	NGINX_PID=
	return 1
}

# wrk_rps URL LABEL: requests/s, or nan if wrk failed or saw errors
wrk_rps() {
	wrk -t2 -c50 -d"${WRK_SECONDS}s" "$1" >"$OUT/wrk-$2.txt" 2>&1 || { echo nan; return; }
	if grep -q -e 'Non-2xx' -e 'Socket errors' "$OUT/wrk-$2.txt"; then
		say "wrk $2: errors: $(grep -e 'Non-2xx' -e 'Socket errors' "$OUT/wrk-$2.txt")"
	fi
	awk '/^Requests\/sec:/ { print int($2) }' "$OUT/wrk-$2.txt"
}

bench_static() {
	name="static files vs nginx"
	command -v wrk >/dev/null || { skipped "$name" "wrk not installed"; return; }
	command -v nginx >/dev/null || { skipped "$name" "nginx not installed"; return; }
	www=$TMP/static/www
	mkdir -p "$www"
	cp -r "$WEBROOT/." "$www/"
	make_static_files "$www"
	d=$TMP/static/box
	port=$(free_port)
	write_conf "$d" "$port" "$d/no-packs" "$www"
	start_box "$d" "$port" || { skipped "$name" "pamongd did not start"; return; }
	nport=$(free_port)
	if ! start_nginx "$nport" "$www" "$TMP/static/nginx"; then
		stop_box
		skipped "$name" "nginx did not start"
		return
	fi
	for f in lesson-20k.html media-1m.mp3; do
		a=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$port/$f")
		b=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$nport/$f")
		[ "$a" = "$b" ] || say "static: $f differs: pamongd '$a', nginx '$b'"
	done
	for f in lesson-20k.html:20k:40 media-1m.mp3:1m:80; do
		file=${f%%:*}
		rest=${f#*:}
		label=${rest%%:*}
		target=${rest#*:}
		say "static $label: wrk -t2 -c50 -d${WRK_SECONDS}s, pamongd and nginx in turn, $WRK_ROUNDS rounds"
		ps=''
		ns=''
		r=1
		while [ $r -le "$WRK_ROUNDS" ]; do
			ps="$ps $(wrk_rps "http://127.0.0.1:$port/$file" "pamongd-$label-$r")"
			ns="$ns $(wrk_rps "http://127.0.0.1:$nport/$file" "nginx-$label-$r")"
			r=$((r + 1))
		done
		p=$(mean $ps)
		n=$(mean $ns)
		failed_if_nan "$p" "wrk against pamongd ($label)"
		failed_if_nan "$n" "wrk against nginx ($label)"
		ratio=$(awk -v p="$p" -v n="$n" 'BEGIN { if (p == "nan" || n == "nan" || n == 0) print "nan"; else printf "%.0f", 100 * p / n }')
		row "static $label pamongd requests/s" "$p" "(nginx $n)" ""
		v=$(verdict "$ratio" ge "$target")
		grep -q -e 'Non-2xx' -e 'Socket errors' "$OUT"/wrk-*-"$label"-*.txt &&
			v="$v (wrk saw errors: $OUT/wrk-*-$label-*.txt)"
		row "static $label pamongd / nginx" "$ratio %" ">= $target %" "$v"
	done
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$BOX_PID/status" 2>/dev/null)
	row "pamongd VmHWM after static" "$(calc '%.1f MB' "${hwm:-0} / 1024")" "(info)" ""
	kill "$NGINX_PID" 2>/dev/null
	wait "$NGINX_PID" 2>/dev/null
	NGINX_PID=
	stop_box
}

# ---- 3. durable progress writes ---------------------------------------------------
# writes_run LABEL GROUP(yes|no) PRELOAD: prints the acknowledged writes/s
# (details in $OUT/writes-LABEL.txt)
writes_run() {
	d=$TMP/writes-$1
	port=$(free_port)
	extra=
	if [ "$2" = no ]; then
		extra="[storage]
group_commit = no"
	fi
	write_conf "$d" "$port" "$PACKS" "$WEBROOT" "$extra"
	start_box "$d" "$port" "$3" || { echo nan; return; }
	"$LG" writes "$port" "$WRITE_CLIENTS" "$WRITE_SECONDS" "W$1" >"$OUT/writes-$1.txt" \
	    2>"$OUT/writes-$1.err" || cat "$OUT/writes-$1.err" >&2
	stop_box
	e=$(val errors "$OUT/writes-$1.txt")
	[ "$e" = 0 ] || say "writes $1: $e errors (see $OUT/writes-$1.err)"
	val rate "$OUT/writes-$1.txt"
}

wlat() { echo "(p50/p99 $(val lat_p50_ms "$OUT/writes-$1.txt")/$(val lat_p99_ms "$OUT/writes-$1.txt") ms)"; }

bench_writes() {
	name="durable writes"
	if ! have_packs; then
		skipped "$name" "no sample packs in $BUILD/packs (make packs)"
		return
	fi
	has_gc=no
	"$PAMONGD" --print-config 2>/dev/null | grep -q '^ *group_commit *=' && has_gc=yes
	for fs in disk sd; do
		preload=
		fsname="this disk"
		if [ $fs = sd ]; then
			preload=$SHIM
			fsname="fsync +${SD_FSYNC_MS} ms"
		fi
		say "writes ($fsname): $WRITE_CLIENTS clients, ${WRITE_SECONDS}s, group commit"
		g=$(writes_run "gc-$fs" yes "$preload")
		failed_if_nan "$g" "writes gc-$fs"
		row "writes $WRITE_CLIENTS clients, $fsname, group commit" "$g /s" \
		    "$(wlat "gc-$fs")" ""
		if [ $has_gc = yes ]; then
			say "writes ($fsname): $WRITE_CLIENTS clients, ${WRITE_SECONDS}s, one fsync per write"
			s=$(writes_run "single-$fs" no "$preload")
			failed_if_nan "$s" "writes single-$fs"
			ratio=$(awk -v g="$g" -v s="$s" 'BEGIN { if (g == "nan" || s == "nan" || s == 0) print "nan"; else printf "%.1f", g / s }')
			row "writes $WRITE_CLIENTS clients, $fsname, fsync per write" "$s /s" \
			    "$(wlat "single-$fs")" ""
			row "writes $fsname: group commit gain" "${ratio}x" ">= 5x" "$(verdict "$ratio" ge 5)"
		else
			row "writes $WRITE_CLIENTS clients, $fsname, fsync per write" "n/a" "(info)" \
			    "pending: no [storage] group_commit option yet"
			row "writes $fsname: group commit gain" "n/a" ">= 5x" "pending"
		fi
	done
}

# ---- 4. start-up ---------------------------------------------------------------------
bench_startup() {
	name="start-up"
	if ! have_packs; then
		skipped "$name" "no sample packs in $BUILD/packs (make packs)"
		return
	fi
	: >"$TMP/startup-fresh"
	: >"$TMP/startup-again"
	i=0
	while [ $i -lt "$STARTUP_RUNS" ]; do
		d=$TMP/startup-$i
		port=$(free_port)
		write_conf "$d" "$port" "$PACKS" "$WEBROOT"
		for kind in fresh again; do
			"$LG" startup "$port" 10 -- "$PAMONGD" -d -f "$d/pamongd.conf" \
			    >"$TMP/startup.out" 2>>"$d/pamongd.log"
			val ms "$TMP/startup.out" >>"$TMP/startup-$kind"
		done
		i=$((i + 1))
	done
	for kind in fresh again; do
		m=$(median <"$TMP/startup-$kind")
		grep -q nan "$TMP/startup-$kind" && failed_if_nan nan "start-up ($kind): no answer within 10 s"
		all=$(sort -n "$TMP/startup-$kind" | tr '\n' ' ')
		if [ $kind = fresh ]; then
			label="start-up, fresh data dir (installs packs)"
		else
			label="start-up, packs already installed"
		fi
		row "$label" "$m ms" "< 500 ms" "$(verdict "$m" lt 500)"
		say "$label: $all(ms)"
	done
	courses=$(ls -d "$TMP"/startup-0/packs/*/ 2>/dev/null | wc -l)
	[ "$courses" -gt 0 ] || say "start-up: no course installed in $TMP/startup-0/packs?"
	bench_startup_bigpack
}

# Start-up with one 50 MB pack in incoming, under the SD-card fsync shim: the
# first start installs it, the next ones only read its manifest (issue 9:
# a pack already installed is never unpacked again).
bench_startup_bigpack() {
	key=$BUILD/dev-signing.key
	[ -f "$key" ] || { skipped "start-up, 50 MB pack" "no $key (make packs)"; return; }
	src=$TMP/bigcourse/desa-administrasi # the folder is named as the course
	rm -rf "$TMP/bigcourse"
	mkdir -p "$TMP/bigcourse"
	cp -r "$ROOT/content/desa-administrasi" "$src" || return
	head -c $((50 * 1024 * 1024)) /dev/urandom >"$src/media/ringkasan.mp3"
	mkdir -p "$TMP/bigpack-in"
	if ! "$BUILD/pamong-pack" build "$src" -o "$TMP/bigpack-in/big.pack" >"$TMP/bigpack.log" 2>&1 ||
	    ! "$BUILD/pamong-pack" sign "$TMP/bigpack-in/big.pack" -k "$key" >>"$TMP/bigpack.log" 2>&1 ||
	    ! cp "$BUILD/dev-signing.pub" "$TMP/dev-signing.pub"; then
		skipped "start-up, 50 MB pack" "cannot build it (see $TMP/bigpack.log)"
		return
	fi
	d=$TMP/startup-big
	port=$(free_port)
	write_conf "$d" "$port" "$TMP/bigpack-in" "$WEBROOT"
	: >"$TMP/startup-big-again"
	first=nan
	i=0
	while [ $i -le "$STARTUP_RUNS" ]; do
		LD_PRELOAD=$SHIM SLOWFSYNC_MS=$SD_FSYNC_MS "$LG" startup "$port" 30 -- "$PAMONGD" -d \
		    -f "$d/pamongd.conf" >"$TMP/startup.out" 2>>"$d/pamongd.log"
		if [ $i -eq 0 ]; then
			first=$(val ms "$TMP/startup.out")
		else
			val ms "$TMP/startup.out" >>"$TMP/startup-big-again"
		fi
		i=$((i + 1))
	done
	m=$(median <"$TMP/startup-big-again")
	label="start-up, 50 MB pack installed, fsync +${SD_FSYNC_MS} ms"
	row "$label" "$m ms" "< 500 ms" "$(verdict "$m" lt 500)"
	say "$label: $(sort -n "$TMP/startup-big-again" | tr '\n' ' ')(ms); the first start, which installs it: $first ms"
}

# ---- the learner app on slow 3G (issue 3): Chromium's throttling, 400 ms / 400 kbit/s
bench_slow3g() {
	say "slow 3G: every screen of the learner app in Chromium, 400 ms RTT, 400 kbit/s"
	if ! node tests/bench/slow3g.mjs >"$OUT/slow3g.txt" 2>&1; then
		say "slow 3G: some screen missed its budget or the run failed (see $OUT/slow3g.txt)"
	fi
	if ! grep -q '^# slow3g' "$OUT/slow3g.txt"; then
		skipped "slow 3G screens" "no figure (see $OUT/slow3g.txt)"
		return
	fi
	grep '^# slow3g' "$OUT/slow3g.txt" | while IFS="$(printf '\t')" read -r _ what ms; do
		row "slow 3G: $what" "$ms ms" "< 2000 ms" "$(verdict "$ms" lt 2000)"
	done
}

# ---- main -----------------------------------------------------------------------------
started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
if ! build_tools || ! copy_inputs; then
	echo "bench: cannot build the bench tools" >&2
	exit 1
fi
have_packs || say "no sample packs in $BUILD/packs (make packs): the benches that need courses will not run"
for b in $BENCHES; do
	case $b in
	classroom) bench_classroom ;;
	crowd) bench_crowd ;;
	static) bench_static ;;
	writes) bench_writes ;;
	startup) bench_startup ;;
	slow3g) bench_slow3g ;;
	*) echo "unknown bench: $b" >&2; exit 2 ;;
	esac
done

{
	echo
	printf '%-52s %-20s %-30s %s\n' bench measured reference verdict
	awk -F '\t' '{ printf "%-52s %-20s %-30s %s\n", $1, $2, $3, $4 }' "$ROWS"
	echo
	echo "$(nproc) cores, load average $load_start at start (other work on this machine skews" \
	    "the figures), $(date -u +%Y-%m-%dT%H:%M:%SZ), $(($(date +%s) - started)) s; details in tests/out/bench/"
} | tee "$OUT/results.txt"
[ $# -eq 0 ] && { python3 "$ROOT/tests/bench/sync_bench.py" || not_run=$((not_run + 1)); } # issue 4: box → hub sync
# issue 9: health and writes while a large database is backed up
[ $# -eq 0 ] && { python3 "$ROOT/tests/bench/backup_bench.py" || not_run=$((not_run + 1)); }
[ $# -eq 0 ] && { python3 "$ROOT/tests/bench/hub_scale.py" || not_run=$((not_run + 1)); } # issue 14: the hub at national scale
[ $# -eq 0 ] && { python3 "$ROOT/tests/bench/console_bench.py" || not_run=$((not_run + 1)); } # issue 12: the console at 5,000 learners
[ "$not_run" -eq 0 ] || { echo "bench: $not_run bench(es) could not run" >&2; exit 1; }
exit 0
