"""Sentiment and actionability of an inbound message, with the words that decided them.

Sentiment is VADER's (vaderSentiment's lexicon and rules) with customer-care knowledge added:
politeness words carry no opinion, "still waiting" or "not working" are complaints, "thanks" in a
complaint is not praise, a few emoji get their usual meaning, and the neutral band is wider than
VADER's. Actionability looks for what needs an agent: problems, requests and questions, not
chatter, praise or promotion. Text that cannot be judged (nothing but links or mentions, another
language) is UNDECLARED rather than guessed.
"""

from __future__ import annotations

import functools
import html
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.classify import _lexicon as lex
from workbench.classify._language import not_english
from workbench.classify._vader import Vader, summarize
from workbench.classify.trained import newest_classifier
from workbench.domain.classification import Actionability, Sentiment

if TYPE_CHECKING:
    from workbench.classify.model import ActionabilityModel

#: Scores at or above this are positive; at or below ``NEGATIVE_AT`` negative (VADER: 0.05/-0.05).
POSITIVE_AT = 0.35
NEGATIVE_AT = -0.05
#: Evidence for actionability at or above this makes a message actionable.
ACTIONABLE_AT = 1.3
#: Only this much of a very long text is read (a DM holds 10,000 characters).
MAX_CHARS = 20_000


@dataclass(frozen=True)
class Classification:
    """What the classifier made of one message.

    ``confidence`` is the lower of the two labels' confidences (0..1); ``score`` is the sentiment
    on VADER's compound scale (-1..1); ``explanation`` names the words and rules that decided.
    """

    sentiment: Sentiment
    actionability: Actionability
    confidence: float
    explanation: str
    score: float = 0.0
    sentiment_confidence: float = 0.0
    actionability_confidence: float = 0.0

    @property
    def declared(self) -> bool:
        """Whether the text could be judged at all."""
        return self.sentiment is not Sentiment.UNDECLARED


@dataclass(frozen=True)
class _Evidence:
    """Rule findings for one text, before a trained model may weigh in on actionability."""

    classification: Classification
    action_points: float
    action_reasons: tuple[str, ...]
    prepared: str


_INVISIBLE = dict.fromkeys(
    [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0xFEFF, 0x00AD]
)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_SURROGATES = re.compile("[\ud800-\udfff]")
#: Any character ``prepare`` changes besides NFKC's: surrogates, invisible marks, curly quotes.
_UNUSUAL = re.compile(
    "[\ud800-\udfff"
    + "".join(re.escape(chr(c)) for c in _INVISIBLE)
    + "".join(re.escape(c) for c in "\u2019\u2018\u201c\u201d")
    + "]"
)
_ESCAPED_UNICODE = re.compile(r"\\u([0-9a-fA-F]{4})")
# Links, mentions and the retweet mark. "RT" with its word boundary checked after it, so that
# every branch starts with a known character and the engine skips ahead to those in C.
_NOISE = re.compile(r"(?:https?://|www\.)\S+|[@＠][A-Za-z0-9_]+|RT(?<!\wRT)\b")
_WORD = re.compile(r"[^\W\d_](?:[\w'-]*\w)?")
_EMOJI_TOKENS = {ch: f" wbemoji{ord(ch):x} " for ch in lex.EMOJI}
_EMOJI_CHARS = frozenset(_EMOJI_TOKENS)
_SENTENCE_END = (".", "!", "?", ":", '"', ";")
_DIGIT = re.compile(r"\d")
_PAST = re.compile(r"\b[a-z]{2,}ed\b")
_PICTOGRAPH = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
_CANT_WAIT = re.compile(lex.CANT_WAIT.pattern, re.IGNORECASE)


def _need_text(text: object, name: str = "text") -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be str, not {type(text).__name__}")
    return text


def prepare(text: str) -> str:
    """Text as the rules read it: entities unescaped, invisible marks gone, quotes plain."""
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
    if "&" in text:
        text = html.unescape(text)
    if "\\u" in text:  # tweets stored as JSON twice keep their escapes
        text = _ESCAPED_UNICODE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if not text.isascii() and (
        _UNUSUAL.search(text) is not None or not unicodedata.is_normalized("NFKC", text)
    ):  # the two C-level checks spare most tweets (emoji and accents) three passes
        text = _SURROGATES.sub("\ufffd", text)
        text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).translate(_QUOTES)
    return text


