"""pamong-hub's box side: enrollment and signed uploads (docs/SYNC.md).
Starts the real hub on a free port; checks answers and the database."""

import gzip
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import eq, ok, run_tests  # noqa: E402
from hubtest import (BoxKey, Hub, chunk, enroll, learner, summary, upload,  # noqa: E402
                     upload_raw)

hub = Hub(extra_conf="[upload]\nmax_body = 4096\nmax_json = 200000\n").start()
c = hub.client()
key = BoxKey()


def test_health_names_the_program():
    st, body, _ = c.get("/api/v1/health")
    eq(st, 200, "health answers 200")
    eq((body or {}).get("program"), "pamong-hub", "health names pamong-hub")
    eq((body or {}).get("state"), "serving", "health state is serving")
    ok(bool((body or {}).get("version")), "health carries a version", body)


def test_example_config_is_what_print_config_prints():
    import subprocess
    from hubtest import HUB
    from pbtest import ROOT
    out = subprocess.run([HUB, "--print-config"], capture_output=True, text=True).stdout
    with open(os.path.join(ROOT, "firmware", "hub", "pamong-hub.conf.example")) as f:
        eq(out, f.read(), "the shipped example config is exactly what --print-config prints")


def test_enrollment_code_works_once():
    code = hub.enroll_code()
    ok(len(code) == 19 and code.count("-") == 3, "code looks like XXXX-XXXX-XXXX-XXXX", code)
    st, body = enroll(c, key, code)
    eq(st, 201, "first enrollment with a fresh code is 201")
    eq((body or {}).get("box_id"), key.box_id, "enrollment answers the box id")
    st, body = enroll(c, key, code.lower())
    eq(st, 200, "the same box resending the same code (lost answer) gets 200")
    other = BoxKey()
    st, body = enroll(c, other, code)
    eq((st, (body or {}).get("error")), (409, "code_used"),
       "a used code is refused for another box")
    eq(hub.rows("SELECT count(*) FROM boxes")[0][0], 1, "only one box is stored")
    codes = hub.rows("SELECT hash FROM enroll_codes")
    ok(all(code.replace("-", "") not in h for (h,) in codes),
       "the code itself is not stored, only its hash", codes)


def test_enrollment_refusals_store_nothing():
    before = hub.snapshot()
    k = BoxKey()
    cases = [
        ("unknown code", lambda: enroll(c, k, "AAAA-BBBB-CCCC-DDDD"), 403, "bad_code"),
        ("signature by another key", lambda: enroll(c, k, hub.enroll_code(), sign_with=BoxKey()),
         401, "bad_signature"),
    ]
    expired = hub.enroll_code(ttl="60s")
    # let the 60 s code run out without waiting for it
    hub.rows("UPDATE enroll_codes SET expires_at = 1 WHERE used_by IS NULL")
    cases.append(("expired code", lambda: enroll(c, k, expired), 403, "code_expired"))
    cases.append(("same box id again", lambda: enroll(c, _same_id(k), hub.enroll_code()),
                  409, "box_exists"))
    for what, fn, want_st, want_err in cases:
        st, body = fn()
        eq((st, (body or {}).get("error")), (want_st, want_err), "enroll: %s is refused" % what)
    eq(hub.snapshot()["boxes"], before["boxes"], "refused enrollments stored no box")


def _same_id(k):
    k.box_id = key.box_id
    return k


L1 = learner(1)
L2 = learner(2, village="33.02.02.2003")


def test_upload_stores_rows_and_answers_acked_rev():
    rows_l = [L1, L2]
    rows_s = [summary(L1["id"], "desa-administrasi", 3),
              summary(L2["id"], "desa-keuangan", 4, status="in_progress", passed=False,
                      score=None, completed_at=0)]
    st, ans, _ = upload(c, key, chunk(key, 0, 4, 1, rows_l, rows_s))
    eq((st, ans), (200, {"acked_rev": 4}), "a valid chunk is stored and acked up to to_rev")
    eq(hub.rows("SELECT id, name, village, rev FROM learners ORDER BY rev"),
       [(L1["id"], L1["name"], L1["village"], 1), (L2["id"], L2["name"], L2["village"], 2)],
       "learners stored as sent")
    eq(hub.rows("SELECT learner, course, status, best_score, passed, rev FROM summaries"
                " ORDER BY rev"),
       [(L1["id"], "desa-administrasi", "completed", 80, 1, 3),
        (L2["id"], "desa-keuangan", "in_progress", None, 0, 4)],
       "summaries stored as sent")
    eq(hub.rows("SELECT version, pending, clock, acked_rev FROM boxes"),
       [("0.1.0", 0, "hub", 4)], "box health and acked_rev recorded")


