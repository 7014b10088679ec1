"""Sentiment and actionability of an inbound message, in its language, with the words that
decided them.

Each message is read in its language: X's ``lang`` when the caller passes one that names a
language, else the detector's (``_language``). Sentiment comes from that language's model
(``sentiment``: hashed n-grams and the lexicon's scores, trained on public labelled tweets), or
the multilingual model for any other language; the lexicon's words are the evidence the
explanation names. Below ``SENTIMENT_AT`` (``UNSURE_AT`` for the multilingual model) the answer
is UNDECLARED, with the reason (unknown language, too short, mixed, unsure). Without a usable
model file, a language falls back to its lexicon (English: the rules below).

English lexicon rules: sentiment is VADER's (vaderSentiment's lexicon and rules) with
customer-care knowledge added: politeness words carry no opinion, "still waiting" or "not
working" are complaints, "thanks" in a complaint is not praise, a few emoji get their usual
meaning, and the neutral band is wider than VADER's. Actionability looks for what needs an
agent: problems, requests and questions, not chatter, praise or promotion (in each language with
its own cue words, ``_lexicons``). Text that cannot be judged (nothing but links or mentions) is
UNDECLARED rather than guessed.
"""

from __future__ import annotations

import functools
import html
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from workbench.classify import _lexicon as lex
from workbench.classify import _lexicons
from workbench.classify._language import Detected, Detector, from_x, name, not_english
from workbench.classify._vader import Vader, summarize
from workbench.classify.trained import newest_classifier
from workbench.domain.classification import Actionability, Sentiment

if TYPE_CHECKING:
    from workbench.classify.model import ActionabilityModel
    from workbench.classify.sentiment import SentimentModel

