"""pamong-pack validate (and build, which refuses the same way): one fixture
course per kind of problem under tests/data/pack/bad/, each with the exact
`file:line: message` lines expected and the exit status."""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import PACK, ROOT, eq, ok, run_tests  # noqa: E402

BAD = "tests/data/pack/bad"
GOOD = "tests/data/pack/kursus-contoh"
MEDIA_TYPES = ".svg .png .jpg .jpeg .webp .gif .mp3 .m4a .ogg .opus .mp4 .webm .pdf"


def pack(*args, lang="en_US.UTF-8"):
    """Run pamong-pack from the repository root; (status, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    env["LANG"] = lang
    p = subprocess.run([PACK] + list(args), cwd=ROOT, env=env, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


# case folder -> the problems, as (file relative to the folder, line, message); line 0: none
CASES = {
    "missing-course-yaml": [("course.yaml", 0, "file not found")],
    "missing-files": [
        ("course.yaml", 13, "file: file not found: lessons/tidak-ada.md"),
        ("course.yaml", 14, "quiz: file not found: kuis.yaml"),
    ],
    "bad-yaml": [
        ("course.yaml", 3, "bad YAML: the quote \" opened on this line is never closed; add \" at the end "
                           "of the value (found unexpected end of stream while scanning a quoted scalar)"),
    ],
    "bad-yaml-quiz": [
        ("quiz.yaml", 4, "bad YAML: this line is indented differently from the key above it; use the same "
                         "number of spaces at the start of the line (mapping values are not allowed in this "
                         "context)"),
    ],
    "yaml-colon": [
        ("course.yaml", 3, "bad YAML: a colon and space inside an unquoted value; put the value in quotes, "
                           "write summary: \"Pasal 27: setiap warga negara bersamaan kedudukannya.\" "
                           "(mapping values are not allowed in this context)"),
    ],
    "yaml-tab": [
        ("course.yaml", 9, "bad YAML: a tab is used for indentation; YAML accepts only spaces, replace the "
                           "tab with spaces (found a tab character that violates indentation while scanning "
                           "a plain scalar)"),
    ],
    "empty-quiz": [("quiz.yaml", 1, "the file is empty")],
    "not-a-mapping": [("course.yaml", 1, "course.yaml: must be a mapping (key: value)")],
    "unknown-key": [
        ("course.yaml", 2, "unknown key: titel"),
        ("course.yaml", 12, "unknown key: menit"),
        ("quiz.yaml", 8, "unknown key: benar"),
    ],
    "missing-keys": [
        ("course.yaml", 1, "missing required key: title"),
        ("course.yaml", 1, "missing required key: passing_score"),
        ("course.yaml", 6, "missing required key: file"),
        ("quiz.yaml", 2, "missing required key: explanation"),
        ("quiz.yaml", 8, "missing required key: text"),
    ],
    "wrong-values": [
        ("course.yaml", 2, "title: must be text"),
        ("course.yaml", 3, "summary: must not contain line breaks"),
        ("course.yaml", 6, "language: must be one of: id, en"),
        ("course.yaml", 7, "version: must be MAJOR.MINOR.PATCH, e.g. 1.0.0"),
        ("course.yaml", 8, "passing_score: must be a whole number 1..100"),
        ("course.yaml", 9, "feedback: must be one of: immediate, end"),
        ("course.yaml", 10, "minutes: must be a whole number 1..1000"),
        ("course.yaml", 12, "id: only a-z, 0-9 and '-', 1..48 characters"),
        ("course.yaml", 15, "minutes: must be a whole number 1..1000"),
        ("course.yaml", 16, "lessons: must be a mapping (key: value)"),
        ("quiz.yaml", 3, "type: must be one of: single, multiple"),
        ("quiz.yaml", 4, "text: must not be empty"),
        ("quiz.yaml", 6, "choices: must have 2..8 items (has 1)"),
        ("quiz.yaml", 7, "correct: must be true or false"),
        ("quiz.yaml", 8, "explanation: must not be empty"),
    ],
    "duplicate-ids": [
        ("course.yaml", 3, "duplicate key: title (first on line 2)"),
        ("course.yaml", 12, "duplicate lesson id: satu (first on line 9)"),
        ("quiz.yaml", 8, "same choice text as line 6"),
        ("quiz.yaml", 10, "duplicate question id: q1 (first on line 2)"),
    ],
    "correct-answers": [
        ("quiz.yaml", 2, "question has no correct choice (mark it with correct: true)"),
        ("quiz.yaml", 10, "a single question must have exactly one correct choice (has 2)"),
        ("quiz.yaml", 19, "question has no correct choice (mark it with correct: true)"),
    ],
    "media-refs": [
        ("lessons/01.md", 5, "media file not found: media/hilang.png"),
        ("lessons/01.md", 7, "media files must be in the media/ folder: ../gambar/luar.svg"),
        ("lessons/01.md", 9, "path leaves the course folder: ../../rahasia.png"),
        ("lessons/01.md", 11, "media must be a file in the course folder, not a web address: "
                              "https://example.org/gambar.png"),
        ("lessons/01.md", 13, "unsupported media type: ../media/catatan.txt (use %s)" % MEDIA_TYPES),
        ("lessons/01.md", 15, "path must be relative to the lesson file: /media/mutlak.mp3"),
        ("lessons/01.md", 15, "media file not found: media/tidak-ada.pdf"),
    ],
    "unsafe-paths": [
        ("course.yaml", 10, "file: unsafe path: ../kursus-lain/lessons/01.md (no '..', leading '/' or '\\')"),
        ("course.yaml", 13, "file: unsafe path: /etc/passwd (no '..', leading '/' or '\\')"),
        ("course.yaml", 16, "file: unsafe path: lessons\\03.md (no '..', leading '/' or '\\')"),
        ("course.yaml", 17, "quiz: unsafe path: quiz/../quiz.yaml (no '..', leading '/' or '\\')"),
    ],
    "id-mismatch": [("course.yaml", 1, "id 'kursus-lain' does not match the folder name 'id-mismatch'")],
    "non-utf8": [
        ("lessons/01.md", 4, "not valid UTF-8 text (or a control character)"),
        ("quiz.yaml", 4, "not valid UTF-8 text (or a control character)"),
    ],
}


def expected(case, rows):
    out = []
    for f, line, msg in rows:
        path = "%s/%s/%s" % (BAD, case, f)
        out.append("%s:%d: %s" % (path, line, msg) if line else "%s: %s" % (path, msg))
    return "".join(l + "\n" for l in out)


def test_every_fixture_has_a_case():
    eq(sorted(os.listdir(os.path.join(ROOT, BAD))), sorted(CASES), "every bad fixture folder is checked here")


def test_validate_reports_every_problem():
    for case, rows in CASES.items():
        st, out, err = pack("validate", "%s/%s" % (BAD, case))
        eq((st, out, err), (1, "", expected(case, rows)), "validate %s: exit 1 and exactly these lines" % case)


def test_build_refuses_with_the_same_problems():
    tmp = tempfile.mkdtemp(prefix="pb-test-pack-")
    for case, rows in CASES.items():
        out_path = os.path.join(tmp, case + ".pack")
        st, out, err = pack("build", "%s/%s" % (BAD, case), "-o", out_path)
        eq((st, err), (1, expected(case, rows)), "build %s is refused with the validate lines" % case)
        ok(not os.path.exists(out_path) and not os.path.exists(out_path + ".tmp"),
           "build %s writes no pack" % case)
    os.rmdir(tmp)


def test_messages_default_to_indonesian():
    st, out, err = pack("validate", BAD + "/id-mismatch", lang="C.UTF-8")
    eq((st, err), (1, "%s/id-mismatch/course.yaml:1: id 'kursus-lain' tidak sama dengan nama folder "
                      "'id-mismatch'\n" % BAD), "without an English locale messages are Indonesian")


# issue 13: libyaml's common errors in one Indonesian sentence with the fix
YAML_ID = {
    "yaml-colon": "course.yaml:3: YAML salah: titik dua dan spasi di dalam nilai tanpa tanda kutip; apit "
                  "nilainya dengan tanda kutip, tulis summary: \"Pasal 27: setiap warga negara bersamaan "
                  "kedudukannya.\" (mapping values are not allowed in this context)",
    "yaml-tab": "course.yaml:9: YAML salah: ada karakter tab untuk menjorok; YAML hanya menerima spasi, ganti "
                "tab dengan spasi (found a tab character that violates indentation while scanning a plain "
                "scalar)",
    "bad-yaml": "course.yaml:3: YAML salah: tanda kutip \" yang dibuka di baris ini tidak ditutup; tambahkan \" "
                "di akhir nilainya (found unexpected end of stream while scanning a quoted scalar)",
    "bad-yaml-quiz": "quiz.yaml:4: YAML salah: baris ini menjorok tidak sejajar dengan kunci di atasnya; "
                     "samakan jumlah spasi di awal baris (mapping values are not allowed in this context)",
}


def test_yaml_errors_in_indonesian_with_the_fix():
    for case, line in YAML_ID.items():
        st, out, err = pack("validate", "%s/%s" % (BAD, case), lang="C.UTF-8")
        eq((st, err), (1, "%s/%s/%s\n" % (BAD, case, line)), "validate %s in Indonesian" % case)


def test_app_vocabulary_in_messages():
    st, out, err = pack("validate", BAD + "/duplicate-ids", lang="C.UTF-8")
    ok("course.yaml:12: id materi ganda: satu (pertama di baris 9)\n" in err and
       "quiz.yaml:10: id pertanyaan ganda: q1 (pertama di baris 2)\n" in err,
       "lessons and questions are 'materi' and 'pertanyaan', as in the app", err)
    st, out, err = pack("validate", BAD + "/correct-answers", lang="C.UTF-8")
    ok("quiz.yaml:2: pertanyaan tanpa jawaban benar (tandai dengan correct: true)\n" in err and
       "quiz.yaml:10: pertanyaan single harus punya tepat satu jawaban benar (ada 2)\n" in err,
       "quiz problems say 'pertanyaan'", err)


def test_trailing_slash_and_absolute_path():
    st, out, err = pack("validate", BAD + "/id-mismatch/")
    eq(err.split(":")[0], BAD + "/id-mismatch/course.yaml", "a trailing slash is not doubled in file names")
    absdir = os.path.join(ROOT, BAD, "id-mismatch")
    st, out, err = pack("validate", absdir)
    eq(err.split(":")[0], absdir + "/course.yaml", "file names start with the folder as given")


def test_good_course_validates():
    st, out, err = pack("validate", GOOD)
    eq((st, out, err), (0, "OK: kursus-contoh 1.0.0 — 2 lessons, 2 questions, 5 media files\n",
                        GOOD + "/media/unused.txt: warning: no lesson uses this media file, so it is left "
                               "out of the pack\n"),
       "the good course validates with a one-line summary and warns of its unused file")
    st, out, err = pack("validate", GOOD, lang="C.UTF-8")
    eq((st, out), (0, "OK: kursus-contoh 1.0.0 — 2 materi, 2 pertanyaan, 5 berkas media\n"),
       "the summary uses the app's words (materi, pertanyaan)")


WARN = "tests/data/pack/kursus-peringatan"


def test_media_warnings():
    want = "".join("%s/%s\n" % (WARN, l) for l in [
        "media/foto.png: warning: its content is not PNG as its extension (.png) says: the file is damaged or "
        "misnamed; open it and save it again as PNG, or rename it",
        "media/peta.webp: warning: 20.0 KB, over the 0.01 MB budget for one media file: make the picture "
        "smaller (about 1000 pixels wide is enough for a phone) and save it as WebP or JPEG",
        "media/potong.png: warning: 0.1 KB, but the picture is not whole (the file stops before the picture's "
        "end), so phones cannot show it: copy it again or save it again from the original as WebP or JPEG",
        "media/lama.svg: warning: no lesson uses this media file, so it is left out of the pack",
    ])
    st, out, err = pack("validate", WARN, "--media-budget", "0.01")
    eq((st, out, err), (0, "OK: kursus-peringatan 1.0.0 — 1 lessons, 2 questions, 4 media files\n", want),
       "media warnings: content not matching the extension, over the budget, an image cut short, unused; "
       "still valid")
    st, out, err = pack("validate", WARN)
    eq(err, "".join(l + "\n" for l in want.splitlines() if "budget" not in l),
       "the default budget (2 MB) does not warn of a 20 KB file")
    st, out, err = pack("validate", WARN, "--media-budget", "0.01", lang="C.UTF-8")
    eq(err, "".join("%s/%s\n" % (WARN, l) for l in [
        "media/foto.png: peringatan: isinya bukan PNG seperti kata ekstensinya (.png): berkas rusak atau salah "
        "ekstensi; buka dan simpan ulang sebagai PNG, atau ganti namanya",
        "media/peta.webp: peringatan: 20,0 KB, lebih besar dari batas 0,01 MB untuk satu berkas media: "
        "perkecil gambarnya (lebar sekitar 1000 piksel cukup untuk layar ponsel) dan simpan sebagai WebP atau JPEG",
        "media/potong.png: peringatan: 0,1 KB, tetapi gambarnya tidak utuh (berkasnya berhenti sebelum akhir "
        "gambar), jadi ponsel tidak dapat menampilkannya: salin atau simpan ulang dari berkas aslinya sebagai "
        "WebP atau JPEG",
        "media/lama.svg: peringatan: berkas media ini tidak dipakai materi mana pun, jadi tidak masuk paket",
    ]), "the warnings in Indonesian")
    tmp = tempfile.mkdtemp(prefix="pb-test-pack-")
    st, out, err = pack("build", WARN, "--media-budget", "0.01", "-o", os.path.join(tmp, "w.pack"))
    eq((st, err), (0, want), "build prints the same warnings and builds the pack")
    shutil.rmtree(tmp)
    st, out, err = pack("validate", WARN, "--media-budget", "nol")
    eq(st, 2, "a budget that is not a number is a usage error")

def test_paths_too_deep_for_a_pack():
    """A folder under media/ as deep as a pack path may be is not walked (the
    walk is recursive, and preview runs it on a 100 KiB worker stack); a media
    path the box would refuse in a pack (over 16 parts) is an error."""
    tmp = tempfile.mkdtemp(prefix="pb-test-pack-")
    course = os.path.join(tmp, "kursus-contoh")
    shutil.copytree(GOOD, course)
    unused = os.path.join(course, "media", *(["u"] * 40))
    os.makedirs(unused)
    open(os.path.join(unused, "lupa.svg"), "w").close()
    st, out, err = pack("validate", course)
    lines = err.splitlines()
    eq(st, 0, "an unused folder 40 deep under media/ leaves the course valid")
    ok("%s/media/%s: warning: this folder is too deep for a pack (at most 16 parts), so what is in it is "
       "not looked at and left out of the pack" % (course, "/".join(["u"] * 15)) in lines,
       "...and is not walked below 16 parts", err)
    ok(not any("lupa.svg" in l for l in lines), "...so the file at its bottom is not named", err)
    deep = "media/" + "d/" * 15 + "x.svg"  # 17 parts
    os.makedirs(os.path.dirname(os.path.join(course, deep)))
    shutil.copy(os.path.join(course, "media", "struktur.svg"), os.path.join(course, deep))
    with open(os.path.join(course, "lessons", "01-pengantar.md"), "a") as f:
        f.write("\n![Terlalu dalam](../%s)\n" % deep)
    st, out, err = pack("validate", course)
    eq(st, 1, "a media path of 17 parts makes the course invalid")
    ok(any(l.startswith(course + "/lessons/01-pengantar.md:") and
           l.endswith("media path too long for a pack: %s (at most 255 bytes and 16 parts)" % deep)
           for l in err.splitlines()), "...at the lesson's line, saying the limit", err)
    shutil.rmtree(tmp)


def test_usage():
    st, out, err = pack("--help")
    ok(st == 0 and "validate DIR" in out and "build DIR -o PACK.pack [--dev]" in out and
       "keygen -o NAME.key" in out and "sign PACK.pack -k NAME.key" in out and
       "verify PACK.pack [-p NAME.pub]" in out, "--help prints the usage and exits 0", out)
    st, out, err = pack("--version")
    ok(st == 0 and out.startswith("pamong-pack "), "--version prints the version", out)
    for args in (["frobnicate"], [], ["validate"], ["build", GOOD], ["validate", GOOD, "-x"],
                 ["keygen"], ["sign", "x.pack"]):
        st, out, err = pack(*args)
        eq(st, 2, "usage error for %r exits 2" % (args,))


run_tests(globals())
