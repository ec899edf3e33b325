#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""HTTP integration tests for the webhookd "seed API".

Covers authentication, the error model, templates, webhook CRUD, health, unknown
routes, 405/Allow, nginx's own JSON errors and the "Precedence and edge cases"
section of the API contract, plus a database outage (last).  Deliveries and events
are not covered here.  Every response is also checked against the OpenAPI document
doc/openapi.json (openapi_check.py beside this file; needs python3-jsonschema); the
test every_response_matches_openapi lists what did not match.

Python 3 standard library, and jsonschema for openapi_check.  Configuration
(environment):

  BASE_URL         nginx in front of webhookd          (default http://127.0.0.1:18080)
  WEBHOOKCTL       shell command prefix of the admin CLI, e.g.
                   "src/webhookctl -c /tmp/x/webhookd.conf"            (required)
  TOKEN_CACHE_TTL  seconds the service caches tokens                  (default 5)
  DB_STOP_CMD      shell command stopping the MariaDB under the service (outage test;
  DB_START_CMD     shell command starting it again (must return once started)
                   when unset, the outage test FAILS, it is not skipped)

Usage:  python3 tests/integration/test_api.py [-k SUBSTRING]... [--list]

Output: one "ok - NAME" or "not ok - NAME: REASON" line per test (details of the
failing request and response follow as "#" lines), then "N passed, N failed".
Exit status 1 if any test failed.

Where the contract is ambiguous the test follows what Django REST Framework would
do; every such place is marked "AMBIGUITY".
"""

import concurrent.futures
import datetime
import itertools
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openapi_check  # noqa: E402 -- beside this file; raises ImportError without jsonschema
from harness import (  # noqa: E402 -- beside this file
    each as _each, fixture, make_user, registry, run_ctl, run_suite, sh, conf_get,
    MISSING, Fail, NoResponse, Resp, User, _trunc, check, http_exchange, media_type, parse_ts)

# --------------------------------------------------------------------------- config

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:18080").strip().rstrip("/")
_base = urllib.parse.urlsplit(BASE_URL)
SCHEME = (_base.scheme or "http").lower()
HOST = _base.hostname or "127.0.0.1"
PORT = _base.port or (443 if SCHEME == "https" else 80)
HOST_HEADER = _base.netloc or HOST
WEBHOOKCTL = os.environ.get("WEBHOOKCTL", "").strip()
WEBHOOKD_CONF = os.environ.get("WEBHOOKD_CONF", "").strip()   # the pool's config file
try:
    TOKEN_CACHE_TTL = float(os.environ.get("TOKEN_CACHE_TTL", "") or 5)
except ValueError:
    TOKEN_CACHE_TTL = 5.0
CORS_ORIGIN = os.environ.get("CORS_ORIGIN", "").strip()   # an origin in webhookd's cors_origins
DB_STOP_CMD = os.environ.get("DB_STOP_CMD", "").strip()
DB_START_CMD = os.environ.get("DB_START_CMD", "").strip()

V1 = "/webhooks/v1"
WEBHOOKS = V1 + "/webhook/"
TEMPLATES = V1 + "/templates/"
HEALTH = V1 + "/health/"

SEED_ID = "488f4644-057d-41e7-9a74-72c040602647"
SEED_NAME = "assignment_evaluation_student_answer_sheet_extraction"
SEEDED_NAMES = [
    "assignment_evaluation_student_answer_sheet_extraction",
    "assignment_evaluation_question_paper_extraction",
    "assignment_evaluation_grading_report",
]

RUN = "%d_%d" % (os.getpid(), int(time.time()))

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
WEBHOOK_KEYS = {"id", "api_template", "endpoint_url", "status", "has_secret", "created_by",
                "created_at", "updated_at", "disabled_reason", "consecutive_failures",
                "last_delivery"}
TEMPLATE_KEYS = {"id", "name", "display_name", "description"}
PAGE_KEYS = {"count", "next", "previous", "results"}

D_NOT_AUTH = "Authentication credentials were not provided."
D_BAD_TOKEN = "Invalid token."
WWW_AUTH = 'Bearer realm="webhooks"'

MAX_BODY = 64 * 1024


# ------------------------------------------------------------------ global records

_lock = threading.RLock()
STATUSES = []        # (status, method, target) of every exchange; 0 = no response
SECRETS = set()      # ASCII markers that must never appear in a response
LEAKS = []           # (secret, method, target) where a secret was seen
REGISTRY = {}        # token -> set of webhook ids created with it (and not deleted)
OPENAPI_PROBLEMS = []  # (method, target, status, problem): responses unlike doc/openapi.json
_tls = threading.local()


def each(cases, fn):
    """harness.each, naming this suite's last exchange when a case fails."""
    return _each(cases, fn, last=lambda: getattr(_tls, "last", None))


def _record(status, method, target):
    with _lock:
        STATUSES.append((status, method, target[:160]))


def _check_openapi(r):
    """Validates one response against doc/openapi.json; problems are collected."""
    try:
        found = openapi_check.check(r.method, r.target, r.status, r.headers, r.body)
    except Exception as e:  # noqa: BLE001 -- a validator failure is a problem too
        found = ["the validator failed: %s: %s" % (type(e).__name__, e)]
    if found:
        with _lock:
            OPENAPI_PROBLEMS.extend((r.method, r.target[:160], r.status, p) for p in found)


def exchange(method, target, headers=(), body=None, *, timeout=15.0, raw=None):
    """harness.http_exchange to the stack under test, recording the status, the
    OpenAPI check and any secret seen in the response."""
    try:
        r = http_exchange((SCHEME, HOST, PORT, HOST_HEADER), method, target, headers, body,
                          timeout=timeout, raw=raw)
    except NoResponse:
        _record(0, method, target)
        raise
    _record(r.status, method, target)
    _check_openapi(r)
    with _lock:
        secrets = list(SECRETS)
    for s in secrets:
        if s.encode() in r.body or any(s in v for _, v in r.headers):
            with _lock:
                LEAKS.append((s, method, target[:160]))
    _tls.last = r
    return r


def api(method, path, who=None, *, json_body=MISSING, body=None, ctype=MISSING,
        auth=MISSING, headers=(), timeout=15.0, host=None):
    """Request with the usual trimmings: who = User or token string (Bearer);
    auth = the literal Authorization value (None: no header); json_body is
    serialised as UTF-8; ctype defaults to application/json when there is a body
    (None: no Content-Type header)."""
    hdrs = []
    if host is not None:
        hdrs.append(("Host", host))
    tok = who.token if isinstance(who, User) else who
    if auth is not MISSING:
        if auth is not None:
            hdrs.append(("Authorization", auth))
    elif tok is not None:
        hdrs.append(("Authorization", "Bearer " + tok))
    if json_body is not MISSING:
        body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
    if ctype is MISSING:
        ctype = "application/json" if body is not None else None
    if ctype is not None:
        hdrs.append(("Content-Type", ctype))
    hdrs.extend(headers)
    r = exchange(method, path, hdrs, body, timeout=timeout)
    if tok and method == "POST" and r.status == 201 and isinstance(r.json, dict) \
            and isinstance(r.json.get("id"), str):
        with _lock:
            REGISTRY.setdefault(tok, set()).add(r.json["id"])
    if method == "DELETE" and r.status == 204:
        m = re.search(r"[0-9a-fA-F-]{36}", path)
        if m:
            with _lock:
                for ids in REGISTRY.values():
                    ids.discard(m.group(0))
    return r


# -------------------------------------------------------------------- assertions

def expect(r, status, *, is_json=True):
    ok = r.status == status if isinstance(status, int) else r.status in status
    check(ok, "expected HTTP %s, got %s" % (status, r.status), r)
    if is_json:
        check(media_type(r) == "application/json",
              "expected Content-Type application/json, got %r" % r.header("Content-Type"), r)
        check(r.json is not None, "body is not valid JSON (UTF-8)", r)
    return r.json


def expect_error(r, status, code, *, detail=None, fields=None, exact=True):
    """The error shape {"detail","code"[,"errors"]}; fields: the fields that must be
    in errors (exactly those unless exact=False)."""
    b = expect(r, status)
    check(isinstance(b, dict), "error body is not a JSON object", r)
    check(b.get("code") == code, "expected code %r, got %r" % (code, b.get("code")), r)
    d = b.get("detail")
    check(isinstance(d, str) and d.strip() != "", "error body has no 'detail' sentence", r)
    if detail is not None:
        check(d == detail, "expected detail %r, got %r" % (detail, d), r)
    if status == 401:
        check(r.header("WWW-Authenticate") == WWW_AUTH,
              "401 without WWW-Authenticate: %s (got %r)" % (WWW_AUTH, r.header("WWW-Authenticate")), r)
    if code == "invalid":
        errs = b.get("errors")
        check(isinstance(errs, dict) and errs, "400 invalid without an 'errors' object", r)
        for k, v in errs.items():
            check(isinstance(v, list) and v and all(isinstance(m, str) and m for m in v),
                  "errors[%r] is not a non-empty list of messages" % k, r)
        if fields is not None:
            want = set(fields)
            if exact:
                check(set(errs) == want, "expected errors for exactly %s, got %s" % (
                    sorted(want), sorted(errs)), r)
            else:
                check(want <= set(errs), "expected errors for %s, got %s" % (sorted(want), sorted(errs)), r)
    return b


def expect_invalid(r, *fields, exact=True):
    return expect_error(r, 400, "invalid", fields=fields, exact=exact)


def expect_json_error_shape(r, statuses):
    """nginx's own errors: JSON {"detail": str, "code": str}."""
    b = expect(r, statuses)
    check(isinstance(b, dict) and isinstance(b.get("code"), str) and b.get("code")
          and isinstance(b.get("detail"), str),
          'expected a JSON body {"detail": ..., "code": ...}', r)
    return b


def expect_no_5xx(r):
    check(r.status < 500, "got a server error %d" % r.status, r)
    check(media_type(r) == "application/json" or r.status == 204,
          "expected a JSON response, got Content-Type %r" % r.header("Content-Type"), r)


def expect_page(r, *, count=None, n=None):
    b = expect(r, 200)
    check(isinstance(b, dict) and set(b) == PAGE_KEYS,
          "expected exactly the keys %s" % sorted(PAGE_KEYS), r)
    check(isinstance(b["count"], int) and not isinstance(b["count"], bool) and b["count"] >= 0,
          "count is not a non-negative integer", r)
    check(isinstance(b["results"], list), "results is not a list", r)
    if count is not None:
        check(b["count"] == count, "expected count %d, got %r" % (count, b["count"]), r)
    if n is not None:
        check(len(b["results"]) == n, "expected %d results, got %d" % (n, len(b["results"])), r)
    return b


def ids_of(b):
    return [w.get("id") for w in b["results"]]


def check_link(r, url, *, page, params, host=None, path=WEBHOOKS, default_page_size=None):
    """next/previous: absolute URL on the request's scheme and Host, the same path
    with a trailing slash, carrying exactly `params` plus page."""
    host = host or HOST_HEADER
    check(isinstance(url, str), "expected a link to page %d, got %r" % (page, url), r)
    s = urllib.parse.urlsplit(url)
    check(s.scheme == SCHEME and s.netloc == host,
          "link %r is not an absolute URL on %s://%s" % (url, SCHEME, host), r)
    check(s.path == path, "link %r does not point at %s" % (url, path), r)
    check(not s.fragment, "link %r has a fragment" % url, r)
    q = urllib.parse.parse_qs(s.query, keep_blank_values=True)
    pg = q.pop("page", None)
    if page == 1:
        # AMBIGUITY: DRF drops page=1 from the previous link, the contract's example
        # keeps it ("?page=1&page_size=20"): accept both.
        check(pg in (None, ["1"]), "link %r: expected page 1 (or no page), got %r" % (url, pg), r)
    else:
        check(pg == [str(page)], "link %r: expected page=%d, got %r" % (url, page, pg), r)
    if default_page_size is not None and "page_size" not in params:
        # AMBIGUITY: with no page_size in the request the link may omit it or state
        # the default (as the contract's example does).
        ps = q.pop("page_size", None)
        check(ps in (None, [str(default_page_size)]),
              "link %r: unexpected page_size %r" % (url, ps), r)
    want = {k: [v] for k, v in params.items()}
    check(q == want, "link %r carries %r besides page, expected %r" % (url, q, want), r)


def follow(url, who, host=None):
    s = urllib.parse.urlsplit(url)
    return api("GET", s.path + ("?" + s.query if s.query else ""), who, host=host)


def check_webhook(w, r, *, template=None, url=None, status=None, has_secret=None, user=None,
                  reason=MISSING, failures=0):
    check(isinstance(w, dict), "webhook is not a JSON object", r)
    check(set(w) == WEBHOOK_KEYS, "webhook fields are %s, expected exactly %s" % (
        sorted(w), sorted(WEBHOOK_KEYS)), r)
    check(isinstance(w["id"], str) and UUID_RE.match(w["id"]),
          "id %r is not a lowercase hyphenated UUID" % (w["id"],), r)
    t = w["api_template"]
    check(isinstance(t, dict) and set(t) == TEMPLATE_KEYS,
          "api_template is not a nested template object: %r" % (t,), r)
    if template is not None:
        check(t == template, "api_template is %r, expected %r" % (t, template), r)
    check(isinstance(w["endpoint_url"], str), "endpoint_url is not a string", r)
    if url is not None:
        check(w["endpoint_url"] == url, "endpoint_url is %r, expected %r" % (w["endpoint_url"], url), r)
    check(w["status"] in ("enabled", "disabled"), "status %r" % (w["status"],), r)
    if status is not None:
        check(w["status"] == status, "status is %r, expected %r" % (w["status"], status), r)
    check(isinstance(w["has_secret"], bool), "has_secret is not a boolean", r)
    if has_secret is not None:
        check(w["has_secret"] is has_secret, "has_secret is %r, expected %r" % (w["has_secret"], has_secret), r)
    if user is not None:
        check(w["created_by"] == user.name, "created_by is %r, expected %r" % (w["created_by"], user.name), r)
    for k in ("created_at", "updated_at"):
        check(isinstance(w[k], str) and TS_RE.match(w[k]),
              "%s %r is not RFC 3339 UTC with 6 fractional digits and Z" % (k, w[k]), r)
    check(w["updated_at"] >= w["created_at"], "updated_at is before created_at", r)
    if reason is not MISSING:
        check(w["disabled_reason"] == reason,
              "disabled_reason is %r, expected %r" % (w["disabled_reason"], reason), r)
    else:
        check(w["disabled_reason"] in (None, "manual", "too_many_failures", "gone"),
              "disabled_reason %r" % (w["disabled_reason"],), r)
    if failures is not None:
        check(w["consecutive_failures"] == failures and not isinstance(w["consecutive_failures"], bool),
              "consecutive_failures is %r, expected %r" % (w["consecutive_failures"], failures), r)
    check(w["last_delivery"] is None, "last_delivery is %r, expected null" % (w["last_delivery"],), r)


# ---------------------------------------------------------------------- fixtures


def ctl(args, timeout=60, input=None):
    """webhookctl ARGS (input: its standard input); its standard output."""
    return run_ctl(WEBHOOKCTL, args, timeout, input)


_ucount = itertools.count()
_urlcount = itertools.count()


def new_token(name, service=False):
    out = ctl("token create %s%s" % (shlex.quote(name), " --service" if service else "")).strip()
    check(out and not any(c.isspace() for c in out),
          "`webhookctl token create` printed %r, expected the token alone" % out)
    return out


def new_user(tag, service=False):
    return make_user(ctl, "it_%s_%s_%d" % (tag, RUN, next(_ucount)), service)


def new_url(tag="h"):
    return "https://example.com/it/%s/%s/%d" % (RUN, tag, next(_urlcount))


def fetch_all(path, who, limit_pages=200):
    r = api("GET", path, who)
    b = expect_page(r)
    out = list(b["results"])
    pages = 1
    while b["next"]:
        pages += 1
        check(pages <= limit_pages, "more than %d pages following next links" % limit_pages, r)
        r = follow(b["next"], who)
        b = expect_page(r)
        out.extend(b["results"])
    return out


@fixture
def reader():
    return new_user("reader")


def templates_by_name():
    return {t["name"]: t for t in fetch_all(TEMPLATES + "?page_size=100", reader())}


def ensure_templates(specs):
    """specs: [(name, display, description)]; adds the missing ones (idempotent
    across runs); returns {name: template object from the API}."""
    have = templates_by_name()
    missing = [s for s in specs if s[0] not in have]
    if missing:
        errors = []
        it = iter(missing)
        it_lock = threading.Lock()

        def worker():
            while True:
                with it_lock:
                    s = next(it, None)
                if s is None:
                    return
                try:
                    ctl("template add %s %s --description %s" % tuple(shlex.quote(x) for x in s))
                except Exception as e:  # noqa: BLE001
                    errors.append(str(e))
        ths = [threading.Thread(target=worker) for _ in range(4)]
        for t in ths:
            t.start()
        for t in ths:
            t.join()
        check(not errors, "template add failed: %s" % "; ".join(errors[:3]))
        have = templates_by_name()
    for s in specs:
        check(s[0] in have, "template %s is not listed by GET %s after `template add`" % (s[0], TEMPLATES))
    return {s[0]: have[s[0]] for s in specs}


POOL_N = 101


@fixture
def pool():
    """101 active templates shared by every run (created once): lets one user own
    many webhooks and makes the template list longer than the page size cap."""
    specs = [("it_pool_%03d" % i, "IT pool %03d" % i, "integration test template")
             for i in range(POOL_N)]
    got = ensure_templates(specs)
    return [got[s[0]] for s in specs]


@fixture
def seed():
    r = api("GET", TEMPLATES + SEED_ID + "/", reader())
    b = expect(r, 200)
    check(isinstance(b, dict) and b.get("id") == SEED_ID, "seeded template not found", r)
    return b


def create(who, template_id, *, url=None, **fields):
    body = {"api_template": template_id, "endpoint_url": url or new_url()}
    body.update(fields)
    r = api("POST", WEBHOOKS, who, json_body=body)
    b = expect(r, 201)
    check(isinstance(b, dict) and isinstance(b.get("id"), str), "create answered no id", r)
    return b


def patch(who, wid, body, status=200):
    r = api("PATCH", WEBHOOKS + wid + "/", who, json_body=body)
    return expect(r, status), r


def get_hook(who, wid):
    r = api("GET", WEBHOOKS + wid + "/", who)
    return expect(r, 200), r


def sized_json(n, template=SEED_ID, ascii_pad=b"a"):
    """A JSON object of exactly n bytes: a valid template and an over-long URL."""
    head = ('{"api_template": "%s", "endpoint_url": "https://example.com/' % template).encode()
    tail = b'"}'
    pad = n - len(head) - len(tail)
    assert pad > 0
    return head + ascii_pad * pad + tail


@fixture
def lister():
    """A user with 5 webhooks (pool templates 0..4, created in that order); the
    2nd and 4th are disabled."""
    u = new_user("lister")
    P = pool()
    hooks = [create(u, P[i]["id"]) for i in range(5)]
    for i in (1, 3):
        b, _ = patch(u, hooks[i]["id"], {"status": "disabled"})
        hooks[i] = b
    return u, hooks


@fixture
def clamp_user():
    """A user with 101 webhooks (one per pool template), created in pool order."""
    u = new_user("clamp")
    P = pool()
    return u, [create(u, P[i]["id"])["id"] for i in range(POOL_N)]


# ------------------------------------------------------------------------- tests

TESTS, test = registry()


# ---- health ----------------------------------------------------------------

@test
def test_health_ok():
    r = api("GET", HEALTH)
    b = expect(r, 200)
    check(isinstance(b, dict) and b.get("status") == "ok", 'expected {"status": "ok"}', r)


@test
def test_openapi_document_served():
    r = api("GET", V1 + "/openapi.json")
    b = expect(r, 200)
    check(isinstance(b, dict) and re.match(r"^3\.1\.[0-9]+$", str(b.get("openapi"))),
          "not an OpenAPI 3.1 document: openapi is %r" % (b.get("openapi") if isinstance(b, dict) else b), r)
    problems = openapi_check.check_document(b)
    check(not problems, "the served document has %d problems: %s" % (
        len(problems), "; ".join(problems[:10])), r)
    with open(openapi_check.DEFAULT_PATH, "rb") as f:
        mine = json.loads(f.read().decode("utf-8"))
    check(b == mine, "the served document is not %s (the one responses are checked against)"
          % openapi_check.DEFAULT_PATH, r)


def fcgi_get(socket_path, uri, timeout=5.0):
    """One FastCGI GET of uri on webhookd's own socket, as nginx sends it
    (BEGIN_REQUEST, PARAMS, empty STDIN), read until webhookd ends its side
    of the connection: (the open socket, the STDOUT bytes, whether its end
    came).  The socket is left open: closing it is the caller's."""
    import socket
    import struct

    def record(kind, content=b""):
        return struct.pack(">BBHHBx", 1, kind, 1, len(content), 0) + content

    def pair(name, value):
        n, v = name.encode(), value.encode()
        return bytes([len(n)]) + (bytes([len(v)]) if len(v) < 128 else
                                  struct.pack(">I", len(v) | 0x80000000)) + n + v
    params = b"".join(pair(k, v) for k, v in (
        ("REQUEST_METHOD", "GET"), ("REQUEST_URI", uri), ("DOCUMENT_URI", uri),
        ("QUERY_STRING", ""), ("SERVER_PROTOCOL", "HTTP/1.1"), ("REMOTE_ADDR", "127.0.0.1")))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(socket_path)
    s.sendall(record(1, struct.pack(">HB5x", 1, 0)) + record(4, params) + record(4) + record(5))
    data, ended = b"", False
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                ended = True
                break
            data += chunk
    except socket.timeout:
        pass
    out, i = b"", 0
    while i + 8 <= len(data):
        _, kind, _, clen, plen = struct.unpack(">BBHHBx", data[i:i + 8])
        if kind == 6:
            out += data[i + 8:i + 8 + clen]
        i += 8 + clen + plen
    return s, out, ended


@test
def test_worker_closes_a_finished_connection_at_once():
    """A worker that has answered closes the connection and takes the next
    request: one whose peer keeps its end open (libfcgi's lingering close
    waited up to 2 s for the peer to close first) does not hold it."""
    check(WEBHOOKD_CONF and os.path.isfile(WEBHOOKD_CONF), "WEBHOOKD_CONF names no config file")
    path, workers = conf_get(WEBHOOKD_CONF, "listen"), int(conf_get(WEBHOOKD_CONF, "workers", "4"))
    check(path and path.startswith("/"), "the pool listens on %r, not a unix socket path" % path)
    held = []
    try:
        for _ in range(workers):    # as many answered connections held open as there are workers
            s, out, ended = fcgi_get(path, HEALTH)
            held.append(s)
            check(out.startswith(b"Status: 200"), "webhookd's own socket answered %r" % out[:80])
            check(ended, "webhookd did not end its side of the connection after its answer")
        t0 = time.monotonic()
        r = api("GET", HEALTH)
        took = time.monotonic() - t0
        expect(r, 200)
        check(took < 1.0, "a request with %d answered connections held open took %.2f s: "
              "the workers waited for those peers to close" % (workers, took), r)
    finally:
        for s in held:
            s.close()


@test
def test_health_ignores_authorization():
    def one(auth):
        r = api("GET", HEALTH, auth=auth)
        b = expect(r, 200)
        check(isinstance(b, dict) and b.get("status") == "ok", 'expected {"status": "ok"}', r)
    each(["Bearer bogus", "Bearer", "Bearer whk_" + "0" * 64, "Basic dXNlcjpwYXNz", "garbage",
          "", "Bearer " + "x" * 3000, "Bearer " + reader().token], one)


# ---- authentication ----------------------------------------------------------

def _protected_requests():
    u = str(uuid.uuid4())
    return [
        ("GET", WEBHOOKS, MISSING),
        ("GET", WEBHOOKS + "?page=1", MISSING),
        ("GET", TEMPLATES, MISSING),
        ("GET", TEMPLATES + SEED_ID + "/", MISSING),
        ("GET", WEBHOOKS + u + "/", MISSING),
        ("POST", WEBHOOKS, {"api_template": SEED_ID, "endpoint_url": "https://example.com/x"}),
        ("PATCH", WEBHOOKS + u + "/", {"status": "disabled"}),
        ("PUT", WEBHOOKS + u + "/", {"endpoint_url": "https://example.com/x"}),
        ("DELETE", WEBHOOKS + u + "/", MISSING),
    ]


@test
def test_auth_missing_header():
    def one(c):
        m, p, body = c
        r = api(m, p, json_body=body)
        expect_error(r, 401, "not_authenticated", detail=D_NOT_AUTH)
    each(_protected_requests(), one)


@test
def test_auth_scheme_other_than_bearer():
    tok = reader().token
    # AMBIGUITY: an empty Authorization value is treated as missing (DRF does so).
    cases = ["Basic dXNlcjpwYXNz", "Token " + tok, "Digest username=x", tok, "Bearer" + tok,
             "JWT " + tok, ""]

    def one(auth):
        r = api("GET", WEBHOOKS, auth=auth)
        expect_error(r, 401, "not_authenticated", detail=D_NOT_AUTH)
    each(cases, one)


@test
def test_auth_bearer_bad_tokens():
    tok = reader().token

    # AMBIGUITY: for an empty token DRF uses another sentence: only the code is fixed.
    def empty(auth):
        expect_error(api("GET", WEBHOOKS, auth=auth), 401, "authentication_failed")
    each(["Bearer", "Bearer ", "Bearer    "], empty)

    def bad(auth):
        expect_error(api("GET", WEBHOOKS, auth=auth), 401, "authentication_failed", detail=D_BAD_TOKEN)
    each(["Bearer a b", "Bearer " + tok + " extra", "Bearer !!!!", "Bearer whk_",
          "Bearer whk_" + uuid.uuid4().hex + uuid.uuid4().hex, "Bearer " + tok + "x",
          "Bearer " + tok[:-1], "Bearer " + tok.upper() if tok != tok.upper() else "Bearer X" + tok,
          "Bearer " + "A" * 8000, b"Bearer \xff\xfe\xfd", "Bearer %00"], bad)
    # the same on a write
    r = api("POST", WEBHOOKS, auth="Bearer whk_nope",
            json_body={"api_template": SEED_ID, "endpoint_url": new_url()})
    expect_error(r, 401, "authentication_failed", detail=D_BAD_TOKEN)


@test
def test_auth_bearer_scheme_case_insensitive():
    tok = reader().token

    def one(scheme):
        expect_page(api("GET", WEBHOOKS, auth=scheme + " " + tok))
    each(["Bearer", "bearer", "BEARER", "bEaReR"], one)


@test
def test_service_token_is_an_authenticated_user():
    u = new_user("svc", service=True)
    expect_page(api("GET", TEMPLATES, u))
    expect_page(api("GET", WEBHOOKS, u), count=0)


def token_lines(user):
    """`webhookctl token list USER` as rows of its tab-separated columns."""
    return [ln.split("\t") for ln in ctl("token list %s" % shlex.quote(user.name)).splitlines() if ln]


@test
def test_token_revocation():
    """Revoking a token read from standard input (never in argv) or by the id
    `token list` shows; the user's other tokens keep working."""
    u = new_user("revoke")
    other, third, argv_one = new_token(u.name), new_token(u.name), new_token(u.name)
    expect_page(api("GET", WEBHOOKS, u))          # now in the token cache
    expect_page(api("GET", TEMPLATES, other))
    rows = token_lines(u)
    check(len(rows) == 4 and all(r[1] == u.name and r[-1] == "live" for r in rows),
          "token list before revoking: %r" % rows)
    for r in rows:
        check(not any(t in "\t".join(r) for t in (u.token, other, third, argv_one)),
              "token list shows a whole token: %r" % r)
    check([r[2] for r in rows] == [t[:12] + "..." for t in (u.token, other, third, argv_one)],
          "token list prefixes %r" % [r[2] for r in rows])
    ctl("token revoke -", input=u.token + "\n")
    ctl("token revoke --id %s" % rows[2][0])
    ctl("token revoke %s" % shlex.quote(argv_one))  # still accepted
    time.sleep(TOKEN_CACHE_TTL + 1)
    for t in (u.token, third, argv_one):
        expect_error(api("GET", WEBHOOKS, t), 401, "authentication_failed", detail=D_BAD_TOKEN)
    expect_error(api("GET", TEMPLATES, u), 401, "authentication_failed", detail=D_BAD_TOKEN)
    expect_error(api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": new_url()}),
                 401, "authentication_failed", detail=D_BAD_TOKEN)
    # the user's other token is unaffected
    expect_page(api("GET", WEBHOOKS, other))
    rows = token_lines(u)
    check([r[-1].split(" ")[0] for r in rows] == ["revoked", "live", "revoked", "revoked"],
          "token list after revoking: %r" % rows)
    # refusals: nothing on stdout, a message, a non-zero exit
    for args, stdin in (("token revoke --id %s" % rows[0][0], None),   # revoked already
                        ("token revoke --id 0", None), ("token revoke --id abc", None),
                        ("token revoke --id 99999999999", None),
                        ("token revoke -", "not-a-token\n"), ("token revoke -", ""),
                        ("token revoke -", u.token),                    # revoked already
                        ("token revoke -", "x" * 5000)):
        ctl_refused(args, input=stdin)
    expect_page(api("GET", WEBHOOKS, other))


def ctl_refused(args, input=None):
    """Runs webhookctl expecting it to refuse: non-zero exit, a message, nothing on stdout."""
    cmd = "%s %s" % (WEBHOOKCTL, args)
    p = subprocess.run(cmd, shell=True, stdin=subprocess.DEVNULL if input is None else None, input=input,
                       capture_output=True, text=True, timeout=60)
    check(p.returncode != 0 and p.stderr.strip() and not p.stdout.strip(),
          "`%s` exited %d (stdout %r, stderr %r); expected a refusal" % (cmd, p.returncode, p.stdout, p.stderr))
    return p.stderr


@test
def test_token_expiry():
    u = new_user("expire")
    n = shlex.quote(u.name)
    for bad in ("--expires-in 0s", "--expires-in 500ms", "--expires-in soon", "--expires-in 36501d",
                "--expires-days 0", "--expires-days 2 --expires-in 1h"):
        ctl_refused("token create %s %s" % (n, bad))
    t0 = time.monotonic()
    tok = ctl("token create %s --expires-in 4s" % n).strip()
    t1 = time.monotonic()
    check(tok.startswith("whk_"), "token create printed %r" % tok)
    check(t1 - t0 < 3.0, "webhookctl took %.1f s to create a token" % (t1 - t0))
    # It expires between t0 + 4 and t1 + 4.  Used every 50 ms until just
    # after that, so that every worker has it cached (token_cache_ttl) right
    # up to the expiry: it must work at first (sent before t1 + 1), and may
    # get 200 or 401 near the expiry (a request is looked up some time after
    # it is sent).
    ok = 0
    while True:
        sent = time.monotonic()
        if sent >= t1 + 4.05:
            break
        r = api("GET", WEBHOOKS, auth="Bearer " + tok)
        if sent < t1 + 1.0 or r.status != 401:
            expect_page(r)
            ok += 1
        time.sleep(0.05)
    check(ok >= 1, "the token never worked")
    # Expired now: no worker answers with it, however recently it cached it.
    for i in range(12):
        expect_error(api("GET", WEBHOOKS, auth="Bearer " + tok), 401, "authentication_failed",
                     detail=D_BAD_TOKEN)
    # the user's token without an expiry still works
    expect_page(api("GET", WEBHOOKS, u))


# ---- routes, methods --------------------------------------------------------------

@test
def test_unknown_routes_are_json_404():
    u = str(uuid.uuid4())
    paths = [V1 + "/nope/", V1 + "/nope", "/webhooks/v2/webhook/", "/webhooks/v2/templates/",
             V1 + "/webhooks/", V1 + "/template/", V1 + "/healthz/", V1 + "/health/x/",
             WEBHOOKS + u + "/nope/", WEBHOOKS + u + "/" + u + "/",
             TEMPLATES + SEED_ID + "/extra/", V1 + "/WEBHOOK/",
             # the base itself, with and without its slash: JSON, never nginx's HTML 301
             V1 + "/", V1, V1 + "?page=2", "/webhooks", "/webhooks/", "/"]
    tok = reader().token
    cases = [(m, p, a) for p in paths for (m, a) in
             (("GET", None), ("GET", tok), ("POST", None), ("DELETE", None), ("PUT", tok))]

    def one(c):
        m, p, a = c
        r = api(m, p, a, json_body={} if m in ("POST", "PUT") else MISSING)
        check(r.header("Location") is None, "a redirect (Location %r)" % r.header("Location"), r)
        expect_error(r, 404, "not_found")
    each(cases, one)


def _allow_set(r):
    return {x.strip().upper() for x in (r.header("Allow") or "").split(",") if x.strip()}


@test
def test_method_not_allowed_with_allow_header():
    u = str(uuid.uuid4())
    cases = [
        ("DELETE", WEBHOOKS, {"GET", "POST"}),
        ("PUT", WEBHOOKS, {"GET", "POST"}),
        ("PATCH", WEBHOOKS, {"GET", "POST"}),
        ("POST", TEMPLATES, {"GET"}),
        ("DELETE", TEMPLATES, {"GET"}),
        ("PATCH", TEMPLATES, {"GET"}),
        ("POST", TEMPLATES + SEED_ID + "/", {"GET"}),
        ("PUT", TEMPLATES + SEED_ID + "/", {"GET"}),
        ("DELETE", TEMPLATES + SEED_ID + "/", {"GET"}),
        ("POST", WEBHOOKS + u + "/", {"GET", "PUT", "PATCH", "DELETE"}),
        ("POST", HEALTH, {"GET"}),
        ("DELETE", HEALTH, {"GET"}),
        ("PUT", HEALTH, {"GET"}),
    ]
    tok = reader().token

    def one(c):
        m, p, must = c
        for who in (None, tok):
            r = api(m, p, who, json_body={} if m in ("POST", "PUT", "PATCH") else MISSING)
            expect_error(r, 405, "method_not_allowed")
            allow = _allow_set(r)
            check(must <= allow, "Allow %r lacks %s" % (r.header("Allow"), sorted(must - allow)), r)
            check(m not in allow, "Allow %r lists the refused method %s" % (r.header("Allow"), m), r)
    each(cases, one)


def _cors_origin():
    check(CORS_ORIGIN != "", "CORS_ORIGIN must name an origin listed in webhookd's cors_origins "
          "(the CORS tests are not skipped)")
    return CORS_ORIGIN


@test
def test_cors_allowed_origin():
    origin = _cors_origin()
    tok = reader().token
    for who in (tok, None):      # a success and a 401: the page can read both
        r = api("GET", WEBHOOKS, who, headers=[("Origin", origin)])
        check(r.header("Access-Control-Allow-Origin") == origin,
              "Access-Control-Allow-Origin %r, want %r" % (r.header("Access-Control-Allow-Origin"), origin), r)
        check("origin" in (r.header("Vary") or "").lower(), "no Vary: Origin", r)
        exposed = {h.strip().lower() for h in (r.header("Access-Control-Expose-Headers") or "").split(",")}
        check({"x-request-id", "location", "www-authenticate", "retry-after"} <= exposed,
              "Access-Control-Expose-Headers %r (a page must read X-Request-Id, Location, "
              "WWW-Authenticate and the Retry-After of a 429)" % r.header("Access-Control-Expose-Headers"), r)
    # a preflight needs no token and says what may be sent
    r = api("OPTIONS", WEBHOOKS, None, headers=[("Origin", origin),
                                                 ("Access-Control-Request-Method", "POST"),
                                                 ("Access-Control-Request-Headers", "authorization, content-type")])
    expect(r, 204, is_json=False)
    methods = {m.strip() for m in (r.header("Access-Control-Allow-Methods") or "").split(",")}
    check({"GET", "POST"} <= methods, "Access-Control-Allow-Methods %r" % r.header("Access-Control-Allow-Methods"), r)
    allowed = (r.header("Access-Control-Allow-Headers") or "").lower()
    check("authorization" in allowed and "content-type" in allowed,
          "Access-Control-Allow-Headers %r" % r.header("Access-Control-Allow-Headers"), r)
    check((r.header("Access-Control-Max-Age") or "").isdigit(), "no Access-Control-Max-Age", r)
    check(r.header("Access-Control-Allow-Origin") == origin, "preflight without Allow-Origin", r)


@test
def test_cors_other_origin_gets_no_cors_headers():
    _cors_origin()
    tok = reader().token
    for origin in ("http://evil.example", "null", CORS_ORIGIN + ".evil.example"):
        r = api("GET", WEBHOOKS, tok, headers=[("Origin", origin)])
        expect(r, 200)
        r2 = api("OPTIONS", WEBHOOKS + "x/", None, headers=[("Origin", origin),
                                                            ("Access-Control-Request-Method", "DELETE")])
        expect(r2, 204, is_json=False)
        for x in (r, r2):
            present = [k for k, _ in x.headers if k.lower().startswith("access-control-")]
            check(not present, "CORS headers for an origin off the list: %s" % present, x)


def _headers_named(r, name):
    return [v for k, v in r.headers if k.lower() == name.lower()]


@test
def test_cors_on_nginx_answers():
    """nginx's own answers (its JSON errors, unknown paths, openapi.json) carry the
    same CORS headers for the same origins; webhookd's answers get none twice."""
    origin = _cors_origin()
    big = sized_json(1024 * 1024 + 1)

    def cases(o):
        h = [("Origin", o)]
        return [(api("GET", "/nope/", None, headers=h), 404, "nginx's 404 for an unknown path"),
                (api("GET", V1 + "/openapi.json", None, headers=h), 200, "openapi.json"),
                (api("PUT", V1 + "/openapi.json", None, json_body={}, headers=h), 405, "openapi.json's 405"),
                (api("POST", WEBHOOKS, reader(), body=big, headers=h, timeout=30), 413, "nginx's 413")]

    for r, status, label in cases(origin):
        expect(r, status)
        check(_headers_named(r, "Access-Control-Allow-Origin") == [origin],
              "%s: Access-Control-Allow-Origin %r, want [%r]" % (
                  label, _headers_named(r, "Access-Control-Allow-Origin"), origin), r)
        check("origin" in (r.header("Vary") or "").lower(), "%s: no Vary: Origin" % label, r)
        check("x-request-id" in (r.header("Access-Control-Expose-Headers") or "").lower(),
              "%s: X-Request-Id is not exposed" % label, r)
    for o in ("http://evil.example", origin + ".evil.example"):
        for r, status, label in cases(o):
            expect(r, status)
            present = [k for k, _ in r.headers if k.lower().startswith("access-control-")]
            check(not present, "%s for origin %s: CORS headers %s" % (label, o, present), r)
    # webhookd's own answers: its headers alone, nothing added by nginx
    for r in (api("GET", WEBHOOKS, reader(), headers=[("Origin", origin)]),
              api("GET", WEBHOOKS, None, headers=[("Origin", origin)]),
              api("GET", V1, reader(), headers=[("Origin", origin)])):
        for name in ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Vary"):
            check(len(_headers_named(r, name)) == 1, "%d %s headers on webhookd's %d" % (
                len(_headers_named(r, name)), name, r.status), r)


def pipelined_statuses(requests, conns=8, timeout=60):
    """Sends raw HTTP/1.1 requests pipelined over `conns` keep-alive
    connections (faster than any client here that waits for each answer) and
    returns the status of each answer, in no particular order."""
    import socket
    chunks = [requests[i::conns] for i in range(conns)]

    def run(chunk):
        if not chunk:
            return []
        sock = socket.create_connection((HOST, PORT), timeout=timeout)
        try:
            sock.sendall(b"".join(chunk))
            f = sock.makefile("rb")
            out = []
            for _ in chunk:
                line = f.readline()
                if not line:
                    break
                out.append(int(line.split()[1]))
                length = 0
                while True:
                    h = f.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = h.decode("latin-1").partition(":")
                    if k.strip().lower() == "content-length":
                        length = int(v.strip())
                f.read(length)
            return out
        finally:
            sock.close()
    with concurrent.futures.ThreadPoolExecutor(conns) as pool:
        return [st for part in pool.map(run, chunks) for st in part]


@test
def test_rate_limit_per_address_holds_invented_tokens():
    """Tokens invented by one client (each a bucket of its own in the per-token
    limit, each a lookup for webhookd) meet the per-address limit: 400/s after
    a burst of 2,000, as JSON 429s."""
    n = 3200
    reqs = [("GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer whk_%s\r\n\r\n" % (
        TEMPLATES, HOST_HEADER, uuid.uuid4().hex + uuid.uuid4().hex)).encode() for _ in range(n)]
    t0 = time.monotonic()
    statuses = pipelined_statuses(reqs)
    took = time.monotonic() - t0
    check(len(statuses) == n, "%d of %d pipelined requests were answered" % (len(statuses), n))
    other = sorted(set(statuses) - {401, 429})
    check(not other, "statuses other than 401 and 429: %s" % other)
    passed, limited = statuses.count(401), statuses.count(429)
    print("#   %d invented tokens in %.1f s: %d answered 401, %d throttled" % (n, took, passed, limited))
    check(limited > 0, "no 429 for %d invented tokens from one address in %.1f s" % (n, took))
    check(passed <= 2000 + 400 * took + 50, "%d requests passed in %.1f s (burst 2000 + 400/s)" % (passed, took))
    r = api("GET", TEMPLATES, "whk_" + uuid.uuid4().hex * 2)
    if r.status == 429:
        b = expect_json_error_shape(r, 429)
        check(b["code"] == "throttled" and (r.header("Retry-After") or "").isdigit(), "the 429", r)
    # let the address's bucket refill before the next tests (2000 at 400/s)
    time.sleep(5.5)
    expect_error(api("GET", TEMPLATES, "whk_" + uuid.uuid4().hex * 2), 401, "authentication_failed")


@test
def test_rate_limit_is_per_token():
    """nginx's limit_req keyed on the bearer token: one token that floods gets
    JSON 429s (readable by an allowed origin); another token is unaffected."""
    origin = _cors_origin()
    flood, other = new_user("flood"), new_user("flood_other")
    h = [("Origin", origin)]
    ok = limited = sent = 0
    first_429 = None
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        # The bucket holds 1,000 and refills 100 a second: any client faster
        # than that meets the limit; give a slow machine time to get there.
        while first_429 is None and sent < 50000 and time.monotonic() - t0 < 60:
            for r in pool.map(lambda _: api("GET", TEMPLATES, flood, headers=h), range(200)):
                sent += 1
                if r.status == 429:
                    limited += 1
                    first_429 = first_429 or r
                else:
                    expect_page(r)
                    ok += 1
    took = time.monotonic() - t0
    check(first_429 is not None, "no 429 after %d requests with one token in %.1f s" % (sent, took))
    r = first_429
    b = expect_json_error_shape(r, 429)
    check(b["code"] == "throttled", "429 code %r" % b["code"], r)
    check((r.header("Retry-After") or "").isdigit(), "429 without Retry-After", r)
    check(r.header("X-Request-Id"), "429 without X-Request-Id", r)
    check(_headers_named(r, "Access-Control-Allow-Origin") == [origin],
          "429 for an allowed origin: Access-Control-Allow-Origin %r" % _headers_named(
              r, "Access-Control-Allow-Origin"), r)
    check("retry-after" in (r.header("Access-Control-Expose-Headers") or "").lower(),
          "429: Retry-After is not exposed to the page", r)
    check(ok >= 1000, "only %d requests passed before the limit (the burst is 1000)" % ok)
    # at once, another token still gets through
    expect_page(api("GET", TEMPLATES, other, headers=h))
    print("#   %d requests in %.1f s: %d passed, %d throttled" % (sent, took, ok, limited))


# ---- precedence: one test per adjacent pair ------------------------------------

@test
def test_precedence_unknown_route_404_before_405():
    for m, p in (("DELETE", V1 + "/nope/"), ("PUT", "/webhooks/v2/webhook/"),
                 ("POST", V1 + "/nope/")):
        expect_error(api(m, p, json_body={}), 404, "not_found")


@test
def test_precedence_405_before_401():
    expect_error(api("DELETE", WEBHOOKS), 405, "method_not_allowed")
    expect_error(api("DELETE", WEBHOOKS, auth="Bearer whk_nope"), 405, "method_not_allowed")
    expect_error(api("POST", TEMPLATES, json_body={}), 405, "method_not_allowed")


@test
def test_precedence_405_before_413():
    expect_error(api("POST", TEMPLATES, body=sized_json(MAX_BODY + 1)), 405, "method_not_allowed")
    expect_error(api("PUT", WEBHOOKS, reader(), body=sized_json(MAX_BODY + 1)), 405, "method_not_allowed")


@test
def test_precedence_401_before_413():
    big = sized_json(MAX_BODY + 1)
    expect_error(api("POST", WEBHOOKS, body=big), 401, "not_authenticated", detail=D_NOT_AUTH)
    expect_error(api("POST", WEBHOOKS, auth="Bearer whk_nope", body=big), 401, "authentication_failed")
    expect_error(api("PATCH", WEBHOOKS + str(uuid.uuid4()) + "/", body=big), 401, "not_authenticated")


@test
def test_precedence_413_before_415():
    big = sized_json(MAX_BODY + 1)
    expect_error(api("POST", WEBHOOKS, reader(), body=big, ctype="text/plain"), 413, "too_large")
    expect_error(api("POST", WEBHOOKS, reader(), body=big, ctype=None), 413, "too_large")


@test
def test_precedence_415_before_parse_error():
    for ct in ("text/plain", None):
        expect_error(api("POST", WEBHOOKS, reader(), body=b"{not json", ctype=ct), 415,
                     "unsupported_media_type")


@test
def test_precedence_parse_error_before_invalid():
    for body in (b'{"api_template": 1, ', b'{"api_template": 1}x', b'{"endpoint_url": "ftp://x",}'):
        expect_error(api("POST", WEBHOOKS, reader(), body=body), 400, "parse_error")


@test
def test_precedence_invalid_before_object_lookup():
    u = reader()
    unknown = WEBHOOKS + str(uuid.uuid4()) + "/"
    expect_invalid(api("PATCH", unknown, u, json_body={"status": "bogus"}), "status")
    expect_invalid(api("PUT", unknown, u, json_body={}), "endpoint_url")
    expect_invalid(api("PATCH", unknown, u, json_body={"colour": "red"}), "colour")
    # and the earlier checks before the lookup too
    expect_error(api("PATCH", unknown, u, body=b"{", ctype="application/json"), 400, "parse_error")
    expect_error(api("PATCH", unknown, u, body=b"{}", ctype="text/plain"), 415, "unsupported_media_type")
    # a valid body on an unknown id: the lookup answers
    expect_error(api("PATCH", unknown, u, json_body={"status": "disabled"}), 404, "not_found")


@test
def test_precedence_invalid_before_409():
    # No endpoint of the seed API can produce both a 404 lookup and a 409 (409 only
    # comes from create, which looks nothing up by path), so the last pair tested is
    # validation before the conflict: a duplicate that is also invalid is a 400.
    u = new_user("prec409")
    first = create(u, SEED_ID)
    expect_invalid(api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID,
                                                       "endpoint_url": "ftp://example.com/"}),
                   "endpoint_url")
    expect_invalid(api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": new_url(),
                                                       "colour": 1}), "colour")
    expect_invalid(api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": new_url(),
                                                       "secret_hash": ""}), "secret_hash")
    b = expect_error(api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": new_url()}),
                     409, "duplicate")
    check(b.get("id") == first["id"], "409 id is %r, expected %r" % (b.get("id"), first["id"]))


