# SPDX-License-Identifier: MIT
"""What the integration suites share: failures, checks, the HTTP exchange
and small helpers.

test_api.py and test_deliveries.py import these; each wraps http_exchange()
with what it records of every response (statuses, OpenAPI checks, leaks).
"""
import datetime
import http.client
import json
import socket
import ssl
import time

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
