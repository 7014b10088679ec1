"""The base of the workbench's errors, in the domain so that its own rules can raise them."""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose; the CLI prints it as one line."""
