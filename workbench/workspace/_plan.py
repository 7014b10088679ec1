"""The X access plan as the workspace asks it: which plan the settings name, whether a
customer's post summoned the brand, and the error an action the plan does not allow raises.

A refusal is raised before anything is queued: the action names itself and X's rule with its
date (``like: X's self-serve plans no longer allow likes (since 2026-04-20)``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import cache

from workbench.config import Settings
from workbench.domain import EntryKind, TranscriptEntry
from workbench.domain.plan import Capability, Plan, Refusal
from workbench.errors import ValidationError

# The brand's own posts whose answers summon it: what it tweeted, replied or quoted.
_BRAND_POSTS = frozenset({"tweet", "reply", "quote", "post"})


class PlanRefusal(ValidationError):
    """An action the brand's X access plan does not allow: ``str`` names the action, X's rule
    and its date; ``refusal`` is the plan's ``Refusal`` (rule id, date, X's wording)."""

    def __init__(self, action: str, refusal: Refusal) -> None:
        self.refusal = refusal
        super().__init__(action, refusal.reason, refusal.said)


def plan_of(settings: Settings) -> Plan:
    """The plan the ``WORKBENCH_X_PLAN`` setting names."""
    return _plan(settings.x_plan)


@cache
def _plan(name: str) -> Plan:
    from workbench import x_rules

    return x_rules.plan(name)


def check(plan: Plan, action: str, *, summoned: bool = True) -> None:
    """Raise ``PlanRefusal`` unless ``plan`` allows ``action``."""
    refusal = plan.allows(action, summoned=summoned)
    if refusal is not None:
        raise PlanRefusal(action, refusal)


def refuses_unsummoned(plan: Plan) -> bool:
    """Whether ``plan`` allows replies only to posts that mention or quote the brand."""
    return plan.allows(Capability.REPLY, summoned=False) is not None


def mentions(text: str, username: str) -> bool:
    """Whether ``text`` @mentions ``username`` (any case, as a whole name)."""
    if not text or not username:
        return False
    pattern = rf"(?<![\w@])@{re.escape(username.lstrip('@'))}(?!\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None


def _links_to(urls: object, username: str) -> bool:
    """Whether a post's link entities point at one of ``username``'s posts (a quote of it)."""
    if not isinstance(urls, dict):
        return False
    name = re.escape(username.lstrip("@"))
    pattern = rf"^https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/{name}/status/\d+"
    return any(re.match(pattern, str(u), re.IGNORECASE) for u in urls.values())


def brand_posts(lines: Iterable[TranscriptEntry]) -> set[str]:
    """The ids of the brand's own posts among an interaction's transcript lines (those X gave
    back with their id: posts the brand sent outside the outbox, or the outbox's sent ids)."""
    found: set[str] = set()
    for line in lines:
        if line.kind is not EntryKind.OUTBOUND or line.action not in _BRAND_POSTS:
            continue
        sent = line.details.get("x_id") or line.details.get("sent_id")
        if sent:
            found.add(str(sent))
        elif line.details.get("source") == "x" and line.tweet_id:
            found.add(str(line.tweet_id))
    return found


def summoned(
    entry: TranscriptEntry | None, timeline: str, brand_tweets: Collection[str] = ()
) -> bool:
    """Whether the customer post of ``entry`` summoned the brand account ``timeline``, as X's
    self-serve rule asks: it mentions the brand, quotes one of its posts, or answers one (a
    reply carries the @mention of the account it answers). Unknown (no stored line): True, and
    X decides."""
    if entry is None:
        return True
    details = entry.details or {}
    names = {timeline.lstrip("@")}
    if isinstance(details.get("timeline"), str) and details["timeline"]:
        names.add(details["timeline"].lstrip("@"))
    for name in names:
        if mentions(entry.text, name) or _links_to(details.get("urls"), name):
            return True
    for key in ("quoted_tweet_id", "in_reply_to_tweet_id"):
        ref = details.get(key)
        if ref and str(ref) in brand_tweets:
            return True
    return False


def target_line(lines: Iterable[TranscriptEntry], tweet_id: str | None) -> TranscriptEntry | None:
    """The customer line of ``tweet_id`` (None: the latest customer tweet not deleted)."""
    inbound = [e for e in lines if e.kind is EntryKind.INBOUND and e.tweet_id and e.action != "dm"]
    if tweet_id is None:
        alive = [e for e in inbound if not e.deleted]
        return alive[-1] if alive else None
    return next((e for e in inbound if e.tweet_id == str(tweet_id)), None)
