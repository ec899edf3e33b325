#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A webhook receiver for the delivery tests: records every request and answers
by route.  Python 3 standard library only.

In-process use (tests/integration/test_deliveries.py):

    rx = Receiver().start()              # 127.0.0.1, an ephemeral port
    url = rx.url("/t1/ok")               # http://127.0.0.1:PORT/t1/ok
    rx.set_secrets(webhook_id, ["new", "old"])   # newest first
    ... rx.requests(prefix="/t1/") ...   # [Request, ...] in arrival order
    rx.stop()

Standalone (manual testing):  python3 receiver.py [PORT]

The route is the LAST segment of the path, so a test gives each of its webhooks
a path prefix of its own ("/t17/a/flaky?fail=2"):

    ok                 204, no body
    ok200              200 with a short JSON body (OK200_BODY)
    redirect           302, Location: <this receiver>/redirect-target
    redirect-target    204 (a redirect that was followed ends up here)
    gone               410
    429?after=N        429 with Retry-After: N   (&fail=K: only the first K requests
    503?after=N        503 with Retry-After: N    of that path+query, then 204)
    500                500
    slow?ms=N          sleeps N ms, then 204
    close              reads the request, closes the connection without answering
    big                200 with a 2 MiB body (BIG_PATTERN repeated)
    flaky?fail=N       500 for the first N requests of that path+query, then 204
    switch?k=NAME      answers the status set with set_code(NAME, code) (default 500)
    bytes?head=HEX&b=HEX&n=N   200 with the body head + b * n (bytes given in hex)
    anything else      404

peak(prefix) tells how many requests of a path prefix (a webhook) were being
answered at once, at most.

