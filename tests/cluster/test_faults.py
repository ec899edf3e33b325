#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Galera cluster under steady load and faults, with a ledger.

Against contrib/cluster.sh's three nodes (a webhookd pool and a dispatcher on
each, nginx over the three pools): events at a fixed rate for webhooks whose
endpoint is a real receiver, and API reads and writes beside them.  During the
load: kill -9 one MariaDB node, start it again (it rejoins by IST), then kill
-9 a dispatcher.  After the load the queue drains, and the run's ledger must
balance:

    offered  = accepted (202) + refused (any other answer, or none)
    accepted = delivered + failed + still pending at the cut-off

and no accepted event may be lost (every one delivered at least once: the
receiver always answers 204).  Duplicates are at-least-once redeliveries
(the killed dispatcher's claims, sent again after their lease): counted and
reported, and never two copies of one event in flight at once.  The API must
answer again within RECOVERY_S of the node's kill.

Environment:
  BASE_URL       the cluster's nginx, e.g. http://127.0.0.1:8090      (required)
  WEBHOOKCTL     admin CLI prefix, e.g. "webhookctl -c node1/webhookd.conf" (required)
  CLUSTER_CMD    contrib/cluster.sh with its CLUSTER_DIR in the environment (required)
  DB_SQL_CMD     the mariadb client on a node's database (SQL on stdin)   (required)
  CLUSTER_DIR    the cluster's state directory (each node's pool socket)  (required)
  LOAD_S         seconds of load (default 40); EVENT_RATE events/s (default 40)

Before the scenario, two checks talk FastCGI to one node's pool at a time
(not through nginx, which spreads requests over the pools): a webhook made
through one node is read at once through the others (db_sync_wait), and
the same (user, template) created through the three nodes at once gives
one 201 and 409s (the unique key decides across nodes).

Usage: python3 tests/cluster/test_faults.py [-k SUBSTRING]... [--list]
Output: "ok - NAME" / "not ok - NAME: REASON" per test, then "N passed, N failed".
"""

import collections
import concurrent.futures
import json
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import (Fail, NoResponse, check, http_exchange, make_user,  # noqa: E402
                     registry, run_ctl, run_suite, sh, wait_for)
from receiver import Receiver  # noqa: E402

BASE_URL = os.environ.get("BASE_URL", "").strip().rstrip("/")
WEBHOOKCTL = os.environ.get("WEBHOOKCTL", "").strip()
CLUSTER_CMD = os.environ.get("CLUSTER_CMD", "").strip()
DB_SQL_CMD = os.environ.get("DB_SQL_CMD", "").strip()
CLUSTER_DIR = os.environ.get("CLUSTER_DIR", "").strip()
LOAD_S = float(os.environ.get("LOAD_S", "") or 40)
EVENT_RATE = float(os.environ.get("EVENT_RATE", "") or 40)
RECOVERY_S = 5.0            # the API answers again this soon after a node's kill
DRAIN_S = 90.0              # the cut-off: this long after the load for the queue to drain
KILL_DB_AT, START_DB_AT, KILL_DISPATCHER_AT = 0.2, 0.45, 0.65   # fractions of LOAD_S
KILLED_NODE, KILLED_DISPATCHER = 1, 2
SEED = "assignment_evaluation_student_answer_sheet_extraction"
TEMPLATES = ["assignment_evaluation_student_answer_sheet_extraction",
             "assignment_evaluation_question_paper_extraction",
             "assignment_evaluation_grading_report"]
N_HOOKS = 4
TEMPLATE_IDS = {"assignment_evaluation_student_answer_sheet_extraction":
                "488f4644-057d-41e7-9a74-72c040602647"}
SENDERS = 32                # threads that send the scheduled events

V1 = "/webhooks/v1"
RUN = "%d_%d" % (os.getpid(), int(time.time()))

TESTS, test = registry()
_u = urllib.parse.urlsplit(BASE_URL or "http://127.0.0.1:8090")
ADDR = ("http", _u.hostname, _u.port or 80, _u.netloc)


def api(method, path, token, body=None, timeout=10.0):
    hdrs = [("Authorization", "Bearer " + token), ("Accept", "application/json")]
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs.append(("Content-Type", "application/json"))
    return http_exchange(ADDR, method, path, hdrs, data, timeout=timeout)


def fcgi(node, method, path, token, body=None, timeout=10.0):
    """One request straight to node's webhookd pool over FastCGI; (status, json)."""
    data = json.dumps(body).encode() if body is not None else b""
    params = {"REQUEST_METHOD": method, "REQUEST_URI": path, "SCRIPT_NAME": "",
              "PATH_INFO": path.split("?")[0], "QUERY_STRING": path.partition("?")[2],
              "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/json" if data else "",
              "HTTP_AUTHORIZATION": "Bearer " + token, "HTTP_ACCEPT": "application/json",
              "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1"}

    def rec(t, content):
        return struct.pack(">BBHHBx", 1, t, 1, len(content), 0) + content

    def nv(k, v):
        k, v = k.encode(), v.encode()
        ln = lambda n: bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)  # noqa: E731
        return ln(len(k)) + ln(len(v)) + k + v
    pb = b"".join(nv(k, v) for k, v in params.items())
    msg = rec(1, struct.pack(">HB5x", 1, 0)) + rec(4, pb) + rec(4, b"")
    for i in range(0, len(data), 65535):
        msg += rec(5, data[i:i + 65535])
    msg += rec(5, b"")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(os.path.join(CLUSTER_DIR, "node%d" % node, "run", "webhookd.sock"))
        s.sendall(msg)
        buf, out = b"", b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        while len(buf) >= 8:
            _, t, _, clen, plen = struct.unpack(">BBHHB", buf[:7])
            if t == 6:
                out += buf[8:8 + clen]
            buf = buf[8 + clen + plen:]
    finally:
        s.close()
    head, _, payload = out.partition(b"\r\n\r\n")
    status = 200
    for line in head.decode("latin-1").split("\r\n"):
        if line.lower().startswith("status:"):
            status = int(line.split()[1])
    try:
        return status, json.loads(payload) if payload else None
    except ValueError:
        return status, None


