#!/bin/sh
# Remakes the seed corpora in tests/fuzz/corpus/ from the repository's own
# examples (docs/API.md, docs/SYNC.md, tests/data/pack/kursus-contoh, the
# example config). Needs build/pamong-pack (`make`), python3 and openssl.
# Regression inputs (corpus/*/regress-*) are kept; everything else is
# rewritten. Usage: tests/fuzz/make-seeds.sh
set -e
cd "$(dirname "$0")/../.."
C=tests/fuzz/corpus
PACK=${BUILD:-build}/pamong-pack
[ -x "$PACK" ] || { echo "build $PACK first (make)" >&2; exit 1; }
for t in json_body hub_upload manifest pack course_yaml markdown config; do
	mkdir -p "$C/$t"
	find "$C/$t" -type f ! -name 'regress-*' ! -name 'found-*' -delete
done

# ---- config: the shipped example and a few edits of it
cp firmware/pamongd/pamongd.conf.example "$C/config/example.conf"
printf '[http]\nport = 9000\nmax_body = 1024\n[content]\ndev_mode = yes\n' >"$C/config/small.conf"
printf '; comment\n[sync]\nhub_url = https://hub.example.org\nchunk_rows=5000\n' >"$C/config/sync.conf"
printf '[http]\nport = 0x50\n' >"$C/config/bad-int.conf"
printf 'no section = 1\n' >"$C/config/no-section.conf"

# ---- markdown and course sources: kursus-contoh and the bad courses
K=tests/data/pack/kursus-contoh
for f in "$K"/lessons/*.md content/*/lessons/01-*.md; do
	cp "$f" "$C/markdown/$(basename "$(dirname "$(dirname "$f")")")-$(basename "$f")"
done
python3 - "$C" <<'EOF'
import os, sys, gzip, json
C = sys.argv[1]
K = "tests/data/pack/kursus-contoh"

def rd(p):
    try:
        return open(p, "rb").read()
    except OSError:
        return None

def w(path, data):
    with open(path, "wb") as f:
        f.write(data)

# course_yaml: course.yaml NUL quiz.yaml NUL lesson 1 NUL lesson 2
def course(d, name, l1="lessons/01-pengantar.md", l2="lessons/02-media.md"):
    parts = [rd(f"{d}/course.yaml") or b"", rd(f"{d}/quiz.yaml") or b"",
             rd(f"{d}/{l1}") or rd(f"{d}/lessons/01.md") or b"",
             rd(f"{d}/{l2}") or b""]
    w(f"{C}/course_yaml/{name}", b"\0".join(parts))
course(K, "kursus-contoh")
for b in sorted(os.listdir("tests/data/pack/bad")):
    d = f"tests/data/pack/bad/{b}"
    # the bad courses name lessons/01.md; point it at the first lesson file
    c = (rd(f"{d}/course.yaml") or b"").replace(b"lessons/01.md", b"lessons/01-pengantar.md")
    parts = [c, rd(f"{d}/quiz.yaml") or b"", rd(f"{d}/lessons/01.md") or b""]
    w(f"{C}/course_yaml/bad-{b}", b"\0".join(parts))

# json_body: the learner API's request bodies (docs/API.md)
bodies = {
    "register": {"name": "Siti Aminah", "position": "sekretaris-desa",
                 "village": "33.02.06.2015", "pin": "482913", "client_time": 1764400000000},
    "register-spaces": {"name": "  Ni  Luh\tPutu ", "position": "kepala-desa",
                        "village": "33.02.01.2001", "pin": "1234"},
    "register-utf8": {"name": "Dédé Ñoño", "position": "kaur-keuangan", "pin": "12345678"},
    "login": {"name": "siti aminah", "pin": "482913"},
    "complete": {"seconds": 240, "client_time": 1764400000000},
    "time": {"seconds": 95},
    "answer": {"choices": ["a"]},
    "answer-multi": {"choices": ["a", "c"], "client_time": 1764400000000},
    "empty": {},
}
for k, v in bodies.items():
    w(f"{C}/json_body/{k}.json", json.dumps(v, ensure_ascii=False).encode())
w(f"{C}/json_body/deep.json", b"[" * 40 + b"]" * 40)
w(f"{C}/json_body/dup.json", b'{"name":"a","name":"b"}')
w(f"{C}/json_body/escapes.json", b'{"name":"Siti \\u00c1mina\\"h","x":[1.5e300,-0,true,null]}')

# hub_upload: mode byte 0 = gzip bytes, 1 = JSON gzipped by the harness,
# 2 = enrollment body (docs/SYNC.md, docs/API.md)
BOX = "0b0c0d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"
LID = "5d2f0a4e-8c1b-4f3a-9e7d-2b6c8a1f0e93"
ENROLL_PK = "a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0"
chunk = {"box": BOX, "chunk": {"from_rev": 0, "to_rev": 480, "seq": 1},
         "learners": [{"id": LID, "name": "Siti Aminah", "position": "sekretaris-desa",
                       "village": "33.02.01.2001", "registered_at": 1764400000000,
                       "times_corrected": True, "time_source": {"registered_at": "phone"},
                       "rev": 130}],
         "summaries": [{"learner": LID, "course": "desa-administrasi",
                        "status": "completed", "lessons_done": 4, "lessons_total": 4,
                        "best_score": 80, "passed": True, "attempts": 2,
                        "seconds_spent": 1260, "first_activity": 1764400000000,
                        "last_activity": 1764403000000, "completed_at": 1764403000000,
                        "times_corrected": True,
                        "time_source": {"first_activity": "phone", "last_activity": "hub",
                                        "completed_at": "hub"},
                        "rev": 480}],
         "health": {"version": "0.1.0", "uptime_s": 5400, "disk_free": 1234567890,
                    "db_bytes": 2097152, "pending": 0, "clock": "hub"}}
