#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""cluster_load.py: events at a fixed arrival rate, end to end, for
contrib/bench.sh --cluster.

    cluster_load.py --base-url URL --ctl "webhookctl -c CONF" \\
        --profile normal|slow|failing --rate R --seconds S [--ports N]

Starts a receiver on N loopback ports (default 8: the dispatcher's per-host
limit applies per host:port), makes a service user and 16 users whose
webhooks (with secrets) point at it, then sends R events a second for S
seconds, each at its scheduled time from a pool of sender threads (an open
loop: a slow answer delays no other send).  Each event's data carries its
scheduled wall-clock time; the receiver notes when each request reached it,
so the latency is (arrival at the receiver - scheduled send time): a client
that falls behind cannot hide it.  Profiles: normal (204 at once), slow (204
after 100 ms), failing (500: every attempt fails and is retried on the
schedule).  Prints one line:

    RESULT profile=P rate=R offered=N accepted=N delivered=N p50_ms=X
           p99_ms=X max_ms=X deliveries_per_s=X send_lag_p99_ms=X

delivered counts events whose first attempt arrived within 30 s of the
end of the load; deliveries_per_s is first attempts over the time from the
first scheduled send to the last arrival; send_lag is how late the client
sent (for the reader, not subtracted).  Python 3 standard library only.
"""
import argparse
import http.client
import http.server
import json
import math
import socketserver
import subprocess
import sys
import threading
import time
import uuid

SLOW_S = 0.100
USERS = 16
SENDERS = 48


def pct(vals, p):
    if not vals:
        return float("nan")
    k = max(0, min(len(vals) - 1, math.ceil(p / 100.0 * len(vals)) - 1))
    return vals[k]


class Rx:
    def __init__(self):
        self.lock = threading.Lock()
        self.first = {}         # event id -> (arrival wall time, scheduled time)
        self.attempts = 0


def make_handler(rx):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_POST(self):
            t = time.time()
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n)
            wid = self.headers.get("webhook-id", "")
            try:
                sched = json.loads(body)["data"]["t"]
            except (ValueError, KeyError, TypeError):
                sched = None
            with rx.lock:
                rx.attempts += 1
                if wid and wid not in rx.first and sched is not None:
                    rx.first[wid] = (t, sched)
            if self.path.startswith("/slow"):
                time.sleep(SLOW_S)
            code = 500 if self.path.startswith("/failing") else 204
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()
    return H


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True


def ctl(prefix, args):
    out = subprocess.run("%s %s" % (prefix, args), shell=True, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("webhookctl %s: %s" % (args, out.stderr.strip()))
    return out.stdout.strip()


def api(host, port, method, path, token, body):
    c = http.client.HTTPConnection(host, port, timeout=30)
    try:
        c.request(method, path, json.dumps(body), {"Authorization": "Bearer " + token,
                                                   "Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        return r.status, data
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--profile", choices=("normal", "slow", "failing"), required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--ports", type=int, default=8)
    ap.add_argument("--template", default="assignment_evaluation_student_answer_sheet_extraction")
    ap.add_argument("--template-id", default="488f4644-057d-41e7-9a74-72c040602647")
    a = ap.parse_args()
    u = a.base_url.split("//", 1)[1].rstrip("/")
    host, port = u.split(":")[0], int(u.split(":")[1]) if ":" in u else 80

    rx = Rx()
    servers = [Server(("127.0.0.1", 0), make_handler(rx)) for _ in range(a.ports)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    run = uuid.uuid4().hex[:8]
    svc = "bc_svc_" + run
    ctl(a.ctl, "user add %s" % svc)
    stoken = ctl(a.ctl, "token create %s --service" % svc)
    users = []
    for i in range(USERS):
        name = "bc_%s_%d" % (run, i)
        ctl(a.ctl, "user add %s" % name)
        tok = ctl(a.ctl, "token create %s" % name)
        url = "http://127.0.0.1:%d/%s/%d" % (servers[i % a.ports].server_address[1], a.profile, i)
        st, body = api(host, port, "POST", "/webhooks/v1/webhook/", tok, {
            "api_template": a.template_id, "endpoint_url": url,
            "secret_hash": "whsec_" + "QmVuY2htYXJrU2VjcmV0S2V5MTIzNDU2Nzg5MA=="})
        if st != 201:
            sys.exit("create webhook: %d %s" % (st, body[:200]))
        users.append(name)

    n = int(a.rate * a.seconds)
    interval = 1.0 / a.rate
    start_wall = time.time() + 0.5
    start_mono = time.monotonic() + 0.5
    seq = iter(range(n))
    lock = threading.Lock()
    lags, accepted, refused = [], [0], [0]

    def sender():
        c = None
        while True:
            with lock:
                i = next(seq, None)
            if i is None:
                break
            d = start_mono + i * interval - time.monotonic()
            if d > 0:
                time.sleep(d)
            lag = -d if d < 0 else 0.0
            body = json.dumps({"api_template": a.template, "user": users[i % USERS],
                               "data": {"t": start_wall + i * interval, "i": i}})
            ok = False
            for _ in range(2):      # once more on a connection the server closed
                try:
                    if c is None:
                        c = http.client.HTTPConnection(host, port, timeout=30)
                    c.request("POST", "/webhooks/v1/events/", body,
                              {"Authorization": "Bearer " + stoken, "Content-Type": "application/json"})
                    r = c.getresponse()
                    r.read()
                    ok = r.status == 202
                    if r.getheader("Connection", "").lower() == "close":
                        c.close()
                        c = None
                    break
                except (OSError, http.client.HTTPException):
                    if c is not None:
                        c.close()
                    c = None
            with lock:
                lags.append(lag)
                if ok:
                    accepted[0] += 1
                else:
                    refused[0] += 1
    ts = [threading.Thread(target=sender, daemon=True) for _ in range(SENDERS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    end = time.monotonic()
    deadline = end + 30
    while time.monotonic() < deadline:
        with rx.lock:
            if len(rx.first) >= accepted[0]:
                break
        time.sleep(0.2)
    with rx.lock:
        firsts = list(rx.first.values())
    lat = sorted((t - s) * 1000 for t, s in firsts)
    span = (max(t for t, _ in firsts) - start_wall) if firsts else float("nan")
    lags.sort()
    print("RESULT profile=%s rate=%g offered=%d accepted=%d delivered=%d p50_ms=%.1f p99_ms=%.1f "
          "max_ms=%.1f deliveries_per_s=%.0f send_lag_p99_ms=%.1f" % (
              a.profile, a.rate, n, accepted[0], len(firsts), pct(lat, 50), pct(lat, 99),
              lat[-1] if lat else float("nan"), len(firsts) / span if span == span and span > 0 else 0,
              pct(lags, 99) * 1000))
    for s in servers:
        s.shutdown()


if __name__ == "__main__":
    main()
