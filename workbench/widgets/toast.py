"""The preview toast of an offered interaction: origin, subject, date; Accept / Reject."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as W

from workbench.domain import Contact, Interaction
from workbench.i18n import _
from workbench.widgets._html import (
    STYLE,
    esc,
    priority_html,
    profile_link,
    subject_html,
    wait_html,
    when,
)


def toast_html(it: Interaction, contact: Contact, queue: str | None = None) -> str:
    """The offer's preview; ``queue``: the queue's label (default: its name)."""
    origin = _("Direct message") if it.channel.value == "dm" else _("Public mention")
    on = _(" on @{timeline}").format(timeline=it.timeline) if it.timeline else ""
    queue = _("queue {queue}").format(queue=queue or it.queue)
    return (
        f'{STYLE}<div class="wb-card"><div class="wb-muted">{esc(origin)}'
        f"{esc(on)} · {esc(when(it.arrived_at))}"
        f" · {esc(queue)}</div>"
        f"<div><b>{esc(contact.name or contact.username)}</b> {profile_link(contact)}</div>"
        f'<div class="wb-subject">{subject_html(it)}</div>'
        f"<div>{priority_html(it)}</div></div>"
    )


class OfferToast(W.VBox):
    """An offer waiting for the agent; ``accept()`` and ``reject()`` are the two buttons."""

    def __init__(
        self,
        interaction: Interaction,
        contact: Contact,
        on_accept: Callable[[str], object],
        on_reject: Callable[[str], object],
        threshold: float = 900.0,
        queue: str | None = None,
    ) -> None:
        self.interaction_id = interaction.id
        self._interaction, self.threshold = interaction, threshold
        self.timer = W.HTML()
        """How long the customer has waited, coloured against the service-level threshold."""
        self.timer.add_class("wb-toast-wait")
        self.tick()
        self._on_accept, self._on_reject = on_accept, on_reject
        self.preview = W.HTML(toast_html(interaction, contact, queue))
        self.accept_button = W.Button(description=_("Accept"), button_style="success", icon="check")
        self.accept_button.add_class("wb-accept")
        self.accept_button.on_click(lambda _: self.accept())
        self.reject_button = W.Button(description=_("Reject"), button_style="danger", icon="times")
        self.reject_button.add_class("wb-reject")
        self.reject_button.on_click(lambda _: self.reject())
        super().__init__(
            [self.timer, self.preview, W.HBox([self.accept_button, self.reject_button])],
            layout=W.Layout(
                border="2px solid #1d9bf0", padding="6px", margin="4px 0", width="420px"
            ),
        )
        self.add_class("wb-toast")

    def tick(self) -> None:
        """Show the wait as of now."""
        shown = f"{STYLE}{wait_html(self._interaction, self.threshold)}"
        if self.timer.value != shown:
            self.timer.value = shown

    def accept(self) -> None:
        self._on_accept(self.interaction_id)

    def reject(self) -> None:
        self._on_reject(self.interaction_id)
