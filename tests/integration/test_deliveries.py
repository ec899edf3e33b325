#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Integration tests for webhook DELIVERIES (issue 3): events in, signed POSTs out,
retries, auto-disable, the delivery log, test/redeliver, the dispatcher's crash
safety, its metrics and its connect-time address check.

A receiver (tests/integration/receiver.py) runs in this process on 127.0.0.1 and
records what it gets; the suite starts and stops its own webhook-dispatcher
processes, each with a COPY of the service's config (same database, key file and
dispatcher_notify socket) with test settings: retry_jitter 0, a millisecond retry
schedule, disable_after_failures 3, disable_after_ms 0, dispatcher_poll_ms 50ms,
dispatcher_lease_ms 3s and a metrics port of its own.  No other dispatcher may
drain the same database while the suite runs (the first delivery test checks).

Python 3 standard library only.  Configuration (environment):

  BASE_URL       nginx in front of webhookd, whose config has
                 allow_private_endpoints = true      (default http://127.0.0.1:18180)
  WEBHOOKCTL     shell command prefix of the admin CLI with that config, e.g.
                 "build/dev/src/webhookctl -c /tmp/x/webhookd.conf"          (required)
  WEBHOOKD_CONF  that config file (dispatchers get modified copies of it)     (required)
  DISPATCHER     path of the webhook-dispatcher binary                        (required)
  DB_STOP_CMD    shell command stopping the service's MariaDB (returns once stopped)
  DB_START_CMD   shell command starting it again (returns once it answers);
                 without them the database restart test FAILS (it is not skipped)
  DB_SQL_CMD     shell command running the SQL on its standard input in the
                 service's database (the tests that plant a stored value no API
                 call can make FAIL without it)
  STATE_DIR      scratch directory for the dispatchers' configs and logs
                 (dispatcher-NN-LABEL.conf / .log; default: a new temporary dir)
  METRICS_PORT   first TCP port tried for the dispatchers' metrics (default 19500)

Usage:  python3 tests/integration/test_deliveries.py [-k SUBSTRING]... [--list]

Output: one "ok - NAME" or "not ok - NAME: REASON" line per test (details follow as
"#" lines), then exactly one "N passed, N failed" line.  Exit status 1 if any test
failed.

Choices of the service the tests follow (where the contract leaves room):
- A delivery gets 1 + as many attempts as the dispatcher's retry_schedule has
  steps, which also gives the delays.  The dispatchers here get as many steps
  as WEBHOOKD_CONF's retry_schedule has (default 7): 300ms, 800ms, then 200ms.
- A receiver that reads the request and closes the connection without an answer
  is error_class "connect"; more than 1 MiB of response body is "too_large".
- timings.connect_ms is null when the dispatcher reused a kept-alive connection.
- Test deliveries and redeliveries are "manual": sent to disabled webhooks too,
  shown in last_delivery, never counted in consecutive_failures or auto-disable.
  A test delivery follows the retry schedule like any other.

Each test uses users of its own; the webhooks it creates are deleted after it
(which cancels their pending deliveries), and the dispatchers it started are
stopped; every dispatcher is stopped at the end (SIGKILL after 20 s).
"""

import base64
import concurrent.futures
import hashlib
import hmac
import http.client
import itertools
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openapi_check  # noqa: E402 -- beside this file; raises ImportError without jsonschema
from harness import (  # noqa: E402 -- beside this file
    each as _each, fixture, make_user, registry, run_ctl, run_suite, sh, wait_for,
    _conf_key, _conf_lines, conf_get, MISSING, Fail, NoResponse, User, _trunc, check, http_exchange, media_type, parse_ts)

OPENAPI_PROBLEMS = []   # (method, target, status, problem): responses unlike doc/openapi.json
_openapi_lock = threading.Lock()
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import receiver as rxmod  # noqa: E402

# --------------------------------------------------------------------------- config

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:18180").strip().rstrip("/")
_base = urllib.parse.urlsplit(BASE_URL)
SCHEME = (_base.scheme or "http").lower()
HOST = _base.hostname or "127.0.0.1"
PORT = _base.port or (443 if SCHEME == "https" else 80)
HOST_HEADER = _base.netloc or HOST
WEBHOOKCTL = os.environ.get("WEBHOOKCTL", "").strip()
WEBHOOKD_CONF = os.environ.get("WEBHOOKD_CONF", "").strip()
DISPATCHER = os.environ.get("DISPATCHER", "").strip()
DB_STOP_CMD = os.environ.get("DB_STOP_CMD", "").strip()
DB_START_CMD = os.environ.get("DB_START_CMD", "").strip()
DB_SQL_CMD = os.environ.get("DB_SQL_CMD", "").strip()
STATE_DIR = os.environ.get("STATE_DIR", "").strip()
try:
    METRICS_PORT = int(os.environ.get("METRICS_PORT", "") or 19500)
except ValueError:
    METRICS_PORT = 19500

V1 = "/webhooks/v1"
WEBHOOKS = V1 + "/webhook/"
TEMPLATES = V1 + "/templates/"
EVENTS = V1 + "/events/"
HEALTH = V1 + "/health/"

SEED_ID = "488f4644-057d-41e7-9a74-72c040602647"
SEED_NAMES = [
    "assignment_evaluation_student_answer_sheet_extraction",
    "assignment_evaluation_question_paper_extraction",
    "assignment_evaluation_grading_report",
]

RUN = "%d_%d" % (os.getpid(), int(time.time()))
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
DELIVERY_KEYS = {"id", "event_id", "event_type", "status", "attempts", "response_code", "error",
                 "duration_ms", "created_at", "last_attempt_at", "next_attempt_at"}
ATTEMPT_KEYS = {"at", "response_code", "error_class", "error", "duration_ms", "timings",
                "response_excerpt"}
TIMING_KEYS = {"dns_ms", "connect_ms", "tls_ms", "first_byte_ms"}
ERROR_CLASSES = {None, "dns", "connect", "tls", "timeout", "http_status", "refused_address",
                 "too_large"}
STATUSES = {"pending", "succeeded", "failed", "cancelled"}
MAX_EVENT_BODY = 256 * 1024
MAX_ATTEMPT_LOG = 100       # attempt_log holds the newest 100 attempts

_lock = threading.RLock()
_tls = threading.local()


def each(cases, fn):
    """harness.each, naming this suite's last exchange when a case fails."""
    return _each(cases, fn, last=lambda: getattr(_tls, "last", None))


def _service_steps():
    """Steps of webhookd's retry_schedule (a delivery gets 1 + this many attempts)."""
    if not WEBHOOKD_CONF or not os.path.isfile(WEBHOOKD_CONF):
        return 7
    v = conf_get(WEBHOOKD_CONF, "retry_schedule")
    if v is None:
        return 7            # the default 5s,5m,30m,2h,5h,10h,10h
    v = v.split("#", 1)[0].strip()
    return 0 if not v else len([s for s in v.split(",")])


N_STEPS = _service_steps()
ATTEMPTS = 1 + N_STEPS


def schedule(first, pad):
    """A dispatcher schedule of N_STEPS steps (ms): `first`, then `pad` steps."""
    return (list(first) + [pad] * N_STEPS)[:N_STEPS]


def schedule_str(steps):
    return ",".join("%dms" % s for s in steps)


FAST = schedule([300, 800], 200)         # the suite's usual schedule
FAST_TOTAL = sum(FAST) / 1000.0          # seconds from the first to the last attempt

# How much later than its step a retry may arrive.  Never earlier than the step
# (minus EARLY_MS of clock granularity); later by up to dispatcher_poll_ms (50 ms
# here) by design, plus the machine's scheduling: under ASan on a busy CI machine
# one step of 200 ms once took 434 ms.  The schedules below keep a longer step
# where a shorter one is expected (and the reverse) outside this window, so the
# check still tells the steps apart.
EARLY_MS = 50
LATE_MS = 400

BASE_SETTINGS = {
    "retry_schedule": schedule_str(FAST),
    "retry_jitter": "0",
    "disable_after_failures": "3",
    "disable_after_ms": "0",
    "dispatcher_poll_ms": "50ms",
    "dispatcher_lease_ms": "3s",
    "dispatcher_concurrency": "64",
    "dispatcher_batch": "64",
    "connect_timeout_ms": "2s",
    "delivery_timeout_ms": "5s",
    "allow_private_endpoints": "true",
    "log_level": "info",
}

# ------------------------------------------------------------------ HTTP client


def exchange(method, target, headers=(), body=None, *, timeout=15.0):
    """harness.http_exchange to stack B, checking the response against OpenAPI."""
    r = http_exchange((SCHEME, HOST, PORT, HOST_HEADER), method, target, headers, body, timeout=timeout)
    _tls.last = r
    found = openapi_check.check(method, target, r.status, r.headers, r.body)
    if found:
        with _openapi_lock:
            OPENAPI_PROBLEMS.extend((method, target[:160], r.status, p) for p in found)
    return r


def api(method, path, who=None, *, json_body=MISSING, body=None, ctype=MISSING, timeout=15.0,
        throttle_retries=40):
    """who: a User or a token.  nginx's 429 (rate limit: the request never reached
    the service) is retried after its Retry-After."""
    hdrs = []
    tok = who.token if isinstance(who, User) else who
    if tok is not None:
        hdrs.append(("Authorization", "Bearer " + tok))
    if json_body is not MISSING:
        body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
    if ctype is MISSING:
        ctype = "application/json" if body is not None else None
    if ctype is not None:
        hdrs.append(("Content-Type", ctype))
    for _ in range(throttle_retries):
        r = exchange(method, path, hdrs, body, timeout=timeout)
        if r.status == 429 and isinstance(r.json, dict) and r.json.get("code") == "throttled":
            time.sleep(1.0)
            continue
        return r
    return r


def expect(r, status):
    ok = r.status == status if isinstance(status, int) else r.status in status
    check(ok, "expected HTTP %s, got %s" % (status, r.status), r)
    check(media_type(r) == "application/json",
          "expected Content-Type application/json, got %r" % r.header("Content-Type"), r)
    check(r.json is not None, "body is not valid JSON", r)
    return r.json


def expect_error(r, status, code, fields=None):
    b = expect(r, status)
    check(isinstance(b, dict) and b.get("code") == code,
          "expected code %r, got %r" % (code, b.get("code") if isinstance(b, dict) else b), r)
    check(isinstance(b.get("detail"), str) and b["detail"].strip(), "error without a 'detail'", r)
    if code == "invalid":
        errs = b.get("errors")
        check(isinstance(errs, dict) and errs, "400 invalid without an 'errors' object", r)
        if fields is not None:
            check(set(errs) == set(fields), "expected errors for exactly %s, got %s" % (
                sorted(fields), sorted(errs)), r)
    return b


# ------------------------------------------------------------------ CLI, users

def require(*names):
    env = {"WEBHOOKCTL": WEBHOOKCTL, "WEBHOOKD_CONF": WEBHOOKD_CONF, "DISPATCHER": DISPATCHER,
           "DB_STOP_CMD": DB_STOP_CMD, "DB_START_CMD": DB_START_CMD, "DB_SQL_CMD": DB_SQL_CMD}
    for n in names:
        check(env[n], "%s is not set (see the usage at the top of %s)" % (n, sys.argv[0]))
    if "WEBHOOKD_CONF" in names:
        check(os.path.isfile(WEBHOOKD_CONF), "WEBHOOKD_CONF=%s is not a file" % WEBHOOKD_CONF)


def ctl(args, timeout=60):
    """webhookctl ARGS; its standard output."""
    require("WEBHOOKCTL")
    return run_ctl(WEBHOOKCTL, args, timeout)


def sql(text, timeout=60):
    """Runs SQL in the service's database (DB_SQL_CMD); returns its output."""
    require("DB_SQL_CMD")
    p = subprocess.run(DB_SQL_CMD, shell=True, input=text, capture_output=True, text=True, timeout=timeout)
    check(p.returncode == 0, "DB_SQL_CMD exited %d on %r: %s" % (p.returncode, _trunc(text, 200),
                                                                 (p.stderr or p.stdout).strip()[:600]))
    return p.stdout


_ucount = itertools.count()


def new_user(tag, service=False):
    return make_user(ctl, "itd_%s_%s_%d" % (tag, RUN, next(_ucount)), service)


def new_service(tag="svc"):
    return new_user(tag, service=True)


def all_templates(who):
    r = api("GET", TEMPLATES + "?page_size=100", who)
    b = expect(r, 200)
    out = list(b["results"])
    for _ in range(100):
        if not b.get("next"):
            break
        s = urllib.parse.urlsplit(b["next"])
        r = api("GET", s.path + "?" + s.query, who)
        b = expect(r, 200)
        out.extend(b["results"])
    return out


@fixture
def templates():
    """The three seeded templates in SEED_NAMES order (T()[0..2])."""
    have = {t["name"]: t for t in all_templates(new_user("tpl"))}
    for n in SEED_NAMES:
        check(n in have, "seeded template %s is not listed" % n)
    return [have[n] for n in SEED_NAMES]


# ------------------------------------------------------------------ receiver

RX = None
_pcount = itertools.count(1)


def receiver():
    global RX
    with _lock:
        if RX is None:
            RX = rxmod.Receiver().start()
        return RX


def prefix():
    """A path prefix of its own for one webhook."""
    return "/d%s/%d/" % (RUN, next(_pcount))


# ------------------------------------------------------------------ webhooks, events

CLEANUP = []        # (user, webhook id) deleted after the test (cancels pending deliveries)


class Hook:
    def __init__(self, user, obj, prefix, url, secret):
        self.user, self.obj, self.prefix, self.url, self.secret = user, obj, prefix, url, secret
        self.id = obj["id"]
        self.template = obj["api_template"]

    def __repr__(self):
        return "Hook(%s %s)" % (self.id, self.url)

    def path(self, tail=""):
        return WEBHOOKS + self.id + "/" + tail

    def get(self):
        r = api("GET", self.path(), self.user)
        return expect(r, 200)

    def reqs(self):
        return receiver().requests(prefix=self.prefix)


def make_hook(user, template, route="ok", *, secret=None, url=None, keep=False, status=None):
    """A webhook of user for template whose endpoint is the receiver's
    <prefix><route> (or url); its secret is registered with the receiver."""
    rx = receiver()
    p = prefix()
    url = url or rx.url(p + route)
    body = {"api_template": template["id"], "endpoint_url": url}
    if secret is not None:
        body["secret_hash"] = secret
    if status is not None:
        body["status"] = status
    r = api("POST", WEBHOOKS, user, json_body=body)
    b = expect(r, 201)
    check(isinstance(b, dict) and isinstance(b.get("id"), str), "create answered no id", r)
    if not keep:
        CLEANUP.append((user, b["id"]))
    rx.set_secrets(b["id"], [secret] if secret is not None else [])
    return Hook(user, b, p, url, secret)


def patch(hook, body, status=200):
    r = api("PATCH", hook.path(), hook.user, json_body=body)
    return expect(r, status)


def emit(svc, user, template, data=MISSING, *, key=None, deliveries=None, by_name=False):
    """POST /events/; returns the event id (after checking the 202 answer)."""
    if data is MISSING:
        data = {"document": "doc-%s" % uuid.uuid4(), "score": 7, "nested": {"ok": True, "list": [1, "two"]}}
    body = {"api_template": template["name"] if by_name else template["id"],
            "user": user.name if isinstance(user, User) else user, "data": data}
    if key is not None:
        body["idempotency_key"] = key
    r = api("POST", EVENTS, svc, json_body=body)
    b = expect(r, 202)
    check(isinstance(b, dict) and set(b) == {"id", "deliveries"},
          "expected exactly {\"id\", \"deliveries\"}, got %r" % (b,), r)
    check(isinstance(b["id"], str) and UUID_RE.match(b["id"]), "event id %r is not a UUID" % (b["id"],), r)
    check(b["deliveries"] in (0, 1) and not isinstance(b["deliveries"], bool),
          "deliveries is %r, expected 0 or 1" % (b["deliveries"],), r)
    if deliveries is not None:
        check(b["deliveries"] == deliveries, "expected deliveries %d, got %r" % (deliveries, b["deliveries"]), r)
    return b["id"]


def emit_many(svc, user, template, n, *, threads=8, key_prefix=None, data=None):
    """n events, `threads` at a time; returns their ids in submission order."""
    out = [None] * n
    errors = []

    def one(i):
        try:
            out[i] = emit(svc, user, template, data if data is not None else {"i": i},
                          key=("%s-%d" % (key_prefix, i)) if key_prefix else None, deliveries=1)
        except (Fail, NoResponse) as e:
            errors.append("event %d: %s" % (i, e))
    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        list(ex.map(one, range(n)))
    check(not errors, "%d of %d events were not accepted: %s" % (len(errors), n, "; ".join(errors[:3])))
    return out


def check_delivery(d, r=None, detail=False):
    check(isinstance(d, dict), "delivery is not an object", r)
    want = DELIVERY_KEYS | ({"attempt_log"} if detail else set())
    check(set(d) == want, "delivery keys are %s, expected %s" % (sorted(d), sorted(want)), r)
    check(UUID_RE.match(str(d["id"])) and UUID_RE.match(str(d["event_id"])), "ids are not UUIDs: %r" % d, r)
    check(d["status"] in STATUSES, "status %r" % d["status"], r)
    check(isinstance(d["attempts"], int) and d["attempts"] >= 0, "attempts %r" % d["attempts"], r)
    check(isinstance(d["created_at"], str) and TS_RE.match(d["created_at"]), "created_at %r" % d["created_at"], r)
    for k in ("last_attempt_at", "next_attempt_at"):
        check(d[k] is None or (isinstance(d[k], str) and TS_RE.match(d[k])), "%s %r" % (k, d[k]), r)
    check(d["response_code"] is None or isinstance(d["response_code"], int), "response_code %r" % d["response_code"], r)
    check(d["duration_ms"] is None or isinstance(d["duration_ms"], int), "duration_ms %r" % d["duration_ms"], r)
    check(d["error"] is None or isinstance(d["error"], str), "error %r" % d["error"], r)
    if d["attempts"] == 0:
        check(d["last_attempt_at"] is None, "no attempt yet but last_attempt_at %r" % d["last_attempt_at"], r)
    else:
        check(d["last_attempt_at"] is not None, "%d attempts but last_attempt_at null" % d["attempts"], r)
    if d["status"] in ("succeeded", "failed", "cancelled"):
        check(d["next_attempt_at"] is None, "%s delivery with next_attempt_at %r" % (d["status"], d["next_attempt_at"]), r)
    if d["status"] == "succeeded":
        check(d["error"] is None and isinstance(d["response_code"], int) and 200 <= d["response_code"] < 300,
              "succeeded with error %r / response_code %r" % (d["error"], d["response_code"]), r)
    if detail:
        log = d["attempt_log"]
        check(isinstance(log, list) and len(log) == min(d["attempts"], MAX_ATTEMPT_LOG),
              "attempt_log has %s entries, attempts is %r (the log holds the newest %d)" % (
                  len(log) if isinstance(log, list) else log, d["attempts"], MAX_ATTEMPT_LOG), r)
        prev = None
        for a in log:
            check(isinstance(a, dict) and set(a) == ATTEMPT_KEYS,
                  "attempt keys %s, expected %s" % (sorted(a) if isinstance(a, dict) else a, sorted(ATTEMPT_KEYS)), r)
            check(isinstance(a["at"], str) and TS_RE.match(a["at"]), "attempt at %r" % a["at"], r)
            check(prev is None or a["at"] >= prev, "attempt_log is not oldest first", r)
            prev = a["at"]
            check(a["error_class"] in ERROR_CLASSES, "error_class %r" % a["error_class"], r)
            check(isinstance(a["duration_ms"], int) and a["duration_ms"] >= 0, "duration_ms %r" % a["duration_ms"], r)
            t = a["timings"]
            check(isinstance(t, dict) and set(t) == TIMING_KEYS, "timings %r" % (t,), r)
            for k in TIMING_KEYS:
                check(t[k] is None or (isinstance(t[k], int) and t[k] >= 0), "timings.%s %r" % (k, t[k]), r)
            ex = a["response_excerpt"]
            check(ex is None or (isinstance(ex, str) and len(ex.encode("utf-8")) <= 1024),
                  "response_excerpt is not null or a string of at most 1 KiB: %d bytes" % (
                      len(ex.encode("utf-8")) if isinstance(ex, str) else -1), r)
            if a["error_class"] is None:
                check(isinstance(a["response_code"], int) and 200 <= a["response_code"] < 300 and a["error"] is None,
                      "a successful attempt with response_code %r error %r" % (a["response_code"], a["error"]), r)
            else:
                check(isinstance(a["error"], str) and a["error"], "a failed attempt without an error message", r)
            if a["error_class"] == "http_status":
                check(isinstance(a["response_code"], int) and not (200 <= a["response_code"] < 300),
                      "http_status with response_code %r" % a["response_code"], r)
    return d


