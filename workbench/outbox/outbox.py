"""The durable outbox: every outbound action is written before it is sent, and sent once.

A row (the store's ``outbox`` table, reached as ``store.outbox``) carries an idempotency ``key``,
the timeline (brand account) that acts, the action and its payload. Workers claim due rows with a
lease (``claimed_until``), so two processes never send the same row; a claim counts as an attempt.
A row claimed before may have reached X already (the answer was lost, the worker died): before
sending it again the worker looks for its effect (the brand's recent tweets, the DM
conversation; a post another row was given is not this one's); likes, retweets and follows are
idempotent on X's side. An attempt X refused (429, 401, any 4xx) gives its count back, so
``attempts`` counts only the tries that may have reached X: a row X refused every time (a
person's Retry after "duplicate content") is sent afresh and sends or fails on its own, never
"found" as an earlier reply. 429 waits for the window's reset, 5xx and timeouts back off
exponentially, other refusals mark the row failed with the reason. Nothing is dropped. Each
send's X calls are recorded with their cost and the interaction they serve
(``workbench.costs.CostMeter``), written after each round.

Payloads (what ``Workspace`` writes, too)::

    reply     {"text", "in_reply_to_tweet_id"}      quote     {"text", "quote_tweet_id"}
    post      {"text"}                              dm        {"participant_id", "text"}
    retweet   {"tweet_id"}                          like      {"tweet_id"}
    follow    {"target_user_id"}                    unfollow  {"target_user_id"}
    delete    {"tweet_id"}
"""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from workbench.costs import CostMeter
from workbench.domain.budget import say_wait
from workbench.errors import ConfigError, ValidationError
from workbench.store import Store, Transaction
from workbench.store.outbox import (
    FAILED,
    PACED,
    PENDING,
    SENT,
    Failed,
    OutboxRow,
    Released,
    Retry,
    Sent,
)
from workbench.xapi.errors import (
    AuthError,
    Forbidden,
    NotFound,
    RateLimited,
    Unavailable,
    XApiError,
)

log = logging.getLogger(__name__)

PAYLOADS: dict[str, tuple[str, ...]] = {
    "reply": ("text", "in_reply_to_tweet_id"),
    "quote": ("text", "quote_tweet_id"),
    "post": ("text",),
    "dm": ("participant_id", "text"),
    "retweet": ("tweet_id",),
    "like": ("tweet_id",),
    "follow": ("target_user_id",),
    "unfollow": ("target_user_id",),
    "delete": ("tweet_id",),
}
# Endpoint each action uses: a 429 on one holds back the batch's other rows on it.
ENDPOINT = {
    "reply": "tweets",
    "quote": "tweets",
    "post": "tweets",
    "dm": "dm",
    "retweet": "retweets",
    "like": "likes",
    "follow": "following",
    "unfollow": "following",
    "delete": "delete",
}
# The limit table's key of the X endpoint each action calls: its budget paces the sends.
X_ENDPOINT = {
    "reply": "POST /2/tweets",
    "quote": "POST /2/tweets",
    "post": "POST /2/tweets",
    "dm": "POST /2/dm_conversations/with/:participant_id/messages",
    "retweet": "POST /2/users/:id/retweets",
    "like": "POST /2/users/:id/likes",
    "follow": "POST /2/users/:id/following",
    "unfollow": "DELETE /2/users/:source_user_id/following/:target_user_id",
    "delete": "DELETE /2/tweets/:id",
}
__all__ = ["ENDPOINT", "X_ENDPOINT", "FAILED", "PAYLOADS", "PENDING", "SENT", "Outbox", "RunReport"]
_URL = re.compile(r"https?://\S+|\b[\w-]+(\.[\w-]+)+(/\S*)?", re.I)


def _now() -> datetime:
    return datetime.now(UTC)


