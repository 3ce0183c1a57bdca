"""The hub's running totals (docs/HUB.md, How it stays fast) under uploads
that arrive together: boxes of one province sending, at the same moment,
learners whose progress came in an earlier chunk and new learners with
their progress (on PostgreSQL this used to deadlock now and then: one
upload got 503 and the box sent it again), and a merge that drops a
learner's rows. After every upload is answered, each totals table holds
exactly what counting the stored rows gives: the totals (schema 7) and the
learner rows and completion buckets (schema 8), all kept through the same
appended deltas and fold."""

import os
import random
import re
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Client, eq, ok, run_tests  # noqa: E402
from hubtest import BoxKey, Hub, chunk, enroll, learner, summary, upload  # noqa: E402

hub = Hub().start()
COURSES = ("desa-administrasi", "desa-keuangan", "literasi-digital")
# two villages of one district: every upload shares the province's,
# regency's and district's totals rows
VILLAGES = ("33.02.01.2001", "33.02.01.2002")
ROUNDS = 6
BOXES = 12        # per round, all uploading at once
PER_BOX = 6       # learners of each kind per box

COUNTS = ("sum(CASE WHEN s.status <> 'not_started' AND s.first_activity >= 0 THEN 1 ELSE 0 END),"
          " sum(CASE WHEN s.status = 'in_progress' AND s.first_activity >= 0 THEN 1 ELSE 0 END),"
          " sum(CASE WHEN s.status = 'completed' AND s.completed_at >= 0 THEN 1 ELSE 0 END),"
          " sum(CASE WHEN s.passed <> 0 AND s.completed_at >= 0 THEN 1 ELSE 0 END),"
          " sum(CASE WHEN s.best_score IS NOT NULL AND s.status <> 'not_started'"
          "   AND s.first_activity >= 0 THEN s.best_score ELSE 0 END),"
          " sum(CASE WHEN s.best_score IS NOT NULL AND s.status <> 'not_started'"
          "   AND s.first_activity >= 0 THEN 1 ELSE 0 END)")


def ints(rows):
    return sorted(tuple(int(v) if not isinstance(v, str) else v for v in r) for r in rows)


def counted(h=None):
    """What the totals tables should hold, counted from the stored rows."""
    h = h or hub
    out = {"village_learners": ints(h.rows(
        "SELECT village, count(*) FROM learners GROUP BY village")),
        "village_totals": ints(h.rows(
            "SELECT l.village, s.course, " + COUNTS + " FROM learners l JOIN summaries s"
            " ON s.box = l.box AND s.learner = l.id GROUP BY 1, 2"))}
    units = []
    for n in (2, 5, 8):
        units += h.rows("SELECT %d, substr(village, 1, %d), '', count(*), 0, 0, 0, 0, 0, 0"
                        " FROM learners GROUP BY 2" % (n, n))
        units += h.rows("SELECT %d, substr(l.village, 1, %d), s.course, 0, " % (n, n) + COUNTS +
                        " FROM learners l JOIN summaries s ON s.box = l.box"
                        " AND s.learner = l.id GROUP BY 2, 3")
    out["unit_totals"] = ints(units)
    return out


# report.c's learner list without a date range (totals.c, TQ_LISTED, TQ_GAIN)
LISTED = ("((s.last_activity >= 0 AND s.first_activity < 4611686018427387904)"
          " OR (s.completed_at >= 0 AND s.completed_at < 4611686018427387904))")
GAIN = ("(s.pre_score IS NOT NULL AND s.post_score IS NOT NULL"
        " AND s.first_activity < 4611686018427387904)")


def nonzero(rows, keys):
    return sorted(r for r in ints(rows) if any(v != 0 for v in r[keys:]))


def segment(t):
    """The segment (totals.h) holding time t: its first UTC hour since 1970;
    segments start at 15:00, 16:00 and 17:00 UTC."""
    h = t // 3600000
    return h - (0 if h % 24 in (15, 16) else (h % 24 + 7) % 24)


