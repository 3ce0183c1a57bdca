"""Printables: the attendance list of a village and a day, and a completion
certificate whose verification code the hub checks with the key the box
enrolled with (a forged or altered one does not verify); auth matrix and bad
input."""

import json
import os
import sys
import tarfile
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from hubtest import Hub  # noqa: E402
from pbtest import PACKS, Box, eq, ok, run_tests  # noqa: E402

API = "/api/v1/console"
HUB = Hub().start()
CODE = HUB.enroll_code()
BOX = Box(extra_conf="[sync]\nhub_url = http://127.0.0.1:%d/\nenroll_code = %s\nbox_name = Kotak Kebasen\n"
          "uplinks = nolink9\n" % (HUB.port, CODE)).start()
FAC = BOX.first_facilitator()
COURSE = "desa-administrasi"
STATE = {}


def quiz_answers(course):
    with tarfile.open(os.path.join(PACKS, course + ".pack")) as t:
        quiz = json.load(t.extractfile("quiz.json"))
    return {q["id"]: [c["id"] for c in q["choices"] if c["correct"]] for q in quiz["questions"]}


def register(name, village):
    c = BOX.client()
    st, me, _ = c.post("/api/v1/register", {"name": name, "position": "kepala-desa", "village": village,
                                            "pin": "482913"})
    assert st == 201, (st, me)
    return c, me


def complete(c):
    course = c.get("/api/v1/courses/" + COURSE)[1]
    for les in course["lessons"]:
        c.post("/api/v1/courses/%s/lessons/%s/open" % (COURSE, les["id"]), {})
        c.post("/api/v1/courses/%s/lessons/%s/complete" % (COURSE, les["id"]), {"seconds": 60})
    answers = quiz_answers(COURSE)
    aid = str(uuid.uuid4())
    at = c.post("/api/v1/courses/%s/attempts" % COURSE, {"attempt": aid})[1]
    for q in at["questions"]:
        c.put("/api/v1/attempts/%s/answers/%s" % (aid, q["id"]), {"choices": answers[q["id"]]})
    fin = c.post("/api/v1/attempts/%s/finish" % aid)[1]
    assert fin["course_status"] == "completed", fin


def test_attendance():
    villages = BOX.client().get("/api/v1/villages")[1]["villages"]
    v, other = villages[0]["code"], villages[1]["code"]
    c1, siti = register("Siti Rahayu", v)
    c2, agus = register("Agus Salim", v)
    register("Wayan Sudarma", other)
    complete(c1)
    STATE.update(village=v, siti=siti, agus=agus, c2=c2)
    today = time.strftime("%Y-%m-%d")
    st, body, _ = FAC.get(API + "/print/attendance?village=%s&day=%s" % (v, today))
    eq(st, 200, "the attendance list of a village and a day")
    eq([(x["name"], x["present"]) for x in body["learners"]], [("Agus Salim", True), ("Siti Rahayu", True)],
       "every learner of the village, by name, marked present: both registered today")
    eq((body["village_name"], body["present"]), (villages[0]["name"], 2), "the village is named, two present")
    st, body, _ = FAC.get(API + "/print/attendance?village=%s&day=2020-01-01" % v)
    eq([x["present"] for x in body["learners"]], [False, False], "another day: the same learners, none present")


