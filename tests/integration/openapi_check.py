# SPDX-License-Identifier: MIT
"""Check HTTP responses against webhookd's OpenAPI document (doc/openapi.json).

The integration suites call it on every response they receive, so that the
document cannot drift from the code.  It needs jsonschema (Debian's
python3-jsonschema, 4.10 or later; a newer one from pip works too).  When the
running Python has no jsonschema it also looks in /usr/lib/python3/dist-packages
(Debian's), and if that fails too, importing this module raises ImportError
saying so: responses are never left unchecked silently.

API
---

    import openapi_check

    problems = openapi_check.check(method, url_or_path, status, headers, body)

      method       "GET", "HEAD", "POST", ... (any string; unknown methods too)
      url_or_path  the request target: "/webhooks/v1/webhook/?page=2" or an
                   absolute URL; the query is ignored
      status       the response's status code (int)
      headers      the response's headers: a mapping (dict, http.client's
                   HTTPMessage, ...) or a list of (name, value) pairs; names
                   are compared case-insensitively
      body         the response body (bytes; str is encoded as UTF-8)

    returns a list of problems (str), empty when the response matches the
    document.  Paths outside /webhooks/v1/ are not checked (empty list).

    What is checked:
      - the path matches a path template of the document (the query is
        ignored, the trailing slash is optional); a path under /webhooks/v1/
        that matches none must be answered with the JSON 404 error;
      - the operation (path + method) exists, or the answer is the 405 error
        (with Allow) for a method the path does not take;
      - the status is documented for the operation, or is one of the
        responses any request may get from nginx (the document's
        `x-default-responses`: 400, 413, 414, 429, 431, 502, 503, 504; and
        404/405 in the two cases above);
      - the headers the response object marks `required` are present, and
        every documented header that is present matches its schema;
      - a response with a documented body has Content-Type application/json
        and a UTF-8 JSON body valid against the schema; 204 and HEAD answers
        and responses documented without a body have no body.

    openapi_check.load(path=None) -> Spec
      loads (and makes the default for check()) the document at path,
      default doc/openapi.json of this source tree.  check() loads it on
      first use.  Spec has .check(...) with the same arguments and
      .check_document() (below).

    openapi_check.check_document(doc=None) -> list of problems
      structural checks of the document itself: OpenAPI 3.1, every $ref
      resolves, every operation has responses (each with a description),
      path parameters are declared, operationIds are unique, every schema is
      a valid JSON Schema 2020-12 schema, and every example validates against
      its schema.

A one-line hook in a suite's central HTTP function, for instance:

    PROBLEMS.extend((method, target, status, p) for p in
                    openapi_check.check(method, target, status, headers, body))

and one test at the end that fails listing PROBLEMS.

Run as a script, it checks the document: python3 openapi_check.py [PATH]
"""

import json
import os
import re
import sys
import threading
import urllib.parse

try:
    import jsonschema
except ImportError:
    _DEBIAN = "/usr/lib/python3/dist-packages"
    if os.path.isdir(_DEBIAN) and _DEBIAN not in sys.path:
        sys.path.append(_DEBIAN)
    try:
        import jsonschema
    except ImportError as e:
        raise ImportError(
            "openapi_check needs the Python package jsonschema (Debian: apt-get install -y "
            "python3-jsonschema), which %s cannot import, not even from %s: %s"
            % (sys.executable, _DEBIAN, e)) from e

from jsonschema import Draft202012Validator

try:                                   # jsonschema >= 4.18
    import referencing
    import referencing.jsonschema
    _REGISTRY = True
except ImportError:                    # Debian 12's 4.10: RefResolver
    _REGISTRY = False

PREFIX = "/webhooks/v1/"
BASE_URI = "https://webhookd.invalid/openapi.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DEFAULT_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "doc", "openapi.json")


def _pointer(parts):
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _media_type(value):
    return (value or "").split(";")[0].strip().lower()


