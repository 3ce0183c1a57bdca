"""Structure of the Pi image make image built (tests/image/README.md): the
partition table and its alignment, the boot files, cmdline.txt, the units,
no identity or password baked in, arm64 programs that start under
qemu-user in the image's own root, the first-boot script, the outputs
beside the image. Reads the image file only (no mounts). As root."""

import glob
import os
import re
import subprocess

import imagelib as il
from pbtest import eq, ok, run_tests

IMG = il.image_path()
BASE = IMG[:-len(".img")]
WORK = il.tempdir("pamong-image-test-")
PT = il.partitions(IMG)
PARTS = PT["partitions"]
FS = {}


def part_fs(i):
    if i not in FS:
        FS[i] = il.extract(IMG, PARTS[i], os.path.join(WORK, "p%d" % (i + 1)))
    return FS[i]


def test_outputs():
    for ext in (".img.xz", ".img.xz.sha256", ".bmap", ".manifest", ".partitions"):
        ok(os.path.isfile(BASE + ext), "output " + os.path.basename(BASE + ext) + " exists")
    r = subprocess.run(["sha256sum", "-c", os.path.basename(BASE) + ".img.xz.sha256"],
                       cwd=os.path.dirname(IMG), capture_output=True, text=True)
    ok(r.returncode == 0, "the .img.xz matches its .sha256", r.stdout + r.stderr)
    sizes = open(BASE + ".partitions").read()
    ok("boot:" in sizes and "root:" in sizes and "data:" in sizes,
       "the .partitions file gives each partition's size", sizes)


def test_partition_table():
    eq(PT["label"], "dos", "an MBR (dos) partition table (the Pi 3B+'s firmware reads only that)")
    eq(len(PARTS), 3, "three partitions: boot, root, data")
    eq([p["type"] for p in PARTS], ["c", "83", "83"], "types: FAT32 (LBA), Linux, Linux")
    ok(PARTS[0].get("bootable") is True, "the boot partition is marked bootable")
    for i, p in enumerate(PARTS):
        ok(p["start"] % 8192 == 0, "partition %d starts on a 4 MiB boundary (sector %d)" % (i + 1, p["start"]))
    ok(all(PARTS[i]["start"] + PARTS[i]["size"] <= PARTS[i + 1]["start"] for i in range(2)),
       "partitions do not overlap and are in order")
    ok(PARTS[2]["start"] + PARTS[2]["size"] <= os.path.getsize(IMG) // 512,
       "the data partition ends inside the image (it is the last: grown on first boot)")


def mdir(fs):
    return il.run("mdir", "-b", "-i", fs, "::/").stdout.split()


def mtype(fs, name):
    return il.run("mtype", "-i", fs, "::/" + name).stdout


def initramfs_parts(blob):
    """Debian 13's initramfs: an uncompressed cpio (the kernel modules,
    already compressed each) and then the compressed main archive. The
    first's file names and the second's bytes."""
    names = []
    off = 0
    while blob[off:off + 6] == b"070701":
        namesize = int(blob[off + 94:off + 102], 16)
        filesize = int(blob[off + 54:off + 62], 16)
        name = blob[off + 110:off + 110 + namesize - 1].decode(errors="replace")
        off = (off + 110 + namesize + 3) & ~3
        off = (off + filesize + 3) & ~3
        if name == "TRAILER!!!":
            while off < len(blob) and blob[off] == 0:
                off += 1
        else:
            names.append(name)
    return names, blob[off:]


