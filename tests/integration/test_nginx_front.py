"""The nginx site of docs/HUB.md ("Production"), taken from the doc as written,
in front of a real hub on loopback with a test certificate: the hub answers
through it over TLS; a client that never finishes its header is closed by
nginx after client_header_timeout, not held for nginx's default minute; and
one address with 64 requests in progress (bodies that never come) gets 503
for the 65th at once, while the hub keeps answering another address and
after the stalled requests end. So the doc's config is valid nginx and does
what the doc says."""

import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import ROOT, eq, free_port, ok, run_tests  # noqa: E402
from hubtest import Hub  # noqa: E402
from nginxtest import Nginx  # noqa: E402

nginx = Nginx(prefix="pb-nginx-front-")
PORT = free_port()
hub = Hub(backend="sqlite").start()


def doc_site():
    """The nginx block under "/etc/nginx/sites-enabled/pamong-hub" in HUB.md."""
    with open(os.path.join(ROOT, "docs", "HUB.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"`/etc/nginx/sites-enabled/pamong-hub`:\n```nginx\n(.*?)```", text, re.S)
    return m.group(1) if m else None


def localise(site):
    """The doc's site with the test's port, certificate and hub put in; each
    replacement must find its line, so a changed doc fails here loudly."""
    subs = [
        (r"listen 443 ssl http2;", "listen 127.0.0.1:%d ssl http2;" % PORT),
        (r"ssl_certificate +\S+;", "ssl_certificate %s;" % nginx.path("hub.pem")),
        (r"ssl_certificate_key +\S+;", "ssl_certificate_key %s;" % nginx.path("hub.key")),
        (r"proxy_pass http://127\.0\.0\.1:8090;", "proxy_pass http://127.0.0.1:%d;" % hub.port),
    ]
    missing = []
    for pat, rep in subs:
        site, n = re.subn(pat, rep, site)
        if n != 1:
            missing.append(pat)
    return site, missing


def start_nginx(site):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "hub.key",
                    "-out", "hub.pem", "-days", "2", "-subj", "/CN=hub.test"],
                   cwd=nginx.tmp, check=True, capture_output=True)
    # Debian's nginx.conf includes sites-enabled inside its http block
    nginx.write(site)
    passed, out = nginx.check()
    if not ok(passed, "nginx -t accepts the doc's site", out):
        return False
    return nginx.start(lambda: get("/api/v1/health")[0] == 200)


def tls(src="127.0.0.1"):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = socket.create_connection(("127.0.0.1", PORT), timeout=30, source_address=(src, 0))
    return ctx.wrap_socket(s, server_hostname="hub.test")


def get(path, src="127.0.0.1"):
    s = tls(src)
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: hub.test\r\nConnection: close\r\n\r\n"
                   % path).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def closed_after(s, limit):
    """Seconds until the peer closes s (None if still open after limit)."""
    t0 = time.time()
    s.settimeout(limit)
    try:
        while s.recv(4096):
            pass
    except (socket.timeout, TimeoutError):
        return None
    except OSError:
        pass
    return time.time() - t0


def test_the_docs_site_serves_the_hub():
    site = doc_site()
    ok(site is not None, "docs/HUB.md has the nginx site")
    site, missing = localise(site or "")
    eq(missing, [], "the site's listen, certificate and upstream lines are where the test expects")
    ok(start_nginx(site), "nginx with the doc's site answers the hub's health over TLS",
       nginx.errors())


def test_an_unfinished_header_is_closed_after_10s():
    s = tls()
    s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: hub.test\r\n")  # no blank line
    took = closed_after(s, 40)
    s.close()
    ok(took is not None and 8 <= took <= 25,
       "a header never finished is closed by nginx after about 10 s (default 60 s)",
       "closed after %r s" % took)


def test_one_address_gets_at_most_64_requests_in_progress():
    held = []
    try:
        for _ in range(64):
            s = tls()
            # headers read, the body never comes: a request in progress
            s.sendall(b"POST /api/v1/upload HTTP/1.1\r\nHost: hub.test\r\n"
                      b"Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n")
            held.append(s)
        time.sleep(0.5)
        t0 = time.time()
        st, _ = get("/api/v1/health")
        eq(st, 503, "the 65th request from the same address gets 503 from nginx")
        ok(time.time() - t0 < 5, "...at once, not after a wait")
        st, _ = get("/api/v1/health", src="127.0.0.2")
        eq(st, 200, "another address is answered meanwhile")
    finally:
        for s in held:
            s.close()
    deadline = time.time() + 10
    st = None
    while time.time() < deadline:
        st, _ = get("/api/v1/health")
        if st == 200:
            break
        time.sleep(0.2)
    eq(st, 200, "the address is answered again once its stalled requests end")
    hub_alive = hub.proc is not None and hub.proc.poll() is None
    ok(hub_alive, "the hub lives")


def cleanup():
    nginx.stop()
    hub.stop()


if shutil.which("nginx") is None:
    ok(False, "nginx is installed (make deps installs it)")
    print("1..1")
    sys.exit(1)
try:
    run_tests(globals())
finally:
    cleanup()
