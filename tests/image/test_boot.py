"""The Pi image boots (tests/image/README.md): a copy of the image, made
1 GiB larger like a bigger card, runs in qemu-system-aarch64 -M virt (TCG)
with Debian's arm64 kernel and initramfs taken from the image's boot
partition and its cmdline.txt (the console moved to QEMU's UART). QEMU's
network card stands in for the Wi-Fi radio: named wlan0 from the kernel
command line (ifname=, systemd-network-generator), on a user-mode network
that is the hotspot's 10.42.0.0/24, so the box's own units give it the
hotspot address and firewall and pamongd (listening on the hotspot
address) is reached through QEMU's port forwarding like a phone reaches it.
- boot 1: the initramfs checks the root file system; systemd reaches
  multi-user; pamongd answers /api/v1/health
  through QEMU's port forwarding (127.0.0.1 only); the console shows the
  hotspot's name; the time is saved (pamong-clock-save.service, a minute
  after boot) with no pamong-clock unit failing; a learner registers; a
  clean power-off; the data partition and its file system now fill the
  disk; the file system is clean; the saved time is on it, in root's
  folder clock/.
- between: the data file system is damaged in the copy (blocks of the
  database marked free, the file system marked not clean): e2fsck finds
  errors.
- boot 2: the data file system is checked and repaired at boot
  (systemd-fsck, no person); pamong-clock read the saved time; the
  learner is still there; learners
  register from several connections while QEMU is killed (the plug pulled).
- boot 3: the box comes up by itself (no manual repair), the database is
  not degraded, every acknowledged learner logs in; after a clean
  power-off the data file system is clean.
As root. GUEST_BOOT_TIMEOUT= (seconds, default 900) bounds each wait."""

import gzip
import os
import re
import socket
import subprocess
import sys
import threading
import time
import zlib

import imagelib as il
from pbtest import Client, eq, free_port, ok, run_tests

IMG = il.image_path()
WORK = il.tempdir("pamong-image-boot-")
DISK = os.path.join(WORK, "disk.img")
TIMEOUT = float(os.environ.get("GUEST_BOOT_TIMEOUT", "900"))
GROW = 1 << 30
VILLAGE = None
PIN = "482913"
MAC = "52:54:00:42:00:01"


def kernel_image(data):
    """QEMU wants an arm64 Image (it unpacks gzip itself); Debian may ship
    an EFI zboot file, whose payload is unpacked here."""
    if data[4:8] == b"zimg":
        off, size = int.from_bytes(data[8:12], "little"), int.from_bytes(data[12:16], "little")
        comp = data[24:32].rstrip(b"\0")
        payload = data[off:off + size]
        if comp == b"gzip":
            return gzip.decompress(payload)
        if comp == b"zstd" or comp == b"zstd22":
            return subprocess.run(["zstd", "-dc"], input=payload, stdout=subprocess.PIPE, check=True).stdout
        raise RuntimeError("zboot compression %r" % comp)
    return data


def prepare():
    subprocess.run(["cp", "--sparse=always", IMG, DISK], check=True)
    with open(DISK, "r+b") as f:
        f.truncate(os.path.getsize(IMG) + GROW)
    boot = il.extract(IMG, il.partitions(IMG)["partitions"][0], os.path.join(WORK, "boot.vfat"))
    names = il.run("mdir", "-b", "-i", boot, "::/").stdout.split()
    names = [os.path.basename(n) for n in names]
    kern = [n for n in names if n.startswith("vmlinuz-")][0]
    initrd = [n for n in names if n.startswith("initrd.img-")][0]
    for n, dest in ((kern, "vmlinuz"), (initrd, "initrd")):
        il.run("mcopy", "-n", "-i", boot, "::/" + n, os.path.join(WORK, dest))
    data = open(os.path.join(WORK, "vmlinuz"), "rb").read()
    open(os.path.join(WORK, "Image"), "wb").write(kernel_image(data))
    cmdline = il.run("mtype", "-i", boot, "::/cmdline.txt").stdout.split()
    # QEMU's UART instead of the Pi's; systemd says which targets it reached
    cmdline = [a for a in cmdline if not a.startswith("console=") and a != "quiet"]
    cmdline += ["console=ttyAMA0", "systemd.show_status=1", "ifname=wlan0:" + MAC]
    # the journal on the console too: a unit's error is in the test's log
    cmdline += ["systemd.journald.forward_to_console=1"]
    # emulation is some 20 times slower than a Pi (and the build machine is
    # shared): systemd's 90 s waits for devices and jobs would run out
    cmdline += ["systemd.default_device_timeout_sec=900", "systemd.default_timeout_start_sec=900"]
    return " ".join(cmdline)