def _same_text(sent: str, wanted: str) -> bool:
    """Whether X's stored text (URLs wrapped as t.co links) is ``wanted`` as written."""

    def norm(s: str) -> str:
        return _URL.sub("\x00", unicodedata.normalize("NFC", s)).strip()

    return norm(sent) == norm(wanted)


def x_id(result: Mapping[str, Any]) -> str | None:
    """The id X gave what was sent (a tweet's, a DM event's), from a send's result."""
    found = result.get("dm_event_id") or result.get("id")
    return str(found) if isinstance(found, (str, int)) and not isinstance(found, bool) else None


@dataclass
class RunReport:
    """What one ``run_once`` did."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0
    found_already_sent: int = 0
    released: int = 0
    paced: int = 0
    """Rows held back (released, not tried) because their endpoint's budget was spent."""
    errors: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.claimed > 0


class Outbox:
    """Write outbound actions durably (``enqueue``) and send them (``run_once``/``run_forever``)."""

    def __init__(
        self,
        store: Store,
        gateway: Any,
        *,
        lease: float = 120.0,
        batch: int = 50,
        backoff: float = 0.5,
        max_backoff: float = 300.0,
        auth_backoff: float = 60.0,
        worker: str | None = None,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self.lease = lease
        self.batch = batch
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.auth_backoff = auth_backoff
        self.worker = worker or f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._random = random.Random()
        self.meter: CostMeter | None = None
        """Records the X calls of each send, with its cost (attached on the first round)."""

    def __repr__(self) -> str:
        return f"Outbox({self.store!r}, worker={self.worker!r})"

    # --- writing ------------------------------------------------------------------------------

    @staticmethod
    def check(action: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The payload, checked: the action is known and has every field it needs."""
        if action not in PAYLOADS:
            raise ValidationError("action", f"one of {', '.join(sorted(PAYLOADS))}, got {action!r}")
        if not isinstance(payload, Mapping):
            raise ValidationError("payload", f"a JSON object for {action}")
        out = dict(payload)
        for name in PAYLOADS[action]:
            value = out.get(name)
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(f"payload.{name}", f"{action} needs a non-empty {name}")
            if name != "text" and not value.isdigit():
                raise ValidationError(f"payload.{name}", f"an X id (digits), got {value!r}")
        return out

    def enqueue(
        self,
        action: str,
        timeline: str,
        payload: Mapping[str, Any],
        key: str | None = None,
        interaction_id: str | None = None,
        conn: Transaction | None = None,
    ) -> str:
        """Write the action to the outbox (in ``conn``'s transaction when given); return its key.

        Enqueueing a key that is already there changes nothing: the key is the idempotency key.
        """
        body = self.check(action, payload)
        if not isinstance(timeline, str) or not timeline.strip():
            raise ValidationError("timeline", "the brand account (username) that acts")
        key = key or f"{interaction_id or 'x'}:{action}:{uuid.uuid4().hex}"
        if len(key) > 128:
            raise ValidationError("key", "at most 128 characters")
        if conn is None:
            with self.store.transaction() as c:
                return self.enqueue(action, timeline, body, key, interaction_id, c)
        self.store.outbox.enqueue(
            conn,
            key=key,
            action=action,
            timeline=timeline.lstrip("@"),
            payload=body,
            interaction_id=interaction_id,
        )
        return key

    # --- reading ------------------------------------------------------------------------------

    def status(self, key: str) -> dict[str, Any] | None:
        return self.store.outbox.status(key)

    def counts(self) -> dict[str, int]:
        return self.store.outbox.counts()

    def next_due(self) -> datetime | None:
        """When the next pending row may be tried (None: nothing pending)."""
        return self.store.outbox.next_due()

    # --- claiming -----------------------------------------------------------------------------

    def _claim(self, limit: int) -> list[OutboxRow]:
        return self.store.outbox.claim(limit, self.lease)

    # --- sending ------------------------------------------------------------------------------

    def _send(self, row: OutboxRow) -> dict[str, Any]:
        g, p, tl = self.gateway, row.payload, row.timeline
        if row.action in ("reply", "quote", "post"):
            sent = g.post(
                tl,
                p["text"],
                in_reply_to=p.get("in_reply_to_tweet_id") if row.action == "reply" else None,
                quote_tweet_id=p.get("quote_tweet_id") if row.action == "quote" else None,
            )
            return {"id": sent.id, "text": sent.text}
        if row.action == "dm":
            dm = g.send_dm(tl, p["participant_id"], p["text"])
            return {"dm_event_id": dm.event_id, "dm_conversation_id": dm.conversation_id}
        if row.action == "retweet":
            return {"id": g.retweet(tl, p["tweet_id"]), "retweeted": True}
        if row.action == "like":
            return {"liked": g.like(tl, p["tweet_id"])}
        if row.action == "follow":
            return {"following": g.follow(tl, p["target_user_id"])}
        if row.action == "unfollow":
            g.unfollow(tl, p["target_user_id"])
            return {"following": False}
        if row.action == "delete":
            return {"deleted": g.delete(tl, p["tweet_id"])}
        raise ValidationError("action", f"unknown outbox action {row.action!r}")

    def _already_done(self, row: OutboxRow) -> dict[str, Any] | None:
        """The effect of a row that may have reached X before, if X shows it."""
        g, p, tl = self.gateway, row.payload, row.timeline
        since = row.created_at - timedelta(minutes=1)
        if row.action in ("reply", "quote", "post"):
            query = f"from:{tl}"
            if row.action == "reply":
                query += f" in_reply_to_tweet_id:{p['in_reply_to_tweet_id']}"
            else:
                words = sorted(
                    {w for w in re.findall(r"[A-Za-z]{4,}", _URL.sub(" ", p["text"]))},
                    key=lambda w: (-len(w), w),
                )[:2]
                query += "".join(f" {w}" for w in words)
                if row.action == "quote":
                    query += " is:quote"
            token = None
            for _ in range(20):
                page = g.search_recent(query, timeline=tl, start_time=since, next_token=token)
                posts = [
                    post
                    for post in page.items
                    if (row.action != "quote" or post.quoted_id == p["quote_tweet_id"])
                    and _same_text(post.text, p["text"])
                ]
                # The same words sent by another row (an agent who wrote them twice) are that
                # row's post: one message X holds is one answer.
                taken = self.store.outbox.taken([str(post.id) for post in posts], row.id)
                for post in posts:
                    if str(post.id) not in taken:
                        return {"id": post.id, "text": post.text}
                token = page.next_token
                if not token:
                    break
            return None
        if row.action == "dm":
            me = g.user_id(tl)
            token = None
            for _ in range(20):
                page = g.dm_events(tl, participant_id=p["participant_id"], pagination_token=token)
                for event in page.items:
                    if event.created_at < since:
                        return None
                    if (
                        event.sender_id == me
                        and _same_text(event.text, p["text"])
                        and not self.store.outbox.taken([str(event.id)], row.id)
                    ):
                        return {
                            "dm_event_id": event.id,
                            "dm_conversation_id": event.conversation_id,
                        }
                token = page.next_token
                if not token:
                    break
            return None
        return None  # likes, retweets, follows, unfollows: doing them again changes nothing

    def _attempt(self, row: OutboxRow) -> tuple[dict[str, Any], bool]:
        """Send ``row`` (after looking for an earlier attempt's effect); (result, found before).
        The calls made for it serve its interaction."""
        serving = getattr(self.gateway, "serving", None)
        if serving is None:
            return self._attempt_now(row)
        with serving(row.interaction_id):
            return self._attempt_now(row)

    def _attempt_now(self, row: OutboxRow) -> tuple[dict[str, Any], bool]:
        # ``attempts`` counts the tries that may have reached X (the claims X did not refuse):
        # only after one of them can X hold this row's words already.
        if row.attempts > 1:
            found = self._already_done(row)
            if found is not None:
                return found, True
        try:
            return self._send(row), False
        except Forbidden as exc:
            text = exc.rule.lower()
            if row.attempts > 1 and "duplicate" in text:
                # X holds these words: ours from a try whose answer was lost if the search
                # finds them now; else another row's copy, and this send is refused.
                found = self._already_done(row)
                if found is not None:
                    return found, True
            if row.action in ("retweet", "like") and "already" in text:
                return {"already": True}, True
            raise
        except NotFound:
            if row.action == "delete" and row.attempts > 1:
                return {"deleted": True}, True
            raise

    def run_once(self, limit: int | None = None) -> RunReport:
        """Claim due rows and send them; mark each sent, retried later or failed."""
        report = RunReport()
        if self.meter is None:
            self.meter = CostMeter.attach(self.store, self.gateway)
        rows = self._claim(limit or self.batch)
        report.claimed = len(rows)
        done: list[Sent] = []
        later: list[Retry] = []
        failed: list[Failed] = []
        release: list[Released] = []
        held: dict[tuple[str, str], datetime] = {}  # (timeline, endpoint) -> retry at
        paced: dict[tuple[str, str], tuple[datetime, str]] = {}  # budget spent: slot, reason
        stop_all: datetime | None = None
        deadline = time.monotonic() + self.lease - self._margin()
        for row in rows:
            gate = (row.timeline, ENDPOINT.get(row.action, row.action))
            if gate not in held and gate not in paced and stop_all is None:
                spent = self._paced(row)
                if spent is not None:
                    paced[gate] = spent
            if gate in paced and stop_all is None and gate not in held:
                # The endpoint's budget is spent: not tried (no 429 provoked), due at its
                # next slot, with X's rule as the reason.
                at, reason = paced[gate]
                release.append(Released(row, at, reason))
                report.paced += 1
                continue
            if stop_all is not None or gate in held or time.monotonic() > deadline:
                # Not tried: back to pending without counting an attempt, due when the
                # endpoint (or X) is expected to answer again.
                at = stop_all or held.get(gate) or _now()
                release.append(Released(row, at))
                continue
            try:
                result, before = self._attempt(row)
            except RateLimited as exc:
                at = self._reset_at(exc.reset_time)
                held[gate] = at
                later.append(self._retry(row, at, str(exc), refused=True))
            except Unavailable as exc:
                wait = self._backoff(row.attempts)
                if exc.timed_out:
                    # The request may still land at X: look for it only once it surely has.
                    wait = max(wait, 2 * float(getattr(self.gateway, "timeout", 30.0)))
                at = _now() + timedelta(seconds=wait)
                later.append(self._retry(row, at, str(exc)))
                if exc.status is None and not exc.timed_out:
                    stop_all = at  # nothing answers: the rest would fail the same way
            except AuthError as exc:
                at = _now() + timedelta(seconds=self.auth_backoff)
                later.append(self._retry(row, at, str(exc), refused=True))
                stop_all = at
            except (XApiError, ConfigError, ValidationError) as exc:
                failed.append(Failed(row, str(exc)))
            except Exception as exc:  # a bug or an unexpected answer: keep the row, say why
                log.exception("outbox: sending %s failed unexpectedly", row.key)
                at = _now() + timedelta(seconds=self._backoff(row.attempts))
                later.append(self._retry(row, at, f"{type(exc).__name__}: {exc}"))
            else:
                report.found_already_sent += int(before)
                done.append(Sent(row, result, x_id(result)))
        report.sent, report.failed = len(done), len(failed)
        report.retried, report.released = len(later), len(release) - report.paced
        report.errors = [r.error for r in later] + [f.reason for f in failed]
        self.store.outbox.finish(done, later, failed, release)
        if self.meter is not None and rows:
            try:
                self.meter.flush()
            except Exception as exc:  # held for the next round; what was sent stays sent
                log.warning("outbox: could not record X calls yet: %s", exc)
        return report

    def _paced(self, row: OutboxRow) -> tuple[datetime, str] | None:
        """(next slot, reason) when the budget of the row's endpoint for its brand account is
        spent (from X's limit table and the last headers the gateway saw); None: it may go."""
        budgets = getattr(self.gateway, "budgets", None)
        endpoint = X_ENDPOINT.get(row.action)
        if budgets is None or endpoint is None:
            return None
        now = _now()
        budget = budgets.binding(row.timeline, endpoint, now)
        if budget is None:
            return None
        slot = budget.next_slot(now)
        if slot <= now:
            return None
        return slot, PACED + budget.rule()

    def pending_eta(self, interaction_id: str) -> list[dict[str, Any]]:
        """For each message of the interaction still queued: when it is expected to go out
        (``eta``) and the sentence the composer shows ("X allows 15 DMs per 15 minutes; goes
        out in about 4 min"), with what this process knows of the budgets now."""
        now = _now()
        out = self.store.outbox.pending_eta(interaction_id, now)
        budgets = getattr(self.gateway, "budgets", None)
        if budgets is None:
            return out
        for item in out:
            endpoint = X_ENDPOINT.get(item["action"])
            budget = budgets.binding(item["timeline"], endpoint, now) if endpoint else None
            if budget is None:
                continue
            slot = budget.next_slot(now)
            if slot > item["eta"] or item["rule"]:
                item["eta"] = max(slot, item["eta"])
                item["rule"] = budget.rule()
                item["sentence"] = f"{budget.rule()}; goes out {say_wait(item['eta'] - now)}"
        return out

    def budgets(self) -> list[dict[str, Any]]:
        """Each rate budget (brand account, endpoint) this process knows: limit, used, left,
        resets at, next slot and X's rule, for the supervisor."""
        budgets = getattr(self.gateway, "budgets", None)
        return budgets.snapshot() if budgets is not None else []

    def _margin(self) -> float:
        return min(self.lease / 2, 2 * float(getattr(self.gateway, "timeout", 30.0)) + 5)

    def _reset_at(self, reset_time: float | None) -> datetime:
        if reset_time is None:
            return _now() + timedelta(seconds=60)
        jitter = self._random.uniform(0, 0.25)
        return datetime.fromtimestamp(float(reset_time) + jitter, UTC)

    def _backoff(self, attempts: int) -> float:
        base = min(self.max_backoff, self.backoff * 2.0 ** max(0, attempts - 1))
        return base * self._random.uniform(0.5, 1.0)

    @staticmethod
    def _retry(row: OutboxRow, at: datetime, error: str, refused: bool = False) -> Retry:
        return Retry(row, at, error[:2000], refused)

    def _idle(self, idle: float) -> float:
        """How long to wait for work: ``idle`` at most, less when a row falls due sooner (a
        paced row goes out at its budget's next slot, not up to ``idle`` later)."""
        due = self.next_due()
        if due is None:
            return idle
        return max(0.0, min(idle, (due - _now()).total_seconds()))

    def run_forever(
        self,
        stop: threading.Event,
        *,
        idle: float = 0.5,
        on_report: Callable[[RunReport], None] | None = None,
    ) -> None:
        """Send until ``stop`` is set. When nothing is due, wait ``idle`` seconds at most: an
        action queued meanwhile (it appends an event) wakes the loop at once."""
        with self.store.changes() as feed:
            while not stop.is_set():
                try:
                    report = self.run_once()
                except Exception as exc:  # the store went away for a moment: say so, go on
                    log.warning("outbox: %s", exc)
                    stop.wait(min(5.0, idle * 4))
                    continue
                if on_report is not None and report:
                    on_report(report)
                if not report.claimed or report.paced:
                    feed.wait(self._idle(idle), stop)
