"""A sync bundle carried home from a box that never saw a link: the real
pamongd makes it, `pamong-hub import` and the hub's staff upload apply it
with the live upload's rules, and an import followed by the live upload (or a
second import) changes nothing twice."""

import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from hubtest import Hub  # noqa: E402
from pbtest import Box, eq, ok, run_tests  # noqa: E402

API = "/api/v1/console"
HUB = Hub().start()
CODE = HUB.enroll_code()
HUB.add_user("staf", "Kebun-Kopi-42")
SYNC = ("[sync]\nhub_url = http://127.0.0.1:%d\nenroll_code = %s\nbox_name = Kotak Banyumas\n"
        "uplinks = nolink9\ninterval_s = 10\nbackoff_min_s = 1\n" % (HUB.port, CODE))
BOX = Box(extra_conf=SYNC).start()
FAC = BOX.first_facilitator()
TMP = tempfile.mkdtemp(prefix="pb-bundle-")


def learn(names):
    c = BOX.client()
    village = c.get("/api/v1/villages")[1]["villages"][0]["code"]
    for n in names:
        cl = BOX.client()
        st, me, _ = cl.post("/api/v1/register", {"name": n, "position": "kaur-keuangan",
                                                 "village": village, "pin": "482913"})
        assert st == 201, (st, me)
        course = cl.get("/api/v1/courses/desa-keuangan")[1]
        les = course["lessons"][0]["id"]
        cl.post("/api/v1/courses/desa-keuangan/lessons/%s/open" % les, {})
        cl.post("/api/v1/courses/desa-keuangan/lessons/%s/complete" % les, {"seconds": 90})


def bundle(name):
    st, hdrs, data = FAC.raw("GET", API + "/export/bundle")
    assert st == 200, (st, data[:200])
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data)
    return path, hdrs, json.loads(data)


def data_rows():
    s = HUB.snapshot()
    return s["learners"], s["summaries"]


def test_bundle_from_a_box_without_link():
    learn(["Bambang Pamungkas", "Dewi Sartika", "Ni Made Sri"])
    h = BOX.client().get("/api/v1/health")[1]
    eq(h["sync"]["state"], "no_link", "the box has no link")
    path, hdrs, b = bundle("one.json")
    ok("attachment" in hdrs.get("content-disposition", ""), "the bundle downloads as a file")
    eq((b["format"], b["version"], b["public_key"]), ("pamong-sync-bundle", 1, h["sync"]["public_key"]),
       "a version 1 bundle under the box's key")
    ok(len(b["chunks"]) >= 1 and all(len(c["signature"]) == 128 for c in b["chunks"]),
       "signed chunks", len(b["chunks"]))
    ok("enroll" in b, "with the box's signed enrollment request (it has a code, never used)")
    eq(HUB.rows("SELECT count(*) FROM learners"), [(0,)], "the hub knows nothing yet")

    rc, out, err = HUB.cmd("import", path)
    eq(rc, 0, "pamong-hub import applies it" + (": " + err if rc else ""))
    ok("box enrolled" in out and "chunks applied" in out, "...enrolling the box", out)
    learners, summaries = data_rows()
    eq(sorted(r[2] for r in learners), ["Bambang Pamungkas", "Dewi Sartika", "Ni Made Sri"],
       "the hub holds the three learners")
    eq(len(summaries), 3, "...and their three course summaries")
    box = HUB.rows("SELECT name, acked_rev FROM boxes")
    eq(box[0][0], "Kotak Banyumas", "the box is enrolled under its name")
    before = HUB.snapshot()

    rc, out, err = HUB.cmd("import", path)
    eq(rc, 0, "importing the same bundle again is accepted")
    after = HUB.snapshot()
    eq((after["learners"], after["summaries"]), (before["learners"], before["summaries"]),
       "...and changes no learner and no summary")


def test_live_upload_after_import_changes_nothing():
    before = HUB.snapshot()
    BOX.stop()
    with open(BOX.conf, "a") as f:
        f.write("watch_netlink = no\n")
    BOX.start()
    FAC.login()
    deadline = time.time() + 30
    h = None
    while time.time() < deadline:
        h = BOX.client().get("/api/v1/health")[1]["sync"]
        if h["state"] == "idle" and h["pending"] == 0:
            break
        time.sleep(0.2)
    eq((h["state"], h["pending"], h["enrolled"]), ("idle", 0, True),
       "the box's live upload goes through (the hub knows its key from the bundle)")
    after = HUB.snapshot()
    eq((after["learners"], after["summaries"]), (before["learners"], before["summaries"]),
       "the live upload of the same rows changed nothing the import had stored")
    ok(after["uploads"][0][0] > before["uploads"][0][0], "...though its chunks were received")
    learn(["Joko Susilo"])
    BOX.client().get("/api/v1/health")
    deadline = time.time() + 30
    while time.time() < deadline and len(data_rows()[0]) < 4:
        time.sleep(0.2)
    eq(len(data_rows()[0]), 4, "new progress still goes up live afterwards")
    path, _, _ = bundle("two.json")
    now = HUB.snapshot()
    rc, out, err = HUB.cmd("import", path)
    eq(rc, 0, "a later bundle of everything imports")
    eq(HUB.snapshot()["learners"], now["learners"], "...and changes nothing the live upload already brought")


