"""Box → hub sync over a real network path (issue 4), with network namespaces:

  [box netns]  pamongd ── eth0 10.77.0.2 ══ veth ══ eth0 10.77.0.1 ── nginx (TLS, test CA)
                                                                      └→ pamong-hub 127.0.0.1

Checks: no link → no upload attempts; link up + default route → the upload
completes within 10 s; 5,000 learners with the link cut 20 times while chunks
are in flight → the hub's tables equal the box's exactly; a box that does not
trust the hub's certificate sends nothing; through nginx, a replayed or resent
chunk changes nothing and a tampered body, a wrong key, an unenrolled box and a
reused enrollment code are refused with nothing stored. Needs root (ip netns).
nginx's limit_req holds each upload a moment so that the cuts land mid-chunk.
KEEP_TMP=1 keeps the temp dir (nginx and hub logs) and prints its path."""

import ctypes
import gzip
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import AREA_FILE, BUILD, DEV_PUB, PACKS, PAMONGD, eq, ok, run_tests  # noqa: E402
from hubtest import HUB, WEBROOT, BoxKey, chunk, learner, summary  # noqa: E402

TAG = "%d" % (os.getpid() % 100000)
NS_HUB, NS_BOX = "pbhub" + TAG, "pbbox" + TAG
VETH_HUB, VETH_BOX = "pbh" + TAG, "pbb" + TAG
TMP = tempfile.mkdtemp(prefix="pb-net-sync-")
# nginx's workers run as nobody and keep request bodies over 16 KB in
# client_body_temp_path under TMP: they must be able to reach it (otherwise
# every large upload gets nginx's own 500).
os.chmod(TMP, 0o711)
HUB_IP, BOX_IP = "10.77.0.1", "10.77.0.2"
UPLOAD_RATE = "10r/s"  # nginx holds each upload up to 100 ms
CHUNK_ROWS = 50        # 5,001 learners → ~100 chunks, more than the 20 cuts need
procs = []
_libc = ctypes.CDLL(None, use_errno=True)


def sh(*cmd, check=True, ns=None, **kw):
    if ns:
        cmd = ("ip", "netns", "exec", ns) + cmd
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def _die_with_us():
    _libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: no orphans if we are killed


def spawn(name, cmd, ns):
    log = open(os.path.join(TMP, name + ".log"), "ab")
    p = subprocess.Popen(["ip", "netns", "exec", ns] + cmd, stdout=log, stderr=log,
                         preexec_fn=_die_with_us)
    procs.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def logtext(name, n=3000):
    try:
        with open(os.path.join(TMP, name + ".log"), errors="replace") as f:
            return f.read()[-n:]
    except OSError:
        return ""


def wait_for(fn, timeout, step=0.1):
    """Poll fn until it returns something true or timeout passes; returns
    (value, seconds taken)."""
    t0 = time.monotonic()
    while True:
        v = fn()
        if v or time.monotonic() - t0 > timeout:
            return v, time.monotonic() - t0
        time.sleep(step)


def cleanup():
    for p in procs:
        stop(p)
    for ns in (NS_HUB, NS_BOX):
        sh("ip", "netns", "del", ns, check=False)
    sh("ip", "link", "del", VETH_HUB, check=False)  # if setup stopped half way
    if os.environ.get("KEEP_TMP") is None:
        shutil.rmtree(TMP, ignore_errors=True)
    else:
        print("# kept " + TMP)


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)  # runs the finally below: cleanup()


for _s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_s, _on_signal)


