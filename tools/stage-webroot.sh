#!/bin/sh
# Copies webroot/ to BUILD/webroot and writes a .gz beside each text file, so
# CivetWeb sends the compressed copy to phones that accept gzip.
set -e
SRC=$(cd "$(dirname "$0")/../webroot" && pwd)
DST=$1/webroot
rm -rf "$DST.tmp"
mkdir -p "$DST.tmp"
cp -R "$SRC/." "$DST.tmp/"
rm -rf "$DST.tmp/hub" # the staff dashboard is the hub's, never served by a box
find "$DST.tmp" -type f \( -name '*.html' -o -name '*.css' -o -name '*.js' -o -name '*.svg' \
	-o -name '*.json' -o -name '*.txt' -o -name '*.webmanifest' \) -exec gzip -k -n -9 {} +
rm -rf "$DST"
mv "$DST.tmp" "$DST"
