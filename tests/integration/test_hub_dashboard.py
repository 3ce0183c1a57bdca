"""pamong-hub's dashboard numbers on a seeded hub: the totals, areas, courses
and the village x course table agree at every level; coverage counts the
Kemendagri villages; course titles; date ranges and time zones; the fleet
and its filters; staff roles (a regency account reads only its regency in
every endpoint and CSV, whatever the URL says); account management and
`add-user` refusing an existing name."""

import csv
import gzip
import io
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import AREA_FILE, Client, eq, ok, run_tests  # noqa: E402
from hubtest import BoxKey, Hub, chunk, enroll, learner, summary, upload  # noqa: E402

PW = "Kebun-Kopi-42"
hub = Hub(area_file=AREA_FILE)
TITLES = os.path.join(hub.tmp, "courses.tsv")
with open(TITLES, "w") as f:
    f.write("desa-administrasi\tAdministrasi Pemerintahan Desa\n"
            "desa-keuangan\tSiklus Keuangan Desa\n"
            "literasi-digital\t=Literasi Digital\n")  # a title a spreadsheet would run
with open(hub.conf, "a") as f:
    f.write("[courses]\nfile = %s\n" % TITLES)
hub.start()
hub.add_user("admin", PW)

with gzip.open(AREA_FILE, "rt", encoding="utf-8") as f:
    REGION = dict(line.rstrip("\n").split("\t")[:2] for line in f if "\t" in line)


def villages_in(unit):
    return sorted(c for c in REGION if len(c) == 13 and c.startswith(unit))


# Three boxes. Banyumas (33.02): 4 learners in two districts; Cilacap (33.01):
# 2 learners; Malang (35.07): 1 learner. One more box enrolled, never seen.
DAY = 86400000
T0 = 1764403000000  # 2025-11-29 07:56:40 UTC = 14:56 WIB
kb, kc, km, kn = BoxKey(), BoxKey(), BoxKey(), BoxKey()
A = learner(1, "33.02.01.2001", "Siti Aminah")
B = learner(2, "33.02.01.2001", "Budi Santoso")
C = learner(3, "33.02.01.2002", "Citra")
D = learner(4, "33.02.02.2003", "Dewi")
E = learner(1, "33.01.01.2001", "Eko")
F = learner(2, "33.01.01.2002", "Fajar")
G = learner(1, "35.07.01.2001", "Gita")


def setup():
    hc = hub.client()
    for k, name in ((kb, "Kotak Banyumas"), (kc, "Kotak Cilacap"), (km, "Kotak Malang"),
                    (kn, "Kotak Baru")):
        assert enroll(hc, k, hub.enroll_code(), name)[0] == 201
    # pre-test and post-test (docs/SYNC.md): gains A +40, C +10, E -10; B has
    # no pre-test (-1), D no post-test yet (null): neither counts
    sb = [dict(summary(A["id"], "desa-administrasi", 5, completed_at=T0),
               pre_score=40, post_score=80),
          summary(A["id"], "desa-keuangan", 6, completed_at=T0 + 40 * DAY),
          dict(summary(B["id"], "desa-administrasi", 7, status="in_progress", passed=False,
                       score=40, completed_at=0), pre_score=-1, post_score=40),
          dict(summary(C["id"], "desa-administrasi", 8, completed_at=T0 + DAY),
               times_corrected=True, time_source={"completed_at": "phone"},
               pre_score=70, post_score=80),
          dict(summary(D["id"], "literasi-digital", 9, status="in_progress", passed=False,
                       score=None, completed_at=0), pre_score=30, post_score=None)]
    health = {"version": "0.2.0", "uptime_s": 60, "disk_free": 10 ** 9,
              "disk_total": 8 * 10 ** 9, "db_bytes": 65536, "pending": 3, "clock": "hub",
              "db": "degraded"}
    assert upload(hc, kb, chunk(kb, 0, 9, 1, [A, B, C, D], sb, health))[:2] == \
        (200, {"acked_rev": 9})
    sc = [dict(summary(E["id"], "desa-administrasi", 3, completed_at=T0 + 2 * DAY),
               pre_score=90, post_score=80),
          summary(F["id"], "desa-keuangan", 4, completed_at=T0 + 400 * DAY)]
    assert upload(hc, kc, chunk(kc, 0, 4, 1, [E, F], sc,
                                {"version": "0.2.0", "disk_free": 7 * 10 ** 9,
                                 "disk_total": 8 * 10 ** 9, "pending": 0, "clock": "phone",
                                 "db": "ok"}))[0] == 200
    sm = [summary(G["id"], "desa-administrasi", 2, completed_at=T0)]
    assert upload(hc, km, chunk(km, 0, 2, 1, [G], sm,
                                {"version": "0.1.0", "disk_free": 10 ** 9,
                                 "disk_total": 2 * 10 ** 9, "pending": 0,
                                 "clock": "unknown", "db": "ok"}))[0] == 200
    # Malang was last seen 40 days ago
    hub.rows("UPDATE boxes SET last_seen = ? WHERE box_id = ?",
             int(time.time() * 1000) - 40 * DAY, km.box_id)


setup()


def login(name, password=PW):
    c = Client(hub.port)
    st, body, _ = c.post("/api/v1/hub/login", {"name": name, "password": password})
    if st != 200:
        return None
    c.csrf = body["csrf"]
    return c


admin = login("admin")


