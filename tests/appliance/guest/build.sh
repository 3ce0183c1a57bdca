#!/bin/sh
# Builds the appliance test guest from Debian 12's packages: its kernel, a
# root file system image (ext4) holding hostapd, dnsmasq, nftables,
# wpa_supplicant, iw, libgpiod's tools, python3, the run-time libraries of the
# project's programs (list: ./packages) and an out-of-tree gpio-sim module,
# and a small initramfs that mounts it. Everything comes from Debian's archive
# through the host's own apt sources. The project's binaries are not in it:
# run.sh shares the checkout at run time.
#
# Cached in build/appliance-guest/ (GUEST_DIR= overrides) under a key made of
# ./packages and the guest's scripts; rebuilt only when one of them changes.
# Usage: tests/appliance/guest/build.sh [-f]     -f: rebuild even if cached
# KEEP_WORK=1 keeps the unpacked root in build/appliance-guest/work/.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SUITE=bookworm

if [ "${1:-}" = --download-kernel ]; then
	# Called by mmdebstrap as a hook, with its apt set up for the new root.
	cd "$2"
	export APT_CONFIG="$MMDEBSTRAP_APT_CONFIG"
	image=$(apt-cache depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	apt-get download -q -o APT::Sandbox::User=root "$image"
	exit 0
fi

ROOT=$(cd "$HERE/../../.." && pwd)
OUT=${GUEST_DIR:-$ROOT/build/appliance-guest}
mkdir -p "$OUT"
exec 9>"$OUT/lock"
flock 9

key=$(cd "$HERE" && cat packages build.sh init initramfs-init fstab job-systemd | sha256sum | cut -c1-16)
if [ "${1:-}" != -f ] && [ -f "$OUT/root.img" ] && [ -f "$OUT/initrd.img" ] && [ -f "$OUT/vmlinux" ] &&
	[ "$(cat "$OUT/key" 2>/dev/null)" = "$key" ]; then
	echo "guest: up to date ($OUT, key $key)"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "guest: building it needs root (mmdebstrap, chroot, mknod)" >&2
	exit 1
fi
for tool in mmdebstrap cpio make gcc mkfs.ext4 xz; do
	command -v $tool >/dev/null || { echo "guest: $tool is missing (make test installs it)" >&2; exit 1; }
done
start=$(date +%s)
echo "guest: building (key $key) in $OUT"
rm -f "$OUT/key"
WORK=$OUT/work
rm -rf "$WORK"
mkdir -p "$WORK"

# The host's Debian entries for $SUITE (one-line and deb822 files), one-line style.
host_sources() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}//p' |
		awk -v s="$SUITE" '$2 ~ "^" s "(-updates|-security)?$" { print "deb " $0 }'
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v s="$SUITE" '
		function flush(  i, j, nu, ns, u, su) {
			if (types ~ /(^| )deb( |$)/ && enabled != "no") {
				nu = split(uris, u, " "); ns = split(suites, su, " ")
				for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
					if (su[j] ~ "^" s "(-updates|-security)?$")
						print "deb " u[i] " " su[j] " " comps
			}
			types = uris = suites = comps = enabled = ""
		}
		/^[[:space:]]*$/ { flush(); next }
		/^#/ || /^[[:space:]]/ { next }
		{ k = tolower($1); $1 = "" ; sub(/^ +/, "")
		  if (k == "types:") types = $0; else if (k == "uris:") uris = $0
		  else if (k == "suites:") suites = $0; else if (k == "components:") comps = $0
		  else if (k == "enabled:") enabled = tolower($0) }
		END { flush() }' "$f"
	done
}
host_sources | sort -u >"$WORK/sources.list"
if ! [ -s "$WORK/sources.list" ]; then
	echo "guest: the host's apt sources have no Debian $SUITE entry" >&2
	exit 1
fi
sed 's/^/guest: apt source: /' "$WORK/sources.list"

pkgs=$(sed 's/#.*//' "$HERE/packages" | awk 'NF { printf "%s%s", sep, $1; sep = "," }')
mmdebstrap --variant=essential --include="$pkgs" \
	--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--customize-hook="'$HERE/build.sh' --download-kernel '$WORK'" \
	"$SUITE" "$WORK/root" "$WORK/sources.list"