def counted8(h=None):
    """What schema 8's learner_rows and completion_buckets should hold."""
    h = h or hub
    rows = h.rows("SELECT 0, '', '', count(DISTINCT box), 0, 0 FROM learners")
    for n in (2, 5, 8):
        rows += h.rows(
            "SELECT %d, substr(l.village, 1, %d), s.course, sum(CASE WHEN %s THEN 1 ELSE 0 END),"
            " sum(CASE WHEN %s THEN s.post_score - s.pre_score ELSE 0 END),"
            " sum(CASE WHEN %s THEN 1 ELSE 0 END) FROM learners l JOIN summaries s"
            " ON s.box = l.box AND s.learner = l.id GROUP BY 2, 3" % (n, n, LISTED, GAIN, GAIN))
        rows += h.rows(
            "SELECT %d, substr(l.village, 1, %d), '', count(*), 0, 0 FROM learners l"
            " WHERE EXISTS (SELECT 1 FROM summaries s WHERE s.box = l.box"
            " AND s.learner = l.id) GROUP BY 2" % (n, n))
    buckets = {}
    for village, course, at, ts in h.rows(
            "SELECT l.village, s.course, s.completed_at, s.time_source FROM learners l"
            " JOIN summaries s ON s.box = l.box AND s.learner = l.id"
            " WHERE s.status = 'completed' AND s.completed_at > 0"):
        ts = ts or ""
        src = ('"completed_at":"hub"' in ts, '"completed_at":"phone"' in ts)
        src += (not any(src) and '"completed_at":' in ts, '"completed_at":' not in ts)
        for c in (course, ""):
            for u in ("", village[:2]):
                k = (c, segment(int(at)), u)
                buckets[k] = [a + int(b) for a, b in zip(buckets.get(k, [0] * 4), src)]
    return {"learner_rows": nonzero(rows, 3),
            "completion_buckets": nonzero([k + tuple(v) for k, v in buckets.items()], 3)}


def kept8(h=None):
    h = h or hub
    return {"learner_rows": nonzero(h.rows(
        "SELECT lvl, unit, course, n, gain_sum, gain_n FROM learner_rows"), 3),
        "completion_buckets": nonzero(h.rows(
            "SELECT course, seg, unit, src_hub, src_phone, src_none, src_unknown"
            " FROM completion_buckets"), 3)}


def kept(h=None):
    """The totals tables as they are, without rows that count nothing."""
    h = h or hub
    return {"village_learners": ints(h.rows(
        "SELECT village, learners FROM village_learners WHERE learners <> 0")),
        "village_totals": ints(h.rows(
            "SELECT village, course, started, in_progress, completed, passed, score_sum,"
            " score_n FROM village_totals WHERE started <> 0 OR in_progress <> 0"
            " OR completed <> 0 OR passed <> 0 OR score_sum <> 0 OR score_n <> 0")),
        "unit_totals": ints(h.rows(
            "SELECT lvl, unit, course, learners, started, in_progress, completed, passed,"
            " score_sum, score_n FROM unit_totals WHERE learners <> 0 OR started <> 0"
            " OR in_progress <> 0 OR completed <> 0 OR passed <> 0 OR score_sum <> 0"
            " OR score_n <> 0"))}


def totals_exact(what, h=None):
    want, got = counted(h), kept(h)
    want.update(counted8(h))
    got.update(kept8(h))
    bad = [t for t in want if want[t] != got[t]]
    ok(not bad, "%s: the running totals are what counting the rows gives" % what,
       [(t, sorted(set(want[t]) ^ set(got[t]))[:6]) for t in bad])


