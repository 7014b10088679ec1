"""Contract tests of the X Activity API: every request the typed client sends, every answer the
sandbox gives to it and every streamed line, validated against X's OpenAPI 2.167 description
of ``/2/activity/*`` (``../shared/reference/x-api/openapi-2.167-activity.json``), with
openapi-core.

What had to be relaxed, and why (besides what ``test_contract.py`` says of servers,
problem+json and security):

- the stream's answer is newline-delimited JSON: each line is validated as if it were the
  whole answer;
- a line's ``payload`` is chosen by a discriminator on ``../event_type``, a relative property
  name openapi-core does not follow: the line is validated with its payload taken out, and the
  payload against the schema the discriminator's mapping names for its event type;
- 2.167 names the DM event types but does not describe their payload: DM payloads are checked
  against the shape ``x-api-2026.md`` gives (``DM_PAYLOAD`` below).
"""

from __future__ import annotations

import json
import re
import threading
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from workbench.xapi.activity import ActivityClient
from workbench.xapi.gateway import SANDBOX_BEARER

pytest_plugins = ["tests.xapi_fixtures"]

SPEC = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "reference"
    / "x-api"
    / "openapi-2.167-activity.json"
)
X_SERVER = "https://api.x.com"
BRAND_ID = "1476312418095484928"
ENDPOINTS = {
    ("POST", "/2/activity/subscriptions"),
    ("GET", "/2/activity/subscriptions"),
    ("DELETE", "/2/activity/subscriptions"),
    ("PUT", "/2/activity/subscriptions/{subscription_id}"),
    ("DELETE", "/2/activity/subscriptions/{subscription_id}"),
    ("GET", "/2/activity/stream"),
}
EVENT_TYPES = {
    "dm.received",
    "dm.sent",
    "post.mention.create",
    "post.delete",
    "follow.follow",
    "follow.unfollow",
}
_USER = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {
            "type": "object",
            "required": ["id", "username", "name"],
            "properties": {"id": {"type": "string", "pattern": "^[0-9]{1,19}$"}},
        }
    },
}
DM_PAYLOAD: dict[str, Any] = {
    "type": "object",
    "required": ["direct_message_events", "users"],
    "properties": {
        "direct_message_events": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["type", "id", "created_timestamp", "message_create"],
                "properties": {
                    "type": {"enum": ["message_create"]},
                    "id": {"type": "string", "pattern": "^[0-9]{1,19}$"},
                    "created_timestamp": {"type": "string", "pattern": "^[0-9]{13}$"},
                    "message_create": {
                        "type": "object",
                        "required": ["sender_id", "target", "message_data"],
                        "properties": {
                            "sender_id": {"type": "string", "pattern": "^[0-9]{1,19}$"},
                            "target": {
                                "type": "object",
                                "required": ["recipient_id"],
                                "properties": {"recipient_id": {"type": "string"}},
                            },
                            "message_data": {
                                "type": "object",
                                "required": ["text", "entities"],
                                "properties": {
                                    "text": {"type": "string"},
                                    "entities": {"type": "object"},
                                },
                            },
                        },
                    },
                },
            },
        },
        "users": {"type": "object", "additionalProperties": _USER},
    },
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(f"{SPEC} is not on this machine")
    loaded: dict[str, Any] = json.loads(SPEC.read_text())
    return loaded


@pytest.fixture(scope="module")
def openapi(spec: dict[str, Any]) -> Any:
    from openapi_core import Config, OpenAPI

    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(spec, config=config)


def _template(method: str, path: str) -> tuple[str, str]:
    for m, template in sorted(ENDPOINTS, key=lambda e: "{" in e[1]):
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if m == method and re.match(pattern, path):
            return m, template
    raise AssertionError(f"not an Activity API endpoint: {method} {path}")


def _payload_problems(spec: dict[str, Any], line: dict[str, Any]) -> list[str]:
    """The payload checked against what its event type's schema says (see the docstring)."""
    from openapi_schema_validator import OAS30Validator

    data = line["data"]
    event_type = data["event_type"]
    if event_type.startswith("dm."):
        schema: dict[str, Any] = DM_PAYLOAD
    else:
        mapping = spec["components"]["schemas"]["ActivityStreamingResponsePayload"]
        ref = mapping["discriminator"]["mapping"][event_type]
        schema = {"$ref": ref, "components": spec["components"]}
    validator = OAS30Validator(schema)
    return [
        f"{event_type} payload: {e.message[:300]}" for e in validator.iter_errors(data["payload"])
    ]


