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
import sys
import threading

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


def counted():
    """What the totals tables should hold, counted from the stored rows."""
    out = {"village_learners": ints(hub.rows(
        "SELECT village, count(*) FROM learners GROUP BY village")),
        "village_totals": ints(hub.rows(
            "SELECT l.village, s.course, " + COUNTS + " FROM learners l JOIN summaries s"
            " ON s.box = l.box AND s.learner = l.id GROUP BY 1, 2"))}
    units = []
    for n in (2, 5, 8):
        units += hub.rows("SELECT %d, substr(village, 1, %d), '', count(*), 0, 0, 0, 0, 0, 0"
                          " FROM learners GROUP BY 2" % (n, n))
        units += hub.rows("SELECT %d, substr(l.village, 1, %d), s.course, 0, " % (n, n) + COUNTS +
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


def counted8():
    """What schema 8's learner_rows and completion_buckets should hold."""
    rows = hub.rows("SELECT 0, '', '', count(DISTINCT box), 0, 0 FROM learners")
    for n in (2, 5, 8):
        rows += hub.rows(
            "SELECT %d, substr(l.village, 1, %d), s.course, sum(CASE WHEN %s THEN 1 ELSE 0 END),"
            " sum(CASE WHEN %s THEN s.post_score - s.pre_score ELSE 0 END),"
            " sum(CASE WHEN %s THEN 1 ELSE 0 END) FROM learners l JOIN summaries s"
            " ON s.box = l.box AND s.learner = l.id GROUP BY 2, 3" % (n, n, LISTED, GAIN, GAIN))
        rows += hub.rows(
            "SELECT %d, substr(l.village, 1, %d), '', count(*), 0, 0 FROM learners l"
            " WHERE EXISTS (SELECT 1 FROM summaries s WHERE s.box = l.box"
            " AND s.learner = l.id) GROUP BY 2" % (n, n))
    buckets = {}
    for village, course, at, ts in hub.rows(
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


def kept8():
    return {"learner_rows": nonzero(hub.rows(
        "SELECT lvl, unit, course, n, gain_sum, gain_n FROM learner_rows"), 3),
        "completion_buckets": nonzero(hub.rows(
            "SELECT course, seg, unit, src_hub, src_phone, src_none, src_unknown"
            " FROM completion_buckets"), 3)}


def kept():
    """The totals tables as they are, without rows that count nothing."""
    return {"village_learners": ints(hub.rows(
        "SELECT village, learners FROM village_learners WHERE learners <> 0")),
        "village_totals": ints(hub.rows(
            "SELECT village, course, started, in_progress, completed, passed, score_sum,"
            " score_n FROM village_totals WHERE started <> 0 OR in_progress <> 0"
            " OR completed <> 0 OR passed <> 0 OR score_sum <> 0 OR score_n <> 0")),
        "unit_totals": ints(hub.rows(
            "SELECT lvl, unit, course, learners, started, in_progress, completed, passed,"
            " score_sum, score_n FROM unit_totals WHERE learners <> 0 OR started <> 0"
            " OR in_progress <> 0 OR completed <> 0 OR passed <> 0 OR score_sum <> 0"
            " OR score_n <> 0"))}


def totals_exact(what):
    want, got = counted(), kept()
    want.update(counted8())
    got.update(kept8())
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


def test_the_hub_logged_no_database_error():
    ok("deadlock" not in hub.logtext().lower(), "no deadlock in the hub's log",
       [ln for ln in hub.logtext().splitlines() if "deadlock" in ln.lower()][:3])


run_tests(globals())
