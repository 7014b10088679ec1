"""VADER's scoring (vaderSentiment 3.3.2) rewritten to do each piece of work once.

Same lexicons (read from the vaderSentiment package), same rules and the same numbers as
``SentimentIntensityAnalyzer().polarity_scores(text)["compound"]`` (a test compares them), but the
words are lower-cased once, emoji are looked up only in non-ASCII text and the negation checks
look at one word instead of re-lowering the sentence. ``lexicon``, ``adjust`` and ``ignore`` let
the caller change word valences (also in context) and leave tokens (mentions, links) out.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from vaderSentiment import vaderSentiment as _vs

B_INCR = _vs.B_INCR
C_INCR = _vs.C_INCR
N_SCALAR = _vs.N_SCALAR
BOOSTERS: dict[str, float] = dict(_vs.BOOSTER_DICT)
NEGATIONS = frozenset(_vs.NEGATE)
SPECIAL_CASES: dict[str, float] = dict(_vs.SPECIAL_CASES)
_PUNCTUATION = string.punctuation
# Words of the special cases and multi-word boosters: an idiom needs all its words among these.
_IDIOM_WORDS = frozenset(
    word for phrase in (*SPECIAL_CASES, *BOOSTERS) if " " in phrase for word in phrase.split()
)
_SO_THIS = ("so", "this")


@dataclass(frozen=True)
class Scored:
    """One text's VADER result: words, their valences, the sum with punctuation emphasis, compound.

    ``text`` is what was scored (emoji replaced by their descriptions); its ! and ? add emphasis.
    """

    words: list[str]
    valences: list[float]
    total: float
    compound: float
    text: str


def _negated(word: str) -> bool:
    return word in NEGATIONS or "n't" in word


def _strip_punctuation(token: str) -> str:
    stripped = token.strip(_PUNCTUATION)
    return token if len(stripped) <= 2 else stripped


def normalize(score: float, alpha: float = 15) -> float:
    """VADER's squashing of a valence sum into -1..1."""
    value = score / math.sqrt(score * score + alpha)
    return -1.0 if value < -1.0 else (1.0 if value > 1.0 else value)


def punctuation_emphasis(text: str) -> float:
    """What exclamation marks (up to 4) and several question marks add to the valence sum."""
    amplifier = min(text.count("!"), 4) * 0.292
    questions = text.count("?")
    if questions > 1:
        amplifier += questions * 0.18 if questions <= 3 else 0.96
    return amplifier


def summarize(valences: list[float], text: str) -> tuple[float, float]:
    """The valence sum with punctuation emphasis, and VADER's compound score, of ``valences``."""
    if not valences:
        return 0.0, 0.0
    total = float(sum(valences))
    if total > 0:
        total += punctuation_emphasis(text)
    elif total < 0:
        total -= punctuation_emphasis(text)
    return total, round(normalize(total), 4)