class Guest:
    def __init__(self, cmdline, n):
        self.port = free_port()
        self.mon = os.path.join(WORK, "monitor")
        self.log_path = os.path.join(WORK, "console-%d.log" % n)
        self.log = ""
        self.lock = threading.Lock()
        cmd = ["qemu-system-aarch64", "-M", "virt", "-accel", "tcg", "-cpu", "cortex-a72",
               "-m", "1024", "-smp", "2", "-nographic", "-no-reboot",
               "-kernel", os.path.join(WORK, "Image"), "-initrd", os.path.join(WORK, "initrd"),
               "-append", cmdline,
               "-drive", "file=%s,format=raw,if=none,id=d0,cache=writeback" % DISK,
               "-device", "virtio-blk-pci,drive=d0",
               "-netdev", "user,id=n0,net=10.42.0.0/24,host=10.42.0.2,dhcpstart=10.42.0.220,"
               "hostfwd=tcp:127.0.0.1:%d-10.42.0.1:8080" % self.port,
               "-device", "virtio-net-pci,netdev=n0,mac=" + MAC,
               "-device", "virtio-rng-pci",
               "-monitor", "unix:%s,server,nowait" % self.mon]
        self.t0 = time.time()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        with open(self.log_path, "wb") as f:
            for line in iter(self.proc.stdout.readline, b""):
                f.write(line)
                f.flush()
                with self.lock:
                    self.log += line.decode("utf-8", "replace")

    def console(self):
        with self.lock:
            return self.log

    def wait_console(self, pattern):
        end = time.time() + TIMEOUT
        while time.time() < end and self.proc.poll() is None:
            m = re.search(pattern, self.console())
            if m:
                return m
            time.sleep(1)
        return re.search(pattern, self.console())

    def wait_health(self):
        end = time.time() + TIMEOUT
        while time.time() < end and self.proc.poll() is None:
            try:
                c = Client(self.port)
                st, body, _ = c.get("/api/v1/health")
                c.close()
                if st == 200 and body and body.get("state") in ("serving", "degraded"):
                    return body
            except (OSError, ValueError):
                pass
            time.sleep(2)
        return None

    def power_off(self):
        """The power button (QEMU's system_powerdown), then wait for the exit."""
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.mon)
        s.sendall(b"system_powerdown\n")
        time.sleep(0.5)
        s.close()
        try:
            self.proc.wait(timeout=TIMEOUT / 3)
            return True
        except subprocess.TimeoutExpired:
            self.kill()
            return False

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.reader.join(5)

    def tail(self, n=40):
        return "\n".join(self.console().splitlines()[-n:])


def register(port, name):
    c = Client(port)
    st, body, _ = c.post("/api/v1/register", {"name": name, "position": "sekretaris-desa",
                                              "village": VILLAGE, "pin": PIN,
                                              "client_time": int(time.time() * 1000)})
    c.close()
    return st


def login(port, name):
    c = Client(port)
    st, _, _ = c.post("/api/v1/login", {"name": name, "pin": PIN})
    c.close()
    return st


# a pamong-clock unit that failed (its time once on the read-only root)
CLOCK_FAILED = r"(Failed to start|Failed with result).*pamong-clock|pamong-clock[-a-z]*\.service: .*(FAILURE|Failed)"


def clock_failures(g):
    return [l for l in g.console().splitlines() if re.search(CLOCK_FAILED, l) or
            ("pamong-clock" in l and "Read-only file system" in l)]


def data_partition():
    return il.partitions(DISK)["partitions"][2]


def data_fs_check(what):
    fs = il.extract(DISK, data_partition(), os.path.join(WORK, "data.ext4"))
    r = subprocess.run(["e2fsck", "-fn", fs], capture_output=True, text=True)
    ok(r.returncode == 0, what, r.stdout[-2000:] + r.stderr[-2000:])
    return fs


