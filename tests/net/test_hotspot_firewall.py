"""The hotspot firewall, as `pamongd --render-net` renders it from the
[hotspot] section (interface "pbhs" here, the per-phone cap left at its default
of 8), against the real pamongd, with network namespaces standing in for the hotspot (root):

  [phone ns] 10.42.0.10 ─┐
                          ├─ bridge "pbhs" 10.42.0.1 (the box's wlan0) ── pamongd :8080
  [atk ns]   10.42.0.66 ─┘

Checks: one phone holds at most 8 connections however many it opens, and a
second address on the same phone does not give it more; while it holds its 8
(idle and slow bodies) another phone reaches the app through port 80,
registers, completes a lesson and reads health; HTTPS is refused at once;
the hotspot reaches nothing but DHCP, DNS, pamongd and ping; an uplink does
not reach pamongd."""

import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import AREA_FILE, BUILD, DEV_PUB, PACKS, PAMONGD, ROOT, Client, eq, ok, run_tests  # noqa: E402
from netns import Netns  # noqa: E402

BOX_IP, PHONE_IP, ATK_IP, ATK_IP2 = "10.42.0.1", "10.42.0.10", "10.42.0.66", "10.42.0.67"
CAP = 8

net = Netns("hotspot")
BOX, PHONE, ATK, UPLINK = net.add("box"), net.add("phone"), net.add("atk"), net.add("upl")
UPLINK_BOX_IP, UPLINK_PEER_IP = "192.168.77.2", "192.168.77.1"
CONF = os.path.join(net.tmp, "pamongd.conf")


def setup_net():
    net.sh("ip", "link", "add", "pbhs", "type", "bridge", ns=BOX)
    net.sh("ip", "addr", "add", BOX_IP + "/24", "dev", "pbhs", ns=BOX)
    net.sh("ip", "link", "set", "pbhs", "up", ns=BOX)
    for ns, ip, mac in ((PHONE, PHONE_IP, "02:00:00:00:00:10"), (ATK, ATK_IP, "02:00:00:00:00:66")):
        port = "p" + ns[-8:]
        net.sh("ip", "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns,
               ns=BOX)
        net.sh("ip", "link", "set", port, "master", "pbhs", ns=BOX)
        net.sh("ip", "link", "set", port, "up", ns=BOX)
        net.sh("ip", "link", "set", "eth0", "address", mac, ns=ns)
        net.sh("ip", "addr", "add", ip + "/24", "dev", "eth0", ns=ns)
        net.sh("ip", "link", "set", "eth0", "up", ns=ns)
    # an uplink (a village office LAN): not part of the hotspot
    net.sh("ip", "link", "add", "eth1", "type", "veth", "peer", "name", "eth0", "netns", UPLINK,
           ns=BOX)
    net.sh("ip", "addr", "add", UPLINK_BOX_IP + "/24", "dev", "eth1", ns=BOX)
    net.sh("ip", "link", "set", "eth1", "up", ns=BOX)
    net.sh("ip", "addr", "add", UPLINK_PEER_IP + "/24", "dev", "eth0", ns=UPLINK)
    net.sh("ip", "link", "set", "eth0", "up", ns=UPLINK)
    rendered = os.path.join(net.tmp, "net")
    r = subprocess.run([PAMONGD, "-f", CONF, "--render-net", rendered], capture_output=True,
                       text=True)
    if not ok(r.returncode == 0, "pamongd --render-net renders the ruleset", r.stderr):
        return False
    r = net.sh("nft", "-f", os.path.join(rendered, "nftables.conf"), ns=BOX, check=False)
    return ok(r.returncode == 0, "the rendered hotspot ruleset loads", r.stderr)


def write_config():
    data = os.path.join(net.tmp, "box")
    os.makedirs(data)
    with open(CONF, "w") as f:
        f.write("[http]\nport = 8080\nlisten = 0.0.0.0\nwebroot = %s\n"
                "[storage]\ndata_dir = %s\n"
                "[content]\nincoming = %s\ntrusted_keys = %s\n[area]\nfile = %s\ncodes = 33.02\n"
                "[hotspot]\ninterface = pbhs\naddress = %s/24\n"
                % (os.path.join(BUILD, "webroot"), data, PACKS, DEV_PUB, AREA_FILE, BOX_IP))