def table(body):
    return [dict(zip(body["columns"], r)) for r in body["rows"]]


def get(c, path):
    st, body, _ = c.get(path)
    assert st == 200, (path, st, body)
    return body


def villages_csv(q):
    st, hdrs, data = admin.raw("GET", "/api/v1/hub/villages%s&format=csv" % q)
    assert st == 200, (q, st)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def post(c, path, obj):
    return c.post(path, obj, headers={"X-CSRF-Token": c.csrf})


def test_numbers_agree_at_every_level():
    for unit in ("", "33", "33.02", "33.02.01", "33.02.01.2001"):
        q = "?unit=" + unit if unit else ""
        areas = get(admin, "/api/v1/hub/areas" + q)
        courses = table(get(admin, "/api/v1/hub/courses" + q))
        rows = table(areas)
        name = unit or "Indonesia"
        eq(sum(r["completed"] for r in courses), areas["completions"],
           "%s: the card's completions = the courses table's" % name)
        if rows:
            eq((sum(r["completed"] for r in rows), sum(r["started"] for r in rows),
                sum(r["learners"] for r in rows)),
               (areas["completions"], areas["started"], areas["learners"]),
               "%s: the areas table adds up to the cards" % name)
        if unit:
            # the CSV has every row of the table (a page has 100)
            vil = villages_csv(q)
            eq((sum(int(r["completed"]) for r in vil), sum(int(r["started"]) for r in vil)),
               (areas["completions"], areas["started"]),
               "%s: the village x course table adds up to the cards" % name)
            eq(get(admin, "/api/v1/hub/villages" + q)["villages_reached"],
               areas["villages_reached"], "%s: the table's villages reached = the card's" % name)
    tot = get(admin, "/api/v1/hub/areas")
    eq((tot["learners"], tot["started"], tot["completions"], tot["boxes"]), (7, 8, 6, 3),
       "country: 7 learners, 8 started and 6 completed learner-course pairs, 3 boxes served")


def test_average_gain_per_course_and_area():
    """The gain post_score - pre_score, averaged over the learner-course pairs
    that have both, per course and per area, in JSON and CSV."""
    courses = {r["course"]: r for r in table(get(admin, "/api/v1/hub/courses"))}
    eq([(courses[c]["gain_learners"], courses[c]["avg_gain"]) for c in
        ("desa-administrasi", "desa-keuangan", "literasi-digital")],
       [(3, 13.3), (0, None), (0, None)],
       "courses: (40 + 10 - 10) / 3 for Administrasi; none without both scores")
    a = get(admin, "/api/v1/hub/areas")
    rows = {r["code"]: r for r in table(a)}
    eq((a["gain_learners"], a["avg_gain"], rows["33"]["gain_learners"], rows["33"]["avg_gain"],
        rows["35"]["gain_learners"], rows["35"]["avg_gain"]), (3, 13.3, 3, 13.3, 0, None),
       "areas: the country and Jawa Tengah average 3 pairs, Jawa Timur none")
    rows = {r["code"]: r for r in table(get(admin, "/api/v1/hub/areas?unit=33"))}
    eq((rows["33.02"]["avg_gain"], rows["33.02"]["gain_learners"], rows["33.01"]["avg_gain"]),
       (25.0, 2, -10.0), "regencies: Banyumas +25 over 2, Cilacap -10 (a loss shows)")
    c = {r["course"]: r for r in table(get(admin, "/api/v1/hub/courses?unit=33.02.01.2001"))}
    eq((c["desa-administrasi"]["gain_learners"], c["desa-administrasi"]["avg_gain"]), (1, 40.0),
       "a village: only its learner's gain")
    for path in ("/api/v1/hub/courses?format=csv", "/api/v1/hub/areas?format=csv"):
        st, _, data = admin.raw("GET", path)
        rows = list(csv.reader(io.StringIO(data[3:].decode())))
        eq((st, rows[0][-2:]), (200, ["gain_learners", "avg_gain"]),
           "%s: CSV has the gain columns" % path)
    ok(any(r[0] == "33" and r[-2:] == ["3", "13.3"] for r in rows),
       "the areas CSV carries the average gain", rows[:3])


def test_scores_are_validated():
    """pre_score and post_score: 0-100, -1 or null for none; anything else
    refuses the chunk and stores nothing."""
    hc = hub.client()
    before = hub.snapshot()
    for bad in (101, -2, "50", 12.5, True):
        st, body = upload(hc, kn, chunk(kn, 0, 1, 1, [], [
            dict(summary(A["id"], "desa-administrasi", 1), pre_score=bad)]))[:2]
        eq((st, body.get("error")), (400, "invalid_field"), "pre_score %r is refused" % (bad,))
        st, body = upload(hc, kn, chunk(kn, 0, 1, 1, [], [
            dict(summary(A["id"], "desa-administrasi", 1), post_score=bad)]))[:2]
        eq((st, body.get("error")), (400, "invalid_field"), "post_score %r is refused" % (bad,))
    eq(hub.snapshot(), before, "nothing stored")
    def key(t):
        return tuple(-1 if v is None else v for v in t)
    eq(sorted((tuple(r) for r in hub.rows(
        "SELECT pre_score, post_score FROM summaries WHERE course = 'desa-administrasi'"
        " OR course = 'literasi-digital'")), key=key),
       sorted([(40, 80), (None, 40), (70, 80), (30, None), (90, 80), (None, None)], key=key),
       "stored as sent; -1 and null both as none (NULL)")