def test_boot_files():
    fs = part_fs(0)
    ok(b"FAT32" in open(fs, "rb").read(512), "the boot partition is FAT32")
    names = {os.path.basename(n) for n in mdir(fs)}
    for want in ("bootcode.bin", "start.elf", "fixup.dat", "start4.elf", "fixup4.dat",
                 "config.txt", "cmdline.txt", "bcm2837-rpi-3-b-plus.dtb", "bcm2711-rpi-4-b.dtb",
                 "bcm2837-rpi-zero-2-w.dtb"):
        ok(want in names, "boot partition has " + want, " ".join(sorted(names)))
    kernels = [n for n in names if n.startswith("vmlinuz-")]
    initrds = [n for n in names if n.startswith("initrd.img-")]
    ok(len(kernels) == 1 and len(initrds) == 1, "one Debian kernel and its initramfs", " ".join(sorted(names)))
    cfg = mtype(fs, "config.txt")
    ok("arm_64bit=1" in cfg, "config.txt starts the CPU in 64-bit mode")
    ok(kernels and ("kernel=%s" % kernels[0]) in cfg, "config.txt names the kernel", cfg)
    ok(initrds and ("initramfs %s" % initrds[0]) in cfg, "config.txt names the initramfs", cfg)
    cmd = mtype(fs, "cmdline.txt").split()
    ok("root=LABEL=pamong-root" in cmd, "cmdline.txt: root=LABEL=pamong-root", " ".join(cmd))
    rw = [a for a in cmd if a in ("ro", "rw")]
    ok(rw and rw[-1] == "ro", "cmdline.txt mounts the root read-only (the last of ro/rw is ro)", " ".join(cmd))
    ok("fsck.repair=yes" in cmd, "cmdline.txt: fsck repairs without asking")
    ok("console=ttyS1,115200" in cmd, "cmdline.txt: serial console on the GPIO header's UART")
    if initrds:
        dest = os.path.join(WORK, "initrd")
        il.run("mcopy", "-n", "-i", fs, "::/" + initrds[0], dest)
        early, main = initramfs_parts(open(dest, "rb").read())
        ok(main[:4] == b"\x28\xb5\x2f\xfd", "the initramfs is zstd-compressed (after %d uncompressed files)"
           % len(early))
        listing = early + subprocess.run(["sh", "-c", "zstd -dc | cpio -it --quiet"], input=main,
                                         capture_output=True).stdout.decode(errors="replace").split()
        for f in ("fsck", "fsck.ext4", "logsave"):
            ok(any(os.path.basename(n) == f for n in listing),
               "the initramfs has %s: the root is checked (and repaired) before it is mounted" % f)
        # MODULES=list (stages/20-boot/files/usr/share/initramfs-tools/modules.d/pamong):
        # the drivers that find the root on each board, and not every module
        mods = {re.sub(r"\.ko(\.[a-z]+)?$", "", os.path.basename(n)) for n in listing
                if re.search(r"\.ko(\.[a-z]+)?$", n)}
        for m, why in (("sdhci-iproc", "Pi 4's SD card"), ("bcm2835", "Pi 3B+/Zero 2 W's SD card"),
                       ("gpio-regulator", "Pi 4's SD card supply"), ("fixed", "Pi 4's SD card supply"),
                       ("ext4", "the root's file system"), ("crc32c_generic", "ext4's checksums"),
                       ("virtio_blk", "QEMU's disk (make test-image)"),
                       ("virtio_net", "QEMU's network card (make test-image)"), ("usb-storage", "a USB root"),
                       ("dwc2", "Pi 3B+/Zero 2 W's USB"), ("xhci-pci", "Pi 4's USB")):
            ok(m in mods, "the initramfs has the %s module (%s)" % (m, why), " ".join(sorted(mods)))
        ok(len(mods) < 200, "the initramfs has only the listed modules and their dependencies (%d)" % len(mods))


def label(fs):
    return il.run("e2label", fs).stdout.strip()


ROOTDIR = os.path.join(WORK, "root")


def root_tree():
    if not os.path.isdir(ROOTDIR):
        os.mkdir(ROOTDIR)
        il.run("debugfs", "-R", "rdump / " + ROOTDIR, part_fs(1))
    return ROOTDIR


def rf(path):
    return os.path.join(root_tree(), path.lstrip("/"))


def read(path):
    with open(rf(path), errors="replace") as f:
        return f.read()


def test_file_systems():
    eq(label(part_fs(1)), "pamong-root", "partition 2 is ext4 labelled pamong-root")
    eq(label(part_fs(2)), "pamong-data", "partition 3 is ext4 labelled pamong-data")
    fstab = [l.split() for l in read("/etc/fstab").splitlines() if l.strip() and not l.startswith("#")]
    by_mp = {f[1]: f for f in fstab}
    ok("/" in by_mp and "ro" in by_mp["/"][3].split(","), "fstab mounts / read-only", by_mp.get("/"))
    d = by_mp.get("/var/lib/pamong")
    ok(d is not None and d[0] == "LABEL=pamong-data" and "x-systemd.growfs" in d[3],
       "fstab mounts the data partition at /var/lib/pamong and grows it", d)
    ok(d is not None and "data=journal" in d[3] and d[5] != "0", "data: journalled data, checked at boot", d)
    j = read("/etc/systemd/journald.conf.d/pamong.conf")
    ok("Storage=volatile" in j and re.search(r"RuntimeMaxUse=\d+M", j), "journald keeps logs in RAM with a size cap")


