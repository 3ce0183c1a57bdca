"""Network namespaces for the net suite (root): make them, run programs and
open sockets inside them, and always clean up. Standard library only.

    net = Netns("hostile")            # tag in every name; swept if stale
    box = net.add("box")              # a namespace with lo up
    net.sh("ip", "link", ..., ns=box)
    p = net.spawn("pamongd", [...], ns=box)
    with net.inside(phone):           # sockets made here live in phone
        s = socket.create_connection(...)
"""

import atexit
import contextlib
import ctypes
import os
import re
import shutil
import signal
import subprocess
import tempfile

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_us():
    _libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: no orphans if we are killed


class Netns:
    def __init__(self, kind):
        self.kind = kind
        self.tag = "%d" % (os.getpid() % 100000)
        self.names = []
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix="pb-net-%s-" % kind)
        os.chmod(self.tmp, 0o711)
        self._sweep()
        atexit.register(self.cleanup)
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, self._on_signal)

    @staticmethod
    def _on_signal(signum, frame):
        raise SystemExit(128 + signum)  # atexit runs cleanup()

    def _sweep(self):
        """Namespaces left by an earlier run of this kind that was killed."""
        prefix = "pb" + self.kind[:4]
        for line in self.sh("ip", "netns", "list", check=False).stdout.splitlines():
            m = re.match(r"(%s[a-z]*?(\d+))\b" % prefix, line)
            if not m or self.sh("ip", "netns", "pids", m.group(1), check=False).stdout.strip():
                continue
            if os.path.exists("/proc/%s" % m.group(2)):
                continue  # that run is alive
            self.sh("ip", "netns", "del", m.group(1), check=False)

    def name(self, role):
        return "pb%s%s%s" % (self.kind[:4], role[:4], self.tag)

    def add(self, role):
        ns = self.name(role)
        self.sh("ip", "netns", "del", ns, check=False)
        self.sh("ip", "netns", "add", ns)
        self.names.append(ns)
        self.sh("ip", "-n", ns, "link", "set", "lo", "up")
        return ns

    def sh(self, *cmd, check=True, ns=None, **kw):
        if ns:
            cmd = ("ip", "netns", "exec", ns) + tuple(cmd)
        return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)

    def spawn(self, name, cmd, ns):
        log = open(os.path.join(self.tmp, name + ".log"), "ab")
        p = subprocess.Popen(["ip", "netns", "exec", ns] + list(cmd), stdout=log, stderr=log,
                             preexec_fn=_die_with_us)
        self.procs.append(p)
        return p

    def log(self, name, n=3000):
        try:
            with open(os.path.join(self.tmp, name + ".log"), errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return ""

    @contextlib.contextmanager
    def inside(self, ns):
        """Run the block with this thread in namespace ns (sockets made in it
        stay there)."""
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open("/run/netns/" + ns, os.O_RDONLY)
        try:
            if _libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns " + ns)
            yield
        finally:
            _libc.setns(home, CLONE_NEWNET)
            os.close(home)
            os.close(target)

    @staticmethod
    def stop(p):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def cleanup(self):
        for p in self.procs:
            self.stop(p)
        self.procs = []
        for ns in self.names:
            self.sh("ip", "netns", "del", ns, check=False)
        self.names = []
        if os.environ.get("KEEP_TMP") is None:
            shutil.rmtree(self.tmp, ignore_errors=True)
        elif os.path.isdir(self.tmp):
            print("# kept " + self.tmp)
