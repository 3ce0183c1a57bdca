"""A hostile phone (or a buggy app) cannot crash the box or the hub: one row
per hostile request and its expected refusal, and after each group the
process is still alive and answers health (issue: hostile phone)."""

import gzip
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import AREA_FILE, Box, eq, ok, run_tests  # noqa: E402
from hubtest import BoxKey, Hub, chunk, enroll, learner, upload, upload_raw  # noqa: E402

JSON = {"Content-Type": "application/json"}
DEEP = 1000  # the box died at 968 levels, the hub at 1,000


def deep_array(n=DEEP):
    return b"[" * n + b"]" * n


def deep_in_object(n=DEEP):
    return b'{"name": ' + deep_array(n) + b"}"


BOX = Box().start()
C = BOX.client()
st, V, _ = C.get("/api/v1/villages")
VILLAGE = V["villages"][0]["code"]
st, ME, _ = C.post("/api/v1/register", {"name": "Ani Lestari", "position": "kepala-desa",
                                        "village": VILLAGE, "pin": "482913"})
st, CD, _ = C.get("/api/v1/courses/desa-keuangan")
LESSON = CD["lessons"][0]["id"]
st, AT, _ = C.post("/api/v1/courses/desa-keuangan/attempts", {"attempt": str(uuid.uuid4())})
ATTEMPT = AT.get("attempt") or AT.get("id")

# Every POST/PUT under /api/v1/, logged in or not (without a login, a write
# that needs one is refused before its body is read).
BOX_WRITES = [
    ("POST", "/api/v1/login"),
    ("POST", "/api/v1/register"),
    ("POST", "/api/v1/logout"),
    ("POST", "/api/v1/courses/desa-keuangan/lessons/%s/open" % LESSON),
    ("POST", "/api/v1/courses/desa-keuangan/lessons/%s/complete" % LESSON),
    ("POST", "/api/v1/courses/desa-keuangan/lessons/%s/time" % LESSON),
    ("POST", "/api/v1/courses/desa-keuangan/attempts"),
    ("PUT", "/api/v1/attempts/%s/answers/q1" % ATTEMPT),
    ("POST", "/api/v1/attempts/%s/finish" % ATTEMPT),
]


def box_alive(what):
    st, h, _ = BOX.client().get("/api/v1/health")
    ok(BOX.proc.poll() is None and st == 200, "%s: pamongd is alive and answers health" % what,
       BOX.logtext()[-1500:])


def test_box_refuses_deep_json():
    for body, kind in ((deep_array(), "array"), (deep_in_object(), "object")):
        for cookies in ({}, dict(C.cookies)):
            c = BOX.client()
            c.cookies = cookies
            for method, path in BOX_WRITES:
                st, _, data = c.raw(method, path, body, JSON)
                code = json.loads(data).get("error") if data.startswith(b"{") else None
                public = path.rsplit("/", 1)[1] in ("login", "register", "logout")
                want = (400, "bad_request") if cookies or public else (401, "not_logged_in")
                ok((st, code) == want,
                   "%s %s with %d nested %s%s -> %d" % (method, path[:50], DEEP, kind,
                                                     " (logged in)" if cookies else "", want[0]),
                   "got %d %r" % (st, data[:120]))
        box_alive("after %d-deep %s bodies" % (DEEP, kind))


# The console's JSON writes, with a facilitator's session and CSRF token
# (restart and shutdown read no body; uploads are not JSON).
CONSOLE_WRITES = [
    ("POST", "/api/v1/console/setup"),
    ("POST", "/api/v1/console/login"),
    ("POST", "/api/v1/console/password"),
    ("POST", "/api/v1/console/facilitators"),
    ("PUT", "/api/v1/console/facilitators/%s" % ("0" * 36)),
    ("PUT", "/api/v1/console/learners/%s" % ME.get("id", "x")),
    ("POST", "/api/v1/console/learners/%s/pin" % ME.get("id", "x")),
    ("POST", "/api/v1/console/learners/%s/merge" % ME.get("id", "x")),
    ("POST", "/api/v1/console/usb/install"),
    ("POST", "/api/v1/console/keys"),
    ("POST", "/api/v1/console/clock"),
    ("PUT", "/api/v1/console/settings"),
]


