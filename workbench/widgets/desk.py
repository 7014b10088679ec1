"""The desk as an app: a sign-in form (the agent's name and queues), then their workspace.

What ``workbench desk`` serves (Voila: no code cells, one kernel per agent's page). The form
holds no rules: ``workbench.workspace.desk.Desk`` checks the name and opens the workspace.
"""

from __future__ import annotations

import ipywidgets as W

from workbench.i18n import DEFAULT, LANGUAGES, _, refusal, set_language, supported
from workbench.widgets._browser import BrowserLanguage
from workbench.widgets._html import STYLE, esc
from workbench.widgets._keys import EnterKey
from workbench.widgets.workspace import AgentWorkspaceView
from workbench.workspace import Workspace
from workbench.workspace.desk import Desk


class DeskApp(W.VBox):
    """Sign in, work, sign out. ``sign_in()`` and ``sign_out()`` are the two buttons.

    The form speaks the language chosen in it (``language``): ``WORKBENCH_LANGUAGE`` when set,
    else the browser's (``BrowserLanguage``), else English; the workspace opens in it."""

    def __init__(self, desk: Desk, live: bool = True) -> None:
        self.desk = desk
        self.live = live
        self.ws: Workspace | None = None
        self.view: AgentWorkspaceView | None = None
        self._setting = supported(desk.settings.values.get("WORKBENCH_LANGUAGE"))
        self._picked = False  # the agent chose a language: the browser's no longer counts
        self._following_browser = False
        self.browser = BrowserLanguage()
        self.browser.observe(self._on_browser, names="language")
        self.language = W.Dropdown(
            options=[(name, code) for code, name in LANGUAGES.items()],
            value=self._setting or DEFAULT,
        )
        self.language.add_class("wb-sign-in-language")
        self.language.observe(self._on_language, names="value")
        self.name = W.Text()
        self.name.add_class("wb-sign-in-name")
        self.display_name = W.Text()
        self.display_name.add_class("wb-sign-in-display")
        queues = desk.queues()
        self.queues = W.SelectMultiple(
            options=[(q.label or q.name, q.name) for q in queues],
            value=[q.name for q in queues],
            rows=min(6, max(2, len(queues))),
        )
        self.queues.add_class("wb-sign-in-queues")
        self.hint = W.HTML()
        self.sign_in_button = W.Button(button_style="primary", icon="sign-in")
        self.sign_in_button.add_class("wb-sign-in")
        self.sign_in_button.on_click(lambda _: self.sign_in())
        self.message = W.HTML()
        self.message.add_class("wb-message")
        self.enter = EnterKey(
            scope=".wb-sign-in-form",
            fields={"name": ".wb-sign-in-name input", "display_name": ".wb-sign-in-display input"},
        )
        """Enter in either text field signs in."""
        self.enter.on_enter(self._on_enter)
        self.heading = W.HTML()
        self.form = W.VBox(
            [
                self.heading,
                self.language,
                self.name,
                self.display_name,
                self.queues,
                self.hint,
                self.sign_in_button,
                self.message,
                self.browser,
                self.enter,
            ]
        )
        self.form.add_class("wb-sign-in-form")
        self.sign_out_button = W.Button(icon="sign-out")
        self.sign_out_button.add_class("wb-sign-out")
        self.sign_out_button.on_click(lambda _: self.sign_out())
        self._label()
        super().__init__([self.form])
        self.add_class("wb-desk")

    def _on_enter(self, values: dict[str, str]) -> None:
        """Enter in the name or the shown name: sign in with the text the page shows, as the
        button does."""
        self.name.value = values.get("name", self.name.value)
        self.display_name.value = values.get("display_name", self.display_name.value)
        self.sign_in()

    def _label(self) -> None:
        """Say the form in the language chosen."""
        set_language(self.language.value)
        self.language.description = _("Language")
        self.name.placeholder, self.name.description = _("your agent name"), _("Name")
        self.display_name.placeholder = _("as colleagues see it")
        self.display_name.description = _("Shown as")
        self.queues.description = _("Queues")
        hint = _("Ctrl-click to take only some queues")
        self.hint.value = f'<span class="wb-muted">{esc(hint)}</span>'
        self.sign_in_button.description = _("Sign in")
        self.sign_out_button.description = _("Sign out")
        self.heading.value = STYLE + "<h3>" + esc(_("Agent desk")) + "</h3>"

    def choose_language(self, code: str) -> None:
        """What picking a language in the form does (``en``, ``fr``)."""
        self.language.value = code

    def _on_language(self, _change: dict[str, object]) -> None:
        if not self._following_browser:
            self._picked = True
        self._label()

    def _on_browser(self, change: dict[str, object]) -> None:
        """The page said the browser's language: the form takes it unless the setting names one
        or the agent chose already."""
        if self._setting is not None or self._picked:
            return
        self._following_browser = True
        try:
            self.language.value = supported(str(change["new"])) or DEFAULT
        finally:
            self._following_browser = False

    def sign_in(self) -> bool:
        """Open the agent's workspace from the form; a refusal is said in the form."""
        set_language(self.language.value)
        try:
            self.ws = self.desk.sign_in(
                self.name.value, self.display_name.value, list(self.queues.value)
            )
        except Exception as exc:  # every refusal is shown, named
            self.message.value = f'<span style="color:#b00">{esc(refusal(exc))}</span>'
            return False
        self.message.value = ""
        self.name.value = self.display_name.value = ""
        self.view = AgentWorkspaceView(self.ws, live=self.live)
        who = esc(self.ws.display_name or self.ws.agent)
        signed = esc(_("Signed in as {name}")).replace("{name}", f"<b>{who}</b>")
        bar = W.HBox([W.HTML(f"{signed}&nbsp;"), self.sign_out_button])
        self.children = [bar, self.view]
        return True

    def sign_out(self) -> None:
        """Not Ready and back to the form."""
        if self.view is not None:
            self.view.close()
            self.view = None
        if self.ws is not None:
            ws, self.ws = self.ws, None
            self.desk.sign_out(ws)
        self.children = [self.form]

    def close(self) -> None:
        self.sign_out()
        super().close()