def test_units_enabled():
    wants = [u for d in glob.glob(rf("/etc/systemd/system/*.target.wants")) for u in os.listdir(d)]
    for u in ("pamongd.service", "pamong-firstboot.service", "pamong-console-info.service",
              "pamong-net.service", "pamong-firewall.service", "pamong-dnsmasq.service",
              "systemd-networkd.service", "systemd-resolved.service"):
        ok(u in wants, "enabled: " + u, " ".join(sorted(wants)))
    radio = rf("/etc/systemd/system/sys-subsystem-net-devices-wlan0.device.wants")
    ok(os.path.isdir(radio) and "pamong-hostapd@wlan0.service" in os.listdir(radio),
       "enabled: pamong-hostapd@wlan0.service, started by the radio's device when it appears")
    ok(os.path.isfile(rf("/etc/systemd/system/pamong-grow-data.service")), "the data-growing unit is there")


def test_user_groups_sysctl():
    """What pamongd's unit needs from the read-only root: its user and the
    gpio group in /etc/group (SupplementaryGroups=gpio fails with 216/GROUP
    without it), the udev rule giving the chips to that group, and the
    sysctl that lets it bind the hotspot address before the radio has it."""
    groups = {l.split(":")[0]: l.split(":") for l in read("/etc/group").splitlines() if l.count(":") == 3}
    ok("pamong" in groups, "group pamong exists", sorted(groups))
    ok("gpio" in groups and "pamong" in groups["gpio"][3].split(","), "group gpio exists with pamong in it",
       groups.get("gpio"))
    ok(any(l.startswith("pamong:") for l in read("/etc/passwd").splitlines()), "user pamong exists")
    ok('GROUP="gpio"' in read("/etc/udev/rules.d/60-pamong-gpio.rules"), "udev gives /dev/gpiochip* to group gpio")
    ok(re.search(r"^net\.ipv4\.ip_nonlocal_bind *= *1$", read("/etc/sysctl.d/60-pamong.conf"), re.M),
       "sysctl: pamongd may bind the hotspot address before wlan0 has it")


def test_nothing_baked_in():
    ok(not glob.glob(rf("/etc/ssh/ssh_host_*")), "no SSH host keys")
    ok(not os.path.exists(rf("/usr/sbin/sshd")), "no SSH server")
    eq(read("/etc/machine-id"), "", "machine-id is empty (made at boot)")
    ok(not os.path.exists(rf("/var/lib/dbus/machine-id")), "no D-Bus machine-id")
    hashed = [l.split(":")[0] for l in read("/etc/shadow").splitlines()
              if len(l.split(":")) > 1 and l.split(":")[1] not in ("", "*", "!", "!*")
              and not l.split(":")[1].startswith("!")]
    eq(hashed, [], "no account has a password")
    empty = [l.split(":")[0] for l in read("/etc/shadow").splitlines()
             if len(l.split(":")) > 1 and l.split(":")[1] == ""]
    eq(empty, [], "no account has an empty password")
    for f in ("sync.key", "pamongd.conf", "hotspot-passphrase", "console-setup-code"):
        out = il.debugfs(part_fs(2), "stat /" + f)
        ok("Inode:" not in out, "the data partition holds no %s yet (made on the box)" % f)


def test_programs_arm64():
    for p in ("/usr/sbin/pamongd", "/usr/bin/pamong-pack"):
        desc = il.run("file", "-b", rf(p)).stdout
        ok("ARM aarch64" in desc, p + " is an arm64 program", desc)
    r = subprocess.run(["chroot", root_tree(), "/usr/sbin/pamongd", "-n", "-f",
                        "/usr/share/pamong/pamongd.conf"], capture_output=True, text=True)
    ok(r.returncode == 0, "pamongd -n accepts the image's config (qemu-user, in the image's root)",
       r.stdout + r.stderr)


