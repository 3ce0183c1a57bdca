#!/usr/bin/env python3
"""make bench: box → hub sync figures (issue 4, Performance).

1. Upload size: a real pamongd with 500 learners (3 courses each, realistic
   names, villages, positions and times seeded into its store) makes its first
   sync to a real pamong-hub on loopback; the hub's uploads table records the
   gzip bytes of every chunk as received. A second box with the same 500
   learners and no course summaries gives the learners' share, so the bytes
   per learner-course summary are (A - B) / 1,500.
2. Hub ingest: 1,000 simulated boxes of 100 learners (3 summaries each) enroll
   and send their first sync (signed gzip chunks, tests/lib/hubtest.py, libsodium)
   to one pamong-hub with the real region list loaded, SYNC_CLIENTS at a time.
   Reports boxes/s, the time for all of them and the hub's VmHWM (peak RSS),
   on SQLite and on PostgreSQL (a cluster of the bench's own, fsync on).
   The bodies are built and signed before the clock starts: the figure is the
   hub's, not Python's.

Prints rows "bench  measured  reference  verdict" like tests/bench/run.sh and
writes them to tests/out/bench/sync.txt. Reports; does not fail on a missed
target; exits non-zero only if a part could not run.
Knobs: SYNC_BOXES (1000), SYNC_BOX_LEARNERS (100), SYNC_CLIENTS (16),
SYNC_FIRST_LEARNERS (500), SYNC_PARTS (size ingest: which parts),
SYNC_BACKENDS (sqlite postgresql), KEEP_TMP."""

import gzip
import json
import os
import queue
import random
import sqlite3
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import AREA_FILE, ROOT, Box, Client  # noqa: E402
from hubtest import BoxKey, Hub  # noqa: E402
import pgtest  # noqa: E402

BOXES = int(os.environ.get("SYNC_BOXES", "1000"))
BOX_LEARNERS = int(os.environ.get("SYNC_BOX_LEARNERS", "100"))
CLIENTS = int(os.environ.get("SYNC_CLIENTS", "16"))
FIRST_LEARNERS = int(os.environ.get("SYNC_FIRST_LEARNERS", "500"))
PARTS = os.environ.get("SYNC_PARTS", "size ingest").split()
BACKENDS = os.environ.get("SYNC_BACKENDS", "sqlite postgresql").split()
COURSES = [("desa-administrasi", 6), ("desa-keuangan", 5), ("literasi-digital", 4)]
POSITIONS = ["kepala-desa", "sekretaris-desa", "kaur-tata-usaha-umum", "kaur-keuangan",
             "kaur-perencanaan", "kasi-pemerintahan", "kasi-kesejahteraan", "kasi-pelayanan",
             "kepala-dusun", "staf-desa", "ketua-bpd", "anggota-bpd", "pendamping-desa"]
FIRST = ["Siti", "Budi", "Agus", "Sri", "Dewi", "Joko", "Wahyu", "Nur", "Eko", "Rina", "Bambang",
         "Yuni", "Hendra", "Ratna", "Slamet", "Puji", "Teguh", "Endang", "Andi", "Lestari",
         "Suparmi", "Mulyadi", "Kartini", "Sugeng", "Wulan", "Dimas", "Ayu", "Fajar"]
LAST = ["Aminah", "Santoso", "Wijaya", "Rahayu", "Susanto", "Hidayat", "Purnomo", "Lestari",
        "Setiawan", "Kusuma", "Nugroho", "Handayani", "Saputra", "Wibowo", "Prasetyo",
        "Utami", "Hartono", "Suryani", "Gunawan", "Maharani", ""]
OUT = os.path.join(ROOT, "tests", "out", "bench")
rows = []
not_run = 0