def make_ca():
    ossl = lambda *a: sh("openssl", *a, cwd=TMP)  # noqa: E731
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    ossl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem",
         "-days", "2", "-subj", "/CN=Pamong Test CA")
    with open(os.path.join(TMP, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:%s,DNS:hub.test\n" % HUB_IP)
    ossl("req", *ec, "-keyout", "hub.key", "-out", "hub.csr", "-subj", "/CN=hub.test")
    ossl("x509", "-req", "-in", "hub.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
         "-CAcreateserial", "-out", "hub.pem", "-days", "2", "-extfile", "san.ext")
    # a CA the box must not trust
    ossl("req", "-x509", *ec, "-keyout", "other.key", "-out", "other.pem", "-days", "2",
         "-subj", "/CN=Other CA")


def sweep_stale():
    """Namespaces of an earlier run that was SIGKILLed (its processes died
    with it, see _die_with_us, but the namespaces stay): ours by name, empty,
    and their run is gone."""
    for line in sh("ip", "netns", "list", check=False).stdout.splitlines():
        m = re.match(r"(pb(?:hub|box)(\d+))\b", line)
        if not m or sh("ip", "netns", "pids", m.group(1), check=False).stdout.strip():
            continue
        try:
            with open("/proc/%s/cmdline" % m.group(2), "rb") as f:
                if b"test_hub_sync" in f.read():
                    continue  # that run is alive
        except OSError:
            pass
        sh("ip", "netns", "del", m.group(1), check=False)


def make_net():
    sweep_stale()
    for ns in (NS_HUB, NS_BOX):
        sh("ip", "netns", "del", ns, check=False)  # a leftover of a killed run
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "link", "add", VETH_HUB, "type", "veth", "peer", "name", VETH_BOX)
    sh("ip", "link", "set", VETH_HUB, "netns", NS_HUB)
    sh("ip", "link", "set", VETH_BOX, "netns", NS_BOX)
    sh("ip", "-n", NS_HUB, "link", "set", VETH_HUB, "name", "eth0")
    sh("ip", "-n", NS_BOX, "link", "set", VETH_BOX, "name", "eth0")
    sh("ip", "-n", NS_HUB, "addr", "add", HUB_IP + "/24", "dev", "eth0")
    sh("ip", "-n", NS_HUB, "link", "set", "eth0", "up")
    sh("ip", "-n", NS_BOX, "addr", "add", BOX_IP + "/24", "dev", "eth0")
    # the box's eth0 stays down: no link, no route


def link(up):
    sh("ip", "-n", NS_BOX, "link", "set", "eth0", "up" if up else "down")
    if up:
        sh("ip", "-n", NS_BOX, "route", "replace", "default", "via", HUB_IP, "dev", "eth0")


hub_port = 8090
box_port = 8080


def start_hub():
    conf = os.path.join(TMP, "hub.conf")
    with open(conf, "w") as f:
        f.write("[http]\nport = %d\nwebroot = %s\npublic_url = https://%s\n"
                "[storage]\ndata_dir = %s/hub\n[area]\nfile = %s\n"
                % (hub_port, WEBROOT, HUB_IP, TMP, AREA_FILE))
    spawn("hub", [HUB, "-d", "-f", conf], NS_HUB)
    nconf = os.path.join(TMP, "nginx.conf")
    with open(nconf, "w") as f:
        f.write("""pid %(t)s/nginx.pid;
error_log %(t)s/nginx-error.log;
worker_processes 1;
events { worker_connections 64; }
http {
  log_format up '$remote_addr "$request" $status $request_length $request_time';
  access_log %(t)s/access.log up;
  client_body_temp_path %(t)s/body; proxy_temp_path %(t)s/proxy;
  fastcgi_temp_path %(t)s/fcgi; uwsgi_temp_path %(t)s/uwsgi; scgi_temp_path %(t)s/scgi;
  limit_req_zone $server_name zone=slow:1m rate=%(rate)s;
  server {
    listen %(ip)s:443 ssl;
    ssl_certificate %(t)s/hub.pem; ssl_certificate_key %(t)s/hub.key;
    client_max_body_size 2m;
    location /api/v1/upload { limit_req zone=slow burst=100000;
      proxy_pass http://127.0.0.1:%(port)d; proxy_http_version 1.1;
      proxy_set_header Connection ""; }
    location / { proxy_pass http://127.0.0.1:%(port)d; proxy_http_version 1.1;
      proxy_set_header Connection ""; }
  }
}
""" % {"t": TMP, "ip": HUB_IP, "port": hub_port, "rate": UPLOAD_RATE})
    spawn("nginx", ["nginx", "-e", os.path.join(TMP, "nginx-error.log"), "-c", nconf,
                    "-g", "daemon off;"], NS_HUB)
    return conf


def hub_code(conf):
    return sh(HUB, "-f", conf, "enroll-code").stdout.strip()


def hub_rows(sql, *args):
    c = sqlite3.connect(os.path.join(TMP, "hub", "hub.db"), timeout=30)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def box_conf(name, port, code, ca):
    d = os.path.join(TMP, name)
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "pamongd.conf")
    with open(conf, "w") as f:
        f.write("[http]\nport = %d\nlisten = 127.0.0.1\nwebroot = %s\n[storage]\ndata_dir = %s\n"
                "[content]\nincoming = %s\ntrusted_keys = %s\n[area]\nfile = %s\ncodes = 33.02\n"
                "[sync]\nhub_url = https://%s\nca_file = %s\nenroll_code = %s\n"
                "box_name = Kotak Uji Jaringan\nuplinks = eth*\n"
                "chunk_rows = %d\nbackoff_min_s = 1\nbackoff_max_s = 2\n"
                % (port, os.path.join(BUILD, "webroot"), d, PACKS, DEV_PUB, AREA_FILE, HUB_IP,
                   ca, code, CHUNK_ROWS))
    return conf, d


