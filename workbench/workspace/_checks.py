"""The input checks of the actions: each refusal names the field and the rule, and is raised as
the interaction's ``TransitionError`` (or a ``ValidationError`` when there is no interaction),
with what the agent is told (``said``: a plain sentence saying what to do, no ids)."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping

from workbench.domain import (
    Actionability,
    Channel,
    Contact,
    Interaction,
    Said,
    Sentiment,
    TransitionError,
)
from workbench.domain.contact import is_username
from workbench.errors import ValidationError

CALL_OUTCOMES = ("connected", "no_answer", "voicemail", "busy", "wrong_number")
DM_MAX_LENGTH = 10_000


def refuse(it: Interaction, action: str, rule: str, said: Said | None = None) -> TransitionError:
    """The refusal of ``action`` on ``it`` for ``rule``; ``said``: what the agent is told."""
    return TransitionError(it.id, it.state, action, rule, said)


PICK_AGENT = Said("Pick an agent first.")


def no_such_agent(name: str) -> Said:
    """What the agent is told when no agent is named ``name``."""
    return Said("There is no agent named {agent}: pick one from the list.", agent=name)


def known_queue(queues: Iterable[str], it: Interaction, action: str, queue: str | None) -> None:
    """Refuse ``action`` to a queue that is not among ``queues``, naming the known ones."""
    known = sorted(queues)
    if queue not in known:
        raise refuse(
            it,
            action,
            f"no queue named {queue!r} (known: {', '.join(known)})",
            Said("Pick a queue from the list."),
        )


_WRITE_FIRST = {
    "internal_note": Said("Write the note first."),
    "email": Said("Write the e-mail in the reply box first."),
}


def not_empty(it: Interaction, action: str, field: str, text: object) -> None:
    if blank(text):
        said = _WRITE_FIRST.get(action, Said("Write something before sending."))
        raise refuse(it, action, f"{field}: must not be empty", said)


def blank(text: object) -> bool:
    """Whether ``text`` is no text at all: not a string, empty, or only blanks."""
    return not isinstance(text, str) or not text.strip()


def tweet_rule(text: object) -> str | None:
    """The rule a tweet's text breaks as X counts it (None: X accepts it): not empty, at most
    280 weighted characters, all characters accepted."""
    broken = _tweet_refusal(text)
    return None if broken is None else broken[0]


_ODD_CHARACTERS = Said("Take out the characters X does not accept, then send.")


def _tweet_refusal(text: object) -> tuple[str, Said] | None:
    """The rule a tweet's text breaks as X counts it and what the agent is told; None: none."""
    from workbench.text import MAX_WEIGHTED_LENGTH, is_valid_tweet, weighted_length

    if blank(text):
        return "must not be empty", Said("Write something before sending.")
    assert isinstance(text, str)
    try:
        length = weighted_length(text)
        valid = is_valid_tweet(text)
    except ValueError as exc:
        return str(exc), _ODD_CHARACTERS
    if length > MAX_WEIGHTED_LENGTH:
        return (
            f"{length} characters as X counts them, at most {MAX_WEIGHTED_LENGTH}",
            Said(
                "Shorten it by {over} characters: X takes at most {most}.",
                over=length - MAX_WEIGHTED_LENGTH,
                most=MAX_WEIGHTED_LENGTH,
            ),
        )
    if not valid:
        return "contains characters X does not accept", _ODD_CHARACTERS
    return None


def tweet_text(it: Interaction, action: str, text: str) -> None:
    """A tweet as X counts it: not empty, at most 280 weighted characters, all accepted."""
    broken = _tweet_refusal(text)
    if broken is not None:
        raise refuse(it, action, f"text: {broken[0]}", broken[1])


def post_text(text: object) -> str:
    """A new tweet's text, checked as X counts it; refused as the ``text`` field's rule (a new
    tweet has no interaction yet to name)."""
    broken = _tweet_refusal(text)
    if broken is not None:
        rule, said = broken
        if blank(text):
            said = Said("Write the tweet before posting.")
        raise ValidationError("text", rule, said)
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


