"""What reports read beyond the ledger: the transcript lines of many interactions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import bindparam, select

from workbench.domain import ANSWER_ACTIONS, EntryKind
from workbench.store import schema as t

if TYPE_CHECKING:
    from workbench.store.store import Store

TRANSCRIPT_COLUMNS = ["interaction_id", "at", "author", "kind", "action", "text", "deleted"]
"""The columns of an export's transcript; ``deleted`` says the author deleted the line's post
(its ``text`` is then empty)."""
_CHUNK = 5_000
_LINES = (
    select(
        *(t.transcript.c[c] for c in TRANSCRIPT_COLUMNS[:-1]),
        t.transcript.c.deleted_at.is_not(None).label("deleted"),
    )
    .where(t.transcript.c.interaction_id.in_(bindparam("ids", expanding=True)))
    .order_by(t.transcript.c.interaction_id, t.transcript.c.at, t.transcript.c.id)
)

_REPLIES = (
    select(t.transcript.c.interaction_id, t.transcript.c.text)
    .where(
        t.transcript.c.interaction_id.in_(bindparam("ids", expanding=True)),
        t.transcript.c.kind == EntryKind.OUTBOUND.value,
        t.transcript.c.action.in_([a.value for a in ANSWER_ACTIONS]),
    )
    .order_by(t.transcript.c.interaction_id, t.transcript.c.at, t.transcript.c.id)
)


class Reports:
    """Reads for exports, in chunks so that a large range never builds one huge query."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def transcript(self, interaction_ids: list[str]) -> pd.DataFrame:
        """Every transcript line of these interactions (in the order given, each one's lines
        by time), with the columns of ``TRANSCRIPT_COLUMNS``; ``at`` is tz-aware UTC."""
        parts = []
        with self.store.read() as conn:
            for start in range(0, len(interaction_ids), _CHUNK):
                chunk = interaction_ids[start : start + _CHUNK]
                rows = conn.execute(_LINES, {"ids": chunk}).all()
                parts.append(pd.DataFrame.from_records(rows, columns=TRANSCRIPT_COLUMNS))
        if not parts:
            frame = pd.DataFrame(columns=TRANSCRIPT_COLUMNS)
        else:
            frame = pd.concat(parts, ignore_index=True)
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        frame["deleted"] = frame["deleted"].astype(bool)
        order = {iid: k for k, iid in enumerate(interaction_ids)}
        frame = frame.iloc[
            sorted(range(len(frame)), key=lambda k: (order[frame["interaction_id"].iat[k]], k))
        ].reset_index(drop=True)
        return frame

    def first_replies(self, interaction_ids: list[str]) -> dict[str, str]:
        """The brand's first reply in words (the first outbound reply, DM or quote line) of each
        of these interactions that has one: interaction id -> its text."""
        found: dict[str, str] = {}
        with self.store.read() as conn:
            for start in range(0, len(interaction_ids), _CHUNK):
                chunk = interaction_ids[start : start + _CHUNK]
                for iid, text in conn.execute(_REPLIES, {"ids": chunk}):
                    found.setdefault(iid, text)
        return found
