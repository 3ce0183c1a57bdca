"""Hostile clients of pamong-hub (security review of the hub): spreadsheet
formulas in names, cross-site form posts, weak staff passwords, name
enumeration by timing, a login limiter behind a proxy, out-of-range upload
numbers, unenrolled boxes with big bodies, and names that hide or reorder
text. One behaviour per test; the hub's log is printed when one fails."""

import csv
import io
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Client, eq, ok, run_tests  # noqa: E402
from hubtest import BoxKey, Hub, chunk, enroll, learner, summary, upload  # noqa: E402

PASSWORD = "Kopi-Tubruk-7pagi"

hub = Hub().start()
hub.add_user("staf", PASSWORD)
box = BoxKey()
assert enroll(hub.client(), box, hub.enroll_code(), "Kotak Uji")[0] == 201
REV = [0]  # the box's last rev and seq, so every upload follows on


def send(learners=(), summaries=()):
    """Upload rows as the next chunk of the test box; (status, answer)."""
    n = len(learners) + len(summaries)
    frm, seq = REV[0], REV[0] + 1
    st, ans, _ = upload(hub.client(), box, chunk(box, frm, frm + n, seq, learners, summaries))
    if st == 200:
        REV[0] = frm + n
    return st, ans


def rows_for(learners):
    """Learner rows renumbered to follow on from the box's last rev."""
    out = []
    for i, row in enumerate(learners):
        out.append(dict(row, rev=REV[0] + i + 1))
    return out


def staff_client():
    c = Client(hub.port)
    st, body, _ = c.post("/api/v1/hub/login", {"name": "staf", "password": PASSWORD})
    assert st == 200, (st, body, hub.logtext())
    c.csrf = body["csrf"]
    return c


def test_csv_defuses_formulas_after_blanks():
    names = [" =HYPERLINK(\"http://x.test/\",\"klik\")", "\t=1+1", "   @SUM(1)"]
    ls = rows_for([learner(0, name=n) for n in names])
    st, ans = send(ls, [summary(r["id"], "desa-administrasi", REV[0] + len(ls) + 1 + i)
                        for i, r in enumerate(ls)])
    eq(st, 200, "learners with formula-like names are stored")
    st, _, data = staff_client().raw("GET", "/api/v1/hub/learners?format=csv")
    eq(st, 200, "the learners CSV answers")
    got = {r[1] for r in csv.reader(io.StringIO(data[3:].decode("utf-8")))}
    for n in names:
        ok("'" + n in got, "CSV cell %r starts with an apostrophe" % n, sorted(got))


# What a cross-site <form> can send (and a few near misses): none of it may
# reach a hub POST that reads JSON.
FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
              "text/plain", "text/plain; charset=utf-8", "application/jsonp", None]


def test_json_posts_refuse_other_content_types():
    staff = staff_client()
    posts = [
        ("/api/v1/hub/login", {"name": "staf", "password": PASSWORD}, {}),
        ("/api/v1/enroll", {"code": "x"}, {}),
        ("/api/v1/hub/enroll-codes", {"ttl_s": 3600}, {"X-CSRF-Token": staff.csrf}),
    ]
    for path, obj, extra in posts:
        for ctype in FORM_TYPES:
            h = dict(extra)
            if ctype is not None:
                h["Content-Type"] = ctype
            st, _, data = staff.raw("POST", path, json.dumps(obj).encode(), h)
            err = json.loads(data).get("error") if data.startswith(b"{") else None
            eq((st, err), (415, "bad_content_type"),
               "POST %s with Content-Type %s is refused" % (path, ctype))
    st, _, _ = staff.raw("POST", "/api/v1/hub/login",
                         json.dumps({"name": "staf", "password": PASSWORD}).encode(),
                         {"Content-Type": "Application/JSON; charset=UTF-8"})
    eq(st, 200, "login with application/json and a charset is accepted")


# add-user refuses weak passwords; (name, password, why).
WEAK = [
    ("budi", "password", "a common password"),
    ("budi", "12345678", "digits only and common"),
    ("budi", "qwerty123", "a common password"),
    ("budi", "rahasia", "too short and common (Indonesian: secret)"),
    ("budi", "bismillah", "a common Indonesian password"),
    ("budi", "Indonesia", "a common Indonesian password, capitalised"),
    ("budi", "sayang123", "a common Indonesian password with digits"),
    ("budi", "admin123", "a common password"),
    ("budi", "pamongdesa", "a common password here"),
    ("budi", "Bismillah2024!", "a common word with a year and a mark"),
    ("budi", "rahasia-123", "a common word with digits"),
    ("budi", "aaaaaaaaaaaa", "one character repeated"),
    ("budi", "korespondensi", "lower-case letters only"),
    ("budi", "8375920184", "digits only"),
    ("budi", "Abc-12", "shorter than 10 characters"),
    ("pengelola.pusat", "Pengelola.Pusat", "the user's own name"),
]


def test_add_user_refuses_weak_passwords():
    for name, pw, why in WEAK:
        rc, _, err = hub.cmd("add-user", name, stdin=pw + "\n")
        ok(rc == 2 and "kata sandi" in err.lower() and "password" in err.lower(),
           "add-user refuses %r (%s) with a message in both languages" % (pw, why),
           "exit %d: %s" % (rc, err))
    eq(hub.rows("SELECT name FROM users ORDER BY name"), [("staf",)],
       "no user was stored for a weak password")
    rc, _, err = hub.cmd("add-user", "budi", stdin="Sawah hijau di Lumbir\n")
    eq(rc, 0, "add-user accepts a long passphrase (%s)" % err.strip())


def test_unknown_names_answer_as_slowly_as_known_ones():
    # its own hub: the limiter must not step in, and each name is tried once
    h = Hub(extra_conf="[auth]\nlogin_attempts = 100\n").start()
    for i in range(5):
        h.add_user("staf%d" % i, PASSWORD)
    c = Client(h.port)
    c.post("/api/v1/hub/login", {"name": "staf0", "password": PASSWORD})  # warm up

    def took(name):
        t0 = time.monotonic()
        st, body, _ = c.post("/api/v1/hub/login", {"name": name, "password": "Salah-Sekali-99"})
        assert st == 401, (st, body)
        return time.monotonic() - t0

    known, unknown = [], []
    for i in range(5):
        known.append(took("staf%d" % i))
        unknown.append(took("tidak-ada-%d" % i))
    mk, mu = statistics.median(known), statistics.median(unknown)
    ok(mu >= mk / 2, "an unknown name takes as long as a known one with a wrong password"
       " (median %.0f ms vs %.0f ms)" % (mu * 1000, mk * 1000),
       "known %r\nunknown %r" % (known, unknown))
    h.cleanup()


run_tests(globals())
