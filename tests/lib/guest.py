"""Runs one script as root inside the appliance test guest: a QEMU x86_64
machine under software emulation (TCG) with Debian 12's kernel and the root
image that tests/appliance/guest/build.sh makes (opened with snapshot=on: the
guest's writes are thrown away), mac80211_hwsim (wlan0, wlan1) and gpio-sim
loaded, and this checkout shared read-only at /src (the script runs
there, with BUILD set). Standard library only.

    python3 tests/lib/guest.py [--timeout S] [--shell] [--keep] [SCRIPT [ARGS...]]

The script's output (and anything the guest kernel prints) streams back over
the serial console; the exit status comes back through a shared job folder,
and this program exits with it (124 on timeout). --shell gives a shell on the
console after the script (or instead of one): the guest powers off when it
exits. --keep keeps the job folder (the script may leave files in /job)."""

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GUEST_DIR = os.environ.get("GUEST_DIR") or os.path.join(ROOT, "build", "appliance-guest")
QBOOT = "/usr/share/qemu/qboot.rom"


def wants_systemd(script):
    """A script whose first lines say "guest-init: systemd" runs with systemd
    as PID 1 (the image's units under a real service manager)."""
    try:
        with open(script) as f:
            return any("guest-init: systemd" in f.readline() for _ in range(20))
    except OSError:
        return False


def qemu_command(job, shell, systemd=False):
    append = "console=ttyS0 quiet panic=-1 " + os.environ.get("GUEST_APPEND", "")
    if shell:
        append += " pamong.shell=1"
    if systemd:
        append += " pamong.init=systemd systemd.show_status=0"
    # qboot (Debian's qemu-system-data) starts the kernel seconds sooner than SeaBIOS.
    bios = ["-bios", QBOOT] if os.path.exists(QBOOT) else []
    # -cpu max: every feature TCG emulates (SSE4.2, AES-NI …); the smoke test ran
    # ~15 % quicker than with the default qemu64.
    return ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "max",
            "-m", "1024", "-smp", "2", "-nographic", "-no-reboot", "-nic", "none"] + bios + [
            "-kernel", os.path.join(GUEST_DIR, "vmlinux"),
            "-initrd", os.path.join(GUEST_DIR, "initrd.img"), "-append", append,
            "-drive", "file=%s,format=raw,if=virtio,snapshot=on"
            % os.path.join(GUEST_DIR, "root.img"),
            "-device", "virtio-rng-pci",
            "-virtfs", "local,path=%s,mount_tag=src,security_model=none,readonly=on" % ROOT,
            "-virtfs", "local,path=%s,mount_tag=job,security_model=none" % job]


def write_job(job, script, args):
    """job.sh runs in the guest with /src (the checkout) as its directory."""
    path = os.path.relpath(os.path.abspath(script), ROOT)
    if path.startswith(".."):
        sys.exit("guest: %s is not inside the checkout %s" % (script, ROOT))
    build = os.environ.get("BUILD", "build")
    if os.path.isabs(build):
        build = os.path.relpath(build, ROOT)
    interp = {".sh": ["sh"], ".py": ["python3"]}.get(os.path.splitext(path)[1], [])
    with open(os.path.join(job, "job.sh"), "w") as f:
        f.write("export BUILD=%s PAMONG_GUEST=1 PYTHONDONTWRITEBYTECODE=1 HOME=/root\n"
                % shlex.quote(build))
        f.write("exec %s\n" % " ".join(shlex.quote(a) for a in interp + [path] + args))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds (GUEST_TIMEOUT; default 300, 900 when booting systemd)")
    ap.add_argument("--shell", action="store_true", help="a shell on the console at the end")
    ap.add_argument("--keep", action="store_true", help="keep the job folder")
    ap.add_argument("script", nargs="?")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    o = ap.parse_args()
    systemd = bool(o.script) and wants_systemd(o.script)
    if o.timeout is None:
        # systemd as PID 1 boots in 30-180 s under TCG on a loaded machine
        o.timeout = float(os.environ.get("GUEST_TIMEOUT", 900 if systemd else 300))
    if not o.script and not o.shell:
        ap.error("a script, or --shell")
    for f in ("vmlinux", "initrd.img", "root.img"):
        if not os.path.exists(os.path.join(GUEST_DIR, f)):
            sys.exit("guest: no %s in %s: run tests/appliance/guest/build.sh" % (f, GUEST_DIR))

    job = tempfile.mkdtemp(prefix="pb-guest-")
    try:
        if o.script:
            write_job(job, o.script, o.args)
        cmd = qemu_command(job, o.shell, systemd)
        if o.shell:  # the terminal talks to the guest's console directly
            print("guest: Ctrl-A X quits QEMU; 'exit' in the shell powers off", flush=True)
            subprocess.run(cmd)
        elif not run_streamed(cmd, o.timeout):
            return 124
        try:
            with open(os.path.join(job, "status")) as f:
                return int(f.read().strip() or 1)
        except (OSError, ValueError):
            if o.script:
                print("# guest: the script left no exit status (see the console above)")
                return 1
            return 0
    finally:
        if o.keep:
            print("# guest: kept the job folder " + job)
        else:
            shutil.rmtree(job, ignore_errors=True)


def run_streamed(cmd, timeout):
    """Runs QEMU, copies the console to stdout and times the boot; False on timeout."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    timed_out = threading.Event()

    def on_timeout():
        timed_out.set()
        p.kill()

    timer = threading.Timer(timeout, on_timeout)
    timer.start()
    started = None
    try:
        for raw in p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n").replace("\r", "")
            if line.startswith("PAMONG-GUEST-START"):
                started = time.monotonic()
                print("# guest: script starts %.1f s after QEMU did (guest %s s)"
                      % (started - t0, line.split("uptime=")[-1]), flush=True)
            elif line.startswith("PAMONG-GUEST-END"):
                print("# guest: script ran %.1f s (%s)" % (time.monotonic() - (started or t0),
                                                          line.split(" ", 1)[-1]), flush=True)
            else:
                print(line, flush=True)
        p.wait()
    finally:
        timer.cancel()
        if p.poll() is None:
            p.kill()
            p.wait()
    print("# guest: %.1f s in all" % (time.monotonic() - t0), flush=True)
    if timed_out.is_set():
        print("not ok - the guest timed out after %d s" % timeout, flush=True)
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
