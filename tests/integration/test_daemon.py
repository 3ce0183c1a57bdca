"""pamongd as a program: flags, config checking, the shipped example config,
clean shutdown on SIGTERM, start-up with packs, refusing bad packs while
serving what it had."""

import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import PACKS, PAMONGD, ROOT, Box, eq, ok, run_tests  # noqa: E402


def run(*args):
    p = subprocess.run([PAMONGD] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def test_help_and_version():
    rc, out, _ = run("--help")
    ok(rc == 0 and "-f FILE" in out and "-n" in out, "--help lists the flags", out)
    rc, out, _ = run("--version")
    ok(rc == 0 and out.startswith("pamongd "), "--version prints the version", out)
    rc, _, err = run("--no-such-flag")
    eq(rc, 2, "an unknown flag exits 2")


def test_example_config_is_the_defaults():
    rc, out, _ = run("--print-config")
    with open(os.path.join(ROOT, "firmware", "pamongd", "pamongd.conf.example")) as f:
        shipped = f.read()
    eq(out, shipped, "the shipped example config is exactly what --print-config prints")


def test_check_config():
    box = Box()
    rc, out, err = run("-n", "-f", box.conf)
    eq(rc, 0, "-n accepts a good config")
    bad = os.path.join(box.tmp, "bad.conf")
    with open(bad, "w") as f:
        f.write("[http]\nport = 8080\nthreads = lots\n")
    rc, out, err = run("-n", "-f", bad)
    ok(rc == 1 and "bad.conf:3:" in err and "threads" in err, "-n names file:line of a bad value", err)
    with open(bad, "w") as f:
        f.write("[http]\nprot = 8080\n")
    rc, out, err = run("-n", "-f", bad)
    ok(rc == 1 and "bad.conf:2:" in err and "unknown option" in err, "-n refuses an unknown option", err)
    rc, out, err = run("-n", "-f", "/nonexistent/pamongd.conf")
    ok(rc == 1 and "/nonexistent/pamongd.conf" in err, "a missing config file named with -f is an error", err)


def test_sigterm_is_clean():
    box = Box().start()
    rc = box.stop()
    eq(rc, 0, "SIGTERM stops pamongd with status 0")
    ok("stopped" in box.logtext(), "and it says so in the log")


def tamper(src, dst, change):
    """Rewrite a pack with change(name, data) -> data applied to each file."""
    with tarfile.open(src) as t:
        members = [(m, t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as out:
        for m, data in members:
            data = change(m.name, data) if data is not None else None
            if data is not None:
                m.size = len(data)
                out.addfile(m, io.BytesIO(data))
    with open(dst, "wb") as f:
        f.write(gzip.compress(buf.getvalue()))


def test_files_private_and_no_root_service():
    """The database and keys are not readable by other users, and pamongd
    will not run as root as a service (only by hand, in the foreground)."""
    import stat
    box = Box().start()
    box.client().get("/api/v1/health")
    modes = {}
    for f in os.listdir(box.tmp):
        if f.startswith("pamong.db") or f.endswith(".key"):
            modes[f] = stat.S_IMODE(os.stat(os.path.join(box.tmp, f)).st_mode)
    ok(modes and all(m & 0o007 == 0 for m in modes.values()),
       "the database files and keys are closed to other users",
       {k: oct(v) for k, v in modes.items()})
    box.stop()
    if os.geteuid() == 0:
        p = subprocess.run([PAMONGD, "-f", box.conf], capture_output=True, text=True, timeout=10)
        ok(p.returncode != 0 and "root" in p.stderr,
           "as root without -d pamongd refuses to start, saying why", p.stderr[-300:])
    box.cleanup()


def test_bad_pack_refused_and_old_kept():
    incoming = tempfile.mkdtemp(prefix="pb-incoming-")
    shutil.copy(os.path.join(PACKS, "desa-keuangan.pack"), incoming)
    box = Box(extra_conf="")
    with open(box.conf) as f:
        conf = f.read().replace("incoming = " + PACKS, "incoming = " + incoming)
    with open(box.conf, "w") as f:
        f.write(conf)
    box.start()
    c = box.client()
    st, h, _ = c.get("/api/v1/health")
    eq(h["courses"], 1, "the one pack in incoming is installed")
    box.stop()
    # a newer version whose lesson was changed after signing
    def bump_and_break(name, data):
        if name == "manifest.json":  # a higher version than the sample course's, whatever it is
            return re.sub(rb'"version": "[0-9.]+"', b'"version": "99.0.0"', data)
        if name.startswith("lessons/"):
            return data + b"<p>tampered</p>"
        return data
    os.remove(os.path.join(incoming, "desa-keuangan.pack"))
    tamper(os.path.join(PACKS, "desa-keuangan.pack"), os.path.join(incoming, "desa-keuangan.pack"), bump_and_break)
    with open(os.path.join(incoming, "garbage.pack"), "wb") as f:
        f.write(b"this is not a pack")
    box.start()
    st, h, _ = c.get("/api/v1/health")
    eq((st, h["courses"]), (200, 1), "the box keeps serving the course it had")
    log = box.logtext()
    ok("desa-keuangan" in log and ("signature" in log or "SHA-256" in log or "verify" in log),
       "the refusal is logged with its reason", log[-1500:])
    ok("garbage.pack" in log, "the garbage file is refused with its name in the log", log[-1500:])
    box.cleanup()
    shutil.rmtree(incoming, ignore_errors=True)


run_tests(globals())
