"""More brand accounts (timelines), each with its own credentials, from WORKBENCH_TIMELINES_FILE."""

from __future__ import annotations

import json

import pytest

from workbench.config import Settings
from workbench.errors import ConfigError
from workbench.xapi import Gateway

CREDS = {
    "X_CONSUMER_KEY": "ck",
    "X_CONSUMER_SECRET": "cs",
    "X_ACCESS_TOKEN": "1-brand",
    "X_ACCESS_TOKEN_SECRET": "ats",
    "WORKBENCH_X_API_URL": "http://127.0.0.1:9",
}


def test_each_timeline_gets_its_own_credentials(tmp_path):
    path = tmp_path / "timelines.json"
    deals = {
        "consumer_key": "ck2",
        "consumer_secret": "cs2",
        "access_token": "2-deals",
        "access_token_secret": "s2",
    }
    path.write_text(json.dumps({"@AcmeDeals": deals}))
    gw = Gateway.from_settings(Settings.from_env({**CREDS, "WORKBENCH_TIMELINES_FILE": str(path)}))
    assert gw.timelines == ["AcmeSupport", "AcmeDeals"]
    assert gw._credentials["AcmeDeals"].user_id == "2"
    assert "s2" not in repr(gw._credentials["AcmeDeals"])
    gw.close()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "cannot read"),
        ("{nope", "is not valid JSON"),
        ("[]", "must hold an object"),
        ('{"AcmeDeals": {"consumer_key": "x"}}', "AcmeDeals: needs consumer_key"),
    ],
)
def test_a_bad_timelines_file_is_named(tmp_path, content, fragment):
    path = tmp_path / "timelines.json"
    if content is not None:
        path.write_text(content)
    settings = Settings.from_env({**CREDS, "WORKBENCH_TIMELINES_FILE": str(path)})
    with pytest.raises(ConfigError, match=f"WORKBENCH_TIMELINES_FILE: .*{fragment}"):
        Gateway.from_settings(settings)
