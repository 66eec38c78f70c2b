"""Settings from the environment, and the DATABASE_URL scheme check (the stores: test_store_contract.py)."""

import pytest

from bot.settings import Settings, SettingsError
from bot.store import open_store
from conftest import ROOT, run_cli


def test_missing_variables_are_listed_together():
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"LINE_API_TIMEOUT": "soon", "LINE_CHANNEL_SECRET_TAOYUAN_VAC": "x"},
                          agency_ids=["taoyuan-vac"])
    message = str(info.value)
    for name in ("USER_HASH_KEY", "LINE_CHANNEL_ACCESS_TOKEN_TAOYUAN_VAC or LINE_CHANNEL_ID_TAOYUAN_VAC",
                 "LINE_API_TIMEOUT"):
        assert name in message


def test_an_office_with_no_channel_at_all_is_named():
    with pytest.raises(SettingsError, match="LINE_CHANNEL_SECRET_TAOYUAN_VAC"):
        Settings.from_env({"USER_HASH_KEY": "k"}, agency_ids=["taoyuan-vac"])


def test_an_agency_pair_overrides_the_default_pair():
    env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "USER_HASH_KEY": "k",
           "LINE_CHANNEL_SECRET_SANMIN_DISTRICT": "s2", "LINE_CHANNEL_ACCESS_TOKEN_SANMIN_DISTRICT": "t2"}
    settings = Settings.from_env(env, agency_ids=["sanmin-district", "taoyuan-vac"])
    assert settings.channel("sanmin-district").secret == "s2"
    assert settings.channel("taoyuan-vac").secret == "s"


def test_two_offices_on_one_channel_are_refused_with_their_names():
    env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "USER_HASH_KEY": "k"}
    offices = ["pingtung-vac", "sanmin-district", "taoyuan-vac"]
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env, agency_ids=offices)
    assert "pingtung-vac、sanmin-district、taoyuan-vac" in str(info.value) and "AGENCIES" in str(info.value)
    # The same secret given twice is one channel too.
    twice = {**env, "LINE_CHANNEL_SECRET_PINGTUNG_VAC": "s", "LINE_CHANNEL_ACCESS_TOKEN_PINGTUNG_VAC": "t2",
             "AGENCIES": "pingtung-vac,taoyuan-vac"}
    with pytest.raises(SettingsError, match="pingtung-vac、taoyuan-vac"):
        Settings.from_env(twice, agency_ids=offices)


def test_one_office_on_the_default_pair_stays_simple():
    env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ID": "1234567890", "USER_HASH_KEY": "k",
           "AGENCIES": "taoyuan-vac"}
    settings = Settings.from_env(env, agency_ids=["pingtung-vac", "taoyuan-vac"])
    assert settings.agencies == ("taoyuan-vac",)
    assert settings.channel("taoyuan-vac").channel_id == "1234567890" and settings.channel("taoyuan-vac").token == ""


def test_agencies_must_name_offices_with_knowledge():
    env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "USER_HASH_KEY": "k", "AGENCIES": "taipei-vac"}
    with pytest.raises(SettingsError, match="taipei-vac"):
        Settings.from_env(env, agency_ids=["taoyuan-vac"])


def test_a_channel_id_must_be_the_channels_number():
    env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ID": "my-channel", "USER_HASH_KEY": "k"}
    with pytest.raises(SettingsError, match="LINE_CHANNEL_ID"):
        Settings.from_env(env, agency_ids=["taoyuan-vac"])


def test_dotenv_is_read_at_start_and_the_real_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"KNOWLEDGE_DIR={tmp_path / 'nowhere'}\n", encoding="utf-8")
    from_file = run_cli("kb", "check", env={"ENV_FILE": str(env_file)})
    assert from_file.returncode != 0 and "nowhere" in from_file.stdout + from_file.stderr
    # One office is enough to see which folder was read (test_cli checks the whole shipped knowledge).
    real_wins = run_cli("kb", "check", "--no-gaps", "--agency", "taoyuan-vac",
                        env={"ENV_FILE": str(env_file), "KNOWLEDGE_DIR": str(ROOT / "knowledge")})
    assert real_wins.returncode == 0, real_wins.stdout + real_wins.stderr


def test_dotenv_is_git_ignored():
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_unknown_database_scheme_is_a_clear_error():
    with pytest.raises(ValueError, match="unsupported DATABASE_URL"):
        open_store("mysql://localhost/db")


def test_serve_refuses_two_offices_on_one_channel_in_one_message():
    got = run_cli("serve", "--port", "1", env={"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t",
                                               "USER_HASH_KEY": "k", "AGENCIES": "pingtung-vac,taoyuan-vac"})
    assert got.returncode != 0 and "Traceback" not in got.stderr
    assert "pingtung-vac、taoyuan-vac" in got.stderr and "共用同一個 LINE 頻道" in got.stderr
