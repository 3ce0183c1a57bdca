"""The image recipe itself (image-build/), checked without building the
image: part of make test (a few seconds), so CI checks it; make test-image
builds and boots the image (tests/image/README.md).
- the stages' package lists: Debian package names, none twice, what the
  issue requires in, no SSH server, no full dnsmasq;
- the stages' and overlay's scripts parse (sh -n), run.sh is executable;
- the overlay's units pass systemd-analyze verify (only the programs the
  image brings are missing here), and systemctl enable as stage 50 does
  it enables the box's units, the hotspot's hostapd by its radio's device
  with a bounded number of restarts;
- genimage.cfg, run by genimage on small stand-in file systems: an MBR
  with boot (FAT32, bootable), root and data, each on a 4 MiB boundary;
- fstab, raspi-firmware's settings (cmdline.txt) and lib.sh's mkfs agree
  on the labels; root read-only and checked first, data journalled and
  checked second; the initramfs gets fsck.ext4 (FSTYPE=ext4) and only the listed
  modules (MODULES=list: the Pi's SD controllers, USB storage, QEMU's disk, ext4);
- every path the units and the overlay's scripts write by default is on a
  read-write mount of the image's fstab (the data partition, a tmpfs),
  and a unit writing the data partition orders itself after its mount;
  pamong-clock saves and loads its time on a temporary folder;
- the first-boot script on a temporary folder with the host's
  pamong-pack: a device key, the config named after it (pamongd -n
  accepts it); again, and after an interrupted run, it changes nothing;
- compare.sh (make image-compare) tells two manifests apart."""

import glob
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pbtest import BUILD, ROOT, eq, ok, run_tests

IB = os.path.join(ROOT, "image-build")
OV = os.path.join(IB, "overlay")
UNITS = os.path.join(OV, "etc", "systemd", "system")
WORK = tempfile.mkdtemp(prefix="pamong-recipe-", dir=os.environ.get("TMPDIR", "/tmp"))
# programs the image brings (its packages, stage 40) that the build machine
# need not have: systemd-analyze verify may say they are missing here
IMAGE_PROGRAMS = {"/usr/sbin/pamongd", "/usr/bin/pamong-pack", "/usr/sbin/hostapd",
                  "/usr/sbin/dnsmasq", "/usr/sbin/nft", "/usr/sbin/sfdisk", "/usr/bin/partx"}


def read(path):
    with open(path) as f:
        return f.read()


def package_lists():
    lists = {}
    for p in sorted(glob.glob(os.path.join(IB, "stages", "*", "packages"))):
        names = [l.split("#")[0].strip() for l in read(p).splitlines()]
        lists[os.path.relpath(p, IB)] = [n for n in names if n]
    return lists