def progress(rng, learners, rev):
    out = []
    for lr in learners:
        for course in COURSES:
            rev += 1
            s = summary(lr["id"], course, rev, status=rng.choice(
                ["in_progress", "completed"]), score=rng.randrange(40, 101),
                completed_at=1764403000000 + rng.randrange(0, 3 * 86400) * 1000)
            # the completion time's source, and a pre-test and post-test
            # now and then (the buckets' sources, the learner rows' gain)
            src = rng.choice(["hub", "phone", "none", None])
            if src is not None:
                s["time_source"] = {"completed_at": src}
            if rng.random() < 0.5:
                s["pre_score"], s["post_score"] = rng.randrange(0, 60), rng.randrange(40, 101)
            out.append(s)
    return out, rev


def make_box(rng, i):
    """Two chunks of a box. Even boxes: first the progress of learners X
    (village 1) without them, then X and new learners Y (village 2) with
    Y's progress. Odd boxes: first learners Z (village 2) with progress,
    then only newer progress of Z. The second chunks, sent together, meet
    the district's shared rows in both orders: one counts X's earlier
    progress before Y's, the other Z's alone."""
    key = BoxKey()
    rev = 0
    if i % 2 == 0:
        xs = [learner(rev + k + 1, village=VILLAGES[0]) for k in range(PER_BOX)]
        rev += PER_BOX
        first, rev = progress(rng, xs, rev)
        c1 = chunk(key, 0, rev, 1, [], first)
        mid = rev
        for lr in xs:
            rev += 1
            lr["rev"] = rev
        ys = [learner(rev + k + 1, village=VILLAGES[1]) for k in range(PER_BOX)]
        rev += PER_BOX
        second, rev = progress(rng, ys, rev)
        return key, c1, chunk(key, mid, rev, 2, xs + ys, second)
    zs = [learner(rev + k + 1, village=VILLAGES[1]) for k in range(PER_BOX)]
    rev += PER_BOX
    first, rev = progress(rng, zs, rev)
    c1 = chunk(key, 0, rev, 1, zs, first)
    mid = rev
    second, rev = progress(rng, zs, rev)
    return key, c1, chunk(key, mid, rev, 2, [], second)


def test_progress_before_learners_in_one_province_at_once():
    rng = random.Random(7)
    statuses = {}
    lock = threading.Lock()
    for r in range(ROUNDS):
        boxes = [make_box(rng, i) for i in range(BOXES)]
        hc = hub.client()
        for key, c1, _ in boxes:
            assert enroll(hc, key, hub.enroll_code())[0] == 201
            assert upload(hc, key, c1)[0] == 200
        barrier = threading.Barrier(len(boxes))

        def send(key, c2):
            c = Client(hub.port)
            barrier.wait()
            st = upload(c, key, c2)[0]
            with lock:
                statuses[st] = statuses.get(st, 0) + 1
        ts = [threading.Thread(target=send, args=(key, c2)) for key, _, c2 in boxes]
        [t.start() for t in ts]
        [t.join() for t in ts]
    eq(statuses, {200: ROUNDS * BOXES},
       "%d rounds of %d boxes of one district uploading at once, half with learners whose"
       " progress came first, half with new progress alone: every upload answered 200"
       " (none cancelled as a deadlock)" % (ROUNDS, BOXES))
    eq(hub.rows("SELECT count(*) FROM learners")[0][0], ROUNDS * BOXES * PER_BOX * 3 // 2,
       "every learner stored")
    totals_exact("after the uploads")


def test_a_merge_takes_its_counts_away():
    key = BoxKey()
    hc = hub.client()
    eq(enroll(hc, key, hub.enroll_code())[0], 201, "a box enrolls")
    a, b = learner(1, village=VILLAGES[0]), learner(2, village=VILLAGES[1])
    eq(upload(hc, key, chunk(key, 0, 4, 1, [a, b], [
        summary(a["id"], COURSES[0], 3), summary(b["id"], COURSES[1], 4)]))[0], 200,
       "two learners and their progress")
    totals_exact("before the merge")
    body = chunk(key, 4, 6, 2, [], [summary(b["id"], COURSES[0], 6)])
    body["merges"] = [{"from": a["id"], "into": b["id"], "rev": 5}]
    eq(upload(hc, key, body)[0], 200, "a merges into b")
    eq(hub.rows("SELECT count(*) FROM learners WHERE box = ?", key.box_id)[0][0], 1,
       "the merged learner's rows are dropped")
    totals_exact("after the merge (the dropped learner and progress no longer count)")


