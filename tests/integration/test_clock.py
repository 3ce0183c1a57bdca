"""The box learns this boot's clock from the phones (docs/SYNC.md, Clock):
GET /api/v1/health says clock "unknown" until a phone with a plausible clock
has written, then "phone"; a phone set to 2019 is ignored; the offset is kept
in the store across a restart. (The hub's Date is covered by
tests/unit/pamongd/test_sync.c.)"""

import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, ok, run_tests  # noqa: E402

BOX = Box().start()
HOUR_MS = 3600 * 1000


def health_clock():
    st, h, _ = BOX.client().get("/api/v1/health")
    return h.get("clock") if st == 200 else "HTTP %d" % st


def register(name, client_time):
    c = BOX.client()
    village = c.get("/api/v1/villages")[1]["villages"][0]["code"]
    st, _, _ = c.post("/api/v1/register", {"name": name, "position": "staf-desa", "village": village,
                                           "pin": "246813", "client_time": client_time})
    return st


def boot_clock():
    db = sqlite3.connect("file:%s?mode=ro" % BOX.db, uri=True)
    try:
        return db.execute("SELECT source, offset_ms, votes FROM boot_clock").fetchall()
    finally:
        db.close()


def test_unknown_before_any_phone():
    eq(health_clock(), "unknown", "a fresh box does not know the time")


def test_a_phone_set_to_2019_is_ignored():
    eq(register("Jam Kuno", 1546300800000), 201, "a learner registers from a phone set to 2019")
    eq(health_clock(), "unknown", "the 2019 phone does not give the box the time")
    eq(boot_clock(), [], "and no offset is stored")


def test_a_phone_gives_the_time():
    eq(register("Jam Benar", int(time.time() * 1000) + 3 * HOUR_MS), 201,
       "a learner registers from a phone 3 h ahead of the box")
    eq(health_clock(), "phone", "health says the clock comes from the phones")
    rows = boot_clock()
    ok(len(rows) == 1 and rows[0][0] == "phone" and abs(rows[0][1] - 3 * HOUR_MS) < 10000 and rows[0][2] == 1,
       "the store holds this boot's offset, about 3 h from one phone", rows)


def test_the_offset_survives_a_restart():
    BOX.stop()
    BOX.start()
    eq(health_clock(), "phone", "after a restart in the same boot health still says phone")


run_tests(globals())
