# Functions of image-build/build.sh (sourced; POSIX sh).

# binfmt_misc runs arm64 programs through qemu-user (chroot into the root).
binfmt_arm64() {
	[ -e /proc/sys/fs/binfmt_misc/register ] ||
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
	[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64
	grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 ||
		{ echo "image: qemu-aarch64 binfmt is not enabled" >&2; exit 1; }
}

# The Debian mirrors of the host's own apt sources (one-line and deb822
# files), as one-line entries for SUITE, SUITE-updates and SUITE-security
# with the components the image needs (the Pi's firmware is in
# non-free-firmware).
apt_sources() {
	{
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}//p' |
			awk '{ print $1, $2 }'
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			awk '/^[Tt]ypes:/ { deb = ($0 ~ / deb( |$)/) }
			/^URIs:/ { u = $2 }
			/^Suites:/ { if (deb) for (i = 2; i <= NF; i++) print u, $i }
			/^[[:space:]]*$/ { deb = 0 }' "$f"
		done
	} | awk -v s="$1" -v base="${HOST_SUITE:-bookworm}" '
		$2 == base { print "deb " $1 " " s " main non-free-firmware"
		             print "deb " $1 " " s "-updates main non-free-firmware" }
		$2 == base "-security" { print "deb " $1 " " s "-security main non-free-firmware" }' |
		sort -u
}

