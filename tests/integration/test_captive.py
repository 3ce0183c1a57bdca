"""Captive-portal answers: phones' connectivity checks and any foreign host
are redirected to the box, so the phone opens the learner app; the box's own
names are served normally."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, ok, run_tests  # noqa: E402

BOX = Box().start()

# Host header, path, expected status, expected Location
ROWS = [
    ("connectivitycheck.gstatic.com", "/generate_204", 302, "http://10.42.0.1/"),
    ("clients3.google.com", "/generate_204", 302, "http://10.42.0.1/"),
    ("captive.apple.com", "/hotspot-detect.html", 302, "http://10.42.0.1/"),
    ("www.msftconnecttest.com", "/connecttest.txt", 302, "http://10.42.0.1/"),
    ("detectportal.firefox.com", "/canonical.html", 302, "http://10.42.0.1/"),
    ("example.com", "/", 302, "http://10.42.0.1/"),
    ("10.42.0.1", "/", 200, None),
    ("10.42.0.1:8080", "/", 200, None),
    ("pamong.box", "/", 200, None),
    ("localhost:8080", "/", 200, None),
]


def test_redirects():
    c = BOX.client()
    for host, path, status, location in ROWS:
        st, h, _ = c.raw("GET", path, headers={"Host": host})
        eq((st, h.get("location")), (status, location), "GET http://%s%s -> %d" % (host, path, status))


def test_api_is_not_redirected():
    c = BOX.client()
    st, h, _ = c.raw("GET", "/api/v1/health", headers={"Host": "example.com"})
    eq(st, 200, "the API answers whatever the Host")


run_tests(globals())
