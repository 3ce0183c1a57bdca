"""Several pamong-hub processes sharing one PostgreSQL database (docs/HUB.md):
two real hubs on one database of a test cluster of its own (tests/lib/pgtest.py),
nginx in front of both (round robin), boxes enrolling and uploading through
hub A, hub B and nginx at once, every chunk sent several times in shuffled
order while later chunks change earlier rows. Afterwards the tables hold
exactly what the boxes hold: no row lost, none doubled, every row at its
newest rev. Also: one enrollment code used through both hubs at once enrolls
one box. Runs on its own cluster whatever PB_HUB_DB says."""

import os
import random
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Client, eq, free_port, ok, run_tests  # noqa: E402
from hubtest import BoxKey, Hub, chunk, enroll, learner, summary, upload  # noqa: E402
import pgtest  # noqa: E402
from nginxtest import Nginx  # noqa: E402

BOXES = 6
CHUNKS = 5           # per box
NEW_PER_CHUNK = 40   # new learners per chunk; each chunk also changes 10 earlier ones
COURSES = ("desa-keuangan", "desa-administrasi")
COPIES = 3           # every chunk is sent this many times during the storm

cluster = pgtest.Cluster()
dbname = cluster.create_db("shared")
url = cluster.url(dbname)
hub_a = Hub(db_url=url, extra_conf="[auth]\nlogin_attempts = 4\n").start()
hub_b = Hub(db_url=url, extra_conf="[auth]\nlogin_attempts = 4\n").start()
nginx_port = free_port()
nginx = None


def start_nginx():
    global nginx
    if shutil.which("nginx") is None:
        return False
    nginx = Nginx(prefix="pb-pg-nginx-")
    nginx.write("""  upstream hubs { server 127.0.0.1:%(a)d; server 127.0.0.1:%(b)d; keepalive 8; }
  server {
    listen 127.0.0.1:%(port)d;
    client_max_body_size 2m;
    location / { proxy_pass http://hubs; proxy_http_version 1.1;
      proxy_set_header Connection ""; }
  }
""" % {"a": hub_a.port, "b": hub_b.port, "port": nginx_port})
    return nginx.start(lambda: Client(nginx_port).get("/api/v1/health")[0] == 200)


def stop_nginx():
    if nginx is not None:
        nginx.stop()


def ports():
    return [hub_a.port, hub_b.port] + ([nginx_port] if nginx is not None else [])


def test_two_hubs_share_one_database():
    ok(start_nginx(), "nginx in front of both hubs answers", nginx.errors() if nginx else "")
    eq(hub_a.rows("SELECT version FROM schema_version"), [(9,)],
       "the two hubs migrated the shared database once, to the same version")
    code = hub_a.enroll_code()
    st, _ = enroll(hub_b.client(), BoxKey(), code)
    eq(st, 201, "a code made by hub A enrolls a box through hub B")


def test_one_code_through_both_hubs_at_once_enrolls_one_box():
    for round_ in range(5):
        code = hub_a.enroll_code()
        keys = [BoxKey() for _ in ports()]
        got = [None] * len(keys)
        barrier = threading.Barrier(len(keys))

        def go(i):
            barrier.wait()
            got[i] = enroll(Client(ports()[i]), keys[i], code)[0]
        ts = [threading.Thread(target=go, args=(i,)) for i in range(len(keys))]
        [t.start() for t in ts]
        [t.join() for t in ts]
        if sorted(got) != [201] + [409] * (len(keys) - 1):
            break
    eq(sorted(got), [201] + [409] * (len(keys) - 1),
       "one code sent by %d boxes at once through hub A, hub B and nginx: one 201,"
       " the rest 409 (5 rounds)" % len(keys))
    eq(hub_a.rows("SELECT count(*) FROM boxes WHERE key IN (%s)"
                  % ",".join("?" * len(keys)), *[k.hex for k in keys]), [(1,)],
       "and only one of those boxes is stored")


def make_box(rng):
    """A box's chunks and what its tables hold after all of them."""
    key = BoxKey()
    rev = 0
    ids = []
    final_l, final_s = {}, {}
    chunks = []
    for n in range(CHUNKS):
        lrows, srows = [], []
        from_rev = rev
        for _ in range(NEW_PER_CHUNK):
            rev += 1
            row = learner(rev, village="33.02.01.%04d" % rng.randint(2001, 2020),
                          name="Peserta %d" % rev)
            ids.append(row["id"])
            lrows.append(row)
        for lid in rng.sample(ids[:-NEW_PER_CHUNK] or ids, min(10, len(ids))):
            rev += 1   # a later change of an earlier learner
            lrows.append(learner(rev, name="Diubah %d" % rev, lid=lid))
        for lid in ids[-NEW_PER_CHUNK:]:
            for course in COURSES:
                rev += 1
                srows.append(summary(lid, course, rev, status=rng.choice(
                    ["in_progress", "completed"]), completed_at=1764403000000 + rev))
        for r in lrows:
            final_l[r["id"]] = r
        for r in srows:
            final_s[(r["learner"], r["course"])] = r
        chunks.append(chunk(key, from_rev, rev, n + 1, lrows, srows))
    return key, chunks, final_l, final_s


