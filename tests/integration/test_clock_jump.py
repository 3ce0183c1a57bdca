"""The box's clock is set in the middle of a boot (docs/SYNC.md, Clock): a real
pamongd whose wall clock libfaketime holds one day behind, a real pamong-hub.

1. No link: a learner registers and completes a lesson; a sync bundle carries
   the rows to the hub with the box's wrong times ("none": nothing vouched).
2. A link: the hub's Date gives this boot's offset; the rows the bundle
   delivered are sent again (new revs) with corrected times, and pamongd asks
   for the system clock to be set ([clock] set_file: the request the image's
   privileged pamong-clock applies).
3. The test applies the request as pamong-clock would (libfaketime's offset
   moves by the delta): the box clock jumps a day forward. pamongd notices the
   jump, health says the hub set it, a second learner registers after it.
4. The next upload: both learners' times are right on the hub — the one from
   before the jump still moved by a day, the one after not moved — and the
   first is not sent again.

A second box whose clock jumps without asking (NTP, a hand) records the jump
as "other" and a hub offset learned after it corrects both sides. A third box,
two hours behind and without a link: one and two phones with the right time
do not set the clock, three agreeing phones make pamongd ask (source phone),
and after the jump health says the phones set it.

libfaketime is an LD_PRELOAD library: a sanitizer build (whose run-time must
come first) skips this file."""

import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from hubtest import Hub  # noqa: E402
from pbtest import PAMONGD, Box, eq, ok, run_tests  # noqa: E402

FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
DAY_MS = 86400 * 1000
MIN_MS = 60 * 1000
COURSE = "desa-keuangan"


def sanitized():
    out = subprocess.run(["ldd", PAMONGD], capture_output=True, text=True).stdout
    return "libasan" in out or "libubsan" in out or "libtsan" in out


if sanitized() or not os.path.exists(FAKETIME):
    print("ok 1 # skip libfaketime cannot be preloaded into a sanitizer build (or is missing)")
    print("1..1")
    sys.exit(0)

TMP = tempfile.mkdtemp(prefix="pb-clockjump-")
HUB = Hub().start()
HUB.add_user("staf", "Kebun-Kopi-42")


class FakeClock:
    """The box's wall clock through libfaketime: offset_s from real time,
    read again by pamongd on every clock read (FAKETIME_NO_CACHE)."""

    def __init__(self, name, offset_s):
        self.path = os.path.join(TMP, name)
        self.set(offset_s)

    def set(self, offset_s):
        self.offset_s = offset_s
        with open(self.path + ".tmp", "w") as f:
            f.write("%+ds\n" % offset_s)
        os.rename(self.path + ".tmp", self.path)

    def env(self):
        return dict(os.environ, LD_PRELOAD=FAKETIME, FAKETIME_TIMESTAMP_FILE=self.path,
                    FAKETIME_NO_CACHE="1", FAKETIME_DONT_FAKE_MONOTONIC="1")


def make_box(clock, code, link):
    conf = ("[sync]\nhub_url = http://127.0.0.1:%d\nenroll_code = %s\nbox_name = Kotak Jam\n"
            "interval_s = 10\nbackoff_min_s = 1\n%s"
            "[clock]\nset_file = %s\n"
            % (HUB.port, code, "watch_netlink = no\n" if link else "uplinks = nolink9\n",
               os.path.join(TMP, clock.path + ".request")))
    return Box(extra_conf=conf, env=clock.env())


def learn(box, name):
    c = box.client()
    village = c.get("/api/v1/villages")[1]["villages"][0]["code"]
    st, me, _ = c.post("/api/v1/register", {"name": name, "position": "kaur-keuangan",
                                            "village": village, "pin": "482913"})
    assert st == 201, (st, me)
    les = c.get("/api/v1/courses/" + COURSE)[1]["lessons"][0]["id"]
    c.post("/api/v1/courses/%s/lessons/%s/open" % (COURSE, les), {})
    c.post("/api/v1/courses/%s/lessons/%s/complete" % (COURSE, les), {"seconds": 90})
    return me["id"]


def health(box):
    return box.client().get("/api/v1/health")[1]


def wait_synced(box, fac=None, timeout=60):
    """Ask for a sync (the console's sync now) and wait until nothing is
    pending after a newer success."""
    before = health(box)["sync"].get("last_success")
    if fac is not None:
        fac.post("/api/v1/console/sync", {})
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = health(box)["sync"]
        if s.get("last_success") and s.get("last_success") != before and s.get("pending") == 0:
            return True
        time.sleep(0.2)
    return False