def test_boxes_card_counts_boxes_that_served_the_area():
    eq([get(admin, "/api/v1/hub/areas?unit=" + u)["boxes"] for u in ("33", "33.02", "35",
                                                                      "11")],
       [2, 1, 1, 0], "boxes: Jawa Tengah 2, Banyumas 1, Jawa Timur 1, Aceh 0")


def test_coverage_counts_kemendagri_villages():
    body = get(admin, "/api/v1/hub/areas?unit=33.02")
    eq((body["villages"], body["villages_reached"]), (len(villages_in("33.02")), 3),
       "Banyumas: every village in the list, 3 with learners")
    lumbir = [r for r in table(body) if r["code"] == "33.02.01"][0]
    eq((lumbir["villages"], lumbir["villages_reached"], lumbir["learners"]),
       (len(villages_in("33.02.01")), 2, 3), "Lumbir: villages reached of all, learners")
    ok(abs(lumbir["villages_percent"] - 200.0 / len(villages_in("33.02.01"))) < 0.01,
       "villages_percent is reached of all villages", lumbir)


def test_village_by_course_table():
    body = get(admin, "/api/v1/hub/villages?unit=33.02.01")
    rows = table(body)
    eq(len(rows), len(villages_in("33.02.01")) * 3, "every village of Lumbir x 3 courses")
    r = [x for x in rows if x["village_code"] == "33.02.01.2001"
         and x["course"] == "desa-administrasi"][0]
    eq((r["province"], r["regency"], r["district"], r["village"], r["course_title"],
        r["learners"], r["started"], r["completed"], r["status"]),
       ("Jawa Tengah", "Kabupaten Banyumas", "Lumbir", "Cirahab",
        "Administrasi Pemerintahan Desa", 2, 2, 1, "sebagian selesai"),
       "Cirahab x Administrasi: names, title, 1 of 2 completed, status in words")
    empty = [x for x in rows if x["learners"] == 0][0]
    eq(empty["status"], "belum ada peserta", "a village without learners says so")
    st, hdrs, data = admin.raw("GET", "/api/v1/hub/villages?unit=33.02.01&format=csv&lang=en")
    eq(st, 200, "the village x course table exports as CSV")
    rows = list(csv.reader(io.StringIO(data[3:].decode())))
    eq(rows[0], ["province_code", "province", "regency_code", "regency", "district_code",
                 "district", "village_code", "village", "course", "course_title", "learners",
                 "started", "completed", "percent", "status"], "CSV columns: names and codes")
    ok(["33.02.01.2001", "Cirahab", "desa-administrasi", "Administrasi Pemerintahan Desa"]
       == [x for x in rows if x[6] == "33.02.01.2001" and x[8] == "desa-administrasi"][0][6:10],
       "CSV rows carry the course id and title")
    ok(any(x[9] == "'=Literasi Digital" for x in rows), "a formula-like title is defused")
    ok(any(x[14] == "partly completed" for x in rows) and
       any(x[14] == "no learners yet" for x in rows), "lang=en writes English status words")
    st, body, _ = admin.get("/api/v1/hub/villages")
    eq((st, body["error"]), (400, "choose_area"), "the whole country is refused: choose an area")


def test_village_table_pages_sorts_and_searches_on_the_hub():
    """A province's table has tens of thousands of rows: the hub answers a
    page of it, sorted and searched as asked; the CSV has every row."""
    n_vil = len(villages_in("33.02"))
    st, hdrs, data = admin.raw("GET", "/api/v1/hub/villages?unit=33.02&format=csv")
    eq((st, hdrs.get("transfer-encoding")), (200, "chunked"), "the CSV is streamed")
    whole = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    eq(len(whole), n_vil * 3, "the CSV has every village of Banyumas x 3 courses")
    first = get(admin, "/api/v1/hub/villages?unit=33.02")
    eq((first["total"], first["limit"], first["offset"], len(first["rows"]),
        first["villages"], first["villages_reached"]), (n_vil * 3, 100, 0, 100, n_vil, 3),
       "a page of 100 rows, the rows of all pages, villages and villages reached")
    keys, off = [], 0
    while off < first["total"]:
        p = table(get(admin, "/api/v1/hub/villages?unit=33.02&limit=1000&offset=%d" % off))
        keys += [(r["village_code"], r["course"]) for r in p]
        off += 1000
    eq(keys, [(r[6], r[8]) for r in whole], "the pages in turn are the CSV's rows, in order")
    top = table(get(admin, "/api/v1/hub/villages?unit=33.02&sort=learners&order=desc&limit=4"))
    eq([(r["village"], r["learners"]) for r in top],
       [("Cirahab", 2)] * 3 + [(top[3]["village"], 1)],
       "sorted by learners, most first, then by village code and course")
    names = [r["village"] for r in table(get(
        admin, "/api/v1/hub/villages?unit=33.02&sort=village&limit=1000"))]
    eq(names, sorted(names, key=lambda x: x.lower()), "sorted by village name, any case")
    st_desc = table(get(admin, "/api/v1/hub/villages?unit=33.02&sort=status&order=desc"
                                "&limit=1"))[0]
    eq((st_desc["village_code"], st_desc["status"]), ("33.02.01.2002", "semua selesai"),
       "sorted by status: the furthest first (Citra completed her course)")
    hit = get(admin, "/api/v1/hub/villages?unit=33.02&q=CIRAHAB")
    eq(([(r["village"], r["course"]) for r in table(hit)], hit["total"], hit["villages"]),
       ([("Cirahab", c) for c in ("desa-administrasi", "desa-keuangan", "literasi-digital")],
        3, n_vil), "searching a village's name, in any case: its rows, of the same area")
    eq(get(admin, "/api/v1/hub/villages?unit=33.02&q=lumbir&limit=1")["total"],
       len(villages_in("33.02.01")) * 3, "searching a district's name: its villages")
    eq(len(villages_csv("?unit=33.02&q=cirahab&sort=course_title&order=desc")), 3,
       "the CSV follows a search when asked")
    for bad in ("sort=nope", "order=up", "q=" + "x" * 65, "q=%01"):
        st, body, _ = admin.get("/api/v1/hub/villages?unit=33.02&" + bad)
        eq((st, (body or {}).get("error")), (400, "bad_request"), "%s is refused" % bad)


