"""The simulated team: live agents through the Workspace against the real sandbox, history in the
past through the store's bulk path, the refusal to work against X, and the demo's Lab layout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.test_cli import workbench
from workbench.analytics import ledger
from workbench.config import Settings
from workbench.domain import Action
from workbench.errors import UsageError
from workbench.routing.agents import AgentState, agents
from workbench.simulate import Team, fill_history, parse_span
from workbench.store import Store


@pytest.fixture
def sandbox():
    from workbench.sandbox import start

    running = start(rate_limit_scale=100)
    yield running
    running.stop()


def _customers_write(url: str, n: int) -> None:
    for i in range(n):
        user = f"cust{i}"
        requests.post(
            f"{url}/sandbox/users",
            json={"username": user, "name": f"Kim{i} Lee", "follows_brand": True},
            timeout=10,
        ).raise_for_status()
        requests.post(
            f"{url}/sandbox/tweets",
            json={"author": user, "text": f"@AcmeSupport where is my parcel {i}?"},
            timeout=10,
        ).raise_for_status()


def _ingest(store: Store, url: str, db_url: str) -> None:
    from workbench.intake import Ingest
    from workbench.xapi.gateway import Gateway

    settings = Settings.from_env({}, WORKBENCH_DB_URL=db_url, WORKBENCH_X_API_URL=url)
    Ingest(store, Gateway.from_settings(settings), classify=False).run_once()


def test_team_handles_interactions_end_to_end(db_url, sandbox, tmp_path):
    url = sandbox.url
    _customers_write(url, 5)
    store = Store(db_url)
    store.load_reference_data()
    _ingest(store, url, db_url)
    with Team(3, seed=1, db_url=db_url, x_api_url=url, pace=0.02, mail_dir=tmp_path) as team:
        team.ready()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            team.step()
            frame = ledger(store=store)
            if len(frame) and (frame["state"] == "done").all():
                break
            time.sleep(0.05)
        team.sign_off()
        names = set(team.names)
    frame = ledger(store=store)
    assert len(frame) == 5
    assert (frame["state"] == "done").all()
    known = {d.code for d in store.reads.dispositions()}
    assert set(frame["disposition"]) <= known
    assert (frame["handle_seconds"] > 0).all()
    assert (frame["replies"] >= 1).all()
    assert set(frame["agent"]) <= names
    for iid in frame["interaction_id"]:
        actions = [e.action for e in store.events(iid)]
        assert Action.ACCEPTED in actions and Action.DONE in actions
        assert Action.DISPOSITION_SET in actions
    # What they wrote went to X, with the contact's name.
    activity = requests.get(f"{url}/sandbox/activity", timeout=10).json()["data"]
    replies = [a["text"] for a in activity if a["kind"] == "reply"]
    assert len(replies) >= 5 and any("Kim" in text for text in replies)
    # Signed off: nobody takes offers any more.
    states = {a.name: a.state for a in agents(store) if a.name in names}
    assert set(states.values()) == {AgentState.NOT_READY}
    store.close()


def test_team_choices_follow_the_seed():
    import random

    from workbench.simulate.phrases import load_phrases
    from workbench.simulate.team import handle_seconds

    def draws(seed: int) -> list[float]:
        rng = random.Random(seed)
        return [handle_seconds(rng) for _ in range(50)]

    assert draws(3) == draws(3) != draws(4)
    seconds = draws(3)
    assert all(4 <= s <= 300 for s in seconds)
    phrases = load_phrases()
    assert [n for n, _ in phrases.agents(14)][12:] == ["sim_13", "sim_14"]
    assert "Ann" in phrases.reply(random.Random(1), "Ann")


def test_history_fills_days_in_the_past(store):
    now = datetime.now(UTC).replace(microsecond=0)
    n = fill_history(store, timedelta(days=3), seed=5, per_day=300, now=now)
    assert 500 < n < 1500
    frame = ledger(store=store)
    assert len(frame) == n
    assert (frame["state"] == "done").all()
    assert frame["done_at"].max() < now
    assert frame["arrived_at"].min() >= now - timedelta(days=3, hours=1)
    assert frame["arrived_at"].min() < now - timedelta(days=2, hours=12)
    assert set(frame["channel"]) == {"mention", "dm"}
    assert set(frame["disposition"]) <= {d.code for d in store.reads.dispositions()}
    assert (frame["handle_seconds"] > 0).all() and (frame["first_response_seconds"] > 0).all()
    assert frame["transfers"].sum() > 0 and frame["rejections"].sum() > 0
    assert frame["timeouts"].sum() > 0 and frame["consultations"].sum() > 0
    assert frame["sentiment"].nunique() >= 3
    # Busier by day than by night.
    hours = frame["arrived_at"].dt.hour
    assert hours.between(9, 16).sum() > 3 * hours.between(0, 5).sum()
    # The agents are registered (Not Ready) with their shifts in the log.
    team = {a.name: a for a in agents(store)}
    assert set(frame["agent"]) <= set(team)
    assert all(team[name].state is AgentState.NOT_READY for name in set(frame["agent"]))


def test_history_is_the_same_for_the_same_seed(tmp_path):
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    frames = []
    for name in ("a", "b"):
        store = Store(f"sqlite:///{tmp_path / name}.db")
        fill_history(store, timedelta(hours=12), seed=9, per_day=200, now=now)
        frames.append(ledger(store=store)[["arrived_at", "agent", "disposition", "queue"]])
        store.close()
    assert frames[0].equals(frames[1])


def test_parse_span():
    assert parse_span("7d") == timedelta(days=7)
    assert parse_span("24h") == timedelta(hours=24)
    assert parse_span("90m") == timedelta(minutes=90)
    assert parse_span("2") == timedelta(days=2)
    for bad in ("soon", "0d", "-3h", "900d"):
        with pytest.raises(UsageError, match="--history"):
            parse_span(bad)


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"WORKBENCH_X_API_URL": "https://api.twitter.com"}, "WORKBENCH_X_API_URL:"),
        ({"WORKBENCH_X_API_URL": "https://sandbox.example.com"}, "is not a local sandbox"),
        (
            {"WORKBENCH_X_API_URL": "http://127.0.0.1:9", "X_BEARER_TOKEN": "abc"},
            "X_BEARER_TOKEN: X credentials are set",
        ),
    ],
)
def test_refuses_x_itself_in_one_line(env, fragment, tmp_path):
    done = workbench(
        "simulate", "--agents", "2", env={**env, "WORKBENCH_DB_URL": f"sqlite:///{tmp_path}/s.db"}
    )
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith("workbench simulate: ") and fragment in done.stderr
    assert "abc" not in done.stderr


def test_cli_history_only(tmp_path):
    db = f"sqlite:///{tmp_path}/h.db"
    env = {"WORKBENCH_DB_URL": db}
    done = workbench("simulate", "--history", "1d", "--history-only", "--per-day", "120", env=env)
    assert done.returncode == 0, done.stderr
    assert "interactions of history over 1d" in done.stdout
    assert len(ledger(db)) > 50
    bad = workbench("simulate", "--history-only", env=env)
    assert bad.returncode == 2 and "--history-only: needs --history" in bad.stderr


def test_sigterm_stops_cleanly_with_agents_not_ready(sandbox, tmp_path):
    db = f"sqlite:///{tmp_path}/t.db"
    env = {
        **os.environ,
        "WORKBENCH_DB_URL": db,
        "WORKBENCH_X_API_URL": sandbox.url,
        "PYTHONUNBUFFERED": "1",
    }
    for name in [k for k in env if k.startswith("X_")]:
        del env[name]
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "simulate", "--agents", "2", "--seed", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "2 agents (sim_ava, sim_ben) working against" in line, proc.stderr
        store = Store(db)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if {a.state for a in agents(store)} != {AgentState.NOT_READY}:
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in out
    states = {a.name: (a.state, a.reason) for a in agents(store)}
    assert states == {
        "sim_ava": (AgentState.NOT_READY, "end of shift"),
        "sim_ben": (AgentState.NOT_READY, "end of shift"),
    }
    store.close()


def test_demo_layout_names_both_notebooks(tmp_path):
    from jupyterlab_server.workspaces_handler import WorkspacesManager

    from workbench.lab import (
        DEMO_WORKSPACE,
        demo_layout,
        jupyter_lab_command,
        notebooks_dir,
        save_demo_layout,
    )

    shipped = {t.name for t in notebooks_dir().iterdir()}
    layout = demo_layout()
    dock = layout["data"]["layout-restorer:data"]["main"]["dock"]
    assert dock["type"] == "split-area" and dock["orientation"] == "horizontal"
    side_by_side = [w for area in dock["children"] for w in area["widgets"]]
    assert side_by_side == [
        "notebook:agent_workspace.ipynb",
        "notebook:supervisor_dashboard.ipynb",
    ]
    for widget in side_by_side:
        path = layout["data"][widget]["data"]["path"]
        assert path in shipped
    saved = save_demo_layout(tmp_path)
    assert json.loads(saved.read_text(encoding="utf-8"))["metadata"] == {"id": DEMO_WORKSPACE}
    loaded = WorkspacesManager(str(tmp_path)).load(DEMO_WORKSPACE)
    assert loaded["data"] == layout["data"]
    cmd = jupyter_lab_command(8888, tmp_path, "t", tmp_path)
    assert f"--LabApp.workspaces_dir={tmp_path}" in cmd
    assert "--LabApp.default_url=/lab/workspaces/demo" in cmd


def test_simulate_has_help():
    done = workbench("simulate", "--help")
    assert done.returncode == 0 and "--history" in done.stdout
    lab = workbench("lab", "--help")
    assert "--team" in lab.stdout
