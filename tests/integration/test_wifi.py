"""Phones on the hotspot, counted from hostapd's control sockets: pamongd
attaches to every socket in [hotspot] control_dir (here a stand-in that
speaks hostapd's datagram protocol: ATTACH, STATUS, events), shows each
radio's phones and capacity in health, warns when a radio is nearly full,
turns the wifi LED to fast blink while phones are connected, and sees a
hostapd that went away. The same against the real hostapd with a phone
joining over a simulated radio runs in the appliance guest
(tests/appliance/test_systemd.sh)."""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, ok, run_tests  # noqa: E402


class FakeHostapd:
    """One radio's control socket, answering as hostapd 2.10 does."""

    def __init__(self, path, phones=0):
        self.path = path
        self.phones = phones
        self.state = "ENABLED"
        self.attached = set()
        self.commands = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                data, addr = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            cmd = data.decode()
            self.commands.append(cmd)
            if cmd == "ATTACH":
                self.attached.add(addr)
                reply = "OK\n"
            elif cmd == "DETACH":
                self.attached.discard(addr)
                reply = "OK\n"
            elif cmd == "STATUS":
                reply = ("state=%s\nphy=phy0\nfreq=2437\nnum_sta_non_erp=0\nchannel=6\n"
                         "bss[0]=wlan0\nbssid[0]=02:00:00:00:00:00\nssid[0]=PamongBox\n"
                         "num_sta[0]=%d\n" % (self.state, self.phones))
            elif cmd == "PING":
                reply = "PONG\n"
            else:
                reply = "UNKNOWN COMMAND\n"
            try:
                self.sock.sendto(reply.encode(), addr)
            except OSError:
                pass

    def event(self, text):
        for addr in list(self.attached):
            self.sock.sendto(("<3>" + text).encode(), addr)

    def close(self):
        self.running = False
        self.sock.close()
        os.unlink(self.path)


def wait(cond, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def wifi_box(max_stations=3):
    box = Box()
    ctrl = os.path.join(box.tmp, "hostapd")
    os.makedirs(ctrl)
    state = os.path.join(box.tmp, "leds.state")
    with open(box.conf, "a") as f:
        f.write("[hotspot]\ninterface = wlpfake0\ncontrol_dir = %s\nmax_stations = %d\n"
                "[leds]\nbackend = sim\nsystem = s\nwifi = w\nsync = y\nbutton = b\nsim_file = %s\n"
                % (ctrl, max_stations, state))
    return box, ctrl


def test_phones_counted_from_hostapd():
    box, ctrl = wifi_box()
    ap = FakeHostapd(os.path.join(ctrl, "wlpfake0"), phones=0)
    box.start()
    c = box.client()

    def wifi():
        return (c.req("GET", "/api/v1/health")[1] or {}).get("wifi") or {}

    ok(wait(lambda: wifi().get("state") == "up"), "the radio is up once pamongd attached: %s" % wifi())
    ok(wait(lambda: "ATTACH" in ap.commands), "pamongd ATTACHed for events (%s)" % ap.commands[:4])
    w = wifi()
    eq((w.get("phones"), w.get("capacity"), w.get("warning")), (0, 3, None),
       "no phones, capacity 3 (max_stations for a driver pamongd does not know)")
    r = (w.get("radios") or [{}])[0]
    eq((r.get("interface"), r.get("state"), r.get("channel"), r.get("driver")),
       ("wlpfake0", "up", 6, "unknown"), "the radio's interface, state, channel and driver")
    leds = lambda: (c.req("GET", "/api/v1/health")[1] or {}).get("leds", {}).get("wifi")  # noqa: E731
    ok(wait(lambda: leds() == "steady"), "the wifi LED is steady: hotspot up, no phones (%s)" % leds())

    ap.phones = 1
    ap.event("AP-STA-CONNECTED 02:00:00:00:01:00")
    ok(wait(lambda: wifi().get("phones") == 1), "a phone joins: 1 phone (%s)" % wifi().get("phones"))
    ok(wait(lambda: leds() == "fast_blink"), "the wifi LED blinks fast while phones are connected")

    ap.phones = 2
    ap.event("AP-STA-CONNECTED 02:00:00:00:02:00")
    ok(wait(lambda: wifi().get("phones") == 2), "a second phone: 2 phones")
    ok("nearly full" in (wifi().get("warning") or ""),
       "2 of 3: health warns the radio is nearly full (%s)" % wifi().get("warning"))

    ap.phones = 0
    ap.event("AP-STA-DISCONNECTED 02:00:00:00:01:00")
    ok(wait(lambda: wifi().get("phones") == 0), "the phones leave: 0 phones")
    ok(wait(lambda: leds() == "steady"), "the wifi LED is steady again")

    ap.close()
    ok(wait(lambda: wifi().get("state") == "down"), "hostapd gone: the hotspot is down (%s)" % wifi())
    ok(wait(lambda: leds() == "off"), "the wifi LED is off with the hotspot down")

    # hostapd comes back (a restart): pamongd attaches again by itself
    ap2 = FakeHostapd(os.path.join(ctrl, "wlpfake0"), phones=1)
    ok(wait(lambda: wifi().get("phones") == 1 and wifi().get("state") == "up"),
       "a restarted hostapd is found again: up, 1 phone")
    ap2.close()
    eq(box.stop(), 0, "pamongd stops cleanly")


def test_garbage_from_the_socket():
    """A control socket that answers nonsense is a radio that is down, never a crash."""
    box, ctrl = wifi_box()
    path = os.path.join(ctrl, "wlpfake0")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    stop = threading.Event()

    def serve():
        s.settimeout(0.2)
        while not stop.is_set():
            try:
                _, addr = s.recvfrom(4096)
                s.sendto(b"num_sta[0]=99999999999\n" + os.urandom(3000), addr)
            except (socket.timeout, OSError):
                continue

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    box.start()
    c = box.client()
    time.sleep(1.5)
    st, body, _ = c.req("GET", "/api/v1/health")
    eq((st, (body or {}).get("wifi", {}).get("state")), (200, "down"),
       "nonsense from the socket: health answers, the radio is down")
    stop.set()
    s.close()
    eq(box.stop(), 0, "pamongd stops cleanly")


run_tests(globals())