def test_course_titles_everywhere():
    courses = table(get(admin, "/api/v1/hub/courses"))
    eq([(r["course"], r["title"]) for r in courses],
       [("desa-administrasi", "Administrasi Pemerintahan Desa"),
        ("desa-keuangan", "Siklus Keuangan Desa"), ("literasi-digital", "=Literasi Digital")],
       "courses carry their titles (ids stay as a column)")
    lr = table(get(admin, "/api/v1/hub/learners?unit=33.02.01.2001"))
    eq(sorted({r["course_title"] for r in lr}),
       ["Administrasi Pemerintahan Desa", "Siklus Keuangan Desa"], "learners carry titles")
    ok(any(r["time_source"] == "completed_at: phone"
           for r in table(get(admin, "/api/v1/hub/learners?unit=33.02.01.2002"))),
       "the learners table says which clock vouches for a time")


def test_date_range_and_zones():
    body = get(admin, "/api/v1/hub/areas?from=2025-11-29&to=2025-11-30")
    eq(body["completions"], 3, "29-30 Nov 2025 (WIB): 3 completions")
    body = get(admin, "/api/v1/hub/completions?from=2025-11-29&to=2025-11-29")
    eq((body["bucket"], len(body["rows"]), sum(r[2] for r in body["rows"])), ("hour", 24, 2),
       "a one-day range has 24 hourly buckets")
    body = get(admin, "/api/v1/hub/completions?from=2025-11-01&to=2025-11-30")
    eq((body["bucket"], len(body["rows"]), body["rows"][-1][3]), ("day", 30, 3),
       "a month has daily buckets")
    body = get(admin, "/api/v1/hub/completions")
    eq((body["bucket"], body["rows"][0][0], body["rows"][-1][0], body["rows"][-1][3]),
       ("month", "2025-11", "2027-01", 6), "a span over a year has monthly buckets")
    eq(body["time_sources"], {"hub": 0, "phone": 1, "none": 0, "unknown": 5},
       "the chart says which clock vouches for the completion times")
    eq([get(admin, "/api/v1/hub/completions?unit=" + u)["zone"] for u in ("33", "51", "94")],
       ["WIB", "WITA", "WIT"], "the zone follows the province")
    bali = get(admin, "/api/v1/hub/completions?unit=51&from=2025-11-29&to=2025-11-29")
    eq(bali["rows"][0][1], "2025-11-28T16:00:00Z", "a WITA day starts at 16:00 UTC")
    st, hdrs, data = admin.raw("GET", "/api/v1/hub/completions?format=csv")
    eq(data[3:].decode().split("\r\n")[0], '"period","start","completions","cumulative"',
       "the CSV has each period's start in UTC")
    for bad in ("from=2025-02-30", "from=2025-13-01", "to=yesterday", "from=2025-11-30&to=2025-11-01",
                "from=1999-01-01", "from=2025-1-1", "filter=broken", "lang=fr", "unit=33.0",
                "course=Desa"):
        st, body, _ = admin.get("/api/v1/hub/areas?" + bad)
        eq((st, (body or {}).get("error")), (400, "bad_request"), "%s is refused" % bad)


def test_fleet():
    rows = {r["name"]: r for r in table(get(admin, "/api/v1/hub/boxes"))}
    eq(sorted(rows), ["Kotak Banyumas", "Kotak Baru", "Kotak Cilacap", "Kotak Malang"],
       "the national fleet lists every box")
    b = rows["Kotak Banyumas"]
    eq((b["version"], b["pending"], b["db_state"], b["clock"], round(b["disk_used_percent"]),
        b["old_version"], b["days_unseen"]), ("0.2.0", 3, "degraded", "hub", 88, False, 0),
       "a box: version, pending, database state, clock, disk used")
    eq((rows["Kotak Malang"]["old_version"], rows["Kotak Malang"]["days_unseen"]), (True, 40),
       "an older version and 40 days unseen")
    for flt, want in (("stale", ["Kotak Baru", "Kotak Malang"]), ("disk", ["Kotak Banyumas"]),
                      ("degraded", ["Kotak Banyumas"]), ("old", ["Kotak Malang"]),
                      ("stale,old", ["Kotak Malang"])):
        got = sorted(r["name"] for r in table(get(admin, "/api/v1/hub/boxes?filter=" + flt)))
        eq(got, want, "filter %s" % flt)
        st, _, data = admin.raw("GET", "/api/v1/hub/boxes?format=csv&filter=" + flt)
        names = sorted(r[1] for r in list(csv.reader(io.StringIO(data[3:].decode())))[1:])
        eq(names, want, "the CSV of filter %s has the same boxes" % flt)


