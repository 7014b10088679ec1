"""Tweet text rules as X applies them: weighted length, entities, safe HTML and reply mentions.

Pure functions over ``str``. Lengths and URLs come from twitter-text-parser (the twitter-text
conformance suite passes); mentions and hashtags follow the same suite's rules. Indices count code
points, end exclusive, as the X API v2 ``entities`` do.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

with warnings.catch_warnings():
    # twitter-text-parser imports pkg_resources, which newer setuptools warn about on import
    warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
    import twitter_text
    from twitter_text.config import config as _TT_CONFIG

MAX_WEIGHTED_LENGTH = 280
#: Text whose URL scan would cost more than this (estimated microseconds) is refused, not scanned.
SCAN_BUDGET = 3_000_000

PROFILE_URL = "https://x.com/{}"
SEARCH_URL = "https://x.com/search?q={}"

_V3: dict[str, Any] = dict(_TT_CONFIG["version3"])
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Entity:
    """A mention, hashtag, URL, e-mail address or phone number found in a text.

    ``text`` is the entity without its ``@`` or ``#`` sign; ``start``/``end`` span the sign too.
    """

    kind: str
    text: str
    start: int
    end: int
    list_slug: str = ""


# --- argument checks -----------------------------------------------------------------------------


def _need_str(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    return value


# --- cost guard for twitter-text's URL regex -----------------------------------------------------

# twitter-text's URL pattern backtracks: a long run of dotted labels ("a.a.a.a...") costs time
# quadratic in the number of labels, long runs of letters or brackets quadratic in their length.
# Before scanning we estimate that cost per whitespace-separated token and refuse absurd text.
_TOKEN = re.compile(r"\S+")
_NOT_ASCII_ALNUM = re.compile(r"[^A-Za-z0-9]")


def _scan_cost(text: str) -> float:
    """Estimated microseconds twitter-text needs to find the URLs in ``text`` (upper bound)."""
    if "." not in text:
        return 0.0
    cost = 0.0
    for match in _TOKEN.finditer(text):
        token = match.group()
        size = len(token)
        if size < 8:
            cost += 1.0
            continue
        dots = token.count(".")
        starts = 1 + len(_NOT_ASCII_ALNUM.findall(token))
        cost += 6.0 * dots * dots + 0.05 * starts * size + 0.01 * size * size
    return cost


def _guard(text: str, name: str = "text") -> None:
    if len(text) > 2000 or text.count(".") > 30:
        cost = _scan_cost(text)
        if cost > SCAN_BUDGET:
            raise ValueError(
                f"{name}: {len(text)} characters with too many dotted or unbroken runs to scan "
                "for links in reasonable time; split the text or remove the long runs"
            )


# --- length --------------------------------------------------------------------------------------


def _parse(text: str, options: Mapping[str, Any] | None = None) -> twitter_text.ParsedResult:
    """twitter-text's parse (NFC first, URLs 23, emoji 2) behind the cost guard."""
    _need_str(text, "text")
    _guard(text)
    # A lone surrogate cannot be sent as UTF-8; count it as the U+FFFD it would be sent as.
    text = _SURROGATE.sub("\ufffd", text)
    return twitter_text.parse_tweet(text, dict(options) if options else _V3)


def weighted_length(text: str) -> int:
    """Length as X counts it: NFC first, URLs 23, emoji and CJK 2, most other characters 1."""
    return int(_parse(text).weightedLength)


def remaining(text: str) -> int:
    """Characters left before the 280 weighted limit (negative when over)."""
    return MAX_WEIGHTED_LENGTH - weighted_length(text)


def is_valid_tweet(text: str) -> bool:
    """Whether X accepts ``text`` as a post: 1..280 weighted and no invalid characters."""
    return bool(_parse(text).valid)


# --- mentions ------------------------------------------------------------------------------------

_LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b"
    "\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_MENTION_OR_LIST = re.compile(
    r"(^|[^a-zA-Z0-9_!#$%&*@＠]|(?:^|[^a-zA-Z0-9_+~.-])(?:rt|RT|rT|Rt):?)"  # preceding
    r"([@＠])([a-zA-Z0-9_]{1,20})(/[a-zA-Z][a-zA-Z0-9_\-]{0,24})?"
)
_END_MENTION = re.compile(f"(?:[@＠]|[{_LATIN_ACCENTS}]|://)")


