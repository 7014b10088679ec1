"""Realistic customer traffic for the sandbox and the demo, reproducible by seed.

``Traffic(seed)`` makes people (with X-like follower counts, some following the brand, some with
open DMs, some with a phone or e-mail on record) and a stream of items: complaints, questions,
praise, spam, other languages, follow-ups in threads, retweets and DMs, with emoji and URLs.
It knows nothing of HTTP or of the sandbox: ``workbench.sandbox.seed`` plays it into a world.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

KINDS = ("complaint", "question", "praise", "spam", "foreign", "followup", "retweet", "dm")


def phrases_path() -> Traversable:
    """The package's ``data/traffic.json``, read through ``importlib.resources``."""
    return files("workbench") / "data" / "traffic.json"


def load_phrases(path: Path | Traversable | None = None) -> dict[str, Any]:
    path = path or phrases_path()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing from this installation of the workbench")
    phrases = json.loads(path.read_text(encoding="utf-8"))
    missing = [k for k in (*KINDS[:-3], "followup", "dm", "mix", "first_names") if k not in phrases]
    if missing:
        raise ValueError(f"{path}: missing sections {missing}")
    return phrases


@dataclass(frozen=True)
class Person:
    """A customer as X shows them, plus the contact record's phone and e-mail."""

    username: str
    name: str
    followers_count: int
    following_count: int
    tweet_count: int
    follows: tuple[str, ...]
    """Brand accounts this person follows."""
    dm_open: bool
    phone: str | None
    email: str | None
    location: str
    description: str
    id: str | None = None


@dataclass(frozen=True)
class Item:
    """One thing a customer does. ``reply_to``/``retweet_of`` index earlier items of the stream."""

    index: int
    kind: str  # complaint, question, praise, spam, foreign, followup, retweet, dm
    author: str
    brand: str
    text: str
    lang: str = "en"
    reply_to: int | None = None
    retweet_of: int | None = None

    @property
    def is_dm(self) -> bool:
        return self.kind == "dm"

    @property
    def is_tweet(self) -> bool:
        return self.kind not in ("dm", "retweet")


