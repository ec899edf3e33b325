#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""events.py: the event side of contrib/bench.sh's dispatcher benchmark.

    events.py send --url API --token SERVICE_TOKEN --template T --user U
                   (--count N | --rate R --seconds S) [--threads 8] [--out FILE]
        POSTs events to API/events/ over keep-alive connections, one per
        thread.  --count: N events as fast as the threads go.  --rate: R
        events a second for S seconds, each request sent at its slot on a
        fixed schedule (t0 + k / R), so a slow answer does not slow the
        offered rate (a request whose slot has passed goes out at once and
        the lag is reported).  --out writes one line per accepted event:
        "<event id> <unix time the 202 arrived>".  Prints one line
        "EVENTS key=value ..." at the end.

    events.py join --events FILE --log ACCESS_LOG
        Matches each event of FILE with the first line of the receiver's
        access log (format "$msec $http_webhook_id ...") that has its id
        (webhook-id is the event id) and prints "DELAY key=value ...": the
        percentiles of (received by the receiver - 202 arrived at the
        client), in milliseconds.

Python 3 standard library only.
"""
import argparse
import http.client
import json
import math
import sys
import threading
import time
import urllib.parse


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    # nearest rank
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100.0 * len(sorted_values)) - 1))
    return sorted_values[k]


class Sender:
    def __init__(self, args):
        u = urllib.parse.urlsplit(args.url.rstrip("/") + "/events/")
        self.host, self.port = u.hostname, u.port or 80
        self.path = u.path
        self.headers = {
            "Authorization": "Bearer " + args.token,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self.template, self.user = args.template, args.user
        self.lock = threading.Lock()
        self.next_k = 0
        self.accepted = []      # (event id, unix time of the 202)
        self.latency = []       # seconds, request sent -> 202 read
        self.lag = []           # seconds a paced request went out after its slot
        self.errors = 0
        self.statuses = {}

    def claim(self, limit):
        with self.lock:
            k = self.next_k
            if k >= limit:
                return None
            self.next_k += 1
            return k

    def post(self, conn, k):
        body = json.dumps({
            "api_template": self.template,
            "user": self.user,
            "data": {"document_id": "bench-%d" % k, "score": k % 20},
        })
        for attempt in (1, 2):
            try:
                t_send = time.time()
                conn.request("POST", self.path, body=body, headers=self.headers)
                resp = conn.getresponse()
                data = resp.read()
                t_done = time.time()
                break
            except (OSError, http.client.HTTPException):
                # nginx closed a kept connection (keepalive_requests): reconnect once.
                conn.close()
                if attempt == 2:
                    with self.lock:
                        self.errors += 1
                    return
        with self.lock:
            self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
            if resp.status == 202:
                try:
                    eid = json.loads(data)["id"]
                except (ValueError, KeyError, TypeError):
                    self.errors += 1
                    return
                self.accepted.append((eid, t_done))
                self.latency.append(t_done - t_send)
            else:
                self.errors += 1

    def run_count(self, n, nthreads):
        def worker():
            conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            while (k := self.claim(n)) is not None:
                self.post(conn, k)
            conn.close()
        return self._run(worker, nthreads)

    def run_paced(self, rate, seconds, nthreads):
        n = int(rate * seconds)
        t0 = time.time() + 0.2

        def worker(i):
            conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            lags = []
            for k in range(i, n, nthreads):
                slot = t0 + k / rate
                now = time.time()
                if slot > now:
                    time.sleep(slot - now)
                else:
                    lags.append(now - slot)
                self.post(conn, k)
            conn.close()
            with self.lock:
                self.lag.extend(lags)
        self._run(worker, nthreads, indexed=True)
        # From the first slot to the last answer.
        return time.time() - t0

    def _run(self, worker, nthreads, indexed=False):
        threads = [threading.Thread(target=worker, args=(i,) if indexed else ())
                   for i in range(nthreads)]
        t = time.time()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        return time.time() - t


def cmd_send(args):
    s = Sender(args)
    if args.count is not None:
        secs = s.run_count(args.count, args.threads)
        offered = 0.0
    else:
        secs = s.run_paced(args.rate, args.seconds, args.threads)
        offered = args.rate
    if args.out:
        with open(args.out, "w") as f:
            for eid, t in s.accepted:
                f.write("%s %.6f\n" % (eid, t))
    lat = sorted(s.latency)
    lag = sorted(s.lag)
    late = sum(1 for x in lag if x > 0.005)
    print("EVENTS accepted=%d errors=%d seconds=%.3f rate=%.1f offered=%.1f "
          "post_p50_ms=%.2f post_p99_ms=%.2f late=%d lag_max_ms=%.1f statuses=%s" % (
              len(s.accepted), s.errors, secs, len(s.accepted) / secs if secs > 0 else 0,
              offered, percentile(lat, 50) * 1000, percentile(lat, 99) * 1000,
              late, (lag[-1] * 1000) if lag else 0.0,
              ",".join("%d:%d" % kv for kv in sorted(s.statuses.items())) or "-"))
    return 0 if s.accepted else 1


def cmd_join(args):
    accepted = {}
    with open(args.events) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                accepted[parts[0]] = float(parts[1])
    received = {}
    with open(args.log, errors="replace") as f:
        for line in f:
            parts = line.split(" ", 2)
            if len(parts) >= 2 and parts[1] in accepted and parts[1] not in received:
                try:
                    received[parts[1]] = float(parts[0])
                except ValueError:
                    pass
    delays = sorted((received[e] - accepted[e]) * 1000 for e in received)
    print("DELAY events=%d matched=%d missing=%d p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f "
          "max_ms=%.1f min_ms=%.1f" % (
              len(accepted), len(delays), len(accepted) - len(delays),
              percentile(delays, 50), percentile(delays, 90), percentile(delays, 99),
              delays[-1] if delays else float("nan"), delays[0] if delays else float("nan")))
    return 0 if delays else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--url", required=True, help="API base, e.g. http://127.0.0.1:8080/webhooks/v1")
    s.add_argument("--token", required=True)
    s.add_argument("--template", required=True)
    s.add_argument("--user", required=True)
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--count", type=int)
    g.add_argument("--rate", type=float)
    s.add_argument("--seconds", type=float, default=10)
    s.add_argument("--threads", type=int, default=8)
    s.add_argument("--out")
    j = sub.add_parser("join")
    j.add_argument("--events", required=True)
    j.add_argument("--log", required=True)
    args = ap.parse_args()
    return cmd_send(args) if args.cmd == "send" else cmd_join(args)


if __name__ == "__main__":
    sys.exit(main())