def test_boxes_uploading_through_both_hubs_at_once_lose_and_double_nothing():
    rng = random.Random(14)
    boxes = [make_box(rng) for _ in range(BOXES)]
    for key, _, _, _ in boxes:
        st, _ = enroll(Client(ports()[-1]), key, hub_a.enroll_code())
        eq(st, 201, "box %s enrolls through %s" % (key.box_id[:8],
                                                   "nginx" if nginx else "hub B"))
    jobs = []
    for key, chunks, _, _ in boxes:
        for ch in chunks:
            for copy in range(COPIES):
                jobs.append((key, ch))
    rng.shuffle(jobs)   # replays and later chunks before earlier ones
    lock = threading.Lock()
    status = {}

    def worker(wid):
        clients = [Client(p) for p in ports()]
        while True:
            with lock:
                if not jobs:
                    return
                key, ch = jobs.pop()
            st, _, _ = upload(clients[rng.randrange(len(clients))], key, ch)
            with lock:
                status[st] = status.get(st, 0) + 1
    ts = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    eq(status, {200: BOXES * CHUNKS * COPIES},
       "every upload of the storm was answered 200 (8 at once, shuffled, %d copies)" % COPIES)
    # the box resends from its acked rev: in order, once, through hub B
    for key, chunks, _, _ in boxes:
        for ch in chunks:
            upload(hub_b.client(), key, ch)
    want_l, want_s, acked = [], [], []
    for key, chunks, final_l, final_s in boxes:
        for r in final_l.values():
            want_l.append((key.box_id, r["id"], r["name"], r["village"], r["rev"]))
        for r in final_s.values():
            want_s.append((key.box_id, r["learner"], r["course"], r["status"],
                           r["completed_at"], r["rev"]))
        acked.append((key.hex, chunks[-1]["chunk"]["to_rev"]))
    keys = [b[0].box_id for b in boxes]
    marks = ",".join("?" * len(keys))
    eq(hub_a.rows("SELECT box, id, name, village, rev FROM learners WHERE box IN (%s)"
                  " ORDER BY box, id" % marks, *keys), sorted(want_l),
       "learners: exactly the boxes' rows, each at its newest rev (%d rows)" % len(want_l))
    eq(hub_b.rows("SELECT box, learner, course, status, completed_at, rev FROM summaries"
                  " WHERE box IN (%s) ORDER BY box, learner, course" % marks, *keys),
       sorted(want_s), "summaries: exactly the boxes' rows (%d rows)" % len(want_s))
    eq(hub_a.rows("SELECT key, acked_rev FROM boxes WHERE box_id IN (%s) ORDER BY key"
                  % marks, *keys), sorted(acked), "every box's acked rev is its last rev")
    ok("error" not in hub_a.logtext().lower() + hub_b.logtext().lower(),
       "neither hub logged a database error", hub_a.logtext() + hub_b.logtext())


def test_the_login_limit_holds_across_the_hubs():
    """Wrong passwords through hub A and hub B (and nginx, which spreads its
    requests over both) count together: the address cools down after
    auth.login_attempts failures in all, on every hub."""
    hub_a.add_user("staf", "Kebun-Kopi-42")
    hubs = [hub_a.port, hub_b.port, hub_a.port, hub_b.port]
    got = [Client(p).post("/api/v1/hub/login", {"name": "staf", "password": "salah"})[0]
           for p in hubs]
    eq(got, [401] * 4, "four wrong passwords, two through each hub: 401")
    for p, which in ((hub_a.port, "hub A"), (hub_b.port, "hub B")) + \
            (((nginx_port, "nginx"),) if nginx is not None else ()):
        st, body, hdrs = Client(p).post("/api/v1/hub/login",
                                        {"name": "staf", "password": "Kebun-Kopi-42"})
        eq((st, (body or {}).get("error")), (429, "cooldown"),
           "then %s makes the address wait, even with the right password" % which)
    eq(hub_a.rows("SELECT fails FROM login_limits WHERE key = 'a:127.0.0.1'"), [(4,)],
       "one count of the address's failures, in the shared database")


def test_hubs_carry_on_after_the_database_restarts():
    k = BoxKey()
    eq(enroll(hub_a.client(), k, hub_a.enroll_code())[0], 201, "a box enrolls")
    cluster.restart()
    got = []
    for i in range(40):   # more requests than either hub's pool has connections
        hub = (hub_a, hub_b)[i % 2]
        got.append(upload(hub.client(), k, chunk(k, 0, 1, i + 1, [learner(1)]))[0])
    eq(got, [200] * 40, "after PostgreSQL restarted every upload through both hubs is"
       " answered 200 at the first try (dead connections are replaced)")
    st, body, _ = hub_b.client().get("/api/v1/health")
    eq((st, (body or {}).get("db")), (200, "ok"), "health says the database is ok")


def test_stop():
    stop_nginx()
    hub_a.stop()
    hub_b.stop()
    cluster.stop()
    ok(True, "hubs, nginx and the cluster stopped")


run_tests(globals())
