"""Bench: does a backup of a large database hold up serving? A real pamongd on
a database made large (BACKUP_MB, default 100 MB of events), backing up
every second (backup_interval_s = 1) while a learner keeps writing, and
GET /api/v1/health asked in a loop meanwhile; the same without backups as
the baseline. Backups and the idle check run on the store's own thread, not
on the thread that handles signals and the LEDs, and VACUUM INTO reads in
its own transaction, so health should answer as fast during backups as
without. Prints p50/p99/max of health and of the writes, and the backups
made. Run by tests/bench/run.sh (whole bench) or alone:
BUILD=build python3 tests/bench/backup_bench.py"""

import os
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box  # noqa: E402

MB = int(os.environ.get("BACKUP_MB", "100"))
SECONDS = float(os.environ.get("BACKUP_SECONDS", "30"))
PIN = "246813"


def say(msg):
    print("bench: backup: " + msg, file=sys.stderr)
    sys.stderr.flush()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000 if xs else float("nan")


def grow(db, mb):
    """Fill the events table with mb MB of old rows (as years of use would)."""
    c = sqlite3.connect(db)
    rev = c.execute("SELECT coalesce(max(rev), 0) FROM events").fetchone()[0]
    pad = "x" * 900
    rows = mb * 1024
    c.executemany("INSERT INTO events (rev, learner, course, kind, detail, boot_id, mono_ms,"
                  " wall_ms, client_ms) VALUES (?, NULL, NULL, 'bench', ?, 'b', 0, 0, 0)",
                  ((rev + 1 + i, pad) for i in range(rows)))
    c.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('rev', ?)", (rev + rows,))
    c.commit()
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()


def run(data, interval):
    box = Box(data=data, packs=False, extra_conf="[storage]\nbackup_interval_s = %d\n"
              "check_interval_s = 0\nbackup_budget_mb = 0\nbackups_kept = 2\n"
              "[learners]\nregistrations_per_source = 0\n" % interval)
    box.start()
    stop = threading.Event()
    writes = []

    def writer():
        c = box.client()
        village = c.get("/api/v1/villages")[1]["villages"][0]["code"]
        i = 0
        while not stop.is_set():
            t0 = time.monotonic()
            st, _, _ = c.post("/api/v1/register", {"name": "Bench %d %d" % (interval, i),
                                                   "position": "staf-desa", "village": village,
                                                   "pin": PIN})
            if st == 201:
                writes.append(time.monotonic() - t0)
            i += 1
            time.sleep(0.05)

    t = threading.Thread(target=writer)
    t.start()
    c = box.client()
    health = []
    t_end = time.monotonic() + SECONDS
    while time.monotonic() < t_end:
        t0 = time.monotonic()
        st, _, _ = c.get("/api/v1/health")
        if st == 200:
            health.append(time.monotonic() - t0)
        time.sleep(0.01)
    stop.set()
    t.join()
    made = box.logtext().count("backed up to")
    box.stop()
    return health, writes, made


def main():
    box = Box(packs=False)
    box.start()
    box.stop()
    say("growing the database to about %d MB" % MB)
    grow(box.db, MB)
    size = os.path.getsize(box.db) / 1e6
    data = box.tmp
    base_h, base_w, _ = run(data, 0)
    h, w, made = run(data, 1)
    print("bench: backup: a %.0f MB database, %d backups in %.0f s (one every %.1f s) while a "
          "learner writes" % (size, made, SECONDS, SECONDS / made if made else float("nan")))
    print("bench: backup: health  p50/p99/max %.1f/%.1f/%.1f ms during backups, "
          "%.1f/%.1f/%.1f ms without (%d, %d requests)"
          % (pct(h, .5), pct(h, .99), pct(h, 1), pct(base_h, .5), pct(base_h, .99),
             pct(base_h, 1), len(h), len(base_h)))
    print("bench: backup: writes  p50/p99/max %.1f/%.1f/%.1f ms during backups, "
          "%.1f/%.1f/%.1f ms without" % (pct(w, .5), pct(w, .99), pct(w, 1), pct(base_w, .5),
                                         pct(base_w, .99), pct(base_w, 1)))
    box.cleanup()
    return 0 if made > 0 else 1


sys.exit(main())