def _headers(headers):
    """Lower-cased name -> list of values."""
    out = {}
    if headers is None:
        return out
    items = headers.items() if hasattr(headers, "items") else headers
    for k, v in items:
        out.setdefault(str(k).lower(), []).append(v if isinstance(v, str) else str(v))
    return out


class Spec:
    def __init__(self, doc, name="openapi.json"):
        self.doc = doc
        self.name = name
        self._validators = {}
        self._lock = threading.Lock()
        self._validate_lock = threading.Lock()
        if _REGISTRY:
            res = referencing.Resource.from_contents(
                doc, default_specification=referencing.jsonschema.DRAFT202012)
            self._registry = referencing.Registry().with_resource(BASE_URI, res)
        self._templates = []
        for key in doc.get("paths", {}):
            if key.startswith(PREFIX):
                segs = key[len(PREFIX):].rstrip("/").split("/")
                self._templates.append((segs, key))
        self._defaults = doc.get("x-default-responses", {})

    # ---------------------------------------------------------------- helpers

    def deref(self, obj, ptr):
        """Follows OpenAPI-level $ref (responses, headers, parameters):
        (object, its JSON pointer)."""
        seen = set()
        while isinstance(obj, dict) and isinstance(obj.get("$ref"), str):
            r = obj["$ref"]
            if not r.startswith("#/") or r in seen:
                raise KeyError("unresolvable $ref %r" % r)
            seen.add(r)
            ptr = r[1:]
            obj = self.at(ptr)
        return obj, ptr

    def at(self, ptr):
        obj = self.doc
        for seg in ptr.lstrip("/").split("/") if ptr not in ("", "/") else []:
            seg = seg.replace("~1", "/").replace("~0", "~")
            if isinstance(obj, list):
                obj = obj[int(seg)]
            else:
                obj = obj[seg]
        return obj

    def validator(self, ptr):
        """A validator of the schema at JSON pointer ptr of the document."""
        with self._lock:
            v = self._validators.get(ptr)
            if v is None:
                schema = {"$ref": BASE_URI + "#" + urllib.parse.quote(ptr, safe="/~")}
                if _REGISTRY:
                    v = Draft202012Validator(schema, registry=self._registry)
                else:
                    resolver = jsonschema.RefResolver(BASE_URI, self.doc)
                    v = Draft202012Validator(schema, resolver=resolver)
                self._validators[ptr] = v
            return v

    def schema_errors(self, ptr, instance, limit=5):
        v = self.validator(ptr)
        try:
            # one at a time: jsonschema 4.10's RefResolver keeps a scope stack
            with self._validate_lock:
                errs = sorted(v.iter_errors(instance),
                              key=lambda e: (len(e.path), list(map(str, e.path))))
        except (jsonschema.exceptions.SchemaError, jsonschema.exceptions.UnknownType,
                LookupError, ValueError, TypeError) as e:
            return ["the schema at %s cannot be used: %s: %s" % (
                ptr, type(e).__name__, str(e).splitlines()[0] if str(e) else "")]
        out = []
        for e in errs[:limit]:
            where = "".join("[%s]" % json.dumps(p) for p in e.absolute_path) or "(top)"
            msg = e.message
            if len(msg) > 300:
                msg = msg[:300] + "..."
            out.append("%s: %s" % (where, msg))
        if len(errs) > limit:
            out.append("(%d more schema errors)" % (len(errs) - limit))
        return out

    def match(self, path):
        """The path template of a request path (no query), or None."""
        def find(p):
            if not p.startswith(PREFIX):
                return None
            rest = p[len(PREFIX):]
            if rest.endswith("/"):
                rest = rest[:-1]
            segs = rest.split("/")
            for tsegs, key in self._templates:
                if len(tsegs) != len(segs):
                    continue
                if all(s != "" and (t == s or (t.startswith("{") and t.endswith("}")))
                       for t, s in zip(tsegs, segs)):
                    return key
            return None
        key = find(path)
        if key is None:
            # nginx routes the static document on the decoded, merged path
            key = find(re.sub("/+", "/", urllib.parse.unquote(path)))
        return key

    # ------------------------------------------------------------------ check

    def check(self, method, url_or_path, status, headers, body):
        method = str(method).upper()
        target = str(url_or_path)
        parts = urllib.parse.urlsplit(target) if "://" in target else None
        path = parts.path if parts is not None else target.split("?", 1)[0].split("#", 1)[0]
        if not path.startswith(PREFIX):
            return []
        if isinstance(body, str):
            body = body.encode("utf-8")
        body = body or b""
        status = int(status)
        hdrs = _headers(headers)

        key = self.match(path)
        if key is None:
            if status == 405 or str(status) not in self._defaults:
                return ["no path template matches %s, and the answer is %d, not the JSON 404 "
                        "error" % (path, status)]
            return self._check_response(self._defaults[str(status)],
                                        "/x-default-responses/%d" % status, method, status,
                                        hdrs, body, "the default %d response" % status)

        item_ptr = _pointer(["paths", key])
        item, item_ptr = self.deref(self.doc["paths"][key], item_ptr)
        m = method.lower()
        op = item.get(m) if m in METHODS else None
        if op is None and m == "head":
            m, op = "get", item.get("get")
        where = "%s %s" % (method, key)
        if op is None:
            if status == 404 or str(status) not in self._defaults:
                allowed = ", ".join(x.upper() for x in METHODS if x in item)
                return ["%s is not documented (the path takes %s), and the answer is %d, not "
                        "the 405 error or an nginx error" % (where, allowed, status)]
            return self._check_response(self._defaults[str(status)],
                                        "/x-default-responses/%d" % status, method, status,
                                        hdrs, body, "the default %d response" % status)

        responses = op.get("responses", {})
        resp_ptr = item_ptr + "/" + m + "/responses/"
        code = str(status)
        if code in responses:
            return self._check_response(responses[code], resp_ptr + code, method, status, hdrs,
                                        body, "%s %s" % (where, code))
        xx = code[0] + "XX"
        if xx in responses:
            return self._check_response(responses[xx], resp_ptr + xx, method, status, hdrs,
                                        body, "%s %s" % (where, xx))
        if code in self._defaults and status not in (404, 405):
            return self._check_response(self._defaults[code], "/x-default-responses/" + code,
                                        method, status, hdrs, body,
                                        "the default %s response" % code)
        if "default" in responses:
            return self._check_response(responses["default"], resp_ptr + "default", method,
                                        status, hdrs, body, "%s default" % where)
        return ["status %d is not documented for %s (documented: %s)" % (
            status, where, ", ".join(sorted(responses)))]

    def _check_response(self, resp, ptr, method, status, hdrs, body, label):
        problems = []
        try:
            resp, ptr = self.deref(resp, ptr)
        except (KeyError, IndexError, ValueError) as e:
            return ["%s: cannot resolve the response object: %s" % (label, e)]

        for name, h in (resp.get("headers") or {}).items():
            if name.lower() == "content-type":
                continue
            hptr = ptr + "/headers/" + name.replace("~", "~0").replace("/", "~1")
            h, hptr = self.deref(h, hptr)
            values = hdrs.get(name.lower())
            if not values:
                if h.get("required"):
                    problems.append("%s: header %s is missing" % (label, name))
                continue
            if "schema" in h:
                for e in self.schema_errors(hptr + "/schema", values[0], limit=1):
                    problems.append("%s: header %s: %r: %s" % (label, name, values[0],
                                                               e.split(": ", 1)[-1]))

        content = resp.get("content") or {}
        ctype = _media_type((hdrs.get("content-type") or [""])[0])
        if status == 204 or status == 304 or method == "HEAD":
            if body:
                problems.append("%s: a %s answer has a body (%d bytes)" % (
                    label, "HEAD" if method == "HEAD" else str(status), len(body)))
            if content and method == "HEAD" and ctype and ctype not in content:
                problems.append("%s: Content-Type %r is not documented (%s)" % (
                    label, ctype, ", ".join(content)))
            return problems
        if not content:
            if body:
                problems.append("%s: documented without a body, got %d bytes (Content-Type %r)"
                                % (label, len(body), ctype))
            return problems
        if ctype not in content:
            problems.append("%s: Content-Type %r, documented: %s" % (
                label, ctype or None, ", ".join(content)))
            return problems
        media = content[ctype]
        if "schema" not in media:
            return problems
        try:
            value = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            problems.append("%s: the body is not UTF-8 JSON (%s): %r" % (label, e, body[:200]))
            return problems
        mptr = ptr + "/content/" + ctype.replace("~", "~0").replace("/", "~1") + "/schema"
        for e in self.schema_errors(mptr, value):
            problems.append("%s: body %s" % (label, e))
        return problems

    # ------------------------------------------------------- the document itself

    def check_document(self):
        return check_document(self.doc)


