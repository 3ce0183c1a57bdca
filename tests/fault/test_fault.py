"""make fault: the box is damaged in each way of issue 9 and must come back
serving by itself, losing at most the writes since its last backup and saying
how many, with health "degraded" and the reason while storage is at fault, and
"serving" again once the fault is gone (when it can go without a restart).

Runs inside a private mount namespace (tests/fault/run.sh) so that each case
gets its own small tmpfs as the data dir: a size limit makes the disk full,
`mount -o remount,ro` makes it read-only. I/O errors come from an LD_PRELOAD
shim (tests/fault/eio.c) that fails writes and fsyncs on the database while a
trigger file exists; power cuts from an ext4 image on a loop device shut down
with EXT4_IOC_SHUTDOWN (root only). One case per function, each on a fresh box; the table at
the end has one row per case. FAULT_CASES=a,b runs only the named cases."""

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import BUILD, PAMONGD, ROOT, Box, eq, ok, run_tests  # noqa: E402

PIN = "246813"
EIO_SO = os.path.join(BUILD, "fault", "eio.so")
ROWS = []  # (case, state after, lost said, lost written since backup, serving, result)
ONLY = [c for c in os.environ.get("FAULT_CASES", "").split(",") if c]


class FaultBox(Box):
    """A box whose data dir is a tmpfs of its own (size_mb); its config and
    log live outside it so that they survive the filesystem going away."""

    def __init__(self, size_mb=32, extra_conf="", env=None, fs="tmpfs"):
        outer = tempfile.mkdtemp(prefix="pb-fault-")
        super().__init__(data=outer, packs=True, env=env, extra_conf=(
            "[storage]\nbackup_interval_s = 0\n"
            "[learners]\nregistrations_per_source = 0\nregistrations_per_day = 0\n" + extra_conf))
        self.mnt = os.path.join(outer, "data")
        self.image = None
        os.makedirs(self.mnt)
        if fs == "ext4":  # a real journalling filesystem on a loop device
            self.image = os.path.join(outer, "data.img")
            with open(self.image, "wb") as f:
                f.truncate(size_mb << 20)
            subprocess.run(["mkfs.ext4", "-q", "-F", self.image], check=True)
            self.mount()
        else:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0750" % size_mb,
                            "tmpfs", self.mnt], check=True)
        with open(self.conf) as f:
            text = f.read()
        with open(self.conf, "w") as f:
            f.write(text.replace("data_dir = %s\n" % outer, "data_dir = %s\n" % self.mnt))

    @property
    def db(self):
        return os.path.join(self.mnt, "pamong.db")

    def setup_code(self):
        with open(os.path.join(self.mnt, "console-setup-code")) as f:
            return f.read().strip()

    def mount(self):
        subprocess.run(["mount", "-o", "loop", self.image, self.mnt], check=True)

    def power_cut(self):
        """What a power cut leaves: the filesystem stops at once and whatever
        was not yet on the disk is gone (EXT4_IOC_SHUTDOWN, no log flush)."""
        import fcntl
        import struct
        fd = os.open(self.mnt, os.O_RDONLY)
        try:
            fcntl.ioctl(fd, 0x8004587D, struct.pack("I", 2))  # EXT4_GOING_FLAGS_NOLOGFLUSH
        finally:
            os.close(fd)

    def remount(self, mode):
        subprocess.run(["mount", "-o", "remount," + mode, self.mnt], check=True)

    def cleanup(self):
        self.stop()
        subprocess.run(["umount", "-l", self.mnt], stderr=subprocess.DEVNULL)
        super().cleanup()


def register(box, name):
    c = box.client()
    village = c.get("/api/v1/villages")[1]["villages"][0]["code"]
    st, _, _ = c.post("/api/v1/register", {"name": name, "position": "staf-desa",
                                           "village": village, "pin": PIN})
    return st


def can_login(box, name):
    st, _, _ = box.client().post("/api/v1/login", {"name": name, "pin": PIN})
    return st == 200


def health(box):
    return box.client().get("/api/v1/health")[1]


def courses(box, name=None):
    """The courses a learner sees (name logs in first), else health's count."""
    if name is None:
        return health(box)["courses"]
    c = box.client()
    if c.post("/api/v1/login", {"name": name, "pin": PIN})[0] != 200:
        return -1
    st, body, _ = c.get("/api/v1/courses")
    return len((body or {}).get("courses", [])) if st == 200 else -1