class Traffic:
    """A reproducible stream of people and items for ``brands`` (the first is the main one)."""

    def __init__(
        self,
        seed: int = 0,
        brands: Sequence[str] = ("AcmeSupport", "AcmeDeals"),
        phrases: dict[str, Any] | None = None,
    ) -> None:
        if not brands:
            raise ValueError("Traffic: at least one brand")
        self.seed = seed
        self.brands = tuple(brands)
        self.phrases = phrases or load_phrases()
        self._random = random.Random(seed)
        self._people: list[Person] = []
        self._usernames: set[str] = set()
        self._items: list[Item] = []
        self._tweets_by_author: dict[str, list[int]] = {}
        mix = self.phrases["mix"]
        self._kinds = [k for k in KINDS if mix.get(k, 0) > 0]
        self._weights = [mix[k] for k in self._kinds]

    # --- people ---------------------------------------------------------------------------

    @property
    def people(self) -> list[Person]:
        return list(self._people)

    def add_person(self, person: Person) -> None:
        """Join a known person (a contact already on record) to the crowd."""
        if person.username.lower() not in self._usernames:
            self._usernames.add(person.username.lower())
            self._people.append(person)

    def person(self) -> Person:
        """A new person with realistic (heavy-tailed) counts."""
        r = self._random
        p = self.phrases
        first, last = r.choice(p["first_names"]), r.choice(p["last_names"])
        for _ in range(50):
            style = r.choice(p["handle_styles"])
            handle = style.format(first=first, last=last, f=first[0], n=r.randint(1, 999))
            handle = re.sub(r"[^A-Za-z0-9_]", "", handle)[:15]
            if handle and handle.lower() not in self._usernames:
                break
        else:
            handle = f"user{len(self._people) + 1}"
        followers = min(2_000_000, int(math.exp(r.gauss(5.2, 1.9))))
        follows = tuple(
            b for i, b in enumerate(self.brands) if r.random() < (0.35 if i == 0 else 0.15)
        )
        slug = f"{first}.{last}".lower().replace("'", "")
        person = Person(
            username=handle,
            name=f"{first} {last}",
            followers_count=followers,
            following_count=min(7_500, int(math.exp(r.gauss(5.5, 1.2)))),
            tweet_count=min(400_000, int(math.exp(r.gauss(7.2, 1.6)))),
            follows=follows,
            dm_open=r.random() < 0.25,
            phone=f"+1 555 {r.randint(100, 999):03d} {r.randint(0, 9999):04d}"
            if r.random() < 0.2
            else None,
            email=f"{re.sub(r'[^a-z.]', '', slug)}@example.com" if r.random() < 0.3 else None,
            location=r.choice(p.get("cities", [""])) if r.random() < 0.6 else "",
            description=r.choice(p.get("bios", [""])),
        )
        self.add_person(person)
        return person

    def crowd(self, n: int) -> list[Person]:
        """``n`` new people."""
        return [self.person() for _ in range(n)]

    # --- items ----------------------------------------------------------------------------

    def _fill(self, template: str, brand: str, kind: str = "question") -> str:
        r = self._random
        p = self.phrases
        values = {
            "brand": brand,
            "product": r.choice(p["products"]),
            "order": str(r.randint(100000, 999999)),
            "days": str(r.randint(2, 21)),
            "city": r.choice(p.get("cities", ["Lisbon"])),
            "amount": f"${r.randint(5, 400)}.{r.randint(0, 99):02d}",
            "store": r.choice(p.get("stores", ["the store"])),
        }

        def sub(match: re.Match[str]) -> str:
            key = match.group(1)
            if key == "emoji":
                mood = p.get("moods", {}).get(kind, "neutral")
                return r.choice(p["emoji"][mood])
            if key == "url":
                return r.choice(p["urls"]).replace("{order}", values["order"])
            return values.get(key, match.group(0))

        return re.sub(r"\{(\w+)\}", sub, template)

    def _brand(self, person: Person) -> str:
        if person.follows and self._random.random() < 0.8:
            return self._random.choice(person.follows)
        return self.brands[0] if self._random.random() < 0.75 else self._random.choice(self.brands)

    def item(self) -> Item:
        """The next item of the stream (new people join now and then)."""
        r = self._random
        if not self._people or r.random() < 0.25:
            self.person()
        kind = r.choices(self._kinds, self._weights)[0]
        index = len(self._items)
        tweets = [i for i in range(max(0, index - 200), index) if self._items[i].is_tweet]
        if kind == "followup":
            mine = [
                (a, ts) for a, ts in self._tweets_by_author.items() if ts and ts[-1] >= index - 200
            ]
            if not mine:
                kind = "complaint"
            else:
                author, ts = r.choice(mine)
                parent = self._items[ts[-1]]
                text = self._fill(r.choice(self.phrases["followup"]), parent.brand, "followup")
                return self._add(
                    Item(index, "followup", author, parent.brand, text, reply_to=ts[-1])
                )
        if kind == "retweet":
            if not tweets:
                kind = "praise"
            else:
                original = self._items[r.choice(tweets)]
                others = [p for p in self._people if p.username != original.author]
                if not others:
                    kind = "praise"
                else:
                    author = r.choice(others).username
                    return self._add(
                        Item(
                            index, "retweet", author, original.brand, "", retweet_of=original.index
                        )
                    )
        person = r.choice(self._people)
        brand = self._brand(person)
        if kind == "dm":
            text = self._fill(r.choice(self.phrases["dm"]), brand, "dm")
            return self._add(Item(index, "dm", person.username, brand, text))
        if kind == "foreign":
            lang = r.choice(sorted(self.phrases["foreign"]))
            text = self._fill(r.choice(self.phrases["foreign"][lang]), brand, "foreign")
            return self._add(Item(index, "foreign", person.username, brand, text, lang=lang))
        text = self._fill(r.choice(self.phrases[kind]), brand, kind)
        return self._add(Item(index, kind, person.username, brand, text))

    def _add(self, item: Item) -> Item:
        self._items.append(item)
        if item.is_tweet:
            self._tweets_by_author.setdefault(item.author, []).append(item.index)
        return item

    def items(self, n: int) -> list[Item]:
        return [self.item() for _ in range(n)]

    def __iter__(self) -> Iterator[Item]:
        while True:
            yield self.item()

    def person_named(self, username: str) -> Person:
        for p in self._people:
            if p.username == username:
                return p
        raise KeyError(username)
