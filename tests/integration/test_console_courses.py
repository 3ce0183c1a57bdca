"""The console's course packs against a real pamongd: packs on a real FAT
stick (mkfs.vfat + mcopy, loop-mounted read-only when this machine allows,
else copied out with mtools), uploads streamed to disk, a pack by an unknown
author key refused with its fingerprint, trusting and removing keys, the same
and an older version, bad input."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import PACK, ROOT, Box, eq, ok, run_tests  # noqa: E402

TMP = tempfile.mkdtemp(prefix="pb-console-courses-")
COURSE = os.path.join(ROOT, "tests", "data", "pack", "kursus-contoh")
API = "/api/v1/console"


def sh(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, **kw)


def keygen(name):
    key = os.path.join(TMP, name + ".key")
    r = sh(PACK, "keygen", "-o", key)
    assert r.returncode == 0, r.stderr
    return key, key[:-4] + ".pub"


def fingerprint(pub):
    raw = bytes.fromhex(open(pub).read().split()[0])
    h = hashlib.sha256(raw).hexdigest()[:16]
    return ":".join(h[i:i + 4] for i in range(0, 16, 4))


def build(version, key, name=None):
    """kursus-contoh at this version, signed with key, as TMP/name."""
    src = os.path.join(TMP, "src-" + version, "kursus-contoh")
    if not os.path.isdir(src):
        shutil.copytree(COURSE, src)
        y = os.path.join(src, "course.yaml")
        text = open(y).read().replace("version: 1.0.0", "version: " + version)
        open(y, "w").write(text)
    out = os.path.join(TMP, name or "kursus-%s.pack" % version)
    r = sh(PACK, "build", src, "-o", out)
    assert r.returncode == 0, r.stderr
    r = sh(PACK, "sign", out, "-k", key)
    assert r.returncode == 0, r.stderr
    return out


KEY, PUB = keygen("central")
OTHER, OTHER_PUB = keygen("stranger")
USB = os.path.join(TMP, "media")
BOX = Box(packs=False, extra_conf="")


def start():
    with open(BOX.conf) as f:
        conf = f.read()
    conf = conf.replace("trusted_keys = %s" % conf.split("trusted_keys = ")[1].split("\n")[0],
                        "trusted_keys = %s\nusb_dir = %s\nmax_upload_mb = 2" % (PUB, USB))
    with open(BOX.conf, "w") as f:
        f.write(conf)
    os.makedirs(USB, exist_ok=True)
    BOX.start()
    global FAC
    FAC = BOX.first_facilitator()


def make_stick(files):
    """A FAT image holding files (name -> local path) in its pamong/ folder;
    mounted read-only under USB/STICK if loop mounts work, else its files
    copied out there with mtools. Returns how it was made."""
    img = os.path.join(TMP, "stick.img")
    if os.path.exists(img):
        os.unlink(img)
    r = sh("mkfs.vfat", "-C", "-n", "PAMONG", img, "8192")
    assert r.returncode == 0, r.stderr
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    sh("mmd", "-i", img, "::/pamong", env=env)
    for name, path in files.items():
        r = sh("mcopy", "-i", img, path, "::/pamong/" + name, env=env)
        assert r.returncode == 0, r.stderr
    sh("mcopy", "-i", img, PUB, "::/notes.txt", env=env)
    mnt = os.path.join(USB, "STICK")
    os.makedirs(mnt, exist_ok=True)
    if sh("mount", "-t", "vfat", "-o", "loop,ro", img, mnt).returncode == 0:
        return "mounted"
    r = sh("mcopy", "-s", "-i", img, "::/pamong", mnt + "/", env=env)
    assert r.returncode == 0, r.stderr
    return "copied"


def unmount():
    mnt = os.path.join(USB, "STICK")
    sh("umount", mnt)
    shutil.rmtree(mnt, ignore_errors=True)


FAC = None


def c():
    return FAC


def upload(cl, path, headers=None):
    h = {"Content-Type": "application/octet-stream"}
    if getattr(cl, "csrf", None):
        h["X-CSRF-Token"] = cl.csrf
    h.update(headers or {})
    with open(path, "rb") as f:
        st, _, data = cl.raw("POST", API + "/uploads", f.read(), h)
    try:
        return st, json.loads(data)
    except ValueError:
        return st, None


def test_usb_listing_and_install():
    start()
    v1 = build("1.0.0", KEY)
    bad = build("1.5.0", OTHER, "asing.pack")
    how = make_stick({"kursus-1.0.0.pack": v1, "asing.pack": bad})
    ok(True, "the stick is a FAT image made by mkfs.vfat + mcopy (%s)" % how)
    cl = c()
    st, body, _ = cl.get(API + "/usb")
    eq(st, 200, "the packs on the sticks are listed")
    packs = {p["file"]: p for p in body["packs"]}
    eq(sorted(packs), ["STICK/pamong/asing.pack", "STICK/pamong/kursus-1.0.0.pack"],
       "both packs of the stick's pamong/ folder, by path under the USB folder")
    p = packs["STICK/pamong/kursus-1.0.0.pack"]
    eq((p["id"], p["version"], p["state"], p["fingerprint"], p["key_known"], p["size"]),
       ("kursus-contoh", "1.0.0", "new", fingerprint(PUB), True, os.path.getsize(v1)),
       "a pack shows its id, version, state, author key fingerprint and size")
    ok(p["title"].startswith("Kursus Contoh"), "...and its title", p)
    a = packs["STICK/pamong/asing.pack"]
    eq((a["state"], a["refusal"]["code"], a["fingerprint"], a["key_known"]),
       ("refused", "unknown_key", fingerprint(OTHER_PUB), False),
       "a pack by an unknown key is refused, naming its key's fingerprint")
    eq(a["refusal"]["message"], "signed by an unknown author key " + fingerprint(OTHER_PUB),
       "...in words, not 'signature does not verify'")
    ok("signed by an unknown author key " + fingerprint(OTHER_PUB) in BOX.logtext(),
       "the box's log says the same")

    st, body, _ = cl.post(API + "/usb/install", {"file": "STICK/pamong/asing.pack"})
    eq((st, body["error"]), (422, "unknown_key"), "installing it is refused the same way")
    st, body, _ = cl.post(API + "/usb/install", {"file": "STICK/pamong/kursus-1.0.0.pack"})
    eq((st, body["installed"]["version"], body["installed"]["previous_version"]),
       (200, "1.0.0", ""), "a pack by a trusted key installs from the stick")
    st, body, _ = cl.get(API + "/courses")
    eq([(x["id"], x["version"], x["fingerprint"]) for x in body["courses"]],
       [("kursus-contoh", "1.0.0", fingerprint(PUB))], "the installed course is listed with its signer")
    st, body, _ = cl.post(API + "/usb/install", {"file": "STICK/pamong/kursus-1.0.0.pack"})
    eq((st, body["error"]), (409, "already_installed"), "the same version again: already installed")
    st, body, _ = cl.get(API + "/usb")
    eq({p["file"]: p["state"] for p in body["packs"]}["STICK/pamong/kursus-1.0.0.pack"], "same",
       "the list now says the stick's version is the installed one")
    unmount()


def test_upload_newer_then_older():
    cl = c()
    v2 = build("1.1.0", KEY)
    st, body = upload(cl, v2)
    eq((st, body["state"], body["version"], body["installed_version"]), (201, "newer", "1.1.0", "1.0.0"),
       "an uploaded pack is stored and shown before it is installed")
    up = body["upload"]
    ok(len(up) == 32, "...with an upload id")
    st, body, _ = cl.get("/api/v1/health")
    st, body, _ = cl.post(API + "/uploads/" + up, {})
    eq((st, body["installed"]["version"], body["installed"]["previous_version"]), (200, "1.1.0", "1.0.0"),
       "installing the upload swaps the course to 1.1.0")
    st, body, _ = cl.post(API + "/uploads/" + up, {})
    eq(st, 404, "an installed upload is gone")
    v0 = build("0.9.0", KEY)
    st, body = upload(cl, v0)
    eq((st, body["state"]), (201, "older"), "an older version uploads and says it is older")
    up = body["upload"]
    st, body, _ = cl.post(API + "/uploads/" + up, {})
    eq((st, body["error"]), (409, "older_version"), "it is not installed unless confirmed")
    st, body, _ = cl.get(API + "/courses")
    eq(body["courses"][0]["version"], "1.1.0", "...and 1.1.0 is still served")
    st, body, _ = cl.post(API + "/uploads/" + up, {"confirm_older": True})
    eq((st, body["installed"]["version"]), (200, "0.9.0"), "confirmed, it goes back to 0.9.0")
    st, body, _ = cl.get("/api/v1/courses")
    # learners' API needs a login; the catalog is checked through the console list
    st, body, _ = cl.get(API + "/courses")
    eq(body["courses"][0]["version"], "0.9.0", "the console lists 0.9.0")


def test_upload_refusals():
    cl = c()
    uploads = os.path.join(BOX.tmp, "uploads")
    bad = build("2.0.0", OTHER, "asing2.pack")
    st, body = upload(cl, bad)
    eq((st, body["state"], body["refusal"]["code"]), (201, "refused", "unknown_key"),
       "an uploaded pack by an unknown key is shown refused")
    ok("upload" not in body and os.listdir(uploads) == [], "...and not kept", os.listdir(uploads))
    junk = os.path.join(TMP, "junk.pack")
    with open(junk, "wb") as f:
        f.write(b"\x1f\x8b" + os.urandom(5000))
    st, body = upload(cl, junk)
    eq((st, body["state"], body["refusal"]["code"]), (201, "refused", "bad_pack"), "garbage is refused")
    # a Content-Length over max_upload_mb is answered before any byte is read
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", BOX.port, timeout=30)
    conn.putrequest("POST", API + "/uploads")
    conn.putheader("Cookie", "pb_console=" + cl.cookies["pb_console"])
    conn.putheader("X-CSRF-Token", cl.csrf)
    conn.putheader("Content-Length", str(3 * 1024 * 1024))
    conn.putheader("Content-Type", "application/octet-stream")
    conn.endheaders()
    r = conn.getresponse()
    body = json.loads(r.read() or b"{}")
    eq((r.status, body.get("error")), (413, "too_large"), "an upload over max_upload_mb is refused")
    conn.close()
    # a chunked upload that grows past the cap is cut off while streaming
    conn = http.client.HTTPConnection("127.0.0.1", BOX.port, timeout=30)
    conn.putrequest("POST", API + "/uploads")
    conn.putheader("Cookie", "pb_console=" + cl.cookies["pb_console"])
    conn.putheader("X-CSRF-Token", cl.csrf)
    conn.putheader("Transfer-Encoding", "chunked")
    conn.putheader("Content-Type", "application/octet-stream")
    conn.endheaders()
    try:
        chunk = os.urandom(65536)
        for _ in range(48):
            conn.send(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    r = conn.getresponse()
    body = json.loads(r.read() or b"{}")
    eq((r.status, body.get("error")), (413, "too_large"), "a chunked upload is cut off at the cap")
    conn.close()
    eq([n for n in os.listdir(uploads)], [], "no partial upload is left on disk")
    # a pack signed by the trusted key with a folder entry 127 levels deep
    # (255 bytes of media/a/a/…; folders are not in the signed manifest): the
    # installer's walk of the unpacked tree ran on the worker's 100 KiB stack
    deep = os.path.join(TMP, "deep.pack")
    with tarfile.open(build("2.1.0", KEY, "deep-src.pack")) as src, \
            tarfile.open(deep, "w:gz", format=tarfile.PAX_FORMAT) as out:
        for m in src.getmembers():
            out.addfile(m, src.extractfile(m) if m.isfile() else None)
        d = tarfile.TarInfo(("media" + "/a" * 125)[:255])
        d.type, d.mode = tarfile.DIRTYPE, 0o755
        out.addfile(d)
    st, body = upload(cl, deep)
    eq((st, body and body.get("state"), body and body["refusal"]["code"]), (201, "refused", "bad_pack"),
       "a pack with a folder 127 levels deep is refused when it is uploaded (it killed the box "
       "when installed)")
    ok("unsafe path media/a/a/a" in body["refusal"]["message"], "...as an unsafe path", body)
    ok("upload" not in body and os.listdir(uploads) == [], "...and not kept", os.listdir(uploads))
    st, _, _ = cl.get("/api/v1/health")
    eq(st, 200, "the box still answers")
    eq(cl.get(API + "/courses")[1]["courses"][0]["version"], "0.9.0", "the course served is unchanged")


def test_keys():
    cl = c()
    st, body, _ = cl.get(API + "/keys")
    eq([(k["fingerprint"], k["builtin"]) for k in body["keys"]], [(fingerprint(PUB), True)],
       "the image's key is listed, built in")
    st, body, _ = cl.post(API + "/keys", {"key": open(OTHER_PUB).read(), "name": "Penulis Jawa Tengah"})
    eq((st, body["fingerprint"]), (201, fingerprint(OTHER_PUB)), "a key is added from its .pub file")
    st, body, _ = cl.post(API + "/keys", {"key": open(OTHER_PUB).read()})
    eq((st, body["error"]), (409, "exists"), "...once")
    local = open(os.path.join(BOX.tmp, "trusted-keys")).read()
    ok(open(OTHER_PUB).read().split()[0] in local and "Penulis Jawa Tengah" in local,
       "the key is in the data dir's trusted-keys file", local)
    bad = build("2.0.0", OTHER, "asing2.pack")
    st, body = upload(cl, bad)
    eq((st, body["state"], body["key_known"]), (201, "newer", True), "the author's pack now verifies")
    st, body, _ = cl.post(API + "/uploads/" + body["upload"], {})
    eq((st, body["installed"]["version"]), (200, "2.0.0"), "...and installs")
    st, _, _ = cl.req("DELETE", API + "/keys/" + fingerprint(PUB))
    eq(st, 409, "the built-in key cannot be removed")
    st, _, _ = cl.req("DELETE", API + "/keys/" + fingerprint(OTHER_PUB))
    eq(st, 204, "the added key is removed")
    st, body = upload(cl, build("2.1.0", OTHER, "asing3.pack"))
    eq(body["refusal"]["code"], "unknown_key", "its packs are refused again")
    st, _, _ = cl.req("DELETE", API + "/keys/" + fingerprint(OTHER_PUB))
    eq(st, 404, "removing it twice: not found")


def test_bad_input():
    cl = c()
    rows = [  # method, path, body, status, error
        ("POST", "/usb/install", {}, 400, "invalid_field"),
        ("POST", "/usb/install", {"file": "../etc/passwd"}, 404, "not_found"),
        ("POST", "/usb/install", {"file": "/etc/passwd"}, 404, "not_found"),
        ("POST", "/usb/install", {"file": 5}, 400, "invalid_field"),
        ("POST", "/uploads/..%2f..%2fpamong.db", {}, 400, "bad_request"),  # traversal refused before routing
        ("POST", "/uploads/" + "A" * 32, {}, 404, "not_found"),
        ("POST", "/uploads/" + "0" * 32, {}, 404, "not_found"),
        ("DELETE", "/uploads/" + "0" * 31, None, 404, "not_found"),
        ("POST", "/keys", {"key": "hello"}, 400, "invalid_field"),
        ("POST", "/keys", {"key": "ab" * 31}, 400, "invalid_field"),
        ("POST", "/keys", {"key": open(PUB).read(), "name": "x" * 100}, 400, "invalid_field"),
        ("POST", "/keys", {}, 400, "invalid_field"),
        ("DELETE", "/keys/zzzz", None, 404, "not_found"),
    ]
    for method, path, obj, want, err in rows:
        st, body, _ = cl.req(method, API + path, obj)
        eq((st, body and body.get("error")), (want, err), "%s %s %s -> %d" % (method, path, json.dumps(obj), want))
    st, body, _ = cl.get(API + "/usb")
    eq((st, body["packs"]), (200, []), "no stick: an empty list")


def learner_client():
    cl = BOX.client()
    village = cl.get("/api/v1/villages")[1]["villages"][0]["code"]
    st, _, _ = cl.post("/api/v1/register", {"name": "Pelajar Iseng", "position": "kepala-desa",
                                            "village": village, "pin": "482913"})
    assert st == 201
    return cl


def test_auth_matrix():
    """Every endpoint of this file: no session 401, a learner's session 401,
    a facilitator without the CSRF token 403 (state changes) - and the
    refused request changes nothing and reads no body."""
    v = build("3.0.0", KEY)
    st, body = upload(FAC, v)
    up = body["upload"]
    routes = [
        ("GET", "/courses"), ("GET", "/usb"), ("POST", "/usb/install"),
        ("POST", "/uploads"), ("POST", "/uploads/" + up), ("DELETE", "/uploads/" + up),
        ("GET", "/keys"), ("POST", "/keys"), ("DELETE", "/keys/" + fingerprint(PUB)),
        ("GET", "/export/learners.csv"), ("GET", "/export/bundle"),
    ]
    learner = learner_client()
    nocsrf = BOX.console()
    nocsrf.cookies = dict(FAC.cookies)
    before = sorted(os.listdir(os.path.join(BOX.tmp, "uploads")))
    for method, path in routes:
        body = {"file": "x.pack", "key": open(OTHER_PUB).read()} if method == "POST" else None
        st, b, _ = BOX.client().req(method, API + path, body)
        eq((st, b and b.get("error")), (401, "not_logged_in"), "%s %s without a session: 401" % (method, path))
        st, b, _ = learner.req(method, API + path, body)
        eq(st, 401, "%s %s with a learner's session: 401" % (method, path))
        if method != "GET":
            st, b, _ = nocsrf.req(method, API + path, body)
            eq((st, b and b.get("error")), (403, "csrf"), "%s %s without the CSRF token: 403" % (method, path))
    eq(sorted(os.listdir(os.path.join(BOX.tmp, "uploads"))), before, "no refused request stored or removed an upload")
    eq(len(FAC.get(API + "/keys")[1]["keys"]), 1, "...or added or removed a key")
    st, _, _ = FAC.delete(API + "/uploads/" + up)
    eq(st, 204, "the facilitator drops the upload")


def test_audit_log():
    st, body, _ = FAC.get(API + "/audit")
    actions = [e["action"] for e in body["entries"]] if st == 200 else []
    for a in ("course_install", "course_upload", "key_add", "key_remove"):
        ok(a in actions, "the audit log records %s" % a, actions)


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        unmount()
        shutil.rmtree(TMP, ignore_errors=True)
