#!/bin/sh
# Stage 60 (on the host): the boot partition's files out of the root, the
# package manifest, and what a running box never reads.
set -eu
: "${ROOT:?}" "${OUT:?}"
rm -rf "$OUT/work/boot"
mv "$ROOT/boot/firmware" "$OUT/work/boot"
mkdir -p "$ROOT/boot/firmware"
chroot "$ROOT" dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\n' | LC_ALL=C sort >"$OUT/work/manifest"
rm -rf "$ROOT"/var/cache/apt/* "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/log/* \
	"$ROOT"/tmp/* "$ROOT"/var/tmp/* "$ROOT"/var/cache/debconf/*-old "$ROOT"/var/lib/dpkg/*-old \
	"$ROOT"/boot/*.dpkg-bak