def box_health(port=box_port):
    r = sh("curl", "-s", "--max-time", "5", "http://127.0.0.1:%d/api/v1/health" % port,
           ns=NS_BOX, check=False)
    try:
        return json.loads(r.stdout)
    except ValueError:
        return None


def box_seed(db, n, start_rev):
    """n learners with one summary each, straight into the box's store
    (registering 5,000 through the API would spend minutes hashing PINs)."""
    c = sqlite3.connect(db, timeout=30)
    rev = start_rev
    now = int(time.time() * 1000)
    villages = ["33.02.01.2001", "33.02.02.2003", "33.02.03.2001"]
    for i in range(n):
        lid = str(uuid.uuid4())
        rev += 1
        c.execute("INSERT INTO learners(id, name, name_key, position, village, pin_hash,"
                  " registered_at, boot_id, mono_ms, client_ms, rev) VALUES"
                  " (?,?,?,?,?,?,?,?,?,?,?)",
                  (lid, "Peserta %d" % i, "peserta %d" % i, "kepala-desa", villages[i % 3],
                   "x", now, "b", 0, 0, rev))
        rev += 1
        done = i % 2 == 0
        # every third learner took a pre-test (the post-test is best_score)
        c.execute("INSERT INTO course_summary(learner, course, status, lessons_done,"
                  " lessons_total, best_score, passed, attempts, seconds_spent,"
                  " first_activity, last_activity, completed_at, rev, pre_score) VALUES"
                  " (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  (lid, "desa-administrasi", "completed" if done else "in_progress",
                   4 if done else 1, 4, 80 if done else -1, int(done), int(done), 300,
                   now, now, now if done else 0, rev, 30 + i % 50 if i % 3 == 0 else -1))
    c.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('rev', ?)", (rev,))
    c.commit()
    c.close()
    return rev


def box_tables(db):
    c = sqlite3.connect(db, timeout=30)
    try:
        l = c.execute("SELECT id, name, position, village, registered_at, rev FROM learners"
                      " ORDER BY id").fetchall()
        s = c.execute("SELECT learner, course, status, lessons_done, lessons_total,"
                      " nullif(best_score, -1), passed, attempts, seconds_spent, rev,"
                      " nullif(pre_score, -1), nullif(best_score, -1)"
                      " FROM course_summary ORDER BY learner, course").fetchall()
        return l, s
    finally:
        c.close()


BOX_OF = "(SELECT box_id FROM boxes WHERE key = ?)"  # rows name the box by its id


def hub_tables(key):
    return (hub_rows("SELECT id, name, position, village, registered_at, rev FROM learners"
                     " WHERE box = %s ORDER BY id" % BOX_OF, key),
            hub_rows("SELECT learner, course, status, lessons_done, lessons_total, best_score,"
                     " passed, attempts, seconds_spent, rev, pre_score, post_score"
                     " FROM summaries WHERE box = %s"
                     " ORDER BY learner, course" % BOX_OF, key))


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hub_learners():
    return hub_rows("SELECT count(*) FROM learners")[0][0]


