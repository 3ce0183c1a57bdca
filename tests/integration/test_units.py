"""The appliance's systemd units (image-build/overlay, the single source the
image is built from): `systemd-analyze verify` accepts every unit in a root
made of them and the host's own system units; `systemd-analyze security`
rates pamongd.service (the score is printed, and must stay below 2.0); the
files the units read are the ones `pamongd --render-net` writes; pamongd's
unit is Type=notify with a watchdog and no capabilities. Running them under
a real systemd is tests/appliance/test_systemd.sh."""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import AREA_FILE, BUILD, PAMONGD, ROOT, eq, ok, run_tests  # noqa: E402

OVERLAY = os.path.join(ROOT, "image-build", "overlay")
UNIT_DIR = os.path.join(OVERLAY, "etc", "systemd", "system")
UNITS = sorted(os.path.basename(p) for p in glob.glob(os.path.join(UNIT_DIR, "*.service")))
# the template's instance the image enables (DefaultInstance)
INSTANCES = [u.replace("@.", "@wlan0.") for u in UNITS]


def unit_text(name):
    with open(os.path.join(UNIT_DIR, name)) as f:
        return f.read()


def settings(name):
    """key -> [values] of a unit file, comments dropped."""
    out = {}
    for line in unit_text(name).splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "[")) or "=" not in line:
            continue
        k, _, v = line.partition("=")
        out.setdefault(k.strip(), []).append(v.strip())
    return out


def fake_root():
    """A root with the overlay's units, the host's system units and a stub
    for every program the units run (verify checks they are executable)."""
    root = tempfile.mkdtemp(prefix="pb-units-")
    shutil.copytree("/lib/systemd/system", os.path.join(root, "lib", "systemd", "system"),
                    symlinks=True)
    shutil.copytree(UNIT_DIR, os.path.join(root, "etc", "systemd", "system"))
    for name in UNITS:
        for k, vals in settings(name).items():
            if not k.startswith("Exec"):
                continue
            for v in vals:
                prog = v.lstrip("-+!@:").split()[0]
                path = os.path.join(root, prog.lstrip("/"))
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write("#!/bin/sh\n")
                os.chmod(path, 0o755)
    return root


def test_verify():
    ok(len(UNITS) >= 5, "the overlay has pamongd's and the hotspot's units: %s" % ", ".join(UNITS))
    root = fake_root()
    try:
        r = subprocess.run(["systemd-analyze", "verify", "--root=" + root, "--man=no"] + INSTANCES,
                           capture_output=True, text=True)
        ok(r.returncode == 0 and r.stderr.strip() == "",
           "systemd-analyze verify accepts %s" % " ".join(INSTANCES), r.stderr)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_security_score():
    root = fake_root()
    try:
        r = subprocess.run(["systemd-analyze", "security", "--root=" + root, "--offline=yes",
                            os.path.join(root, "etc/systemd/system/pamongd.service")],
                           capture_output=True, text=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    m = re.search(r"Overall exposure level for pamongd.service: ([0-9.]+)", r.stdout)
    score = float(m.group(1)) if m else 99.0
    print("# systemd-analyze security pamongd.service: exposure %.1f" % score)
    for line in r.stdout.splitlines():
        if line.startswith("✗"):
            print("#   " + " ".join(line.split()))
    ok(score < 2.0, "pamongd.service's exposure is %.1f (below 2.0)" % score, r.stdout[-2000:])


def test_pamongd_unit():
    s = settings("pamongd.service")
    eq(s.get("Type"), ["notify"], "Type=notify: ready only once pamongd says READY=1")
    ok(s.get("WatchdogSec") and int(s["WatchdogSec"][0]) > 0, "a watchdog (WatchdogSec=%s)"
       % s.get("WatchdogSec"))
    eq((s.get("User"), s.get("CapabilityBoundingSet"), s.get("AmbientCapabilities")),
       (["pamong"], [""], [""]), "its own user, no capabilities at all")
    fams = s.get("RestrictAddressFamilies", [""])[0].split()
    eq(sorted(fams), ["AF_INET", "AF_INET6", "AF_NETLINK", "AF_UNIX"],
       "address families: the web, sd_notify/hostapd (UNIX), the uplink watch (netlink)")
    eq((s.get("ProtectSystem"), s.get("ReadWritePaths"), s.get("PrivateTmp"),
        s.get("NoNewPrivileges"), s.get("SystemCallFilter", [None])[0]),
       (["strict"], ["/var/lib/pamong"], ["yes"], ["yes"], "@system-service"),
       "read-only system, only the data dir writable, private /tmp, no new privileges, "
       "@system-service")


def test_units_read_what_render_writes():
    tmp = tempfile.mkdtemp(prefix="pb-units-render-")
    try:
        conf = os.path.join(tmp, "pamongd.conf")
        with open(conf, "w") as f:
            f.write("[http]\nwebroot = %s/webroot\n[storage]\ndata_dir = %s/data\n"
                    "[area]\nfile = %s\n" % (BUILD, tmp, AREA_FILE))
        out = os.path.join(tmp, "net")
        r = subprocess.run([PAMONGD, "-f", conf, "--render-net", out], capture_output=True,
                           text=True)
        ok(r.returncode == 0, "pamongd --render-net renders the defaults", r.stderr)
        wanted = set()
        for name in UNITS:
            text = unit_text(name).replace("%i", "wlan0")
            wanted.update(re.findall(r"/run/pamong-net/([A-Za-z0-9_.-]+\.(?:conf|env))", text))
        missing = sorted(w for w in wanted if not os.path.exists(os.path.join(out, w)))
        eq(missing, [], "every file the units read from /run/pamong-net is rendered (%s)"
           % ", ".join(sorted(wanted)))
        net = settings("pamong-net.service")
        ok(any("--render-net /run/pamong-net" in v for v in net.get("ExecStart", [])),
           "pamong-net.service renders into /run/pamong-net")
        for name in UNITS:
            if name in ("pamong-net.service", "pamongd.service"):
                continue
            s = settings(name)
            ok("pamong-net.service" in " ".join(s.get("After", []))
               and "pamong-net.service" in " ".join(s.get("Requires", [])),
               "%s requires the render and starts after it" % name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


run_tests(globals())
