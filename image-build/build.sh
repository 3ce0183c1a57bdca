#!/bin/sh
# make image: the Raspberry Pi image (Debian 13 arm64) in build/image/.
# Stages, each printed with its time (see image-build/README.md):
#   host      install the build machine's tools, enable arm64 binfmt
#   sysroot   Debian 13's arm64 -dev packages, unpacked (cached)
#   programs  pamongd, pamong-pack, pamong-hub cross-built for arm64 against
#             the sysroot; webroot, packs (in the background, beside the base)
#   base      mmdebstrap: Debian 13 arm64 with stages/*/packages (cached)
#   programs-wait  the programs' output, once the base is done
#   root      a copy of the base with the overlay, the programs and the
#             stages' scripts (stages/*/run.sh on the host, run-chroot.sh
#             in the root under qemu-user)
#   image     mkfs.vfat + mcopy, mkfs.ext4 -d, genimage (no loop mounts)
#   output    .img (kept for make test-image), .img.xz, .sha256, .bmap,
#             manifest of packages, partition sizes
# Usage: image-build/build.sh     (as root; make image)
# IMAGE_DIR= overrides build/image; SUITE_MIRROR= overrides the mirror;
# IMAGE_XZ=no skips the .img.xz and its .sha256 (the boot test's loop: the
# .img is what make test-image boots; test_structure.py wants the .xz);
# IMAGE_XZ_LEVEL= sets xz's preset (1 unless given; README: sizes, times).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
OUT=${IMAGE_DIR:-$TOP/build/image}
SUITE=trixie
export LC_ALL=C.UTF-8 SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$TOP" log -1 --format=%ct 2>/dev/null || date +%s)}"
VERSION=${VERSION:-$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo dev)}

T0=$(date +%s)
stage_t=$T0
stage() {
	now=$(date +%s)
	[ -z "${cur_stage:-}" ] ||
		echo "image: stage $cur_stage done in $((now - stage_t)) s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	cur_stage=$1
	stage_t=$now
	[ "$1" = end ] || echo "image: stage $1: $2"
}

if [ "$(id -u)" -ne 0 ]; then
	echo "image: needs root (mmdebstrap, chroot, device nodes)" >&2
	exit 1
fi
mkdir -p "$OUT"
exec 9>"$OUT/lock"
flock 9

# ---- host
stage host "tools and arm64 emulation"
"$TOP/tools/install-deps.sh" image
. "$HERE/lib.sh"
binfmt_arm64

# ---- sysroot (cached): before the base, so that only one mmdebstrap
# at a time reads and fills the package cache
stage sysroot "Debian $SUITE arm64 libraries to build against (cached in $OUT/sysroot)"
apt_sources "$SUITE" >"$OUT/sources.list"
sed 's/^/image: apt source: /' "$OUT/sources.list"
build_sysroot "$OUT" "$SUITE"

# ---- programs, beside the base: the base runs emulated, mostly one
# process at a time, so the native compile has the other core; its
# output goes to OUT/programs.log and is printed when the base is done
stage programs "pamongd, pamong-pack, pamong-hub for arm64; webroot and sample packs (beside the base)"
(
	t=$(date +%s)
	build_programs "$OUT"
	echo "image: programs built in $(($(date +%s) - t)) s"
) >"$OUT/programs.log" 2>&1 &
programs_pid=$!

# ---- base
stage base "Debian $SUITE arm64 (packages cached in $OUT/cache)"
base_key=$(base_key "$OUT")
if [ -f "$OUT/base/key" ] && [ "$(cat "$OUT/base/key")" = "$base_key" ]; then
	echo "image: base root up to date (key $base_key)"
else
	build_base "$OUT" "$SUITE" "$base_key"
fi

# ---- programs (waited for)
stage programs-wait "the programs built beside the base"
programs_rc=0
wait "$programs_pid" || programs_rc=$?
cat "$OUT/programs.log"
[ "$programs_rc" -eq 0 ] || { echo "image: building the programs failed" >&2; exit 1; }

# ---- root
stage root "overlay, programs, stages' scripts"
R=$OUT/work/root
rm -rf "$OUT/work"
mkdir -p "$OUT/work"
cp -a "$OUT/base/root" "$R"
for dir in "$HERE"/stages/*/; do
	name=$(basename "$dir")
	if [ -x "$dir/run.sh" ]; then
		echo "image:   $name/run.sh"
		ROOT=$R TOP=$TOP OUT=$OUT HERE=$HERE VERSION=$VERSION "$dir/run.sh"
	fi
	if [ -f "$dir/run-chroot.sh" ]; then
		echo "image:   $name/run-chroot.sh (in the arm64 root)"
		install -m 0755 "$dir/run-chroot.sh" "$R/run-chroot.sh"
		chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin VERSION="$VERSION" /run-chroot.sh
		rm -f "$R/run-chroot.sh"
	fi
done

# ---- image
stage image "file systems and the partitioned image"
make_image "$OUT" "$R" "$VERSION"

# ---- output
stage output "compressed image, checksum, manifest, sizes"
finish_outputs "$OUT" "$R" "$VERSION"

stage end
echo "image: total $(($(date +%s) - T0)) s ($(( ($(date +%s) - T0) / 60 )) min; load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)"
