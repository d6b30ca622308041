"""A hand-edited or damaged settings file is one sentence that names the way out, and
`config set`/`unset` can always repair it; API bases are compared in one normal form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.settings import Profile


@pytest.mark.parametrize(
    ("content", "says", "repair"),
    [
        ("[]", "is not a JSON object of settings", ("config", "set", "rate_limit", "10")),
        ("{not json", "is not a JSON object of settings", ("config", "set", "rate_limit", "10")),
        ('{"api_base": 123}', "config unset api_base", ("config", "unset", "api_base")),
        ('{"rate_limit": "abc"}', "config unset rate_limit", ("config", "unset", "rate_limit")),
        (
            '{"publishable_key": "sk_live_51Oops0000000000"}',
            "config unset publishable_key",
            ("config", "unset", "publishable_key"),
        ),
    ],
    ids=["a list", "not JSON", "a number as api_base", "text as rate_limit", "secret key"],
)
def test_a_damaged_settings_file_says_how_to_repair_it(
    home: Path, cli: Any, content: str, says: str, repair: tuple[str, ...]
) -> None:
    settings = Profile().settings_file
    settings.parent.mkdir(parents=True)
    settings.write_text(content, encoding="utf-8")

    broken = cli("customers")

    assert broken.code == 2 and says in broken.err and broken.err.count("\n") == 1
    assert "sk_live_51Oops" not in broken.err
    assert cli(*repair).code == 0
    assert cli("customers").code == 0
    assert isinstance(json.loads(settings.read_text(encoding="utf-8")), dict)


def test_config_set_keeps_the_other_settings(home: Path, cli: Any) -> None:
    assert (
        cli("config", "set", "portal_login_link", "https://billing.stripe.com/p/login/x").code == 0
    )
    assert cli("config", "set", "rate_limit", "5").code == 0

    shown = cli("config", "show").out

    assert "portal_login_link = https://billing.stripe.com/p/login/x" in shown
    assert "rate_limit = 5.0" in shown


@pytest.mark.emulator
@pytest.mark.parametrize(
    ("typed", "stored", "emulator"),
    [
        ("https://API.Stripe.com:443/", "https://api.stripe.com", False),
        ("https://api.stripe.com/", "https://api.stripe.com", False),
        ("http://127.0.0.1:12111/", "http://127.0.0.1:12111", True),
        ("http://localhost:80", "http://localhost", True),
        ("https://stripe-proxy.internal:8443", "https://stripe-proxy.internal:8443", True),
    ],
)
def test_api_bases_are_compared_in_one_normal_form(
    home: Path, cli: Any, typed: str, stored: str, emulator: bool
) -> None:
    assert cli("config", "set", "api_base", typed).code == 0

    settings = Profile().load_settings()

    assert (settings.api_base, settings.uses_emulator) == (stored, emulator)