# ---- people and roles ----------------------------------------------------

def test_admin_manages_accounts():
    for name, role, area in (("jateng", "staff", "33"), ("banyumas", "readonly", "33.02"),
                             ("cilacap", "staff", "33.01")):
        st, body, _ = post(admin, "/api/v1/hub/users", {"action": "create", "name": name,
                                                         "password": PW, "role": role,
                                                         "area": area})
        eq(st, 200, "the administrator creates %s (%s, %s)" % (name, role, area))
    st, body, _ = post(admin, "/api/v1/hub/users", {"action": "create", "name": "jateng",
                                                     "password": PW, "role": "staff",
                                                     "area": "33"})
    eq((st, body["error"]), (409, "exists"), "a taken name is refused")
    for bad, why in (({"role": "boss", "area": ""}, "an unknown role"),
                     ({"role": "admin", "area": "33"}, "an administrator with an area"),
                     ({"role": "staff", "area": "33.02.01"}, "a district area"),
                     ({"role": "staff", "area": "99.x"}, "a malformed area")):
        st, body, _ = post(admin, "/api/v1/hub/users", dict(bad, action="create", name="x1",
                                                             password=PW))
        eq(st, 400, "%s is refused" % why)
    st, body, _ = post(admin, "/api/v1/hub/users", {"action": "create", "name": "x2",
                                                     "password": "qwerty123", "role": "staff",
                                                     "area": ""})
    eq((st, body["error"]), (400, "weak_password"), "a weak password is refused")
    for bad, why in (({"action": "create", "name": "a b", "password": PW, "role": "staff"},
                      "a name with a space"),
                     ({"action": "promote", "name": "jateng"}, "an unknown action"),
                     ({"name": "jateng"}, "no action"),
                     ({"action": "reset", "name": "x" * 65, "password": PW}, "a 65-byte name")):
        st, body, _ = post(admin, "/api/v1/hub/users", bad)
        eq(st, 400, "%s is refused" % why)
    st, _, _ = admin.raw("POST", "/api/v1/hub/users", b'{"action": "create"}',
                         {"Content-Type": "text/plain", "X-CSRF-Token": admin.csrf})
    eq(st, 415, "an account change that is not JSON is refused")
    st, _, _ = admin.raw("POST", "/api/v1/hub/users", b'{"action": ',
                         {"Content-Type": "application/json", "X-CSRF-Token": admin.csrf})
    eq(st, 400, "broken JSON is refused")
    st, body, _ = post(admin, "/api/v1/hub/users", {"action": "disable", "name": "admin"})
    eq(st, 409, "an administrator cannot disable their own account")
    users = {u["name"]: u for u in get(admin, "/api/v1/hub/users")["users"]}
    eq((users["banyumas"]["role"], users["banyumas"]["area"], users["banyumas"]["area_name"]),
       ("readonly", "33.02", "Kabupaten Banyumas"), "the list shows role and area")


ENDPOINTS = ("areas", "courses", "learners", "boxes", "completions", "villages", "xapi")


def test_regency_account_reads_only_its_regency():
    c = login("banyumas")
    mine = get(admin, "/api/v1/hub/areas?unit=33.02")
    got = get(c, "/api/v1/hub/areas")
    eq((got["unit"], got["learners"], got["completions"], got["boxes"]),
       ("33.02", mine["learners"], mine["completions"], 1),
       "without a unit, a Banyumas account sees Banyumas")
    for ep in ENDPOINTS:
        for q in ("unit=33.01", "unit=33", "unit=35.07.01.2001", "unit=33.01&unit=33.02",
                  "unit=33.01&format=csv"):
            st, body, _ = c.get("/api/v1/hub/%s?%s" % (ep, q))
            eq((st, (body or {}).get("error")), (403, "outside_area"),
               "Banyumas cannot read %s?%s" % (ep, q))
    st, _, _ = c.get("/api/v1/hub/learners?unit=33.02.01.2001")
    eq(st, 200, "a village inside the regency is allowed")
    names = {r["name"] for r in table(get(c, "/api/v1/hub/learners"))}
    eq(sorted(names), ["Budi Santoso", "Citra", "Dewi", "Siti Aminah"],
       "learners: only Banyumas's")
    st, _, data = c.raw("GET", "/api/v1/hub/learners?format=csv")
    text = data.decode("utf-8")
    ok("Eko" not in text and "Gita" not in text and "Siti Aminah" in text,
       "the learners CSV holds only Banyumas's rows")
    eq(sorted(r["name"] for r in table(get(c, "/api/v1/hub/boxes"))), ["Kotak Banyumas"],
       "boxes: only the box that served Banyumas")
    learners = {s["actor"]["account"]["name"] for s in get(c, "/api/v1/hub/xapi")}
    eq(learners, {A["id"], B["id"], C["id"]}, "xAPI export: only Banyumas's learners")
    eq(sum(r[2] for r in get(c, "/api/v1/hub/completions")["rows"]), 3,
       "the chart counts only Banyumas's completions")
    st, body, _ = post(c, "/api/v1/hub/enroll-codes", {"ttl_s": 3600})
    eq((st, body["error"]), (403, "read_only"), "a read-only account makes no codes")
    st, body, _ = c.get("/api/v1/hub/users")
    eq((st, body["error"]), (403, "not_admin"), "only an administrator lists accounts")
    st, body, _ = post(c, "/api/v1/hub/users", {"action": "create", "name": "x3",
                                                 "password": PW, "role": "admin"})
    eq(st, 403, "nor creates one")
    st, me, _ = c.get("/api/v1/hub/me")
    eq((me["role"], me["area"], me["area_name"], me["zone"]),
       ("readonly", "33.02", "Kabupaten Banyumas", "WIB"), "me says role, area and zone")