def list_page(hook, query=""):
    r = api("GET", hook.path("deliveries/") + query, hook.user)
    b = expect(r, 200)
    check(isinstance(b, dict) and set(b) == {"next", "results"},
          "expected exactly {\"next\", \"results\"}, got keys %s" % (sorted(b) if isinstance(b, dict) else b), r)
    check(isinstance(b["results"], list), "results is not a list", r)
    for d in b["results"]:
        check_delivery(d, r)
    return b, r


def follow(url, who):
    s = urllib.parse.urlsplit(url)
    return api("GET", s.path + ("?" + s.query if s.query else ""), who)


def all_deliveries(hook, limit=100, max_pages=100):
    b, r = list_page(hook, "?limit=%d" % limit)
    out = list(b["results"])
    pages = 1
    while b["next"]:
        pages += 1
        check(pages <= max_pages, "more than %d pages" % max_pages, r)
        r = follow(b["next"], hook.user)
        b = expect(r, 200)
        out.extend(b["results"])
    return out


def delivery_of(hook, event_id):
    """The delivery (list form) of event_id on hook, or None."""
    for d in all_deliveries(hook):
        if d["event_id"] == event_id:
            return d
    return None


def detail(hook, delivery_id):
    r = api("GET", hook.path("deliveries/%s/" % delivery_id), hook.user)
    b = expect(r, 200)
    return check_delivery(b, r, detail=True)


def wait_delivery(hook, event_id, statuses=("succeeded",), timeout=15.0, min_attempts=0):
    """Waits until the delivery of event_id is in one of statuses with at least
    min_attempts attempts; returns it (list form)."""
    seen = {}

    def probe():
        d = delivery_of(hook, event_id)
        seen["last"] = None if d is None else "status %s, attempts %s" % (d["status"], d["attempts"])
        if d is not None and d["status"] in statuses and d["attempts"] >= min_attempts:
            return d
        return None
    try:
        return wait_for(probe, timeout, "the delivery of event %s to be %s with >= %d attempts" % (
            event_id, "/".join(statuses), min_attempts))
    except Fail as e:
        raise Fail("%s; last seen: %s" % (str(e).split(" (last:")[0], seen.get("last")))


def wait_attempts(hook, event_id, n, timeout=15.0):
    """Waits until the delivery of event_id has >= n recorded attempts; returns its detail."""
    d = wait_delivery(hook, event_id, statuses=tuple(STATUSES), timeout=timeout, min_attempts=n)
    return detail(hook, d["id"])


def settle(seconds=0.4):
    time.sleep(seconds)


# ------------------------------------------------------------------ dispatchers

_dcount = itertools.count(1)
_ports_used = set()
ALL_DISPATCHERS = []        # every dispatcher started (stopped at the end, whatever happens)
TEST_DISPATCHERS = []       # started by the current test (stopped after it)
MAIN = [None]               # the shared dispatcher with BASE_SETTINGS


def state_dir():
    global STATE_DIR
    with _lock:
        if not STATE_DIR:
            STATE_DIR = tempfile.mkdtemp(prefix="webhookd-deliveries-")
        os.makedirs(STATE_DIR, exist_ok=True)
        return STATE_DIR


def free_port():
    with _lock:
        for p in range(METRICS_PORT, METRICS_PORT + 500):
            if p in _ports_used:
                continue
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", p))
            except OSError:
                continue
            finally:
                s.close()
            _ports_used.add(p)
            return p
    raise Fail("no free TCP port in %d-%d for a dispatcher's metrics" % (METRICS_PORT, METRICS_PORT + 499))


def wait_binary(path, timeout=90):
    """A binary that is briefly missing (the lead rebuilding) is waited for."""
    deadline = time.monotonic() + timeout
    while not (os.path.isfile(path) and os.access(path, os.X_OK)):
        check(time.monotonic() < deadline, "%s is missing or not executable (waited %d s)" % (path, timeout))
        time.sleep(1)


def write_conf(path, settings):
    """A copy of WEBHOOKD_CONF with `settings` replacing (or adding) keys; 0600."""
    require("WEBHOOKD_CONF")
    keep = [ln for ln in _conf_lines(WEBHOOKD_CONF) if _conf_key(ln) not in settings]
    keep.append("# --- test_deliveries.py settings")
    keep.extend("%s = %s" % (k, v) for k, v in settings.items())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(keep) + "\n")