CMDLINE = None
ACKED = []


def test_boot1_health_and_grow():
    global CMDLINE, VILLAGE
    CMDLINE = prepare()
    g = Guest(CMDLINE, 1)
    try:
        health = g.wait_health()
        ok(health is not None, "boot 1: pamongd answers /api/v1/health through QEMU's port forwarding "
           "(%.0f s after QEMU started)" % (time.time() - g.t0), g.tail())
        if health is None:
            return
        print("# boot 1: health after %.0f s" % (time.time() - g.t0))
        eq(health.get("db"), "ok", "boot 1: the database is ok")
        ok(g.wait_console(r"Reached target .*Multi-User System"), "boot 1: systemd reached multi-user.target",
           g.tail())
        ok(re.search(r"pamong-root: clean", g.console()),
           "boot 1: the initramfs checked the root file system (fsck.ext4: pamong-root: clean)",
           "\n".join(l for l in g.console().splitlines() if "fsck" in l or "root file system" in l))
        # QEMU's wlan0 is a network card, not a radio: hostapd fails on it,
        # is tried a few times and then left alone (no restart every 3 s)
        m = g.wait_console(r"pamong-hostapd@wlan0\.service: Start request repeated too quickly")
        ok(m, "boot 1: hostapd on an interface that is no radio stops being restarted", g.tail())
        if m:
            restarts = r"pamong-hostapd@wlan0\.service: Scheduled restart job, restart counter is at (\d+)"
            tries = [int(n) for n in re.findall(restarts, g.console())]
            time.sleep(30)
            later = [int(n) for n in re.findall(restarts, g.console())]
            ok(tries and max(tries) <= 5 and later == tries,
               "boot 1: hostapd was restarted %d times, and not again in the next 30 s" % max(tries or [0]),
               "before: %s, 30 s later: %s" % (tries, later))
        m = g.wait_console(r"Wi-Fi: +(PamongBox-[0-9A-F]{4})")
        ok(m, "boot 1: the console shows the hotspot's name PamongBox-XXXX", g.tail())
        m = g.wait_console(r"Finished pamong-clock-save\.service|pamong-clock-save\.service: (Main process exited|Failed)")
        ok(m and m.group(0).startswith("Finished"),
           "boot 1: pamong-clock-save.service saved the time (its timer, a minute after boot)",
           "\n".join(l for l in g.console().splitlines() if "clock" in l))
        c = Client(g.port)
        st, body, _ = c.get("/api/v1/villages")
        c.close()
        ok(st == 200 and body["villages"], "boot 1: the area's villages are served")
        VILLAGE = body["villages"][0]["code"]
        eq(register(g.port, "Uji Pertama"), 201, "boot 1: a learner registers")
        ACKED.append("Uji Pertama")
        ok(g.power_off(), "boot 1: the power button stops the box cleanly", g.tail())
        eq(clock_failures(g), [], "boot 1: no pamong-clock unit failed (boot and power-off: load, save)")
    finally:
        if g.proc.poll() is None:
            g.kill()
    p = data_partition()
    end = (p["start"] + p["size"]) * 512
    ok(os.path.getsize(DISK) - end < 4 << 20,
       "the data partition was grown to the end of the disk (%d MiB)" % (p["size"] // 2048))
    fs = data_fs_check("after a clean power-off the data file system is clean")
    sb = il.run("dumpe2fs", "-h", fs).stdout
    blocks = int(re.search(r"Block count:\s+(\d+)", sb).group(1))
    bsize = int(re.search(r"Block size:\s+(\d+)", sb).group(1))
    ok(blocks * bsize > p["size"] * 512 - (8 << 20),
       "the data file system fills its partition (%d MiB)" % (blocks * bsize >> 20))
    # QEMU's clock is the host's: the time saved at power-off is about now
    saved = il.ext4_cat(fs, "/clock/time").strip()
    ok(saved.isdigit() and g.t0 - 120 < int(saved) < time.time() + 120,
       "the saved time is on the data partition (clock/time: %s, QEMU started at %.0f)" % (saved, g.t0))
    owner = re.search(r"User:\s+(\d+)", il.debugfs(fs, "stat /clock"))
    ok(owner and owner.group(1) == "0", "its folder clock/ is root's (pamongd's user cannot replace the file)",
       owner and owner.group(0))


def damage_data_fs():
    """Blocks of the database marked free in the data file system's bitmap
    (the allocator would hand them to another file) and the file system
    marked not cleanly unmounted, as a card's bad write could leave it."""
    p = data_partition()
    fs = "%s?offset=%d" % (DISK, p["start"] * 512)
    blocks = il.run("debugfs", "-R", "blocks /pamong.db", fs).stdout.split()
    ok(len(blocks) >= 4, "the database's blocks on the data partition (%d)" % len(blocks))
    for b in blocks[:4]:
        il.run("debugfs", "-w", "-R", "freeb " + b, fs)
    il.run("debugfs", "-w", "-R", "ssv state 0", fs)
    r = subprocess.run(["e2fsck", "-fn", fs], capture_output=True, text=True)
    ok(r.returncode != 0 and "bitmap differences" in r.stdout,
       "the damaged data file system has errors (e2fsck -n: block bitmap differences)", r.stdout[-1500:])


def test_boot2_pulled_plug():
    if VILLAGE is None:
        ok(False, "boot 2 needs boot 1")
        return
    damage_data_fs()
    g = Guest(CMDLINE, 2)
    try:
        ok(g.wait_health() is not None, "boot 2: pamongd answers after the damaged data partition", g.tail())
        fsck = [l for l in g.console().splitlines() if "pamong-data" in l or "systemd-fsck" in l]
        ok(any(re.search(r"pamong-data: \*+ FILE SYSTEM WAS MODIFIED|pamong-data was not cleanly unmounted", l)
               for l in fsck),
           "boot 2: systemd-fsck checked and repaired the data partition before it was mounted", "\n".join(fsck))
        m = g.wait_console(r"pamong-clock: (clock set forward to the saved|clock is already past the saved|no saved time"
                           r"|\S+ is not a)[^\r\n]*")
        ok(m and "saved" in m.group(1) and "no saved" not in m.group(1),
           "boot 2: pamong-clock read the time saved by boot 1 (%s)" % (m and m.group(0)),
           "\n".join(l for l in g.console().splitlines() if "clock" in l))
        eq(login(g.port, "Uji Pertama"), 200, "boot 2: the learner of boot 1 logs in")
        lock = threading.Lock()
        stop = threading.Event()

        def writer(k):
            for i in range(6):
                if stop.is_set():
                    return
                name = "Uji Tulis %s %s" % ("ABCD"[k], "ABCDEF"[i])
                try:
                    if register(g.port, name) == 201:
                        with lock:
                            ACKED.append(name)
                except OSError:
                    return

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        end = time.time() + TIMEOUT / 3
        while time.time() < end:
            with lock:
                if len(ACKED) >= 6:
                    break
            time.sleep(0.05)
        g.proc.kill()  # the plug, while the writers are still sending
        stop.set()
        for t in threads:
            t.join(60)
        ok(len(ACKED) >= 6, "boot 2: %d registrations acknowledged before QEMU was killed" % (len(ACKED) - 1))
    finally:
        if g.proc.poll() is None:
            g.kill()
        g.reader.join(5)


def test_boot3_after_the_plug():
    if VILLAGE is None:
        ok(False, "boot 3 needs boot 1")
        return
    g = Guest(CMDLINE, 3)
    try:
        health = g.wait_health()
        ok(health is not None, "boot 3: the box comes up by itself after the pulled plug", g.tail())
        if health is None:
            return
        eq((health.get("state"), health.get("db")), ("serving", "ok"), "boot 3: the database is not degraded")
        missing = [n for n in ACKED if login(g.port, n) != 200]
        eq(missing, [], "boot 3: every acknowledged learner (%d) logs in" % len(ACKED))
        ok((health.get("learners") or 0) >= len(ACKED), "boot 3: health counts them (%s)" % health.get("learners"))
        ok(g.power_off(), "boot 3: clean power-off", g.tail())
    finally:
        if g.proc.poll() is None:
            g.kill()
    data_fs_check("after the pulled plug and a boot, the data file system is clean")


try:
    run_tests(globals())
finally:
    if not os.environ.get("KEEP_WORK"):
        il.cleanup(WORK)
    else:
        print("# kept " + WORK)