def test_console_refuses_deep_json():
    fac = BOX.first_facilitator()
    for body, kind in ((deep_array(), "array"), (deep_in_object(), "object")):
        for method, path in CONSOLE_WRITES:
            st, _, data = fac.raw(method, path, body, dict(JSON, **{"X-CSRF-Token": fac.csrf}))
            code = json.loads(data).get("error") if data.startswith(b"{") else None
            ok((st, code) == (400, "bad_request"),
               "%s %s with %d nested %s (facilitator) -> 400" % (method, path[:80], DEEP, kind),
               "got %d %r" % (st, data[:120]))
        box_alive("after %d-deep %s bodies to the console" % (DEEP, kind))
    st, me, _ = fac.get("/api/v1/console/me")
    eq(st, 200, "the facilitator's session still works after them")


def test_box_deep_json_says_why():
    st, _, data = BOX.client().raw("POST", "/api/v1/login", deep_array(40), JSON)
    ok(st == 400 and b"nest" in data, "40 levels are refused and the message says nesting",
       data[:200])
    st, e, _ = BOX.client().post("/api/v1/login", {"name": "Ani Lestari", "pin": "482913"})
    eq(st, 200, "a normal login still works after the refusals")


HUB = Hub(area_file=AREA_FILE).start()
HUB.add_user("staf", "Kebun-Kopi-42")


def hub_alive(what):
    st, _, _ = HUB.client().raw("GET", "/api/v1/health")
    ok(HUB.proc.poll() is None and st == 200, "%s: pamong-hub is alive and answers health" % what,
       HUB.logtext()[-1500:])


def test_hub_refuses_deep_json():
    c = HUB.client()
    for body, kind in ((deep_array(), "array"), (deep_in_object(), "object")):
        st, _, data = c.raw("POST", "/api/v1/hub/login", body, JSON)
        eq(st, 400, "hub login with %d nested %s -> 400" % (DEEP, kind))
        st, _, data = c.raw("POST", "/api/v1/enroll", body, JSON)
        eq(st, 400, "hub enroll with %d nested %s -> 400" % (DEEP, kind))
        hub_alive("after %d-deep %s bodies" % (DEEP, kind))


def test_hub_refuses_deep_upload():
    key = BoxKey()
    st, _ = enroll(HUB.client(), key, HUB.enroll_code())
    eq(st, 201, "a box enrolls")
    good = chunk(key, 0, 1, 1)
    raw = json.dumps(good).encode()
    bad = raw[:-1] + b', "extra": ' + deep_array() + b"}"
    body = gzip.compress(bad)
    st, ans = upload_raw(HUB.client(), key.hex, key.sign(body), body)
    ok(st == 400 and ans and ans.get("error") == "bad_json" and "nest" in ans.get("message", ""),
       "a signed upload nesting %d deep -> 400 bad_json saying nesting" % DEEP, ans)
    hub_alive("after a deep upload")
    body = gzip.compress(raw)
    st, ans = upload_raw(HUB.client(), key.hex, key.sign(body), body)
    eq(st, 200, "the same box's normal upload is still accepted")


# Names that look like "Siti Aminah" (names_key in firmware/common/names.c):
# (spelling, what) — one name on the box and again at the hub.
LOOKALIKES = [
    ("S\u0131ti Aminah", "a dotless i (U+0131)"),
    ("SITI AM\u0130NAH", "a capital I with a dot (U+0130)"),
    ("Siti Amina\u0127", "an h with a stroke (U+0127)"),
    ("S\u0131t\u0131 Am\u0131nah", "three dotless i"),
]
# Spellings the box refuses outright (other scripts, compatibility forms, a
# combining mark left over after NFC); the hub takes other scripts, so it
# compares them too.
OTHER_SCRIPTS = [
    ("Si\u0307ti Aminah", "an i with a combining dot above"),
    ("\u0405iti Aminah", "a Cyrillic DZE for S"),
    ("Siti \u0410minah", "a Cyrillic A"),
    ("Siti Amin\u03b1h", "a Greek alpha"),
    ("\uff33iti Aminah", "a full-width S"),
]