class Dispatcher:
    def __init__(self, label, **overrides):
        self.n = next(_dcount)
        self.label = label
        self.port = free_port()
        self.settings = dict(BASE_SETTINGS)
        self.settings.update({k: str(v) for k, v in overrides.items()})
        self.settings["metrics_listen"] = "127.0.0.1:%d" % self.port
        d = state_dir()
        base = os.path.join(d, "dispatcher-%02d-%s" % (self.n, label))
        self.conf, self.log = base + ".conf", base + ".log"
        write_conf(self.conf, self.settings)
        self.proc = None
        self.rc = None

    def __repr__(self):
        return "dispatcher %d (%s, pid %s)" % (self.n, self.label, self.proc.pid if self.proc else "-")

    def start(self, timeout=30):
        require("DISPATCHER")
        wait_binary(DISPATCHER)
        with open(self.log, "wb") as logf:
            self.proc = subprocess.Popen([DISPATCHER, "-c", self.conf], stdin=subprocess.DEVNULL,
                                         stdout=logf, stderr=logf, close_fds=True)
        with _lock:
            ALL_DISPATCHERS.append(self)
        deadline = time.monotonic() + timeout
        while True:
            rc = self.proc.poll()
            check(rc is None, "%r exited %s at start; log %s:\n%s" % (self, rc, self.log, self.log_tail()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                pass
            check(time.monotonic() < deadline, "%r did not open its metrics port %d in %d s; log:\n%s" % (
                self, self.port, timeout, self.log_tail()))
            time.sleep(0.05)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20):
        """SIGTERM (it finishes in-flight sends), SIGKILL after timeout; the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                self.rc = "SIGKILLed after %d s" % timeout
        elif self.rc is None:
            self.rc = self.proc.returncode
        return self.rc

    def kill9(self):
        self.proc.kill()
        self.proc.wait(10)
        self.rc = "killed"

    def log_text(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=15):
        return "\n".join(self.log_text().splitlines()[-n:])

    def scrape(self, path="/metrics", timeout=5):
        """(status, content-type, text, {metric: value})."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request("GET", path)
            r = c.getresponse()
            text = r.read().decode("utf-8", "replace")
            ctype = r.getheader("Content-Type")
            status = r.status
        finally:
            c.close()
        vals = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            parts = line.rsplit(" ", 1)
            if len(parts) == 2:
                try:
                    vals[parts[0]] = float(parts[1])
                except ValueError:
                    pass
        return status, ctype, text, vals


def main_dispatcher():
    """The shared dispatcher (BASE_SETTINGS), started when not running."""
    with _lock:
        d = MAIN[0]
        if d is not None and d.alive():
            return d
        if d is not None:
            MAIN[0] = None      # the next test starts a new one
            raise Fail("the shared %r has died (exit %s); log:\n%s" % (d, d.proc.returncode, d.log_tail()))
        MAIN[0] = Dispatcher("main").start()
        return MAIN[0]


def stop_all():
    """Stops every running dispatcher (the shared one included)."""
    with _lock:
        ds = [d for d in ALL_DISPATCHERS if d.alive()]
    for d in ds:
        d.stop()
    with _lock:
        if MAIN[0] is not None and not MAIN[0].alive():
            MAIN[0] = None


def solo(label, **overrides):
    """Stops every dispatcher, starts one with these settings for this test."""
    stop_all()
    return extra(label, **overrides)


def extra(label, **overrides):
    d = Dispatcher(label, **overrides)
    TEST_DISPATCHERS.append(d)
    return d.start()


def dispatcher_lines(event_or_delivery_id):
    """The dispatchers' per-attempt log lines naming this id."""
    out = []
    with _lock:
        ds = list(ALL_DISPATCHERS)
    for d in ds:
        for line in d.log_text().splitlines():
            if event_or_delivery_id in line and " attempt " in line:
                out.append(line)
    return out


# ------------------------------------------------------------------------- tests

TESTS, test = registry()


def T():
    return templates()


def emit_raw(svc, body, ctype="application/json"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return api("POST", EVENTS, svc, body=raw, ctype=ctype)


# ---- POST /events/: authentication, validation ---------------------------

@test
def test_events_need_the_service_role():
    u = new_user("plain")
    svc = new_service()
    body = {"api_template": T()[0]["id"], "user": u.name, "data": {}}
    r = api("POST", EVENTS, None, json_body=body)
    expect_error(r, 401, "not_authenticated")
    r = api("POST", EVENTS, "not-a-real-token-%s" % RUN, json_body=body)
    expect_error(r, 401, "authentication_failed")
    r = api("POST", EVENTS, u, json_body=body)
    expect_error(r, 403, "permission_denied")
    emit(svc, u, T()[0], deliveries=0)


@test
def test_events_validation_errors():
    svc = new_service()
    u = new_user("val")
    t = T()[0]
    ok = {"api_template": t["id"], "user": u.name, "data": {"a": 1}}

    def with_(**kw):
        b = dict(ok)
        for k, v in kw.items():
            if v is MISSING:
                b.pop(k, None)
            else:
                b[k] = v
        return b
    cases = [
        (with_(user="itd_nobody_%s" % RUN), ["user"]),
        (with_(user=""), ["user"]),
        (with_(user=5), ["user"]),
        (with_(user=MISSING), ["user"]),
        (with_(api_template="itd_no_such_template_%s" % RUN), ["api_template"]),
        (with_(api_template=str(uuid.uuid4())), ["api_template"]),
        (with_(api_template=None), ["api_template"]),
        (with_(api_template=MISSING), ["api_template"]),
        (with_(data=MISSING), ["data"]),
        (with_(data=None), ["data"]),
        (with_(data=[1, 2]), ["data"]),
        (with_(data="text"), ["data"]),
        (with_(data=3), ["data"]),
        (with_(idempotency_key="has space"), ["idempotency_key"]),
        (with_(idempotency_key="k" * 256), ["idempotency_key"]),
        (with_(idempotency_key=""), ["idempotency_key"]),
        (with_(idempotency_key="tab\there"), ["idempotency_key"]),
        (with_(idempotency_key="del\x7f"), ["idempotency_key"]),
        (with_(idempotency_key="caf\u00e9"), ["idempotency_key"]),
        (with_(idempotency_key=12), ["idempotency_key"]),
        (with_(idempotency_key=None), ["idempotency_key"]),
        (with_(surprise=1), ["surprise"]),
        ({"api_template": "itd_nope", "user": "itd_nope_%s" % RUN, "data": 1, "idempotency_key": " "},
         ["api_template", "user", "data", "idempotency_key"]),
    ]

    def one(c):
        body, fields = c
        expect_error(api("POST", EVENTS, svc, json_body=body), 400, "invalid", fields)
    each(cases, one)
    # a refused request stores nothing under its idempotency key
    key = "refused-%s" % RUN
    expect_error(api("POST", EVENTS, svc, json_body=with_(user="itd_nobody_%s" % RUN, idempotency_key=key)),
                 400, "invalid", ["user"])
    emit(svc, u, t, key=key, deliveries=0)
    for body, ctype, status, code in [
            (b"{not json", "application/json", 400, "parse_error"),
            (b"[1, 2]", "application/json", 400, "parse_error"),
            (b"", "application/json", 400, "parse_error"),
            (json.dumps(ok).encode(), None, 415, "unsupported_media_type"),
            (json.dumps(ok).encode(), "text/plain", 415, "unsupported_media_type")]:
        expect_error(emit_raw(svc, body, ctype), status, code)


@test
def test_events_disabled_template_is_unknown():
    svc = new_service()
    u = new_user("tploff")
    name = "itd_off_%s" % RUN
    ctl("template add %s %s" % (shlex.quote(name), shlex.quote("IT disabled")))
    tpl = [t for t in all_templates(u) if t["name"] == name]
    check(tpl, "the new template %s is not listed" % name)
    emit(svc, u, tpl[0], deliveries=0)
    ctl("template disable %s" % shlex.quote(name))
    for ident in (tpl[0]["id"], name):
        r = api("POST", EVENTS, svc, json_body={"api_template": ident, "user": u.name, "data": {}})
        expect_error(r, 400, "invalid", ["api_template"])


@test
def test_events_replay_answers_after_the_template_is_gone():
    """API.md: the same key from the same service user returns the stored
    answer, whatever the new body says, even when its template has been
    disabled since (a key never seen still gets the 400)."""
    svc = new_service()
    u = new_user("tplgone")
    name = "itd_gone_%s" % RUN
    ctl("template add %s %s" % (shlex.quote(name), shlex.quote("IT replay")))
    tpl = [t for t in all_templates(u) if t["name"] == name]
    check(tpl, "the new template %s is not listed" % name)
    key = "replay-gone-%s" % RUN
    first = emit(svc, u, tpl[0], key=key, deliveries=0)
    ctl("template disable %s" % shlex.quote(name))
    for ident in (tpl[0]["id"], name):
        again = emit(svc, u, {"id": ident, "name": ident}, key=key, data={"other": True})
        check(again == first, "the replay answered event %s, the first was %s" % (again, first))
    r = api("POST", EVENTS, svc, json_body={"api_template": name, "user": u.name, "data": {},
                                            "idempotency_key": key + "-new"})
    expect_error(r, 400, "invalid", ["api_template"])


@test
def test_events_body_size_limit_256k():
    svc = new_service()
    u = new_user("size")
    t = T()[0]

    def body_of(n):
        head = json.dumps({"api_template": t["id"], "user": u.name, "data": {"pad": ""}}).encode()
        # head ends with '""}}': put the padding inside the "pad" string
        i = head.rindex(b'""') + 1
        pad = n - len(head)
        return head[:i] + b"a" * pad + head[i:]
    main_dispatcher()
    h = make_hook(u, t, "ok", secret="big-event-%s" % RUN)
    b = body_of(MAX_EVENT_BODY)
    check(len(b) == MAX_EVENT_BODY, "test bug: %d" % len(b))
    r = emit_raw(svc, b)
    e = expect(r, 202)
    check(e.get("deliveries") == 1, "deliveries %r" % e.get("deliveries"), r)
    # delivered intact and signed
    got = receiver().wait(1, prefix=h.prefix, timeout=8)
    check(got, "the 256 KiB event was not delivered")
    data = got[0].json.get("data") if isinstance(got[0].json, dict) else None
    check(data == json.loads(b)["data"], "the delivered data differs from the event's (%d bytes received)" %
          len(got[0].body))
    check(got[0].verified is True, "the 256 KiB delivery's signature does not verify")
    r = emit_raw(svc, body_of(MAX_EVENT_BODY + 1))
    expect_error(r, 413, "too_large")
    r = emit_raw(svc, body_of(300 * 1024))
    expect_error(r, 413, "too_large")


@test
def test_events_no_delivery_without_an_enabled_webhook():
    svc = new_service()
    u = new_user("zero")
    t0, t1 = T()[0], T()[1]
    emit(svc, u, t0, deliveries=0)                       # no webhook at all
    h = make_hook(u, t0, "ok")
    emit(svc, u, t1, deliveries=0)                       # a webhook, on another template
    patch(h, {"status": "disabled"})
    emit(svc, u, t0, deliveries=0)                       # disabled
    emit(svc, u, t0, deliveries=0, by_name=True)
    patch(h, {"status": "enabled"})
    e = emit(svc, u, t0, deliveries=1)
    r = api("DELETE", h.path(), u)
    check(r.status == 204, "DELETE answered %d" % r.status, r)
    emit(svc, u, t0, deliveries=0)                       # deleted
    other = new_user("zero_other")
    make_hook(other, t0, "ok")
    emit(svc, u, t0, deliveries=0)                       # another user's webhook does not count
    check(e, "no event id")


@test
def test_events_idempotency_key_replay():
    svc, svc2 = new_service(), new_service()
    u = new_user("idem")
    h = make_hook(u, T()[0], "ok")
    main_dispatcher()
    key = "idem-%s-!~%%" % RUN
    e1 = emit(svc, u, T()[0], {"n": 1}, key=key, deliveries=1)
    # the same key from the same service user: the stored answer, whatever the body says
    e2 = emit(svc, u, T()[0], {"n": 2}, key=key, deliveries=1)
    check(e2 == e1, "a replay got a new event id %s (first %s)" % (e2, e1))
    other = new_user("idem_other")
    e3 = emit(svc, other, T()[1], {"n": 3}, key=key, deliveries=1)
    check(e3 == e1, "a replay with another user and template got a new event %s" % e3)
    # the same key from another service user is another event
    e4 = emit(svc2, u, T()[0], {"n": 4}, key=key, deliveries=1)
    check(e4 != e1, "another service user's key %r gave the first service's event" % key)
    # a 255-character key is fine; 8 concurrent first uses of a new key give one event
    long_key = ("L%s" % RUN + "x" * 255)[:255]
    results = []

    def one(_):
        results.append(emit(svc, u, T()[0], {"n": 5}, key=long_key, deliveries=1))
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        list(ex.map(one, range(8)))
    check(len(set(results)) == 1, "8 concurrent posts of one new key gave %d events: %s" % (
        len(set(results)), sorted(set(results))))
    want = {e1, e4, results[0]}
    wait_for(lambda: len([d for d in all_deliveries(h) if d["status"] == "succeeded"]) >= 3, 10,
             "3 deliveries succeeded")
    settle(0.5)
    ds = all_deliveries(h)
    check(sorted(d["event_id"] for d in ds) == sorted(want),
          "expected one delivery per distinct event %s, got %s" % (sorted(want), sorted(d["event_id"] for d in ds)))
    seen = [r.webhook_id for r in h.reqs()]
    check(sorted(seen) == sorted(want), "the receiver got %s, expected each of %s once" % (sorted(seen), sorted(want)))


# ---- what receivers get ---------------------------------------------------

@test
def test_queued_without_a_dispatcher_then_delivered_when_one_starts():
    """Also checks that nothing else drains this database: with the suite's
    dispatchers stopped, an accepted event must stay pending."""
    stop_all()
    svc = new_service()
    u = new_user("queue")
    h = make_hook(u, T()[0], "ok")
    e = emit(svc, u, T()[0], deliveries=1)
    settle(1.5)
    check(not h.reqs(), "the receiver got the event while no dispatcher of the suite ran: another "
          "webhook-dispatcher is draining this database; stop it (the suite needs the queue to itself)")
    d = delivery_of(h, e)
    check(d is not None and d["status"] == "pending" and d["attempts"] == 0 and d["last_attempt_at"] is None,
          "expected the delivery pending with 0 attempts, got %r" % (d,))
    check(d["next_attempt_at"] is not None, "a pending delivery without next_attempt_at: %r" % (d,))
    main_dispatcher()
    got = receiver().wait(1, prefix=h.prefix, timeout=5)
    check(len(got) == 1 and got[0].webhook_id == e, "the queued event was not delivered within 5 s of the "
          "dispatcher's start (got %r)" % got)
    wait_delivery(h, e, timeout=5)


@test
def test_event_reaches_the_right_webhook_only():
    main_dispatcher()
    svc = new_service()
    a, b = new_user("route_a"), new_user("route_b")
    t0, t1 = T()[0], T()[1]
    a0, a1 = make_hook(a, t0, "ok"), make_hook(a, t1, "ok")
    b0 = make_hook(b, t0, "ok")
    data = {"document": "route-%s" % RUN, "pages": [1, 2, 3], "unicode": "\u00e9\u4e2d\U0001F600",
            "nested": {"null": None, "bool": False, "num": 1.5}}
    e1 = emit(svc, a, t0, data, deliveries=1)
    t_accepted, wall_accepted = time.monotonic(), time.time()
    e2 = emit(svc, b, t0, {"for": "b"}, deliveries=1)
    emit(svc, b, t1, {"for": "b, no webhook"}, deliveries=0)
    rx = receiver()
    ga = rx.wait(1, prefix=a0.prefix, timeout=5)
    gb = rx.wait(1, prefix=b0.prefix, timeout=5)
    check(ga and gb, "not delivered within 5 s (a0 got %d, b0 got %d)" % (len(ga), len(gb)))
    latency = ga[0].t - t_accepted
    settle(0.6)
    check([r.webhook_id for r in a0.reqs()] == [e1], "a0 got %r, expected exactly event %s" % (a0.reqs(), e1))
    check([r.webhook_id for r in b0.reqs()] == [e2], "b0 got %r, expected exactly event %s" % (b0.reqs(), e2))
    check(a1.reqs() == [], "a's webhook on another template got %r" % a1.reqs())
    check(latency < 1.0, "the first attempt came %.0f ms after the 202 (expected at once)" % (latency * 1000))

    r = a0.reqs()[0]
    check(r.method == "POST" and r.path == a0.prefix + "ok", "got %s %s" % (r.method, r.target))
    check(isinstance(r.json, dict), "the body is not JSON: %r" % r.body[:200])
    check(set(r.json) == {"type", "timestamp", "webhook", "data"},
          "body keys are %s, expected type, timestamp, webhook, data" % sorted(r.json))
    check(r.json["type"] == t0["name"] + ".completed", "type %r" % r.json["type"])
    check(r.json["webhook"] == a0.id, "webhook %r, expected %s" % (r.json["webhook"], a0.id))
    check(r.json["data"] == data, "data %r, expected %r" % (r.json["data"], data))
    ts = r.json["timestamp"]
    check(isinstance(ts, str) and TS_RE.match(ts), "timestamp %r is not RFC 3339 UTC with microseconds" % (ts,))
    check(abs(parse_ts(ts).timestamp() - wall_accepted) < 60, "timestamp %s is far from now" % ts)
    ctype = (r.headers.get("content-type") or "").split(";")[0].strip().lower()
    check(ctype == "application/json", "Content-Type %r" % r.headers.get("content-type"))
    ua = r.headers.get("user-agent") or ""
    check(re.match(r"^webhookd/\d+\.\d+", ua), "User-Agent %r does not name webhookd and its version" % ua)
    check(r.webhook_id == e1, "webhook-id %r, expected the event id %s" % (r.webhook_id, e1))
    check(r.ts_ok and abs(int(r.timestamp) - r.wall) <= 2,
          "webhook-timestamp %r is not the unix time of the attempt (%.0f)" % (r.timestamp, r.wall))
    check("webhook-signature" not in r.headers, "a webhook without a secret got a signature %r" %
          r.headers.get("webhook-signature"))

    d = wait_delivery(a0, e1, timeout=5)
    check(d["event_type"] == t0["name"] + ".completed" and d["attempts"] == 1 and d["response_code"] == 204
          and d["error"] is None, "delivery %r" % d)
    full = detail(a0, d["id"])
    a = full["attempt_log"][0]
    check(a["error_class"] is None and a["response_code"] == 204, "attempt %r" % a)
    check(a["response_excerpt"] in ("", None), "a 204's excerpt should be empty, got %r" % a["response_excerpt"])
    # connect_ms is null when the dispatcher reused a kept-alive connection
    check(isinstance(a["timings"]["first_byte_ms"], int), "a success without first_byte_ms: %r" % a["timings"])
    check(a["timings"]["tls_ms"] is None, "tls_ms %r for plain http" % a["timings"]["tls_ms"])
    b_page, _ = list_page(a1)
    check(b_page == {"next": None, "results": []}, "the other template's webhook lists %r" % b_page)
    w = a0.get()
    ld = w.get("last_delivery")
    check(isinstance(ld, dict) and set(ld) == {"at", "status", "response_code"} and ld["status"] == "succeeded"
          and ld["response_code"] == 204 and TS_RE.match(str(ld["at"])),
          "last_delivery %r, expected {at, status succeeded, response_code 204}" % (ld,))
    check(w["consecutive_failures"] == 0, "consecutive_failures %r" % w["consecutive_failures"])
    check(b0.get()["last_delivery"]["status"] == "succeeded", "b0's last_delivery")
    check(a1.get()["last_delivery"] is None, "a1 got a last_delivery")


@test
def test_event_by_template_name_and_success_excerpt():
    main_dispatcher()
    svc = new_service()
    u = new_user("byname")
    h = make_hook(u, T()[2], "ok200")
    e = emit(svc, u, T()[2], {"x": 1}, deliveries=1, by_name=True)
    d = wait_delivery(h, e, timeout=8)
    check(d["event_type"] == T()[2]["name"] + ".completed", "event_type %r" % d["event_type"])
    check(d["response_code"] == 200, "response_code %r" % d["response_code"])
    got = h.reqs()
    check(len(got) == 1 and got[0].json["type"] == T()[2]["name"] + ".completed", "received %r" % got)
    a = detail(h, d["id"])["attempt_log"][0]
    check(a["response_excerpt"] == rxmod.OK200_BODY.decode(),
          "response_excerpt %r, expected the receiver's body %r" % (a["response_excerpt"], rxmod.OK200_BODY))


@test
def test_signatures_plain_and_whsec_secrets():
    main_dispatcher()
    svc = new_service()
    u = new_user("sig")
    plain = "plain secret \u2713 %s" % RUN          # non-ASCII: the key is its UTF-8 bytes
    key = os.urandom(24)
    whsec = "whsec_" + base64.b64encode(key).decode()
    h1 = make_hook(u, T()[0], "ok", secret=plain)
    h2 = make_hook(u, T()[1], "ok", secret=whsec)
    check(h1.obj["has_secret"] is True and h2.obj["has_secret"] is True, "has_secret is not true")
    e1 = emit(svc, u, T()[0], {"k": "plain"}, deliveries=1)
    e2 = emit(svc, u, T()[1], {"k": "whsec"}, deliveries=1)
    rx = receiver()
    r1 = rx.wait(1, prefix=h1.prefix, timeout=5)
    r2 = rx.wait(1, prefix=h2.prefix, timeout=5)
    check(r1 and r2, "not delivered (plain %d, whsec %d)" % (len(r1), len(r2)))
    r1, r2 = r1[0], r2[0]
    for r, e, k, label in ((r1, e1, plain.encode("utf-8"), "plain"), (r2, e2, key, "whsec_")):
        sig = r.headers.get("webhook-signature")
        check(sig is not None, "%s: no webhook-signature header" % label)
        check(re.match(r"^v1,[A-Za-z0-9+/]{43}=$", sig), "%s: webhook-signature %r is not one v1,<base64 of 32 bytes>"
              % (label, sig))
        check(r.webhook_id == e, "%s: webhook-id %r, expected %s" % (label, r.webhook_id, e))
        mine = base64.b64encode(hmac.new(k, ("%s.%s." % (r.webhook_id, r.timestamp)).encode() + r.body,
                                         hashlib.sha256).digest()).decode()
        check(sig == "v1," + mine, "%s: signature %s does not verify (expected v1,%s over id.timestamp.body)"
              % (label, sig, mine))
        check(r.verified is True and r.sig_match == [0], "%s: the receiver's check: %r" % (label, r.sig_match))
    # the whsec_ key is decoded: the literal string is not the key
    lit = base64.b64encode(hmac.new(whsec.encode(), ("%s.%s." % (r2.webhook_id, r2.timestamp)).encode() + r2.body,
                                    hashlib.sha256).digest()).decode()
    check(r2.headers["webhook-signature"] != "v1," + lit, "a whsec_ secret was used without base64-decoding it")


@test
def test_each_webhook_numbers_its_events_and_retries_keep_the_number():
    main_dispatcher()
    svc = new_service()
    u = new_user("seq")
    h = make_hook(u, T()[0], "flaky?fail=1")             # the first request fails, is retried
    h2 = make_hook(u, T()[1], "ok")
    evs = [emit(svc, u, T()[0], {"n": i}, deliveries=1) for i in range(3)]
    e2 = emit(svc, u, T()[1], {"n": 9}, deliveries=1)
    for e in evs:
        wait_delivery(h, e)
    wait_delivery(h2, e2)
    seqs = {}
    for r in h.reqs():
        seqs.setdefault(r.webhook_id, []).append(r.headers.get("webhook-sequence"))
    check(len(seqs.get(evs[0], [])) == 2, "the first event was not retried once: %r" % (seqs.get(evs[0]),))
    for i, e in enumerate(evs):
        check(seqs.get(e) and set(seqs[e]) == {str(i + 1)},
              "event %d: webhook-sequence %r on its attempts, expected %d on each" % (i + 1, seqs.get(e), i + 1))
    got = [r.headers.get("webhook-sequence") for r in h2.reqs()]
    check(got == ["1"], "the other webhook's first event: webhook-sequence %r, expected ['1']" % (got,))
    # a test delivery is not one of the webhook's events: no number
    expect(api("POST", h2.path("test/"), u), 202)
    got = receiver().wait(2, prefix=h2.prefix, timeout=10)
    check(len(got) == 2, "the test delivery did not arrive")
    check("webhook-sequence" not in got[1].headers,
          "a test delivery carries webhook-sequence %r" % got[1].headers.get("webhook-sequence"))
    b = expect(api("GET", h2.path("events/"), u), 200)
    check(b["last_sequence"] == 1 and [x["id"] for x in b["results"]] == [e2],
          "the test delivery is listed among the events: %r" % (b,))


@test
def test_a_disabled_webhooks_events_are_kept_and_listed_after_a_sequence():
    main_dispatcher()
    svc = new_service()
    u = new_user("catchup")
    h = make_hook(u, T()[0], "ok")
    e1 = emit(svc, u, T()[0], {"n": 1, "text": "caf\u00e9 \u2713"}, deliveries=1)
    wait_delivery(h, e1)
    patch(h, {"status": "disabled"})
    kept = [emit(svc, u, T()[0], {"n": i}, deliveries=0) for i in (2, 3, 4)]
    settle()
    check(len(h.reqs()) == 1, "a disabled webhook was sent %d requests" % (len(h.reqs()) - 1))
    b = expect(api("GET", h.path("events/"), u), 200)
    check(b["last_sequence"] == 4 and b["next"] is None, "last_sequence/next: %r/%r" % (
        b.get("last_sequence"), b.get("next")))
    check([x["sequence"] for x in b["results"]] == [1, 2, 3, 4], "sequences %r" % (
        [x["sequence"] for x in b["results"]],))
    check([x["id"] for x in b["results"]] == [e1] + kept, "the events' ids are not the ones reported")
    st = [x["delivery_status"] for x in b["results"]]
    check(st == ["succeeded", "cancelled", "cancelled", "cancelled"], "delivery_status %r" % (st,))
    sent = h.reqs()[0]
    check(b["results"][0]["body"] == sent.json, "the listed body %r is not the one sent %r" % (
        b["results"][0]["body"], sent.json))
    check(b["results"][0]["body"]["data"]["text"] == "caf\u00e9 \u2713", "non-ASCII data changed")
    for x, n in zip(b["results"][1:], (2, 3, 4)):
        check(x["body"]["data"] == {"n": n} and x["body"]["webhook"] == h.id
              and x["body"]["type"] == x["type"] == T()[0]["name"] + ".completed",
              "kept event %d: %r" % (n, x))
    # cursor pages: after, limit, next
    r = api("GET", h.path("events/?after=1&limit=2&x=y"), u)
    b = expect(r, 200)
    check([x["sequence"] for x in b["results"]] == [2, 3], "after=1&limit=2 gave %r" % (
        [x["sequence"] for x in b["results"]],), r)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(b["next"] or "").query)
    check(q.get("after") == ["3"] and q.get("limit") == ["2"] and q.get("x") == ["y"],
          "next %r does not carry after=3 and the other parameters" % b["next"], r)
    r = follow(b["next"], u)
    b = expect(r, 200)
    check([x["sequence"] for x in b["results"]] == [4] and b["next"] is None, "the last page: %r" % (b,), r)
    b = expect(api("GET", h.path("events/?after=4"), u), 200)
    check(b["results"] == [] and b["next"] is None, "after the last: %r" % (b,))
    # bad input: the contract's errors
    for q in ("after=5", "after=-1", "after=abc", "after=1.5", "after=99999999999999999999"):
        expect_error(api("GET", h.path("events/?" + q), u), 400, "invalid", ["after"])
    expect_error(api("GET", h.path("events/?limit=0"), u), 400, "invalid", ["limit"])
    expect_error(api("GET", h.path("events/"), new_user("catchup_other")), 404, "not_found")
    expect_error(api("GET", WEBHOOKS + str(uuid.uuid4()) + "/events/", u), 404, "not_found")
    # enabled again: the numbering goes on, and only new events are sent
    patch(h, {"status": "enabled"})
    e5 = emit(svc, u, T()[0], {"n": 5}, deliveries=1)
    wait_delivery(h, e5)
    reqs = h.reqs()
    check(len(reqs) == 2 and reqs[1].webhook_id == e5 and reqs[1].headers.get("webhook-sequence") == "5",
          "after re-enabling: %r" % ([(x.webhook_id, x.headers.get("webhook-sequence")) for x in reqs],))


VERIFIERS_DIR = os.environ.get("VERIFIERS_DIR", "").strip()
WHPK_RE = re.compile(r"^whpk_[A-Za-z0-9+/]{43}=$")
V1A_RE = re.compile(r"^v1a,[A-Za-z0-9+/]{86}==$")


def whsec_of(secret):
    """A secret as the reference libraries take it: whsec_ and the base64 of
    the HMAC key the service signs with (receiver.signing_key)."""
    return "whsec_" + base64.b64encode(rxmod.signing_key(secret)).decode()


def reference_verify(items):
    """Runs tests/verifiers/verify.mjs (the npm packages standardwebhooks and
    svix for v1, Node's Ed25519 for v1a) over items: (request, secrets,
    public_keys, signature header or None for the one received).  Returns
    its results, one dict per item."""
    check(VERIFIERS_DIR and os.path.isfile(os.path.join(VERIFIERS_DIR, "verify.mjs")),
          "VERIFIERS_DIR=%r has no verify.mjs (run-stack.sh installs tests/verifiers)" % VERIFIERS_DIR)
    data = [{"id": r.webhook_id, "timestamp": r.timestamp,
             "signature": sig if sig is not None else r.headers.get("webhook-signature", ""),
             "body_b64": base64.b64encode(r.body).decode(), "at": int(r.wall),
             "secrets": [whsec_of(s) for s in secrets], "public_keys": list(pks)}
            for r, secrets, pks, sig in items]
    p = subprocess.run(["node", os.path.join(VERIFIERS_DIR, "verify.mjs")], input=json.dumps(data),
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, "verify.mjs exited %d: %s" % (p.returncode, p.stderr.strip()[-600:]))
    out = json.loads(p.stdout)
    check(len(out) == len(items), "verify.mjs answered %d of %d" % (len(out), len(items)))
    return out


def signing_key(hook, method="POST", status=201):
    r = api(method, hook.path("signing-key/"), hook.user)
    b = expect(r, status)
    if status in (200, 201):
        check(set(b) == {"public_key", "created_at", "previous_public_key", "previous_expires_at"},
              "signing key keys %s" % sorted(b), r)
        check(WHPK_RE.match(b["public_key"] or ""), "public_key %r is not whpk_<base64 of 32 bytes>"
              % b["public_key"], r)
        check(TS_RE.match(b["created_at"] or ""), "created_at %r" % b["created_at"], r)
        check("private" not in r.body.decode("utf-8", "replace").lower(), "a private key in the answer", r)
    if status == 201:
        check(r.header("Location") == "/webhooks/v1/webhook/%s/signing-key/" % hook.id,
              "Location %r" % r.header("Location"), r)
    return b


@test
def test_signing_keys_sign_v1a_rotate_and_are_removed():
    main_dispatcher()
    svc = new_service()
    u = new_user("ed")
    whsec = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    h = make_hook(u, T()[0], "ok", secret=whsec)
    h2 = make_hook(u, T()[1], "ok")                         # no secret: v1a alone
    expect_error(api("GET", h.path("signing-key/"), u), 404, "not_found")
    expect_error(api("DELETE", h.path("signing-key/"), u), 404, "not_found")
    k1 = signing_key(h)
    check(k1["previous_public_key"] is None and k1["previous_expires_at"] is None, "a first key has a previous: %r" % k1)
    check(signing_key(h, "GET", 200) == k1, "GET shows another key than POST made")
    receiver().set_public_keys(h.id, [k1["public_key"]])
    k2only = signing_key(h2)
    receiver().set_public_keys(h2.id, [k2only["public_key"]])
    # another user sees none of it
    other = new_user("ed_other")
    for m in ("POST", "GET", "DELETE"):
        expect_error(api(m, h.path("signing-key/"), other), 404, "not_found")
    data = {"name": "\u00c9l\u00e8ve \u2713 \U0001F600", "score": 17}
    e1 = emit(svc, u, T()[0], data, deliveries=1)
    e2 = emit(svc, u, T()[1], data, deliveries=1)
    r1 = receiver().wait(1, prefix=h.prefix, timeout=10)
    r2 = receiver().wait(1, prefix=h2.prefix, timeout=10)
    check(r1 and r2, "not delivered")
    r1, r2 = r1[0], r2[0]
    e = r1.headers.get("webhook-signature", "").split(" ")
    check(len(e) == 2 and e[0].startswith("v1,") and V1A_RE.match(e[1]),
          "with a secret and a key: webhook-signature %r, expected 'v1,... v1a,...'" % e)
    e = r2.headers.get("webhook-signature", "").split(" ")
    check(len(e) == 1 and V1A_RE.match(e[0]), "with a key alone: webhook-signature %r" % e)
    res = reference_verify([(r1, [whsec], [k1["public_key"]], None), (r2, [], [k2only["public_key"]], None)])
    check(res[0]["standardwebhooks"] == [True] and res[0]["svix"] == [True],
          "standardwebhooks/svix refuse the v1 signature next to a v1a one: %r" % res[0])
    check(res[0]["v1a"] == [True] and res[1]["v1a"] == [True], "v1a does not verify with the public key: %r" % res)
    for x in res:
        t = x["tampered"]
        check(not any(t["standardwebhooks"] + t["svix"] + t["v1a"]), "a tampered body verifies: %r" % t)
    check(json.loads(r1.body)["data"] == data, "the non-ASCII body changed on the way")
    # rotation: the new key first, the old one signing on during the grace
    k2 = signing_key(h)
    check(k2["public_key"] != k1["public_key"], "the rotated key is the same")
    check(k2["previous_public_key"] == k1["public_key"], "previous_public_key %r" % k2["previous_public_key"])
    grace = int(conf_get(WEBHOOKD_CONF, "secret_rotation_grace", "86400"))
    left = parse_ts(k2["previous_expires_at"]).timestamp() - time.time()
    check(grace - 120 < left <= grace + 5, "the old key expires in %.0f s, expected about %d" % (left, grace))
    receiver().set_public_keys(h.id, [k2["public_key"], k1["public_key"]])
    e3 = emit(svc, u, T()[0], data, deliveries=1)
    r3 = receiver().wait(1, prefix=h.prefix, event_id=e3, timeout=10)
    check(r3, "not delivered during the rotation")
    r3 = r3[0]
    e = r3.headers.get("webhook-signature", "").split(" ")
    check(len(e) == 3 and e[0].startswith("v1,") and V1A_RE.match(e[1]) and V1A_RE.match(e[2]),
          "during the rotation: webhook-signature %r, expected v1 and two v1a" % e)
    res = reference_verify([(r3, [whsec], [k2["public_key"], k1["public_key"]], None),
                            (r3, [], [k2["public_key"], k1["public_key"]], e[1]),
                            (r3, [], [k2["public_key"], k1["public_key"]], e[2])])
    check(res[0]["v1a"] == [True, True] and res[0]["svix"] == [True], "during the rotation: %r" % res[0])
    check(res[1]["v1a"] == [True, False] and res[2]["v1a"] == [False, True],
          "the new key's v1a is not first: %r, %r" % (res[1]["v1a"], res[2]["v1a"]))
    # the grace over: the new key alone
    sql("UPDATE webhooks SET prev_signing_until = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND WHERE id = '%s';" % h.id)
    check(signing_key(h, "GET", 200)["previous_public_key"] is None, "the expired key is still shown")
    e4 = emit(svc, u, T()[0], data, deliveries=1)
    r4 = receiver().wait(1, prefix=h.prefix, event_id=e4, timeout=10)
    check(r4, "not delivered after the grace")
    e = r4[0].headers.get("webhook-signature", "").split(" ")
    check(len(e) == 2 and V1A_RE.match(e[1]), "after the grace: %r" % e)
    res = reference_verify([(r4[0], [], [k2["public_key"], k1["public_key"]], None)])
    check(res[0]["v1a"] == [True, False], "after the grace the old key still signs: %r" % res[0])
    # removed: no v1a at all
    r = api("DELETE", h.path("signing-key/"), u)
    check(r.status == 204, "DELETE answered %d" % r.status, r)
    expect_error(api("GET", h.path("signing-key/"), u), 404, "not_found")
    expect_error(api("DELETE", h.path("signing-key/"), u), 404, "not_found")
    receiver().set_public_keys(h.id, [])
    e5 = emit(svc, u, T()[0], data, deliveries=1)
    r5 = receiver().wait(1, prefix=h.prefix, event_id=e5, timeout=10)
    check(r5, "not delivered after the key was removed")
    e = r5[0].headers.get("webhook-signature", "").split(" ")
    check(len(e) == 1 and e[0].startswith("v1,"), "after DELETE: webhook-signature %r" % e)
    for eid in (e1, e3, e4, e5):
        wait_delivery(h, eid)
    wait_delivery(h2, e2)


REPLAY_KEYS = {"id", "webhook", "status", "filter", "matched", "requeued", "skipped", "created_at",
               "updated_at", "finished_at"}


def replay(hook, body, status=202):
    r = api("POST", hook.path("replay/"), hook.user, json_body=body)
    b = expect(r, status)
    if status == 202:
        check(set(b) == REPLAY_KEYS, "replay keys %s" % sorted(b), r)
        check(b["webhook"] == hook.id and UUID_RE.match(b["id"]), "replay %r" % b, r)
        check(r.header("Location") == "/webhooks/v1/webhook/%s/replay/%s/" % (hook.id, b["id"]),
              "Location %r" % r.header("Location"), r)
    return b, r


def wait_replay(hook, job, timeout=20.0):
    def probe():
        b = expect(api("GET", hook.path("replay/%s/" % job), hook.user), 200)
        return b if b["status"] != "running" else None
    return wait_for(probe, timeout, "replay %s to finish" % job)


@test
def test_replay_requeues_failed_and_cancelled_deliveries_keeping_their_ids():
    stop_all()                                  # the first replay must stay running for a while
    svc = new_service()
    u = new_user("replay")
    rx = receiver()
    k = "replay-%s" % RUN
    rx.set_code(k, 500)
    h = make_hook(u, T()[0], "switch?k=%s" % k)
    failed = [emit(svc, u, T()[0], {"n": i}, deliveries=1) for i in (1, 2, 3)]
    main_dispatcher()
    for e in failed:
        wait_delivery(h, e, statuses=("failed",), timeout=FAST_TOTAL + 10)
    patch(h, {"status": "disabled"})
    kept = [emit(svc, u, T()[0], {"n": i}, deliveries=0) for i in (4, 5)]
    patch(h, {"status": "enabled"})
    rx.set_code(k, 204)
    first = {q.webhook_id: q for q in h.reqs()}
    seq = {e: first[e].headers.get("webhook-sequence") for e in failed}
    check(sorted(seq.values()) == ["1", "2", "3"], "sequences of the failed ones %r" % seq)
    stop_all()
    b, r = replay(h, {"status": "failed"})
    check(b["status"] == "running" and b["matched"] == 3 and b["requeued"] == 0 and b["finished_at"] is None,
          "a new replay %r" % b, r)
    check(b["filter"] == {"status": "failed", "since": None, "until": None, "after": None}, "filter %r" % b["filter"], r)
    # one at a time per webhook
    b2 = expect_error(api("POST", h.path("replay/"), u, json_body={}), 429, "too_many_replays")
    r2 = _tls.last
    check(r2.header("Retry-After") and int(r2.header("Retry-After")) >= 1, "no Retry-After on the 429", r2)
    check(b2["detail"], "429 without detail")
    main_dispatcher()
    done = wait_replay(h, b["id"])
    check(done["status"] == "completed" and done["requeued"] == 3 and done["skipped"] == 0
          and done["finished_at"] is not None, "the replay ended %r" % done)
    for e in failed:
        wait_delivery(h, e, timeout=10)
    again = [q for q in h.reqs() if q.webhook_id in failed and q.t > first[q.webhook_id].t and q.route == "switch"]
    ok = [q for q in again if q.webhook_id in seq and q.headers.get("webhook-sequence") == seq[q.webhook_id]]
    check(len({q.webhook_id for q in ok}) == 3, "the replayed deliveries did not keep their webhook-id and "
          "webhook-sequence: %r" % [(q.webhook_id, q.headers.get("webhook-sequence")) for q in again])
    check(not any(q.webhook_id in kept for q in h.reqs()), "a status=failed replay sent a cancelled one")
    # the cancelled ones (kept while disabled), with the sequence filter
    b, r = replay(h, {"status": "cancelled", "after": 4})
    check(b["matched"] == 1, "after=4 matched %r, expected 1 (sequence 5)" % b["matched"], r)
    done = wait_replay(h, b["id"])
    check(done["requeued"] == 1, "requeued %r" % done)
    got = receiver().wait(1, prefix=h.prefix, event_id=kept[1], timeout=10)
    check(got and got[0].headers.get("webhook-sequence") == "5", "the kept event 5: %r" % got)
    check(not any(q.webhook_id == kept[0] for q in h.reqs()), "sequence 4 was replayed despite after=4")
    # nothing left to match: completed at once
    b, r = replay(h, {"status": "failed", "since": "2000-01-01T00:00:00Z", "until": "2000-01-02T00:00:00+01:00"})
    check(b["matched"] == 0 and b["status"] == "completed" and b["finished_at"] is not None, "an empty replay %r" % b, r)
    check(b["filter"]["since"] == "2000-01-01T00:00:00.000000Z" and b["filter"]["until"] == "2000-01-01T23:00:00.000000Z",
          "the filter's times in UTC: %r" % b["filter"], r)
    # reading: the job's webhook and owner only
    expect_error(api("GET", h.path("replay/%s/" % b["id"]), new_user("replay_other")), 404, "not_found")
    expect_error(api("GET", h.path("replay/%s/" % uuid.uuid4()), u), 404, "not_found")
    h2 = make_hook(u, T()[1], "ok")
    expect_error(api("GET", h2.path("replay/%s/" % b["id"]), u), 404, "not_found")
    expect_error(api("POST", h.path("replay/"), new_user("replay_other2"), json_body={}), 404, "not_found")


@test
def test_replay_bad_filters_bound_and_rate():
    main_dispatcher()
    u = new_user("replay_bad")
    h = make_hook(u, T()[0], "ok")
    for body, field in (({"status": "pending"}, "status"), ({"status": None}, "status"),
                        ({"since": "yesterday"}, "since"), ({"until": "2026-13-01T00:00:00Z"}, "until"),
                        ({"after": -1}, "after"), ({"after": "3"}, "after"), ({"after": 1.5}, "after"),
                        ({"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"}, "until"),
                        ({"since": "2026-12-01T00:00:00Z", "until": "2026-12-01T00:00:00Z"}, "until"),
                        ({"nope": 1}, "nope")):
        expect_error(api("POST", h.path("replay/"), u, json_body=body), 400, "invalid", [field])
    expect_error(api("POST", h.path("replay/"), u, body=b"[]"), 400, "parse_error")
    expect_error(api("POST", h.path("replay/"), u, body=b"{}", ctype="text/plain"), 415, "unsupported_media_type")
    # over the bound: more matching deliveries than replay_max_deliveries (10000),
    # made two days ago (well inside event_retention_days)
    wid = h.id
    base_ts = int(time.time()) - 2 * 86400
    base = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base_ts))
    sql("INSERT INTO deliveries (id, event_id, webhook_id, user_id, event_type, body, status, created_at) "
        "SELECT UUID(), UUID(), '%s', w.user_id, 'x.completed', '{}', 'failed', "
        "'%s' + INTERVAL seq SECOND FROM seq_1_to_10001 JOIN webhooks w ON w.id = '%s';"
        % (wid, base, wid))
    b = expect_error(api("POST", h.path("replay/"), u, json_body={}), 400, "invalid", ["non_field_errors"])
    check("10000" in b["errors"]["non_field_errors"][0], "the bound is not named: %r" % b)
    until = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base_ts + 1000)) + ".5Z"
    b, r = replay(h, {"until": until})          # the first 1000 of them
    check(b["matched"] == 1000, "a narrowed replay matched %r, expected 1000" % b["matched"], r)
    done = wait_replay(h, b["id"], timeout=60)
    check(done["requeued"] == 1000 and done["status"] == "completed", "the 1000: %r" % done)
    # rate: replays_per_hour (10) in the last hour, with Retry-After until the oldest leaves it
    sql("INSERT INTO replay_jobs (id, webhook_id, user_id, status, matched, created_at, updated_at) "
        "SELECT UUID(), '%s', w.user_id, 'completed', 0, UTC_TIMESTAMP(6) - INTERVAL 50 MINUTE, UTC_TIMESTAMP(6) "
        "FROM seq_1_to_9 JOIN webhooks w ON w.id = '%s';" % (wid, wid))
    b = expect_error(api("POST", h.path("replay/"), u, json_body={}), 429, "too_many_replays")
    ra = int(_tls.last.header("Retry-After") or 0)
    check(500 <= ra <= 601, "Retry-After %r, expected the ~600 s until the oldest replay is an hour old" % ra)
    sql("DELETE a FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.webhook_id = '%s' "
        "AND d.event_type = 'x.completed'; DELETE FROM deliveries WHERE webhook_id = '%s' "
        "AND event_type = 'x.completed';" % (wid, wid))


