"""A shift at the desk as a person works it, beside a busy team: what the browser test
``tests/browser/test_shift.py`` runs short (6 interactions) and the bench's click-to-screen rows
run long (30).

The stage is the real thing, each part in a process of its own as in production, on one SQLite
store: the X API sandbox, ``workbench ingest --follow``, the agent desk as an app (Voila), and
``workbench simulate`` (colleagues accepting, replying and finishing, so the store changes all
the time) while customers keep writing. The team takes the public queues and the person at the
desk the VIP queue, where the shift's scripted customers (large followings) land, with whatever
a colleague transfers there.

The person is headless Chromium driven by Playwright: signs in, goes Ready, accepts each offer
(the Accept button or Alt+A), types each reply a key at a time (80 to 150 ms a key, a word at
one pace), sends it (the Send button or Ctrl+Enter), picks a disposition, waits while the team
writes to the store, types a note and presses Done. The time from each click (or key) to the
screen showing its effect is measured in the page: from the input event's time stamp to the
frame after a MutationObserver saw the effect (``performance.now()``). ``problems`` then
compares what the sandbox received, what the store holds and what the screen showed with what
the person did.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench._chromium import CHROMIUM, HEADLESS
from workbench.bench._stage import DESK_QUEUE, Control, Stage, stage

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, ViewportSize

    from workbench.store import Store

__all__ = [
    "CHROMIUM",
    "DESK_QUEUE",
    "Control",
    "DeskAgent",
    "Shift",
    "Stage",
    "cases",
    "problems",
    "report",
    "run_shift",
    "stage",
]

FLAGS = list(HEADLESS)
"""Debian's chromium's flags, as the browser tests launch it."""
KEY_DELAY = (80.0, 150.0)
"""Milliseconds between two keys, drawn for each word: a person typing (the browser's driver
waits between the keys, so the pace holds on a busy machine)."""
VIP_FOLLOWERS = 80_000
"""The scripted customers' followings: the routing rules send them to the VIP queue."""
DESK_QUEUE_LABEL = "VIP (large following)"
AGENT, AGENT_SHOWN = "sam_shift", "Sam Shift"
SETTLE = 2.0
"""Seconds the person waits after picking a disposition (at least; until the team wrote)."""
TIMEOUT = 60_000
"""Milliseconds to wait for anything the stage does (an offer arriving, a page loading)."""
SHOWN = 15_000
"""Milliseconds a click's effect may take to show before the click counts as failed."""
TAIL = 16
"""How many of a message's last characters find its line in the transcript (a line that lost
its beginning is still found, and timed; the check says what it lost)."""

ACTIONS = ("accept", "send", "done", "filter", "bare desk", "bare supervisor")
"""What the shift times: its clicks, and the bare Button round trip in each page."""


# --- the script ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One scripted customer and what the person writes them."""

    username: str
    name: str
    channel: str
    """``mention`` (a public tweet at the brand) or ``dm``."""
    text: str
    """The customer's first message (a mention names the brand)."""
    replies: tuple[str, ...]
    follow_up: str | None
    """The customer's answer to the first reply (in the thread, or by DM), or None."""
    note: str


_SCRIPT: tuple[tuple[str, str, str, str, tuple[str, ...], str | None, str], ...] = (
    (
        "felix",
        "Felix Brandt",
        "mention",
        "{brand} how do I make the screen of my X2 brighter? It is so dark",
        ("Hi Felix! Settings > Display", "Hi Felix, could you send us your serial number here?"),
        "{brand} still dark, and it flickers now",
        "asked for serial",
    ),
    (
        "nora",
        "Nora Lind",
        "dm",
        "My order 4471 has not arrived yet",
        ("Thanks for waiting, Nora.", "Thanks again, your parcel left the depot today."),
        "ok, is there a tracking number?",
        "parcel shipped",
    ),
    (
        "omar",
        "Omar Haddad",
        "mention",
        "{brand} the app logs me out every hour",
        ("Hi Omar! Version 5.2 fixes that, please update.",),
        None,
        "update fixes it",
    ),
    (
        "lena",
        "Lena Vogel",
        "dm",
        "Can I return headphones after 30 days?",
        ("Hi Lena, yes: 60 days for headphones.", "Hi Lena, the return label is in your e-mail."),
        None,
        "label sent",
    ),
    (
        "raj",
        "Raj Patel",
        "mention",
        "{brand} my charger stopped working after a week",
        ("Sorry Raj! A new charger is on its way.",),
        None,
        "charger replaced",
    ),
    (
        "mia",
        "Mia Costa",
        "mention",
        "{brand} love the new update!",
        ("Thanks Mia, glad you like it!", "Thanks again for the kind words."),
        None,
        "praise",
    ),
)