#: Scores at or above this are positive; at or below ``NEGATIVE_AT`` negative (VADER: 0.05/-0.05).
POSITIVE_AT = 0.35
NEGATIVE_AT = -0.05
#: Evidence for actionability at or above this makes a message actionable.
ACTIONABLE_AT = 1.3
#: Only this much of a very long text is read (a DM holds 10,000 characters).
MAX_CHARS = 20_000
#: A language's own model declares a sentiment at or above this probability, the multilingual
#: model (a language without its own, or one the detector could not tell) at ``UNSURE_AT``.
SENTIMENT_AT = 0.42
UNSURE_AT = 0.45
#: Actionability of a language without cue words is declared only this sure.
ACTION_SURE_AT = 0.75
#: Texts are featurized and scored in batches of this many.
BATCH = 2000


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
    language: str | None = None
    """ISO 639-1 code of the language the text was read in (X's or the detector's); None when
    it has none (no words) or could not be told."""
    evidence: tuple[str, ...] = ()
    """The lexicon's opinion words found in the text, strongest first."""
    model: str = ""
    """What decided the sentiment: a model's name (``sentiment-fr-v0001``), ``lexicon`` or
    ``rules`` (the English lexicon rules alone)."""

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
    sentiment_reasons: tuple[tuple[str, float], ...] = ()
    care: tuple[str, ...] = ()


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

    def evidence(
        self, text: str, direct: bool = False, english: bool = False, prepared: str | None = None
    ) -> _Evidence:
        """Classify ``text`` by the rules alone, keeping the actionability evidence.

        ``direct``: the message was sent to the brand (a DM), so it is addressed to it even
        without an @mention. ``english``: the text is known to be English (no check).
        ``prepared``: ``prepare(text)``, when the caller has it."""
        prepared = prepare(text) if prepared is None else prepared
        clean = _NOISE.sub(" ", prepared)
        if not clean.isascii():
            clean = _emoji_words(clean)
        lowered = clean.lower()
        words = _WORD.findall(lowered)
        if "wbemoji" in lowered:
            words = [w for w in words if not w.startswith("wbemoji")]
        if not words:
            return self._wordless(clean, prepared)
        reason = None if english else not_english(words)
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
            language="en" if english else None,
            evidence=tuple(_show(w) for w, _ in sentiment_reasons[:5]),
            model="rules",
        )
        return _Evidence(
            classification,
            points,
            tuple(action_reasons),
            prepared,
            tuple(sentiment_reasons),
            tuple(care),
        )

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
    """Classifies messages in their languages (see the module's docstring), and with a model
    trained on agents' corrections when given one.

    ``sentiment``: the sentiment models by language (default: ``load_models`` of the package
    and WORKBENCH_MODEL_DIR; ``{}``: the lexicons alone). ``multilingual=False`` is the
    English-only classifier this workbench had before (the rules; other languages undeclared),
    kept to measure against. With an actionability ``model``, actionability blends the model's
    probability with the rules', trusting the model more the more corrections it learnt from.
    """

    def __init__(
        self,
        model: ActionabilityModel | None = None,
        *,
        sentiment: Mapping[str, SentimentModel] | None = None,
        multilingual: bool = True,
    ) -> None:
        self.model = model
        self._rules = _engine()
        self.multilingual = multilingual
        if sentiment is None and multilingual:
            from workbench.classify.sentiment import load_models
            from workbench.config import model_dir

            sentiment = load_models(model_dir())
        self.sentiment: Mapping[str, SentimentModel] = dict(sentiment or {})

    def classify(
        self, text: str, *, direct: bool = False, lang: str | None = None
    ) -> Classification:
        """Sentiment and actionability of one message (``direct``: a DM to the brand; ``lang``:
        X's language code of the post, when it has one)."""
        return self.classify_many([_need_text(text)], direct=direct, langs=[lang])[0]

    def classify_many(
        self,
        texts: Iterable[str],
        *,
        direct: bool = False,
        langs: Sequence[str | None] | None = None,
    ) -> list[Classification]:
        """Classify a batch; identical texts (in the same language) are worked out once.
        ``direct``: the messages were sent to the brand (DMs), so none lacks an addressee;
        ``langs``: X's language code of each (None where there is none)."""
        if isinstance(texts, (str, bytes)):
            raise TypeError(
                "texts must be an iterable of str, not a single " + type(texts).__name__
            )
        items = list(texts)
        for i, text in enumerate(items):
            if not isinstance(text, str):
                raise TypeError(f"texts[{i}] must be str, not {type(text).__name__}")
        if langs is None or not self.multilingual:
            codes: list[str | None] = [None] * len(items)
        else:
            if isinstance(langs, (str, bytes)):
                raise TypeError("langs must be a sequence of str or None, one per text")
            codes = [from_x(lang) for lang in langs]
            if len(codes) != len(items):
                raise ValueError(f"langs: {len(codes)} codes for {len(items)} texts")
        found: dict[tuple[str, str | None], _Evidence] = {}
        for key in zip(items, codes, strict=True):
            if key not in found:
                found[key] = _PENDING
        keys = list(found)
        for start in range(0, len(keys), BATCH):
            chunk = keys[start : start + BATCH]
            for key, evidence in zip(chunk, self._evidence(chunk, direct), strict=True):
                found[key] = evidence
        if self.model is not None:
            self._apply_model(found)
        return [found[key].classification for key in zip(items, codes, strict=True)]

    def _evidence(self, keys: list[tuple[str, str | None]], direct: bool) -> list[_Evidence]:
        """The evidence of each (text, X's language) in ``keys``."""
        rules = self._rules
        if not self.multilingual:
            return [rules.evidence(text, direct) for text, _ in keys]
        out: list[_Evidence] = []
        groups: dict[str, list[int]] = {}
        readings: list[_Reading | None] = []
        for i, (text, given) in enumerate(keys):
            if given == "en":  # the English rules read it themselves
                reading: _Reading | None = _Reading(
                    text, prepare(text), "", "", [], {}, _TOLD_ENGLISH, True
                )
            else:
                reading = _read(text, given)
            readings.append(reading)
            if reading is None:  # no words: the rules' emoji and link handling
                out.append(_with_language(rules.evidence(text, direct), given))
                continue
            out.append(_PENDING)
            language = reading.detected.language
            if language is not None and (
                language == "en" or language in self.sentiment or language in _lexicons.LANGUAGES
            ):
                groups.setdefault(language, []).append(i)
            else:
                groups.setdefault(_MULTILINGUAL, []).append(i)
        for group, members in groups.items():
            batch = [r for r in (readings[i] for i in members) if r is not None]
            done = self._language_evidence(group, batch, direct)
            for i, evidence in zip(members, done, strict=True):
                out[i] = evidence
        return out

    def _language_evidence(
        self, language: str, readings: list[_Reading], direct: bool
    ) -> list[_Evidence]:
        model = self.sentiment.get(language)
        if language == "en":
            ruled = [
                self._rules.evidence(r.text, direct, english=True, prepared=r.prepared)
                for r in readings
            ]
            if model is None:
                return ruled
            features = np.array(
                [_english_lexicon_features(e) for e in ruled], dtype=np.float32
            ).reshape(-1, 4)
            english = _probabilities(model, readings, features)
            return [
                _with_model(e, p, model, r.detected)
                for e, p, r in zip(ruled, english, readings, strict=True)
            ]
        cues = _lexicons.LANGUAGES.get(language)
        opinions = [r.opinion(cues) for r in readings]
        probabilities: npt.NDArray[np.float32] | None = None
        if model is not None:
            lexicon = np.array(
                [(o.score, o.positive, o.negative, o.problem is not None) for o in opinions],
                dtype=np.float32,
            ).reshape(-1, 4)
            probabilities = _probabilities(model, readings, lexicon)
        out = []
        for i, (reading, found) in enumerate(zip(readings, opinions, strict=True)):
            p = None if probabilities is None else probabilities[i]
            out.append(_foreign(reading, found, cues, p, model, direct))
        return out

    def _apply_model(self, found: dict[tuple[str, str | None], _Evidence]) -> None:
        from dataclasses import replace

        model = self.model
        assert model is not None
        keys = [
            k
            for k, e in found.items()
            if e.classification.declared
            or e.classification.actionability is not Actionability.UNDECLARED
        ]
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


