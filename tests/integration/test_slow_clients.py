"""One phone cannot hold the box's workers with connections that send
nothing or dribble: a total deadline for the request headers and another for
the body close them, and the box keeps answering others meanwhile — the
learner API and the facilitator console alike (a pack upload and a JSON
console POST dribbled, 300 connections from one address). Runs the box with
its default [http] settings."""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import FAC_PASSWORD, FAC_USER, Box, eq, ok, run_tests  # noqa: E402

HEADER_DEADLINE_S = 5   # request_timeout_ms default
BODY_DEADLINE_S = 10    # body_timeout_ms default
SLACK_S = 4             # scheduling and one blocked read on top of a deadline

BOX = Box().start()
FAC = BOX.first_facilitator()
C = BOX.client()
st, V, _ = C.get("/api/v1/villages")
VILLAGE = V["villages"][0]["code"]


def closed_after(sock, send_every=None, chunks=(), limit=60):
    """Seconds until the box closes sock (reading and dropping its answer);
    with send_every, sends the next of chunks at that period meanwhile."""
    start = time.monotonic()
    sock.settimeout(0.5)
    chunks = list(chunks)
    next_send = start
    answer = b""
    while time.monotonic() - start < limit:
        if send_every is not None and chunks and time.monotonic() >= next_send:
            try:
                sock.sendall(chunks.pop(0))
            except OSError:
                return time.monotonic() - start, answer
            next_send += send_every
        try:
            data = sock.recv(4096)
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - start, answer
        if not data:
            return time.monotonic() - start, answer
        answer += data
    return None, answer


def connect():
    return socket.create_connection(("127.0.0.1", BOX.port))


POST_HEAD = (b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"Content-Length: 16000\r\n\r\n")

CASES = [
    # name, first bytes, dribble period, dribbled chunks, deadline
    ("an idle connection that sends nothing", b"", None, (), HEADER_DEADLINE_S),
    ("headers dribbled one byte a second", b"GET /api/v1/health HTTP/1.1\r\n", 1.0,
     [b"X"] * 60, HEADER_DEADLINE_S),
    ("headers with Content-Length: 16000 and no body", POST_HEAD, None, (), BODY_DEADLINE_S),
    ("a body dribbled one byte every 2 s", POST_HEAD, 2.0, [b" "] * 60, BODY_DEADLINE_S),
]


def test_deadlines():
    results = {}

    def run(case):
        name, first, period, chunks, _ = case
        s = connect()
        if first:
            s.sendall(first)
        results[name] = closed_after(s, period, chunks)
        s.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in CASES]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, _, _, _, deadline in CASES:
        took, answer = results[name]
        ok(took is not None and took <= deadline + SLACK_S,
           "%s is closed within its %d s deadline" % (name, deadline),
           "closed after %s s" % (None if took is None else round(took, 1)))
        if name.startswith("headers with") or name.startswith("a body"):
            ok(answer.startswith(b"HTTP/1.1 408"), "%s is answered 408" % name, answer[:80])