def cases(n: int, brand: str, seed: int = 0) -> list[Case]:
    """``n`` scripted customers: the six of the script, then again under new usernames."""
    out = []
    for k in range(n):
        user, name, channel, text, replies, follow_up, note = _SCRIPT[k % len(_SCRIPT)]
        suffix = f"{seed % 100:02d}{k:02d}"
        out.append(
            Case(
                f"{user}_{suffix}",
                name,
                channel,
                text.format(brand=f"@{brand}"),
                replies,
                follow_up.format(brand=f"@{brand}") if follow_up else None,
                note,
            )
        )
    return out


GENERIC_REPLY = "Thanks for your message, we are on it."
"""What the person answers an offer that is not one of the script's (a colleague's transfer)."""
GENERIC_NOTE = "taken over"


# --- timing in the page ----------------------------------------------------------------------

_PROBE = r"""
() => {
  if (window.__wb) return;
  const red = (root) => {
    const said = root && root.querySelector(".wb-message span[style*='#b00']");
    return said ? said.textContent : null;
  };
  const tests = {
    // An interaction view opened, its original tweet drawn.
    view: () => {
      for (const v of document.querySelectorAll(".wb-interaction .wb-original-tweet")) {
        if (v.textContent.trim()) return true;
      }
      const s = document.querySelector(".wb-workspace .wb-status span[style*='#b00']");
      return s ? s.textContent : false;
    },
    // The view's transcript shows an outbound line holding the text.
    line: ([id, text, before]) => {
      const v = document.querySelector(".wb-view-" + id);
      if (!v) return "the interaction view closed";
      for (const l of v.querySelectorAll(".wb-transcript .wb-line-outbound")) {
        if (l.textContent.includes(text)) return true;
      }
      const said = red(v);
      return said && said !== before ? said : false;
    },
    // The view closed.
    gone: ([id, before]) => {
      const v = document.querySelector(".wb-view-" + id);
      if (!v) return true;
      const said = red(v);
      return said && said !== before ? said : false;
    },
    echo: (n) => {
      const e = document.querySelector(".wb-bench-echo");
      return !!e && e.textContent.trim() === String(n);
    },
    status: (window) => {
      const s = document.querySelector(".wb-dashboard .wb-status");
      return !!s && s.textContent.includes("interactions in " + window);
    },
  };
  window.__wb = {
    arm(test, arg, code) {
      const p = { start: null, dom: null, end: null, failed: null };
      window.__wb.current = p;
      const types = code ? ["keydown"] : ["click"];
      const mark = (e) => {
        if (code && e.code !== code) return;
        p.start = e.timeStamp;
        for (const t of types) window.removeEventListener(t, mark, true);
        check();
      };
      for (const t of types) window.addEventListener(t, mark, true);
      const check = () => {
        if (p.start === null || p.end !== null || p.failed !== null) return;
        const r = tests[test](arg);
        if (r === true) {
          observer.disconnect();
          p.dom = performance.now();
          requestAnimationFrame(() => { p.end = performance.now(); });
        } else if (typeof r === "string") {
          observer.disconnect();
          p.failed = r;
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body,
        { subtree: true, childList: true, characterData: true, attributes: true });
    },
  };
}
"""

_DONE = "() => { const p = window.__wb.current; return p.end !== null || p.failed !== null; }"


def _timed(
    page: Page,
    test: str,
    arg: object,
    act: Callable[[], None],
    code: str | None = None,
    timeout: float = SHOWN,
) -> tuple[float | None, str | None]:
    """Do ``act`` (a click, or the key ``code``) and wait until the page shows its effect
    (``test`` of the probe with ``arg``). Returns (milliseconds from the input event to the
    frame after the effect showed, None when it failed or never showed; what went wrong)."""
    page.evaluate(_PROBE)
    page.evaluate("([t, a, c]) => window.__wb.arm(t, a, c)", [test, arg, code])
    act()
    try:
        page.wait_for_function(_DONE, timeout=timeout)
    except Exception:  # Playwright's TimeoutError: the screen never showed it
        return None, f"nothing showed within {timeout / 1000:.0f} s"
    probe = page.evaluate("() => window.__wb.current")
    if probe["failed"] is not None:
        return None, str(probe["failed"])
    return float(probe["end"]) - float(probe["start"]), None


