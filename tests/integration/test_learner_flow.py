"""The whole learner flow over real HTTP against the real pamongd with the
sample packs: register, courses, lessons (static files with ETag, Range,
gzip), progress, quiz, certificate, logout/login, resume, restart."""

import gzip
import json
import os
import sqlite3
import sys
import tarfile
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, PACKS, eq, ok, run_tests  # noqa: E402

BOX = Box().start()


def quiz_answers(course):
    """The right answers, read from the built pack (the phone never gets them)."""
    with tarfile.open(os.path.join(PACKS, course + ".pack")) as t:
        quiz = json.load(t.extractfile("quiz.json"))
    return {q["id"]: [c["id"] for c in q["choices"] if c["correct"]] for q in quiz["questions"]}


def a_village(c):
    st, v, _ = c.get("/api/v1/villages")
    return v["villages"][0]["code"]


def register(c, name, pin="482913"):
    return c.post("/api/v1/register", {"name": name, "position": "sekretaris-desa",
                                       "village": a_village(c), "pin": pin,
                                       "client_time": 1764400000000})


def test_health_reports_version_and_state():
    st, h, _ = BOX.client().get("/api/v1/health")
    eq(st, 200, "health answers 200")
    eq((h["program"], h["state"]), ("pamongd", "serving"), "health names the program and its state")
    ok(h["courses"] >= 3, "the sample courses are installed", h)


def test_registration_data():
    c = BOX.client()
    st, p, _ = c.get("/api/v1/positions")
    ok(st == 200 and any(x["id"] == "kepala-desa" for x in p["positions"]), "positions list has kepala-desa", p)
    st, v, _ = c.get("/api/v1/villages")
    ok(st == 200 and len(v["villages"]) > 100, "villages of the configured regency are offered", st)
    ok(all(x["code"].startswith("33.02.") for x in v["villages"]), "only villages of 33.02")


