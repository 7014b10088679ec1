"""The one table of settings: name, default, help. Read from the environment.

Secrets are kept out of every repr, log line and message: ``Settings`` shows them as ``'***'``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.domain.contact import is_username
from workbench.errors import ConfigError


@functools.cache
def user_data_dir() -> Path:
    """The workbench's own data folder for this user (the default store, models, notebooks)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("workbench"))


def _default_db_url() -> str:
    return f"sqlite:///{user_data_dir() / 'workbench.db'}"


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(name, f"expected true or false, got {raw!r}")


def _number(name: str, raw: str, unit: str, *, zero: str | None) -> float:
    """``raw`` as a number of ``unit``: greater than 0, or 0 and more when ``zero`` says what 0
    means (None: 0 is refused)."""
    try:
        value = float(raw)
    except ValueError:
        hint = f" (0: {zero})" if zero else ""
        raise ConfigError(name, f"expected a number of {unit}{hint}, got {raw!r}") from None
    if zero is None and value <= 0:
        raise ConfigError(name, f"must be greater than 0, got {raw!r}")
    if value < 0:
        raise ConfigError(name, f"must be 0 ({zero}) or more, got {raw!r}")
    return value


def _parse_seconds(name: str, raw: str) -> float:
    return _number(name, raw, "seconds", zero=None)


def _parse_seconds_or_never(name: str, raw: str) -> float:
    return _number(name, raw, "seconds", zero="never")


def _parse_hours(name: str, raw: str) -> float:
    return _number(name, raw, "hours", zero="never reopen")


def _parse_minutes_or_never(name: str, raw: str) -> float:
    return _number(name, raw, "minutes", zero="never")


def _parse_dollars(name: str, raw: str) -> float:
    return _number(name, raw, "US dollars", zero="no budget")