small = {"box": BOX, "chunk": {"from_rev": 0, "to_rev": 0, "seq": 1}}
for name, obj in (("chunk", chunk), ("empty-chunk", small)):
    raw = json.dumps(obj).encode()
    w(f"{C}/hub_upload/gz-{name}", b"\0" + gzip.compress(raw, mtime=0))
    w(f"{C}/hub_upload/json-{name}", b"\1" + raw)
# two new learners whose names only look alike (ingest's look-alike check)
alike = dict(chunk, learners=[dict(chunk["learners"][0]),
                              dict(chunk["learners"][0], id=LID[:-1] + "4",
                                   name="S\u0131ti Amin\u0430h", rev=131)], summaries=[])
w(f"{C}/hub_upload/json-lookalike", b"\1" + json.dumps(alike).encode())
w(f"{C}/hub_upload/gz-not-gzip", b"\0" + b"plain text")
w(f"{C}/hub_upload/json-bad", b"\1" + b'{"box": 1}')
enroll = {"code": "ABCD-EFGH-JKMN-PQRS", "public_key": ENROLL_PK,
          "box_id": "7e1a2b3c-4d5e-4f60-8172-8394a5b6c7d8", "name": "Kotak Banyumas 1"}
w(f"{C}/hub_upload/enroll", b"\2" + json.dumps(enroll).encode())
enroll["code"] = "abcd efgh-jkmn-pqr5"
w(f"{C}/hub_upload/enroll-lookalike", b"\2" + json.dumps(enroll).encode())

# manifest: mode byte even = course.json NUL quiz.json (installed tree),
# odd = manifest.json for the fixed files of fuzz_manifest.c
import hashlib
fixed = [
    ("course.json", '{"id":"demo","version":"1.0.0","title":"Demo","summary":"S",'
     '"language":"id","passing_score":70,"feedback":"end","minutes":12,"lessons":'
     '[{"id":"kepala-desa","title":"Kepala","minutes":5,"file":"lessons/kepala-desa.html",'
     '"media":["media/struktur.svg"]},{"id":"bpd","title":"BPD","file":"lessons/bpd.html"}],'
     '"quiz":{"questions":1}}'),
    ("lessons/bpd.html", "<h2>BPD</h2>"),
    ("lessons/kepala-desa.html", "<p>Kepala desa.</p>"),
    ("media/struktur.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ("quiz.json", '{"questions":[{"id":"q1","type":"single","text":"Siapa?","choices":'
     '[{"text":"Camat"},{"text":"Kepala desa","correct":true}],"explanation":"E"}]}'),
]
files = [{"path": p, "size": len(d.encode()), "sha256": hashlib.sha256(d.encode()).hexdigest()}
         for p, d in fixed]
man = {"format": 1, "id": "demo", "version": "1.0.0", "title": "Demo", "dev": True,
       "files": files}
w(f"{C}/manifest/manifest-dev", b"\1" + json.dumps(man, indent=2).encode())
man["dev"] = False
w(f"{C}/manifest/manifest-unsigned", b"\1" + json.dumps(man).encode())
man["dev"] = True
man["files"] = files[1:] + files[:1] + [{"path": "media/x.png", "size": 0, "sha256": "0" * 64}]
w(f"{C}/manifest/manifest-missing-file", b"\1" + json.dumps(man).encode())
quiz_full = json.dumps({"questions": [
    {"id": "q1", "type": "single", "text": "Siapa?", "choices": [
        {"id": "a", "text": "Camat", "correct": False},
        {"id": "b", "text": "Kepala desa", "correct": True}], "explanation": "E"},
    {"id": "q2", "type": "multiple", "text": "Tugas BPD?", "choices": [
        {"text": "Membahas perdes", "correct": True}, {"text": "Memungut pajak"},
        {"text": "Menampung aspirasi", "correct": True}]}]})
w(f"{C}/manifest/course-good", b"\0" + fixed[0][1].encode() + b"\0" + quiz_full.encode())
w(f"{C}/manifest/course-min", b"\0" + b'{"id":"demo","version":"1.0.0","title":"T","lessons":'
  b'[{"id":"bpd","title":"B","file":"lessons/bpd.html"}]}' + b"\0" + fixed[4][1].encode())
EOF

# ---- pack: kursus-contoh built with pamong-pack,
# signed with the fuzz key (the seed 33…33, trusted by fuzz_pack.c), and as
# a development pack
KEY=$(mktemp -d)
trap 'rm -rf "$KEY"' EXIT
printf '%064d\n' 0 | tr 0 3 >"$KEY/fuzz.key"
printf '17cb79fb2b4120f2b1ec65e4198d6e08b28e813feb01e4a400839b85e18080ce\n' >"$KEY/fuzz.pub"
"$PACK" build "$K" -o "$C/pack/kursus-contoh.pack" >/dev/null
"$PACK" sign "$C/pack/kursus-contoh.pack" -k "$KEY/fuzz.key" >/dev/null
"$PACK" verify "$C/pack/kursus-contoh.pack" -p "$KEY/fuzz.pub" >/dev/null
"$PACK" build "$K" -o "$C/pack/kursus-contoh-dev.pack" --dev >/dev/null
# the box reads a plain tar too; without gzip the fuzzer can change entries
gzip -dc "$C/pack/kursus-contoh.pack" >"$C/pack/kursus-contoh.tar"
du -sh "$C"/*
