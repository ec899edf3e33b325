# SPDX-License-Identifier: MIT
"""What the integration suites share: failures, checks, the HTTP exchange
and small helpers.

test_api.py and test_deliveries.py import these; each wraps http_exchange()
with what it records of every response (statuses, OpenAPI checks, leaks),
and both run through run_suite().
"""
import datetime
import http.client
import json
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

MISSING = object()


class Fail(AssertionError):
    def __init__(self, msg, resp=None):
        super().__init__(msg)
        self.resp = resp


class NoResponse(Exception):
    pass


def check(cond, msg, resp=None):
    if not cond:
        raise Fail(msg, resp)


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "backslashreplace")
    return str(v)


class User:
    def __init__(self, name, token):
        self.name = name
        self.token = token

    def __repr__(self):
        return "User(%s)" % self.name


def media_type(r):
    return (r.header("Content-Type") or "").split(";")[0].strip().lower()


def parse_ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


def _trunc(s, n):
    s = str(s)
    return s if len(s) <= n else s[:n] + "...(%d more)" % (len(s) - n)


class Resp:
    """One exchange: the request as sent and the response as received."""

    def __init__(self, method, target, req_headers, req_body, status, reason, headers, body, elapsed):
        self.method, self.target, self.req_headers, self.req_body = method, target, req_headers, req_body
        self.status, self.reason, self.headers, self.body, self.elapsed = status, reason, headers, body, elapsed
        self._json = MISSING

    def header(self, name):
        n = name.lower()
        for k, v in self.headers:
            if k.lower() == n:
                return v
        return None

    @property
    def json(self):
        if self._json is MISSING:
            try:
                self._json = json.loads(self.body.decode("utf-8"))
            except Exception:
                self._json = None
        return self._json

    def describe(self):
        """The exchange for a failure report (bearer tokens shortened)."""
        out = ["> %s %s" % (self.method, _trunc(self.target, 240))]
        for k, v in self.req_headers:
            if k.lower() == "connection":
                continue
            if k.lower() == "authorization":
                v = _text(v)[:14] + "..."
            out.append("> %s: %s" % (k, _trunc(_text(v), 160)))
        if self.req_body:
            out.append("> [body %d bytes] %s" % (len(self.req_body), _trunc(_text(self.req_body[:600]), 400)))
        out.append("< %s %s (%.0f ms)" % (self.status, self.reason, self.elapsed * 1000))
        for k, v in self.headers:
            out.append("< %s: %s" % (k, _trunc(v, 200)))
        out.append("< [body %d bytes] %s" % (len(self.body), _trunc(_text(self.body[:1200]), 800)))
        return "\n".join(out)


def http_exchange(addr, method, target, headers=(), body=None, *, timeout=15.0, raw=None):
    """One HTTP/1.1 request on a fresh connection, bytes under our control.

    addr: (scheme, host, port, Host header).  headers: list of (name, value),
    value str or bytes.  Host, Content-Length (for a body, or 0 for
    POST/PUT/PATCH without one) and Connection: close are added unless given.
    raw: send these bytes instead of building a request.  Raises NoResponse."""
    scheme, host, port, host_header = addr
    hdrs = list(headers)
    names = {k.lower() for k, _ in hdrs}
    if "host" not in names:
        hdrs.insert(0, ("Host", host_header))
    if "content-length" not in names and "transfer-encoding" not in names:
        if body is not None:
            hdrs.append(("Content-Length", str(len(body))))
        elif method in ("POST", "PUT", "PATCH"):
            hdrs.append(("Content-Length", "0"))
    if "connection" not in names:
        hdrs.append(("Connection", "close"))
    if raw is None:
        data = ("%s %s HTTP/1.1\r\n" % (method, target)).encode("utf-8")
        for k, v in hdrs:
            data += k.encode("latin-1") + b": " + (v if isinstance(v, bytes) else v.encode("utf-8")) + b"\r\n"
        data += b"\r\n" + (body or b"")
    else:
        data = raw
    t0 = time.monotonic()
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as e:
        raise NoResponse("cannot connect to %s:%s for %s %s: %s" % (host, port, method, target[:200], e))
    if scheme == "https":
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        sock = ctx.wrap_socket(sock, server_hostname=host)
    send_error = None
    try:
        try:
            sock.sendall(data)
        except OSError as e:          # the server may answer (413, 414...) before reading it all
            send_error = e
        resp = http.client.HTTPResponse(sock, method=method)
        try:
            resp.begin()
            rbody = resp.read()
        except Exception as e:
            raise NoResponse("no HTTP response to %s %s after %.1f s: %s: %s%s" % (
                method, _trunc(target, 200), time.monotonic() - t0, type(e).__name__, e,
                " (while sending: %s)" % send_error if send_error else ""))
    finally:
        sock.close()
    return Resp(method, target, hdrs, body if raw is None else raw, resp.status, resp.reason,
                resp.getheaders(), rbody, time.monotonic() - t0)


