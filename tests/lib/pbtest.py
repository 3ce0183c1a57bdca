"""Shared helpers for the Python integration tests: TAP output, starting the
real pamongd on a free port with a temporary data dir, and a small HTTP client
that keeps cookies. Standard library only."""

import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
PAMONGD = os.path.join(BUILD, "pamongd")
PACK = os.path.join(BUILD, "pamong-pack")
PACKS = os.path.join(BUILD, "packs")
DEV_PUB = os.path.join(BUILD, "dev-signing.pub")
AREA_FILE = os.path.join(ROOT, "content", "area", "wilayah.tsv.gz")

_n = 0
_failed = 0


def ok(cond, what, detail=""):
    """One TAP line; detail is printed when the check fails."""
    global _n, _failed
    _n += 1
    if not cond:
        _failed += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (_n, what))
    if not cond and detail:
        for line in str(detail).splitlines():
            print("#   " + line)
    sys.stdout.flush()
    return cond


def eq(got, want, what):
    return ok(got == want, what, "expected %r\ngot      %r" % (want, got))


def run_tests(module_globals):
    """Run every test_* function of the calling module, in file order."""
    tests = [(n, f) for n, f in module_globals.items() if n.startswith("test_") and callable(f)]
    for name, fn in tests:
        try:
            fn()
        except Exception:  # a crash is a failure with its traceback
            ok(False, name + " ran to the end", traceback.format_exc())
    print("1..%d" % _n)
    sys.exit(1 if _failed else 0)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Box:
    """A real pamongd on a free port with its own data dir and config."""

    def __init__(self, data=None, extra_conf="", packs=True, env=None):
        self.tmp = data or tempfile.mkdtemp(prefix="pb-test-")
        self.port = free_port()
        self.conf = os.path.join(self.tmp, "pamongd.conf")
        self.proc = None
        self.env = env
        incoming = PACKS if packs else os.path.join(self.tmp, "no-packs")
        os.makedirs(incoming, exist_ok=True)
        with open(self.conf, "w") as f:
            f.write(
                "[http]\nport = %d\nlisten = 127.0.0.1\nwebroot = %s\n"
                "[storage]\ndata_dir = %s\n"
                "[content]\nincoming = %s\ntrusted_keys = %s\n"
                "[area]\nfile = %s\ncodes = 33.02\n%s"
                % (self.port, os.path.join(BUILD, "webroot"), self.tmp, incoming, DEV_PUB, AREA_FILE, extra_conf)
            )
        atexit.register(self.cleanup)

    def start(self, wait=True):
        self.log = open(os.path.join(self.tmp, "pamongd.log"), "ab")
        self.proc = subprocess.Popen([PAMONGD, "-d", "-f", self.conf],
                                     stdout=self.log, stderr=self.log, env=self.env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("pamongd exited with %d:\n%s" % (self.proc.returncode, self.logtext()))
            try:
                st, _, _ = self.client().get("/api/v1/health")
                if st == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("pamongd did not answer within %ds:\n%s" % (timeout, self.logtext()))

    def logtext(self):
        try:
            with open(os.path.join(self.tmp, "pamongd.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")[-4000:]
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def client(self):
        return Client(self.port)

    def console(self):
        return ConsoleClient(self.port)

    def setup_code(self):
        """The one-time console setup code pamongd made at its first start."""
        with open(os.path.join(self.tmp, "console-setup-code")) as f:
            return f.read().strip()

    def first_facilitator(self, username=None, password=None):
        """Create the first facilitator with the setup code; returns a
        ConsoleClient logged in as them."""
        c = self.console()
        st, body, _ = c.post("/api/v1/console/setup", {
            "code": self.setup_code(), "username": username or FAC_USER,
            "password": password or FAC_PASSWORD})
        if st != 201:
            raise RuntimeError("console setup answered %d: %r" % (st, body))
        return c

    @property
    def db(self):
        return os.path.join(self.tmp, "pamong.db")

    def cleanup(self):
        self.stop()
        if os.environ.get("KEEP_TMP") is None:
            shutil.rmtree(self.tmp, ignore_errors=True)


FAC_USER = "fasilitator"
FAC_PASSWORD = "kotak-pamong-2026"


class Client:
    """HTTP/1.1 keep-alive client with a cookie jar (one cookie is enough)."""

    def __init__(self, port, host="127.0.0.1"):
        self.port = port
        self.host = host
        self.cookies = {}
        self.conn = None

    def _conn(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        return self.conn

    def raw(self, method, path, body=None, headers=None):
        """Send bytes as they are; returns (status, headers dict, body bytes)."""
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        for attempt in (0, 1):
            c = self._conn()
            try:
                c.request(method, path, body=body, headers=h)
                r = c.getresponse()
                data = r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt:
                    raise
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";")[0]
                if value == "" or "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        return r.status, hdrs, data

    def req(self, method, path, obj=None, headers=None):
        """JSON in, (status, parsed JSON or None, headers) out."""
        body = None
        h = dict(headers or {})
        if obj is not None:
            body = json.dumps(obj).encode()
            h["Content-Type"] = "application/json"
        st, hdrs, data = self.raw(method, path, body, h)
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return st, parsed, hdrs

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def post(self, path, obj=None, **kw):
        return self.req("POST", path, obj if obj is not None else {}, **kw)

    def put(self, path, obj=None, **kw):
        return self.req("PUT", path, obj if obj is not None else {}, **kw)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class ConsoleClient(Client):
    """A Client for the facilitator console: keeps the session's CSRF token
    (from login, setup or /console/me) and sends it as X-CSRF-Token with
    every POST, PUT and DELETE unless the caller gives its own."""

    def __init__(self, port, host="127.0.0.1"):
        super().__init__(port, host)
        self.csrf = None

    def req(self, method, path, obj=None, headers=None):
        h = dict(headers or {})
        if self.csrf and method not in ("GET", "HEAD") and "X-CSRF-Token" not in h:
            h["X-CSRF-Token"] = self.csrf
        st, body, hdrs = super().req(method, path, obj, h)
        if isinstance(body, dict) and isinstance(body.get("csrf"), str):
            self.csrf = body["csrf"]
        return st, body, hdrs

    def delete(self, path, obj=None, **kw):
        return self.req("DELETE", path, obj, **kw)

    def login(self, username=None, password=None):
        return self.post("/api/v1/console/login", {"username": username or FAC_USER,
                                                   "password": password or FAC_PASSWORD})
