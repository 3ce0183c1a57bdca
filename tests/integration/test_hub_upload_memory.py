"""pamong-hub bounds the memory of all uploads being unpacked at once
([upload] memory): many boxes sending chunks that gunzip to nearly
max_json at the same moment get 200 or 503 "send again", never more memory
than the budget allows, and the budget is whole again afterwards."""

import gzip
import json
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import eq, ok, run_tests  # noqa: E402
from hubtest import BoxKey, Hub, chunk, enroll, upload_raw  # noqa: E402

MAX_JSON = 8 * 2 ** 20
MEMORY = 5 * MAX_JSON          # one largest upload at a time
SENDERS = 24

hub = Hub(extra_conf="[upload]\nmax_body = 1048576\nmax_json = %d\nmemory = %d\n"
          % (MAX_JSON, MEMORY)).start()
key = BoxKey()


def status_kb(field):
    with open("/proc/%d/status" % hub.proc.pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def sanitized():
    """AddressSanitizer's shadow memory and quarantine make RSS say nothing
    of the hub's own budget (CI's SANITIZE run): the bound is then not
    measured, only the answers."""
    with open("/proc/%d/maps" % hub.proc.pid) as f:
        return "libasan" in f.read()


def big_body(seq):
    """A chunk whose JSON is just under max_json (a long padding member)."""
    obj = chunk(key, 0, 0, seq)
    obj["pad"] = "x" * (MAX_JSON - 4096)
    return gzip.compress(json.dumps(obj).encode())


def test_memory_config_must_fit_the_largest_upload():
    rc, _, err = Hub(extra_conf="[upload]\nmax_json = 1048576\nmemory = 4194304\n").cmd(
        "enroll-code")
    ok(rc != 0 and "upload.memory" in err, "memory under 5 x max_json is a config error", err)


def test_many_large_uploads_at_once_stay_in_the_budget():
    eq(enroll(hub.client(), key, hub.enroll_code())[0], 201, "the box enrolls")
    body = big_body(1)
    sig = key.sign(body)
    base = status_kb("VmRSS")
    got = []
    lock = threading.Lock()
    barrier = threading.Barrier(SENDERS)

    def send():
        c = hub.client()
        barrier.wait()
        for _ in range(2):
            st, ans = upload_raw(c, key.hex, sig, body)
            with lock:
                got.append((st, (ans or {}).get("error")))
    ts = [threading.Thread(target=send) for _ in range(SENDERS)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    kinds = sorted(set(got))
    ok(set(kinds) <= {(200, None), (503, "unavailable")},
       "%d uploads of %d MiB (as JSON) at once: each 200 or 503 'send again'"
       % (len(got), MAX_JSON >> 20), kinds)
    hwm = status_kb("VmHWM")
    # unbounded, 24 of them would hold 24 x (8 MiB text + 8 MiB string) = 384 MiB
    if sanitized():
        print("# built with AddressSanitizer: peak RSS +%d MiB, not held to the budget"
              % ((hwm - base) >> 10))
    else:
        ok(hwm - base < (MEMORY >> 10) + 24 * 1024,
           "the hub's peak RSS grew by %d MiB: under the %d MiB budget + 24 MiB"
           % ((hwm - base) >> 10, MEMORY >> 20), "VmRSS before %d kB, VmHWM %d kB" % (base, hwm))
    print("# %d answered 200, %d answered 503; peak RSS +%d MiB"
          % (sum(1 for g in got if g[0] == 200), sum(1 for g in got if g[0] == 503),
             (hwm - base) >> 10))
    for i in range(3):   # the budget is whole again: one after another all fit
        st, ans = upload_raw(hub.client(), key.hex, sig, body)
        eq(st, 200, "afterwards the same upload, alone, is accepted (%d)" % (i + 1))


run_tests(globals())
