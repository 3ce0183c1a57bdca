"""A media file whose name has a space (FORMAT.md allows it; the lesson links
it as balai%20desa.png): a phone fetches it by the escaped address, whole and
by Range, while escapes that hide a way out of the roots stay refused."""

import os
import re
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import BUILD, PACK, ROOT, Box, eq, ok, run_tests  # noqa: E402

BOX = Box(packs=False)
INCOMING = os.path.join(BOX.tmp, "no-packs")
PACKFILE = os.path.join(INCOMING, "kursus-contoh.pack")
subprocess.run([PACK, "build", "tests/data/pack/kursus-contoh", "-o", PACKFILE], cwd=ROOT,
               check=True, capture_output=True)
subprocess.run([PACK, "sign", PACKFILE, "-k", os.path.join(BUILD, "dev-signing.key")], cwd=ROOT,
               check=True, capture_output=True)
BOX.start()
PNG = open(os.path.join(ROOT, "tests/data/pack/kursus-contoh/media/balai desa.png"), "rb").read()


def media_url():
    c = BOX.client()
    st, v, _ = c.get("/api/v1/villages")
    c.post("/api/v1/register", {"name": "Sri Utami", "position": "staf-desa",
                                "village": v["villages"][0]["code"], "pin": "246813"})
    eq(c.post("/api/v1/login", {"name": "Sri Utami", "pin": "246813"})[0], 200, "the learner logs in")
    st, course, _ = c.get("/api/v1/courses/kursus-contoh")
    eq(st, 200, "the course with the spaced media name is installed")
    lesson = [x for x in course["lessons"] if "media" in x["url"]][0]["url"]
    st, _, html = c.raw("GET", lesson)
    m = re.search(rb'src="([^"]*balai[^"]*)"', html)
    ok(m is not None, "the lesson shows the image", html[:300])
    url = m.group(1).decode()
    return urllib.parse.urljoin(lesson, url)  # as the phone's browser does


def test_spaced_name_is_served():
    url = media_url()
    ok("%20" in url, "the lesson links the file by its escaped name", url)
    c = BOX.client()
    st, h, body = c.raw("GET", url)
    eq((st, body == PNG), (200, True), "GET of the escaped name gives the whole image (was 400)")
    ok(h.get("content-type", "").startswith("image/png"), "as image/png", h)
    st, h, body = c.raw("GET", url, headers={"Range": "bytes=0-9"})
    eq((st, body), (206, PNG[:10]), "a Range request of it gives the part")
    st, _, body = c.raw("GET", url.replace("%20", "%2520"))
    eq(st, 400, "the same name escaped twice is refused")


def test_escapes_stay_refused():
    c = BOX.client()
    for path in ["/%2e%2e/%2e%2e/etc/passwd", "/packs/kursus-contoh/1.0.0/media/%2e%2e%2f%2e%2e%2fcourse.json",
                 "/packs/kursus-contoh/1.0.0/media/x%00.png", "/packs/kursus-contoh/1.0.0/media/x%0a.png",
                 "/%2fetc/passwd", "/a%5c..%5cpamong.db", "/%c0%ae%c0%ae/pamong.db", "/x%zz"]:
        st, _, body = c.raw("GET", path)
        eq(st, 400, "%s is refused" % path)
    st, _, _ = c.raw("GET", "/%69ndex.html")
    eq(st, 200, "an escaped plain letter is just that letter")
    st, _, body = c.raw("GET", "/api%2fv1/health")
    eq(st, 404, "a route is not reached through an escaped slash")


def test_cleanup():
    BOX.stop()
    BOX.cleanup()


run_tests(globals())