# --- what the person did ---------------------------------------------------------------------


@dataclass
class Sent:
    """One message the person typed and sent."""

    kind: str
    """``reply`` or ``dm``."""
    typed: str
    via: str
    """``Send button`` or ``Ctrl+Enter``."""
    box: str
    """What the reply box held when the person sent."""
    shown: str | None = None
    """None when the transcript showed the line; else what went wrong."""
    emptied: bool = True
    """Whether the box was empty after the send."""


@dataclass
class Handled:
    """One interaction the person handled, and what they saw on the way."""

    interaction_id: str
    username: str
    channel: str
    scripted: bool
    accepted_via: str
    sends: list[Sent] = field(default_factory=list)
    disposition: str = ""
    label: str = ""
    note: str = ""
    kept: str | None = None
    """What the disposition box showed after the wait (the picked label, when kept)."""
    team_events: int = 0
    """Events others wrote to the store while the person waited after picking."""
    screen_vs_store: list[str] = field(default_factory=list)
    done_failures: list[str] = field(default_factory=list)
    """What the view said for each Done press that did not close it."""
    store_after_done: dict[str, Any] = field(default_factory=dict)


@dataclass
class Shift:
    handled: list[Handled] = field(default_factory=list)
    timings: dict[str, list[float]] = field(default_factory=lambda: {a: [] for a in ACTIONS})
    failures: list[str] = field(default_factory=list)
    """Clicks whose effect never showed (beside Done's, kept with its interaction)."""
    started: float = field(default_factory=time.time)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Scripted username -> what the sandbox knows of them (id, tweet ids)."""
    end: list[str] = field(default_factory=list)
    """Where the workspace's screen differed from the store after the last Done."""

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


Moment = Callable[["Page", str], None]


