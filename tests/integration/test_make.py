"""The Makefile's entry points build on all the cores: `make run`, `make
test` (and bench, fault, soak…) build in a sub-make given -jN, N the
cores nproc counts (JOBS= overrides); a `make -jN` of the caller's own is
kept (its jobserver), not forced to another number. Read from `make -n`,
which prints the commands without running them (the sub-make is entered,
itself in -n)."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import ROOT, eq, ok, run_tests  # noqa: E402


def dry(*args, **env):
    e = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "JOBS")}
    e.update(env)
    r = subprocess.run(["make", "-n"] + list(args), cwd=ROOT, env=e, capture_output=True, text=True)
    subs = [l for l in r.stdout.splitlines() if re.match(r"^\S*make .*--no-print-directory", l)]
    return r, subs


def jobs(line):
    m = re.search(r"(?:^|\s)-j(\d*)(?=\s|$)", line)
    return m.group(1) if m else None


def test_run_and_test_use_the_cores():
    cores = str(os.cpu_count())
    r = subprocess.run(["nproc"], capture_output=True, text=True)
    cores = r.stdout.strip() or cores
    for target in ("run", "run-hub", "test", "bench", "fault", "soak"):
        r, subs = dry(target)
        ok(r.returncode == 0 and subs, "make -n %s enters a sub-make" % target, r.stderr[-400:])
        if subs:
            eq(jobs(subs[0]), cores, "make %s builds with -j%s (the cores): %s" % (target, cores, subs[0][:80]))


def test_jobs_override_and_callers_j():
    r, subs = dry("run", JOBS="1")
    ok(subs and jobs(subs[0]) == "1", "JOBS=1 make run builds one thing at a time", "\n".join(subs))
    r, subs = dry("-j3", "run")
    ok(subs and jobs(subs[0]) is None,
       "make -j3 run: the sub-make takes the caller's jobserver, no -jN of its own", "\n".join(subs))


run_tests(globals())
