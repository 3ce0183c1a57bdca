#!/usr/bin/env python3
"""make bench: the hub at national scale (issue 14, Scale).

Seeds a hub with 40,000 boxes, 80,000 learners (two in each of 40,000 real
villages of the Kemendagri list) x 5 courses and a year of completions,
loaded directly in SQL (sqlite3's executemany; PostgreSQL's COPY, then
ANALYZE as autovacuum would), on SQLite and on PostgreSQL (a cluster of the
bench's own, fsync on). The hub then starts with the seed's deltas unfolded
(the triggers appended them); it answers at once and folds them in the
background (printed: how long each took). Then times each dashboard query over HTTP as a
logged-in staffer at national, province and village level: the best of
HUB_SCALE_RUNS (3) after one warm-up. Target: under 200 ms each.

Prints rows "bench  measured  reference  verdict" like tests/bench/run.sh and
writes them to tests/out/bench/hub_scale.txt. Reports; does not fail on a
missed target; exits non-zero only if a part could not run.
Knobs: HUB_SCALE_BOXES (40000), HUB_SCALE_LEARNERS (80000), HUB_SCALE_RUNS (3),
HUB_SCALE_BACKENDS ("sqlite postgresql"), KEEP_TMP."""

import gzip
import io
import os
import random
import sqlite3
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import AREA_FILE, ROOT, Client  # noqa: E402
from hubtest import Hub  # noqa: E402
import pgtest  # noqa: E402

BOXES = int(os.environ.get("HUB_SCALE_BOXES", "40000"))
LEARNERS = int(os.environ.get("HUB_SCALE_LEARNERS", "80000"))
RUNS = int(os.environ.get("HUB_SCALE_RUNS", "3"))
BACKENDS = os.environ.get("HUB_SCALE_BACKENDS", "sqlite postgresql").split()
COURSES = [("desa-administrasi", 6), ("desa-keuangan", 5), ("literasi-digital", 4),
           ("pelayanan-publik", 5), ("perencanaan-desa", 6)]
POSITIONS = ["kepala-desa", "sekretaris-desa", "kaur-keuangan", "kasi-pemerintahan",
             "kepala-dusun", "staf-desa", "ketua-bpd"]
YEAR_START = 1735689600000          # 2025-01-01 UTC
YEAR_MS = 365 * 86400000
TARGET_MS = 200
PASSWORD = "Kebun-Kopi-42"
OUT = os.path.join(ROOT, "tests", "out", "bench")
rows = []
not_run = 0