def say(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def row(name, measured, reference, verdict=""):
    rows.append((name, measured, reference, verdict))


def verdict(ok):
    return "ok" if ok else "MISS"


def villages():
    """Village codes of regency 33.02 (the boxes' configured area) from the
    official list, so names and codes look like the field's."""
    out = []
    with gzip.open(AREA_FILE, "rt", encoding="utf-8") as f:
        for line in f:
            code = line.split("\t", 1)[0]
            if code.startswith("33.02.") and len(code) == 13:
                out.append(code)
    return out or ["33.02.01.2001"]


class People:
    """Realistic learners and course summaries (seeded: same data every run)."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.villages = villages()
        self.now = 1764400000000  # a fixed wall clock: the sizes do not drift

    def learners(self, n, village_count=12):
        r = self.r
        vs = r.sample(self.villages, min(village_count, len(self.villages)))
        out, names = [], set()
        while len(out) < n:
            name = (r.choice(FIRST) + " " + r.choice(LAST)).strip()
            if name in names:
                name = "%s %d" % (name, len(out))
            names.add(name)
            out.append({"id": str(uuid.UUID(int=r.getrandbits(128), version=4)), "name": name,
                        "position": r.choice(POSITIONS), "village": r.choice(vs),
                        "registered_at": self.now - r.randrange(90 * 86400000)})
        return out

    def summary(self, lid, course, total, registered_at):
        r = self.r
        done = r.randrange(total + 1)
        first = registered_at + r.randrange(3600000)
        last = first + r.randrange(30 * 86400000)
        attempts = r.randrange(3) if done == total else 0
        best = r.randrange(40, 101) if attempts else None
        passed = best is not None and best >= 70
        completed = done == total and passed
        return {"learner": lid, "course": course,
                "status": "completed" if completed else "in_progress",
                "lessons_done": done, "lessons_total": total, "best_score": best,
                "passed": passed, "attempts": attempts,
                "seconds_spent": r.randrange(60, 4 * 3600),
                "first_activity": first, "last_activity": last,
                "completed_at": last if completed else 0}


# ---- 1. a real box's first sync ---------------------------------------------------------

def seed_box(db, learners, summaries):
    c = sqlite3.connect(db, timeout=30)
    rev = int(c.execute("SELECT coalesce((SELECT value FROM meta WHERE key = 'rev'), 0)")
              .fetchone()[0])
    for i, l in enumerate(learners):
        rev += 1
        c.execute("INSERT INTO learners(id, name, name_key, position, village, pin_hash,"
                  " registered_at, boot_id, mono_ms, client_ms, rev) VALUES"
                  " (?,?,?,?,?,?,?,?,?,?,?)",
                  (l["id"], l["name"], l["name"].lower() + " %d" % i, l["position"],
                   l["village"], "x", l["registered_at"], "b", 0, 0, rev))
    for s in summaries:
        rev += 1
        c.execute("INSERT INTO course_summary(learner, course, status, lessons_done,"
                  " lessons_total, best_score, passed, attempts, seconds_spent,"
                  " first_activity, last_activity, completed_at, rev) VALUES"
                  " (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  (s["learner"], s["course"], s["status"], s["lessons_done"],
                   s["lessons_total"], -1 if s["best_score"] is None else s["best_score"],
                   int(s["passed"]), s["attempts"], s["seconds_spent"], s["first_activity"],
                   s["last_activity"], s["completed_at"], rev))
    c.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('rev', ?)", (rev,))
    c.commit()
    c.close()


def first_sync(hub, learners, summaries):
    """Seed a real pamongd, let it sync to hub; returns (gzip bytes, chunks,
    seconds) as the hub recorded them."""
    box = Box(packs=False)
    box.start()
    box.stop()  # its store now exists
    seed_box(box.db, learners, summaries)
    with open(box.conf, "a") as f:
        f.write("[sync]\nhub_url = http://127.0.0.1:%d\nenroll_code = %s\nwatch_netlink = no\n"
                % (hub.port, hub.enroll_code()))
    t0 = time.monotonic()
    box.start()
    c = box.client()
    sync = {}
    while time.monotonic() - t0 < 120:
        st, h, _ = c.req("GET", "/api/v1/health")
        sync = (h or {}).get("sync") or {}
        if sync.get("last_success") and sync.get("pending") == 0:
            break
        if sync.get("state") in ("failing", "not_enrolled"):
            break
        time.sleep(0.05)
    took = time.monotonic() - t0
    box.stop()
    if not sync.get("last_success"):
        raise RuntimeError("the box did not finish its first sync: %s\n%s"
                           % (sync, box.logtext()))
    (b, n), = hub.rows("SELECT sum(bytes), count(*) FROM uploads WHERE box ="
                       " (SELECT box_id FROM boxes WHERE key = ?)", sync["public_key"])
    box.cleanup()
    return b, n, took


def bench_upload_size():
    global not_run
    p = People(1)
    learners = p.learners(FIRST_LEARNERS, village_count=15)
    summaries = [p.summary(l["id"], c, t, l["registered_at"]) for l in learners
                 for c, t in COURSES]
    hub = Hub().start()
    try:
        say("upload size: a real box with %d learners x %d courses, first sync over loopback"
            % (FIRST_LEARNERS, len(COURSES)))
        a_bytes, a_chunks, a_took = first_sync(hub, learners, summaries)
        b_bytes, _, _ = first_sync(hub, learners, [])
    except Exception as e:  # a part that cannot run is reported, not hidden
        say("upload size: not run: %s" % e)
        row("first sync upload size", "not run", "-", str(e).splitlines()[0][:60])
        not_run += 1
        return
    finally:
        hub.cleanup()
    per = (a_bytes - b_bytes) / len(summaries)
    row("upload bytes per learner-course summary (gzip)", "%.0f B" % per, "(info)")
    row("upload bytes per learner row (gzip)", "%.0f B" % (b_bytes / len(learners)), "(info)")
    row("upload bytes per summary, learners included", "%.0f B" % (a_bytes / len(summaries)),
        "(info)")
    row("first sync, %d learners x %d courses" % (FIRST_LEARNERS, len(COURSES)),
        "%.1f KB" % (a_bytes / 1024), "(info: %d chunks)" % a_chunks)
    row("first sync time on loopback", "%.1f s" % a_took, "(info)")


# ---- 2. the hub ingesting 1,000 first syncs -----------------------------------------------

def prepare_boxes(hub, n):
    """Keys, codes and signed bodies of n simulated boxes."""
    p = People(2)
    boxes = []
    rc, out, err = hub.cmd("enroll-code", "--count", str(n))
    codes = out.split()
    if rc != 0 or len(codes) != n:
        raise RuntimeError("enroll-code --count %d: %s" % (n, err.strip()))
    for i, code in enumerate(codes):
        key = BoxKey()
        key.box_id = str(uuid.UUID(int=p.r.getrandbits(128), version=4))
        enroll = json.dumps({"code": code, "public_key": key.hex, "box_id": key.box_id,
                             "name": "Kotak %04d" % (i + 1)}).encode()
        ls = p.learners(BOX_LEARNERS, village_count=4)
        rev = 0
        for l in ls:
            rev += 1
            l["rev"] = rev
        ss = []
        for l in ls:
            for c, t in COURSES:
                rev += 1
                s = p.summary(l["id"], c, t, l["registered_at"])
                s["times_corrected"] = False
                s["rev"] = rev
                ss.append(s)
        body = gzip.compress(json.dumps({
            "box": key.box_id, "chunk": {"from_rev": 0, "to_rev": rev, "seq": 1},
            "learners": ls, "summaries": ss,
            "health": {"version": "0.1.0", "uptime_s": 3600, "disk_free": 3 * 10 ** 9,
                       "db_bytes": 2 * 10 ** 6, "pending": len(ls) + len(ss),
                       "clock": "hub"}}, separators=(",", ":")).encode(), 6)
        boxes.append((key, enroll, key.sign(enroll), body, key.sign(body), rev))
    return boxes


def proc_kb(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_cpu(pid):
    """CPU seconds of process pid, its children that ended (reaped) and its
    live children: the PostgreSQL server's whole work, its backends'
    included."""
    tick = os.sysconf("SC_CLK_TCK")

    def stat(p):
        try:
            with open("/proc/%s/stat" % p) as f:
                return f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
    me = stat(pid)
    if me is None:
        return 0.0
    total = sum(int(v) for v in me[11:15])
    for p in os.listdir("/proc"):
        if p.isdigit() and int(p) != pid:
            st = stat(p)
            if st is not None and int(st[1]) == pid:
                total += int(st[11]) + int(st[12])
    return total / tick


def bench_hub_ingest(backend):
    global not_run
    if backend == "postgresql" and pgtest._cluster is None:
        pgtest._cluster = pgtest.Cluster(fsync=True)  # durable, as in production
    hub = Hub(area_file=AREA_FILE, backend=backend).start()
    tag = "hub ingest [%s]" % backend
    try:
        say("hub ingest: enrollment codes and signed first syncs for %d boxes of %d learners"
            % (BOXES, BOX_LEARNERS))
        t = time.monotonic()
        boxes = prepare_boxes(hub, BOXES)
        say("hub ingest: prepared in %.1f s (%.1f MB of gzip); %d clients at a time"
            % (time.monotonic() - t, sum(len(b[3]) for b in boxes) / 2 ** 20, CLIENTS))
        pid = hub.proc.pid
        rss_start = proc_kb(pid, "VmRSS")
        work = queue.Queue()
        for b in boxes:
            work.put(b)
        errors = []
        done = [0]
        lock = threading.Lock()

        def client():
            c = Client(hub.port)
            while True:
                try:
                    key, enroll, esig, body, sig, rev = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    st, _, data = c.raw("POST", "/api/v1/enroll", enroll,
                                        {"Content-Type": "application/json",
                                         "X-Pamong-Signature": esig})
                    if st != 201:
                        raise RuntimeError("enroll: %d %s" % (st, data[:200]))
                    st, _, data = c.raw("POST", "/api/v1/upload", body,
                                        {"Content-Type": "application/json",
                                         "Content-Encoding": "gzip", "X-Pamong-Box": key.hex,
                                         "X-Pamong-Signature": sig})
                    if st != 200 or json.loads(data).get("acked_rev") != rev:
                        raise RuntimeError("upload: %d %s" % (st, data[:200]))
                    with lock:
                        done[0] += 1
                except Exception as e:  # counted and shown; the others go on
                    with lock:
                        errors.append(str(e))
                    c = Client(hub.port)

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        pg_pid = pgtest._cluster.proc.pid if backend == "postgresql" else None
        pg_cpu0 = tree_cpu(pg_pid) if pg_pid else 0.0
        t0 = time.monotonic()
        for th in threads:
            th.start()
        peak_rss = rss_start
        while any(th.is_alive() for th in threads):
            peak_rss = max(peak_rss, proc_kb(pid, "VmRSS"))
            time.sleep(0.1)
        took = time.monotonic() - t0
        hwm = proc_kb(pid, "VmHWM")
        (nl,), = hub.rows("SELECT count(*) FROM learners")
        (ns,), = hub.rows("SELECT count(*) FROM summaries")
        cpu = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        hub_cpu = (int(cpu[11]) + int(cpu[12])) / os.sysconf("SC_CLK_TCK")
        pg_cpu = tree_cpu(pg_pid) - pg_cpu0 if pg_pid else None
    except Exception as e:
        say("hub ingest: not run: %s" % e)
        row("%s of %d first syncs" % (tag, BOXES), "not run", "-", str(e).splitlines()[0][:60])
        not_run += 1
        return
    finally:
        hub.cleanup()
    if errors:
        say("hub ingest: %d boxes failed, first: %s" % (len(errors), errors[0]))
    row(tag + ": boxes synced (%d learners each)" % BOX_LEARNERS, "%d/%d" % (done[0], BOXES),
        "%d/%d" % (BOXES, BOXES), verdict(done[0] == BOXES))
    row(tag + ": rows stored (learners / summaries)", "%d / %d" % (nl, ns),
        "%d / %d" % (BOXES * BOX_LEARNERS, BOXES * BOX_LEARNERS * len(COURSES)),
        verdict(nl == BOXES * BOX_LEARNERS and ns == BOXES * BOX_LEARNERS * len(COURSES)))
    limit = 60.0 * BOXES / 1000  # the target: 1,000 boxes in under 60 s
    row(tag + ": time for all %d boxes" % BOXES, "%.1f s" % took, "< %.0f s" % limit,
        verdict(took < limit and done[0] == BOXES))
    row(tag + ": boxes/s (%d at a time)" % CLIENTS, "%.1f" % (done[0] / took),
        ">= 16.7 (1,000 in 60 s)", verdict(done[0] / took >= 1000 / 60.0))
    row(tag + ": hub CPU time (start + ingest)", "%.1f s" % hub_cpu, "(info)")
    if pg_cpu is not None:
        row(tag + ": PostgreSQL server CPU time (ingest)", "%.1f s" % pg_cpu, "(info)")
    row(tag + ": hub VmHWM (peak RSS)", "%.1f MB" % (hwm / 1024), "< 100 MB",
        verdict(0 < hwm < 100 * 1024))
    row(tag + ": hub RSS before / peak",
        "%.1f / %.1f MB" % (rss_start / 1024, peak_rss / 1024), "(info)")


def main():
    t0 = time.time()
    load = open("/proc/loadavg").read().split()[:3]
    if "size" in PARTS:
        bench_upload_size()
    for backend in BACKENDS if "ingest" in PARTS else ():
        bench_hub_ingest(backend)
    lines = ["", "%-52s %-20s %-30s %s" % ("bench", "measured", "reference", "verdict")]
    lines += ["%-52s %-20s %-30s %s" % r for r in rows]
    lines += ["", "%d cores, load average %s at start (other work on this machine skews the"
              " figures), %s, %d s; sync bench (tests/bench/sync_bench.py)"
              % (os.cpu_count(), " ".join(load),
                 time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), time.time() - t0)]
    text = "\n".join(lines)
    print(text, flush=True)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "sync.txt"), "w") as f:
        f.write(text + "\n")
    if not_run:
        say("%d sync bench part(s) could not run" % not_run)
    return 1 if not_run else 0


if __name__ == "__main__":
    sys.exit(main())
