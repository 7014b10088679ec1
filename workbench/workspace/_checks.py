"""The input checks of the actions: each refusal names the field and the rule, and is raised as
the interaction's ``TransitionError`` (or a ``ValidationError`` when there is no interaction)."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping

from workbench.domain import (
    Actionability,
    Channel,
    Contact,
    Interaction,
    Sentiment,
    TransitionError,
)
from workbench.domain.contact import is_username
from workbench.errors import ValidationError

CALL_OUTCOMES = ("connected", "no_answer", "voicemail", "busy", "wrong_number")
DM_MAX_LENGTH = 10_000


def refuse(it: Interaction, action: str, rule: str) -> TransitionError:
    return TransitionError(it.id, it.state, action, rule)


def known_queue(queues: Iterable[str], it: Interaction, action: str, queue: str | None) -> None:
    """Refuse ``action`` to a queue that is not among ``queues``, naming the known ones."""
    known = sorted(queues)
    if queue not in known:
        raise refuse(it, action, f"no queue named {queue!r} (known: {', '.join(known)})")


def not_empty(it: Interaction, action: str, field: str, text: object) -> None:
    if blank(text):
        raise refuse(it, action, f"{field}: must not be empty")


def blank(text: object) -> bool:
    """Whether ``text`` is no text at all: not a string, empty, or only blanks."""
    return not isinstance(text, str) or not text.strip()


def tweet_rule(text: object) -> str | None:
    """The rule a tweet's text breaks as X counts it (None: X accepts it): not empty, at most
    280 weighted characters, all characters accepted."""
    from workbench.text import MAX_WEIGHTED_LENGTH, is_valid_tweet, weighted_length

    if blank(text):
        return "must not be empty"
    assert isinstance(text, str)
    try:
        length = weighted_length(text)
        valid = is_valid_tweet(text)
    except ValueError as exc:
        return str(exc)
    if length > MAX_WEIGHTED_LENGTH:
        return f"{length} characters as X counts them, at most {MAX_WEIGHTED_LENGTH}"
    if not valid:
        return "contains characters X does not accept"
    return None


def tweet_text(it: Interaction, action: str, text: str) -> None:
    """A tweet as X counts it: not empty, at most 280 weighted characters, all accepted."""
    rule = tweet_rule(text)
    if rule is not None:
        raise refuse(it, action, f"text: {rule}")


def post_text(text: object) -> str:
    """A new tweet's text, checked as X counts it; refused as the ``text`` field's rule (a new
    tweet has no interaction yet to name)."""
    rule = tweet_rule(text)
    if rule is not None:
        raise ValidationError("text", rule)
    assert isinstance(text, str)
    return text


def dm_refusal(contact: Contact, channel: Channel) -> str | None:
    """Why the brand cannot DM ``contact`` (None: it can): X lets it when they follow the
    brand, their DMs are open, or they wrote to the brand by DM (a DM interaction)."""
    if contact.can_receive_dm or channel is Channel.DM:
        return None
    return (
        f"@{contact.username} cannot receive a direct message from the brand: "
        "they do not follow it and their DMs are closed"
    )


def dm_text(it: Interaction, text: str) -> None:
    not_empty(it, "dm", "text", text)
    if len(text) > DM_MAX_LENGTH:
        raise refuse(it, "dm", f"text: {len(text)} characters, at most {DM_MAX_LENGTH}")


DELETED_RULE = (
    "deleted by its author: X's developer terms ask apps to honour deletions, so a deleted "
    "post is not replied to, liked, retweeted or quoted"
)


def target_tweet(
    it: Interaction, action: str, tweets: Mapping[str, bool], tweet_id: str | None
) -> str:
    """The customer tweet an action is about: ``tweet_id`` if it is one of ``tweets`` (the
    interaction's customer tweets, oldest first, each with whether its author deleted it),
    else the latest of them not deleted. A deleted one is refused, naming the rule."""
    if tweet_id is None:
        alive = [tid for tid, deleted in tweets.items() if not deleted]
        if not alive and tweets:
            raise refuse(it, action, f"tweet_id: every customer tweet here was {DELETED_RULE}")
        return alive[-1] if alive else list(tweets)[-1]
    if str(tweet_id) not in tweets:
        raise refuse(it, action, f"tweet {tweet_id} is not a customer message of this interaction")
    if tweets[str(tweet_id)]:
        raise refuse(it, action, f"tweet_id: tweet {tweet_id} was {DELETED_RULE}")
    return str(tweet_id)


def call_outcome(it: Interaction, outcome: str) -> None:
    if outcome not in CALL_OUTCOMES:
        raise refuse(it, "call", f"outcome: one of {', '.join(CALL_OUTCOMES)}, got {outcome!r}")


def email(it: Interaction, subject: str, body: str) -> None:
    if not isinstance(subject, str) or not subject.strip() or "\n" in subject:
        raise refuse(it, "email", "subject: one non-empty line is required")
    not_empty(it, "email", "body", body)


def correction(
    it: Interaction,
    sentiment: Sentiment | str | None,
    actionability: Actionability | str | None,
) -> tuple[Sentiment | None, Actionability | None]:
    """The corrected labels, checked: at least one, each a known value."""
    if sentiment is None and actionability is None:
        raise refuse(it, "correct", "give a sentiment or an actionability")
    try:
        s = None if sentiment is None else Sentiment(sentiment)
    except ValueError:
        allowed = ", ".join(x.value for x in Sentiment)
        raise refuse(it, "correct", f"sentiment: one of {allowed}, got {sentiment!r}") from None
    try:
        a = None if actionability is None else Actionability(actionability)
    except ValueError:
        allowed = ", ".join(x.value for x in Actionability)
        raise refuse(
            it, "correct", f"actionability: one of {allowed}, got {actionability!r}"
        ) from None
    return s, a


def fill(it: Interaction, name: str, template: str, values: Mapping[str, str | None]) -> str:
    """The standard response ``name`` with every {variable} filled; refused if one has none."""
    action = "insert_standard_response"
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise refuse(it, action, f"{name}: {exc}") from None
    for field in fields:
        if field not in values or values[field] in (None, ""):
            raise refuse(it, action, f"{name}: variable {{{field}}} has no value")
    return template.format_map(values)


def timeline(value: str) -> str:
    """A brand account's X username (without the @)."""
    name = (value or "").lstrip("@")
    if not is_username(name):
        raise ValidationError("timeline", f"an X username (1-15 letters, digits, _), got {value!r}")
    return name
