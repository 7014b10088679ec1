"""The sandbox answers as X does, checked against X's own recorded answers.

tweepy's test cassettes (the public repository tweepy/tweepy, ``cassettes/``) hold what X's API
v2 really sent to tweepy's test account in 2021 and 2022. ``tests/x_recorded_answers.json`` keeps
only the structure of those answers (status, headers, field names and JSON types, meta keys), each
entry naming its cassette and the tweepy commit: no recorded text, id or person. Each test here
makes the very call tweepy made when recording (the same ``tweepy.Client`` method, answered as a
raw ``requests.Response``) against a real sandbox and checks that the answer holds that structure.

Where the sandbox departs from a recording on purpose, because X today differs from the older
recording, ``KEPT`` says what and why. Of the headers X sent, the sandbox holds the ones a client
acts on: ``content-type``, ``x-rate-limit-*``, ``x-access-level`` and ``location``; not X's
transport and browser ones (``api-version``, ``cache-control``, ``content-disposition``,
``set-cookie``, ``strict-transport-security``, ``x-frame-options``, ``x-connection-hash``,
``x-response-time``, ``x-transaction-id``...), whose names the file lists with how often X sent
them. The cassettes hold no v2 error answer: error bodies and their ``application/problem+json``
stay as X's OpenAPI description gives them (``tests/test_contract.py``).

To derive the file again from a clone of tweepy:
``python -m tests.test_sandbox_recorded PATH_TO_TWEEPY_GIT_DIR``.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import tweepy

from tests.xapi_fixtures import TEST_PLAN, TEST_RATE_LIMIT_SCALE, Control
from workbench.sandbox.server import RunningSandbox, start
from workbench.xapi.gateway import (
    SANDBOX_BEARER,
    SANDBOX_CONSUMER_KEY,
    SANDBOX_CONSUMER_SECRET,
    SANDBOX_TOKEN_SECRET,
    RewriteAdapter,
)

RECORDED = Path(__file__).with_name("x_recorded_answers.json")
X_ORIGIN = "https://api.twitter.com"
RATE_LIMIT_HEADERS = ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset")

# --- deriving the structure from tweepy's cassettes ---------------------------------------------

# The recorded calls of the endpoints the sandbox serves (the ones the workbench calls):
# name -> (cassette, index of the call among the cassette's API v2 calls, tweepy method).
CALLS = {
    "get_me": ("test_client_get_me.yaml", 0, "get_me"),
    "get_user": ("test_client_get_user.yaml", 0, "get_user(username=...)"),
    "get_users": ("test_client_get_users.yaml", 0, "get_users(usernames=[...])"),
    "get_users_mentions": ("test_client_get_users_mentions.yaml", 0, "get_users_mentions"),
    "search_recent_tweets": ("test_client_search_recent_tweets.yaml", 0, "search_recent_tweets"),
    "get_tweet": ("test_client_get_tweet.yaml", 0, "get_tweet"),
    "get_tweets": ("test_client_get_tweets.yaml", 0, "get_tweets"),
    "create_tweet": ("test_client_create_and_delete_tweet.yaml", 0, "create_tweet"),
    "delete_tweet": ("test_client_create_and_delete_tweet.yaml", 1, "delete_tweet"),
    "retweet": ("test_client_retweet_and_unretweet.yaml", 0, "retweet"),
    "like": ("test_client_like_and_unlike.yaml", 0, "like"),
    "follow_user": ("test_client_follow_and_unfollow_user.yaml", 0, "follow_user"),
    "unfollow_user": ("test_client_follow_and_unfollow_user.yaml", 1, "unfollow_user"),
    "get_users_followers": ("test_client_get_users_followers.yaml", 0, "get_users_followers"),
    "create_direct_message": (
        "test_manage_and_lookup_direct_messages.yaml",
        0,
        "create_direct_message(participant_id=...)",
    ),
    "get_direct_message_events": (
        "test_manage_and_lookup_direct_messages.yaml",
        3,
        "get_direct_message_events",
    ),
    "get_direct_message_events_with": (
        "test_manage_and_lookup_direct_messages.yaml",
        5,
        "get_direct_message_events(participant_id=...)",
    ),
}


def shape(value: Any) -> Any:
    """The structure of a JSON value: objects keep their keys, arrays the merged shape of their
    items, anything else becomes its JSON type's name."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        merged: Any = None
        for item in value:
            merged = _merge(merged, shape(item))
        return [] if merged is None else [merged]
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "null"


