"""Classifying a batch of tweets against bare vaderSentiment scoring the same texts."""

from __future__ import annotations

import random
import time

from workbench.bench import Result, benchmark

_BRANDS = ["AcmeAir", "ShopCo", "TelcoHelp", "StreamFlix", "BankOne", "PizzaPlace", "GameHub"]
_OBJECTS = [
    "order", "package", "flight", "account", "bill", "router", "app", "refund", "booking",
    "subscription", "card", "delivery", "seat", "pizza", "password", "phone",
]  # fmt: skip
_PROBLEMS = [
    "still hasn't arrived",
    "was charged twice",
    "is not working again",
    "keeps crashing when I open it",
    "got cancelled without notice",
    "is stuck on 'processing'",
    "arrived damaged",
    "was delayed {n} hours",
    "won't let me log in",
    "shows the wrong amount",
]
_OPENERS = ["", "Hi ", "Hey ", "Ugh, ", "Seriously? ", "Hello, ", "So "]
_MIDDLES = [
    "",
    " I have called {k} times and nobody could tell me anything.",
    " It worked fine until last week.",
    " The app says everything is fine but it clearly is not.",
    " My friend had the same thing happen yesterday.",
    " I need this sorted before the weekend.",
]
_CLOSERS = [
    "", " Please help.", " Any update?", " Thanks.", " This is ridiculous!", " DM me.",
    " What is going on?", " Not happy.", " 😡", " 🙄", " #fail", " Can you fix it?",
]  # fmt: skip
_PRAISE = [
    "Thanks {name}, the new {obj} works great!",
    "Loving the service today, {name} sorted my {obj} in minutes 🙌",
    "Best support ever, thank you so much!",
    "Shout out to the team for the quick {obj} fix 👍",
]
_CHATTER = [
    "Anyone watching the game tonight? {n} minutes to kickoff and I still have no snacks",
    "Really enjoyed the concert last night, the band played for {n} minutes straight!",
    "lol same here, can't wait for the weekend",
    "Just finished my coffee, ready for Monday",
    "New blog post is up {url} #tech #news",
    "Win a free {obj}! RT and follow to enter {url}",
    "that moment when your {obj} finally shows up 😂",
]
_NAMES = ["Sam", "Alex", "Jo", "Priya", "Luis", "Mei", "Tom", "Aisha"]


def synthetic_tweets(n: int, seed: int = 7) -> list[str]:
    """``n`` varied customer-care tweets (complaints, questions, praise, chatter), reproducibly."""
    rng = random.Random(seed)
    out: list[str] = []
    for i in range(n):
        brand = rng.choice(_BRANDS)
        obj = rng.choice(_OBJECTS)
        number = rng.randint(2, 99999)
        url = f"https://t.co/{rng.randint(10**9, 10**10):x}"
        kind = rng.random()
        if kind < 0.5:
            problem = rng.choice(_PROBLEMS).format(n=rng.randint(2, 9))
            middle = rng.choice(_MIDDLES).format(k=rng.randint(2, 9))
            text = (
                f"{rng.choice(_OPENERS)}@{brand} my {obj} #{number} {problem}.{middle}"
                f"{rng.choice(_CLOSERS)}"
            )
        elif kind < 0.65:
            text = (
                f"@{brand} how do I change the {obj} on my account? Ref {number}. "
                f"I tried the website but the {rng.choice(_OBJECTS)} page "
                f"{rng.choice(['just spins', 'shows an error', 'logs me out', 'is blank'])}."
            )
        elif kind < 0.8:
            text = f"@{brand} " + rng.choice(_PRAISE).format(name=rng.choice(_NAMES), obj=obj)
        else:
            text = rng.choice(_CHATTER).format(n=number % 60, url=url, obj=obj)
        if i % 7 == 0:
            text += f" {url}"
        out.append(text)
    return out


