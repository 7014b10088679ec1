from __future__ import annotations

import pytest

from workbench.config import SETTINGS, Settings
from workbench.errors import ConfigError


def test_defaults_need_no_environment():
    s = Settings.from_env({})
    assert s.x_api_url == "https://api.twitter.com"
    assert s.db_url.startswith("sqlite:///") and s.db_url.endswith("workbench.db")
    assert s["WORKBENCH_OFFER_TIMEOUT"] == 30.0


def test_postgres_urls_use_psycopg3():
    s = Settings.from_env({"WORKBENCH_DB_URL": "postgresql://u:p@db/wb"})
    assert s.db_url == "postgresql+psycopg://u:p@db/wb"


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("WORKBENCH_DB_URL", "mysql://x@y/z", "expected sqlite"),
        ("WORKBENCH_DB_URL", "not a url", "expected sqlite"),
        ("WORKBENCH_X_API_URL", "ftp://x", "http:// or https://"),
        ("WORKBENCH_OFFER_TIMEOUT", "soon", "number of seconds"),
        ("WORKBENCH_OFFER_TIMEOUT", "-1", "greater than 0"),
        ("WORKBENCH_REQUIRE_DISPOSITION", "maybe", "true or false"),
        ("WORKBENCH_BRAND", "not a name!", "X username"),
    ],
)
def test_bad_values_name_the_setting_and_the_rule(name, value, fragment):
    with pytest.raises(ConfigError) as err:
        Settings.from_env({name: value})
    assert str(err.value).startswith(f"{name}: ")
    assert fragment in str(err.value)


def test_db_url_error_hides_the_password():
    with pytest.raises(ConfigError) as err:
        Settings.from_env({"WORKBENCH_DB_URL": "mysql://admin:hunter2@db/x"})
    assert "hunter2" not in str(err.value)


def test_secrets_never_shown():
    env = {"X_BEARER_TOKEN": "sekret-bearer", "X_ACCESS_TOKEN_SECRET": "sekret-2"}
    s = Settings.from_env(env)
    assert s["X_BEARER_TOKEN"] == "sekret-bearer"
    for shown in (repr(s), str(s), f"{s}"):
        assert "sekret" not in shown
    assert "***" in repr(s)


def test_every_setting_has_help_and_is_in_the_readme(tmp_path):
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    for setting in SETTINGS:
        assert setting.help.strip(), setting.name
        assert f"`{setting.name}`" in readme, f"README does not document {setting.name}"


def test_unknown_override_is_refused():
    with pytest.raises(ConfigError, match="NOPE: no such setting"):
        Settings.from_env({}, nope="1")


def test_readme_settings_table_is_current():
    from tests.conftest import ROOT
    from workbench.config import settings_table_markdown

    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- settings-table", 1)[1].split("-->", 1)[1]
    table = table.split("<!-- /settings-table -->", 1)[0].strip()
    assert table == settings_table_markdown(), "regenerate the README's settings table"