def _parse_count_or_never(name: str, raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(name, f"expected a whole number (0: never), got {raw!r}") from None
    if value < 0:
        raise ConfigError(name, f"must be 0 (never) or more, got {raw!r}")
    return value


def _parse_share(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, f"expected a share from 0 to 1 (0.8 = 80%), got {raw!r}") from None
    if not 0 < value <= 1:
        raise ConfigError(name, f"must be greater than 0 and at most 1, got {raw!r}")
    return value


def _parse_zone(name: str, raw: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            name, f"not a time zone name (like Europe/Paris or UTC): {raw!r}"
        ) from None
    return raw


def _parse_language(name: str, raw: str) -> str:
    from workbench.i18n import LANGUAGES, supported

    code = supported(raw)
    if code is None:
        raise ConfigError(name, f"expected one of {', '.join(LANGUAGES)}, got {raw!r}")
    return code


def _parse_url(name: str, raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(name, f"expected an http:// or https:// URL, got {raw!r}")
    return raw.rstrip("/")


def _parse_db_url(name: str, raw: str) -> str:
    scheme = raw.split(":", 1)[0].lower()
    if "://" not in raw or not scheme.startswith(("sqlite", "postgresql", "postgres")):
        shown = raw.split("@")[-1] if "@" in raw else raw
        raise ConfigError(
            name, f"expected sqlite:///PATH or postgresql://USER@HOST/DB, got {shown!r}"
        )
    if scheme in {"postgres", "postgresql"}:
        raw = "postgresql+psycopg" + raw[len(scheme) :]
    return raw


def _parse_plan(name: str, raw: str) -> str:
    from workbench.domain.plan import PLAN_NAMES

    value = raw.strip().lower()
    if value not in PLAN_NAMES:
        raise ConfigError(name, f"expected one of {', '.join(PLAN_NAMES)}, got {raw!r}")
    return value


def _parse_username(name: str, raw: str) -> str:
    value = raw.strip().lstrip("@")
    if not is_username(value):
        raise ConfigError(name, f"expected an X username (1-15 letters, digits, _), got {raw!r}")
    return value


@dataclass(frozen=True)
class Setting:
    """One setting: its environment name, default, help, and how to parse it."""

    name: str
    default: Any
    help: str
    parse: Callable[[str, str], Any] = lambda _name, raw: raw
    secret: bool = False

    def read(self, env: Mapping[str, str]) -> Any:
        raw = env.get(self.name)
        if raw is None or raw == "":
            return self.default() if callable(self.default) else self.default
        return self.parse(self.name, raw)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "WORKBENCH_DB_URL",
        _default_db_url,
        "Store URL: sqlite:///PATH (default: workbench.db in the user data dir) "
        "or postgresql://USER:PASSWORD@HOST/DB for a team.",
        _parse_db_url,
    ),
    Setting(
        "WORKBENCH_X_API_URL",
        "https://api.twitter.com",
        "Base URL of the X API v2; point it at `workbench sandbox` for demos and tests.",
        _parse_url,
    ),
    Setting(
        "WORKBENCH_X_PLAN",
        "pay-per-use",
        "The brand's X API access plan: pay-per-use, basic, pro or enterprise; what it allows "
        "(likes, follows, quotes, replies to posts that did not mention the brand) is in "
        "workbench/data/x_plans.json.",
        _parse_plan,
    ),
    Setting(
        "WORKBENCH_DAILY_BUDGET",
        0.0,
        "US dollars the brand's X calls may cost per UTC day on pay-per-use (0: no budget). Past "
        "it nothing is dropped: ingest's backstop polls of mentions stop while the stream is "
        "connected, and agents are warned before they send. Prices: workbench/data/x_prices.json.",
        _parse_dollars,
    ),
    Setting(
        "WORKBENCH_REPORT_TZ",
        "UTC",
        "The analyst's time zone (IANA name, like Europe/Paris) for `workbench report`: dates "
        "given without one, and times in Excel (CSV and Parquet keep UTC with the offset).",
        _parse_zone,
    ),
    Setting(
        "WORKBENCH_LANGUAGE",
        None,
        "The views' language: en (English) or fr (French); unset: the browser's language in "
        "the desk app (`workbench desk`, English if it is neither), English elsewhere.",
        _parse_language,
    ),
    Setting("X_BEARER_TOKEN", None, "App-only Bearer token for the X API.", secret=True),
    Setting("X_CONSUMER_KEY", None, "OAuth 1.0a consumer (API) key.", secret=True),
    Setting("X_CONSUMER_SECRET", None, "OAuth 1.0a consumer (API) secret.", secret=True),
    Setting("X_ACCESS_TOKEN", None, "OAuth 1.0a access token of the brand account.", secret=True),
    Setting("X_ACCESS_TOKEN_SECRET", None, "OAuth 1.0a access token secret.", secret=True),
    Setting(
        "X_CLIENT_ID",
        None,
        "OAuth 2.0 client id of the app (`workbench auth`; the sandbox has its own).",
    ),
    Setting(
        "X_CLIENT_SECRET",
        None,
        "OAuth 2.0 client secret of a confidential app (`workbench auth`, token refresh).",
        secret=True,
    ),
    Setting(
        "X_REDIRECT_URI",
        "http://127.0.0.1:8976/oauth/callback",
        "OAuth 2.0 callback URL registered for the app (`workbench auth` reads it back).",
    ),
    Setting("WORKBENCH_BRAND", "AcmeSupport", "Username of the brand account.", _parse_username),
    Setting(
        "WORKBENCH_TIMELINES_FILE",
        None,
        "JSON file of more brand accounts to post on: username -> OAuth 1.0a credentials.",
    ),
    Setting(
        "WORKBENCH_SMTP_URL",
        None,
        "smtp[s]://USER:PASSWORD@HOST:PORT to send agents' e-mails; unset: .eml files in the mail "
        "folder.",
        secret=True,
    ),
    Setting(
        "WORKBENCH_MAIL_DIR",
        None,
        "Folder for e-mails when no SMTP server is set (default: mail/ in the user data dir).",
    ),
    Setting(
        "WORKBENCH_MODEL_DIR",
        None,
        "Folder of the models `workbench train` writes (actionability from agents' corrections; "
        "sentiment with --sentiment); classification uses the newest there, and the package's "
        "sentiment models where it has none newer (default: models/ in the user data dir). Models "
        "load from the package and from here only.",
    ),
    Setting(
        "WORKBENCH_MAIL_FROM",
        None,
        "Sender address of agents' e-mails (default: BRAND@localhost).",
    ),
    Setting(
        "WORKBENCH_OFFER_TIMEOUT",
        30.0,
        "Seconds an agent has to accept an offer before it goes to another agent.",
        _parse_seconds,
    ),
    Setting(
        "WORKBENCH_MISSED_OFFERS",
        2,
        "Offers in a row an agent may let time out before the router sets them Not Ready "
        '("missed 2 offers in a row"), so nobody waits on an empty desk; an accepted or '
        "rejected offer starts the count again (0: never).",
        _parse_count_or_never,
    ),
    Setting(
        "WORKBENCH_RECLAIM_AFTER",
        300.0,
        "Seconds without a heartbeat after which an agent's accepted interactions go back to "
        "the queue (0: never).",
        _parse_seconds_or_never,
    ),
    Setting(
        "WORKBENCH_REQUIRE_DISPOSITION",
        True,
        "Whether an interaction needs a disposition code before it can be marked done.",
        _parse_bool,
    ),
    Setting(
        "WORKBENCH_REOPEN_HOURS",
        72.0,
        "Hours after Done in which a customer's follow-up (a reply in the thread, a DM) reopens "
        "the interaction for the agent who handled it; later ones open a new interaction linked "
        "to it (0: never reopen).",
        _parse_hours,
    ),
    Setting(
        "WORKBENCH_PENDING_HOURS",
        24.0,
        "Hours an interaction set pending customer waits for the customer's answer before it "
        "goes back to the queue (the answer brings it back to its agent at once).",
        _parse_hours,
    ),
    Setting(
        "WORKBENCH_DELETED_SWEEP_MINUTES",
        5.0,
        "Minutes between ingest's look-ups of the posts of open (and recently done) interactions "
        "on X, 100 a call within the rate budget: those X says are gone are marked deleted, "
        "their text dropped (0: never).",
        _parse_minutes_or_never,
    ),
    Setting(
        "WORKBENCH_CLASSIFIER_PROCESS",
        True,
        "Whether ingest, on a machine of more than one core, labels the pages it reads in a"
        " child process while it stores the pages before (off: all in the ingest's process).",
        _parse_bool,
    ),
    Setting(
        "WORKBENCH_SKIP_RETWEETS",
        True,
        "Whether ingest skips plain retweets of the brand instead of opening interactions.",
        _parse_bool,
    ),
    Setting(
        "WORKBENCH_SL_THRESHOLD",
        900.0,
        "Service level target: seconds from arrival to the first reply (15 minutes).",
        _parse_seconds,
    ),
    Setting(
        "WORKBENCH_SL_GOAL",
        0.8,
        "Service level goal: the share of interactions to answer within the threshold.",
        _parse_share,
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def model_dir(env: Mapping[str, str] | None = None) -> Path:
    """WORKBENCH_MODEL_DIR, else ``models/`` in the user data dir (cheap: one lookup)."""
    raw = _BY_NAME["WORKBENCH_MODEL_DIR"].read(os.environ if env is None else env)
    return Path(raw).expanduser() if raw else user_data_dir() / "models"


@dataclass(frozen=True)
class Settings:
    """The settings in force; build with ``Settings.from_env()``."""

    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if env is None else env
        values = {s.name: s.read(env) for s in SETTINGS}
        for key, value in overrides.items():
            name = key.upper()
            if name not in _BY_NAME:
                raise ConfigError(name, "no such setting")
            if value is not None:
                values[name] = (
                    _BY_NAME[name].parse(name, value) if isinstance(value, str) else value
                )
        return cls(values)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def db_url(self) -> str:
        return str(self.values["WORKBENCH_DB_URL"])

    @property
    def x_api_url(self) -> str:
        return str(self.values["WORKBENCH_X_API_URL"])

    @property
    def report_tz(self) -> str:
        return str(self.values["WORKBENCH_REPORT_TZ"])

    @property
    def x_plan(self) -> str:
        return str(self.values["WORKBENCH_X_PLAN"])

    @property
    def brand(self) -> str:
        return str(self.values["WORKBENCH_BRAND"])

    @property
    def model_dir(self) -> Path:
        return model_dir({"WORKBENCH_MODEL_DIR": self.values["WORKBENCH_MODEL_DIR"] or ""})

    def __repr__(self) -> str:
        shown = {
            name: ("***" if _BY_NAME[name].secret and value else value)
            for name, value in self.values.items()
        }
        return f"Settings({shown!r})"

    __str__ = __repr__


def settings_table_markdown() -> str:
    """The settings as the README's table (name, default, help)."""
    rows = ["| setting | default | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        default = "user data dir SQLite file" if callable(s.default) else s.default
        rows.append(f"| `{s.name}` | {'' if default is None else f'`{default}`'} | {s.help} |")
    return "\n".join(rows)
