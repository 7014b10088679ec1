"""Behaviour of workbench.classify: labels, undeclared text, bad input, retraining, quality."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from workbench.bench import Result
from workbench.bench.classify import classify_many_100k, synthetic_tweets
from workbench.classify import (
    ActionabilityModel,
    Classification,
    Classifier,
    agreement,
    classify,
    classify_many,
    latest_version,
    load_latest,
    retrain,
)
from workbench.classify._vader import Vader
from workbench.classify.quality import format_report, report
from workbench.domain.classification import Actionability, Sentiment

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

NEG, POS, NEU, UND = (
    Sentiment.NEGATIVE,
    Sentiment.POSITIVE,
    Sentiment.NEUTRAL,
    Sentiment.UNDECLARED,
)
ACT, NOT, UNK = Actionability.ACTIONABLE, Actionability.NOT_ACTIONABLE, Actionability.UNDECLARED


# --- clear cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentiment", "actionability"),
    [
        (
            "@AcmeAir my flight was cancelled and I've been on hold for 2 hours. Worst service!",
            NEG,
            ACT,
        ),
        ("@ShopCo thank you so much, the new jacket is perfect! 😍", POS, NOT),
        ("@TelcoHelp how do I change the plan on my account?", NEU, ACT),
        ("@ShopCo still waiting for my refund, thanks a lot", NEG, ACT),
        ("@BankOne my app is not working since the update", NEG, ACT),
        ("@BankOne I was charged twice for the same order. Please fix it", NEG, ACT),
        ("Win a free phone! RT and follow to enter https://t.co/abc", None, NOT),
        ("lol same, can't wait for the weekend", POS, NOT),
        ("@PizzaPlace best pizza in town, love it 🙌", POS, NOT),
    ],
)
def test_clear_cases(text: str, sentiment: Sentiment | None, actionability: Actionability) -> None:
    result = classify(text)
    if sentiment is not None:
        assert result.sentiment is sentiment, result.explanation
    assert result.actionability is actionability, result.explanation
    assert 0.0 <= result.confidence <= 1.0
    assert -1.0 <= result.score <= 1.0


def test_explanation_names_the_deciding_words() -> None:
    result = classify("@AcmeAir worst airline ever, my bag is still missing")
    assert "'worst'" in result.explanation
    assert "actionable" in result.explanation
    assert "missing" in result.explanation


def test_care_phrasing_beats_plain_vader() -> None:
    vader = SentimentIntensityAnalyzer()
    for text in [
        "@ShopCo still waiting for a reply, thank you",
        "@TelcoHelp please help, the internet is not working",
        "@AcmeAir no response after 3 days, thanks",
    ]:
        assert vader.polarity_scores(text)["compound"] > 0  # plain VADER: positive
        assert classify(text).sentiment is NEG


def test_emoji_and_negation() -> None:
    assert classify("@ShopCo my order 😡😡").sentiment is NEG
    assert classify("@ShopCo the delivery was not good").sentiment is NEG
    assert classify("@ShopCo not bad at all, nice work").sentiment is POS


# --- undeclared ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n ",
        "https://t.co/abc",
        "@ShopCo @TelcoHelp",
        "@ShopCo https://t.co/abc",
    ],
)
def test_text_that_cannot_be_judged_is_undeclared(text: str) -> None:
    result = classify(text)
    assert result.sentiment is UND
    assert result.actionability is UNK
    assert result.confidence == 0.0
    assert result.explanation.startswith("undeclared")
    assert not result.declared


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hola, mi pedido no ha llegado todavía, qué pasa con el envío?", "es"),
        ("Bonjour, je n'ai pas reçu ma commande et le service ne répond pas", "fr"),
        ("Mein Paket ist noch nicht da und niemand antwortet mir", "de"),
    ],
)
def test_complaints_in_other_languages_are_read_in_their_language(text: str, language: str):
    result = classify(text)
    assert result.language == language
    assert result.sentiment is NEG, result.explanation
    assert result.actionability is ACT, result.explanation


@pytest.mark.parametrize(
    ("text", "language"),
    [("こんにちは、注文した商品がまだ届きません", "ja"), ("Заказ до сих пор не доставлен", "ru")],
)
def test_a_language_without_a_model_is_undeclared_when_unsure(text: str, language: str):
    result = classify(text)
    assert result.language == language
    assert result.sentiment is UND
    assert result.explanation.startswith("sentiment undeclared:")
    assert not result.declared


def test_emoji_only_has_a_sentiment_but_no_actionability() -> None:
    result = classify("@ShopCo 😡😡😡")
    assert result.sentiment is NEG
    assert result.actionability is UNK


# --- bad and awkward input -----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [None, b"my order is late", 3, ["text"]])
def test_non_str_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="text must be str"):
        classify(bad)  # type: ignore[arg-type]


def test_batch_type_errors_name_the_item() -> None:
    with pytest.raises(TypeError, match=r"texts\[1\] must be str, not NoneType"):
        classify_many(["fine", None])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="not a single str"):
        classify_many("a whole string")
    with pytest.raises(TypeError, match="not a single bytes"):
        classify_many(b"bytes")  # type: ignore[arg-type]


def test_awkward_characters_get_an_answer() -> None:
    lone = classify("@ShopCo \ud800 my order never arrived \udfff")
    assert lone.actionability is ACT
    hidden = classify("@ShopCo my app is\u200b not\u200d working \u2066\u202e")
    assert hidden.sentiment is NEG and hidden.actionability is ACT
    rtl = classify("\u202b@ShopCo I love it, thank you!\u202c")
    assert rtl.sentiment is POS


def test_a_100k_character_text_is_answered_quickly() -> None:
    started = time.perf_counter()
    result = classify("my order is late and nobody answers. " * 2800)
    assert time.perf_counter() - started < 5
    assert result.sentiment is NEG
    assert isinstance(classify("x" * 100_000), Classification)


def test_classify_many_matches_classify_and_reuses_duplicates() -> None:
    texts = ["@ShopCo where is my order?", "love it", "@ShopCo where is my order?", ""]
    results = classify_many(texts)
    assert results == [classify(t) for t in texts]
    assert results[0] is results[2]
    assert classify_many([]) == []


# --- VADER, exactly ------------------------------------------------------------------------------

_TRICKY = [
    "VADER is smart, handsome, and funny!",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "The book was kind of good.",
    "At least it isn't a horrible book.",
    "Today SUX! but I'm not so sure it was bad but it was OK",
    "Not bad at all, but the shit is the bomb :) 😀 💔",
    "no no no, never so good, without doubt the best, least good",
    "Make sure you :) or :D today! kinda sorta",
]


_WORDS = [
    "good", "bad", "not", "no", "but", "very", "kind", "of", "least", "never", "so", "this", ":)",
    "😀", "GREAT", "!!", "?", "the", "shit", "bomb", "without", "doubt", "hate", "love", "sort",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(_WORDS) | st.text(max_size=6),
        max_size=14,
    ).map(" ".join)
)
def test_our_vader_scores_exactly_as_vadersentiment(text: str) -> None:
    assert Vader().score(text).compound == _vader().polarity_scores(text)["compound"]


def test_our_vader_on_known_sentences() -> None:
    ours = Vader()
    for text in _TRICKY:
        assert ours.score(text).compound == _vader().polarity_scores(text)["compound"], text


_ANALYZER: list[SentimentIntensityAnalyzer] = []


def _vader() -> SentimentIntensityAnalyzer:
    if not _ANALYZER:
        _ANALYZER.append(SentimentIntensityAnalyzer())
    return _ANALYZER[0]


# --- learning from agents ------------------------------------------------------------------------

_CORRECTIONS = [
    ("@ShopCo the zip on my jacket broke after a week", True),
    ("@ShopCo can I swap the size of my order?", True),
    ("@ShopCo my parcel went to the wrong address", True),
    ("@ShopCo is the store on Main St open on Sunday?", True),
    ("@ShopCo charged me for delivery twice", True),
    ("@ShopCo the discount code does not apply at checkout", True),
    ("@ShopCo love the new collection!", False),
    ("@ShopCo great chat with your team today", False),
    ("@ShopCo happy friday everyone", False),
    ("@ShopCo see you at the launch party", False),
    ("@ShopCo nice photo", False),
    ("@ShopCo following you now", False),
]


def test_retraining_round_trip_with_versions(tmp_path: Path) -> None:
    assert load_latest(tmp_path) is None
    assert latest_version(tmp_path) == 0
    first = retrain(_CORRECTIONS, tmp_path)
    second = retrain(_CORRECTIONS * 3, tmp_path)
    assert (first.version, second.version) == (1, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "actionability-v0001.joblib",
        "actionability-v0002.joblib",
    ]
    loaded = load_latest(tmp_path)
    assert loaded is not None
    assert (loaded.version, loaded.examples, loaded.actionable_examples) == (2, 36, 18)
    texts = ["@ShopCo my parcel broke", "@ShopCo love the party"]
    assert loaded.probabilities(texts) == pytest.approx(second.probabilities(texts))
    assert loaded.predict(texts) == [True, False]


def test_classifier_with_a_model_uses_it(tmp_path: Path) -> None:
    # Agents here treat every question about opening hours as needing no agent.
    corrections = [(f"@ShopCo are you open at {h} on sunday?", False) for h in range(1, 40)]
    corrections += [(f"@ShopCo my order {n} never came", True) for n in range(1, 40)]
    model = retrain(corrections, tmp_path)
    text = "@ShopCo are you open at 9 on sunday?"
    assert classify(text).actionability is ACT  # the rules: a question
    learnt = Classifier(model=model).classify(text)
    assert learnt.actionability is NOT
    assert f"Model v{model.version}" in learnt.explanation
    assert Classifier(model=model).classify("").actionability is UNK


def test_training_needs_both_answers_and_pairs() -> None:
    with pytest.raises(ValueError, match="both actionable and not actionable"):
        ActionabilityModel.train([("a", True), ("b", True)])
    with pytest.raises(TypeError, match=r"corrections\[0\] text must be str"):
        ActionabilityModel.train([(b"a", True), ("b", False)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"corrections\[1\] must be a \(text, actionable\) pair"):
        ActionabilityModel.train([("a", True), "b"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="actionable must be bool"):
        ActionabilityModel.train([("a", 1), ("b", False)])  # type: ignore[list-item]


def test_agreement() -> None:
    pairs = [
        (Sentiment.NEGATIVE, "negative"),
        (Sentiment.POSITIVE, Sentiment.NEUTRAL),
        (Actionability.ACTIONABLE, Actionability.ACTIONABLE),
        (True, True),
    ]
    assert agreement(pairs) == 0.75
    assert math.isnan(agreement([]))
    with pytest.raises(TypeError, match=r"pairs\[0\]"):
        agreement([Sentiment.NEGATIVE])  # type: ignore[list-item]


# --- quality and speed ---------------------------------------------------------------------------


def _require_data() -> None:
    if DATA.is_dir():
        return
    reason = f"labelled tweet sets not found at {DATA}"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI=true: the shared data must be there)")
    pytest.skip(reason)


def test_quality_goals_on_the_shared_data() -> None:
    _require_data()
    rows = report(DATA)
    table = format_report(rows)
    assert len(rows) == 8
    missed = [r for r in rows if not r.met]
    assert not missed, table
    by_set = {r.dataset: r for r in rows}
    assert by_set["TweetEval sentiment, validation"].ours >= 0.60
    assert all(r.ours > r.vader for r in rows if r.metric == "sentiment macro-F1")
    assert all(set(r.as_dict()) >= {"metric", "ours", "vader", "goal", "met"} for r in rows)


def test_bench_runs_at_a_small_scale() -> None:
    texts = synthetic_tweets(50)
    assert len(texts) == 50 and len(set(texts)) > 25
    result = classify_many_100k(0.0005)
    assert isinstance(result, Result)
    assert result.ours > 0 and result.baseline > 0


def test_a_dm_is_addressed_to_the_brand_without_an_at_mention():
    from workbench.classify import classify

    text = "my refund for order 5521 never came, what is going on"
    as_tweet = classify(text)
    as_dm = classify(text, direct=True)
    assert "addressed to no one" in as_tweet.explanation
    assert "addressed to no one" not in as_dm.explanation
    assert as_dm.actionability.value == "actionable"
    assert classify("@AcmeSupport " + text, direct=True).actionability.value == "actionable"


def test_quality_report_shows_the_shipped_classifier_and_a_trained_model(tmp_path: Path) -> None:
    _require_data()
    corrections = [(f"@ShopCo are you open at {h} on sunday?", False) for h in range(1, 40)]
    corrections += [(f"@ShopCo my order {n} never came", True) for n in range(1, 40)]
    model = retrain(corrections, tmp_path)
    shipped = report(DATA)
    both = report(DATA, trained=model)
    assert [(r.dataset, r.ours, r.vader) for r in both] == [
        (r.dataset, r.ours, r.vader) for r in shipped
    ]
    assert all(r.trained is not None and r.trained_version == 1 for r in both)
    sentiment = [r for r in both if r.metric.startswith("sentiment")]
    assert all(r.trained == r.ours for r in sentiment)  # a model changes actionability only
    table = format_report(both)
    assert table.splitlines()[0].split()[-3:] == ["model", "v1", "met"]
    assert "Model v1:" in table
    assert "model v" not in format_report(shipped)
    assert all("trained" not in r.as_dict() or r.as_dict()["trained"] is None for r in shipped)


# invisible marks, curly quotes, compatibility forms (ﬁ, Ａ, ①), an accent, emoji
_ODD_CHARS = "\u200b\u200d\u202e\u2060\ufeff\u00ad\u2019\u2018\u201c\u201d\ufb01\uff21\u2460"
_ODD_CHARS += "é😡👍❤🙄"


@settings(max_examples=400)
@given(
    st.text(alphabet=st.sampled_from(_ODD_CHARS + "ab &;"), max_size=12)
    | st.text(alphabet=st.characters(), max_size=40)
)
def test_prepare_skips_only_the_passes_that_would_change_nothing(text: str) -> None:
    import html
    import unicodedata

    from workbench.classify import classifier as c

    slow = html.unescape(text) if "&" in text else text
    if "\\u" in slow:
        slow = c._ESCAPED_UNICODE.sub(lambda m: chr(int(m.group(1), 16)), slow)
    slow = c._SURROGATES.sub("\ufffd", slow)
    slow = unicodedata.normalize("NFKC", slow.translate(c._INVISIBLE)).translate(c._QUOTES)
    assert c.prepare(text) == slow


@given(st.text(alphabet=st.sampled_from(_ODD_CHARS + "ab !?"), max_size=30))
def test_each_lexicon_emoji_becomes_its_word(text: str) -> None:
    from workbench.classify import classifier as c

    assert c._emoji_words(text) == text.translate(str.maketrans(c._EMOJI_TOKENS))


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from([*"RTrt@＠_a1 .:/hwps", "http://", "www.", "RT"]), max_size=20).map(
        "".join
    )
)
def test_noise_is_found_as_by_the_plain_pattern(text: str) -> None:
    import re

    from workbench.classify import classifier as c

    plain = re.compile(r"(?:https?://|www\.)\S+|[@＠][A-Za-z0-9_]+|\bRT\b")
    assert c._NOISE.sub(" ", text) == plain.sub(" ", text)