@test
def test_retention_purges_old_finished_deliveries_in_batches_and_keeps_the_rest():
    stop_all()
    u = new_user("retention")
    h = make_hook(u, T()[0], "ok")
    tag = "ret_%s.completed" % RUN
    old = "UTC_TIMESTAMP(6) - INTERVAL 40 DAY"
    # 152 old events: 150 with a finished delivery and two attempts each (three
    # batches of 64), one whose delivery is still pending, one without a delivery;
    # a finished delivery of 29 days; an old finished replay
    sql("INSERT INTO events (id, source_user_id, idempotency_key, user_id, api_template_id, type, "
        "deliveries, created_at) SELECT UUID(), w.user_id, CONCAT('ret-', seq), w.user_id, "
        "w.api_template_id, '{t}', 1, {old} + INTERVAL seq SECOND "
        "FROM seq_1_to_152 JOIN webhooks w ON w.id = '{w}';"
        "INSERT INTO deliveries (id, event_id, webhook_id, user_id, event_type, body, status, "
        "next_attempt_at, created_at) SELECT UUID(), e.id, '{w}', e.user_id, e.type, '{{}}', "
        "IF(e.idempotency_key = 'ret-151', 'pending', IF(RAND() < 0.5, 'succeeded', 'failed')), "
        "IF(e.idempotency_key = 'ret-151', UTC_TIMESTAMP(6) + INTERVAL 1 DAY, NULL), e.created_at "
        "FROM events e WHERE e.type = '{t}' AND e.idempotency_key <> 'ret-152';"
        "INSERT INTO delivery_attempts (delivery_id, attempted_at, duration_ms) "
        "SELECT d.id, d.created_at, 1 FROM deliveries d JOIN seq_1_to_2 WHERE d.event_type = '{t}';"
        "INSERT INTO deliveries (id, event_id, webhook_id, user_id, event_type, body, status, created_at) "
        "SELECT UUID(), UUID(), '{w}', w.user_id, '{t}', '{{}}', 'failed', UTC_TIMESTAMP(6) - INTERVAL 29 DAY "
        "FROM webhooks w WHERE w.id = '{w}';"
        "INSERT INTO replay_jobs (id, webhook_id, user_id, status, matched, created_at, updated_at) "
        "SELECT UUID(), '{w}', w.user_id, 'completed', 0, {old}, {old} FROM webhooks w WHERE w.id = '{w}';"
        .format(t=tag, w=h.id, old=old))

    def counts():
        out = sql("SELECT (SELECT COUNT(*) FROM deliveries WHERE event_type = '{t}'), "
                  "(SELECT COUNT(*) FROM events WHERE type = '{t}'), "
                  "(SELECT COUNT(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id "
                  "WHERE d.event_type = '{t}'), "
                  "(SELECT COUNT(*) FROM delivery_attempts WHERE delivery_id NOT IN (SELECT id FROM deliveries)), "
                  "(SELECT COUNT(*) FROM replay_jobs WHERE webhook_id = '{w}');".format(t=tag, w=h.id))
        return [int(x) for x in out.split()[-5:]]
    before = counts()
    check(before[0] == 152 and before[1] == 152 and before[2] == 302 and before[4] == 1,
          "the planted rows: %r" % before)
    d = solo("retention", event_retention_days="30")
    wait_for(lambda: counts()[0] == 2 and counts()[1] == 1 or None, 30, "the purge of the old rows")
    after = counts()
    check(after[0] == 2, "deliveries left %d, expected the pending old one and the recent one" % after[0])
    check(after[1] == 1, "events left %d, expected the one whose delivery is pending" % after[1])
    check(after[2] == 2, "attempts left %d, expected the pending one's two" % after[2])
    check(after[4] == 0, "the old finished replay was not purged")
    left = sql("SELECT status FROM deliveries WHERE event_type = '%s' ORDER BY created_at;" % tag).split()
    check(left[-2:] == ["pending", "failed"], "left: %r" % left)
    line = wait_for(lambda: next((ln for ln in d.log_text().splitlines() if "purged what is older than 30 days"
                                  in ln), None), 10, "the purge pass's log line")
    m = re.search(r"(\d+) deliveries \((\d+) attempts\), (\d+) events, (\d+) replays in (\d+) batches, "
                  r"\d+ ms; the longest batch (\d+) ms", line)
    check(m and int(m.group(1)) >= 150 and int(m.group(2)) >= 300 and int(m.group(5)) >= 3,
          "the purge line %r: expected 150+ deliveries, 300+ attempts in 3+ batches" % line)
    print("#   %s" % line.strip()[:200])


@test
def test_erasing_an_event_removes_its_body_at_once():
    main_dispatcher()
    svc = new_service()
    u = new_user("erase")
    h = make_hook(u, T()[0], "ok")
    data = {"student": "Zo\u00eb", "answers": [1, 2]}
    e = emit(svc, u, T()[0], data, deliveries=1)
    wait_delivery(h, e)
    expect_error(api("DELETE", EVENTS + e + "/", u), 403, "permission_denied")
    expect_error(api("DELETE", EVENTS + e + "/", new_service("svc_other")), 404, "not_found")
    expect_error(api("DELETE", EVENTS + str(uuid.uuid4()) + "/", svc), 404, "not_found")
    expect_error(api("DELETE", EVENTS + "nope/", svc), 404, "not_found")
    for _ in range(2):                                          # erasing twice is no error
        r = api("DELETE", EVENTS + e + "/", svc)
        check(r.status == 204 and not r.body, "DELETE answered %d %r" % (r.status, r.body[:80]), r)
    b = expect(api("GET", h.path("events/"), u), 200)
    x = [v for v in b["results"] if v["id"] == e]
    check(x and x[0]["body"] is None and x[0]["delivery_status"] == "succeeded",
          "the erased event is listed as %r" % x)
    n = sql("SELECT COUNT(*) FROM deliveries WHERE event_id = '%s' AND body IS NOT NULL;" % e).split()[-1]
    check(n == "0", "%s deliveries still hold the body" % n)
    check(delivery_of(h, e)["status"] == "succeeded", "the delivery record changed")
    # a redelivery of it has nothing to send: failed at once, said why
    d = delivery_of(h, e)
    expect(api("POST", h.path("deliveries/%s/redeliver/" % d["id"]), u), 202)
    f = wait_delivery(h, e, statuses=("failed",), timeout=10)
    check((f["error"] or "").startswith("not sent: the event's body was erased"), "error %r" % f["error"])
    check(len(receiver().requests(event_id=e)) == 1, "the erased body was sent again")
    # a pending delivery is cancelled at once, and never sent
    stop_all()
    e2 = emit(svc, u, T()[0], data, deliveries=1)
    r = api("DELETE", EVENTS + e2 + "/", svc)
    check(r.status == 204, "DELETE answered %d" % r.status, r)
    d2 = delivery_of(h, e2)
    check(d2["status"] == "cancelled" and (d2["error"] or "").startswith("not sent: the event's body was erased"),
          "the pending delivery after erasure: %r" % d2)
    main_dispatcher()
    settle(1.0)
    check(not receiver().requests(event_id=e2), "an erased event was delivered")
    b, r = replay(h, {"status": "cancelled"})
    check(b["matched"] == 0, "a replay matched %d erased deliveries" % b["matched"], r)


@test
def test_signatures_during_secret_rotation():
    main_dispatcher()
    svc = new_service()
    u = new_user("rot")
    s1, s2, s3 = "rot-one-%s" % RUN, "whsec_" + base64.b64encode(os.urandom(32)).decode(), "rot-three-%s" % RUN
    h = make_hook(u, T()[0], "ok", secret=s1)
    rx = receiver()

    def deliver(expect_secrets):
        e = emit(svc, u, T()[0], {"rot": len(h.reqs())}, deliveries=1)
        got = rx.wait(1, prefix=h.prefix, event_id=e, timeout=5)
        check(got, "event %s not delivered" % e)
        r = got[0]
        for s in r.sig_entries:
            check(s.startswith("v1,"), "signature entry %r is not v1" % s)
        check(len(r.sig_entries) == len(expect_secrets), "expected %d signatures, got %r" % (
            len(expect_secrets), r.headers.get("webhook-signature")))
        for i, s in enumerate(expect_secrets):
            want = rxmod.sign(s, r.webhook_id, r.timestamp, r.body)
            check(r.signatures[i] == want, "signature %d is not the %s secret's (header %r)" % (
                i + 1, ["new", "old"][i], r.headers.get("webhook-signature")))
        return r
    deliver([s1])
    patch(h, {"secret_hash": s2})
    rx.set_secrets(h.id, [s2, s1])
    r = deliver([s2, s1])
    check(r.verified and r.sig_match == [0, 1], "receiver check %r" % r.sig_match)
    patch(h, {"secret_hash": s3})
    rx.set_secrets(h.id, [s3, s2])
    deliver([s3, s2])                     # the oldest secret is gone
    w = patch(h, {"secret_hash": None})
    check(w["has_secret"] is False, "has_secret after removing the secret: %r" % w["has_secret"])
    rx.set_secrets(h.id, [])
    r = deliver([])
    check("webhook-signature" not in r.headers, "a webhook whose secret was removed still signs: %r" %
          r.headers.get("webhook-signature"))


# ---- stored values that must not stop the queue (issue 7) --------------------

