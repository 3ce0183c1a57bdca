"""make soak: a long run of many learners against a real pamongd, with kill -9
and restarts, checking that memory stays flat and that no acknowledged write is
ever lost.

The run has two parts. In the first KILL_FOR seconds (default a sixth of the
run) pamongd is killed with SIGKILL every KILL_EVERY seconds and started again
at once (the learners retry, as phones do). The rest runs without kills, and
pamongd's RSS over the last FLAT_SECONDS (default three quarters of the run:
45 minutes of a one-hour soak) must stay within RSS_TOLERANCE_MB. RSS is sampled every SAMPLE_S
seconds and printed. Each learner completes lessons one after another, each
acknowledged completion adding 1 s to the lesson; at the end the stored
seconds of every lesson must be at least the acknowledged ones (and at most
those plus the requests that got no answer), and integrity_check must pass.

Environment: SOAK_SECONDS (default 600), LEARNERS (40), KILL_EVERY (60),
KILL_FOR (SOAK_SECONDS/6), FLAT_SECONDS (SOAK_SECONDS*3/4), SAMPLE_S (10),
RSS_TOLERANCE_MB (2)."""

import os
import random
import signal
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, ok, run_tests  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
LEARNERS = int(os.environ.get("LEARNERS", "40"))
KILL_EVERY = int(os.environ.get("KILL_EVERY", "60"))
KILL_FOR = float(os.environ.get("KILL_FOR", str(SECONDS / 6.0)))
FLAT_SECONDS = float(os.environ.get("FLAT_SECONDS", str(SECONDS * 0.75)))
SAMPLE_S = float(os.environ.get("SAMPLE_S", "10"))
TOLERANCE_MB = float(os.environ.get("RSS_TOLERANCE_MB", "2"))
COURSE = "desa-administrasi"
PIN = "246813"


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Learner(threading.Thread):
    def __init__(self, box, i, village, lessons, stop):
        super().__init__(daemon=True)
        self.box, self.i, self.village, self.lessons, self.stop = box, i, village, lessons, stop
        self.name_ = "Soak %03d" % i
        self.acked = {}       # lesson -> acknowledged completions
        self.unanswered = {}  # lesson -> requests without an answer
        self.latencies = []
        self.errors = 0
        self.id = None

    def login(self, c):
        st, me, _ = c.post("/api/v1/login", {"name": self.name_, "pin": PIN})
        if st == 200:
            self.id = (me or {}).get("id", self.id)
            return True
        if st in (401, 404) and self.id is None:
            st, me, _ = c.post("/api/v1/register", {"name": self.name_, "position": "staf-desa",
                                                    "village": self.village, "pin": PIN})
            if st == 201:
                self.id = me["id"]
                return True
        return False

    def run(self):
        c = self.box.client()
        logged = False
        n = 0
        while not self.stop.is_set():
            try:
                if not logged:
                    logged = self.login(c)
                    if not logged:
                        time.sleep(0.5)
                        continue
                lesson = self.lessons[n % len(self.lessons)]
                t0 = time.monotonic()
                try:
                    st, _, _ = c.post("/api/v1/courses/%s/lessons/%s/complete" % (COURSE, lesson),
                                      {"seconds": 1})
                except OSError:
                    self.unanswered[lesson] = self.unanswered.get(lesson, 0) + 1
                    raise
                self.latencies.append(time.monotonic() - t0)
                if st == 200:
                    self.acked[lesson] = self.acked.get(lesson, 0) + 1
                    n += 1
                elif st == 401:
                    logged = False
                else:
                    self.errors += 1
                if random.random() < 0.1:
                    c.get("/api/v1/courses/" + COURSE)
            except OSError:
                c.close()
                logged = False
                time.sleep(0.3)
                continue
            time.sleep(random.uniform(0.2, 1.0))


