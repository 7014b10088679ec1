"""Analytics over the store: the ledger of interactions, derived from the event log."""

from __future__ import annotations

from workbench.analytics.ledger import COLUMNS, ledger

__all__ = ["COLUMNS", "ledger"]
