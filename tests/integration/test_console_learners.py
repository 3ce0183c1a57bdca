"""Helping learners from the facilitator console, over real HTTP against
the real pamongd: two officials of one name on one box, a PIN reset with a
one-time code and the new PIN it leads to, corrections of a name, village
or jabatan, merging two accounts of one person (all progress kept, revs
moved for sync, the merge recorded), each endpoint's auth matrix, CSRF and
bad input."""

import json
import os
import sqlite3
import sys
import tarfile
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import PACKS, Box, eq, ok, run_tests  # noqa: E402

BOX = Box(extra_conf="[learners]\nsource_failures = 1000\nregistrations_per_source = 0\n").start()
FAC = BOX.first_facilitator()
C = "/api/v1/console/"
COURSE = "desa-administrasi"


def villages():
    return [v["code"] for v in BOX.client().get("/api/v1/villages")[1]["villages"]]


V1, V2 = villages()[:2]


def register(name, village=V1, position="sekretaris-desa", pin="482913"):
    c = BOX.client()
    st, me, _ = c.post("/api/v1/register", {"name": name, "position": position,
                                            "village": village, "pin": pin})
    return c, st, me


def db(sql, *args):
    con = sqlite3.connect(BOX.db, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def answers():
    with tarfile.open(os.path.join(PACKS, COURSE + ".pack")) as t:
        quiz = json.load(t.extractfile("quiz.json"))
    return {q["id"]: [c["id"] for c in q["choices"] if c["correct"]] for q in quiz["questions"]}


def study(c, lessons, seconds=60, passing=None):
    """Complete the given lesson indexes; take the quiz (passing or failing) if asked."""
    course = c.get("/api/v1/courses/" + COURSE)[1]
    for i in lessons:
        lid = course["lessons"][i]["id"]
        c.post("/api/v1/courses/%s/lessons/%s/open" % (COURSE, lid))
        eq(c.post("/api/v1/courses/%s/lessons/%s/complete" % (COURSE, lid), {"seconds": seconds})[0], 200,
           "lesson %d completed" % i)
    if passing is not None:
        key = answers()
        aid = str(uuid.uuid4())
        at = c.post("/api/v1/courses/%s/attempts" % COURSE, {"attempt": aid})[1]
        for q in at["questions"]:
            ch = key[q["id"]] if passing else [x["id"] for x in q["choices"] if x["id"] not in key[q["id"]]][:1]
            c.put("/api/v1/attempts/%s/answers/%s" % (aid, q["id"]), {"choices": ch})
        eq(c.post("/api/v1/attempts/%s/finish" % aid)[1]["passed"], passing, "quiz taken")
    return course


def test_namesakes_register_and_choose_at_login():
    a, st, ma = register("Budi Santoso", V1, "kepala-desa")
    eq(st, 201, "the first Budi Santoso registers")
    b, st, mb = register("budi  santoso", V2, "kepala-desa", pin="573920")
    eq(st, 201, "a second Budi Santoso of another village registers too")
    c, st, mc = register("Budi Santoso", V1, "sekretaris-desa", pin="618204")
    eq(st, 201, "a third of the first village but another jabatan registers too")
    _, st, e = register("BUDI SANTOSO", V1, "kepala-desa")
    eq((st, e["error"]), (409, "name_taken"), "the same name, village and jabatan again is refused")
    st, n, _ = BOX.client().get("/api/v1/learners/names?q=budi")
    eq(n["names"].count("Budi Santoso"), 1, "the names list shows the name once")
    x = BOX.client()
    st, e, _ = x.post("/api/v1/login", {"name": "Budi Santoso", "pin": "573920"})
    eq((st, e["error"]), (409, "choose_learner"), "login by the shared name alone asks which one")
    ch = e["choices"]
    eq(len(ch), 3, "with three choices")
    ok(all(set(k) >= {"village", "village_name", "position", "position_label"} and "id" not in k for k in ch),
       "each choice is a village and a jabatan, never an id", ch)
    st, me, _ = x.post("/api/v1/login", {"name": "Budi Santoso", "pin": "573920", "village": V2,
                                         "position": "kepala-desa"})
    eq((st, me["id"]), (200, mb["id"]), "with the village and jabatan the right Budi logs in")
    st, _, _ = x.post("/api/v1/login", {"name": "Budi Santoso", "pin": "573920", "village": V1,
                                        "position": "kepala-desa"})
    eq(st, 401, "another Budi's PIN does not open the first one")


def test_pin_reset():
    a, st, me = register("Sri Wahyuni")
    a2 = BOX.client()
    eq(a2.post("/api/v1/login", {"name": "Sri Wahyuni", "pin": "482913"})[0], 200, "logged in on a second phone")
    st, r, _ = FAC.post(C + "learners/%s/pin" % me["id"])
    eq(st, 200, "the facilitator resets the PIN")
    code = r["code"]
    ok(len(code) == 8 and code.isdigit(), "and gets an 8-digit one-time code to read out", code)
    eq(a.get("/api/v1/me")[0], 401, "the learner's sessions have ended")
    eq(BOX.client().post("/api/v1/login", {"name": "Sri Wahyuni", "pin": "482913"})[0], 401,
       "the old PIN no longer works")
    p1, p2 = BOX.client(), BOX.client()
    st, m1, _ = p1.post("/api/v1/login", {"name": "Sri Wahyuni", "pin": code})
    eq((st, m1["must_set_pin"]), (200, True), "the code logs in and says a new PIN must be set")
    p2.post("/api/v1/login", {"name": "Sri Wahyuni", "pin": code})
    st, e, _ = p1.get("/api/v1/courses")
    eq((st, e["error"]), (403, "pin_change_required"), "nothing else opens before the new PIN")
    eq(p1.get("/api/v1/me")[0], 200, "me still answers")
    for bad in ("123456", "11111111", "12a456", "1234"):
        st, e, _ = p1.post("/api/v1/pin", {"pin": bad})
        eq((st, e.get("field")), (400, "pin"), "a weak or malformed new PIN is refused: %s" % bad)
    st, m, _ = p1.post("/api/v1/pin", {"pin": "705318"})
    eq((st, m["must_set_pin"]), (200, False), "the new PIN is set")
    eq(p1.get("/api/v1/courses")[0], 200, "and the courses open")
    eq(p2.get("/api/v1/me")[0], 401, "the other session made with the code has ended")
    eq(BOX.client().post("/api/v1/login", {"name": "Sri Wahyuni", "pin": code})[0], 401, "the code is used up")
    eq(BOX.client().post("/api/v1/login", {"name": "Sri Wahyuni", "pin": "705318"})[0], 200, "the new PIN logs in")
    audit = FAC.get(C + "audit")[1]["entries"]
    ok(any(x["action"] == "learner_pin_reset" and me["id"] in x["detail"] for x in audit), "the reset is audited")


def test_learner_changes_own_pin():
    a, st, me = register("Agus Salim")
    other = BOX.client()
    other.post("/api/v1/login", {"name": "Agus Salim", "pin": "482913"})
    st, e, _ = a.post("/api/v1/pin", {"pin": "705318"})
    eq((st, e.get("field")), (400, "old_pin"), "without a reset the current PIN is needed")
    st, e, _ = a.post("/api/v1/pin", {"pin": "705318", "old_pin": "000000"})
    eq((st, e.get("field")), (400, "old_pin"), "a wrong current PIN is refused")
    eq(a.post("/api/v1/pin", {"pin": "705318", "old_pin": "482913"})[0], 200, "the PIN is changed")
    eq(a.get("/api/v1/me")[0], 200, "this session goes on")
    eq(other.get("/api/v1/me")[0], 401, "the learner's other session has ended")


def test_edit():
    a, st, me = register("Siti Aminha")
    rev0 = db("SELECT rev FROM learners WHERE id = ?", me["id"])[0][0]
    st, r, _ = FAC.put(C + "learners/" + me["id"], {"name": "Siti  Aminah", "village": V2,
                                                     "position": "kaur-keuangan"})
    eq(st, 200, "the facilitator corrects name, village and jabatan")
    eq((r["name"], r["village"], r["position"]), ("Siti Aminah", V2, "kaur-keuangan"), "the answer has the new values")
    rev1 = db("SELECT rev FROM learners WHERE id = ?", me["id"])[0][0]
    ok(rev1 > rev0, "the learner's rev moved, so sync uploads the correction", (rev0, rev1))
    eq(BOX.client().post("/api/v1/login", {"name": "siti aminah", "pin": "482913"})[0], 200,
       "the learner logs in under the corrected name")
    register("Siti Aminah", V1, "sekretaris-desa", pin="573920")
    st, r, _ = FAC.put(C + "learners/" + me["id"], {"village": V1, "position": "sekretaris-desa"})
    eq((st, r["error"]), (409, "name_taken"), "a correction into another learner's identity is refused")
    cases = [({"name": "X"}, "name"), ({"name": "<b>"}, "name"), ({"name": 7}, "name"),
             ({"village": "99.99.99.9999"}, "village"), ({"village": None}, "village"),
             ({"position": "raja"}, "position")]
    for body, field in cases:
        st, r, _ = FAC.put(C + "learners/" + me["id"], body)
        eq((st, r and r.get("field")), (400, field), "bad %s refused: %r" % (field, body))
    st, r, _ = FAC.get(C + "learners/" + me["id"])
    eq((r["name"], r["village"]), ("Siti Aminah", V2), "nothing changed by the refused corrections")
    eq(FAC.put(C + "learners/" + str(uuid.uuid4()), {"name": "Ada Orang"})[0], 404, "an unknown learner: 404")
    eq(FAC.put(C + "learners/not-a-uuid", {"name": "Ada Orang"})[0], 404, "a malformed id: 404")


def test_merge():
    a, st, ma = register("Wati Susilo", V1, "kaur-umum" if False else "sekretaris-desa")
    b, st, mb = register("Wati Susila", V2, "kepala-desa", pin="573920")
    course = study(a, [0, 1], seconds=100, passing=False)
    study(b, [1, 2], seconds=50)
    revmax = db("SELECT max(rev) FROM events")[0][0]
    st, r, _ = FAC.post(C + "learners/%s/merge" % ma["id"], {"into": mb["id"]})
    eq((st, r), (200, {"merged": ma["id"], "into": mb["id"]}), "the facilitator merges A into B")
    st, d, _ = FAC.get(C + "learners/" + mb["id"])
    s = [x for x in d["courses"] if x["course"] == COURSE][0]
    eq(s["lessons_done"], 3, "B has the lessons done in either account")
    eq(s["seconds_spent"], 100 * 2 + 50 * 2, "the time spent in both adds up")
    eq(s["attempts"], 1, "A's quiz attempt is B's now")
    eq(len(d["attempts"]), 1, "and listed on B's page")
    rows = db("SELECT rev FROM course_summary WHERE learner = ?", mb["id"])
    ok(rows and all(r[0] > revmax for r in rows), "B's summary has a new rev, so sync uploads it", rows)
    eq(db("SELECT count(*) FROM course_summary WHERE learner = ?", ma["id"])[0][0], 0, "A has no summaries left")
    eq(db("SELECT into_id FROM learner_merges WHERE from_id = ?", ma["id"]), [(mb["id"],)],
       "the merge is recorded for sync")
    eq(a.get("/api/v1/me")[0], 401, "A's session has ended")
    eq(BOX.client().post("/api/v1/login", {"name": "Wati Susilo", "pin": "482913"})[0], 401, "A no longer logs in")
    st, n, _ = BOX.client().get("/api/v1/learners/names?q=wati")
    eq(n["names"], ["Wati Susila"], "A is gone from the names list")
    eq(b.get("/api/v1/courses/" + COURSE)[0], 200, "B goes on learning")
    eq(FAC.get(C + "learners/" + ma["id"])[1]["merged_into"], mb["id"], "A's page says where A went")
    st, e, _ = FAC.post(C + "learners/%s/merge" % ma["id"], {"into": mb["id"]})
    eq((st, e["error"]), (409, "merged"), "merging A again is refused")
    st, e, _ = FAC.post(C + "learners/%s/merge" % mb["id"], {"into": mb["id"]})
    eq((st, e.get("field")), (400, "into"), "merging into oneself is refused")
    for bad in (None, 5, "x", str(uuid.uuid4())):
        st, e, _ = FAC.post(C + "learners/%s/merge" % mb["id"], {"into": bad})
        eq((st, e.get("field")), (400, "into"), "a bad into is refused: %r" % bad)
    ok(len(course["lessons"]) >= 3, "the course has three lessons for this test")


def pretest(c, right_of_8):
    """Take desa-keuangan's pre-test (its quiz's questions) with right_of_8 right."""
    with tarfile.open(os.path.join(PACKS, "desa-keuangan.pack")) as t:
        quiz = json.load(t.extractfile("quiz.json"))
    key = {q["id"]: [ch["id"] for ch in q["choices"] if ch["correct"]] for q in quiz["questions"]}
    aid = str(uuid.uuid4())
    st, at, _ = c.post("/api/v1/courses/desa-keuangan/attempts", {"attempt": aid, "kind": "pre"})
    eq(st, 201, "a pre-test starts")
    for i, q in enumerate(at["questions"]):
        ch = key[q["id"]] if i < right_of_8 else [x["id"] for x in q["choices"] if x["id"] not in key[q["id"]]][:1]
        c.put("/api/v1/attempts/%s/answers/%s" % (aid, q["id"]), {"choices": ch})
    return c.post("/api/v1/attempts/%s/finish" % aid, {})[1]["pre_score"]


def test_merge_keeps_the_first_pretest():
    """FORMAT.md: the first finished pre-test is the learner's pre-test score.
    Merged, a person's two accounts keep the earlier of their two pre-tests
    (or the one account's that took it) and the best post-test."""
    a, st, ma = register("Joko Prates", V1, "kepala-desa")
    b, st, mb = register("Joko Pratas", V2, "kepala-desa", pin="573920")
    eq(pretest(a, 3), 37, "A takes the pre-test first: 37")
    eq(pretest(b, 6), 75, "B takes it later: 75")
    eq(pretest(a, 8), 37, "A's second pre-test does not count")
    c, st, mc = register("Joko Pratis", V1, "sekretaris-desa")
    eq(c.get("/api/v1/courses/desa-keuangan")[0], 200, "C opens the course without a pre-test")
    c.post("/api/v1/courses/desa-keuangan/lessons/%s/open" %
           c.get("/api/v1/courses/desa-keuangan")[1]["lessons"][0]["id"])
    eq(FAC.post(C + "learners/%s/merge" % mb["id"], {"into": ma["id"]})[0], 200, "B is merged into A")
    eq(db("SELECT pre_score FROM course_summary WHERE learner = ? AND course = 'desa-keuangan'", ma["id"]),
       [(37,)], "A keeps the earlier pre-test (37), not B's later one")
    eq(FAC.post(C + "learners/%s/merge" % ma["id"], {"into": mc["id"]})[0], 200, "A is merged into C")
    eq(db("SELECT pre_score FROM course_summary WHERE learner = ? AND course = 'desa-keuangan'", mc["id"]),
       [(37,)], "C, who never took it, gets the first pre-test score")
    # the other way round: the later one's account is kept
    d, st, md = register("Rina Prates", V1, "kepala-desa")
    e, st, me = register("Rina Pratas", V2, "kepala-desa", pin="573920")
    eq(pretest(d, 2), 25, "D takes the pre-test first: 25")
    eq(pretest(e, 8), 100, "E later: 100")
    eq(FAC.post(C + "learners/%s/merge" % md["id"], {"into": me["id"]})[0], 200, "D is merged into E")
    eq(db("SELECT pre_score FROM course_summary WHERE learner = ? AND course = 'desa-keuangan'", me["id"]),
       [(25,)], "E's summary takes D's earlier pre-test (25)")
    st, cd, _ = e.get("/api/v1/courses/desa-keuangan")
    eq(cd["pretest"]["score"], 25, "and the learner app shows it")


def test_course_counts_follow_every_change():
    # after registrations, lessons, a quiz, corrections and a merge, Today's
    # per-course figures (kept by triggers) equal a count over the summaries
    st, t, _ = FAC.get(C + "today")
    got = sorted((c["course"], c["started"], c["completed"]) for c in t["courses"])
    want = sorted(db("SELECT course, count(*), sum(status = 'completed') FROM course_summary GROUP BY course"))
    eq(got, [tuple(x) for x in want], "per course: started and completed match the summaries")
    ok(got, "some course was started", got)
    stats = sorted(db("SELECT learner, started, completed, last_activity, lessons, seconds FROM learner_stats"
                      " WHERE started > 0"))
    want = sorted(db("SELECT learner, count(*), sum(status = 'completed'), max(last_activity), sum(lessons_done),"
                     " sum(seconds_spent) FROM course_summary GROUP BY learner"))
    eq(stats, want, "each learner's totals (kept by triggers) match their summaries, merged ones too")


def test_auth_matrix_and_csrf():
    _, _, me = register("Dedi Kurnia")
    learner, _, _ = register("Eka Putri")
    routes = [("GET", C + "learners/" + me["id"], None),
              ("PUT", C + "learners/" + me["id"], {"name": "Dedi Kurniawan"}),
              ("POST", C + "learners/%s/pin" % me["id"], {}),
              ("POST", C + "learners/%s/merge" % me["id"], {"into": str(uuid.uuid4())})]
    anon = BOX.console()
    learner.cookies["pb_console"] = learner.cookies["pb_session"]
    for method, path, body in routes:
        eq(anon.req(method, path, body)[0], 401, "%s %s without a session: 401" % (method, path[16:]))
        eq(learner.req(method, path, body, headers={"X-CSRF-Token": "0" * 32})[0], 401,
           "%s %s with a learner's session: 401" % (method, path[16:]))
        if method != "GET":
            st, e, _ = FAC.req(method, path, body, headers={"X-CSRF-Token": "1" * 32})
            eq((st, e["error"]), (403, "csrf"), "%s %s with a wrong CSRF token: 403" % (method, path[16:]))
    eq(db("SELECT name FROM learners WHERE id = ?", me["id"])[0][0], "Dedi Kurnia", "nothing changed")


run_tests(globals())