def extract_mentions_or_lists_with_indices(text: str) -> list[Entity]:
    """@mentions and @user/list references, with their code point indices."""
    _need_str(text, "text")
    if "@" not in text and "＠" not in text:
        return []
    found = []
    for m in _MENTION_OR_LIST.finditer(text):
        if _END_MENTION.match(text, m.end()):
            continue
        slug = m.group(4) or ""
        start = m.start(2)
        found.append(Entity("mention", m.group(3), start, m.end(), slug))
    return found


def extract_mentions_with_indices(text: str) -> list[Entity]:
    """@mentions (not lists) with their code point indices."""
    return [e for e in extract_mentions_or_lists_with_indices(text) if not e.list_slug]


def extract_mentions(text: str) -> list[str]:
    """The usernames @mentioned in ``text``, in order, without the ``@``."""
    return [e.text for e in extract_mentions_with_indices(text)]


# --- hashtags ------------------------------------------------------------------------------------

_HASHTAG_SPECIAL = (
    "_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0\u30fb\u3003"
    "\u0f0b\u0f0c\u00b7"
)


def _ranges(codepoints: Iterable[int]) -> str:
    """A regex character-class body for ``codepoints`` (sorted), as ranges."""
    parts: list[str] = []
    first = last = -2
    for cp in codepoints:
        if cp == last + 1:
            last = cp
            continue
        if first >= 0:
            parts.append(_span(first, last))
        first = last = cp
    if first >= 0:
        parts.append(_span(first, last))
    return "".join(parts)


def _span(first: int, last: int) -> str:
    def esc(cp: int) -> str:
        return f"\\U{cp:08x}"

    return esc(first) if first == last else f"{esc(first)}-{esc(last)}"


@functools.cache
def _hashtag_pattern() -> re.Pattern[str]:
    """twitter-text's hashtag rule: letters, marks, numerals, a few joiners; one letter at least."""
    letters: list[int] = []
    numerals: list[int] = []
    category = unicodedata.category
    for cp in range(0x110000):
        cat = category(chr(cp))
        if cat[0] in "LM":
            letters.append(cp)
        elif cat == "Nd":
            numerals.append(cp)
    alpha = f"[{_ranges(letters)}]"
    alnum = f"[{_ranges(letters)}{_ranges(numerals)}{_HASHTAG_SPECIAL}]"
    boundary = f"(^|[\ufe0e\ufe0f]|(?!{alnum}|&)[\\s\\S])"
    return re.compile(f"{boundary}([#＃])(?![\ufe0f\u20e3])({alnum}*{alpha}{alnum}*)")


_END_HASHTAG = re.compile(r"(?:[#＃]|://)")


def _hashtags(text: str) -> list[Entity]:
    if "#" not in text and "＃" not in text:
        return []
    found = []
    for m in _hashtag_pattern().finditer(text):
        if _END_HASHTAG.match(text, m.end()):
            continue
        found.append(Entity("hashtag", m.group(3), m.start(2), m.end()))
    return found


def extract_hashtags_with_indices(text: str) -> list[Entity]:
    """#hashtags with their code point indices (none inside a URL)."""
    _need_str(text, "text")
    tags = _hashtags(text)
    if tags:
        urls = _urls(text, without_protocol=True)
        if urls:
            tags = [e for e in _without_overlaps(tags + urls) if e.kind == "hashtag"]
    return tags


def extract_hashtags(text: str) -> list[str]:
    """The #hashtags in ``text``, in order, without the ``#``."""
    return [e.text for e in extract_hashtags_with_indices(text)]


# --- URLs ----------------------------------------------------------------------------------------


def _urls(text: str, without_protocol: bool) -> list[Entity]:
    _guard(text)
    return [
        Entity("url", d["url"], d["indices"][0], d["indices"][1])
        for d in twitter_text.extract_urls_with_indices(text, without_protocol)
    ]


def extract_urls_with_indices(text: str, without_protocol: bool = True) -> list[Entity]:
    """URLs (also bare domains such as ``example.com`` unless told not to) with their indices."""
    _need_str(text, "text")
    return _urls(text, without_protocol)


def extract_urls(text: str, without_protocol: bool = True) -> list[str]:
    """The URLs in ``text``, in order."""
    return [e.text for e in extract_urls_with_indices(text, without_protocol)]


