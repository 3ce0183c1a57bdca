"""A USB modem (QMI/MBIM) as the box's uplink, through ModemManager's D-Bus
API (docs/APPLIANCE.md, Uplinks). No modem hardware here: ModemManager is
stood in for by python3-dbusmock objects on a private system bus (its
documented interfaces: ObjectManager, Modem, Modem.Simple, Bearer), and the
modem's data path by a veth named wwan0 whose other end is the "operator" in
its own network namespace. The image's own pamong-modem runs in the box's
namespace against that bus:

  [box netns] wwan0 10.64.0.2/30 ══ veth ══ 10.64.0.1 [operator netns]
              eth0  10.77.0.2/24 ══ veth ══ 10.77.0.1 [lan netns] (the cable)

Checks: no modem → nothing done; a modem appears → it is connected with the
APN from the rendered hotspot.env, wwan0 gets the bearer's address and a
default route (metric 700) and reaches the operator; a second pass changes
nothing; a cable's route (metric 100, as systemd-networkd's DHCP) wins while
it is there; a modem that drops its connection is connected again; the
hotspot's interface is never configured as an uplink. Needs root."""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from netns import Netns  # noqa: E402
from pbtest import ROOT, eq, ok, run_tests  # noqa: E402

try:
    import dbus
except ImportError:
    dbus = None
    # python3-dbus and python3-dbusmock are Debian's: its python3, not
    # another one first on PATH
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

if dbus is None or subprocess.run([sys.executable, "-c", "import dbusmock"]).returncode != 0:
    print("not ok 1 - python3-dbusmock is installed (make test installs it)")
    print("1..1")
    sys.exit(1)

HELPER = os.path.join(ROOT, "image-build", "overlay", "usr", "lib", "pamong", "pamong-modem")
MM = "org.freedesktop.ModemManager1"
MMPATH = "/org/freedesktop/ModemManager1"
MODEM = MMPATH + "/Modem/0"
BEARER = MMPATH + "/Bearer/0"
MOCK = "org.freedesktop.DBus.Mock"

net = Netns("modem")
BOX, OPER, LAN = net.add("box"), net.add("oper"), net.add("lan")


def veth(a_ns, a_name, b_ns, b_name, a_addr, b_addr):
    tmp_a, tmp_b = "pbm%sa%s" % (a_name[:3], net.tag), "pbm%sb%s" % (a_name[:3], net.tag)
    net.sh("ip", "link", "add", tmp_a, "type", "veth", "peer", "name", tmp_b)
    net.sh("ip", "link", "set", tmp_a, "netns", a_ns)
    net.sh("ip", "link", "set", tmp_b, "netns", b_ns)
    net.sh("ip", "link", "set", tmp_a, "name", a_name, ns=a_ns)
    net.sh("ip", "link", "set", tmp_b, "name", b_name, ns=b_ns)
    if a_addr:
        net.sh("ip", "addr", "add", a_addr, "dev", a_name, ns=a_ns)
    net.sh("ip", "addr", "add", b_addr, "dev", b_name, ns=b_ns)
    net.sh("ip", "link", "set", b_name, "up", ns=b_ns)


# the modem's data path: wwan0 is left down and without an address, as a
# QMI modem's interface is before it connects
veth(BOX, "wwan0", OPER, "eth0", None, "10.64.0.1/30")
veth(BOX, "eth0", LAN, "eth0", "10.77.0.2/24", "10.77.0.1/24")
net.sh("ip", "link", "set", "eth0", "up", ns=BOX)
# a "hotspot" interface the modem claims as its own (never an uplink)
net.sh("ip", "link", "add", "pbhs0", "type", "veth", "peer", "name", "pbhs1", ns=BOX)

