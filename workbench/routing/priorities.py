"""Priority rules: which waiting interaction is offered first, and why.

Rules are rows of ``priority_rules`` (``store.routing``) a supervisor edits; what they mean is
``workbench.domain.priority``. The checks of a rule, and the queue in the order the router
offers it (``next_offers``, with each interaction's reasons), are here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from workbench.domain import Actionability, Sentiment, utcnow
from workbench.domain.contact import is_username
from workbench.domain.priority import PriorityRule, priority_now
from workbench.errors import ValidationError
from workbench.store import NotFoundError, Store, Transaction

__all__ = [
    "NextOffer",
    "PriorityRule",
    "add_priority_rule",
    "delete_priority_rule",
    "next_offers",
    "priority_rules",
    "update_priority_rule",
]

_CONDITIONS = ("min_followers", "verified", "sentiment", "actionability", "handles")


def priority_rules(store: Store, conn: Transaction | None = None) -> list[PriorityRule]:
    """The priority rules, by position."""
    return store.routing.priorities.all(conn)


def _validate(rule: PriorityRule) -> None:
    if not isinstance(rule.name, str) or not rule.name.strip() or len(rule.name) > 128:
        raise ValidationError("name", f"1 to 128 characters, not blank, got {rule.name!r}")
    if not isinstance(rule.points, int) or isinstance(rule.points, bool):
        raise ValidationError("points", f"a whole number (negative lowers), got {rule.points!r}")
    if not -1000 <= rule.points <= 1000:
        raise ValidationError("points", f"between -1000 and 1000, got {rule.points}")
    if not isinstance(rule.position, int):
        raise ValidationError("position", f"a whole number, got {rule.position!r}")
    if rule.min_followers is not None and (
        not isinstance(rule.min_followers, int) or rule.min_followers < 0
    ):
        raise ValidationError(
            "min_followers", f"a whole number of 0 or more, got {rule.min_followers!r}"
        )
    if rule.verified is not None and not isinstance(rule.verified, bool):
        raise ValidationError("verified", f"True, False or None, got {rule.verified!r}")
    sentiments = {s.value for s in Sentiment}
    if rule.sentiment is not None and rule.sentiment not in sentiments:
        raise ValidationError(
            "sentiment", f"one of {', '.join(sorted(sentiments))} or None, got {rule.sentiment!r}"
        )
    levels = {a.value for a in Actionability}
    if rule.actionability is not None and rule.actionability not in levels:
        raise ValidationError(
            "actionability",
            f"one of {', '.join(sorted(levels))} or None, got {rule.actionability!r}",
        )
    for handle in rule.handles:
        if not is_username(handle.lstrip("@") if isinstance(handle, str) else handle):
            raise ValidationError(
                "handles", f"X usernames (1-15 letters, digits, _), got {handle!r}"
            )
    conditions = [c for c in _CONDITIONS if getattr(rule, c) not in (None, ())]
    if rule.waited_minutes is not None:
        if not isinstance(rule.waited_minutes, int) or rule.waited_minutes < 1:
            raise ValidationError(
                "waited_minutes",
                f"a whole number of minutes, 1 or more, got {rule.waited_minutes!r}",
            )
        if conditions:
            raise ValidationError(
                "waited_minutes",
                "a waiting-time rule takes no other condition (it applies as the wait grows, "
                f"the others when the interaction is routed); drop {', '.join(conditions)}",
            )
    elif not conditions:
        raise ValidationError(
            "conditions",
            "a rule needs at least one condition (min_followers, verified, sentiment, "
            "actionability, handles or waited_minutes)",
        )


def _handles(handles: Any) -> tuple[str, ...]:
    if handles is None:
        return ()
    if isinstance(handles, str):
        raise ValidationError("handles", f"a list of X usernames, got the text {handles!r}")
    return tuple(h.lstrip("@") if isinstance(h, str) else h for h in handles)


def add_priority_rule(
    store: Store,
    name: str,
    points: int,
    *,
    position: int | None = None,
    min_followers: int | None = None,
    verified: bool | None = None,
    sentiment: str | None = None,
    actionability: str | None = None,
    waited_minutes: int | None = None,
    handles: Any = None,
) -> PriorityRule:
    """Add a rule; without ``position`` it goes last. It counts for interactions routed from
    now on (a waiting-time rule: for every waiting interaction at once)."""
    with store.transaction() as conn:
        if position is None:
            position = (store.routing.priorities.last_position(conn) or 0) + 10
        rule = PriorityRule(
            0,
            position,
            name,
            points,
            min_followers,
            verified,
            sentiment,
            actionability,
            waited_minutes,
            _handles(handles),
        )
        _validate(rule)
        return replace(rule, id=store.routing.priorities.add(conn, rule))


def update_priority_rule(store: Store, rule_id: int, **changes: Any) -> PriorityRule:
    """Change the given fields of a rule (pass None to clear a condition)."""
    known = set(PriorityRule.__dataclass_fields__) - {"id"}
    unknown = set(changes) - known
    if unknown:
        raise ValidationError(
            ", ".join(sorted(unknown)),
            f"not a field of a priority rule ({', '.join(sorted(known))})",
        )
    if "handles" in changes:
        changes["handles"] = _handles(changes["handles"])
    with store.transaction() as conn:
        found = store.routing.priorities.get(conn, rule_id)
        if found is None:
            raise NotFoundError(f"priority rule {rule_id!r} does not exist")
        rule = replace(found, **changes)
        _validate(rule)
        store.routing.priorities.update(conn, rule)
        return rule


def delete_priority_rule(store: Store, rule_id: int) -> None:
    with store.transaction() as conn:
        if not store.routing.priorities.delete(conn, rule_id):
            raise NotFoundError(f"priority rule {rule_id!r} does not exist")


@dataclass(frozen=True)
class NextOffer:
    """A waiting interaction, where it stands in its queue and why."""

    position: int
    """1 for the next one offered."""
    id: str
    queue: str
    channel: str
    contact: str
    """The customer's handle."""
    subject: str
    waiting_since: datetime
    waited: timedelta
    priority: int
    reasons: tuple[str, ...]
    """The rules behind ``priority`` (their names and points); empty: first come, first
    served."""


def next_offers(
    store: Store, queue: str | None = None, limit: int = 50, now: datetime | None = None
) -> list[NextOffer]:
    """The queued interactions (of ``queue``, or all) in the order the router offers them,
    each with its priority now and the rules behind it."""
    now = now or utcnow()
    rules = store.routing.priorities.all()
    rows = store.routing.next_offers(None if queue is None else [queue], limit, now, rules)
    out = []
    for k, r in enumerate(rows, start=1):
        since = r.waiting_since or r.arrived_at
        priority, reasons = priority_now(
            rules, r.priority, tuple(r.priority_reasons or ()), since, now
        )
        out.append(
            NextOffer(
                k,
                r.id,
                r.queue,
                r.channel,
                r.username,
                r.subject,
                since,
                now - since,
                priority,
                reasons,
            )
        )
    return out