def test_box_lookalike_names_are_one_name():
    c = BOX.client()
    st, siti, _ = c.post("/api/v1/register", {"name": "Siti Aminah", "position": "kepala-desa",
                                              "village": VILLAGE, "pin": "583920"})
    eq(st, 201, "Siti Aminah registers")
    for name, what in LOOKALIKES:
        st, body, _ = BOX.client().post("/api/v1/register", {
            "name": name, "position": "kepala-desa", "village": VILLAGE, "pin": "583920"})
        ok(st == 409 and body.get("error") == "name_taken",
           "the box finds %r (%s) is Siti Aminah: 409 name_taken" % (name, what),
           "got %d %r" % (st, body))
    for name, what in OTHER_SCRIPTS:
        st, body, _ = BOX.client().post("/api/v1/register", {
            "name": name, "position": "kepala-desa", "village": VILLAGE, "pin": "583920"})
        ok(st == 400 and body.get("error") == "invalid_field",
           "the box refuses %r (%s): 400 invalid_field" % (name, what), "got %d %r" % (st, body))
    st, me, _ = BOX.client().post("/api/v1/login", {"name": "S\u0131ti am\u0131nah",
                                                    "pin": "583920"})
    ok(st == 200 and me.get("id") == siti.get("id"),
       "logging in with a look-alike spelling finds Siti Aminah", "got %d %r" % (st, me))
    st, names, _ = BOX.client().get("/api/v1/learners/names?q=si")
    eq([n for n in names.get("names", []) if "min" in n], ["Siti Aminah"],
       "the login picker shows Siti Aminah once")
    box_alive("after look-alike names")


def test_hub_lookalike_names_are_one_name():
    key = BoxKey()
    st, _ = enroll(HUB.client(), key, HUB.enroll_code())
    eq(st, 201, "a box enrolls")
    siti = learner(1, name="Siti Aminah")
    st, ans, _ = upload(HUB.client(), key, chunk(key, 0, 1, 1, [siti]))
    eq(st, 200, "Siti Aminah is uploaded")
    seq = [1]
    for name, what in LOOKALIKES + OTHER_SCRIPTS:
        seq[0] += 1
        row = learner(2, name=name)
        st, ans, _ = upload(HUB.client(), key, chunk(key, 1, 2, seq[0], [row]))
        ans = ans or {}
        ok(st == 400 and ans.get("error") == "invalid_field" and
           ans.get("field") == "learners[0].name" and siti["id"] in ans.get("message", ""),
           "the hub finds %r (%s) looks like the stored Siti Aminah: 400 naming her" % (name, what),
           "got %d %r" % (st, ans))
    seq[0] += 1
    pair = [learner(2, name="Lukas Wibowo"), learner(3, name="\u0141ukas Wibowo")]
    st, ans, _ = upload(HUB.client(), key, chunk(key, 1, 3, seq[0], pair))
    ans = ans or {}
    ok(st == 400 and ans.get("field") in ("learners[0].name", "learners[1].name"),
       "two new look-alikes in one chunk (L and L with a stroke) are refused", ans)
    seq[0] += 1
    other = learner(2, name="S\u0131ti Aminah", village="33.02.01.2002")
    renamed = dict(siti, name="Siti Aminah Lestari", rev=3)
    st, ans, _ = upload(HUB.client(), key, chunk(key, 1, 3, seq[0], [other, renamed]))
    eq(st, 200, "the same spelling in another village, and a stored learner renamed, are taken")
    hub_alive("after look-alike names")


run_tests(globals())
