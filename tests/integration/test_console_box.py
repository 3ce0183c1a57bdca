"""The box's status and buttons on the console: a fake Pi's sysfs (CPU
temperature, under-voltage and throttling flags) and a PC without them, disk,
database, sync, clock; sync now, the clock from the facilitator's phone,
restart and safe shutdown through stub commands (pamongd stops cleanly
first, nothing is lost); auth matrix and bad input."""

import os
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, ok, run_tests  # noqa: E402

API = "/api/v1/console"
TMP = tempfile.mkdtemp(prefix="pb-console-box-")


def fake_pi():
    sysd = os.path.join(TMP, "sys")
    os.makedirs(os.path.join(sysd, "class/thermal/thermal_zone0"))
    os.makedirs(os.path.join(sysd, "devices/platform/soc/soc:firmware"))
    with open(os.path.join(sysd, "class/thermal/thermal_zone0/temp"), "w") as f:
        f.write("48312\n")
    with open(os.path.join(sysd, "devices/platform/soc/soc:firmware/get_throttled"), "w") as f:
        f.write("0x50005\n")
    return sysd


SHUT = os.path.join(TMP, "shutdown-ran")
REBOOT = os.path.join(TMP, "restart-ran")
APPLY = os.path.join(TMP, "hotspot-apply")
PI = Box(extra_conf="[console]\nsys_dir = %s\nrestart_command = touch %s\n[leds]\nshutdown_command = touch %s\n"
         "[hotspot]\napply_file = %s\n" % (fake_pi(), REBOOT, SHUT, APPLY)).start()
PC = Box(extra_conf="[console]\nsys_dir = %s\n" % os.path.join(TMP, "no-sys")).start()
FAC = PI.first_facilitator()
PCFAC = PC.first_facilitator()


def test_status_on_a_pi():
    st, s, _ = FAC.get(API + "/status")
    eq(st, 200, "the status answers")
    eq(s["cpu_temp_c"], 48.3, "the CPU temperature from thermal_zone0")
    t = s["throttling"]
    eq((t["under_voltage"], t["throttled"], t["under_voltage_since_boot"], t["throttled_since_boot"], t["freq_capped"]),
       (True, True, True, True, False), "the firmware's flags 0x50005: under-voltage and throttled, now and since boot")
    ok(s["disk"]["total"] > s["disk"]["free"] > 0 and s["db"]["bytes"] > 0 and s["db"]["healthy"],
       "disk and database sizes", s)
    today = FAC.get(API + "/today")[1]
    eq((s["sync"]["state"], s["clock"]["source"], s["phones"], s["capacity"]),
       ("off", "unknown", None, today["capacity"]),
       "sync off, the clock unknown, phones unknown (no hostapd) against the radio's capacity, as on Today")
    ok(s["capacity"] > 0, "a radio's capacity is given even before a radio is up", s["capacity"])
    ok(s["uptime_s"] >= 0 and s["box_uptime_s"] > 0, "uptimes")


def test_status_on_a_pc():
    st, s, _ = PCFAC.get(API + "/status")
    eq((st, s["cpu_temp_c"], s["throttling"]), (200, None, None), "no Pi sysfs: temperature and throttling not available")


def test_clock_from_the_phone():
    phone = int(time.time() * 1000) + 3 * 3600 * 1000
    st, body, _ = FAC.post(API + "/clock", {"phone_ms": phone})
    eq(st, 200, "the facilitator's phone sets the clock when the box has no good time")
    ok(abs(body["offset_ms"] - 3 * 3600 * 1000) < 60000, "...its offset is the phone's", body)
    s = FAC.get(API + "/status")[1]
    eq(s["clock"]["source"], "console", "the box now trusts it, as set from the console (its own source)")
    st, body, _ = FAC.post(API + "/clock", {"phone_ms": phone})
    eq((st, body["error"]), (409, "clock_known"), "once set, another phone cannot move it")
    for bad in ("now", 5, 1000000000000, 5000000000000, None, 1.5):
        st, body, _ = PCFAC.post(API + "/clock", {"phone_ms": bad})
        eq((st, body["error"]), (400, "invalid_field"), "phone_ms %r is refused" % (bad,))