def hub_learner(lid):
    rows = HUB.rows("SELECT registered_at, rev, time_source FROM learners WHERE id = ?", lid)
    return rows[0] if rows else None


def hub_summary(lid):
    rows = HUB.rows("SELECT first_activity, times_corrected, rev FROM summaries WHERE learner = ?", lid)
    return rows[0] if rows else None


def now_ms():
    return int(time.time() * 1000)


def near(t, real, what):
    return ok(t is not None and abs(t - real) < 2 * MIN_MS, what,
              "got %r, real time %d (%+.1f h)" % (t, real, ((t or 0) - real) / 3600000.0))


CLOCK = FakeClock("box1", -86400)
BOX = make_box(CLOCK, HUB.enroll_code(), link=False).start()
FAC = BOX.first_facilitator()
STATE = {}


def test_rows_carried_home_with_the_wrong_time():
    STATE["real_a"] = now_ms()
    STATE["a"] = learn(BOX, "Ani Sebelum")
    h = health(BOX)
    eq((h["clock"], h["clock_set"]), ("unknown", None),
       "the box does not know its time, and nothing set its clock")
    st, _, data = FAC.raw("GET", "/api/v1/console/export/bundle")
    eq(st, 200, "the console downloads a sync bundle")
    path = os.path.join(TMP, "bundle.json")
    with open(path, "wb") as f:
        f.write(data)
    rc, out, err = HUB.cmd("import", path)
    eq(rc, 0, "pamong-hub imports it" + (": " + err if rc else ""))
    row = hub_learner(STATE["a"])
    near(row and row[0], STATE["real_a"] - DAY_MS,
         "the hub holds the learner at the box's time, a day early")
    eq(row and json.loads(row[2]), {"registered_at": "none"}, "...vouched by nothing")
    STATE["rev_bundle"] = row and row[1]


def test_the_hubs_date_resends_them_corrected():
    BOX.stop()
    with open(BOX.conf, "a") as f:
        f.write("[sync]\nwatch_netlink = no\n")
    BOX.start()
    FAC.login()
    ok(wait_synced(BOX), "the box uploads once it has a link", BOX.logtext())
    row = hub_learner(STATE["a"])
    near(row and row[0], STATE["real_a"],
         "the learner is sent again with the corrected time (the hub's offset of a day)")
    eq(row and json.loads(row[2]), {"registered_at": "hub"}, "...now vouched by the hub")
    ok(row and row[1] > STATE["rev_bundle"], "...under a newer rev (%r > %r)"
       % (row and row[1], STATE["rev_bundle"]))
    s = hub_summary(STATE["a"])
    near(s and s[0], STATE["real_a"], "the summary's first activity is corrected too")
    eq(s and s[1], 1, "...and marked times_corrected")
    eq(health(BOX)["clock"], "hub", "health: this boot's clock is vouched by the hub")


def test_pamongd_asks_for_the_clock_to_be_set():
    req = CLOCK.path + ".request"
    deadline = time.time() + 10
    while time.time() < deadline and not os.path.exists(req):
        time.sleep(0.1)
    ok(os.path.exists(req), "pamongd wrote a request to set the system clock", BOX.logtext())
    with open(req) as f:
        text = f.read()
    lines = text.splitlines()
    kv = dict(line.split("=", 1) for line in lines[1:] if "=" in line)
    eq(lines[0] if lines else "", "pamong-clock-set 1", "the request names its format")
    eq(kv.get("source"), "hub", "...and its source, the hub")
    delta = int(kv.get("delta_ms", "0"))
    ok(abs(delta - DAY_MS) < 5000, "...asking to move the clock a day forward", text)
    base = int(kv.get("base_ms", "0"))
    mono = int(kv.get("mono_ms", "0"))
    with open("/proc/uptime") as f:
        up = float(f.read().split()[0]) * 1000
    ok(abs((now_ms() - DAY_MS - up) - base) < 5000 and 0 < mono <= up,
       "...against the box's clock now (wall - boot time), as the helper checks", text)
    STATE["delta"] = delta


