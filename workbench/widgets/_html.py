"""HTML fragments for the views. Every piece of tweet text goes through ``autolink``, which
escapes everything first (tweets are attacker-controlled)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from workbench.domain import (
    DELETED_TEXT,
    Actionability,
    Contact,
    Interaction,
    Media,
    Sentiment,
    utcnow,
)
from workbench.domain.priority import wait_level, wait_words
from workbench.i18n import N_, _, format_datetime, ngettext

SENTIMENT_ICONS = {
    Sentiment.POSITIVE: ("😊", "#2ca02c"),
    Sentiment.NEGATIVE: ("😠", "#d62728"),
    Sentiment.NEUTRAL: ("😐", "#7f7f7f"),
    Sentiment.UNDECLARED: ("❔", "#aaaaaa"),
}
ACTIONABILITY_ICONS = {
    Actionability.ACTIONABLE: ("🚩", "#d62728"),
    Actionability.NOT_ACTIONABLE: ("💤", "#7f7f7f"),
    Actionability.UNDECLARED: ("❔", "#aaaaaa"),
}

STYLE = """
<style>
.wb-card{border:1px solid #d0d7de;border-radius:8px;padding:8px 10px;background:#fff;
  font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:13px;line-height:1.4}
.wb-card a{color:#0550ae;text-decoration:underline;text-underline-offset:2px}
.wb-muted{color:#57606a;font-size:12px}
.wb-line{padding:6px 8px;margin:3px 0;border-radius:8px;max-width:90%;overflow-wrap:anywhere}
.wb-line-inbound{background:#f1f3f5}
.wb-line-outbound{background:#e3f1fd;margin-left:auto}
.wb-line-internal{background:#fff8c5;border:1px dashed #d4a72c}
.wb-line-system{color:#57606a;font-style:italic;background:none}
.wb-delivery{font-size:11px;margin-top:2px}
.wb-queued{color:#57606a}.wb-sent{color:#116329}.wb-failed{color:#b00;font-weight:600}
.wb-wait{font-size:12px;font-weight:600;border-radius:8px;padding:0 6px;white-space:nowrap}
.wb-wait-fresh{color:#1a7f37;background:#dafbe1}.wb-wait-near{color:#7d4e00;background:#fff8c5}
.wb-wait-late{color:#fff;background:#b00}
.wb-priority{font-size:12px;color:#57606a}
.wb-workspace .mod-success,.wb-desk .mod-success{background-color:#1a7f37}
.wb-workspace .mod-primary,.wb-desk .mod-primary{background-color:#0969da}
.wb-workspace :focus-visible,.wb-desk :focus-visible{outline:3px solid #0969da !important;
  outline-offset:1px}
.wb-help kbd{border:1px solid #d0d7de;border-radius:4px;padding:0 4px;background:#f6f8fa}
.wb-help td{padding:1px 10px 1px 0}
.wb-deleted{color:#57606a;font-style:italic}
.wb-media{display:inline-block;vertical-align:top;margin:4px 6px 2px 0;max-width:200px}
.wb-media img{display:block;max-width:200px;max-height:150px;width:auto;height:auto;
  border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa}
.wb-media figcaption{font-size:12px;line-height:1.35;color:#57606a;overflow-wrap:anywhere;
  margin-top:2px}
.wb-media-kind{font-weight:600;color:#24292f}
.wb-media-refused{border:1px dashed #d0d7de;border-radius:6px;padding:6px;color:#57606a;
  font-size:12px}
.wb-transcript .widget-html{margin-left:0;margin-right:0}
.wb-state-notice{border:1px solid #d4a72c;background:#fff8c5;color:#24292f;border-radius:6px;
  padding:4px 10px;margin:4px 0;font-size:13px}
.wb-new{background:#1a7f37;color:#fff;border-radius:8px;padding:0 6px;font-size:11px;
  font-style:normal}
</style>
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def when(at: datetime) -> str:
    return format_datetime(at)


def waited_words(waited: timedelta) -> str:
    """A wait as a person says it in the current language (``2 d 4 h`` / ``2 j 4 h``)."""
    words = wait_words(waited)
    # TRANSLATORS: the unit of days in a wait ("2 d 4 h")
    return words.replace(" d ", " " + _("d") + " ")


LABELS = {
    "positive": N_("positive"),
    "negative": N_("negative"),
    "neutral": N_("neutral"),
    "undeclared": N_("undeclared"),
    "actionable": N_("actionable"),
    "not_actionable": N_("not actionable"),
}
"""The sentiment and actionability values as the views name them."""


def value_label(value: Sentiment | Actionability) -> str:
    return _(LABELS.get(value.value, value.value.replace("_", " ")))


_DELETED_SHOWN = N_("deleted by the author")
"""``DELETED_TEXT`` as the views say it (in the agent's language)."""
assert _DELETED_SHOWN == DELETED_TEXT


def deleted_html() -> str:
    """What stands in place of a post its author deleted (muted, italic)."""
    return f'<span class="wb-deleted">{esc(_(_DELETED_SHOWN))}</span>'


AGENT_REASONS = {
    "break": N_("break"),
    "logged in": N_("logged in"),
    "signed out": N_("signed out"),
    "signed out at the desk": N_("signed out at the desk"),
    "end of shift": N_("end of shift"),
}
"""The Not Ready reasons (and sign-out causes) the workbench itself gives, as the views say
them; a supervisor's own words are shown as written."""
_MISSED = re.compile(r"missed (\d+) offers? in a row")
_SILENT = re.compile(r"no heartbeat for (\d+(?:\.\d+)?) s")


def reason_text(reason: str) -> str:
    """An agent's Not Ready reason in the current language (``missed 2 offers in a row``, ``no
    heartbeat for 15 s``, ``signed out``...); other words as written."""
    if reason in AGENT_REASONS:
        return _(AGENT_REASONS[reason])
    if found := _MISSED.fullmatch(reason):
        n = int(found.group(1))
        return ngettext("missed {n} offer in a row", "missed {n} offers in a row", n).format(n=n)
    if found := _SILENT.fullmatch(reason):
        return _("no heartbeat for {seconds} s").format(seconds=found.group(1))
    return reason


def subject_html(it: Interaction) -> str:
    """The interaction's subject as safe HTML; ``deleted_html`` when it came from a post its
    author deleted (the store blanked it)."""
    if not it.subject and it.deleted_at is not None:
        return deleted_html()
    return linked(it.subject)


def linked(text: str, urls: dict[str, str] | None = None) -> str:
    """Tweet text as safe HTML: escaped, then @mentions, #tags, URLs, e-mails, phones linked."""
    from workbench.text import autolink

    return autolink(text, urls)


def profile_link(contact: Contact) -> str:
    return (
        f'<a class="wb-profile" href="{esc(contact.profile_url)}" target="_blank" '
        f'rel="noopener noreferrer">@{esc(contact.username)}</a>'
    )


def icon(value: Sentiment | Actionability, label: str) -> str:
    if isinstance(value, Sentiment):
        glyph, color = SENTIMENT_ICONS[value]
    else:
        glyph, color = ACTIONABILITY_ICONS[value]
    text = value_label(value)
    tip = _("{field}: {rule}").format(field=label, rule=text)
    return (
        f'<span title="{esc(tip)}" style="color:{color};font-size:18px">'
        f'{glyph}</span> <span class="wb-muted">{esc(text)}</span>'
    )


def wait_html(it: Interaction, threshold_seconds: float, now: datetime | None = None) -> str:
    """The customer's wait (since their first message the brand has not answered) as a badge
    coloured against the service-level threshold: green within half of it, amber within it,
    red past it; "answered" when nothing waits."""
    if it.waiting_since is None:
        tip, shown = _("the brand answered"), _("answered")
        return f'<span class="wb-wait wb-wait-fresh" title="{esc(tip)}">{esc(shown)}</span>'
    waited = (now or utcnow()) - it.waiting_since
    threshold = timedelta(seconds=threshold_seconds)
    level = wait_level(waited, threshold)
    tip = _("waiting since {when}; service-level target {target}").format(
        when=when(it.waiting_since), target=waited_words(threshold)
    )
    shown = _("waiting {wait}").format(wait=waited_words(waited))
    return f'<span class="wb-wait wb-wait-{level.value}" title="{esc(tip)}">⏱ {esc(shown)}</span>'


_REASON = re.compile(r"^(?P<name>.+) \((?P<points>[+-]\d+)\)$", re.S)


def priority_reason(reason: str) -> str:
    """A priority rule's label (``Negative sentiment (+10)``, ``domain.priority``) with the
    rule's name in the current language (the shipped rules' names are in the catalog)."""
    found = _REASON.match(reason)
    if found is None:
        return _(reason)
    return f"{_(found['name'])} ({found['points']})"


def priority_html(it: Interaction) -> str:
    """The priority the rules gave the interaction when it was routed, and which rules."""
    if not it.priority_reasons:
        return ""
    reasons = ", ".join(priority_reason(reason) for reason in it.priority_reasons)
    shown = _("priority {points}: {reasons}").format(points=f"{it.priority:+d}", reasons=reasons)
    return f'<span class="wb-priority">{esc(shown)}</span>'


X_MEDIA_HOSTS = frozenset({"pbs.twimg.com", "video.twimg.com", "ton.twimg.com"})
"""Where X serves attached media from (photos and stills, videos, DM media): over https only."""
_NEVER_IN_SRC = frozenset(" \"'<>`\\")


def media_src(url: object, sandbox_url: str | None = None) -> str | None:
    """``url`` when the view may load it, else None: https on one of ``X_MEDIA_HOSTS`` (default
    port, no credentials), or the origin of ``sandbox_url`` (the sandbox the workbench talks
    to, which serves its own media). Anything else (other schemes and hosts, look-alike hosts,
    odd characters that could leave the attribute) is never loaded."""
    if not isinstance(url, str) or not url.isprintable() or any(c in url for c in _NEVER_IN_SRC):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host in X_MEDIA_HOSTS and port is None:
        return url
    if sandbox_url:
        own = urlsplit(sandbox_url)
        if (parts.scheme, parts.netloc.lower()) == (own.scheme, own.netloc.lower()) and own.netloc:
            return url
    return None


def _duration(ms: int) -> str:
    """``12000`` -> ``0:12``; an hour and more -> ``1:02:03``."""
    minutes, seconds = divmod(max(0, ms) // 1000, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def media_html(raws: Iterable[object], sandbox_url: str | None = None) -> str:
    """The photos, videos and GIFs of a message as previews, each with its alt text as a
    visible caption ("no description" without one). Only what ``media_src`` allows is
    loaded; anything else shows as text, and every value from the tweet is escaped."""
    out = []
    for raw in raws:
        medium = Media.from_dict(raw)
        if medium is None:
            continue
        if medium.kind == "video":
            kind = (
                _("Video {duration}").format(duration=_duration(medium.duration_ms))
                if medium.duration_ms is not None
                else _("Video")
            )
        elif medium.kind == "animated_gif":
            kind = _("GIF")
        else:
            kind = ""
        described = medium.alt_text or _("no description")
        caption = esc(described) if medium.alt_text else f"<i>{esc(described)}</i>"
        if kind:
            caption = f'<span class="wb-media-kind">{esc(kind)}</span> · {caption}'
        src = media_src(medium.image_url, sandbox_url)
        if src is not None:
            alt = f"{kind}: {described}" if kind else described
            shown = (
                f'<img src="{esc(src)}" alt="{esc(alt)}" loading="lazy" decoding="async" '
                'referrerpolicy="no-referrer">'
            )
        else:
            why = (
                _("image not shown (not from X)") if medium.image_url else _("image not available")
            )
            shown = f'<div class="wb-media-refused">{esc(why)}</div>'
        out.append(
            f'<figure class="wb-media wb-media-{esc(medium.kind)}">{shown}'
            f"<figcaption>{caption}</figcaption></figure>"
        )
    return f'<div class="wb-attachments">{"".join(out)}</div>' if out else ""
