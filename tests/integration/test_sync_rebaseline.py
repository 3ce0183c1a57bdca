"""Sync when the box's database went back in time, and sync as an optional part.

A box whose -wal was deleted after a crash has lost writes the hub already
holds, and its rev went backwards: new rows would carry revs the hub thinks
old and be skipped. pamongd records the highest rev it ever sent outside the
database (sync.sent) and, finding no row that high at start, gives every row a
new rev and sends everything again, so that the hub converges on what the box
holds. A damaged sync.key disables sync with the reason in health; learners
keep learning. Real pamongd and pamong-hub on free ports."""

import gzip
import http.server
import json
import os
import shutil
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, free_port, ok, run_tests  # noqa: E402
from hubtest import Hub  # noqa: E402

PIN = "246813"
COURSE = "desa-administrasi"


def sync_box(hub):
    box = Box(extra_conf="[storage]\nbackup_interval_s = 0\n"
              "[learners]\nregistrations_per_source = 0\n")
    with open(box.conf, "a") as f:
        f.write("[sync]\nhub_url = http://127.0.0.1:%d\nenroll_code = %s\nwatch_netlink = no\ninterval_s = 10\n"
                % (hub.port, hub.enroll_code()))
    return box


def register(box, name):
    c = box.client()
    village = c.get("/api/v1/villages")[1]["villages"][0]["code"]
    st, me, _ = c.post("/api/v1/register", {"name": name, "position": "staf-desa",
                                            "village": village, "pin": PIN})
    return c if st == 201 else None


def login(box, name):
    c = box.client()
    return c if c.post("/api/v1/login", {"name": name, "pin": PIN})[0] == 200 else None


def complete(c, n):
    lessons = [l["id"] for l in c.get("/api/v1/courses/" + COURSE)[1]["lessons"]]
    for lesson in lessons[:n]:
        st, _, _ = c.post("/api/v1/courses/%s/lessons/%s/complete" % (COURSE, lesson),
                          {"seconds": 30})
        if st != 200:
            return st
    return 200


def synced(box, since=0, timeout=30):
    """Wait until a round that started after since (wall seconds) uploaded
    everything; the box's sync status."""
    deadline = time.time() + timeout
    s = {}
    while time.time() < deadline:
        s = box.client().get("/api/v1/health")[1]["sync"]
        if (s.get("last_success") or 0) > since * 1000 and (s.get("last_attempt") or 0) > \
                since * 1000 and s.get("pending") == 0 and not s.get("last_error"):
            return s
        time.sleep(0.1)
    raise RuntimeError("the box did not finish its upload: %s\n%s" % (s, box.logtext()))


def box_rows(box):
    c = sqlite3.connect(box.db)
    try:
        learners = sorted(c.execute("SELECT id, name, rev FROM learners"))
        sums = sorted(c.execute("SELECT learner, course, lessons_done, rev FROM course_summary"))
        rev = c.execute("SELECT max(rev) FROM events").fetchone()[0]
    finally:
        c.close()
    return learners, sums, rev


def hub_rows(hub, box_id):
    learners = sorted(hub.rows("SELECT id, name, rev FROM learners WHERE box = ?", box_id))
    sums = sorted(hub.rows("SELECT learner, course, lessons_done, rev FROM summaries"
                           " WHERE box = ?", box_id))
    acked = hub.rows("SELECT acked_rev FROM boxes WHERE box_id = ?", box_id)
    return learners, sums, acked[0][0] if acked else None


