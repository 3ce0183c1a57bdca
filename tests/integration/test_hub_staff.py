"""pamong-hub's staff side: login, CSRF, rate limit, the completion reports
for a known data set, CSV and xAPI export and LRS forwarding."""

import http.server
import json
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import AREA_FILE, Client, eq, ok, run_tests  # noqa: E402
from hubtest import BoxKey, Hub, chunk, enroll, learner, summary, upload  # noqa: E402


class FakeLRS(http.server.BaseHTTPRequestHandler):
    """Stores PUT statements by id; 409 for an id it already has."""
    store = {}
    auth = []

    def do_PUT(self):
        n = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(n))
        sid = self.path.split("statementId=")[1]
        FakeLRS.auth.append((self.headers.get("Authorization"),
                             self.headers.get("X-Experience-API-Version")))
        if sid in FakeLRS.store:
            self.send_response(409)
        else:
            FakeLRS.store[sid] = body
            self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


lrs = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeLRS)
threading.Thread(target=lrs.serve_forever, daemon=True).start()

hub = Hub(area_file=AREA_FILE,
          extra_conf="[auth]\nlogin_attempts = 3\n[xapi]\nlrs_endpoint = "
          "http://127.0.0.1:%d/xapi/\nlrs_user = lrsuser\nlrs_password = lrspass\n"
          % lrs.server_address[1]).start()
hub.add_user("staf", "Kebun-Kopi-42")

# The known data set: two boxes, four learners in three villages.
#   33.02.01.2001 Cirahab: A (admin completed+passed, keuangan in progress),
#                          B (admin failed quiz)
#   33.02.02.2003 Pengadegan: C (admin completed)
#   35.07.01.2001 Tulungrejo (other box): D "=HYPERLINK(…)" (keuangan completed)
k1, k2 = BoxKey(), BoxKey()
A = learner(1, "33.02.01.2001", "Siti Aminah")
B = learner(2, "33.02.01.2001", 'Budi "Bud" Santoso, S.Sos')
C = learner(3, "33.02.02.2003", "Citra")
D = learner(1, "35.07.01.2001", "=HYPERLINK(\"x\")")
DAY1, DAY2 = 1764403000000, 1764403000000 + 86400000


def setup():
    hc = hub.client()
    assert enroll(hc, k1, hub.enroll_code(), "Kotak Banyumas")[0] == 201
    assert enroll(hc, k2, hub.enroll_code(), "Kotak Malang")[0] == 201
    s1 = [summary(A["id"], "desa-administrasi", 4, completed_at=DAY1),
          summary(A["id"], "desa-keuangan", 5, status="in_progress", passed=False, score=None,
                  completed_at=0),
          summary(B["id"], "desa-administrasi", 6, status="in_progress", passed=False, score=40,
                  completed_at=0),
          dict(summary(C["id"], "desa-administrasi", 7, completed_at=DAY2), times_corrected=True,
               time_source={"completed_at": "phone", "first_activity": "hub"})]
    assert upload(hc, k1, chunk(k1, 0, 7, 1, [A, B, C], s1))[:2] == (200, {"acked_rev": 7})
    s2 = [summary(D["id"], "desa-keuangan", 2, completed_at=DAY2)]
    assert upload(hc, k2, chunk(k2, 0, 2, 1, [D], s2))[:2] == (200, {"acked_rev": 2})


setup()
staff = Client(hub.port)


def table(body):
    cols = body["columns"]
    return [dict(zip(cols, r)) for r in body["rows"]]


def test_reports_need_login():
    st, body, _ = Client(hub.port).get("/api/v1/hub/areas")
    eq((st, (body or {}).get("error")), (401, "not_logged_in"), "reports refuse without a session")
    st, _, _ = Client(hub.port).get("/api/v1/hub/areas?format=csv")
    eq(st, 401, "CSV export refuses without a session")


def test_login_sets_a_strict_httponly_cookie():
    st, body, hdrs = staff.post("/api/v1/hub/login", {"name": "staf", "password": "Kebun-Kopi-42"})
    eq(st, 200, "login with the right password is 200")
    cookie = hdrs.get("set-cookie", "")
    ok("HttpOnly" in cookie and "SameSite=Strict" in cookie, "session cookie is HttpOnly and"
       " SameSite=Strict", cookie)
    ok(len((body or {}).get("csrf", "")) == 64, "login answers a CSRF token", body)
    staff.csrf = body["csrf"]


