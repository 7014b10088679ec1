"""Sentiment and actionability of inbound messages, and a model that learns from agents."""

from __future__ import annotations

from workbench.classify.classifier import (
    Classification,
    Classifier,
    classify,
    classify_many,
)
from workbench.classify.model import (
    ActionabilityModel,
    agreement,
    latest_version,
    load_latest,
    retrain,
)

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