@test
def test_precedence_authentication_before_malformed_id_404():
    for p in (WEBHOOKS + "not-a-uuid/", TEMPLATES + "not-a-uuid/", WEBHOOKS + "1/"):
        expect_error(api("GET", p), 401, "not_authenticated", detail=D_NOT_AUTH)
        expect_error(api("GET", p, auth="Bearer whk_nope"), 401, "authentication_failed")
    expect_error(api("DELETE", WEBHOOKS + "not-a-uuid/"), 401, "not_authenticated")


# ---- media types, JSON parsing ---------------------------------------------------

@test
def test_media_type_accepted_case_insensitive_with_parameters():
    u = new_user("mediatype")
    P = pool()
    for i, ct in enumerate(["application/JSON; charset=utf-8", "Application/Json",
                            "application/json;charset=UTF-8", "application/json ; charset=utf-8"]):
        r = api("POST", WEBHOOKS, u, ctype=ct, json_body={"api_template": P[i]["id"], "endpoint_url": new_url()})
        expect(r, 201)
        wid = r.json["id"]
        r = api("PATCH", WEBHOOKS + wid + "/", u, ctype=ct, json_body={"status": "disabled"})
        check(expect(r, 200).get("status") == "disabled", "PATCH with %r not applied" % ct, r)


