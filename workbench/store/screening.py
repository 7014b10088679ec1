"""The screening rules table (``screening_rules``): what ingest does with an arriving message
before any agent sees it (``store.screening``). ``workbench.intake.screening`` checks a rule
before it is written here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from workbench.domain.screening import ScreeningRule
from workbench.store import schema as t
from workbench.store._rule_table import RuleTable

if TYPE_CHECKING:
    from workbench.store.store import Store

_s = t.screening_rules
_COUNT = select(func.count()).select_from(_s)


def rule_from_row(row: Any) -> ScreeningRule:
    """The domain object of a ``screening_rules`` row."""
    return ScreeningRule(
        id=row.id,
        position=row.position,
        name=row.name,
        action=row.action,
        disposition=row.disposition,
        words=tuple(row.words or ()),
        languages=tuple(row.languages or ()),
        handles=tuple(row.handles or ()),
        retweets=bool(row.retweets),
    )


def rule_values(rule: ScreeningRule) -> dict[str, Any]:
    """A rule's row without its id (empty conditions as NULL)."""
    return {
        "position": rule.position,
        "name": rule.name,
        "action": rule.action,
        "disposition": rule.disposition,
        "words": list(rule.words) or None,
        "languages": list(rule.languages) or None,
        "handles": list(rule.handles) or None,
        "retweets": rule.retweets,
    }


class ScreeningTables:
    """Screening rules (``store.screening``): ``rules`` lists, adds, changes and deletes them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rules = RuleTable(store, _s, rule_from_row, rule_values)
        """The rules, tried in order of position then id."""

    def count(self, conn: Connection) -> int:
        return int(conn.execute(_COUNT).scalar_one())
