#!/bin/sh
# Two builds list the same packages and versions (make image-compare):
# compares two images' manifests (package, version, architecture: one
# package a line, as stage 60 writes them) and prints what differs; exits
# 1 if anything does, 0 if both list the same packages at the same versions.
# Usage: image-build/compare.sh A.manifest B.manifest
set -eu
[ $# -eq 2 ] || { echo "usage: $0 A.manifest B.manifest" >&2; exit 2; }
for f in "$1" "$2"; do
	[ -s "$f" ] || { echo "image-compare: no manifest $f" >&2; exit 2; }
done
echo "image-compare: A $1 ($(wc -l <"$1") packages)"
echo "image-compare: B $2 ($(wc -l <"$2") packages)"
diffs=$(LC_ALL=C awk -F '\t' '
	FNR == NR { a[$1 ":" $3] = $2; next }
	{ k = $1 ":" $3; seen[k] = 1
	  if (!(k in a)) print "only in B: " k " " $2
	  else if (a[k] != $2) print k ": " a[k] " in A, " $2 " in B" }
	END { for (k in a) if (!(k in seen)) print "only in A: " k " " a[k] }' "$1" "$2" | LC_ALL=C sort)
if [ -n "$diffs" ]; then
	printf '%s\n' "$diffs" | sed 's/^/image-compare:   /' >&2
	echo "image-compare: the two builds differ in $(printf '%s\n' "$diffs" | wc -l) packages" >&2
	exit 1
fi
echo "image-compare: the same $(wc -l <"$1") packages and versions"
