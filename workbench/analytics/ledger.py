"""The ledger: one row per interaction, derived from the append-only event log.

Times come from the events (the first offer, the first acceptance, the first reply, the last
done), counts too (replies, transfers, offers, rejections, time-outs); the ``interactions`` row
gives what the log summarises (state, owner, queue, disposition, corrected classification).
One query per table and vectorised pandas: no per-row Python for large stores.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from workbench.domain import FIRST_RESPONSE_ACTIONS, Action
from workbench.store import Store
from workbench.store import schema as t

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
]
EXTRA = ["offers", "rejections", "timeouts", "conferences", "consultations", "corrections"]
"""Further columns after ``COLUMNS``."""

REPLY_ACTIONS = tuple(a.value for a in FIRST_RESPONSE_ACTIONS)
"""Events that answer the customer in words (``Action.first_response``): the first one is the
first response."""
_COUNTED = {
    "replies": REPLY_ACTIONS,
    "transfers": (Action.TRANSFERRED.value,),
    "offers": (Action.OFFERED.value,),
    "rejections": (Action.REJECTED.value,),
    "timeouts": (Action.OFFER_TIMED_OUT.value, Action.REQUEUED.value),
    "conferences": (Action.CONFERENCE_JOINED.value,),
    "consultations": (Action.CONSULTED.value,),
    "corrections": (Action.CORRECTED.value,),
}
_TIMED = (Action.OFFERED.value, Action.ACCEPTED.value, Action.DONE.value, *REPLY_ACTIONS)
_TIMES = ["arrived_at", "offered_at", "accepted_at", "first_reply_at", "done_at"]


def _utc(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True)


def _frame(store: Store, query: object, columns: list[str]) -> pd.DataFrame:
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()  # type: ignore[call-overload]
    return pd.DataFrame.from_records(rows, columns=columns)


def ledger(db_url: str | None = None, *, store: Store | None = None) -> pd.DataFrame:
    """One row per interaction (oldest first) with the columns of ``COLUMNS`` then ``EXTRA``.

    Times are timezone-aware UTC; ``handle_seconds`` runs from the first acceptance to done,
    ``first_response_seconds`` from arrival to the first reply, DM or quote.
    """
    own = store is None
    store = store or Store(db_url)
    try:
        i, c, e = t.interactions, t.contacts, t.events
        base = _frame(
            store,
            select(
                i.c.id,
                i.c.tweet_id,
                i.c.channel,
                i.c.contact_id,
                i.c.agent,
                i.c.queue,
                i.c.state,
                i.c.arrived_at,
                i.c.disposition,
                i.c.note,
                i.c.sentiment,
                i.c.actionability,
            ).order_by(i.c.arrived_at, i.c.id),
            [
                "interaction_id",
                "tweet_id",
                "channel",
                "contact_id",
                "agent",
                "queue",
                "state",
                "arrived_at",
                "disposition",
                "note",
                "sentiment",
                "actionability",
            ],
        )
        people = _frame(store, select(c.c.id, c.c.username), ["contact_id", "contact"])
        wanted = sorted({a for acts in _COUNTED.values() for a in acts} | set(_TIMED))
        events = _frame(
            store,
            select(e.c.interaction_id, e.c.action, e.c.at).where(
                e.c.interaction_id.is_not(None), e.c.action.in_(wanted)
            ),
            ["interaction_id", "action", "at"],
        )
    finally:
        if own:
            store.close()

    events["at"] = _utc(events["at"])
    grouped = events.groupby(["interaction_id", "action"])["at"]
    first = grouped.min().unstack()
    last = grouped.max().unstack()
    sizes = events.groupby(["interaction_id", "action"]).size().unstack(fill_value=0)
    replies = events[events["action"].isin(REPLY_ACTIONS)].groupby("interaction_id")["at"].min()

    out = base.merge(people, on="contact_id", how="left").set_index("interaction_id")
    out["offered_at"] = first.get("offered")
    out["accepted_at"] = first.get("accepted")
    out["first_reply_at"] = replies
    out["done_at"] = last.get("done")
    for column, actions in _COUNTED.items():
        present = [a for a in actions if a in sizes.columns]
        counts = sizes[present].sum(axis=1) if present else pd.Series(dtype="int64")
        out[column] = counts.reindex(out.index).fillna(0).astype("int64")
    for column in _TIMES:
        out[column] = _utc(out[column])
    out["handle_seconds"] = (out["done_at"] - out["accepted_at"]).dt.total_seconds()
    out["first_response_seconds"] = (out["first_reply_at"] - out["arrived_at"]).dt.total_seconds()
    out["note"] = out["note"].fillna("")
    # Only mentions have a tweet id (DMs have a DM event id, posts an outbox key).
    out["tweet_id"] = out["tweet_id"].astype(object).where(out["tweet_id"].notna(), None)
    out = out.reset_index()
    out["agent"] = out["agent"].astype(object).where(out["agent"].notna(), None)
    out["disposition"] = out["disposition"].astype(object).where(out["disposition"].notna(), None)
    return out[COLUMNS + EXTRA]