# ------------------------------------------------------------------ the runner

def print_failure(name, reason, resp, label="last exchange"):
    """A "not ok - NAME: REASON" line, the reason's other lines and the
    exchange that failed, as "#" lines."""
    lines = str(reason).splitlines() or [""]
    print("not ok - %s: %s" % (name, lines[0]))
    for line in lines[1:]:
        print("#   %s" % line)
    if resp is not None:
        print("#   %s:" % label)
        for line in resp.describe().splitlines():
            print("#     %s" % line)


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)


def run_suite(tests, argv, doc, header, last, after_test=None, finish=None, footer=None):
    """The one runner of the integration suites.

    tests       the test functions (named test_*), in order
    argv        [-k SUBSTRING]... [--list] [-h]
    doc         printed by -h
    header      lines printed (as "# ...") before the first test; a callable
                taking the selected and total counts
    last        callable: the exchange the current test made last (or None)
    after_test  callable run after each test, returning problems (strings)
                that fail a test that passed
    finish      callable run once at the end, whatever happened
    footer      callable: text added to the final "# N s" line

    Prints "ok - NAME" or "not ok - NAME: REASON" per test, then exactly one
    "N passed, N failed" line; returns the exit status (1 if any failed).
    SIGTERM and SIGINT stop after the current test, which counts as failed.
    """
    ks = []
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "-k" and args:
            ks.append(args.pop(0))
        elif a.startswith("-k") and len(a) > 2:
            ks.append(a[2:])
        elif a == "--list":
            for t in tests:
                print(t.__name__[5:])
            return 0
        elif a in ("-h", "--help"):
            print(doc)
            return 0
        else:
            print("usage: %s [-k SUBSTRING]... [--list]" % sys.argv[0], file=sys.stderr)
            return 2
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    selected = [t for t in tests if not ks or any(k in t.__name__ for k in ks)]
    for line in header(len(selected), len(tests)):
        print("# " + line)
    passed = failed = 0
    interrupted = False
    t_start = time.monotonic()
    try:
        for t in selected:
            name = t.__name__[5:]
            t0 = time.monotonic()
            err = None
            try:
                t()
            except Fail as e:
                err = (e, e.resp if e.resp is not None else last())
            except NoResponse as e:
                err = (e, None)
            except (SystemExit, KeyboardInterrupt) as e:
                interrupted = True
                err = ("interrupted (%s %s)" % (type(e).__name__, e), None)
            except Exception as e:  # noqa: BLE001 -- a test that raises has failed
                tb = traceback.extract_tb(e.__traceback__)
                where = "; ".join("%s:%d" % (f.name, f.lineno) for f in tb[-3:])
                err = ("%s: %s (at %s)" % (type(e).__name__, e, where), last())
            problems = []
            if after_test is not None:
                try:
                    problems = after_test()
                except Exception as e:  # noqa: BLE001
                    problems = ["cleanup raised %s: %s" % (type(e).__name__, e)]
            if err is None and problems:
                err = ("after the test: " + "; ".join(problems), None)
            if err is None:
                passed += 1
                print("ok - %s" % name)
            else:
                failed += 1
                print_failure(name, err[0], err[1])
            if time.monotonic() - t0 > 10:
                print("#   (%s took %.1f s)" % (name, time.monotonic() - t0))
            sys.stdout.flush()
            if interrupted:
                break
    finally:
        if finish is not None:
            finish()
    print("# %.1f s%s" % (time.monotonic() - t_start, footer() if footer else ""))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def each(cases, fn, last=lambda: None):
    """Runs fn on every case; fails once, listing every failing case."""
    failures = []
    first = None
    for c in cases:
        try:
            fn(c)
        except (Fail, NoResponse) as e:
            failures.append("[%s] %s" % (_trunc(repr(c), 100), e))
            if first is None:
                first = getattr(e, "resp", None) or last()
    if failures:
        raise Fail("%d of %d cases failed:\n%s" % (len(failures), len(cases), "\n".join(failures)), first)


