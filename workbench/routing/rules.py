"""Routing rules: which queue an arriving interaction goes to. The first match by position wins.

Rules are rows of ``routing_rules`` a supervisor edits: each names a queue and the conditions it
needs (channel, timeline, a minimum follower count for VIPs, actionability); an empty condition
matches anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from workbench.domain import Actionability, Channel
from workbench.errors import ValidationError
from workbench.store import NotFoundError, Store
from workbench.store import schema as t

_UNSET: Any = object()


@dataclass(frozen=True)
class Rule:
    """Send interactions matching every given condition to ``queue``."""

    id: int
    position: int
    queue: str
    channel: str | None = None
    timeline: str | None = None
    min_followers: int | None = None
    actionability: str | None = None

    def matches(
        self, channel: str, timeline: str, followers_count: int, actionability: str
    ) -> bool:
        return (
            (self.channel is None or self.channel == channel)
            and (self.timeline is None or self.timeline.lower() == (timeline or "").lower())
            and (self.min_followers is None or followers_count >= self.min_followers)
            and (self.actionability is None or self.actionability == actionability)
        )


def _rule(row: Any) -> Rule:
    return Rule(
        row.id,
        row.position,
        row.queue,
        row.channel,
        row.timeline,
        row.min_followers,
        row.actionability,
    )


def _read(conn: Connection) -> list[Rule]:
    query = select(t.routing_rules).order_by(t.routing_rules.c.position, t.routing_rules.c.id)
    return [_rule(r) for r in conn.execute(query)]


def rules(store: Store, conn: Connection | None = None) -> list[Rule]:
    """The rules in the order they are tried."""
    if conn is not None:
        return _read(conn)
    with store.engine.connect() as c:
        return _read(c)


def queue_for(
    rules: Sequence[Rule],
    channel: str,
    timeline: str = "",
    followers_count: int = 0,
    actionability: str = Actionability.UNDECLARED.value,
) -> Rule | None:
    """The first rule (by position) that matches, or None."""
    for rule in rules:
        if rule.matches(channel, timeline, followers_count, actionability):
            return rule
    return None


def _validate(conn: Connection, rule: Rule) -> None:
    known = set(conn.execute(select(t.queues.c.name)).scalars())
    if rule.queue not in known:
        raise ValidationError(
            "queue", f"no such queue {rule.queue!r} (known: {', '.join(sorted(known))})"
        )
    channels = {c.value for c in Channel}
    if rule.channel is not None and rule.channel not in channels:
        raise ValidationError(
            "channel", f"one of {', '.join(sorted(channels))} or None, got {rule.channel!r}"
        )
    levels = {a.value for a in Actionability}
    if rule.actionability is not None and rule.actionability not in levels:
        raise ValidationError(
            "actionability",
            f"one of {', '.join(sorted(levels))} or None, got {rule.actionability!r}",
        )
    if rule.min_followers is not None and (
        not isinstance(rule.min_followers, int) or rule.min_followers < 0
    ):
        raise ValidationError(
            "min_followers", f"a whole number of 0 or more, got {rule.min_followers!r}"
        )
    if rule.timeline is not None and (
        not 1 <= len(rule.timeline) <= 15 or not rule.timeline.replace("_", "").isalnum()
    ):
        raise ValidationError(
            "timeline", f"an X username (1-15 letters, digits, _), got {rule.timeline!r}"
        )
    if not isinstance(rule.position, int):
        raise ValidationError("position", f"a whole number, got {rule.position!r}")


def _values(rule: Rule) -> dict[str, Any]:
    return {
        "position": rule.position,
        "queue": rule.queue,
        "channel": rule.channel,
        "timeline": rule.timeline.lstrip("@") if rule.timeline else None,
        "min_followers": rule.min_followers,
        "actionability": rule.actionability,
    }


def add_rule(
    store: Store,
    queue: str,
    *,
    position: int | None = None,
    channel: str | None = None,
    timeline: str | None = None,
    min_followers: int | None = None,
    actionability: str | None = None,
) -> Rule:
    """Add a rule; without ``position`` it goes last."""
    timeline = timeline.lstrip("@") if timeline else None
    with store.transaction() as conn:
        if position is None:
            last = conn.execute(select(func.max(t.routing_rules.c.position))).scalar()
            position = (last or 0) + 10
        rule = Rule(0, position, queue, channel, timeline, min_followers, actionability)
        _validate(conn, rule)
        result = conn.execute(
            insert(t.routing_rules).returning(t.routing_rules.c.id), _values(rule)
        )
        return replace(rule, id=int(result.scalar_one()))


def update_rule(
    store: Store,
    rule_id: int,
    *,
    position: int = _UNSET,
    queue: str = _UNSET,
    channel: str | None = _UNSET,
    timeline: str | None = _UNSET,
    min_followers: int | None = _UNSET,
    actionability: str | None = _UNSET,
) -> Rule:
    """Change the given fields of a rule (pass None to clear a condition)."""
    given: dict[str, Any] = {
        k: v
        for k, v in {
            "position": position,
            "queue": queue,
            "channel": channel,
            "timeline": timeline.lstrip("@") if isinstance(timeline, str) else timeline,
            "min_followers": min_followers,
            "actionability": actionability,
        }.items()
        if v is not _UNSET
    }
    with store.transaction() as conn:
        row = conn.execute(select(t.routing_rules).where(t.routing_rules.c.id == rule_id)).first()
        if row is None:
            raise NotFoundError(f"routing rule {rule_id!r} does not exist")
        rule = replace(_rule(row), **given)
        _validate(conn, rule)
        conn.execute(
            update(t.routing_rules).where(t.routing_rules.c.id == rule_id).values(_values(rule))
        )
        return rule


def delete_rule(store: Store, rule_id: int) -> None:
    with store.transaction() as conn:
        done = conn.execute(delete(t.routing_rules).where(t.routing_rules.c.id == rule_id))
        if done.rowcount != 1:
            raise NotFoundError(f"routing rule {rule_id!r} does not exist")
