"""The screening rules table (``screening_rules``): what ingest does with an arriving message
before any agent sees it (``store.screening``). ``workbench.intake.screening`` checks a rule
before it is written here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, select, update

from workbench.domain.screening import ScreeningRule
from workbench.store import schema as t

if TYPE_CHECKING:
    from workbench.store.store import Store

_s = t.screening_rules
_RULES = select(_s).order_by(_s.c.position, _s.c.id)
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
    """Screening rules: list, add, update, delete (``store.screening``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def rules(self, conn: Connection | None = None) -> list[ScreeningRule]:
        """The rules in the order they are tried (position, then id)."""
        if conn is None:
            with self.store.read() as c:
                return self.rules(c)
        return [rule_from_row(r) for r in conn.execute(_RULES)]

    def rule(self, conn: Connection, rule_id: int) -> ScreeningRule | None:
        row = conn.execute(select(_s).where(_s.c.id == rule_id)).first()
        return None if row is None else rule_from_row(row)

    def count(self, conn: Connection) -> int:
        return int(conn.execute(_COUNT).scalar_one())

    def last_position(self, conn: Connection) -> int | None:
        return conn.execute(select(func.max(_s.c.position))).scalar()

    def add_rule(self, conn: Connection, rule: ScreeningRule) -> int:
        """Insert the rule (its ``id`` is ignored); returns the new id."""
        result = conn.execute(_s.insert().returning(_s.c.id), rule_values(rule))
        return int(result.scalar_one())

    def update_rule(self, conn: Connection, rule: ScreeningRule) -> None:
        conn.execute(update(_s).where(_s.c.id == rule.id).values(rule_values(rule)))

    def delete_rule(self, conn: Connection, rule_id: int) -> bool:
        """False when there is no such rule."""
        return bool(conn.execute(delete(_s).where(_s.c.id == rule_id)).rowcount == 1)