# The base root: mmdebstrap (minbase) with every stages/*/packages list,
# maintainer scripts run under qemu-user. The downloaded packages are kept
# in OUT/cache/debs and put back before the next build, so a rebuild
# downloads only what changed in the archive.
base_key() { # the base's inputs: sources, package lists, stage 20's files, build_base
	(cat "$1/sources.list"; sed -n '/^build_base() {/,/^}/p' "$HERE/lib.sh"
	 cd "$HERE/stages" && find . -path './*/packages' -o -path './20-boot/files/*' -type f |
		LC_ALL=C sort | while read -r f; do echo "$f"; cat "$f"; done) | sha256sum | cut -c1-16
}
build_base() {
	out=$1 suite=$2 key=$3
	pkgs=$(cat "$HERE"/stages/*/packages | sed 's/#.*//' | awk 'NF { printf "%s%s", sep, $1; sep = "," }')
	mkdir -p "$out/cache/debs"
	rm -rf "$out/base"
	mkdir -p "$out/base"
	# INITRD=No: the kernel's postinst makes no initramfs (and the
	# initramfs-tools trigger finds none to update); it is made once, at
	# the end, with every package and its hooks in place: under qemu-user
	# one initramfs (MODULES=most) is most of a cold build. No fsync of
	# each unpacked file (force-unsafe-io): the folder is thrown away if
	# the build stops, and made into file systems only once it is done.
	INITRD=No mmdebstrap --architectures=arm64 --variant=minbase --include="$pkgs" \
		--aptopt='Acquire::Retries "3"' \
		--dpkgopt=force-confold --dpkgopt=force-confdef --dpkgopt=force-unsafe-io \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--skip=essential/unlink \
		--setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
		--setup-hook="sync-in '$out/cache/debs' /var/cache/apt/archives" \
		--essential-hook="tar -C '$HERE/stages/20-boot/files' -c . | tar -C \"\$1\" -x --no-same-owner" \
		--customize-hook="sync-out /var/cache/apt/archives '$out/cache/debs'" \
		--customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
		--customize-hook='echo "image: the initramfs (once)"; chroot "$1" update-initramfs -c -k all' \
		"$suite" "$out/base/root" "$out/sources.list"
	echo "$key" >"$out/base/key"
	echo "image: base root $(du -sm "$out/base/root" | cut -f1) MB, cache $(du -sm "$out/cache/debs" | cut -f1) MB"
}

# The arm64 sysroot the programs are cross-compiled against: Debian 13's
# -dev packages of their libraries, only unpacked (mmdebstrap's extract
# variant runs nothing). Cached under a key of the list and the sources.
build_sysroot() {
	out=$1 suite=$2
	list="$HERE/sysroot-packages"
	key=$(cat "$list" "$out/sources.list" | sha256sum | cut -c1-16)
	if [ -f "$out/sysroot/key" ] && [ "$(cat "$out/sysroot/key")" = "$key" ]; then
		echo "image: sysroot up to date (key $key)"
		return 0
	fi
	pkgs=$(sed 's/#.*//' "$list" | awk 'NF { printf "%s%s", sep, $1; sep = "," }')
	rm -rf "$out/sysroot"
	mkdir -p "$out/sysroot" "$out/cache/debs"
	mmdebstrap --architectures=arm64 --variant=extract --include="$pkgs" \
		--aptopt='Acquire::Retries "3"' --skip=essential/unlink \
		--setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
		--setup-hook="sync-in '$out/cache/debs' /var/cache/apt/archives" \
		--customize-hook="sync-out /var/cache/apt/archives '$out/cache/debs'" \
		--customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
		"$suite" "$out/sysroot/root" "$out/sources.list"
	# merged /usr: the linker scripts (libc.so, libm.so) name /lib/...
	for d in lib bin sbin; do
		[ -e "$out/sysroot/root/$d" ] || ln -s "usr/$d" "$out/sysroot/root/$d"
	done
	echo "$key" >"$out/sysroot/key"
}

# The project's programs for arm64 (BUILD=OUT/arm64), cross-compiled by the
# host's aarch64-linux-gnu-gcc against the sysroot's headers and libraries
# (pkg-config reads the sysroot's .pc files); the webroot and the signed
# sample packs (architecture-independent) from the host build.
build_programs() {
	out=$1
	S=$out/sysroot/root
	make -C "$TOP" --no-print-directory -s all packs
	PKG_CONFIG_SYSROOT_DIR=$S \
	PKG_CONFIG_LIBDIR=$S/usr/lib/aarch64-linux-gnu/pkgconfig:$S/usr/share/pkgconfig \
		make -C "$TOP" --no-print-directory -s BUILD="$out/arm64" \
		CC="aarch64-linux-gnu-gcc --sysroot=$S" all
	for p in pamongd pamong-pack pamong-hub; do
		[ -f "$out/arm64/$p" ] || continue
		file -b "$out/arm64/$p" | grep -q 'ARM aarch64' ||
			{ echo "image: $out/arm64/$p is not an arm64 program" >&2; exit 1; }
	done
	echo "image: programs: $(cd "$out/arm64" && ls pamongd pamong-pack pamong-hub 2>/dev/null | tr '\n' ' ')"
}

# The three file systems, made from folders without mounting anything, and
# the partitioned image (genimage.cfg) in OUT/work/img/pamong-box.img.
BOOT_MB=256
DATA_MB=128
make_image() {
	out=$1 root=$2
	w=$out/work
	mkdir -p "$w/img" "$w/empty" "$w/gtmp"
	rm -f "$w/img"/*
	# boot: FAT32, filled with mcopy
	mkfs.vfat -F 32 -n PAMONGBOOT -i 5a3b0c01 -C "$w/img/boot.vfat" $((BOOT_MB * 1024)) >/dev/null
	mcopy -s -p -m -i "$w/img/boot.vfat" "$w/boot"/* ::/
	# root: ext4 sized to its content plus a margin, read-only on the box
	mb=$(du -sm "$root" | cut -f1)
	E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mkfs.ext4 -q -F -T default -b 4096 -L pamong-root \
		-U 5a3b0c01-0002-4000-8000-000000000002 -E root_owner=0:0 -J size=16 \
		-d "$root" "$w/img/root.ext4" "$((mb + mb / 8 + 64))M"
	# data: the sample packs in incoming/, owned by the pamong user; room
	# reserved to grow online to 1 TiB
	uid=$(awk -F: '$1 == "pamong" { print $3 ":" $4 }' "$root/etc/passwd")
	chown -R "$uid" "$w/data"
	chmod 0750 "$w/data"
	E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mkfs.ext4 -q -F -T default -b 4096 -L pamong-data \
		-U 5a3b0c01-0003-4000-8000-000000000003 -E root_owner="$uid",resize=268435456 -J size=32 \
		-d "$w/data" "$w/img/data.ext4" "${DATA_MB}M"
	genimage --config "$HERE/genimage.cfg" --inputpath "$w/img" --outputpath "$w/img" \
		--rootpath "$w/empty" --tmppath "$w/gtmp" >"$w/genimage.log" 2>&1 ||
		{ cat "$w/genimage.log" >&2; exit 1; }
	echo "image: $(du -h --apparent-size "$w/img/pamong-box.img" | cut -f1) image ($(du -h "$w/img/pamong-box.img" | cut -f1) used)"
}

# What a field office downloads: OUT/pamong-box-VERSION-arm64.img.xz, its
# .sha256, a .bmap for bmaptool, the manifest of every package inside and
# the partitions' sizes. The uncompressed image stays (make test-image
# reads it; it is sparse).
finish_outputs() {
	out=$1 root=$2 version=$3
	name=pamong-box-$version-arm64
	w=$out/work
	rm -f "$out"/pamong-box-*-arm64.*
	mv "$w/img/pamong-box.img" "$out/$name.img"
	bmaptool create -o "$out/$name.bmap" "$out/$name.img"
	cp "$w/manifest" "$out/$name.manifest"
	{
		echo "# partitions of $name.img (sectors of 512 bytes)"
		sfdisk -d "$out/$name.img"
		echo
		sfdisk -l -o Device,Start,End,Sectors,Size,Type "$out/$name.img" | sed -n '/^Device/,$p'
		echo
		echo "boot: FAT32 PAMONGBOOT, $(du -sh "$w/boot" | cut -f1) used"
		echo "root: ext4 pamong-root (read-only), $(du -sh "$root" | cut -f1) used"
		echo "data: ext4 pamong-data, grown to the end of the card on first boot"
	} >"$out/$name.partitions"
	if [ "${IMAGE_XZ:-yes}" = no ]; then
		# the test loop (make test-image boots the .img): skip minutes of xz
		echo "image: IMAGE_XZ=no: $out/$name.img only, no .img.xz, $(wc -l <"$w/manifest") packages"
	else
		# -1 (not -3): the image compresses in half the time on 2
		# cores for a few percent more size (image-build/README.md)
		xz -T0 "-${IMAGE_XZ_LEVEL:-1}" -k -f "$out/$name.img"
		(cd "$out" && sha256sum "$name.img.xz" >"$name.img.xz.sha256")
		echo "image: $out/$name.img.xz ($(du -h "$out/$name.img.xz" | cut -f1)), $(wc -l <"$w/manifest") packages"
	fi
	sed -n '/^Device/,/^$/p' "$out/$name.partitions" | sed 's/^/image:   /'
}
