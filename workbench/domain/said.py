"""What a person is told: a sentence of the catalog and the values named in it.

An error keeps its technical message (``str(exc)``: ids, field, rule) for the log and for code,
and carries a ``Said`` for the person at the desk: a plain sentence that says what to do
("Pick a disposition before Done."), without ids. The views say it in the reader's language
(``workbench.i18n.tell``); the domain only writes it, in English, which is the catalog's msgid.
``make translations`` finds each sentence as the first argument of ``Said(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date


class Said:
    """A sentence for a person: ``message`` (English, the catalog's msgid, with ``{name}``
    places) and its ``values``. ``str()`` is the English sentence filled in.

    A value is text said as it is (a name, a username), a number or a day (written as the
    language does), money (``domain.cost.Money``), or another ``Said`` (said in the language
    too: a term, a reason)."""

    __slots__ = ("message", "values")

    message: str
    values: Mapping[str, object]

    def __init__(self, message: str, /, **values: object) -> None:
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "values", dict(values))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Said is immutable: cannot set {name}")

    def __str__(self) -> str:
        return self.message.format(**{k: _english(v) for k, v in self.values.items()})

    def __repr__(self) -> str:
        shown = "".join(f", {k}={v!r}" for k, v in self.values.items())
        return f"Said({self.message!r}{shown})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Said):
            return NotImplemented
        return (self.message, dict(self.values)) == (other.message, dict(other.values))

    def __hash__(self) -> int:
        return hash((self.message, tuple(sorted((k, repr(v)) for k, v in self.values.items()))))


def _english(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
