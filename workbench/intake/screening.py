"""Screening rules: what ingest does with an arriving message before any agent sees it.

Rules are rows of ``screening_rules`` (``store.screening``) a supervisor edits: each names its
conditions (words or phrases, X's ``lang`` codes, authors' usernames, retweets; every given
one must hold) and what to do with a match: ``close`` it at once with the rule's disposition,
or ``tag`` it (queued as usual, the disposition preset). The first match by position wins.
``ScreeningRule`` and ``screen`` live in ``workbench.domain.screening``; the checks of a rule
are here. A retweets rule sees retweets only when ingest does not skip them
(``WORKBENCH_SKIP_RETWEETS``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from workbench.domain.contact import is_username
from workbench.domain.screening import LANGUAGE, ScreeningAction, ScreeningRule, screen
from workbench.errors import ValidationError
from workbench.store import NotFoundError, Store, Transaction

__all__ = [
    "ScreeningRule",
    "add_screening_rule",
    "delete_screening_rule",
    "screen",
    "screening_rules",
    "update_screening_rule",
]

_UNSET: Any = object()
NAME_LENGTH = 128
WORD_LENGTH = 100


def screening_rules(store: Store, conn: Transaction | None = None) -> list[ScreeningRule]:
    """The rules in the order they are tried."""
    return store.screening.rules.all(conn)


def _texts(field: str, values: Iterable[str] | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        raise ValidationError(field, f"a list, not one string ({values!r}): [{values!r}]")
    out = []
    for value in values:
        if not isinstance(value, str):
            raise ValidationError(field, f"each one a string, got {value!r}")
        out.append(value)
    return out


def _words(values: Iterable[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in _texts("words", values):
        word = " ".join(value.split())
        if not word:
            raise ValidationError("words", "each word or phrase needs a letter, got an empty one")
        if len(word) > WORD_LENGTH:
            raise ValidationError("words", f"at most {WORD_LENGTH} characters each: {word[:20]!r}…")
        if word.casefold() not in (w.casefold() for w in out):
            out.append(word)
    return tuple(out)


def _languages(values: Iterable[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in _texts("languages", values):
        code = value.strip().lower()
        if not LANGUAGE.fullmatch(code):
            raise ValidationError(
                "languages", f"X's BCP47 lang codes (en, pt, zh-tw, und), got {value!r}"
            )
        if code not in out:
            out.append(code)
    return tuple(out)


def _handles(values: Iterable[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in _texts("handles", values):
        handle = value.strip().removeprefix("@")
        if not is_username(handle):
            raise ValidationError(
                "handles", f"X usernames (1-15 letters, digits, _; '@' optional), got {value!r}"
            )
        if handle.lower() not in (h.lower() for h in out):
            out.append(handle)
    return tuple(out)


def _validate(store: Store, conn: Transaction, rule: ScreeningRule) -> None:
    if not isinstance(rule.name, str) or not rule.name.strip():
        raise ValidationError("name", "a rule needs a name (say what it screens)")
    if len(rule.name) > NAME_LENGTH:
        raise ValidationError("name", f"at most {NAME_LENGTH} characters")
    actions = [a.value for a in ScreeningAction]
    if rule.action not in actions:
        raise ValidationError("action", f"one of {', '.join(actions)}, got {rule.action!r}")
    known = {d.code for d in store.reads.dispositions(conn)}
    if rule.disposition not in known:
        raise ValidationError(
            "disposition",
            f"no such disposition {rule.disposition!r} (known: {', '.join(sorted(known))})",
        )
    if not isinstance(rule.retweets, bool):
        raise ValidationError("retweets", f"True or False, got {rule.retweets!r}")
    if not rule.has_condition:
        raise ValidationError(
            "conditions", "at least one of words, languages, handles or retweets is required"
        )
    if isinstance(rule.position, bool) or not isinstance(rule.position, int):
        raise ValidationError("position", f"a whole number, got {rule.position!r}")


def _rule(rule_id: int, position: int, **fields: Any) -> ScreeningRule:
    """A rule of the given fields, its conditions checked and cleaned."""
    return ScreeningRule(
        rule_id,
        position,
        fields["name"].strip() if isinstance(fields["name"], str) else fields["name"],
        fields["action"],
        fields["disposition"],
        _words(fields["words"]),
        _languages(fields["languages"]),
        _handles(fields["handles"]),
        fields["retweets"],
    )


def add_screening_rule(
    store: Store,
    name: str,
    action: str,
    disposition: str,
    *,
    position: int | None = None,
    words: Iterable[str] | None = None,
    languages: Iterable[str] | None = None,
    handles: Iterable[str] | None = None,
    retweets: bool = False,
) -> ScreeningRule:
    """Add a rule; without ``position`` it goes last."""
    with store.transaction() as conn:
        if position is None:
            position = (store.screening.rules.last_position(conn) or 0) + 10
        rule = _rule(
            0,
            position,
            name=name,
            action=action,
            disposition=disposition,
            words=words,
            languages=languages,
            handles=handles,
            retweets=retweets,
        )
        _validate(store, conn, rule)
        return replace(rule, id=store.screening.rules.add(conn, rule))


def update_screening_rule(
    store: Store,
    rule_id: int,
    *,
    position: int = _UNSET,
    name: str = _UNSET,
    action: str = _UNSET,
    disposition: str = _UNSET,
    words: Iterable[str] | None = _UNSET,
    languages: Iterable[str] | None = _UNSET,
    handles: Iterable[str] | None = _UNSET,
    retweets: bool = _UNSET,
) -> ScreeningRule:
    """Change the given fields of a rule (None or an empty list clears a condition)."""
    given = {
        k: v
        for k, v in {
            "name": name,
            "action": action,
            "disposition": disposition,
            "words": words,
            "languages": languages,
            "handles": handles,
            "retweets": retweets,
        }.items()
        if v is not _UNSET
    }
    with store.transaction() as conn:
        found = store.screening.rules.get(conn, rule_id)
        if found is None:
            raise NotFoundError(f"screening rule {rule_id!r} does not exist")
        fields = {
            "name": found.name,
            "action": found.action,
            "disposition": found.disposition,
            "words": found.words,
            "languages": found.languages,
            "handles": found.handles,
            "retweets": found.retweets,
            **given,
        }
        rule = _rule(rule_id, found.position if position is _UNSET else position, **fields)
        _validate(store, conn, rule)
        store.screening.rules.update(conn, rule)
        return rule


def delete_screening_rule(store: Store, rule_id: int) -> None:
    with store.transaction() as conn:
        if not store.screening.rules.delete(conn, rule_id):
            raise NotFoundError(f"screening rule {rule_id!r} does not exist")
