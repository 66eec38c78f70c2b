"""Settings from the environment, and the DATABASE_URL scheme check (the stores: test_store_contract.py)."""

import pytest

from bot.settings import Settings, SettingsError
from bot.store import open_store


def test_missing_variables_are_listed_together():
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"LINE_API_TIMEOUT": "soon", "LINE_CHANNEL_SECRET_TAOYUAN_VAC": "x"},
                          agency_ids=["taoyuan-vac"])
    message = str(info.value)
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "USER_HASH_KEY",
                 "LINE_CHANNEL_ACCESS_TOKEN_TAOYUAN_VAC", "LINE_API_TIMEOUT"):
        assert name in message


def test_an_agency_pair_overrides_the_default_pair():
    env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "USER_HASH_KEY": "k",
           "LINE_CHANNEL_SECRET_SANMIN_DISTRICT": "s2", "LINE_CHANNEL_ACCESS_TOKEN_SANMIN_DISTRICT": "t2"}
    settings = Settings.from_env(env, agency_ids=["sanmin-district", "taoyuan-vac"])
    assert settings.channel("sanmin-district").secret == "s2"
    assert settings.channel("taoyuan-vac").secret == "s"


def test_unknown_database_scheme_is_a_clear_error():
    with pytest.raises(ValueError, match="unsupported DATABASE_URL"):
        open_store("mysql://localhost/db")