def test_full_flow():
    c = BOX.client()
    st, me, hdrs = register(c, "  Siti   Aminah ")
    eq(st, 201, "register answers 201")
    eq(me["name"], "Siti Aminah", "the name is trimmed and its spaces collapsed")
    cookie = hdrs.get("set-cookie", "")
    ok("HttpOnly" in cookie and "SameSite=Strict" in cookie, "session cookie is HttpOnly and SameSite", cookie)
    ok(c.cookies.get("pb_in") == "1", "beside it pb_in=1, which the page reads (no secret)", c.cookies)
    st, me2, _ = c.get("/api/v1/me")
    eq((st, me2["id"]), (200, me["id"]), "me returns the registered learner")
    del c.cookies["pb_in"]
    st, _, h = c.get("/api/v1/me")
    ok(st == 200 and h.get("set-cookie", "").startswith("pb_in=1;"), "a session without pb_in (older) gets it from /me", h)

    st, cs, _ = c.get("/api/v1/courses")
    eq(st, 200, "course list answers")
    course = next(x for x in cs["courses"] if x["id"] == "desa-administrasi")
    eq((course["status"], course["lessons_done"]), ("not_started", 0), "a new learner has not started")

    st, cd, _ = c.get("/api/v1/courses/desa-administrasi")
    eq(st, 200, "course detail answers")
    lessons = cd["lessons"]
    eq(lessons[0]["state"], "current", "first lesson is current")
    ok(all(l["state"] == "new" for l in lessons[1:]), "the others are new")

    # the lesson file: static, cacheable, compressed
    url = lessons[0]["url"]
    st, h, body = c.raw("GET", url, headers={"Accept-Encoding": "gzip"})
    eq(st, 200, "lesson HTML is served")
    eq(h.get("content-encoding"), "gzip", "lesson HTML is sent gzip-compressed")
    html = gzip.decompress(body).decode()
    ok("<" in html and "script" not in html.lower(), "lesson HTML is a fragment without scripts")
    etag = h.get("etag")
    ok(etag, "lesson has an ETag")
    st, _, _ = c.raw("GET", url, headers={"If-None-Match": etag, "Accept-Encoding": "gzip"})
    eq(st, 304, "the same ETag gets 304 Not Modified")

    for l in lessons[:2]:
        st, r, _ = c.post("/api/v1/courses/desa-administrasi/lessons/%s/open" % l["id"], {"client_time": 1764400001000})
        eq((st, r["state"]), (200, "current"), "opening %s is recorded" % l["id"])
        st, r, _ = c.post("/api/v1/courses/desa-administrasi/lessons/%s/complete" % l["id"], {"seconds": 120})
        eq((st, r["state"]), (200, "done"), "completing %s is recorded" % l["id"])
    eq(r["lessons_done"], 2, "two lessons done")
    st, r, _ = c.post("/api/v1/courses/desa-administrasi/lessons/%s/complete" % lessons[0]["id"], {"seconds": 30})
    eq(r["lessons_done"], 2, "completing a done lesson again does not count it twice")

    st, r, _ = c.post("/api/v1/courses/desa-administrasi/lessons/%s/time" % lessons[2]["id"], {"seconds": 45})
    eq((st, r["state"], r["seconds_spent"]), (200, "current", 45), "time on a lesson left early is recorded without completing it")
    st, r, _ = c.post("/api/v1/courses/desa-administrasi/lessons/%s/time" % lessons[2]["id"], {"seconds": 15})
    eq(r["seconds_spent"], 60, "and adds up")

    st, res, _ = c.get("/api/v1/resume")
    eq((res["course"], res["lesson"]), ("desa-administrasi", lessons[2]["id"]), "resume points at the next lesson")

    # quiz: fail once, then pass
    answers = quiz_answers("desa-administrasi")
    aid = str(uuid.uuid4())
    st, at, _ = c.post("/api/v1/courses/desa-administrasi/attempts", {"attempt": aid})
    eq(st, 201, "attempt created")
    ok(all("correct" not in ch for q in at["questions"] for ch in q["choices"]),
       "questions reach the phone without the right answers")
    ok("explanation" not in json.dumps(at["questions"]), "nor the explanations")
    q0 = at["questions"][0]
    wrong = [ch["id"] for ch in q0["choices"] if ch["id"] not in answers[q0["id"]]][:1]
    st, fb, _ = c.put("/api/v1/attempts/%s/answers/%s" % (aid, q0["id"]), {"choices": wrong})
    eq(st, 200, "answer recorded")
    if at["feedback"] == "immediate":
        eq((fb["correct"], fb["correct_choices"]), (False, answers[q0["id"]]), "immediate feedback tells it was wrong")
        ok(fb["explanation"], "and explains")
    st, fb2, _ = c.put("/api/v1/attempts/%s/answers/%s" % (aid, q0["id"]), {"choices": answers[q0["id"]]})
    eq((st, fb2), (200, fb), "resending an answer returns the first answer; it stands")
    st, fin, _ = c.post("/api/v1/attempts/%s/finish" % aid)
    eq((st, fin["passed"]), (200, False), "one wrong answer and the rest unanswered fails")
    eq(fin["score"], 0, "unanswered questions count as wrong")
    st, fin2, _ = c.post("/api/v1/attempts/%s/finish" % aid)
    eq(fin2["score"], fin["score"], "finishing again returns the same result")
    st, e, _ = c.put("/api/v1/attempts/%s/answers/%s" % (aid, at["questions"][1]["id"]), {"choices": ["a"]})
    eq((st, e["error"]), (409, "attempt_finished"), "a finished attempt takes no answers")

    aid2 = str(uuid.uuid4())
    st, at2, _ = c.post("/api/v1/courses/desa-administrasi/attempts", {"attempt": aid2})
    for q in at2["questions"]:
        st, _, _ = c.put("/api/v1/attempts/%s/answers/%s" % (aid2, q["id"]), {"choices": answers[q["id"]]})
    st, fin, _ = c.post("/api/v1/attempts/%s/finish" % aid2)
    eq((fin["score"], fin["passed"], fin["best_score"]), (100, True, 100), "all right answers pass with 100")
    eq(fin["course_status"], "in_progress", "passing before all lessons are done is not completion")
    st, _, _ = c.get("/api/v1/courses/desa-administrasi/certificate")
    eq(st, 404, "no certificate before the course is completed")

    for l in lessons[2:]:
        c.post("/api/v1/courses/desa-administrasi/lessons/%s/complete" % l["id"], {"seconds": 60})
    st, cd, _ = c.get("/api/v1/courses/desa-administrasi")
    eq((cd["status"], cd["lessons_done"], cd["quiz"]["passed"]), ("completed", len(lessons), True),
       "all lessons and a pass complete the course")
    st, cert, _ = c.get("/api/v1/courses/desa-administrasi/certificate")
    eq((st, cert["learner"], cert["score"]), (200, "Siti Aminah", 100), "the certificate names the learner and score")

    # logout, login, resume; restart keeps everything
    st, _, _ = c.post("/api/v1/logout")
    eq(st, 204, "logout")
    st, _, _ = c.get("/api/v1/me")
    eq(st, 204, "after logout the session is gone (no cookie left: 204, not logged in)")
    st, me3, _ = c.post("/api/v1/login", {"name": "siti aminah", "pin": "482913"})
    eq((st, me3["id"]), (200, me["id"]), "login with name in other case and PIN")

    BOX.stop()
    BOX.start()
    st, cd2, _ = c.get("/api/v1/courses/desa-administrasi")
    eq((st, cd2["status"], cd2["lessons_done"], cd2["quiz"]["best_score"]), (200, "completed", len(lessons), 100),
       "after a restart the session and all progress are still there")


