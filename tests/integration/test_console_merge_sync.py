"""A merge made in the facilitator console reaches the hub: a real pamongd
syncing to a real pamong-hub on loopback; learner A (with progress) is
merged into B on the box, a short press of the (simulated) button asks for
a sync, and the hub then records "A merged into B", has B's summary with
A's progress and no row of A."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, ok, run_tests  # noqa: E402
from hubtest import Hub  # noqa: E402

COURSE = "desa-administrasi"
hub = Hub().start()
box = Box()
STATE = os.path.join(box.tmp, "leds.state")
with open(box.conf, "a") as f:
    f.write("[sync]\nhub_url = http://127.0.0.1:%d\nenroll_code = %s\nwatch_netlink = no\n"
            "[leds]\nbackend = sim\nsystem = led-system\nwifi = led-wifi\nsync = led-sync\n"
            "button = button\nsim_file = %s\n" % (hub.port, hub.enroll_code(), STATE))
box.start()
FAC = box.first_facilitator()


def synced(timeout=60):
    """Press the button briefly (sync now) and wait for a newer success with
    nothing pending."""
    def sync():
        return (box.client().get("/api/v1/health")[1] or {}).get("sync") or {}
    before = sync().get("last_success")
    with open(STATE + ".button", "w"):
        pass
    time.sleep(0.15)
    os.unlink(STATE + ".button")
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = sync()
        if s.get("last_success") and s.get("last_success") != before and s.get("pending") == 0:
            return True
        time.sleep(0.1)
    return False


def test_merge_reaches_the_hub():
    a, b = box.client(), box.client()
    vs = a.get("/api/v1/villages")[1]["villages"]
    ma = a.post("/api/v1/register", {"name": "Wati Susilo", "position": "kepala-desa",
                                     "village": vs[0]["code"], "pin": "482913"})[1]
    mb = b.post("/api/v1/register", {"name": "Wati Susila", "position": "kepala-desa",
                                     "village": vs[1]["code"], "pin": "482913"})[1]
    les = a.get("/api/v1/courses/" + COURSE)[1]["lessons"][0]["id"]
    a.post("/api/v1/courses/%s/lessons/%s/open" % (COURSE, les))
    eq(a.post("/api/v1/courses/%s/lessons/%s/complete" % (COURSE, les), {"seconds": 60})[0], 200,
       "A completes a lesson")
    ok(synced(), "the box syncs", box.logtext())
    eq(hub.rows("SELECT count(*) FROM summaries WHERE learner = ?", ma["id"])[0][0], 1, "the hub has A's summary")
    eq(FAC.post("/api/v1/console/learners/%s/merge" % ma["id"], {"into": mb["id"]})[0], 200,
       "the facilitator merges A into B")
    ok(synced(), "the box syncs again", box.logtext())
    eq(hub.rows("SELECT from_id, into_id FROM learner_merges"), [(ma["id"], mb["id"])],
       "the hub records that A was merged into B")
    eq(hub.rows("SELECT count(*) FROM summaries WHERE learner = ?", ma["id"])[0][0], 0, "A's summary is gone")
    eq(hub.rows("SELECT count(*) FROM learners WHERE id = ?", ma["id"])[0][0], 0, "A is gone")
    eq(hub.rows("SELECT lessons_done FROM summaries WHERE learner = ? AND course = ?", mb["id"], COURSE),
       [(1,)], "B's summary carries A's lesson")


run_tests(globals())
