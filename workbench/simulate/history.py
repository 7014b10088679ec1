"""Handled history in the past: days of a busy desk, written through the store's bulk path.

Arrivals follow a daily shape (quiet nights, a daytime peak, in UTC), about ``per_day`` a day;
each is a mention or a DM of the seeded customer traffic (``workbench.traffic``), classified by
what kind of message it is, routed to its queue, offered to an agent on shift (some offers time
out or are rejected and go to another), accepted, answered, now and then consulted on or
transferred to another queue and finished there, given a disposition and a note, and done. The
agents' shifts are logged as their Ready / Not Ready events. Every event is timestamped in the
past; nothing goes through X.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from workbench.domain import (
    Action,
    Actionability,
    Channel,
    Contact,
    EntryKind,
    Event,
    Interaction,
    Sentiment,
    State,
    TranscriptEntry,
)
from workbench.routing.agents import register_agent
from workbench.simulate.phrases import Phrases, load_phrases
from workbench.store import Store
from workbench.traffic import Person, Traffic

HOURLY = (
    0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.7, 1.0, 1.3, 1.5, 1.6,
    1.6, 1.5, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 0.8, 0.6, 0.4, 0.25,
)  # fmt: skip
"""Relative arrival rate by hour of day (UTC); averages to about 1."""
SHIFT_HOURS = 10
BATCH = 5_000
POOL = 600
"""Distinct messages (and about a quarter as many customers) in the history."""
TIMEOUT_SHARE = 0.04
REJECT_SHARE = 0.05
TRANSFER_SHARE = 0.05
CONSULT_SHARE = 0.08
OFFER_TIMEOUT = 30.0

_SENTIMENT = {
    "complaint": Sentiment.NEGATIVE,
    "praise": Sentiment.POSITIVE,
    "question": Sentiment.NEUTRAL,
    "spam": Sentiment.NEUTRAL,
    "dm": Sentiment.NEUTRAL,
    "foreign": Sentiment.UNDECLARED,
}
_NOT_ACTIONABLE = {"praise", "spam"}


def parse_span(text: str) -> timedelta:
    """``7d``, ``24h``, ``90m`` (or a bare number of days) as a span of time."""
    from workbench.errors import UsageError

    raw = text.strip().lower()
    units = {"d": 86400, "h": 3600, "m": 60}
    try:
        if raw and raw[-1] in units:
            seconds = float(raw[:-1]) * units[raw[-1]]
        else:
            seconds = float(raw) * 86400
    except ValueError:
        rule = f"expected a span like 7d, 24h or 90m, got {text!r}"
        raise UsageError("--history", rule) from None
    if not 0 < seconds <= 400 * 86400:
        raise UsageError("--history", f"expected a span from 1m to 400d, got {text!r}")
    return timedelta(seconds=seconds)


def _contact(person: Person, brand: str) -> Contact:
    return Contact(
        id=person.id or str(int(hashlib.sha1(person.username.encode()).hexdigest()[:12], 16)),
        username=person.username,
        name=person.name,
        followers_count=person.followers_count,
        statuses_count=person.tweet_count,
        follows_brand=brand in person.follows,
        dm_open=person.dm_open,
        phone=person.phone,
        email=person.email,
    )


def _lognormal(rng: random.Random, median: float, sigma: float, low: float, high: float) -> float:
    return min(high, max(low, rng.lognormvariate(math.log(median), sigma)))


class _History:
    def __init__(self, agents: Sequence[str], seed: int, phrases: Phrases, codes: list[str]):
        self.rng = random.Random(f"history:{seed}")
        self.traffic = Traffic(seed=seed)
        self.phrases = phrases
        self.codes = codes
        self.agents = list(agents)
        self.contacts: dict[str, Contact] = {}
        self.n = 0
        self.pool: list[tuple[Channel, str, str, str, Contact]] = []
        # Agent i starts at hour 24*i/n: every hour has someone on shift.
        count = len(self.agents)
        self.start_hour = {a: (24 * i) // count for i, a in enumerate(self.agents)}

    def on_shift(self, at: datetime) -> list[str]:
        hour = at.hour
        here = [a for a, s in self.start_hour.items() if (hour - s) % 24 < SHIFT_HOURS]
        return here or self.agents

    def shift_events(self, start: datetime, end: datetime) -> list[Event]:
        events = []
        day = start.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
        while day < end:
            for agent, hour in self.start_hour.items():
                on = day + timedelta(hours=hour, minutes=self.rng.uniform(-10, 10))
                off = on + timedelta(hours=SHIFT_HOURS)
                for at, state, previous, reason in (
                    (on, "ready", "not_ready", ""),
                    (off, "not_ready", "ready", "end of shift"),
                ):
                    if start <= at < end:
                        details = {"state": state, "reason": reason, "previous": previous}
                        events.append(Event(Action.AGENT_STATE, None, agent, at, details))
            day += timedelta(days=1)
        return events

    def arrivals(self, start: datetime, end: datetime, per_day: float) -> list[datetime]:
        out = []
        hour = start.replace(minute=0, second=0, microsecond=0)
        while hour < end:
            rate = per_day / 24 * HOURLY[hour.hour] / 3600  # per second
            at = hour + timedelta(seconds=self.rng.expovariate(rate))
            while at < hour + timedelta(hours=1):
                if start <= at < end:
                    out.append(at)
                at += timedelta(seconds=self.rng.expovariate(rate))
            hour += timedelta(hours=1)
        return out

    def item(self) -> tuple[Channel, str, str, str, Contact]:
        """A message of the seeded traffic: drawn from a pool of ``POOL`` (a week repeats the
        same kinds of complaint, as a real desk does) by the people who wrote them."""
        if not self.pool:
            people: dict[str, Person] = {}
            while len(self.pool) < POOL:
                item = self.traffic.item()
                if item.kind == "retweet" or not item.text:
                    continue
                if item.author not in people:
                    people.update({p.username: p for p in self.traffic.people})
                person = people[item.author]
                contact = self.contacts.setdefault(person.username, _contact(person, item.brand))
                channel = Channel.DM if item.is_dm else Channel.MENTION
                self.pool.append((channel, item.kind, item.brand, item.text, contact))
        return self.rng.choice(self.pool)

    def interaction(
        self, arrived: datetime, now: datetime
    ) -> tuple[Interaction, list[Event], list[TranscriptEntry]]:
        rng = self.rng
        channel, kind, brand, text, contact = self.item()
        self.n += 1
        if channel is Channel.DM:
            queue = "dms"
        elif contact.followers_count >= 50_000:
            queue = "vip"
        elif brand == "AcmeDeals":
            queue = "deals"
        else:
            queue = "mentions"
        if kind == "followup":
            sentiment = Sentiment.NEGATIVE if rng.random() < 0.6 else Sentiment.NEUTRAL
        else:
            sentiment = _SENTIMENT.get(kind, Sentiment.NEUTRAL)
        actionability = (
            Actionability.NOT_ACTIONABLE if kind in _NOT_ACTIONABLE else Actionability.ACTIONABLE
        )
        iid = f"{rng.getrandbits(128):032x}"
        source_id = str(int(arrived.timestamp() * 1000) * 1000 + self.n % 1000)
        events: list[Event] = []

        def add(action: Action, at: datetime, agent: str | None = None, **details: object) -> None:
            events.append(Event(action, iid, agent, at, dict(details)))

        source = "dm_event_id" if channel is Channel.DM else "tweet_id"
        add(Action.ARRIVED, arrived, channel=channel.value, **{source: source_id})
        busy = HOURLY[arrived.hour]
        at = arrived + timedelta(seconds=rng.uniform(0.5, 3))
        add(Action.ROUTED, at, queue=queue, rule=None)
        at += timedelta(seconds=_lognormal(rng, 20 + 60 * busy, 0.9, 1, 3600))
        shift = self.on_shift(at)
        agent = rng.choice(shift)
        add(Action.OFFERED, at, agent)
        for share, action, wait in (
            (TIMEOUT_SHARE, Action.OFFER_TIMED_OUT, OFFER_TIMEOUT),
            (REJECT_SHARE, Action.REJECTED, rng.uniform(2, 10)),
        ):
            if rng.random() < share and len(shift) > 1:
                at += timedelta(seconds=wait)
                add(action, at, agent)
                agent = rng.choice([a for a in shift if a != agent])
                at += timedelta(seconds=rng.uniform(1, 20))
                add(Action.OFFERED, at, agent)
        at += timedelta(seconds=rng.uniform(1, 15))
        add(Action.ACCEPTED, at, agent)
        handle = _lognormal(rng, 150, 0.8, 10, 3600)
        name = (contact.name or contact.username).split()[0]
        answer = Action.DM if channel is Channel.DM or rng.random() < 0.08 else Action.REPLY
        reply_at = at + timedelta(seconds=handle * rng.uniform(0.2, 0.5))
        said = self.phrases.dm(rng, name) if answer is Action.DM else self.phrases.reply(rng, name)
        add(answer, reply_at, agent, text=said)
        # X accepted it a moment later (the outbox's own fact): the customer had the answer.
        sent_at = reply_at + timedelta(seconds=rng.uniform(0.3, 3))
        add(Action.ANSWERED, sent_at, None, kind=answer.value)
        if rng.random() < CONSULT_SHARE and len(self.agents) > 1:
            other = rng.choice([a for a in self.agents if a != agent])
            add(Action.CONSULTED, reply_at + timedelta(seconds=5), agent, with_agent=other,
                channel="chat")  # fmt: skip
        end = at + timedelta(seconds=handle)
        if rng.random() < TRANSFER_SHARE and len(self.agents) > 1:
            queue = rng.choice([q for q in ("mentions", "dms", "vip", "deals") if q != queue])
            add(Action.TRANSFERRED, end, agent, to_queue=queue)
            at = end + timedelta(seconds=_lognormal(rng, 60, 0.8, 2, 1800))
            agent = rng.choice([a for a in self.on_shift(at) if a != agent] or self.agents)
            add(Action.OFFERED, at, agent)
            at += timedelta(seconds=rng.uniform(1, 15))
            add(Action.ACCEPTED, at, agent)
            end = at + timedelta(seconds=_lognormal(rng, 120, 0.8, 10, 3600))
        code = self.phrases.disposition(rng, self.codes)
        note = self.phrases.note(rng)
        add(Action.DISPOSITION_SET, end - timedelta(seconds=2), agent, code=code, note=note)
        add(Action.DONE, end, agent, disposition=code)
        if end >= now:  # still in hand now: shift it back so the history is all in the past
            back = end - now + timedelta(seconds=1)
            arrived -= back
            events = [Event(e.action, iid, e.agent, e.at - back, e.details) for e in events]
        it = Interaction(
            id=iid,
            channel=channel,
            contact_id=contact.id,
            queue=queue,
            timeline=brand,
            subject=text,
            arrived_at=arrived,
            state=State.DONE,
            agent=agent,
            sentiment=sentiment,
            actionability=actionability,
            disposition=code,
            note=note,
            version=len(events),
            tweet_id=None if channel is Channel.DM else source_id,
            dm_event_id=source_id if channel is Channel.DM else None,
        )
        # The transcript: the customer's message, then what the agent answered.
        lines = [
            TranscriptEntry(
                iid,
                arrived,
                EntryKind.INBOUND,
                contact.username,
                text,
                "dm" if channel is Channel.DM else "mention",
                source_id,
                {"timeline": brand},
            )
        ]
        lines += [
            TranscriptEntry(
                iid, e.at, EntryKind.OUTBOUND, e.agent or "", str(e.details["text"]), e.action
            )
            for e in events
            if e.action in (Action.REPLY, Action.DM) and "text" in e.details
        ]
        return it, events, lines


def fill_history(
    store: Store,
    span: timedelta,
    *,
    agents: Sequence[str] | None = None,
    seed: int = 0,
    per_day: float = 800.0,
    now: datetime | None = None,
) -> int:
    """Write ``span`` of handled history ending ``now`` (default: now) into ``store``;
    returns how many interactions. ``agents`` (default: the simulated team of six) are
    registered (Not Ready) and handle it."""
    phrases = load_phrases()
    names = list(agents or [a for a, _ in phrases.agents(6)])
    now = now or datetime.now(UTC)
    start = now - span
    store.load_reference_data()
    displays = dict(phrases.agents(len(phrases.table["agents"])))
    for name in names:
        register_agent(store, name, displays.get(name, ""))
    codes = [d.code for d in store.reads.dispositions()]
    history = _History(names, seed, phrases, codes)
    batch: list[tuple[Interaction, list[Event]]] = []
    lines: list[list[TranscriptEntry]] = []
    total = 0
    arrivals = history.arrivals(start, now, per_day)
    for arrived in arrivals:
        it, events, said = history.interaction(arrived, now)
        batch.append((it, events))
        lines.append(said)
    # Contacts first (the interactions name them), in one transaction.
    with store.transaction() as conn:
        for contact in history.contacts.values():
            store.upsert_contact(contact, conn)
    shifts = history.shift_events(start, now)
    if batch:
        batch[0] = (batch[0][0], [*batch[0][1], *shifts])
    for i in range(0, len(batch), BATCH):
        said = [line for part in lines[i : i + BATCH] for line in part]
        total += store.add_interactions(batch[i : i + BATCH], transcript=said)
    return total