@test
def test_media_type_refused_415():
    u = new_user("media415")
    wid = create(u, SEED_ID)["id"]
    good = json.dumps({"api_template": SEED_ID, "endpoint_url": new_url()}).encode()
    cases = [("POST", WEBHOOKS, ct) for ct in
             ("text/plain", "application/jsonx", "text/json", "application/x-www-form-urlencoded",
              "multipart/form-data; boundary=x", "application/json-patch+json", "application", None)]
    cases += [("PATCH", WEBHOOKS + wid + "/", ct) for ct in ("text/plain", None)]
    cases += [("PUT", WEBHOOKS + wid + "/", ct) for ct in ("text/plain", None)]

    def one(c):
        m, p, ct = c
        expect_error(api(m, p, u, body=good, ctype=ct), 415, "unsupported_media_type")
    each(cases, one)


@test
def test_parse_errors():
    u = new_user("parse")
    wid = create(u, SEED_ID)["id"]
    bodies = [b"", b"[]", b'[{"api_template": "x"}]', b"null", b"42", b'"s"', b"true", b"{",
              b"{'a': 1}", b'{"a":}', b'{"a": NaN}', b'{"a": 1} {"b": 2}', b"   ", b"{]", b'{"a" 1}']

    def one(c):
        m, p, body = c
        expect_error(api(m, p, u, body=body, ctype="application/json"), 400, "parse_error")
    each([(m, p, b) for b in bodies for (m, p) in
          (("POST", WEBHOOKS), ("PATCH", WEBHOOKS + wid + "/"), ("PUT", WEBHOOKS + wid + "/"))], one)