def test_moves_replays_and_keys_sent_twice():
    """One box's chunks in random shapes: learners moving village (to
    another district and regency too), progress replaced by newer revs,
    a key sent twice in one chunk (the higher rev kept, in either order),
    a completion undone, and a chunk sent again (older than the rows
    stored). After each
    upload the rows are the newest of each key and the totals are exact
    (SQLite applies a chunk set by set, PostgreSQL per statement)."""
    rng = random.Random(11)
    key = BoxKey()
    hc = hub.client()
    eq(enroll(hc, key, hub.enroll_code())[0], 201, "a box enrolls")
    places = VILLAGES + ("33.02.02.2003", "33.03.01.2004")
    people = [learner(k + 1, village=rng.choice(places)) for k in range(8)]
    want_l, want_s = {}, {}
    rev, seq, sent, bad = 0, 0, [], []
    for r in range(10):
        lo = rev
        ls, ss = [], []
        for lr in rng.sample(people, 4):
            rev += 1
            lr = dict(lr, rev=rev, village=rng.choice(places))
            ls.append(lr)
        for lr in rng.sample(people, 5):
            for course in rng.sample(COURSES, 2):
                rev += 1
                s = summary(lr["id"], course, rev, status=rng.choice(["in_progress", "completed"]),
                            score=rng.randrange(40, 101),
                            completed_at=1764403000000 + rng.randrange(0, 3 * 86400) * 1000)
                ss.append(s)
                if rng.random() < 0.3:  # the same key again, newer or older
                    rev += 1
                    t = dict(s, rev=rev, status="completed", best_score=rng.randrange(40, 101))
                    ss.insert(rng.randrange(len(ss) + 1), t)
        if r > 3 and want_s and rng.random() < 0.5:  # a stored completion undone
            k = rng.choice(sorted(want_s))
            ss.append(dict(want_s[k][1], rev=lo + 1, status="in_progress"))
        seq += 1
        body = chunk(key, lo, rev, seq, ls, ss)
        sent.append(body)
        if upload(hc, key, body)[0] != 200:
            bad.append(r)
        if r in (4, 8):  # a chunk sent again
            seq += 1
            again = dict(sent[rng.randrange(len(sent))])
            again["chunk"] = dict(again["chunk"], seq=seq)
            if upload(hc, key, again)[0] != 200:
                bad.append(-r)
        for b in sent:
            for lr in b["learners"]:
                if lr["rev"] > want_l.get(lr["id"], (0, None))[0]:
                    want_l[lr["id"]] = (lr["rev"], lr)
            for s in b["summaries"]:
                k = (s["learner"], s["course"])
                if s["rev"] > want_s.get(k, (0, None))[0]:
                    want_s[k] = (s["rev"], s)
        got_l = dict((i, (v, rv)) for i, v, rv in hub.rows(
            "SELECT id, village, rev FROM learners WHERE box = ?", key.box_id))
        got_s = dict(((a, c), (st, rv)) for a, c, st, rv in hub.rows(
            "SELECT learner, course, status, rev FROM summaries WHERE box = ?", key.box_id))
        if got_l != dict((i, (v[1]["village"], v[0])) for i, v in want_l.items()) or \
                got_s != dict((k, (v[1]["status"], v[0])) for k, v in want_s.items()):
            bad.append("rows %d" % r)
        want, got = counted(), kept()
        want.update(counted8())
        got.update(kept8())
        if want != got:
            bad.append("totals %d" % r)
    eq(bad, [], "10 chunks of moves, newer and older revs, keys sent twice and chunks sent"
       " again: each answered 200, the rows the newest of each key, the totals exact")
    totals_exact("after the moves and replays")