_PENDING = _Evidence(
    Classification(Sentiment.UNDECLARED, Actionability.UNDECLARED, 0.0, ""), 0.0, (), ""
)
_MULTILINGUAL = "xx"


@functools.cache
def _detector() -> Detector:
    lexicon = _engine().vader.lexicon
    return Detector(frozenset(w for w in lexicon if len(w) > 1 and w.isalpha()))


_LABELS = (Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE)
_TOLD_ENGLISH = Detected("en", 1.0)


@dataclass(frozen=True)
class _Reading:
    """A text as the multilingual path reads it: its words (lower-cased, links and mentions
    out), the emoji the lexicon knows, and its language."""

    text: str
    prepared: str
    clean: str
    lowered: str
    words: list[str]
    emoji: dict[str, float]
    detected: Detected
    given: bool

    @functools.cached_property
    def clauses(self) -> tuple[list[str], list[int]]:
        """The words again, with the clause (between commas, stops...) of each: a negation
        reaches within its own."""
        words: list[str] = []
        clauses: list[int] = []
        for k, part in enumerate(_CLAUSE.split(self.lowered)):
            found = _WORD.findall(part)
            words += found
            clauses += [k] * len(found)
        return words, clauses

    def opinion(self, cues: _lexicons.Language | None) -> _lexicons.Opinion:
        """What the lexicon of ``cues``' language finds in the text."""
        words, clauses = self.clauses
        return _lexicons.opinion(cues, words, self.lowered, self.emoji, clauses)


_CLAUSE = re.compile(r"[,.;:!?¿¡،؛؟]+")


def _read(text: str, given: str | None) -> _Reading | None:
    """``text`` read for the multilingual path, or None when it has no words."""
    prepared = prepare(text)
    clean = _NOISE.sub(" ", prepared)
    lowered = clean.lower()
    words = _WORD.findall(lowered)
    if not words:
        return None
    emoji: dict[str, float] = {}
    if not lowered.isascii():
        for ch in _EMOJI_CHARS.intersection(lowered):
            emoji[ch] = lex.EMOJI[ch] * min(lowered.count(ch), 3)
    detected = Detected(given, 1.0) if given is not None else _detector().detect(clean, words)
    return _Reading(text, prepared, clean, lowered, words, emoji, detected, given is not None)