R=$WORK/root

# The kernel's modules: only those the tests use (the whole tree is ~400 MB).
deb=$(ls "$WORK"/linux-image-*.deb)
KVER=$(dpkg-deb -f "$deb" Package | sed 's/^linux-image-//')
mkdir -p "$WORK/kernel"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$WORK/kernel" ./boot ./lib/modules
M=lib/modules/$KVER
mkdir -p "$R/$M/updates"
cp "$WORK/kernel/$M"/modules.builtin* "$WORK/kernel/$M/modules.order" "$R/$M/"
(cd "$WORK/kernel/$M" && for p in kernel/lib kernel/crypto kernel/arch/x86/crypto \
	kernel/net/wireless kernel/net/mac80211 kernel/net/rfkill kernel/net/9p \
	kernel/net/netfilter kernel/net/ipv4 kernel/net/ipv6 kernel/net/bridge kernel/net/core \
	kernel/net/802 kernel/net/llc kernel/net/8021q kernel/net/sched kernel/net/packet \
	kernel/fs/9p kernel/fs/netfs kernel/fs/fscache kernel/fs/configfs kernel/drivers/virtio \
	kernel/drivers/char/hw_random kernel/drivers/net/wireless/mac80211_hwsim.ko \
	kernel/drivers/net/wireless/virtual kernel/drivers/net/veth.ko kernel/drivers/net/tun.ko \
	kernel/drivers/net/dummy.ko kernel/drivers/net/macvlan.ko \
	kernel/drivers/block/virtio_blk.ko kernel/fs/ext4 kernel/fs/jbd2 kernel/fs/mbcache.ko; do
	[ -e "$p" ] && echo "$p"
done | tar -c -T - | tar -x -C "$R/$M")

# gpio-sim: Debian's kernel does not build it. Build it out of tree from
# linux-source against this kernel's headers, with irq_sim.c linked in (it is
# not built either) and its one call to the unexported irq_to_desc() replaced.
major=$(echo "$KVER" | cut -d. -f1,2)
missing=
[ -d "/usr/src/linux-headers-$KVER" ] || missing="linux-headers-$KVER"
[ -f "/usr/src/linux-source-$major.tar.xz" ] || missing="$missing linux-source-$major"
if [ -n "$missing" ]; then
	echo "guest: installing$missing on the host"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
fi
src_ver=$(dpkg-query -W -f='${Version}' "linux-source-$major")
[ "$src_ver" = "$(dpkg-deb -f "$deb" Version)" ] ||
	echo "guest: warning: linux-source-$major $src_ver differs from the guest kernel $(dpkg-deb -f "$deb" Version)"
G=$WORK/gpio-sim
mkdir -p "$G"
tar -xJf "/usr/src/linux-source-$major.tar.xz" -C "$G" --strip-components=3 \
	"linux-source-$major/drivers/gpio/gpio-sim.c" "linux-source-$major/drivers/gpio/gpiolib.h" \
	"linux-source-$major/kernel/irq/irq_sim.c"
mv "$G/gpio-sim.c" "$G/gpio-sim-main.c"
sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$G/irq_sim.c"
grep -q 'generic_handle_irq(irqnum);' "$G/irq_sim.c" || { echo "guest: irq_sim.c patch did not apply" >&2; exit 1; }
printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n' >"$G/Kbuild"
make -s -C "/usr/src/linux-headers-$KVER" M="$G" modules >"$G/make.log" 2>&1 ||
	{ cat "$G/make.log" >&2; echo "guest: gpio-sim did not build" >&2; exit 1; }
cp "$G/gpio-sim.ko" "$R/$M/updates/"
chroot "$R" depmod -a "$KVER"