BULK = 2000  # learners of a bulk load (SQLite: over 20,000 delta rows, two batches)
DELTAS = ("totals_delta", "learner_rows_delta", "completion_buckets_delta")
later = {}


def bulk_load(h, tag, n):
    """Learners and their progress written into h's stopped database from
    outside, as an operator's bulk load would: the triggers append deltas
    and nobody folds them."""
    h.rows("WITH RECURSIVE i(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM i WHERE k < %d)"
           " INSERT INTO learners(box, id, name, position, village, registered_at, rev)"
           " SELECT 'bulk-%s', '%s-' || k, 'Peserta ' || k, 'staf-desa',"
           " CASE k %% 3 WHEN 0 THEN '33.02.01.2001' WHEN 1 THEN '33.02.02.2003'"
           " ELSE '33.03.01.2004' END, 1764400000000, k FROM i" % (n, tag, tag))
    h.rows("INSERT INTO summaries(box, learner, course, status, lessons_done, lessons_total,"
           " best_score, passed, attempts, seconds_spent, first_activity, last_activity,"
           " completed_at, times_corrected, rev, time_source, pre_score, post_score)"
           " SELECT l.box, l.id, c.course, CASE WHEN l.rev %% 2 = 0 THEN 'completed'"
           " ELSE 'in_progress' END, 4, 4, 70 + l.rev %% 30, l.rev %% 2, 1, 600,"
           " 1764400000000, 1764403000000 + l.rev * 60000, CASE WHEN l.rev %% 2 = 0"
           " THEN 1764403000000 + l.rev * 60000 ELSE 0 END, 0, l.rev + 10000,"
           " '{\"completed_at\":\"hub\"}', 30, 80 FROM learners l CROSS JOIN"
           " (SELECT 'desa-administrasi' AS course UNION ALL SELECT 'desa-keuangan'"
           " UNION ALL SELECT 'literasi-digital') c WHERE l.box = 'bulk-%s'" % tag)


def backlog(h):
    return sum(h.rows("SELECT count(*) FROM %s" % t)[0][0] for t in DELTAS)


def staff(h):
    if "staff" not in later:
        h.add_user("staf", "Kebun-Kopi-42")
        later["staff"] = 1
    c = Client(h.port)
    st, _, _ = c.post("/api/v1/hub/login", {"name": "staf", "password": "Kebun-Kopi-42"})
    return c if st == 200 else None


def areas(c):
    st, body, _ = c.get("/api/v1/hub/areas?unit=33")
    rows = [dict(zip(body["columns"], r)) for r in body["rows"]] if st == 200 else []
    return st, sorted((r["code"], r["learners"], r["started"], r["completed"])
                      for r in rows if r["learners"])


def areas_counted(h):
    return 200, sorted((v, n, st, co) for v, n, st, co in h.rows(
        "SELECT substr(l.village, 1, 5), count(DISTINCT l.box || ' ' || l.id),"
        " sum(CASE WHEN s.status <> 'not_started' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN s.status = 'completed' THEN 1 ELSE 0 END) FROM learners l"
        " JOIN summaries s ON s.box = l.box AND s.learner = l.id GROUP BY 1"))


