"""Settings from the environment, and the store's event dedupe shared across workers."""

import threading

import pytest

from bot.settings import Settings, SettingsError
from bot.store import open_store


def test_missing_variables_are_listed_together():
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"LINE_API_TIMEOUT": "soon", "LINE_CHANNEL_SECRET_TAOYUAN_VAC": "x"},
                          agency_ids=["taoyuan-vac"])
    message = str(info.value)
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN",
                 "LINE_CHANNEL_ACCESS_TOKEN_TAOYUAN_VAC", "LINE_API_TIMEOUT"):
        assert name in message


def test_an_agency_pair_overrides_the_default_pair():
    env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t",
           "LINE_CHANNEL_SECRET_SANMIN_DISTRICT": "s2", "LINE_CHANNEL_ACCESS_TOKEN_SANMIN_DISTRICT": "t2"}
    settings = Settings.from_env(env, agency_ids=["sanmin-district", "taoyuan-vac"])
    assert settings.channel("sanmin-district").secret == "s2"
    assert settings.channel("taoyuan-vac").secret == "s"


def test_event_ids_are_claimed_once_across_connections(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    stores = [open_store(url) for _ in range(4)]  # as four gunicorn workers would
    wins = []

    def claim(store):
        wins.extend(store.claim_event(f"evt-{i}") for i in range(200))

    threads = [threading.Thread(target=claim, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(wins) == 200 and len(wins) == 800


def test_migrations_run_once(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'bot.db'}")
    assert store.upgrade() == []


def test_unknown_database_scheme_is_a_clear_error():
    with pytest.raises(ValueError, match="unsupported DATABASE_URL"):
        open_store("mysql://localhost/db")
