#!/bin/sh
# Stage 40 (on the host): the overlay (units, configs, first-boot scripts),
# the arm64 programs, the learner app, the list of regions, the sample
# packs and the key that signed them. The packs go to the data
# partition's incoming/ folder (OUT/work/data), where pamongd installs
# them at its first start.
set -eu
: "${ROOT:?}" "${TOP:?}" "${OUT:?}" "${HERE:?}"
tar -C "$HERE/overlay" --owner=0 --group=0 -c . | tar -C "$ROOT" -x --no-same-owner --keep-directory-symlink
for p in pamongd:/usr/sbin pamong-pack:/usr/bin; do
	install -D -m 0755 -s --strip-program=aarch64-linux-gnu-strip \
		"$OUT/arm64/${p%%:*}" "$ROOT${p#*:}/${p%%:*}"
done
mkdir -p "$ROOT/usr/share/pamong"
rm -rf "$ROOT/usr/share/pamong/webroot"
cp -R "$TOP/build/webroot" "$ROOT/usr/share/pamong/webroot"
install -m 0644 "$TOP/content/area/wilayah.tsv.gz" "$ROOT/usr/share/pamong/wilayah.tsv.gz"
install -m 0644 "$TOP/build/dev-signing.pub" "$ROOT/etc/pamong/trusted-keys"
# The box's config lives on the data partition (first boot names the
# hotspot in it); the image's version is the default it starts from.
mv "$ROOT/etc/pamong/pamongd.conf" "$ROOT/usr/share/pamong/pamongd.conf"
ln -s /var/lib/pamong/pamongd.conf "$ROOT/etc/pamong/pamongd.conf"
# the data partition's mount point (the read-only root cannot get it later)
mkdir -p "$ROOT/var/lib/pamong" "$OUT/work/data/incoming"
cp "$TOP"/build/packs/*.pack "$OUT/work/data/incoming/"
echo "$VERSION" >"$ROOT/etc/pamong/image-version"