def test_replayed_and_resent_chunks_change_nothing():
    before = hub.snapshot()
    old = chunk(key, 0, 4, 1, [dict(L1, name="Nama Lama")],
                [summary(L1["id"], "desa-administrasi", 3, status="in_progress",
                         completed_at=0)],
                health={"version": "0.0.1", "pending": 99, "clock": "unknown"})
    st, ans, body = upload(c, key, old)
    eq((st, ans), (200, {"acked_rev": 4}), "an old chunk is accepted and answers the held rev")
    after = hub.snapshot()
    eq(after["learners"], before["learners"], "an old chunk does not change learners")
    eq(after["summaries"], before["summaries"], "an old chunk does not change summaries")
    eq(after["boxes"], before["boxes"], "an old seq does not roll health back")
    # the exact same bytes again (a captured replay)
    st, ans = upload_raw(c, key.hex, key.sign(body), body)
    eq(st, 200, "an exact replay is answered")
    eq(hub.snapshot()["summaries"], before["summaries"], "an exact replay changes nothing")


def test_newer_rev_updates_and_gap_does_not_advance():
    s = summary(L2["id"], "desa-keuangan", 6)
    st, ans, _ = upload(c, key, chunk(key, 5, 6, 2, [], [s]))
    eq((st, ans), (200, {"acked_rev": 4}), "a chunk after a gap is applied but not acked")
    eq(hub.rows("SELECT status, rev FROM summaries WHERE learner = ?", L2["id"]),
       [("completed", 6)], "its newer row is applied")
    st, ans, _ = upload(c, key, chunk(key, 4, 6, 3, [], [s]))
    eq((st, ans), (200, {"acked_rev": 6}), "the contiguous chunk moves acked_rev")


