"""What a view tells the agent when an action is refused, and what it logs.

The agent reads a plain sentence saying what to do ("Pick a disposition before Done."), in their
language and without ids; the log (``workbench.refusals``) keeps the technical message (the
interaction, its state, the field and the rule broken), and the traceback of anything that was
not a refusal.
"""

from __future__ import annotations

from workbench.errors import WorkbenchError
from workbench.i18n import _, log, refusal


def refused(what: str, exc: BaseException) -> str:
    """What to show when the action ``what`` (its label, as the button says it) raised ``exc``:
    the error's sentence for a person; else its rule after the action's name; and for what was
    no refusal at all (a fault), a sentence that says the log has it."""
    if not isinstance(exc, WorkbenchError):
        log.error("%s failed", what, exc_info=exc)
        return _(
            "{action} did not work: try again, or tell a supervisor (the log says why)."
        ).format(action=what)
    told = refusal(exc)  # logs the technical message
    if exc.said is not None:
        return told
    return _("{action}: {refusal}").format(action=what, refusal=told)
