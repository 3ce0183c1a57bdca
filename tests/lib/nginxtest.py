"""A real nginx for tests, on loopback, from a temp dir of its own: the
test gives what goes inside `http { }` (servers, upstreams, zones), this
adds the pid, logs and temp paths so nothing touches /etc or /var."""

import os
import shutil
import signal
import subprocess
import tempfile
import time


class Nginx:
    def __init__(self, prefix="pb-nginx-"):
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.tmp, 0o755)  # nginx's workers (nobody) keep bodies here
        self.conf = os.path.join(self.tmp, "nginx.conf")
        self.proc = None

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, http):
        """nginx.conf with http as the inside of its http block."""
        with open(self.conf, "w") as f:
            f.write("pid %(t)s/nginx.pid;\nerror_log %(t)s/error.log;\nworker_processes 2;\n"
                    "events { worker_connections 512; }\nhttp {\n  access_log %(t)s/access.log;\n"
                    "  client_body_temp_path %(t)s/body; proxy_temp_path %(t)s/proxy;\n"
                    "  fastcgi_temp_path %(t)s/fcgi; uwsgi_temp_path %(t)s/uwsgi;\n"
                    "  scgi_temp_path %(t)s/scgi;\n%(http)s}\n" % {"t": self.tmp, "http": http})

    def check(self):
        """(passed, what nginx -t printed) for the written config."""
        p = subprocess.run(["nginx", "-t", "-e", self.path("error.log"), "-c", self.conf],
                           capture_output=True, text=True)
        return p.returncode == 0, p.stderr

    def start(self, ready, seconds=10):
        """Starts nginx; True once ready() (a health request through it) is."""
        log = open(self.path("nginx.out"), "ab")
        self.proc = subprocess.Popen(["nginx", "-e", self.path("error.log"), "-c", self.conf,
                                      "-g", "daemon off;"], stdout=log, stderr=log)
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if ready():
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def errors(self):
        try:
            with open(self.path("error.log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if os.environ.get("KEEP_TMP") is None:
            shutil.rmtree(self.tmp, ignore_errors=True)
