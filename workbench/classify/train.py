"""Teach the actionability model what agents corrected: the use case behind ``workbench train``.

Reads every interaction whose actionability an agent corrected (``store.training``), fits an
``ActionabilityModel`` on the customer's text and the agent's answer, and saves it as the next
version in the model folder, where ``classify`` (and so ingest) picks it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.store import Store

#: Fewest corrections a model is trained on, and fewest of each answer among them.
MIN_CORRECTIONS = 10
MIN_EACH = 3


class TrainingError(WorkbenchError):
    """The store does not hold enough corrections to learn from; names the rule."""


@dataclass(frozen=True)
class Trained:
    """What ``train`` wrote."""

    path: Path
    version: int
    examples: int
    actionable: int

    @property
    def not_actionable(self) -> int:
        return self.examples - self.actionable

    def line(self) -> str:
        return (
            f"actionability model v{self.version:04d}: {self.examples} corrections "
            f"({self.actionable} actionable, {self.not_actionable} not actionable) -> {self.path}"
        )


def check_enough(examples: int, actionable: int) -> None:
    """Raise ``TrainingError`` unless there are enough corrections of each answer."""
    not_actionable = examples - actionable
    if examples < MIN_CORRECTIONS or min(actionable, not_actionable) < MIN_EACH:
        raise TrainingError(
            f"corrections: need at least {MIN_CORRECTIONS} agents' corrections of actionability, "
            f"at least {MIN_EACH} of each answer; the store has {examples} "
            f"({actionable} actionable, {not_actionable} not actionable)"
        )


def train(store: Store, folder: Path) -> Trained:
    """Fit the model on the corrections in ``store`` and save it as the next version in
    ``folder``."""
    from workbench.classify.model import ActionabilityModel

    pairs = [c.pair for c in store.training.actionability()]
    actionable = sum(1 for _, answer in pairs if answer)
    check_enough(len(pairs), actionable)
    model = ActionabilityModel.train(pairs)
    path = model.save(folder)
    return Trained(path, model.version, model.examples, model.actionable_examples)
