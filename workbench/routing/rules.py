"""Routing rules: which queue an arriving interaction goes to. The first match by position wins.

Rules are rows of ``routing_rules`` (``store.routing``) a supervisor edits: each names a queue
and the conditions it needs (channel, timeline, a minimum follower count for VIPs,
actionability); an empty condition matches anything. ``Rule`` and ``queue_for`` live in
``workbench.domain.routing``; the checks of a rule are here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from workbench.domain import Actionability, Channel
from workbench.domain.contact import is_username
from workbench.domain.routing import Rule, queue_for
from workbench.errors import ValidationError
from workbench.store import NotFoundError, Store, Transaction

__all__ = ["Rule", "add_rule", "delete_rule", "queue_for", "rules", "update_rule"]

_UNSET: Any = object()


def rules(store: Store, conn: Transaction | None = None) -> list[Rule]:
    """The rules in the order they are tried."""
    return store.routing.rules.all(conn)


def _validate(store: Store, conn: Transaction, rule: Rule) -> None:
    known = set(store.routing.queue_names(conn))
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
    if rule.timeline is not None and not is_username(rule.timeline):
        raise ValidationError(
            "timeline", f"an X username (1-15 letters, digits, _), got {rule.timeline!r}"
        )
    if not isinstance(rule.position, int):
        raise ValidationError("position", f"a whole number, got {rule.position!r}")


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
            position = (store.routing.rules.last_position(conn) or 0) + 10
        rule = Rule(0, position, queue, channel, timeline, min_followers, actionability)
        _validate(store, conn, rule)
        return replace(rule, id=store.routing.rules.add(conn, rule))


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
        found = store.routing.rules.get(conn, rule_id)
        if found is None:
            raise NotFoundError(f"routing rule {rule_id!r} does not exist")
        rule = replace(found, **given)
        _validate(store, conn, rule)
        store.routing.rules.update(conn, rule)
        return rule


def delete_rule(store: Store, rule_id: int) -> None:
    with store.transaction() as conn:
        if not store.routing.rules.delete(conn, rule_id):
            raise NotFoundError(f"routing rule {rule_id!r} does not exist")
