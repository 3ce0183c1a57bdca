#!/bin/sh
# Runs pamong-hub locally: tools/run-hub.sh BUILD_DIR DATA_DIR PORT
# Makes DATA_DIR/pamong-hub.conf on first run (the defaults, pointed at this
# checkout) and says how to add a staff user and an enrollment code.
set -e
cd "$(dirname "$0")/.."
BUILD=${1:-build}
DATA=${2:-$PWD/run-data-hub}
PORT=${3:-8090}
HUB=$BUILD/pamong-hub
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)
CONF=$DATA/pamong-hub.conf
if [ ! -f "$CONF" ]; then
	AREA=$PWD/content/area/wilayah.tsv.gz
	COURSES=$(cd "$BUILD" && pwd)/courses.tsv
	"$HUB" --print-config | sed \
	    -e "s|^port = .*|port = $PORT|" \
	    -e "s|^webroot = .*|webroot = $PWD/webroot/hub|" \
	    -e "s|^public_url = .*|public_url = http://localhost:$PORT|" \
	    -e "s|^data_dir = .*|data_dir = $DATA|" \
	    -e "s|^file = .*wilayah.*|file = $AREA|" \
	    -e "s|^file = .*courses.tsv|file = $COURSES|" >"$CONF"
	echo "Config: $CONF"
fi
"$HUB" -n -f "$CONF"
cat <<MSG
pamong-hub on http://localhost:$PORT/   (Ctrl-C stops it)
  add a staff user:         $HUB -f $CONF add-user NAME     (password on stdin)
  make an enrollment code:  $HUB -f $CONF enroll-code --ttl 7d
MSG
exec "$HUB" -d -f "$CONF"