def test_a_bulk_load_is_folded_in_the_background():
    """The deltas a bulk load leaves are folded after the hub listens, in
    bounded transactions (SQLite: 20,000 delta rows of each table at a
    time), not before it answers; the dashboard is exact meanwhile (it
    folds what is left before it reads)."""
    h = Hub()
    later["hub"] = h
    h.start()
    h.stop()
    bulk_load(h, "a", BULK)
    n = backlog(h)
    ok(n > 0, "a bulk load from outside leaves deltas (%d rows)" % n)
    h.start()
    t0 = time.time()
    while "backlog folded" not in h.logtext() and time.time() - t0 < 120:
        time.sleep(0.2)
    line = [ln for ln in h.logtext().splitlines() if "backlog folded" in ln]
    ok(line, "the hub answers first, then folds the backlog in the background", h.logtext())
    m = re.search(r"(\d+) delta rows in (\d+) batches", line[0] if line else "")
    if h.backend == "sqlite":
        ok(m and int(m.group(1)) == n and int(m.group(2)) >= 2,
           "SQLite: all %d delta rows, in batches of at most 20,000 per table" % n, line)
    eq(backlog(h), 0, "no delta is left")
    totals_exact("after the background fold", h)
    h.stop()
    bulk_load(h, "b", BULK // 4)
    ok(backlog(h) > 0, "a second bulk load leaves deltas again")
    h.start()
    c = staff(h)
    ok(c is not None, "staff log in")
    got = areas(c)
    eq(got, areas_counted(h), "the dashboard asked at once counts every row (the regencies:"
       " learners, started, completed)")
    t0 = time.time()
    while backlog(h) and time.time() - t0 < 120:
        time.sleep(0.2)
    totals_exact("after the second bulk load", h)


def test_a_schema_8_database_migrates():
    """A hub database of schema 8 (learner_merges made by the first merge a
    box sent, or not at all) becomes schema 9 at start: learner_merges kept
    or made by the migration, the totals still what the rows count, and a
    merge recorded before still drops the merged learner's rows a late
    chunk brings."""
    h = later["hub"]
    key = BoxKey()
    hc = h.client()
    eq(enroll(hc, key, h.enroll_code())[0], 201, "a box enrolls")
    a, b = learner(1, village=VILLAGES[0]), learner(2, village=VILLAGES[1])
    body = chunk(key, 0, 5, 1, [a, b], [summary(a["id"], COURSES[0], 3),
                                        summary(b["id"], COURSES[1], 4)])
    body["merges"] = [{"from": a["id"], "into": b["id"], "rev": 5}]
    eq(upload(hc, key, body)[0], 200, "a merge is recorded")
    h.stop()
    for dropped in (False, True):
        if dropped:
            h.rows("DROP TABLE learner_merges")
        if h.backend == "sqlite":
            h.rows("PRAGMA user_version = 8")
        else:
            h.rows("UPDATE schema_version SET version = 8")
        seen = len(open(os.path.join(h.tmp, "hub.log"), "rb").read())
        h.start()
        what = "schema 8 without learner_merges" if dropped else "schema 8 with learner_merges"
        with open(os.path.join(h.tmp, "hub.log"), "rb") as f:
            ok(b"migrated to schema version 9" in f.read()[seen:], what + ": migrated to 9")
        if not dropped:
            eq(h.rows("SELECT from_id, into_id FROM learner_merges WHERE box = ?", key.box_id),
               [(a["id"], b["id"])], what + ": the merge recorded before is kept")
            late = chunk(key, 5, 7, 2, [dict(a, rev=6)], [summary(a["id"], COURSES[2], 7)])
            eq(upload(h.client(), key, late)[0], 200, what + ": a late chunk with the"
               " merged learner")
            eq(h.rows("SELECT count(*) FROM learners WHERE id = ?", a["id"])[0][0], 0,
               what + ": its rows are dropped again")
        else:
            eq(h.rows("SELECT count(*) FROM learner_merges")[0][0], 0,
               what + ": the migration makes the table")
            c = chunk(key, 7, 8, 3, [], [])
            c["merges"] = [{"from": b["id"], "into": a["id"], "rev": 8}]
            eq(upload(h.client(), key, c)[0], 200, what + ": a merge is recorded after it")
            eq(h.rows("SELECT count(*) FROM learners WHERE box = ?", key.box_id)[0][0], 0,
               what + ": and drops the merged learner's rows")
        totals_exact(what + ", after the migration", h)
        h.stop()
    h.cleanup()


def test_the_hub_logged_no_database_error():
    ok("deadlock" not in hub.logtext().lower(), "no deadlock in the hub's log",
       [ln for ln in hub.logtext().splitlines() if "deadlock" in ln.lower()][:3])


run_tests(globals())
