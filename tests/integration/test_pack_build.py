"""pamong-pack build / keygen / sign / verify on the good fixture course:
the pack's contents, byte-identical rebuilds (cmp), signing that keeps
determinism, verification, and tampered packs that must fail."""

import filecmp
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import PACK, ROOT, eq, ok, run_tests  # noqa: E402

GOOD = "tests/data/pack/kursus-contoh"
TMP = tempfile.mkdtemp(prefix="pb-test-pack-")


def pack(*args, lang="en_US.UTF-8"):
    env = dict(os.environ, LANG=lang)
    env.pop("LANGUAGE", None)
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    p = subprocess.run([PACK] + list(args), cwd=ROOT, env=env, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def tmp(name):
    return os.path.join(TMP, name)


def members(path):
    with tarfile.open(path, "r:gz") as t:
        return {m.name: (m, t.extractfile(m).read()) for m in t.getmembers()}


def repack(src, dst, change):
    """Copy a pack entry by entry; change(name, data) returns new data or None to drop it."""
    with tarfile.open(src, "r:gz") as t, tarfile.open(dst, "w:gz", format=tarfile.PAX_FORMAT) as o:
        for m in t.getmembers():
            data = change(m.name, t.extractfile(m).read())
            if data is None:
                continue
            info = tarfile.TarInfo(m.name)
            info.size = len(data)
            info.mode = 0o644
            o.addfile(info, io.BytesIO(data))


def test_build_twice_is_byte_identical():
    a, b = tmp("a.pack"), tmp("b.pack")
    st, out, err = pack("build", GOOD, "-o", a)
    eq((st, err), (0, GOOD + "/media/unused.txt: warning: no lesson uses this media file, so it is left out "
                             "of the pack\n"), "the good course builds, warning of its unused file")
    eq(out, "OK: %s (kursus-contoh 1.0.0, 9 files listed in manifest.json)\n" % a,
       "build prints one OK line, counting what verify counts")
    st, out, err = pack("build", GOOD, "-o", b)
    eq(st, 0, "it builds a second time")
    r = subprocess.run(["cmp", a, b], capture_output=True, text=True)
    eq((r.returncode, r.stdout), (0, ""), "cmp finds the two packs byte-identical")
    ok(not os.path.exists(a + ".tmp"), "no temporary file is left behind")


def test_pack_contents():
    m = members(tmp("a.pack"))
    eq(sorted(m), ["course.json", "lessons/media-lengkap.html", "lessons/pengantar.html", "manifest.json",
                   "media/balai desa.png", "media/contoh.mp4", "media/permendagri.pdf", "media/ringkasan.mp3",
                   "media/struktur.svg", "quiz.json"], "the pack holds exactly the FORMAT.md files")
    eq(list(m), sorted(m), "entries are in path order")
    eq({(i.mtime, i.uid, i.gid, i.mode, i.type) for i, _ in m.values()}, {(0, 0, 0, 0o644, tarfile.REGTYPE)},
       "every entry is a regular file, mtime 0, uid/gid 0, mode 0644")
    with open(tmp("a.pack"), "rb") as f:
        head = f.read(10)
    eq((head[:2], head[3], head[4:8]), (b"\x1f\x8b", 0, b"\0\0\0\0"), "gzip header without name or timestamp")
    manifest = json.loads(m["manifest.json"][1])
    eq(list(manifest), ["format", "id", "version", "title", "dev", "files"], "manifest keys in FORMAT.md order")
    eq([f["path"] for f in manifest["files"]], sorted(set(m) - {"manifest.json"}),
       "the manifest lists every other file, sorted")
    course = json.loads(m["course.json"][1])
    eq(list(course), ["id", "title", "summary", "language", "version", "passing_score", "feedback", "minutes",
                      "lessons", "quiz"], "course.json keys in FORMAT.md order")
    eq(course["title"], "Kursus Contoh <script>alert(1)</script>", "course.json keeps the title as data")
    ok(b"correct" not in m["course.json"][1], "course.json carries no answers")
    quiz = json.loads(m["quiz.json"][1])
    eq([c["correct"] for c in quiz["questions"][1]["choices"]], [True, True, False], "quiz.json has the answers")
    lesson = m["lessons/pengantar.html"][1].decode()
    ok("<script>" not in lesson and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in lesson,
       "raw <script> in a lesson is shown as text", lesson)
    media = m["lessons/media-lengkap.html"][1].decode()
    ok('<audio controls preload="none" src="../media/ringkasan.mp3">' in media and
       '<video controls preload="none" playsinline src="../media/contoh.mp4">' in media and
       'href="../media/permendagri.pdf"' in media and 'src="../media/balai%20desa.png"' in media,
       "media are rendered with URLs into the pack's media/", media)


def test_dev_flag():
    st, out, err = pack("build", GOOD, "--dev", "-o", tmp("dev.pack"))
    eq(st, 0, "build --dev works")
    eq(json.loads(members(tmp("dev.pack"))["manifest.json"][1])["dev"], True, "--dev sets dev: true")
    st, out, err = pack("verify", tmp("dev.pack"))
    eq((st, out), (0, "OK: kursus-contoh 1.0.0 (development), 9 files listed in manifest.json, unsigned\n"),
       "verify shows a dev pack")


def test_keygen():
    st, out, err = pack("keygen", "-o", tmp("dev.key"))
    eq(st, 0, "keygen makes a key pair")
    eq(oct(os.stat(tmp("dev.key")).st_mode & 0o777), "0o600", "the secret key is private")
    with open(tmp("dev.pub")) as f:
        pub = f.read()
    ok(len(pub) == 65 and pub.endswith("\n") and all(c in "0123456789abcdef" for c in pub[:64]),
       "NAME.pub is one line of 64 hex characters", pub)
    with open(tmp("dev.key"), "rb") as f:
        before = f.read()
    ok(len(before) == 129 and before.endswith(b"\n") and all(c in b"0123456789abcdef" for c in before[:128]),
       "NAME.key is one line of 128 hex characters (seed and public key), not a public key's 64", before[:10])
    st, out, err = pack("keygen", "-o", tmp("dev.key"))
    with open(tmp("dev.key"), "rb") as f:
        after = f.read()
    eq((st, before == after), (1, True), "keygen refuses to overwrite an existing key")
    st, out, err = pack("keygen", "-o", tmp("other.key"))
    eq(st, 0, "a second key pair for the wrong-key test")


def test_sign_and_verify():
    a, b = tmp("a.pack"), tmp("b.pack")
    st, out, err = pack("verify", a)
    eq((st, out), (0, "OK: kursus-contoh 1.0.0, 9 files listed in manifest.json, unsigned\n"),
       "an unsigned pack verifies its hashes")
    st, out, err = pack("verify", a, "-p", tmp("dev.pub"))
    eq((st, err), (1, "%s: the pack is not signed (no manifest.sig)\n" % a), "an unsigned pack fails with -p")
    for p in (a, b):
        st, out, err = pack("sign", p, "-k", tmp("dev.key"))
        eq((st, out, err), (0, "OK: %s signed\n" % p, ""), "sign adds the signature")
    ok(filecmp.cmp(a, b, shallow=False), "signed packs of the same sources are byte-identical")
    ok("manifest.sig" in members(a), "the pack now holds manifest.sig")
    st, out, err = pack("verify", a, "-p", tmp("dev.pub"))
    eq((st, out), (0, "OK: kursus-contoh 1.0.0, 9 files listed in manifest.json, signature verified\n"),
       "a signed pack verifies")
    st, out, err = pack("verify", a, "-p", tmp("other.pub"))
    eq((st, err), (1, "%s: the signature does not verify with this public key\n" % a),
       "another key does not verify it")
    st, out, err = pack("sign", a, "-k", tmp("dev.key"))
    ok(st == 0 and filecmp.cmp(a, b, shallow=False), "signing again replaces the signature, same bytes")


def test_sign_refuses_a_public_key():
    a = tmp("a.pack")
    with open(a, "rb") as f:
        before = f.read()
    st, out, err = pack("sign", a, "-k", tmp("dev.pub"))
    eq((st, out, err), (1, "", "pamong-pack: %s is a public key (.pub), not a secret key: sign with the .key "
                               "file made by pamong-pack keygen\n" % tmp("dev.pub")),
       "sign refuses the public key file")
    # a public key under a secret key's name: refused by its content
    os.makedirs(tmp("renamed"), exist_ok=True)
    shutil.copy(tmp("dev.pub"), tmp("renamed/author.key"))
    msg = ("pamong-pack: %s holds a public key, not a secret key (a secret key from pamong-pack keygen has "
           "128 hex characters): sign with the .key file made by pamong-pack keygen\n")
    st, out, err = pack("sign", a, "-k", tmp("renamed/author.key"))
    eq((st, out, err), (1, "", msg % tmp("renamed/author.key")), "sign refuses a public key copied as NAME.key")
    shutil.copy(tmp("dev.pub"), tmp("copy.key"))
    shutil.copy(tmp("dev.pub"), tmp("copy.pub"))
    st, out, err = pack("sign", a, "-k", tmp("copy.key"), lang="id_ID.UTF-8")
    eq((st, err), (1, "pamong-pack: %s berisi kunci publik, bukan kunci rahasia (kunci rahasia dari pamong-pack "
                      "keygen berisi 128 karakter heksadesimal): tandatangani dengan berkas .key yang dibuat oleh "
                      "pamong-pack keygen\n" % tmp("copy.key")),
       "and a copy of the .pub beside it, in Indonesian")
    # a secret seed as keygen wrote it before (64 hex) still signs
    with open(tmp("dev.key")) as f:
        seed = f.read()[:64]
    with open(tmp("legacy.key"), "w") as f:
        f.write(seed + "\n")
    shutil.copy(tmp("dev.pub"), tmp("legacy.pub"))
    st, out, err = pack("sign", tmp("b.pack"), "-k", tmp("legacy.key"))
    eq((st, err), (0, ""), "an older 64-character secret key with its .pub still signs")
    shutil.copy(tmp("other.key"), tmp("mixed.key"))
    shutil.copy(tmp("dev.pub"), tmp("mixed.pub"))
    st, out, err = pack("sign", a, "-k", tmp("mixed.key"))
    eq((st, err), (1, "pamong-pack: %s does not belong to %s beside it: sign with the .key file that "
                      "pamong-pack keygen made together with that .pub\n" % (tmp("mixed.key"), tmp("mixed.pub"))),
       "sign refuses a secret key that does not match the public key beside it")
    with open(a, "rb") as f:
        eq(f.read(), before, "a refused sign leaves the pack as it was")
    env = dict(os.environ, LANG="C.UTF-8")
    p = subprocess.run([PACK, "sign", a, "-k", tmp("dev.pub")], cwd=ROOT, env=env, capture_output=True, text=True)
    eq(p.stderr, "pamong-pack: %s adalah kunci publik (.pub), bukan kunci rahasia: tandatangani dengan berkas "
                 ".key yang dibuat oleh pamong-pack keygen\n" % tmp("dev.pub"), "...in Indonesian by default")
    p = subprocess.run([PACK, "verify", a], cwd=ROOT, env=env, capture_output=True, text=True)
    eq(p.stdout, "OK: kursus-contoh 1.0.0, 9 berkas tercantum di manifest.json, bertanda tangan (tidak "
                 "diperiksa: tanpa -p)\n", "verify says in Indonesian what it counts")


def test_tampered_packs_fail():
    a = tmp("a.pack")
    bad = tmp("bad.pack")

    def lesson(name, data):
        return data.replace(b"kepala desa", b"KEPALA DESA") if name == "lessons/pengantar.html" else data
    repack(a, bad, lesson)
    st, out, err = pack("verify", bad, "-p", tmp("dev.pub"))
    eq((st, err), (1, "%s: file SHA-256 does not match the manifest: lessons/pengantar.html\n" % bad),
       "a changed lesson fails verify")

    def manifest(name, data):
        return data.replace(b'"dev": false', b'"dev": true') if name == "manifest.json" else data
    repack(a, bad, manifest)
    st, out, err = pack("verify", bad, "-p", tmp("dev.pub"))
    eq((st, err), (1, "%s: the signature does not verify with this public key\n" % bad),
       "a changed manifest fails the signature")

    repack(a, bad, lambda n, d: None if n == "media/struktur.svg" else d)
    st, out, err = pack("verify", bad)
    eq((st, err), (1, "%s: file in the manifest is missing from the pack: media/struktur.svg\n" % bad),
       "a removed file fails verify")

    with tarfile.open(a, "r:gz") as t, tarfile.open(bad, "w:gz") as o:
        for m in t.getmembers():
            o.addfile(m, t.extractfile(m))
        info = tarfile.TarInfo("../evil.sh")
        info.size = 3
        o.addfile(info, io.BytesIO(b"x\n\n"))
    st, out, err = pack("verify", bad)
    eq((st, err), (1, "%s: unsafe path in the pack: ../evil.sh\n" % bad), "a pack with ../ fails verify")
    st, out, err = pack("sign", bad, "-k", tmp("dev.key"))
    eq(st, 1, "sign refuses a broken pack")

    with open(bad, "wb") as f:
        f.write(b"not a pack")
    st, out, err = pack("verify", bad)
    eq(st, 1, "a file that is no pack fails verify")


def test_failed_build_keeps_old_pack():
    out_path = tmp("keep.pack")
    shutil.copy(tmp("a.pack"), out_path)
    st, out, err = pack("build", "tests/data/pack/bad/id-mismatch", "-o", out_path)
    ok(st == 1 and filecmp.cmp(out_path, tmp("a.pack"), shallow=False),
       "a refused build leaves the existing pack untouched")


def test_same_version_warns():
    out = tmp("same.pack")
    st, _, err = pack("build", GOOD, "-o", out)
    st, _, err = pack("build", GOOD, "-o", out)
    eq((st, err.count("same as the pack")), (0, 0), "building the same sources again over the pack: no warning")
    src = tmp("same-src/kursus-contoh")
    shutil.copytree(os.path.join(ROOT, GOOD), src)
    with open(os.path.join(src, "lessons", "01-pengantar.md"), "a") as f:
        f.write("\nSatu kalimat lagi.\n")
    st, _, err = pack("build", src, "-o", out)
    eq((st, err.splitlines()[-1]), (0, "%s: warning: version 1.0.0 is the same as the pack already here, but its "
                                       "contents differ: a box that installed 1.0.0 skips this pack; raise version "
                                       "in course.yaml (e.g. to the next PATCH)" % out),
       "changed sources with the same version: build warns that a box would skip the pack, and still builds")


def test_cleanup():
    shutil.rmtree(TMP, ignore_errors=True)
    ok(not os.path.exists(TMP), "temporary files removed")


run_tests(globals())