@test
def test_a_secret_of_256_four_byte_characters_signs_and_rotates():
    """The largest secret the API accepts (256 code points of 4 bytes) seals to the
    largest stored value: it signs, signs second during its grace period after a
    rotation, and never holds up the other deliveries claimed in its batch."""
    stop_all()
    svc = new_service()
    u, other = new_user("bigsecret"), new_user("bigsecret_other")
    big = "\U0001F600" * 256
    h = make_hook(u, T()[0], "ok", secret=big)
    h2 = make_hook(other, T()[0], "ok")
    e1 = emit(svc, u, T()[0], {"n": 1}, deliveries=1)
    e2 = emit(svc, other, T()[0], {"n": 2}, deliveries=1)      # the same claim as e1
    main_dispatcher()
    rx = receiver()
    got2 = rx.wait(1, prefix=h2.prefix, timeout=5)
    got = rx.wait(1, prefix=h.prefix, timeout=5)
    check(got2 and got2[0].webhook_id == e2, "the other user's delivery, claimed with the big secret's, "
          "was not sent: %r" % got2)
    check(got and got[0].webhook_id == e1, "the delivery signed with a 1,024-byte secret was not sent "
          "(delivery %r)" % (delivery_of(h, e1),))
    check(got[0].verified is True and got[0].sig_match == [0], "its signature does not verify: %r"
          % got[0].headers.get("webhook-signature"))
    wait_delivery(h, e1, timeout=5)
    s2 = "after-the-big-one-%s" % RUN
    patch(h, {"secret_hash": s2})
    rx.set_secrets(h.id, [s2, big])
    e3 = emit(svc, u, T()[0], {"n": 3}, deliveries=1)
    got = rx.wait(1, prefix=h.prefix, event_id=e3, timeout=5)
    check(got and got[0].sig_match == [0, 1], "after rotating away from the big secret: signatures %r "
          "(expected the new one, then the big one)" % (got[0].headers.get("webhook-signature") if got else None))


@test
def test_a_secret_the_key_file_cannot_open_fails_like_any_attempt():
    """A dispatcher whose key file lacks the secret's key sends nothing unsigned:
    each attempt is recorded as failed with a clear error, retried on the schedule,
    then the delivery is failed and counts towards the webhook's failures.  The
    same for a webhook's Ed25519 signing key."""
    need_steps(1)
    svc = new_service()
    u = new_user("nokey")
    h = make_hook(u, T()[0], "ok", secret="keyed-%s" % RUN)
    hk = make_hook(u, T()[1], "ok")
    signing_key(hk)
    other_key = os.path.join(state_dir(), "other-%s.key" % RUN)
    ctl("key generate %s" % shlex.quote(other_key))
    d = solo("otherkey", key_file=other_key)
    e = emit(svc, u, T()[0], deliveries=1)
    dl = wait_delivery(h, e, statuses=("failed",), timeout=FAST_TOTAL + 10)
    check(dl["attempts"] == ATTEMPTS, "expected %d recorded attempts, got %r" % (ATTEMPTS, dl))
    full = detail(h, dl["id"])
    check(len(full["attempt_log"]) == ATTEMPTS, "attempt_log has %d entries" % len(full["attempt_log"]))
    for a in full["attempt_log"]:
        check(a["error_class"] == "connect" and a["response_code"] is None
              and "cannot be decrypted" in (a["error"] or ""),
              "an attempt of an undecryptable secret: %r" % a)
    check(not h.reqs(), "%d request(s) went out without the webhook's signature" % len(h.reqs()))
    w = h.get()
    check(w["consecutive_failures"] == 1 and w["last_delivery"] is not None
          and w["last_delivery"]["status"] == "failed", "the webhook after the failed delivery: %r" % w)
    check("cannot be decrypted" in d.log_text(), "the dispatcher did not log why:\n%s" % d.log_tail())
    ek = emit(svc, u, T()[1], deliveries=1)
    dk = wait_delivery(hk, ek, statuses=("failed",), timeout=FAST_TOTAL + 10)
    for a in detail(hk, dk["id"])["attempt_log"]:
        check("Ed25519 signing key cannot be decrypted" in (a["error"] or ""),
              "an attempt of an undecryptable signing key: %r" % a)
    check(not hk.reqs(), "%d request(s) went out without the webhook's v1a signature" % len(hk.reqs()))
    check("the signing key of webhook %s cannot be decrypted" % hk.id in d.log_text(),
          "the dispatcher did not log the signing key:\n%s" % d.log_tail())


@test
def test_a_stored_row_too_large_to_read_fails_alone():
    """A delivery whose stored body is larger than any the API writes (planted with
    SQL) is failed with one recorded attempt saying why; the other deliveries of
    its claim are sent."""
    require("DB_SQL_CMD")
    stop_all()
    svc = new_service()
    u, other = new_user("hugerow"), new_user("hugerow_other")
    h = make_hook(u, T()[0], "ok")
    h2 = make_hook(other, T()[0], "ok")
    e1 = emit(svc, u, T()[0], {"n": 1}, deliveries=1)
    e2 = emit(svc, other, T()[0], {"n": 2}, deliveries=1)
    bad = delivery_of(h, e1)
    sql("UPDATE deliveries SET body = CONCAT(body, REPEAT(' ', %d)) WHERE id = '%s';" % (
        2 * MAX_EVENT_BODY + 100 * 1024, bad["id"]))
    main_dispatcher()
    got2 = receiver().wait(1, prefix=h2.prefix, timeout=5)
    check(got2 and got2[0].webhook_id == e2, "the other delivery of the claim was not sent: %r" % got2)
    dl = wait_delivery(h, e1, statuses=("failed",), timeout=5)
    check(dl["attempts"] == 1, "the unreadable delivery: %r (expected failed after 1 attempt)" % dl)
    a = detail(h, dl["id"])["attempt_log"]
    check(len(a) == 1 and a[0]["error_class"] == "connect" and "stored body" in (a[0]["error"] or ""),
          "its attempt log: %r" % a)
    check(not h.reqs(), "part of an unreadable body was sent")


MANUAL_MAX = 100        # webhookd's default manual_pending_max
MAX_ATTEMPTS = 100      # of one delivery (WH_MAX_ATTEMPTS)


@test
def test_manual_sends_are_bounded_per_webhook():
    """At most manual_pending_max pending test deliveries and redeliveries per
    webhook: the next is 429 too_many_pending with a Retry-After; other webhooks
    are unaffected; bringing a pending delivery forward is not a new one."""
    check(conf_get(WEBHOOKD_CONF, "manual_pending_max") in (None, str(MANUAL_MAX)),
          "this test expects webhookd's default manual_pending_max (%d)" % MANUAL_MAX)
    main_dispatcher()
    svc = new_service()
    u = new_user("manual_max")
    h, h2 = make_hook(u, T()[0], "ok"), make_hook(u, T()[1], "ok")
    done = wait_delivery(h, emit(svc, u, T()[0], deliveries=1), timeout=5)
    stop_all()          # what is queued now stays pending
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        rs = list(pool.map(lambda _: api("POST", h.path("test/"), u), range(MANUAL_MAX + 8)))
    ok = [r for r in rs if r.status == 202]
    over = [r for r in rs if r.status != 202]
    check(len(ok) == MANUAL_MAX, "%d of %d concurrent test sends were accepted, expected exactly %d" % (
        len(ok), len(rs), MANUAL_MAX), over[0] if over else None)
    for r in over:
        expect_error(r, 429, "too_many_pending")
        check((r.header("Retry-After") or "").isdigit() and int(r.header("Retry-After")) >= 1,
              "429 without a Retry-After of whole seconds", r)
    # a finished delivery would become one more pending: refused too
    expect_error(api("POST", h.path("deliveries/%s/redeliver/" % done["id"]), u), 429, "too_many_pending")
    # a pending one is only brought forward
    check_single(api("POST", h.path("deliveries/%s/redeliver/" % ok[0].json["id"]), u))
    # another webhook of the same user has room of its own
    check_single(api("POST", h2.path("test/"), u))
    # when some finish, there is room again
    main_dispatcher()
    wait_for(lambda: len(h.reqs()) >= MANUAL_MAX + 1, 30, "the pending test deliveries to go out")
    wait_for(lambda: api("POST", h.path("test/"), u).status == 202, 10, "room for a test delivery")


@test
def test_a_delivery_has_at_most_100_attempts():
    """Redelivering a delivery that has had 100 attempts is 409
    too_many_attempts; at 99 it is accepted (planted with SQL: 100 real
    attempts would take a while)."""
    main_dispatcher()
    svc = new_service()
    u = new_user("max_attempts")
    h = make_hook(u, T()[0], "ok")
    d = wait_delivery(h, emit(svc, u, T()[0], deliveries=1), timeout=5)
    sql("UPDATE deliveries SET attempts = %d WHERE id = '%s';" % (MAX_ATTEMPTS, d["id"]))
    r = api("POST", h.path("deliveries/%s/redeliver/" % d["id"]), u)
    b = expect_error(r, 409, "too_many_attempts")
    check(str(MAX_ATTEMPTS) in b["detail"], "the 409 does not say the limit: %r" % b["detail"], r)
    check(delivery_of(h, d["event_id"])["status"] == "succeeded", "a refused redelivery changed the delivery")
    sql("UPDATE deliveries SET attempts = %d WHERE id = '%s';" % (MAX_ATTEMPTS - 1, d["id"]))
    r = api("POST", h.path("deliveries/%s/redeliver/" % d["id"]), u)
    b = expect(r, 202)      # (its attempt_log has 1 entry for the 99 planted attempts)
    check(b["status"] == "pending" and b["attempts"] == MAX_ATTEMPTS - 1,
          "redeliver at %d attempts: %r" % (MAX_ATTEMPTS - 1, b), r)
    last = wait_delivery(h, d["event_id"], timeout=5, min_attempts=MAX_ATTEMPTS)
    check(last["attempts"] == MAX_ATTEMPTS, "after the last allowed attempt: %r" % last)
    expect_error(api("POST", h.path("deliveries/%s/redeliver/" % d["id"]), u), 409, "too_many_attempts")
    # the operators' retry keeps the same bound
    rc, out = sh("%s deliveries retry %s" % (WEBHOOKCTL, d["id"]))
    check(rc != 0 and "%d attempts" % MAX_ATTEMPTS in out,
          "webhookctl deliveries retry past the bound: exit %r, %r" % (rc, out.strip()[:300]))
    check(delivery_of(h, d["event_id"])["status"] == "succeeded", "a refused retry changed the delivery")


@test
def test_attempt_log_holds_the_newest_100():
    """attempt_log is at most the newest 100 attempts, oldest first (150 planted
    with SQL); `attempts` still counts them all."""
    main_dispatcher()
    svc = new_service()
    u = new_user("attempt_log")
    h = make_hook(u, T()[0], "ok")
    d = wait_delivery(h, emit(svc, u, T()[0], deliveries=1), timeout=5)
    sql("INSERT INTO delivery_attempts (delivery_id, attempted_at, response_code, error_class, error, "
        "duration_ms) SELECT '%s', UTC_TIMESTAMP(6) + INTERVAL seq SECOND, 500, 'http_status', "
        "CONCAT('planted ', seq), 1 FROM seq_1_to_150; "
        "UPDATE deliveries SET attempts = attempts + 150 WHERE id = '%s';" % (d["id"], d["id"]))
    full = detail(h, d["id"])
    log = full["attempt_log"]
    check(full["attempts"] == 151, "attempts %r, expected 151" % full["attempts"])
    check(len(log) == 100, "attempt_log has %d entries, expected the newest 100" % len(log))
    check([a["error"] for a in log] == ["planted %d" % i for i in range(51, 151)],
          "attempt_log is not the newest 100, oldest first: %r ... %r" % (log[0], log[-1]))


PER_WEBHOOK = 4         # the dispatcher's default dispatcher_per_webhook


@test
def test_a_slow_receiver_does_not_hold_up_other_webhooks():
    """100 test deliveries to a receiver that answers after the timeout occupy
    at most dispatcher_per_webhook (4) transfers; another user's event meanwhile
    goes out within 1 s."""
    stop_all()
    svc = new_service()
    slow, other = new_user("slow"), new_user("slow_other")
    hs = make_hook(slow, T()[0], "slow?ms=6000")
    ho = make_hook(other, T()[0], "ok")
    solo("slowrx", delivery_timeout_ms="3s")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        rs = list(pool.map(lambda _: api("POST", hs.path("test/"), slow), range(MANUAL_MAX)))
    check(all(r.status == 202 for r in rs), "test sends refused: %s" % sorted({r.status for r in rs}))
    rx = receiver()
    wait_for(lambda: len(hs.reqs()) >= PER_WEBHOOK, 5, "the slow webhook's first attempts")
    settle(0.5)
    t0 = time.monotonic()
    e = emit(svc, other, T()[0], deliveries=1)
    got = rx.wait(1, prefix=ho.prefix, event_id=e, timeout=10)
    took = got[0].t - t0 if got else None
    check(got and took < 1.0, "the other user's event took %s s to go out while the slow receiver held "
          "its transfers (expected under 1 s)" % (None if took is None else "%.2f" % took))
    check(rx.peak(hs.prefix) <= PER_WEBHOOK, "%d transfers to the slow webhook at once (cap %d)" % (
        rx.peak(hs.prefix), PER_WEBHOOK))
    check(rx.peak(hs.prefix) == PER_WEBHOOK, "only %d transfers to the slow webhook at once: the cap "
          "was not used" % rx.peak(hs.prefix))


@test
def test_a_slow_host_does_not_hold_up_other_hosts():
    """Three users' webhooks on one slow receiver host (another port) share
    dispatcher_per_host transfers; a webhook on another host is not delayed."""
    stop_all()
    svc = new_service()
    rx2 = rxmod.Receiver().start()
    try:
        users = [new_user("slowhost%d" % i) for i in range(3)]
        for u in users:
            make_hook(u, T()[0], url=rx2.url(prefix() + "slow?ms=6000"))
        fast_user = new_user("fasthost")
        fast = make_hook(fast_user, T()[0], "ok")
        solo("slowhost", delivery_timeout_ms="3s", dispatcher_per_host="3")
        for u in users:
            emit_many(svc, u, T()[0], 10)
        wait_for(lambda: rx2.count() >= 3, 5, "the slow host's first attempts")
        settle(0.5)
        t0 = time.monotonic()
        e = emit(svc, fast_user, T()[0], deliveries=1)
        got = receiver().wait(1, prefix=fast.prefix, event_id=e, timeout=10)
        took = got[0].t - t0 if got else None
        check(got and took < 1.0, "the event for another host took %s s (expected under 1 s)" % (
            None if took is None else "%.2f" % took))
        check(rx2.peak() == 3, "%d transfers to the slow host at once (dispatcher_per_host 3)" % rx2.peak())
    finally:
        rx2.stop()


@test
def test_a_burst_for_one_webhook_goes_out_at_full_speed_within_its_cap():
    """300 events for one webhook with a lease long enough to hold claimed
    deliveries: the dispatcher keeps them and starts each as a slot of the 4
    frees, instead of giving them back to the queue and waiting to poll."""
    stop_all()
    svc = new_service()
    u = new_user("burst")
    h = make_hook(u, T()[0], "slow?ms=20")
    ids = emit_many(svc, u, T()[0], 300, threads=8)
    t0 = time.monotonic()
    solo("burst", dispatcher_lease_ms="60s", delivery_timeout_ms="5s", dispatcher_poll_ms="500ms")
    got = receiver().wait(300, prefix=h.prefix, timeout=30)
    took = time.monotonic() - t0
    check(len({q.webhook_id for q in got}) == 300 and set(ids) <= {q.webhook_id for q in got},
          "%d of 300 events delivered in %.1f s" % (len({q.webhook_id for q in got}), took))
    peak = receiver().peak(h.prefix)
    check(peak <= PER_WEBHOOK, "%d transfers at once (cap %d)" % (peak, PER_WEBHOOK))
    # 300 x 20 ms over 4 slots is 1.5 s; polling every 500 ms for 4 at a
    # time would take 37 s
    check(took < 10, "300 deliveries of 20 ms over %d slots took %.1f s" % (PER_WEBHOOK, took))
    print("#   300 deliveries in %.1f s, at most %d at once" % (took, peak))


@test
def test_held_deliveries_go_back_to_the_queue_on_sigterm():
    """Deliveries a dispatcher holds (claimed, waiting for a slot) are given
    back when it stops, so another dispatcher sends them at once, not after
    their lease."""
    stop_all()
    svc = new_service()
    u = new_user("held_back")
    h = make_hook(u, T()[0], "slow?ms=1500")
    ids = emit_many(svc, u, T()[0], 10)
    d = solo("holder", dispatcher_lease_ms="60s", delivery_timeout_ms="5s", dispatcher_per_webhook="1")
    wait_for(lambda: len(h.reqs()) >= 1, 5, "the first attempt")
    rc = d.stop()
    check(rc == 0, "the dispatcher exited %r on SIGTERM" % rc)
    sent = {q.webhook_id for q in h.reqs()}
    check(len(sent) <= 2, "%d sent before the stop with dispatcher_per_webhook 1" % len(sent))
    t0 = time.monotonic()
    extra("after", dispatcher_per_webhook="8")
    got = receiver().wait(10, prefix=h.prefix, timeout=20)
    took = time.monotonic() - t0
    check(set(ids) <= {q.webhook_id for q in got}, "after the stop, %d of 10 delivered in %.1f s (the "
          "held ones should not wait for their 60 s lease)" % (len(set(ids) & {q.webhook_id for q in got}), took))
    check(took < 15, "the given-back deliveries took %.1f s" % took)


@test
def test_a_held_delivery_changed_while_it_waits_is_not_sent_from_its_copy():
    """A dispatcher holding claimed deliveries (dispatcher_per_webhook 1, a
    slow receiver) checks each one that waited a second or more before it
    sends it: one redelivered meanwhile goes out once, not from the held copy
    and again from the queue; those of a webhook disabled meanwhile never go."""
    stop_all()
    svc = new_service()
    u = new_user("recheck")
    h1 = make_hook(u, T()[0], "slow?ms=1500")
    h2 = make_hook(u, T()[1], "slow?ms=1500")
    ids1 = emit_many(svc, u, T()[0], 3)
    ids2 = emit_many(svc, u, T()[1], 3)
    solo("recheck", dispatcher_lease_ms="60s", delivery_timeout_ms="5s", dispatcher_per_webhook="1")
    wait_for(lambda: h1.reqs() and h2.reqs(), 5, "the first attempt of each webhook")
    first = h1.reqs()[0].webhook_id
    waiting = [e for e in ids1 if e != first]
    d = delivery_of(h1, waiting[0])
    check_single(api("POST", h1.path("deliveries/%s/redeliver/" % d["id"]), u))     # while held
    patch(h2, {"status": "disabled"})                                                 # while held
    receiver().wait(3, prefix=h1.prefix, timeout=15)
    settle(2.0)
    sent1 = [q.webhook_id for q in h1.reqs()]
    check(sorted(sent1) == sorted(ids1), "webhook 1 got %r for the events %r (each exactly once; %r was "
          "redelivered while held)" % (sent1, ids1, waiting[0]))
    sent2 = [q.webhook_id for q in h2.reqs()]
    check(len(sent2) == 1, "webhook 2, disabled while 2 of its 3 deliveries were held, got %d requests %r"
          % (len(sent2), sent2))