def test_sync_now_needs_a_hub():
    st, body, _ = FAC.post(API + "/sync")
    eq((st, body["error"]), (409, "sync_off"), "sync now on a box without a hub says so")


def test_auth_matrix():
    learner = PC.client()
    v = learner.get("/api/v1/villages")[1]["villages"][0]["code"]
    learner.post("/api/v1/register", {"name": "Pelajar Iseng", "position": "kepala-desa", "village": v, "pin": "482913"})
    nocsrf = PC.console()
    nocsrf.cookies = dict(PCFAC.cookies)
    for method, path in (("GET", "/status"), ("POST", "/sync"), ("POST", "/clock"), ("POST", "/restart"),
                         ("POST", "/shutdown")):
        body = {} if method == "POST" else None
        eq(PC.client().req(method, API + path, body)[0], 401, "%s %s without a session: 401" % (method, path))
        eq(learner.req(method, API + path, body)[0], 401, "%s %s with a learner's session: 401" % (method, path))
        if method == "POST":
            eq(nocsrf.req(method, API + path, body)[0], 403, "%s %s without the CSRF token: 403" % (method, path))
    eq(PC.proc.poll(), None, "no refused request stopped the box")


def test_settings():
    st, s, _ = PCFAC.get(API + "/settings")
    eq((st, s["area_codes"], s["hotspot_passphrase_set"]), (200, "33.02", False), "the settings as running")
    st, body, _ = PCFAC.get(API + "/areas?q=banyumas")
    ok(st == 200 and {"code": "33.02", "name": "Kabupaten Banyumas", "level": "regency"} in body["areas"],
       "the area search finds the regency by name", body)
    before = open(PC.conf).read()
    rows = [
        ({"area_codes": "99.99"}, "area_codes"),
        ({"area_codes": "33.02; 11"}, "area_codes"),
        ({"hotspot_passphrase": "pendek"}, "hotspot_passphrase"),
        ({"hotspot_ssid": "x" * 40}, "hotspot_ssid"),
        ({"hub_url": "ftp://hub.example"}, "hub_url"),
        ({"box_name": "Kotak\nBaru"}, "box_name"),
        ({"box_name": 5}, "box_name"),
        ({"colour": "merah"}, "colour"),
    ]
    for body, field in rows:
        st, b, _ = PCFAC.put(API + "/settings", body)
        eq((st, b.get("error"), b.get("field")), (400, "invalid_field", field), "%s is refused at its field" % body)
    eq(PCFAC.put(API + "/settings", {})[0], 400, "no setting: 400")
    eq(open(PC.conf).read(), before, "a refused change leaves the config file as it was")
    new = {"box_name": "Kotak Kebasen", "area_codes": "33.02.05", "hotspot_ssid": "Pamong Kebasen",
           "hotspot_passphrase": "kata-sandi-desa", "hub_url": "https://hub.example/", "enroll_code": "ABCD-1234"}
    st, b, _ = PCFAC.put(API + "/settings", new)
    eq((st, b["saved"], b["restart_needed"], b["hotspot"]), (200, True, True, "next_start"),
       "the settings are saved; without [hotspot] apply_file the hotspot changes at the next start too")
    st, s, _ = PCFAC.get(API + "/settings")
    eq((s["box_name"], s["hotspot_ssid"], s["hotspot_passphrase_set"], s["hotspot_applies_at_once"]),
       ("Kotak Kebasen", "Pamong Kebasen", True, False), "the settings page shows what was saved")
    text = open(PC.conf).read()
    ok(all(("%s = %s" % (k, v)) in text for k, v in (("box_name", "Kotak Kebasen"), ("codes", "33.02.05"),
                                                      ("ssid", "Pamong Kebasen"), ("passphrase", "kata-sandi-desa"),
                                                      ("hub_url", "https://hub.example/"), ("enroll_code", "ABCD-1234"))),
       "...into the config file", text)
    ok(text.startswith(before.split("\n")[0]), "the rest of the file is kept")
    STATE["pc_settings"] = new


STATE = {}


