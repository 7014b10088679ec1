"""Reports and charts computed with pandas from the ledger of handled interactions."""

from __future__ import annotations

from workbench.reports.export import FORMATS, export, in_zone
from workbench.reports.summary import Summary, summarize

__all__ = ["FORMATS", "Summary", "export", "in_zone", "summarize"]
