"""Sentiment and actionability labels attached to an inbound message."""

from __future__ import annotations

from enum import Enum


class Sentiment(str, Enum):
    """How the contact feels, as the classifier or an agent judged it."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    UNDECLARED = "undeclared"


class Actionability(str, Enum):
    """Whether the message needs an agent to act."""

    ACTIONABLE = "actionable"
    NOT_ACTIONABLE = "not_actionable"
    UNDECLARED = "undeclared"