# a private system bus: its socket in the file system, so the box's
# namespace reaches it
SOCK = os.path.join(net.tmp, "system_bus_socket")
CONF = os.path.join(net.tmp, "bus.conf")
with open(CONF, "w") as f:
    f.write("""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=%s</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/>
<allow receive_sender="*"/></policy></busconfig>
""" % SOCK)
BUS_ADDR = "unix:path=" + SOCK
bus_proc = subprocess.Popen(["dbus-daemon", "--config-file", CONF, "--nofork", "--nopidfile"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
net.procs.append(bus_proc)
for _ in range(100):
    if os.path.exists(SOCK):
        break
    time.sleep(0.05)
os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = BUS_ADDR
mock_proc = subprocess.Popen([sys.executable, "-m", "dbusmock", "--system", MM, MMPATH,
                              "org.freedesktop.DBus.ObjectManager"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
net.procs.append(mock_proc)
bus = dbus.bus.BusConnection(BUS_ADDR)
for _ in range(200):
    if bus.name_has_owner(MM):
        break
    time.sleep(0.05)
MANAGER = dbus.Interface(bus.get_object(MM, MMPATH), MOCK)


def managed(paths):
    """What GetManagedObjects answers: these modems."""
    MANAGER.AddMethod("org.freedesktop.DBus.ObjectManager", "GetManagedObjects", "",
                      "a{oa{sa{sv}}}",
                      "ret = dbus.Dictionary({%s}, signature='oa{sa{sv}}')" % ", ".join(
                          "dbus.ObjectPath('%s'): dbus.Dictionary({'%s.Modem': dbus.Dictionary("
                          "{}, signature='sv')}, signature='sa{sv}')" % (p, MM) for p in paths))


ENV = os.path.join(net.tmp, "hotspot.env")
with open(ENV, "w") as f:
    f.write("HOTSPOT_INTERFACE=pbhs0\nHOTSPOT_ADDRESS=10.42.0.1/24\nHOTSPOT_BRIDGE=0\n"
            "MODEM_APN=indosatgprs\nHOTSPOT_RADIOS=\"\"\n")


def helper():
    env = dict(os.environ, PAMONG_NET_ENV=ENV, DBUS_SYSTEM_BUS_ADDRESS=BUS_ADDR)
    p = net.sh(HELPER, "once", ns=BOX, check=False, env=env)
    return p.returncode, p.stdout + p.stderr


def routes():
    return net.sh("ip", "-4", "route", "show", "default", ns=BOX).stdout


def calls(path, method):
    return [c for c in dbus.Interface(bus.get_object(MM, path), MOCK).GetCalls() if c[1] == method]


def test_no_modem_nothing_done():
    managed([])
    rc, out = helper()
    eq(rc, 0, "pamong-modem with no modem succeeds")
    eq(routes(), "", "and adds no route")


def test_a_modem_appears_and_is_connected():
    MANAGER.AddObject(BEARER, MM + ".Bearer", {
        "Interface": "wwan0", "Connected": False,
        "Ip4Config": dbus.Dictionary({"method": dbus.UInt32(2), "address": "10.64.0.2",
                                      "prefix": dbus.UInt32(30), "gateway": "10.64.0.1",
                                      "dns1": "10.64.0.1", "mtu": dbus.UInt32(1500)},
                                     signature="sv")}, [])
    MANAGER.AddObject(MODEM, MM + ".Modem", {
        "State": dbus.Int32(8), "Bearers": dbus.Array([], signature="o")}, [])
    modem = dbus.Interface(bus.get_object(MM, MODEM), MOCK)
    # Simple.Connect: the bearer connects and the modem says so
    modem.AddMethod(MM + ".Modem.Simple", "Connect", "a{sv}", "o",
                    "self.Set('%s.Modem', 'State', dbus.Int32(11)); "
                    "self.Set('%s.Modem', 'Bearers', dbus.Array([dbus.ObjectPath('%s')], signature='o')); "
                    "objects['%s'].Set('%s.Bearer', 'Connected', True); "
                    "ret = dbus.ObjectPath('%s')" % (MM, MM, BEARER, BEARER, MM, BEARER))
    managed([MODEM])
    rc, out = helper()
    eq(rc, 0, "pamong-modem connects the new modem" + ("" if rc == 0 else ": " + out))
    c = calls(MODEM, "Connect")
    eq(len(c), 1, "ModemManager was asked once to connect it")
    eq(c and str(c[0][2][0].get("apn")), "indosatgprs", "with the APN of [modem] apn (hotspot.env)")
    addr = net.sh("ip", "-4", "-o", "addr", "show", "dev", "wwan0", ns=BOX).stdout
    ok("10.64.0.2/30" in addr, "wwan0 has the bearer's address", addr + out)
    ok("default via 10.64.0.1 dev wwan0" in routes() and "metric 700" in routes(),
       "and a default route through the modem's gateway, metric 700", routes())
    net.spawn("operator-http", [sys.executable, "-m", "http.server", "8080", "--bind", "10.64.0.1",
                                "--directory", net.tmp], ns=OPER)
    for _ in range(100):
        p = net.sh("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "3",
                   "http://10.64.0.1:8080/", ns=BOX, check=False)
        if p.stdout == "200":
            break
        time.sleep(0.1)
    eq(p.stdout, "200", "the box reaches a server on the operator's side over wwan0")


def test_a_second_pass_changes_nothing():
    before = (routes(), net.sh("ip", "-4", "-o", "addr", "show", "dev", "wwan0", ns=BOX).stdout)
    rc, out = helper()
    eq(rc, 0, "a second pass succeeds")
    eq(len(calls(MODEM, "Connect")), 1, "a connected modem is not connected again")
    eq((routes(), net.sh("ip", "-4", "-o", "addr", "show", "dev", "wwan0", ns=BOX).stdout), before,
       "and its address and route stay as they were")


def test_a_cable_is_preferred():
    # what systemd-networkd's DHCP gives a cable (30-pamong-uplink.network)
    net.sh("ip", "route", "add", "default", "via", "10.77.0.1", "dev", "eth0", "metric", "100", ns=BOX)
    out = net.sh("ip", "route", "get", "192.0.2.1", ns=BOX).stdout
    ok(" dev eth0 " in out, "with a cable up, traffic to the hub leaves by the cable", out)
    helper()
    out = net.sh("ip", "route", "get", "192.0.2.1", ns=BOX).stdout
    ok(" dev eth0 " in out, "...also after another pass of pamong-modem", out)
    net.sh("ip", "route", "del", "default", "via", "10.77.0.1", "dev", "eth0", ns=BOX)
    out = net.sh("ip", "route", "get", "192.0.2.1", ns=BOX).stdout
    ok(" dev wwan0 " in out, "the cable gone, it leaves by the modem", out)


def test_a_dropped_connection_comes_back():
    modem = bus.get_object(MM, MODEM)
    modem.Set(MM + ".Modem", "State", dbus.Int32(8), dbus_interface="org.freedesktop.DBus.Properties")
    bus.get_object(MM, BEARER).Set(MM + ".Bearer", "Connected", False,
                                   dbus_interface="org.freedesktop.DBus.Properties")
    net.sh("ip", "route", "flush", "dev", "wwan0", ns=BOX)
    net.sh("ip", "addr", "flush", "dev", "wwan0", ns=BOX)
    rc, out = helper()
    eq(len(calls(MODEM, "Connect")), 2, "a modem that lost its connection is connected again")
    ok("default via 10.64.0.1 dev wwan0" in routes(), "and the route is back", routes() + out)


def test_the_hotspot_is_never_an_uplink():
    bus.get_object(MM, BEARER).Set(MM + ".Bearer", "Interface", "pbhs0",
                                   dbus_interface="org.freedesktop.DBus.Properties")
    rc, out = helper()
    ok("never an uplink" in out, "a bearer on the hotspot's interface is refused", out)
    addr = net.sh("ip", "-4", "-o", "addr", "show", "dev", "pbhs0", ns=BOX).stdout
    eq(addr, "", "the hotspot's interface gets no address from the modem")


run_tests(globals())
