"""pamong-hub migrate: an existing SQLite hub's data moved to PostgreSQL
(docs/HUB.md), and the read-only bi views a BI tool queries. Starts a real
SQLite hub, fills it through its API, stops it, migrates into a database of
a test cluster of its own (tests/lib/pgtest.py) and starts a hub on that."""

import gzip
import os
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import AREA_FILE, Client, eq, ok, run_tests  # noqa: E402
from hubtest import BoxKey, Hub, chunk, enroll, learner, summary, upload  # noqa: E402
import pgtest  # noqa: E402

PASSWORD = "Kebun-Kopi-42"
cluster = pgtest.Cluster()
url = cluster.url(cluster.create_db("migrated"))
old = Hub(backend="sqlite", area_file=AREA_FILE).start()
keys = [BoxKey(), BoxKey()]
state = {}


def all_rows(hub):
    """Every table, sorted, as Python values."""
    out = {}
    for t in ("boxes", "enroll_codes", "learners", "summaries", "uploads", "users",
              "sessions", "learner_merges"):
        out[t] = sorted(hub.rows("SELECT * FROM %s" % t), key=repr)
    return out


def login(port):
    c = Client(port)
    st, _, _ = c.post("/api/v1/hub/login", {"name": "staf", "password": PASSWORD})
    return c if st == 200 else None


def test_fill_the_sqlite_hub():
    old.add_user("staf", PASSWORD)
    for i, k in enumerate(keys):
        eq(enroll(old.client(), k, old.enroll_code(), name="Kotak %d" % i)[0], 201,
           "box %d enrolls on the SQLite hub" % i)
        ls = [learner(r, village="33.02.01.200%d" % (r % 3 + 1), name="Sri 'Ayu' \"%d\" Dewi"
                      % r) for r in range(1, 31)]
        ls[0]["time_source"] = {"registered_at": "phone"}
        ss = [summary(l["id"], "desa-keuangan", 30 + j, status="completed" if j % 2 else
                      "in_progress", score=None if j % 5 == 0 else 70 + j)
              for j, l in enumerate(ls)]
        ss[1]["time_source"] = {"completed_at": "hub", "first_activity": "none"}
        ss[1]["times_corrected"] = True
        body = chunk(k, 0, 60, 1, ls, ss)
        # a merge recorded on the box before its first sync: the learner
        # merged away was never uploaded, its record moves with the rest
        body["merges"] = [{"from": str(uuid.uuid4()), "into": ls[0]["id"], "rev": 60}]
        eq(upload(old.client(), k, body)[1], {"acked_rev": 60},
           "box %d's first sync is stored" % i)
    old.enroll_code()  # an unused code moves too
    staff = login(old.port)
    ok(staff is not None, "staff log in to the SQLite hub")
    state["areas"] = staff.get("/api/v1/hub/areas?unit=33.02")[1]
    state["csv"] = staff.raw("GET", "/api/v1/hub/learners?format=csv")[2]
    state["cookies"] = dict(staff.cookies)
    old.stop()
    state["rows"] = all_rows(old)


def test_migrate_copies_every_row():
    rc, out, err = old.cmd("migrate", "--from", os.path.join(old.tmp, "hub.db"), "--to", url)
    eq(rc, 0, "pamong-hub migrate exits 0" + ("" if rc == 0 else ": " + err))
    ok("learners       60 rows" in out and "summaries      60 rows" in out and
       "learner_merges 2 rows" in out, "it prints each table's rows", out)
    new = Hub(db_url=url, area_file=AREA_FILE)
    state["new"] = new
    eq(all_rows(new), state["rows"], "every table on PostgreSQL equals the SQLite hub's")


def test_migrate_refuses_a_database_with_rows():
    before = all_rows(state["new"])
    secret = url.replace("pamong@", "pamong:Rahasia-Sekali@")  # trust auth ignores it
    rc, _, err = old.cmd("migrate", "--from", os.path.join(old.tmp, "hub.db"), "--to",
                         secret)
    eq(rc, 1, "migrate into a database that has rows exits 1")
    ok("empty" in err, "and says it copies into an empty hub database only", err)
    ok("Rahasia" not in err and "pamong:***@" in err,
       "the password in the URL is not printed", err)
    eq(all_rows(state["new"]), before, "and changed nothing there")
    rc, _, err = old.cmd("migrate", "--from", os.path.join(old.tmp, "hub.db"))
    eq(rc, 2, "migrate without --to is a usage error")


