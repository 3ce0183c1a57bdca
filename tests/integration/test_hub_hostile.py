"""Hostile clients of pamong-hub (security review of the hub): spreadsheet
formulas in names, cross-site form posts, weak staff passwords, name
enumeration by timing, a login limiter behind a proxy, out-of-range upload
numbers, unenrolled boxes with big bodies, and names that hide or reorder
text. One behaviour per test; the hub's log is printed when one fails."""

import csv
import http.client
import io
import json
import os
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Client, eq, ok, run_tests  # noqa: E402
from hubtest import (BoxKey, Hub, chunk, enroll, learner, summary, upload,  # noqa: E402
                     upload_raw)

PASSWORD = "Kopi-Tubruk-7pagi"
PROXY = "127.0.0.2"  # the test's "nginx": all of 127/8 is loopback

hub = Hub(extra_conf="[http]\ntrusted_proxy = %s\n[auth]\nlogin_attempts = 3\n"
          % PROXY).start()
hub.add_user("staf", PASSWORD)
hub.add_user("staf-lain", PASSWORD)  # a name nobody guesses: the baseline login time
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


class From(Client):
    """A client whose connections come from a given loopback address."""

    def __init__(self, port, source):
        Client.__init__(self, port)
        self.source = source

    def _conn(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30,
                                                   source_address=(self.source, 0))
        return self.conn


def login(c, name, password, **headers):
    st, body, hdrs = c.post("/api/v1/hub/login", {"name": name, "password": password},
                            headers=headers)
    return st, body, hdrs


def staff_client():
    c = From(hub.port, "127.0.0.9")
    st, body, _ = c.post("/api/v1/hub/login", {"name": "staf", "password": PASSWORD})
    assert st == 200, (st, body, hub.logtext())
    c.csrf = body["csrf"]
    return c