# ---- body size ----------------------------------------------------------------

@test
def test_413_too_large_from_the_service():
    u = new_user("big")
    r = api("POST", WEBHOOKS, u, body=sized_json(MAX_BODY + 1))
    expect_error(r, 413, "too_large")
    check(r.header("X-Request-Id"), "no X-Request-Id on the 413", r)
    expect_error(api("POST", WEBHOOKS, u, body=sized_json(200 * 1024)), 413, "too_large")
    expect_error(api("PATCH", WEBHOOKS + str(uuid.uuid4()) + "/", u, body=sized_json(MAX_BODY + 1)),
                 413, "too_large")
    # exactly 64 KiB is not too large: it is parsed and validated
    expect_invalid(api("POST", WEBHOOKS, u, body=sized_json(MAX_BODY)), "endpoint_url")


@test
def test_413_from_nginx_is_json():
    # over nginx's client_max_body_size (about 1 MiB): nginx answers, in the JSON shape
    r = api("POST", WEBHOOKS, reader(), body=sized_json(1024 * 1024 + 1), timeout=30)
    expect_json_error_shape(r, 413)
    r = api("POST", WEBHOOKS, reader(), body=sized_json(3 * 1024 * 1024), timeout=30)
    expect_json_error_shape(r, 413)


@test
def test_414_from_nginx_is_json():
    r = api("GET", WEBHOOKS + "?q=" + "a" * 100000, reader())
    expect_json_error_shape(r, 414)


@test
def test_huge_header_from_nginx_is_json():
    r = api("GET", WEBHOOKS, reader(), headers=[("X-Big", "a" * 65536)])
    expect_json_error_shape(r, (431, 400))
    r = api("GET", WEBHOOKS, reader(), headers=[("X-H%d" % i, "b" * 4000) for i in range(20)])
    expect_json_error_shape(r, (431, 400))


@test
def test_bad_requests_from_nginx_are_json():
    for raw in (b"get " + HEALTH.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                b"GET " + HEALTH.encode() + b" HTTP/1.1\r\nConnection: close\r\n\r\n",
                b"GET " + HEALTH.encode() + b" HTTP/1.1\r\nHost: a/b\r\nConnection: close\r\n\r\n"):
        r = exchange("GET", HEALTH, raw=raw)
        expect_json_error_shape(r, 400)


# ---- X-Request-Id ------------------------------------------------------------

@test
def test_x_request_id_on_responses_and_errors():
    u = new_user("reqid")
    seen = []

    def rid(r, label):
        v = r.header("X-Request-Id")
        check(v and v.strip(), "no X-Request-Id on %s" % label, r)
        seen.append(v)

    rid(api("GET", HEALTH), "health")
    rid(api("GET", TEMPLATES, u), "template list")
    rid(api("GET", WEBHOOKS, u), "webhook list")
    r = api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": new_url()})
    expect(r, 201)
    rid(r, "201")
    wid = r.json["id"]
    rid(expect_error_r(api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": new_url()}),
                       409, "duplicate"), "409")
    rid(expect_error_r(api("GET", WEBHOOKS), 401, "not_authenticated"), "401")
    rid(expect_error_r(api("GET", V1 + "/nope/", u), 404, "not_found"), "404")
    rid(expect_error_r(api("DELETE", WEBHOOKS, u), 405, "method_not_allowed"), "405")
    rid(expect_error_r(api("POST", WEBHOOKS, u, json_body={}), 400, "invalid"), "400")
    rid(expect_error_r(api("POST", WEBHOOKS, u, body=b"{}", ctype="text/plain"), 415,
                       "unsupported_media_type"), "415")
    r = api("DELETE", WEBHOOKS + wid + "/", u)
    expect(r, 204, is_json=False)
    rid(r, "204")
    r = api("POST", WEBHOOKS, u, body=sized_json(1024 * 1024 + 1), timeout=30)
    expect(r, 413)
    rid(r, "nginx's 413")
    check(len(set(seen)) == len(seen), "X-Request-Id values repeat: %r" % seen)


def expect_error_r(r, status, code):
    expect_error(r, status, code)
    return r


# ---- templates -------------------------------------------------------------------

@test
def test_templates_list_shape_and_seeded():
    r = api("GET", TEMPLATES, reader())
    b = expect_page(r)
    check(b["previous"] is None, "previous is not null on page 1", r)
    check(b["count"] >= 3, "fewer than the 3 seeded templates", r)
    for t in b["results"]:
        check(isinstance(t, dict) and set(t) == TEMPLATE_KEYS,
              "template fields %r, expected exactly %s" % (t, sorted(TEMPLATE_KEYS)), r)
        check(isinstance(t["id"], str) and UUID_RE.match(t["id"]), "template id %r" % t["id"], r)
        check(isinstance(t["name"], str) and isinstance(t["display_name"], str), "template %r" % t, r)
        check(t["description"] is None or isinstance(t["description"], str), "template %r" % t, r)
    alls = fetch_all(TEMPLATES + "?page_size=100", reader())
    check(len(alls) == b["count"], "count %d but %d templates listed over all pages" % (b["count"], len(alls)))
    names = [t["name"] for t in alls]
    for n in SEEDED_NAMES:
        check(n in names, "seeded template %s not listed" % n, r)
    seeded = [t for t in alls if t["id"] == SEED_ID]
    # the contract's example object for this template
    want = {"id": SEED_ID, "name": SEED_NAME, "display_name": "Assignment Answer Sheet Extraction",
            "description": None}
    check(seeded == [want], "seeded template is %r, expected %r" % (seeded, want), r)


@test
def test_templates_sorted_by_name_in_byte_order():
    # "_" (0x5F) sorts before "a" (0x61) in bytes but after letters in a
    # case-insensitive collation: these two names tell the orders apart.
    got = ensure_templates([("it_sort_a", "IT sort a", "sort order check"),
                            ("it_sort__b", "IT sort _b", "sort order check")])
    alls = fetch_all(TEMPLATES + "?page_size=100", reader())
    names = [t["name"] for t in alls]
    check(names == sorted(names, key=lambda s: s.encode("utf-8")),
          "templates are not in byte order of name: %r" % names[:40])
    check(names.index("it_sort__b") < names.index("it_sort_a"),
          "it_sort__b must come before it_sort_a (byte order)")
    check(got["it_sort_a"]["description"] == "sort order check", "description not as added")