class Recorder:
    """Every exchange of the client's session, and the stream's lines."""

    def __init__(self) -> None:
        self.exchanges: list[requests.Response] = []
        self.lines: list[bytes] = []

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.exchanges.append(response)

    def validate(self, openapi: Any, spec: dict[str, Any]) -> tuple[set[Any], set[str]]:
        from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

        covered: set[tuple[str, str]] = set()
        events: set[str] = set()
        problems: list[str] = []
        for response in self.exchanges:
            sent = response.request.copy()
            url = urlsplit(sent.url or "")
            covered.add(_template(sent.method or "", url.path))
            sent.url = X_SERVER + url.path + (f"?{url.query}" if url.query else "")
            request = RequestsOpenAPIRequest(sent)
            answers: list[tuple[requests.Response, dict[str, Any] | None]] = []
            if url.path == "/2/activity/stream" and response.ok:
                for raw in self.lines:
                    line = json.loads(raw)
                    events.add(line["data"]["event_type"])
                    problems.extend(_payload_problems(spec, line))
                    line["data"].pop("payload")
                    answers.append((_answer(response, json.dumps(line).encode()), line))
            else:
                answers.append((response, None))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "Unsupported scheme type"
                try:
                    result = openapi.unmarshal_request(request)
                    if result.errors:
                        raise result.errors[0]
                except Exception as exc:
                    problems.append(f"request {sent.method} {sent.url}: {_why(exc)}")
                for answer, _line in answers:
                    try:
                        openapi.validate_response(request, RequestsOpenAPIResponse(answer))
                    except Exception as exc:
                        problems.append(
                            f"answer {answer.status_code} to {sent.method} {url.path}: "
                            f"{_why(exc)}\n  body: {answer.text[:300]}"
                        )
        assert not problems, "\n".join(problems)
        return covered, events


def _answer(like: requests.Response, content: bytes) -> requests.Response:
    one = requests.Response()
    one.status_code = like.status_code
    one.headers.update(like.headers)
    one._content = content
    one.request = like.request
    return one


def _why(exc: Exception) -> str:
    cause = exc.__cause__
    details = getattr(cause, "schema_errors", None) or getattr(exc, "schema_errors", None)
    if details:
        return f"{exc}: " + "; ".join(str(e.message) for e in details)[:500]
    return f"{type(exc).__name__}: {exc} {cause or ''}"[:600]


def test_every_activity_call_answer_and_stream_line_follows_the_description(
    openapi, spec, sandbox: str, control, gateway
):
    from tests.test_activity import consent

    recorder = Recorder()
    client = ActivityClient(sandbox, SANDBOX_BEARER, timeout=10)
    client.session.hooks["response"].append(recorder)
    token = consent(sandbox).access_token
    dana = control.user("dana", dm_open=True, followers_count=3)
    for event_type in ("dm.received", "dm.sent", "post.mention.create"):
        client.subscribe(event_type, BRAND_ID, user_token=token, tag="desk")
    for event_type in ("post.delete", "follow.follow", "follow.unfollow"):
        client.subscribe(event_type, dana["id"], tag="customer")
    doomed = client.subscribe("post.delete", BRAND_ID)
    client.retag(doomed.id, "renamed")
    assert [s.event_type for s in client.subscriptions()][-1] == "post.delete"
    assert client.unsubscribe(doomed.id)
    spare = client.subscribe("follow.follow", BRAND_ID)
    answer = client.session.delete(
        f"{sandbox}/2/activity/subscriptions",
        params={"ids": f"{spare.id},1234"},
        headers={"Authorization": f"Bearer {SANDBOX_BEARER}"},
        timeout=10,
    )
    assert answer.json()["data"] == [{"subscription_id": spare.id, "deleted": True}]
    assert answer.json()["errors"][0]["subscription_id"] == "1234"
    # the stream as the client asks for it (its session, its query), read line by line here
    stream = client.session.get(
        f"{sandbox}/2/activity/stream",
        params={"backfill_minutes": 1},
        headers={"Authorization": f"Bearer {SANDBOX_BEARER}"},
        stream=True,
        timeout=(10, 30),
    )
    lines = recorder.lines

    def read() -> None:
        for raw in stream.iter_lines(chunk_size=512):
            if raw.strip():
                lines.append(raw)
            if len(lines) == 6:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    control.dm("dana", "refund please https://acmeshop.co/o/1")
    gateway.send_dm("AcmeSupport", dana["id"], "On it")
    mention = control.tweet("dana", "@AcmeSupport where is it?")
    requests.delete(f"{sandbox}/sandbox/tweets/{mention['id']}", timeout=5).raise_for_status()
    control._post("/sandbox/follows", {"follower": "dana", "followee": "AcmeSupport"})
    control._post("/sandbox/follows", {"follower": "dana", "followee": "AcmeSupport", "follow": 0})
    deadline = time.monotonic() + 10
    while len(lines) < 6 and time.monotonic() < deadline:
        time.sleep(0.02)
    reader.join(10)
    stream.close()
    client.close()
    covered, events = recorder.validate(openapi, spec)
    assert covered == ENDPOINTS, f"not exercised: {sorted(ENDPOINTS - covered)}"
    assert events == EVENT_TYPES, f"not streamed: {sorted(EVENT_TYPES - events)}"


def test_the_check_is_not_vacuous(openapi, spec):
    """A line whose DM payload lacks its sender, or whose post.delete lacks the author, fails."""
    dm = {"direct_message_events": [{"type": "message_create", "id": "1"}], "users": {}}
    line = {"data": {"event_type": "dm.received", "payload": dm}}
    assert any("message_create" in p for p in _payload_problems(spec, line))
    gone = {"data": {"event_type": "post.delete", "payload": {"id": "1"}}}
    assert any("author_id" in p for p in _payload_problems(spec, gone))
