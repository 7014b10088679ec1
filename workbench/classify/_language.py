"""A cheap check that a text is English enough to classify: its script and its function words.

Not a language identifier: it only has to say "not English" for text the English lexicons cannot
judge, in microseconds, without a model.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Frequent English function words; a text using them is taken as English.
ENGLISH = _words("""
    the and is are was were be been being to of in on for with my your you i it its it's this that
    these those have has had not no but what why how when where who which can cant can't will won't
    wont just me we they he she do does did don't dont didn't doesn't at from please thanks thank an
    so if or get got still all any out up there would could should about am im i'm our us their them
    been again now yet than then because as by very really too also here his her him its hi hey
    """)

# Function words of the languages most often met on X that are not also English words.
FOREIGN: dict[str, frozenset[str]] = {
    "Spanish": _words(
        """el los las de que y en un una por para es del se lo como pero muy más mas estoy está
        esta tengo mi gracias hola porque cuando también ahí sí su le les nos sobre este esto eso
        ser fue han hace bien qué cómo está están quiero puedo hasta desde donde mucho"""
    ),
    "French": _words(
        """le les des est et une du pas sur avec je vous nous il elle ce qui que mais dans au aux ne
        mon mes très merci bonjour suis c'est j'ai tout ça oui non être avoir fait sont leur aussi
        votre vos cette ces"""
    ),
    "German": _words(
        """der das und ist nicht ich ein eine zu mit auf für den dem sie es wir ihr aber auch noch
        nur wie bei danke bitte hallo mein meine kein keine sehr schon wenn oder habe sind vom zum
        zur im ich dass"""
    ),
    "Portuguese": _words(
        """o os de que e não um uma para com por mais muito obrigado obrigada olá oi meu minha você
        voce está estou isso isto mas como quando tem são foi ser bem também já nao pra vc dos das
        nas ao é"""
    ),
    "Italian": _words(
        """il lo gli le di che e un una sono mi ti si ma anche grazie ciao del della dei delle nel
        nella questo questa perché molto tutto è"""
    ),
    "Dutch": _words(
        """de het een en ik je niet dat te zijn met voor maar ook wat dank bedankt hoi mijn jij wij
        geen heb nog als bij om naar"""
    ),
    "Indonesian": _words(
        """yang dan di ini itu dengan untuk tidak ada saya aku kamu ke dari akan bisa sudah juga apa
        tapi terima kasih mau gak nggak udah sama lagi"""
    ),
    "Turkish": _words("ve bir bu da de ne için çok ile ben var yok teşekkürler merhaba değil"),
}
# Words both in a foreign list and in English count for English only.
FOREIGN = {lang: words - ENGLISH for lang, words in FOREIGN.items()}
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {}
for _lang, _vocabulary in FOREIGN.items():
    for _word in _vocabulary:
        _LANGUAGES_OF[_word] = (*_LANGUAGES_OF.get(_word, ()), _lang)


_ALL_FOREIGN = frozenset(_LANGUAGES_OF)


def _latin(ch: str) -> bool:
    cp = ord(ch)
    return cp < 0x250 or 0x1E00 <= cp <= 0x1EFF


def not_english(words: list[str]) -> str | None:
    """Why lower-cased ``words`` are not English text we can judge, or None when they are."""
    if not words:
        return "no words to judge"
    if not all(map(str.isascii, words)):
        letters = latin = 0
        for word in words:
            for ch in word:
                if ch.isalpha():
                    letters += 1
                    latin += _latin(ch)
        if letters and latin < 0.5 * letters:
            return "written in a non-Latin script"
    distinct = set(words)
    if _ALL_FOREIGN.isdisjoint(distinct):
        return None
    english = sum(map(ENGLISH.__contains__, words))
    counts: dict[str, int] = {}
    for word in words:
        for lang in _LANGUAGES_OF.get(word, ()):
            counts[lang] = counts.get(lang, 0) + 1
    lang, foreign = max(counts.items(), key=lambda item: item[1])
    if (foreign >= 2 and foreign > english) or (english == 0 and len(words) <= 3):
        return f"looks like {lang}"
    return None