def test_the_clock_jumps_and_both_sides_stay_right():
    os.unlink(CLOCK.path + ".request")
    CLOCK.set(CLOCK.offset_s + round(STATE["delta"] / 1000.0))  # pamong-clock set
    STATE["real_b"] = now_ms()
    STATE["b"] = learn(BOX, "Budi Sesudah")
    h = health(BOX)
    cs = h.get("clock_set") or {}
    eq((cs.get("by"), cs.get("count")), ("hub", 1), "health: the clock was set once, by the hub")
    ok(abs(cs.get("jump_ms", 0) - STATE["delta"]) < 3000, "...by the jump asked for", cs)
    near(cs.get("at"), now_ms(), "...at the new, right time")
    eq(h["clock"], "hub", "the time after the jump is vouched by the hub too")
    ok("jumped by +86400 s (set by hub)" in BOX.logtext() or
       "jumped by +86399 s (set by hub)" in BOX.logtext(), "the log says so", BOX.logtext())
    rev_a = hub_learner(STATE["a"])[1]
    ok(wait_synced(BOX, FAC), "the box uploads again", BOX.logtext())
    near(hub_learner(STATE["b"])[0], STATE["real_b"],
         "the learner registered after the jump has the right time on the hub")
    eq(json.loads(hub_learner(STATE["b"])[2]), {"registered_at": "hub"}, "...vouched by the hub")
    near(hub_learner(STATE["a"])[0], STATE["real_a"],
         "the learner from before the jump still has the right time")
    eq(hub_learner(STATE["a"])[1], rev_a, "...and was not sent again")
    ok(not os.path.exists(CLOCK.path + ".request"), "no new request: the clock is right now")


def test_a_jump_nobody_asked_for():
    clock = FakeClock("box2", -2 * 3600)
    box = make_box(clock, HUB.enroll_code(), link=False).start()
    real_c = now_ms()
    c = learn(box, "Citra Sebelum")
    clock.set(0)  # NTP or a hand sets the clock: +2 h
    real_d = now_ms()
    d = learn(box, "Dedi Sesudah")
    cs = health(box).get("clock_set") or {}
    eq(cs.get("by"), "other", "health: the clock was set by something else")
    ok(abs(cs.get("jump_ms", 0) - 2 * 3600 * 1000) < 3000, "...by two hours", cs)
    box.stop()
    with open(box.conf, "a") as f:
        f.write("[sync]\nwatch_netlink = no\n")
    box.start()
    ok(wait_synced(box), "the box uploads once it has a link", box.logtext())
    near(hub_learner(c)[0], real_c, "the hub's offset, learned after the jump, corrects the "
         "learner from before it by the recorded jump")
    near(hub_learner(d)[0], real_d, "...and leaves the one after it as recorded")
    eq((json.loads(hub_learner(c)[2]), json.loads(hub_learner(d)[2])),
       ({"registered_at": "hub"}, {"registered_at": "hub"}), "both vouched by the hub")
    box.stop()


def test_agreeing_phones_ask_for_the_clock():
    clock = FakeClock("box3", -2 * 3600)
    box = make_box(clock, HUB.enroll_code(), link=False).start()
    req = clock.path + ".request"
    village = box.client().get("/api/v1/villages")[1]["villages"][0]["code"]
    for i, name in enumerate(["Eka", "Dwi", "Tri"]):
        st, _, _ = box.client().post("/api/v1/register", {
            "name": "Telepon " + name, "position": "kaur-keuangan", "village": village,
            "pin": "482913", "client_time": now_ms() + i * 1000})
        eq(st, 201, "phone %d registers with its own (right) clock" % (i + 1))
        h = health(box)
        if i < 2:
            ok(not os.path.exists(req), "%d phone(s) agreeing do not set the clock" % (i + 1))
    eq(h["clock"], "phone", "health: the phones vouch for the time")
    ok(os.path.exists(req), "three agreeing phones: pamongd asks for the clock to be set",
       box.logtext())
    text = open(req).read() if os.path.exists(req) else ""
    kv = dict(line.split("=", 1) for line in text.splitlines()[1:] if "=" in line)
    eq(kv.get("source"), "phone", "...by the phones")
    ok(abs(int(kv.get("delta_ms", "0")) - 2 * 3600 * 1000) < 10000, "...two hours forward", text)
    os.unlink(req)
    clock.set(clock.offset_s + round(int(kv.get("delta_ms", "0")) / 1000.0))
    cs = health(box).get("clock_set") or {}
    eq(cs.get("by"), "phone", "health: the phones set the clock")
    eq(health(box)["clock"], "phone", "the time after the jump is vouched by the phones too")
    ok(not os.path.exists(req), "and pamongd does not ask again")
    box.stop()


run_tests(globals())