def test_province_account_reads_its_province():
    c = login("jateng")
    eq([r["code"] for r in table(get(c, "/api/v1/hub/areas")) if r["learners"]],
       ["33.01", "33.02"], "Jawa Tengah sees its regencies")
    st, _, _ = c.get("/api/v1/hub/areas?unit=35")
    eq(st, 403, "but not Jawa Timur")
    st, _, _ = post(c, "/api/v1/hub/enroll-codes", {"ttl_s": 3600})
    eq(st, 201, "a staff account makes enrollment codes")


def test_disable_and_reset():
    c = login("cilacap")
    ok(c is not None, "cilacap logs in")
    st, _, _ = post(admin, "/api/v1/hub/users", {"action": "disable", "name": "cilacap"})
    eq(st, 200, "the administrator disables cilacap")
    eq(c.get("/api/v1/hub/areas")[0], 401, "a disabled account's session ends at once")
    ok(login("cilacap") is None, "and it cannot log in")
    post(admin, "/api/v1/hub/users", {"action": "enable", "name": "cilacap"})
    c = login("cilacap")
    ok(c is not None, "enabled again, it logs in")
    st, _, _ = post(admin, "/api/v1/hub/users", {"action": "reset", "name": "cilacap",
                                                 "password": "Sawah hijau di Lumbir"})
    eq(st, 200, "the administrator sets a new password")
    eq(c.get("/api/v1/hub/areas")[0], 401, "a reset ends the account's sessions")
    ok(login("cilacap") is None and login("cilacap", "Sawah hijau di Lumbir") is not None,
       "the old password no longer works, the new one does")
    st, _, _ = post(admin, "/api/v1/hub/users", {"action": "reset", "name": "nobody",
                                                 "password": PW})
    eq(st, 404, "resetting an unknown user is 404")


def test_add_user_refuses_an_existing_name():
    before = hub.rows("SELECT hash FROM users WHERE name = 'admin'")
    rc, _, err = hub.cmd("add-user", "admin", stdin="Another-Password-7\n")
    ok(rc != 0 and "--reset" in err, "add-user on an existing name refuses", err)
    eq(hub.rows("SELECT hash FROM users WHERE name = 'admin'"), before, "and changes nothing")
    rc, _, err = hub.cmd("add-user", "--reset", "admin", stdin="Another-Password-7\n")
    eq(rc, 0, "with --reset it sets the new password (%s)" % err.strip())
    ok(login("admin", "Another-Password-7") is not None, "the new password works")
    rc, _, err = hub.cmd("add-user", "--reset", "ghost", stdin="Another-Password-7\n")
    ok(rc != 0, "--reset of an unknown name fails", err)
    rc, _, err = hub.cmd("add-user", "--role", "readonly", "--area", "33.02", "pemda",
                         stdin=PW + "\n")
    eq(rc, 0, "add-user makes a read-only regency account")
    eq(hub.rows("SELECT role, area FROM users WHERE name = 'pemda'"), [("readonly", "33.02")],
       "with its role and area")
    rc, _, err = hub.cmd("add-user", "--role", "admin", "--area", "33", "x4", stdin=PW + "\n")
    eq(rc, 2, "an administrator with an area is refused")

ALL_TIME = "from=2000-01-01&to=2100-12-31"
TOTAL_UNITS = ("", "33", "33.02", "33.02.01", "33.02.01.2001", "33.02.02.2003", "35", "51",
               "91.03")


def answers(extra):
    """The areas, courses and village tables of every unit of TOTAL_UNITS (the
    fields that do not depend on a range), asked with the query extra."""
    out = {}
    for unit in TOTAL_UNITS:
        q = "?unit=%s&%s" % (unit, extra)
        a = get(admin, "/api/v1/hub/areas" + q)
        out["areas " + unit] = (a["rows"], a["learners"], a["started"], a["completions"],
                                a["percent"], a["villages_reached"], a["boxes"])
        out["courses " + unit] = get(admin, "/api/v1/hub/courses" + q)["rows"]
        for c in ("desa-administrasi", "literasi-digital"):
            out["courses %s %s" % (unit, c)] = get(admin, "/api/v1/hub/courses" + q +
                                                   "&course=" + c)["rows"]
        if unit:  # the villages with learners come first
            out["villages " + unit] = get(admin, "/api/v1/hub/villages" + q +
                                          "&sort=learners&order=desc&limit=1000")["rows"]
        for c in ("", "&course=desa-administrasi"):  # learner_rows (totals.h)
            out["learners total %s%s" % (unit, c)] = get(
                admin, "/api/v1/hub/learners" + q + c + "&limit=1")["total"]
    return out