def ctl(args):
    return run_ctl(WEBHOOKCTL, args)


def sql(query):
    rc, out = sh("%s <<'EOF'\n%s\nEOF" % (DB_SQL_CMD, query), timeout=60)
    check(rc == 0, "DB_SQL_CMD failed (%s): %s" % (rc, out[-400:]))
    return [line.split("\t") for line in out.splitlines() if line.strip()]


def cluster(args, timeout=300):
    rc, out = sh("%s %s" % (CLUSTER_CMD, args), timeout=timeout)
    check(rc == 0, "`cluster.sh %s` exited %s: %s" % (args, rc, out[-600:]))
    return out


class Run:
    """What the scenario did and saw."""

    def __init__(self):
        self.lock = threading.Lock()
        self.offered = 0
        self.accepted = {}          # event id -> (seq, scheduled monotonic time)
        self.refused = collections.Counter()    # status (or "no answer") -> count
        self.refused_at = []        # (monotonic, status) of each refusal
        self.api = []               # (monotonic sent, monotonic answered, op, status)
        self.marks = {}             # fault name -> monotonic time
        self.fault_out = {}
        self.hooks = []
        self.errors = []
        self.t0 = 0.0
        self.t_end = 0.0
        self.ledger = {}


def setup(rx):
    check(BASE_URL and WEBHOOKCTL and CLUSTER_CMD and DB_SQL_CMD,
          "BASE_URL, WEBHOOKCTL, CLUSTER_CMD and DB_SQL_CMD must be set")
    svc = make_user(lambda a: ctl(a), "cl_svc_%s" % RUN, service=True)
    hooks = []
    for i in range(N_HOOKS):
        u = make_user(lambda a: ctl(a), "cl_rx%d_%s" % (i, RUN))
        secret = "whsec_" + __import__("base64").b64encode(os.urandom(24)).decode()
        r = api("POST", V1 + "/webhook/", u.token, {
            "api_template": TEMPLATE_IDS[SEED], "endpoint_url": rx.url("/cl%d/ok" % i),
            "secret_hash": secret})
        check(r.status == 201, "create webhook %d: %s" % (i, r.status), r)
        hid = r.json["id"]
        rx.set_secrets(hid, [secret])
        hooks.append((u, hid))
    api_user = make_user(lambda a: ctl(a), "cl_api_%s" % RUN)
    r = api("GET", V1 + "/templates/?page_size=100", api_user.token)
    check(r.status == 200, "templates: %s" % r.status, r)
    TEMPLATE_IDS.update({t["name"]: t["id"] for t in r.json["results"]})
    return svc, hooks, api_user