def start_box():
    p = net.spawn("pamongd", [PAMONGD, "-d", "-f", CONF], BOX)
    deadline = time.time() + 15
    while time.time() < deadline and p.poll() is None:
        with net.inside(PHONE):
            try:
                c = Client(80, BOX_IP)
                if c.get("/api/v1/health")[0] == 200:
                    return True
            except OSError:
                pass
        time.sleep(0.1)
    return ok(False, "pamongd answers through port 80", net.log("pamongd"))


def connect(ns, port=8080, src=None, timeout=3):
    with net.inside(ns):
        s = socket.socket()
        s.settimeout(timeout)
        if src:
            s.bind((src, 0))
        try:
            s.connect((BOX_IP, port))
            return s
        except OSError:
            s.close()
            return None


def alive(s):
    """The connection is still open (nothing to read, not reset)."""
    s.setblocking(False)
    try:
        return s.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.setblocking(True)


def test_one_phone_holds_at_most_its_cap():
    held, refused = [], 0
    t0 = time.monotonic()
    for i in range(300):
        s = connect(ATK)
        if s is None:
            refused += 1
        else:
            held.append(s)
    took = time.monotonic() - t0
    time.sleep(0.3)
    held = [s for s in held if alive(s)]
    eq(len(held), CAP, "of 300 connections from one phone, %d stay open" % CAP)
    ok(refused >= 300 - CAP and took < 15, "the rest are refused at once (%.1f s for 300)" % took)
    net.sh("ip", "addr", "add", ATK_IP2 + "/24", "dev", "eth0", ns=ATK)
    s = connect(ATK, src=ATK_IP2)
    ok(s is None, "a second address on the same phone does not get more")
    if s:
        s.close()
    # half of them send a request's head and no body, half stay idle
    for s in held[: CAP // 2]:
        s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 16000\r\n\r\n" % BOX_IP.encode())
    global HELD
    HELD = held


def test_another_phone_learns_meanwhile():
    with net.inside(PHONE):
        c = Client(80, BOX_IP)
        t0 = time.monotonic()
        st, h, _ = c.get("/api/v1/health")
        ms = (time.monotonic() - t0) * 1000
    eq(st, 200, "health answers another phone through port 80 while one phone holds its cap")
    print("# health answered in %.1f ms" % ms)
    with net.inside(PHONE):
        st, v, _ = c.get("/api/v1/villages")
        village = v["villages"][0]["code"]
        st, me, _ = c.post("/api/v1/register", {"name": "Rina Wati", "position": "kepala-desa",
                                                "village": village, "pin": "482913"})
        eq(st, 201, "the other phone registers")
        st, cd, _ = c.get("/api/v1/courses/desa-keuangan")
        lesson = cd["lessons"][0]["id"]
        st, _, _ = c.post("/api/v1/courses/desa-keuangan/lessons/%s/complete" % lesson,
                          {"seconds": 60})
        eq(st, 200, "and completes a lesson")
    for s in HELD:
        s.close()
    time.sleep(0.3)
    s = connect(ATK)
    ok(s is not None, "once the phone closes its connections it may open new ones")
    if s:
        s.close()


def test_https_refused_at_once():
    t0 = time.monotonic()
    with net.inside(PHONE):
        s = socket.socket()
        s.settimeout(5)
        try:
            s.connect((BOX_IP, 443))
            refused = False
        except ConnectionRefusedError:
            refused = True
        except OSError:
            refused = False
        s.close()
    took = time.monotonic() - t0
    ok(refused and took < 1, "port 443 is refused, not left to time out (%.0f ms)" % (took * 1000))


def test_nothing_else_reachable():
    """A service of the box's own (here a listener on 0.0.0.0:9999) is not
    reachable from the hotspot; it is from the box itself."""
    with net.inside(BOX):
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("0.0.0.0", 9999))
        srv.listen(4)
        local = socket.create_connection((BOX_IP, 9999), timeout=2)
        local.close()
    with net.inside(PHONE):
        s = socket.socket()
        s.settimeout(2)
        try:
            s.connect((BOX_IP, 9999))
            reached = True
        except OSError:
            reached = False
        s.close()
    srv.close()
    ok(not reached, "a port the box listens on but does not serve phones is closed to the hotspot")


def test_uplink_does_not_reach_pamongd():
    with net.inside(UPLINK):
        s = socket.socket()
        s.settimeout(2)
        try:
            s.connect((UPLINK_BOX_IP, 8080))
            reached = True
        except OSError:
            reached = False
        s.close()
    ok(not reached, "a host on an uplink does not reach pamongd (listening on every address)")


write_config()
if setup_net() and start_box():
    run_tests(globals())
else:
    print("1..%d" % 1)
    sys.exit(1)
