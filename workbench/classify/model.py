"""An actionability model that learns from agents' corrections, saved in numbered versions.

TF-IDF over words and character n-grams, then logistic regression (scikit-learn). Retrain it from
the corrections kept so far, ``save`` it under a folder (``actionability-v0007.joblib``) and load
the newest with ``load_latest``. Files are pickles: load them only from a folder you trust.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from workbench.classify.classifier import prepare
from workbench.classify.trained import FILE_PATTERN as FILE_PATTERN
from workbench.classify.trained import model_files

_NOISE = re.compile(r"https?://\S+|[@＠][A-Za-z0-9_]+")


def _normalize(text: str) -> str:
    return _NOISE.sub(" ", prepare(text)).lower()


@dataclass
class ActionabilityModel:
    """A trained model with its version and what it learnt from."""

    pipeline: Pipeline
    version: int = 0
    examples: int = 0
    actionable_examples: int = 0
    trained_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    sklearn_version: str = sklearn.__version__

    @classmethod
    def train(cls, corrections: Iterable[tuple[str, bool]]) -> ActionabilityModel:
        """Fit on (text, actionable) pairs; both answers must occur at least once."""
        texts: list[str] = []
        labels: list[int] = []
        for i, pair in enumerate(corrections):
            try:
                text, actionable = pair
            except (TypeError, ValueError):
                raise TypeError(f"corrections[{i}] must be a (text, actionable) pair") from None
            if not isinstance(text, str):
                raise TypeError(f"corrections[{i}] text must be str, not {type(text).__name__}")
            if not isinstance(actionable, bool):
                raise TypeError(f"corrections[{i}] actionable must be bool, not {actionable!r}")
            texts.append(_normalize(text))
            labels.append(int(actionable))
        positives = sum(labels)
        if positives == 0 or positives == len(labels):
            raise ValueError(
                "corrections: need both actionable and not actionable examples to learn from "
                f"(got {positives} actionable of {len(labels)})"
            )
        features = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)),
                (
                    "chars",
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True
                    ),
                ),
            ]
        )
        pipeline = Pipeline(
            [
                ("features", features),
                ("model", LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)),
            ]
        )
        pipeline.fit(texts, labels)
        return cls(pipeline, examples=len(labels), actionable_examples=positives)

    def probabilities(self, texts: Iterable[str]) -> list[float]:
        """Probability that each text is actionable."""
        prepared = [_normalize(t) for t in texts]
        if not prepared:
            return []
        return [float(p) for p in self.pipeline.predict_proba(prepared)[:, 1]]

    def predict(self, texts: Iterable[str]) -> list[bool]:
        """Whether each text is actionable, by the model alone."""
        return [p >= 0.5 for p in self.probabilities(texts)]

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write the model as the next version in ``directory``; returns the file written."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        state = self._state()
        while True:
            version = latest_version(folder) + 1
            path = folder / f"actionability-v{version:04d}.joblib"
            state["version"] = version
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".actionability-", suffix=".tmp")
            os.close(fd)
            try:
                joblib.dump(state, tmp)
                try:
                    os.link(tmp, path)  # fails if another writer took this version
                except FileExistsError:
                    continue
            finally:
                os.unlink(tmp)
            self.version = version
            return path

    def _state(self) -> dict[str, Any]:
        return {
            "format": 1,
            "pipeline": self.pipeline,
            "version": self.version,
            "examples": self.examples,
            "actionable_examples": self.actionable_examples,
            "trained_at": self.trained_at.isoformat(),
            "sklearn_version": self.sklearn_version,
        }

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ActionabilityModel:
        """Read a model file written by ``save``."""
        state = joblib.load(path)
        if not isinstance(state, dict) or state.get("format") != 1:
            raise ValueError(f"{path}: not an actionability model file")
        return cls(
            pipeline=state["pipeline"],
            version=int(state["version"]),
            examples=int(state["examples"]),
            actionable_examples=int(state["actionable_examples"]),
            trained_at=datetime.fromisoformat(state["trained_at"]),
            sklearn_version=str(state["sklearn_version"]),
        )


def versions(directory: str | os.PathLike[str]) -> list[tuple[int, Path]]:
    """The model files in ``directory``, oldest first (regular files only, no symlinks)."""
    return model_files(Path(directory))


def latest_version(directory: str | os.PathLike[str]) -> int:
    """The highest version saved in ``directory`` (0 when none)."""
    found = versions(directory)
    return found[-1][0] if found else 0


def load_latest(directory: str | os.PathLike[str]) -> ActionabilityModel | None:
    """The newest model saved in ``directory``, or None when there is none."""
    found = versions(directory)
    return ActionabilityModel.load(found[-1][1]) if found else None


def retrain(
    corrections: Iterable[tuple[str, bool]], directory: str | os.PathLike[str]
) -> ActionabilityModel:
    """Train on ``corrections`` and save the result as the next version in ``directory``."""
    model = ActionabilityModel.train(corrections)
    model.save(directory)
    return model


def agreement(pairs: Iterable[tuple[Hashable, Hashable]]) -> float:
    """Share of (classifier's label, agent's label) pairs that agree; NaN when there are none.

    Labels compare by value, so enums and their string values mix (``Sentiment.NEGATIVE`` agrees
    with ``"negative"``).
    """
    total = agreed = 0
    for i, pair in enumerate(pairs):
        try:
            ours, theirs = pair
        except (TypeError, ValueError):
            raise TypeError(f"pairs[{i}] must be a (classifier, agent) pair") from None
        total += 1
        agreed += _value(ours) == _value(theirs)
    return agreed / total if total else math.nan


def _value(label: Hashable) -> Hashable:
    return getattr(label, "value", label)
