"""Bad input gets a clear error and loses nothing stored before: one row per
request and its expected answer, then a check that the data is intact."""

import os
import socket
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, ok, run_tests  # noqa: E402

BOX = Box(extra_conf="[learners]\npin_failures = 3\ncooldown_s = 30\n").start()
C = BOX.client()
st, V, _ = C.get("/api/v1/villages")
VILLAGE = V["villages"][0]["code"]
st, ME, _ = C.post("/api/v1/register", {"name": "Ani Lestari", "position": "kepala-desa",
                                        "village": VILLAGE, "pin": "482913"})
st, CD, _ = C.get("/api/v1/courses/desa-keuangan")
LESSON = CD["lessons"][0]["id"]
C.post("/api/v1/courses/desa-keuangan/lessons/%s/complete" % LESSON, {"seconds": 90})
JSON = {"Content-Type": "application/json"}

# method, path, body, headers, expected status, expected error code
ROWS = [
    ("POST", "/api/v1/register", b"{not json", JSON, 400, "bad_request"),
    ("POST", "/api/v1/register", b"[1,2]", JSON, 400, "bad_request"),
    ("POST", "/api/v1/register", b'{"name": "a", "name": "b"}', JSON, 400, "bad_request"),
    ("POST", "/api/v1/register", b'{"name": "\xff\xfe"}', JSON, 400, "bad_request"),
    ("POST", "/api/v1/register", b'{"name": "x"}', {"Content-Type": "text/plain"}, 400, "bad_request"),
    ("POST", "/api/v1/register", b'{"pad": "' + b"x" * 20000 + b'"}', JSON, 413, "too_large"),
    ("POST", "/api/v1/register", b'{"name": "Ok Name", "position": "raja", "village": "%s", "pin": "482913"}' % VILLAGE.encode(), JSON, 400, "invalid_field"),
    ("POST", "/api/v1/register", b'{"name": "Ok Name", "position": "kepala-desa", "village": "99.99.99.9999", "pin": "482913"}', JSON, 400, "invalid_field"),
    ("POST", "/api/v1/register", b'{"name": "Ok Name", "position": "kepala-desa", "village": "%s", "pin": "12a4"}' % VILLAGE.encode(), JSON, 400, "invalid_field"),
    ("POST", "/api/v1/register", b'{"name": "Ok Name", "position": "kepala-desa", "village": "%s", "pin": "4829"}' % VILLAGE.encode(), JSON, 400, "invalid_field"),
    ("POST", "/api/v1/register", b'{"name": "Ok Name", "position": "kepala-desa", "village": "%s", "pin": "777777"}' % VILLAGE.encode(), JSON, 400, "invalid_field"),
    ("POST", "/api/v1/register", b'{"name": "Ok Name", "position": "kepala-desa", "village": "%s", "pin": "123456"}' % VILLAGE.encode(), JSON, 400, "invalid_field"),
    ("POST", "/api/v1/register", b'{"name": "Ok Name", "position": "kepala-desa", "village": "%s", "pin": "9876543"}' % VILLAGE.encode(), JSON, 400, "invalid_field"),
    ("POST", "/api/v1/register", b'{"name": "<b>x</b>", "position": "kepala-desa", "village": "%s", "pin": "482913"}' % VILLAGE.encode(), JSON, 400, "invalid_field"),
    ("POST", "/api/v1/register", b'{"name": "ANI  lestari", "position": "kepala-desa", "village": "%s", "pin": "482913"}' % VILLAGE.encode(), JSON, 409, "name_taken"),
    # what a page of another site can send without asking: never acted on
    ("POST", "/api/v1/logout", b"", {}, 400, "bad_request"),
    ("POST", "/api/v1/logout", b"a=b", {"Content-Type": "application/x-www-form-urlencoded"}, 400, "bad_request"),
    ("POST", "/api/v1/logout", b"{}", {"Content-Type": "text/plain"}, 400, "bad_request"),
    # the login picker's names only for 2 letters or more
    ("GET", "/api/v1/learners/names", None, {}, 400, "invalid_field"),
    ("GET", "/api/v1/learners/names?q=a", None, {}, 400, "invalid_field"),
    ("GET", "/api/v1/learners/names?q=%3Cb", None, {}, 400, "invalid_field"),
    ("GET", "/api/v1/courses/no-such-course", None, {}, 404, "not_found"),
    ("POST", "/api/v1/courses/desa-keuangan/lessons/no-such/open", b"{}", JSON, 404, "not_found"),
    ("POST", "/api/v1/courses/desa-keuangan/lessons/%s/complete" % LESSON, b'{"seconds": -5}', JSON, 400, "invalid_field"),
    ("POST", "/api/v1/courses/desa-keuangan/lessons/%s/complete" % LESSON, b'{"seconds": "10"}', JSON, 400, "invalid_field"),
    ("PUT", "/api/v1/attempts/%s/answers/q1" % uuid.uuid4(), b'{"choices": ["a"]}', JSON, 404, "not_found"),
    ("POST", "/api/v1/attempts/not-a-uuid/finish", b"{}", JSON, 404, "not_found"),
    ("POST", "/api/v1/courses/desa-keuangan/attempts", b'{"attempt": "123"}', JSON, 400, "invalid_field"),
    ("GET", "/api/v1/nothing-here", None, {}, 404, "not_found"),
    ("PUT", "/api/x", b"{}", JSON, 404, "not_found"),
    ("DELETE", "/api/v2/learners", None, {}, 404, "not_found"),
    ("GET", "/api/", None, {"Host": "connectivitycheck.gstatic.com"}, 404, "not_found"),
    ("GET", "/hub/index.html", None, {}, 404, None),  # the staff dashboard is not on the box
    ("GET", "/hub/hub.js", None, {}, 404, None),
    ("GET", "/api/v1/register", None, {}, 405, "method_not_allowed"),
    ("DELETE", "/api/v1/courses/desa-keuangan", None, {}, 405, "method_not_allowed"),
    ("POST", "/api/v1/courses/desa-keuangan/lessons/%s/time" % LESSON, b'{}', JSON, 400, "invalid_field"),
    ("POST", "/api/v1/courses/desa-keuangan/lessons/%s/time" % LESSON, b'{"seconds": 90000}', JSON, 400, "invalid_field"),
    ("GET", "/../../etc/passwd", None, {}, 400, "bad_request"),
    ("GET", "/%2e%2e/%2e%2e/etc/passwd", None, {}, 400, "bad_request"),
    ("GET", "/packs/../pamong.db", None, {}, 400, "bad_request"),
    ("GET", "/packs/desa-keuangan/1.0.0/lessons/..%2f..%2f..%2fpamong.db", None, {}, 400, "bad_request"),
    ("GET", "/packs/%252e%252e/pamong.db", None, {}, 400, "bad_request"),
    ("GET", "//etc/passwd", None, {}, 400, "bad_request"),
    ("GET", "/index.html%00.js", None, {}, 400, "bad_request"),
    ("GET", "/%ff%fe", None, {}, 400, "bad_request"),
    ("GET", "/packs/desa-keuangan/1.0.0/quiz.json", None, {}, 404, "not_found"),
    ("DELETE", "/index.html", None, {}, 405, "method_not_allowed"),
]