def _merge(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _merge(a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys())}
    if isinstance(a, list) and isinstance(b, list):
        return [_merge(a[0] if a else None, b[0] if b else None)] if a or b else []
    if b is None or a == b:
        return a
    return f"{a}|{b}"


def _template(url: str) -> str:
    """A recorded URL without its ids or names: ``/2/tweets/{id}``, ``?ids``."""
    path, _, query = url.removeprefix(X_ORIGIN + "/2").partition("?")
    path = re.sub(r"/[0-9]+-[0-9]+(?=/|$)", "/{dm_conversation_id}", path)
    path = re.sub(r"/[0-9]+(?=/|$)", "/{id}", path)
    path = re.sub(r"(/users/by/username/)[^/]+", r"\1{username}", path)
    names = [part.partition("=")[0] for part in query.split("&") if part]
    return "/2" + path + ("?" + "&".join(names) if names else "")


def _body(response: dict[str, Any]) -> Any:
    raw = response["body"]["string"]
    if isinstance(raw, bytes):
        with contextlib.suppress(OSError):  # gzip: as X sent it
            raw = gzip.decompress(raw)
        raw = raw.decode("utf-8")
    return json.loads(raw) if raw else None


def derive(git_dir: str) -> dict[str, Any]:
    """The structure of X's recorded v2 answers in a tweepy git directory (HEAD)."""
    import yaml

    def git(*args: str) -> str:
        out = subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True)
        out.check_returncode()
        return out.stdout.decode("utf-8")

    commit = git("rev-parse", "HEAD").strip()
    names = [n for n in git("ls-tree", "--name-only", "HEAD", "cassettes/").split() if n]
    v2: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for name in names:
        if not name.endswith(".yaml"):
            continue  # the .json cassettes are all API v1.1
        tape = yaml.load(git("show", f"HEAD:{name}"), Loader=yaml.SafeLoader)
        for item in tape["interactions"]:
            if item["request"]["uri"].startswith(X_ORIGIN + "/2/"):
                v2.setdefault(name.removeprefix("cassettes/"), []).append(
                    (item["request"], item["response"])
                )
    answers = [(rs, rq) for pairs in v2.values() for rq, rs in pairs]
    seen: Counter[str] = Counter()
    types: Counter[str] = Counter()
    for rs, _ in answers:
        headers = {k.lower(): v for k, v in rs["headers"].items()}
        seen.update(headers.keys())
        types.update(headers.get("content-type", []))
    entries = []
    for name, (cassette, index, method) in CALLS.items():
        request, response = v2[cassette][index]
        headers = {k.lower(): v[0] for k, v in response["headers"].items()}
        held: dict[str, str] = {"content-type": headers["content-type"]}
        for header in RATE_LIMIT_HEADERS:
            if header in headers:
                held[header] = "integer" if headers[header].isdigit() else headers[header]
        held["x-access-level"] = headers["x-access-level"]
        if "location" in headers:
            location = headers["location"].replace(X_ORIGIN, "{origin}")
            for field, value in _body(response)["data"].items():
                location = location.replace(f"/{value}", f"/{{data.{field}}}")
                location = location.replace(f'/"{value}"', f'/"{{data.{field}}}"')
            held["location"] = location
        entries.append(
            {
                "name": name,
                "tweepy_call": f"Client.{method}",
                "cassette": f"cassettes/{cassette}",
                "recorded": headers["date"][5:16],
                "request": f"{request['method']} {_template(request['uri'])}",
                "status": response["status"]["code"],
                "headers": held,
                "body": shape(_body(response)),
            }
        )
    served = {c for c, _, _ in CALLS.values()}
    return {
        "about": (
            "The structure of X's API v2 answers recorded in tweepy's test cassettes: status, "
            "headers, field names and JSON types, meta keys; no recorded value. Derived by "
            "tests/test_sandbox_recorded.py (derive); the tests there hold the sandbox to it."
        ),
        "origin": {
            "repository": "https://github.com/tweepy/tweepy",
            "commit": commit,
            "path": "cassettes/",
        },
        "v2_answers": {
            "count": len(answers),
            "statuses": dict(
                sorted(Counter(str(rs["status"]["code"]) for rs, _ in answers).items())
            ),
            "content_types": dict(types),
            "headers_seen": dict(sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))),
            # the test_asyncclient_* cassettes record the same calls again
            "cassettes_not_served": sorted(c for c in set(v2) - served if "async" not in c),
        },
        "answers": entries,
    }


# --- holding the sandbox to it -------------------------------------------------------------------