def send_events(run, svc, hooks):
    """Events at EVENT_RATE from run.t0, each at its scheduled time (an open
    loop: a slow answer does not delay the next send)."""
    interval = 1.0 / EVENT_RATE
    n_total = int(LOAD_S * EVENT_RATE)
    next_seq = iter(range(n_total))
    seq_lock = threading.Lock()

    def sender():
        while True:
            with seq_lock:
                seq = next(next_seq, None)
            if seq is None:
                return
            due = run.t0 + seq * interval
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            user, _ = hooks[seq % len(hooks)]
            body = {"api_template": SEED, "user": user.name,
                    "data": {"seq": seq, "run": RUN, "doc": "doc-%d" % seq}}
            try:
                r = api("POST", V1 + "/events/", svc.token, body, timeout=10)
                status = r.status
            except NoResponse:
                r, status = None, "no answer"
            with run.lock:
                run.offered += 1
                if status == 202 and r.json and r.json.get("deliveries") == 1:
                    run.accepted[r.json["id"]] = (seq, due)
                else:
                    run.refused[status] += 1
                    run.refused_at.append((time.monotonic(), status))
    ts = [threading.Thread(target=sender, daemon=True) for _ in range(SENDERS)]
    for t in ts:
        t.start()
    return ts


def api_load(run, user, stop):
    """Reads and writes beside the events: create, retrieve, list, delete."""
    i = 0
    while not stop.is_set():
        tpl = TEMPLATES[i % len(TEMPLATES)]
        i += 1
        steps = []
        t = time.monotonic()
        try:
            r = api("POST", V1 + "/webhook/", user.token,
                    {"api_template": TEMPLATE_IDS[tpl], "endpoint_url": "https://example.com/h/%d" % i})
            steps.append(("create", r.status))
            if r.status == 201:
                hid = r.json["id"]
                r = api("GET", V1 + "/webhook/%s/" % hid, user.token)
                steps.append(("retrieve", r.status))
                r = api("GET", V1 + "/webhook/?page_size=5", user.token)
                steps.append(("list", r.status))
                r = api("DELETE", V1 + "/webhook/%s/" % hid, user.token)
                steps.append(("delete", r.status))
        except NoResponse:
            steps.append(("no answer", None))
        done = time.monotonic()
        with run.lock:
            for op, st in steps:
                run.api.append((t, done, op, st))
        time.sleep(0.05)


def faults(run):
    """kill -9 a node, start it again, kill -9 a dispatcher: on schedule."""
    def at(frac):
        d = run.t0 + frac * LOAD_S - time.monotonic()
        if d > 0:
            time.sleep(d)
    try:
        at(KILL_DB_AT)
        run.marks["db killed"] = time.monotonic()
        run.fault_out["db-kill"] = cluster("db-kill %d" % KILLED_NODE)
        at(START_DB_AT)
        run.marks["db start"] = time.monotonic()
        run.fault_out["db-start"] = cluster("db-start %d" % KILLED_NODE)
        run.marks["db synced"] = time.monotonic()
        at(KILL_DISPATCHER_AT)
        run.marks["dispatcher killed"] = time.monotonic()
        run.fault_out["dispatcher-kill"] = cluster("dispatcher-kill %d" % KILLED_DISPATCHER)
    except Exception as e:      # reported by the tests that need the marks
        run.errors.append("faults: %s" % e)