class Vader:
    """A VADER scorer; build it once (it reads the lexicon files) and share it."""

    def __init__(
        self,
        lexicon: Mapping[str, float] | None = None,
        ignore: Callable[[str], bool] | None = None,
        adjust: Callable[[list[str], list[str], int, float], float | None] | None = None,
    ) -> None:
        analyzer = _vs.SentimentIntensityAnalyzer()
        self.base_lexicon: dict[str, float] = dict(analyzer.lexicon)
        self.lexicon: dict[str, float] = dict(analyzer.lexicon)
        if lexicon:
            self.lexicon.update(lexicon)
        self.emojis: dict[str, str] = {k: v for k, v in analyzer.emojis.items() if len(k) == 1}
        self._emoji_chars = frozenset(self.emojis)
        self._ignore = ignore
        self.adjust = adjust

    def translate_emoji(self, text: str) -> str:
        """Emoji replaced by their descriptions, as VADER does before scoring."""
        if text.isascii() or self._emoji_chars.isdisjoint(text):
            return text.strip()
        out: list[str] = []
        prev_space = True
        emojis = self.emojis
        for ch in text:
            description = emojis.get(ch)
            if description is not None:
                if not prev_space:
                    out.append(" ")
                out.append(description)
                prev_space = False
            else:
                out.append(ch)
                prev_space = ch == " "
        return "".join(out).strip()

    def score(self, text: str) -> Scored:
        """Score ``text`` as VADER's ``polarity_scores`` does (plus the caller's changes)."""
        text = self.translate_emoji(text)
        tokens = text.split()
        if self._ignore is not None:
            tokens = [t for t in tokens if not self._ignore(t)]
        punctuation = _PUNCTUATION
        words = []
        for token in tokens:
            stripped = token.strip(punctuation)
            words.append(token if len(stripped) <= 2 else stripped)
        lower = [w.lower() for w in words]
        valences = self._valences(tokens, words, lower)
        if "but" in lower:
            valences = _but_check(lower, valences)
        total, compound = summarize(valences, text)
        return Scored(words, valences, total, compound, text)

    def _valences(self, tokens: list[str], words: list[str], lower: list[str]) -> list[float]:
        lexicon = self.lexicon
        boosters = BOOSTERS
        n = len(words)
        caps = sum(1 for w in words if w.isupper())
        cap_diff = 0 < n - caps < n
        out: list[float] = []
        adjust = self.adjust
        for i, low in enumerate(lower):
            if low in boosters or (i < n - 1 and low == "kind" and lower[i + 1] == "of"):
                out.append(0.0)
                continue
            base = lexicon.get(low)
            if base is not None and adjust is not None:
                base = adjust(tokens, lower, i, base)
            if base is None:
                out.append(0)
                continue
            valence = base
            if low == "no" and i != n - 1 and lower[i + 1] in lexicon:
                valence = 0.0
            if (
                (i > 0 and lower[i - 1] == "no")
                or (i > 1 and lower[i - 2] == "no")
                or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))
            ):
                valence = base * N_SCALAR
            if cap_diff and words[i].isupper():
                valence = valence + C_INCR if valence > 0 else valence - C_INCR
            for start in (0, 1, 2):
                j = i - start - 1
                if j < 0 or lower[j] in lexicon:
                    continue
                scalar = boosters.get(lower[j], 0.0)
                if scalar:
                    if valence < 0:
                        scalar = -scalar
                    if cap_diff and words[j].isupper():
                        scalar = scalar + C_INCR if valence > 0 else scalar - C_INCR
                    if start == 1:
                        scalar *= 0.95
                    elif start == 2:
                        scalar *= 0.9
                    valence += scalar
                valence = _negation(valence, lower, start, i)
                if start == 2:
                    valence = _idioms(valence, lower, i)
            if (
                i > 0
                and lower[i - 1] == "least"
                and "least" not in lexicon
                and (i == 1 or lower[i - 2] not in ("at", "very"))
            ):
                valence *= N_SCALAR
            out.append(valence)
        return out


def _negation(valence: float, lower: list[str], start: int, i: int) -> float:
    if start == 0:
        if _negated(lower[i - 1]):
            valence *= N_SCALAR
    elif start == 1:
        if lower[i - 2] == "never" and lower[i - 1] in _SO_THIS:
            valence *= 1.25
        elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
            pass
        elif _negated(lower[i - 2]):
            valence *= N_SCALAR
    else:
        if (lower[i - 3] == "never" and lower[i - 2] in _SO_THIS) or lower[i - 1] in _SO_THIS:
            valence *= 1.25
        elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
            pass
        elif _negated(lower[i - 3]):
            valence *= N_SCALAR
    return valence


def _idioms(valence: float, lower: list[str], i: int) -> float:
    words = _IDIOM_WORDS
    w3, w2, w1, w0 = lower[i - 3], lower[i - 2], lower[i - 1], lower[i]
    if (w1 not in words and w2 not in words) and (
        w0 not in words or i + 1 >= len(lower) or lower[i + 1] not in words
    ):
        return valence  # no special case or booster phrase can be there
    three_two_one = f"{w3} {w2} {w1}"
    three_two = f"{w3} {w2}"
    two_one = f"{w2} {w1}"
    for seq in (f"{w1} {w0}", f"{w2} {w1} {w0}", two_one, three_two_one, three_two):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    n = len(lower)
    if n - 1 > i:
        zero_one = f"{w0} {lower[i + 1]}"
        if zero_one in SPECIAL_CASES:
            valence = SPECIAL_CASES[zero_one]
        if n - 1 > i + 1:
            zero_one_two = f"{zero_one} {lower[i + 2]}"
            if zero_one_two in SPECIAL_CASES:
                valence = SPECIAL_CASES[zero_one_two]
    for ngram in (three_two_one, three_two, two_one):
        if ngram in BOOSTERS:
            valence += BOOSTERS[ngram]
    return valence


def _but_check(lower: list[str], valences: list[float]) -> list[float]:
    """VADER's "but" rule as VADER computes it.

    VADER scales each valence found by ``list.index``, i.e. at the first position holding an equal
    value, so a repeated valence is scaled at its first position only. Zeros never change, so
    only the non-zero positions are visited; the numbers stay exactly VADER's.
    """
    valences = list(valences)
    bi = lower.index("but")
    for j in range(len(valences)):
        valence = valences[j]
        if not valence:
            continue
        si = valences.index(valence)
        if si < bi:
            valences[si] = valence * 0.5
        elif si > bi:
            valences[si] = valence * 1.5
    return valences
