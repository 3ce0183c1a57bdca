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
from hubtest import BoxKey, Hub, chunk, enroll, upload_raw  # noqa: E402

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


run_tests(globals())