def test_soak():
    box = Box(extra_conf="[storage]\nbackup_interval_s = 60\ncheck_interval_s = 60\n"
              "[learners]\nregistrations_per_source = 0\n")
    box.start()
    c = box.client()
    village = c.get("/api/v1/villages")[1]["villages"][0]["code"]
    c.post("/api/v1/register", {"name": "Pembaca Soak", "position": "staf-desa",
                                "village": village, "pin": PIN})
    lessons = [x["id"] for x in c.get("/api/v1/courses/" + COURSE)[1]["lessons"]]
    stop = threading.Event()
    learners = [Learner(box, i, village, lessons, stop) for i in range(LEARNERS)]
    for t in learners:
        t.start()
    t_start = time.monotonic()
    half = min(KILL_FOR, SECONDS - FLAT_SECONDS)
    kills = 0
    last_kill = t_start
    samples = []  # (t, rss kB, pid)
    print("# soak: %d s, %d learners, kill -9 every %d s in the first %d s, RSS flat over the "
          "last %d s" % (SECONDS, LEARNERS, KILL_EVERY, half, FLAT_SECONDS))
    next_sample = t_start
    while time.monotonic() - t_start < SECONDS:
        now = time.monotonic()
        if now - t_start < half and now - last_kill >= KILL_EVERY:
            box.kill9()
            box.start()
            kills += 1
            last_kill = time.monotonic()
            print("# %6.0f s  kill -9 #%d, restarted" % (now - t_start, kills))
        if now >= next_sample:
            pid = box.proc.pid
            r = rss_kb(pid)
            samples.append((now - t_start, r, pid))
            done = sum(sum(x.acked.values()) for x in learners)
            print("# %6.0f s  rss %6.1f MB  acknowledged writes %d  load %.2f" %
                  (now - t_start, (r or 0) / 1024.0, done, os.getloadavg()[0]))
            sys.stdout.flush()
            next_sample += SAMPLE_S
        time.sleep(0.2)
    stop.set()
    for t in learners:
        t.join(10)
    eq(box.stop(), 0, "pamongd stops cleanly at the end")

    total = sum(sum(x.acked.values()) for x in learners)
    lat = sorted(l for x in learners for l in x.latencies)
    p99 = lat[int(len(lat) * 0.99)] * 1000 if lat else float("nan")
    p50 = lat[len(lat) // 2] * 1000 if lat else float("nan")
    print("# requests answered: %d completions (%d acknowledged), p50 %.1f ms, p99 %.1f ms, "
          "%d kills, load average %s" % (len(lat), total, p50, p99, kills,
                                          " ".join("%.2f" % v for v in os.getloadavg())))
    ok(total > LEARNERS, "the learners wrote (%d acknowledged completions)" % total)

    db = sqlite3.connect(box.db)
    lost, extra = [], []
    for x in learners:
        if x.id is None:
            continue
        stored = dict(db.execute("SELECT lesson, seconds_spent FROM lesson_progress WHERE "
                                 "learner = ? AND course = ?", (x.id, COURSE)).fetchall())
        for lesson, n in x.acked.items():
            if stored.get(lesson, 0) < n:
                lost.append((x.name_, lesson, n, stored.get(lesson, 0)))
            if stored.get(lesson, 0) > n + x.unanswered.get(lesson, 0):
                extra.append((x.name_, lesson, n, stored.get(lesson, 0)))
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    eq(lost, [], "no acknowledged write was lost across %d kill -9s" % kills)
    eq(extra, [], "nothing was stored that was not asked for")
    eq(integrity, "ok", "integrity_check passes at the end")

    print("# lost acknowledged writes: %d, integrity_check: %s" % (len(lost), integrity))
    last_pid = samples[-1][2] if samples else None
    tail = [s for s in samples if s[0] >= SECONDS - FLAT_SECONDS and s[2] == last_pid and s[1]]
    if len(tail) >= 3:
        lo = min(s[1] for s in tail) / 1024.0
        hi = max(s[1] for s in tail) / 1024.0
        print("# RSS over the last %.0f s without kills: %.1f .. %.1f MB (spread %.1f MB)"
              % (tail[-1][0] - tail[0][0], lo, hi, hi - lo))
        ok(hi - lo <= TOLERANCE_MB, "RSS stays flat within %.1f MB (spread %.1f MB)"
           % (TOLERANCE_MB, hi - lo))
    else:
        ok(False, "enough RSS samples in the second half (SOAK_SECONDS too short?)", second)
    box.cleanup()


run_tests(globals())
