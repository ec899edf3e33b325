# SPDX-License-Identifier: MIT
"""What the integration suites share: failures, checks and small helpers.

test_api.py and test_deliveries.py import these; each keeps its own HTTP
exchange (they aim at different stacks and record different things).
"""
import datetime


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
