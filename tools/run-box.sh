#!/bin/sh
# Starts the box locally in the foreground: make run → tools/run-box.sh BUILD DATA PORT
# A fresh data dir each time (the previous one is moved aside to DATA.prev).
set -e
BUILD=$1 DATA=$2 PORT=$3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
if [ -d "$DATA" ]; then
	rm -rf "$DATA.prev"
	mv "$DATA" "$DATA.prev"
	echo "Previous data moved to $DATA.prev"
fi
mkdir -p "$DATA"
cat >"$DATA/pamongd.conf" <<CONF
# Written by make run. See firmware/pamongd/pamongd.conf.example for every option.
[http]
port = $PORT
listen = 0.0.0.0
webroot = $BUILD/webroot
[storage]
data_dir = $DATA
[content]
incoming = $BUILD/packs
trusted_keys = $BUILD/dev-signing.pub
[area]
file = $ROOT/content/area/wilayah.tsv.gz
codes = 33.02
CONF
echo "Pamong Box: http://localhost:$PORT  (data in $DATA; Ctrl-C stops)"
exec "$BUILD/pamongd" -d -f "$DATA/pamongd.conf"
