"""Ingest: mentions and DM events of every timeline become interactions, once each.

Each page (or a few pages of mentions, ``pages_per_transaction``) is one transaction: its
interactions (idempotent on the tweet or DM event id), their contacts, arrival events, first
transcript lines, quarantined malformed items, and the timeline's cursor. X serves timelines
newest first, so a poll walks back from the newest item to the last one seen; while it walks, a
"run" cursor records how far it got, and a restart resumes there. A thread reads a few pages of
mentions ahead while the last ones are stored; only the caller's thread writes, in page order.
The brand's own tweets and DMs (X lists them among mentions and DM events) open nothing: they
join the transcript of the interaction they answer.

Every X call is recorded with its cost (``workbench.costs.CostMeter``): the calls of a page are
written in that page's transaction, in one statement. Past the daily budget
(``WORKBENCH_DAILY_BUDGET``) the backstop polls of mentions stop while the stream is connected
(the stream and the DM polls go on: nothing is dropped); the log says why.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import time
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from queue import Empty, Queue
from typing import TYPE_CHECKING, Any

from workbench import _gc
from workbench.classify import worker
from workbench.classify.worker import Labeller, Labels
from workbench.costs import CostMeter
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
    expand_links,
    utcnow,
)
from workbench.domain.budget import say_span
from workbench.domain.screening import ScreeningRule, screen
from workbench.intake.deletion import Deleted, mark_deleted, subject_of
from workbench.store import Change, Store, Transaction, new_ids
from workbench.store.intake import Thread
from workbench.xapi.errors import (
    AuthError,
    BadRequest,
    Forbidden,
    RateLimited,
    Unavailable,
    XApiError,
)
from workbench.xapi.models import DirectMessage, Malformed, Page, Post

if TYPE_CHECKING:
    from workbench.intake.activity import ActivityFollower
    from workbench.xapi.gateway import Gateway
    from workbench.xapi.stream import MentionStream

log = logging.getLogger(__name__)

# With the filtered stream connected, the mentions timeline is still polled this often (s).
MENTIONS_BACKSTOP = 60.0
MENTIONS_ENDPOINT = "GET /2/users/:id/mentions"
DM_ENDPOINT = "GET /2/dm_events"
KINDS = {"mentions": MENTIONS_ENDPOINT, "dms": DM_ENDPOINT}
"""Each poll kind and the X endpoint (limit table key) whose budget paces it."""
# Streamed posts stored together at most (one users lookup takes 100 ids).
STREAM_BATCH = 100
LOOKUP_ENDPOINT = "GET /2/tweets"
"""The endpoint (limit table key) whose budget paces the sweep for deleted posts."""
LOOKUP_BATCH = 100
"""Posts looked up in one call (X's most for ``GET /2/tweets``)."""

MENTIONS_QUEUE = "mentions"
DMS_QUEUE = "dms"
# A mention's referenced tweets, by kind, as its first transcript line's details name them.
_REFERENCE_KEYS = {
    "replied_to": "in_reply_to_tweet_id",
    "quoted": "quoted_tweet_id",
    "retweeted": "retweeted_tweet_id",
}


def _classify_many(texts: list[str], direct: bool) -> list[Any]:
    """The workbench's classifier on a batch (through ``workbench.classify``'s public function,
    so whatever model it picks is the one used)."""
    import workbench.classify

    return workbench.classify.classify_many(texts, direct=direct)


def _classify_one(text: str, *, direct: bool = False) -> Any:
    import workbench.classify

    return workbench.classify.classify(text, direct=direct)


def _takes_direct(classify: Callable[..., Any] | None) -> bool:
    """Whether ``classify`` can be told that a message is a DM (``direct=True``)."""
    if classify is None:
        return False
    try:
        return "direct" in inspect.signature(classify).parameters
    except (TypeError, ValueError):
        return False


@dataclass
class IngestReport:
    """What one pass did, per kind; ``errors`` holds the calls that failed (and were retried)."""

    pages: int = 0
    interactions: int = 0
    duplicates: int = 0
    skipped_retweets: int = 0
    brand_messages: int = 0
    joined_transcripts: int = 0
    follow_ups: int = 0
    """Customers' (and other participants') further messages joined to an open interaction."""
    reopened: int = 0
    linked: int = 0
    """New interactions linked to an earlier one (a follow-up after the reopen window), among
    ``interactions``."""
    screened: int = 0
    """New interactions (and reopening follow-ups) a screening rule closed or tagged."""
    quarantined: int = 0
    waited_for_rate_limit: float = 0.0
    errors: list[str] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        for name in self.__dataclass_fields__:
            if name == "errors":
                self.errors.extend(other.errors)
            else:
                setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Item:
    """One inbound message ready to store."""

    x_id: str
    """The tweet id of a mention, the DM event id of a DM."""
    channel: Channel
    timeline: str
    contact: Contact
    text: str
    subject_text: str
    at: Any
    action: str
    details: dict[str, Any]


class Ingest:
    """Polls every timeline of ``gateway`` and stores what arrived in ``store``."""

    def __init__(
        self,
        store: Store,
        gateway: Gateway,
        *,
        skip_retweets: bool | None = None,
        page_size: int = 100,
        pages_per_transaction: int = 5,
        classify: Callable[..., Any] | None | bool = True,
        sleep: Callable[[float], bool] | None = None,
        max_rate_limit_wait: float = 16 * 60,
        reopen_hours: float | None = None,
        deleted_sweep_minutes: float | None = None,
        meter: CostMeter | None = None,
        labeller: Labeller | bool = True,
    ) -> None:
        self.store = store
        self.gateway = gateway
        if skip_retweets is None or reopen_hours is None or deleted_sweep_minutes is None:
            from workbench.config import Settings

            settings = Settings.from_env()
            if skip_retweets is None:
                skip_retweets = bool(settings["WORKBENCH_SKIP_RETWEETS"])
            if reopen_hours is None:
                reopen_hours = float(settings["WORKBENCH_REOPEN_HOURS"])
            if deleted_sweep_minutes is None:
                deleted_sweep_minutes = float(settings["WORKBENCH_DELETED_SWEEP_MINUTES"])
        self.deleted_sweep = 60.0 * deleted_sweep_minutes
        """Seconds between ``run_forever``'s sweeps for deleted posts (0: none)."""
        self.skip_retweets = skip_retweets
        self.reopen_window = timedelta(hours=reopen_hours)
        """A customer's follow-up this soon after Done reopens the interaction; later, it opens a
        new one linked to it (``previous_id``)."""
        self.page_size = page_size
        self.pages_per_transaction = max(1, pages_per_transaction)
        # ``True``: the workbench's classifier, a batch at a time; a function of one text (and
        # maybe ``direct``) is called once per message; None or False: no labels.
        self._batched = classify is True
        self.classify = _classify_one if classify is True else (classify or None)
        self._told = _takes_direct(self.classify)
        self._labeller: Labeller | bool = labeller
        """The classifier process a walk asks ahead (``_Ahead``): given, False (none), or True:
        the shared one (``workbench.classify.worker.shared``) when the workbench's classifier
        labels in batches and WORKBENCH_CLASSIFIER_PROCESS allows."""
        self._stop = threading.Event()
        self._sleep = sleep or (lambda seconds: self._stop.wait(seconds))
        self.max_rate_limit_wait = max_rate_limit_wait
        self._waited_to = 0.0  # (Unix seconds) the end of the last wait for a window's reset
        self._brands: dict[str, str] | None = None
        self._storing = threading.RLock()  # the stream's thread and the poll store in turn
        self.stream: MentionStream | None = None
        self._missed = threading.Event()  # the stream lost posts: poll mentions next time
        self.activity: ActivityFollower | None = None
        self._dms_missed = threading.Event()  # the activity stream may have lost DMs: poll
        self.streamed = IngestReport()
        self._followed = 0  # follow-ups and reopens stored, read off into each page's report
        self._reopened = 0
        self._linked = 0
        self._screened = 0
        self.meter = meter or CostMeter.attach(store, gateway)
        """Records every X call this ingest makes, with its cost (None: not recorded)."""
        self._over_budget = False  # what the log last said of the daily budget

    def __repr__(self) -> str:
        return f"Ingest({self.store!r}, timelines={self.gateway.timelines})"

    # --- cursors ------------------------------------------------------------------------------

    @staticmethod
    def cursor_name(kind: str, timeline: str) -> str:
        return f"x:{kind}:{timeline.lower()}"

    def brands(self) -> dict[str, str]:
        """Brand user id -> timeline name (looked up once)."""
        if self._brands is None:
            self._brands = self.gateway.brand_ids()
        return self._brands

    # --- the loop -----------------------------------------------------------------------------

    def stop(self) -> None:
        self._stop.set()

    def run_once(
        self, timelines: Sequence[str] | None = None, *, mentions: bool = True
    ) -> IngestReport:
        """One pass over every timeline: mentions (unless ``mentions`` is false) then DM events,
        until caught up."""
        report = IngestReport()
        if isinstance(timelines, str):
            timelines = [timelines]
        for timeline in timelines or self.gateway.timelines:
            if mentions:
                report.add(self._with_rate_limits(functools.partial(self.mentions, timeline)))
            report.add(self._with_rate_limits(functools.partial(self.direct_messages, timeline)))
        self._flush_calls()
        return report

    def _flush_calls(self) -> None:
        """Write the calls no page's transaction took (lookups, a poll that found nothing)."""
        if self.meter is None:
            return
        try:
            self.meter.flush()
        except Exception as exc:  # held for the next write
            log.warning("ingest: could not record X calls yet: %s", exc)

    def run_forever(
        self,
        stop: threading.Event | None = None,
        *,
        interval: float = 10.0,
        stream: bool = True,
        activity: bool = True,
        on_report: Callable[[IngestReport], None] | None = None,
    ) -> None:
        """Poll every ``interval`` seconds until ``stop`` is set; failures are logged, retried.

        With ``stream`` (the default) mentions are also stored the moment X streams them
        (``follow_stream`` in a thread); the polls then catch what the stream missed, and DMs.
        With ``activity`` (the default) the DMs of the brand accounts that gave their OAuth 2.0
        consent (``workbench auth``) arrive through X's Activity API (``follow_activity``); their
        DM poll then runs only as a backstop.
        """
        if stop is not None:
            self._stop = stop
        streaming = None
        if stream:
            streaming = threading.Thread(
                target=self.follow_stream, args=(self._stop,), name="ingest-stream", daemon=True
            )
            streaming.start()
        following = None
        if activity and self.store.tokens.all():
            following = threading.Thread(
                target=self.follow_activity, args=(self._stop,), name="ingest-activity", daemon=True
            )
            following.start()
        said: dict[str, float] = {}
        timelines = list(self.gateway.timelines)
        # Each poll kind of each timeline on its own schedule (monotonic seconds): a kind whose
        # budget is spent waits for its slot while the others keep going.
        due = {(kind, tl): 0.0 for tl in timelines for kind in KINDS}
        failures = dict.fromkeys(due, 0)
        mentions_polled = dict.fromkeys(timelines, -float("inf"))
        dms_polled = dict.fromkeys(timelines, -float("inf"))
        missed: set[str] = set()
        dms_missed: set[str] = set()
        sweep_at = time.monotonic() + self.deleted_sweep if self.deleted_sweep else float("inf")
        while not self._stop.is_set():
            if self._missed.is_set():  # the stream lost posts: poll mentions now
                self._missed.clear()
                missed.update(timelines)
                for tl in timelines:
                    due["mentions", tl] = 0.0
            if self._dms_missed.is_set():  # the activity stream may have lost DMs: poll now
                self._dms_missed.clear()
                dms_missed.update(timelines)
                for tl in timelines:
                    due["dms", tl] = 0.0
            for key in sorted(due, key=due.__getitem__):
                kind, tl = key
                if self._stop.is_set() or due[key] > time.monotonic():
                    continue
                every = self.interval_for(kind, tl, interval)
                if kind == "mentions" and not self._mentions_due(tl, missed, mentions_polled):
                    due[key] = time.monotonic() + every
                    continue
                if kind == "dms" and not self._dms_due(tl, dms_missed, dms_polled):
                    due[key] = time.monotonic() + every
                    continue
                due[key], done = self._poll(kind, tl, every, failures, on_report)
                every = self.interval_for(kind, tl, interval)  # X's headers may tell more now
                if done:
                    due[key] = time.monotonic() + every
                    if said.get(kind) != every:
                        said[kind] = every
                        self._say_interval(kind, tl, interval, every)
                if kind == "mentions":
                    if done:
                        mentions_polled[tl] = time.monotonic()
                        missed.discard(tl)
                    else:
                        missed.add(tl)  # what it was to fetch is still to fetch
                elif done:
                    dms_polled[tl] = time.monotonic()
                    dms_missed.discard(tl)
            if not self._stop.is_set() and sweep_at <= time.monotonic():
                self._sweep()
                sweep_at = time.monotonic() + self.deleted_sweep
            self._stop.wait(max(0.0, min([*due.values(), sweep_at]) - time.monotonic()))
        if streaming is not None:
            streaming.join(timeout=5)
        if following is not None:
            following.join(timeout=5)

    def _say_interval(self, kind: str, timeline: str, interval: float, every: float) -> None:
        """Log (INFO) the effective interval of a poll kind, and why when it is not
        ``interval``."""
        budgets = self._budgets()
        if every <= interval or budgets is None:
            log.info("ingest: polling %s every %g s", kind, every)
            return
        endpoint = KINDS[kind]
        windows = budgets.windows(endpoint)
        rule = min(windows, key=lambda w: w.seconds)
        limit = round(rule.seconds / every) or rule.limit
        log.info(
            "ingest: polling %s every %.3g s, not every %g s: X allows %d %s per %s per account "
            "(%s)",
            *(kind, every, interval, limit, budgets.entry(endpoint).noun),
            *(say_span(rule.seconds), endpoint),
        )

    def _mentions_due(self, timeline: str, missed: set[str], polled: dict[str, float]) -> bool:
        """While the stream is connected, mentions are polled only now and then, to catch
        what it missed; X's mentions limit is then left to the rest."""
        streaming_now = self.stream is not None and self.stream.connected.is_set()
        if not streaming_now or timeline in missed:
            return True
        if time.monotonic() - polled[timeline] < MENTIONS_BACKSTOP:
            return False
        return not self._budget_spent()

    def _budget_spent(self) -> bool:
        """Whether the daily X budget is spent (a backstop poll waits then); the log says so
        when that changes."""
        warning = self.meter.budget_warning() if self.meter is not None else None
        spent = warning is not None
        if spent != self._over_budget:
            self._over_budget = spent
            if spent:
                log.warning(
                    "ingest: %s; backstop polls of mentions stop while the stream is connected "
                    "(the stream, DM polls and sends go on)",
                    warning,
                )
            else:
                log.info("ingest: within today's X budget again; backstop polls of mentions resume")
        return spent

    def _dms_due(self, timeline: str, missed: set[str], polled: dict[str, float]) -> bool:
        """While the activity stream delivers a timeline's DMs, its DM events are polled only
        as a backstop (``DM_BACKSTOP``), and once after each (re)connection."""
        from workbench.intake.activity import DM_BACKSTOP

        follower = self.activity
        return (
            follower is None
            or not follower.streaming(timeline)
            or timeline in missed
            or time.monotonic() - polled[timeline] >= DM_BACKSTOP
        )

    def _poll(
        self,
        kind: str,
        timeline: str,
        every: float,
        failures: dict[tuple[str, str], int],
        on_report: Callable[[IngestReport], None] | None,
    ) -> tuple[float, bool]:
        """One poll of ``kind`` for ``timeline``: when (monotonic) the next one is due, and
        whether this one caught up."""
        key = (kind, timeline)
        step = self.mentions if kind == "mentions" else self.direct_messages
        try:
            report = step(timeline)
        except RateLimited as exc:  # our budget is spent (or X said 429): wait for the slot
            margin = 0.5 if exc.status else 0.0
            wait = (exc.reset_time or time.time() + 60) - time.time() + margin
            wait = max(0.05, min(wait, self.max_rate_limit_wait))
            if exc.status:
                log.info("ingest: %s; %s wait %.1f s", exc, kind, wait)
            return time.monotonic() + wait, False
        except Exception as exc:  # X or the store failed for a moment: say so, go on
            failures[key] += 1
            wait = min(every * 2 ** failures[key], 300.0)
            what = str(exc) if isinstance(exc, XApiError) else f"{type(exc).__name__}: {exc}"
            log.warning("ingest: %s; trying again in %.0f s", what, wait)
            return time.monotonic() + wait, False
        failures[key] = 0
        self._flush_calls()
        if on_report is not None:
            on_report(report)
        return time.monotonic() + every, True

    # --- the X Activity API ---------------------------------------------------------------------

    def follow_activity(self, stop: threading.Event | None = None) -> None:
        """Store DMs as X's Activity API delivers them, until ``stop`` is set (see
        ``workbench.intake.activity``); returns when no brand account can be subscribed."""
        from workbench.config import Settings
        from workbench.intake.activity import ActivityFollower, BrandTokens
        from workbench.xapi.oauth2 import App

        stop = stop or self._stop
        try:
            app: App | None = App.from_settings(Settings.from_env(), self.gateway.base_url)
        except Exception as exc:  # no OAuth 2.0 app: tokens are used until they expire
            log.warning("activity: no OAuth 2.0 app to refresh tokens with (%s)", exc)
            app = None
        self.activity = ActivityFollower(self, BrandTokens(self.store, app))
        try:
            self.activity.run(stop)
        finally:
            if app is not None:
                app.close()

    def quarantine_one(self, item: Malformed) -> None:
        """Keep an item that arrived outside a poll and could not be read, with its reason."""
        self._store_page([item], [], [], IngestReport(), [], [], self.gateway.default_timeline)

    # --- deleted posts ---------------------------------------------------------------------

    def on_post_deleted(self, tweet_ids: list[str], at: datetime) -> Deleted:
        """X says these posts were deleted at ``at`` (the Activity API's ``post.delete``): their
        transcript lines keep their rows without the text, a subject that came from one is
        blanked, and each interaction they belong to gets a ``post_deleted`` event. Posts
        already marked, or never stored, change nothing."""
        done = self._mark_deleted(tweet_ids, at, "post.delete")
        log.info(
            "ingest: X says %d posts were deleted (%s): %d lines of %d interactions lose "
            "their text",
            len(tweet_ids),
            ", ".join(tweet_ids),
            done.lines,
            len(done.interactions),
        )
        return done

    def _mark_deleted(self, tweet_ids: Iterable[str], at: datetime, source: str) -> Deleted:
        with self._storing:  # not between the reads and the writes of a page being stored
            deleted = mark_deleted(self.store, tweet_ids, at, source=source)
        if deleted.tweet_ids:
            log.info(
                "ingest: %d posts deleted by their authors (%s), in %d interactions",
                *(len(deleted.tweet_ids), source, len(deleted.interactions)),
            )
        return deleted

    def check_deleted(self, since: datetime | None = None) -> Deleted:
        """Look up on X the posts of the interactions still open or done since ``since``
        (default: the reopen window ago), ``LOOKUP_BATCH`` a call as each interaction's
        timeline, within that timeline's budget for ``GET /2/tweets``; mark deleted those X
        answers are not found (``on_post_deleted``'s way). A spent budget or a failed call
        ends the sweep of that timeline: the next sweep looks again."""
        since = since or utcnow() - self.reopen_window
        names = {name.lower(): name for name in self.gateway.timelines}
        wanted: dict[str, dict[str, None]] = {}
        for timeline, tweet_id in self.store.intake.live_posts(since):
            name = names.get(timeline.lower(), self.gateway.default_timeline)
            wanted.setdefault(name, {})[tweet_id] = None
        gone: list[str] = []
        for timeline, found in wanted.items():
            ids = list(found)
            for start in range(0, len(ids), LOOKUP_BATCH):
                call = f"get_tweets({timeline})"
                try:
                    self._pace(timeline, LOOKUP_ENDPOINT, call)
                    answer = self.gateway.tweets(ids[start : start + LOOKUP_BATCH], timeline)
                except RateLimited as exc:
                    log.info("ingest: deleted posts: %s; the rest waits for the next sweep", exc)
                    break
                except XApiError as exc:
                    log.warning("ingest: deleted posts: %s; looking again next sweep", exc)
                    break
                gone.extend(answer.gone)
        if not gone:
            return Deleted()
        return self._mark_deleted(gone, utcnow(), "lookup")

    def _sweep(self) -> None:
        """``check_deleted`` from the loop: a failure is logged, the loop goes on."""
        try:
            self.check_deleted()
        except Exception as exc:  # the store went away, say: the next sweep tries again
            log.warning("ingest: deleted posts: %s: %s", type(exc).__name__, exc)

    # --- the filtered stream -------------------------------------------------------------------

    def follow_stream(self, stop: threading.Event | None = None) -> None:
        """Store mentions as X's filtered stream delivers them, until ``stop`` is set.

        The stream's thread only queues what arrives; a writer thread stores it, as many posts
        at a time as have arrived meanwhile (a burst costs one lookup and one transaction per
        hundred posts, not per post). Reconnects after failures (with back-off); returns at
        once, logging why, when X refuses the stream for good (no Bearer token, or an access
        level without it): polling goes on.
        """
        from workbench.xapi.stream import MentionStream

        stop = stop or self._stop
        arrived: Queue[tuple[str, Post] | Malformed] = Queue()
        writer = threading.Thread(
            target=self._write_streamed,
            args=(arrived, stop),
            name="ingest-stream-writer",
            daemon=True,  # what it holds is not lost: the poll fetches it again
        )
        writer.start()
        failures = 0
        try:
            while not stop.is_set():
                self.stream = MentionStream(
                    self.gateway,
                    lambda timeline, post: arrived.put((timeline, post)),
                    on_malformed=arrived.put,
                    # what was posted between the last poll and this (re)connection: the next
                    # poll fetches it
                    on_connect=self._missed.set,
                )
                try:
                    self.stream.run(stop)
                    failures = 0
                except (AuthError, Forbidden, BadRequest) as exc:
                    log.warning("ingest: no filtered stream (%s); polling only", exc)
                    return
                except (Unavailable, XApiError) as exc:
                    failures += 1
                    log.warning("ingest: stream: %s; connecting again", exc)
                except Exception as exc:  # anything else: say so, connect again
                    failures += 1
                    log.warning("ingest: stream: %s: %s", type(exc).__name__, exc)
                stop.wait(min(0.5 * 2**failures, 60.0) if failures else 0.1)
        finally:
            writer.join(timeout=30)

    def _write_streamed(
        self, arrived: Queue[tuple[str, Post] | Malformed], stop: threading.Event
    ) -> None:
        """Store what the stream queued, batch by batch, until ``stop``."""
        while not (stop.is_set() and arrived.empty()):
            try:
                batch = [arrived.get(timeout=0.2)]
            except Empty:
                continue
            while len(batch) < STREAM_BATCH:
                try:
                    batch.append(arrived.get_nowait())
                except Empty:
                    break
            try:
                self._store_streamed(batch)
            except Exception as exc:  # the store went away, say: the poll fetches them again
                log.warning("ingest: stream: %s: %s; left to the poll", type(exc).__name__, exc)
                self._missed.set()

    def _store_streamed(self, batch: list[tuple[str, Post] | Malformed]) -> None:
        """Store streamed mentions. The stream is app-only, so who their authors are to the
        brand (follow it, can receive its DMs) is looked up as the brand first; posts whose
        lookup fails are left to a poll soon after, which sees them whole."""
        brands = self.brands()
        report = IngestReport()
        malformed: list[_Item | Malformed] = [m for m in batch if isinstance(m, Malformed)]
        if malformed:
            self._store_page(malformed, [], [], report, [], [], self.gateway.default_timeline)
        by_timeline: dict[str, list[Post]] = {}
        for item in batch:
            if not isinstance(item, Malformed):
                by_timeline.setdefault(item[0], []).append(item[1])
        for timeline, posts in by_timeline.items():
            own = [p for p in posts if p.author_id in brands]
            theirs = [p for p in posts if p.author_id not in brands]
            authors: dict[str, Contact] = {}
            wanted = list(dict.fromkeys(p.author_id for p in theirs))
            try:
                for start in range(0, len(wanted), 100):
                    found = self.gateway.users(ids=wanted[start : start + 100], timeline=timeline)
                    authors.update((c.id, c) for c in found)
            except XApiError as exc:
                log.info("ingest: stream: %s; %d posts wait for a poll", exc, len(theirs))
                self._missed.set()
                theirs = []
            known = [
                replace(p, author=authors[p.author_id]) for p in theirs if p.author_id in authors
            ]
            if len(known) < len(theirs):  # authors X did not return: the poll sees them whole
                self._missed.set()
            items = self._mention_items(timeline, known, report)
            self._store_page(items, [], [], report, own, [], timeline)
        self.streamed.add(report)
        if report.interactions:
            log.info("ingest: stream: %d new interactions", report.interactions)

    def _budgets(self) -> Any:
        return getattr(self.gateway, "budgets", None)

    def _pace(self, timeline: str, endpoint: str, call: str) -> None:
        """Raise ``RateLimited`` (without calling X) when ``timeline``'s budget for
        ``endpoint`` is spent: the caller waits for its next slot as for a 429's reset."""
        budgets = self._budgets()
        if budgets is None:
            return
        now = datetime.now(UTC)
        slot = budgets.next_slot(timeline, endpoint, now)
        if slot > now and slot.timestamp() > self._waited_to:
            raise RateLimited(call, slot.timestamp(), status=None)

    def interval_for(self, kind: str, timeline: str | None, interval: float) -> float:
        """Seconds between the polls of ``kind``: ``interval``, or longer when X's limit allows
        fewer calls (DM reads, 15 per 15 minutes: 60 s), as last reported for ``timeline``."""
        budgets = self._budgets()
        if budgets is None:
            return interval
        return max(interval, float(budgets.min_interval(KINDS[kind], timeline)))

    def _with_rate_limits(self, step: Callable[[], IngestReport]) -> IngestReport:
        """Run ``step``; on a 429 sleep until the window resets and go on where it stopped."""
        total = IngestReport()
        while True:
            try:
                total.add(step())
                return total
            except RateLimited as exc:
                # X's 429, or our own budget spent (status None: nothing was sent).
                margin = 0.5 if exc.status else 0.0
                wait = (exc.reset_time or time.time() + 60) - time.time() + margin
                wait = max(0.1, min(wait, self.max_rate_limit_wait))
                log.info("ingest: %s; sleeping %.1f s", exc, wait)
                total.waited_for_rate_limit += wait
                self._waited_to = time.time() + wait  # a slot before then is waited for
                if self._sleep(wait):
                    return total  # asked to stop

    # --- mentions ------------------------------------------------------------------------------

    @_gc.paused()
    def mentions(self, timeline: str) -> IngestReport:
        """Store the timeline's new mentions, until caught up. An interrupted walk is resumed
        from its run cursor first; it ends at the newest mention of when it began, so a fresh
        walk follows for what came since."""
        report = IngestReport()
        resumed = True
        while resumed:
            resumed = self._run_cursor(self.cursor_name("mentions", timeline)) is not None
            report.add(self._mentions_walk(timeline))
        return report

    def _mentions_walk(self, timeline: str) -> IngestReport:
        """One walk down the mentions timeline, newest first, to the cursor."""
        report = IngestReport()
        name = self.cursor_name("mentions", timeline)
        since = self.store.cursor(name) or None
        run = self._run_cursor(name)
        newest, until = None, None
        if run is not None:
            since, newest, until = run

        brands = self.brands()
        ahead = self._ahead()

        def fetch(until_id: str | None) -> Page[Post]:
            self._pace(timeline, MENTIONS_ENDPOINT, f"get_users_mentions({timeline})")
            page = self.gateway.mentions(
                timeline, since_id=since, until_id=until_id, max_results=self.page_size
            )
            if ahead is not None:  # labelled while the pages before it are stored
                ahead.ask([p.expanded_text() for p in page.items if p.author_id not in brands])
            return page

        # Each page read and not yet stored: its items, malformed ones, the brand's own posts,
        # and the run cursor once it is stored.
        held: list[tuple[list[_Item | Malformed], tuple[Malformed, ...], list[Post], str]] = []
        # With the classifier process, the newest page waits for the next transaction: its
        # labels were asked only as it arrived, the older pages' are answered by now.
        keep = 1 if ahead is not None else 0

        def flush(cursors: list[tuple[str, str]], keep: int = 0) -> None:
            stored, held[:] = held[: len(held) - keep], held[len(held) - keep :]
            items = [i for h in stored for i in h[0]]
            malformed = [m for h in stored for m in h[1]]
            own = [p for h in stored for p in h[2]]
            self._store_page(items, malformed, cursors, report, own, [], timeline, ahead)

        pages = _read_ahead(fetch, until, self.pages_per_transaction)
        try:
            page = next(pages)
            while True:
                report.pages += 1
                newest = newest or page.newest_id
                more = bool(page.next_token) and bool(page.oldest_id)
                brands = self.brands()
                run_value = f"{since or ''}|{newest}|{page.oldest_id}"
                held.append(
                    (
                        self._mention_items(timeline, page.items, report),
                        page.malformed,
                        [p for p in page.items if p.author_id in brands],
                        run_value,
                    )
                )
                if not more:
                    cursors = [(name, newest)] if newest else []
                    if run is not None or until is not None:
                        cursors.append((f"{name}:run", ""))
                    flush(cursors)
                    return report
                if len(held) >= self.pages_per_transaction + keep:
                    flush([(f"{name}:run", held[-1 - keep][3])], keep)
                until = page.oldest_id
                try:
                    page = next(pages)
                except BaseException:
                    if held:  # keep what was read before the failure
                        flush([(f"{name}:run", held[-1][3])])
                    raise
        finally:
            pages.close()

    def _run_cursor(self, name: str) -> tuple[str | None, str, str] | None:
        raw = self.store.cursor(f"{name}:run")
        if not raw:
            return None
        parts = raw.split("|")
        if len(parts) != 3 or not parts[1] or not parts[2]:
            return None
        return (parts[0] or None), parts[1], parts[2]

    def _mention_items(
        self, timeline: str, posts: Iterable[Post], report: IngestReport
    ) -> list[_Item | Malformed]:
        out: list[_Item | Malformed] = []
        brands = self.brands()
        for post in posts:
            if post.author_id in brands:
                report.brand_messages += 1
                continue
            if post.is_retweet and self.skip_retweets:
                report.skipped_retweets += 1
                continue
            author = post.author
            if author is None or not author.username:
                out.append(
                    Malformed(
                        post.id, "mention: its author is not in includes.users", {"id": post.id}
                    )
                )
                continue
            details: dict[str, Any] = {"kind": post.kind, "timeline": timeline}
            if post.tweet.urls:
                details["urls"] = dict(post.tweet.urls)
            if post.tweet.media:
                details["media"] = [m.as_dict() for m in post.tweet.media]
            if post.tweet.conversation_id:
                details["conversation_id"] = post.tweet.conversation_id
            if post.referenced:  # the first of each kind, as Post's properties
                refs: dict[str, str] = {}
                for kind, ref in post.referenced:
                    refs.setdefault(kind, ref)
                for kind, key in _REFERENCE_KEYS.items():
                    if refs.get(kind):
                        details[key] = refs[kind]
            if post.lang:
                details["lang"] = post.lang
            out.append(
                _Item(
                    x_id=post.id,
                    channel=Channel.MENTION,
                    timeline=timeline,
                    contact=author,
                    text=post.text,
                    subject_text=post.expanded_text(),
                    at=post.created_at,
                    action=post.kind,
                    details=details,
                )
            )
        return out

    # --- direct messages -------------------------------------------------------------------

    @_gc.paused()
    def direct_messages(self, timeline: str) -> IngestReport:
        """Store the timeline's new DM events (newest first, down to the last one seen)."""
        report = IngestReport()
        name = self.cursor_name("dms", timeline)
        stop_at = self.store.cursor(name) or None
        raw = self.store.cursor(f"{name}:run")
        newest, token = None, None
        if raw:
            parts = raw.split("|")
            if len(parts) == 3 and parts[1] and parts[2]:
                stop_at, newest, token = parts[0] or None, parts[1], parts[2]
        self.brands()

        def fetch(token: str | None) -> Page[DirectMessage]:
            self._pace(timeline, DM_ENDPOINT, f"get_direct_message_events({timeline})")
            return self.gateway.dm_events(
                timeline, max_results=self.page_size, pagination_token=token
            )

        page = fetch(token)
        while True:
            report.pages += 1
            more = self._dm_page(timeline, name, page, stop_at, newest, raw, report)
            newest = newest or (page.items[0].id if page.items else None)
            if not more or page.next_token is None:
                return report
            page = fetch(page.next_token)

    def _dm_page(
        self,
        timeline: str,
        name: str,
        page: Page[DirectMessage],
        stop_at: str | None,
        newest: str | None,
        raw: str | None,
        report: IngestReport,
    ) -> bool:
        """Store one page of DM events; True when an older page should follow."""
        fresh = [e for e in page.items if stop_at is None or int(e.id) > int(stop_at)]
        malformed = [
            m
            for m in page.malformed
            if stop_at is None
            or not (m.item_id or "").isdigit()
            or int(m.item_id or 0) > int(stop_at)
        ]
        reached_old = len(fresh) < len(page.items)
        newest = newest or (page.items[0].id if page.items else None)
        more = bool(page.next_token) and not reached_old
        items, own = self._dm_items(timeline, fresh, report)
        cursors: list[tuple[str, str]] = []
        if more:
            assert page.next_token is not None
            cursors.append((f"{name}:run", f"{stop_at or ''}|{newest}|{page.next_token}"))
        else:
            if newest:
                cursors.append((name, newest))
            if raw:
                cursors.append((f"{name}:run", ""))
        self._store_page(items, malformed, cursors, report, [], own, timeline)
        return more

    def _dm_items(
        self, timeline: str, events: Iterable[DirectMessage], report: IngestReport
    ) -> tuple[list[_Item | Malformed], list[DirectMessage]]:
        """DM events as items to store, and the brand's own DMs (to join to what they answer):
        one path for the polled DMs and the ones the Activity API streams."""
        brands = self.brands()
        items: list[_Item | Malformed] = []
        own: list[DirectMessage] = []
        for event in events:
            if event.sender_id in brands:
                report.brand_messages += 1
                own.append(event)
                continue
            sender = event.sender
            if sender is None or not sender.username:
                items.append(
                    Malformed(event.id, "dm: its sender is not in includes.users", {"id": event.id})
                )
                continue
            details: dict[str, Any] = {
                "kind": "dm",
                "timeline": timeline,
                "dm_conversation_id": event.conversation_id,
            }
            if event.urls:
                details["urls"] = dict(event.urls)
            if event.media:
                details["media"] = [m.as_dict() for m in event.media]
            items.append(
                _Item(
                    x_id=event.id,
                    channel=Channel.DM,
                    timeline=timeline,
                    contact=sender,
                    text=event.text,
                    subject_text=event.as_tweet().text,
                    at=event.created_at,
                    action="dm",
                    details=details,
                )
            )
        return items, own

    def store_direct_messages(self, timeline: str, events: Sequence[DirectMessage]) -> IngestReport:
        """Store DM events that arrived outside a poll (the Activity API's ``dm.received`` and
        ``dm.sent``) exactly as a poll would: idempotent on the DM event id, so a backfill or the
        backstop poll never stores one twice. The poll's cursor is left alone."""
        report = IngestReport()
        items, own = self._dm_items(timeline, events, report)
        self._store_page(items, [], [], report, [], own, timeline)
        return report

    # --- storing a page ----------------------------------------------------------------------

    def _store_page(
        self,
        items: list[_Item | Malformed],
        malformed: Iterable[Malformed],
        cursors: list[tuple[str, str]],
        report: IngestReport,
        brand_posts: list[Post],
        brand_dms: list[DirectMessage],
        timeline: str,
        ahead: _Ahead | None = None,
    ) -> None:
        good = [i for i in items if isinstance(i, _Item)]
        bad = [*malformed, *(i for i in items if isinstance(i, Malformed))]
        if not (good or bad or cursors or brand_posts or brand_dms):
            return
        labels = self._labels(good, ahead)
        with self._storing:
            added, dupes, joined = self._write_page(
                good, labels, bad, cursors, brand_posts, brand_dms, timeline
            )
        report.interactions += added
        report.duplicates += dupes
        report.joined_transcripts += joined
        report.follow_ups += self._followed
        report.reopened += self._reopened
        report.linked += self._linked
        report.screened += self._screened
        self._followed = self._reopened = self._screened = self._linked = 0
        report.quarantined += len(bad)

    def _write_page(
        self,
        good: list[_Item],
        labels: list[tuple[Sentiment, Actionability]],
        bad: list[Malformed],
        cursors: list[tuple[str, str]],
        brand_posts: list[Post],
        brand_dms: list[DirectMessage],
        timeline: str,
    ) -> tuple[int, int, int]:
        meter = self.meter
        calls = meter.drain() if meter is not None else []

        def write(conn: Transaction) -> tuple[int, int, int]:
            added, dupes = self._insert(conn, good, labels)
            joined = self._join(conn, timeline, brand_posts, brand_dms)
            if bad:
                self.store.intake.quarantine(
                    conn, f"x:{timeline}", [(m.item_id, m.reason, m.raw) for m in bad]
                )
            self.store.intake.set_cursors(conn, cursors)
            if calls and meter is not None:  # the page's calls, in one statement
                meter.write(conn, calls)
            return added, dupes, joined

        # Another ingest may store some of these first: then it reads again, stores the rest.
        try:
            done = self.store.intake.write(write)
        except BaseException:
            if meter is not None:
                meter.keep(calls)
            raise
        if meter is not None:
            meter.written(calls)
        return done

    def _ahead(self) -> _Ahead | None:
        """Where a walk asks the classifier process for its pages' labels (None: it does not)."""
        if not self._batched or self._labeller is False:
            return None
        labeller: Labeller | bool | None = self._labeller
        if labeller is True:  # the process's own, asked each walk (it restarts after a failure)
            from workbench.config import Settings

            if not Settings.from_env()["WORKBENCH_CLASSIFIER_PROCESS"]:
                self._labeller = False
                return None
            labeller = worker.shared()
        if isinstance(labeller, Labeller) and not labeller.closed:
            return _Ahead(labeller)
        return None

    def _labels(
        self, items: list[_Item], ahead: _Ahead | None = None
    ) -> list[tuple[Sentiment, Actionability]]:
        """The classifier's labels of ``items``: mentions in one batch, DMs (told as such) in
        another; those ``ahead`` holds are taken from it. When a batch fails, its messages are
        classified one by one, so that a failure leaves only the message it is about
        unlabelled; none is ever lost for it."""
        undeclared = (Sentiment.UNDECLARED, Actionability.UNDECLARED)
        if self.classify is None or not items:
            return [undeclared] * len(items)
        if not self._batched:
            return [self._classify(i.subject_text, i.channel is Channel.DM) for i in items]
        out = [undeclared] * len(items)
        for direct in (False, True):
            at = [k for k, i in enumerate(items) if (i.channel is Channel.DM) is direct]
            if not at:
                continue
            texts = [items[k].subject_text for k in at]
            if ahead is not None and not direct:
                given = ahead.take(texts)
                for k, label in zip(at, given, strict=True):
                    if label is not None:
                        out[k] = label
                at = [k for k, label in zip(at, given, strict=True) if label is None]
                texts = [items[k].subject_text for k in at]
                if not at:
                    continue
            try:
                found = _classify_many(texts, direct)
                labels = [(Sentiment(f.sentiment), Actionability(f.actionability)) for f in found]
                if len(labels) != len(texts):
                    raise ValueError(f"{len(labels)} labels for {len(texts)} messages")
            except Exception as exc:  # one by one: a failure loses no message, labels the rest
                log.warning("ingest: classify_many failed (%s); one message at a time", exc)
                labels = [self._classify(text, direct) for text in texts]
            for k, label in zip(at, labels, strict=True):
                out[k] = label
        return out

    def _classify(self, text: str, direct: bool) -> tuple[Sentiment, Actionability]:
        """The classifier's labels; a DM is said to be one when the classifier can be told."""
        if self.classify is None:
            return Sentiment.UNDECLARED, Actionability.UNDECLARED
        try:
            label = (
                self.classify(text, direct=True) if direct and self._told else self.classify(text)
            )
            return Sentiment(label.sentiment), Actionability(label.actionability)
        except Exception as exc:  # a classifier failure never loses a message
            log.warning("ingest: classify failed: %s", exc)
            return Sentiment.UNDECLARED, Actionability.UNDECLARED

    def _insert(
        self,
        conn: Transaction,
        items: list[_Item],
        labels: list[tuple[Sentiment, Actionability]],
    ) -> tuple[int, int]:
        """Store the new items, oldest first: each continues the conversation it belongs to
        (``_conversation``) or opens an interaction; (opened, duplicates)."""
        if not items:
            return 0, 0
        rules = self.store.screening.rules.all(conn)  # once per page
        plan = _Conversations(self, conn, items, rules)
        order = sorted(
            range(len(items)), key=lambda k: (items[k].at, len(items[k].x_id), items[k].x_id)
        )
        batch: list[tuple[Interaction, Contact, TranscriptEntry]] = []
        ids = iter(new_ids(len(items)))
        dupes = 0
        for k in order:
            it, (sentiment, actionability) = items[k], labels[k]
            if it.x_id in plan.seen:
                dupes += 1
                continue
            plan.seen.add(it.x_id)
            thread = plan.thread(it)
            if thread is not None and plan.join(it, thread, (sentiment, actionability)):
                continue
            previous = thread.interaction if thread is not None else None
            interaction = Interaction(
                id=next(ids),
                channel=it.channel,
                contact_id=it.contact.id,
                tweet_id=it.x_id if it.channel is Channel.MENTION else None,
                dm_event_id=it.x_id if it.channel is Channel.DM else None,
                queue=DMS_QUEUE if it.channel == Channel.DM else MENTIONS_QUEUE,
                timeline=it.timeline,
                subject=subject_of(it.subject_text),
                arrived_at=it.at,
                sentiment=sentiment,
                actionability=actionability,
                previous_id=(
                    previous.id
                    if previous is not None and previous.contact_id == it.contact.id
                    else None
                ),
            )
            if rules:
                hit = _screen(rules, it)
                if hit is not None:
                    plan.screen_new(interaction, *hit)
            batch.append((interaction, it.contact, _line(interaction.id, it)))
            plan.opened(it, interaction)
        stored = self.store.add_new_interactions(batch, conn)
        if plan.screening_new:
            plan.stored({i.id for i in stored})
        plan.write()
        self._followed += plan.follow_ups
        self._reopened += plan.reopened
        self._screened += plan.screened_count
        self._linked += sum(1 for i in stored if i.previous_id)
        return len(stored), dupes + len(batch) - len(stored)

    # --- the brand's own messages --------------------------------------------------------------

    def _join(
        self,
        conn: Transaction,
        timeline: str,
        posts: list[Post],
        dms: list[DirectMessage],
    ) -> int:
        """Join the brand's tweets and DMs sent outside the outbox to what they answer."""
        if not posts and not dms:
            return 0
        ids = [p.id for p in posts] + [d.id for d in dms]
        intake = self.store.intake
        known = intake.in_transcripts(conn, ids)
        known |= intake.sent_by_outbox(conn, [i for i in ids if i not in known])
        joined = 0
        everything: list[Post | DirectMessage] = [*posts, *dms]
        for item in everything:
            if item.id in known:
                continue
            if isinstance(item, Post):
                target = item.replied_to_id or item.quoted_id
                found = intake.interaction_for_tweet(conn, target) if target else None
                action = item.kind if item.kind in ("reply", "quote") else "tweet"
                author = self.brands().get(item.author_id, timeline)
            else:
                other = item.participant_other_than(item.sender_id)
                thread = intake.latest_of_contact(conn, other) if other else None
                found = thread.interaction.id if thread is not None else None
                action, author = "dm", self.brands().get(item.sender_id, timeline)
            if found is None:
                continue
            self.store.add_transcript(
                TranscriptEntry(
                    found,
                    item.created_at,
                    EntryKind.OUTBOUND,
                    author,
                    item.text,
                    action,
                    item.id,
                    {"source": "x", "timeline": timeline},
                ),
                conn,
            )
            joined += 1
        return joined


SCREENER = "screening"
"""Who closes what a screening rule closes (``Interaction.close``'s ``by``; the event log
names it in the details, as no agent did it)."""


_Hit = tuple[ScreeningRule, dict[str, Any]]
"""A screening rule a message met, and what met its conditions."""


def _screen(rules: Sequence[ScreeningRule], item: _Item) -> _Hit | None:
    """The first screening rule ``item`` matches, with what met its conditions."""
    text = item.subject_text
    if item.channel is Channel.DM:
        text = expand_links(text, item.details.get("urls") or {})
    lang = item.details.get("lang")
    retweet = item.action == "retweet"
    rule = screen(rules, text, lang, item.contact.username, retweet)
    if rule is None:
        return None
    return rule, rule.matched(text, lang, item.contact.username, retweet) or {}


def _screened_event(
    it: Interaction, rule: ScreeningRule, found: dict[str, Any], at: datetime, **extra: Any
) -> Event:
    """The log's record that ``rule`` met a message of ``it``: which rule, what it did, what
    matched."""
    details = {
        "rule_id": rule.id,
        "rule": rule.name,
        "action": rule.action,
        "disposition": rule.disposition,
        "matched": found,
        **extra,
    }
    return Event(Action.SCREENED, it.id, None, at, details)


def _close(it: Interaction, rule: ScreeningRule, at: datetime) -> Event:
    """Close ``it`` for ``rule`` (an event at ``at``, by no agent)."""
    event = it.close(SCREENER, rule.disposition, reason=f"screening rule {rule.name!r}")
    return replace(event, agent=None, at=at, details={**event.details, "by": SCREENER})


def _line(interaction_id: str, item: _Item, **extra: Any) -> TranscriptEntry:
    """The transcript line of an inbound message."""
    details = {**item.details, **extra} if extra else item.details
    return TranscriptEntry(
        interaction_id,
        item.at,
        EntryKind.INBOUND,
        item.contact.username,
        item.text,
        item.action,
        item.x_id,
        details,
    )


class _Conversations:
    """Which interaction each new message of a page continues, and the writes that follow.

    A mention continues the conversation whose transcript holds the tweet it replies to (the
    customer's own tweet, the brand's reply, another participant's) or, failing that, its
    thread's first tweet; a DM continues its sender's latest mention or DM. Such a message
    joins the interaction while it is open (from another account than the contact's, as
    another participant); when it is done, the contact's follow-up reopens it within
    ``Ingest.reopen_window`` of its Done, and after that opens a new interaction linked to it.
    Everything else opens an interaction of its own.

    Screening rules (``rules``) meet the new interactions (``screen_new``) and the follow-ups
    that would reopen one: a close rule closes a new one as it is stored and keeps a done one
    done (the message joins its transcript); a tag rule presets the disposition. Follow-ups
    joining an open interaction are not screened.
    """

    def __init__(
        self,
        ingest: Ingest,
        conn: Transaction,
        items: list[_Item],
        rules: Sequence[ScreeningRule] = (),
    ) -> None:
        self.ingest, self.conn, self.rules = ingest, conn, rules
        intake = ingest.store.intake
        self.seen = intake.in_any_transcript(conn, [i.x_id for i in items])
        wanted = [ref for i in items for ref in _replied(i)]
        self._by_tweet = intake.threads_of_tweets(conn, wanted) if wanted else {}
        self._by_contact: dict[str, Thread | None] = {}
        self._changed: dict[str, tuple[Interaction, int, Change]] = {}
        self._lines: list[TranscriptEntry] = []
        self._events: list[Event] = []
        self._waits: dict[str, datetime] = {}
        self.screening_new: dict[str, Event] = {}
        """New interactions a rule met (not stored yet), and their ``screened`` events."""
        self.follow_ups = self.reopened = self.screened_count = 0

    def thread(self, item: _Item) -> Thread | None:
        if item.channel is Channel.MENTION:
            return next((self._by_tweet[r] for r in _replied(item) if r in self._by_tweet), None)
        contact = item.contact.id
        if contact not in self._by_contact:
            self._by_contact[contact] = self.ingest.store.intake.latest_of_contact(
                self.conn, contact
            )
        return self._by_contact[contact]

    def opened(self, item: _Item, interaction: Interaction) -> None:
        """``interaction`` was opened by ``item``: later messages of the page may continue it."""
        # Closed on arrival (screened): done as it arrived, as a later page would read it.
        done = interaction.arrived_at if interaction.state is State.DONE else None
        thread = Thread(interaction, done)
        if item.channel is Channel.MENTION:
            self._by_tweet[item.x_id] = thread
        self._by_contact[item.contact.id] = thread

    def screen_new(self, it: Interaction, rule: ScreeningRule, found: dict[str, Any]) -> None:
        """``rule`` met the new interaction ``it`` (about to be stored): a close rule closes it
        now (it is stored done, at the version of the close; its events follow its arrival),
        a tag rule presets its disposition."""
        event = _screened_event(it, rule, found, it.arrived_at)  # its arrival's time
        self.screening_new[it.id] = event
        if rule.closes:
            closed = _close(it, rule, it.arrived_at)
            self._changed[it.id] = (it, it.version, Change([event, closed]))
        else:
            it.disposition = rule.disposition
            self._events.append(event)

    def stored(self, ids: set[str]) -> None:
        """The new interactions of ``ids`` were stored (the others were there already): the
        screening of those others is dropped; the changes of those closed on arrival are saved
        over the row as stored (a follow-up of the page may have reopened it before)."""
        gone = {iid for iid in self.screening_new if iid not in ids}
        self.screened_count += len(self.screening_new) - len(gone)
        for iid in self.screening_new:
            entry = self._changed.get(iid)
            if entry is not None and iid in ids:
                self._changed[iid] = (entry[0], entry[0].version, entry[2])
        if gone:
            for iid in gone:
                self._changed.pop(iid, None)
            drop = {id(self.screening_new[iid]) for iid in gone}
            self._events = [e for e in self._events if id(e) not in drop]

    def join(
        self,
        item: _Item,
        thread: Thread,
        labels: tuple[Sentiment, Actionability],
    ) -> bool:
        """Add ``item`` to ``thread``'s interaction if it continues it (reopening it if need
        be: it takes the ``labels`` of the message that reopened it, declared ones, and the
        router routes it again); False when it opens an interaction of its own instead."""
        it = self._current(thread.interaction)
        participant = item.contact.id != it.contact_id
        change: Change | None = None
        if it.state is State.DONE:
            done_at = thread.done_at
            if participant or done_at is None or item.at - done_at > self.ingest.reopen_window:
                return False
            hit = _screen(self.rules, item) if self.rules else None
            change = self._change(it)
            if hit is not None:
                self.screened_count += 1
            if hit is not None and hit[0].closes:  # stays done: the message joins it
                change.events.append(_screened_event(it, *hit, item.at, x_id=item.x_id))
            else:
                change.events.append(
                    replace(it.reopen(f"{item.contact.username} wrote again"), at=item.at)
                )
                it.subject = subject_of(item.subject_text)  # what the offer's toast shows: the news
                if labels[0] is not Sentiment.UNDECLARED:  # what its priority looks at, too
                    it.sentiment = labels[0]
                if labels[1] is not Actionability.UNDECLARED:
                    it.actionability = labels[1]
                self.reopened += 1
                if hit is not None:
                    it.disposition = hit[0].disposition
                    change.events.append(_screened_event(it, *hit, item.at, x_id=item.x_id))
        elif it.state is State.PENDING and not participant:
            # The customer answered what the agent waits on: back to that agent as an offer
            # (its time-out, from now, sends it to the queue when they do not take it).
            change = self._change(it)
            change.events.append(replace(it.customer_answered(), at=utcnow()))
        else:
            entry = self._changed.get(it.id)
            change = entry[2] if entry is not None else None
        if not participant and it.state is not State.DONE:
            self._waits.setdefault(it.id, item.at)
        details = {"follow_up": True, "participant": participant}
        line = _line(it.id, item, **details)
        event = Event(
            Action.FOLLOW_UP,
            it.id,
            None,
            item.at,
            {"author": item.contact.username, "x_id": item.x_id, "kind": item.action, **details},
        )
        if change is not None:
            change.transcript.append(line)
            change.events.append(event)
        else:
            self._lines.append(line)
            self._events.append(event)
        self.follow_ups += 1
        return True

    def _current(self, interaction: Interaction) -> Interaction:
        entry = self._changed.get(interaction.id)
        return entry[0] if entry is not None else interaction

    def _change(self, it: Interaction) -> Change:
        entry = self._changed.get(it.id)
        if entry is None:
            entry = self._changed[it.id] = (it, it.version, Change())
        return entry[2]

    def write(self) -> None:
        """Store the joins and reopens (after the page's new interactions, which some join)."""
        store = self.ingest.store
        if self._changed:
            store.save_many(self.conn, list(self._changed.values()))
        for line in self._lines:
            store.add_transcript(line, self.conn)
        for event in self._events:
            store.append_event(event, self.conn)
        store.intake.waiting_from(self.conn, self._waits)


def _replied(item: _Item) -> list[str]:
    """The tweets a mention continues, nearest first: the one it replies to, then its thread's
    first tweet."""
    if item.channel is not Channel.MENTION:
        return []
    out = []
    for key in ("in_reply_to_tweet_id", "conversation_id"):
        ref = item.details.get(key)
        if ref and ref != item.x_id and ref not in out:
            out.append(str(ref))
    return out


class _Ahead:
    """The labels of a walk's mentions, asked of the classifier process as each page is fetched
    (``ask``, in the read-ahead thread) and taken when the page is stored (``take``): the child
    labels the next pages while this process stores the last ones. A text is asked only in a
    page of ``ASK_AT_LEAST`` texts or more (a few are labelled faster here than sent there)."""

    ASK_AT_LEAST = 20
    WAIT = 60.0
    """Seconds to wait for an answer before labelling in-process instead."""

    def __init__(self, labeller: Labeller) -> None:
        self.labeller = labeller
        self._asked: dict[str, tuple[Future[Labels], int]] = {}
        self._lock = threading.Lock()

    def ask(self, texts: list[str]) -> None:
        if len(texts) < self.ASK_AT_LEAST or self.labeller.closed:
            return
        try:
            answer = self.labeller.submit(texts)
        except Exception as exc:  # a pool already broken, or shut down
            worker.failed(self.labeller, exc)
            return
        with self._lock:
            for i, text in enumerate(texts):
                self._asked[text] = (answer, i)

    def take(self, texts: list[str]) -> list[tuple[Sentiment, Actionability] | None]:
        """The labels of ``texts`` (None for one not asked, or when the child failed)."""
        # A page's batch is one answer: each answer is awaited and converted once.
        with self._lock:
            asked = [self._asked.pop(text, None) for text in texts]
        answers: dict[Future[Labels], list[tuple[Sentiment, Actionability]] | None] = {}
        for found in asked:
            if found is not None and found[0] not in answers:
                try:
                    given = found[0].result(timeout=self.WAIT)
                    answers[found[0]] = [(Sentiment(s), Actionability(a)) for s, a in given]
                except Exception as exc:  # labelled in-process instead
                    worker.failed(self.labeller, exc)
                    answers[found[0]] = None
        out: list[tuple[Sentiment, Actionability] | None] = []
        for found in asked:
            labels = answers[found[0]] if found is not None else None
            out.append(labels[found[1]] if labels is not None and found is not None else None)
        return out


def _read_ahead(
    fetch: Callable[[str | None], Page[Post]], until: str | None, depth: int
) -> Generator[Page[Post], None, None]:
    """The pages of a timeline walk (newest first, from ``until``), fetched by a thread up to
    ``depth`` pages ahead of the caller, so that X (a network away) serves the next pages while
    the caller stores the last ones. A failed fetch is raised where its page would have been;
    closing the iterator stops the thread (after the call it is in, if any)."""
    queue: Queue[Page[Post] | BaseException] = Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def walk() -> None:
        cursor = until
        try:
            while not stop.is_set():
                page = fetch(cursor)
                queue.put(page)
                if not (page.next_token and page.oldest_id):
                    return
                cursor = page.oldest_id
        except BaseException as exc:  # handed to the caller
            queue.put(exc)

    thread = threading.Thread(target=walk, name="ingest-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = queue.get()
            if isinstance(item, BaseException):
                raise item
            yield item
            if not (item.next_token and item.oldest_id):
                return
    finally:
        stop.set()
        while thread.is_alive():  # unblock a full queue, then wait for the call in flight
            while not queue.empty():
                queue.get_nowait()
            thread.join(0.05)
