"""The views' languages: English (the default) and French, through gettext catalogs.

``_()`` and ``ngettext()`` translate into the current language (``set_language``; else the
``WORKBENCH_LANGUAGE`` setting; else English); ``N_()`` only marks a string for the catalog
(a constant translated where it is shown). ``format_datetime``, ``format_number`` and
``format_money`` write dates, numbers and money as the language does (Babel). ``tell()`` says a
``Said`` (a sentence for a person, with its values) in the current language. ``refusal()`` says
a use case's refusal to a person: the sentence its error carries (``said``: what to do, without
ids), or else its rule in the current language; the technical message (ids, field, rule) goes to
the log (``workbench.refusals``), never to the screen.

The catalog is ``workbench/locale/fr/LC_MESSAGES/workbench.po`` (compiled to ``.mo``); its
template ``workbench/locale/workbench.pot`` is extracted from the code (``make translations``).
"""

from __future__ import annotations

import functools
import gettext
import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from workbench.domain.cost import Money
from workbench.domain.said import Said

log = logging.getLogger("workbench.refusals")
"""Where the views log the technical message of each refusal they show (INFO)."""

DOMAIN = "workbench"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français"}
"""The languages the views speak: code -> the language's own name."""
DEFAULT = "en"

_chosen: str | None = None


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it (translate where shown)."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark ``message`` for the catalog in ``context`` (translate with ``pgettext``)."""
    return message


def supported(tag: str | None) -> str | None:
    """The language of ``tag`` (``fr``, ``fr-CA``, ``fr_FR.UTF-8``, ``EN``) the views speak,
    else None."""
    code = re.split(r"[-_.@]", (tag or "").strip().lower(), maxsplit=1)[0]
    return code if code in LANGUAGES else None


def set_language(tag: str | None) -> str:
    """Speak the language of ``tag`` from now on (None or "": back to the setting); returns the
    language in force. A language the views do not speak is English."""
    global _chosen
    _chosen = supported(tag) if tag else None
    if tag and _chosen is None:
        _chosen = DEFAULT
    return language()


def language() -> str:
    """The current language: the one set, else ``WORKBENCH_LANGUAGE``, else English."""
    if _chosen is not None:
        return _chosen
    return setting_language() or DEFAULT


def setting_language() -> str | None:
    """``WORKBENCH_LANGUAGE`` from the environment (None: not set, the browser's in the app)."""
    import os

    return supported(os.environ.get("WORKBENCH_LANGUAGE"))


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of ``lang`` (English: none, the msgids are English)."""
    if lang == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language (as is when the catalog lacks it)."""
    if not message:
        return message
    return translations(language()).gettext(message)


def pgettext(context: str, message: str) -> str:
    """``message`` as meant in ``context``, in the current language."""
    if not message:
        return message
    return translations(language()).pgettext(context, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message for ``n``, in the current language."""
    return translations(language()).ngettext(singular, plural, n)


# --- dates and numbers ---------------------------------------------------------------------

_DATE_PATTERNS = {"en": "yyyy-MM-dd HH:mm"}
"""The pattern of a date and time per language; others: Babel's short form for the language."""


def format_datetime(at: datetime, lang: str | None = None) -> str:
    """``at`` (UTC) as the language writes a date and time, to the minute, with ``UTC``."""
    from babel.dates import format_datetime as babel_format

    lang = lang or language()
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    pattern = _DATE_PATTERNS.get(lang, "short")
    shown = babel_format(at, pattern, tzinfo=UTC, locale=lang)
    return f"{shown} UTC"


_DAY_TIME_PATTERNS = {"en": "MM-dd HH:mm", "fr": "dd/MM HH:mm"}


def format_day_time(at: datetime, lang: str | None = None) -> str:
    """``at`` (UTC) as a short day and time without the year (``08-22 14:05`` / ``22/08 14:05``)."""
    from babel.dates import format_datetime as babel_format

    lang = lang or language()
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    pattern = _DAY_TIME_PATTERNS.get(lang, "MM-dd HH:mm")
    return str(babel_format(at, pattern, tzinfo=UTC, locale=lang))


def format_number(number: float, lang: str | None = None, decimals: int | None = None) -> str:
    """``number`` with the language's digit grouping and decimal sign (1,234.5 / 1 234,5);
    ``decimals``: exactly so many digits after the decimal sign."""
    from babel.numbers import format_decimal

    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(number, format=pattern, locale=lang or language()))


