"""Post a tweet: choose the timeline (brand account), type, see characters remaining, send."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as W

from workbench.domain import Delivery, DeliveryState
from workbench.i18n import _, refusal
from workbench.widgets._compose import Composer
from workbench.widgets._html import STYLE, esc


def posted_html(timeline: str, delivery: Delivery | None) -> str:
    """Where a posted tweet is, as its line under Post says it: queued (and what holds it
    back), sent with X's id (linked to the post), or refused with X's reason."""
    if delivery is not None and delivery.state is DeliveryState.SENT:
        # The sentence escaped first, then the escaped name and the link put in its place.
        said = esc(_("Sent on @{timeline}")).format(timeline=esc(timeline))
        if delivery.x_id:
            url = f"https://x.com/{timeline}/status/{delivery.x_id}"
            link = (
                f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
                f"{esc(delivery.x_id)}</a>"
            )
            said += " · " + esc(_("X id {id}")).format(id=link)
        return f'{STYLE}<span class="wb-delivery wb-sent">✓ {said}</span>'
    if delivery is not None and delivery.state is DeliveryState.FAILED:
        reason = refusal(delivery.reason) if delivery.reason else _("refused by X")
        said = _("Not sent on @{timeline}: {reason}").format(timeline=timeline, reason=reason)
        return f'{STYLE}<span class="wb-delivery wb-failed">✗ {esc(said)}</span>'
    said = _("Queued on @{timeline}.").format(timeline=timeline)
    if delivery is not None and delivery.reason:
        said += " " + refusal(delivery.reason)
    return f'{STYLE}<span class="wb-delivery wb-queued">⏳ {esc(said)}</span>'


class PostTweetForm(W.VBox):
    """``post(timeline, text)`` is called on Send; its errors are shown, the text is kept.
    ``cost(text)`` says what the post will cost (None: nothing to say), as the agent types.
    ``delivery(id)`` says where the post whose interaction ``post`` returned is: its line under
    Post follows it from queued to sent (with X's id) or refused, at each ``refresh()``."""

    def __init__(
        self,
        timelines: Sequence[str],
        post: Callable[[str, str], object],
        cost: Callable[[str], str | None] | None = None,
        delivery: Callable[[str], Delivery | None] | None = None,
    ) -> None:
        self._post = post
        self._cost = cost
        self._delivery = delivery
        self._posted: tuple[str, str] | None = None
        """The last post still on its way: its interaction's id and timeline."""
        self.cost = W.HTML()
        self.cost.add_class("wb-send-cost")
        self.timeline = W.Dropdown(options=list(timelines), description=_("Timeline"))
        self.timeline.add_class("wb-timeline")
        self.composer = Composer(
            _("What's happening?"), text_class="wb-post-text", send_selector=".wb-post-tweet"
        )
        self.composer.text.on_send(lambda text: self._on_send(text))
        self.send_button = W.Button(
            description=_("Post"), button_style="primary", icon="paper-plane"
        )
        self.send_button.add_class("wb-post-tweet")
        self.send_button.on_click(lambda _: self.send())
        self.message = W.HTML()
        self.message.add_class("wb-message")
        self.composer.text.observe(lambda _: self._sync(), names="value")
        super().__init__(
            [
                W.HTML("<b>" + html.escape(_("Post a tweet")) + "</b>"),
                self.timeline,
                self.composer,
                W.HBox([self.send_button, self.message]),
                self.cost,
            ]
        )
        self.add_class("wb-post-form")
        self.add_class("wb-compose-scope")
        self._sync()

    def _sync(self) -> None:
        self.send_button.disabled = not self.composer.sendable
        said = self._cost(self.composer.text.value) if self._cost is not None else None
        self.cost.value = f'<span class="wb-muted">{html.escape(said)}</span>' if said else ""

    def _on_send(self, text: str) -> None:
        """The page's Post, with the text it shows."""
        self.send(text)

    def send(self, text: str | None = None) -> bool:
        """Post ``text`` (default: the box's) on the chosen timeline; True when it was accepted
        for sending."""
        text = self.composer.text.value if text is None else text
        if not self.composer.can_send(text):
            said = (
                _("The tweet is empty.")
                if not text.strip()
                else _("The tweet is {n} characters too long.").format(
                    n=-self.composer.left_for(text)
                )
            )
            self.message.value = f'<span style="color:#b00">{html.escape(said)}</span>'
            return False
        timeline = self.timeline.value
        try:
            posted = self._post(timeline, text)
        except Exception as exc:  # shown to the agent; nothing typed is lost
            self._posted = None
            self.message.value = f'<span style="color:#b00">{html.escape(refusal(exc))}</span>'
            return False
        posted_id = getattr(posted, "id", None)
        self._posted = (posted_id, timeline) if isinstance(posted_id, str) else None
        self.message.value = posted_html(timeline, None)
        self.composer.text.sent(text)
        self.refresh()  # the outbox may have sent it already
        return True

    def refresh(self) -> None:
        """Say where the last post is now (its workspace calls this as the store changes);
        once X took it or refused it, there is nothing more to follow."""
        if self._posted is None or self._delivery is None:
            return
        interaction_id, timeline = self._posted
        delivery = self._delivery(interaction_id)
        if delivery is not None and delivery.state is not DeliveryState.QUEUED:
            self._posted = None
        shown = posted_html(timeline, delivery)
        if self.message.value != shown:
            self.message.value = shown
