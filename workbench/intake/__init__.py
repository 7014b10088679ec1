"""Intake: mentions and DM events of every brand timeline become interactions, once each.

Threading the brand"s own replies into the transcripts they answer, queue assignment and batch
classification happen here; X is reached through ``workbench.xapi`` (the adapter).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench._lazy import export

if TYPE_CHECKING:
    from workbench.intake.ingest import Ingest, IngestReport

_EXPORTS = {
    "Ingest": "workbench.intake.ingest",
    "IngestReport": "workbench.intake.ingest",
}
__all__ = ["Ingest", "IngestReport"]


def __getattr__(name: str) -> Any:
    return export(__name__, _EXPORTS, name)