def access_lines(src=BOX_IP):
    """nginx's access log lines of requests from src."""
    try:
        with open(os.path.join(TMP, "access.log")) as f:
            return [line for line in f if line.startswith(src + " ")]
    except OSError:
        return []


def post(path, body, headers):
    """POST body through nginx from the box's namespace with curl, checking
    the hub's certificate; returns (status, parsed JSON answer or None)."""
    src = os.path.join(TMP, "post.body")
    with open(src, "wb") as f:
        f.write(body)
    cmd = ["curl", "-s", "--max-time", "20", "--cacert", os.path.join(TMP, "ca.pem"),
           "-o", os.path.join(TMP, "post.answer"), "-w", "%{http_code}",
           "--data-binary", "@" + src]
    for k, v in headers.items():
        cmd += ["-H", "%s: %s" % (k, v)]
    r = sh(*cmd, "https://%s%s" % (HUB_IP, path), ns=NS_BOX, check=False)
    try:
        with open(os.path.join(TMP, "post.answer")) as f:
            ans = json.load(f)
    except (OSError, ValueError):
        ans = None
    return int(r.stdout or 0), ans


def post_enroll(key, code, sign_with=None):
    body = json.dumps({"code": code, "public_key": key.hex, "box_id": key.box_id,
                       "name": "Kotak Uji Lain"}).encode()
    return post("/api/v1/enroll", body, {"Content-Type": "application/json",
                                         "X-Pamong-Signature": (sign_with or key).sign(body)})


def post_upload(key_hex, sig, body):
    return post("/api/v1/upload", body, {"Content-Type": "application/json",
                                         "Content-Encoding": "gzip", "X-Pamong-Box": key_hex,
                                         "X-Pamong-Signature": sig})


state = {}


def test_setup():
    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("nginx") is None:
        ok(True, "# SKIP needs root, iproute2 and nginx")
        return
    make_ca()
    make_net()
    conf = start_hub()
    _, took = wait_for(lambda: sh("curl", "-s", "--cacert", os.path.join(TMP, "ca.pem"),
                                  "https://%s/api/v1/health" % HUB_IP, ns=NS_HUB,
                                  check=False).stdout.find("pamong-hub") >= 0, 10)
    ok(took < 10, "the hub answers through nginx with the test CA's certificate",
       logtext("nginx") + logtext("hub"))
    code = hub_code(conf)
    bconf, bdir = box_conf("box", box_port, code, os.path.join(TMP, "ca.pem"))
    r = sh(PAMONGD, "-n", "-f", bconf, check=False)
    if not ok(r.returncode == 0, "pamongd accepts the [sync] config keys", r.stderr):
        return
    state.update(conf=conf, bconf=bconf, bdir=bdir, db=os.path.join(bdir, "pamong.db"))


def test_no_link_no_attempts():
    if "bconf" not in state:
        return
    state["box"] = spawn("box", [PAMONGD, "-d", "-v", "-f", state["bconf"]], NS_BOX)
    h, _ = wait_for(box_health, 10)
    ok(h is not None, "pamongd answers in its namespace", logtext("box"))
    if h is None:
        return
    ok("sync" in h, "box health shows the sync state", h)
    time.sleep(3)  # give a wrongly polling box the chance to try
    h = box_health() or {}
    eq((h.get("sync") or {}).get("last_attempt"), None, "without a link the box never tries")
    eq(access_lines(), [], "without a link nothing from the box reached nginx")


