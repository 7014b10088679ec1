"""Fixtures for the X API tests: a real sandbox on a free port (uvicorn in a thread), a gateway
pointed at it, and small helpers to drive its control API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from workbench.config import Settings
from workbench.sandbox.server import RunningSandbox, start
from workbench.xapi.gateway import Gateway

# Tests push thousands of calls through in seconds; X's 15-minute limits would stop them.
TEST_RATE_LIMIT_SCALE = 1000.0
# The suite likes, follows and quotes through the sandbox: the plan that still allows them
# (self-serve plans refuse them since 2026-04-20; tests of those refusals choose their plan).
TEST_PLAN = "enterprise"


@pytest.fixture
def running_sandbox() -> Iterator[RunningSandbox]:
    """An empty sandbox (brand accounts AcmeSupport and AcmeDeals), generous rate limits, on
    the Enterprise plan (``TEST_PLAN``)."""
    running = start(
        brands=("AcmeSupport", "AcmeDeals"),
        rate_limit_scale=TEST_RATE_LIMIT_SCALE,
        plan=TEST_PLAN,
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def sandbox(running_sandbox: RunningSandbox) -> str:
    """The URL of a running, empty sandbox."""
    return running_sandbox.url


def settings_for(url: str, **env: str) -> Settings:
    return Settings.from_env({"WORKBENCH_X_API_URL": url, "WORKBENCH_BRAND": "AcmeSupport", **env})


@pytest.fixture
def gateway(sandbox: str) -> Iterator[Gateway]:
    g = Gateway.from_settings(settings_for(sandbox), timeout=10.0)
    try:
        yield g
    finally:
        g.close()


class Control:
    """The sandbox's control API, as a test uses it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.trust_env = False

    def _post(self, path: str, body: Any) -> Any:
        answer = self.session.post(self.url + path, json=body, timeout=30)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    def user(self, username: str, **fields: Any) -> dict[str, Any]:
        return self._post("/sandbox/users", {"username": username, **fields})

    def users(self, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self._post("/sandbox/users", bodies)

    def tweet(self, author: str, text: str, **fields: Any) -> dict[str, Any]:
        return self._post("/sandbox/tweets", {"author": author, "text": text, **fields})

    def tweets(self, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self._post("/sandbox/tweets", bodies)

    def delete_tweet(self, tweet_id: str) -> dict[str, Any]:
        """Its author deletes the tweet (X then answers lookups of it with resource-not-found)."""
        answer = self.session.delete(f"{self.url}/sandbox/tweets/{tweet_id}", timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def dm(self, author: str, text: str, **fields: Any) -> dict[str, Any]:
        return self._post("/sandbox/dms", {"author": author, "text": text, **fields})

    def dms(self, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self._post("/sandbox/dms", bodies)

    def fault(self, **fault: Any) -> dict[str, Any]:
        return self._post("/sandbox/faults", fault)

    def clear_faults(self) -> None:
        self.session.delete(self.url + "/sandbox/faults", timeout=10)

    def activity(self) -> list[dict[str, Any]]:
        return self.session.get(self.url + "/sandbox/activity", timeout=30).json()["data"]

    def rate_limits(self, **body: Any) -> dict[str, Any]:
        return self._post("/sandbox/rate-limits", body)

    def reset(self, **body: Any) -> dict[str, Any]:
        return self._post("/sandbox/reset", body)

    def plan(self, name: str) -> dict[str, Any]:
        return self._post("/sandbox/plan", {"plan": name})


@pytest.fixture
def control(sandbox: str) -> Control:
    return Control(sandbox)