class DeskAgent:
    """The person at the desk, in the browser page ``page``."""

    def __init__(
        self,
        page: Page,
        stage: Stage,
        seed: int = 0,
        moment: Moment | None = None,
        supervisor: Page | None = None,
    ) -> None:
        from workbench.store import Store

        self.page, self.stage = page, stage
        self.rng = random.Random(f"agent:{seed}")
        self._moment = moment
        self.supervisor = supervisor
        self.store: Store = Store(stage.db_url)
        self.labels = {d.code: d.label for d in self.store.reads.dispositions()}
        self.shift = Shift()
        self._mark = 0
        self._presses = 0
        self._bare = {"bare desk": 0, "bare supervisor": 0}
        self._windows = 0

    def close(self) -> None:
        self.store.close()

    def moment(self, name: str) -> None:
        if self._moment is not None:
            self._moment(self.page, name)

    # --- signing in ------------------------------------------------------------------------

    def sign_in(self) -> None:
        page = self.page
        page.goto(self.stage.desk_url)
        form = page.locator(".wb-sign-in-form")
        form.wait_for(timeout=120_000)
        page.locator(".wb-sign-in-name input").fill(AGENT)
        page.locator(".wb-sign-in-display input").fill(AGENT_SHOWN)
        page.locator(".wb-sign-in-queues select").select_option(label=DESK_QUEUE_LABEL)
        page.locator(".wb-sign-in").click()
        page.locator(".wb-workspace").wait_for(timeout=TIMEOUT)
        ready = page.locator(".wb-workspace .wb-agent-state button", has_text="Ready").first
        ready.click()  # Ready already on sign-in; a person makes sure
        page.locator(".wb-workspace .wb-agent-state .mod-active").filter(
            has_text=re.compile("^Ready$")
        ).wait_for(timeout=TIMEOUT)
        self.moment("signed-in")

    # --- the shift -------------------------------------------------------------------------

    def work(self, script: Sequence[Case]) -> Shift:
        """Take every scripted customer's offer (and any other offer made meanwhile), each
        customer writing as soon as the one before is accepted."""
        pending = list(script)
        self._write(pending[0])
        while pending:
            handled = self._take(pending)
            self.shift.handled.append(handled)
            self._baseline()
        self.shift.end = self._end_state()
        self.moment("end")
        return self.shift

    def _end_state(self) -> list[str]:
        """Where the workspace (its tabs and its status line) differs from the store's offers
        and open interactions of the person; the screen gets a few seconds to catch up."""
        page = self.page
        deadline = time.monotonic() + 5
        while True:
            work = self.store.reads.open_work(AGENT)
            offered, held = len(work.offers), len(work.interactions)
            status = page.locator(".wb-workspace > .widget-hbox .wb-status").first.inner_text()
            tabs = page.locator(".wb-workspace .wb-interaction").count()
            wanted = f"{offered} offered · {held} open"
            wrong = []
            if wanted not in status:
                wrong.append(f"the status says {status!r}, the store {wanted!r}")
            if tabs != held:
                wrong.append(f"{tabs} interaction views shown, {held} open in the store")
            if not wrong or time.monotonic() > deadline:
                return wrong
            page.wait_for_timeout(250)

    def _write(self, case: Case) -> None:
        """The customer writes their first message."""
        control = self.stage.control
        user = control.user(
            case.username, name=case.name, followers_count=VIP_FOLLOWERS, follows_brand=True
        )
        known: dict[str, Any] = {"id": str(user["id"]), "tweets": []}
        if case.channel == "dm":
            control.dm(case.username, case.text)
        else:
            known["tweets"].append(str(control.tweet(case.username, case.text)["id"]))
        self.shift.customers[case.username] = known

    def _take(self, pending: list[Case]) -> Handled:
        page = self.page
        toast = page.locator(".wb-toast").first
        toast.wait_for(timeout=TIMEOUT * 2)
        said = toast.inner_text()
        case = next((c for c in pending if f"@{c.username}" in said), None)
        k = len(self.shift.handled)
        via = "Accept button" if k % 2 == 0 else "Alt+A"
        if via == "Alt+A":
            page.locator("body").click(position={"x": 5, "y": 5})
            took, wrong = _timed(
                page, "view", None, lambda: page.keyboard.press("Alt+KeyA"), code="KeyA"
            )
        else:
            took, wrong = _timed(page, "view", None, lambda: toast.locator(".wb-accept").click())
        self._record("accept", took, wrong, f"accept ({via})")
        view = page.locator(".wb-interaction").first
        view.wait_for(timeout=TIMEOUT)
        classes = view.get_attribute("class") or ""
        found = re.search(r"wb-view-(\S+)", classes)
        if found is None:
            raise RuntimeError(f"no interaction id among the view's classes: {classes!r}")
        iid = found.group(1)
        it = self.store.interaction(iid)
        contact = self.store.reads.contact_of(iid)
        if case is not None:
            pending.remove(case)
            if pending:
                self._write(pending[0])  # the next customer writes while this one is handled
        handled = Handled(iid, contact.username, it.channel.value, case is not None, via)
        self.moment(f"{k:02d}-accepted")
        replies = case.replies if case else (GENERIC_REPLY,)
        for n, text in enumerate(replies):
            handled.sends.append(self._send(handled, text, k))
            if n == 0 and case is not None and case.follow_up:
                self._follow_up(case, handled)
        self._wrap_up(handled, case.note if case else GENERIC_NOTE, k)
        return handled

    def _send(self, handled: Handled, text: str, k: int) -> Sent:
        page, iid = self.page, handled.interaction_id
        scope = f".wb-view-{iid}"
        kind = "dm" if handled.channel == "dm" else "reply"
        if kind == "dm":
            page.locator(f"{scope} .wb-reply-kind button", has_text="Direct Message").click()
        box = page.locator(f"{scope} .wb-reply-text textarea")
        box.click()
        self._presses += 1
        via = "Send button" if self._presses % 2 == 1 else "Ctrl+Enter"
        before = self._message(scope)
        # With the mouse on Send already, the click follows the last key at once.
        moment = f"{k:02d}-typing" if len(handled.sends) == 1 else None
        self._type(text, last_at_once=via == "Send button", moment=moment)
        held = box.input_value()
        if via == "Ctrl+Enter":
            took, wrong = _timed(
                page,
                "line",
                [iid, text[-TAIL:], before],
                lambda: page.keyboard.press("Control+Enter"),
                code="Enter",
            )
        else:
            button = page.locator(f"{scope} .wb-send")
            took, wrong = _timed(
                page, "line", [iid, text[-TAIL:], before], lambda: self._click(button, "Send")
            )
        self._record("send", took, wrong, f"send ({via}) of {text!r}")
        sent = Sent(kind, text, via, held, shown=wrong)
        try:
            page.wait_for_function(
                "(s) => { const b = document.querySelector(s); return !!b && b.value === ''; }",
                arg=f"{scope} .wb-reply-text textarea",
                timeout=5_000,
            )
        except Exception:  # the box kept something: recorded
            sent.emptied = False
        return sent

    def _type(self, text: str, last_at_once: bool = False, moment: str | None = None) -> None:
        """Type ``text`` where the focus is, a key at a time, each word at its own pace from
        ``KEY_DELAY``; ``last_at_once``: the last key without the pause after it; ``moment``:
        a screenshot's name, taken half-way."""
        keyboard = self.page.keyboard
        words = re.findall(r"\S+\s*", text)
        if last_at_once and text:
            words[-1] = words[-1][:-1]
        for n, word in enumerate(words):
            if word:
                keyboard.type(word, delay=self.rng.uniform(*KEY_DELAY))
            if moment and n == len(words) // 2:
                self.moment(moment)
        if last_at_once and text:
            keyboard.type(text[-1])

    def _click(self, button: Locator, what: str) -> None:
        try:
            button.click(timeout=10_000)
        except Exception as exc:  # disabled, or gone: the probe then says nothing showed
            self.shift.failures.append(f"{what}: could not click: {str(exc).splitlines()[0]}")

    def _message(self, scope: str) -> str | None:
        said = self.page.locator(f"{scope} .wb-message").first
        text = said.inner_text() if said.count() else ""
        return text or None

    def _follow_up(self, case: Case, handled: Handled) -> None:
        """The customer answers the first reply: in the thread (once X took the reply), or by
        DM."""
        control = self.stage.control
        if case.follow_up is None:
            return
        if case.channel == "dm":
            control.dm(case.username, case.follow_up)
            return
        wanted = f"@{case.username} {handled.sends[0].typed}"
        parent = None
        deadline = time.monotonic() + 10
        while parent is None and time.monotonic() < deadline:
            parent = next(
                (
                    a.get("result_id")
                    for a in control.activity()
                    if a.get("kind") == "reply" and a.get("text") == wanted
                ),
                None,
            )
            if parent is None:
                time.sleep(0.3)
        known = self.shift.customers[case.username]
        target = parent or known["tweets"][0]
        answer = control.tweet(case.username, case.follow_up, in_reply_to_tweet_id=target)
        known["tweets"].append(str(answer["id"]))

    def _events_by_others(self) -> int:
        """How many events others (the team, ingest) wrote since the last look."""
        fresh = self.store.supervision.events_after(self._mark)
        if fresh:
            self._mark = fresh[-1][0]
        return sum(1 for _, e in fresh if e.agent != AGENT)

    def _wrap_up(self, handled: Handled, note: str, k: int) -> None:
        page, iid = self.page, handled.interaction_id
        scope = f".wb-view-{iid}"
        codes = [c for c in self.labels if c not in {"spam", "duplicate"}]
        code = self.rng.choice(codes)
        handled.disposition, handled.label, handled.note = code, self.labels[code], note
        select = page.locator(f"{scope} .wb-disposition select")
        self._events_by_others()
        select.select_option(value=handled.label)
        picked = time.monotonic()
        while True:  # a couple of seconds, and until the team wrote to the store
            page.wait_for_timeout(250)
            handled.team_events += self._events_by_others()
            waited = time.monotonic() - picked
            if waited >= SETTLE and (handled.team_events or waited >= 5 * SETTLE):
                break
        handled.kept = select.input_value()
        self.moment(f"{k:02d}-after-wait")
        handled.screen_vs_store = self._screen_vs_store(handled)
        note_box = page.locator(f"{scope} .wb-note textarea")
        note_box.click()
        self._type(note)
        self.moment(f"{k:02d}-before-done")
        for _attempt in range(3):
            before = self._message(scope)
            done = page.locator(f"{scope} .wb-done")
            took, wrong = _timed(page, "gone", [iid, before], partial(self._click, done, "Done"))
            if wrong is None:
                self.shift.timings["done"].append(float(took or 0.0))
                break
            handled.done_failures.append(wrong)
            self.moment(f"{k:02d}-done-refused")
            select.select_option(value=handled.label)  # as a person would: again, and Done
        else:
            raise RuntimeError(f"Done never closed {iid}: {handled.done_failures}")
        it = self.store.interaction(iid)
        handled.store_after_done = {
            "state": it.state.value,
            "disposition": it.disposition,
            "note": it.note,
        }

    def _screen_vs_store(self, handled: Handled) -> list[str]:
        """Where the view (after the wait) differs from the store: the disposition, and the
        messages sent (the screen may be a redraw behind: it gets a few seconds)."""
        page, iid = self.page, handled.interaction_id
        scope = f".wb-view-{iid}"
        wrong: list[str] = []
        shown = page.locator(f"{scope} .wb-disposition select").input_value()
        stored = self.store.interaction(iid).disposition
        stored_label = self.labels.get(stored or "", "")
        if shown.strip("—") != stored_label:  # "—" (or no choice shown): none
            wrong.append(f"disposition: the screen shows {shown!r}, the store holds {stored!r}")
        deadline = time.monotonic() + 5
        while True:
            lines = [
                e.text
                for e in self.store.reads.transcript(iid)
                if e.kind.value == "outbound" and e.action in ("reply", "dm")
            ]
            screen = page.locator(f"{scope} .wb-transcript .wb-line-outbound").all_inner_texts()
            missing = [t for t in lines if not any(t in s for s in screen)]
            if (not missing and len(screen) == len(lines)) or time.monotonic() > deadline:
                break
            page.wait_for_timeout(250)
        if missing or len(screen) != len(lines):
            wrong.append(
                f"transcript: the store holds {len(lines)} sent lines {lines}, "
                f"the screen shows {len(screen)}; not shown: {missing}"
            )
        return wrong

    def _record(self, action: str, took: float | None, wrong: str | None, what: str) -> None:
        if took is not None:
            self.shift.timings[action].append(took)
        else:
            self.shift.failures.append(f"{what}: {wrong}")

    # --- the baselines, and the supervisor's filter ------------------------------------------

    def _baseline(self) -> None:
        """The bare Button round trip in the desk's page, and in the supervisor's page a
        window change and its bare Button (bench pages only)."""
        for name, page in (("bare desk", self.page), ("bare supervisor", self.supervisor)):
            if page is None or not page.locator(".wb-bench-button").count():
                continue
            bare = page.locator(".wb-bench-button")
            for _ in range(2):
                self._bare[name] += 1
                took, wrong = _timed(page, "echo", self._bare[name], bare.click)
                self._record(name, took, wrong, name)
        if self.supervisor is not None:
            windows = ("last hour", "today", "last 7 days")
            self._windows += 1
            window = windows[self._windows % len(windows)]
            board = self.supervisor
            button = board.locator(".wb-window button", has_text=window).first
            took, wrong = _timed(board, "status", window, lambda: button.click())
            self._record("filter", took, wrong, f"window {window}")