@test
def test_templates_retrieve():
    u = reader()
    r = api("GET", TEMPLATES + SEED_ID + "/", u)
    b = expect(r, 200)
    listed = [t for t in fetch_all(TEMPLATES + "?page_size=100", u) if t["id"] == SEED_ID]
    check(listed and b == listed[0], "retrieve %r differs from the listed %r" % (b, listed), r)
    P = pool()
    r = api("GET", TEMPLATES + P[7]["id"] + "/", u)
    b = expect(r, 200)
    check(b == P[7] and b["description"] == "integration test template" and b["display_name"] == "IT pool 007",
          "pool template is %r" % b, r)


@test
def test_templates_unknown_and_malformed_ids_404():
    u = reader()
    ids = [str(uuid.uuid4()), "not-a-uuid", SEED_ID[:-1], SEED_ID + "0", "123", "%20",
           SEED_ID.replace("-", "_"), "g" + SEED_ID[1:], "00000000-0000-0000-0000-000000000000"]

    def one(i):
        expect_error(api("GET", TEMPLATES + i + "/", u), 404, "not_found")
        expect_error(api("GET", TEMPLATES + i + "/"), 401, "not_authenticated")
    each(ids, one)
    # AMBIGUITY: an uppercase or unhyphenated spelling of an existing id is not
    # tested (DRF's UUID converter would accept it, a strict one would not).


@test
def test_templates_pagination_and_clamp():
    u = reader()
    P = pool()
    total = expect_page(api("GET", TEMPLATES, u))["count"]
    check(total >= POOL_N + 3, "expected at least %d templates, count is %d" % (POOL_N + 3, total))
    r = api("GET", TEMPLATES + "?page_size=1", u)
    b = expect_page(r, count=total, n=1)
    check(b["previous"] is None, "previous not null on page 1", r)
    check_link(r, b["next"], page=2, params={"page_size": "1"}, path=TEMPLATES)
    r = follow(b["next"], u)
    b = expect_page(r, count=total, n=1)
    check_link(r, b["previous"], page=1, params={"page_size": "1"}, path=TEMPLATES)
    check_link(r, b["next"], page=3, params={"page_size": "1"}, path=TEMPLATES)
    r = api("GET", TEMPLATES + "?page_size=1&page=%d" % total, u)
    b = expect_page(r, n=1)
    check(b["next"] is None, "next not null on the last page", r)
    expect_error(api("GET", TEMPLATES + "?page_size=1&page=%d" % (total + 1), u), 404, "invalid_page")
    expect_error(api("GET", TEMPLATES + "?page=0", u), 404, "invalid_page")
    expect_invalid(api("GET", TEMPLATES + "?page_size=0", u), "page_size")
    expect_invalid(api("GET", TEMPLATES + "?page_size=abc", u), "page_size")
    # default page size 20, cap 100
    expect_page(api("GET", TEMPLATES, u), n=20)
    r = api("GET", TEMPLATES + "?page_size=1000", u)
    b = expect_page(r, count=total, n=100)
    check_link(r, b["next"], page=2, params={"page_size": "1000"}, path=TEMPLATES)
    expect_page(api("GET", TEMPLATES + "?page_size=99999999999999999999999", u), n=100)
    check(len(P) == POOL_N, "pool")


@test
def test_templates_disabled_not_listed_nor_usable():
    name = "it_dis_%s" % RUN
    t = ensure_templates([(name, "IT disabled " + RUN, "disabled in this run")])[name]
    u = new_user("distpl")
    expect(api("GET", TEMPLATES + t["id"] + "/", u), 200)
    ctl("template disable %s" % shlex.quote(name))
    names = [x["name"] for x in fetch_all(TEMPLATES + "?page_size=100", u)]
    check(name not in names, "disabled template %s is still listed" % name)
    expect_error(api("GET", TEMPLATES + t["id"] + "/", u), 404, "not_found")
    r = api("POST", WEBHOOKS, u, json_body={"api_template": t["id"], "endpoint_url": new_url()})
    expect_invalid(r, "api_template")


@test
def test_templates_disabled_after_use_refuse_new_webhooks():
    """Workers keep the templates creates named; a template disabled after
    creates on every worker still refuses the next create (400), and
    creates nothing."""
    name = "it_disuse_%s" % RUN
    t = ensure_templates([(name, "IT disabled after use " + RUN, "used, then disabled")])[name]
    before = [new_user("disuse_a%d" % i) for i in range(12)]
    for u in before:
        expect(api("POST", WEBHOOKS, u, json_body={"api_template": t["id"], "endpoint_url": new_url()}), 201)
    ctl("template disable %s" % shlex.quote(name))
    for i in range(12):
        u = new_user("disuse_b%d" % i)
        r = api("POST", WEBHOOKS, u, json_body={"api_template": t["id"], "endpoint_url": new_url()})
        expect_invalid(r, "api_template")
        expect_page(api("GET", WEBHOOKS, u), count=0, n=0)


# ---- create ------------------------------------------------------------------------

@test
def test_create_201_fields_and_location():
    u = new_user("create")
    tpl = seed()
    secret = "whsec_it_" + uuid.uuid4().hex
    with _lock:
        SECRETS.add(secret)
    url = new_url()
    before = datetime.datetime.now(datetime.timezone.utc)
    r = api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": url, "secret_hash": secret})
    b = expect(r, 201)
    check_webhook(b, r, template=tpl, url=url, status="enabled", has_secret=True, user=u, reason=None)
    check(r.header("Location") == "/webhooks/v1/webhook/%s/" % b["id"],
          "Location is %r, expected the absolute path /webhooks/v1/webhook/%s/" % (r.header("Location"), b["id"]), r)
    check(secret not in r.body.decode("utf-8", "replace"), "the secret is echoed", r)
    created = parse_ts(b["created_at"])
    check(abs((created - before).total_seconds()) < 300,
          "created_at %s is far from now (%s): not UTC?" % (b["created_at"], before.isoformat()), r)
    r2 = api("GET", r.header("Location"), u)
    check(expect(r2, 200) == b, "GET Location differs from the 201 body", r2)
    P = pool()
    r = api("POST", WEBHOOKS, u, json_body={"api_template": P[0]["id"], "endpoint_url": url})
    check_webhook(expect(r, 201), r, template=P[0], url=url, has_secret=False, user=u, status="enabled", reason=None)
    r = api("POST", WEBHOOKS, u, json_body={"api_template": P[1]["id"], "endpoint_url": url, "secret_hash": None})
    check_webhook(expect(r, 201), r, template=P[1], has_secret=False, user=u)
    r = api("POST", WEBHOOKS, u, json_body={"api_template": P[2]["id"], "endpoint_url": url, "status": "enabled"})
    check_webhook(expect(r, 201), r, template=P[2], status="enabled", reason=None)
    # AMBIGUITY: creating with status "disabled" is a user setting it, so
    # disabled_reason is "manual".
    r = api("POST", WEBHOOKS, u, json_body={"api_template": P[3]["id"], "endpoint_url": url, "status": "disabled"})
    check_webhook(expect(r, 201), r, template=P[3], status="disabled", reason="manual")


@test
def test_create_invalid_api_template():
    u = new_user("badtpl")
    url = new_url()
    cases = [MISSING, "not-a-uuid", str(uuid.uuid4()), 123, None, True, [SEED_ID], {"id": SEED_ID},
             "", SEED_ID + " ", SEED_NAME]

    def one(v):
        body = {"endpoint_url": url}
        if v is not MISSING:
            body["api_template"] = v
        expect_invalid(api("POST", WEBHOOKS, u, json_body=body), "api_template")
    each(cases, one)
    expect_page(api("GET", WEBHOOKS, u), count=0)


BAD_URLS = [
    MISSING, None, 123, True, ["https://example.com/"], {"url": "https://example.com/"}, "", "   ",
    "ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)", "gopher://example.com/",
    "/relative/path", "example.com/hook", "//example.com/hook", "hook",
    "http://", "https://", "http:///path", "https:example.com", "http:/example.com", "https://:443/",
    "https://example.com/" + "a" * (2049 - len("https://example.com/")),
    "https://example.com/hook#frag",
    "https://user:pass@example.com/", "https://user@example.com/", "https://:pass@example.com/",
    "https://exa mple.com/", "https://[::1/", "https://example.com\n/",
]

PRIVATE_HOSTS = [
    "127.0.0.1", "127.1", "2130706433", "0x7f000001", "[::1]", "[::ffff:127.0.0.1]", "10.0.0.1",
    "192.168.1.1", "172.16.0.1", "169.254.169.254", "0.0.0.0", "[fe80::1%25eth0]", "224.0.0.1",
    "localhost", "foo.localhost",
    # more spellings resolvers accept for the same refused addresses
    "127.0.0.1:8080", "127.255.255.254", "0177.0.0.1", "0x7f.0.0.1", "017700000001", "0",
    "[0:0:0:0:0:0:0:1]", "[::ffff:7f00:1]", "[::]", "[fe80::1]", "[fc00::1]", "[ff02::1]",
    "172.31.255.255", "192.168.0.1:443", "LOCALHOST", "Foo.LocalHost", "a.b.localhost",
]


@test
def test_create_invalid_endpoint_url():
    u = new_user("badurl")

    def one(v):
        body = {"api_template": SEED_ID}
        if v is not MISSING:
            body["endpoint_url"] = v
        expect_invalid(api("POST", WEBHOOKS, u, json_body=body), "endpoint_url")
    each(BAD_URLS, one)
    expect_page(api("GET", WEBHOOKS, u), count=0)


@test
def test_create_refuses_private_and_loopback_addresses():
    u = new_user("private")

    def one(h):
        url = "http://%s/hook" % h
        expect_invalid(api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": url}),
                       "endpoint_url")
    each(PRIVATE_HOSTS, one)
    expect_page(api("GET", WEBHOOKS, u), count=0)


@test
def test_create_accepts_public_urls():
    u = new_user("public")
    P = pool()
    urls = ["https://example.com/", "http://example.com:8080/p/a/t/h?q=1&r=%20",
            "http://93.184.216.34/hook", "https://172.32.0.1/", "https://11.0.0.1/",
            "https://[2606:4700:4700::1111]/hook", "https://localhost.example.com/",
            "https://xn--bcher-kva.example/",
            "https://example.com/" + "a" * (2048 - len("https://example.com/"))]

    def one(c):
        i, url = c
        r = api("POST", WEBHOOKS, u, json_body={"api_template": P[i]["id"], "endpoint_url": url})
        # AMBIGUITY: the URL is stored as sent, not normalised (DRF URLField).
        check_webhook(expect(r, 201), r, url=url)
    each(list(enumerate(urls)), one)


@test
def test_create_invalid_secret_hash():
    u = new_user("badsecret")
    marker = "itleak%s" % uuid.uuid4().hex
    with _lock:
        SECRETS.add(marker)
    cases = ["", "a" * 257, "\u00e9" * 257, "\U0001F600" * 257, marker + "\u0001", marker + "\u007f",
             marker + "\u0085", marker + "\u009f", marker + "\u0000", marker + "\t", marker + "\n",
             "\u001f" + marker, 123, True, [marker], {"k": marker}, 0]

    def one(v):
        r = api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": new_url(),
                                                "secret_hash": v})
        expect_invalid(r, "secret_hash")
        check(marker.encode() not in r.body, "the refused secret is echoed in the error", r)
    each(cases, one)
    expect_page(api("GET", WEBHOOKS, u), count=0)


@test
def test_create_secret_hash_accepted_forms():
    u = new_user("oksecret")
    P = pool()
    tpl_ids = iter(P)

    def post_raw(body_bytes):
        return api("POST", WEBHOOKS, u, body=body_bytes)

    def body(secret, ascii_only):
        return json.dumps({"api_template": next(tpl_ids)["id"], "endpoint_url": new_url(),
                           "secret_hash": secret}, ensure_ascii=ascii_only).encode("utf-8")

    cases = [
        ("256 emoji as raw UTF-8", "\U0001F600" * 256, False),
        ("256 emoji as surrogate-pair escapes", "\U0001F600" * 256, True),
        ("256 e-acute as \\u escapes", "\u00e9" * 256, True),
        ("256 ASCII", "s" * 256, False),
        ("one character", "x", False),
        ("NBSP and U+2028 are not control characters", "a\u00a0b\u2028c", False),
        ("whsec_ prefixed", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", False),
    ]

    def one(c):
        label, secret, ascii_only = c
        r = post_raw(body(secret, ascii_only))
        check_webhook(expect(r, 201), r, has_secret=True)
    each(cases, one)
    r = api("POST", WEBHOOKS, u, json_body={"api_template": next(tpl_ids)["id"], "endpoint_url": new_url(),
                                            "secret_hash": None})
    check_webhook(expect(r, 201), r, has_secret=False)


@test
def test_create_invalid_status():
    u = new_user("badstatus")

    def one(v):
        expect_invalid(api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": new_url(),
                                                           "status": v}), "status")
    # AMBIGUITY: status null is refused (DRF ChoiceField without allow_null).
    each(["bogus", "Enabled", "DISABLED", "", "enabled ", 1, None, True, ["enabled"]], one)


@test
def test_create_unknown_fields_rejected_by_name():
    u = new_user("unknownfield")

    def one(c):
        extra = c
        body = {"api_template": SEED_ID, "endpoint_url": new_url()}
        body.update(extra)
        expect_invalid(api("POST", WEBHOOKS, u, json_body=body), *extra.keys())
    # AMBIGUITY: read-only fields of the resource (id, created_by, ...) are not
    # tested: DRF ignores them, a strict reading of the contract rejects them.
    each([{"colour": "red"}, {"secret": "x"}, {"a": 1, "b": None}, {"endpoint": "https://example.com/"},
          {"": 1}, {"API_TEMPLATE": SEED_ID}], one)
    expect_page(api("GET", WEBHOOKS, u), count=0)


