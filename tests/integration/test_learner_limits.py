"""One phone cannot guess PINs or flood the box with registrations: the
per-learner cool-down cannot be pushed out, addresses wait after wrong
logins, unknown names answer as slowly as wrong PINs, and registrations are
capped per address and per box per day. Other addresses on loopback
(127.0.0.2, …) stand in for other phones."""

import http.client
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, ok, run_tests  # noqa: E402

BOX = Box(extra_conf="[learners]\npin_failures = 3\ncooldown_s = 60\nsource_failures = 5\n"
          "source_cooldown_s = 30\nregistrations_per_source = 3\nregistrations_per_day = 6\n").start()
C = BOX.client()
st, V, _ = C.get("/api/v1/villages")
VILLAGE = V["villages"][0]["code"]


def post(path, obj, src="127.0.0.1"):
    """POST JSON from a given loopback address; (status, JSON)."""
    c = http.client.HTTPConnection("127.0.0.1", BOX.port, timeout=30, source_address=(src, 0))
    c.request("POST", path, body=json.dumps(obj), headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else None


def register(name, src, pin="482913"):
    return post("/api/v1/register", {"name": name, "position": "kepala-desa",
                                     "village": VILLAGE, "pin": pin}, src)


def test_registrations_per_address_and_per_box():
    for i in range(3):
        st, _ = register("Warga Satu %s" % "abc"[i], "127.0.0.2")
        eq(st, 201, "registration %d from one phone" % (i + 1))
    st, e = register("Warga Satu d", "127.0.0.2")
    ok(st == 429 and e["error"] == "too_many_registrations" and e["retry_after"] > 3600 * 23,
       "the 4th registration from that phone waits for the rest of the day", e)
    for i in range(3):
        st, _ = register("Warga Dua %s" % "abc"[i], "127.0.0.3")
        eq(st, 201, "another phone registers (%d)" % (i + 1))
    st, e = register("Warga Tiga", "127.0.0.4")
    ok(st == 429 and e["error"] == "too_many_registrations",
       "the box's daily limit (6) stops a 7th phone too", e)


def test_cooldown_survives_made_up_names():
    """256 made-up names used to push a learner's cool-down out of its table."""
    src = "127.0.0.5"
    for i in range(3):
        st, e = post("/api/v1/login", {"name": "Warga Satu a", "pin": "000000"}, src)
    eq(st, 401, "three wrong PINs for a learner")
    for i in range(300):
        # a new address every 4 tries, so the address wait does not stop us
        post("/api/v1/login", {"name": "Orang %d" % i, "pin": "111111"},
             "127.0.%d.%d" % (10 + i // 1000, 10 + (i // 4) % 240))
    st, e = post("/api/v1/login", {"name": "Warga Satu a", "pin": "482913"}, "127.0.9.9")
    ok(st == 429 and e["error"] == "cooldown",
       "after 300 wrong logins with made-up names the learner still waits, even with "
       "the right PIN and from another phone", e)


def test_address_waits_after_wrong_logins():
    src = "127.0.1.1"
    for i in range(5):
        st, e = post("/api/v1/login", {"name": "Tidak Ada %d" % i, "pin": "123456"}, src)
    eq(st, 401, "five wrong logins from one phone")
    st, e = post("/api/v1/login", {"name": "Warga Dua a", "pin": "482913"}, src)
    ok(st == 429 and e["error"] == "cooldown" and 0 < e["retry_after"] <= 30,
       "then that phone waits, even for a right login", e)
    st, e = post("/api/v1/login", {"name": "Warga Dua a", "pin": "482913"}, "127.0.1.2")
    eq(st, 200, "another phone logs the same learner in")


def box_cpu_ns():
    """The CPU time pamongd's threads have used, in ns (schedstat's first
    field, summed over its tasks): unlike wall time, what other work on
    the machine does hardly moves it."""
    total = 0
    tasks = "/proc/%d/task" % BOX.proc.pid
    for tid in os.listdir(tasks):
        try:
            with open("%s/%s/schedstat" % (tasks, tid)) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that ended meanwhile
    return total


def test_unknown_name_as_slow_as_wrong_pin():
    """An unknown name costs the box a PIN hash like a wrong PIN (no name
    enumeration by timing): compared as pamongd's CPU time, not wall time."""
    def spent(logins):
        before, codes = box_cpu_ns(), set()
        for name, src in logins:
            codes.add(post("/api/v1/login", {"name": name, "pin": "999999"}, src)[0])
        return box_cpu_ns() - before, codes
    learners = ["Warga Dua b", "Warga Dua c", "Warga Satu b", "Warga Satu c", "Warga Dua b"]
    k, kc = spent([(n, "127.0.2.%d" % i) for i, n in enumerate(learners, 1)])
    u, uc = spent([("Nama Tak Dikenal", "127.0.3.%d" % i) for i in range(1, 6)])
    eq(kc | uc, {401}, "both get 401 wrong_credentials")
    print("# pamongd CPU for 5 wrong PINs %.1f ms, for 5 unknown names %.1f ms" % (k / 1e6, u / 1e6))
    ok(u >= k / 2, "an unknown name costs the box as much as a wrong PIN (no name enumeration)",
       "%.1f ms vs %.1f ms of CPU" % (u / 1e6, k / 1e6))


def test_names_only_for_what_is_typed():
    """Anyone on the hotspot could list every learner; now only names of
    which a word starts with 2 or more typed letters, 10 at most."""
    c = BOX.client()
    st, r, _ = c.get("/api/v1/learners/names?q=wa")
    ok(st == 200 and r["names"] and all(n.startswith("Warga") for n in r["names"]),
       "2 letters list the names starting with them", r)
    st, r, _ = c.get("/api/v1/learners/names?q=du")
    eq((st, r["names"], r["more"]), (200, ["Warga Dua a", "Warga Dua b", "Warga Dua c"], False),
       "a later word's start finds the names too")
    st, r, _ = c.get("/api/v1/learners/names?q=arga")
    eq(r["names"], [], "the middle of a word finds nothing")
    st, r, _ = c.get("/api/v1/learners/names")
    eq(st, 400, "no query, no names")


run_tests(globals())
