"""Post a tweet: choose the timeline (brand account), type, see characters remaining, send."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as W

from workbench.i18n import _, refusal
from workbench.widgets._compose import Composer


class PostTweetForm(W.VBox):
    """``post(timeline, text)`` is called on Send; its errors are shown, the text is kept.
    ``cost(text)`` says what the post will cost (None: nothing to say), as the agent types."""

    def __init__(
        self,
        timelines: Sequence[str],
        post: Callable[[str, str], object],
        cost: Callable[[str], str | None] | None = None,
    ) -> None:
        self._post = post
        self._cost = cost
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
        try:
            self._post(self.timeline.value, text)
        except Exception as exc:  # shown to the agent; nothing typed is lost
            self.message.value = f'<span style="color:#b00">{html.escape(refusal(exc))}</span>'
            return False
        queued = _("Queued on @{timeline}.").format(timeline=self.timeline.value)
        self.message.value = f'<span style="color:#1a7f37">{html.escape(queued)}</span>'
        self.composer.text.sent(text)
        return True
