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

import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import BUILD, Box, eq, ok, run_tests  # noqa: E402

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
            "[learners]\nregistrations_per_source = 0\n" + extra_conf))
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


def test_bad_page_in_meta():
    if not want("meta"):
        return
    box = FaultBox()
    after = ["Citra %d" % i for i in range(2)]
    writes_since_backup(box, ["Dedi Kurnia"], after, ckpt=True)
    off, size = root_page(box.db, "meta")
    overwrite(box.db, off, os.urandom(size))
    healed("bad page in meta", box, ["Dedi Kurnia"], after, 2)
    box.cleanup()


def test_bad_page_in_events():
    if not want("events"):
        return
    box = FaultBox()
    after = ["Eka %d" % i for i in range(4)]
    writes_since_backup(box, ["Fajar Nugroho"], after, ckpt=True)
    off, size = root_page(box.db, "events")
    overwrite(box.db, off, os.urandom(size))
    healed("bad page in events", box, ["Fajar Nugroho"], after, 4)
    box.cleanup()


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


def test_kill9_trials():
    """TRIALS (default 10) kill -9s, each in the middle of WRITERS (default 20)
    learners registering at once: every acknowledged registration is in the
    database afterwards and integrity_check passes."""
    if not want("kill9"):
        return
    trials = int(os.environ.get("TRIALS", "10"))
    writers = int(os.environ.get("WRITERS", "20"))
    box = FaultBox(size_mb=64)
    box.start()
    acked, lost, bad = [], [], []
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
        if integrity != "ok":
            bad.append((trial, integrity))
    eq(lost, [], "kill -9 x%d under %d writers: no acknowledged write lost (%d acknowledged)"
       % (trials, writers, len(acked)))
    eq(bad, [], "kill -9 x%d: integrity_check passes after each restart" % trials)
    eq(health(box)["state"], "serving", "kill -9 x%d: the box serves healthy at the end" % trials)
    ROWS.append(("kill -9 x%d, %d writers" % (trials, writers), health(box)["state"], 0,
                 0, "%.0f s" % (time.time() - t_all), "ok" if not lost and not bad else "FAIL",
                 "%d acknowledged writes, %d lost" % (len(acked), len(lost))))
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