@test
def test_files_holding_secrets_must_be_private():
    """The dispatcher refuses a key file, or a configuration file holding
    db_password, that its group or others may read, naming the file (but
    for group read of a root-owned file, the packaged layout)."""
    require("DISPATCHER", "WEBHOOKD_CONF")
    d = state_dir()
    conf = os.path.join(d, "private-%s.conf" % RUN)
    key = os.path.join(d, "private-%s.key" % RUN)
    ctl("key generate %s" % shlex.quote(key))

    def dispatcher_check(conf_mode, key_mode):
        write_conf(conf, dict(BASE_SETTINGS, key_file=key))
        os.chmod(conf, conf_mode)
        os.chmod(key, key_mode)
        p = subprocess.run([DISPATCHER, "-n", "-c", conf], stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=60)
        return p.returncode, (p.stdout + p.stderr).strip()
    rc, out = dispatcher_check(0o600, 0o600)
    check(rc == 0, "private files refused: exit %d: %s" % (rc, out))
    check(conf_get(conf, "db_password"), "the test configuration holds no db_password")
    for cm, km, name in ((0o644, 0o600, conf), (0o660, 0o600, conf), (0o600, 0o660, key),
                         (0o600, 0o604, key), (0o600, 0o650, key)):
        rc, out = dispatcher_check(cm, km)
        check(rc != 0 and name in out and "chmod 600" in out,
              "configuration %o, key file %o: exit %d, %r (expected a refusal naming %s)" % (
                  cm, km, rc, out, name))
    # 0640 root:GROUP is the packaged layout (the service's group reads);
    # for a file of another owner than root group read is refused.
    if os.geteuid() == 0:
        rc, out = dispatcher_check(0o640, 0o640)
        check(rc == 0, "root's files with mode 0640 refused when run as root: exit %d: %s" % (rc, out))
    else:
        rc, out = dispatcher_check(0o640, 0o600)
        check(rc != 0 and conf in out, "a 0640 configuration of uid %d accepted: %s" % (os.geteuid(), out))


# ---- retries ----------------------------------------------------------------

def need_steps(n):
    check(N_STEPS >= n, "webhookd's retry_schedule in %s has %d steps; this test needs at least %d" % (
        WEBHOOKD_CONF, N_STEPS, n))


def check_gap(label, got_s, want_ms, lo=EARLY_MS, hi=LATE_MS):
    check(want_ms - lo <= got_s * 1000 <= want_ms + hi,
          "%s: %.0f ms, expected %d ms (-%d/+%d)" % (label, got_s * 1000, want_ms, lo, hi))


@test
def test_retry_timing_follows_the_schedule_and_webhook_id_is_stable():
    need_steps(2)
    main_dispatcher()
    svc = new_service()
    u = new_user("flaky")
    secret = "flaky-%s" % RUN
    h = make_hook(u, T()[0], "flaky?fail=2", secret=secret)
    e = emit(svc, u, T()[0], deliveries=1)
    got = receiver().wait(3, prefix=h.prefix, timeout=10)
    check(len(got) == 3, "expected 3 attempts (2 failures, 1 success), got %d" % len(got))
    check(all(r.webhook_id == e for r in got), "webhook-id changed across retries: %s (event %s)" % (
        [r.webhook_id for r in got], e))
    check(all(r.body == got[0].body for r in got), "the body changed across retries")
    check(all(r.verified for r in got), "signatures: %r" % [r.sig_match for r in got])
    check(all(r.ts_ok and abs(int(r.timestamp) - r.wall) <= 2 for r in got),
          "webhook-timestamp is not each attempt's time: %r" % [(r.timestamp, round(r.wall)) for r in got])
    check_gap("gap after attempt 1", got[1].t - got[0].t, FAST[0])
    check_gap("gap after attempt 2", got[2].t - got[1].t, FAST[1])
    d = wait_delivery(h, e, timeout=5)
    check(d["attempts"] == 3 and d["response_code"] == 204, "delivery %r" % d)
    log = detail(h, d["id"])["attempt_log"]
    check([(a["response_code"], a["error_class"]) for a in log] == [(500, "http_status"), (500, "http_status"), (204, None)],
          "attempt_log %r" % [(a["response_code"], a["error_class"]) for a in log])
    check(log[0]["response_excerpt"] == "flaky", "a failed attempt's excerpt %r (the body was 'flaky')" %
          log[0]["response_excerpt"])
    w = h.get()
    check(w["consecutive_failures"] == 0 and w["last_delivery"]["status"] == "succeeded",
          "failed attempts of a delivery that succeeded count as failures: %r / %r" % (
              w["consecutive_failures"], w["last_delivery"]))
    lines = [ln for ln in dispatcher_lines(d["id"])]
    check(len(lines) == 3, "expected one dispatcher log line per attempt (3), found %d:\n%s" % (
        len(lines), "\n".join(lines)))


@test
def test_failed_after_the_last_step():
    main_dispatcher()
    svc = new_service()
    u = new_user("fail")
    h = make_hook(u, T()[0], "500")
    e = emit(svc, u, T()[0], deliveries=1)
    t0 = time.monotonic()
    d = wait_delivery(h, e, statuses=("failed",), timeout=FAST_TOTAL + 10)
    took = time.monotonic() - t0
    check(d["attempts"] == ATTEMPTS, "failed after %d attempts, expected 1 + %d steps = %d" % (
        d["attempts"], N_STEPS, ATTEMPTS))
    check(d["response_code"] == 500 and d["error"] and d["next_attempt_at"] is None, "delivery %r" % d)
    check(took >= FAST_TOTAL - 0.1, "failed after %.2f s, the schedule takes %.2f s" % (took, FAST_TOTAL))
    full = detail(h, d["id"])
    check(all(a["error_class"] == "http_status" and a["response_code"] == 500 for a in full["attempt_log"]),
          "attempt_log %r" % full["attempt_log"])
    settle(0.5)
    got = h.reqs()
    check(len(got) == ATTEMPTS and all(r.webhook_id == e for r in got),
          "the receiver got %d requests, expected %d" % (len(got), ATTEMPTS))
    gaps = [round((b.t - a.t) * 1000) for a, b in zip(got, got[1:])]
    for i, (g, want) in enumerate(zip(gaps, FAST)):
        check(want - EARLY_MS <= g <= want + LATE_MS, "gap %d is %d ms, expected %d ms (all gaps %s, schedule %s)" % (
            i + 1, g, want, gaps, FAST))
    w = h.get()
    check(w["status"] == "enabled" and w["consecutive_failures"] == 1, "webhook after one failed delivery: "
          "status %r, consecutive_failures %r" % (w["status"], w["consecutive_failures"]))
    ld = w["last_delivery"]
    check(isinstance(ld, dict) and ld["status"] == "failed" and ld["response_code"] == 500,
          "last_delivery %r" % (ld,))


@test
def test_auto_disable_at_the_threshold_cancels_pending():
    need_steps(1)
    main_dispatcher()
    svc = new_service()
    u = new_user("auto")
    h = make_hook(u, T()[0], "500")
    first = [emit(svc, u, T()[0], {"i": i}, deliveries=1) for i in range(3)]
    t0 = time.monotonic()
    receiver().wait(3, prefix=h.prefix, timeout=5)
    time.sleep(max(0.0, FAST_TOTAL / 2 - (time.monotonic() - t0)))
    late = emit(svc, u, T()[0], {"i": "late"}, deliveries=1)     # pending when the third delivery fails
    w = wait_for(lambda: (lambda w: w if w["status"] == "disabled" else None)(h.get()), FAST_TOTAL + 10,
                 "the webhook to be disabled after 3 failed deliveries")
    t_disabled = time.monotonic()
    check(w["disabled_reason"] == "too_many_failures", "disabled_reason %r" % w["disabled_reason"])
    check(w["consecutive_failures"] == 3, "consecutive_failures %r, expected 3" % w["consecutive_failures"])
    for e in first:
        d = delivery_of(h, e)
        check(d["status"] == "failed" and d["attempts"] == ATTEMPTS, "delivery of %s: %r" % (e, d))
    d = wait_delivery(h, late, statuses=("cancelled", "failed"), timeout=5)
    check(d["status"] == "cancelled", "the pending delivery was not cancelled when the webhook was disabled: %r" % d)
    check(d["attempts"] < ATTEMPTS and d["next_attempt_at"] is None, "cancelled delivery %r" % d)
    n_late = len([r for r in h.reqs() if r.webhook_id == late])
    settle(max(FAST) / 1000.0 + 0.4)
    after = [r for r in h.reqs() if r.webhook_id == late and r.t > t_disabled + 0.1]
    check(not after, "the cancelled delivery was still sent %d time(s)" % len(after))
    check(len([r for r in h.reqs() if r.webhook_id == late]) == n_late, "late attempts went on")
    emit(svc, u, T()[0], deliveries=0)
    w = patch(h, {"status": "enabled"})
    check(w["disabled_reason"] is None and w["consecutive_failures"] == 0,
          "re-enabling kept reason %r / failures %r" % (w["disabled_reason"], w["consecutive_failures"]))
    emit(svc, u, T()[0], deliveries=1)


@test
def test_a_success_resets_the_failure_count_and_manual_sends_do_not_count():
    main_dispatcher()
    svc = new_service()
    u = new_user("reset")
    rx = receiver()
    k = "reset-%s" % RUN
    rx.set_code(k, 500)
    h = make_hook(u, T()[0], "switch?k=%s" % k)

    def fail_two():
        es = [emit(svc, u, T()[0], deliveries=1) for _ in range(2)]
        for e in es:
            wait_delivery(h, e, statuses=("failed",), timeout=FAST_TOTAL + 10)
    fail_two()
    w = h.get()
    check(w["status"] == "enabled" and w["consecutive_failures"] == 2, "after 2 failed deliveries: %r / %r" % (
        w["status"], w["consecutive_failures"]))
    # test deliveries are manual: neither a success nor a failure counts, but
    # each shows in last_delivery (a failing one after its whole schedule)
    for code, status in ((204, "succeeded"), (500, "failed")):
        rx.set_code(k, code)
        r = api("POST", h.path("test/"), u)
        d = expect(r, 202)
        done = wait_delivery(h, d["event_id"], statuses=(status,), timeout=FAST_TOTAL + 10)
        w = h.get()
        check(w["consecutive_failures"] == 2 and w["status"] == "enabled",
              "a %s test delivery changed the failure count: failures %r, status %r" % (
                  status, w["consecutive_failures"], w["status"]))
        ld = w["last_delivery"]
        check(ld is not None and ld["status"] == status and ld["response_code"] == code
              and ld["at"] == done["last_attempt_at"],
              "after a %s test delivery, last_delivery is %r (its last attempt: %s)" % (
                  status, ld, done["last_attempt_at"]))
        if status == "failed":
            check(done["attempts"] == ATTEMPTS, "a failing test delivery made %d attempts, expected the "
                  "schedule's %d" % (done["attempts"], ATTEMPTS))
    rx.set_code(k, 204)
    e = emit(svc, u, T()[0], deliveries=1)
    wait_delivery(h, e, timeout=5)
    w = h.get()
    check(w["consecutive_failures"] == 0, "a successful delivery left consecutive_failures at %r" %
          w["consecutive_failures"])
    check(w["last_delivery"]["status"] == "succeeded" and w["last_delivery"]["response_code"] == 204,
          "last_delivery %r" % w["last_delivery"])
    rx.set_code(k, 500)
    fail_two()
    w = h.get()
    check(w["status"] == "enabled" and w["consecutive_failures"] == 2,
          "2 failures after a success (threshold 3): status %r, failures %r" % (w["status"], w["consecutive_failures"]))


@test
def test_410_gone_disables_at_once():
    need_steps(2)
    main_dispatcher()
    svc = new_service()
    u = new_user("gone")
    rx = receiver()
    k = "gone-%s" % RUN
    rx.set_code(k, 500)
    h = make_hook(u, T()[0], "switch?k=%s" % k)
    e1 = emit(svc, u, T()[0], deliveries=1)
    got = rx.wait(2, prefix=h.prefix, timeout=5)         # attempt 2 at +300 ms, attempt 3 due 800 ms later
    check(len(got) == 2, "expected 2 attempts of the first event, got %d" % len(got))
    rx.set_code(k, 410)
    e2 = emit(svc, u, T()[0], deliveries=1)
    d2 = wait_delivery(h, e2, statuses=("failed",), timeout=5)
    check(d2["attempts"] == 1 and d2["response_code"] == 410, "a 410 was retried or misrecorded: %r" % d2)
    a = detail(h, d2["id"])["attempt_log"][0]
    check(a["error_class"] == "http_status" and a["response_code"] == 410, "attempt %r" % a)
    w = h.get()
    check(w["status"] == "disabled" and w["disabled_reason"] == "gone",
          "after a 410: status %r, disabled_reason %r" % (w["status"], w["disabled_reason"]))
    d1 = wait_delivery(h, e1, statuses=("cancelled", "failed"), timeout=5)
    check(d1["status"] == "cancelled" and d1["attempts"] == 2,
          "the other pending delivery: %r (expected cancelled after 2 attempts)" % d1)
    settle(FAST[1] / 1000.0 + 0.3)
    check(len([r for r in h.reqs() if r.webhook_id == e1]) == 2, "the cancelled delivery was sent again")
    emit(svc, u, T()[0], deliveries=0)


@test
def test_redirect_is_a_failure_and_not_followed():
    main_dispatcher()
    svc = new_service()
    u = new_user("redir")
    h = make_hook(u, T()[0], "redirect")
    e = emit(svc, u, T()[0], deliveries=1)
    full = wait_attempts(h, e, 1, timeout=5)
    a = full["attempt_log"][0]
    check(a["response_code"] == 302 and a["error_class"] == "http_status", "attempt %r" % a)
    check(full["status"] == "pending" or full["attempts"] > 1, "a 302 ended the delivery: %r" % full["status"])
    settle(0.3)
    check(not receiver().requests(route="redirect-target"), "the redirect was followed")


@test
def test_retry_after_on_429_and_503():
    need_steps(2)
    steps = schedule([300, 1500], 300)
    solo("retry_after", retry_schedule=schedule_str(steps))
    svc = new_service()
    cases = [("429?after=1&fail=1", 1000, "429, Retry-After 1 > step 300 ms"),
             ("503?after=1&fail=1", 1000, "503, Retry-After 1 > step 300 ms"),
             ("429?after=0&fail=1", 300, "429, Retry-After 0 < step: the schedule"),
             ("503?after=9&fail=1", 1500, "503, Retry-After 9 s: capped at the longest step 1.5 s")]
    hooks = []
    for route, _, _ in cases:
        u = new_user("ra")
        hooks.append(make_hook(u, T()[0], route))
    events = [emit(svc, h.user, T()[0], deliveries=1) for h in hooks]
    rx = receiver()
    problems = []
    for (route, want, label), h, e in zip(cases, hooks, events):
        got = rx.wait(2, prefix=h.prefix, timeout=8)
        if len(got) < 2:
            problems.append("%s: %d attempt(s) received" % (label, len(got)))
            continue
        gap = (got[1].t - got[0].t) * 1000
        if not (want - EARLY_MS <= gap <= want + LATE_MS):
            problems.append("%s: retried after %.0f ms, expected %d ms" % (label, gap, want))
        d = wait_delivery(h, e, timeout=5)
        if d["attempts"] != 2:
            problems.append("%s: %d attempts" % (label, d["attempts"]))
    check(not problems, "; ".join(problems))


@test
def test_timeout_error_class():
    solo("timeout", delivery_timeout_ms="500ms")
    svc = new_service()
    u = new_user("tmo")
    h = make_hook(u, T()[0], "slow?ms=2500")
    e = emit(svc, u, T()[0], deliveries=1)
    a = wait_attempts(h, e, 1, timeout=6)["attempt_log"][0]
    check(a["error_class"] == "timeout" and a["response_code"] is None, "attempt %r" % a)
    check(400 <= a["duration_ms"] <= 1500, "a 500 ms timeout took %r ms" % a["duration_ms"])


@test
def test_closed_connection_error_class():
    main_dispatcher()
    svc = new_service()
    u = new_user("close")
    h = make_hook(u, T()[0], "close")
    e = emit(svc, u, T()[0], deliveries=1)
    a = wait_attempts(h, e, 1, timeout=5)["attempt_log"][0]
    # the service classes "connected, request sent, connection closed without an
    # answer" as connect (curl: empty reply from server)
    check(a["error_class"] == "connect" and a["response_code"] is None, "attempt %r" % a)
    check(receiver().requests(prefix=h.prefix), "the receiver never saw the request")


@test
def test_big_response_is_too_large_with_a_short_excerpt():
    main_dispatcher()
    svc = new_service()
    u = new_user("big")
    h = make_hook(u, T()[0], "big")
    e = emit(svc, u, T()[0], deliveries=1)
    a = wait_attempts(h, e, 1, timeout=8)["attempt_log"][0]
    check(a["error_class"] == "too_large", "a 2 MiB answer: error_class %r (expected too_large)" % a["error_class"])
    ex = a["response_excerpt"]
    want = (rxmod.BIG_PATTERN * 32)[:1024].decode()
    check(isinstance(ex, str) and len(ex.encode()) <= 1024, "excerpt of %r bytes" % (len(ex) if ex else ex))
    check(ex == want, "the excerpt is not the first 1 KiB of the body: %r" % _trunc(ex, 120))


# ---- test, redeliver, cancel ----------------------------------------------------

@test
def test_response_excerpt_of_non_ascii_bodies_stays_within_1_KiB():
    main_dispatcher()
    svc = new_service()
    cases = [("bytes?head=78&b=c3a9&n=1500", "UTF-8 text whose 1,024th byte is inside a character"),
             ("bytes?b=f09f9880&n=600", "UTF-8 text cut at a character boundary"),
             ("bytes?b=e9&n=2048", "Latin-1 bytes (not UTF-8)")]
    hooks = []
    for route, label in cases:
        u = new_user("excerpt")
        hooks.append((route, label, make_hook(u, T()[0], route)))
    events = [emit(svc, h.user, T()[0], deliveries=1) for _, _, h in hooks]

    def one(i):
        route, label, h = hooks[i]
        d = wait_delivery(h, events[i], timeout=5)
        r = api("GET", h.path("deliveries/%s/" % d["id"]), h.user)
        ex = expect(r, 200)["attempt_log"][0]["response_excerpt"]
        n = len(ex.encode("utf-8"))
        check(n <= 1024, "%s: the excerpt is %d bytes of UTF-8 (%d characters), over 1 KiB; it ends %r" % (
            label, n, len(ex), ex[-3:]), r)
        body = bytes.fromhex(dict(urllib.parse.parse_qsl(route.split("?")[1])).get("head", "")) + \
            bytes.fromhex(dict(urllib.parse.parse_qsl(route.split("?")[1]))["b"]) * 4
        if body.decode("utf-8", "replace").find("\ufffd") < 0:
            check("\ufffd" not in ex, "%s: the excerpt has a U+FFFD the body does not have (a character cut in "
                  "two at the 1 KiB limit): ...%r" % (label, ex[-4:]), r)
    each(range(len(cases)), one)


@test
def test_attempt_count_matches_the_log_when_a_claim_is_lost():
    """An attempt in flight whose claim is taken away (redeliver, or the webhook
    disabled) must still leave `attempts` equal to the length of `attempt_log`."""
    main_dispatcher()
    svc = new_service()
    u = new_user("lost")
    rx = receiver()
    h1 = make_hook(u, T()[0], "slow?ms=1000")
    h2 = make_hook(u, T()[1], "slow?ms=1000")
    e1 = emit(svc, u, T()[0], deliveries=1)
    e2 = emit(svc, u, T()[1], deliveries=1)
    check(rx.wait(1, prefix=h1.prefix, timeout=5) and rx.wait(1, prefix=h2.prefix, timeout=5), "not sent")
    d1 = delivery_of(h1, e1)
    check_single(api("POST", h1.path("deliveries/%s/redeliver/" % d1["id"]), u))     # while in flight
    patch(h2, {"status": "disabled"})                                                  # while in flight
    settle(3.0)

    def one(c):
        h, e, label = c
        d = delivery_of(h, e)
        r = api("GET", h.path("deliveries/%s/" % d["id"]), u)
        b = expect(r, 200)
        log = b["attempt_log"]
        check(b["attempts"] == len(log), "%s: status %s, attempts %d but attempt_log has %d entries %s; the "
              "receiver got %d request(s)" % (label, b["status"], b["attempts"], len(log),
                                              [a["response_code"] for a in log], len(h.reqs())), r)
    each([(h1, e1, "redelivered while in flight"), (h2, e2, "webhook disabled while in flight")], one)


def check_single(r, status=202):
    b = expect(r, status)
    check(isinstance(b, dict) and DELIVERY_KEYS <= set(b) <= DELIVERY_KEYS | {"attempt_log"},
          "expected a delivery in its single form, got keys %s" % (sorted(b) if isinstance(b, dict) else b), r)
    check_delivery(b, r, detail="attempt_log" in b)
    return b