def overwrite(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def root_page(db, table):
    c = sqlite3.connect(db)
    try:
        page = c.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        psize = c.execute("PRAGMA page_size").fetchone()[0]
    finally:
        c.close()
    return (page - 1) * psize, psize


def checkpoint(db):
    c = sqlite3.connect(db)
    try:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        c.close()


def writes_since_backup(box, before, after, crash=True, ckpt=False, before_kill=None):
    """before registrations, a clean stop (the backup), a start, after more
    registrations (acknowledged), the mark beside the file catching up, then
    kill -9 (crash) or a clean stop."""
    box.start()
    for n in before:
        eq(register(box, n), 201, "a learner before the backup registers")
    eq(box.stop(), 0, "pamongd stops cleanly (and backs up)")
    box.start()
    for n in after:
        eq(register(box, n), 201, "a learner after the backup registers")
    if ckpt:
        checkpoint(box.db)
    time.sleep(5.5)  # the rev recorded beside the database follows at most every 5 s
    if before_kill:
        before_kill()
    if crash:
        box.kill9()
    else:
        box.stop()


def healed(case, box, before, after, want_lost):
    """After a restart: serving again, degraded with the reason, everyone from
    before the backup there, the count of lost writes said."""
    t0 = time.time()
    box.start()
    up = time.time() - t0
    h = health(box)
    eq(h["state"], "degraded", case + ": health says degraded")
    ok("restored from the backup" in h["db"], case + ": health says a backup was restored", h["db"])
    missing = [n for n in before if not can_login(box, n)]
    eq(missing, [], case + ": every learner from before the backup logs in")
    lost_real = sum(1 for n in after if not can_login(box, n))
    ok(lost_real <= len(after), case + ": at most the writes since the backup are lost")
    eq(h["db_lost_writes"], want_lost, case + ": health says how many writes were lost")
    if want_lost:
        ok("%d writes since were lost" % want_lost in h["db"], case + ": the reason says the count",
           h["db"])
    ok(courses(box, before[0]) > 0, case + ": a learner sees the courses", box.logtext())
    eq(register(box, "Sesudah " + case[:20]), 201, case + ": learners can register again")
    ROWS.append((case, h["state"], h["db_lost_writes"], len(after), "%.1f s" % up,
                 "ok" if not missing and h["db_lost_writes"] == want_lost else "FAIL", h["db"]))
    return h


def want(name):
    return not ONLY or name in ONLY


def test_truncated_after_crash():
    if not want("truncated"):
        return
    box = FaultBox()
    writes_since_backup(box, ["Ani Lestari"], ["Budi %d" % i for i in range(3)], ckpt=True)
    with open(box.db, "r+b") as f:
        f.truncate(4096 * 3)
    healed("truncated", box, ["Ani Lestari"], ["Budi %d" % i for i in range(3)], 3)
    box.cleanup()


def bad_page(case, table, before, after, what):
    """Random bytes over table's root page after a backup and more writes:
    the box heals, keeping before and saying after's writes were lost."""
    if not want(case):
        return
    box = FaultBox()
    writes_since_backup(box, before, after, ckpt=True)
    off, size = root_page(box.db, table)
    overwrite(box.db, off, os.urandom(size))
    healed(what, box, before, after, len(after))
    box.cleanup()


def test_bad_page_in_meta():
    bad_page("meta", "meta", ["Dedi Kurnia"], ["Citra %d" % i for i in range(2)], "bad page in meta")


def test_bad_page_in_events():
    bad_page("events", "events", ["Fajar Nugroho"], ["Eka %d" % i for i in range(4)], "bad page in events")


def test_truncated_to_half_after_clean_stop():
    if not want("half"):
        return
    box = FaultBox()
    box.start()
    for i in range(40):
        register(box, "Gita %d" % i)
    box.stop()
    with open(box.db, "r+b") as f:
        f.truncate(os.path.getsize(box.db) // 2)
    healed("truncated to half after a clean stop", box, ["Gita %d" % i for i in range(40)], [], 0)
    box.cleanup()


def test_no_usable_backup():
    """The database and every backup damaged: the box starts with an empty
    database, says so, and keeps its id (box.id beside the keys), so that
    the hub takes its uploads again."""
    if not want("nobackup"):
        return
    box = FaultBox()
    box.start()
    box_id = health(box)["box_id"]
    eq(register(box, "Joni Iskandar"), 201, "no backup: a learner registers")
    eq(box.stop(), 0, "no backup: pamongd stops cleanly (and backs up)")
    overwrite(box.db, 0, os.urandom(100))
    bdir = os.path.join(box.mnt, "backups")
    for n in os.listdir(bdir):
        overwrite(os.path.join(bdir, n), 0, os.urandom(100))
    t0 = time.time()
    box.start()
    up = time.time() - t0
    h = health(box)
    eq(h["state"], "degraded", "no backup: health says degraded")
    ok("no backup was usable" in h["db"], "no backup: health says no backup was usable", h["db"])
    eq(h["box_id"], box_id, "no backup: the box keeps its id")
    ok(isinstance(h["db_lost_writes"], int) and h["db_lost_writes"] >= 1,
       "no backup: health says how many writes were lost", h)
    eq(register(box, "Kemal Hidayat"), 201, "no backup: learners register on the empty database")
    ROWS.append(("no usable backup", h["state"], h["db_lost_writes"], 1, "%.1f s" % up,
                 "ok" if h["box_id"] == box_id else "FAIL",
                 "box id kept: %s; %s" % (h["box_id"] == box_id, h["db"])))
    box.cleanup()


def test_wal_deleted_after_crash():
    if not want("wal"):
        return
    box = FaultBox()
    after = ["Hadi %d" % i for i in range(3)]
    revs = []

    def read_rev():  # while pamongd holds it open: closing does not checkpoint
        c = sqlite3.connect(box.db)
        revs.append(c.execute("SELECT max(rev) FROM events").fetchone()[0])
        c.close()

    writes_since_backup(box, ["Indah Permata"], after, before_kill=read_rev)
    rev_before = revs[0]
    for sfx in ("-wal", "-shm"):
        os.remove(box.db + sfx)
    healed("-wal deleted after a crash", box, ["Indah Permata"], after, 3)
    box.stop()
    c = sqlite3.connect(box.db)
    rev_after = c.execute("SELECT max(rev) FROM events").fetchone()[0]
    c.close()
    ok(rev_after > rev_before, "-wal deleted: the rev never goes backwards (%s then %s)"
       % (rev_before, rev_after))
    box.cleanup()


def test_read_only_filesystem_at_start():
    if not want("readonly"):
        return
    box = FaultBox()
    box.start()
    eq(register(box, "Joko Susilo"), 201, "a learner registers")
    box.kill9()
    box.remount("ro")
    t0 = time.time()
    box.start()
    up = time.time() - t0
    h = health(box)
    eq(h["state"], "degraded", "read-only: health says degraded")
    ok("read-only" in h["db"], "read-only: health says the filesystem is read-only", h["db"])
    ok(courses(box) > 0, "read-only: courses are served")
    st = register(box, "Kartika Sari")
    ok(st in (201, 503), "read-only: a write is answered (201 into a temporary database, or 503)",
       st)
    ROWS.append(("read-only filesystem at start", h["state"], h["db_lost_writes"], 0,
                 "%.1f s" % up, "ok" if "read-only" in h["db"] else "FAIL", h["db"]))
    box.stop()
    box.remount("rw")
    box.start()
    eq(health(box)["state"], "serving", "read-only: writable again, a restart serves healthy")
    ok(can_login(box, "Joko Susilo"), "read-only: the learner from before is there", box.logtext())
    box.cleanup()


def wait_state(box, state, secs=5):
    deadline = time.time() + secs
    h = health(box)
    while h["state"] != state and time.time() < deadline:
        time.sleep(0.2)
        h = health(box)
    return h


def failing_writes(case, box, inject, remove, words):
    """Writes fail inside SQLite while the fault lasts: refused, not lost, and
    health says why; once the fault is gone writes succeed and health is
    serving again without a restart."""
    box.start()
    eq(register(box, "Lina Marlina"), 201, case + ": a learner registers")
    inject()
    acked, refused = [], 0
    for i in range(60):  # the WAL may have room left: write until one fails
        name = "Mira %d" % i
        st = register(box, name)
        if st == 201:
            acked.append(name)
        else:
            refused += 1
            eq(st, 503, case + ": a failing write is answered 503")
            break
    ok(refused == 1, case + ": a write fails while the fault lasts")
    more = [register(box, "Mira lagi %d" % i) for i in range(10)]
    eq(set(more), {503}, case + ": every write fails while the fault lasts")
    log = box.logtext()
    said = sum(1 for line in log.splitlines() if "writes fail" in line or "write failed" in line)
    ok(1 <= said <= 3, case + ": 11 failing writes are logged once, not each time (%d lines)"
       % said, log[-1500:])
    h = health(box)
    eq(h["state"], "degraded", case + ": health says degraded")
    ok(words in h["db"], case + ": health says why (%s)" % words, h["db"])
    ok(isinstance(h["learners"], int), case + ": health still counts learners", h)
    ok(courses(box) > 0, case + ": courses are served during the fault")
    remove()
    eq(register(box, "Nanda Putri"), 201, case + ": after the fault a write succeeds")
    h2 = wait_state(box, "serving")
    ok(h2["state"] == "serving", case + ": health is serving again without a restart", h2["db"])
    box.kill9()
    box.start()
    missing = [n for n in ["Lina Marlina", "Nanda Putri"] + acked if not can_login(box, n)]
    eq(missing, [], case + ": every acknowledged write is there after kill -9")
    ROWS.append((case, h["state"] + " -> " + h2["state"], None, 0, "-",
                 "ok" if not missing and h2["state"] == "serving" else "FAIL", h["db"]))


def test_disk_full():
    if not want("full"):
        return
    box = FaultBox(size_mb=8)
    filler = os.path.join(box.mnt, "filler")

    def fill():
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b"\1" * 65536)
        except OSError:
            pass
        os.close(fd)

    failing_writes("disk full", box, fill, lambda: os.remove(filler), "full")
    box.cleanup()


def test_io_error():
    if not want("eio"):
        return
    trigger = tempfile.mktemp(prefix="pb-eio-")
    env = dict(os.environ, LD_PRELOAD=EIO_SO, EIO_TRIGGER=trigger, EIO_MATCH="pamong.db")
    box = FaultBox(env=env)

    def on():
        open(trigger, "w").close()

    failing_writes("I/O error", box, on, lambda: os.remove(trigger), "I/O error")
    box.cleanup()


def test_damaged_sync_key():
    """An optional part broken: sync.key of 10 bytes. Learners are served;
    health says sync is disabled and why."""
    if not want("synckey"):
        return
    box = FaultBox(extra_conf="[sync]\nhub_url = http://127.0.0.1:9\nwatch_netlink = no\n")
    with open(os.path.join(box.mnt, "sync.key"), "wb") as f:
        f.write(os.urandom(10))
    t0 = time.time()
    box.start()
    up = time.time() - t0
    h = health(box)
    eq(h["state"], "serving", "sync.key damaged: the box serves")
    eq(h["sync"]["state"], "disabled", "sync.key damaged: sync is disabled")
    ok("sync.key" in (h["sync"]["last_error"] or ""), "sync.key damaged: health says why",
       h["sync"])
    eq(register(box, "Oki Saputra"), 201, "sync.key damaged: learners register")
    ROWS.append(("sync.key of 10 bytes", h["state"] + ", sync " + h["sync"]["state"], None, 0,
                 "%.1f s" % up, "ok" if h["sync"]["state"] == "disabled" else "FAIL",
                 h["sync"]["last_error"]))
    box.cleanup()


def api_names(box):
    """Every learner's name as the facilitator's CSV export gives it."""
    import csv
    import io
    c = box.console()
    if c.login()[0] != 200:
        return None
    st, _, data = c.raw("GET", "/api/v1/console/export/learners.csv?lang=en")
    if st != 200:
        return None
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    next(rows, None)
    return set(r[1] for r in rows if len(r) > 1)


def test_kill9_trials():
    """TRIALS (default 100) kill -9s, each in the middle of WRITERS (default
    20) learners registering at once: after each restart every acknowledged
    registration is in the database and in the facilitator's CSV export (the
    API), and integrity_check passes."""
    if not want("kill9"):
        return
    trials = int(os.environ.get("TRIALS", "100"))
    writers = int(os.environ.get("WRITERS", "20"))
    box = FaultBox(size_mb=128)
    box.start()
    box.first_facilitator()
    acked, lost, lost_api, bad = [], [], [], []
    t_all = time.time()
    for trial in range(trials):
        stop = threading.Event()
        mine = [[] for _ in range(writers)]

        def writer(w):
            c = box.client()
            village = None
            i = 0
            while not stop.is_set():
                name = "T%d W%d N%d" % (trial, w, i)
                try:
                    if village is None:
                        village = c.get("/api/v1/villages")[1]["villages"][0]["code"]
                    st, _, _ = c.post("/api/v1/register", {"name": name, "position": "staf-desa",
                                                           "village": village, "pin": PIN})
                except (OSError, TypeError, ValueError):
                    return
                if st == 201:
                    mine[w].append(name)
                i += 1

        ts = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
        for t in ts:
            t.start()
        time.sleep(random.uniform(0.3, 1.5))
        box.kill9()
        stop.set()
        for t in ts:
            t.join()
        for m in mine:
            acked.extend(m)
        box.start()
        c = sqlite3.connect(box.db)
        names = set(r[0] for r in c.execute("SELECT name FROM learners"))
        integrity = c.execute("PRAGMA integrity_check").fetchone()[0]
        c.close()
        lost += [n for n in acked if n not in names]
        seen = api_names(box)
        if seen is None:
            lost_api.append((trial, "the CSV export did not answer"))
        else:
            lost_api += [n for n in acked if n not in seen]
        if integrity != "ok":
            bad.append((trial, integrity))
    eq(lost, [], "kill -9 x%d under %d writers: no acknowledged write lost (%d acknowledged)"
       % (trials, writers, len(acked)))
    eq(lost_api[:20], [], "kill -9 x%d: every acknowledged write is in the API's CSV export"
       % trials)
    eq(bad, [], "kill -9 x%d: integrity_check passes after each restart" % trials)
    eq(health(box)["state"], "serving", "kill -9 x%d: the box serves healthy at the end" % trials)
    ROWS.append(("kill -9 x%d, %d writers" % (trials, writers), health(box)["state"], 0,
                 0, "%.0f s" % (time.time() - t_all), "ok" if not lost and not lost_api and not bad else "FAIL",
                 "%d acknowledged writes, %d lost (in the database), %d missing from the API"
                 % (len(acked), len(lost), len(lost_api))))
    box.cleanup()


def test_power_cuts():
    """POWERCUTS (default 3) power cuts of an ext4 data dir on a loop device in
    the middle of 10 learners registering: after the filesystem comes back
    (journal replayed) every acknowledged write is there, integrity_check
    passes and the box serves. Needs root (loop devices): skipped otherwise."""
    if not want("powercut"):
        return
    if os.getuid() != 0 or subprocess.run(["losetup", "-f"], capture_output=True).returncode:
        ok(True, "power cuts # skip needs root and a free loop device")
        return
    cuts = int(os.environ.get("POWERCUTS", "3"))
    box = FaultBox(size_mb=64, fs="ext4")
    box.start()
    acked, lost, bad, states = [], [], [], []
    t_all = time.time()
    for trial in range(cuts):
        stop = threading.Event()
        mine = [[] for _ in range(10)]

        def writer(w):
            c = box.client()
            i = 0
            try:
                village = c.get("/api/v1/villages")[1]["villages"][0]["code"]
            except (OSError, TypeError):
                return
            while not stop.is_set():
                name = "P%d W%d N%d" % (trial, w, i)
                try:
                    st, _, _ = c.post("/api/v1/register", {"name": name, "position": "staf-desa",
                                                           "village": village, "pin": PIN})
                except OSError:
                    return
                if st == 201:
                    mine[w].append(name)
                i += 1

        ts = [threading.Thread(target=writer, args=(w,)) for w in range(10)]
        for t in ts:
            t.start()
        time.sleep(random.uniform(0.5, 1.5))
        box.power_cut()
        time.sleep(0.3)  # writes now fail with EIO: none of them may be acknowledged
        box.kill9()
        stop.set()
        for t in ts:
            t.join()
        for m in mine:
            acked.extend(m)
        subprocess.run(["umount", box.mnt], check=True)
        box.mount()  # the journal is replayed
        box.start()
        states.append(health(box)["state"])
        c = sqlite3.connect(box.db)
        names = set(r[0] for r in c.execute("SELECT name FROM learners"))
        integrity = c.execute("PRAGMA integrity_check").fetchone()[0]
        c.close()
        lost += [n for n in acked if n not in names]
        if integrity != "ok":
            bad.append((trial, integrity))
    eq(lost, [], "%d power cuts: no acknowledged write lost (%d acknowledged)" % (cuts, len(acked)))
    eq(bad, [], "%d power cuts: integrity_check passes after each" % cuts)
    eq(register(box, "Setelah Listrik"), 201, "after the power cuts learners register")
    ROWS.append(("power cut (ext4) x%d, 10 writers" % cuts, "/".join(sorted(set(states))), 0, 0,
                 "%.0f s" % (time.time() - t_all), "ok" if not lost and not bad else "FAIL",
                 "%d acknowledged writes, %d lost; %s" % (len(acked), len(lost),
                                                          health(box)["db"][:200])))
    box.cleanup()


def can_cut():
    return os.getuid() == 0 and not subprocess.run(["losetup", "-f"],
                                                   capture_output=True).returncode


def unplug(box):
    """After a power cut: pamongd gone, the filesystem mounted again (its
    journal replayed), as when the power comes back."""
    box.kill9()
    for _ in range(50):  # a killed child may hold a file a moment longer
        if subprocess.run(["umount", box.mnt], stderr=subprocess.DEVNULL).returncode == 0:
            break
        time.sleep(0.1)
    else:
        subprocess.run(["umount", box.mnt], check=True)
    box.mount()


PACK_TOOL = os.path.join(BUILD, "pamong-pack")
PACK_SRC = os.path.join(ROOT, "tests", "data", "pack", "kursus-contoh")


def build_packs(versions, workdir):
    """kursus-contoh at each version, its video grown to 6 MB (so that an
    install takes a while and has a large file to be cut in), each lesson
    saying its version, signed with the dev key; returns the pack paths."""
    out = []
    noise = os.urandom(6 << 20)
    for v in versions:
        src = os.path.join(workdir, v, "kursus-contoh")
        shutil.copytree(PACK_SRC, src)
        y = os.path.join(src, "course.yaml")
        with open(y) as f:
            text = f.read().replace("version: 1.0.0", "version: " + v)
        with open(y, "w") as f:
            f.write(text)
        with open(os.path.join(src, "lessons", "01-pengantar.md"), "a") as f:
            f.write("\nVersi %s.\n" % v)
        with open(os.path.join(src, "media", "contoh.mp4"), "ab") as f:
            f.write(noise)
        pack = os.path.join(workdir, "kursus-contoh-%s.pack" % v)
        for args in (["build", src, "-o", pack],
                     ["sign", pack, "-k", os.path.join(BUILD, "dev-signing.key")]):
            r = subprocess.run([PACK_TOOL] + args, capture_output=True, text=True)
            if r.returncode:
                raise RuntimeError("pamong-pack %s: %s" % (args[0], r.stderr))
        out.append(pack)
    return out


def served_course(box):
    """(version, why not whole or None): the course as a learner sees it,
    and every file its manifest lists fetched from the box and hashed."""
    c = box.client()
    village = c.get("/api/v1/villages")[1]["villages"][0]["code"]
    c.post("/api/v1/register", {"name": "Pemeriksa Paket", "position": "staf-desa",
                                "village": village, "pin": PIN})
    if c.post("/api/v1/login", {"name": "Pemeriksa Paket", "pin": PIN})[0] != 200:
        return None, "cannot log in"
    st, course, _ = c.get("/api/v1/courses/kursus-contoh")
    if st != 200:
        return None, "GET /api/v1/courses/kursus-contoh answered %d" % st
    v = course["version"]
    base = "/packs/kursus-contoh/%s/" % v
    try:  # the verified manifest the install kept (the box does not serve it)
        with open(os.path.join(box.mnt, "packs", "kursus-contoh", v, "manifest.json")) as f:
            files = json.load(f)["files"]
    except (OSError, ValueError) as e:
        return v, "manifest.json: %s" % e
    for meta in files:  # on disk, and what a phone gets (course.json, quiz.json: not served)
        path = meta["path"]
        try:
            with open(os.path.join(box.mnt, "packs", "kursus-contoh", v, path), "rb") as f:
                data = f.read()
        except OSError as e:
            return v, "%s: %s" % (path, e)
        if hashlib.sha256(data).hexdigest() != meta["sha256"]:
            return v, "%s on disk: %d bytes, not as the manifest says" % (path, len(data))
        st = 200
        if path.startswith(("lessons/", "media/")):
            st, _, data = c.raw("GET", base + urllib.parse.quote(path))
        if st != 200 or hashlib.sha256(data).hexdigest() != meta["sha256"]:
            return v, "%s: %d, %d bytes, not as the manifest says" % (path, st, len(data))
    for lesson in course["lessons"][:1]:  # the lesson that says its version
        st, _, data = c.raw("GET", lesson["url"])
        if st != 200 or ("Versi %s." % v).encode() not in data:
            return v, "%s: %d or not version %s" % (lesson["url"], st, v)
    return v, None


def test_power_cut_during_pack_install():
    """PACKCUTS (default 10) power cuts while a new version of a 6 MB course
    is being installed (SIGHUP, as a stick or the console does): after the
    power comes back the box serves either the old version or the new one,
    every file of it whole (fetched and hashed against its manifest), never
    a half-installed course; and the new version installs once offered
    again."""
    if not want("packcut"):
        return
    if not can_cut():
        ok(True, "power cuts during pack installs # skip needs root and a free loop device")
        return
    cuts = int(os.environ.get("PACKCUTS", "10"))
    work = tempfile.mkdtemp(prefix="pb-fault-packs-")
    versions = ["1.%d.0" % i for i in range(cuts + 2)]
    packs = build_packs(versions, work)
    incoming = os.path.join(work, "incoming")
    os.makedirs(incoming)
    box = FaultBox(size_mb=128, fs="ext4")
    with open(box.conf) as f:
        conf = f.read()
    import re
    conf = re.sub(r"incoming = .*\n", "incoming = %s\n" % incoming, conf)
    with open(box.conf, "w") as f:
        f.write(conf)
    shutil.copy(packs[0], incoming)
    box.start()
    eq(served_course(box), (versions[0], None), "pack cut: the first version is served whole")

    def offer(i):
        for n in os.listdir(incoming):
            os.remove(os.path.join(incoming, n))
        shutil.copy(packs[i], incoming)

    def current():
        try:
            return os.readlink(os.path.join(box.mnt, "packs", "kursus-contoh", "current"))
        except OSError:
            return None

    # how long an install takes here (until current is switched), to cut inside it
    offer(1)
    t0 = time.time()
    box.proc.send_signal(signal.SIGHUP)
    while current() != versions[1] and time.time() - t0 < 30:
        time.sleep(0.005)
    took = time.time() - t0
    results, bad = [], []
    t_all = time.time()
    for k in range(cuts):
        old, new = versions[k + 1], versions[k + 2]
        offer(k + 2)
        box.proc.send_signal(signal.SIGHUP)
        time.sleep(took * 1.5 * (k + 0.5) / cuts)  # the last third after the switch
        box.power_cut()
        for n in os.listdir(incoming):  # so that the start does not install it
            os.remove(os.path.join(incoming, n))
        unplug(box)
        box.start()
        v, why = served_course(box)
        results.append("old" if v == old else "new" if v == new else str(v))
        if why or v not in (old, new):
            bad.append((k, v, why))
        if v == old:  # the new one again, as a facilitator would
            offer(k + 2)
            box.proc.send_signal(signal.SIGHUP)
            t0 = time.time()
            while served_course(box)[0] != new and time.time() - t0 < 30:
                time.sleep(0.05)
            v2, why2 = served_course(box)
            if v2 != new or why2:
                bad.append((k, "offered again", v2, why2))
        left = [n for n in os.listdir(os.path.join(box.mnt, "packs")) if n.startswith(".tmp-")]
        if left:
            bad.append((k, "unfinished installs left", left))
    eq(bad, [], "%d power cuts during pack installs (%.2f s each): the old version or the "
       "new one, whole, is served (%s)" % (cuts, took, " ".join(results)))
    ROWS.append(("power cut during pack install x%d" % cuts, health(box)["state"], None, 0,
                 "%.0f s" % (time.time() - t_all), "ok" if not bad else "FAIL",
                 "install %.2f s; after each cut: %s" % (took, " ".join(results))))
    box.cleanup()
    shutil.rmtree(work, ignore_errors=True)


FIRSTBOOT = os.path.join(ROOT, "image-build", "overlay", "usr", "lib", "pamong", "firstboot")


def firstboot_copy(box):
    """The image's first-boot script (it makes the device key sync.key and
    the box's pamongd.conf) with its paths pointed at this box's data dir and
    config, and without its chown (no pamong user here)."""
    import re
    with open(FIRSTBOOT) as f:
        text = f.read()
    for old, new in (("DATA=$R/var/lib/pamong\n", "DATA=%s\n" % box.mnt),
                     ("DEFAULT=$R/usr/share/pamong/pamongd.conf\n", "DEFAULT=%s\n" % box.conf)):
        if old not in text:
            raise RuntimeError("firstboot no longer says " + old)
        text = text.replace(old, new)
    text = re.sub(r"\n\tchown [^\n]*", "", text)
    path = os.path.join(box.tmp, "firstboot")
    with open(path, "w") as f:
        f.write(text)
    return path


def boot(box, firstboot):
    """What the appliance runs at boot, in its order: firstboot, then
    pamongd --render-net (the hotspot passphrase), then pamongd, with the
    config firstboot wrote; in a process group of its own."""
    conf = os.path.join(box.mnt, "pamongd.conf")
    net = os.path.join(box.tmp, "net")
    box.log = open(os.path.join(box.tmp, "pamongd.log"), "ab")
    box.proc = subprocess.Popen(
        ["sh", "-c", 'sh "$1" && "$2" -f "$3" --render-net "$4" && exec "$2" -d -f "$3"', "boot",
         firstboot, PAMONGD, conf, net], stdout=box.log, stderr=box.log,
        env=dict(os.environ, PATH=BUILD + ":" + os.environ.get("PATH", "/usr/bin:/bin")),
        start_new_session=True)


def test_power_cut_during_first_start():
    """KEYCUTS (default 10) power cuts while a new box boots for the first
    time on an empty ext4 data dir: the image's firstboot making the device
    key (sync.key) and pamongd.conf, pamongd --render-net the hotspot
    passphrase, pamongd pamong.db, box.id and the console setup code. When
    the power comes back the same boot brings the box up: every file whole
    or made again (never a truncated key that disables sync), the hotspot
    named after the key, the box id the one in box.id."""
    if not want("keycut"):
        return
    if not can_cut():
        ok(True, "power cuts during the first start # skip needs root and a free loop device")
        return
    cuts = int(os.environ.get("KEYCUTS", "10"))
    bad, seen = [], []
    t_all = time.time()
    took = None
    for k in range(cuts + 1):  # the first boot is not cut: it measures the boot
        box = FaultBox(size_mb=64, fs="ext4", extra_conf=(
            "[sync]\nhub_url = http://127.0.0.1:9\nwatch_netlink = no\n"))
        fb = firstboot_copy(box)
        t0 = time.time()
        boot(box, fb)
        if took is None:
            box.wait_ready(20)
            took = time.time() - t0
            box.stop()
            box.cleanup()
            continue
        time.sleep(took * 1.2 * (k - 0.5) / cuts)
        box.power_cut()
        os.killpg(box.proc.pid, signal.SIGKILL)
        box.proc.wait()
        made = sorted(n for n in os.listdir(box.mnt) if n != "lost+found")
        unplug(box)
        boot(box, fb)
        try:
            box.wait_ready(20)
        except RuntimeError as e:
            bad.append((k, "the box does not come up after the cut", str(e)[-600:]))
            os.killpg(box.proc.pid, signal.SIGKILL)
            box.proc.wait()
            box.proc = None
            box.cleanup()
            continue
        h = health(box)
        files = {}
        for n in ("sync.key", "box.id", "hotspot-passphrase", "console-setup-code",
                  "pamongd.conf"):
            try:
                with open(os.path.join(box.mnt, n), "rb") as f:
                    files[n] = f.read()
            except OSError as e:
                files[n] = e
        if h["state"] != "serving":
            bad.append((k, "health", h["state"], h["db"]))
        if h["sync"]["state"] == "disabled":
            bad.append((k, "sync disabled", h["sync"]["last_error"]))
        key = files["sync.key"]
        if not isinstance(key, bytes) or len(key) != 64:
            bad.append((k, "sync.key", key))
        elif ("ssid = PamongBox-%s\n" % key[32:34].hex().upper()).encode() not in files["pamongd.conf"]:
            bad.append((k, "pamongd.conf does not name the hotspot after the key"))
        if files["box.id"] != (h["box_id"] + "\n").encode():
            bad.append((k, "box.id", files["box.id"], h["box_id"]))
        if not isinstance(files["hotspot-passphrase"], bytes) or \
                len(files["hotspot-passphrase"].strip()) < 8:
            bad.append((k, "hotspot-passphrase", files["hotspot-passphrase"]))
        if register(box, "Pertama %d" % k) != 201:
            bad.append((k, "a learner cannot register"))
        box.stop()
        c = sqlite3.connect(box.db)
        integrity = c.execute("PRAGMA integrity_check").fetchone()[0]
        c.close()
        if integrity != "ok":
            bad.append((k, "integrity_check", integrity))
        seen.append("%d" % len(made) if len(made) > 3 else "(%s)" % " ".join(made))
        box.cleanup()
    eq(bad, [], "%d power cuts during the first boot (%.2f s): the box comes up, every key "
       "whole or made again (files on disk at each cut: %s)" % (cuts, took or 0, " ".join(seen)))
    ROWS.append(("power cut during first boot x%d" % cuts, "serving" if not bad else "FAIL",
                 None, 0, "%.0f s" % (time.time() - t_all), "ok" if not bad else "FAIL",
                 "first boot %.2f s; files on disk at each cut: %s" % (took or 0,
                                                                       " ".join(seen))))


def test_zz_table():
    print("# %-38s %-22s %-10s %-14s %-9s %s" % ("case", "state after", "lost said",
                                                 "since backup", "start", "result"))
    for r in ROWS:
        print("# %-38s %-22s %-10s %-14s %-9s %s" % (r[0], r[1], "-" if r[2] is None else r[2],
                                                     r[3], r[4], r[5]))
    for r in ROWS:
        if r[6]:
            print("#   %s: %s" % (r[0], r[6][:300]))
    ok(all(r[5] == "ok" for r in ROWS), "every fault case healed")


run_tests(globals())
