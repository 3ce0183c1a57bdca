"""Helpers for pamong-hub tests: start the real hub on a free port with its own
config and data dir (SQLite, or a fresh database of a test PostgreSQL cluster
when PB_HUB_DB=postgresql: pgtest.py), box keys (Ed25519 through libsodium with ctypes, since the
standard library has none), and signed gzip upload chunks as in docs/SYNC.md.
Standard library only."""

import atexit
import ctypes
import ctypes.util
import gzip
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import uuid

from pbtest import BUILD, ROOT, Client, free_port
import pgtest

HUB = os.path.join(BUILD, "pamong-hub")
WEBROOT = os.path.join(ROOT, "webroot", "hub")

_sodium = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
if _sodium.sodium_init() < 0:
    raise RuntimeError("libsodium failed to initialise")


class BoxKey:
    """An Ed25519 key pair, like the one a box makes on first start."""

    def __init__(self):
        self.pk = ctypes.create_string_buffer(32)
        self.sk = ctypes.create_string_buffer(64)
        _sodium.crypto_sign_keypair(self.pk, self.sk)
        self.box_id = str(uuid.uuid4())

    @property
    def hex(self):
        return self.pk.raw.hex()

    def sign(self, data):
        sig = ctypes.create_string_buffer(64)
        _sodium.crypto_sign_detached(sig, None, data, ctypes.c_ulonglong(len(data)), self.sk)
        return sig.raw.hex()


class Hub:
    """A real pamong-hub on a free port with its own data dir and config."""

    def __init__(self, extra_conf="", area_file=None, flags=(), db_url=None, backend=None):
        self.tmp = tempfile.mkdtemp(prefix="pb-hub-test-")
        self.port = free_port()
        self.backend = "postgresql" if db_url else backend or pgtest.backend()
        self.pg_db = None
        if db_url is None and self.backend == "postgresql":
            self.pg_db = pgtest.cluster().create_db()
            db_url = pgtest.cluster().url(self.pg_db)
        self.db_url = db_url
        if db_url:
            extra_conf = "[db]\nurl = %s\n%s" % (db_url, extra_conf)
        self.conf = os.path.join(self.tmp, "pamong-hub.conf")
        self.proc = None
        self.flags = list(flags)  # more command-line flags, e.g. ["-v"]
        area = area_file if area_file is not None else os.path.join(self.tmp, "none.tsv.gz")
        with open(self.conf, "w") as f:
            f.write("[http]\nport = %d\nlisten = 127.0.0.1\nwebroot = %s\n"
                    "public_url = http://hub.test\n"
                    "[storage]\ndata_dir = %s\n[area]\nfile = %s\n%s"
                    % (self.port, WEBROOT, self.tmp, area, extra_conf))
        atexit.register(self.cleanup)

    def cmd(self, *args, stdin=None):
        """Run a staff command; returns (exit status, stdout, stderr)."""
        p = subprocess.run([HUB, "-f", self.conf] + list(args), input=stdin,
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def enroll_code(self, ttl=None):
        rc, out, err = self.cmd("enroll-code", *(["--ttl", ttl] if ttl else []))
        if rc != 0:
            raise RuntimeError("enroll-code failed: " + err)
        return out.strip()

    def add_user(self, name, password):
        rc, _, err = self.cmd("add-user", name, stdin=password + "\n")
        if rc != 0:
            raise RuntimeError("add-user failed: " + err)

    def start(self):
        self.log = open(os.path.join(self.tmp, "hub.log"), "ab")
        self.proc = subprocess.Popen([HUB, "-d", "-f", self.conf] + self.flags, stdout=self.log,
                                     stderr=self.log)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("pamong-hub exited:\n" + self.logtext())
            try:
                st, _, _ = self.client().get("/api/v1/health")
                if st == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("pamong-hub did not answer:\n" + self.logtext())

    def logtext(self):
        try:
            with open(os.path.join(self.tmp, "hub.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")[-4000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def client(self):
        return Client(self.port)

    def db(self):
        """A connection to the hub's database (sqlite3 or psycopg2)."""
        if self.backend == "postgresql":
            return pgtest.psycopg2.connect(self.db_url)
        return sqlite3.connect(os.path.join(self.tmp, "hub.db"), timeout=30)

    def rows(self, sql, *args):
        """Rows of sql (? placeholders) on either database."""
        c = self.db()
        try:
            if self.backend == "postgresql":
                out = pgtest.rows(c, sql, args)
                c.commit()
                return out
            out = c.execute(sql, args).fetchall()
            c.commit()
            return out
        finally:
            c.close()

    def snapshot(self):
        """Everything a box upload can change, for "nothing stored" checks."""
        return {
            "learners": self.rows("SELECT * FROM learners ORDER BY box, id"),
            "summaries": self.rows("SELECT * FROM summaries ORDER BY box, learner, course"),
            "boxes": self.rows("SELECT * FROM boxes ORDER BY key"),
            "uploads": self.rows("SELECT count(*) FROM uploads"),
        }

    def cleanup(self):
        self.stop()
        if os.environ.get("KEEP_TMP") is None:
            shutil.rmtree(self.tmp, ignore_errors=True)


def enroll(client, key, code, name="Box Uji", sign_with=None):
    body = json.dumps({"code": code, "public_key": key.hex, "box_id": key.box_id,
                       "name": name}).encode()
    sig = (sign_with or key).sign(body)
    st, hdrs, data = client.raw("POST", "/api/v1/enroll", body,
                                {"Content-Type": "application/json",
                                 "X-Pamong-Signature": sig})
    return st, json.loads(data) if data else None


def learner(rev, village="33.02.01.2001", name=None, lid=None):
    lid = lid or str(uuid.uuid4())
    return {"id": lid, "name": name or "Peserta %d" % rev, "position": "sekretaris-desa",
            "village": village, "registered_at": 1764400000000 + rev, "rev": rev}


def summary(lid, course, rev, status="completed", passed=True, score=80,
            completed_at=1764403000000):
    return {"learner": lid, "course": course, "status": status, "lessons_done": 4,
            "lessons_total": 4, "best_score": score, "passed": passed,
            "attempts": 0 if score is None else 1,
            "seconds_spent": 1260, "first_activity": 1764400000000,
            "last_activity": completed_at or 1764401000000,
            "completed_at": completed_at if status == "completed" else 0,
            "times_corrected": False, "rev": rev}


def chunk(key, from_rev, to_rev, seq, learners=(), summaries=(), health=None):
    return {"box": key.box_id, "chunk": {"from_rev": from_rev, "to_rev": to_rev, "seq": seq},
            "learners": list(learners), "summaries": list(summaries),
            "health": health or {"version": "0.1.0", "uptime_s": 60, "disk_free": 10 ** 9,
                                 "db_bytes": 65536, "pending": 0, "clock": "hub"}}


def upload_raw(client, key_hex, sig, body, encoding="gzip"):
    h = {"Content-Type": "application/json", "X-Pamong-Box": key_hex,
         "X-Pamong-Signature": sig}
    if encoding:
        h["Content-Encoding"] = encoding
    st, hdrs, data = client.raw("POST", "/api/v1/upload", body, h)
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = None
    return st, parsed


def upload(client, key, obj):
    """Gzip, sign and send one chunk; returns (status, JSON answer, body bytes)."""
    body = gzip.compress(json.dumps(obj).encode())
    st, ans = upload_raw(client, key.hex, key.sign(body), body)
    return st, ans, body