def has_url(text: str) -> bool:
    """Whether X finds a URL in ``text`` (bare domains too, as X links them): X bills a post
    with one as a post with a URL."""
    try:
        return bool(extract_urls(text))
    except ValueError:  # too long to scan whole: look for the obvious forms
        return "://" in text or "www." in text


# --- e-mail addresses and phone numbers ----------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}"
    r"(?![A-Za-z0-9\-@])"
)
_PHONE = re.compile(
    r"(?<![\w+@#$%&/\\.,:=\-])"
    r"(\+\d{1,3}[ .\-]?)?"  # country code
    r"(\(\d{1,5}\)[ .\-]?)?"  # area code in brackets
    r"(\d{1,5}(?:[ .\-]\d{1,5}){0,5})"
    r"(?![\w@/:\-])(?!\.\d)(?!,\d)"
)


def extract_emails_with_indices(text: str) -> list[Entity]:
    """E-mail addresses with their code point indices."""
    _need_str(text, "text")
    if "@" not in text:
        return []
    return [Entity("email", m.group(), m.start(), m.end()) for m in _EMAIL.finditer(text)]


def extract_phones_with_indices(text: str) -> list[Entity]:
    """Phone numbers: international (+...), bracketed area code, or three or more digit groups.

    Kept strict so that order numbers, dates and prices are not taken for phone numbers.
    ``text`` of each entity is the number as written.
    """
    _need_str(text, "text")
    found = []
    for m in _PHONE.finditer(text):
        country, area, rest = m.groups()
        head = (country or "") + (area or "")
        # Trailing groups may be a following number ("555-1234 5 stars"): drop them until the
        # rest reads as a phone number, or give up.
        pieces = re.split(r"([ .\-])", rest)
        while pieces:
            groups = pieces[::2]
            digits = sum(len(g) for g in groups) + sum(ch.isdigit() for ch in head)
            if (
                (country and 8 <= digits <= 15)
                or (area and 9 <= digits <= 15)
                or (len(groups) >= 3 and 9 <= digits <= 15 and min(map(len, groups[1:])) >= 2)
            ):
                raw = head + "".join(pieces)
                found.append(Entity("phone", raw, m.start(), m.start() + len(raw)))
                break
            pieces = pieces[:-2]
    return found


def phone_digits(number: str) -> str:
    """A phone number as a ``tel:`` URI wants it: digits, with a leading ``+`` if written."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return ("+" + digits) if number.lstrip().startswith("+") else digits


# --- HTML ----------------------------------------------------------------------------------------

_PRIORITY = {"url": 0, "email": 1, "mention": 2, "hashtag": 3, "phone": 4}


def _without_overlaps(entities: list[Entity]) -> list[Entity]:
    """Entities by position; of two that overlap the one starting first (then the URL) stays."""
    kept: list[Entity] = []
    for e in sorted(entities, key=lambda e: (e.start, _PRIORITY[e.kind])):
        if kept and e.start < kept[-1].end:
            continue
        kept.append(e)
    return kept


def _esc(value: str) -> str:
    return html.escape(_SURROGATE.sub("\ufffd", value), quote=True)


def _is_web(url: str) -> bool:
    try:
        return urlsplit(url).scheme.lower() in ("http", "https")
    except ValueError:
        return False


def _expanded(url: str, urls: Mapping[str, str]) -> str | None:
    if url in urls:
        return urls[url]
    lowered = url.lower()
    for key in (lowered, lowered.replace("http://", "https://", 1)):
        for candidate, expanded in urls.items():
            if candidate.lower() == key:
                return expanded
    return None


def _link(entity: Entity, shown: str, urls: Mapping[str, str]) -> str:
    kind = entity.kind
    if kind == "mention":
        return (
            f'<a class="wb-mention" href="{_esc(PROFILE_URL.format(entity.text))}" '
            f'target="_blank" rel="noopener noreferrer" data-username="{_esc(entity.text)}">'
            f"{_esc(shown)}</a>"
        )
    if kind == "hashtag":
        href = SEARCH_URL.format(quote("#" + entity.text, safe=""))
        return (
            f'<a class="wb-hashtag" href="{_esc(href)}" target="_blank" '
            f'rel="noopener noreferrer">{_esc(shown)}</a>'
        )
    if kind == "url":
        expanded = _expanded(entity.text, urls) if urls else None
        href, title = entity.text, ""
        if expanded is not None:
            shown = expanded
            title = f' title="{_esc(expanded)}"'
            if _is_web(expanded):
                href = expanded
        if not _is_web(href):
            return _esc(shown)
        return (
            f'<a class="wb-url" href="{_esc(href)}"{title} target="_blank" '
            f'rel="noopener noreferrer nofollow">{_esc(shown)}</a>'
        )
    if kind == "email":
        return (
            f'<a class="wb-email" href="mailto:{_esc(quote(entity.text, safe="@.+-_"))}" '
            f'data-email="{_esc(entity.text)}">{_esc(shown)}</a>'
        )
    digits = phone_digits(entity.text)
    return (
        f'<a class="wb-phone" href="tel:{_esc(digits)}" data-phone="{_esc(digits)}">'
        f"{_esc(shown)}</a>"
    )


def link_entities(text: str) -> list[Entity]:
    """What ``autolink`` links: web URLs, e-mails, @mentions, #hashtags and phone numbers."""
    _need_str(text, "text")
    found: list[Entity] = []
    found += _urls(text, without_protocol=False)
    found += extract_emails_with_indices(text)
    found += [
        Entity("mention", e.text, e.start, e.start + 1 + len(e.text))
        for e in extract_mentions_or_lists_with_indices(text)
    ]
    found += _hashtags(text)
    found += extract_phones_with_indices(text)
    return _without_overlaps(found)