def test_wal_deleted_after_crash_rebaselines_and_the_hub_converges():
    hub = Hub().start()
    box = sync_box(hub).start()
    box_id = box.client().get("/api/v1/health")[1]["box_id"]
    c = register(box, "Ani Lestari")
    ok(c is not None, "a learner registers")
    eq(complete(c, 1), 200, "she completes a lesson")
    synced(box)
    eq(box.stop(), 0, "the box stops cleanly (checkpoint, backup)")
    box.start()
    mark = os.path.join(box.tmp, "pamong.db.mark")
    shutil.copy(mark, mark + ".saved")
    c = login(box, "Ani Lestari")
    eq(complete(c, 3), 200, "she completes more lessons (in the -wal only)")
    ok(register(box, "Budi Santoso") is not None, "another learner registers (in the -wal only)")
    s = synced(box, since=time.time())  # the next round (interval_s = 10) uploads them
    _, _, hub_acked = hub_rows(hub, box_id)
    ok(hub_acked is not None and hub_acked >= 4, "the hub holds the writes in the -wal", hub_acked)
    box.kill9()
    for sfx in ("-wal", "-shm"):
        os.remove(box.db + sfx)
    # the crash came before the rev recorded beside the file caught up
    os.replace(mark + ".saved", mark)
    box.start()
    learners, sums, rev = box_rows(box)
    ok(rev > hub_acked, "the box's revs are re-based above what the hub holds (%s > %s)"
       % (rev, hub_acked), box.logtext())
    ok("sent again" in box.logtext(), "the log says the rows are sent again")
    c = login(box, "Ani Lestari")
    ok(c is not None, "the learner from before the crash logs in")
    eq(complete(c, 2), 200, "she completes a lesson again after the loss")
    ok(register(box, "Citra Dewi") is not None, "a new learner registers after the loss")
    box.stop()
    box.start()  # a start uploads at once
    s = synced(box)
    learners, sums, rev = box_rows(box)
    h_learners, h_sums, h_acked = hub_rows(hub, box_id)
    eq(h_acked, rev, "the hub acknowledges the box's highest rev")
    eq(s["acked_rev"], rev, "the box's cursor is its highest rev")
    eq([r for r in h_learners if r[0] in {x[0] for x in learners}], learners,
       "every learner the box holds is on the hub as the box holds it")
    eq([r for r in h_sums if (r[0], r[1]) in {(x[0], x[1]) for x in sums}], sums,
       "every summary the box holds is on the hub as the box holds it")
    ok(any(r[1] == "Citra Dewi" for r in h_learners), "the learner after the loss reached the hub")
    box.cleanup()
    hub.cleanup()


def test_damaged_sync_key_disables_sync_only():
    hub = Hub().start()
    for size in (0, 10):
        box = sync_box(hub)
        with open(os.path.join(box.tmp, "sync.key"), "wb") as f:
            f.write(os.urandom(size))
        box.start()
        h = box.client().get("/api/v1/health")[1]
        eq(h["state"], "serving", "sync.key of %d bytes: the box serves" % size)
        eq(h["sync"]["state"], "disabled", "sync.key of %d bytes: sync is disabled" % size)
        ok("sync.key" in (h["sync"]["last_error"] or ""),
           "sync.key of %d bytes: health says why" % size, h["sync"])
        c = register(box, "Dedi Kurnia")
        ok(c is not None, "sync.key of %d bytes: a learner registers" % size)
        eq(complete(c, 1), 200, "sync.key of %d bytes: and learns" % size)
        box.cleanup()
    hub.cleanup()


