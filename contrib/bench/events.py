#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""events.py: joins the two sides of contrib/bench.sh's dispatcher benchmark.

    events.py join --events FILE --log ACCESS_LOG
        FILE has one line per accepted event, "<event id> <unix time the 202
        arrived>" (written by contrib/bench/events.lua under wrk).  Matches
        each with the first line of the receiver's access log (format
        "$msec $http_webhook_id ...") that has its id (webhook-id is the
        event id) and prints "DELAY key=value ...": the percentiles of
        (received by the receiver - 202 arrived at the client), in
        milliseconds.

Python 3 standard library only.
"""
import argparse
import math
import sys


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    # nearest rank
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100.0 * len(sorted_values)) - 1))
    return sorted_values[k]


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
    j = sub.add_parser("join")
    j.add_argument("--events", required=True)
    j.add_argument("--log", required=True)
    args = ap.parse_args()
    return cmd_join(args)


if __name__ == "__main__":
    sys.exit(main())
