"""The store's tables (SQLAlchemy Core). Migrations in ``migrations/versions`` build them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# An auto-incrementing 64-bit key that SQLite also auto-increments (it needs INTEGER for that).
BigId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

agents = Table(
    "agents",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("display_name", String(128), nullable=False, server_default=""),
    Column("state", String(16), nullable=False, server_default="not_ready"),
    Column("reason", String(128), nullable=False, server_default=""),
    Column("capacity", Integer, nullable=False, server_default="1"),
    Column("heartbeat_at", UTCDateTime),
    Column("idle_since", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    # The queues the agent takes offers from; NULL means every queue (revision 0002).
    Column("queues", JSON),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("username", String(32), nullable=False, index=True),
    Column("name", String(128), nullable=False, server_default=""),
    Column("followers_count", Integer, nullable=False, server_default="0"),
    Column("statuses_count", Integer, nullable=False, server_default="0"),
    Column("follows_brand", Boolean, nullable=False, server_default="0"),
    Column("dm_open", Boolean, nullable=False, server_default="0"),
    Column("phone", String(32)),
    Column("email", String(254)),
    Column("updated_at", UTCDateTime, nullable=False),
    # X's verified badge (revision 0007): priority rules may raise verified customers.
    Column("verified", Boolean, nullable=False, server_default="0"),
)

interactions = Table(
    "interactions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("channel", String(16), nullable=False),
    # What opened the interaction, one column per kind of id (revision 0004 split ``source_id``):
    # the tweet of a mention, the DM event of a DM, the outbox key of a post not yet sent.
    # Ingest is idempotent on the first two.
    Column("tweet_id", String(32)),
    Column("dm_event_id", String(32)),
    Column("post_key", String(128)),
    Column("timeline", String(32), nullable=False, server_default=""),
    Column("contact_id", String(32), ForeignKey("contacts.id"), nullable=False),
    Column("queue", String(64), nullable=False),
    Column("subject", Text, nullable=False, server_default=""),
    Column("state", String(16), nullable=False),
    Column("agent", String(64)),
    Column("parties", JSON, nullable=False),
    Column("consultations", JSON, nullable=False),
    Column("sentiment", String(16), nullable=False, server_default="undeclared"),
    Column("actionability", String(16), nullable=False, server_default="undeclared"),
    Column("disposition", String(64)),
    Column("note", Text, nullable=False, server_default=""),
    # Conversations (revision 0006): who the router offers a reopened interaction to first,
    # and the interaction a late follow-up continues.
    Column("preferred_agent", String(64)),
    Column("previous_id", String(36)),
    Column("arrived_at", UTCDateTime, nullable=False),
    # When the latest offer was made (the offer time-out runs from it); the ledger's
    # ``offered_at`` is the first offer, from the event log (revision 0003 renamed it).
    Column("last_offered_at", UTCDateTime),
    Column("accepted_at", UTCDateTime),
    Column("first_reply_at", UTCDateTime),
    Column("done_at", UTCDateTime),
    Column("version", Integer, nullable=False, server_default="0"),
    # When the routing rules chose the queue; NULL until the router has seen it (revision 0002).
    Column("routed_at", UTCDateTime),
    # Time and priority (revision 0007): since when the customer waits for an answer (NULL when
    # the brand answered their last message); the priority the rules gave it on routing and the
    # names of the rules that did; until when it waits on the customer (state ``pending``).
    Column("waiting_since", UTCDateTime),
    Column("priority", Integer, nullable=False, server_default="0"),
    Column("priority_reasons", JSON),
    Column("pending_until", UTCDateTime),
    # Deleted posts (revision 0009): when an author last deleted one of its posts; the subject
    # is blanked when it came from one.
    Column("deleted_at", UTCDateTime),
    UniqueConstraint("tweet_id", name="uq_interactions_tweet_id"),
    UniqueConstraint("dm_event_id", name="uq_interactions_dm_event_id"),
    UniqueConstraint("post_key", name="uq_interactions_post_key"),
    Index("ix_interactions_state_queue", "state", "queue"),
    Index("ix_interactions_agent", "agent"),
    Index("ix_interactions_contact_id", "contact_id"),
)

# Revision 0011: each routing pass finds the new arrivals (queued, not routed yet) without
# reading the whole queue (the rows it never routes, the brand's own posts, sit under other
# states).
Index(
    "ix_interactions_unrouted",
    interactions.c.state,
    interactions.c.arrived_at,
    interactions.c.id,
    sqlite_where=interactions.c.routed_at.is_(None),
    postgresql_where=interactions.c.routed_at.is_(None),
)

transcript = Table(
    "transcript",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("interaction_id", String(36), ForeignKey("interactions.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("author", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("tweet_id", String(32)),
    Column("details", JSON, nullable=False),
    # When its author deleted the post (revision 0009): the line stays, its text is blanked.
    Column("deleted_at", UTCDateTime),
    Index("ix_transcript_tweet_id", "tweet_id"),
)

events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("interaction_id", String(36), index=True),
    Column("agent", String(64)),
    Column("action", String(32), nullable=False),
    Column("details", JSON, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("key", String(128), nullable=False, unique=True),
    Column("interaction_id", String(36), index=True),
    Column("timeline", String(32), nullable=False),
    Column("action", String(16), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime),
    Column("last_error", Text),
    Column("result", JSON),
    # The id X gave what was sent (tweet id or DM event id): the brand's own messages that ingest
    # meets are matched by it (revision 0004).
    Column("x_id", String(32)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Index("ix_outbox_state_next", "state", "next_attempt_at"),
    Index("ix_outbox_x_id", "x_id"),
)

dispositions = Table(
    "dispositions",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("label", String(128), nullable=False),
    Column("no_action", Boolean, nullable=False, server_default="0"),
)

standard_responses = Table(
    "standard_responses",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("category", String(64), nullable=False, server_default=""),
    Column("text", Text, nullable=False),
    # What the agent picks it by (revision 0012), translated where shown; "": its name.
    Column("label", String(128), nullable=False, server_default=""),
)

queues = Table(
    "queues",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("label", String(128), nullable=False),
)

routing_rules = Table(
    "routing_rules",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("position", Integer, nullable=False),
    Column("queue", String(64), ForeignKey("queues.name"), nullable=False),
    Column("channel", String(16)),
    Column("timeline", String(32)),
    Column("min_followers", Integer),
    Column("actionability", String(16)),
)

# Priority rules (revision 0007): an interaction's priority is the sum of the points of the rules
# it matches (every given condition holds); the router offers the highest first, then the
# longest wait. ``waited_minutes`` rules count from ``interactions.waiting_since``.
priority_rules = Table(
    "priority_rules",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("position", Integer, nullable=False),
    Column("name", String(128), nullable=False),
    Column("points", Integer, nullable=False),
    Column("min_followers", Integer),
    Column("verified", Boolean),
    Column("sentiment", String(16)),
    Column("actionability", String(16)),
    Column("waited_minutes", Integer),
    Column("handles", JSON),
)

# Screening rules (revision 0007): on arrival, the first rule (by position) an interaction
# matches closes it (``action`` close) or presets its disposition (``action`` tag).
screening_rules = Table(
    "screening_rules",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("position", Integer, nullable=False),
    Column("name", String(128), nullable=False),
    Column("action", String(8), nullable=False),
    Column("disposition", String(64), ForeignKey("dispositions.code"), nullable=False),
    Column("words", JSON),
    Column("languages", JSON),
    Column("handles", JSON),
    Column("retweets", Boolean, nullable=False, server_default="0"),
)

# Every X call the workbench made (revision 0010): reads per resource returned, writes per
# request, streamed deliveries; ``cost`` in micro-dollars (0 off the pay-per-use plan, ``plan``
# says which was in force) and the interaction the call served, if one.
api_calls = Table(
    "api_calls",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("timeline", String(32), nullable=False),
    Column("endpoint", String(96), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("resources", Integer, nullable=False),
    Column("cost", BigInteger, nullable=False),
    Column("plan", String(16), nullable=False),
    Column("interaction_id", String(36), index=True),
)

cursors = Table(
    "cursors",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("value", String(128), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# OAuth 2.0 user-context tokens of each brand account (revision 0008), for the X Activity API's
# private events; written by ``workbench auth`` and by ingest when it refreshes them. Secret:
# never shown.
oauth_tokens = Table(
    "oauth_tokens",
    metadata,
    Column("timeline", String(64), primary_key=True),
    Column("user_id", String(32), nullable=False),
    Column("access_token", Text, nullable=False),
    Column("refresh_token", Text),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("scopes", String(512), nullable=False, server_default=""),
    Column("updated_at", UTCDateTime, nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("source", String(64), nullable=False),
    Column("item_id", String(64)),
    Column("reason", Text, nullable=False),
    Column("payload", Text, nullable=False),
)