def chart(unit, query=""):
    """A chart's {period: completions} and its time sources."""
    b = get(admin, "/api/v1/hub/completions?unit=%s&%s" % (unit, query))
    return {r[0]: r[2] for r in b["rows"] if r[2]}, b["time_sources"], b["bucket"]


def add_charts(charts, key):
    out, src = {}, {}
    for rows, s, _ in charts:
        for k, v in rows.items():
            out[key(k)] = out.get(key(k), 0) + v
        for k, v in s.items():
            src[k] = src.get(k, 0) + v
    return out, src


CHART_RANGES = ("", "from=2025-11-01&to=2025-11-30", "from=2025-01-01&to=2026-12-31",
                "from=2025-11-29&to=2025-11-29")


def charts_agree(what):
    """The country's and a province's day and month charts read the kept
    buckets (totals.h); a regency's are counted from the rows, and so are
    hours: a province's chart is the sum of its regencies', and a day is the
    sum of its hours, in every zone."""
    bad = []
    for prov in ("33", "51", "91"):
        regs = sorted({r["code"] for r in table(get(admin, "/api/v1/hub/areas?unit=" + prov))})
        for rng in CHART_RANGES:
            rows, src, bucket = chart(prov, rng)
            width = {"month": 7, "day": 10}.get(bucket, 16)  # all time: the span decides
            want = add_charts([chart(r, rng) for r in regs], lambda k: k[:width])
            if (rows, src) != want:
                bad.append((prov, rng, bucket, rows, src, want))
    for unit in ("", "51", "91"):
        days = chart(unit, "from=2025-11-01&to=2025-11-30")[0]
        hours = add_charts([chart(unit, "from=2025-11-29&to=2025-11-30")], lambda k: k[:10])[0]
        if {k: v for k, v in days.items() if k >= "2025-11-29"} != hours:
            bad.append((unit, days, hours))
    ok(not bad, "%s: the kept completion buckets answer as counting the rows does" % what,
       bad[:2])


def totals_agree(what):
    fast, rows = answers(""), answers(ALL_TIME)
    bad = [k for k in fast if fast[k] != rows[k]]
    ok(not bad, "%s: the running totals answer as counting the rows does" % what,
       [(k, fast[k], rows[k]) for k in bad[:2]])
    charts_agree(what)


