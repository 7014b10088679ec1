"""The workbench's errors: one base, each carrying the context needed to act on it."""

from __future__ import annotations

from workbench.domain.errors import WorkbenchError
from workbench.domain.said import Said

__all__ = [
    "ConfigError",
    "Said",
    "StoreError",
    "UsageError",
    "ValidationError",
    "WorkbenchError",
]


class ConfigError(WorkbenchError):
    """A setting has a value the workbench cannot use; the message names the setting."""

    def __init__(self, setting: str, problem: str) -> None:
        self.setting = setting
        self.problem = problem
        super().__init__(f"{setting}: {problem}")


class StoreError(WorkbenchError):
    """The store cannot be used (unreachable, wrong schema version, write refused)."""


class ValidationError(WorkbenchError, ValueError):
    """Input broke a rule; names the field and the rule (``said``: what a person is told)."""

    def __init__(self, field: str, rule: str, said: Said | None = None) -> None:
        self.field = field
        self.rule = rule
        self.said = said
        super().__init__(f"{field}: {rule}")


class UsageError(ValidationError):
    """A command-line option broke a rule: the CLI prints it in one line and exits 2, as
    argparse does for its own usage errors."""