@benchmark("classify_many 100k tweets")
def classify_many_100k(scale: float) -> Result:
    """Our classify_many (sentiment, actionability, language check) vs bare VADER scoring."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from workbench.classify import classify_many

    texts = synthetic_tweets(max(1, int(100_000 * scale)))
    classify_many(texts[:10])  # load the lexicons outside the timing, as VADER's below
    analyzer = SentimentIntensityAnalyzer()

    # CPU time: both sides are single-threaded, and it does not count other processes' load.
    started = time.process_time()
    for text in texts:
        analyzer.polarity_scores(text)
    baseline = time.process_time() - started

    started = time.process_time()
    classify_many(texts)
    ours = time.process_time() - started
    return Result("classify_many 100k tweets", ours, baseline, "s (CPU)")


# Customers writing to brands in the classifier's other languages (and a few it has no model
# for), with X's language code of each: complaints, questions, praise and chatter.
_FOREIGN: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {
    "fr": (
        [
            "@{brand} mon {obj} est arrivé cassé, c'est honteux",
            "toujours pas de remboursement après {n} semaines @{brand}, inadmissible",
            "@{brand} ma commande {n} n'est jamais arrivée, personne ne répond",
            "@{brand} débité deux fois pour la même commande, remboursez-moi svp",
        ],
        [
            "@{brand} bonjour, comment changer l'adresse de livraison de ma commande {n} ?",
            "@{brand} pouvez-vous m'aider avec ma facture de {n} euros ?",
        ],
        ["merci beaucoup @{brand}, service génial !", "@{brand} super rapide, bravo 👍"],
        ["quelle belle journée au parc avec les enfants", "le match de ce soir va être génial"],
    ),
    "es": (
        [
            "@{brand} mi pedido {n} llegó roto, una vergüenza",
            "@{brand} sigo esperando el reembolso desde hace {n} semanas, pésimo servicio",
            "@{brand} me cobraron dos veces y nadie responde",
        ],
        ["@{brand} hola, ¿cómo cambio la dirección de envío del pedido {n}?"],
        ["@{brand} muchas gracias, excelente atención 😍", "genial el nuevo {obj} de @{brand}"],
        ["qué calor hace hoy en Madrid", "mañana empieza la liga, qué ganas"],
    ),
    "de": (
        [
            "@{brand} mein Paket {n} ist immer noch nicht angekommen, eine Frechheit",
            "@{brand} das Internet funktioniert seit {n} Tagen nicht, keine Antwort",
            "@{brand} zweimal abgebucht und niemand hilft",
        ],
        ["@{brand} wie kann ich meine Rechnung {n} ändern?"],
        ["@{brand} danke, super Service!", "toller Support von @{brand} heute 👍"],
        ["schönes Wetter heute in Berlin", "gleich geht das Spiel los"],
    ),
    "it": (
        [
            "@{brand} il mio ordine {n} è arrivato rotto, che vergogna",
            "@{brand} aspetto il rimborso da {n} settimane, nessuna risposta",
        ],
        ["@{brand} come posso cambiare l'indirizzo dell'ordine {n}?"],
        ["grazie @{brand}, servizio ottimo!"],
        ["che bella giornata oggi a Roma"],
    ),
    "pt": (
        [
            "@{brand} meu pedido {n} chegou quebrado, que vergonha",
            "@{brand} ainda não recebi o reembolso depois de {n} semanas",
        ],
        ["@{brand} como faço para mudar o endereço do pedido {n}?"],
        ["obrigado @{brand}, atendimento excelente!"],
        ["que dia lindo hoje no Rio"],
    ),
    "ar": (
        ["@{brand} طلبي رقم {n} لم يصل حتى الآن، خدمة سيئة جدا", "@{brand} التطبيق لا يعمل"],
        ["@{brand} كيف أغير عنوان التوصيل للطلب {n}؟"],
        ["شكرا @{brand} خدمة ممتازة"],
        ["الجو جميل اليوم"],
    ),
    "nl": (["@{brand} mijn pakket {n} is nog steeds niet bezorgd"], [], [], ["mooi weer"]),
    "ja": (["@{brand} 注文{n}がまだ届きません"], [], ["@{brand} ありがとうございます!"], []),
    "tr": (["@{brand} siparişim {n} hâlâ gelmedi"], [], [], []),
}
#: Shares of the multilingual bench's tweets: English, then the others in ``_FOREIGN``'s order.
_SHARES = {
    "en": 0.40,
    "fr": 0.15,
    "es": 0.13,
    "de": 0.1,
    "it": 0.05,
    "pt": 0.06,
    "ar": 0.05,
    "nl": 0.02,
    "ja": 0.02,
    "tr": 0.02,
}


def multilingual_tweets(n: int, seed: int = 11) -> tuple[list[str], list[str]]:
    """``n`` customer tweets in ten languages (``_SHARES``) and X's language code of each."""
    rng = random.Random(seed)
    english = synthetic_tweets(n, seed)
    codes = list(_SHARES)
    weights = list(_SHARES.values())
    texts: list[str] = []
    langs: list[str] = []
    for i in range(n):
        code = rng.choices(codes, weights)[0]
        if code == "en":
            texts.append(english[i])
        else:
            kinds = [k for k in _FOREIGN[code] if k]
            template = rng.choice(rng.choice(kinds))
            text = template.format(
                brand=rng.choice(_BRANDS), n=rng.randint(2, 99999), obj=rng.choice(_OBJECTS)
            )
            if i % 9 == 0:
                text += f" https://t.co/{rng.randint(10**9, 10**10):x}"
            texts.append(text)
        langs.append(code)
    return texts, langs