class FakeHub(http.server.BaseHTTPRequestHandler):
    """Answers as a hub and keeps the health of every upload."""
    uploads = []

    def log_message(self, *a):
        pass

    def answer(self, obj):
        b = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        self.answer({"program": "pamong-hub"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/api/v1/upload":
            j = json.loads(gzip.decompress(body))
            FakeHub.uploads.append(j["health"])
            self.answer({"acked_rev": j["chunk"]["to_rev"]})
        else:
            self.answer({})


def test_upload_says_the_storage_is_degraded():
    port = free_port()
    srv = http.server.HTTPServer(("127.0.0.1", port), FakeHub)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    box = Box(packs=False)
    box.start()
    ok(register(box, "Eka Putri") is not None, "a learner registers")
    box.stop()
    with open(box.db, "r+b") as f:
        f.write(b"\xde\xad" * 50)  # a damaged header: restored from the backup
    open(os.path.join(box.tmp, "sync.enrolled"), "w").close()
    with open(box.conf, "a") as f:
        f.write("[sync]\nhub_url = http://127.0.0.1:%d\nwatch_netlink = no\n" % port)
    box.start()
    deadline = time.time() + 20
    while not FakeHub.uploads and time.time() < deadline:
        time.sleep(0.1)
    box.stop()
    srv.shutdown()
    h = FakeHub.uploads[0] if FakeHub.uploads else {}
    eq(h.get("db"), "degraded", "the next upload's health says the storage is degraded")
    ok("restored from the backup" in (h.get("db_reason") or ""),
       "and that it was restored from a backup", h)
    eq(h.get("db_lost_writes"), 0, "and how many writes were lost")
    box.cleanup()


def test_no_usable_backup_keeps_the_box_id_and_the_hub_takes_it_again():
    """The database and every backup damaged: the box starts with an empty
    database, but its id lives beside its key (box.id), so the hub, which
    refuses a known key under another id (box_mismatch), takes its uploads
    again, re-baselined above everything it already holds."""
    hub = Hub().start()
    box = sync_box(hub).start()
    box_id = box.client().get("/api/v1/health")[1]["box_id"]
    with open(os.path.join(box.tmp, "box.id")) as f:
        eq(f.read().strip(), box_id, "the box id is kept beside the key in box.id")
    c = register(box, "Fajar Nugroho")
    ok(c is not None, "a learner registers")
    eq(complete(c, 2), 200, "he completes lessons")
    synced(box, since=time.time())  # the next round (interval_s = 10) uploads them
    eq(box.stop(), 0, "the box stops cleanly (and backs up)")
    _, _, hub_acked = hub_rows(hub, box_id)
    ok(hub_acked, "the hub holds the box's rows", hub_acked)
    with open(box.db, "r+b") as f:
        f.write(b"\xde\xad" * 50)
    bdir = os.path.join(box.tmp, "backups")
    for name in os.listdir(bdir):
        with open(os.path.join(bdir, name), "r+b") as f:
            f.write(b"\xbe\xef" * 50)
    box.start()
    h = box.client().get("/api/v1/health")[1]
    eq(h["state"], "degraded", "no usable backup: the box serves, degraded")
    ok("no backup was usable" in h["db"], "health says no backup was usable", h["db"])
    eq(h["box_id"], box_id, "the box keeps its id with an empty database")
    ok(register(box, "Gita Puspita") is not None, "a learner registers on the empty database")
    box.stop()
    box.start()  # a start uploads at once
    s = synced(box)
    learners, _, rev = box_rows(box)
    h_learners, _, h_acked = hub_rows(hub, box_id)
    ok(rev > hub_acked, "the new rows' revs are above what the hub held (%s > %s)"
       % (rev, hub_acked))
    eq(h_acked, rev, "the hub acknowledges the box's highest rev (no box_mismatch)")
    eq(s["acked_rev"], rev, "the box's cursor is its highest rev")
    ok(any(r[1] == "Gita Puspita" for r in h_learners), "the new learner reached the hub",
       h_learners)
    ok(any(r[1] == "Fajar Nugroho" for r in h_learners),
       "the lost learner stays on the hub as it was")
    eq(hub.rows("SELECT count(*) FROM boxes")[0][0], 1, "the hub still knows one box")
    box.stop()
    # a damaged box.id is written again from the database
    with open(os.path.join(box.tmp, "box.id"), "wb") as f:
        f.write(box_id[:10].encode())
    box.start()
    eq(box.client().get("/api/v1/health")[1]["box_id"], box_id,
       "box.id of 10 bytes: the box keeps its id from the database")
    box.stop()
    with open(os.path.join(box.tmp, "box.id")) as f:
        eq(f.read().strip(), box_id, "box.id is whole again")
    box.cleanup()
    hub.cleanup()


run_tests(globals())