@test
def test_create_reports_every_invalid_field_at_once():
    u = new_user("manyerrors")
    r = api("POST", WEBHOOKS, u, json_body={"api_template": "nope", "endpoint_url": "ftp://example.com/",
                                            "secret_hash": "", "status": "x", "extra": 1})
    expect_invalid(r, "api_template", "endpoint_url", "secret_hash", "status", "extra")
    expect_invalid(api("POST", WEBHOOKS, u, json_body={}), "api_template", "endpoint_url")
    expect_invalid(api("POST", WEBHOOKS, u, json_body={"api_template": str(uuid.uuid4()),
                                                       "endpoint_url": "http://127.0.0.1/"}),
                   "api_template", "endpoint_url")


# ---- duplicates ------------------------------------------------------------------

@test
def test_duplicate_409():
    u = new_user("dup")
    first = create(u, SEED_ID)
    for body in ({"api_template": SEED_ID, "endpoint_url": new_url()},
                 {"api_template": SEED_ID, "endpoint_url": first["endpoint_url"]},
                 {"api_template": SEED_ID, "endpoint_url": new_url(), "status": "disabled", "secret_hash": "x"}):
        b = expect_error(api("POST", WEBHOOKS, u, json_body=body), 409, "duplicate")
        check(b.get("id") == first["id"], "409 id is %r, expected %r" % (b.get("id"), first["id"]))
    patch(u, first["id"], {"status": "disabled"})
    b = expect_error(api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": new_url()}),
                     409, "duplicate")
    check(b.get("id") == first["id"], "409 id is %r, expected %r" % (b.get("id"), first["id"]))
    r = api("GET", WEBHOOKS, u)
    b = expect_page(r, count=1)
    check(ids_of(b) == [first["id"]], "the list is not the first webhook alone", r)
    # one per user per template: another user may use the same template
    create(new_user("dup2"), SEED_ID)


@test
def test_duplicate_concurrent_creates():
    u = new_user("race")
    n = 20
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=30)
            results[i] = api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID,
                                                             "endpoint_url": new_url("race")}, timeout=30)
        except Exception as e:  # noqa: BLE001
            results[i] = e
    ths = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(60)
    errs = [x for x in results if not isinstance(x, Resp)]
    check(not errs, "requests failed: %r" % errs[:3])
    created = [r for r in results if r.status == 201]
    dups = [r for r in results if r.status == 409]
    other = [r for r in results if r.status not in (201, 409)]
    check(not other, "unexpected statuses %r" % sorted(r.status for r in other), other[0] if other else None)
    check(len(created) == 1, "%d creates answered 201, expected exactly 1" % len(created),
          created[1] if len(created) > 1 else None)
    wid = created[0].json["id"]
    for r in dups:
        b = expect_error(r, 409, "duplicate")
        check(b.get("id") == wid, "409 id %r, expected %r" % (b.get("id"), wid), r)
    r = api("GET", WEBHOOKS, u)
    check(ids_of(expect_page(r, count=1)) == [wid], "list is not the one created webhook", r)


# ---- list ----------------------------------------------------------------------------

@test
def test_list_empty_is_page_one():
    u = new_user("empty")
    for q in ("", "?page=1", "?page_size=5", "?status=enabled"):
        r = api("GET", WEBHOOKS + q, u)
        b = expect_page(r, count=0, n=0)
        check(b["next"] is None and b["previous"] is None, "next/previous not null on an empty list", r)
    expect_error(api("GET", WEBHOOKS + "?page=2", u), 404, "invalid_page")


@test
def test_list_only_callers_newest_first():
    u, hooks = lister()
    other = new_user("notlister")
    other_hook = create(other, pool()[0]["id"])
    r = api("GET", WEBHOOKS, u)
    b = expect_page(r, count=5, n=5)
    check(b["next"] is None and b["previous"] is None, "a single page has next/previous", r)
    want = [h["id"] for h in reversed(hooks)]
    check(ids_of(b) == want, "expected newest first %r, got %r" % (want, ids_of(b)), r)
    check(other_hook["id"] not in ids_of(b), "another user's webhook is listed", r)
    for w, h in zip(b["results"], reversed(hooks)):
        check_webhook(w, r, user=u)
        check(w == h, "listed webhook %r differs from its last answer %r" % (w, h), r)
    times = [w["created_at"] for w in b["results"]]
    check(times == sorted(times, reverse=True), "created_at not descending: %r" % times, r)


@test
def test_list_pagination_page_by_page():
    u, hooks = lister()
    want = [h["id"] for h in reversed(hooks)]
    r = api("GET", WEBHOOKS + "?page_size=2", u)
    b = expect_page(r, count=5, n=2)
    check(ids_of(b) == want[0:2], "page 1 is %r, expected %r" % (ids_of(b), want[0:2]), r)
    check(b["previous"] is None, "previous not null on page 1", r)
    check_link(r, b["next"], page=2, params={"page_size": "2"})
    r = follow(b["next"], u)
    b = expect_page(r, count=5, n=2)
    check(ids_of(b) == want[2:4], "page 2 is %r, expected %r" % (ids_of(b), want[2:4]), r)
    check_link(r, b["previous"], page=1, params={"page_size": "2"})
    check_link(r, b["next"], page=3, params={"page_size": "2"})
    r = follow(b["next"], u)
    b = expect_page(r, count=5, n=1)
    check(ids_of(b) == want[4:], "page 3 is %r, expected %r" % (ids_of(b), want[4:]), r)
    check(b["next"] is None, "next not null on the last page", r)
    check_link(r, b["previous"], page=2, params={"page_size": "2"})
    expect_error(api("GET", WEBHOOKS + "?page_size=2&page=4", u), 404, "invalid_page")
    expect_error(api("GET", WEBHOOKS + "?page=2", u), 404, "invalid_page")
    r = api("GET", WEBHOOKS + "?page=1", u)
    check(ids_of(expect_page(r, count=5, n=5)) == want, "page=1 differs from no page", r)


@test
def test_list_links_use_host_header_and_carry_params():
    u, hooks = lister()
    host = "hooks.example.test:8443"
    r = api("GET", WEBHOOKS + "?page_size=2&foo=bar&zz=a%2Fb%20c", u, host=host,
            headers=[("X-Forwarded-Host", "evil.example"), ("X-Forwarded-Proto", "gopher")])
    b = expect_page(r, count=5, n=2)
    params = {"page_size": "2", "foo": "bar", "zz": "a/b c"}
    check_link(r, b["next"], page=2, params=params, host=host)
    r = follow(b["next"], u, host=host)
    b = expect_page(r, count=5, n=2)
    check_link(r, b["previous"], page=1, params=params, host=host)
    check_link(r, b["next"], page=3, params=params, host=host)
    # filters are carried too
    tpl = hooks[0]["api_template"]["id"]
    r = api("GET", WEBHOOKS + "?status=enabled&page_size=1&foo=", u, host="other.example")
    b = expect_page(r, count=3, n=1)
    check_link(r, b["next"], page=2, params={"status": "enabled", "page_size": "1", "foo": ""},
               host="other.example")
    r = api("GET", WEBHOOKS + "?page=1&api_template=%s&page_size=1" % tpl, u)
    b = expect_page(r, count=1, n=1)
    check(b["next"] is None and b["previous"] is None, "single page with links", r)


@test
def test_list_page_size_invalid_400():
    u, _ = lister()

    def one(v):
        expect_invalid(api("GET", WEBHOOKS + "?page_size=" + v, u), "page_size")
    each(["0", "-1", "abc", "1.5", "1e2", "0x10", "-99999999999999999999999", "2abc"], one)


@test
def test_list_page_invalid_404():
    u, _ = lister()

    def one(v):
        expect_error(api("GET", WEBHOOKS + "?page=" + v, u), 404, "invalid_page")
    each(["0", "-1", "abc", "1.5", "2", "99999999999999999999999", "18446744073709551617",
          "9223372036854775808", "1e2", "0x1"], one)
    expect_error(api("GET", WEBHOOKS + "?page=4&page_size=2", u), 404, "invalid_page")


@test
def test_list_page_size_clamped_to_100():
    u, created = clamp_user()
    want = list(reversed(created))
    r = api("GET", WEBHOOKS + "?page_size=1000", u)
    b = expect_page(r, count=POOL_N, n=100)
    check(b["previous"] is None, "previous not null on page 1", r)
    check_link(r, b["next"], page=2, params={"page_size": "1000"})
    first = ids_of(b)
    r = follow(b["next"], u)
    b = expect_page(r, count=POOL_N, n=1)
    check(b["next"] is None, "next not null on the last page", r)
    check_link(r, b["previous"], page=1, params={"page_size": "1000"})
    check(first + ids_of(b) == want, "the pages are not the webhooks newest first", r)
    expect_page(api("GET", WEBHOOKS + "?page_size=99999999999999999999999", u), n=100)
    expect_page(api("GET", WEBHOOKS + "?page_size=100", u), n=100)
    expect_page(api("GET", WEBHOOKS + "?page_size=101", u), n=100)
    r = api("GET", WEBHOOKS, u)
    b = expect_page(r, count=POOL_N, n=20)
    check_link(r, b["next"], page=2, params={}, default_page_size=20)
    r = api("GET", WEBHOOKS + "?page=6", u)
    b = expect_page(r, n=1)
    check(ids_of(b) == want[100:], "page 6 of 20 is not the oldest webhook", r)
    check_link(r, b["previous"], page=5, params={}, default_page_size=20)
    expect_error(api("GET", WEBHOOKS + "?page=7", u), 404, "invalid_page")


@test
def test_list_filters():
    u, hooks = lister()
    newest = list(reversed(hooks))

    def q(query, want):
        r = api("GET", WEBHOOKS + query, u)
        b = expect_page(r, count=len(want))
        got = ids_of(b)
        check(got == [h["id"] for h in want], "%s: got %r, expected %r" % (query, got, [h["id"] for h in want]), r)

    q("?status=enabled", [h for h in newest if h["status"] == "enabled"])
    q("?status=disabled", [h for h in newest if h["status"] == "disabled"])
    q("?api_template=" + hooks[1]["api_template"]["id"], [hooks[1]])
    q("?api_template=%s&status=disabled" % hooks[1]["api_template"]["id"], [hooks[1]])
    q("?api_template=%s&status=enabled" % hooks[1]["api_template"]["id"], [])
    q("?api_template=" + str(uuid.uuid4()), [])
    q("?api_template=" + SEED_ID, [])
    q("?foo=bar&ordering=created_at&search=x&limit=1&cursor=abc", newest)
    expect_invalid(api("GET", WEBHOOKS + "?status=bogus", u), "status")
    # AMBIGUITY: filter values are case-sensitive (DRF ChoiceFilter).
    expect_invalid(api("GET", WEBHOOKS + "?status=ENABLED", u), "status")
    expect_invalid(api("GET", WEBHOOKS + "?api_template=not-a-uuid", u), "api_template")
    expect_invalid(api("GET", WEBHOOKS + "?api_template=" + SEED_NAME, u), "api_template")
    expect_invalid(api("GET", WEBHOOKS + "?api_template=%s0" % SEED_ID, u), "api_template")
    r = api("GET", WEBHOOKS + "?status=bogus&api_template=nope&page_size=0", u)
    expect_invalid(r, "status", "api_template", "page_size")


@test
def test_list_repeated_query_parameter_first_counts():
    u, hooks = lister()
    newest = [h["id"] for h in reversed(hooks)]
    r = api("GET", WEBHOOKS + "?status=disabled&status=enabled", u)
    check(ids_of(expect_page(r, count=2)) == [h["id"] for h in reversed(hooks) if h["status"] == "disabled"],
          "status=disabled&status=enabled did not filter on disabled", r)
    r = api("GET", WEBHOOKS + "?page_size=2&page_size=abc", u)
    expect_page(r, count=5, n=2)
    expect_invalid(api("GET", WEBHOOKS + "?page_size=abc&page_size=2", u), "page_size")
    r = api("GET", WEBHOOKS + "?page=2&page=1&page_size=2", u)
    check(ids_of(expect_page(r, n=2)) == newest[2:4], "page=2&page=1 is not page 2", r)
    expect_error(api("GET", WEBHOOKS + "?page=9&page=1", u), 404, "invalid_page")
    r = api("GET", WEBHOOKS + "?page=3&page_size=2&page_size=9", u)
    check(ids_of(expect_page(r, n=1)) == newest[4:], "page_size=2&page_size=9: page 3 is not the last one", r)


# ---- retrieve, isolation ---------------------------------------------------------

@test
def test_retrieve_own_webhook():
    u = new_user("retrieve")
    w = create(u, SEED_ID, secret_hash="s3cret")
    for p in (WEBHOOKS + w["id"] + "/", WEBHOOKS + w["id"]):
        r = api("GET", p, u)
        check(expect(r, 200) == w, "GET differs from the 201 body", r)


@test
def test_other_users_webhook_is_404_everywhere():
    a = new_user("owner")
    b = new_user("intruder")
    secret = "whsec_owner_" + uuid.uuid4().hex
    with _lock:
        SECRETS.add(secret)
    w = create(a, SEED_ID, secret_hash=secret)
    p = WEBHOOKS + w["id"] + "/"
    uid = str(uuid.uuid4())
    unknown = expect_error(api("GET", WEBHOOKS + uid + "/", b), 404, "not_found")
    for m, body in (("GET", MISSING), ("PATCH", {"status": "disabled"}),
                    ("PUT", {"endpoint_url": new_url(), "status": "disabled"}), ("DELETE", MISSING),
                    ("PATCH", {"endpoint_url": new_url()}), ("PUT", {"endpoint_url": new_url(), "secret_hash": None})):
        r = api(m, p, b, json_body=body)
        e = expect_error(r, 404, "not_found")
        # existence is not revealed: the same answer as for an unknown id
        check(e["detail"].replace(w["id"], "ID") == unknown["detail"].replace(uid, "ID")
              and set(e) == set(unknown),
              "the 404 for another user's webhook %r differs from an unknown id's %r" % (e, unknown), r)
    r = api("GET", p, a)
    check(expect(r, 200) == w, "the owner's webhook changed", r)
    check(w["id"] not in ids_of(expect_page(api("GET", WEBHOOKS, b), count=0)), "listed for another user")