def open_supervisor(page: Page, url: str) -> None:
    """The supervisor's page (the dashboard), once its figures show."""
    page.goto(url)
    page.locator(".wb-dashboard .wb-status").filter(has_text="interactions in").wait_for(
        timeout=120_000
    )


# --- what the shift should have left ---------------------------------------------------------


def wait_delivered(store: Store, shift: Shift, timeout: float = 60.0) -> None:
    """Until X answered each of the person's sends (or ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = [
            e
            for h in shift.handled
            for e in store.reads.transcript(h.interaction_id)
            if e.author == AGENT
            and e.action in ("reply", "dm")
            and (e.delivery is None or e.delivery.state.value == "queued")
        ]
        if not waiting:
            return
        time.sleep(0.5)


def problems(stage: Stage, shift: Shift) -> dict[str, list[str]]:
    """Everything that differs from what the person did, by check (empty lists: none)."""
    from workbench.analytics import ledger
    from workbench.store import Store

    store = Store(stage.db_url)
    try:
        wait_delivered(store, shift)
        activity = stage.control.activity()
        by_id = {str(a.get("result_id")): a for a in activity if a.get("result_id")}
        frame = ledger(stage.db_url).set_index("interaction_id")
        out: dict[str, list[str]] = {
            "sent as typed": [],
            "box kept what was typed": [],
            "box emptied after send": [],
            "disposition kept on screen": [],
            "screen shows the store": [],
            "done at the first press": [],
            "stored as picked": [],
            "clicks showed": list(shift.failures),
            "one line per message sent": [],
            "the workspace shows the store at the end": list(shift.end),
            "scripted customers only heard from the person": [],
        }
        for h in shift.handled:
            who = f"{h.interaction_id} (@{h.username})"
            transcript = store.reads.transcript(h.interaction_id)
            lines = [e for e in transcript if e.author == AGENT and e.action in ("reply", "dm")]
            outbound = [e.text for e in transcript if e.kind.value == "outbound"]
            twice = sorted({t for t in outbound if outbound.count(t) > 1})
            if twice:
                out["one line per message sent"].append(
                    f"{who}: shown more than once: {twice} "
                    f"(authors: {[e.author for e in transcript if e.text in twice]})"
                )
            if len(lines) != len(h.sends):
                out["sent as typed"].append(
                    f"{who}: {len(h.sends)} typed, {len(lines)} sent: {[e.text for e in lines]}"
                )
            for sent, line in zip(h.sends, lines, strict=False):
                wanted = f"@{h.username} {sent.typed}" if sent.kind == "reply" else sent.typed
                x_id = line.delivery.x_id if line.delivery else None
                got = by_id.get(str(x_id), {}).get("text") if x_id else None
                if got != wanted:
                    out["sent as typed"].append(
                        f"{who} via {sent.via}: typed {sent.typed!r}, X received {got!r}"
                        + (f" (store: {line.text!r})" if line.text != got else "")
                    )
            for sent in h.sends:
                if sent.box != sent.typed:
                    out["box kept what was typed"].append(
                        f"{who}: typed {sent.typed!r}, the box held {sent.box!r} at the send"
                    )
                if not sent.emptied:
                    out["box emptied after send"].append(f"{who}: {sent.typed!r} stayed")
            if h.kept != h.label:
                out["disposition kept on screen"].append(
                    f"{who}: picked {h.label!r}, after {SETTLE:.0f}+ s while the team wrote "
                    f"{h.team_events} events the box showed {h.kept!r}"
                )
            out["screen shows the store"] += [f"{who}: {w}" for w in h.screen_vs_store]
            if h.done_failures:
                out["done at the first press"].append(f"{who}: {h.done_failures}")
            row = frame.loc[h.interaction_id] if h.interaction_id in frame.index else None
            stored = (
                {}
                if row is None
                else {"state": row["state"], "disposition": row["disposition"], "note": row["note"]}
            )
            wanted_row = {"state": "done", "disposition": h.disposition, "note": h.note}
            if {k: (None if v != v else v) for k, v in stored.items()} != wanted_row:
                out["stored as picked"].append(f"{who}: picked {wanted_row}, stored {stored}")
        mine = {str(x) for h in shift.handled for x in _x_ids(store, h.interaction_id)}
        for username, known in shift.customers.items():
            to_them = [
                a
                for a in activity
                if a.get("kind") in ("reply", "dm")
                and (a.get("target") in known["tweets"] or a.get("target") == known["id"])
            ]
            strangers = [a for a in to_them if str(a.get("result_id")) not in mine]
            if strangers:
                out["scripted customers only heard from the person"].append(
                    f"@{username}: {[a.get('text') for a in strangers]}"
                )
        return out
    finally:
        store.close()


def report(found: dict[str, list[str]]) -> str:
    """The problems as lines a person reads: each check that failed, then what it found."""
    return "\n".join(
        f"{check}:\n" + "\n".join(f"  - {item}" for item in items)
        for check, items in found.items()
        if items
    )


def _x_ids(store: Store, interaction_id: str) -> list[str]:
    return [
        e.delivery.x_id
        for e in store.reads.transcript(interaction_id)
        if e.delivery is not None and e.delivery.x_id
    ]


# --- the bench -------------------------------------------------------------------------------


def run_shift(
    root: Path, n: int, seed: int = 0, moment: Moment | None = None
) -> tuple[Shift, dict[str, list[str]]]:
    """A shift of ``n`` scripted customers on bench pages (the desk and the supervisor's, each
    with the bare Button), in Chromium; what it measured, and its problems."""
    from playwright.sync_api import sync_playwright

    with stage(root, bench_pages=True, seed=seed) as the, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            size: ViewportSize = {"width": 1400, "height": 1000}
            desk = browser.new_context(viewport=size).new_page()
            board = browser.new_context(viewport=size).new_page()
            assert the.supervisor_url is not None
            open_supervisor(board, the.supervisor_url)
            agent = DeskAgent(desk, the, seed=seed, moment=moment, supervisor=board)
            try:
                agent.sign_in()
                shift = agent.work(cases(n, the.brand, seed))
            finally:
                agent.close()
            the.stop_customers()
            found = problems(the, shift)
        finally:
            browser.close()
    return shift, found