_once = {}


def scenario():
    """The scenario, run once; a failure of it fails each test that needs it."""
    if "run" not in _once:
        try:
            _once["run"] = _scenario()
        except Exception as e:
            _once["run"] = e
    if isinstance(_once["run"], Exception):
        raise Fail("the scenario failed: %s" % _once["run"])
    return _once["run"]


def _scenario():
    rx = Receiver().start()
    run = Run()
    svc, hooks, api_user = setup(rx)
    run.hooks = [h for _, h in hooks]
    run.rx = rx
    stop = threading.Event()
    run.t0 = time.monotonic() + 0.5
    senders = send_events(run, svc, hooks)
    apis = threading.Thread(target=api_load, args=(run, api_user, stop), daemon=True)
    apis.start()
    ft = threading.Thread(target=faults, args=(run,), daemon=True)
    ft.start()
    for t in senders:
        t.join(LOAD_S + 60)
    stop.set()
    apis.join(30)
    ft.join(300)
    run.t_end = time.monotonic()

    # The cut-off: every accepted event delivered, or DRAIN_S later.
    ids = set(run.accepted)

    def drained():
        got = {r.webhook_id for r in rx.requests() if r.webhook_id in ids}
        return len(got) == len(ids)
    try:
        wait_for(drained, DRAIN_S, "every accepted event at the receiver", interval=0.5)
    except Fail:
        pass        # the ledger tells what is missing
    rows = sql("SELECT event_id, status, attempts FROM deliveries WHERE webhook_id IN (%s)"
               % ",".join("'%s'" % h for h in run.hooks))
    run.db = {r[0]: (r[1], int(r[2])) for r in rows}
    run.received = collections.defaultdict(list)
    for r in rx.requests():
        if r.webhook_id in ids:
            run.received[r.webhook_id].append(r)
    delivered = {i for i in ids if run.received.get(i)}
    failed = {i for i in ids - delivered if run.db.get(i, ("",))[0] == "failed"}
    pending = {i for i in ids - delivered - failed if run.db.get(i, ("",))[0] == "pending"}
    lost = ids - delivered - failed - pending
    dups = {i: len(v) - 1 for i, v in run.received.items() if len(v) > 1}
    run.ledger = {"offered": run.offered, "accepted": len(ids), "refused": sum(run.refused.values()),
                  "delivered": len(delivered), "failed": len(failed), "pending": len(pending),
                  "lost": len(lost), "duplicates": sum(dups.values()), "dup_events": len(dups)}
    run.lost = lost
    run.dups = dups
    run.svc = svc
    rx.stop()
    run.conflicts = {}
    base = int(os.environ.get("CLUSTER_PORT_BASE", "") or 24000)
    for n in (1, 2, 3):
        try:
            r = http_exchange(("http", "127.0.0.1", base + 400 + n, "127.0.0.1"), "GET", "/metrics", timeout=5)
            for line in r.body.decode().splitlines():
                if line.startswith("webhookd_claim_conflicts_total "):
                    run.conflicts[n] = int(line.split()[1])
        except NoResponse:
            run.conflicts[n] = "down"
    print("# claims or records another node won (webhookd_claim_conflicts_total): %s" % run.conflicts)
    L = run.ledger
    print("# ledger: offered %(offered)d = accepted %(accepted)d + refused %(refused)d; "
          "accepted %(accepted)d = delivered %(delivered)d + failed %(failed)d + pending %(pending)d"
          " (+ lost %(lost)d); duplicates %(duplicates)d (of %(dup_events)d events)" % L)
    print("# refused by answer: %s" % dict(run.refused))
    for k, v in sorted(run.marks.items(), key=lambda kv: kv[1]):
        print("# %-18s at %5.1f s" % (k, v - run.t0))
    return run


LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "contrib", "lib-stack.sh")