def autolink(text: str, urls: Mapping[str, str] | None = None) -> str:
    """``text`` as safe HTML: everything escaped, then mentions, hashtags, URLs, e-mails and phone
    numbers linked. ``urls`` maps t.co links to their expanded URL, which is shown instead."""
    _need_str(text, "text")
    if urls is not None and not isinstance(urls, Mapping):
        raise TypeError(f"urls must be a mapping of t.co URL to expanded URL, not {type(urls)}")
    mapping: Mapping[str, str] = urls or {}
    out: list[str] = []
    position = 0
    for entity in link_entities(text):
        out.append(_esc(text[position : entity.start]))
        out.append(_link(entity, text[entity.start : entity.end], mapping))
        position = entity.end
    out.append(_esc(text[position:]))
    return "".join(out)


# --- replies -------------------------------------------------------------------------------------

_USERNAME = re.compile(r"[A-Za-z0-9_]{1,20}")
_LEADING_MENTIONS = re.compile(r"\s*(?:[@＠]([A-Za-z0-9_]{1,20})(?![A-Za-z0-9_@])[\s,:]*)*")


def _username(value: object, name: str) -> str:
    value = _need_str(value, name).strip()
    if value[:1] in ("@", "＠"):
        value = value[1:]
    if not _USERNAME.fullmatch(value):
        raise ValueError(f"{name}: {value!r} is not an X username (1-20 letters, digits, _)")
    return value


def leading_mentions(body: str) -> list[str]:
    """The usernames @mentioned at the very start of ``body`` (the reply's addressees)."""
    m = _LEADING_MENTIONS.match(_need_str(body, "body"))
    assert m is not None
    return [u for u in re.findall(r"[@＠]([A-Za-z0-9_]{1,20})", m.group())]


def reply_text(
    body: str,
    contact_username: str,
    participants: Iterable[str] = (),
    brand_username: str | None = None,
) -> str:
    """``body`` with the contact's @mention (and the thread's other participants') in front.

    Names already at the start of ``body`` are not repeated; none is added twice (case-insensitive)
    and the brand never mentions itself.
    """
    _need_str(body, "body")
    contact = _username(contact_username, "contact_username")
    if isinstance(participants, (str, bytes)):
        raise TypeError("participants must be an iterable of usernames, not a single string")
    others = [_username(p, "participants") for p in participants]
    brand = _username(brand_username, "brand_username").lower() if brand_username else None
    present = {u.lower() for u in leading_mentions(body)}
    seen: set[str] = set()
    missing: list[str] = []
    for name in [contact, *others]:
        key = name.lower()
        if key == brand or key in seen:
            continue
        seen.add(key)
        if key not in present:
            missing.append(name)
    if not missing:
        return body
    prefix = " ".join("@" + name for name in missing)
    if not body:
        return prefix + " "
    return prefix + ("" if body[0].isspace() else " ") + body