def test_hotspot_applies_at_once():
    """With [hotspot] apply_file (the image: pamong-hotspot-apply.path renders
    again and restarts hostapd) a new hotspot name or password is asked for
    at once; the other settings still wait for a restart."""
    eq(FAC.get(API + "/settings")[1]["hotspot_applies_at_once"], True, "the settings page says it applies at once")
    ok(not os.path.exists(APPLY), "nothing asked before a change")
    st, b, _ = FAC.put(API + "/settings", {"hotspot_ssid": "Pamong Pi"})
    eq((st, b["restart_needed"], b["hotspot"]), (200, False, "applied"), "a new hotspot name: applied, no restart needed")
    with open(APPLY) as f:
        text = f.read()
    ok(text.startswith("pamong-hotspot-apply 1\nat_ms="), "the request file is written", text)
    os.unlink(APPLY)
    st, b, _ = FAC.put(API + "/settings", {"hotspot_passphrase": "sandi-hotspot-baru", "box_name": "Kotak Pi"})
    eq((st, b["restart_needed"], b["hotspot"]), (200, True, "applied"),
       "a new password with a box name: the hotspot at once, the name after a restart")
    ok(os.path.exists(APPLY), "asked again")
    os.unlink(APPLY)
    st, b, _ = FAC.put(API + "/settings", {"box_name": "Kotak Pi Dua"})
    eq((st, b["restart_needed"], "hotspot" in b), (200, True, False), "no hotspot change: nothing asked")
    ok(not os.path.exists(APPLY), "and no request file")
    st, b, _ = FAC.put(API + "/settings", {"hotspot_passphrase": "pendek"})
    eq(st, 400, "a refused password")
    ok(not os.path.exists(APPLY), "asks nothing")
    entries = FAC.get(API + "/audit")[1]["entries"]
    ok(any(e["action"] == "settings" and e["detail"] == "hotspot_ssid (hotspot applied)" for e in entries),
       "the audit log says the hotspot was applied", [e["detail"] for e in entries[:5]])


def test_safe_shutdown_and_restart():
    cl = PI.client()
    v = cl.get("/api/v1/villages")[1]["villages"][0]["code"]
    st, me, _ = cl.post("/api/v1/register", {"name": "Tetap Tersimpan", "position": "kepala-desa", "village": v,
                                             "pin": "482913"})
    eq(st, 201, "a learner registers")
    st, _, _ = FAC.post(API + "/shutdown")
    eq(st, 202, "safe shutdown is accepted")
    rc = PI.proc.wait(20)
    eq(rc, 0, "pamongd stops cleanly")
    ok(os.path.exists(SHUT), "...then runs the shutdown command")
    ok("stopping: shutdown from the console" in PI.logtext(), "the log says why it stopped")
    db = sqlite3.connect(PI.db)
    eq(db.execute("SELECT name FROM learners WHERE id = ?", (me["id"],)).fetchall(), [("Tetap Tersimpan",)],
       "the learner registered before is in the database")
    db.close()
    PI.proc = None
    PI.start()
    FAC.login()
    st, _, _ = FAC.post(API + "/restart")
    eq(st, 202, "restart is accepted")
    eq(PI.proc.wait(20), 0, "pamongd stops cleanly for a restart with a command")
    ok(os.path.exists(REBOOT), "...and runs the restart command")
    PI.proc = None
    st, _, _ = PCFAC.post(API + "/restart")
    eq((st, PC.proc.wait(20)), (202, 75), "without a restart command pamongd exits 75 for systemd to start it again")
    PC.proc = None
    PC.start()
    PCFAC.login()
    st, s, _ = PCFAC.get(API + "/settings")
    eq((s["box_name"], s["area_codes"], s["hotspot_ssid"], s["hotspot_passphrase_set"], s["hub_url"]),
       ("Kotak Kebasen", "33.02.05", "Pamong Kebasen", True, "https://hub.example/"),
       "after the restart the box runs with the saved settings")
    villages = PC.client().get("/api/v1/villages")[1]["villages"]
    ok(villages and all(v["code"].startswith("33.02.05.") for v in villages), "registration offers the new area's villages")
    eq(len(PCFAC.get(API + "/learners")[1].get("learners", [])), 1, "the learner registered before is still there")


if __name__ == "__main__":
    run_tests(globals())