# The minimal init, mount points, and room cleared of what a guest never reads.
install -m 0755 "$HERE/init" "$R/init"
install -m 0644 "$HERE/fstab" "$R/etc/fstab"
echo 'options mac80211_hwsim radios=2' >"$R/etc/modprobe.d/pamong-guest.conf"
# Under systemd (pamong.init=systemd): the same modules, the job as a unit
# that writes to the console, no login prompts.
mkdir -p "$R/etc/modules-load.d" "$R/usr/local/sbin" "$R/etc/systemd/system"
printf 'configfs\n9pnet_virtio\n9p\nmac80211_hwsim\ngpio-sim\n' >"$R/etc/modules-load.d/pamong-guest.conf"
install -m 0755 "$HERE/job-systemd" "$R/usr/local/sbin/pamong-job"
cat >"$R/etc/systemd/system/pamong-job.service" <<'UNIT'
[Unit]
Description=Pamong guest test job (/job/job.sh)
After=basic.target remote-fs.target
ConditionPathExists=/job/job.sh
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/pamong-job
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/ttyS0
TimeoutStartSec=infinity
UNIT
mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
ln -sf ../pamong-job.service "$R/etc/systemd/system/multi-user.target.wants/pamong-job.service"
# what a throwaway test boot never needs (first-boot database rebuilds are
# slow under TCG)
for u in serial-getty@ttyS0.service getty@tty1.service systemd-firstboot.service \
	systemd-hwdb-update.service ldconfig.service systemd-journal-catalog-update.service \
	systemd-update-done.service systemd-pstore.service systemd-random-seed.service \
	apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
	systemd-tmpfiles-clean.timer dpkg-db-backup.timer; do
	ln -sf /dev/null "$R/etc/systemd/system/$u"
done
mkdir -p "$R/src" "$R/job"
[ -c "$R/dev/console" ] || mknod -m 600 "$R/dev/console" c 5 1
rm -rf "$R"/var/cache/apt/* "$R"/var/lib/apt/lists/* "$R"/var/log/*

# The root as an ext4 image (no mounts needed to make it); QEMU opens it with
# snapshot=on, so what a test writes is gone when the guest stops (hence no
# journal either).
mb=$(du -sm "$R" | cut -f1)
mkfs.ext4 -q -F -L pamong-guest -O ^has_journal -d "$R" "$WORK/root.img" "$((mb + mb / 4 + 64))M"

# A small initramfs that loads the disk's drivers and switches to it: far
# quicker than unpacking the whole root from an initramfs under TCG.
I=$WORK/initramfs
mkdir -p "$I/bin" "$I/dev" "$I/root" "$I/modules"
cp "$R/usr/bin/busybox" "$I/bin/"
chroot "$R" ldd /usr/bin/busybox | awk '$(NF-1) ~ /^\// { print $(NF-1) } $1 ~ /^\// { print $1 }' |
	sort -u | while read -r lib; do
		mkdir -p "$I$(dirname "$lib")"
		cp "$R$(chroot "$R" readlink -f "$lib")" "$I$lib"
	done
chroot "$R" modprobe -S "$KVER" --show-depends -a virtio_pci virtio_blk crc32c_generic ext4 |
	awk '$1 == "insmod" && !seen[$2]++ && $2 !~ /crc32c-intel/ { print $2 }' | while read -r ko; do
		cp "$R$ko" "$I/modules/"
		basename "$ko" >>"$I/modules/order"
	done
for m in virtio_pci virtio_blk ext4; do
	grep -qx "$m.ko" "$I/modules/order" || { echo "guest: no $m module for the initramfs" >&2; exit 1; }
done
install -m 0755 "$HERE/initramfs-init" "$I/init"
mknod -m 600 "$I/dev/console" c 5 1
(cd "$I" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$WORK/initrd.img"

# The kernel unpacked: QEMU boots the ELF vmlinux through its PVH entry point,
# which skips the bzImage's xz decompression (seconds under TCG).
python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(d[d.index(b"\xfd7zXZ\x00"):])' "$WORK/kernel/boot/vmlinuz-$KVER" |
	xz -dc --single-stream >"$WORK/vmlinux"

for f in vmlinux initrd.img root.img; do mv "$WORK/$f" "$OUT/$f"; done
echo "$KVER" >"$OUT/kver"
[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
echo "$key" >"$OUT/key"
echo "guest: built in $(($(date +%s) - start)) s: kernel $KVER, root $mb MB, initramfs $(du -k "$OUT/initrd.img" | cut -f1) KB"