def format_money(amount: Money, lang: str | None = None) -> str:
    """US dollars as the language writes money (``$0.20``, ``$0.005`` / ``0,20 $``): the
    language's currency pattern with the dollar sign, a third decimal only when a cent does not
    say it."""
    from babel import Locale
    from babel.numbers import format_decimal

    lang = lang or language()
    pattern = Locale.parse(lang).currency_formats["standard"].pattern
    pattern = pattern.split(";")[0].replace("0.00", "0.00#").replace("¤", "'$'")
    return str(format_decimal(amount.dollars, format=pattern, locale=lang))


def format_percent(share: float, lang: str | None = None) -> str:
    """A share (0.8) as the language writes a whole percentage (80% / 80 %)."""
    from babel.numbers import format_percent as babel_percent

    return str(babel_percent(share, locale=lang or language()))


# --- refusals ----------------------------------------------------------------------------

# The use cases' rules as the views show them, with what varies in them named; a rule that
# matches one of these is said in the current language (the others stay as written).
RULES: tuple[tuple[str, str], ...] = (
    (r"allowed only when (?P<states>[a-z, ]+)", N_("allowed only when {states}")),
    (r"offered to (?P<agent>.+)", N_("offered to {agent}")),
    (r"only the owner (?P<agent>.+) may", N_("only the owner {agent} may")),
    (
        r"only (?P<agent>.+) or a conference party may do this",
        N_("only {agent} or a conference party may do this"),
    ),
    (r"it is (?P<agent>.+)'s", N_("it is {agent}'s")),
    (r"already with (?P<agent>.+)", N_("already with {agent}")),
    (r"(?P<agent>.+) is already in the interaction", N_("{agent} is already in the interaction")),
    (r"(?P<agent>.+) is not a conference party", N_("{agent} is not a conference party")),
    (r"no agent named (?P<agent>.+)", N_("no agent named {agent}")),
    (
        r"no queue named (?P<queue>.+?) \(known: (?P<known>.*)\)",
        N_("no queue named {queue} (known: {known})"),
    ),
    (r"@(?P<user>\w+) has no phone number on record", N_("@{user} has no phone number on record")),
    (
        r"@(?P<user>\w+) has no e-mail address on record",
        N_("@{user} has no e-mail address on record"),
    ),
    (
        r"@(?P<user>\w+) cannot receive a direct message from the brand: they do not follow it "
        r"and their DMs are closed",
        N_(
            "@{user} cannot receive a direct message from the brand: they do not follow it "
            "and their DMs are closed"
        ),
    ),
    (
        r"(?P<length>\d+) characters as X counts them, at most (?P<most>\d+)",
        N_("{length} characters as X counts them, at most {most}"),
    ),
    (
        r"(?P<length>\d+) characters, at most (?P<most>\d+)",
        N_("{length} characters, at most {most}"),
    ),
    (r"no standard response (?P<name>.+)", N_("no standard response {name}")),
    (
        r"(?P<name>.+) is signed in at another desk \(its heartbeat is recent\); sign out there "
        r"first, or wait a minute after closing it",
        N_(
            "{name} is signed in at another desk (its heartbeat is recent); sign out there "
            "first, or wait a minute after closing it"
        ),
    ),
    (
        r"a name of 1 to 64 characters without spaces is required, got (?P<name>.+)",
        N_("a name of 1 to 64 characters without spaces is required, got {name}"),
    ),
    (
        r"tweet (?P<id>\w+) is not a customer message of this interaction",
        N_("tweet {id} is not a customer message of this interaction"),
    ),
    (
        r"no refused send (?P<key>.+) in this interaction",
        N_("no refused send {key} in this interaction"),
    ),
    # Where a queued send is (the outbox's sentence: X's rate rule, when it goes out).
    (r"(?P<rule>X allows .+); goes out (?P<wait>.+)", N_("{rule}; goes out {wait}")),
    (r"goes out (?P<wait>.+)", N_("goes out {wait}")),
    (r"retrying (?P<wait>.+?): (?P<error>.*)", N_("retrying {wait}: {error}")),
    (
        r"X allows (?P<limit>\d[\d,]*) (?P<noun>.+) per (?P<span>.+)",
        N_("X allows {limit} {noun} per {span}"),
    ),
)
_WAITS: tuple[tuple[str, str], ...] = (
    (r"now", N_("now")),
    (r"in under a minute", N_("in under a minute")),
    (r"in about (?P<hours>\d+) h (?P<minutes>\d+) min", N_("in about {hours} h {minutes} min")),
    (r"in about (?P<hours>\d+) h", N_("in about {hours} h")),
    (r"in about (?P<minutes>\d+) min", N_("in about {minutes} min")),
    (r"(?P<n>\d+) hours", N_("{n} hours")),
    (r"(?P<n>\d+) minutes", N_("{n} minutes")),
    (r"(?P<n>[\d.]+) seconds", N_("{n} seconds")),
    (r"hour", N_("hour")),
    (r"minute", N_("minute")),
    (r"second", N_("second")),
)
"""How long until a send goes out, and the span of X's rate windows (``domain.budget``'s
``say_wait`` and ``say_span``), as the views say them."""
_COMPILED = tuple((re.compile(f"^{pattern}$", re.S), template) for pattern, template in RULES)
_COMPILED_WAITS = tuple((re.compile(f"^{pattern}$"), template) for pattern, template in _WAITS)

