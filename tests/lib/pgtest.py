"""A PostgreSQL cluster of a test's own: initdb in a temporary dir, postgres on
a unix socket in that dir (its own port number, no TCP), stopped at exit. No
system service is used. As root (initdb and postgres refuse root) the cluster
runs as the user "nobody". Needs Debian's postgresql-15 and python3-psycopg2.

The hub suites run against it when PB_HUB_DB=postgresql (tests/run.sh does
both): hubtest.Hub then gives each hub a fresh database of this cluster."""

import atexit
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import sys
import time

try:
    import psycopg2
except ImportError:  # a python3 other than Debian's (pyenv) lacks its dist-packages
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import psycopg2
    except ImportError:  # only the PostgreSQL runs need it (make test installs it)
        psycopg2 = None

from pbtest import free_port

SUPERUSER = "pamong"


def pg_bin(name):
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/" + name))
    if not found:
        raise RuntimeError("PostgreSQL's %s not found (apt-get install postgresql-15)" % name)
    return found[-1]


def backend():
    """The database the hub tests use: "sqlite" (default) or "postgresql"."""
    v = os.environ.get("PB_HUB_DB", "sqlite")
    return "postgresql" if v.startswith("postgres") else "sqlite"


class Cluster:
    """initdb + postgres as an unprivileged user; databases made on demand."""

    def __init__(self, fsync=False):
        if psycopg2 is None:
            raise RuntimeError("python3-psycopg2 is not installed (make test installs it)")
        self.tmp = tempfile.mkdtemp(prefix="pb-pg-test-")
        self.data = os.path.join(self.tmp, "data")
        self.port = free_port()
        self.proc = None
        self.n = 0
        self.prefix = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.tmp, nobody.pw_uid, nobody.pw_gid)
            self.prefix = ["setpriv", "--reuid=%d" % nobody.pw_uid,
                           "--regid=%d" % nobody.pw_gid, "--clear-groups"]
        self.log = os.path.join(self.tmp, "postgres.log")
        subprocess.run(self.prefix + [pg_bin("initdb"), "-D", self.data, "-U", SUPERUSER,
                                      "--auth=trust", "--no-locale", "-E", "UTF8"],
                       check=True, capture_output=True, cwd=self.tmp)
        self.opts = ["-c", "listen_addresses=", "-c", "unix_socket_directories=" + self.tmp,
                     "-p", str(self.port), "-c", "max_connections=200"]
        if not fsync:  # the tests prove the hub's logic, not the disk's
            self.opts += ["-c", "fsync=off", "-c", "synchronous_commit=off"]
        atexit.register(self.stop)
        self.start()

    def start(self):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.prefix + [pg_bin("postgres"), "-D", self.data]
                                         + self.opts, stdout=log, stderr=log, cwd=self.tmp)
        deadline = time.time() + 60
        while True:
            try:
                psycopg2.connect(**self.params("postgres")).close()
                break
            except psycopg2.OperationalError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("postgres did not start:\n" + self.logtext())
                time.sleep(0.1)

    def params(self, db):
        return {"host": self.tmp, "port": self.port, "user": SUPERUSER, "dbname": db}

    def url(self, db):
        """A libpq URL for db (what [db] url takes)."""
        return "postgresql://%s@/%s?host=%s&port=%d" % (SUPERUSER, db, self.tmp, self.port)

    def connect(self, db, **kw):
        return psycopg2.connect(**self.params(db), **kw)

    def create_db(self, name=None):
        """A new empty database; returns its name."""
        self.n += 1
        name = name or "hub%d" % self.n
        c = self.connect("postgres")
        c.autocommit = True
        try:
            c.cursor().execute('CREATE DATABASE "%s"' % name)
        finally:
            c.close()
        return name

    def logtext(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")[-4000:]
        except OSError:
            return ""

    def restart(self):
        """Stop the server (fast shutdown: clients are cut off) and start it again."""
        self.stop(keep=True)
        self.start()

    def stop(self, keep=False):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if not keep and os.environ.get("KEEP_TMP") is None:
            shutil.rmtree(self.tmp, ignore_errors=True)


_cluster = None


def cluster():
    """The cluster shared by one test process, started on first use."""
    global _cluster
    if _cluster is None:
        _cluster = Cluster()
    return _cluster


def rows(conn, sql, args=()):
    """Run sql written for SQLite's sqlite3 module (? placeholders) on a
    psycopg2 connection; returns the rows as a list of tuples."""
    cur = conn.cursor()
    cur.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(args))
    out = cur.fetchall() if cur.description else []
    cur.close()
    return out