def test_media_range_requests():
    c = BOX.client()
    register(c, "Budi Santoso")
    st, cd, _ = c.get("/api/v1/courses/literasi-digital")
    base = cd["lessons"][0]["url"].rsplit("/lessons/", 1)[0]
    with tarfile.open(os.path.join(PACKS, "literasi-digital.pack")) as t:
        media = [m.name for m in t.getmembers() if m.name.startswith("media/") and m.name.endswith(".mp3")]
        size = t.getmember(media[0]).size
    ok(media, "the course has an audio file")
    st, h, body = c.raw("GET", base + "/" + media[0], headers={"Range": "bytes=100-199"})
    eq((st, len(body)), (206, 100), "a Range request gets 206 and exactly the bytes asked for")
    ok(h.get("content-range", "").startswith("bytes 100-199/%d" % size), "Content-Range names the part and the size", h)
    eq(h.get("accept-ranges"), "bytes", "Accept-Ranges: bytes")


def test_visit_time_counts_once():
    """A /time or /complete sent again with the same visit and total (its
    reply lost) adds nothing; a later total adds only the difference."""
    c = BOX.client()
    register(c, "Tini Waktu")
    base = "/api/v1/courses/desa-keuangan/lessons/"
    st, cd, _ = c.get("/api/v1/courses/desa-keuangan")
    l0 = cd["lessons"][0]["id"]
    visit = str(uuid.uuid4())
    for _ in range(2):
        st, r, _ = c.post(base + l0 + "/time", {"seconds": 40, "visit": visit, "total": 40})
        eq((st, r["seconds_spent"]), (200, 40), "a /time of 40 s, sent twice, counts 40 s")
    for _ in range(2):
        st, r, _ = c.post(base + l0 + "/complete", {"seconds": 25, "visit": visit, "total": 65})
        eq((st, r["state"]), (200, "done"), "done with the visit's total of 65 s, sent twice")
    st, cd, _ = c.get("/api/v1/courses/desa-keuangan")
    eq(cd["lessons"][0]["seconds_spent"], 65, "the visit's 65 s are counted once")
    st, r, _ = c.post(base + l0 + "/time", {"seconds": 10, "visit": "not-a-uuid", "total": 10})
    eq((st, r.get("field")), (400, "visit"), "a visit that is not a UUID is refused")
    st, r, _ = c.post(base + l0 + "/time", {"seconds": 10, "visit": visit})
    eq((st, r.get("field")), (400, "total"), "a visit needs its total")
    st, r, _ = c.post(base + l0 + "/time", {"seconds": 10})
    eq((st, r["seconds_spent"]), (200, 75), "without a visit, seconds are added as before")