def causal_reads(node):
    """Node's wsrep_causal_reads: the reads that waited for the cluster."""
    rc, out = sh("bash -c 'source %s; stack_db_sql %s/node%d -N -B' <<'EOF'\n"
                 "SHOW GLOBAL STATUS LIKE 'wsrep_causal_reads'\nEOF" % (LIB, CLUSTER_DIR, node))
    check(rc == 0 and out.split(), "wsrep_causal_reads of node %d: %s" % (node, out[-300:]))
    return int(out.split()[-1])


@test
def test_a_write_through_one_node_is_read_through_the_others():
    """Also that those reads waited for the cluster (db_sync_wait): each
    node's wsrep_causal_reads grows by at least the reads sent through it
    (on loopback the apply lag is too short for a read to miss a write
    without the wait, so the counter is what tells)."""
    check(CLUSTER_DIR, "CLUSTER_DIR must be set")
    u = make_user(lambda a: ctl(a), "cl_ryw_%s" % RUN)
    before = {n: causal_reads(n) for n in (1, 2, 3)}
    reads = collections.Counter()
    misses = []
    for i in range(60):
        via = 1 + i % 3
        st, b = fcgi(via, "POST", V1 + "/webhook/", u.token, {
            "api_template": TEMPLATE_IDS[SEED], "endpoint_url": "https://example.com/ryw/%d" % i})
        check(st == 201, "create through node %d: %s %r" % (via, st, b))
        for other in (1, 2, 3):
            if other == via:
                continue
            st2, b2 = fcgi(other, "GET", V1 + "/webhook/%s/" % b["id"], u.token)
            reads[other] += 1
            if st2 != 200 or b2.get("endpoint_url") != "https://example.com/ryw/%d" % i:
                misses.append((i, via, other, st2))
        st, _ = fcgi(1 + (i + 1) % 3, "DELETE", V1 + "/webhook/%s/" % b["id"], u.token)
        check(st == 204, "delete through another node: %s" % st)
        st, _ = fcgi(1 + (i + 2) % 3, "GET", V1 + "/webhook/%s/" % b["id"], u.token)
        reads[1 + (i + 2) % 3] += 1
        if st != 404:
            misses.append((i, "deleted, then read", st))
    check(not misses, "reads through other nodes missed the write: %s" % misses[:8])
    grew = {n: causal_reads(n) - before[n] for n in (1, 2, 3)}
    check(all(grew[n] >= reads[n] for n in (1, 2, 3)),
          "reads that waited for the cluster (wsrep_causal_reads) %s, fewer than the reads sent %s"
          % (grew, dict(reads)))


@test
def test_concurrent_creates_through_three_nodes_make_one_webhook():
    check(CLUSTER_DIR, "CLUSTER_DIR must be set")
    rounds, bad = 20, []
    with concurrent.futures.ThreadPoolExecutor(6) as ex:
        for r in range(rounds):
            u = make_user(lambda a: ctl(a), "cl_dup%d_%s" % (r, RUN))
            body = {"api_template": TEMPLATE_IDS[SEED], "endpoint_url": "https://example.com/dup/%d" % r}
            codes = sorted(f.result()[0] for f in [ex.submit(fcgi, 1 + k % 3, "POST", V1 + "/webhook/",
                                                             u.token, body) for k in range(6)])
            st, page = fcgi(1, "GET", V1 + "/webhook/", u.token)
            if codes != [201, 409, 409, 409, 409, 409] or page.get("count") != 1:
                bad.append((r, codes, page.get("count") if page else None))
    check(not bad, "rounds that did not give one 201, five 409 and one webhook: %s" % bad[:5])


def cert_failures():
    """Certification failures of the three nodes, summed."""
    total = 0
    for n in (1, 2, 3):
        rc, out = sh("bash -c 'source %s; stack_db_sql %s/node%d -N -B' <<'EOF'\n"
                     "SHOW GLOBAL STATUS LIKE 'wsrep_local_cert_failures'\nEOF" % (LIB, CLUSTER_DIR, n))
        check(rc == 0 and out.split(), "wsrep_local_cert_failures of node %d: %s" % (n, out[-300:]))
        total += int(out.split()[-1])
    return total