def test_package_lists():
    lists = package_lists()
    ok(len(lists) >= 4, "stages/*/packages lists (%d)" % len(lists), " ".join(lists))
    bad = [(f, n) for f, ns in lists.items() for n in ns if not re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", n)]
    eq(bad, [], "every line of the package lists is one Debian package name")
    seen = {}
    twice = []
    for f, ns in lists.items():
        for n in ns:
            if n in seen:
                twice.append((n, seen[n], f))
            seen[n] = f
    eq(twice, [], "no package is listed twice")
    for n in ("systemd", "systemd-sysv", "udev", "e2fsprogs", "fdisk", "zstd", "linux-image-arm64",
              "initramfs-tools", "raspi-firmware", "firmware-brcm80211", "firmware-mediatek",
              "wireless-regdb", "hostapd", "dnsmasq-base", "nftables", "ca-certificates"):
        ok(n in seen, "the image installs " + n)
    for n in ("openssh-server", "dropbear", "dnsmasq", "man-db", "sudo"):
        ok(n not in seen, "the image does not list " + n)
    dev = [l.split("#")[0].strip() for l in read(os.path.join(IB, "sysroot-packages")).splitlines()]
    dev = [n for n in dev if n]
    ok(dev and all(re.fullmatch(r"[a-z0-9][a-z0-9+.-]+-dev", n) for n in dev),
       "sysroot-packages lists -dev packages only", " ".join(dev))


def test_scripts_parse():
    scripts = sorted(glob.glob(os.path.join(IB, "*.sh")) + glob.glob(os.path.join(IB, "stages", "*", "*.sh"))
                     + glob.glob(os.path.join(OV, "usr", "lib", "pamong", "*")))
    ok(len(scripts) >= 8, "the recipe's shell scripts (%d)" % len(scripts))
    for s in scripts:
        r = subprocess.run(["sh", "-n", s], capture_output=True, text=True)
        ok(r.returncode == 0, "sh -n " + os.path.relpath(s, ROOT), r.stderr)
    for d in sorted(glob.glob(os.path.join(IB, "stages", "*"))):
        ok(re.fullmatch(r"\d\d-[a-z0-9-]+", os.path.basename(d)), "stage folder %s is NN-name" % os.path.basename(d))
        run = os.path.join(d, "run.sh")
        if os.path.exists(run):
            ok(os.access(run, os.X_OK), os.path.relpath(run, IB) + " is executable (build.sh runs only those)")
    for s in glob.glob(os.path.join(OV, "usr", "lib", "pamong", "*")):
        ok(os.stat(s).st_mode & stat.S_IXUSR, os.path.relpath(s, OV) + " is executable (units run it)")


def unit_files():
    return sorted(n for n in os.listdir(UNITS) if re.search(r"\.(service|timer|path|socket|mount)$", n))


def test_units_verify():
    names = []
    for n in unit_files():
        names.append(n.replace("@.", "@wlan0.") if "@." in n else n)
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", "--generators=no"]
                       + [os.path.join(UNITS, n) if "@wlan0." not in n else n for n in names],
                       cwd=UNITS, capture_output=True, text=True)
    lines = [l for l in (r.stdout + r.stderr).splitlines() if l.strip()]
    missing = re.compile(r"Command (\S+) is not executable: No such file or directory")
    bad = []
    for l in lines:
        m = missing.search(l)
        if m and (m.group(1) in IMAGE_PROGRAMS or os.path.exists(os.path.join(OV, m.group(1).lstrip("/")))):
            continue
        bad.append(l)
    eq(bad, [], "systemd-analyze verify: the overlay's %d units (%s)" % (len(names), " ".join(names)))


def enabled_tree():
    """systemctl enable, as stage 50 does it, in a copy of the overlay."""
    root = os.path.join(WORK, "enable")
    if not os.path.isdir(root):
        shutil.copytree(OV, root, symlinks=True)
        for n in unit_files():
            if "[Install]" in read(os.path.join(UNITS, n)):
                subprocess.run(["systemctl", "--root=" + root, "enable", n],
                               capture_output=True, text=True, check=True)
    return root


def wants(root, target):
    d = os.path.join(root, "etc", "systemd", "system", target + ".wants")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def test_units_enabled():
    root = enabled_tree()
    mu = wants(root, "multi-user.target")
    for u in ("pamongd.service", "pamong-firstboot.service", "pamong-console-info.service",
              "pamong-net.service", "pamong-firewall.service", "pamong-dnsmasq.service"):
        ok(u in mu, "enabled in multi-user.target: " + u, " ".join(mu))
    ok("pamong-hostapd@wlan0.service" not in mu,
       "hostapd is not in multi-user.target (a box without a radio would wait for one)", " ".join(mu))
    eq(wants(root, "sys-subsystem-net-devices-wlan0.device"), ["pamong-hostapd@wlan0.service"],
       "pamong-hostapd@wlan0 starts when the radio wlan0 appears (at boot or plugged in later)")


def unit_settings(name):
    out = {}
    for l in read(os.path.join(UNITS, name)).splitlines():
        m = re.match(r"^([A-Za-z]+)=(.*)$", l)
        if m:
            out.setdefault(m.group(1), []).append(m.group(2))
    return out