# Where the sandbox answers otherwise on purpose: X today differs from the older recording.
# (answer name, dotted path of the field) -> why.
KEPT = {
    ("create_tweet", "data.edit_history_tweet_ids"): (
        "recorded 2021-11, before edit history (2022-09) made edit_history_tweet_ids a default "
        "field of every Post: every post in the answers recorded since (2022-10) carries it, "
        "and the sandbox answers a new post with its default fields"
    ),
    ("retweet", "data.id"): (
        "recorded 2021-09; X's OpenAPI 2.159 (UsersRetweetsCreateResponse) gives data.id, the "
        "repost's id, which the gateway keeps when X sends it"
    ),
}


def recorded() -> dict[str, Any]:
    return dict(json.loads(RECORDED.read_text()))


def _answers() -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in recorded()["answers"]}


def differences(expected: Any, got: Any, where: str = "") -> list[tuple[str, str]]:
    """(dotted path, what differs) between two shapes."""
    if isinstance(expected, dict) and isinstance(got, dict):
        out = []
        for key in sorted(expected.keys() | got.keys()):
            path = f"{where}.{key}" if where else key
            if key not in got:
                out.append((path, "missing"))
            elif key not in expected:
                out.append((path, "not in X's answer"))
            else:
                out.extend(differences(expected[key], got[key], path))
        return out
    if isinstance(expected, list) and isinstance(got, list):
        if bool(expected) != bool(got):
            return [(where, f"{len(expected)} item shapes recorded, {len(got)} here")]
        return differences(expected[0], got[0], where) if expected else []
    if expected != got:
        return [(where, f"{got} here, {expected} recorded")]
    return []


@dataclass
class Desk:
    """A sandbox set up like tweepy's test account's world when it recorded, and a tweepy
    client for each brand account answering raw responses."""

    running: RunningSandbox
    control: Control
    client: tweepy.Client
    other: tweepy.Client
    brand_id: str
    customer: dict[str, Any]
    stranger: dict[str, Any]
    mentions: list[dict[str, Any]]


def _client(url: str, user_id: str) -> tweepy.Client:
    client = tweepy.Client(
        SANDBOX_BEARER,
        SANDBOX_CONSUMER_KEY,
        SANDBOX_CONSUMER_SECRET,
        f"{user_id}-workbench-sandbox",  # tweepy reads the user id from the token, as on X
        SANDBOX_TOKEN_SECRET,
        return_type=requests.Response,
    )
    client.session.trust_env = False
    client.session.mount(X_ORIGIN, RewriteAdapter(url, 10.0))
    return client


@pytest.fixture(scope="module")
def desk() -> Iterator[Desk]:
    running = start(
        brands=("AcmeSupport", "AcmeDeals"), rate_limit_scale=TEST_RATE_LIMIT_SCALE, plan=TEST_PLAN
    )
    try:
        control = Control(running.url)
        customer = control.user("dana", follows_brand=True, dm_open=True)
        stranger = control.user("stranger")
        # more than a page of each, as in the recordings (which all have a next page)
        mentions = control.tweets(
            [
                {"author": "dana", "text": f"@AcmeSupport the hinge broke, day {n}"}
                for n in range(12)
            ]
        )
        control.users([{"username": f"fan{n}", "follows_brand": True} for n in range(100)])
        control.dms([{"author": "dana", "text": f"order {n} is late"} for n in range(101)])
        support, deals = running.world.brands[:2]
        yield Desk(
            running,
            control,
            _client(running.url, support.id),
            _client(running.url, deals.id),
            support.id,
            customer,
            stranger,
            mentions,
        )
    finally:
        running.stop()