@test
def test_test_endpoint_sends_a_webhook_test_event():
    main_dispatcher()
    u = new_user("test")
    secret = "test-secret-%s" % RUN
    h = make_hook(u, T()[1], "ok", secret=secret)
    r = api("POST", h.path("test/"), u)        # no body, no Content-Type
    d = check_single(r)
    check(d["event_type"] == "webhook.test" and d["status"] == "pending" and d["attempts"] == 0
          and d["next_attempt_at"] is not None and d["attempt_log"] == [],
          "the queued test delivery: %r" % d, r)
    got = receiver().wait(1, prefix=h.prefix, timeout=5)
    check(len(got) == 1, "the test event was not received")
    q = got[0]
    check(q.webhook_id == d["event_id"], "webhook-id %r, expected the delivery's event_id %s" % (q.webhook_id, d["event_id"]))
    check(isinstance(q.json, dict) and q.json.get("type") == "webhook.test" and q.json.get("webhook") == h.id
          and isinstance(q.json.get("data"), dict) and TS_RE.match(str(q.json.get("timestamp"))),
          "test body %r" % _trunc(q.body, 300))
    check(q.verified is True, "the test event's signature does not verify: %r" % q.headers.get("webhook-signature"))
    done = wait_delivery(h, d["event_id"], timeout=5)
    check(done["id"] == d["id"] and done["attempts"] == 1, "delivery %r" % done)
    w = h.get()
    ld = w["last_delivery"]
    check(ld is not None and ld["status"] == "succeeded" and ld["response_code"] == 204
          and ld["at"] == done["last_attempt_at"] and w["consecutive_failures"] == 0,
          "after a test delivery: last_delivery %r (expected its attempt at %s), failures %r" % (
              ld, done["last_attempt_at"], w["consecutive_failures"]))
    # The answer shows what was queued, never a dispatcher's claim or outcome
    # that raced it (the dispatcher is woken as the delivery is queued).
    for i in range(20):
        r = api("POST", h.path("test/"), u)
        q = check_single(r)
        # queued: due when created; a dispatcher's claim would have moved
        # next_attempt_at past its lease (or hidden it: in flight)
        check(q["status"] == "pending" and q["attempts"] == 0 and q["attempt_log"] == []
              and q["next_attempt_at"] is not None and q["next_attempt_at"] == q["created_at"],
              "test/ #%d answered %r" % (i + 1, q), r)
    got = receiver().wait(21, prefix=h.prefix, timeout=10)
    check(len(got) == 21, "%d of 21 test events received" % len(got))
    # a disabled webhook still gets test deliveries
    patch(h, {"status": "disabled"})
    d2 = check_single(api("POST", h.path("test/"), u))
    got = receiver().wait(22, prefix=h.prefix, timeout=5)
    check(len(got) == 22 and d2["event_id"] in [g.webhook_id for g in got],
          "a disabled webhook's test event was not sent")
    wait_delivery(h, d2["event_id"], timeout=5)
    # also with a JSON body and a Content-Type
    check_single(api("POST", h.path("test/"), u, json_body={}))
    other = new_user("test_other")
    for path in (h.path("test/"), WEBHOOKS + str(uuid.uuid4()) + "/test/", WEBHOOKS + "not-a-uuid/test/"):
        expect_error(api("POST", path, other), 404, "not_found")


@test
def test_redeliver_a_failed_delivery():
    main_dispatcher()
    svc = new_service()
    u = new_user("redeliver")
    rx = receiver()
    k = "redeliver-%s" % RUN
    rx.set_code(k, 500)
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    h = make_hook(u, T()[0], "switch?k=%s" % k, secret=secret)
    e = emit(svc, u, T()[0], deliveries=1)
    d = wait_delivery(h, e, statuses=("failed",), timeout=FAST_TOTAL + 10)
    before = h.get()
    check(before["consecutive_failures"] == 1, "consecutive_failures %r" % before["consecutive_failures"])
    rx.set_code(k, 204)
    r = api("POST", h.path("deliveries/%s/redeliver/" % d["id"]), u)      # no body
    b = check_single(r)
    check(b["id"] == d["id"] and b["event_id"] == e and b["status"] == "pending" and b["attempts"] == ATTEMPTS,
          "redeliver answered %r (expected the same delivery, pending, attempts unchanged)" % b, r)
    check(b["next_attempt_at"] is not None, "a pending delivery without next_attempt_at", r)
    done = wait_delivery(h, e, timeout=5)
    check(done["id"] == d["id"] and done["attempts"] == ATTEMPTS + 1 and done["response_code"] == 204,
          "after redelivery %r" % done)
    full = detail(h, d["id"])
    check(full["attempt_log"][-1]["error_class"] is None and full["attempt_log"][-1]["response_code"] == 204,
          "last attempt %r" % full["attempt_log"][-1])
    got = h.reqs()
    check(len(got) == ATTEMPTS + 1, "received %d requests, expected %d" % (len(got), ATTEMPTS + 1))
    check(all(q.webhook_id == e for q in got), "webhook-id changed on redelivery: %s" % [q.webhook_id for q in got])
    check(got[-1].body == got[0].body and got[-1].verified, "the redelivered body differs or does not verify")
    after = h.get()
    ld = after["last_delivery"]
    check(after["consecutive_failures"] == before["consecutive_failures"],
          "a redelivery changed the failure count: %r -> %r" % (
              before["consecutive_failures"], after["consecutive_failures"]))
    check(ld is not None and ld["status"] == "succeeded" and ld["response_code"] == 204
          and ld["at"] == done["last_attempt_at"],
          "after the redelivery succeeded, last_delivery is %r (before %r)" % (ld, before["last_delivery"]))
    # again (a succeeded delivery), and to a disabled webhook: sent all the same
    patch(h, {"status": "disabled"})
    check_single(api("POST", h.path("deliveries/%s/redeliver" % d["id"]), u))
    wait_delivery(h, e, timeout=5, min_attempts=ATTEMPTS + 2)
    check(len(h.reqs()) == ATTEMPTS + 2, "a disabled webhook's redelivery was not sent")
    # 404s: another user, an unknown delivery, a delivery of another webhook, malformed ids
    other = new_user("redeliver_other")
    h2 = make_hook(u, T()[1], "ok")
    t2 = check_single(api("POST", h2.path("test/"), u))
    for who, path in ((other, h.path("deliveries/%s/redeliver/" % d["id"])),
                      (u, h.path("deliveries/%s/redeliver/" % uuid.uuid4())),
                      (u, h.path("deliveries/%s/redeliver/" % t2["id"])),
                      (u, h.path("deliveries/not-a-uuid/redeliver/")),
                      (other, h.path("deliveries/%s/" % d["id"])),
                      (u, h.path("deliveries/%s/" % t2["id"])),
                      (u, h.path("deliveries/%s/" % uuid.uuid4())),
                      (u, h.path("deliveries/zzz/")),
                      (other, h.path("deliveries/"))):
        expect_error(api("POST" if path.endswith("redeliver/") else "GET", path, who), 404, "not_found")


@test
def test_disabling_or_deleting_a_webhook_cancels_its_pending_deliveries():
    need_steps(1)
    main_dispatcher()
    svc = new_service()
    u1, u2 = new_user("cancel1"), new_user("cancel2")
    h1, h2 = make_hook(u1, T()[0], "500"), make_hook(u2, T()[0], "500")
    e1 = emit(svc, u1, T()[0], deliveries=1)
    emit(svc, u2, T()[0], deliveries=1)
    rx = receiver()
    check(rx.wait(1, prefix=h1.prefix, timeout=5) and rx.wait(1, prefix=h2.prefix, timeout=5),
          "first attempts not received")
    patch(h1, {"status": "disabled"})
    r = api("DELETE", h2.path(), u2)
    check(r.status == 204, "DELETE answered %d" % r.status, r)
    t_done = time.monotonic()
    d1 = delivery_of(h1, e1)
    check(d1["status"] == "cancelled" and d1["next_attempt_at"] is None, "after disabling: %r" % d1)
    check(h1.get()["disabled_reason"] == "manual", "disabled_reason %r" % h1.get()["disabled_reason"])
    expect_error(api("GET", h2.path("deliveries/"), u2), 404, "not_found")
    settle(FAST_TOTAL / 2 + 0.3)
    late = [q for q in rx.requests(prefix=h1.prefix) + rx.requests(prefix=h2.prefix) if q.t > t_done + 0.15]
    check(not late, "%d attempt(s) went out after the webhook was disabled/deleted: %r" % (len(late), late))
    emit(svc, u1, T()[0], deliveries=0)
    emit(svc, u2, T()[0], deliveries=0)


@test
def test_disable_and_delete_while_attempts_are_being_recorded():
    """PATCH status and DELETE change the webhook and cancel its pending deliveries
    in one transaction while the dispatcher records attempts (a delivery, then its
    webhook's monitoring fields): none of these requests may fail with a 503."""
    main_dispatcher()
    svc = new_service("svc_race")
    u = new_user("race")
    h = make_hook(u, T()[0], "ok")
    codes = {}
    samples = {}
    stop = threading.Event()
    lk = threading.Lock()

    def note(label, r):
        with lk:
            codes.setdefault(label, {}).setdefault(r.status, 0)
            codes[label][r.status] += 1
            if r.status >= 500 and label not in samples:
                samples[label] = r

    def feeder():
        while not stop.is_set():
            note("POST /events/", api("POST", EVENTS, svc, json_body={
                "api_template": T()[0]["id"], "user": u.name, "data": {"race": True}}))
    feeders = [threading.Thread(target=feeder) for _ in range(4)]
    for f in feeders:
        f.start()
    try:
        time.sleep(0.3)
        for _ in range(80):
            note("PATCH status disabled", api("PATCH", h.path(), u, json_body={"status": "disabled"}))
            time.sleep(0.01)
            note("PATCH status enabled", api("PATCH", h.path(), u, json_body={"status": "enabled"}))
            time.sleep(0.03)
    finally:
        stop.set()
        for f in feeders:
            f.join()
    note("DELETE", api("DELETE", h.path(), u))
    bad = {k: v for k, v in codes.items() if any(c >= 500 for c in v)}
    first = next(iter(samples.values()), None)
    check(not bad, "server errors while the dispatcher recorded attempts: %s (all answers: %s)" % (bad, codes), first)


# ---- the deliveries list ------------------------------------------------------

@fixture
def thousand():
    """A webhook with 1,000 delivered events: (hook, [event ids in posting order])."""
    main_dispatcher()
    svc = new_service("svc1000")
    u = new_user("k1000")
    h = make_hook(u, T()[0], "ok", keep=True)
    events = emit_many(svc, u, T()[0], 1000, threads=8, key_prefix="k1000-%s" % RUN)
    check(len(set(events)) == 1000, "1,000 events gave %d distinct ids" % len(set(events)))
    rx = receiver()
    got = rx.wait(1000, prefix=h.prefix, timeout=90)
    check(len({q.webhook_id for q in got}) == 1000, "only %d of 1,000 events were received in 90 s" %
          len({q.webhook_id for q in got}))
    # received is not yet recorded: wait for the last attempts to be written
    wait_for(lambda: all(d["status"] == "succeeded" for d in all_deliveries(h)), 20,
             "all 1,000 deliveries recorded as succeeded", interval=0.5)
    return h, events


@test
def test_deliveries_list_pages_through_1000_with_cursors():
    h, events = thousand()
    b, r = list_page(h)
    check(len(b["results"]) == 20 and b["next"], "the default page has %d results, next %r" % (
        len(b["results"]), b["next"]), r)
    b, r = list_page(h, "?limit=100&unknown=x")
    pages = [b]
    while b["next"]:
        check(len(pages) <= 11, "more than 11 pages of 100", r)
        nxt = urllib.parse.urlsplit(b["next"])
        check(nxt.scheme == SCHEME and nxt.netloc == HOST_HEADER and nxt.path == h.path("deliveries/"),
              "next %r is not an absolute URL of this list" % b["next"], r)
        q = urllib.parse.parse_qs(nxt.query)
        check(q.get("limit") == ["100"] and len(q.get("cursor", [])) == 1,
              "next %r does not carry limit=100 and one cursor" % b["next"], r)
        r = follow(b["next"], h.user)
        b = expect(r, 200)
        pages.append(b)
    check(len(pages) == 10, "expected 10 pages of 100, got %d (sizes %s)" % (len(pages), [len(p["results"]) for p in pages]))
    check(all(len(p["results"]) == 100 for p in pages), "page sizes %s" % [len(p["results"]) for p in pages])
    rows = [d for p in pages for d in p["results"]]
    ids = [d["id"] for d in rows]
    check(len(set(ids)) == 1000, "%d distinct deliveries in 1,000 rows (duplicates)" % len(set(ids)))
    check({d["event_id"] for d in rows} == set(events), "the pages do not hold exactly the 1,000 events (gaps)")
    keys = [(d["created_at"], d["id"]) for d in rows]
    bad = [i for i in range(1, len(keys)) if not keys[i - 1] > keys[i]]
    check(not bad, "not newest first (created_at desc, id desc) at rows %s: %s" % (bad[:5], keys[bad[0] - 1:bad[0] + 1] if bad else ""))
    not_ok = [d for d in rows if d["status"] != "succeeded" or d["attempts"] != 1]
    check(not not_ok, "%d of 1,000 deliveries to /ok are not succeeded with 1 attempt: %r" % (len(not_ok), not_ok[:2]))


@test
def test_deliveries_list_parameters():
    h, _ = thousand()
    b, r = list_page(h, "?limit=1000")
    check(len(b["results"]) == 100, "limit=1000 gave %d results (expected the cap, 100)" % len(b["results"]), r)
    b, r = list_page(h, "?limit=99999999999999999999999999")
    check(len(b["results"]) == 100, "an unrepresentable limit gave %d results (expected 100)" % len(b["results"]), r)
    b, r = list_page(h, "?limit=1")
    check(len(b["results"]) == 1 and b["next"], "limit=1: %d results, next %r" % (len(b["results"]), b["next"]), r)
    b2, r = list_page(h, "?limit=1&limit=5")
    check(len(b2["results"]) == 1, "a repeated limit: the first should count", r)
    good_cursor = urllib.parse.parse_qs(urllib.parse.urlsplit(b["next"]).query)["cursor"][0]

    def bad(q):
        expect_error(api("GET", h.path("deliveries/") + q, h.user), 400, "invalid",
                     ["limit"] if q.startswith("?limit") else ["cursor"])
    each(["?limit=0", "?limit=-1", "?limit=abc", "?limit=1.5", "?limit=", "?limit=%201",
          "?cursor=", "?cursor=abc", "?cursor=" + good_cursor[:-1], "?cursor=" + good_cursor + "0",
          "?cursor=" + urllib.parse.quote(good_cursor.replace("_", "-")),
          "?cursor=%00" + good_cursor[1:]], bad)
    # a cursor whose time part is no real time is malformed like any other
    each(["?cursor=" + t + "_" + str(uuid.uuid4()) for t in (
        "00000000000000000000", "99999999999999999999", "20261399256199999999",
        "20260230120000000000", "20261207240000000000", "20261207236000000000",
        "09991231235959999999")], bad)
    # a real time that points before every delivery: an empty page
    b, r = list_page(h, "?cursor=10000101000000000000_" + str(uuid.uuid4()))
    check(b["results"] == [] and b["next"] is None, "a cursor before every delivery: %r" % b, r)
    other = new_user("list_other")
    expect_error(api("GET", h.path("deliveries/"), other), 404, "not_found")
    expect_error(api("GET", WEBHOOKS + str(uuid.uuid4()) + "/deliveries/", h.user), 404, "not_found")
    expect_error(api("GET", WEBHOOKS + "nope/deliveries/", h.user), 404, "not_found")
    d = list_page(h, "?limit=1")[0]["results"][0]
    expect_error(api("GET", h.path("deliveries/%s/" % d["id"]), other), 404, "not_found")
    full = detail(h, d["id"])
    check({k: full[k] for k in DELIVERY_KEYS} == d, "the detail differs from the list entry: %r vs %r" % (full, d))


# ---- the dispatcher -------------------------------------------------------------

@test
def test_private_addresses_refused_at_delivery_time():
    solo("no_private", allow_private_endpoints="false")
    svc = new_service()
    u = new_user("ssrf")
    rx = receiver()
    urls = [("localhost", "http://localhost:%d%%sok" % rx.port),
            ("127.0.0.1", "http://127.0.0.1:%d%%sok" % rx.port),
            ("[::ffff:127.0.0.1]", "http://[::ffff:127.0.0.1]:%d%%sok" % rx.port)]
    hooks = []
    for i, (label, fmt) in enumerate(urls):
        p = prefix()
        r = api("POST", WEBHOOKS, u, json_body={"api_template": T()[i]["id"], "endpoint_url": fmt % p})
        b = expect(r, 201)      # the API allows private endpoints here; the dispatcher does not
        CLEANUP.append((u, b["id"]))
        hooks.append((label, Hook(u, b, p, fmt % p, None)))
    events = [emit(svc, u, T()[i], deliveries=1) for i in range(len(urls))]
    problems = []
    for (label, h), e in zip(hooks, events):
        a = wait_attempts(h, e, 1, timeout=6)["attempt_log"][0]
        if a["error_class"] != "refused_address" or a["response_code"] is not None:
            problems.append("%s: error_class %r, response_code %r, error %r" % (
                label, a["error_class"], a["response_code"], a["error"]))
    settle(0.3)
    for label, h in hooks:
        if rx.requests(prefix=h.prefix):
            problems.append("%s: the receiver got %d request(s)" % (label, len(rx.requests(prefix=h.prefix))))
    check(not problems, "; ".join(problems))


