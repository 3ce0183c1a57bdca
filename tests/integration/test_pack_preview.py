"""pamong-pack new and preview: a new course validates and builds as it is;
preview serves it over the learner app's API on localhost, renders again after
an edit, keeps the last good version while the sources have errors (and says
so in the lesson), answers the quiz from quiz.yaml and serves media with
Range."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import PACK, ROOT, eq, free_port, ok, run_tests  # noqa: E402

TMP = tempfile.mkdtemp(prefix="pb-preview-")
COURSE = os.path.join(TMP, "kursus-baru")


def pack(*args, lang="id_ID.UTF-8"):
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    env["LANG"] = lang
    p = subprocess.run([PACK] + list(args), cwd=ROOT, env=env, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def get(url, headers=None, data=None, method=None):
    req = urllib.request.Request(url, headers=headers or {}, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict((k.lower(), v) for k, v in e.headers.items()), e.read()


def api(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    st, _, raw = get(base + "/api/v1" + path, {"Content-Type": "application/json"}, data, method)
    return st, json.loads(raw) if raw else None


def test_new_course_is_valid():
    st, out, err = pack("new", COURSE)
    eq(st, 0, "new writes a course (%s)" % err.strip())
    for f in ("course.yaml", "quiz.yaml", "lessons/01-pengantar.md", "lessons/02-langkah.md", "media/alur.svg"):
        ok(os.path.isfile(os.path.join(COURSE, f)), "new wrote %s" % f)
    ok("pamong-pack preview " + COURSE in out, "new says what to do next", out)
    st, out, err = pack("validate", COURSE)
    eq((st, err), (0, ""), "the new course validates without a problem or warning")
    ok("2 materi, 2 pertanyaan, 1 berkas media" in out, "two lessons, two questions, one media file", out)
    st, out, err = pack("build", COURSE, "-o", os.path.join(TMP, "baru.pack"))
    eq(st, 0, "and builds (%s)" % err.strip())


def test_new_refuses():
    st, _, err = pack("new", COURSE)
    eq(st, 1, "new refuses a folder that is not empty")
    ok("sudah ada dan berisi" in err and "tidak ada yang ditimpa" in err, "saying nothing is overwritten", err)
    st, _, err = pack("new", os.path.join(TMP, "Kursus Saya"))
    eq(st, 1, "new refuses a folder name that cannot be a course id")
    ok("harus 3 sampai 48 huruf kecil, angka, atau tanda -" in err, "saying what the id must be", err)


def test_preview_renders_again():
    port = free_port()
    log = open(os.path.join(TMP, "preview.log"), "w")
    p = subprocess.Popen([PACK, "preview", COURSE, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    base = "http://127.0.0.1:%d" % port
    try:
        for _ in range(200):
            try:
                if get(base + "/api/v1/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        st, _, page = get(base + "/")
        ok(st == 200 and b'src="/js/main.js"' in page, "preview serves the learner app's own page", st)
        ok(b'<script type="module" src="/__preview/reload.js"></script>\n</head>' in page,
           "with one more script that reloads it when the sources change", page[-300:])
        eq(get(base + "/index.html")[2], page, "/index.html is the same page")
        st, h, js = get(base + "/__preview/reload.js")
        ok(st == 200 and h["content-type"].startswith("text/javascript") and b"/__preview/version" in js
           and b"location.reload()" in js and b"http" not in js, "the script asks the version and reloads (no other host)", js)
        st, _, v1 = get(base + "/__preview/version")
        st, _, v1b = get(base + "/__preview/version")
        eq((st, v1), (200, v1b), "the sources' version stays while nothing changes")
        st, me = api(base, "GET", "/me")
        ok(st == 200 and me["name"], "a stand-in learner is logged in", me)
        st, c = api(base, "GET", "/courses/kursus-baru")
        eq((st, [l["id"] for l in c["lessons"]]), (200, ["pengantar", "langkah"]), "the course and its lessons")
        url = c["lessons"][1]["url"]
        st, _, html = get(base + url)
        ok(st == 200 and b"<table>" in html and b"Sekretaris desa" in html, "a lesson comes rendered, table and all", html[:200])

        # an edit shows at the next request, under a new URL (the app caches lessons by URL)
        src = os.path.join(COURSE, "lessons", "02-langkah.md")
        with open(src, "a") as f:
            f.write("\nKalimat **baru** dari penulis.\n")
        ok(get(base + "/__preview/version")[2] != v1, "an edit changes the version (the page reloads)")
        st, c2 = api(base, "GET", "/courses/kursus-baru")
        url2 = c2["lessons"][1]["url"]
        ok(url2 != url, "the edited lesson gets a new URL", (url, url2))
        st, _, html = get(base + url2)
        ok(b"Kalimat <strong>baru</strong> dari penulis." in html, "the edit is rendered at once", html[-200:])

        # an error: the last good version, with the problem on top
        with open(src, "a") as f:
            f.write("\n![Peta](../media/tidak-ada.png)\n")
        st, c3 = api(base, "GET", "/courses/kursus-baru")
        st, _, html = get(base + c3["lessons"][1]["url"])
        ok(b'class="alert bad"' in html and b"tidak-ada.png" in html and b"Kalimat <strong>baru</strong>" in html,
           "while the sources have an error the lesson shows it above the last good version", html[:400])
        with open(src) as f:
            text = f.read().replace("\n![Peta](../media/tidak-ada.png)\n", "")
        with open(src, "w") as f:
            f.write(text)
        st, c4 = api(base, "GET", "/courses/kursus-baru")
        st, _, html = get(base + c4["lessons"][1]["url"])
        ok(b"alert bad" not in html, "fixed, the problem goes")
        v2 = get(base + "/__preview/version")[2]
        with open(os.path.join(COURSE, "media", "baru.svg"), "w") as f:
            f.write('<svg xmlns="http://www.w3.org/2000/svg"/>')
        v3 = get(base + "/__preview/version")[2]
        os.unlink(os.path.join(COURSE, "media", "baru.svg"))
        ok(v3 != v2 and get(base + "/__preview/version")[2] != v3,
           "a media file added or removed changes it too")

        # media, with Range as on the box
        st, h, body = get(base + "/packs/kursus-baru/preview/media/alur.svg", {"Range": "bytes=0-9"})
        eq((st, len(body)), (206, 10), "media are served with Range")
        st, _, _ = get(base + "/packs/kursus-baru/preview/../course.yaml")
        eq(st, 404, "nothing outside the course's lessons and media")

        # the quiz from quiz.yaml
        st, a = api(base, "POST", "/courses/kursus-baru/attempts", {"attempt": "a1"})
        eq((st, [q["id"] for q in a["questions"]]), (201, ["q1", "q2"]), "the quiz's questions")
        ok(all("correct" not in ch for q in a["questions"] for ch in q["choices"]), "without their answers")
        st, r = api(base, "PUT", "/attempts/a1/answers/q1", {"choices": ["a"]})
        eq((r["correct"], r["correct_choices"]), (True, ["a"]), "an answer is checked against quiz.yaml")
        st, r = api(base, "PUT", "/attempts/a1/answers/q2", {"choices": ["a"]})
        eq((r["correct"], r["correct_choices"]), (False, ["a", "b"]), "a multiple question needs every right choice")
        st, f = api(base, "POST", "/attempts/a1/finish", {})
        eq((f["score"], f["passed"]), (50, False), "the score of the attempt")

        # a body of 2,000 "[" (any web page the author opens may POST one to
        # localhost as text/plain): refused by the depth check, not parsed by
        # jansson on the CivetWeb worker's 100 KiB stack
        try:
            st, _, _ = get(base + "/api/v1/attempts/a1/finish", {"Content-Type": "text/plain"},
                           b"[" * 2000, "POST")
        except OSError as e:
            st = repr(e)
        ok(isinstance(st, int), "a body nested 2,000 deep is answered (the body is ignored as not JSON)", st)
        try:
            st = get(base + "/api/v1/health")[0]
        except OSError as e:
            st = repr(e)
        eq(st, 200, "preview still answers")
    finally:
        p.terminate()
        rc = p.wait(10)
        log.close()
    eq(rc, 0, "preview stops cleanly on SIGTERM")


def test_cleanup():
    shutil.rmtree(TMP, ignore_errors=True)
    ok(True, "temporary files removed")


if __name__ == "__main__":
    run_tests(globals())