def _emoji_words(text: str) -> str:
    """``text`` with each emoji of the lexicon as its word (``_EMOJI_TOKENS``)."""
    for ch in _EMOJI_CHARS.intersection(text):  # a set's C loop: a third of str.translate's time
        text = text.replace(ch, _EMOJI_TOKENS[ch])
    return text


def _title(token: str) -> bool:
    word = token.strip("\"'(),:;.!?")
    return len(word) > 1 and word[0].isupper() and word[1:].islower()


def _sentence_start(tokens: list[str], i: int) -> bool:
    return i == 0 or tokens[i - 1].endswith(_SENTENCE_END)


def _adjust(
    base_lexicon: dict[str, float],
) -> Callable[[list[str], list[str], int, float], float | None]:
    """The in-context valence rules, as VADER's ``adjust`` hook."""
    neutral = lex.NEUTRAL
    like_subjects = lex.LIKE_SUBJECTS
    lacking = lex.LACKING

    context = neutral | {
        "like",
        "no",
        "free",
        "win",
        "won",
        "pretty",
        "super",
        "god",
        "sure",
        "well",
    }

    def adjust(tokens: list[str], lower: list[str], i: int, base: float) -> float | None:
        word = lower[i]
        if word not in context and not tokens[i][:1].isupper():
            return base
        if word in neutral:
            return None
        if word == "like":
            return base if i > 0 and lower[i - 1] in like_subjects else None
        if word == "no":
            if tokens[i].lower() != "no" or i + 1 >= len(lower):
                return base  # "No." or "no!" answers; keep VADER's value
            return -1.5 if lower[i + 1] in lacking else None
        previous = lower[i - 1] if i else ""
        following = lower[i + 1] if i + 1 < len(lower) else ""
        if word == "free" or (word in ("win", "won") and previous in ("to", "chance")):
            return None  # promotions
        if word in ("pretty", "super") and following:
            return None  # adverbs ("pretty sure"), names ("Super Bowl")
        if word == "god" and previous in ("my", "oh", "omg", "thank"):
            return None
        if word == "sure" and previous in ("make", "for", "not", "im", "i'm"):
            return None
        if word == "well" and (i == 0 or tokens[i - 1].endswith(",")):
            return None
        # A capitalised word inside a run of capitalised words is most likely a name
        # ("Good Morning America", "Green Day"), not an opinion.
        if i and _title(tokens[i]) and not _sentence_start(tokens, i):
            for j in (i - 1, i + 1):
                if (
                    0 <= j < len(tokens)
                    and _title(tokens[j])
                    and not _sentence_start(tokens, j)
                    and lower[j] not in base_lexicon
                ):
                    return None
        return base

    return adjust


