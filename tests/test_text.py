"""Behaviour of workbench.text: lengths, entities, safe HTML, reply mentions, bad input."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import text

# --- length -----


def test_weighted_length_counts_as_x_does() -> None:
    assert text.weighted_length("hello") == 5
    assert text.weighted_length("see https://example.com/a/very/long/path/indeed") == 4 + 23
    assert text.weighted_length("😀") == 2
    assert text.weighted_length("👨‍👩‍👧‍👦") == 2  # one emoji sequence
    assert text.weighted_length("日本語") == 6
    assert text.remaining("") == 280
    assert text.remaining("a" * 281) == -1


def test_weighted_length_normalizes_first() -> None:
    decomposed = "e\u0301" * 10  # NFC makes each pair one character
    assert text.weighted_length(decomposed) == 10


@pytest.mark.parametrize("bad", [None, b"bytes", 42, ["a"]])
@pytest.mark.parametrize(
    "fn",
    [
        text.weighted_length,
        text.remaining,
        text.extract_mentions,
        text.extract_hashtags,
        text.extract_urls,
        text.extract_mentions_with_indices,
        text.autolink,
    ],
)
def test_non_str_is_a_type_error_naming_the_argument(fn: object, bad: object) -> None:
    with pytest.raises(TypeError, match="text must be str"):
        fn(bad)  # type: ignore[operator]


def test_awkward_characters_get_an_answer() -> None:
    lone = "hi \ud800 there @bob"
    assert text.weighted_length(lone) == 16  # U+FFFD weighs 2
    assert "\ud800" not in text.autolink(lone)
    assert text.extract_mentions(lone) == ["bob"]
    marks = "\u200b\u200e\u202eabc\u202c @bob #tag\u2066"
    assert text.extract_mentions(marks) == ["bob"]
    assert text.extract_hashtags(marks) == ["tag"]
    assert "wb-mention" in text.autolink(marks)
    assert text.weighted_length(marks) > 0


def test_long_text_is_answered_quickly_or_refused_clearly() -> None:
    words = "hello world, see http://example.com/x and @bob #tag. " * 2000  # ~100k chars
    assert len(words) >= 100_000
    assert text.weighted_length(words) > 280
    assert len(text.extract_urls(words)) == 2000
    assert text.autolink(words).count('class="wb-mention"') == 2000
    started = time.perf_counter()
    with pytest.raises(ValueError, match="too many dotted"):
        text.weighted_length("a." * 50_000)
    with pytest.raises(ValueError, match="text: "):
        text.autolink("é" * 100_000 + ".")
    assert time.perf_counter() - started < 5


# --- entities -----


def test_entities_with_indices() -> None:
    source = "@Ann ask #Help at https://x.com/a, mail a@b.co or call +1 415 555 0100"
    [mention] = text.extract_mentions_with_indices(source)
    assert (mention.text, mention.start, mention.end) == ("Ann", 0, 4)
    [tag] = text.extract_hashtags_with_indices(source)
    assert (tag.text, source[tag.start : tag.end]) == ("Help", "#Help")
    assert text.extract_urls(source) == ["https://x.com/a"]
    assert [e.text for e in text.extract_emails_with_indices(source)] == ["a@b.co"]
    [phone] = text.extract_phones_with_indices(source)
    assert phone.text == "+1 415 555 0100"
    assert text.phone_digits(phone.text) == "+14155550100"


@pytest.mark.parametrize(
    "sample",
    ["order 123456789", "on 2020-02-25 10:30", "ip 192.168.1.1", "£1,234,567", "born 1874-1965"],
)
def test_numbers_that_are_not_phone_numbers(sample: str) -> None:
    assert text.extract_phones_with_indices(sample) == []


# --- autolink -----


def test_autolink_links_each_kind() -> None:
    html = text.autolink("@bob #help https://a.co/x bob@example.com (415) 555-0100")
    assert '<a class="wb-mention" href="https://x.com/bob"' in html
    assert 'class="wb-hashtag" href="https://x.com/search?q=%23help"' in html
    assert 'class="wb-url" href="https://a.co/x"' in html
    assert 'rel="noopener noreferrer nofollow"' in html and 'target="_blank"' in html
    assert 'class="wb-email" href="mailto:bob@example.com" data-email="bob@example.com"' in html
    assert 'class="wb-phone" href="tel:4155550100" data-phone="4155550100"' in html


def test_autolink_escapes_everything() -> None:
    html = text.autolink("<script>alert(\"x\")</script> & 'q' @bob")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;q&#x27;" in html


def test_autolink_shows_expanded_tco_links() -> None:
    html = text.autolink(
        "look https://t.co/abc and https://t.co/evil",
        {
            "https://t.co/abc": "https://example.com/page?a=1&b=2",
            "https://t.co/evil": "javascript:x",
        },
    )
    assert 'href="https://example.com/page?a=1&amp;b=2"' in html
    assert ">https://example.com/page?a=1&amp;b=2</a>" in html
    assert 'href="javascript' not in html  # never a non-web scheme as href
    assert 'href="https://t.co/evil"' in html and ">javascript:x</a>" in html
    with pytest.raises(TypeError, match="urls must be a mapping"):
        text.autolink("x", ["https://t.co/abc"])  # type: ignore[arg-type]


def test_only_web_urls_become_links() -> None:
    html = text.autolink("javascript:alert(1) ftp://example.com/x data:text/html,hi")
    assert "<a" not in html


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v or "" for k, v in attrs if k == "href"]

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_TAG = re.compile(r'<a(?: [a-z-]+="[^"<>]*")+>|</a>')
_PIECES = st.sampled_from(
    [
        "@bob",
        "#tag",
        "http://example.com/x?a=1&b=2",
        "https://t.co/abc",
        "<b>",
        "</a>",
        '"',
        "'",
        "&amp;",
        "&",
        "a@b.co",
        "+1 800 555 0100",
        " ",
        "\n",
        "javascript:alert(1)",
        "＠bob",
        "<a href='x'>",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), _PIECES), max_size=12).map("".join))
def test_autolink_escapes_and_keeps_the_text(source: str) -> None:
    html = text.autolink(source)
    outside = _TAG.sub("", html)
    assert not set("<>\"'") & set(outside), html
    for tag in _TAG.findall(html):
        assert "'" not in tag
    parser = _Visible()
    parser.feed(html)
    parser.close()
    assert "".join(parser.parts) == source.replace("\r", "\r")
    for href in parser.hrefs:
        assert href.split(":", 1)[0] in ("http", "https", "mailto", "tel"), href


# --- replies -----


def test_reply_text_mentions_the_contact() -> None:
    assert text.reply_text("We're on it.", "ann") == "@ann We're on it."
    assert text.reply_text("", "@ann") == "@ann "
    assert text.reply_text("@Ann thanks", "ann") == "@Ann thanks"


def test_reply_text_adds_thread_participants_once_and_never_the_brand() -> None:
    reply = text.reply_text("Sorry!", "ann", ["Bob", "ANN", "bob", "Acme"], brand_username="acme")
    assert reply == "@ann @Bob Sorry!"
    assert text.reply_text("@bob hi", "ann", ["bob"]) == "@ann @bob hi"
    assert text.reply_text("x", "acme", brand_username="@Acme") == "x"


def test_reply_text_rejects_bad_input() -> None:
    with pytest.raises(TypeError, match="body must be str"):
        text.reply_text(None, "ann")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="contact_username must be str"):
        text.reply_text("x", b"ann")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="contact_username"):
        text.reply_text("x", "not a name")
    with pytest.raises(TypeError, match="participants"):
        text.reply_text("x", "ann", "bob")