def _with_language(evidence: _Evidence, language: str | None) -> _Evidence:
    if language is None or evidence.classification.language == language:
        return evidence
    from dataclasses import replace

    return replace(evidence, classification=replace(evidence.classification, language=language))


def _english_lexicon_features(e: _Evidence) -> tuple[float, float, float, float]:
    positive = sum(v for _, v in e.sentiment_reasons if v > 0)
    negative = sum(v for _, v in e.sentiment_reasons if v < 0)
    return (
        e.classification.score,
        _lexicons.compound(positive),
        _lexicons.compound(negative),
        1.0 if e.care else 0.0,
    )


def _probabilities(
    model: SentimentModel, readings: list[_Reading], lexicon: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    from workbench.classify import _features

    features = _features.extract([_features.normalize(r.prepared, True) for r in readings], True)
    return model.probabilities(features, lexicon)


#: A customer-care complaint phrase ("still waiting", "toujours pas") makes a message negative
#: unless the model finds it positive at least this sure: the public tweets the models learnt
#: from hold few complaints to brands, and thanks in a complaint read to them as praise.
COMPLAINT_OVERRULED_AT = 0.6


def _decide(
    p: npt.NDArray[np.float32],
    model: SentimentModel,
    detected: Detected,
    words: int,
    complaint: str | None = None,
) -> tuple[Sentiment, float, str]:
    """The label the probabilities ``p`` give, its confidence, and a remark: why it is
    undeclared, or that a ``complaint`` phrase decided it ("" when neither)."""
    best = int(p.argmax())
    confidence = float(p[best])
    if complaint is not None and not (best == 2 and confidence >= COMPLAINT_OVERRULED_AT):
        sure = max(float(p[0]), COMPLAINT_OVERRULED_AT)
        remark = "" if best == 0 else f"the complaint '{complaint}' outweighs the model"
        return Sentiment.NEGATIVE, sure, remark
    multilingual = model.language == _MULTILINGUAL
    floor = UNSURE_AT if multilingual or detected.language is None else SENTIMENT_AT
    if confidence >= floor:
        return _LABELS[best], confidence, ""
    if detected.reason:
        why = detected.reason
    elif words <= 2:
        why = "too short"
    elif multilingual:
        why = f"no model of its own for {name(detected.language)}"
    else:
        why = "the model is unsure"
    return (
        Sentiment.UNDECLARED,
        confidence,
        f"{why}; {_LABELS[best].value} only at p={confidence:.3f} (needs {floor:.2f})",
    )


def _with_model(
    e: _Evidence, p: npt.NDArray[np.float32], model: SentimentModel, detected: Detected
) -> _Evidence:
    """English rules' evidence with the English model's sentiment."""
    c = e.classification
    if not c.declared or c.actionability is Actionability.UNDECLARED:
        return e  # nothing to judge, or emoji alone: the rules' answer stands
    complaint = e.care[0] if e.care and c.score < POSITIVE_AT else None
    sentiment, confidence, why = _decide(p, model, detected, len(e.prepared.split()), complaint)
    said = _said(e.sentiment_reasons)
    action = c.explanation.split(". ", 1)[1] if ". " in c.explanation else ""
    if sentiment is Sentiment.UNDECLARED:
        head = f"sentiment undeclared: {why}; lexicon {c.score:+.2f}: {said}"
    else:
        head = f"{sentiment.value} (p={confidence:.2f}, {model.name}; lexicon {c.score:+.2f}: "
        head += f"{said}; {why})" if why else f"{said})"
    declared = sentiment is not Sentiment.UNDECLARED
    classification = Classification(
        sentiment,
        c.actionability,
        round(min(confidence, c.actionability_confidence), 3) if declared else 0.0,
        f"{head}. {action}",
        c.score,
        round(confidence, 3),
        c.actionability_confidence,
        c.language,
        c.evidence,
        model.name,
    )
    return _Evidence(
        classification,
        e.action_points,
        e.action_reasons,
        e.prepared,
        e.sentiment_reasons,
        e.care,
    )


def _said(reasons: Sequence[tuple[str, float]]) -> str:
    return ", ".join(f"'{_show(w)}' {v:+.1f}" for w, v in reasons[:5]) or "no opinion words"


def _foreign(
    reading: _Reading,
    found: _lexicons.Opinion,
    cues: _lexicons.Language | None,
    p: npt.NDArray[np.float32] | None,
    model: SentimentModel | None,
    direct: bool,
) -> _Evidence:
    """Sentiment and actionability of a text in a language other than English."""
    language = reading.detected.language
    said = _said(found.words)
    if language is None and len(reading.words) <= 2 and not found.words:
        # a word or two of no known language and no opinion word: nothing to go on
        sentiment, confidence, score, source = Sentiment.UNDECLARED, 0.0, 0.0, "lexicon"
        why = reading.detected.reason or "too short"
    elif p is not None and model is not None:
        complaint = found.problem if found.score < POSITIVE_AT else None
        sentiment, confidence, why = _decide(
            p, model, reading.detected, len(reading.words), complaint
        )
        score = float(p[2] - p[0])
        source = model.name
    elif cues is not None:  # no usable model: the lexicon alone
        sentiment, confidence = _sentiment_label(found.score)
        score, why, source = found.score, "", "lexicon"
    else:
        sentiment, confidence, score, source = Sentiment.UNDECLARED, 0.0, 0.0, "lexicon"
        why = reading.detected.reason or f"no model for {name(language)}"
    points, reasons = _foreign_points(reading, found, cues, sentiment, direct)
    p_action = _rule_probability(points)
    action_conf = max(p_action, 1 - p_action)
    if cues is None and action_conf < ACTION_SURE_AT:
        actionability = Actionability.UNDECLARED
    elif points >= ACTIONABLE_AT:
        actionability = Actionability.ACTIONABLE
    else:
        actionability = Actionability.NOT_ACTIONABLE
    read_as = f"read as {name(language)}" + (
        "" if reading.given else f" (detected, {reading.detected.confidence:.2f})"
    )
    if language is None:
        read_as = f"language unknown ({reading.detected.reason or 'not told'})"
    if sentiment is Sentiment.UNDECLARED:
        head = f"sentiment undeclared: {why}; lexicon: {said}"
    elif source == "lexicon":
        head = f"{sentiment.value} (lexicon {score:+.2f}: {said})"
    else:
        head = f"{sentiment.value} (p={confidence:.2f}, {source}; lexicon: {said}"
        head += f"; {why})" if why else ")"
    if actionability is Actionability.UNDECLARED:
        acted = "actionability undeclared: " + (
            f"no cue words for {name(language)}" if language else "language unknown"
        )
    else:
        verdict = "actionable" if actionability is Actionability.ACTIONABLE else "not actionable"
        acted = f"{verdict}: " + ("; ".join(reasons) or "no problem, request or question")
    classification = Classification(
        sentiment=sentiment,
        actionability=actionability,
        confidence=round(
            min(confidence, action_conf)
            if actionability is not Actionability.UNDECLARED
            and sentiment is not Sentiment.UNDECLARED
            else 0.0,
            3,
        ),
        explanation=f"{head}. {acted}. {read_as}.",
        score=round(max(-1.0, min(1.0, score)), 4),
        sentiment_confidence=round(confidence, 3),
        actionability_confidence=round(action_conf, 3)
        if actionability is not Actionability.UNDECLARED
        else 0.0,
        language=language,
        evidence=tuple(w for w, _ in found.words[:5]),
        model=source,
    )
    return _Evidence(classification, points, tuple(reasons), reading.prepared)


def _foreign_points(
    reading: _Reading,
    found: _lexicons.Opinion,
    cues: _lexicons.Language | None,
    sentiment: Sentiment,
    direct: bool,
) -> tuple[float, list[str]]:
    """Evidence that a message in another language needs an agent, as ``_actionability_points``
    weighs it in English, with that language's cue words."""
    prepared = reading.prepared
    lowered = reading.lowered
    words = reading.words
    addressed = direct or "@" in prepared or "＠" in prepared
    points = 0.0 if addressed else -2.0
    reasons: list[str] = [] if addressed else ["addressed to no one"]
    folded = [_lexicons.fold(w) for w in words] if cues is not None else []
    distinct = set(folded)
    flat = _lexicons.fold(lowered) if cues is not None else lowered
    if found.problem:
        points += 1.4
        reasons.append(f"problem: '{found.problem}'")
    if cues is not None:
        pairs = list(zip(words, folded, strict=True))
        problems = list(dict.fromkeys(w for w, f in pairs if f in cues.problems))
        if problems:
            points += min(len(problems), 2) * 0.9
            reasons.append("problem words: '" + "', '".join(problems[:4]) + "'")
        request = cues.requests.search(flat)
        if request:
            points += 1.75
            reasons.append(f"request: '{request.group()}'")
        objects = list(dict.fromkeys(w for w, f in pairs if f in cues.objects))
        if objects:
            points += min(len(objects), 2) * 1.15
            reasons.append("about: '" + "', '".join(objects[:3]) + "'")
    question_word = cues is not None and (
        folded[0] in cues.questions or not cues.questions.isdisjoint(distinct)
    )
    if "?" in lowered or "؟" in lowered or "¿" in lowered or question_word:
        points += 0.9
        reasons.append("question")
    you = cues is not None and not cues.second_person.isdisjoint(distinct)
    if sentiment is Sentiment.NEGATIVE:
        points += 0.5 + (0.5 if you else 0.0)
        reasons.append("negative" + (", said to them" if you else ""))
    elif sentiment is Sentiment.POSITIVE:
        points -= 0.45
    if cues is not None:
        if not cues.negations.isdisjoint(distinct):
            negations = sum(map(cues.negations.__contains__, folded))
            points += 0.5 * min(negations, 2)
        if not cues.time_words.isdisjoint(distinct):
            points += 0.3
    if _DIGIT.search(lowered):
        points += 0.95
    points += 2.15 * min(len(words), 40) / 40
    if "http" in prepared or "www." in prepared:
        points -= 1.8
    points -= 0.2 * min(lowered.count("#"), 5)
    emoji = not prepared.isascii() and _PICTOGRAPH.search(prepared) is not None
    if emoji and sentiment is not Sentiment.NEGATIVE:
        points -= 1.0
    if prepared.lstrip().startswith("RT "):
        points -= 1.0
    if (
        cues is not None
        and sentiment is Sentiment.POSITIVE
        and not found.problem
        and not cues.praise.isdisjoint(distinct)
    ):
        praise = next(w for w, f in zip(words, folded, strict=True) if f in cues.praise)
        points -= 0.5
        reasons.append(f"praise: '{praise}'")
    return points, reasons


def classify(text: str, *, direct: bool = False, lang: str | None = None) -> Classification:
    """Sentiment and actionability of one message (``direct``: a DM; ``lang``: X's language code
    of the post, when it has one), in its language, and, once ``workbench train`` has written
    one, with the newest actionability model in the model folder
    (``workbench.classify.trained``)."""
    return newest_classifier().classify(text, direct=direct, lang=lang)


def classify_many(
    texts: Iterable[str],
    *,
    direct: bool = False,
    langs: Sequence[str | None] | None = None,
) -> list[Classification]:
    """``classify`` for a batch (fast: shared lexicons, batched models, identical texts done
    once); ``langs``: X's language code of each text (None where there is none)."""
    return newest_classifier().classify_many(texts, direct=direct, langs=langs)


def rule_probability(texts: Sequence[str]) -> list[float]:
    """The rules' probability that each text is actionable (0.5 at the decision threshold)."""
    engine = _engine()
    return [_rule_probability(engine.evidence(t).action_points) for t in texts]