@test
def test_malformed_ids_404_after_auth():
    u = new_user("malformed")
    w = create(u, SEED_ID)
    wid = w["id"]
    ids = ["not-a-uuid", wid[:-1], wid + "0", wid.replace("-", "_"), "1", "%27%20OR%201%3D1%20--",
           "00000000-0000-0000-0000-00000000000g", wid[:8], "%20" + wid, wid + "%20"]
    cases = [(m, i) for i in ids for m in ("GET", "PATCH", "PUT", "DELETE")]

    def one(c):
        m, i = c
        body = {"status": "disabled"} if m == "PATCH" else {"endpoint_url": new_url()} if m == "PUT" else MISSING
        expect_error(api(m, WEBHOOKS + i + "/", u, json_body=body), 404, "not_found")
    each(cases, one)
    r = api("GET", WEBHOOKS + wid + "/", u)
    check(expect(r, 200) == w, "the webhook changed", r)


@test
def test_cross_user_isolation():
    a = new_user("iso_a")
    b = new_user("iso_b")
    P = pool()
    wa = [create(a, P[0]["id"]), create(a, SEED_ID)]
    r = api("GET", WEBHOOKS, b)
    b0 = expect_page(r, count=0, n=0)
    check(b0["next"] is None, "next on an empty list", r)
    expect_page(api("GET", WEBHOOKS + "?api_template=" + P[0]["id"], b), count=0)
    expect_page(api("GET", WEBHOOKS + "?status=enabled", b), count=0)
    wb = create(b, P[0]["id"])
    r = api("GET", WEBHOOKS, a)
    check(sorted(ids_of(expect_page(r, count=2))) == sorted(x["id"] for x in wa), "A's list changed", r)
    r = api("GET", WEBHOOKS, b)
    check(ids_of(expect_page(r, count=1)) == [wb["id"]], "B's list is not B's webhook", r)


# ---- update -------------------------------------------------------------------------

@test
def test_patch_endpoint_url_and_timestamps():
    u = new_user("patchurl")
    w = create(u, SEED_ID)
    time.sleep(0.01)
    url = new_url("patched")
    b, r = patch(u, w["id"], {"endpoint_url": url})
    check_webhook(b, r, url=url, status="enabled", has_secret=False, user=u)
    check(b["id"] == w["id"] and b["created_at"] == w["created_at"], "id or created_at changed", r)
    check(b["updated_at"] > w["updated_at"], "updated_at did not advance (%s -> %s)" % (
        w["updated_at"], b["updated_at"]), r)
    check(b["api_template"] == w["api_template"], "api_template changed", r)
    g, r = get_hook(u, w["id"])
    check(g == b, "GET after PATCH differs from the PATCH answer", r)
    # AMBIGUITY: an empty PATCH is a valid no-op (DRF partial update): 200.
    b2, r = patch(u, w["id"], {})
    check(b2["endpoint_url"] == url and b2["status"] == "enabled", "empty PATCH changed the webhook", r)


@test
def test_patch_secret_hash():
    u = new_user("patchsecret")
    w = create(u, SEED_ID)
    secret = "whsec_patch_" + uuid.uuid4().hex
    with _lock:
        SECRETS.add(secret)
    b, r = patch(u, w["id"], {"secret_hash": secret})
    check_webhook(b, r, has_secret=True)
    check(secret.encode() not in r.body, "the secret is echoed", r)
    b, r = patch(u, w["id"], {"endpoint_url": new_url()})
    check(b["has_secret"] is True, "a PATCH without secret_hash dropped the secret", r)
    b, r = patch(u, w["id"], {"secret_hash": None})
    check_webhook(b, r, has_secret=False)
    g, r = get_hook(u, w["id"])
    check(g["has_secret"] is False, "GET still has a secret", r)


@test
def test_patch_status_and_disabled_reason():
    u = new_user("patchstatus")
    w = create(u, SEED_ID)
    b, r = patch(u, w["id"], {"status": "disabled"})
    check_webhook(b, r, status="disabled", reason="manual", failures=0)
    g, r = get_hook(u, w["id"])
    check_webhook(g, r, status="disabled", reason="manual")
    b, r = patch(u, w["id"], {"status": "disabled"})
    check_webhook(b, r, status="disabled", reason="manual")
    b, r = patch(u, w["id"], {"status": "enabled"})
    check_webhook(b, r, status="enabled", reason=None, failures=0)
    b, r = patch(u, w["id"], {"status": "enabled"})
    check_webhook(b, r, status="enabled", reason=None, failures=0)


@test
def test_patch_api_template_cannot_change():
    u = new_user("patchtpl")
    P = pool()
    w = create(u, SEED_ID)
    b, r = patch(u, w["id"], {"api_template": SEED_ID})
    check(b["api_template"]["id"] == SEED_ID, "api_template changed", r)
    b, r = patch(u, w["id"], {"api_template": SEED_ID, "status": "disabled"})
    check_webhook(b, r, status="disabled", reason="manual")
    for v in (P[0]["id"], str(uuid.uuid4()), "not-a-uuid", None, 1):
        expect_invalid(api("PATCH", WEBHOOKS + w["id"] + "/", u, json_body={"api_template": v}), "api_template")
    expect_invalid(api("PUT", WEBHOOKS + w["id"] + "/", u, json_body={"api_template": P[0]["id"],
                                                                       "endpoint_url": new_url()}), "api_template")
    # a changed api_template is reported with every other invalid field at once
    for m in ("PATCH", "PUT"):
        body = {"api_template": P[0]["id"], "endpoint_url": "ftp://example.com/", "status": "bogus",
                "secret_hash": "", "colour": 1}
        expect_invalid(api(m, WEBHOOKS + w["id"] + "/", u, json_body=body),
                       "api_template", "endpoint_url", "status", "secret_hash", "colour")
        # the same for a well-formed id that is not the caller's: validation answers first
        expect_invalid(api(m, WEBHOOKS + str(uuid.uuid4()) + "/", u, json_body=body),
                       "endpoint_url", "status", "secret_hash", "colour")
        expect_invalid(api(m, WEBHOOKS + "not-a-uuid/", u, json_body=body),
                       "endpoint_url", "status", "secret_hash", "colour")
    expect_error(api("PATCH", WEBHOOKS + str(uuid.uuid4()) + "/", u, json_body={"api_template": P[0]["id"]}),
                 404, "not_found")
    g, r = get_hook(u, w["id"])
    check(g == b, "a refused update changed the webhook", r)


@test
def test_put_semantics():
    u = new_user("put")
    secret = "whsec_put_" + uuid.uuid4().hex
    with _lock:
        SECRETS.add(secret)
    w = create(u, SEED_ID, secret_hash=secret)
    b, r = patch(u, w["id"], {"status": "disabled"})
    p = WEBHOOKS + w["id"] + "/"
    expect_invalid(api("PUT", p, u, json_body={}), "endpoint_url")
    expect_invalid(api("PUT", p, u, json_body={"status": "enabled"}), "endpoint_url")
    expect_invalid(api("PUT", p, u, json_body={"endpoint_url": None}), "endpoint_url")
    url = new_url("put")
    r = api("PUT", p, u, json_body={"endpoint_url": url})
    b = expect(r, 200)
    # PUT omitting status and secret_hash keeps them
    check_webhook(b, r, url=url, status="disabled", reason="manual", has_secret=True, user=u)
    check(b["created_at"] == w["created_at"] and b["updated_at"] > w["updated_at"], "timestamps", r)
    r = api("PUT", p, u, json_body={"endpoint_url": url, "status": "enabled", "secret_hash": None,
                                    "api_template": SEED_ID})
    b = expect(r, 200)
    check_webhook(b, r, url=url, status="enabled", reason=None, has_secret=False, failures=0)
    r = api("PUT", WEBHOOKS + w["id"], u, json_body={"endpoint_url": url, "secret_hash": "new"})
    check_webhook(expect(r, 200), r, status="enabled", has_secret=True)


@test
def test_update_validation_as_on_create_and_no_effect():
    u = new_user("updval")
    w = create(u, SEED_ID, secret_hash="keep-me")
    p = WEBHOOKS + w["id"] + "/"
    cases = [({"endpoint_url": "ftp://example.com/"}, ["endpoint_url"]),
             ({"endpoint_url": "http://127.1/"}, ["endpoint_url"]),
             ({"endpoint_url": "http://[::ffff:127.0.0.1]/"}, ["endpoint_url"]),
             ({"endpoint_url": "https://example.com/#x"}, ["endpoint_url"]),
             ({"endpoint_url": None}, ["endpoint_url"]),
             ({"endpoint_url": 5}, ["endpoint_url"]),
             ({"secret_hash": ""}, ["secret_hash"]),
             ({"secret_hash": "a" * 257}, ["secret_hash"]),
             ({"secret_hash": "a\u0085"}, ["secret_hash"]),
             ({"secret_hash": 7}, ["secret_hash"]),
             ({"status": "bogus"}, ["status"]),
             ({"status": None}, ["status"]),
             ({"colour": "red"}, ["colour"]),
             ({"status": "x", "endpoint_url": "ftp://x/", "secret_hash": "", "zz": 1},
              ["status", "endpoint_url", "secret_hash", "zz"]),
             # a valid change beside an invalid one must not be applied either
             ({"status": "disabled", "endpoint_url": "https://user:pw@example.com/"}, ["endpoint_url"])]

    def one(c):
        body, fields = c
        for m in ("PATCH", "PUT"):
            if m == "PUT" and "endpoint_url" not in body:
                body = dict(body, endpoint_url=new_url())
            expect_invalid(api(m, p, u, json_body=body), *fields)
    each(cases, one)
    g, r = get_hook(u, w["id"])
    check(g == w, "refused updates changed the webhook", r)


# ---- delete ----------------------------------------------------------------------------

@test
def test_delete():
    u = new_user("delete")
    keep = create(u, pool()[0]["id"])
    w = create(u, SEED_ID)
    p = WEBHOOKS + w["id"] + "/"
    r = api("DELETE", p, u)
    expect(r, 204, is_json=False)
    check(r.body == b"", "204 with a body", r)
    expect_error(api("GET", p, u), 404, "not_found")
    r = api("GET", WEBHOOKS, u)
    check(ids_of(expect_page(r, count=1)) == [keep["id"]], "the deleted webhook is still listed", r)
    expect_error(api("DELETE", p, u), 404, "not_found")
    expect_error(api("PATCH", p, u, json_body={"status": "disabled"}), 404, "not_found")
    expect_error(api("PUT", p, u, json_body={"endpoint_url": new_url()}), 404, "not_found")
    # the one-per-template slot is free again
    again = create(u, SEED_ID)
    check(again["id"] != w["id"], "a new webhook reuses the deleted id")
    r = api("GET", WEBHOOKS + keep["id"] + "/", u)
    check(expect(r, 200) == keep, "another webhook changed", r)


# ---- trailing slash ------------------------------------------------------------------

@test
def test_every_path_without_trailing_slash():
    u = new_user("noslash")
    P = pool()
    b = expect(api("GET", HEALTH.rstrip("/")), 200)
    check(b.get("status") == "ok", "health without slash")
    expect_page(api("GET", TEMPLATES.rstrip("/"), u))
    expect_page(api("GET", TEMPLATES.rstrip("/") + "?page_size=1", u), n=1)
    expect(api("GET", TEMPLATES + SEED_ID, u), 200)
    expect_error(api("GET", TEMPLATES + str(uuid.uuid4()), u), 404, "not_found")
    r = api("POST", WEBHOOKS.rstrip("/"), u, json_body={"api_template": SEED_ID, "endpoint_url": new_url()})
    w = expect(r, 201)
    check(r.header("Location") == WEBHOOKS + w["id"] + "/", "Location %r" % r.header("Location"), r)
    create(u, P[0]["id"])
    r = api("GET", WEBHOOKS.rstrip("/") + "?page_size=1", u)
    b = expect_page(r, count=2, n=1)
    check_link(r, b["next"], page=2, params={"page_size": "1"})   # links use the trailing slash
    p = WEBHOOKS + w["id"]
    r = api("GET", p, u)
    check(expect(r, 200) == w, "GET without slash differs from the 201 body", r)
    r = api("PATCH", p, u, json_body={"status": "disabled"})
    check(expect(r, 200)["status"] == "disabled", "PATCH without slash", r)
    r = api("PUT", p, u, json_body={"endpoint_url": new_url(), "status": "enabled"})
    check(expect(r, 200)["status"] == "enabled", "PUT without slash", r)
    expect_error(api("DELETE", WEBHOOKS.rstrip("/"), u), 405, "method_not_allowed")
    expect_error(api("POST", TEMPLATES.rstrip("/"), u, json_body={}), 405, "method_not_allowed")
    expect_error(api("GET", WEBHOOKS.rstrip("/")), 401, "not_authenticated")
    expect(api("DELETE", p, u), 204, is_json=False)
    expect_error(api("GET", p, u), 404, "not_found")
    expect_error(api("GET", WEBHOOKS + "not-a-uuid", u), 404, "not_found")


# ---- hostile input -------------------------------------------------------------------

@test
def test_hostile_invalid_utf8_body():
    u = new_user("utf8")
    w = create(u, SEED_ID)
    bad = [b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
           b"\xe2\x82", b"\x80", b"\xf8\x88\x80\x80\x80"]
    bodies = []
    for s in bad:
        bodies.append(b'{"api_template": "' + SEED_ID.encode() + b'", "endpoint_url": "https://example.com/' + s + b'"}')
        bodies.append(b'{"api_template": "' + SEED_ID.encode() + b'", "endpoint_url": "https://example.com/",'
                      b' "secret_hash": "x' + s + b'"}')
        bodies.append(b'{"' + s + b'": 1}')
        bodies.append(s + b'{}')

    def one(c):
        m, body = c
        p = WEBHOOKS if m == "POST" else WEBHOOKS + w["id"] + "/"
        expect_error(api(m, p, u, body=body), 400, "parse_error")
    each([(m, b) for b in bodies for m in ("POST", "PATCH")], one)
    # a lone surrogate escape is valid JSON text but not a Unicode string
    # AMBIGUITY: parse_error or invalid; never a 5xx, never stored.
    free = pool()[0]["id"].encode()       # no webhook yet: acceptance would be a 201
    for v in (b'"\\ud800"', b'"a\\udc00b"', b'"\\ud83d"'):
        r = api("POST", WEBHOOKS, u, body=b'{"api_template": "' + free +
                b'", "endpoint_url": "https://example.com/", "secret_hash": ' + v + b'}')
        b = expect(r, 400)
        check(b.get("code") in ("parse_error", "invalid"), "code %r" % b.get("code"), r)
    g, r = get_hook(u, w["id"])
    check(g == w, "the webhook changed", r)


