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