def _call(desk: Desk, name: str) -> requests.Response:
    """The call tweepy made when it recorded ``name``, against the sandbox."""
    c, first = desk.client, desk.mentions[0]["id"]
    calls: dict[str, Callable[[], Any]] = {
        "get_me": lambda: c.get_me(),
        "get_user": lambda: c.get_user(username="dana"),
        "get_users": lambda: c.get_users(usernames=["dana", "stranger"]),
        "get_users_mentions": lambda: c.get_users_mentions(desk.brand_id),
        "search_recent_tweets": lambda: c.search_recent_tweets("hinge"),
        "get_tweet": lambda: c.get_tweet(first),
        "get_tweets": lambda: c.get_tweets([first, desk.mentions[1]["id"]]),
        "create_tweet": lambda: c.create_tweet(text="Test Tweet"),
        "delete_tweet": lambda: c.delete_tweet(
            desk.running.world.post(desk.brand_id, "Test Tweet to delete").id
        ),
        "retweet": lambda: c.retweet(desk.mentions[2]["id"]),
        "like": lambda: c.like(first),
        "follow_user": lambda: c.follow_user(desk.stranger["id"]),
        "unfollow_user": lambda: c.unfollow_user(desk.stranger["id"]),
        "get_users_followers": lambda: c.get_users_followers(desk.brand_id),
        "create_direct_message": lambda: c.create_direct_message(
            participant_id=desk.customer["id"], text="Testing 1"
        ),
        # the recording found no events: the other brand account has none
        "get_direct_message_events": lambda: desk.other.get_direct_message_events(),
        "get_direct_message_events_with": lambda: c.get_direct_message_events(
            participant_id=desk.customer["id"]
        ),
    }
    answer = calls[name]()
    assert isinstance(answer, requests.Response)
    return answer


@pytest.mark.parametrize("name", list(CALLS))
def test_the_sandbox_answers_as_x_recorded(desk: Desk, name: str) -> None:
    x = _answers()[name]
    answer = _call(desk, name)
    assert answer.status_code == x["status"], answer.text
    body = answer.json()
    got = shape(body)
    unexplained = [
        (path, why)
        for path, why in differences(x["body"], got)
        if (name, path) not in KEPT or why != "not in X's answer"
    ]
    wrong = [f"{path}: {why}" for path, why in unexplained]
    for header, value in x["headers"].items():
        sent = answer.headers.get(header)
        if header == "location" and value:
            value = value.replace("{origin}", desk.running.url)
            for field, made in body["data"].items():
                value = value.replace(f"{{data.{field}}}", str(made))
        if sent is None or (sent != value if value != "integer" else not sent.isdigit()):
            wrong.append(f"{header}: {sent!r} here, X sends {value!r}")
    assert not wrong, f"{x['request']} ({x['cassette']}): {wrong}"


def test_rate_limit_headers_come_with_every_recorded_answer_reads_and_writes() -> None:
    """X sends x-rate-limit-* with every v2 answer it recorded, writes as well as reads, and
    always as application/json; charset=utf-8: the facts the tests above hold for each call."""
    summary = recorded()["v2_answers"]
    count = summary["count"]
    assert all(summary["headers_seen"][h] == count for h in RATE_LIMIT_HEADERS)
    assert summary["content_types"] == {"application/json; charset=utf-8": count}
    methods = {a["request"].split()[0] for a in recorded()["answers"]}
    assert methods == {"GET", "POST", "DELETE"}
    assert all(set(RATE_LIMIT_HEADERS) <= set(a["headers"]) for a in recorded()["answers"])


def test_each_kept_difference_is_still_one() -> None:
    """A departure kept on purpose names a field the recording lacks and the sandbox sends."""
    answers = _answers()
    for name, path in KEPT:
        node = answers[name]["body"]
        *parents, leaf = path.split(".")
        for part in parents:
            node = node[part]
        assert leaf not in node, f"{name}: X's recording has {path}; drop it from KEPT"


def test_every_recorded_entry_names_its_origin() -> None:
    data = recorded()
    assert re.fullmatch(r"[0-9a-f]{40}", data["origin"]["commit"])
    assert {a["name"] for a in data["answers"]} == set(CALLS)
    for entry in data["answers"]:
        assert entry["cassette"].startswith("cassettes/test_") and entry["recorded"]


def test_a_dm_page_gives_the_token_of_the_newer_events_as_x_does(desk: Desk) -> None:
    """X's DM event pages carry ``previous_token`` (the page before: newer events); sent back as
    ``pagination_token`` it gives the events that came after the page."""
    first = desk.client.get_direct_message_events(
        participant_id=desk.customer["id"], max_results=5
    ).json()
    desk.control.dm("dana", "one more thing")
    newer = desk.client.get_direct_message_events(
        participant_id=desk.customer["id"],
        max_results=5,
        pagination_token=first["meta"]["previous_token"],
    ).json()
    assert [e["text"] for e in newer["data"]] == ["one more thing"]
    back = desk.client.get_direct_message_events(
        participant_id=desk.customer["id"],
        max_results=5,
        pagination_token=newer["meta"]["next_token"],
    ).json()
    assert [e["id"] for e in back["data"]] == [e["id"] for e in first["data"]]


if __name__ == "__main__":
    RECORDED.write_text(json.dumps(derive(sys.argv[1]), indent=1, ensure_ascii=False) + "\n")