def test_certificate_verifies_on_the_hub():
    st, cert, _ = FAC.get(API + "/print/certificate?learner=%s&course=%s" % (STATE["siti"]["id"], COURSE))
    eq(st, 200, "a completed course has a certificate")
    eq((cert["name"], cert["course"], cert["score"]), ("Siti Rahayu", COURSE, 100), "for the learner and the course")
    ok(len(cert["code"]) == 14 and cert["code"].count("-") == 2, "a short code XXXX-XXXX-XXXX", cert["code"])
    ok(cert["verify_url"].startswith("http://127.0.0.1:%d/verify.html#" % HUB.port), "a link to the hub's check", cert["verify_url"])
    token = cert["token"]
    hub = HUB.client()
    st, body, _ = hub.get("/api/v1/verify?t=" + token)
    eq((st, body["valid"], body["reason"]), (200, False, "unknown_box"), "before the box enrolled, the hub does not know it")
    # the box carries its data home as a bundle: the hub learns its key and learners
    st, hdrs, data = FAC.raw("GET", API + "/export/bundle")
    path = os.path.join(tempfile.mkdtemp(prefix="pb-print-"), "b.json")
    with open(path, "wb") as f:
        f.write(data)
    rc, out, err = HUB.cmd("import", path)
    eq(rc, 0, "the bundle imports" + (": " + err if rc else ""))
    st, body, _ = hub.get("/api/v1/verify?t=" + token)
    eq((st, body["valid"], body["box_name"], body["name"], body["hub_status"], body["code"]),
       (200, True, "Kotak Kebasen", "Siti Rahayu", "completed", cert["code"]),
       "the hub verifies the certificate with the box's key and shows its own record")
    parts = token.split(".")
    other = ".".join(parts[:2] + ["desa-keuangan"] + parts[3:])
    st, body, _ = hub.get("/api/v1/verify?t=" + other)
    eq((st, body["valid"], body["reason"]), (200, False, "signature"), "the same code for another course does not verify")
    agus = ".".join([parts[0], STATE["agus"]["id"]] + parts[2:])
    st, body, _ = hub.get("/api/v1/verify?t=" + agus)
    eq(body["valid"], False, "...nor for another learner")
    for bad in ("", "x", "a.b.c.d.e", token + ".x", token[:-4]):
        st, body, _ = hub.get("/api/v1/verify?t=" + bad)
        eq((st, body["error"]), (400, "invalid_field"), "a malformed token %r: 400" % bad[:20])
    st, _, page = hub.raw("GET", "/verify.html")
    ok(st == 200 and b"verify.js" in page, "the hub serves the check page")


def test_not_completed_and_bad_input():
    rows = [
        ("/print/certificate?learner=%s&course=%s" % (STATE["agus"]["id"], COURSE), 409, "not_completed"),
        ("/print/certificate?learner=%s&course=nope" % STATE["agus"]["id"], 400, "invalid_field"),
        ("/print/certificate?learner=not-a-uuid&course=%s" % COURSE, 400, "invalid_field"),
        ("/print/certificate?learner=%s&course=%s" % (uuid.uuid4(), COURSE), 404, "not_found"),
        ("/print/certificate", 400, "invalid_field"),
        ("/print/attendance?village=99.99.99.9999&day=2026-01-01", 400, "invalid_field"),
        ("/print/attendance?village=%s&day=2026-13-45" % STATE["village"], 400, "invalid_field"),
        ("/print/attendance?village=%s&day=yesterday" % STATE["village"], 400, "invalid_field"),
        ("/print/attendance?village=%s" % STATE["village"], 400, "invalid_field"),
        ("/print/learners", 400, "invalid_field"),
    ]
    for path, want, err in rows:
        st, body, _ = FAC.get(API + path)
        eq((st, body and body.get("error")), (want, err), "GET %s -> %d %s" % (path[:70], want, err))
    st, body, _ = FAC.get(API + "/print/learners?village=" + STATE["village"])
    eq({x["name"]: x["completed"] for x in body["learners"]}, {"Agus Salim": [], "Siti Rahayu": [COURSE]},
       "the print page's choices: who completed what")


def test_auth_matrix():
    paths = ["/print/attendance?village=%s&day=2026-01-01" % STATE["village"],
             "/print/certificate?learner=%s&course=%s" % (STATE["siti"]["id"], COURSE),
             "/print/learners?village=" + STATE["village"]]
    for p in paths:
        st, _, _ = BOX.client().get(API + p)
        eq(st, 401, "GET %s without a session: 401" % p.split("?")[0])
        st, _, _ = STATE["c2"].get(API + p)
        eq(st, 401, "GET %s with a learner's session: 401" % p.split("?")[0])


if __name__ == "__main__":
    run_tests(globals())