def test_refusals_store_nothing():
    before = hub.snapshot()
    good = gzip.compress(json.dumps(chunk(key, 6, 7, 9, [learner(7)])).encode())
    stranger = BoxKey()
    tampered = bytearray(good)
    tampered[len(tampered) // 2] ^= 1
    notgz = b"{\"box\": 1}"
    badjson = gzip.compress(b"{not json")
    badfield = gzip.compress(json.dumps(chunk(key, 6, 7, 9, [learner(8)])).encode())
    mismatch = gzip.compress(json.dumps(dict(chunk(key, 6, 7, 9), box=stranger.box_id)).encode())
    bomb = gzip.compress(b" " * 300000)
    big = os.urandom(5000)
    trailing = good + b"xx"
    cases = [  # what, key hex, signature, body, encoding, status, error
        ("no signature", key.hex, "", good, "gzip", 400, "bad_request"),
        ("an unenrolled box", stranger.hex, stranger.sign(good), good, "gzip", 403,
         "unknown_box"),
        ("a body signed by a wrong key", key.hex, stranger.sign(good), good, "gzip", 401,
         "bad_signature"),
        ("a tampered body", key.hex, key.sign(good), bytes(tampered), "gzip", 401,
         "bad_signature"),
        ("a body over the size limit", key.hex, key.sign(big), big, "gzip", 413, "too_large"),
        ("no Content-Encoding gzip", key.hex, key.sign(good), good, None, 415, "bad_encoding"),
        ("a body that is not gzip", key.hex, key.sign(notgz), notgz, "gzip", 400, "bad_gzip"),
        ("gzip with trailing bytes", key.hex, key.sign(trailing), trailing, "gzip", 400,
         "bad_gzip"),
        ("a gzip bomb", key.hex, key.sign(bomb), bomb, "gzip", 413, "too_large"),
        ("gzip of bad JSON", key.hex, key.sign(badjson), badjson, "gzip", 400, "bad_json"),
        ("a row with rev outside the chunk", key.hex, key.sign(badfield), badfield, "gzip",
         400, "invalid_field"),
        ("another box's id", key.hex, key.sign(mismatch), mismatch, "gzip", 403,
         "box_mismatch"),
    ]
    for what, kh, sig, body, enc, want_st, want_err in cases:
        st, ans = upload_raw(c, kh, sig, body, enc)
        eq((st, (ans or {}).get("error")), (want_st, want_err), "upload: %s is refused" % what)
    eq(hub.snapshot(), before, "refused uploads stored nothing")


def test_learner_row_updates_only_with_newer_rev():
    moved = dict(L1, village="33.02.02.2003", rev=10)
    st, ans, _ = upload(c, key, chunk(key, 6, 10, 10, [moved]))
    eq((st, ans), (200, {"acked_rev": 10}), "a newer learner row is acked")
    eq(hub.rows("SELECT village, rev FROM learners WHERE id = ?", L1["id"]),
       [("33.02.02.2003", 10)], "the newer learner row replaced the old one")


def test_a_restored_box_says_why_and_what_it_lost():
    """health.db_reason and db_lost_writes (docs/SYNC.md) are stored and shown
    in the fleet, JSON and CSV, beside the database state."""
    import csv
    import io
    from pbtest import Client
    k = BoxKey()
    eq(enroll(c, k, hub.enroll_code(), "Kotak Pulih")[0], 201, "a box enrolls")
    why = "restored from the backup of 2026-11-29 02:00 (3 writes since were lost)"
    h = {"version": "0.2.0", "disk_free": 10 ** 9, "disk_total": 2 * 10 ** 9, "clock": "hub",
         "db": "degraded", "db_reason": why, "db_lost_writes": 3}
    eq(upload(c, k, chunk(k, 0, 1, 1, [learner(1)], [], h))[0], 200, "a degraded box uploads")
    eq(hub.rows("SELECT db_state, db_reason, db_lost_writes FROM boxes WHERE box_id = ?",
                k.box_id), [("degraded", why, 3)], "the state, the reason and the count are stored")
    hub.add_user("fleet", "Kebun-Kopi-42")
    staff = Client(hub.port)
    eq(staff.post("/api/v1/hub/login", {"name": "fleet", "password": "Kebun-Kopi-42"})[0], 200,
       "staff log in")
    body = staff.get("/api/v1/hub/boxes")[1]
    rows = [dict(zip(body["columns"], r)) for r in body["rows"]]
    mine = [r for r in rows if r["box"] == k.box_id]
    eq([(r["db_state"], r["db_reason"], r["db_lost_writes"]) for r in mine],
       [("degraded", why, 3)], "the fleet answer carries them")
    data = staff.raw("GET", "/api/v1/hub/boxes?format=csv")[2].decode("utf-8-sig")
    got = [r for r in csv.DictReader(io.StringIO(data)) if r.get("box") == k.box_id]
    eq([(r.get("db_state"), r.get("db_reason"), r.get("db_lost_writes")) for r in got],
       [("degraded", why, "3")], "and so does the fleet CSV")
    # a reason over 300 bytes or a count that is not a whole number is dropped
    h = dict(h, db_reason="x" * 301, db_lost_writes="many")
    eq(upload(c, k, chunk(k, 1, 2, 2, [learner(2)], [], h))[0], 200,
       "health out of shape does not refuse the upload")
    eq(hub.rows("SELECT db_state, db_reason, db_lost_writes FROM boxes WHERE box_id = ?",
                k.box_id), [("degraded", None, None)], "the malformed values are not kept")
    h = dict(h, db="ok", db_reason="ok", db_lost_writes=None)
    eq(upload(c, k, chunk(k, 2, 3, 3, [learner(3)], [], h))[0], 200, "healthy again")
    eq(hub.rows("SELECT db_state, db_reason, db_lost_writes FROM boxes WHERE box_id = ?",
                k.box_id), [("ok", "ok", None)], "the box's newest health replaces the old")


run_tests(globals())