@test
def test_events_of_one_service_user_through_three_nodes_do_not_conflict():
    """Events without an idempotency key share no unique key value (sql/005),
    so taking them through three nodes at once costs no certification
    failure; with a key, the same key twice is still one event."""
    check(CLUSTER_DIR, "CLUSTER_DIR must be set")
    svc = make_user(lambda a: ctl(a), "cl_evsvc_%s" % RUN, service=True)
    u = make_user(lambda a: ctl(a), "cl_evnohook_%s" % RUN)     # no webhook: no deliveries
    body = {"api_template": SEED, "user": u.name, "data": {"x": 1}}
    before = cert_failures()
    with concurrent.futures.ThreadPoolExecutor(6) as ex:
        codes = collections.Counter(f.result()[0] for f in [
            ex.submit(fcgi, 1 + k % 3, "POST", V1 + "/events/", svc.token, body) for k in range(300)])
    failures = cert_failures() - before
    check(codes == {202: 300}, "answers: %s" % dict(codes))
    check(failures == 0, "%d certification failures for 300 events through three nodes" % failures)
    keyed = dict(body, idempotency_key="same-%s" % RUN)
    with concurrent.futures.ThreadPoolExecutor(6) as ex:
        got = [f.result() for f in [ex.submit(fcgi, 1 + k % 3, "POST", V1 + "/events/", svc.token, keyed)
                                    for k in range(6)]]
    check(all(st == 202 for st, _ in got), "keyed answers: %s" % [st for st, _ in got])
    check(len({b["id"] for _, b in got}) == 1, "one key, several events: %s" % {b["id"] for _, b in got})


@test
def test_faults_ran_as_scheduled():
    run = scenario()
    check(not run.errors, "; ".join(run.errors))
    for k in ("db killed", "db start", "db synced", "dispatcher killed"):
        check(k in run.marks, "no mark %r: %s" % (k, run.errors))
    check(run.marks["dispatcher killed"] < run.t_end, "the dispatcher was killed after the load")
    check("killed" in run.fault_out["db-kill"], "db-kill said: %s" % run.fault_out["db-kill"][-300:])
    check("killed" in run.fault_out["dispatcher-kill"],
          "dispatcher-kill said: %s" % run.fault_out["dispatcher-kill"][-300:])


@test
def test_killed_node_rejoined_by_ist():
    run = scenario()
    out = run.fault_out.get("db-start", "")
    check("synced" in out, "db-start: %s" % out[-400:])
    check("recovered position" in out, "the node did not recover its position (an SST, not IST): %s" % out[-400:])
    print("# node %d back in %.1f s after its start" % (
        KILLED_NODE, run.marks["db synced"] - run.marks["db start"]))


@test
def test_ledger_offered_balances():
    L = scenario().ledger
    check(L["offered"] == int(LOAD_S * EVENT_RATE), "offered %d of %d scheduled" % (
        L["offered"], int(LOAD_S * EVENT_RATE)))
    check(L["offered"] == L["accepted"] + L["refused"], "offered %(offered)d != accepted %(accepted)d "
          "+ refused %(refused)d" % L)


@test
def test_ledger_accepted_balances():
    run = scenario()
    L = run.ledger
    check(L["lost"] == 0, "%d accepted event(s) neither delivered, failed nor pending: %s" % (
        L["lost"], sorted(run.lost)[:10]))
    check(L["accepted"] == L["delivered"] + L["failed"] + L["pending"], "accepted %(accepted)d != "
          "delivered %(delivered)d + failed %(failed)d + pending %(pending)d" % L)


@test
def test_every_accepted_event_delivered():
    run = scenario()
    L = run.ledger
    check(L["accepted"] > 0.8 * L["offered"], "only %(accepted)d of %(offered)d accepted" % L)
    check(L["delivered"] == L["accepted"], "%d of %d accepted events never reached the receiver "
          "(failed %d, pending %d at the cut-off)" % (L["accepted"] - L["delivered"], L["accepted"],
                                                      L["failed"], L["pending"]))


