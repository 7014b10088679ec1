"""The brand accounts' OAuth 2.0 tokens (``oauth_tokens``): secret, never shown."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update

from workbench.domain.tokens import Tokens
from workbench.store import schema as t

if TYPE_CHECKING:
    from workbench.store.store import Store


class TokenTable:
    """The brand accounts' tokens, one row per brand account (``timeline``, in lower case)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _row(row: object) -> Tokens:
        r = row._mapping  # type: ignore[attr-defined]
        return Tokens(
            r["access_token"],
            r["refresh_token"],
            r["expires_at"],
            tuple(str(r["scopes"] or "").split()),
            user_id=r["user_id"],
            username=r["timeline"],
        )

    def get(self, timeline: str) -> Tokens | None:
        with self.store.read() as conn:
            row = conn.execute(
                select(t.oauth_tokens).where(t.oauth_tokens.c.timeline == timeline.lower())
            ).first()
        return self._row(row) if row is not None else None

    def all(self) -> list[Tokens]:
        with self.store.read() as conn:
            rows = conn.execute(select(t.oauth_tokens).order_by(t.oauth_tokens.c.timeline))
            return [self._row(r) for r in rows]

    def save(
        self,
        timeline: str,
        user_id: str,
        access_token: str,
        refresh_token: str | None,
        expires_at: datetime,
        scopes: tuple[str, ...] | list[str],
    ) -> None:
        """Insert or replace ``timeline``'s tokens."""
        values = {
            "user_id": user_id,
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_at": expires_at,
            "scopes": " ".join(scopes),
            "updated_at": datetime.now(UTC),
        }
        key = timeline.lower()
        with self.store.transaction() as conn:
            done = conn.execute(
                update(t.oauth_tokens).where(t.oauth_tokens.c.timeline == key).values(**values)
            )
            if not done.rowcount:
                conn.execute(insert(t.oauth_tokens).values(timeline=key, **values))

    def delete(self, timeline: str) -> bool:
        with self.store.transaction() as conn:
            done = conn.execute(
                delete(t.oauth_tokens).where(t.oauth_tokens.c.timeline == timeline.lower())
            )
            return bool(done.rowcount)