def dm_said(contact: Contact) -> Said:
    """What the agent is told when ``contact`` cannot receive a DM from the brand."""
    return Said(
        "@{user} cannot receive a direct message: they do not follow the brand and their DMs "
        "are closed. Reply in public instead.",
        user=contact.username,
    )


def dm_text(it: Interaction, text: str) -> None:
    not_empty(it, "dm", "text", text)
    if len(text) > DM_MAX_LENGTH:
        raise refuse(
            it,
            "dm",
            f"text: {len(text)} characters, at most {DM_MAX_LENGTH}",
            Said(
                "Shorten it by {over} characters: a direct message takes at most {most}.",
                over=len(text) - DM_MAX_LENGTH,
                most=DM_MAX_LENGTH,
            ),
        )


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
            raise refuse(
                it,
                action,
                f"tweet_id: every customer tweet here was {DELETED_RULE}",
                Said(
                    "The customer deleted their posts here: there is none left to answer, "
                    "like, retweet or quote."
                ),
            )
        return alive[-1] if alive else list(tweets)[-1]
    if str(tweet_id) not in tweets:
        raise refuse(
            it,
            action,
            f"tweet {tweet_id} is not a customer message of this interaction",
            Said("That message is not one of this interaction's: pick one in its transcript."),
        )
    if tweets[str(tweet_id)]:
        raise refuse(
            it,
            action,
            f"tweet_id: tweet {tweet_id} was {DELETED_RULE}",
            Said(
                "The customer deleted this post: it can no longer be answered, liked, "
                "retweeted or quoted."
            ),
        )
    return str(tweet_id)


def call_outcome(it: Interaction, outcome: str) -> None:
    if outcome not in CALL_OUTCOMES:
        raise refuse(
            it,
            "call",
            f"outcome: one of {', '.join(CALL_OUTCOMES)}, got {outcome!r}",
            Said("Pick how the call went."),
        )


def email(it: Interaction, subject: str, body: str) -> None:
    if not isinstance(subject, str) or not subject.strip() or "\n" in subject:
        raise refuse(
            it,
            "email",
            "subject: one non-empty line is required",
            Said("Give the e-mail a subject of one line."),
        )
    not_empty(it, "email", "body", body)


def correction(
    it: Interaction,
    sentiment: Sentiment | str | None,
    actionability: Actionability | str | None,
) -> tuple[Sentiment | None, Actionability | None]:
    """The corrected labels, checked: at least one, each a known value."""
    if sentiment is None and actionability is None:
        raise refuse(
            it,
            "correct",
            "give a sentiment or an actionability",
            Said("Pick a sentiment or an actionability."),
        )
    try:
        s = None if sentiment is None else Sentiment(sentiment)
    except ValueError:
        allowed = ", ".join(x.value for x in Sentiment)
        raise refuse(
            it,
            "correct",
            f"sentiment: one of {allowed}, got {sentiment!r}",
            Said("Pick a sentiment from the list."),
        ) from None
    try:
        a = None if actionability is None else Actionability(actionability)
    except ValueError:
        allowed = ", ".join(x.value for x in Actionability)
        raise refuse(
            it,
            "correct",
            f"actionability: one of {allowed}, got {actionability!r}",
            Said("Pick an actionability from the list."),
        ) from None
    return s, a


def fill(it: Interaction, name: str, template: str, values: Mapping[str, str | None]) -> str:
    """The standard response ``name`` with every {variable} filled; refused if one has none."""
    action = "insert_standard_response"
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise refuse(
            it,
            action,
            f"{name}: {exc}",
            Said(
                "This standard response is malformed: write the reply yourself, and tell a "
                "supervisor."
            ),
        ) from None
    for field in fields:
        if field not in values or values[field] in (None, ""):
            raise refuse(
                it,
                action,
                f"{name}: variable {{{field}}} has no value",
                Said(
                    "This standard response needs {variable}, which is not known here: write "
                    "the reply yourself.",
                    variable="{" + field + "}",
                ),
            )
    return template.format_map(values)


def timeline(value: str) -> str:
    """A brand account's X username (without the @)."""
    name = (value or "").lstrip("@")
    if not is_username(name):
        raise ValidationError(
            "timeline",
            f"an X username (1-15 letters, digits, _), got {value!r}",
            Said("Pick a brand account to post on."),
        )
    return name