Every request is recorded (Request below): monotonic and wall-clock time of
arrival, method, path, query, headers, body, and the Standard Webhooks checks:
each signature of `webhook-signature` is verified against the secrets registered
for the webhook named in the body ("webhook") with set_secrets().
"""

import base64
import hashlib
import hmac
import http.server
import json
import socket
import sys
import threading
import time
import urllib.parse

OK200_BODY = b'{"received": true, "by": "integration receiver"}'
BIG_PATTERN = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"   # 64 bytes
BIG_SIZE = 2 * 1024 * 1024
TIMESTAMP_TOLERANCE = 300       # seconds, as the Standard Webhooks libraries


def signing_key(secret):
    """The HMAC key of a webhook secret: its UTF-8 bytes, or for a `whsec_`
    secret the base64-decoded rest (when that is valid base64)."""
    raw = secret.encode("utf-8")
    if secret.startswith("whsec_") and len(secret) > len("whsec_"):
        try:
            key = base64.b64decode(secret[len("whsec_"):], validate=True)
            if key:
                return key
        except (ValueError, TypeError):
            pass
        # not base64 after the prefix: the service signs with the bytes as they are
    return raw


def sign(secret, msg_id, timestamp, body):
    """The v1 signature (base64, without the "v1," prefix)."""
    mac = hmac.new(signing_key(secret), b"%s.%s." % (msg_id.encode(), str(timestamp).encode()) + body,
                   hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


class Request:
    """One request as received.

    t, wall          time.monotonic() / time.time() when the request line and
                     headers had been read
    method, path, query, route   (route: the last path segment)
    headers          {lowercased name: value} (the last of repeated names)
    header_list      [(name, value)] as received
    body             bytes;  json: the parsed body or None
    webhook_id       the webhook-id header; timestamp: webhook-timestamp (str)
    signatures       [base64, ...] of the v1 entries of webhook-signature, in order
    sig_entries      the raw space-separated entries of webhook-signature
    sig_match        for each signature, the index in the registered secret list
                     of the secret it verifies with, or None
    verified         True when at least one signature verifies with a registered
                     secret, False when none does (or the header is missing while
                     secrets are registered), None when no secret is registered
                     for the webhook
    secrets          the webhook's registered secrets when it arrived
    public_keys      its registered Ed25519 public keys (whpk_...) then: v1a
                     signatures are checked by tests/verifiers (Node's Ed25519)
    ts_ok            webhook-timestamp is an integer within TIMESTAMP_TOLERANCE s
    """

    __slots__ = ("t", "wall", "method", "path", "query", "route", "headers", "header_list",
                 "body", "json", "webhook_id", "timestamp", "signatures", "sig_entries",
                 "sig_match", "verified", "ts_ok", "secrets", "public_keys")

    def __repr__(self):
        return "<Request %s %s%s id=%s verified=%s>" % (
            self.method, self.path, "?" + self.query if self.query else "", self.webhook_id,
            self.verified)

    @property
    def target(self):
        return self.path + ("?" + self.query if self.query else "")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "it-receiver/1"
    sys_version = ""

    def log_message(self, fmt, *args):      # quiet
        pass

    def do_POST(self):
        self._serve()

    def do_GET(self):
        self._serve()

    def do_PUT(self):
        self._serve()

    def _serve(self):
        rx = self.server.receiver
        t, wall = time.monotonic(), time.time()
        split = urllib.parse.urlsplit(self.path)
        n = 0
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = 0
        body = b""
        while len(body) < n:
            chunk = self.rfile.read(n - len(body))
            if not chunk:
                break
            body += chunk
        q = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        segs = [s for s in split.path.split("/") if s]
        route = segs[-1] if segs else ""
        req = rx._record(t, wall, self.command, split.path, split.query, route,
                         self.headers.items(), body)
        key = split.path[:split.path.rfind("/") + 1]
        rx._enter(key)
        try:
            rx._respond(self, req, q)
        finally:
            rx._leave(key)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024       # the dispatcher opens up to 64 connections at once
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass    # a peer that went away (timeouts, aborted /big) is expected


class Receiver:
    def __init__(self, host="127.0.0.1", port=0):
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._reqs = []
        self._secrets = {}      # webhook id -> [secret, ...] newest first
        self._public_keys = {}  # webhook id -> [whpk_..., ...] newest first
        self._codes = {}        # switch name -> status
        self._counts = {}       # path+query -> requests so far
        self._active = {}       # path prefix -> requests being answered now
        self._peak = {}         # path prefix -> the most answered at once
        self._active_all = self._peak_all = 0
        self.server = _Server((host, port), _Handler)
        self.server.receiver = self
        self.host = host
        self.port = self.server.server_address[1]
        self._thread = None

    # ---- control
    def start(self):
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def url(self, target, host=None):
        return "http://%s:%d%s" % (host or self.host, self.port, target)

    def set_secrets(self, webhook_id, secrets):
        """The secrets valid for a webhook, newest first ([] or None: none)."""
        with self._lock:
            self._secrets[webhook_id] = list(secrets or [])

    def set_public_keys(self, webhook_id, keys):
        """The Ed25519 public keys (whpk_...) a webhook signs v1a with."""
        with self._lock:
            self._public_keys[webhook_id] = list(keys or [])

    def set_code(self, name, code):
        with self._lock:
            self._codes[name] = int(code)

    # ---- inspection
    def requests(self, prefix=None, event_id=None, route=None):
        with self._lock:
            out = list(self._reqs)
        if prefix is not None:
            out = [r for r in out if r.path.startswith(prefix)]
        if event_id is not None:
            out = [r for r in out if r.webhook_id == event_id]
        if route is not None:
            out = [r for r in out if r.route == route]
        return out

    def wait(self, count, prefix=None, event_id=None, timeout=10.0):
        """Waits until at least count requests match; returns them (maybe fewer)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [r for r in self._reqs
                       if (prefix is None or r.path.startswith(prefix))
                       and (event_id is None or r.webhook_id == event_id)]
                left = deadline - time.monotonic()
                if len(got) >= count or left <= 0:
                    return got
                self._cond.wait(min(left, 0.5))

    def count(self):
        with self._lock:
            return len(self._reqs)

    def peak(self, prefix=None):
        """The most requests this receiver was answering at once (of one
        webhook's path prefix, or of all)."""
        with self._lock:
            return self._peak_all if prefix is None else self._peak.get(prefix, 0)

    def _enter(self, key):
        with self._lock:
            self._active[key] = self._active.get(key, 0) + 1
            self._peak[key] = max(self._peak.get(key, 0), self._active[key])
            self._active_all += 1
            self._peak_all = max(self._peak_all, self._active_all)

    def _leave(self, key):
        with self._lock:
            self._active[key] -= 1
            self._active_all -= 1

    # ---- internals
    def _record(self, t, wall, method, path, query, route, header_items, body):
        r = Request()
        r.t, r.wall, r.method, r.path, r.query, r.route = t, wall, method, path, query, route
        r.header_list = list(header_items)
        r.headers = {k.lower(): v for k, v in r.header_list}
        r.body = body
        try:
            r.json = json.loads(body.decode("utf-8"))
        except Exception:
            r.json = None
        r.webhook_id = r.headers.get("webhook-id")
        r.timestamp = r.headers.get("webhook-timestamp")
        try:
            r.ts_ok = abs(int(r.timestamp) - time.time()) <= TIMESTAMP_TOLERANCE
        except (TypeError, ValueError):
            r.ts_ok = False
        sig = r.headers.get("webhook-signature")
        r.sig_entries = sig.split(" ") if sig else []
        r.signatures = [e[3:] for e in r.sig_entries if e.startswith("v1,")]
        wid = r.json.get("webhook") if isinstance(r.json, dict) else None
        with self._lock:
            secrets = self._secrets.get(wid) if isinstance(wid, str) else None
            pks = self._public_keys.get(wid) if isinstance(wid, str) else None
        r.secrets = list(secrets) if secrets else []
        r.public_keys = list(pks) if pks else []
        r.sig_match = []
        if r.webhook_id is not None and r.timestamp is not None:
            expected = []
            for s in r.secrets:
                try:
                    expected.append(sign(s, r.webhook_id, r.timestamp, body))
                except Exception:
                    expected.append(None)
            for got in r.signatures:
                idx = None
                for i, e in enumerate(expected):
                    if e is not None and hmac.compare_digest(e, got):
                        idx = i
                        break
                r.sig_match.append(idx)
        else:
            r.sig_match = [None] * len(r.signatures)
        if not r.secrets:
            r.verified = None
        else:
            r.verified = any(m is not None for m in r.sig_match)
        with self._cond:
            self._reqs.append(r)
            self._cond.notify_all()
        return r

    def _hit(self, req):
        key = req.target
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]

    @staticmethod
    def _int(q, name, default):
        try:
            return int(q.get(name, [default])[0])
        except (TypeError, ValueError):
            return default

    def _respond(self, h, req, q):
        route = req.route
        try:
            if route == "ok" or route == "redirect-target":
                return self._send(h, 204)
            if route == "ok200":
                return self._send(h, 200, OK200_BODY, ctype="application/json")
            if route == "redirect":
                return self._send(h, 302, b"", extra=[("Location", self.url("/redirect-target"))])
            if route == "gone":
                return self._send(h, 410, b"gone")
            if route in ("429", "503"):
                n = self._hit(req)
                fail = self._int(q, "fail", -1)
                if fail >= 0 and n > fail:
                    return self._send(h, 204)
                return self._send(h, int(route), b"busy",
                                  extra=[("Retry-After", q.get("after", ["1"])[0])])
            if route == "500":
                return self._send(h, 500, b"error")
            if route == "slow":
                time.sleep(self._int(q, "ms", 1000) / 1000.0)
                return self._send(h, 204)
            if route == "close":
                h.close_connection = True
                try:
                    h.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return None
            if route == "big":
                return self._send_big(h)
            if route == "flaky":
                n = self._hit(req)
                if n <= self._int(q, "fail", 1):
                    return self._send(h, 500, b"flaky")
                return self._send(h, 204)
            if route == "bytes":
                try:
                    body = bytes.fromhex(q.get("head", [""])[0]) + \
                        bytes.fromhex(q.get("b", ["78"])[0]) * self._int(q, "n", 1)
                except ValueError:
                    return self._send(h, 400, b"bad hex")
                return self._send(h, 200, body, ctype="application/octet-stream")
            if route == "switch":
                with self._lock:
                    code = self._codes.get(q.get("k", [""])[0], 500)
                return self._send(h, code, b"" if code in (204, 304) else b"switch")
            return self._send(h, 404, b"no such route")
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            h.close_connection = True
            return None

    @staticmethod
    def _send(h, code, body=b"", ctype="text/plain", extra=()):
        h.send_response(code)
        for k, v in extra:
            h.send_header(k, v)
        if code not in (204, 304):
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if code not in (204, 304) and body:
            h.wfile.write(body)
        h.wfile.flush()

    @staticmethod
    def _send_big(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Content-Length", str(BIG_SIZE))
        h.end_headers()
        chunk = BIG_PATTERN * 1024          # 64 KiB
        sent = 0
        while sent < BIG_SIZE:
            h.wfile.write(chunk)
            sent += len(chunk)
        h.wfile.flush()


def main(argv):
    port = int(argv[0]) if argv else 0
    rx = Receiver(port=port).start()
    print("receiver listening on http://127.0.0.1:%d/" % rx.port, flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.5)
            reqs = rx.requests()
            for r in reqs[seen:]:
                print("%.3f %s %s webhook-id=%s sig=%s body=%dB" % (
                    r.wall, r.method, r.target, r.webhook_id, r.headers.get("webhook-signature"),
                    len(r.body)), flush=True)
            seen = len(reqs)
    except KeyboardInterrupt:
        rx.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
