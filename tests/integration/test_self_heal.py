"""A damaged database does not take the box offline: pamongd moves the damaged
files aside (kept in data_dir/damaged/), restores the newest backup that passes
quick_check, keeps serving, and health says "degraded" with the reason and, when
it is known, how many writes were lost. One kind of damage per test, each on a
fresh box with real files."""

import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, ok, run_tests  # noqa: E402

PIN = "246813"


def new_box(extra=""):
    # LEDs on the simulated backend, so health shows the system LED's pattern
    box = Box(extra_conf="[storage]\nbackup_interval_s = 0\n" + extra, packs=False)
    with open(box.conf, "a") as f:
        f.write("[leds]\nbackend = sim\nsim_file = %s/leds\n" % box.tmp)
    return box


def register(box, name):
    c = box.client()
    village = c.get("/api/v1/villages")[1]["villages"][0]["code"]
    st, me, _ = c.post("/api/v1/register", {"name": name, "position": "staf-desa",
                                            "village": village, "pin": PIN})
    return st


def can_login(box, name):
    st, _, _ = box.client().post("/api/v1/login", {"name": name, "pin": PIN})
    return st == 200


def health(box):
    return box.client().get("/api/v1/health")[1]


def damaged_files(box):
    root = os.path.join(box.tmp, "damaged")
    found = []
    for d, _, files in os.walk(root):
        found += [os.path.join(os.path.relpath(d, root), f) for f in files]
    return found


def overwrite(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def check_healed(box, before, after, what):
    """The box serves again, degraded with the reason; the damaged file is kept;
    the learner from before the backup logs in, the one after is gone."""
    h = health(box)
    eq(h["state"], "degraded", what + ": health says degraded")
    ok("restored from the backup of" in h["db"], what + ": health says it restored a backup", h["db"])
    deadline = time.time() + 3
    while h["leds"]["system"] != "fast_blink" and time.time() < deadline:
        time.sleep(0.2)
        h = health(box)
    eq(h["leds"]["system"], "fast_blink", what + ": the system LED shows the fault")
    ok(any(f.endswith("pamong.db") for f in damaged_files(box)),
       what + ": the damaged database is kept under damaged/", damaged_files(box))
    ok(can_login(box, before), what + ": a learner from before the backup logs in", box.logtext())
    if after:
        ok(not can_login(box, after), what + ": a learner after the backup is gone")
    ok(register(box, "Setelah Pulih") == 201, what + ": new learners can register")
    return h


def test_truncated_to_half_after_clean_stop_is_restored():
    box = new_box().start()
    eq(register(box, "Ani Lestari"), 201, "a learner registers")
    eq(box.stop(), 0, "pamongd stops cleanly (and backs up)")
    size = os.path.getsize(box.db)
    with open(box.db, "r+b") as f:
        f.truncate(size // 2)
    box.start()
    h = check_healed(box, "Ani Lestari", None, "truncated to half")
    eq(h["db_lost_writes"], 0, "truncated to half: nothing was written after the last backup")
    eq(h["learners"], 1, "truncated to half: the learner is counted again")
    box.cleanup()


def test_garbage_over_the_header_is_restored():
    box = new_box().start()
    register(box, "Budi Santoso")
    box.stop()
    overwrite(box.db, 0, b"\xde\xad\xbe\xef" * 25)
    box.start()
    check_healed(box, "Budi Santoso", None, "garbage over the header")
    box.cleanup()


def test_bad_page_in_events_is_found_and_restored():
    box = new_box().start()
    register(box, "Citra Dewi")
    box.stop()
    db = sqlite3.connect(box.db)
    page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    psize = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    overwrite(box.db, (page - 1) * psize, os.urandom(psize))
    box.start()
    check_healed(box, "Citra Dewi", None, "a bad page in events")
    box.cleanup()


def test_lost_writes_since_the_backup_are_counted():
    box = new_box().start()
    register(box, "Dedi Kurnia")
    box.stop()  # the backup holds Dedi
    box.start()
    for i in range(3):
        eq(register(box, "Eka Putri %d" % (i + 1) if i else "Eka Putri"), 201, "a learner after the backup")
    time.sleep(6.5)  # the mark beside the database follows the rev
    box.kill9()
    overwrite(box.db, 0, b"\x00" * 100)
    box.start()
    h = check_healed(box, "Dedi Kurnia", "Eka Putri", "damaged after kill -9")
    eq(h["db_lost_writes"], 3, "the three registrations since the backup are counted as lost")
    ok("3 writes since were lost" in h["db"], "health says how many writes were lost", h["db"])
    box.cleanup()


def test_wal_deleted_after_kill9_is_said():
    box = new_box().start()
    register(box, "Fajar Nugroho")
    box.stop()
    box.start()
    register(box, "Gita Sari")
    time.sleep(6.5)
    box.kill9()
    wal = box.db + "-wal"
    ok(os.path.exists(wal), "kill -9 leaves a -wal file")
    os.remove(wal)
    box.start()
    h = health(box)
    eq(h["state"], "degraded", "-wal deleted: health says degraded")
    ok("rev" in h["db"] or "journal" in h["db"], "-wal deleted: health says what it knows", h["db"])
    ok(can_login(box, "Fajar Nugroho"), "-wal deleted: a learner from before logs in", box.logtext())
    box.cleanup()


def test_periodic_check_finds_damage_while_serving():
    box = new_box("check_interval_s = 1\n").start()
    register(box, "Hadi Wijaya")
    box.stop()  # the backup holds Hadi
    box.start()
    db = sqlite3.connect(box.db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    psize = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    eq(health(box)["state"], "serving", "healthy before the damage")
    overwrite(box.db, (page - 1) * psize, os.urandom(psize))
    deadline = time.time() + 10
    h = health(box)
    while h["state"] != "degraded" and time.time() < deadline:
        time.sleep(0.5)
        h = health(box)
    eq(h["state"], "degraded", "the idle check finds the bad page")
    ok("quick_check" in h["db"], "health says the check found it", h["db"])
    box.stop()
    box.start()
    check_healed(box, "Hadi Wijaya", None, "restart after the idle check")
    box.cleanup()


def test_no_backup_starts_empty_and_says_so():
    box = new_box().start()
    register(box, "Indah Permata")
    box.stop()
    for f in os.listdir(os.path.join(box.tmp, "backups")):
        os.remove(os.path.join(box.tmp, "backups", f))
    overwrite(box.db, 0, b"\xff" * 100)
    box.start()
    h = health(box)
    eq(h["state"], "degraded", "no backup: degraded")
    ok("no backup was usable" in h["db"], "no backup: health says it started empty", h["db"])
    eq(h["learners"], 0, "no backup: an empty database")
    ok(register(box, "Joko Susilo") == 201, "no backup: learners can register")
    box.cleanup()


run_tests(globals())
