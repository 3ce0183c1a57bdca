"""Captive-portal answers per OS, before and after a phone passes the portal
([hotspot] portal = yes, the default): every connectivity check and any
foreign host gets a 302 to the portal page until that phone (its address)
tapped the portal's button or opened the app on the box's own name; then
each check gets exactly what its OS expects of "online". Another phone is
not affected. RFC 8908's API says the same per phone. With portal = no
nothing is redirected. The DNS side (every name is the box; option 114) is
tests/net/test_rendered_configs.py and tests/appliance/test_hotspot.sh."""

import http.client
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, ok, run_tests  # noqa: E402

PORTAL = "http://10.42.0.1/portal/"
APPLE_OK = "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"

# host, path, who asks, status once passed, body once passed (None: any)
PROBES = [
    ("connectivitycheck.gstatic.com", "/generate_204", "Android", 204, ""),
    ("clients3.google.com", "/generate_204", "Android (older)", 204, ""),
    ("www.google.com", "/gen_204", "Android", 204, ""),
    ("play.googleapis.com", "/generate_204", "Android", 204, ""),
    ("connect.rom.miui.com", "/generate_204", "Xiaomi", 204, ""),
    ("connectivitycheck.platform.hicloud.com", "/generate_204", "Huawei", 204, ""),
    ("captive.apple.com", "/hotspot-detect.html", "iOS, macOS", 200, APPLE_OK),
    ("www.msftconnecttest.com", "/connecttest.txt", "Windows 10/11", 200, "Microsoft Connect Test"),
    ("www.msftncsi.com", "/ncsi.txt", "Windows (older)", 200, "Microsoft NCSI"),
    ("detectportal.firefox.com", "/success.txt", "Firefox", 200, "success\n"),
    ("detectportal.firefox.com", "/canonical.html", "Firefox", 200, None),
]


def get(port, host, path, source="127.0.0.1", method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    c.request(method, path, headers={"Host": host})
    r = c.getresponse()
    body = r.read().decode("utf-8", "replace")
    h = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, h, body


def test_before_and_after_the_portal():
    box = Box().start()
    p = box.port
    for host, path, who, _, _ in PROBES:
        st, h, _ = get(p, host, path)
        eq((st, h.get("location"), h.get("cache-control")), (302, PORTAL, "no-store"),
           "before the portal: %s's check http://%s%s -> 302 to the portal" % (who, host, path))
    st, h, _ = get(p, "example.com", "/")
    eq((st, h.get("location")), (302, PORTAL), "before: a site typed while offline -> the portal")
    st, h, body = get(p, "10.42.0.1", "/portal/")
    ok(st == 200 and "text/html" in h.get("content-type", "") and "Gunakan jaringan ini apa adanya"
       in body and "Tetap sambungkan" in body and 'href="/portal/lanjut"' in body
       and "Use this network as is" in body,
       "the portal page (200) says the tap in Bahasa Indonesia and English, one button to the app")
    ok("script-src" not in h.get("content-security-policy", "x")
       and "default-src 'none'" in h.get("content-security-policy", ""),
       "the portal page runs no script (CSP default-src 'none')")
    st, h, body = get(p, "10.42.0.1", "/portal/api")
    ok(st == 200 and h.get("content-type") == "application/captive+json"
       and json.loads(body).get("captive") is True
       and json.loads(body).get("user-portal-url") == PORTAL,
       "RFC 8908 API before: captive true, user-portal-url (%s)" % body.strip())

    st, h, _ = get(p, "10.42.0.1", "/portal/lanjut")
    eq((st, h.get("location")), (302, "http://pamong.box/"),
       "the portal's button: this phone has passed, on to the app at http://pamong.box/")
    for host, path, who, status, want in PROBES:
        st, h, body = get(p, host, path)
        good = st == status and (want is None or body == want)
        if status == 204:
            good = good and body == ""
        ok(good, "after the portal: %s's check http://%s%s -> %d %r" % (who, host, path, status,
                                                                          (want or "")[:30]),
           "got %d %r" % (st, body[:80]))
    st, _, body = get(p, "captive.apple.com", "/hotspot-detect.html", method="HEAD")
    eq((st, body), (200, ""), "HEAD of a check: the status without a body")
    st, h, _ = get(p, "example.com", "/")
    eq((st, h.get("location")), (302, "http://pamong.box/"), "after: a site typed -> the app")
    st, h, body = get(p, "10.42.0.1", "/portal/api")
    eq(json.loads(body).get("captive"), False, "RFC 8908 API after: captive false")

    # another phone (another address) still gets the portal
    st, h, _ = get(p, "connectivitycheck.gstatic.com", "/generate_204", source="127.0.0.2")
    eq((st, h.get("location")), (302, PORTAL), "another phone has not passed: still the portal")
    # ... until it opens the app on the box's own name
    st, _, _ = get(p, "pamong.box", "/", source="127.0.0.2")
    eq(st, 200, "the other phone opens http://pamong.box/ (the app)")
    st, _, _ = get(p, "connectivitycheck.gstatic.com", "/generate_204", source="127.0.0.2")
    eq(st, 204, "opening the app passes the portal too: 204")
    box.stop()


def test_own_names_served():
    box = Box().start()
    for host in ("10.42.0.1", "10.42.0.1:8080", "pamong.box", "localhost:8080"):
        st, h, _ = get(box.port, host, "/")
        eq((st, h.get("location")), (200, None), "GET http://%s/ is the app (200)" % host)
    c = box.client()
    st, _, _ = c.raw("GET", "/api/v1/health", headers={"Host": "example.com"})
    eq(st, 200, "the API answers whatever the Host")
    box.stop()


def test_no_portal():
    box = Box(extra_conf="[hotspot]\nportal = no\n").start()
    st, h, _ = get(box.port, "connectivitycheck.gstatic.com", "/generate_204")
    ok(st != 302 and st != 204, "portal = no: a check that still arrives is neither redirected "
       "nor told online (%d)" % st)
    st, h, _ = get(box.port, "example.com", "/")
    eq((st, h.get("location")), (200, None), "portal = no: any host is served the app, no redirect")
    st, _, _ = get(box.port, "10.42.0.1", "/portal/")
    ok(st == 404, "portal = no: no portal page (%d)" % st)
    box.stop()


run_tests(globals())
