"""The X API's failures as the workbench's errors, mapped once at the gateway's edge.

Each message names the call and the rule it broke; none carries a token or a secret.
"""

from __future__ import annotations

from workbench.errors import WorkbenchError


class XApiError(WorkbenchError):
    """A call to the X API failed; ``call`` names it (``"create_tweet"``), ``status`` is HTTP's."""

    retryable = False

    def __init__(self, call: str, rule: str, status: int | None = None) -> None:
        self.call = call
        self.rule = rule
        self.status = status
        shown = f" (HTTP {status})" if status else ""
        super().__init__(f"X API {call}{shown}: {rule}")


class BadRequest(XApiError):
    """The request broke a rule of the API (a parameter out of range, text too long, ...)."""


class AuthError(XApiError):
    """The credentials were refused (401): wrong, revoked, or missing."""


class Forbidden(XApiError):
    """X understood the request and refuses it (403): e.g. a DM the user cannot receive."""


class NotFound(XApiError):
    """The user, tweet or route does not exist (404, or X's 200 with a not-found error)."""


class RateLimited(XApiError):
    """Too many requests in the window (429); retry at ``reset_time`` (Unix seconds)."""

    retryable = True

    def __init__(self, call: str, reset_time: float | None, status: int | None = 429) -> None:
        self.reset_time = reset_time
        when = f"the window resets at {int(reset_time)}" if reset_time else "no reset time given"
        super().__init__(call, f"rate limit reached; {when}", status)


class Unavailable(XApiError):
    """X (or the sandbox) did not answer usefully: 5xx, a timeout, a refused connection.

    ``timed_out``: no answer in time, so the request may still take effect at X later.
    """

    retryable = True

    def __init__(
        self, call: str, rule: str, status: int | None = None, *, timed_out: bool = False
    ) -> None:
        self.timed_out = timed_out
        super().__init__(call, rule, status)


class MalformedItem(XApiError):
    """An item in an answer lacks what the workbench needs (an id, an author, a date)."""

    def __init__(self, call: str, item_id: str | None, rule: str) -> None:
        self.item_id = item_id
        super().__init__(call, f"item {item_id or '?'}: {rule}")