def test_running_totals_follow_every_change():
    """Without a date range areas, courses and villages read running totals
    (kept by the database in each upsert's transaction); counting the rows
    themselves (a range over all time) must give the same answers after
    every kind of change."""
    global admin
    admin = login("admin", "Another-Password-7")  # reset by the test before
    totals_agree("as seeded")
    hc = hub.client()
    kx = BoxKey()
    eq(enroll(hc, kx, hub.enroll_code(), "Kotak Uji")[0], 201, "a fifth box")
    h = {"version": "0.2.0", "disk_free": 10 ** 9, "disk_total": 2 * 10 ** 9,
         "pending": 0, "clock": "hub", "db": "ok"}
    P = learner(1, "33.02.01.2002", "Putri")
    Q = learner(2, "35.07.01.2001", "Qori")
    # progress of Q arrives before Q does: it counts once Q is known
    eq(upload(hc, kx, chunk(kx, 0, 5, 1, [P], [
        summary(P["id"], "desa-administrasi", 3, status="in_progress", passed=False,
                completed_at=0),
        summary(Q["id"], "literasi-digital", 5, completed_at=T0 + 3 * DAY)], h))[0], 200,
       "an upload with progress of a learner not sent yet")
    totals_agree("progress before its learner")
    eq(upload(hc, kx, chunk(kx, 5, 6, 2, [dict(Q, rev=6)], [], h))[0], 200,
       "the learner follows")
    totals_agree("the learner after its progress")
    # a newer rev completes P's course; an older one changes nothing
    eq(upload(hc, kx, chunk(kx, 6, 8, 3, [], [
        summary(P["id"], "desa-administrasi", 8, score=95, completed_at=T0 + 5 * DAY),
        summary(P["id"], "desa-keuangan", 7, score=None, passed=False,
                completed_at=T0 + 5 * DAY)], h))[0], 200, "a newer rev completes a course")
    totals_agree("a newer rev")
    eq(upload(hc, kx, chunk(kx, 0, 2, 4, [], [
        summary(P["id"], "desa-administrasi", 2, status="in_progress", passed=False,
                completed_at=0)], h))[0], 200, "an older rev again")
    totals_agree("an older rev (ignored)")
    # P moves to another district, and its progress with it
    P2 = dict(P, village="33.02.02.2003", rev=9)
    eq(upload(hc, kx, chunk(kx, 8, 9, 5, [P2], [], h))[0], 200, "a learner moves village")
    totals_agree("a learner moved")
    # completions around the midnights of WITA (Bali) and WIT (Papua), with
    # their clocks' sources; a learner without any course yet
    WITA0, WIT0 = 1764432000000, 1764428400000  # 30 Nov 2025 00:00 WITA, WIT
    R = learner(10, "51.71.01.1001", "Ratna")
    S = learner(11, "91.03.01.1001", "Sari")
    U = learner(12, "51.71.01.1001", "Umar")
    eq(upload(hc, kx, chunk(kx, 9, 16, 6, [R, S, U], [
        dict(summary(R["id"], "desa-administrasi", 13, completed_at=WITA0 + 15 * 60000),
             time_source={"completed_at": "hub"}, pre_score=35, post_score=85),
        dict(summary(R["id"], "desa-keuangan", 14, completed_at=WITA0 - 15 * 60000),
             time_source={"completed_at": "none", "first_activity": "phone"}),
        dict(summary(S["id"], "desa-administrasi", 15, completed_at=WIT0),
             time_source={"completed_at": "phone"}),
        summary(S["id"], "literasi-digital", 16, completed_at=WIT0 - 1)], h))[0], 200,
       "completions on either side of midnight in WITA and WIT")
    totals_agree("completions at midnight")
    # Ratna moves from Bali to Papua, her completions with her
    eq(upload(hc, kx, chunk(kx, 16, 17, 7, [dict(R, village="91.03.01.1002", rev=17)], [],
                            h))[0], 200, "a learner moves province")
    totals_agree("a learner moved province")
    tot = get(admin, "/api/v1/hub/areas")
    eq((tot["learners"], tot["started"], tot["completions"], tot["boxes"]), (12, 15, 13, 4),
       "country: the new learners and their courses counted once")
    # the totals of a hub from before them (schema 3) are built from its rows
    hub.stop()
    if hub.backend == "postgresql":
        hub.rows("DROP TABLE village_learners, village_totals, unit_totals, totals_delta,"
                 " login_limits, learner_rows, completion_buckets, learner_rows_delta,"
                 " completion_buckets_delta, region_names CASCADE")
        hub.rows("DROP FUNCTION learners_totals_ins, learners_totals_upd, learners_totals_del,"
                 " summaries_totals_ins, summaries_totals_upd, summaries_totals_del,"
                 " learners_rows_ins, learners_rows_upd, learners_rows_del, summaries_rows_ins,"
                 " summaries_rows_upd, summaries_rows_del, totals_fold CASCADE")
        hub.rows("ALTER TABLE boxes DROP COLUMN db_reason CASCADE,"
                 " DROP COLUMN db_lost_writes CASCADE")
        hub.rows("DROP INDEX learners_order, boxes_name, summaries_done, summaries_gain")
        hub.rows("ALTER TABLE summaries DROP COLUMN pre_score CASCADE,"
                 " DROP COLUMN post_score CASCADE")
        hub.rows("CREATE INDEX summaries_completed ON summaries(completed_at)"
                 " WHERE status = 'completed'")
        hub.rows("UPDATE schema_version SET version = 3")
    else:
        for t in ("learners_totals_ins", "learners_totals_upd", "learners_totals_del",
                  "summaries_totals_ins", "summaries_totals_upd", "summaries_totals_del",
                  "learners_rows_ins", "learners_rows_upd", "learners_rows_del",
                  "summaries_rows_ins", "summaries_rows_upd", "summaries_rows_del"):
            hub.rows("DROP TRIGGER %s" % t)
        for t in ("village_learners", "village_totals", "unit_totals", "totals_delta",
                  "login_limits", "learner_rows", "completion_buckets", "learner_rows_delta",
                  "completion_buckets_delta", "region_names"):
            hub.rows("DROP TABLE %s" % t)
        hub.rows("ALTER TABLE boxes DROP COLUMN db_reason")
        hub.rows("ALTER TABLE boxes DROP COLUMN db_lost_writes")
        hub.rows("DROP INDEX learners_order")
        hub.rows("DROP INDEX boxes_name")
        hub.rows("DROP INDEX summaries_done")
        hub.rows("DROP INDEX summaries_gain")
        hub.rows("ALTER TABLE summaries DROP COLUMN pre_score")
        hub.rows("ALTER TABLE summaries DROP COLUMN post_score")
        hub.rows("CREATE INDEX summaries_completed ON summaries(completed_at)"
                 " WHERE status = 'completed'")
        hub.rows("PRAGMA user_version = 3")
    hub.start()
    admin = login("admin", "Another-Password-7")
    totals_agree("totals built by the migration from the stored rows")


def test_learners_and_boxes_come_in_pages():
    for view, q in (("learners", ""), ("learners", "unit=33.02&"), ("boxes", ""),
                    ("boxes", "filter=stale&")):
        whole = get(admin, "/api/v1/hub/%s?%slimit=1000" % (view, q))
        eq(whole["total"], len(whole["rows"]), "%s %s: total counts every row" % (view, q))
        pages, off = [], 0
        while True:
            p = get(admin, "/api/v1/hub/%s?%slimit=2&offset=%d" % (view, q, off))
            eq((p["total"], p["limit"], p["offset"]), (whole["total"], 2, off),
               "%s %s: a page says where it is and how many there are" % (view, q))
            if not p["rows"]:
                break
            pages += p["rows"]
            off += 2
        eq(pages, whole["rows"], "%s %s: the pages in turn are the whole list" % (view, q))
        st, _, data = admin.raw("GET", "/api/v1/hub/%s?%sformat=csv&limit=1" % (view, q))
        n = len(list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) - 1
        eq((st, n), (200, whole["total"]), "%s %s: the CSV has every row" % (view, q))
    eq(get(admin, "/api/v1/hub/learners")["limit"], 100, "100 rows a page unless asked")
    for bad in ("limit=0", "limit=1001", "limit=x", "offset=-1"):
        eq(admin.get("/api/v1/hub/boxes?" + bad)[0], 400, "bad paging is refused: " + bad)


run_tests(globals())
