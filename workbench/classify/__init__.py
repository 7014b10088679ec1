"""Sentiment and actionability of inbound messages, and a model that learns from agents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench._lazy import export

if TYPE_CHECKING:
    from workbench.classify.classifier import Classification, Classifier, classify, classify_many
    from workbench.classify.model import (
        ActionabilityModel,
        agreement,
        latest_version,
        load_latest,
        retrain,
    )

_EXPORTS = {
    "ActionabilityModel": "workbench.classify.model",
    "Classification": "workbench.classify.classifier",
    "Classifier": "workbench.classify.classifier",
    "agreement": "workbench.classify.model",
    "classify": "workbench.classify.classifier",
    "classify_many": "workbench.classify.classifier",
    "latest_version": "workbench.classify.model",
    "load_latest": "workbench.classify.model",
    "retrain": "workbench.classify.model",
}
__all__ = [
    "ActionabilityModel",
    "Classification",
    "Classifier",
    "agreement",
    "classify",
    "classify_many",
    "latest_version",
    "load_latest",
    "retrain",
]


def __getattr__(name: str) -> Any:
    return export(__name__, _EXPORTS, name)