def test_link_up_uploads_within_10s():
    if "box" not in state:
        return
    # a learner registered through the box's API
    body = json.dumps({"name": "Siti Aminah", "position": "kepala-desa",
                       "village": "33.02.01.2001", "pin": "482913"})
    sh("curl", "-s", "-o", "/dev/null", "-H", "Content-Type: application/json", "-d", body,
       "http://127.0.0.1:%d/api/v1/register" % box_port, ns=NS_BOX, check=False)
    link(True)
    got, took = wait_for(lambda: hub_learners() >= 1, 15)
    ok(got and took <= 10, "link up + default route → upload within 10 s (took %.1f s)" % took,
       logtext("box")[-1500:])
    eq(hub_rows("SELECT name FROM learners"), [("Siti Aminah",)], "the hub has the learner")
    h = box_health() or {}
    state["key"] = (h.get("sync") or {}).get("public_key")
    eq(hub_rows("SELECT count(*) FROM boxes WHERE key = ?", state["key"]), [(1,)],
       "the box enrolled with its own key")
    eq(hub_rows("SELECT db_state, CASE WHEN disk_total >= disk_free AND disk_free > 0"
                " THEN 1 ELSE 0 END FROM boxes WHERE key = ?", state["key"]), [("ok", 1)],
       "the box's health tells the hub its database state and disk size (the fleet page)")
    state["linked"] = True
    # waiting for the next round (sync.interval_s) must cost no CPU: a timed
    # wait on the wrong clock once made the sync thread spin here
    wait_for(lambda: ((box_health() or {}).get("sync") or {}).get("state") == "idle", 10)
    c0 = cpu_seconds(state["box"].pid)
    time.sleep(2)
    used = cpu_seconds(state["box"].pid) - c0
    ok(used < 0.5, "an idle box with a link uses no CPU (%.2f s of CPU in 2 s)" % used)


def test_5000_learners_with_20_cuts():
    if "linked" not in state:
        return
    link(False)
    box_seed(state["db"], 5000, int(sqlite3.connect(state["db"]).execute(
        "SELECT value FROM meta WHERE key = 'rev'").fetchone()[0]))
    # the store read its rev at start: restart so it sees the seeded rows
    stop(state["box"])
    state["box"] = spawn("box", [PAMONGD, "-d", "-v", "-f", state["bconf"]], NS_BOX)
    wait_for(box_health, 10)
    before = len(access_lines())
    aborted0 = logtext("box", 10 ** 7).count("interrupted")
    link(True)
    cuts = landed = 0
    for _ in range(20):
        # cut the link as soon as a chunk got through: the next one is then
        # on its way or held by nginx's limit_req
        n0 = hub_learners()
        progressed, _ = wait_for(lambda: hub_learners() > n0, 20, step=0.02)
        if not progressed:
            break
        link(False)
        cuts += 1
        landed += hub_learners() < 5001
        time.sleep(0.2)
        link(True)
    eq(cuts, 20, "the link was cut 20 times after a chunk got through")
    eq(landed, 20, "every cut landed before the upload was complete (%d of 5001 learners"
       " at the last)" % hub_learners())
    # done when nothing is pending and the hub has every learner; on a loaded
    # machine chunks take seconds each, so the wait goes on while the hub's
    # acknowledged rev still moves, and gives up after 60 s without progress
    def acked():
        return hub_rows("SELECT acked_rev FROM boxes WHERE key = ?", state["key"])

    last = None
    while True:
        done, took = wait_for(lambda: (box_health() or {}).get("sync", {}).get("pending") == 0
                              and hub_learners() == 5001, 60)
        now = acked()
        if done or now == last:
            break
        last = now
    ok(done, "the upload completes after the cuts", logtext("box")[-2000:])
    lines = access_lines()[before:]
    print("# %d requests from the box reached nginx, %d uploads answered 200; the box saw %d"
          " transfers interrupted by a cut" % (len(lines), sum(
              1 for x in lines if "upload" in x and '" 200 ' in x),
              logtext("box", 10 ** 7).count("interrupted") - aborted0))
    bl, bs = box_tables(state["db"])
    hl, hs = hub_tables(state["key"])
    eq(len(hl), len(bl), "the hub has as many learners as the box")
    eq(len(hs), len(bs), "the hub has as many summaries as the box")
    ok(hl == bl, "the hub's learners equal the box's exactly",
       [x for x in zip(hl, bl) if x[0] != x[1]][:3])
    ok(hs == bs, "the hub's summaries equal the box's exactly (pre_score and post_score too)",
       [x for x in zip(hs, bs) if x[0] != x[1]][:3])
    eq(hub_rows("SELECT acked_rev FROM boxes WHERE key = ?", state["key"]),
       [(int(sqlite3.connect(state["db"]).execute(
           "SELECT value FROM meta WHERE key = 'rev'").fetchone()[0]),)],
       "the hub acknowledges the box's last rev")
    state["synced"] = True