def test_the_hub_on_postgresql_serves_the_migrated_data():
    new = state["new"].start()
    staff = Client(new.port)
    staff.cookies = dict(state["cookies"])
    st, body, _ = staff.get("/api/v1/hub/areas?unit=33.02")
    eq(st, 200, "a session made on the SQLite hub still works")
    eq(body, state["areas"], "the areas table is the same on PostgreSQL")
    eq(staff.raw("GET", "/api/v1/hub/learners?format=csv")[2], state["csv"],
       "the learners CSV is byte for byte the same")
    ok(login(new.port) is not None, "the migrated password logs in")
    k = keys[0]
    st, ans, _ = upload(new.client(), k, chunk(k, 60, 61, 2, [learner(61)], [], {
        "version": "0.2.0", "disk_free": 10 ** 9, "disk_total": 8 * 10 ** 9, "clock": "hub",
        "db": "degraded", "db_reason": "restored from a backup", "db_lost_writes": 2}))
    eq((st, ans), (200, {"acked_rev": 61}), "the box syncs on where it left off")


def test_bi_views_are_read_only_and_hide_secrets():
    admin = cluster.connect("migrated")
    admin.autocommit = True
    cur = admin.cursor()
    cur.execute("CREATE ROLE bi_reader LOGIN")
    cur.execute("GRANT USAGE ON SCHEMA bi TO bi_reader")
    cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA bi TO bi_reader")
    admin.close()
    p = cluster.params("migrated")
    p["user"] = "bi_reader"
    bi = pgtest.psycopg2.connect(**p)
    bi.autocommit = True
    got = pgtest.rows(bi, "SELECT count(*), count(*) FILTER (WHERE completed_at IS NOT NULL),"
                      " count(DISTINCT province_code) FROM bi.course_progress")
    eq(got, [(60, 30, 1)], "bi.course_progress: every summary, completion times, areas")
    got = pgtest.rows(bi, "SELECT name, village_code, regency_code FROM bi.learners"
                      " WHERE name = ?", ("Sri 'Ayu' \"1\" Dewi",))
    eq(sorted(got), [("Sri 'Ayu' \"1\" Dewi", "33.02.01.2002", "33.02")] * 2,
       "bi.learners: names and region codes")
    got = pgtest.rows(bi, "SELECT province_name, regency_name, district_name, village_name"
                      " FROM bi.course_progress WHERE village_code = '33.02.01.2002' LIMIT 1")
    eq(got, [("Jawa Tengah", "Kabupaten Banyumas", "Lumbir", "Canduk")],
       "bi.course_progress names the province, regency, district and village")
    eq(pgtest.rows(bi, "SELECT count(*) FROM bi.learners WHERE village_name IS NULL"), [(0,)],
       "bi.learners names every learner's village")
    got = pgtest.rows(bi, "SELECT level, count(*) FROM bi.regions GROUP BY 1 ORDER BY 1")
    with gzip.open(AREA_FILE, "rt", encoding="utf-8") as f:
        lens = [len(line.split("\t", 1)[0]) for line in f if "\t" in line]
    eq(got, [("district", lens.count(8)), ("province", lens.count(2)),
             ("regency", lens.count(5)), ("village", lens.count(13))],
       "bi.regions: every region of the Kemendagri list, by level")
    eq(pgtest.rows(bi, "SELECT name, province_code, regency_code FROM bi.regions"
                   " WHERE code = '33.02.01'"), [("Lumbir", "33", "33.02")],
       "bi.regions: a district's name and its province and regency")
    eq(pgtest.rows(bi, "SELECT count(*) FROM bi.boxes WHERE last_seen IS NOT NULL"), [(2,)],
       "bi.boxes: both boxes with a last-seen time")
    eq(pgtest.rows(bi, "SELECT disk_total, db_state, db_reason, db_lost_writes FROM bi.boxes"
                   " WHERE db_state IS NOT NULL"),
       [(8 * 10 ** 9, "degraded", "restored from a backup", 2)],
       "bi.boxes: disk size, database state, its reason and the writes lost")
    eq(pgtest.rows(bi, "SELECT count(*) FROM bi.uploads"), [(3,)], "bi.uploads")
    for sql, what in (("SELECT * FROM public.users", "the users' password hashes"),
                      ("SELECT * FROM public.sessions", "sessions"),
                      ("DELETE FROM bi.learners", "deleting through a view"),
                      ("UPDATE bi.boxes SET name = 'x'", "changing through a view")):
        try:
            pgtest.rows(bi, sql)
            ok(False, "a BI user is refused %s" % what)
        except pgtest.psycopg2.Error as e:
            ok("permission denied" in str(e), "a BI user is refused %s" % what, str(e))
    bi.close()


def test_stop():
    state["new"].stop()
    cluster.stop()
    ok(True, "hub and cluster stopped")


run_tests(globals())