def test_staff_page_import():
    path, _, b = bundle("three.json")
    staff = HUB.client()
    st, _, page = staff.raw("GET", "/import.html")
    ok(st == 200 and b"/api/v1/hub/import" in open(os.path.join(os.path.dirname(__file__), "..", "..",
                                                                "webroot", "hub", "import.js"), "rb").read()
       and b"import.js" in page, "the hub serves the staff import page")
    st, _, _ = staff.raw("POST", "/api/v1/hub/import", open(path, "rb").read(),
                         {"Content-Type": "application/json"})
    eq(st, 401, "the hub's import needs a staff login")
    st, body, _ = staff.post("/api/v1/hub/login", {"name": "staf", "password": "Kebun-Kopi-42"})
    csrf = body["csrf"]
    st, body, _ = staff.req("POST", "/api/v1/hub/import", b)
    eq((st, body["error"]), (403, "bad_csrf"), "...and the CSRF token")
    st, body, _ = staff.req("POST", "/api/v1/hub/import", b, headers={"X-CSRF-Token": csrf})
    eq((st, body["applied"], body["chunks"]), (200, len(b["chunks"]), len(b["chunks"])),
       "a staff member uploads a bundle")
    forged = json.loads(json.dumps(b))
    forged["chunks"][0]["signature"] = "00" * 64
    tampered = json.loads(json.dumps(b))
    tampered["public_key"] = "11" * 32
    rows = [
        ("not JSON", b"hello", 400, "bad_bundle"),
        ("another format", json.dumps({"format": "x", "version": 1}).encode(), 400, "bad_bundle"),
        ("a forged chunk signature", json.dumps(forged).encode(), 401, "bad_signature"),
        ("an unknown box key", json.dumps(tampered).encode(), 403, "unknown_box"),
        ("a chunk that is not base64", json.dumps(dict(b, chunks=[{"signature": "00" * 64, "gzip_base64": "***"}])).encode(),
         400, "bad_bundle"),
    ]
    now = HUB.snapshot()
    for what, data, want, err in rows:
        st, _, raw = staff.raw("POST", "/api/v1/hub/import", data,
                               {"Content-Type": "application/json", "X-CSRF-Token": csrf})
        body = json.loads(raw or b"{}")
        eq((st, body.get("error")), (want, err), "%s is refused (%d %s)" % (what, want, err))
    eq((HUB.snapshot()["learners"], HUB.snapshot()["summaries"]), (now["learners"], now["summaries"]),
       "...and changes nothing")


def test_clock_from_the_console_is_its_own_source():
    """A box without a link whose clock a facilitator set from their phone:
    health, the status page, the bundle's rows and the hub's fleet all say
    "console" (not "hub", which it once passed for)."""
    box = Box(extra_conf=SYNC.replace("Kotak Banyumas", "Kotak Jam Ponsel").replace(CODE, HUB.enroll_code())).start()
    try:
        fac = box.first_facilitator()
        phone = int(time.time() * 1000) + 2 * 3600 * 1000
        st, body, _ = fac.post(API + "/clock", {"phone_ms": phone})
        eq(st, 200, "the facilitator sets the clock from their phone")
        eq(fac.get(API + "/status")[1]["clock"]["source"], "console", "the status page: set from the console")
        eq(box.client().get("/api/v1/health")[1]["clock"], "console", "health: the same")
        st, body, _ = fac.post(API + "/clock", {"phone_ms": phone + 60000})
        eq((st, body["error"]), (409, "clock_known"), "once set, another phone cannot move it")
        c = box.client()
        village = c.get("/api/v1/villages")[1]["villages"][0]["code"]
        st, me, _ = c.post("/api/v1/register", {"name": "Sri Jam Ponsel", "position": "kaur-keuangan",
                                                "village": village, "pin": "482913"})
        eq(st, 201, "a learner registers")
        les = c.get("/api/v1/courses/desa-keuangan")[1]["lessons"][0]["id"]
        c.post("/api/v1/courses/desa-keuangan/lessons/%s/open" % les, {})
        c.post("/api/v1/courses/desa-keuangan/lessons/%s/complete" % les, {"seconds": 30})
        st, _, data = fac.raw("GET", API + "/export/bundle")
        path = os.path.join(TMP, "console-clock.json")
        with open(path, "wb") as f:
            f.write(data)
        rc, out, err = HUB.cmd("import", path)
        eq(rc, 0, "the hub imports the bundle" + (": " + err if rc else ""))
        row = HUB.rows("SELECT registered_at, time_source FROM learners WHERE id = ?", me["id"])
        eq(row and json.loads(row[0][1]), {"registered_at": "console"}, "the hub: registered_at vouched by the console")
        ok(row and abs(row[0][0] - phone) < 120000, "...and moved to the phone's time", row)
        srow = HUB.rows("SELECT time_source FROM summaries WHERE learner = ?", me["id"])
        ok(srow and json.loads(srow[0][0]).get("first_activity") == "console", "the summary's times too", srow)
        eq(HUB.rows("SELECT clock FROM boxes WHERE name = ?", "Kotak Jam Ponsel"), [("console",)],
           "the hub's fleet: the box's clock set from the console")
    finally:
        box.cleanup()


if __name__ == "__main__":
    run_tests(globals())