def say(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def row(name, measured, reference, verdict=""):
    rows.append((name, measured, reference, verdict))


def villages(n):
    with gzip.open(AREA_FILE, "rt", encoding="utf-8") as f:
        codes = [line.split("\t", 1)[0] for line in f if len(line.split("\t", 1)[0]) == 13]
    return sorted(random.Random(14).sample(codes, min(n, len(codes))))


def dataset():
    """The rows of every table, as tuples in the tables' column order."""
    rng = random.Random(2026)
    vil = villages(BOXES)
    boxes, learners, summaries, uploads = [], [], [], []
    box_ids = []
    for i in range(BOXES):
        bid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        box_ids.append(bid)
        seen = YEAR_START + YEAR_MS - rng.randrange(60 * 86400000)
        boxes.append(("%064x" % rng.getrandbits(256), bid, "Kotak %05d" % i,
                      YEAR_START, 0, 1, seen, "0.1.0", 86400, 3 * 10 ** 9, 2 * 10 ** 6, 0,
                      "hub"))
    rev = {}
    for j in range(LEARNERS):
        b = j * BOXES // LEARNERS
        box = box_ids[b]
        village = vil[b % len(vil)]
        lid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        reg = YEAR_START + rng.randrange(YEAR_MS // 2)
        r = rev.get(box, 0) + 1
        learners.append((box, lid, "Peserta %d" % j, rng.choice(POSITIONS), village, reg, r,
                         0, None))
        for course, total in COURSES:
            r += 1
            x = rng.random()
            first = reg + rng.randrange(86400000 * 30)
            if x < 0.45:
                done = first + rng.randrange(max(1, YEAR_START + YEAR_MS - first))
                best = rng.randrange(60, 101)
                # the first course has a pre-test (the dashboard's average
                # gain): every completer took it; no extra rng draws
                pre = 20 + r * 37 % 60 if course == COURSES[0][0] else None
                summaries.append((box, lid, course, "completed", total, total,
                                  best, 1, 1, 3600, first, done, done, 0, r,
                                  None, pre, best if pre is not None else None))
            elif x < 0.8:
                summaries.append((box, lid, course, "in_progress", rng.randrange(1, total),
                                  total, None, 0, 0, 900, first, first + 3600000, 0, 0, r,
                                  None, None, None))
            else:
                summaries.append((box, lid, course, "not_started", 0, total, None, 0, 0, 0,
                                  0, 0, 0, 0, r, None, None, None))
        rev[box] = r
    for i, bid in enumerate(box_ids):
        boxes[i] = boxes[i][:4] + (rev.get(bid, 0),) + boxes[i][5:]
        uploads.append((bid, boxes[i][6], 1, 0, rev.get(bid, 0), rev.get(bid, 0), 2, 10, 3000))
    return {"boxes": boxes, "learners": learners, "summaries": summaries, "uploads": uploads}


COLS = {
    "boxes": "key, box_id, name, enrolled_at, acked_rev, last_seq, last_seen, version,"
             " uptime_s, disk_free, db_bytes, pending, clock",
    "learners": "box, id, name, position, village, registered_at, rev, times_corrected,"
                " time_source",
    "summaries": "box, learner, course, status, lessons_done, lessons_total, best_score,"
                 " passed, attempts, seconds_spent, first_activity, last_activity,"
                 " completed_at, times_corrected, rev, time_source, pre_score, post_score",
    "uploads": "box, at, seq, from_rev, to_rev, acked_rev, learners, summaries, bytes",
}


def load_sqlite(hub, data):
    c = sqlite3.connect(os.path.join(hub.tmp, "hub.db"))
    with c:
        for t, rs in data.items():
            marks = ",".join("?" * len(rs[0]))
            c.executemany("INSERT INTO %s(%s) VALUES (%s)" % (t, COLS[t], marks), rs)
    c.close()


def load_pg(hub, data):
    c = hub.db()
    cur = c.cursor()
    for t, rs in data.items():
        buf = io.StringIO()
        for r in rs:
            buf.write("\t".join("\\N" if v is None else str(v) for v in r) + "\n")
        buf.seek(0)
        cur.copy_expert("COPY %s(%s) FROM STDIN" % (t, COLS[t]), buf)
    c.commit()
    c.autocommit = True
    cur.execute("ANALYZE")
    c.close()


def timed(client, path):
    """Best of RUNS after one warm-up: (ms, bytes, status)."""
    best, size, st = None, 0, 0
    for i in range(RUNS + 1):
        t = time.monotonic()
        try:
            st, _, data = client.raw("GET", path)
        except Exception:  # a timeout (30 s) leaves the connection unusable
            client.close()
            return None, 0, 0
        ms = (time.monotonic() - t) * 1000
        size = len(data)
        if i > 0 and (best is None or ms < best):
            best = ms
    return best, size, st


def bench(backend, data):
    global not_run
    tag = "dashboard [%s]" % backend
    if backend == "postgresql" and pgtest._cluster is None:
        pgtest._cluster = pgtest.Cluster(fsync=True)
    hub = Hub(area_file=AREA_FILE, backend=backend)
    try:
        hub.add_user("staf", PASSWORD)    # creates the schema
        t = time.monotonic()
        (load_pg if backend == "postgresql" else load_sqlite)(hub, data)
        say("%s: seeded %d boxes, %d learners, %d summaries in %.1f s" % (
            tag, len(data["boxes"]), len(data["learners"]), len(data["summaries"]),
            time.monotonic() - t))
        # the triggers appended deltas: the hub answers at once and folds
        # them in the background (docs/HUB.md); the queries are timed once
        # it has
        t = time.monotonic()
        hub.start()
        row("%s: start with the seed's deltas unfolded" % tag, "%.1f s" % (
            time.monotonic() - t), "(info: answers before it folds)", "")
        while "backlog folded" not in hub.logtext() and time.monotonic() - t < 1800:
            if hub.proc.poll() is not None:
                raise RuntimeError("the hub exited:\n" + hub.logtext())
            time.sleep(1)
        line = [ln for ln in hub.logtext().splitlines() if "backlog folded" in ln]
        if not line:
            raise RuntimeError("the seed's deltas were not folded in 30 minutes")
        row("%s: the seed's deltas folded in the background" % tag,
            "%.1f s" % (time.monotonic() - t), "(info: %s)" % line[-1].split(
                "backlog folded, ")[-1][:40], "")
        c = Client(hub.port)
        st, _, _ = c.post("/api/v1/hub/login", {"name": "staf", "password": PASSWORD})
        if st != 200:
            raise RuntimeError("login: %d" % st)
        village = data["learners"][len(data["learners"]) // 2][4]
        levels = [("national", ""), ("province", village[:2]), ("village", village)]
        for view in ("areas", "courses", "learners", "villages", "completions", "boxes"):
            for level, unit in levels:
                ms, size, st = timed(c, "/api/v1/hub/%s?unit=%s" % (view, unit))
                name = "%s: %s, %s" % (tag, view, level)
                if st == 404:   # a view this hub does not have
                    break
                if st == 400:   # a view only for a smaller area (the village table)
                    row(name, "refused (400)", "(info)", "")
                    continue
                if ms is None or st != 200:
                    row(name, "failed (%s)" % (st or "timeout"), "< %d ms" % TARGET_MS, "MISS")
                    continue
                row(name, "%.0f ms, %.0f kB" % (ms, size / 1024), "< %d ms" % TARGET_MS,
                    "ok" if ms < TARGET_MS else "MISS")
    except Exception as e:
        say("%s: not run: %s" % (tag, e))
        row(tag, "not run", "-", str(e).splitlines()[0][:60])
        not_run += 1
    finally:
        hub.cleanup()


def main():
    t0 = time.time()
    load = open("/proc/loadavg").read().split()[:3]
    t = time.monotonic()
    data = dataset()
    say("hub scale: data for %d boxes, %d learners x %d courses made in %.1f s" % (
        BOXES, LEARNERS, len(COURSES), time.monotonic() - t))
    for b in BACKENDS:
        bench(b, data)
    lines = ["", "%-52s %-20s %-30s %s" % ("bench", "measured", "reference", "verdict")]
    lines += ["%-52s %-20s %-30s %s" % r for r in rows]
    lines += ["", "%d cores, load average %s at start, %s at the end (other work on this"
              " machine skews the figures), %s, %d s; hub scale bench (tests/bench/hub_scale.py)"
              % (os.cpu_count(), " ".join(load),
                 " ".join(open("/proc/loadavg").read().split()[:3]),
                 time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), time.time() - t0)]
    text = "\n".join(lines)
    print(text, flush=True)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "hub_scale.txt"), "w") as f:
        f.write(text + "\n")
    return 1 if not_run else 0


if __name__ == "__main__":
    sys.exit(main())
