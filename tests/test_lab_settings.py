"""`workbench lab` answers Lab's news prompt for the user, as they would ("no"), unless they
answered it themselves."""

from __future__ import annotations

import json

from workbench.lab import quiet_lab

NOTIFICATION = "@jupyterlab/apputils-extension/notification.jupyterlab-settings"


def test_lab_asks_nothing_about_news_or_updates(tmp_path):
    (written,) = quiet_lab(tmp_path)
    assert written == tmp_path / NOTIFICATION
    assert json.loads(written.read_text()) == {"fetchNews": "false", "checkForUpdates": False}


def test_a_choice_the_user_made_is_kept(tmp_path):
    mine = tmp_path / NOTIFICATION
    mine.parent.mkdir(parents=True)
    mine.write_text('{"fetchNews": "true"}')
    assert quiet_lab(tmp_path) == []
    assert json.loads(mine.read_text()) == {"fetchNews": "true"}


def test_workbench_lab_writes_where_its_lab_reads(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(tmp_path / "lab-settings"))
    (written,) = quiet_lab()
    assert written == tmp_path / "lab-settings" / NOTIFICATION
