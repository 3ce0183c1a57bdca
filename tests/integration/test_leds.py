"""pamongd's LEDs and button with the sim backend (no hardware): the system
LED is steady once serving, health shows the LED states, a short press asks
for a sync, a 2.5 s hold in the first 2 minutes turns on setup mode, a 5 s
hold stops pamongd cleanly (status 0) and runs the shutdown command; missing
GPIO lines never stop the start; -n refuses a bad [leds] section. The same
on real GPIO lines runs in the appliance guest (tests/appliance/test_leds.sh)."""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import PAMONGD, Box, eq, ok, run_tests  # noqa: E402


def wait(cond, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def press(path, seconds):
    with open(path, "w"):
        pass
    time.sleep(seconds)
    os.unlink(path)


def sim_box(extra=""):
    box = Box(extra_conf="")
    state = os.path.join(box.tmp, "leds.state")
    marker = os.path.join(box.tmp, "powered-off")
    with open(box.conf, "a") as f:
        f.write("[leds]\nbackend = sim\nsystem = led-system\nwifi = led-wifi\nsync = led-sync\n"
                "button = button\nsim_file = %s\nshutdown_command = touch %s\n%s"
                % (state, marker, extra))
    return box, state, marker


def test_sim_leds_and_button():
    box, state, marker = sim_box()
    box.start()
    c = box.client()

    def health():
        return c.req("GET", "/api/v1/health")[1] or {}

    # serving is set right after the listener starts; the LED follows within a tick
    ok(wait(lambda: health().get("leds", {}).get("system") == "steady"),
       "health: the system LED turns steady once serving", health())
    ok(read(state).startswith("system=1 "), "and the simulated line is lit", read(state))
    h = health()
    leds = h.get("leds", {})
    eq(leds, {"backend": "sim", "system": "steady", "wifi": "off", "sync": "off",
              "button": "released"},
       "health shows the LEDs: system steady, wifi off (no hotspot yet), sync off (sync off)")
    eq((h or {}).get("setup_mode"), False, "health: setup_mode is false at start")
    steady = all(read(state).startswith("system=1 ") or time.sleep(0.05) for _ in range(20))
    ok(steady, "the system LED stays lit (steady, not blinking) for 1 s")

    press(state + ".button", 0.15)
    ok(wait(lambda: "short press: sync now" in box.logtext()),
       "a 150 ms press: 'sync now' in the log", box.logtext())

    press(state + ".button", 2.5)
    ok(wait(lambda: "setup mode on" in box.logtext()), "a 2.5 s hold logs setup mode",
       box.logtext())
    st, h, _ = box.client().req("GET", "/api/v1/health")
    eq((h or {}).get("setup_mode"), True, "health: setup_mode is true after it")
    ok(box.proc.poll() is None, "and pamongd keeps serving")

    with open(state + ".button", "w"):
        pass
    t0 = time.time()
    ok(wait(lambda: "held 5 s" in box.logtext(), 8), "holding 5 s is logged", box.logtext())
    held = time.time() - t0
    ok(4.5 <= held <= 6.5, "after about 5 s (%.1f s)" % held)
    fast = set()
    for _ in range(20):
        fast.add(read(state))
        time.sleep(0.02)
    ok("system=1 wifi=1 sync=1\n" in fast and "system=0 wifi=0 sync=0\n" in fast,
       "then every LED blinks together (the shutdown pattern)", repr(fast))
    os.unlink(state + ".button")
    try:
        rc = box.proc.wait(10)
    except subprocess.TimeoutExpired:
        rc = None
    eq(rc, 0, "pamongd stops by itself with status 0")
    log = box.logtext()
    ok("shutdown by button" in log and "stopped" in log,
       "the log says: shutdown by button, then stopped", log)
    ok(os.path.exists(marker) and log.index("stopped") < log.index("running the shutdown command"),
       "the shutdown command runs after the clean stop", log)
    eq(read(state), "system=0 wifi=0 sync=0\n", "every LED is off at the end")
    box.proc = None


def test_stuck_button_at_start():
    box, state, marker = sim_box()
    with open(state + ".button", "w"):
        pass
    box.start()
    ok(wait(lambda: "pressed at start" in box.logtext()), "a button pressed at start is reported",
       box.logtext())
    time.sleep(5.5)
    ok(box.proc.poll() is None and "held 5 s" not in box.logtext(),
       "and held 5.5 s it does not shut the box down")
    os.unlink(state + ".button")
    eq(box.stop(), 0, "SIGTERM still stops it cleanly")
    ok(not os.path.exists(marker), "a SIGTERM stop never runs the shutdown command")


def test_missing_gpio_lines_never_block():
    box = Box(extra_conf="[leds]\nbackend = gpio\nsystem = no-such-led\nwifi = gpiochip77:1\n"
                         "sync =\nbutton = no-such-button\n")
    t0 = time.time()
    box.start()
    ok(time.time() - t0 < 5, "pamongd serves with every GPIO line missing")
    ok(wait(lambda: "cannot use GPIO line no-such-led" in box.logtext()),
       "a missing line is logged", box.logtext())
    st, h, _ = box.client().req("GET", "/api/v1/health")
    eq(((h or {}).get("leds") or {}).get("backend"), "gpio", "health names the gpio backend")
    eq(box.stop(), 0, "and it stops cleanly")


def test_bad_leds_config():
    box = Box()
    for extra, word in (("backend = blinky\n", "leds.backend"),
                        ("active_low = button,power\n", "leds.active_low")):
        with open(box.conf + ".bad", "w") as f:
            f.write(open(box.conf).read() + "[leds]\n" + extra)
        p = subprocess.run([PAMONGD, "-n", "-f", box.conf + ".bad"], capture_output=True, text=True)
        ok(p.returncode == 1 and word in p.stderr, "-n refuses a bad %s" % word, p.stderr)


run_tests(globals())
