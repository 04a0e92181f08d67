"""Schemathesis hooks for ApiFuzzThroughEnvoyIT: one check, gateway_contract, on every answer.

An answer passes when it is
  - a 2xx whose body is valid per the operation's 200 schema in the OpenAPI document
    (TOLLGATE_FUZZ_SPEC): JSON against `schema`, a text/event-stream event by event against
    `x-event`, ending with the client's end marker; streamed exactly when the request asked for it;
  - or a 4xx whose body is the client's own error format (the operation's 4XX schema: OpenAI's
    {"error":{...}} on OpenAI paths, Anthropic's {"type":"error","error":{...}} on /v1/messages).
Anything else (5xx, 1xx/3xx, another content type) fails. Every answer is also appended as one JSON
line to TOLLGATE_FUZZ_LOG (operation, status, whether streamed), which the IT counts.
"""
import json
import os
import threading

import jsonschema_rs
import schemathesis
import yaml

with open(os.environ["TOLLGATE_FUZZ_SPEC"], encoding="utf-8") as f:
    SPEC = yaml.safe_load(f)


def _nullable(node):
    """OpenAPI 3.0's `nullable: true` (which OpenAI's extracted schemas still use) as JSON Schema's type-or-null."""
    if isinstance(node, list):
        for n in node:
            _nullable(n)
        return
    if not isinstance(node, dict):
        return
    for v in node.values():
        _nullable(v)
    if node.pop("nullable", False) is not True:
        return
    if isinstance(node.get("type"), str):
        node["type"] = [node["type"], "null"]
        if isinstance(node.get("enum"), list):
            node["enum"].append(None)
    elif any(k in node for k in ("$ref", "anyOf", "oneOf", "allOf")):
        copy = dict(node)
        node.clear()
        node["anyOf"] = [copy, {"type": "null"}]


_nullable(SPEC["components"])
LOG = os.environ.get("TOLLGATE_FUZZ_LOG")
_LOCK = threading.Lock()
_VALIDATORS = {}
END_MARKERS = {"/v1/chat/completions": "[DONE]", "/v1/completions": "[DONE]", "/v1/messages": "message_stop"}


def _validator(schema):
    key = json.dumps(schema, sort_keys=True)
    with _LOCK:
        v = _VALIDATORS.get(key)
        if v is None:
            v = jsonschema_rs.Draft202012Validator(dict(schema, components=SPEC["components"]))
            _VALIDATORS[key] = v
    return v


def _validate(schema, value, what):
    errors = [f"{e.message} at {list(e.instance_path)}" for e in _validator(schema).iter_errors(value)]
    if errors:
        raise AssertionError(f"{what} does not match its schema: {'; '.join(errors[:3])}")


def _events(text):
    """The data of each SSE event (data lines joined), in order."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].lstrip(" ") if line.startswith("data:") else None for line in block.split("\n")]
        data = [d for d in data if d is not None]
        if data:
            events.append("\n".join(data))
    return events


def _mode(case):
    try:
        return case.meta.generation.mode.value
    except AttributeError:
        return None


def _record(case, status, streamed, error=None):
    if LOG:
        line = json.dumps({"op": f"{case.method.upper()} {case.operation.path}", "status": status,
                           "stream": streamed, "mode": _mode(case), "error": error})
        with _LOCK, open(LOG, "a", encoding="utf-8") as f:
            f.write(line + "\n")


@schemathesis.check
def gateway_contract(ctx, response, case):
    """Valid per the response schema, or a 4xx in the client's own error format."""
    path = case.operation.path
    status = response.status_code
    ops = SPEC["paths"][path]
    op = ops.get(case.method.lower())
    if op is None:
        # the coverage phase also sends methods the path does not have (TRACE, DELETE, ...): the
        # answer is judged as an error in the format of the path's client API, and must not be a 2xx
        op = next(iter(ops.values()))
        if 200 <= status < 300:
            _record(case, status, False)
            raise AssertionError(f"{case.method} {path} is no operation of the API, yet answered {status}")
    ctype = (response.headers.get("content-type") or [""])[0].split(";")[0].strip().lower()
    streamed = ctype == "text/event-stream"
    text = response.content.decode("utf-8", errors="replace")
    _record(case, status, streamed, text[:160] if status >= 400 else None)
    snippet = text[:400]
    if status == 501 and path == "/v1/messages/count_tokens" and "has no token counting API" in text:
        # documented (README, "count tokens" row): a backend whose provider cannot count tokens
        # (OpenAI, Azure OpenAI) answers count_tokens with this 501 naming the schemas that can
        _validate(op["responses"]["4XX"]["content"]["application/json"]["schema"], json.loads(text), "the 501 body")
        return
    if status >= 500:
        raise AssertionError(f"server error {status} for a client's input: {snippet}")
    if 400 <= status < 500:
        if ctype != "application/json":
            raise AssertionError(f"{status} with content-type {ctype!r}, not the client's JSON error: {snippet}")
        try:
            body = json.loads(text)
        except ValueError:
            raise AssertionError(f"{status} whose body is not JSON: {snippet}")
        _validate(op["responses"]["4XX"]["content"]["application/json"]["schema"], body, f"the {status} error body")
        return
    if not 200 <= status < 300:
        raise AssertionError(f"unexpected status {status}: {snippet}")
    content = op["responses"]["200"]["content"]
    asked = case.body.get("stream") if isinstance(case.body, dict) else None
    if asked is True and not streamed and "text/event-stream" in content:
        raise AssertionError(f"stream: true asked for, a {ctype!r} answer came: {snippet}")
    if asked is not True and streamed:
        raise AssertionError(f"a stream came though the request did not ask for one: {snippet}")
    if streamed:
        if "text/event-stream" not in content:
            raise AssertionError(f"{path} answered a stream: {snippet}")
        schema = content["text/event-stream"]["x-event"]
        events = _events(text)
        if not events:
            raise AssertionError("an empty stream")
        marker = END_MARKERS[path]
        for i, data in enumerate(events):
            if data == "[DONE]":
                continue
            try:
                event = json.loads(data)
            except ValueError:
                raise AssertionError(f"stream event {i} is not JSON: {data[:200]}")
            _validate(schema, event, f"stream event {i}")
        last = events[-1] if marker == "[DONE]" else json.loads(events[-1]).get("type")
        if last != marker:
            raise AssertionError(f"the stream does not end with {marker}: last event {events[-1][:200]}")
        return
    if ctype != "application/json":
        raise AssertionError(f"{status} with content-type {ctype!r}: {snippet}")
    try:
        body = json.loads(text)
    except ValueError:
        raise AssertionError(f"{status} whose body is not JSON: {snippet}")
    _validate(content["application/json"]["schema"], body, f"the {status} body")
