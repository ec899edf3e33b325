#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""smoke.py API TOKEN SERVICE_TOKEN RECEIVER_PORT: the API smoke test of the
installed package (tests/package/test_package.sh): health, the OpenAPI
document, templates, a webhook created, listed, read, updated and deleted,
and one event delivered, signed, to a receiver on loopback.  Prints
"ok: ..." per step; exits 1 at the first that fails."""
import base64
import hashlib
import hmac
import http.server
import json
import sys
import threading
import time
import urllib.error
import urllib.request

API, TOKEN, SVC, RPORT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
SECRET = "whsec_" + base64.b64encode(b"package smoke test secret, 32by").decode()
got = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        got.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def call(method, path, token=TOKEN, body=None):
    req = urllib.request.Request(API + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None


def step(cond, what, detail=""):
    if not cond:
        print("FAILED: %s %s" % (what, detail))
        sys.exit(1)
    print("ok: " + what)


srv = http.server.ThreadingHTTPServer(("127.0.0.1", RPORT), Receiver)
threading.Thread(target=srv.serve_forever, daemon=True).start()

st, b = call("GET", "/health/", token=None)
step(st == 200 and b == {"status": "ok"}, "health 200 ok", (st, b))
st, b = call("GET", "/openapi.json", token=None)
step(st == 200 and "openapi" in b and "paths" in b, "openapi.json served by nginx", st)
st, b = call("GET", "/webhook/", token=None)
step(st == 401 and b.get("code") == "not_authenticated", "401 without a token", (st, b))
st, b = call("GET", "/templates/")
names = {t["name"]: t["id"] for t in b.get("results", [])} if st == 200 else {}
tpl = names.get("assignment_evaluation_student_answer_sheet_extraction")
step(tpl is not None, "the seeded templates are listed", (st, b))
st, w = call("POST", "/webhook/", body={"api_template": tpl, "secret_hash": SECRET,
                                         "endpoint_url": "http://127.0.0.1:%d/hook" % RPORT})
step(st == 201 and w.get("has_secret") is True and "secret_hash" not in w,
     "webhook created (201, the secret not echoed)", (st, w))
st, b = call("POST", "/webhook/", body={"api_template": tpl,
                                         "endpoint_url": "http://127.0.0.1:%d/other" % RPORT})
step(st == 409, "a second webhook on the template is 409", (st, b))
st, b = call("GET", "/webhook/")
step(st == 200 and b.get("count") == 1 and b["results"][0]["id"] == w["id"], "listed", (st, b))
st, b = call("GET", "/webhook/%s/" % w["id"])
step(st == 200 and b["endpoint_url"] == w["endpoint_url"], "retrieved", (st, b))

st, ev = call("POST", "/events/", token=SVC, body={"api_template": tpl, "user": "smoke",
                                                    "data": {"document": "smoke-1"}})
step(st == 202 and ev.get("deliveries") == 1, "event accepted (202, one delivery)", (st, ev))
deadline = time.time() + 15
while not got and time.time() < deadline:
    time.sleep(0.05)
step(len(got) == 1, "the dispatcher delivered it", "%d requests" % len(got))
h, body = got[0]
h = {k.lower(): v for k, v in h.items()}
key = base64.b64decode(SECRET[len("whsec_"):])
mac = hmac.new(key, ("%s.%s." % (h.get("webhook-id"), h.get("webhook-timestamp"))).encode() + body,
               hashlib.sha256).digest()
sigs = h.get("webhook-signature", "").split()
step(h.get("webhook-id") == ev["id"] and "v1," + base64.b64encode(mac).decode() in sigs,
     "signed with the webhook's secret (Standard Webhooks v1)", h)
step(json.loads(body)["data"] == {"document": "smoke-1"}, "the event's data delivered", body)

st, b = call("PATCH", "/webhook/%s/" % w["id"], body={"status": "disabled"})
step(st == 200 and b["status"] == "disabled", "updated (disabled)", (st, b))
st, b = call("DELETE", "/webhook/%s/" % w["id"])
step(st == 204, "deleted", st)
st, b = call("GET", "/webhook/%s/" % w["id"])
step(st == 404 and b.get("code") == "not_found", "gone (404)", (st, b))
srv.shutdown()