def test_table():
    c = BOX.client()
    c.cookies = dict(C.cookies)
    for method, path, body, headers, want_status, want_code in ROWS:
        st, h, data = c.raw(method, path, body, headers)
        got_code = None
        if data.startswith(b"{"):
            import json
            got_code = json.loads(data).get("error")
        ok((st, got_code) == (want_status, want_code),
           "%s %s -> %d %s" % (method, path[:60], want_status, want_code),
           "got %d %s: %r" % (st, got_code, data[:200]))


def test_absolute_uri_refused():
    s = socket.create_connection(("127.0.0.1", BOX.port))
    s.sendall(b"GET http://10.0.0.1/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n")
    data = s.recv(4096)
    s.close()
    # CivetWeb closes the connection on an absolute URI for another host
    ok(data == b"" or data.startswith(b"HTTP/1.1 400") or data.startswith(b"HTTP/1.1 404"),
       "an absolute-form URI with .. is refused", data[:100])
    ok(b"root:" not in data, "and reveals nothing")


def test_chunked_body_over_limit():
    s = socket.create_connection(("127.0.0.1", BOX.port))
    chunk = b"x" * 8000
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(4)) + b"0\r\n\r\n"
    s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n" + body)
    data = s.recv(4096)
    s.close()
    ok(data.startswith(b"HTTP/1.1 413"), "a chunked body over the limit gets 413", data[:80])


def test_wrong_pin_and_cooldown():
    c = BOX.client()
    for i in range(3):
        st, e, _ = c.post("/api/v1/login", {"name": "Ani Lestari", "pin": "9999"})
        eq((st, e["error"]), (401, "wrong_credentials"), "wrong PIN %d gets 401" % (i + 1))
    st, e, h = c.post("/api/v1/login", {"name": "Ani Lestari", "pin": "482913"})
    eq((st, e["error"]), (429, "cooldown"), "after 3 wrong PINs even the right PIN waits")
    ok(0 < e["retry_after"] <= 30 and h.get("retry-after"), "the wait is told in seconds", e)
    st, e, _ = c.post("/api/v1/login", {"name": "Nobody Here", "pin": "482913"})
    eq((st, e["error"]), (401, "wrong_credentials"), "an unknown name gets the same answer as a wrong PIN")


def test_not_logged_in():
    c = BOX.client()
    for path in ("/api/v1/courses", "/api/v1/resume"):
        st, e, _ = c.get(path)
        eq((st, e["error"]), (401, "not_logged_in"), "%s needs a login" % path)
    st, body, _ = c.get("/api/v1/me")
    eq((st, body), (204, None), "/me without a session cookie is 204, not an error (a first open logs nothing)")
    c.cookies = {"pb_session": "0" * 64}
    st, e, _ = c.get("/api/v1/me")
    eq(st, 401, "a made-up session token is refused")


def test_nothing_lost():
    st, me, _ = C.get("/api/v1/me")
    eq((st, me["id"]), (200, ME["id"]), "the learner and session survived all the bad input")
    st, cd, _ = C.get("/api/v1/courses/desa-keuangan")
    eq((cd["lessons_done"], cd["lessons"][0]["seconds_spent"]), (1, 90), "progress stored before is intact")
    st, h, _ = C.get("/api/v1/health")
    eq(h["learners"], 1, "no learner was created by the bad registrations")


run_tests(globals())
