"""Intake: mentions and DM events of every brand timeline become interactions, once each.

Threading the brand's own replies into the transcripts they answer, queue assignment and batch
classification happen here; X is reached through ``workbench.xapi`` (the adapter).
"""

from __future__ import annotations

from workbench.intake.ingest import Ingest, IngestReport

__all__ = ["Ingest", "IngestReport"]