def _timed_multilingual(scale: float, with_lang: bool) -> Result:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from workbench.classify import classify_many

    texts, langs = multilingual_tweets(max(1, int(100_000 * scale)))
    given = langs if with_lang else None
    classify_many(texts[:200], langs=given[:200] if given else None)  # load models, detector
    analyzer = SentimentIntensityAnalyzer()

    started = time.process_time()
    for text in texts:
        analyzer.polarity_scores(text)
    baseline = time.process_time() - started

    started = time.process_time()
    classify_many(texts, langs=given)
    ours = time.process_time() - started
    name = "classify_many 100k multilingual tweets" + ("" if with_lang else ", language detected")
    return Result(name, ours, baseline, "s (CPU)")


@benchmark("classify_many 100k multilingual tweets")
def classify_many_multilingual(scale: float) -> Result:
    """Ten languages with X's ``lang`` of each (as ingest passes posts), vs bare VADER."""
    return _timed_multilingual(scale, with_lang=True)


@benchmark("classify_many 100k multilingual tweets, language detected")
def classify_many_detected(scale: float) -> Result:
    """The same tweets without X's ``lang`` (as DMs come), the detector telling each language."""
    return _timed_multilingual(scale, with_lang=False)


_MEMORY_PROBE = """
import os, sys
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
import numpy, vaderSentiment.vaderSentiment as v
import workbench.classify.classifier, workbench.classify.sentiment, lingua
before = rss()
if sys.argv[1] == "ours":
    from workbench.bench.classify import multilingual_tweets
    from workbench.classify.classifier import Classifier
    texts, langs = multilingual_tweets(2000)
    Classifier().classify_many(texts)
else:
    a = v.SentimentIntensityAnalyzer()
    a.polarity_scores("a good start")
print(rss() - before)
"""


@benchmark("classifier memory once loaded")
def classifier_memory(scale: float) -> Result:
    """Resident memory the loaded classifier adds (every language's model and the detector,
    after labelling tweets in ten languages), vs bare VADER's analyzer once loaded; in a fresh
    process each. Goal: under 150 MB."""
    import subprocess
    import sys

    def probe(which: str) -> float:
        done = subprocess.run(
            [sys.executable, "-c", _MEMORY_PROBE, which],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(done.stdout.strip().splitlines()[-1]) / 1e6

    return Result("classifier memory once loaded", probe("ours"), probe("vader"), "MB")