@test
def test_deliveries_signed_and_recorded():
    run = scenario()
    bad = [r for v in run.received.values() for r in v if r.verified is not True]
    check(not bad, "%d deliveries did not verify: %r" % (len(bad), bad[:3]))
    unrecorded = [i for i in run.received if run.db.get(i, ("",))[0] != "succeeded"]
    check(not unrecorded, "%d delivered events not recorded as succeeded: %s" % (
        len(unrecorded), [(i, run.db.get(i)) for i in unrecorded[:5]]))


@test
def test_duplicates_only_as_redeliveries():
    """A duplicate is a resend after a lease or a lost record, never two
    copies in flight at once (both claims of one delivery committed)."""
    run = scenario()
    overlap = []
    for i in run.dups:
        ts = sorted(r.t for r in run.received[i])
        gaps = [b - a for a, b in zip(ts, ts[1:])]
        if min(gaps) < 0.5:
            overlap.append((i, ["%.3f" % g for g in gaps]))
    print("# duplicates: %d extra deliveries of %d events (at least once: the killed "
          "dispatcher's claims came back after their lease)" % (
              run.ledger["duplicates"], run.ledger["dup_events"]))
    check(not overlap, "copies of one event less than 0.5 s apart (sent twice at once?): %s" % overlap[:5])


@test
def test_api_answers_within_5s_of_the_kill():
    run = scenario()
    k = run.marks["db killed"]
    late = [(round(t - k, 2), op, st) for t, _, op, st in run.api
            if t >= k + RECOVERY_S and not (st is not None and 200 <= st < 300)]
    late_ev = [(round(t - k, 2), st) for t, st in run.refused_at if t >= k + RECOVERY_S]
    first_ok = min([d for t, d, op, st in run.api if t >= k and st and 200 <= st < 300] or [float("inf")])
    during = sum(1 for t, _, _, st in run.api if k <= t < k + RECOVERY_S and not (st and 200 <= st < 300))
    print("# API: first success %.2f s after the kill; %d failed requests in the first %.0f s; "
          "%d requests in all" % (first_ok - k, during, RECOVERY_S, len(run.api)))
    check(first_ok - k <= RECOVERY_S, "no API success within %.0f s of the kill" % RECOVERY_S)
    check(not late, "API failures more than %.0f s after the kill: %s" % (RECOVERY_S, late[:8]))
    check(not late_ev, "events refused more than %.0f s after the kill: %s" % (RECOVERY_S, late_ev[:8]))


@test
def test_cluster_whole_after_the_faults():
    scenario()
    out = cluster("status")
    for n in (1, 2, 3):
        line = [ln for ln in out.splitlines() if ln.startswith("node %d:" % n)]
        check(line and "Synced, cluster size 3" in line[0], "node %d: %s" % (n, line))
        check("webhookd running" in line[0], "node %d webhookd: %s" % (n, line))
        want = "dispatcher stopped" if n == KILLED_DISPATCHER else "dispatcher running"
        check(want in line[0], "node %d: %s" % (n, line))


@test
def test_every_table_has_a_primary_key_and_innodb():
    rows = sql("SELECT t.table_name, t.engine, (SELECT COUNT(*) FROM information_schema.table_constraints c "
               "WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name "
               "AND c.constraint_type = 'PRIMARY KEY') FROM information_schema.tables t "
               "WHERE t.table_schema = DATABASE() AND t.table_type = 'BASE TABLE'")
    check(len(rows) >= 7, "tables: %r" % rows)
    bad = [r for r in rows if r[1] != "InnoDB" or r[2] != "1"]
    check(not bad, "tables without InnoDB or a primary key: %r" % bad)


def main(argv):
    return run_suite(TESTS, argv, __doc__, lambda n, total: [
        "%s; %d of %d tests; %.0f s of load at %.0f events/s; run id %s" % (
            BASE_URL, n, total, LOAD_S, EVENT_RATE, RUN)], last=lambda: None)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