def test_pretest_and_posttest():
    """desa-keuangan declares a pre-test (its quiz's questions, skippable):
    taken before the lessons it is scored but is no quiz attempt; the first
    one counts; the final quiz is the post-test; both scores are kept."""
    c = BOX.client()
    register(c, "Dedi Tes Awal")
    st, cd, _ = c.get("/api/v1/courses/desa-keuangan")
    eq(cd.get("pretest"), {"questions": 8, "skippable": True, "score": None},
       "the course says it has a skippable 8-question pre-test, not taken yet")
    base = cd["lessons"][0]["url"].rsplit("/lessons/", 1)[0]
    st, _, body = c.raw("GET", base + "/pretest.json")
    ok(st == 404 and b"correct" not in body, "pretest.json (with its answers) is never served (got %d)" % st)
    st, cd2, _ = c.get("/api/v1/courses/desa-administrasi")
    ok("pretest" not in cd2, "a course without one says nothing of it")
    st, e, _ = c.post("/api/v1/courses/desa-administrasi/attempts", {"attempt": str(uuid.uuid4()), "kind": "pre"})
    eq(st, 404, "no pre-test attempt on a course without a pre-test")
    st, e, _ = c.post("/api/v1/courses/desa-keuangan/attempts", {"attempt": str(uuid.uuid4()), "kind": "post"})
    eq((st, e.get("field")), (400, "kind"), "kind is pre or quiz")
    right = quiz_answers("desa-keuangan")
    pre = str(uuid.uuid4())
    st, a, _ = c.post("/api/v1/courses/desa-keuangan/attempts", {"attempt": pre, "kind": "pre"})
    eq((st, a["kind"], len(a["questions"])), (201, "pre", 8), "a pre-test attempt starts with its questions")
    qids = [q["id"] for q in a["questions"]]
    eq(a["feedback"], "end", "a pre-test gives no feedback per question")
    for i, q in enumerate(qids):  # 3 of 8 right: 37
        wrong = [ch["id"] for ch in a["questions"][i]["choices"] if ch["id"] not in right[q]][:1]
        c.put("/api/v1/attempts/%s/answers/%s" % (pre, q), {"choices": right[q] if i < 3 else wrong})
    st, f, _ = c.post("/api/v1/attempts/%s/finish" % pre, {})
    eq((st, f["kind"], f["score"], f["passed"], f["pre_score"], f["post_score"]), (200, "pre", 37, False, 37, None),
       "the pre-test is scored (37), never passes, and is the course's pre_score")
    eq(f["results"], [], "and shows no answers (its questions may be the post-test's)")
    st, cd, _ = c.get("/api/v1/courses/desa-keuangan")
    eq((cd["pretest"]["score"], cd["quiz"]["attempts"], cd["quiz"]["best_score"]), (37, 0, None),
       "the course shows the pre-test score; it is no quiz attempt")
    pre2 = str(uuid.uuid4())
    c.post("/api/v1/courses/desa-keuangan/attempts", {"attempt": pre2, "kind": "pre"})
    for q in qids:
        c.put("/api/v1/attempts/%s/answers/%s" % (pre2, q), {"choices": right[q]})
    st, f, _ = c.post("/api/v1/attempts/%s/finish" % pre2, {})
    eq((f["score"], f["pre_score"]), (100, 37), "a second pre-test does not replace the first score")
    post = str(uuid.uuid4())
    st, a, _ = c.post("/api/v1/courses/desa-keuangan/attempts", {"attempt": post})
    eq((st, a["kind"]), (201, "quiz"), "the final quiz (the post-test) starts as before")
    st, e, _ = c.post("/api/v1/courses/desa-keuangan/attempts", {"attempt": pre, "kind": "quiz"})
    eq(st, 409, "a pre-test attempt id cannot be reused for the quiz")
    for q in qids:
        c.put("/api/v1/attempts/%s/answers/%s" % (post, q), {"choices": right[q]})
    st, f, _ = c.post("/api/v1/attempts/%s/finish" % post, {})
    eq((f["kind"], f["score"], f["passed"], f["pre_score"], f["post_score"]), ("quiz", 100, True, 37, 100),
       "the post-test's result carries both scores")
    db = sqlite3.connect("file:%s?mode=ro" % BOX.db, uri=True)
    rows = db.execute("SELECT a.kind, a.score FROM attempts a JOIN learners l ON l.id = a.learner "
                      "WHERE l.name = 'Dedi Tes Awal' ORDER BY a.rowid").fetchall()
    eq(rows, [("pre", 37), ("pre", 100), ("quiz", 100)], "the box stores each attempt with its kind")
    rows = db.execute("SELECT s.pre_score, s.best_score FROM course_summary s JOIN learners l ON l.id = s.learner "
                      "WHERE l.name = 'Dedi Tes Awal'").fetchall()
    eq(rows, [(37, 100)], "and both scores in the course summary")
    db.close()


