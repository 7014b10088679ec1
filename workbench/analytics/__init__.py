"""Analytics over the store: the ledger of interactions, derived from the event log, and a live
ledger kept up to date from the events appended since."""

from __future__ import annotations

from workbench.analytics.ledger import COLUMNS, EXTRA, ledger
from workbench.analytics.live import LiveLedger

__all__ = ["COLUMNS", "EXTRA", "LiveLedger", "ledger"]
