"""Watching the class from the facilitator console, over real HTTP against
the real pamongd: today's figures (phones unknown without the hotspot,
active learners, lessons and quizzes today, per course and per village),
the learners table (search, filters, sort, pages) and a learner's page;
their auth matrix and bad input."""

import os
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, ok, run_tests  # noqa: E402

BOX = Box(extra_conf="[learners]\nregistrations_per_source = 0\n").start()
FAC = BOX.first_facilitator()
C = "/api/v1/console/"
COURSE = "desa-administrasi"
VS = [v["code"] for v in BOX.client().get("/api/v1/villages")[1]["villages"]][:3]
PEOPLE = {}


def register(name, village, position):
    c = BOX.client()
    st, me, _ = c.post("/api/v1/register", {"name": name, "position": position, "village": village,
                                            "pin": "482913"})
    eq(st, 201, "%s registers" % name)
    PEOPLE[name] = (c, me)
    return c, me


def test_seed_a_class():
    register("Ani Lestari", VS[0], "kepala-desa")
    register("Budi Hartono", VS[0], "sekretaris-desa")
    register("Citra Dewi", VS[1], "kaur-keuangan")
    register("Dodi Saputra", VS[2], "kepala-desa")
    for name, n in (("Ani Lestari", 2), ("Citra Dewi", 1)):
        c = PEOPLE[name][0]
        lessons = c.get("/api/v1/courses/" + COURSE)[1]["lessons"]
        for les in lessons[:n]:
            c.post("/api/v1/courses/%s/lessons/%s/open" % (COURSE, les["id"]))
            c.post("/api/v1/courses/%s/lessons/%s/complete" % (COURSE, les["id"]), {"seconds": 90})


def test_today():
    since = int(time.time() * 1000) - 3600 * 1000
    st, t, _ = FAC.get(C + "today?since=%d" % since)
    eq(st, 200, "today answers")
    eq(t["phones"], None, "phones connected are unknown without the hotspot's count")
    ok(t["capacity"] > 0, "the radio's capacity is given", t["capacity"])
    eq((t["learners"], t["active_hour"], t["lessons_today"]), (4, 2, 3), "learners, active in the hour, lessons today")
    eq((t["quizzes_today"], t["passed_today"]), (0, 0), "no quiz yet today")
    c = [x for x in t["courses"] if x["course"] == COURSE][0]
    eq((c["started"], c["completed"], c["lessons_today"]), (2, 0, 3), "per course: started, completed, lessons today")
    ok(c["title"] and c["title"] != COURSE, "the course has its title", c)
    v = {x["village"]: x for x in t["villages"]}
    eq((v[VS[0]]["learners"], v[VS[0]]["active"]), (2, 1), "per village: learners and active ones")
    ok(v[VS[0]]["name"], "villages have names", v[VS[0]])
    st, t2, _ = FAC.get(C + "today?since=%d" % (int(time.time() * 1000) + 3600 * 1000))
    eq(t2["lessons_today"], 0, "since= moves the start of the day")


def names(body):
    return [x["name"] for x in body["learners"]]


def test_learners_table():
    st, b, _ = FAC.get(C + "learners")
    eq(st, 200, "the learners table answers")
    eq((b["total"], names(b)), (4, ["Ani Lestari", "Budi Hartono", "Citra Dewi", "Dodi Saputra"]),
       "every learner, by name")
    ok(any(c["id"] == COURSE for c in b["courses"]), "the courses to filter by are listed")
    eq(names(FAC.get(C + "learners?q=dew")[1]), ["Citra Dewi"], "search by the start of a word")
    eq(names(FAC.get(C + "learners?village=" + VS[0])[1]), ["Ani Lestari", "Budi Hartono"], "filter by village")
    eq(names(FAC.get(C + "learners?position=kepala-desa")[1]), ["Ani Lestari", "Dodi Saputra"], "filter by jabatan")
    eq(names(FAC.get(C + "learners?course=" + COURSE)[1]), ["Ani Lestari", "Citra Dewi"], "filter by course: who started it")
    eq(names(FAC.get(C + "learners?course=%s&status=not_started" % COURSE)[1]), ["Budi Hartono", "Dodi Saputra"],
       "filter by a course's status")
    eq(names(FAC.get(C + "learners?status=in_progress")[1]), ["Ani Lestari", "Citra Dewi"], "status without a course")
    eq(names(FAC.get(C + "learners?status=not_started")[1]), ["Budi Hartono", "Dodi Saputra"], "not started at all")
    eq(names(FAC.get(C + "learners?course=%s&sort=progress&dir=desc" % COURSE)[1]), ["Ani Lestari", "Citra Dewi"],
       "sort by progress in a course")
    eq(names(FAC.get(C + "learners?sort=activity&dir=desc")[1])[:2], ["Citra Dewi", "Ani Lestari"],
       "sort by last activity, newest first")
    eq(names(FAC.get(C + "learners?sort=name&dir=desc")[1]), ["Dodi Saputra", "Citra Dewi", "Budi Hartono", "Ani Lestari"],
       "sort by name, descending")
    p1, p2, p3 = (FAC.get(C + "learners?per=3&page=%d" % i)[1] for i in (1, 2, 3))
    eq((names(p1), names(p2), names(p3)), (["Ani Lestari", "Budi Hartono", "Citra Dewi"], ["Dodi Saputra"], []),
       "pages of 3")
    eq((p2["total"], p3["total"]), (4, 4), "every page says the total")
    row = FAC.get(C + "learners?q=ani&course=" + COURSE)[1]["learners"][0]
    eq((row["status"], row["lessons_done"], row["courses_started"], row["seconds_spent"]), ("in_progress", 2, 1, 180),
       "a row has the course's status and progress, the learner's courses and time")


def test_learner_page():
    me = PEOPLE["Ani Lestari"][1]
    st, d, _ = FAC.get(C + "learners/" + me["id"])
    eq(st, 200, "the learner's page answers")
    eq((d["name"], d["seconds_spent"], len(d["courses"]), d["attempts"]), ("Ani Lestari", 180, 1, []),
       "with the learner, time spent, courses and attempts")
    eq(d["courses"][0]["lessons_done"], 2, "and the course's progress")
    eq(FAC.get(C + "learners/" + str(uuid.uuid4()))[0], 404, "an unknown learner: 404")


def test_bad_input():
    for qs, field in (("q=a", "q"), ("q=<x>", "q"), ("village=99", "village"), ("position=raja", "position"),
                      ("course=tidak-ada", "course"), ("status=done", "status"), ("sort=pin", "sort"),
                      ("dir=up", "dir"), ("page=0", "page"), ("page=x", "page"), ("per=500", "per"),
                      ("per=-1", "per"), ("village=" + "9" * 200, "village")):
        st, b, _ = FAC.get(C + "learners?" + qs)
        eq((st, b and b.get("field")), (400, field), "learners?%s is refused" % qs[:30])
    for qs in ("since=abc", "since=-5", "since=99999999999999999999"):
        st, b, _ = FAC.get(C + "today?" + qs)
        eq((st, b and b.get("field")), (400, "since"), "today?%s is refused" % qs)


def test_auth_matrix():
    learner = PEOPLE["Dodi Saputra"][0]
    learner.cookies["pb_console"] = learner.cookies["pb_session"]
    for path in ("today", "learners", "learners/" + PEOPLE["Ani Lestari"][1]["id"]):
        eq(BOX.console().get(C + path)[0], 401, "GET %s without a session: 401" % path[:9])
        eq(learner.get(C + path)[0], 401, "GET %s with a learner's session: 401" % path[:9])


run_tests(globals())
