"""The twitter-text conformance suite (../shared/reference/twitter-text/conformance) run on
``workbench.text``.

Read from the reference folder beside the checkout; skipped when it is absent, failed instead
when CI=true.

Cases left out, and why:
- validate.yml ``tweets``: "Invalid Tweet: 141 characters" and "... (due to newline)" apply the
  retired 140-character rule (config v1); under X's 280 weighted limit they are valid. The other
  ``tweets`` cases run.
- validate.yml ``usernames``, ``lists``, ``hashtags``, ``urls``, ``urls_without_protocol``: they
  validate a lone username, list, hashtag or URL, not a text's length; we offer no such validators.
- extract.yml ``replies``, ``cashtags``, ``cashtags_with_indices``: not part of our API (cashtags
  are not linked; reply addressees come from ``reply_text``'s own rule).
- autolink.yml ``lists``: we link the @user of ``@user/list`` to the profile and leave ``/list`` as
  text, where twitter-text links the list. ``cashtags``: not linked. ``json``: autolinking from
  given entities is not our API. In ``all``, the expected cashtag link is dropped for that reason.
- autolink.yml comparisons look only at our mention, hashtag and URL links: we also link e-mail
  addresses and phone numbers (twitter-text does not), and our markup differs in attributes.
"""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml

from workbench import text

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "twitter-text"
CONFORMANCE = REFERENCE / "conformance"

LEFT_OUT = {
    ("validate", "tweets", "Invalid Tweet: 141 characters"),
    ("validate", "tweets", "Invalid Tweet: 141 characters (due to newline)"),
}


def _require_reference() -> None:
    if CONFORMANCE.is_dir():
        return
    reason = f"twitter-text conformance suite not found at {CONFORMANCE}"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI=true: the reference folder must be there)")
    pytest.skip(reason)


def _cases(name: str, *sections: str) -> list[Any]:
    """pytest params for every case of ``sections`` in ``name``.yml, or one placeholder."""
    path = CONFORMANCE / f"{name}.yml"
    if not path.is_file():
        return [pytest.param(None, None, id="reference-missing")]
    tests = yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]
    params = []
    for section in sections:
        for i, case in enumerate(tests[section]):
            if (name, section, case["description"]) in LEFT_OUT:
                continue
            params.append(pytest.param(section, case, id=f"{section}-{i}"))
    return params


# --- validate.yml: lengths and validity ----------------------------------------------------------


def _v2_options() -> dict[str, Any]:
    raw = json.loads((REFERENCE / "config" / "v2.json").read_text(encoding="utf-8"))
    return {
        "version": raw["version"],
        "max_weighted_tweet_length": raw["maxWeightedTweetLength"],
        "scale": raw["scale"],
        "default_weight": raw["defaultWeight"],
        "transformed_url_length": raw["transformedURLLength"],
        "emoji_parsing_enabled": False,
        "ranges": raw["ranges"],
    }


@pytest.mark.parametrize(
    ("section", "case"),
    _cases(
        "validate",
        "tweets",
        "WeightedTweetsCounterTest",
        "WeightedTweetsWithDiscountedEmojiCounterTest",
        "UnicodeDirectionalMarkerCounterTest",
    ),
)
def test_validate_lengths(section: str, case: dict[str, Any]) -> None:
    _require_reference()
    if section == "tweets":
        assert text.is_valid_tweet(case["text"]) is case["expected"], case["description"]
        return
    if section == "WeightedTweetsCounterTest":  # config v2: emoji not discounted
        parsed = text._parse(case["text"], _v2_options()).asdict()
        assert {k: parsed[k] for k in case["expected"]} == case["expected"], case["description"]
        return
    expected = case["expected"]
    parsed = text._parse(case["text"]).asdict()
    assert {k: parsed[k] for k in expected} == expected, case["description"]
    assert text.weighted_length(case["text"]) == expected["weightedLength"]
    assert text.remaining(case["text"]) == 280 - expected["weightedLength"]
    assert text.is_valid_tweet(case["text"]) is expected["valid"]


# --- extract.yml: mentions, hashtags, URLs with indices ------------------------------------------


def _as_dicts(section: str, found: list[text.Entity]) -> list[dict[str, Any]]:
    if section.startswith("mentions_or_lists"):
        return [
            {"screen_name": e.text, "list_slug": e.list_slug, "indices": [e.start, e.end]}
            for e in found
        ]
    key = {"mentions": "screen_name", "hashtags": "hashtag", "urls": "url"}[section.split("_")[0]]
    return [{key: e.text, "indices": [e.start, e.end]} for e in found]


@pytest.mark.parametrize(
    ("section", "case"),
    _cases(
        "extract",
        "mentions",
        "mentions_with_indices",
        "mentions_or_lists_with_indices",
        "urls",
        "urls_with_indices",
        "urls_with_directional_markers",
        "tco_urls_with_params",
        "hashtags",
        "hashtags_from_astral",
        "hashtags_with_indices",
    ),
)
def test_extract(section: str, case: dict[str, Any]) -> None:
    _require_reference()
    source, expected = case["text"], case["expected"]
    if section == "mentions":
        assert text.extract_mentions(source) == expected, case["description"]
    elif section == "mentions_with_indices":
        found = text.extract_mentions_with_indices(source)
        assert _as_dicts(section, found) == expected, case["description"]
    elif section == "mentions_or_lists_with_indices":
        found = text.extract_mentions_or_lists_with_indices(source)
        assert _as_dicts(section, found) == expected, case["description"]
    elif section in ("urls", "tco_urls_with_params"):
        assert text.extract_urls(source) == expected, case["description"]
    elif section.startswith("urls"):
        found = text.extract_urls_with_indices(source)
        assert _as_dicts(section, found) == expected, case["description"]
    elif section in ("hashtags", "hashtags_from_astral"):
        assert text.extract_hashtags(source) == expected, case["description"]
    else:
        found = text.extract_hashtags_with_indices(source)
        assert _as_dicts(section, found) == expected, case["description"]


# --- autolink.yml: what is linked, and to where --------------------------------------------------


class _Links(HTMLParser):
    """Collects (class, visible text, href) of every <a> in a fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []
        self._open: list[str] | None = None
        self._attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open, self._attrs = [], dict(attrs)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            cls = self._attrs.get("class") or ""
            self.links.append((cls, "".join(self._open), self._attrs.get("href") or ""))
            self._open = None


def _spans(fragment: str, keep: set[str], drop: set[str] = frozenset()) -> list[tuple[str, str]]:
    """(visible text without a leading @, href) of the links whose class is one of ``keep``."""
    parser = _Links()
    parser.feed(fragment)
    parser.close()
    spans = []
    for cls, shown, href in parser.links:
        classes = set(cls.split())
        if classes & drop or (keep and not classes & keep):
            continue
        shown = shown[1:] if shown[:1] in ("@", "＠") else shown
        href = unquote(href).replace("https://twitter.com/", "https://x.com/")
        spans.append((shown, href))
    return spans


@pytest.mark.parametrize(
    ("section", "case"), _cases("autolink", "usernames", "hashtags", "urls", "all")
)
def test_autolink(section: str, case: dict[str, Any]) -> None:
    _require_reference()
    # Each section of the suite links one kind only (``all`` links every kind).
    kinds = {"usernames": {"wb-mention"}, "hashtags": {"wb-hashtag"}, "urls": {"wb-url"}}
    ours = _spans(
        text.autolink(case["text"]), kinds.get(section, {"wb-mention", "wb-hashtag", "wb-url"})
    )
    expected = _spans(case["expected"], set(), drop={"cashtag", "list-slug"})
    assert ours == expected, case["description"]
