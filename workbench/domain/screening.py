"""Screening rules: what happens to an arriving message before any agent sees it.

A rule names the conditions it needs (words or phrases in the text, X's ``lang`` codes, the
authors' usernames, being a retweet) and what to do with a message that meets every one:
``close`` it at once with the rule's disposition (spam, say), or ``tag`` it (it goes to its
queue with the disposition preset). An empty condition is no condition; a rule has at least
one. The first match by position wins.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum


class ScreeningAction(str, Enum):
    """What a screening rule does with a message it matches."""

    CLOSE = "close"
    """Stored, then closed at once with the rule's disposition: never offered to an agent."""
    TAG = "tag"
    """Queued as usual, with the rule's disposition preset."""


LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*")
"""A BCP47 tag as X gives a post's ``lang`` (lower case: ``en``, ``pt``, ``zh-tw``, ``und``)."""


def fold(text: str) -> str:
    """``text`` as rules compare it: compatibility-normalised (so 𝐅𝐑𝐄𝐄 is FREE) and
    case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """One regex finding any of ``words`` as whole words (a phrase's words separated by any
    white space), in folded text."""
    parts = [r"\s+".join(map(re.escape, fold(w).split())) for w in words if w.strip()]
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(parts, key=len, reverse=True)) + r")(?!\w)")


@dataclass(frozen=True)
class ScreeningRule:
    """Do ``action`` with ``disposition`` to a message meeting every given condition."""

    id: int
    position: int
    name: str
    action: str
    """``close`` or ``tag`` (``ScreeningAction``)."""
    disposition: str
    words: tuple[str, ...] = ()
    """Words or phrases, any of which in the text (whole words, any case) meets the
    condition."""
    languages: tuple[str, ...] = ()
    """X's BCP47 ``lang`` codes (``en``, ``pt``); ``pt`` also meets ``pt-BR``. A message
    without a language (a DM) does not meet it."""
    handles: tuple[str, ...] = ()
    """Authors' usernames, without '@', any case."""
    retweets: bool = False
    """True: only retweets meet it."""
    _words: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _needles: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _languages: frozenset[str] = field(init=False, repr=False, compare=False)
    _handles: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Built once, so that a rule costs a lookup or a regex search per message.
        object.__setattr__(self, "_words", _pattern(self.words))
        # The longest word of each: a message holding none of them is passed over at once.
        needles = {max(fold(w).split(), key=len) for w in self.words if w.strip()}
        object.__setattr__(self, "_needles", tuple(sorted(needles)))
        object.__setattr__(self, "_languages", frozenset(x.lower() for x in self.languages))
        object.__setattr__(self, "_handles", frozenset(fold(h.lstrip("@")) for h in self.handles))

    @property
    def closes(self) -> bool:
        return self.action == ScreeningAction.CLOSE.value

    @property
    def has_condition(self) -> bool:
        return bool(self.words or self.languages or self.handles or self.retweets)

    def matches(
        self, text: str, lang: str | None = None, username: str = "", is_retweet: bool = False
    ) -> bool:
        """Whether a message meets every condition of the rule (a rule without any matches
        nothing)."""
        return self.matched(text, lang, username, is_retweet) is not None

    def matched(
        self, text: str, lang: str | None = None, username: str = "", is_retweet: bool = False
    ) -> dict[str, str | bool] | None:
        """What met each condition (``word``: the word or phrase found, folded; ``language``,
        ``handle``, ``retweet``), or None when one is not met."""
        if not self.has_condition:
            return None
        found: dict[str, str | bool] = {}
        if self.retweets:
            if not is_retweet:
                return None
            found["retweet"] = True
        if self._handles:
            if fold(username.lstrip("@")) not in self._handles:
                return None
            found["handle"] = username
        if self._languages:
            code = (lang or "").lower()
            if code not in self._languages and code.split("-", 1)[0] not in self._languages:
                return None
            found["language"] = lang or ""
        if self._words is not None:
            folded = fold(text)
            if not any(n in folded for n in self._needles):
                return None
            hit = self._words.search(folded)
            if hit is None:
                return None
            found["word"] = hit.group(0)
        return found


def screen(
    rules: Iterable[ScreeningRule],
    text: str,
    lang: str | None = None,
    username: str = "",
    is_retweet: bool = False,
) -> ScreeningRule | None:
    """The first rule (by position, then id) the message matches, or None."""
    for rule in sorted(rules, key=lambda r: (r.position, r.id)):
        if rule.matches(text, lang, username, is_retweet):
            return rule
    return None