def test_posts_need_the_csrf_token():
    st, body, _ = staff.post("/api/v1/hub/enroll-codes", {"ttl_s": 3600})
    eq((st, (body or {}).get("error")), (403, "bad_csrf"), "a POST without X-CSRF-Token is refused")
    st, body, _ = staff.post("/api/v1/hub/enroll-codes", {"ttl_s": 3600},
                             headers={"X-CSRF-Token": staff.csrf})
    eq(st, 201, "with the token the staff page makes an enrollment code")
    ok(len((body or {}).get("code", "")) == 19, "the code is returned", body)


def test_completion_totals_and_drill_down():
    st, body, _ = staff.get("/api/v1/hub/areas")
    eq(st, 200, "areas answers")
    eq((body["learners"], body["completions"], body["boxes"]), (4, 3, 2),
       "country totals: 4 learners, 3 completions, 2 boxes")
    eq([(r["code"], r["name"], r["learners"], r["started"], r["completed"]) for r in table(body)
        if r["learners"]],
       [("33", "Jawa Tengah", 3, 4, 2), ("35", "Jawa Timur", 1, 1, 1)],
       "provinces with learners, started and completed (learner-course pairs)")
    eq(len(table(body)), 38, "every province is listed, also those without learners")
    st, body, _ = staff.get("/api/v1/hub/areas?unit=33.02")
    eq([(r["code"], r["name"], r["learners"], r["completed"], round(r["percent"], 1))
        for r in table(body) if r["learners"]],
       [("33.02.01", "Lumbir", 2, 1, 33.3), ("33.02.02", "Wangon", 1, 1, 100.0)],
       "districts of Banyumas with completed of started")
    eq([c["name"] for c in body["crumbs"]], ["Jawa Tengah", "Kabupaten Banyumas"],
       "breadcrumbs name the path")
    st, body, _ = staff.get("/api/v1/hub/areas?unit=33.02&course=desa-keuangan")
    eq([(r["code"], r["started"], r["completed"]) for r in table(body)][:2],
       [("33.02.01", 1, 0), ("33.02.02", 0, 0)], "a course filter narrows the counts")
    st, body, _ = staff.get("/api/v1/hub/courses?unit=33.02.01.2001")
    eq([(r["course"], r["started"], r["completed"], r["passed"], r["percent"]) for r in table(body)],
       [("desa-administrasi", 2, 1, 1, 50.0), ("desa-keuangan", 1, 0, 0, 0.0)],
       "courses of one village (percent: completed of started)")
    st, body, _ = staff.get("/api/v1/hub/learners?unit=33.02.01.2001")
    eq(sorted((r["name"], r["course"], r["status"]) for r in table(body)),
       sorted([(A["name"], "desa-administrasi", "completed"),
               (A["name"], "desa-keuangan", "in_progress"),
               (B["name"], "desa-administrasi", "in_progress")]),
       "drill-down lists the village's learners per course")
    st, body, _ = staff.get("/api/v1/hub/areas?unit=33.02.01.20x1")
    eq(st, 400, "a malformed unit is refused")


def test_completions_over_time():
    st, body, _ = staff.get("/api/v1/hub/completions")
    eq([tuple(r) for r in body["rows"]],
       [("2025-11-29", "2025-11-28T17:00:00Z", 1, 1), ("2025-11-30", "2025-11-29T17:00:00Z", 2, 3)],
       "completions per day (WIB) with the day's start in UTC and a running total")
    eq((body["bucket"], body["zone"]), ("day", "WIB"), "the national view counts days in WIB")


def test_boxes_table():
    st, body, _ = staff.get("/api/v1/hub/boxes")
    rows = table(body)
    eq(sorted((r["name"], r["version"], r["pending"], r["clock"], r["learners"]) for r in rows),
       [("Kotak Banyumas", "0.1.0", 0, "hub", 3), ("Kotak Malang", "0.1.0", 0, "hub", 1)],
       "boxes with version, pending, clock and learner count")
    ok(all(r["last_seen"] for r in rows), "boxes have a last-seen time", rows)


