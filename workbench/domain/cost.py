"""What X calls cost on the pay-per-use plan: the price table, the rules that pick a price, and a
call as the workbench records it.

The prices are data (``workbench/data/x_prices.json``, read by ``workbench.x_rules``); this
module types them and holds the rules. Money is whole micro-dollars (``int``): sums of many small
prices stay exact. ``PriceTable.from_dict(parsed)`` checks the table; ``Tariff(table, plan)``
prices calls for a plan (0 on every plan but pay-per-use, and says so)::

    >>> tariff.send("reply", has_url=True).sentence
    'this reply costs $0.20: it has a URL'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from workbench.domain.errors import WorkbenchError
from workbench.domain.said import Said

MICROS = 1_000_000
"""Micro-dollars in a dollar."""
PRICED_PLAN = "pay-per-use"
"""The one plan billed per call; the others are subscriptions."""


class PriceKind(str, Enum):
    """What X bills a call as (the keys of ``x_prices.json``'s ``prices``)."""

    POST_READ = "post_read"
    USER_READ = "user_read"
    DM_READ = "dm_read"
    FOLLOWS_READ = "follows_read"
    LIKE_READ = "like_read"
    OWNED_READ = "owned_read"
    POST_CREATE = "post_create"
    POST_CREATE_URL = "post_create_url"
    SUMMONED_REPLY = "summoned_reply"
    DM_CREATE = "dm_create"
    USER_INTERACTION = "user_interaction"
    DELETE = "delete"
    STREAM_POST = "stream_post"
    STREAM_DM = "stream_dm"
    STREAM_FOLLOW = "stream_follow"
    FREE = "free"

    @property
    def streamed(self) -> bool:
        """A delivery on a stream (billed per event delivered, not per request)."""
        return self.value.startswith("stream_")


SEND_KINDS: Mapping[str, PriceKind] = {
    "post": PriceKind.POST_CREATE,
    "quote": PriceKind.POST_CREATE,
    "reply": PriceKind.SUMMONED_REPLY,
    "dm": PriceKind.DM_CREATE,
    "like": PriceKind.USER_INTERACTION,
    "unlike": PriceKind.USER_INTERACTION,
    "retweet": PriceKind.USER_INTERACTION,
    "unretweet": PriceKind.USER_INTERACTION,
    "follow": PriceKind.USER_INTERACTION,
    "unfollow": PriceKind.USER_INTERACTION,
    "delete": PriceKind.DELETE,
}
"""The price of each outbox action, before the URL rule (``send_kind``)."""
_POSTS = frozenset({"post", "quote", "reply"})


class PriceTableError(WorkbenchError):
    """The price table (``x_prices.json``) breaks one of its rules; names the entry and rule."""


def send_kind(action: str, *, has_url: bool = False) -> PriceKind:
    """What X bills a send as: a post, quote or reply containing a URL is a post with a URL
    (X's dearest write, whatever else it is); otherwise the action's own price."""
    try:
        kind = SEND_KINDS[action]
    except KeyError:
        known = ", ".join(SEND_KINDS)
        raise PriceTableError(f"action: {action!r} is not a send X bills ({known})") from None
    if has_url and action in _POSTS:
        return PriceKind.POST_CREATE_URL
    return kind


def usd(micros: int | float) -> str:
    """``$0.20``, ``$5.00``, ``$0.005`` (three decimals only when a cent does not say it)."""
    dollars = micros / MICROS
    cents = round(dollars, 2)
    if abs(dollars - cents) >= 0.0005:
        return f"${dollars:,.3f}"
    return f"${dollars:,.2f}"


@dataclass(frozen=True)
class Money:
    """An amount in US dollars (whole micro-dollars) in a sentence for a person: ``str`` is
    ``usd``'s English, the views write it as the reader's language does (``0,20 $``)."""

    micros: int

    @property
    def dollars(self) -> float:
        return self.micros / MICROS

    def __str__(self) -> str:
        return usd(self.micros)


@dataclass(frozen=True)
class Price:
    """One price: micro-dollars per unit, and what the unit is."""

    kind: PriceKind
    micros: int
    per: str


@dataclass(frozen=True)
class PriceTable:
    """X's pay-per-use prices, read from the parsed ``x_prices.json``."""

    prices: Mapping[PriceKind, Price]
    endpoints: Mapping[str, PriceKind]
    activity_events: Mapping[str, PriceKind]
    read_on: date
    since: date

    @classmethod
    def from_dict(cls, table: Mapping[str, Any]) -> PriceTable:
        """Check and type the table: every kind has a price of 0 or more dollars, every
        endpoint and activity event names a kind."""
        raw = table.get("prices")
        if not isinstance(raw, Mapping):
            raise PriceTableError("prices: an object of kind -> {usd, per}")
        prices: dict[PriceKind, Price] = {}
        for key, entry in raw.items():
            kind = _kind(f"prices.{key}", key)
            value = entry.get("usd") if isinstance(entry, Mapping) else None
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise PriceTableError(f"prices.{key}.usd: a number of dollars, 0 or more")
            prices[kind] = Price(kind, round(value * MICROS), str(entry.get("per", key)))
        missing = sorted(k.value for k in PriceKind if k not in prices)
        if missing:
            raise PriceTableError(f"prices: no price for {missing}")
        endpoints = {
            str(k): _kind(f"endpoints.{k}", v) for k, v in dict(table.get("endpoints", {})).items()
        }
        for key in endpoints:
            method, _, path = key.partition(" ")
            if method not in {"GET", "POST", "PUT", "DELETE"} or not path.startswith("/2/"):
                raise PriceTableError(f"endpoints.{key}: 'METHOD /2/path', e.g. 'POST /2/tweets'")
        events = {
            str(k): _kind(f"activity_events.{k}", v)
            for k, v in dict(table.get("activity_events", {})).items()
        }
        return cls(
            prices,
            endpoints,
            events,
            _date("read_on", table.get("read_on")),
            _date("since", table.get("since")),
        )

    def price(self, kind: PriceKind | str) -> Price:
        return self.prices[_kind("kind", kind)]

    def read_kind(self, endpoint: str) -> PriceKind:
        """What a read of ``endpoint`` (``GET /2/users/:id/mentions``) is billed as; an
        endpoint the table does not name is billed as a post read (X's commonest read)."""
        return self.endpoints.get(endpoint, PriceKind.POST_READ)


def _kind(where: str, raw: Any) -> PriceKind:
    try:
        return PriceKind(getattr(raw, "value", raw))
    except ValueError:
        known = ", ".join(k.value for k in PriceKind)
        raise PriceTableError(f"{where}: {raw!r} is not a price kind ({known})") from None


def _date(where: str, raw: Any) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise PriceTableError(f"{where}: a date YYYY-MM-DD, got {raw!r}") from None


@dataclass(frozen=True)
class Quote:
    """What one send will cost, and the sentence the composer shows (``said``: the same for the
    reader's language)."""

    kind: PriceKind
    micros: int
    sentence: str
    said: Said | None = None

    @property
    def usd(self) -> float:
        return self.micros / MICROS


_WHY = {
    PriceKind.POST_CREATE_URL: Said("it has a URL"),
    PriceKind.SUMMONED_REPLY: Said("a reply to a post that mentions the brand"),
    PriceKind.POST_CREATE: Said("a post without a URL"),
    PriceKind.DM_CREATE: Said("a DM"),
    PriceKind.USER_INTERACTION: Said("a like, follow or repost"),
    PriceKind.DELETE: Said("a delete"),
}
# What a send costs, per kind of send (each language words each its own way).
_COSTS = {
    "post": Said("this post costs {cost}: {why}"),
    "quote": Said("this quote costs {cost}: {why}"),
    "reply": Said("this reply costs {cost}: {why}"),
    "dm": Said("this DM costs {cost}: {why}"),
}
_OTHER_COST = Said("this {action} costs {cost}: {why}")
_FREE = {
    "post": Said("this post costs nothing extra: {why}"),
    "quote": Said("this quote costs nothing extra: {why}"),
    "reply": Said("this reply costs nothing extra: {why}"),
    "dm": Said("this DM costs nothing extra: {why}"),
}
_OTHER_FREE = Said("this {action} costs nothing extra: {why}")


@dataclass(frozen=True)
class Tariff:
    """The price table as it applies to ``plan``: calls on any plan but pay-per-use cost 0
    (those plans are subscriptions), and ``note`` says so."""

    table: PriceTable
    plan: str

    @property
    def priced(self) -> bool:
        return self.plan == PRICED_PLAN

    @property
    def note(self) -> str:
        """Why calls cost what they do on this plan."""
        if self.priced:
            return f"X's pay-per-use prices as read on {self.table.read_on.isoformat()}"
        return f"the {self.plan} plan is a subscription: X calls are recorded at $0"

    def cost(self, kind: PriceKind | str, resources: int = 1) -> int:
        """Micro-dollars for ``resources`` units of ``kind`` (reads: resources returned;
        writes: 1 request; streams: events delivered); 0 off pay-per-use."""
        if not self.priced or resources <= 0:
            return 0
        return self.table.price(kind).micros * int(resources)

    def send(self, action: str, *, has_url: bool = False) -> Quote:
        """What sending ``action`` (reply, dm, quote, post, like...) will cost, as a sentence:
        ``this reply costs $0.20: it has a URL``."""
        kind = send_kind(action, has_url=has_url)
        micros = self.cost(kind)
        if not self.priced:
            free = _FREE.get(action, _OTHER_FREE)
            said = Said(free.message, action=action, why=self.note)  # (the desk never shows it)
        else:
            costs = _COSTS.get(action, _OTHER_COST)
            said = Said(costs.message, action=action, cost=Money(micros), why=_WHY[kind])
        return Quote(kind, micros, str(said), said)


@dataclass(frozen=True)
class ApiCall:
    """One X call as recorded: when, as which brand account, which endpoint, what X bills it
    as, how many units, what it cost (micro-dollars) and the interaction it served, if one."""

    at: datetime
    timeline: str
    endpoint: str
    kind: PriceKind
    resources: int
    micros: int
    plan: str
    interaction_id: str | None = None


@dataclass(frozen=True)
class DailyBudget:
    """A ceiling on a UTC day's X spend (micro-dollars; 0: none). Past it, nothing is dropped:
    backstop polls stop and agents are told before they send."""

    micros: int

    @classmethod
    def of_usd(cls, dollars: float) -> DailyBudget:
        return cls(round(dollars * MICROS))

    @property
    def set(self) -> bool:
        return self.micros > 0

    def spent(self, today: int) -> bool:
        """Whether ``today`` (micro-dollars spent since UTC midnight) is past the budget."""
        return self.set and today >= self.micros

    def warning(self, today: int) -> str | None:
        """``today's X budget of $5.00 is spent: $5.12 so far`` once spent, else None."""
        said = self.warning_said(today)
        return None if said is None else str(said)

    def warning_said(self, today: int) -> Said | None:
        """``warning`` for a person, in the reader's language."""
        if not self.spent(today):
            return None
        return Said(
            "today's X budget of {budget} is spent: {spent} so far",
            budget=Money(self.micros),
            spent=Money(today),
        )