class RuleEngine:
    """The rules, with VADER's lexicon loaded once; share one instance."""

    def __init__(self) -> None:
        lexicon = dict(lex.LEXICON)
        lexicon.update({token.strip(): value for token, value in _emoji_lexicon().items()})
        self.vader = Vader(lexicon=lexicon)
        self.vader.adjust = _adjust(self.vader.base_lexicon)

    def evidence(self, text: str, direct: bool = False) -> _Evidence:
        """Classify ``text`` by the rules alone, keeping the actionability evidence.

        ``direct``: the message was sent to the brand (a DM), so it is addressed to it even
        without an @mention."""
        prepared = prepare(text)
        clean = _NOISE.sub(" ", prepared)
        if not clean.isascii():
            clean = _emoji_words(clean)
        lowered = clean.lower()
        words = _WORD.findall(lowered)
        if "wbemoji" in lowered:
            words = [w for w in words if not w.startswith("wbemoji")]
        if not words:
            return self._wordless(clean, prepared)
        reason = not_english(words)
        if reason:
            return _undeclared(reason, prepared)
        distinct = set(words)
        score, sentiment_reasons, care = self._sentiment(clean, lowered, distinct)
        sentiment, sentiment_conf = _sentiment_label(score)
        linked = "http" in prepared or "www." in prepared
        emoji = not prepared.isascii() and _PICTOGRAPH.search(prepared) is not None
        addressed = direct or "@" in prepared or "＠" in prepared
        points, action_reasons = _actionability_points(
            lowered, words, distinct, care, score, linked, emoji, addressed
        )
        actionable = points >= ACTIONABLE_AT
        p_action = _rule_probability(points)
        action_conf = max(p_action, 1 - p_action)
        classification = Classification(
            sentiment=sentiment,
            actionability=Actionability.ACTIONABLE if actionable else Actionability.NOT_ACTIONABLE,
            confidence=min(sentiment_conf, action_conf),
            explanation=_explain(sentiment, score, sentiment_reasons, actionable, action_reasons),
            score=score,
            sentiment_confidence=sentiment_conf,
            actionability_confidence=action_conf,
        )
        return _Evidence(classification, points, tuple(action_reasons), prepared)

    def _sentiment(
        self, clean: str, lowered: str, distinct: set[str]
    ) -> tuple[float, list[tuple[str, float]], list[str]]:
        """Score, the words and phrases behind it (strongest first), and the care phrases found."""
        if "wait" in lowered and lex.CANT_WAIT.search(lowered):
            clean = _CANT_WAIT.sub(" eager ", clean)
        scored = self.vader.score(clean)
        words = scored.words
        valences = scored.valences
        care = _care_hits(lowered, distinct)
        extra = [valence for _, valence in care]
        polite = lex.POLITE
        kind = [k for k, v in enumerate(valences) if v > 0 and words[k].lower() in polite]
        if kind:
            # In a complaint, thanks is politeness or sarcasm: it should not outweigh the problem.
            plain = list(valences)
            for k in kind:
                plain[k] = 0
            if care or summarize([*plain, *extra], scored.text)[1] <= -0.5:
                valences = plain
        if extra:
            score = summarize([*valences, *extra], scored.text)[1]
        elif valences is scored.valences:
            score = scored.compound
        else:
            score = summarize(valences, scored.text)[1]
        reasons = [(words[k], v) for k, v in enumerate(valences) if v]
        reasons += care
        if len(reasons) > 1:
            reasons.sort(key=lambda r: -abs(r[1]))
        return score, reasons, [label for label, _ in care]

    def _wordless(self, clean: str, prepared: str) -> _Evidence:
        scored = self.vader.score(clean)
        if not scored.compound:
            return _undeclared("nothing but links, mentions or symbols", prepared)
        sentiment, conf = _sentiment_label(scored.compound)
        shown = ", ".join(_show(w) for w, v in zip(scored.words, scored.valences, strict=True) if v)
        classification = Classification(
            sentiment=sentiment,
            actionability=Actionability.UNDECLARED,
            confidence=0.0,
            explanation=f"{sentiment.value} from {shown}; no words to judge actionability",
            score=scored.compound,
            sentiment_confidence=round(conf, 3),
        )
        return _Evidence(classification, 0.0, (), prepared)


def _show(word: str) -> str:
    if word.startswith("wbemoji"):
        try:
            return chr(int(word[7:], 16))
        except ValueError:
            return word
    return word


def _emoji_lexicon() -> dict[str, float]:
    return {_EMOJI_TOKENS[ch]: value for ch, value in lex.EMOJI.items()}


def _care_hits(lowered: str, distinct: set[str]) -> list[tuple[str, float]]:
    """The care phrases in ``lowered`` (whose words are ``distinct``), with their valences."""
    hits = []
    for label, pattern, valence, gates in lex.CARE_GATED:
        for gate in gates:
            if gate.isdisjoint(distinct):
                break
        else:
            if pattern.search(lowered):
                hits.append((label, valence))
    return hits


def _sentiment_label(score: float) -> tuple[Sentiment, float]:
    if score >= POSITIVE_AT:
        return Sentiment.POSITIVE, min(1.0, 0.6 + 0.4 * (score - POSITIVE_AT) / 0.4)
    if score <= NEGATIVE_AT:
        return Sentiment.NEGATIVE, min(1.0, 0.6 + 0.4 * (NEGATIVE_AT - score) / 0.4)
    margin = min(score - NEGATIVE_AT, POSITIVE_AT - score)
    return Sentiment.NEUTRAL, min(1.0, 0.5 + margin * 2.5)