@test
def test_hostile_deep_nesting():
    u = new_user("deep")
    w = create(u, SEED_ID)
    for p, m in ((WEBHOOKS, "POST"), (WEBHOOKS + w["id"] + "/", "PATCH")):
        expect_error(api(m, p, u, body=b"[" * 10000), 400, "parse_error")
        expect_error(api(m, p, u, body=b"[" * 10000 + b"]" * 10000), 400, "parse_error")
        expect_error(api(m, p, u, body=b'{"endpoint_url": ' + b"[" * 10000), 400, "parse_error")
        expect_error(api(m, p, u, body=b'{"a":' * 10000), 400, "parse_error")
        # well-formed but absurdly deep: refused either as unparseable or invalid
        # (AMBIGUITY), never a 5xx
        for body in (b'{"endpoint_url": ' + b"[" * 10000 + b"]" * 10000 + b"}",
                     b'{"x": ' * 5000 + b"1" + b"}" * 5000):
            r = api(m, p, u, body=body)
            b = expect(r, 400)
            check(b.get("code") in ("parse_error", "invalid"), "code %r" % b.get("code"), r)
    g, r = get_hook(u, w["id"])
    check(g == w, "the webhook changed", r)


@test
def test_hostile_large_strings():
    u = new_user("large")
    marker = "itleakbig%s" % uuid.uuid4().hex
    with _lock:
        SECRETS.add(marker)
    big = "z" * 60000
    expect_invalid(api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID,
                                                       "endpoint_url": "https://example.com/" + big}), "endpoint_url")
    r = api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": new_url(),
                                            "secret_hash": marker + big})
    expect_invalid(r, "secret_hash")
    check(marker.encode() not in r.body, "the refused secret is echoed", r)
    expect_invalid(api("POST", WEBHOOKS, u, json_body={"api_template": big, "endpoint_url": new_url()}),
                   "api_template")
    expect_invalid(api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": new_url(),
                                                       "status": big}), "status")
    # a 60 KB unknown field name, 5000 unknown fields: refused as invalid
    r = api("POST", WEBHOOKS, u, json_body={"api_template": SEED_ID, "endpoint_url": new_url(), big: 1})
    expect_error(r, 400, "invalid")
    many = {"k%d" % i: 0 for i in range(5000)}
    many.update({"api_template": SEED_ID, "endpoint_url": new_url()})
    r = api("POST", WEBHOOKS, u, json_body=many)
    expect_error(r, 400, "invalid")
    expect_page(api("GET", WEBHOOKS, u), count=0)


@test
def test_hostile_nul_bytes():
    u = new_user("nul")
    s = SEED_ID.encode()
    # raw NUL bytes: not JSON
    for body in (b'{"api_template": "' + s + b'", "endpoint_url": "https://example.com/\x00"}',
                 b'{"api_template": "' + s + b'",\x00 "endpoint_url": "https://example.com/"}',
                 b"\x00", b'{}\x00', b'\x00{}'):
        expect_error(api("POST", WEBHOOKS, u, body=body), 400, "parse_error")
    # escaped NULs: valid JSON, invalid values (a C string must not be cut at the NUL)
    for body, field in ((b'{"api_template": "' + s + b'", "endpoint_url": "https://example.com/\\u0000"}', "endpoint_url"),
                        (b'{"api_template": "' + s + b'", "endpoint_url": "https://example.com\\u0000.evil/"}', "endpoint_url"),
                        (b'{"api_template": "' + s + b'\\u0000", "endpoint_url": "https://example.com/"}', "api_template"),
                        (b'{"api_template": "' + s + b'", "endpoint_url": "https://example.com/", "status": "enabled\\u0000"}', "status"),
                        (b'{"api_template": "' + s + b'", "endpoint_url": "https://example.com/", "secret_hash": "a\\u0000"}', "secret_hash"),
                        (b'{"api_template": "' + s + b'", "endpoint_url": "https://example.com/", "status\\u0000": "enabled"}', "status\u0000")):
        expect_invalid(api("POST", WEBHOOKS, u, body=body), field)
    expect_page(api("GET", WEBHOOKS, u), count=0)


@test
def test_hostile_query_strings():
    u, hooks = lister()
    tpl = hooks[0]["api_template"]["id"]
    cases = [("page=%00", 404), ("page=1%00", 404), ("page=%zz", 404), ("page=%", 404), ("page=%2", 404),
             ("page_size=%00", 400), ("page_size=2%00", 400), ("page_size=%zz", 400),
             ("status=%00", 400), ("status=enabled%00", 400), ("status=enabled%00garbage", 400),
             ("status=%zz", 400), ("status=%", 400), ("status=%ff", 400),
             ("api_template=%00", 400), ("api_template=" + tpl + "%00", 400), ("api_template=%" + tpl, 400),
             ("%00=1", 200), ("foo=%00", 200), ("foo=%zz", 200), ("foo=%", 200), ("%=%", 200),
             ("foo=%ff%fe", 200), ("", 200), ("&&&", 200), ("=", 200), ("==&=x", 200),
             ("a" * 3000 + "=1", 200), ("foo=" + "b" * 5000, 200), ("page_size=2&foo=%zz%", 200)]

    def one(c):
        q, status = c
        r = api("GET", WEBHOOKS + "?" + q, u)
        if status == 200:
            expect_page(r)
        elif status == 404:
            expect_error(r, 404, "invalid_page")
        else:
            expect_error(r, 400, "invalid")
    each(cases, one)
    # percent-decoding happens
    r = api("GET", WEBHOOKS + "?status=%65nabled", u)
    expect_page(r, count=3)
    r = api("GET", WEBHOOKS + "?page_size=%32", u)
    expect_page(r, count=5, n=2)
    # a known parameter after many unknown ones still counts
    r = api("GET", WEBHOOKS + "?" + "&".join("p%d=1" % i for i in range(300)) + "&page_size=2", u)
    expect_page(r, count=5, n=2)


@test
def test_hostile_paths():
    u = reader()
    paths = [WEBHOOKS + "%00/", WEBHOOKS + "%2e%2e/", WEBHOOKS + "a" * 3000 + "/", WEBHOOKS + "%E2%82%AC/",
             WEBHOOKS + "%ff/", TEMPLATES + SEED_ID + "%00/", TEMPLATES + SEED_ID + "%2F/",
             WEBHOOKS + str(uuid.uuid4()) + ";x/", WEBHOOKS + "%25/", TEMPLATES + "%/",
             V1 + "/%77ebhook/" + str(uuid.uuid4()) + "/"]

    def one(p):
        r = api("GET", p, u)
        b = expect(r, (400, 404))
        check(isinstance(b, dict) and isinstance(b.get("code"), str), "not the error shape", r)
        if r.status == 404:
            check(b["code"] == "not_found", "code %r" % b["code"], r)
    each(paths, one)


@test
def test_hostile_transfer_encoding_methods_duplicates():
    u = new_user("chunked")
    payload = json.dumps({"api_template": SEED_ID, "endpoint_url": new_url()}).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(payload[i:i + 7]), payload[i:i + 7])
                       for i in range(0, len(payload), 7)) + b"0\r\n\r\n"
    r = api("POST", WEBHOOKS, u, body=chunked, headers=[("Transfer-Encoding", "chunked")])
    expect_no_5xx(r)
    big = sized_json(MAX_BODY + 1)
    big_chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(big), big)
    r = api("POST", WEBHOOKS, u, body=big_chunked, headers=[("Transfer-Encoding", "chunked")])
    expect_error(r, 413, "too_large")
    for m in ("FOO", "PROPFIND", "CONNECT_X"):
        expect_no_5xx(api(m, WEBHOOKS, u))
    # AMBIGUITY: duplicate keys in one object (DRF: the last one wins); only
    # "no server error" is required.
    r = api("POST", WEBHOOKS, new_user("dupkeys"),
            body=b'{"api_template": "%s", "endpoint_url": "ftp://x/", "endpoint_url": "https://example.com/"}'
            % SEED_ID.encode())
    expect_no_5xx(r)
    # a body-carrying request without a body and without Content-Type
    # AMBIGUITY: 415 (body-carrying, no media type) or 400; never a 5xx.
    r = api("POST", WEBHOOKS, new_user("nobody"))
    expect(r, (400, 415))


# ---- end of the normal tests -----------------------------------------------------------

@test
def test_every_response_matches_openapi():
    with _lock:
        found = list(OPENAPI_PROBLEMS)
        n = len(STATUSES)
    check(not found, "%d problems in the responses (of %d) checked against doc/openapi.json:\n%s" % (
        len(found), n, "\n".join("%s %s -> %s: %s" % (m, _trunc(t, 120), s, p)
                                  for m, t, s, p in found[:60])
        + ("\n(%d more)" % (len(found) - 60) if len(found) > 60 else "")))


@test
def test_no_server_errors_and_no_secret_leaks_seen():
    with _lock:
        bad = [s for s in STATUSES if s[0] >= 500 or s[0] == 0]
        leaks = list(LEAKS)
        n = len(STATUSES)
    check(not bad, "%d of %d responses were server errors or missing: %s" % (
        len(bad), n, "; ".join("%s %s -> %s" % (m, _trunc(t, 100), s) for s, m, t in bad[:15])))
    check(not leaks, "secrets appeared in responses: %s" % "; ".join(
        "%s %s" % (m, _trunc(t, 100)) for _, m, t in leaks[:10]))


# ---- database outage (last) -------------------------------------------------------------

@test
def test_database_outage_503_and_recovery():
    check(DB_STOP_CMD and DB_START_CMD,
          "DB_STOP_CMD and DB_START_CMD must be set: the database outage test cannot run without them "
          "(it is not skipped)")
    u = new_user("outage")
    P = pool()
    before = [create(u, P[0]["id"]), create(u, P[1]["id"], secret_hash="outage-secret")]
    fresh = new_token(u.name)            # never used: not in any token cache
    expect_page(api("GET", WEBHOOKS, u), count=2)
    with _lock:
        snapshot = {tok: set(ids) for tok, ids in REGISTRY.items() if ids}

    def timed(label, m, p, who, **kw):
        t0 = time.monotonic()
        r = api(m, p, who, timeout=6, **kw)
        el = time.monotonic() - t0
        check(el <= 5.0, "%s took %.1f s during the outage (limit 5 s)" % (label, el), r)
        return r

    def unavailable(r):
        expect_error(r, 503, "unavailable")

    rc, out = sh(DB_STOP_CMD)
    err = None
    try:
        check(rc == 0, "DB_STOP_CMD exited %s: %s" % (rc, out.strip()[-600:]))
        r = timed("health", "GET", HEALTH, None)
        b = expect(r, 503)
        check(isinstance(b, dict) and (("status" in b and b["status"] != "ok") or b.get("code") == "unavailable"),
              'health: expected {"status": ...} (not ok) or the error shape with code unavailable', r)
        unavailable(timed("list (cached token)", "GET", WEBHOOKS, u))
        unavailable(timed("list (uncached token)", "GET", WEBHOOKS, fresh))
        unavailable(timed("create", "POST", WEBHOOKS, u, json_body={"api_template": P[2]["id"],
                                                                     "endpoint_url": new_url()}))
        unavailable(timed("retrieve", "GET", WEBHOOKS + before[0]["id"] + "/", u))
        unavailable(timed("patch", "PATCH", WEBHOOKS + before[0]["id"] + "/", u, json_body={"status": "disabled"}))
        unavailable(timed("delete", "DELETE", WEBHOOKS + before[1]["id"] + "/", u))
        unavailable(timed("templates", "GET", TEMPLATES, u))
        unavailable(timed("list again", "GET", WEBHOOKS, u))
    except BaseException as e:  # noqa: BLE001 -- restart the database whatever happened
        err = e
    rc, out = sh(DB_START_CMD)
    if err is not None:
        raise err
    check(rc == 0, "DB_START_CMD exited %s: %s" % (rc, out.strip()[-600:]))
    # A worker whose connect failed waits WH_DB_RETRY_BACKOFF_MS (0.5 s)
    # before it tries again, answering 503 at once meanwhile: when MariaDB
    # is back within that time, such a worker follows up to 0.5 s later.
    time.sleep(1.0)

    deadline = time.monotonic() + 20
    r = None
    while True:
        try:
            r = api("GET", WEBHOOKS, u, timeout=5)
            if r.status == 200:
                break
        except NoResponse:
            pass
        check(time.monotonic() < deadline, "the list did not answer 200 within 20 s of DB_START_CMD", r)
        time.sleep(0.25)
    expect_page(r, count=2)
    while True:
        r = api("GET", HEALTH, timeout=5)
        if r.status == 200:
            break
        check(time.monotonic() < deadline, "health did not answer 200 within 20 s of DB_START_CMD", r)
        time.sleep(0.25)
    # nothing of the refused requests happened, everything from before is there
    g, r = get_hook(u, before[0]["id"])
    check(g == before[0], "the PATCH refused during the outage was applied", r)
    g, r = get_hook(u, before[1]["id"])
    check(g == before[1], "the DELETE refused during the outage was applied", r)
    missing = []
    for tok, ids in snapshot.items():
        have = set(w["id"] for w in fetch_all(WEBHOOKS + "?page_size=100", tok))
        missing.extend(sorted(ids - have))
    check(not missing, "%d webhooks created before the outage are gone: %s" % (len(missing), missing[:5]))
    w = create(u, P[2]["id"])    # 201, not 409: the refused create had no effect
    expect_page(api("GET", WEBHOOKS, fresh), count=3)
    check(w["id"] not in (before[0]["id"], before[1]["id"]), "reused id")


# ---------------------------------------------------------------------------- runner


def main(argv):
    return run_suite(TESTS, argv, __doc__, lambda n, total: [
        "%s; %d of %d tests; WEBHOOKCTL=%r; run id %s" % (BASE_URL, n, total, WEBHOOKCTL, RUN)],
        last=lambda: getattr(_tls, "last", None))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
