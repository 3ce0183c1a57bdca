"""Static files: the app shell and pack lessons with ETag / Last-Modified /
304, gzip for phones that accept it, HEAD, Range, content types."""

import gzip
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import BUILD, Box, eq, ok, run_tests  # noqa: E402

BOX = Box().start()
GZ = {"Accept-Encoding": "gzip, deflate"}


def lesson_url(course="desa-keuangan"):
    c = BOX.client()
    st, v, _ = c.get("/api/v1/villages")
    c.post("/api/v1/register", {"name": "Rina Wati", "position": "staf-desa",
                                "village": v["villages"][0]["code"], "pin": "135792"})
    st, _, _ = c.post("/api/v1/login", {"name": "Rina Wati", "pin": "135792"})
    return c.get("/api/v1/courses/" + course)[1]["lessons"][0]["url"]


LESSON = lesson_url()


def modules():
    """The app's JavaScript modules as staged: /js/... URLs."""
    root = os.path.join(BUILD, "webroot")
    out = []
    for d, _, files in os.walk(os.path.join(root, "js")):
        out += ["/" + os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/")
                for f in files if f.endswith(".js")]
    return sorted(out)


def test_files_with_and_without_gzip():
    c = BOX.client()
    with open(os.path.join(BUILD, "webroot", "index.html"), "rb") as f:
        index = f.read()
    js = modules()
    ok("/js/main.js" in js and len(js) > 1, "the app's modules are staged under /js/", js)
    for path, ctype in [("/", "text/html"), ("/app.css", "text/css"), (LESSON, "text/html")] + \
            [(m, "javascript") for m in js]:
        st, h, body = c.raw("GET", path, headers=GZ)
        ok(st == 200 and h.get("content-encoding") == "gzip" and ctype in h.get("content-type", ""),
           "%s is sent gzip-compressed as %s" % (path, ctype), h)
        ok(h.get("vary") == "Accept-Encoding" and h.get("etag") and h.get("last-modified"),
           "%s has Vary, ETag and Last-Modified" % path, h)
        plain = gzip.decompress(body)
        st, h2, body2 = c.raw("GET", path)
        ok(st == 200 and "content-encoding" not in h2 and body2 == plain,
           "%s without Accept-Encoding is the same file uncompressed" % path)
        if path == "/":
            eq(body2, index, "/ is index.html")


def test_revalidation():
    c = BOX.client()
    for path in (LESSON, "/js/main.js"):
        for headers in (GZ, {}):
            st, h, _ = c.raw("GET", path, headers=headers)
            st, h2, body = c.raw("GET", path, headers=dict(headers, **{"If-None-Match": h["etag"]}))
            ok(st == 304 and body == b"" and h2.get("etag") == h["etag"],
               "the same ETag gets 304 with no body (%s, %s)" % (path, "gzip" if headers else "plain"))
            st, _, body = c.raw("GET", path, headers=dict(headers, **{"If-None-Match": '"0.0"'}))
            ok(st == 200 and body, "another ETag gets the file (%s)" % path)
    st, h, _ = c.raw("GET", LESSON)
    st, _, body = c.raw("GET", LESSON, headers={"If-Modified-Since": h["last-modified"]})
    eq((st, body), (304, b""), "If-Modified-Since the file's date gets 304")


def test_head_and_range():
    c = BOX.client()
    st, h, body = c.raw("HEAD", "/js/main.js", headers=GZ)
    ok(st == 200 and body == b"" and int(h["content-length"]) > 0, "HEAD gives the headers only", h)
    st, h, body = c.raw("GET", "/js/main.js", headers={"Range": "bytes=0-9"})
    ok(st == 206 and len(body) == 10 and h.get("content-range", "").startswith("bytes 0-9/"),
       "a Range of a small file gets 206 with those bytes", h)
    st, _, _ = c.raw("GET", "/no-such-file.js")
    eq(st, 404, "a missing file is 404")


def test_large_media():
    import tarfile
    from pbtest import PACKS
    with tarfile.open(os.path.join(PACKS, "literasi-digital.pack")) as t:
        name = next(m.name for m in t.getmembers() if m.name.endswith(".mp3"))
        data = t.extractfile(name).read()
    ok(len(data) > 64 * 1024, "the audio file is larger than the one-write limit (%d bytes)" % len(data))
    url = lesson_url("literasi-digital").rsplit("/lessons/", 1)[0] + "/" + name
    c = BOX.client()
    st, h, body = c.raw("GET", url, headers=GZ)
    ok(st == 200 and body == data and "audio/mpeg" in h.get("content-type", ""),
       "large media arrive whole with their type", (st, len(body), h))
    ok("content-encoding" not in h and h.get("accept-ranges") == "bytes", "audio is not gzip-compressed and takes ranges", h)
    st, h2, body = c.raw("HEAD", url)
    eq((st, body, int(h2["content-length"])), (200, b"", len(data)), "HEAD of large media: headers only")
    st, _, body = c.raw("GET", url, headers={"If-None-Match": h["etag"]})
    eq((st, body), (304, b""), "large media revalidate with 304")
    st, h3, body = c.raw("GET", url, headers={"Range": "bytes=%d-" % (len(data) - 10)})
    eq((st, body), (206, data[-10:]), "an open-ended Range gets the last bytes")
    st, _, _ = c.raw("GET", "/app.css")
    eq(st, 200, "the connection is still usable after large files")


def test_keepalive_many_requests():
    c = BOX.client()
    for i in range(50):
        st, _, _ = c.raw("GET", "/app.css", headers=GZ)
        if st != 200:
            break
    eq(st, 200, "50 requests on one keep-alive connection are all answered")


run_tests(globals())