def test_untrusted_certificate_sends_nothing():
    if "linked" not in state:
        return
    code = hub_code(state["conf"])
    conf, _ = box_conf("box2", box_port + 1, code, os.path.join(TMP, "other.pem"))
    p = spawn("box2", [PAMONGD, "-d", "-f", conf], NS_BOX)
    err, _ = wait_for(lambda: ((box_health(box_port + 1) or {}).get("sync") or {})
                      .get("last_error"), 15)
    stop(p)
    ok(err and ("certificate" in err.lower() or "ssl" in err.lower()),
       "a box trusting another CA refuses the hub's certificate", err or logtext("box2"))
    eq(hub_rows("SELECT count(*) FROM boxes"), [(1,)], "the hub got no second box")
    eq(hub_rows("SELECT count(*) FROM enroll_codes WHERE used_by IS NOT NULL"), [(1,)],
       "its enrollment code is still unused")


def test_replays_and_refusals_through_nginx():
    if "linked" not in state:
        return
    key, stranger = BoxKey(), BoxKey()
    code = hub_code(state["conf"])
    eq(post_enroll(key, code)[0], 201, "a second box enrolls through nginx")
    boxes = hub_rows("SELECT count(*) FROM boxes")
    st, ans = post_enroll(stranger, code)
    eq((st, (ans or {}).get("error")), (409, "code_used"), "a reused enrollment code is refused")
    eq(hub_rows("SELECT count(*) FROM boxes"), boxes, "the reused code stored no box")
    L = learner(1)
    first = gzip.compress(json.dumps(chunk(key, 0, 2, 1, [L], [summary(L["id"], "desa-keuangan",
                                                                       2)])).encode())
    eq(post_upload(key.hex, key.sign(first), first), (200, {"acked_rev": 2}),
       "a signed chunk is stored and acknowledged")

    def snap():
        return (hub_rows("SELECT * FROM learners WHERE box = %s" % BOX_OF, key.hex),
                hub_rows("SELECT * FROM summaries WHERE box = %s" % BOX_OF, key.hex),
                hub_rows("SELECT acked_rev FROM boxes WHERE key = ?", key.hex),
                hub_rows("SELECT count(*) FROM boxes"))
    before = snap()
    eq(post_upload(key.hex, key.sign(first), first), (200, {"acked_rev": 2}),
       "an exact replay is answered with the held rev")
    eq(snap(), before, "an exact replay changes nothing")
    resent = gzip.compress(json.dumps(chunk(
        key, 0, 2, 2, [dict(L, name="Nama Lama")],
        [summary(L["id"], "desa-keuangan", 2, status="in_progress", completed_at=0)])).encode())
    eq(post_upload(key.hex, key.sign(resent), resent), (200, {"acked_rev": 2}),
       "a resent chunk with the same revs is answered with the held rev")
    eq(snap(), before, "a resent chunk changes nothing")
    uploads = hub_rows("SELECT count(*) FROM uploads")
    nxt = gzip.compress(json.dumps(chunk(key, 2, 3, 3, [learner(3)])).encode())
    tampered = bytearray(nxt)
    tampered[len(tampered) // 2] ^= 1
    for what, kh, sig, body, want in [
            ("a tampered body", key.hex, key.sign(nxt), bytes(tampered), (401, "bad_signature")),
            ("a body signed by a wrong key", key.hex, stranger.sign(nxt), nxt,
             (401, "bad_signature")),
            ("an unenrolled box", stranger.hex, stranger.sign(nxt), nxt,
             (403, "unknown_box"))]:
        st, ans = post_upload(kh, sig, body)
        eq((st, (ans or {}).get("error")), want, "upload through nginx: %s is refused" % what)
    eq(snap(), before, "the refused uploads stored no rows")
    eq(hub_rows("SELECT count(*) FROM uploads"), uploads, "the refused uploads were not logged"
       " as uploads")
    if "synced" in state:
        hl, hs = hub_tables(state["key"])
        eq((len(hl), len(hs)), (5001, 5000), "the first box's rows are untouched")


try:
    run_tests(globals())
finally:
    cleanup()
