"""A tiny observer mechanism for plain Python models (no traitlets): views subscribe to names."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Changed:
    """What an observer receives: the model, the attribute's name, its old and new value."""

    owner: object
    name: str
    old: object
    new: object


Observer = Callable[[Changed], None]


class Observable:
    """Attributes listed in ``OBSERVABLE`` call their observers when their value changes."""

    OBSERVABLE: tuple[str, ...] = ()

    def __init__(self) -> None:
        self._observers: dict[str, list[Observer]] = {name: [] for name in self.OBSERVABLE}
        self._observer_lock = threading.RLock()

    def observe(self, callback: Observer, names: str | Iterable[str] | None = None) -> Observer:
        """Call ``callback(Changed)`` whenever one of ``names`` (default: all) changes."""
        chosen = self._names(names)
        with self._observer_lock:
            for name in chosen:
                if callback not in self._observers[name]:
                    self._observers[name].append(callback)
        return callback

    def unobserve(self, callback: Observer, names: str | Iterable[str] | None = None) -> None:
        """Stop calling ``callback`` for ``names`` (default: all)."""
        with self._observer_lock:
            for name in self._names(names):
                if callback in self._observers[name]:
                    self._observers[name].remove(callback)

    def _names(self, names: str | Iterable[str] | None) -> tuple[str, ...]:
        chosen = (
            self.OBSERVABLE
            if names is None
            else ((names,) if isinstance(names, str) else tuple(names))
        )
        unknown = [n for n in chosen if n not in self.OBSERVABLE]
        if unknown:
            raise ValueError(
                f"names: {unknown[0]!r} is not observable (one of {', '.join(self.OBSERVABLE)})"
            )
        return chosen

    def _set(self, name: str, value: object) -> bool:
        """Set ``_name`` and notify when the value changed; True if it did."""
        with self._observer_lock:
            old = getattr(self, f"_{name}")
            if old == value:
                return False
            setattr(self, f"_{name}", value)
            observers = list(self._observers[name])
        change = Changed(self, name, old, value)
        for callback in observers:
            try:
                callback(change)
            except Exception:  # a broken view must not stop the model
                log.exception("observer %r of %s failed", callback, name)
        return True