@test
def test_webhookctl_emit_and_deliveries_list():
    """The operator's side: `webhookctl emit` queues like POST /events/ (an
    idempotency key replays), `deliveries list` shows the outcome, and a bad
    --limit or an unknown user is refused."""
    main_dispatcher()
    u = new_user("cli")
    h = make_hook(u, T()[0], "ok")
    key = "cli-%s" % RUN
    args = "emit %s %s %s --idempotency-key %s" % (
        shlex.quote(T()[0]["name"]), shlex.quote(u.name), shlex.quote('{"document_id": "cli-1"}'), key)
    out = ctl(args).split()
    check(len(out) == 2 and UUID_RE.match(out[0]) and out[1] == "1", "`webhookctl emit` printed %r" % out)
    again = ctl(args).split()
    check(again == out, "the same idempotency key answered %r, then %r" % (out, again))
    d = wait_delivery(h, out[0], timeout=10)
    settle(0.3)
    check(len(h.reqs()) == 1 and h.reqs()[0].webhook_id == out[0],
          "the receiver got %d request(s) for one event emitted twice with one key" % len(h.reqs()))
    rows = [ln.split("\t") for ln in ctl("deliveries list --webhook %s --status succeeded --limit 5" % h.id)
            .splitlines()[1:]]
    check([(r[0], r[1], r[3].strip()) for r in rows] == [(d["id"], h.id, "succeeded")],
          "`deliveries list` rows %r" % rows)
    for bad in ("deliveries list --limit 0", "deliveries list --limit x",
                "emit %s nobody_%s '{}'" % (shlex.quote(T()[0]["name"]), RUN)):
        p = subprocess.run("%s %s" % (WEBHOOKCTL, bad), shell=True, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
        check(p.returncode != 0 and p.stderr.strip(), "`webhookctl %s` exited %d (stderr %r)" % (
            bad, p.returncode, p.stderr))


@test
def test_claimed_delivery_of_a_disabled_webhook_is_cancelled():
    """A pending delivery whose webhook is disabled by the time it is claimed (here:
    an operator's `webhookctl deliveries retry` of a cancelled one; in production
    also an event accepted while its webhook is being disabled) is cancelled by the
    dispatcher, which must go on working.  (A deleted webhook takes the same path;
    it is not tested because nothing but a dispatcher could clean up after it.)"""
    stop_all()
    svc = new_service()
    u = new_user("orphan")
    h = make_hook(u, T()[0], "ok")
    e = emit(svc, u, T()[0], deliveries=1)
    d0 = delivery_of(h, e)
    patch(h, {"status": "disabled"})
    check(delivery_of(h, e)["status"] == "cancelled", "disabling did not cancel the pending delivery")
    ctl("deliveries retry %s" % d0["id"])
    check(delivery_of(h, e)["status"] == "pending", "`webhookctl deliveries retry` did not make it pending")
    d = extra("orphans")
    settle(1.5)
    check(d.alive(), "the dispatcher died (exit %s) claiming a delivery of a disabled webhook; log:\n%s" % (
        d.proc.returncode, d.log_tail(8)))
    bad = [ln for ln in d.log_text().splitlines() if "out of sync" in ln]
    check(not bad, "the dispatcher ran a statement in the middle of fetching the claimed rows (then dropped the "
          "connection and the statement it was still reading):\n%s" % "\n".join(bad[:4]))
    got = delivery_of(h, e)
    check(got["status"] == "cancelled" and got["attempts"] == 0, "the disabled webhook's delivery: %r" % got)
    check(not h.reqs(), "a disabled webhook's delivery was sent")
    # and it still delivers
    u2 = new_user("orphan2")
    h2 = make_hook(u2, T()[0], "ok")
    e2 = emit(svc, u2, T()[0], deliveries=1)
    wait_delivery(h2, e2, timeout=5)


@test
def test_two_dispatchers_send_each_attempt_once():
    """200 events queued before two dispatchers start side by side (both claim from
    the same backlog), 100 more while both run; 16 sends at a time each, 100 ms each,
    so that both are busy at once."""
    stop_all()
    svc = new_service("svc_pair")
    u = new_user("pair")
    h = make_hook(u, T()[0], "slow?ms=100")
    events = emit_many(svc, u, T()[0], 200, threads=8)
    pair = [extra("pair_a", dispatcher_concurrency=16, dispatcher_batch=8),
            extra("pair_b", dispatcher_concurrency=16, dispatcher_batch=8)]
    events += emit_many(svc, u, T()[0], 100, threads=8)
    rx = receiver()
    rx.wait(300, prefix=h.prefix, timeout=40)

    def done():
        ds = all_deliveries(h)
        return ds if len(ds) == 300 and all(d["status"] == "succeeded" for d in ds) else None
    ds = wait_for(done, 20, "all 300 deliveries succeeded", interval=0.5)
    settle(0.5)
    got = [q.webhook_id for q in h.reqs()]
    dup = sorted({e for e in got if got.count(e) > 1})
    missing = set(events) - set(got)
    check(not dup and not missing, "%d events received more than once (%s...), %d never" % (
        len(dup), dup[:3], len(missing)))
    bad = [d for d in ds if d["attempts"] != 1]
    check(not bad, "%d deliveries with attempts != 1: %r" % (len(bad), bad[:2]))
    per = [sum(1 for line in d.log_text().splitlines() if " webhook %s " % h.id in line and " attempt " in line)
           for d in pair]
    check(sum(per) == 300, "the dispatchers logged %s attempts (sum %d), expected 300" % (per, sum(per)))
    check(all(n > 0 for n in per), "one dispatcher did everything (%s): the test did not run them side by side" % per)
    print("#   attempts per dispatcher: %s" % per)


@test
def test_notify_socket_survives_another_dispatcher_stopping():
    path = conf_get(WEBHOOKD_CONF, "dispatcher_notify") if WEBHOOKD_CONF else None
    check(path, "WEBHOOKD_CONF sets no dispatcher_notify")
    first = solo("notify_a")
    second = extra("notify_b")
    check(os.path.exists(path), "%s missing while two dispatchers run" % path)
    rc = first.stop()
    check(rc == 0, "the first dispatcher exited %r" % rc)
    check(second.alive(), "the second dispatcher died")
    check(os.path.exists(path), "stopping one dispatcher removed %s, the wake-up socket the other one (still "
          "running) had bound: webhookd's pokes now go nowhere and deliveries wait for the poll" % path)


@test
def test_sigterm_finishes_in_flight_sends():
    d = solo("sigterm")
    svc = new_service()
    u = new_user("term")
    h = make_hook(u, T()[0], "slow?ms=1500")
    e = emit(svc, u, T()[0], deliveries=1)
    check(receiver().wait(1, prefix=h.prefix, timeout=5), "not sent")
    t0 = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    try:
        rc = d.proc.wait(20)
    except subprocess.TimeoutExpired:
        d.stop()
        raise Fail("the dispatcher did not exit within 20 s of SIGTERM")
    took = time.monotonic() - t0
    check(rc == 0, "exit status %r after SIGTERM; log:\n%s" % (rc, d.log_tail()))
    check(took >= 1.0, "exited %.2f s after SIGTERM, before its 1.5 s send finished" % took)
    dl = delivery_of(h, e)
    check(dl["status"] == "succeeded" and dl["attempts"] == 1, "the in-flight send was not recorded: %r" % dl)


@test
def test_kill9_mid_batch_then_restart_delivers_everything():
    stop_all()
    svc = new_service("svc_kill")
    u = new_user("kill")
    h = make_hook(u, T()[0], "slow?ms=300")
    events = emit_many(svc, u, T()[0], 200, threads=8)
    d1 = extra("kill_a")
    rx = receiver()
    check(rx.wait(1, prefix=h.prefix, timeout=5), "nothing sent")
    time.sleep(0.5)
    d1.kill9()
    t_kill = time.monotonic()
    ds = all_deliveries(h)
    stuck = [d for d in ds if d["status"] == "pending"]
    check(stuck, "every delivery was done before the kill: the test did not kill mid-batch")
    print("#   at kill -9: %d received, %d pending" % (len({q.webhook_id for q in h.reqs()}), len(stuck)))
    extra("kill_b")
    lease = 3.0

    def done():
        ds = all_deliveries(h)
        return ds if all(d["status"] == "succeeded" for d in ds) and len(ds) == 200 else None
    try:
        ds = wait_for(done, lease + 20, "all 200 deliveries succeeded after the restart", interval=0.5)
    except Fail:
        ds = all_deliveries(h)
        raise Fail("%.0f s after kill -9: %s" % (time.monotonic() - t_kill, {
            s: len([d for d in ds if d["status"] == s]) for s in STATUSES}))
    got = {q.webhook_id for q in h.reqs()}
    check(set(events) <= got, "%d events never received" % len(set(events) - got))
    took = time.monotonic() - t_kill
    print("#   all delivered %.1f s after kill -9; %d requests for 200 events" % (took, len(h.reqs())))


@test
def test_idle_metrics_clients_never_block_deliveries():
    """Clients that connect to the metrics port and send nothing (more of them
    than it serves at once) change no delivery's timing, and a scrape still
    gets its answer."""
    d = main_dispatcher()
    svc = new_service()
    u = new_user("metrics_idle")
    h = make_hook(u, T()[0], "ok")
    idle = []
    try:
        for _ in range(12):
            idle.append(socket.create_connection(("127.0.0.1", d.port), timeout=5))
        settle(0.2)
        for i in range(3):
            t0 = time.monotonic()
            e = emit(svc, u, T()[0], {"i": i}, deliveries=1)
            got = receiver().wait(1, prefix=h.prefix, event_id=e, timeout=15)
            took = got[0].t - t0 if got else None
            check(got and took < 1.0, "with idle metrics clients connected, delivery %d took %s s" % (
                i, None if took is None else "%.2f" % took))
        t0 = time.monotonic()
        status, _, _, vals = d.scrape(timeout=10)
        check(status == 200 and "webhookd_in_flight" in vals, "scrape beside idle clients: %s %r" % (status, vals))
        print("#   scrape beside 12 idle clients answered in %.2f s" % (time.monotonic() - t0))
    finally:
        for c in idle:
            c.close()
    # a request whose blank line arrives split over two writes is answered
    s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    try:
        s.sendall(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r")
        time.sleep(0.2)
        s.sendall(b"\n")
        got = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    finally:
        s.close()
    check(got.startswith(b"HTTP/1.0 200") and b"webhookd_queue_depth" in got,
          "a request head split over two writes got %r" % got[:200])


@test
def test_metrics_show_a_backlog():
    stop_all()
    svc = new_service("svc_metrics")
    u = new_user("metrics")
    h = make_hook(u, T()[0], "slow?ms=200")
    emit_many(svc, u, T()[0], 60, threads=8)
    time.sleep(0.6)
    d = extra("metrics", dispatcher_concurrency="1", dispatcher_batch="1")
    status, ctype, text, m = d.scrape()
    check(status == 200, "metrics answered %d" % status)
    check((ctype or "").startswith("text/plain"), "Content-Type %r" % ctype)
    for name in ("webhookd_queue_depth", "webhookd_oldest_due_seconds", "webhookd_in_flight",
                 "webhookd_unrecorded", 'webhookd_attempts_total{result="succeeded"}',
                 'webhookd_attempts_total{result="failed"}', "webhookd_database_up"):
        check(name in m, "metric %s missing:\n%s" % (name, text))
    for name in ("webhookd_queue_depth", "webhookd_oldest_due_seconds", "webhookd_database_up"):
        check("# TYPE %s gauge" % name in text, "no TYPE line for %s" % name)
    check(m["webhookd_queue_depth"] >= 50, "queue depth %r with 60 queued (expected >= 50)\n%s" % (
        m["webhookd_queue_depth"], text))
    check(m["webhookd_oldest_due_seconds"] >= 0.5, "oldest due %r s, the backlog has waited >= 0.6 s" %
          m["webhookd_oldest_due_seconds"])
    check(m["webhookd_in_flight"] <= 1, "in flight %r with dispatcher_concurrency 1" % m["webhookd_in_flight"])
    check(m["webhookd_database_up"] == 1, "database_up %r" % m["webhookd_database_up"])
    time.sleep(1.2)
    _, _, text2, m2 = d.scrape("/anything")
    check(m2['webhookd_attempts_total{result="succeeded"}'] >= 2, "attempts after 1.2 s: %s" % text2)
    check(m2["webhookd_queue_depth"] < m["webhookd_queue_depth"], "the queue did not shrink: %r -> %r" % (
        m["webhookd_queue_depth"], m2["webhookd_queue_depth"]))
    check(m2["webhookd_oldest_due_seconds"] >= m["webhookd_oldest_due_seconds"],
          "oldest due went from %r to %r while the backlog drained one at a time" % (
              m["webhookd_oldest_due_seconds"], m2["webhookd_oldest_due_seconds"]))
    r = api("DELETE", h.path(), u)
    check(r.status == 204, "DELETE %d" % r.status, r)
    # the queue's figures are at most a second old (one query a second at most)
    m3 = wait_for(lambda: (lambda v: v if v["webhookd_queue_depth"] <= m2["webhookd_queue_depth"] - 40
                           else None)(d.scrape()[3]), 3,
                  "the queue depth to drop after deleting the webhook (was %r)" % m2["webhookd_queue_depth"])


@test
def test_database_restart_while_delivering():
    require("DB_STOP_CMD", "DB_START_CMD")
    d = main_dispatcher()
    svc = new_service("svc_db")
    u = new_user("dbrestart")
    h = make_hook(u, T()[0], "slow?ms=200")
    events = emit_many(svc, u, T()[0], 100, threads=8)
    rx = receiver()
    check(rx.wait(1, prefix=h.prefix, timeout=5), "nothing sent")
    rc, out = sh(DB_STOP_CMD)
    err = None
    outage = {}
    try:
        check(rc == 0, "DB_STOP_CMD exited %s: %s" % (rc, out.strip()[-600:]))
        t_stop = time.monotonic()
        r = api("POST", EVENTS, svc, json_body={"api_template": T()[0]["id"], "user": u.name, "data": {}}, timeout=10)
        outage["event"] = r.status
        try:
            outage["metrics"] = d.scrape(timeout=10)[3].get("webhookd_database_up")
        except Exception as e:  # noqa: BLE001
            outage["metrics"] = "scrape failed: %s" % e
        time.sleep(max(0.0, 2.0 - (time.monotonic() - t_stop)))
    except BaseException as e:  # noqa: BLE001 -- start the database whatever happened
        err = e
    rc, out = sh(DB_START_CMD)
    if err is not None:
        raise err
    check(rc == 0, "DB_START_CMD exited %s: %s" % (rc, out.strip()[-600:]))
    check(outage["event"] == 503, "an event posted during the outage got HTTP %r (expected 503)" % outage["event"])
    check(d.alive(), "the dispatcher died with the database; log:\n%s" % d.log_tail())

    def done():
        try:
            ds = all_deliveries(h)
        except (Fail, NoResponse):
            return None
        return ds if len(ds) == 100 and all(x["status"] == "succeeded" for x in ds) else None
    try:
        wait_for(done, 45, "all 100 deliveries succeeded after the restart", interval=0.5)
    except Fail:
        ds = all_deliveries(h)
        raise Fail("after the restart: %s; dispatcher log:\n%s" % (
            {s: len([x for x in ds if x["status"] == s]) for s in STATUSES}, d.log_tail()))
    got = {q.webhook_id for q in h.reqs()}
    check(set(events) <= got, "%d accepted events never received" % len(set(events) - got))
    check(d.alive(), "the dispatcher died")
    m = d.scrape()[3]
    check(m.get("webhookd_database_up") == 1, "database_up %r after the restart" % m.get("webhookd_database_up"))
    check(outage["metrics"] in (0, 0.0), "during the outage webhookd_database_up was %r (expected 0)" % outage["metrics"])
    print("#   %d requests for 100 events" % len(h.reqs()))


# ---- across the whole run --------------------------------------------------------

def one_signed_delivery():
    """Makes sure the run has delivered at least one signed event (for the checks
    over the whole run when they run alone)."""
    if any(q.secrets for q in receiver().requests()):
        return
    main_dispatcher()
    svc, u = new_service(), new_user("signed")
    h = make_hook(u, T()[0], "ok", secret="one-signed-%s" % RUN)
    e = emit(svc, u, T()[0], deliveries=1)
    check(receiver().wait(1, prefix=h.prefix, timeout=5), "event %s not delivered" % e)


@test
def test_every_signed_request_verified():
    one_signed_delivery()
    rx = receiver()
    reqs = rx.requests()
    signed = [q for q in reqs if q.secrets]
    check(signed, "no signed request was received during the run")
    bad = [q for q in signed if not q.verified]
    check(not bad, "%d of %d signed requests do not verify: %r" % (len(bad), len(signed), bad[:3]))
    late = [q for q in reqs if q.webhook_id and not q.ts_ok]
    check(not late, "%d requests with a bad webhook-timestamp: %r" % (len(late), late[:3]))
    nosig = [q for q in reqs if not q.secrets and any(e.startswith("v1,") for e in q.sig_entries)
             and q.json and q.json.get("webhook") in rx._secrets]
    check(not nosig, "v1 signatures on requests of webhooks without a secret: %r" % nosig[:3])
    stray = [q for q in reqs if not q.public_keys and any(e.startswith("v1a,") for e in q.sig_entries)]
    check(not stray, "v1a signatures on requests of webhooks without a signing key: %r" % stray[:3])


@test
def test_dispatcher_logs_never_hold_a_secret():
    one_signed_delivery()
    with _lock:
        ds = list(ALL_DISPATCHERS)
    check(ds, "no dispatcher ran")
    secrets = set()
    for q in receiver().requests():
        secrets.update(s for s in q.secrets if len(s) >= 8)
    leaks = []
    for d in ds:
        text = d.log_text()
        for s in secrets:
            if s in text or (s.startswith("whsec_") and s[6:] in text):
                leaks.append((d.log, s[:6] + "..."))
    check(not leaks, "secrets in dispatcher logs: %r" % leaks)
    sane = [d for d in ds if "attempt" in d.log_text()]
    check(sane, "no dispatcher logged an attempt")


# ---------------------------------------------------------------------------- runner

def _after_test():
    """Stops the test's own dispatchers and deletes its webhooks (which cancels
    their pending deliveries, so nothing leaks into the next test)."""
    problems = []
    while TEST_DISPATCHERS:
        d = TEST_DISPATCHERS.pop()
        rc = d.stop()
        if rc not in (0, "killed", None):
            problems.append("%r exited %r (SIGTERM); log %s ends:\n%s" % (d, rc, d.log, d.log_tail(5)))
    with _lock:
        if MAIN[0] is not None and not MAIN[0].alive():
            problems.append("the shared %r died (exit %r); log %s ends:\n%s" % (
                MAIN[0], MAIN[0].proc.returncode, MAIN[0].log, MAIN[0].log_tail(5)))
            MAIN[0] = None
    while CLEANUP:
        u, wid = CLEANUP.pop()
        try:
            for i in range(10):     # a 503 (see disable_and_delete_while_attempts...) is retried
                r = api("DELETE", WEBHOOKS + wid + "/", u, timeout=10)
                if r.status != 503:
                    break
                print("#   (cleanup: DELETE %s answered 503, retrying)" % wid)
                time.sleep(0.3)
            if r.status not in (204, 404):
                problems.append("cleanup DELETE %s: HTTP %d" % (wid, r.status))
        except NoResponse as e:
            problems.append("cleanup DELETE %s: %s" % (wid, e))
    return problems


def _stop_everything():
    with _lock:
        ds = list(ALL_DISPATCHERS)
    for d in ds:
        try:
            d.stop(timeout=20)
        except Exception:  # noqa: BLE001
            pass
    if RX is not None:
        try:
            RX.stop()
        except Exception:  # noqa: BLE001
            pass


@test
def test_every_signed_delivery_verifies_with_the_reference_libraries():
    """Every signed delivery this suite received, checked by what receivers
    use: standardwebhooks and svix agree with the suite's own HMAC check for
    each registered secret, v1a verifies with a registered public key, and
    the same delivery with its body changed is refused by all of them."""
    reqs = [r for r in receiver().requests() if r.headers.get("webhook-signature")
            and r.webhook_id and r.timestamp and (r.secrets or r.public_keys)]
    check(len(reqs) >= 20, "only %d signed deliveries to check" % len(reqs))
    res = reference_verify([(r, r.secrets, r.public_keys, None) for r in reqs])
    bad = []
    for r, x in zip(reqs, res):
        own = [any(m == i for m in r.sig_match) for i in range(len(r.secrets))]
        if x["standardwebhooks"] != own or x["svix"] != own:
            bad.append("%s: own check %r, standardwebhooks %r, svix %r" % (
                r.webhook_id, own, x["standardwebhooks"], x["svix"]))
        has_v1a = any(e.startswith("v1a,") for e in r.sig_entries)
        if r.public_keys and has_v1a and not any(x["v1a"]):
            bad.append("%s: v1a verifies with none of %r" % (r.webhook_id, r.public_keys))
        t = x["tampered"]
        if any(t["standardwebhooks"] + t["svix"] + t["v1a"]):
            bad.append("%s: the tampered body verifies: %r" % (r.webhook_id, t))
    check(not bad, "%d of %d deliveries: %s" % (len(bad), len(reqs), "; ".join(bad[:5])))
    print("#   %d signed deliveries verified with standardwebhooks and svix (%d with v1a); tampered copies refused"
          % (len(reqs), sum(1 for r in reqs if r.public_keys)))


@test
def test_every_response_matches_openapi():
    """Every API response this suite received matches doc/openapi.json."""
    with _openapi_lock:
        found = list(OPENAPI_PROBLEMS)
    if found:
        raise Fail("%d response(s) unlike doc/openapi.json:\n%s" % (len(found), "\n".join(
            "  %s %s -> %d: %s" % p for p in found[:30])), None)


def main(argv):
    return run_suite(TESTS, argv, __doc__, lambda n, total: [
        "%s; %d of %d tests; DISPATCHER=%r; WEBHOOKD_CONF=%r; run id %s" % (
            BASE_URL, n, total, DISPATCHER, WEBHOOKD_CONF, RUN),
        "dispatcher schedule %s (webhookd's has %d steps: %d attempts); state in %s" % (
            schedule_str(FAST), N_STEPS, ATTEMPTS, state_dir())],
        last=lambda: getattr(_tls, "last", None), after_test=_after_test,
        finish=_stop_everything, footer=lambda: "; dispatcher logs in %s" % state_dir())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