UNREAD = [
    # a request whose body nobody reads: answered, then closed at once
    ("a static file", b"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 16000\r\n\r\n"),
    ("health", b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 16000\r\n\r\n"),
    ("an API write without a login", b"POST /api/v1/courses/desa-keuangan/attempts HTTP/1.1\r\n"
     b"Host: x\r\nContent-Type: application/json\r\nContent-Length: 16000\r\n\r\n"),
    ("a write of the wrong type", b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\n"
     b"Content-Type: text/plain\r\nContent-Length: 16000\r\n\r\n"),
    ("a portal redirect", b"GET /generate_204 HTTP/1.1\r\nHost: connectivitycheck.gstatic.com\r\n"
     b"Content-Length: 16000\r\n\r\n"),
]


def test_unread_bodies_close_the_connection():
    """CivetWeb would read a body nobody asked for to its end, at whatever
    pace the phone sends it; the box answers and closes instead."""
    results = {}

    def run(name, head):
        s = connect()
        s.sendall(head)
        results[name] = closed_after(s, 0.5, [b"x"] * 120, limit=30)
        s.close()

    threads = [threading.Thread(target=run, args=c) for c in UNREAD]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, _ in UNREAD:
        took, answer = results[name]
        ok(took is not None and took < SLACK_S and answer.startswith(b"HTTP/1.1 "),
           "%s with a body dribbled after it is answered and closed at once" % name,
           "closed after %s s, answer %r" % (None if took is None else round(took, 1), answer[:40]))


def test_box_serves_others_while_one_source_holds_its_cap():
    """The hotspot firewall caps a source at 16 connections; here one source
    holds 16 idle and 16 slow-body connections while a learner registers,
    completes a lesson and reads health."""
    held = []
    for i in range(16):
        held.append(connect())
        s = connect()
        s.sendall(POST_HEAD)
        held.append(s)
    time.sleep(0.5)
    c = BOX.client()
    t0 = time.monotonic()
    st, h, _ = c.get("/api/v1/health")
    health_ms = (time.monotonic() - t0) * 1000
    eq(st, 200, "health answers while one source holds 32 connections")
    print("# health answered in %.1f ms" % health_ms)
    st, me, _ = c.post("/api/v1/register", {"name": "Sari Dewi", "position": "kepala-desa",
                                            "village": VILLAGE, "pin": "482913"})
    eq(st, 201, "a learner registers meanwhile")
    st, cd, _ = c.get("/api/v1/courses/desa-keuangan")
    lesson = cd["lessons"][0]["id"]
    st, _, _ = c.post("/api/v1/courses/desa-keuangan/lessons/%s/complete" % lesson,
                      {"seconds": 60})
    eq(st, 200, "and completes a lesson")
    for s in held:
        s.close()



def console_head(path, length, ctype="application/json", cookie=True):
    head = "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n" % (
        path, ctype, length)
    if cookie:
        head += "Cookie: pb_console=%s\r\nX-CSRF-Token: %s\r\n" % (
            FAC.cookies["pb_console"], FAC.csrf)
    return (head + "\r\n").encode()


UPLOAD_STALL_S = BODY_DEADLINE_S  # an upload must progress within body_timeout_ms

CONSOLE_CASES = [
    # name, head, dribble period, deadline
    ("a pack upload dribbled one byte every 10 s",
     console_head("/api/v1/console/uploads", 200000, "application/octet-stream"), 10.0,
     UPLOAD_STALL_S),
    # slower than request_timeout_ms: each read returns a byte, yet the
    # upload does not progress (it held a worker for upload_timeout_s)
    ("a pack upload dribbled one byte every 6 s",
     console_head("/api/v1/console/uploads", 200000, "application/octet-stream"), 6.0,
     UPLOAD_STALL_S),
    ("a pack upload dribbled one byte every 2 s",
     console_head("/api/v1/console/uploads", 200000, "application/octet-stream"), 2.0,
     UPLOAD_STALL_S),
    ("a console login dribbled one byte every 10 s",
     console_head("/api/v1/console/login", 16000, cookie=False), 10.0, BODY_DEADLINE_S),
    ("a console login dribbled one byte every 2 s",
     console_head("/api/v1/console/login", 16000, cookie=False), 2.0, BODY_DEADLINE_S),
    ("a facilitator's console POST dribbled one byte every 2 s",
     console_head("/api/v1/console/facilitators", 16000), 2.0, BODY_DEADLINE_S),
]


def test_console_bodies_dribbled_are_cut_off():
    """The console's writes meet the same body deadline as the learners':
    a pack upload must keep arriving (it may take up to upload_timeout_s
    in all, but may not stall for body_timeout_ms), a JSON body must arrive
    within body_timeout_ms; health and the console answer meanwhile."""
    results = {}

    def run(case):
        name, head, period, _ = case
        s = connect()
        s.sendall(head)
        results[name] = closed_after(s, period, [b"\x1f"] + [b"x"] * 200, limit=90)
        s.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in CONSOLE_CASES]
    for t in threads:
        t.start()
    time.sleep(3)
    st, _, _ = BOX.client().get("/api/v1/health")
    eq(st, 200, "health answers while the console bodies dribble")
    st, me, _ = FAC.get("/api/v1/console/me")
    eq(st, 200, "the console answers its facilitator meanwhile")
    for t in threads:
        t.join()
    for name, _, _, deadline in CONSOLE_CASES:
        took, answer = results[name]
        ok(took is not None and took <= deadline + SLACK_S + 5,
           "%s is closed by the body deadline" % name,
           "closed after %s s" % (None if took is None else round(took, 1)))
        ok(answer.startswith(b"HTTP/1.1 408"), "%s is answered 408" % name, answer[:120])
    uploads = os.path.join(BOX.tmp, "uploads")
    left = os.listdir(uploads) if os.path.isdir(uploads) else []
    eq(left, [], "no part of the cut-off uploads is left on disk")
    st, _, _ = FAC.get("/api/v1/console/me")
    eq(st, 200, "the facilitator's session still works")


def test_300_connections_from_one_address():
    """Without the hotspot firewall (which caps a source at 16), one
    address opens 300 connections — idle ones and slow bodies, reopened as
    soon as the box closes them — for 20 s; a facilitator and a learner are
    served meanwhile."""
    stop = threading.Event()
    opened = [0]

    def hold(slow):
        while not stop.is_set():
            try:
                s = connect()
                opened[0] += 1
                if slow:
                    s.sendall(POST_HEAD)
                s.settimeout(0.5)
                while not stop.is_set():
                    try:
                        if not s.recv(4096):
                            break
                    except socket.timeout:
                        continue
            except OSError:
                time.sleep(0.2)
            finally:
                try:
                    s.close()
                except (OSError, UnboundLocalError):
                    pass

    threads = [threading.Thread(target=hold, args=(i % 2 == 1,), daemon=True)
               for i in range(300)]
    for t in threads:
        t.start()
    time.sleep(2)
    try:
        served = {}
        c = BOX.client()
        st, _, _ = c.get("/api/v1/health")
        served["health"] = st
        st, _, _ = c.post("/api/v1/register", {"name": "Rina Wati", "position": "kepala-desa",
                                               "village": VILLAGE, "pin": "573920"})
        served["a learner registers"] = st
        st, cd, _ = c.get("/api/v1/courses/desa-keuangan")
        lesson = cd["lessons"][0]["id"] if st == 200 else "x"
        st, _, _ = c.post("/api/v1/courses/desa-keuangan/lessons/%s/complete" % lesson,
                          {"seconds": 60})
        served["the learner completes a lesson"] = st
        f = BOX.console()
        st, _, _ = f.login(FAC_USER, FAC_PASSWORD)
        served["a facilitator logs in"] = st
        st, _, _ = f.get("/api/v1/console/learners")
        served["the console lists the learners"] = st
        time.sleep(max(0, 20 - 2))
        st, _, _ = BOX.client().get("/api/v1/health")
        served["health after 20 s"] = st
    finally:
        stop.set()
        for t in threads:
            t.join(5)
    ok(opened[0] >= 300, "one address opened 300 connections and more", opened[0])
    for what, st in served.items():
        ok(200 <= st < 300, "%s while one address holds 300 connections" % what, st)


run_tests(globals())