def test_video_seeking_and_captions():
    """The sample lesson video through CivetWeb as a phone seeks in it: a
    Range into the middle of the real MP4, the poster and the captions as
    text/vtt."""
    c = BOX.client()
    register(c, "Rina Video")
    st, cd, _ = c.get("/api/v1/courses/desa-administrasi")
    lesson = [l for l in cd["lessons"] if l["id"] == "musyawarah-desa"][0]
    st, _, html = c.raw("GET", lesson["url"])
    ok(b'<video controls preload="none" playsinline src="../media/musyawarah.mp4" poster="../media/musyawarah.jpg">'
       in html and b'<track kind="captions" label="CC" default src="../media/musyawarah.vtt">' in html,
       "the lesson has the video with its poster and captions, nothing loaded before a tap", html[:300])
    base = lesson["url"].rsplit("/lessons/", 1)[0]
    with tarfile.open(os.path.join(PACKS, "desa-administrasi.pack")) as t:
        video = t.extractfile("media/musyawarah.mp4").read()
    size = len(video)
    ok(100000 < size < 2 * 1024 * 1024, "the video is a real file under the 2 MB budget (%d bytes)" % size)
    mid = size // 2
    st, h, body = c.raw("GET", base + "/media/musyawarah.mp4", headers={"Range": "bytes=%d-%d" % (mid, mid + 65535)})
    eq((st, body), (206, video[mid:mid + 65536]), "a seek into the middle gets 206 with exactly those bytes")
    eq(h.get("content-range"), "bytes %d-%d/%d" % (mid, mid + 65535, size), "Content-Range names the part")
    eq(h.get("content-type"), "video/mp4", "as video/mp4")
    st, h, body = c.raw("GET", base + "/media/musyawarah.mp4", headers={"Range": "bytes=%d-" % (size - 1000)})
    eq((st, body), (206, video[-1000:]), "an open-ended Range from near the end (the MP4 index) gets the rest")
    st, h, body = c.raw("GET", base + "/media/musyawarah.vtt")
    ok(st == 200 and h.get("content-type", "").startswith("text/vtt") and body.startswith(b"WEBVTT"),
       "the captions are served as text/vtt", (st, h.get("content-type")))
    st, h, body = c.raw("GET", base + "/media/musyawarah.jpg")
    ok(st == 200 and body[:3] == b"\xff\xd8\xff", "the poster is served", st)


def test_pack_internals_are_not_served():
    c = BOX.client()
    st, cs, _ = c.get("/api/v1/health")
    for f in ("quiz.json", "course.json", "manifest.json", "manifest.sig"):
        for ver in ("1.0.0", "current"):
            st, _, body = c.raw("GET", "/packs/desa-administrasi/%s/%s" % (ver, f))
            ok(st == 404 and b"correct" not in body, "%s/%s is not served (got %d)" % (ver, f, st))


run_tests(globals())