def _rule_probability(points: float) -> float:
    """The rules' evidence as a probability of being actionable (above 0.5 from the threshold)."""
    return 1.0 / (1.0 + math.exp(-1.2 * (points - ACTIONABLE_AT + 0.25)))


def _actionability_points(
    lowered: str,
    words: list[str],
    distinct: set[str],
    care: list[str],
    score: float,
    linked: bool,
    emoji: bool,
    addressed: bool,
) -> tuple[float, list[str]]:
    """Evidence that the message needs an agent (positive) or not (negative), with reasons.

    A weighted sum of general cues of customer problems and requests (weights set by hand and
    checked on held-out tweets): problem phrases and words, requests, questions, talk of orders,
    accounts and the like, negation, time, length; links, hashtags, promotion and praise count
    against.
    """
    points = 0.0 if addressed else -2.0
    reasons: list[str] = [] if addressed else ["addressed to no one"]
    eager = "wait" in distinct and lex.CANT_WAIT.search(lowered) is not None
    if care:
        points += 1.4
        reasons.append("problem: '" + "', '".join(care) + "'")
    problems = (
        list(dict.fromkeys(w for w in words if w in lex.PROBLEM_WORDS))
        if not lex.PROBLEM_WORDS.isdisjoint(distinct)
        else []
    )
    if eager and "wait" in problems:
        problems.remove("wait")
    if problems:
        points += min(len(problems), 2) * 0.9
        reasons.append("problem words: '" + "', '".join(problems[:4]) + "'")
    request = lex.REQUEST_PATTERN.search(lowered)
    if request:
        points += 1.75
        reasons.append(f"request: '{request.group()}'")
    if "?" in lowered or words[0] in lex.QUESTION_WORDS:
        points += 0.9
        reasons.append("question")
    objects = (
        list(dict.fromkeys(w for w in words if w in lex.SERVICE_OBJECTS))
        if not lex.SERVICE_OBJECTS.isdisjoint(distinct)
        else []
    )
    if objects:
        points += min(len(objects), 2) * 1.15
        reasons.append("about: '" + "', '".join(objects[:3]) + "'")
    you = not lex.SECOND_PERSON.isdisjoint(distinct)
    if score <= -0.05:
        points += 0.15 + (0.35 if score <= -0.3 else 0.0) + (0.5 if you else 0.0)
        reasons.append("negative" + (", said to them" if you else ""))
    elif score >= POSITIVE_AT:
        points -= 0.45
    if not lex.NEGATIONS.isdisjoint(distinct):
        negations = sum(map(lex.NEGATIONS.__contains__, words))
        points += 0.5 * min(negations, 2)
    if not lex.TIME_WORDS.isdisjoint(distinct):
        points += 0.3
    if _DIGIT.search(lowered):
        points += 0.95
    if "why" in distinct:
        points += 0.3
    if "ed" in lowered:
        points += 2.5 * len(_PAST.findall(lowered)) / len(words)
    points += 2.15 * min(len(words), 40) / 40
    if linked:  # news and promotion link out
        points -= 1.8
    points -= 0.2 * min(lowered.count("#"), 5)
    if not lex.CHATTER.isdisjoint(distinct):
        points -= 0.4
    if not lex.THIRD_PERSON.isdisjoint(distinct):
        points -= 0.4
    if emoji and score > NEGATIVE_AT:
        points -= 1.0
    spam = (
        lex.SPAM_PATTERN.search(lowered)
        if "%" in lowered or not lex.SPAM_WORDS.isdisjoint(distinct)
        else None
    )
    if spam:
        points -= 0.8
        reasons.append(f"promotion: '{spam.group()}'")
    if lowered.lstrip().startswith("rt "):
        points -= 1.0
    if score >= 0.5 and not care and not request:
        praise = lex.PRAISE_PATTERN.search(lowered)
        if praise:
            points -= 0.5
            reasons.append(f"praise: '{praise.group()}'")
    return points, reasons