FIXED_RULES = (
    N_("must not be empty"),
    N_("contains characters X does not accept"),
    N_("cannot transfer to yourself"),
    N_("cannot consult yourself"),
    N_("channel must be chat or voice"),
    N_("a disposition is required first"),
    N_("name exactly one of to_agent or to_queue"),
    N_("give a sentiment or an actionability"),
    N_("one non-empty line is required"),
    N_("your name is required to sign in"),
    N_("Not Ready needs a reason (break, training, ...)"),
    N_("a supervisor's name is required"),
    N_("pick at least one interaction to close"),
    N_("pick an agent"),
)
"""Rules without a varying part (the use cases write them so); listed for the catalog."""

FIELDS = (
    N_("text"),
    N_("subject"),
    N_("body"),
    N_("agent"),
    N_("reason"),
    N_("outcome"),
    N_("sentiment"),
    N_("actionability"),
    N_("timeline"),
    N_("queue"),
)
"""The fields a refusal names that the views show."""

STATES = (N_("queued"), N_("offered"), N_("accepted"), N_("pending"), N_("done"))

ACTIONS: dict[str, str] = {
    "accept": NP_("refused action", "accept"),
    "reject": NP_("refused action", "reject"),
    "reply": NP_("refused action", "reply"),
    "dm": NP_("refused action", "send a direct message"),
    "quote": NP_("refused action", "quote"),
    "retweet": NP_("refused action", "retweet"),
    "like": NP_("refused action", "favorite"),
    "unlike": NP_("refused action", "take back a favorite"),
    "follow": NP_("refused action", "follow"),
    "unfollow": NP_("refused action", "unfollow"),
    "call": NP_("refused action", "call"),
    "email": NP_("refused action", "e-mail"),
    "transfer": NP_("refused action", "transfer"),
    "conference": NP_("refused action", "conference"),
    "leave_conference": NP_("refused action", "leave the conference"),
    "consult": NP_("refused action", "consult"),
    "correct": NP_("refused action", "correct"),
    "done": NP_("refused action", "mark done"),
    "pend": NP_("refused action", "pend"),
    "resume": NP_("refused action", "resume"),
    "insert_standard_response": NP_("refused action", "insert a standard response"),
    "retry_send": NP_("refused action", "send again"),
    "set_disposition": NP_("refused action", "set the disposition"),
    "act": NP_("refused action", "act"),
}
"""The actions a refusal names, as the views say them."""