def test_hostapd_unit():
    s = unit_settings("pamong-hostapd@.service")
    ok("sys-subsystem-net-devices-%i.device" in " ".join(s.get("BindsTo", [])),
       "hostapd is bound to its radio's device (stops when it goes)")
    ok("sys-subsystem-net-devices-%i.device" in " ".join(s.get("After", [])), "and starts after it appeared")
    burst = int((s.get("StartLimitBurst") or ["0"])[-1])
    interval = (s.get("StartLimitIntervalSec") or ["0"])[-1]
    restart_sec = float((s.get("RestartSec") or ["0.1"])[-1])
    ok(0 < burst <= 10 and interval not in ("0", "infinity"),
       "a radio that cannot be an access point: at most %d tries, then no more restarts" % burst, s)
    ok(burst * restart_sec < float(re.sub(r"s$", "", interval)),
       "the tries (%d every %g s) fall within StartLimitIntervalSec=%s, so the limit is reached" %
       (burst, restart_sec, interval))


def test_genimage_layout():
    w = os.path.join(WORK, "gen")
    for d in ("in", "out", "tmp", "empty"):
        os.makedirs(os.path.join(w, d))
    # stand-ins: the root of an odd size (it is its content's), so the
    # data partition after it must be aligned; the data's size as lib.sh
    # makes it (genimage rounds a partition up to the alignment but does
    # not make the file longer: the last one must be a whole multiple)
    data_mb = int(re.search(r"^DATA_MB=(\d+)$", read(os.path.join(IB, "lib.sh")), re.M).group(1))
    ok(data_mb % 4 == 0, "the data file system is a whole number of 4 MiB (%d MiB)" % data_mb)
    for name, size in (("boot.vfat", 3 << 20), ("root.ext4", 9 << 20 | 4096), ("data.ext4", data_mb << 20)):
        with open(os.path.join(w, "in", name), "wb") as f:
            f.truncate(size)
    r = subprocess.run(["genimage", "--config", os.path.join(IB, "genimage.cfg"),
                        "--inputpath", os.path.join(w, "in"), "--outputpath", os.path.join(w, "out"),
                        "--rootpath", os.path.join(w, "empty"), "--tmppath", os.path.join(w, "tmp")],
                       capture_output=True, text=True)
    ok(r.returncode == 0, "genimage makes the card's image from genimage.cfg", r.stdout[-1500:] + r.stderr[-1500:])
    if r.returncode != 0:
        return
    img = os.path.join(w, "out", "pamong-box.img")
    pt = json.loads(subprocess.run(["sfdisk", "-J", img], capture_output=True, text=True,
                                   check=True).stdout)["partitiontable"]
    parts = pt["partitions"]
    eq(pt["label"], "dos", "an MBR partition table (the Pi 3B+'s and Zero 2 W's firmware read only that)")
    eq([p["type"] for p in parts], ["c", "83", "83"], "boot (FAT32 LBA), root, data, in that order")
    ok(parts[0].get("bootable") is True, "the boot partition is marked bootable")
    eq(parts[0]["start"], 8192, "the boot partition starts at 4 MiB")
    for i, p in enumerate(parts):
        ok(p["start"] % 8192 == 0, "partition %d starts on a 4 MiB boundary (sector %d)" % (i + 1, p["start"]))
    ok(all(parts[i]["start"] + parts[i]["size"] <= parts[i + 1]["start"] for i in range(len(parts) - 1)),
       "the partitions do not overlap")
    end = parts[-1]["start"] + parts[-1]["size"]
    ok(0 <= os.path.getsize(img) // 512 - end < 8192,
       "the data partition is the last thing on the card (first boot grows it to the end)",
       "ends at sector %d of %d" % (end, os.path.getsize(img) // 512))


def fstab():
    rows = [l.split() for l in read(os.path.join(OV, "etc", "fstab")).splitlines()
            if l.strip() and not l.lstrip().startswith("#")]
    return {r[1]: r for r in rows}


def test_labels_fstab_cmdline():
    lib = read(os.path.join(IB, "lib.sh"))
    ext4_labels = re.findall(r"mkfs\.ext4 .*?-L (\S+)", lib)
    vfat_labels = re.findall(r"mkfs\.vfat .*?-n (\S+)", lib)
    eq(ext4_labels, ["pamong-root", "pamong-data"], "lib.sh labels the root and data file systems")
    eq(vfat_labels, ["PAMONGBOOT"], "lib.sh labels the boot file system")
    fs = fstab()
    root, data, boot = fs.get("/"), fs.get("/var/lib/pamong"), fs.get("/boot/firmware")
    ok(root and root[0] == "LABEL=pamong-root" and "ro" in root[3].split(",") and root[5] == "1",
       "fstab: the root by its label, read-only, checked first", root)
    ok(data and data[0] == "LABEL=pamong-data" and data[5] == "2",
       "fstab: the data partition by its label, checked at boot after the root (systemd-fsck, pass 2)", data)
    opts = data[3].split(",") if data else []
    for o in ("data=journal", "errors=remount-ro", "noatime", "x-systemd.growfs"):
        ok(o in opts, "fstab: the data partition is mounted with " + o, data)
    ok(boot and boot[0] == "LABEL=PAMONGBOOT" and "noauto" in boot[3], "fstab: the boot partition is not mounted", boot)
    tmpfs = [r for r in fs.values() if r[2] == "tmpfs"]
    ok(tmpfs and all(re.search(r"(^|,)size=\d+[km]", r[3]) for r in tmpfs),
       "every tmpfs in fstab has a size cap", tmpfs)
    # the unit that grows the data partition names the same device
    esc = subprocess.run(["systemd-escape", "--path", "/dev/disk/by-label/pamong-data"],
                         capture_output=True, text=True, check=True).stdout.strip()
    grow = read(os.path.join(UNITS, "pamong-grow-data.service"))
    ok(esc + ".device" in grow and "systemd-fsck@" + esc + ".service" in grow,
       "pamong-grow-data runs before systemd-fsck of the data partition (%s)" % esc)
    # raspi-firmware's kernel hook writes cmdline.txt as
    # "console=... root=$ROOTPART rw fsck.repair=yes ... rootwait $(cat raspi-extra-cmdline)"
    files = os.path.join(IB, "stages", "20-boot", "files", "etc")
    env = subprocess.run(["sh", "-c", '. "$1"; echo "$ROOTPART"; echo "$CONSOLES"',
                          "sh", os.path.join(files, "default", "raspi-firmware")],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    eq(env[0], "LABEL=pamong-root", "raspi-firmware: cmdline.txt's root= is the root's label")
    consoles = env[1].split()
    ok("ttyS1,115200" in consoles and consoles[-1] == "ttyS1,115200",
       "raspi-firmware: the GPIO header's UART is the last console (first-boot messages go there)", env[1])
    extra = read(os.path.join(files, "default", "raspi-extra-cmdline")).split()
    cmdline = ["console=" + c for c in consoles] + ["root=" + env[0], "rw", "fsck.repair=yes",
                                                   "net.ifnames=0", "rootwait"] + extra
    rw = [a for a in cmdline if a in ("ro", "rw")]
    eq(rw[-1], "ro", "cmdline.txt mounts the root read-only (the extra cmdline's ro comes after the hook's rw)")
    ok(not os.path.exists(os.path.join(files, "default", "raspi-firmware-custom"))
       or "arm_64bit=0" not in read(os.path.join(files, "default", "raspi-firmware-custom")),
       "config.txt keeps arm_64bit=1")
    conf = read(os.path.join(files, "initramfs-tools", "conf.d", "pamong"))
    ok(re.search(r"^FSTYPE=ext4$", conf, re.M),
       "initramfs: FSTYPE=ext4, so its fsck hook puts fsck.ext4 in and the root is checked before it is mounted")
    ok(re.search(r"^COMPRESS=zstd$", conf, re.M), "initramfs: zstd (the zstd package is listed)")
    ok(re.search(r"^MODULES=list$", conf, re.M),
       "initramfs: MODULES=list (the listed modules only: MODULES=most is some 1300 emulated copies)")
    mods = [l.strip() for l in read(os.path.join(files, "..", "usr", "share", "initramfs-tools", "modules.d",
                                                 "pamong")).splitlines()
            if l.strip() and not l.startswith("#")]
    ok(all(re.match(r"^[a-z0-9_-]+$", m) for m in mods), "initramfs: the module list is one module name a line",
       " ".join(mods))
    for m in ("sdhci-iproc", "bcm2835", "fixed", "gpio-regulator", "ext4", "crc32c_generic", "virtio_blk", "virtio_net",
              "usb-storage", "dwc2", "xhci-pci"):
        ok(m in mods, "initramfs: the module list has " + m)
    j = read(os.path.join(OV, "etc", "systemd", "journald.conf.d", "pamong.conf"))
    ok("Storage=volatile" in j and re.search(r"^RuntimeMaxUse=\d+M$", j, re.M),
       "journald: logs in RAM with a size cap")


# file systems systemd mounts on every box, whatever fstab says (trixie's
# tmp.mount puts /tmp in RAM)
API_MOUNTS = {"/run": "tmpfs", "/tmp": "tmpfs", "/dev": "devtmpfs"}
OV_SCRIPTS = os.path.join(OV, "usr", "lib", "pamong")
# a path a script or a unit's command line writes: a script's default for
# a path it keeps (${VAR:-/path}), a folder it makes, a file it writes to
WRITE_RES = [re.compile(r"\$\{[A-Za-z_]+:-(/[^}]+)\}"),
             re.compile(r"\b(?:mkdir -p|install -d(?: -[ogm] \S+)*) +\"?(/[^\s\";']+)"),
             re.compile(r"(?<![0-9&])>>? *\"?(/[^\s\";']+)")]


def mount_of(path, mounts):
    """The mount point that holds path (component-wise)."""
    best = "/"
    for m in mounts:
        if (path == m or path.startswith(m.rstrip("/") + "/")) and len(m) > len(best):
            best = m
    return best


def written_paths(text):
    out = set()
    for r in WRITE_RES:
        out.update(p.rstrip("/") or "/" for p in r.findall(text) if p != "/dev/null")
    return out


def unit_writes(name):
    """What a unit writes by default: its command lines (and the overlay
    scripts they run), the folders systemd makes for it, ReadWritePaths=."""
    s = unit_settings(name)
    out = set()
    for k, vals in s.items():
        if not k.startswith("Exec"):
            continue
        for v in vals:
            out |= written_paths(v)
            prog = v.lstrip("-+!@:").split()[0] if v.strip() else ""
            if prog.startswith("/usr/lib/pamong/"):
                out |= written_paths(read(os.path.join(OV, prog.lstrip("/"))))
    for k, base in (("StateDirectory", "/var/lib/"), ("LogsDirectory", "/var/log/"),
                    ("CacheDirectory", "/var/cache/"), ("RuntimeDirectory", "/run/")):
        out.update(base + d for v in s.get(k, []) for d in v.split())
    out.update(p.lstrip("-") for v in s.get("ReadWritePaths", []) for p in v.split())
    return out


def test_writes_on_writable_mounts():
    """The root is read-only: every path the box's units and scripts write
    by default must be on a file system that is mounted read-write (the
    data partition, a tmpfs), and a unit writing the data partition must
    be ordered after its mount (RequiresMountsFor=, which StateDirectory=
    implies): pamong-clock once kept its time on the root and failed."""
    fs = fstab()
    kinds = dict(API_MOUNTS)
    kinds.update({m: r[2] for m, r in fs.items()})
    rw = {m for m, r in fs.items() if not {"ro", "noauto"} & set(r[3].split(","))} | set(API_MOUNTS)
    eq(sorted(m for m in rw if kinds[m] not in ("tmpfs", "devtmpfs")), ["/var/lib/pamong"],
       "fstab: the one read-write partition is the data partition")
    writes = {}
    for n in unit_files():
        if n.endswith(".service"):
            for p in unit_writes(n):
                writes.setdefault(p, set()).add(n)
    conf = read(os.path.join(OV, "etc", "pamong", "pamongd.conf"))
    for key in ("data_dir", "incoming"):
        m = re.search(r"^%s = (/\S+)$" % key, conf, re.M)
        ok(m, "the image's pamongd.conf sets " + key)
        if m:
            writes.setdefault(m.group(1), set()).add("pamongd.conf's " + key)
    for name in sorted(os.listdir(OV_SCRIPTS)):
        for p in written_paths(read(os.path.join(OV_SCRIPTS, name))):
            writes.setdefault(p, set()).add(name)
    ok("/var/lib/pamong/clock/time" in writes, "pamong-clock's saved time is among the paths checked",
       sorted(writes))
    for p in sorted(writes):
        m = mount_of(p, list(kinds))
        ok(m in rw, "%s (%s) is on a read-write mount: %s (%s%s)" %
           (p, ", ".join(sorted(writes[p])), m, kinds[m], "" if m in rw else ", read-only"))
    for n in unit_files():
        if not n.endswith(".service"):
            continue
        s = unit_settings(n)
        needs = s.get("RequiresMountsFor", []) + ["/var/lib/" + d for v in s.get("StateDirectory", []) for d in v.split()]
        needs = [p for v in needs for p in v.split()]
        for p in sorted(unit_writes(n)):
            m = mount_of(p, list(kinds))
            if m not in rw or kinds[m] in ("tmpfs", "devtmpfs"):
                continue
            ok(any((p == q or p.startswith(q + "/")) and mount_of(q, list(kinds)) == m for q in needs),
               "%s writes %s only after %s is mounted (RequiresMountsFor=%s)" % (n, p, m, " ".join(needs)))


def test_clock_script():
    """pamong-clock save/load on a temporary folder (PAMONG_CLOCK_FILE=):
    the time is saved, a link in its folder's place is not followed, and
    load reads the saved time (never setting the clock here: the saved
    time is not later than the clock) and ignores a bad one."""
    clock = os.path.join(OV_SCRIPTS, "pamong-clock")
    d = os.path.join(WORK, "clock")
    os.makedirs(os.path.join(d, "elsewhere"))
    state = os.path.join(d, "state", "time")
    env = dict(os.environ, PAMONG_CLOCK_FILE=state)

    def run(*args):
        return subprocess.run([clock] + list(args), env=env, capture_output=True, text=True)

    r = run("save")
    saved = open(state).read().strip() if os.path.exists(state) else ""
    ok(r.returncode == 0 and saved.isdigit() and abs(int(saved) - time.time()) < 60,
       "pamong-clock save writes the time now (%s)" % saved, r.stderr)
    r = run("load")
    ok(r.returncode == 0 and "already past the saved time" in r.stdout,
       "pamong-clock load reads it (the clock is already past it)", r.stdout + r.stderr)
    shutil.rmtree(os.path.join(d, "state"))
    os.symlink(os.path.join(d, "elsewhere"), os.path.join(d, "state"))
    r = run("save")
    ok(r.returncode == 0 and not os.path.islink(os.path.join(d, "state")) and os.path.isfile(state)
       and os.listdir(os.path.join(d, "elsewhere")) == [],
       "a link in the folder's place is replaced by a folder, not written through", r.stderr)
    for text, said in (("garbage\n", "not a time"), ("1000000000\n", "not a plausible time"),
                       ("99999999999999999999\n", "not a plausible time")):
        with open(state, "w") as f:
            f.write(text)
        r = run("load")
        ok(r.returncode == 0 and said in r.stderr, "pamong-clock load ignores %r: %s" % (text.strip(), said),
           r.stdout + r.stderr)
    os.remove(state)
    r = run("load")
    ok(r.returncode == 0 and "no saved time yet" in r.stdout, "no saved time (first boot): nothing to do")


def firstboot(root):
    env = dict(os.environ, FIRSTBOOT_ROOT=root, FIRSTBOOT_OWNER="%d:%d" % (os.getuid(), os.getgid()),
               PATH=BUILD + ":" + os.environ["PATH"])
    return subprocess.run([os.path.join(OV, "usr", "lib", "pamong", "firstboot")], env=env,
                          capture_output=True, text=True)


def snapshot(root):
    d = os.path.join(root, "var", "lib", "pamong")
    return {n: open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))}


def test_firstboot():
    root = os.path.join(WORK, "fb")
    data = os.path.join(root, "var", "lib", "pamong")
    os.makedirs(data)
    os.makedirs(os.path.join(root, "usr", "share", "pamong"))
    # stage 40 moves the overlay's config there
    shutil.copy(os.path.join(OV, "etc", "pamong", "pamongd.conf"),
                os.path.join(root, "usr", "share", "pamong", "pamongd.conf"))
    r = firstboot(root)
    ok(r.returncode == 0, "firstboot runs on an empty data folder", r.stdout + r.stderr)
    if r.returncode != 0:
        return
    key = open(os.path.join(data, "sync.key"), "rb").read()
    eq(len(key), 64, "a 64-byte device key (libsodium's Ed25519 secret key)")
    eq(oct(os.stat(os.path.join(data, "sync.key")).st_mode & 0o777), "0o600", "the device key is mode 0600")
    conf = read(os.path.join(data, "pamongd.conf"))
    name = "PamongBox-" + key[32:34].hex().upper()
    ok(re.search(r"^ssid = %s$" % name, conf, re.M), "the hotspot is named %s after the key" % name, conf)
    # the box's paths (webroot, area list) are the build's here; the rest as written
    local = conf
    for path, here in (("/usr/share/pamong/webroot", os.path.join(BUILD, "webroot")),
                       ("/usr/share/pamong/wilayah.tsv.gz", os.path.join(ROOT, "content", "area", "wilayah.tsv.gz")),
                       ("/etc/pamong/trusted-keys", os.path.join(BUILD, "dev-signing.pub")),
                       ("/var/lib/pamong", data)):
        local = local.replace(" = " + path, " = " + here)
    with open(os.path.join(WORK, "check.conf"), "w") as f:
        f.write(local)
    r = subprocess.run([os.path.join(BUILD, "pamongd"), "-n", "-f", os.path.join(WORK, "check.conf")],
                       capture_output=True, text=True)
    ok(r.returncode == 0, "pamongd -n accepts the config firstboot wrote (the box's paths made local)",
       r.stdout + r.stderr)
    before = snapshot(root)
    r = firstboot(root)
    ok(r.returncode == 0 and r.stdout.strip() == "", "a second run says and does nothing", r.stdout + r.stderr)
    eq(snapshot(root), before, "a second run changes neither key nor config")
    # a run cut off by the plug: half-written files beside the real ones,
    # or the config not yet written after the key
    open(os.path.join(data, "pamongd.conf.new"), "w").write("[hotspot]\nssid = Half")
    os.remove(os.path.join(data, "pamongd.conf"))
    r = firstboot(root)
    ok(r.returncode == 0, "firstboot after a run cut off before the config", r.stdout + r.stderr)
    after = snapshot(root)
    after.pop("pamongd.conf.new", None)
    before.pop("pamongd.conf.new", None)
    eq(after, before, "the same key and the same config as before (the name comes from the key)")
    leftovers = [n for n in os.listdir(root) if n.startswith("pamong-firstboot.")]
    eq(leftovers, [], "no temporary folder left behind")


def network_matches():
    """[Match] Name= globs of each .network file in the overlay."""
    out = {}
    for p in sorted(glob.glob(os.path.join(OV, "etc", "systemd", "network", "*.network"))):
        names, section = [], None
        for l in read(p).splitlines():
            l = l.split("#")[0].strip()
            if l.startswith("["):
                section = l
            elif section == "[Match]" and l.startswith("Name="):
                names += l[len("Name="):].split()
        out[os.path.basename(p)] = names
    return out


def test_uplink_networks():
    """One .network file brings wired uplinks up: systemd-networkd applies the
    first file (by name) that matches a link, so a second file whose names
    overlap the first is dead or, worse, silently takes some links with other
    settings. Its names are pamongd's [sync] uplinks (the default) less the
    modem's (wwan*, ppp*: pamong-modem's), so every link that gets a DHCP
    route is one pamongd watches for uploads; the hotspot never matches."""
    import fnmatch
    files = network_matches()
    ok(files, "the overlay has .network files", " ".join(files))
    links = ["eth0", "eth1", "end0", "enx00e04c680001", "enp1s0", "usb0", "wlan0", "wlan1",
             "pamong0", "wwan0", "ppp0", "lo"]
    both = [(l, [f for f, g in files.items() if any(fnmatch.fnmatchcase(l, x) for x in g)]) for l in links]
    eq([(l, fs) for l, fs in both if len(fs) > 1], [], "no link is matched by two .network files")
    for l in ("wlan0", "wlan1", "pamong0", "wwan0", "ppp0", "lo"):
        eq(dict(both)[l], [], "the overlay's networkd leaves %s alone" % l)
    conf = subprocess.run([os.path.join(BUILD, "pamongd"), "--print-config"], capture_output=True, text=True)
    m = re.search(r"^\[sync\].*?^uplinks = (\S*)", conf.stdout, re.M | re.S)
    ok(m, "pamongd --print-config has [sync] uplinks", conf.stderr)
    wired = [g for g in m.group(1).split(",") if g not in ("wwan*", "ppp*")] if m else []
    eq(sorted(g for gs in files.values() for g in gs), sorted(wired),
       "the .network files match exactly [sync] uplinks' wired names")


def test_compare_manifests():
    """image-build/compare.sh (make image-compare) on two made-up manifests."""
    a = os.path.join(WORK, "a.manifest")
    b = os.path.join(WORK, "b.manifest")
    rows = ["hostapd\t2:2.10-24\tarm64", "iw\t6.9-1+b1\tarm64", "systemd\t257.9-1~deb13u1\tarm64"]
    open(a, "w").write("\n".join(rows) + "\n")
    open(b, "w").write("\n".join(reversed(rows)) + "\n")
    cmp = os.path.join(IB, "compare.sh")
    r = subprocess.run([cmp, a, b], capture_output=True, text=True)
    ok(r.returncode == 0 and "the same 3 packages" in r.stdout, "compare.sh: the same packages in another order",
       r.stdout + r.stderr)
    open(b, "w").write("hostapd\t2:2.10-25\tarm64\nsystemd\t257.9-1~deb13u1\tarm64\nzstd\t1.5.7\tarm64\n")
    r = subprocess.run([cmp, a, b], capture_output=True, text=True)
    ok(r.returncode == 1, "compare.sh fails when two builds differ", r.stdout + r.stderr)
    for want in ("hostapd:arm64: 2:2.10-24 in A, 2:2.10-25 in B", "only in A: iw:arm64", "only in B: zstd:arm64"):
        ok(want in r.stderr, "compare.sh names the difference: " + want, r.stderr)


try:
    run_tests(globals())
finally:
    shutil.rmtree(WORK, ignore_errors=True)