def _explain(
    sentiment: Sentiment,
    score: float,
    sentiment_reasons: list[tuple[str, float]],
    actionable: bool,
    action_reasons: list[str],
) -> str:
    said = (
        ", ".join(
            [
                f"'{_show(w) if w.startswith('wbemoji') else w}' {v:+.1f}"
                for w, v in sentiment_reasons[:5]
            ]
        )
        or "no opinion words"
    )
    acted = "; ".join(action_reasons) or "no problem, request or question"
    verdict = "actionable" if actionable else "not actionable"
    return f"{sentiment.value} ({score:+.2f}): {said}. {verdict}: {acted}."


def _undeclared(reason: str, prepared: str) -> _Evidence:
    classification = Classification(
        sentiment=Sentiment.UNDECLARED,
        actionability=Actionability.UNDECLARED,
        confidence=0.0,
        explanation=f"undeclared: {reason}",
    )
    return _Evidence(classification, 0.0, (), prepared)


@functools.cache
def _engine() -> RuleEngine:
    return RuleEngine()


class Classifier:
    """Classifies messages by the rules, or with a model trained on agents' corrections.

    With a model, actionability blends the model's probability with the rules', trusting the
    model more the more corrections it learnt from.
    """

    def __init__(self, model: ActionabilityModel | None = None) -> None:
        self.model = model
        self._rules = _engine()

    def classify(self, text: str, *, direct: bool = False) -> Classification:
        """Sentiment and actionability of one message (``direct``: a DM to the brand)."""
        return self.classify_many([_need_text(text)], direct=direct)[0]

    def classify_many(self, texts: Iterable[str], *, direct: bool = False) -> list[Classification]:
        """Classify a batch; identical texts are worked out once. ``direct``: the messages
        were sent to the brand (DMs), so none lacks an addressee."""
        if isinstance(texts, (str, bytes)):
            raise TypeError(
                "texts must be an iterable of str, not a single " + type(texts).__name__
            )
        items = list(texts)
        for i, text in enumerate(items):
            if not isinstance(text, str):
                raise TypeError(f"texts[{i}] must be str, not {type(text).__name__}")
        found: dict[str, _Evidence] = {}
        evidence = self._rules.evidence
        for text in items:
            if text not in found:
                found[text] = evidence(text, direct)
        if self.model is not None:
            self._apply_model(found)
        return [found[text].classification for text in items]

    def _apply_model(self, found: dict[str, _Evidence]) -> None:
        from dataclasses import replace

        model = self.model
        assert model is not None
        keys = [k for k, e in found.items() if e.classification.declared]
        if not keys:
            return
        probabilities = model.probabilities([found[k].prepared for k in keys])
        weight = model.examples / (model.examples + 50.0)
        for key, p_model in zip(keys, probabilities, strict=True):
            e = found[key]
            p_rules = _rule_probability(e.action_points)
            p = weight * p_model + (1 - weight) * p_rules
            actionable = p >= 0.5
            c = e.classification
            verdict = "actionable" if actionable else "not actionable"
            note = (
                f" Model v{model.version} (trained on {model.examples} corrections): "
                f"p={p_model:.2f}, with the rules {p:.2f}: {verdict}."
            )
            conf = max(p, 1 - p)
            found[key] = replace(
                e,
                classification=replace(
                    c,
                    actionability=(
                        Actionability.ACTIONABLE if actionable else Actionability.NOT_ACTIONABLE
                    ),
                    actionability_confidence=round(conf, 3),
                    confidence=round(min(c.sentiment_confidence, conf), 3),
                    explanation=c.explanation + note,
                ),
            )


def classify(text: str, *, direct: bool = False) -> Classification:
    """Sentiment and actionability of one message (``direct``: a DM), by the rules and, once
    ``workbench train`` has written one, the newest model in the model folder
    (``workbench.classify.trained``)."""
    return newest_classifier().classify(text, direct=direct)


def classify_many(texts: Iterable[str], *, direct: bool = False) -> list[Classification]:
    """``classify`` for a batch (fast: shared lexicon, identical texts done once)."""
    return newest_classifier().classify_many(texts, direct=direct)


def rule_probability(texts: Sequence[str]) -> list[float]:
    """The rules' probability that each text is actionable (0.5 at the decision threshold)."""
    engine = _engine()
    return [_rule_probability(engine.evidence(t).action_points) for t in texts]
