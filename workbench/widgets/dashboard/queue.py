"""The queue as the router will offer it: the next interactions, each with its priority, the
rules behind it, and the customer's wait against the service-level target (all text escaped)."""

from __future__ import annotations

from datetime import timedelta

import ipywidgets as W
import pandas as pd

from workbench.domain.priority import wait_level
from workbench.i18n import N_, _
from workbench.widgets._html import STYLE, esc, waited_words

_CELL = "padding:3px 8px;border-bottom:1px solid #eaeef2;font-size:13px"
_HEADS = ("#", N_("queue"), N_("contact"), N_("text"), N_("waiting"), N_("priority"), N_("why"))


class NextOffersPanel(W.VBox):
    """``show(rows, threshold)``: the rows of ``DashboardModel.next_offers``."""

    def __init__(self) -> None:
        self.title = W.HTML("<b>" + esc(_("Next offers")) + "</b>")
        self.body = W.HTML()
        self.body.add_class("wb-next-offers")
        self.rows = pd.DataFrame()
        super().__init__([self.title, self.body])
        self.add_class("wb-queue-order")

    def show(self, rows: pd.DataFrame, threshold_seconds: float) -> None:
        self.rows = rows
        if rows.empty:
            said = esc(_("Nobody is waiting in a queue."))
            self.body.value = f'<div style="color:#57606a">{said}</div>'
            return
        threshold = timedelta(seconds=threshold_seconds)
        lines = []
        for r in rows.itertuples(index=False):
            waited = r.waited.to_pytimedelta() if hasattr(r.waited, "to_pytimedelta") else r.waited
            level = wait_level(waited, threshold).value
            why = ", ".join(r.reasons) if r.reasons else _("first come, first served")
            cells = [
                esc(r.position),
                esc(r.queue),
                f"@{esc(r.contact)}",
                esc(str(r.subject)[:140]),
                f'<span class="wb-wait wb-wait-{level}">{esc(waited_words(waited))}</span>',
                esc(f"{r.priority:+d}"),
                esc(why),
            ]
            lines.append("<tr>" + "".join(f'<td style="{_CELL}">{c}</td>' for c in cells))
        head = "".join(f'<th style="{_CELL};text-align:left">{esc(_(h))}</th>' for h in _HEADS)
        self.body.value = (
            f'{STYLE}<div style="max-height:260px;overflow:auto">'
            f'<table style="border-collapse:collapse"><tr>{head}</tr>{"".join(lines)}</table>'
            "</div>"
        )
