"""Getting into the facilitator console over real HTTP against the real
pamongd: the first facilitator only with the one-time setup code (printed,
logged, in a 0600 file, consumed), passwords and login limits, sessions
apart from learners', CSRF checked before any body is read, session expiry,
more facilitators, and the audit log."""

import os
import socket
import sqlite3
import stat
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import FAC_PASSWORD, FAC_USER, Box, eq, ok, run_tests  # noqa: E402

# wrong logins from 127.0.0.1 are many here: the per-address wait is not what is tested
BOX = Box(extra_conf="[learners]\nsource_failures = 1000\n").start()
C = "/api/v1/console/"

# Every facilitator route of this module: (method, path, body).
FAC_ROUTES = [
    ("GET", C + "me", None),
    ("POST", C + "logout", {}),
    ("POST", C + "password", {"old_password": "x", "password": "y"}),
    ("GET", C + "facilitators", None),
    ("POST", C + "facilitators", {"username": "budi", "password": "sebuah-sandi-panjang"}),
    ("GET", C + "audit", None),
    ("PUT", C + "facilitators/" + "0" * 36, {"disabled": True}),
    ("DELETE", C + "facilitators/" + "0" * 36, None),
]


def a_village(c):
    return c.get("/api/v1/villages")[1]["villages"][0]["code"]


def test_setup_code_is_printed_logged_and_private():
    code = BOX.setup_code()
    ok(len(code) == 14 and code[4] == "-" and code.replace("-", "").isdigit(),
       "the setup code is 12 digits in groups", code)
    mode = stat.S_IMODE(os.stat(os.path.join(BOX.tmp, "console-setup-code")).st_mode)
    eq(mode, 0o600, "the setup code file is readable by pamongd's user only")
    log = BOX.logtext()
    ok("console setup code: " + code in log, "the code is on stdout and in the log", log)
    st, s, _ = BOX.client().get(C + "setup")
    eq((st, s["needed"]), (200, True), "setup is needed while there is no facilitator")


def test_no_default_password_and_wrong_codes():
    c = BOX.console()
    for u, p in (("admin", "admin"), ("root", "pamong"), (FAC_USER, FAC_PASSWORD)):
        st, b, _ = c.login(u, p)
        eq(st, 401, "no facilitator exists before setup: %s is refused" % u)
    st, b, _ = c.post(C + "setup", {"code": "0000-0000-0000", "username": FAC_USER,
                                    "password": FAC_PASSWORD})
    eq((st, b.get("field")), (400, "code"), "a wrong setup code is refused")
    st, b, _ = c.post(C + "setup", {"username": FAC_USER, "password": FAC_PASSWORD})
    eq((st, b.get("field")), (400, "code"), "no code and no button: refused")
    st, b, _ = c.post(C + "setup", {"code": BOX.setup_code(), "username": "x",
                                    "password": FAC_PASSWORD})
    eq((st, b.get("field")), (400, "username"), "the right code with a bad username: 400 username")
    st, b, _ = c.post(C + "setup", {"code": BOX.setup_code(), "username": FAC_USER,
                                    "password": "short"})
    eq((st, b.get("field")), (400, "password"), "a short password is refused")
    ok(os.path.exists(os.path.join(BOX.tmp, "console-setup-code")), "the code is not used up by failures")


