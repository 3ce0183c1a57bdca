"""pamong-hub and a box's merges (a facilitator merged two accounts of one
person, docs/SYNC.md): the upload's "merges" are recorded, the merged
learner's rows of that box are dropped and stay dropped when an older
chunk brings them again; a malformed merge is refused and stores nothing."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import eq, run_tests  # noqa: E402
from hubtest import BoxKey, Hub, chunk, enroll, learner, summary, upload  # noqa: E402

hub = Hub().start()
c = hub.client()
key = BoxKey()
A = learner(1, name="Wati Susilo")
B = learner(2, name="Wati Susila")
OTHER = BoxKey()


def test_setup():
    eq(enroll(c, key, hub.enroll_code())[0], 201, "the box enrolls")
    eq(enroll(c, OTHER, hub.enroll_code())[0], 201, "another box enrolls")
    st, ans, _ = upload(c, key, chunk(key, 0, 4, 1, [A, B], [summary(A["id"], "desa-administrasi", 3),
                                                           summary(B["id"], "desa-keuangan", 4)]))
    eq((st, ans), (200, {"acked_rev": 4}), "both learners and their summaries are uploaded")
    st, ans, _ = upload(c, OTHER, chunk(OTHER, 0, 1, 1, [dict(A, rev=1)], []))
    eq(st, 200, "the other box has a learner of the same id (ids are per box)")


def test_bad_merges_store_nothing():
    before = hub.snapshot()
    for bad in ([{"from": A["id"]}], [{"from": A["id"], "into": A["id"]}], [{"from": "x", "into": B["id"]}],
                {"from": A["id"], "into": B["id"]}, ["x"]):
        body = chunk(key, 4, 5, 2, [], [])
        body["merges"] = bad
        st, ans, _ = upload(c, key, body)
        eq((st, (ans or {}).get("error")), (400, "invalid_field"), "a malformed merge is refused: %r" % (bad,))
    eq(hub.snapshot(), before, "and stores nothing")


def test_merge_is_recorded_and_drops_the_merged_learner():
    body = chunk(key, 4, 7, 3, [], [summary(B["id"], "desa-administrasi", 6)])
    body["merges"] = [{"from": A["id"], "into": B["id"], "rev": 7}]
    st, ans, _ = upload(c, key, body)
    eq((st, ans), (200, {"acked_rev": 7}), "a chunk with a merge is applied")
    eq(hub.rows("SELECT from_id, into_id, rev FROM learner_merges WHERE box = ?", key.box_id),
       [(A["id"], B["id"], 7)], "the hub records which learner went into which")
    eq(hub.rows("SELECT count(*) FROM learners WHERE box = ? AND id = ?", key.box_id, A["id"])[0][0], 0,
       "the merged learner is gone")
    eq(hub.rows("SELECT course FROM summaries WHERE box = ? AND learner = ? ORDER BY course", key.box_id, B["id"]),
       [("desa-administrasi",), ("desa-keuangan",)], "the learner merged into has the merged progress")
    eq(hub.rows("SELECT count(*) FROM summaries WHERE learner = ?", A["id"])[0][0], 0, "A has no summaries left")
    eq(hub.rows("SELECT count(*) FROM learners WHERE box = ? AND id = ?", OTHER.box_id, A["id"])[0][0], 1,
       "the other box's learner of that id is untouched")


def test_an_older_chunk_does_not_bring_the_merged_learner_back():
    st, ans, _ = upload(c, key, chunk(key, 0, 4, 1, [A], [summary(A["id"], "desa-administrasi", 3)]))
    eq(st, 200, "an old chunk (a late bundle) is accepted")
    eq(hub.rows("SELECT count(*) FROM summaries WHERE learner = ? AND box = ?", A["id"], key.box_id)[0][0], 0,
       "the merged learner's summary stays dropped")
    eq(hub.rows("SELECT count(*) FROM learners WHERE id = ? AND box = ?", A["id"], key.box_id)[0][0], 0,
       "and so does the learner")


run_tests(globals())