def _walk(obj, ptr=()):
    yield ptr, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, ptr + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, ptr + (i,))


def check_document(doc=None):
    """Structural problems of an OpenAPI 3.1 document (a list of str)."""
    if doc is None:
        doc = load().doc
    spec = doc if isinstance(doc, Spec) else Spec(doc)
    doc = spec.doc
    problems = []
    if not isinstance(doc, dict):
        return ["the document is not a JSON object"]
    if not re.match(r"^3\.1\.[0-9]+$", str(doc.get("openapi", ""))):
        problems.append("openapi is %r, not 3.1.x" % doc.get("openapi"))
    info = doc.get("info")
    if not (isinstance(info, dict) and isinstance(info.get("title"), str)
            and isinstance(info.get("version"), str)):
        problems.append("info needs a title and a version")
    if not isinstance(doc.get("paths"), dict) or not doc["paths"]:
        problems.append("no paths")
        return problems

    # every $ref resolves (inside the document)
    for ptr, v in _walk(doc):
        if isinstance(v, dict) and "$ref" in v and isinstance(v["$ref"], str):
            r = v["$ref"]
            if not r.startswith("#/"):
                problems.append("%s: $ref %r is not local" % (_pointer(ptr), r))
                continue
            try:
                spec.at(urllib.parse.unquote(r[1:]))
            except (KeyError, IndexError, ValueError, TypeError):
                problems.append("%s: $ref %r resolves to nothing" % (_pointer(ptr), r))
    if problems:
        return problems

    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    for ptr, v in _walk(doc):
        if len(ptr) >= 1 and ptr[-1] == "security" and isinstance(v, list):
            for req in v:
                for name in req:
                    if name not in schemes:
                        problems.append("%s: unknown security scheme %r" % (_pointer(ptr), name))

    schema_ptrs = []      # JSON pointers of Schema Objects
    example_checks = []   # (schema pointer, example value, where)
    op_ids = {}
    for key, item in doc["paths"].items():
        iptr = ("paths", key)
        item, _ = spec.deref(item, _pointer(iptr))
        params = set(re.findall(r"{([^}]+)}", key))
        level = [spec.deref(p, "")[0] for p in item.get("parameters", [])]
        ops = [m for m in METHODS if m in item]
        if not ops:
            problems.append("%s: no operations" % key)
        for m in ops:
            op = item[m]
            where = "%s %s" % (m.upper(), key)
            oid = op.get("operationId")
            if oid:
                if oid in op_ids:
                    problems.append("%s: operationId %r also used by %s" % (where, oid, op_ids[oid]))
                op_ids[oid] = where
            declared = {}
            for p in level + [spec.deref(p, "")[0] for p in op.get("parameters", [])]:
                declared[(p.get("name"), p.get("in"))] = p
            for name in params:
                p = declared.get((name, "path"))
                if p is None:
                    problems.append("%s: path parameter {%s} is not declared" % (where, name))
                elif p.get("required") is not True:
                    problems.append("%s: path parameter {%s} must be required" % (where, name))
            for (name, where_in), p in declared.items():
                if where_in == "path" and name not in params:
                    problems.append("%s: path parameter %r is not in the path" % (where, name))
            rs = op.get("responses")
            if not isinstance(rs, dict) or not rs:
                problems.append("%s: no responses" % where)
                continue
            for code, r in rs.items():
                if not re.match(r"^([1-5]([0-9]{2}|XX)|default)$", code):
                    problems.append("%s: response key %r" % (where, code))
                r, _ = spec.deref(r, "")
                if not isinstance(r.get("description"), str):
                    problems.append("%s %s: the response has no description" % (where, code))
            if "requestBody" in op:
                rb, _ = spec.deref(op["requestBody"], "")
                if not rb.get("content"):
                    problems.append("%s: requestBody without content" % where)

    # Schema Objects: components, media types, parameters, headers.
    for ptr, v in _walk(doc):
        if not ptr:
            continue
        if len(ptr) == 3 and ptr[:2] == ("components", "schemas"):
            schema_ptrs.append(ptr)
        elif ptr[-1] == "schema" and isinstance(v, dict) and len(ptr) >= 2 and \
                ptr[0] in ("paths", "components") and "schemas" not in ptr[:3]:
            schema_ptrs.append(ptr)
            parent = spec.at(_pointer(ptr[:-1]))
            if isinstance(parent.get("examples"), dict):
                for name, e in parent["examples"].items():
                    e, _ = spec.deref(e, "")
                    if "value" in e:
                        example_checks.append((ptr, e["value"], _pointer(ptr[:-1] + ("examples", name))))
            if "example" in parent:
                example_checks.append((ptr, parent["example"], _pointer(ptr[:-1] + ("example",))))
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    for ptr in schema_ptrs:
        s = spec.at(_pointer(ptr))
        for e in meta.iter_errors(s):
            problems.append("%s: not a JSON Schema 2020-12 schema: %s" % (_pointer(ptr), e.message))
        if isinstance(s, dict) and isinstance(s.get("examples"), list):
            for i, ex in enumerate(s["examples"]):
                example_checks.append((ptr, ex, _pointer(ptr + ("examples", i))))
    if problems:
        return problems
    for ptr, value, where in example_checks:
        for e in spec.schema_errors(_pointer(ptr), value):
            problems.append("%s: example does not match its schema: %s" % (where, e))

    for code, r in (doc.get("x-default-responses") or {}).items():
        if not re.match(r"^[1-5][0-9]{2}$", code):
            problems.append("x-default-responses: key %r" % code)
    return problems


_default = None
_default_lock = threading.Lock()


def load(path=None):
    """Loads the document (default: doc/openapi.json of this tree); it becomes
    the one check() uses.  Returns a Spec."""
    global _default
    path = path or DEFAULT_PATH
    with open(path, "rb") as f:
        doc = json.loads(f.read().decode("utf-8"))
    spec = Spec(doc, path)
    with _default_lock:
        _default = spec
    return spec


def check(method, url_or_path, status, headers, body):
    """Problems of one response (see the module's documentation); [] if none."""
    spec = _default
    if spec is None:
        with _default_lock:
            spec = _default
        if spec is None:
            spec = load()
    return spec.check(method, url_or_path, status, headers, body)


if __name__ == "__main__":
    s = load(sys.argv[1] if len(sys.argv) > 1 else None)
    found = s.check_document()
    for p in found:
        print(p)
    n_ops = sum(1 for item in s.doc["paths"].values() for m in METHODS if m in item)
    print("%s: %d paths, %d operations, %d problems" % (s.name, len(s.doc["paths"]), n_ops,
                                                        len(found)))
    sys.exit(1 if found else 0)
