#!/bin/sh
# Installs what a make target needs on Debian 12, only what is missing.
# Usage: tools/install-deps.sh build|test|bench|fuzz|fault|soak|video|image|docs
set -e
cd "$(dirname "$0")/.."
BUILD_PKGS="build-essential pkg-config libcivetweb-dev libsqlite3-dev libjansson-dev
 libcmark-gfm-dev libcmark-gfm-extensions-dev libyaml-dev libsodium-dev libunistring-dev
 libcurl4-openssl-dev libarchive-dev libinih-dev libsystemd-dev libgpiod-dev libmnl-dev
 zlib1g-dev libpq-dev"
# postgresql-15 and python3-psycopg2: the hub suites also run on a PostgreSQL
# cluster of their own (tests/lib/pgtest.py); poppler-utils: pdftotext reads the
# hub dashboard's printed reports (tests/browser/test_hub_dashboard.mjs);
# dosfstools, mtools: a real FAT stick image for the console's USB listing;
# libreoffice-calc-nogui opens the console's CSV export in a test; genimage,
# fdisk (sfdisk): the Pi image's card layout (tests/image/test_recipe.py)
# libfaketime: a box whose wall clock jumps (tests/integration/test_clock_jump.py)
# python3-dbusmock, dbus: ModemManager stood in for on a private bus (tests/net/test_modem.py)
TEST_PKGS="$BUILD_PKGS python3 sqlite3 postgresql-15 python3-psycopg2 poppler-utils iproute2 nftables dnsmasq-base nginx-light openssl curl systemd
 chromium nodejs npm dosfstools mtools libreoffice-calc-nogui qrencode zbar-tools fonts-dejavu-core
 qemu-system-x86 mmdebstrap cpio e2fsprogs xz-utils linux-source-6.1 linux-headers-amd64 genimage fdisk
 libfaketime python3-dbusmock dbus"
BENCH_PKGS="$TEST_PKGS wrk"
# make fault / make soak: the build, python3, sqlite3; unshare and mount
# (util-linux) are in every Debian system
FAULT_PKGS="$BUILD_PKGS python3 sqlite3 util-linux"
# make fuzz: clang with libFuzzer and the sanitizer runtimes (libclang-rt-14-dev
# on Debian 12), llvm for llvm-symbolizer (readable stack traces)
FUZZ_PKGS="$BUILD_PKGS clang libclang-rt-14-dev llvm"
# make sample-video: the sample lesson video from a course's picture and speech
VIDEO_PKGS="ffmpeg espeak-ng"
# make docs: the facilitator card (Chromium prints it, qrencode draws the QR
# codes, poppler-utils checks and renders the PDF, zbar-tools reads the QR
# codes back in its test)
DOCS_PKGS="chromium qrencode poppler-utils zbar-tools fonts-dejavu-core"
# make image / test-image: Debian 13 arm64 root (mmdebstrap, qemu-user),
# the arm64 cross compiler, file systems and the partitioned image without
# mounts, compression and bmap; the boot test's QEMU and tools
IMAGE_PKGS="$BUILD_PKGS mmdebstrap qemu-user-static binfmt-support arch-test
 gcc-aarch64-linux-gnu libc6-dev-arm64-cross genimage mtools dosfstools e2fsprogs fdisk
 xz-utils bmap-tools file binutils-aarch64-linux-gnu qemu-system-arm curl python3"

case $1 in
build) want=$BUILD_PKGS ;;
test) want=$TEST_PKGS ;;
bench) want=$BENCH_PKGS ;;
fuzz) want=$FUZZ_PKGS ;;
fault|soak) want=$FAULT_PKGS ;;
video) want=$VIDEO_PKGS ;;
image) want=$IMAGE_PKGS ;;
docs) want=$DOCS_PKGS ;;
*) echo "usage: $0 build|test|bench|fuzz|fault|soak|video|image|docs" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	# node may come from elsewhere; accept any node >= 18 on PATH
	case $p in nodejs|npm) command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && continue ;; esac
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "Installing Debian packages:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "Run as root (or install them yourself):$missing" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
fi

if { [ "$1" = test ] || [ "$1" = bench ]; } && [ -f tests/package.json ]; then
	# a stamp written after npm ci succeeded (npm ci empties node_modules
	# first), so an interrupted or failed install is done again next time
	stamp=tests/node_modules/.pamong-installed
	if [ ! -f $stamp ] || [ tests/package.json -nt $stamp ] || [ tests/package-lock.json -nt $stamp ]; then
		echo "Installing test tools from npm (tests/package.json)"
		(cd tests && npm ci --no-audit --no-fund --loglevel=error) && touch $stamp
	fi
fi
