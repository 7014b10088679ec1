"""The base of the workbench's errors, in the domain so that its own rules can raise them."""

from __future__ import annotations

from workbench.domain.said import Said


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose; the CLI prints it as one line.

    ``str(exc)`` is the technical message (ids, field, rule) for the log and for code; ``said``,
    when set, is what a person at the desk is told instead: a plain sentence saying what to do,
    without ids (the views show it in the reader's language and log the technical message)."""

    said: Said | None = None