def test_setup_makes_the_first_facilitator_once():
    c = BOX.console()
    st, b, h = c.post(C + "setup", {"code": BOX.setup_code(), "username": "Fasilitator",
                                    "password": FAC_PASSWORD})
    eq(st, 201, "the setup code makes the first facilitator")
    eq(b["facilitator"]["username"], FAC_USER, "the username is lower-cased")
    cookie = h.get("set-cookie", "")
    ok(cookie.startswith("pb_console=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
       and "Path=/" in cookie, "the console cookie is HttpOnly, SameSite=Strict, Path=/", cookie)
    ok(len(b["csrf"]) == 32, "the answer carries the CSRF token", b)
    ok(not os.path.exists(os.path.join(BOX.tmp, "console-setup-code")), "the code file is gone")
    st, me, _ = c.get(C + "me")
    eq((st, me["facilitator"]["username"], me["csrf"]), (200, FAC_USER, c.csrf),
       "me names the facilitator and gives the same CSRF token")
    st, b, _ = BOX.console().post(C + "setup", {"code": "1234-5678-9012", "username": "other",
                                                "password": FAC_PASSWORD})
    eq(st, 409, "a second setup is refused")
    eq(BOX.client().get(C + "setup")[1]["needed"], False, "setup is no longer needed")
    pw = sqlite3.connect(BOX.db).execute("SELECT pw_hash FROM facilitators").fetchone()[0]
    ok(pw.startswith("$argon2id$"), "the password is stored as an argon2id hash", pw[:20])


def test_auth_matrix():
    anon = BOX.console()
    learner = BOX.client()
    st, _, _ = learner.post("/api/v1/register", {"name": "Pelajar Matriks", "position": "sekretaris-desa",
                                                 "village": a_village(learner), "pin": "482913"})
    eq(st, 201, "a learner registers")
    # the learner's cookie, sent under both names: neither opens the console
    learner.cookies["pb_console"] = learner.cookies["pb_session"]
    fac = BOX.console()
    eq(fac.login()[0], 200, "the facilitator logs in")
    for method, path, body in FAC_ROUTES:
        eq(anon.req(method, path, body)[0], 401, "%s %s without a session: 401" % (method, path))
        eq(learner.req(method, path, body, headers={"X-CSRF-Token": "0" * 32})[0], 401,
           "%s %s with a learner's session: 401" % (method, path))
    for method, path, body in FAC_ROUTES:
        if path.endswith("logout") or path.endswith("password") or method in ("POST", "PUT", "DELETE"):
            continue
        eq(fac.req(method, path, body)[0], 200, "%s %s with a facilitator's session: 200" % (method, path))
    st, body, _ = fac.get("/api/v1/me")
    eq((st, body), (204, None), "a console session opens nothing of the learner API (/me: not logged in)")


def test_csrf_checked_before_the_body():
    fac = BOX.console()
    fac.login()
    body = {"username": "ani", "password": "sandi-yang-cukup-panjang"}
    eq(fac.post(C + "facilitators", body, headers={"X-CSRF-Token": ""})[0], 403, "an empty CSRF token: 403")
    eq(fac.post(C + "facilitators", body, headers={"X-CSRF-Token": "f" * 32})[0], 403, "a wrong CSRF token: 403")
    raw = BOX.console()
    raw.cookies = dict(fac.cookies)
    st, b, _ = raw.post(C + "facilitators", body)
    eq((st, b["error"]), (403, "csrf"), "no CSRF token at all: 403 csrf")
    # a body announced but never sent: the 403 comes at once, not after a timeout
    s = socket.create_connection(("127.0.0.1", BOX.port), timeout=5)
    s.sendall(("POST %sfacilitators HTTP/1.1\r\nHost: x\r\nCookie: pb_console=%s\r\n"
               "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
               % (C, fac.cookies["pb_console"])).encode())
    got = s.recv(200).decode("latin-1")
    s.close()
    ok(got.startswith("HTTP/1.1 403"), "a missing token is refused before the body is read", got)
    st, b, _ = fac.post(C + "facilitators", body)
    eq(st, 201, "the right CSRF token: the facilitator is added")
    st, b, _ = fac.post(C + "facilitators", body)
    eq((st, b["error"]), (409, "username_taken"), "a taken username: 409")


def test_bad_input():
    fac = BOX.console()
    fac.login()
    cases = [
        ({"username": "ab", "password": "cukup-panjang-sekali"}, "username"),
        ({"username": "a b c", "password": "cukup-panjang-sekali"}, "username"),
        ({"username": "x" * 33, "password": "cukup-panjang-sekali"}, "username"),
        ({"username": "siti", "password": "pendek"}, "password"),
        ({"username": "siti", "password": "p" * 129}, "password"),
        ({"username": "siti", "password": "siti-sandi-123"}, "password"),
        ({"username": 5, "password": "cukup-panjang-sekali"}, "username"),
        ({"password": "cukup-panjang-sekali"}, "username"),
    ]
    for body, field in cases:
        st, b, _ = fac.post(C + "facilitators", body)
        eq((st, b and b.get("field")), (400, field), "bad %s refused: %r" % (field, body)[:80])
    st, b, _ = fac.req("POST", C + "facilitators", None, headers={"Content-Type": "text/plain"})
    eq(st, 400, "a body that is not JSON is refused")
    eq(fac.get(C + "audit?before=abc")[0], 400, "audit before= must be an id")
    st, lst, _ = fac.get(C + "facilitators")
    ok(all(f["username"] != "siti" for f in lst["facilitators"]), "nothing was stored by the bad requests")
    st, b, _ = fac.post(C + "password", {"old_password": "wrong-password!", "password": "baru-sandi-2026"})
    eq((st, b.get("field")), (400, "old_password"), "a password change needs the current one")


def test_login_limits_per_account():
    fac = BOX.console()
    eq(fac.post(C + "facilitators", {"username": "dewi", "password": "kata-rahasia-benar"},
                headers={"X-CSRF-Token": "x"})[0], 401, "(no session)")
    admin = BOX.console()
    admin.login()
    eq(admin.post(C + "facilitators", {"username": "dewi", "password": "kata-rahasia-benar"})[0], 201,
       "a facilitator adds another")
    c = BOX.console()
    for i in range(5):
        eq(c.login("dewi", "salah-sandi-%d" % i)[0], 401, "wrong password %d: 401" % (i + 1))
    st, b, h = c.login("dewi", "kata-rahasia-benar")
    eq(st, 429, "after 5 wrong passwords the account waits, even with the right one")
    ok(int(h.get("retry-after", "0")) > 0, "the wait is in Retry-After", h)
    st, b, _ = admin.get(C + "audit")
    fails = [e for e in b["entries"] if e["action"] == "login_failed"]
    ok(len(fails) >= 5 and fails[0]["addr"] == "127.0.0.1" and "dewi" in fails[0]["detail"],
       "failed logins are in the audit log with their address", fails[:2])


def test_new_facilitator_logs_in_and_password_change():
    admin = BOX.console()
    admin.login()
    eq(admin.post(C + "facilitators", {"username": "rina", "password": "kata-sandi-lama"})[0], 201,
       "rina is added")
    r1, r2 = BOX.console(), BOX.console()
    eq(r1.login("rina", "kata-sandi-lama")[0], 200, "rina logs in")
    eq(r2.login("rina", "kata-sandi-lama")[0], 200, "rina logs in on another device")
    st, _, _ = r1.post(C + "password", {"old_password": "kata-sandi-lama", "password": "kata-sandi-baru"})
    eq(st, 204, "rina changes her password")
    eq(r1.get(C + "me")[0], 200, "the session that changed it goes on")
    eq(r2.get(C + "me")[0], 401, "her other session has ended")
    eq(BOX.console().login("rina", "kata-sandi-lama")[0], 401, "the old password no longer works")
    eq(BOX.console().login("rina", "kata-sandi-baru")[0], 200, "the new one does")
    st, lst, _ = admin.get(C + "facilitators")
    rina = [f for f in lst["facilitators"] if f["username"] == "rina"][0]
    eq(rina["created_by"], FAC_USER, "the list says who added her")


def fac_id(c, username):
    st, lst, _ = c.get(C + "facilitators")
    return [f for f in lst["facilitators"] if f["username"] == username][0]


def test_disable_and_remove_a_facilitator():
    admin = BOX.console()
    admin.login()
    for u in ("tono", "wati"):
        eq(admin.post(C + "facilitators", {"username": u, "password": "kata-sandi-rahasia-%d" % len(u)})[0], 201,
           "%s is added" % u)
    t1, t2 = BOX.console(), BOX.console()
    eq(t1.login("tono", "kata-sandi-rahasia-4")[0], 200, "tono logs in")
    eq(t2.login("tono", "kata-sandi-rahasia-4")[0], 200, "tono logs in on another device")
    tono = fac_id(admin, "tono")
    eq(tono["disabled_at"], None, "an active facilitator has no disabled_at")
    me = fac_id(admin, FAC_USER)
    # bad input and refusals change nothing
    for body in ({}, {"disabled": "ya"}, {"disabled": 1}):
        st, b, _ = admin.put(C + "facilitators/" + tono["id"], body)
        eq((st, b and b.get("field")), (400, "disabled"), "disabled must be a boolean: %r" % body)
    eq(admin.put(C + "facilitators/" + "0" * 36, {"disabled": True})[0], 404, "an unknown id: 404")
    eq(admin.delete(C + "facilitators/x")[0], 404, "a malformed id: 404")
    st, b, _ = admin.put(C + "facilitators/" + me["id"], {"disabled": True})
    eq((st, b["error"]), (409, "self"), "a facilitator cannot disable their own account")
    st, b, _ = admin.delete(C + "facilitators/" + me["id"])
    eq((st, b["error"]), (409, "self"), "nor remove it")
    eq(t1.put(C + "facilitators/" + tono["id"], {"disabled": True}, headers={"X-CSRF-Token": "x" * 32})[0],
       403, "a disable needs the CSRF token")
    eq(BOX.client().req("PUT", C + "facilitators/" + tono["id"], {"disabled": True})[0], 401,
       "and a console session")
    # disable: the sessions end, the login is refused plainly
    eq(admin.put(C + "facilitators/" + tono["id"], {"disabled": True})[0], 204, "tono is disabled")
    eq(t1.get(C + "me")[0], 401, "tono's session has ended")
    eq(t2.get(C + "me")[0], 401, "and his other one")
    st, b, _ = BOX.console().login("tono", "kata-sandi-rahasia-4")
    eq((st, b["error"]), (403, "account_disabled"), "a disabled facilitator cannot log in")
    eq(BOX.console().login("tono", "salah-sandi-rahasia")[0], 401, "a wrong password still says wrong")
    ok(fac_id(admin, "tono")["disabled_at"] > 1.7e12, "the list says when he was disabled")
    st, b, _ = admin.put(C + "facilitators/" + tono["id"], {"disabled": True})
    eq((st, b["error"]), (409, "already_disabled"), "disabling twice: 409")
    eq(admin.put(C + "facilitators/" + tono["id"], {"disabled": False})[0], 204, "tono is enabled again")
    eq(BOX.console().login("tono", "kata-sandi-rahasia-4")[0], 200, "and logs in again")
    # remove: the account and its sessions go, its audit rows stay
    w = BOX.console()
    eq(w.login("wati", "kata-sandi-rahasia-4")[0], 200, "wati logs in")
    wati = fac_id(admin, "wati")
    eq(w.delete(C + "facilitators/" + tono["id"])[0], 204, "wati removes tono")
    eq(t1.login("tono", "kata-sandi-rahasia-4")[0], 401, "a removed facilitator cannot log in")
    ok(all(f["username"] != "tono" for f in admin.get(C + "facilitators")[1]["facilitators"]),
       "tono is no longer listed")
    eq(w.post(C + "facilitators", {"username": "umar", "password": "kata-sandi-rahasia-6"})[0], 201,
       "wati adds umar")
    eq(admin.delete(C + "facilitators/" + wati["id"])[0], 204, "wati is removed too")
    eq(fac_id(admin, "umar")["created_by"], "-", "umar's creator is said to be removed (not taken for the first)")
    eq(w.get(C + "me")[0], 401, "a removed facilitator's session has ended")
    st, b, _ = admin.get(C + "audit")
    acts = [(e["action"], e["detail"], e["username"]) for e in b["entries"]]
    for want in (("facilitator_disable", "tono", FAC_USER), ("facilitator_enable", "tono", FAC_USER),
                 ("facilitator_remove", "tono", "wati"), ("facilitator_remove", "wati", FAC_USER)):
        ok(want in acts, "the audit log has %r" % (want,), acts[:12])
    ok(any(a == "login_failed" and "disabled account tono" in d for a, d, _ in acts),
       "the refused login of a disabled account is logged", acts[:12])


def test_never_the_last_active_facilitator():
    """Two facilitators disabling each other at once (each still logged
    in): the store checks the actor is active in the same transaction, so
    one of them stays."""
    admin = BOX.console()
    admin.login()
    eq(admin.post(C + "facilitators", {"username": "yanto", "password": "kata-sandi-rahasia-5"})[0], 201,
       "yanto is added")
    y = BOX.console()
    eq(y.login("yanto", "kata-sandi-rahasia-5")[0], 200, "yanto logs in")
    # disable every other active facilitator first, so only these two are active
    others = [f for f in admin.get(C + "facilitators")[1]["facilitators"]
              if f["username"] not in (FAC_USER, "yanto") and not f["disabled_at"]]
    for f in others:
        eq(admin.put(C + "facilitators/" + f["id"], {"disabled": True})[0], 204, "%s disabled" % f["username"])
    me, yanto = fac_id(admin, FAC_USER), fac_id(admin, "yanto")
    # yanto acts with a session read before the admin disabled him: the store refuses
    db = sqlite3.connect(BOX.db, timeout=10)
    db.execute("UPDATE facilitators SET disabled_at = 1 WHERE id = ?", (yanto["id"],))
    db.commit()
    db.close()
    st, b, _ = y.put(C + "facilitators/" + me["id"], {"disabled": True})
    eq(st, 401, "a disabled facilitator's request disables nobody")
    st, lst, _ = admin.get(C + "facilitators")
    active = [f["username"] for f in lst["facilitators"] if not f["disabled_at"]]
    eq(active, [FAC_USER], "the last active facilitator stays active")
    st, b, _ = admin.put(C + "facilitators/" + me["id"], {"disabled": True})
    eq((st, b["error"]), (409, "self"), "and cannot disable themself")
    eq(admin.put(C + "facilitators/" + yanto["id"], {"disabled": False})[0], 204, "yanto enabled again")
    for f in others:
        eq(admin.put(C + "facilitators/" + f["id"], {"disabled": False})[0], 204, "%s enabled" % f["username"])


def test_logout_and_expiry():
    c = BOX.console()
    c.login()
    token = c.cookies["pb_console"]
    eq(c.post(C + "logout")[0], 204, "logout answers 204")
    c.cookies["pb_console"] = token
    eq(c.get(C + "me")[0], 401, "the session is gone after logout")
    idle, old = BOX.console(), BOX.console()
    idle.login()
    old.login()
    db = sqlite3.connect(BOX.db, timeout=10)
    hour = 3600 * 1000
    db.execute("UPDATE console_sessions SET last_seen = last_seen - 3 * ?, created_at = created_at - 3 * ? "
               "WHERE csrf = ?", (hour, hour, idle.csrf))
    db.execute("UPDATE console_sessions SET created_at = created_at - 13 * ? WHERE csrf = ?",
               (hour, old.csrf))
    db.commit()
    db.close()
    eq(idle.get(C + "me")[0], 401, "a session unused for 3 hours has ended (idle limit 2 h)")
    eq(old.get(C + "me")[0], 401, "a session made 13 hours ago has ended although used (limit 12 h)")


def test_audit_log():
    c = BOX.console()
    c.login()
    st, b, _ = c.get(C + "audit")
    eq(st, 200, "the audit log answers")
    every, page = list(b["entries"]), b
    while page["more"]:  # the older pages too
        page = c.get(C + "audit?before=%d" % page["entries"][-1]["id"])[1]
        every += page["entries"]
    actions = [e["action"] for e in every]
    for a in ("setup", "login", "logout", "facilitator_add", "password_change", "login_failed"):
        ok(a in actions, "the audit log has a %s entry" % a, actions)
    e = [x for x in every if x["action"] == "facilitator_add"][0]
    ok(e["username"] == FAC_USER and e["addr"] == "127.0.0.1" and e["at"] > 1.7e12 and e["detail"],
       "an entry says who, what, when and from where", e)
    ids = [x["id"] for x in b["entries"]]
    eq(ids, sorted(ids, reverse=True), "newest first")
    st, b2, _ = c.get(C + "audit?before=%d" % ids[2])
    ok(all(x["id"] < ids[2] for x in b2["entries"]), "before= pages to older entries")


def test_restart_keeps_accounts_and_prints_no_code():
    BOX.stop()
    BOX.start()
    with open(os.path.join(BOX.tmp, "pamongd.log"), encoding="utf-8", errors="replace") as f:
        log = f.read()
    ok(log.count("console setup code:") == 2, "after setup a restart prints no new code",
       log.count("console setup code:"))
    eq(BOX.console().login()[0], 200, "the facilitator logs in after a restart")


def test_code_kept_over_restart_until_used():
    b = Box().start()
    code = b.setup_code()
    b.stop()
    b.start()
    eq(b.setup_code(), code, "an unused setup code stays the same over a restart")
    ok(b.logtext().count(code) >= 2, "and is printed again")
    b.first_facilitator()
    b.cleanup()


def test_login_limit_per_address():
    b = Box(extra_conf="[learners]\nsource_failures = 3\n").start()
    b.first_facilitator()
    c = b.console()
    for i in range(3):
        eq(c.login("orang-%d" % i, "tebakan-sandi-%d" % i)[0], 401, "wrong login %d from one address: 401" % (i + 1))
    st, e, h = c.login()
    eq((st, e["error"]), (429, "cooldown"), "then the address waits, even with the right password")
    ok(int(h.get("retry-after", "0")) > 0, "Retry-After says how long", h)
    st, e, _ = c.post(C + "setup", {"code": "1111-2222-3333", "username": "x", "password": FAC_PASSWORD})
    eq(st, 429, "setup attempts from that address wait too")
    b.cleanup()


def test_button_setup_mode_is_the_other_proof():
    b = Box()
    state = os.path.join(b.tmp, "leds.state")
    with open(b.conf, "a") as f:
        f.write("[leds]\nbackend = sim\nsystem = led-system\nwifi = led-wifi\nsync = led-sync\n"
                "button = button\nsim_file = %s\n" % state)
    b.start()
    c = b.console()
    body = {"username": "penjaga", "password": FAC_PASSWORD}
    eq(c.post(C + "setup", body)[0], 400, "without the code or the button: refused")
    with open(state + ".button", "w"):
        pass
    time.sleep(2.5)  # a 2-5 s hold in the first two minutes: setup mode (leds.h)
    os.unlink(state + ".button")
    deadline = time.time() + 5
    while time.time() < deadline and not b.client().get(C + "setup")[1]["button"]:
        time.sleep(0.05)
    eq(b.client().get(C + "setup")[1], {"needed": True, "button": True}, "setup says the button was held")
    st, r, _ = c.post(C + "setup", body)
    eq(st, 201, "the button held into setup mode makes the first facilitator without the code")
    audit = c.get(C + "audit")[1]["entries"]
    ok(any(e["action"] == "setup" and "button" in e["detail"] for e in audit), "the audit log says by the button", audit)
    eq(b.console().post(C + "setup", dict(body, username="lain"))[0], 409, "and only once")
    b.cleanup()


run_tests(globals())