_SINCE = re.compile(r"^(?P<head>.*) \(since (?P<date>\d{4}-\d{2}-\d{2})\)$", re.S)


def rule(text: str) -> str:
    """A use case's rule (or field: rule) in the current language, where the catalog has it."""
    if language() == DEFAULT or not text:
        return text
    said = _(text)
    if said != text:
        return said
    since = _SINCE.match(text)
    if since:
        from datetime import date

        day = date.fromisoformat(since["date"])
        return _("{reason} (since {date})").format(
            reason=rule(since["head"]), date=format_date(day)
        )
    for pattern, template in _COMPILED:
        found = pattern.match(text)
        if found:
            parts = {k: _part(k, v) for k, v in found.groupdict().items()}
            return _(template).format(**parts)
    field, sep, rest = text.partition(": ")
    if sep and field and " " not in field.strip("@"):
        return _("{field}: {rule}").format(field=_(field), rule=rule(rest))
    return text


def _part(name: str, value: str) -> str:
    """A varying part of a rule, said in the current language where it is words: states, a
    nested rule, a wait or a span, a noun of X's rate limits (``data/x_limits.json``), a
    number."""
    if name == "states":
        return _state_list(value)
    if name == "rule":
        return rule(value)
    if name in {"wait", "span"}:
        for pattern, template in _COMPILED_WAITS:
            found = pattern.match(value)
            if found:
                return _(template).format(**found.groupdict())
        return value
    if name == "noun":
        return _(value)
    if name == "limit":
        return format_number(int(value.replace(",", "")))
    return value


def _state_list(states: str) -> str:
    return ", ".join(_(s.strip()) for s in states.split(","))


def format_date(day: Any, lang: str | None = None) -> str:
    """A day as the language writes it (medium form: ``Apr 20, 2026`` / ``20 avr. 2026``)."""
    from babel.dates import format_date as babel_date

    return str(babel_date(day, "medium", locale=lang or language()))


def tell(said: Said) -> str:
    """``said`` in the current language: its sentence from the catalog, its values written as
    the language does (numbers, days, money; a value that is a ``Said`` is told too)."""
    values = {name: _told(value) for name, value in said.values.items()}
    return _(said.message).format(**values)


def _told(value: object) -> str:
    if isinstance(value, Said):
        return tell(value)
    if isinstance(value, Money):
        return format_money(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def refusal(exc: BaseException | str) -> str:
    """What a refusal says to a person, in the current language. An error that carries a
    sentence for a person (``said``) says it; else a ``TransitionError`` (interaction, state,
    action, rule) or a ``ValidationError`` (field, rule) is framed anew, and any other message
    goes through ``rule``. An error's technical message is logged (``workbench.refusals``)."""
    if isinstance(exc, str):
        return rule(exc)
    log.info("refused: %s: %s", type(exc).__name__, exc)
    said = getattr(exc, "said", None)
    if isinstance(said, Said):
        return tell(said)
    if language() == DEFAULT:
        return str(exc)
    iid = getattr(exc, "interaction_id", None)
    state = getattr(exc, "state", None)
    action = getattr(exc, "action", None)
    why = getattr(exc, "rule", None)
    if isinstance(iid, str) and isinstance(action, str) and isinstance(why, str):
        return _("interaction {id} is {state}: cannot {action} ({rule})").format(
            id=iid,
            state=_(str(getattr(state, "value", state))),
            action=pgettext("refused action", ACTIONS.get(action, action)),
            rule=rule(why),
        )
    field = getattr(exc, "field", None)
    if isinstance(field, str) and isinstance(why, str):
        return _("{field}: {rule}").format(field=_(field), rule=rule(why))
    return rule(str(exc))
