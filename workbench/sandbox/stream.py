"""X's filtered stream: the app's rules, and the posts that match them pushed as they are posted.

Rules use the filter language of recent search (the subset ``World.search`` knows). The stream
is newline-delimited JSON, one ``{"data", "includes", "matching_rules"}`` object per post, with
a keep-alive ``\\r\\n`` while nothing matches (X sends one every 20 s; the sandbox every
``KEEP_ALIVE`` s). Looser than X: up to ``MAX_CONNECTIONS`` connections per app (X's Pro
access allows one), and ``backfill_minutes`` works for every caller.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from workbench.sandbox._streams import Connection, Streams
from workbench.sandbox.world import Post, Problem, World, _parse_query, _Term, iso

KEEP_ALIVE = 10.0
MAX_CONNECTIONS = 8
MAX_RULES = 1000
MAX_RULE_LENGTH = 1024
_DUPLICATE = "https://api.twitter.com/2/problems/duplicate-rules"
_INVALID = "https://api.twitter.com/2/problems/invalid-rules"


@dataclass(frozen=True)
class Rule:
    id: str
    value: str
    tag: str | None
    terms: tuple[_Term, ...]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "value": self.value}
        if self.tag is not None:
            out["tag"] = self.tag
        return out


_Match = tuple[Post, list[dict[str, str]]]
_Connection = Connection[_Match]


class StreamHub(Streams[_Match]):
    """The app's rules and its open streams; the world tells it of each new post."""

    def __init__(self, world: World, max_connections: int = MAX_CONNECTIONS) -> None:
        super().__init__(max_connections)
        self.world = world
        self._rules: dict[str, Rule] = {}
        self._ids = itertools.count(1_900_000_000_000_000_001)
        world.add_listener(self._posted)

    # --- rules ------------------------------------------------------------------------------

    def rules(self, ids: Sequence[str] = ()) -> list[Rule]:
        with self._lock:
            if ids:
                return [self._rules[i] for i in ids if i in self._rules]
            return list(self._rules.values())

    def add(
        self, wanted: Iterable[Mapping[str, Any]], dry_run: bool = False
    ) -> tuple[list[Rule], list[dict[str, Any]], dict[str, int]]:
        """Add rules: (created, errors, summary), as X's answer lists them."""
        created: list[Rule] = []
        errors: list[dict[str, Any]] = []
        valid = invalid = 0
        with self._lock:
            values = {r.value for r in self._rules.values()}
            for raw in wanted:
                value = raw.get("value") if isinstance(raw, Mapping) else None
                tag = raw.get("tag") if isinstance(raw, Mapping) else None
                problem = self._check(value, tag)
                if problem is not None:
                    invalid += 1
                    errors.append(
                        {
                            "value": str(value),
                            "title": "Invalid Rule",
                            "type": _INVALID,
                            "detail": problem,
                        }
                    )
                    continue
                valid += 1
                assert isinstance(value, str)
                if value in values:
                    existing = next(r for r in self._rules.values() if r.value == value)
                    errors.append(
                        {
                            "value": value,
                            "id": existing.id,
                            "title": "DuplicateRule",
                            "type": _DUPLICATE,
                        }
                    )
                    continue
                if len(self._rules) + len(created) >= MAX_RULES:
                    errors.append(
                        {
                            "value": value,
                            "title": "RulesCapExceeded",
                            "type": _INVALID,
                            "detail": f"an app may have at most {MAX_RULES} rules",
                        }
                    )
                    continue
                rule = Rule(str(next(self._ids)), value, tag, tuple(_parse_query(value)))
                created.append(rule)
                values.add(value)
            if not dry_run:
                self._rules.update((r.id, r) for r in created)
        summary = {
            "created": len(created),
            "not_created": valid + invalid - len(created),
            "valid": valid,
            "invalid": invalid,
        }
        return created, errors, summary

    @staticmethod
    def _check(value: Any, tag: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return "value: a rule needs a non-empty filter"
        if len(value) > MAX_RULE_LENGTH:
            return f"value: a rule is at most {MAX_RULE_LENGTH} characters"
        if tag is not None and not isinstance(tag, str):
            return "tag: must be a string"
        try:
            _parse_query(value)
        except Problem as exc:
            errors = exc.body.get("errors") or [{}]
            return str(errors[0].get("message") or exc.body["detail"])
        return None

    def delete(
        self, ids: Sequence[str] = (), values: Sequence[str] = (), dry_run: bool = False
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """Delete rules by id or value: (errors, summary)."""
        errors: list[dict[str, Any]] = []
        with self._lock:
            doomed: list[str] = []
            for rid in ids:
                if rid in self._rules:
                    doomed.append(rid)
                else:
                    errors.append(
                        {
                            "id": rid,
                            "title": "Not Found Error",
                            "detail": f"no rule with id {rid}",
                            "type": "https://api.twitter.com/2/problems/resource-not-found",
                        }
                    )
            for value in values:
                found = [r.id for r in self._rules.values() if r.value == value]
                if found:
                    doomed.extend(found)
                else:
                    errors.append(
                        {
                            "value": value,
                            "title": "Not Found Error",
                            "detail": f"no rule with value {value!r}",
                            "type": "https://api.twitter.com/2/problems/resource-not-found",
                        }
                    )
            doomed = list(dict.fromkeys(doomed))
            if not dry_run:
                for rid in doomed:
                    del self._rules[rid]
        return errors, {"deleted": len(doomed), "not_deleted": len(errors)}

    def delete_all(self) -> dict[str, int]:
        with self._lock:
            n = len(self._rules)
            self._rules.clear()
        return {"deleted": n, "not_deleted": 0}

    # --- streams ----------------------------------------------------------------------------

    def _matching(self, post: Post) -> list[dict[str, str]]:
        out = []
        for rule in self._rules.values():
            if all(term(self.world, post) for term in rule.terms):
                match = {"id": rule.id}
                if rule.tag is not None:
                    match["tag"] = rule.tag
                out.append(match)
        return out

    def _posted(self, post: Post) -> None:
        """Called by the world (under its lock) for each new post."""
        if not self._connections:
            return
        with self._lock:
            matches = self._matching(post)
            if matches:
                for connection in self._connections:
                    connection.push((post, matches))

    def connect(self, backfill_minutes: int = 0) -> _Connection:
        """A new stream, with the matching posts of the last ``backfill_minutes`` queued first;
        X's 429 TooManyConnections past ``max_connections``."""
        with self._lock:
            connection = self._open()
        if backfill_minutes:
            since = datetime.now(UTC) - timedelta(minutes=backfill_minutes)

            def backfill(world: World) -> list[Post]:
                recent = []
                for pid in reversed(world._all_tweets):
                    post = world.tweets[pid]
                    if post.created_at < since:
                        break
                    recent.append(post)
                return recent[::-1]

            posts = self.world.run(backfill)
            with self._lock:
                for post in posts:
                    if not post.deleted and (matches := self._matching(post)):
                        connection.queue.put_nowait((post, matches))
        return connection

    def lines(
        self, connection: _Connection, render: Any, keep_alive: float = KEEP_ALIVE
    ) -> AsyncIterator[bytes]:
        """The stream's bytes: a keep-alive at once (the client knows it is connected), then each
        matching post as ``render(post, matches)`` on its own line."""

        def line_of(item: _Match) -> bytes | None:
            post, matches = item
            return None if post.deleted else bytes(render(post, matches))

        return self._lines(connection, line_of, keep_alive)


def rules_meta(**extra: Any) -> dict[str, Any]:
    return {"sent": iso(datetime.now(UTC)), **extra}
