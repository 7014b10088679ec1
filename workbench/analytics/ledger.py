"""The ledger: one row per interaction, derived from the append-only event log.

Times come from the events (the first offer, the first acceptance, the first reply, the last
done or close), counts too (replies, transfers, offers, rejections, time-outs); the
``interactions`` row gives what the log summarises (state, owner, queue, disposition, corrected
classification). The store reads it in one statement (``store.ledger``); pandas shapes it,
vectorised: no per-row Python for large stores. ``workbench.analytics.live.LiveLedger`` keeps one
up to date from the events appended since.

Dtypes are compact: categoricals (categories: the values present, sorted) for the columns of
``CATEGORICAL``, ``int32`` counts, pandas ``str`` for the texts (missing: NaN), times
timezone-aware UTC (``datetime64[us, UTC]``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from workbench.domain import FIRST_RESPONSE_ACTIONS, Action
from workbench.domain.cost import MICROS
from workbench.store import Store
from workbench.store.ledger import Snapshot

COLUMNS = [
    "interaction_id",
    "tweet_id",
    "channel",
    "contact",
    "agent",
    "queue",
    "state",
    "arrived_at",
    "offered_at",
    "accepted_at",
    "first_reply_at",
    "done_at",
    "disposition",
    "note",
    "sentiment",
    "actionability",
    "replies",
    "transfers",
    "handle_seconds",
    "first_response_seconds",
    "timeline",
    "contact_name",
    "text",
    "tweet_url",
]
"""The contract columns (DESIGN.md, "Ledger"), in order. ``contact`` is the username,
``contact_name`` the display name, ``text`` the customer's first message (the first inbound
transcript line, else the interaction's subject), ``tweet_url`` the mention's address on X
(missing for other channels)."""
EXTRA = [
    "offers",
    "rejections",
    "timeouts",
    "conferences",
    "consultations",
    "corrections",
    "reopens",
    "previous_id",
    "deleted",
    "api_cost",
]
"""Further columns after ``COLUMNS``: ``reopens`` counts the times the customer's follow-up
opened the interaction again after Done; ``previous_id`` is the interaction it continues (a
follow-up that came after the reopen window); ``deleted`` (bool) says the customer deleted the
post of ``text`` (the row stays, its ``text`` empty: X's developer terms ask apps to honour
deletions); ``api_cost`` is what the X calls made for it cost (USD, the sum of its recorded
calls: the brand's sends and the lookups made for it; 0 off the pay-per-use plan)."""

CATEGORICAL = (
    "channel",
    "queue",
    "state",
    "agent",
    "disposition",
    "sentiment",
    "actionability",
    "timeline",
    "contact",
    "contact_name",
)
"""Columns held as categoricals: their categories are the values present, sorted (contacts come
back: their names are held once each)."""
TEXT = ("interaction_id", "tweet_id", "note", "text", "tweet_url", "previous_id")

REPLY_ACTIONS = tuple(a.value for a in FIRST_RESPONSE_ACTIONS)
"""Events saying X accepted the brand's words to the customer (``Action.first_response``: a reply,
DM or quote the outbox sent): ``replies`` counts them, the first is the first response. A send
X refused (``send_failed``) or still queued counts as neither."""
COUNTED = {
    "replies": REPLY_ACTIONS,
    "transfers": (Action.TRANSFERRED.value,),
    "offers": (Action.OFFERED.value,),
    "rejections": (Action.REJECTED.value,),
    "timeouts": (Action.OFFER_TIMED_OUT.value, Action.REQUEUED.value),
    "conferences": (Action.CONFERENCE_JOINED.value,),
    "consultations": (Action.CONSULTED.value,),
    "corrections": (Action.CORRECTED.value,),
    "reopens": (Action.REOPENED.value,),
}
FIRST = {
    "offered_at": (Action.OFFERED.value,),
    "accepted_at": (Action.ACCEPTED.value,),
    "first_reply_at": REPLY_ACTIONS,
}
DONE_ACTIONS = tuple(a.value for a in Action if a.stamp == "done_at")
"""What ends an interaction: its agent's Done, and a close without it (a supervisor's, a
screening rule's): each stamps ``done_at`` (``Action.stamp``)."""
LAST = {"done_at": DONE_ACTIONS}
HELD = {"handle_seconds": (Action.ACCEPTED.value, *DONE_ACTIONS, Action.REOPENED.value)}
"""Handle time is the time held: from acceptance to done in each opening (the first, and each
after a reopen), summed (``store.ledger.held``); the hours it sat done are not in it."""
STATS: dict[str, tuple[str, tuple[str, ...]]] = {
    **{name: ("count", actions) for name, actions in COUNTED.items()},
    **{name: ("first", actions) for name, actions in FIRST.items()},
    **{name: ("last", actions) for name, actions in LAST.items()},
    **{name: ("held", actions) for name, actions in HELD.items()},
}
"""What the ledger takes from the event log, per interaction: counts of events and the first or
last time of one (as ``store.ledger.interactions(stats=...)`` computes them)."""
TIME = "datetime64[us, UTC]"


def ledger(db_url: str | None = None, *, store: Store | None = None) -> pd.DataFrame:
    """One row per interaction (oldest first) with the columns of ``COLUMNS`` then ``EXTRA``.

    Times are timezone-aware UTC; ``handle_seconds`` is the time it was held: from acceptance
    to done, summed over its openings (a reopen starts another; the time it sat done is not
    counted), ``first_response_seconds`` from arrival to the first reply, DM or quote.
    """
    own = store is None
    store = store or Store(db_url)
    try:
        frame = load(store).interactions
    finally:
        if own:
            store.close()
    return frame


def load(store: Store, calls_since: datetime | None = None) -> Snapshot:
    """The ledger (as ``interactions``), the newest event and X call ids it includes, the ids
    present among the last ones up to them, and the X calls since ``calls_since``
    (``store.ledger.snapshot``): all read in one snapshot."""
    snap = store.ledger.snapshot(STATS, calls_since=calls_since)
    return snap._replace(interactions=shape(snap.interactions))


def categorical(values: pd.Series) -> pd.Categorical:
    """``values`` as a categorical whose categories are the values present, sorted."""
    if isinstance(values.dtype, pd.StringDtype):
        # Text (the store's columns): one hashing pass in Arrow, its values sorted as Python
        # sorts str (by code point, which is UTF-8's byte order)
        codes, present = pd.factorize(values, sort=True)
        return pd.Categorical.from_codes(codes, categories=pd.Index(present, dtype="str"))
    present = sorted(str(v) for v in pd.unique(values.dropna()))
    return pd.Categorical(values, categories=pd.Index(present, dtype="str"))


def shape(rows: pd.DataFrame, categories: bool = True) -> pd.DataFrame:
    """The ledger's rows from the store's (``store.ledger.interactions`` with ``STATS``);
    without ``categories``, the columns of ``CATEGORICAL`` stay text (a CSV export writes
    them as text: making categories of each batch only to undo them cost a tenth of it)."""
    # Only mentions have a tweet id (DMs have a DM event id, posts an outbox key).
    tweet_id = rows["tweet_id"]
    mention = (rows["channel"] == "mention").fillna(False).astype(bool)
    url = "https://x.com/" + rows["contact"] + "/status/" + tweet_id
    out = pd.DataFrame(
        {
            "interaction_id": rows["interaction_id"],
            "tweet_id": tweet_id,
            "note": rows["note"].fillna(""),
            "text": rows["text"],
            "tweet_url": url.where(mention),
            "previous_id": rows["previous_id"],
            "deleted": rows["deleted"].astype(bool),
            "arrived_at": rows["arrived_at"].astype(TIME),
            "api_cost": rows["api_cost"].to_numpy(dtype=np.int64) / MICROS,
        }
    )
    for column in CATEGORICAL:
        out[column] = categorical(rows[column]) if categories else rows[column]
    for column in STATS:
        if column in COUNTED:
            out[column] = rows[column].astype("int32")
        elif column in HELD:
            out[column] = rows[column].astype("float64")
        else:
            out[column] = rows[column].astype(TIME)
    with_seconds(out)
    return out[COLUMNS + EXTRA]


def with_seconds(frame: pd.DataFrame) -> None:
    """(Re)compute the first response time from the frame's timestamps (the handle time is
    the event log's: ``HELD``)."""
    frame["first_response_seconds"] = (
        frame["first_reply_at"] - frame["arrived_at"]
    ).dt.total_seconds()


def chunks(
    store: Store,
    start: datetime | None = None,
    end: datetime | None = None,
    where: Mapping[str, str] | None = None,
    size: int | None = None,
    replies: bool = False,
    categories: bool = True,
) -> tuple[int, Iterator[pd.DataFrame]]:
    """The ledger rows that arrived in ``[start, end)`` (matching ``where``), as the number of
    rows and an iterator of frames of at most ``size`` rows in ledger order, read from one
    snapshot a batch at a time (``store.reports.batches``): memory stays bounded by a few
    batches whatever the range. (Categories are those of each chunk; ``categories``: as
    ``shape``'s.) ``replies``: with ``first_reply_text``, the brand's first reply, DM or quote
    in words."""
    from workbench.store.reports import BATCH

    total = store.reports.count(start, end, where)

    def walk() -> Iterator[pd.DataFrame]:
        for raw in store.reports.batches(STATS, start, end, where, size or BATCH):
            frame = shape(raw, categories)
            if replies:
                frame["first_reply_text"] = raw["first_reply_text"].to_numpy()
            yield frame

    return total, walk()