def test_csv_defuses_formulas_after_blanks():
    # "\t=1+1" is refused at upload now (a control character; see the names
    # tests); the CSV writer's handling of it is in tests/unit/hub/test_report.c
    names = [" =HYPERLINK(\"http://x.test/\",\"klik\")", "   @SUM(1)", "  +1+1", " -2"]
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
    eq(hub.rows("SELECT name FROM users ORDER BY name"), [("staf",), ("staf-lain",)],
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


def test_failures_from_one_address_do_not_lock_the_user_out():
    nginx = From(hub.port, PROXY)
    got = [login(nginx, "staf", "Salah-Tebak-01", **{"X-Forwarded-For": "203.0.113.7"})[0]
           for _ in range(5)]
    eq(got, [401, 401, 401, 429, 429],
       "behind the proxy, the guessing address is cooled down after 3 failures")
    t0 = time.monotonic()
    st, body, _ = login(nginx, "staf", PASSWORD, **{"X-Forwarded-For": "198.51.100.20"})
    took = time.monotonic() - t0
    eq(st, 200, "the real user logs in from another address through the same proxy")
    t0 = time.monotonic()
    st2, _, _ = login(nginx, "staf-lain", PASSWORD, **{"X-Forwarded-For": "198.51.100.21"})
    base = time.monotonic() - t0
    eq(st2, 200, "another staffer logs in meanwhile")
    # relative to a login nobody delays (password hashing slows with load)
    ok(took - base <= 2.5, "the name's failures delayed that login by at most about 2 s"
       " (%.2f s, %.2f s for a login without failures)" % (took, base))
    st, body, hdrs = login(nginx, "staf", PASSWORD, **{"X-Forwarded-For": "203.0.113.7"})
    eq((st, (body or {}).get("error")), (429, "cooldown"),
       "the guessing address stays cooled down, even with the right password")
    ok(int(hdrs.get("retry-after", "0")) > 0, "its 429 carries Retry-After", hdrs)


def test_the_rightmost_forwarded_address_counts():
    nginx = From(hub.port, PROXY)
    got = [login(nginx, "staf", "Salah-Tebak-02",
                 **{"X-Forwarded-For": "10.9.9.%d, 203.0.113.44" % i})[0] for i in range(4)]
    eq(got, [401, 401, 401, 429], "what a client writes before the proxy's entry changes"
       " nothing: 203.0.113.44 is cooled down")
    got = [login(nginx, "tidak-ada", "Salah-Tebak-03", **{"X-Real-IP": "203.0.113.45"})[0]
           for _ in range(4)]
    eq(got, [401, 401, 401, 429], "without X-Forwarded-For the proxy's X-Real-IP counts")


def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored():
    direct = From(hub.port, "127.0.0.3")
    got = [login(direct, "nama-%d" % i, "Salah-Tebak-04",
                 **{"X-Forwarded-For": "192.0.2.%d" % i, "X-Real-IP": "192.0.2.%d" % i})[0]
           for i in range(5)]
    eq(got, [401, 401, 401, 429, 429], "a peer that is not a proxy is counted by its own"
       " address whatever X-Forwarded-For and X-Real-IP say")
    ok("from 127.0.0.3 failed" in hub.logtext() and "192.0.2." not in hub.logtext(),
       "the log names the peer, not the spoofed address", hub.logtext()[-1500:])
    st, _, _ = login(From(hub.port, "127.0.0.4"), "staf", PASSWORD)
    eq(st, 200, "another direct peer still logs in")


TOP = 2 ** 53  # the largest integer JSON readers and SQLite both keep exact


def test_upload_numbers_stay_exact():
    k = BoxKey()
    assert enroll(hub.client(), k, hub.enroll_code())[0] == 201

    def send_chunk(frm, to, seq):
        return upload(hub.client(), k, {"box": k.box_id,
                                        "chunk": {"from_rev": frm, "to_rev": to, "seq": seq},
                                        "learners": [], "summaries": []})[:2]

    for frm, to, seq, field in [(0, 1, -1, "chunk.seq"), (0, 1, 0, "chunk.seq"),
                                (0, 1, TOP + 1, "chunk.seq"), (0, 1, 2 ** 63 - 1, "chunk.seq"),
                                (-1, 1, 1, "chunk.from_rev"), (TOP + 1, TOP + 1, 1, "chunk.from_rev"),
                                (0, TOP + 1, 1, "chunk.to_rev"), (0, 2 ** 63 - 1, 1, "chunk.to_rev"),
                                (5, 4, 1, "chunk.to_rev")]:
        st, ans = send_chunk(frm, to, seq)
        ans = ans or {}
        ok(st == 400 and ans.get("error") == "invalid_field" and ans.get("field") == field
           and field in ans.get("message", ""),
           "from_rev %d, to_rev %d, seq %d -> 400 invalid_field naming %s" % (frm, to, seq, field),
           "got %d %r" % (st, ans))
    eq(hub.rows("SELECT count(*) FROM uploads WHERE box = ?", k.box_id)[0][0], 0,
       "nothing out of range was stored")
    st, ans = send_chunk(TOP, TOP, TOP)
    eq((st, ans), (200, {"acked_rev": 0}), "2^53 itself is accepted")


def test_unenrolled_key_is_refused_before_the_body_is_read():
    h = Hub(extra_conf="[upload]\nmax_body = 16777216\n", flags=["-v"]).start()
    k = BoxKey()
    assert enroll(h.client(), k, h.enroll_code())[0] == 201
    st, _, _ = upload(h.client(), k, chunk(k, 0, 0, 1))
    eq(st, 200, "an enrolled box uploads")
    ok("gunzip" in h.logtext(), "the verbose log shows the enrolled box's upload unzipped",
       h.logtext()[-1500:])
    stranger = BoxKey()
    size = 16 * 1024 * 1024
    s = socket.create_connection(("127.0.0.1", h.port), timeout=10)
    t0 = time.monotonic()
    s.sendall(("POST /api/v1/upload HTTP/1.1\r\nHost: hub.test\r\n"
               "Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
               "X-Pamong-Box: %s\r\nX-Pamong-Signature: %s\r\nContent-Length: %d\r\n\r\n"
               % (stranger.hex, "00" * 64, size)).encode() + b"\x1f\x8b" + b"\0" * 65534)
    s.settimeout(5)
    head = b""
    try:
        while b"}" not in head:
            part = s.recv(4096)
            if not part:
                break
            head += part
    except (socket.timeout, ConnectionResetError):
        pass
    took = time.monotonic() - t0
    s.close()
    ok(head.startswith(b"HTTP/1.1 403") and b"unknown_box" in head,
       "an unknown key announcing 16 MiB gets 403 unknown_box after 64 KiB were sent",
       head[:300])
    ok(took < 3, "the refusal comes at once (%.2f s), without waiting for the body" % took)
    log = h.logtext()
    ok(log.count("gunzip") == 1 and "unknown_box" in log,
       "the log shows the refusal and no decompression for the unknown key", log[-1500:])
    st, ans, _ = upload(h.client(), k, chunk(k, 0, 0, 2))
    eq(st, 200, "the hub still takes the enrolled box's uploads")
    h.cleanup()


# Names that hide or reorder text: (name, why); each upload is refused whole.
BAD_NAMES = [
    ("Siti \u202eanimA", "a right-to-left override"),
    ("Budi\u2067 Santoso\u2069", "a right-to-left isolate"),
    ("Budi\u200bSantoso", "a zero-width space"),
    ("Ani\u200dLestari", "a zero-width joiner"),
    ("\ufeffCitra", "a byte-order mark"),
    ("Andi\u0001", "a C0 control character"),
    ("\t=1+1", "a tab"),
    ("Dewi\u0085", "a C1 control character"),
]


def test_names_that_hide_or_reorder_text_are_refused():
    before = hub.snapshot()
    for name, why in BAD_NAMES:
        good = learner(0, name="Peserta Baik")
        bad = learner(0, name=name)
        st, ans = send(rows_for([good, bad]))
        ans = ans or {}
        ok(st == 400 and ans.get("error") == "invalid_field" and
           ans.get("field") == "learners[1].name",
           "a name with %s is refused: 400 invalid_field learners[1].name" % why,
           "got %d %r" % (st, ans))
    eq(hub.snapshot(), before, "nothing of the refused chunks was stored")


def test_names_are_stored_in_nfc():
    decomposed = "Jose\u0301 Mari\u0301a Nu\u0301n\u0303ez"
    row = rows_for([learner(0, name=decomposed)])[0]
    st, ans = send([row])
    eq(st, 200, "a name with combining accents is accepted")
    eq(hub.rows("SELECT name FROM learners WHERE id = ?", row["id"]),
       [("Jos\u00e9 Mar\u00eda N\u00fa\u00f1ez",)],
       "it is stored in NFC (precomposed characters)")


run_tests(globals())
