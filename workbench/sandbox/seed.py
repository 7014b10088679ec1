"""Play generated customer traffic into a world: a seeded history, and live traffic in a thread."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from workbench.sandbox.world import Problem, World
from workbench.traffic import Item, Person, Traffic

SEEDED_PHOTOS = (
    "Photo of a phone with a cracked screen, still in its opened delivery box",
    "Screenshot of the checkout page showing the error: payment could not be processed",
    "Photo of a parcel left on a wet doorstep, its label torn",
    "Screenshot of an order confirmation e-mail with the order number highlighted",
)
"""Alt texts of the photos customers attach in a seeded history (one item in ``PHOTO_EVERY``)."""
PHOTO_EVERY = 16


def _ensure(world: World, person: Person) -> str:
    try:
        return world.user_by_username(person.username).id
    except Problem:
        pass
    brands = {b.username for b in world.brands}
    user = world.add_user(
        person.username,
        person.name,
        id=person.id,
        followers_count=person.followers_count,
        following_count=person.following_count,
        tweet_count=person.tweet_count,
        follows_brand=[b for b in person.follows if b in brands] or False,
        dm_open=person.dm_open,
        phone=person.phone,
        email=person.email,
        location=person.location,
        description=person.description,
    )
    return user.id


class Player:
    """Applies a traffic stream to a world, remembering which tweet each item became."""

    def __init__(self, world: World, traffic: Traffic) -> None:
        self.world = world
        self.traffic = traffic
        self.ids: dict[int, int] = {}
        self.played = 0

    def play(
        self, item: Item, at: datetime | None = None, media: list[dict[str, Any]] | None = None
    ) -> Any:
        """Make ``item`` happen (at ``at``), with ``media`` attached to its tweet or DM."""
        world = self.world
        author = _ensure(world, self.traffic.person_named(item.author))
        try:
            brand = world.user_by_username(item.brand)
        except Problem:
            brand = world.default_brand
        try:
            if item.kind == "dm":
                result: Any = world.send_dm(author, brand.id, item.text, created_at=at, media=media)
            elif item.kind == "retweet":
                original = self.ids.get(item.retweet_of) if item.retweet_of is not None else None
                if original is None:
                    return None
                result = world.retweet(author, original, created_at=at)
            else:
                parent = self.ids.get(item.reply_to) if item.reply_to is not None else None
                result = world.post(
                    author,
                    item.text,
                    in_reply_to=parent,
                    created_at=at,
                    lang=item.lang,
                    media=media,
                )
                self.ids[item.index] = result.id
        except Problem:
            return None  # a parent deleted meanwhile, say: live traffic just goes on
        self.played += 1
        return result


def reference_people(brand: str) -> list[Person]:
    """The shipped contact directory as people, so seeded traffic matches the store's records."""
    try:
        from workbench.reference import load_reference

        contacts = load_reference().contacts
    except (ImportError, FileNotFoundError, ValueError):
        return []
    return [
        Person(
            username=c.username,
            name=c.name,
            followers_count=c.followers_count,
            following_count=max(10, c.followers_count // 3),
            tweet_count=c.statuses_count,
            follows=(brand,) if c.follows_brand else (),
            dm_open=c.dm_open,
            phone=c.phone,
            email=c.email,
            location="",
            description="",
            id=c.id,
        )
        for c in contacts
    ]


def seed_world(
    world: World,
    seed: int,
    *,
    people: int = 40,
    items: int = 160,
    span: timedelta = timedelta(hours=36),
    with_reference: bool = True,
) -> Player:
    """A history of ``items`` customer tweets and DMs spread over the last ``span``; one in
    ``PHOTO_EVERY`` carries a photo with alt text."""
    traffic = Traffic(seed, [b.username for b in world.brands])
    if with_reference:
        for person in reference_people(world.default_brand.username):
            traffic.add_person(person)
    traffic.crowd(people)
    player = Player(world, traffic)
    start = datetime.now(UTC) - span
    step = span / max(1, items)
    for i in range(items):
        photo = None
        if i % PHOTO_EVERY == PHOTO_EVERY // 2:
            alt = SEEDED_PHOTOS[(i // PHOTO_EVERY) % len(SEEDED_PHOTOS)]
            photo = [{"type": "photo", "alt_text": alt}]
        player.play(traffic.item(), start + step * i, photo)
    return player


class LiveTraffic:
    """New customer traffic at ``per_minute`` on average (Poisson arrivals), in a daemon thread.

    ``player()`` names the player to go on with at each arrival (it changes on a reset).
    """

    def __init__(self, player: Callable[[], Player], per_minute: float, seed: int = 0) -> None:
        if per_minute <= 0:
            raise ValueError("traffic: per minute must be greater than 0")
        self.player = player
        self.per_minute = per_minute
        self._random = random.Random(seed + 1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-traffic", daemon=True)

    def start(self) -> LiveTraffic:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self._random.expovariate(self.per_minute / 60.0)):
            player = self.player()
            player.play(player.traffic.item())

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
