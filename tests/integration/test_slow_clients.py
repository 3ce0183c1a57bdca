"""One phone cannot hold the box's workers with connections that send
nothing or dribble: a total deadline for the request headers and another for
the body close them, and the box keeps answering others meanwhile. Runs the
box with its default [http] settings."""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, ok, run_tests  # noqa: E402

HEADER_DEADLINE_S = 5   # request_timeout_ms default
BODY_DEADLINE_S = 10    # body_timeout_ms default
SLACK_S = 4             # scheduling and one blocked read on top of a deadline

BOX = Box().start()
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


run_tests(globals())
