"""Intake: mentions and DM events of every brand timeline become interactions, once each.

Threading the brand"s own replies into the transcripts they answer, queue assignment, batch
classification and screening (``workbench.intake.screening``: rules that close or tag a message
on arrival) happen here; X is reached through ``workbench.xapi`` (the adapter).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench._lazy import export

if TYPE_CHECKING:
    from workbench.intake.ingest import Ingest, IngestReport
    from workbench.intake.screening import (
        ScreeningRule,
        add_screening_rule,
        delete_screening_rule,
        screening_rules,
        update_screening_rule,
    )

_SCREENING = "workbench.intake.screening"
_EXPORTS = {
    "Ingest": "workbench.intake.ingest",
    "IngestReport": "workbench.intake.ingest",
    "ScreeningRule": _SCREENING,
    "add_screening_rule": _SCREENING,
    "delete_screening_rule": _SCREENING,
    "screening_rules": _SCREENING,
    "update_screening_rule": _SCREENING,
}
__all__ = [
    "Ingest",
    "IngestReport",
    "ScreeningRule",
    "add_screening_rule",
    "delete_screening_rule",
    "screening_rules",
    "update_screening_rule",
]


def __getattr__(name: str) -> Any:
    return export(__name__, _EXPORTS, name)