def test_firstboot_script():
    """The first-boot script in the image's root (chroot, qemu-user) with an
    empty data folder: a device key, the config with PamongBox-XXXX from
    it, which pamongd -n accepts; a second run changes nothing."""
    root = root_tree()
    data = os.path.join(root, "var/lib/pamong")
    os.makedirs(os.path.join(root, "run"), exist_ok=True)
    r = subprocess.run(["chroot", root, "/usr/lib/pamong/firstboot"], capture_output=True, text=True)
    ok(r.returncode == 0, "firstboot runs", r.stdout + r.stderr)
    key = open(os.path.join(data, "sync.key"), "rb").read()
    eq(len(key), 64, "firstboot made a 64-byte device key (libsodium's Ed25519 secret key)")
    st = os.stat(os.path.join(data, "sync.key"))
    eq(oct(st.st_mode & 0o777), "0o600", "the device key is mode 0600")
    conf = open(os.path.join(data, "pamongd.conf")).read()
    want = "PamongBox-" + key[32:34].hex().upper()
    ok(re.search(r"^ssid = %s$" % want, conf, re.M), "the hotspot is named %s after the key's public half" % want, conf)
    r = subprocess.run(["chroot", root, "/usr/sbin/pamongd", "-n", "-f", "/etc/pamong/pamongd.conf"],
                       capture_output=True, text=True)
    ok(r.returncode == 0, "pamongd -n accepts the config firstboot wrote (through /etc/pamong/pamongd.conf)",
       r.stdout + r.stderr)
    before = (key, conf)
    subprocess.run(["chroot", root, "/usr/lib/pamong/firstboot"], capture_output=True)
    after = (open(os.path.join(data, "sync.key"), "rb").read(), open(os.path.join(data, "pamongd.conf")).read())
    ok(before == after, "a second firstboot changes neither key nor config")


def test_contents():
    fw = os.listdir(rf("/usr/lib/firmware/brcm"))
    ok(any(n.startswith("brcmfmac43455-sdio.bin") for n in fw), "Pi 3B+/4 Wi-Fi firmware (brcmfmac43455)")
    ok(any(n.startswith("brcmfmac43430-sdio.bin") for n in fw), "Pi 3B Wi-Fi firmware (brcmfmac43430)")
    mt = os.listdir(rf("/usr/lib/firmware/mediatek"))
    ok(any(n.startswith("mt7662") for n in mt), "MT7612U (mt76x2u) USB adapter firmware", " ".join(mt[:20]))
    ok(glob.glob(rf("/usr/lib/firmware/regulatory.db*")), "wireless-regdb")
    mods = subprocess.run(["find", rf("/usr/lib/modules"), "-name", "brcmfmac.ko*", "-o", "-name", "mt76x2u.ko*"],
                          capture_output=True, text=True).stdout.split()
    eq(len(mods), 2, "kernel modules brcmfmac and mt76x2u")
    for p in ("/usr/sbin/hostapd", "/usr/sbin/dnsmasq", "/usr/sbin/nft",
              "/usr/share/pamong/webroot/index.html", "/usr/share/pamong/wilayah.tsv.gz"):
        ok(os.path.exists(rf(p)), p + " is in the image")
    trusted = read("/etc/pamong/trusted-keys").split()
    eq(trusted, open(os.path.join(il.pbtest.BUILD, "dev-signing.pub")).read().split(),
       "trusted-keys holds the key that signed the sample packs")
    ls = il.debugfs(part_fs(2), "ls -l /incoming")
    packs = re.findall(r"(\S+\.pack)\s*$", ls, re.M)
    ok(len(packs) >= 1, "sample packs in the data partition's incoming/ (%d)" % len(packs), ls)
    uid = [l.split(":")[2] for l in read("/etc/passwd").splitlines() if l.startswith("pamong:")]
    ok(uid and re.search(r"^\s*\d+\s+\d+\s+\(\d\)\s+%s\s" % uid[0], ls, re.M), "the packs belong to pamong", ls)


def test_manifest():
    r = subprocess.run(["chroot", root_tree(), "dpkg-query", "-W", "-f", "${Package}\\t${Version}\\t${Architecture}\\n"],
                       capture_output=True, text=True)
    got = sorted(r.stdout.splitlines())
    want = open(BASE + ".manifest").read().splitlines()
    eq(got, want, "the manifest lists every package in the root with its version")
    names = {l.split("\t")[0] for l in want}
    for p in ("raspi-firmware", "firmware-brcm80211", "firmware-mediatek", "wireless-regdb", "hostapd",
              "nftables", "systemd", "linux-image-arm64"):
        ok(p in names, "manifest: " + p)
    ok(not any(n.startswith("openssh-server") for n in names), "manifest: no SSH server")


try:
    run_tests(globals())
finally:
    il.cleanup(WORK)