def test_csv_export_opens_in_spreadsheets():
    st, hdrs, data = staff.raw("GET", "/api/v1/hub/learners?format=csv")
    eq(st, 200, "learners CSV answers")
    ok(hdrs.get("content-type", "").startswith("text/csv"), "CSV has a text/csv type", hdrs)
    ok(data.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 byte-order mark", data[:10])
    text = data[3:].decode("utf-8")
    ok("\r\n" in text, "CSV lines end with CRLF", text[:200])
    import csv
    import io
    rows = list(csv.reader(io.StringIO(text)))
    names = {r[1] for r in rows[1:]}
    ok(B["name"] in names, "a name with quotes and a comma survives the round trip", names)
    ok("'" + D["name"] in names, "a formula-like name is defused with an apostrophe", names)
    eq(len(rows) - 1, 5, "one CSV row per learner and course")
    ts = rows[0].index("time_source")
    sources = sorted(r[ts] for r in rows[1:] if r[ts])
    eq(sources, ["completed_at: phone; first_activity: hub"],
       "the CSV says which times were corrected and from which clock")
    for path in ("areas", "courses", "boxes", "completions"):
        st, _, data = staff.raw("GET", "/api/v1/hub/%s?format=csv" % path)
        ok(st == 200 and data.startswith(b"\xef\xbb\xbf"), "%s exports as CSV" % path, st)


def test_xapi_statements_are_stable():
    st, body, hdrs = staff.get("/api/v1/hub/xapi")
    eq(st, 200, "xAPI export answers")
    verbs = sorted((s["actor"]["account"]["name"], s["object"]["id"].rsplit("/", 1)[1],
                    s["verb"]["id"].rsplit("/", 1)[1]) for s in body)
    eq(verbs, sorted([(A["id"], "desa-administrasi", "completed"),
                      (A["id"], "desa-administrasi", "passed"),
                      (B["id"], "desa-administrasi", "failed"),
                      (C["id"], "desa-administrasi", "completed"),
                      (C["id"], "desa-administrasi", "passed"),
                      (D["id"], "desa-keuangan", "completed"),
                      (D["id"], "desa-keuangan", "passed")]),
       "completed / passed / failed statements per learner and course")
    ok(all(s["actor"]["account"]["homePage"] == "http://hub.test" for s in body),
       "actors are accounts on the hub's public URL", body[0]["actor"])
    ok(all(s["verb"]["id"].startswith("http://adlnet.gov/expapi/verbs/") for s in body),
       "verbs are ADL's", body[0]["verb"])
    import re
    ok(all(re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                    s["id"]) for s in body), "statement ids are version-5-style UUIDs",
       [s["id"] for s in body])
    st, again, _ = staff.get("/api/v1/hub/xapi")
    eq([s["id"] for s in again], [s["id"] for s in body], "a re-export has the same ids")
    rc, out, err = hub.cmd("xapi-export")
    eq(sorted(s["id"] for s in json.loads(out)), sorted(s["id"] for s in body),
       "the staff command exports the same statements")


def test_xapi_forwarding_treats_409_as_stored():
    h = {"X-CSRF-Token": staff.csrf}
    st, body, _ = staff.post("/api/v1/hub/xapi/forward", {}, headers=h)
    eq((st, body), (200, {"sent": 7, "already": 0, "failed": 0}), "first forward sends all 7")
    st, body, _ = staff.post("/api/v1/hub/xapi/forward", {}, headers=h)
    eq((st, body), (200, {"sent": 0, "already": 7, "failed": 0}),
       "a second forward finds them all stored (409)")
    eq(len(FakeLRS.store), 7, "the LRS holds each statement once")
    import base64
    eq(FakeLRS.auth[0], ("Basic " + base64.b64encode(b"lrsuser:lrspass").decode(), "1.0.3"),
       "forwarding uses Basic auth and the xAPI version header")


def test_logout_ends_the_session():
    st, _, _ = staff.post("/api/v1/hub/logout", {}, headers={"X-CSRF-Token": staff.csrf})
    eq(st, 204, "logout answers 204")
    st, _, _ = staff.get("/api/v1/hub/me")
    eq(st, 401, "after logout the session is gone")


def test_wrong_passwords_are_rate_limited():
    c = Client(hub.port)
    got = [c.post("/api/v1/hub/login", {"name": "staf", "password": "salah"})[0]
           for _ in range(3)]
    eq(got, [401, 401, 401], "wrong passwords are 401")
    st, body, hdrs = c.post("/api/v1/hub/login", {"name": "staf", "password": "Kebun-Kopi-42"})
    eq((st, (body or {}).get("error")), (429, "cooldown"),
       "after 3 failures even the right password waits")
    ok(int(hdrs.get("retry-after", "0")) > 0, "429 carries Retry-After", hdrs)


def test_the_rate_limit_outlives_a_restart():
    """The limiter counts in the database (login_limits), not in the
    process: a hub started again still makes the address wait."""
    hub.stop()
    hub.start()
    st, body, _ = Client(hub.port).post("/api/v1/hub/login",
                                        {"name": "staf", "password": "Kebun-Kopi-42"})
    eq((st, (body or {}).get("error")), (429, "cooldown"),
       "after a restart the address is still cooling down")
    eq(hub.rows("SELECT fails FROM login_limits WHERE key = 'a:127.0.0.1'"), [(3,)],
       "the failures are counted in the database")


run_tests(globals())