def wait_for(fn, timeout, what, interval=0.1):
    """Calls fn until it returns a true value (returned); Fail after timeout,
    naming what was awaited and fn's last value."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = fn()
        except NoResponse as e:
            last = e
        if last and not isinstance(last, Exception):
            return last
        if time.monotonic() >= deadline:
            raise Fail("timed out after %.1f s waiting for %s (last: %s)" % (timeout, what, _trunc(repr(last), 600)))
        time.sleep(interval)


def sh(cmd, timeout=120):
    """A shell command, output to a temporary file (a command that starts a daemon
    must not keep us waiting for EOF on a pipe): (exit status, output)."""
    with tempfile.TemporaryFile() as f:
        try:
            p = subprocess.run(cmd, shell=True, stdin=subprocess.DEVNULL, stdout=f, stderr=f,
                               timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            rc = "timeout after %ds" % timeout
        f.seek(0)
        return rc, f.read().decode("utf-8", "replace")


# ------------------------------------------------------------------ shared helpers

def _conf_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().splitlines()


def _conf_key(line):
    s = line.strip()
    if not s or s.startswith("#") or "=" not in s:
        return None
    return s.split("=", 1)[0].strip()


def conf_get(path, key, default=None):
    """KEY's value in a webhookd config file (the last one), or default."""
    val = default
    for line in _conf_lines(path):
        if _conf_key(line) == key:
            val = line.split("=", 1)[1].strip()
    return val


def run_ctl(prefix, args, timeout=60, input=None):
    """The admin CLI: prefix (a shell command such as "webhookctl -c CONF")
    and args; its standard output.  A binary that is briefly missing (a
    rebuild) is waited for; a non-zero exit fails the test."""
    check(prefix, "WEBHOOKCTL is not set (e.g. WEBHOOKCTL='src/webhookctl -c /tmp/x/webhookd.conf')")
    cmd = "%s %s" % (prefix, args)
    deadline = time.monotonic() + 60
    while True:
        p = subprocess.run(cmd, shell=True, stdin=subprocess.DEVNULL if input is None else None,
                           input=input, capture_output=True, text=True, timeout=timeout)
        if p.returncode in (126, 127) and time.monotonic() < deadline:
            time.sleep(1)
            continue
        check(p.returncode == 0, "`%s` exited %d: %s" % (cmd, p.returncode, (p.stderr or p.stdout).strip()[:600]))
        return p.stdout


def make_user(ctl, name, service=False):
    """A new user called name with a token (of the service role when asked),
    made with ctl (a run_ctl-like function taking the arguments)."""
    import shlex
    ctl("user add %s" % shlex.quote(name))
    tok = ctl("token create %s%s" % (shlex.quote(name), " --service" if service else "")).strip()
    check(tok and not any(c.isspace() for c in tok),
          "`webhookctl token create` printed %r, expected the token alone" % tok)
    return User(name, tok)


_fixture_lock = threading.RLock()
_fixtures = {}


def fixture(fn):
    """fn() made once per run, on first use (thread-safe)."""
    def get():
        with _fixture_lock:
            if fn.__name__ not in _fixtures:
                _fixtures[fn.__name__] = fn()
            return _fixtures[fn.__name__]
    get.__name__ = fn.__name__
    return get


def registry():
    """(tests, decorator): the decorator appends a test function to tests."""
    tests = []

    def test(fn):
        tests.append(fn)
        return fn
    return tests, test
