"""Knowledge reload: a changed file is picked up; a broken one keeps its last good version."""

import os
import shutil

import pytest

from bot.app import create_app
from bot.core.live import LiveDesk
from conftest import KNOWLEDGE, server_env


@pytest.fixture()
def folder(tmp_path):
    """A knowledge folder with one office, which the tests edit."""
    shutil.copy(KNOWLEDGE / "taoyuan-vac.yaml", tmp_path / "taoyuan-vac.yaml")
    return tmp_path


def _touch_write(path, text):
    """Write and move the mtime forward, so a fast test is not hidden by coarse file times."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


def test_a_broken_edit_keeps_the_last_good_knowledge(folder):
    changes = []
    live = LiveDesk(folder, every=0, on_change=lambda events, problems: changes.append((events, problems)))
    good = live.current().ask("taoyuan-vac", "榮民證要去哪裡辦？")
    assert good.outcome == "answer"
    version = live.current().answerers["taoyuan-vac"].agency.version
    path = folder / "taoyuan-vac.yaml"
    original = path.read_text(encoding="utf-8")
    _touch_write(path, original.replace("answer:", "answer: [", 1))
    assert live.current().ask("taoyuan-vac", "榮民證要去哪裡辦？").entry_id == good.entry_id
    assert live.problems and "taoyuan-vac.yaml 第" in str(live.problems[0])
    assert changes[-1][0] == [f"kept taoyuan-vac {version}"]
    # A good edit replaces the kept version (the same length: answers already at the limit stay valid).
    _touch_write(path, original.replace("榮民證", "榮民卡"))
    assert "榮民卡" in live.current().ask("taoyuan-vac", "榮民卡要去哪裡辦？").text
    assert live.problems == []


def test_added_and_removed_files(folder):
    live = LiveDesk(folder, every=0)
    shutil.copy(KNOWLEDGE / "pingtung-vac.yaml", folder / "pingtung-vac.yaml")
    assert live.current().agency_ids == ["pingtung-vac", "taoyuan-vac"]
    (folder / "taoyuan-vac.yaml").unlink()
    assert live.current().agency_ids == ["pingtung-vac"]


def test_the_server_reports_problems_in_healthz_and_keeps_answering(folder, fake_line, tmp_path):
    app = create_app(server_env(tmp_path, fake_line.url, KNOWLEDGE_DIR=str(folder), KNOWLEDGE_RELOAD_SECONDS="0"))
    client = app.test_client()
    assert client.get("/healthz").json["problems"] == []
    _touch_write(folder / "taoyuan-vac.yaml", "name: [")
    health = client.get("/healthz")
    assert health.status_code == 200 and "taoyuan-vac" in health.json["offices"]
    assert "taoyuan-vac.yaml" in health.json["problems"][0]
    app.config["POOL"].shutdown(wait=True)


def test_no_knowledge_is_503(tmp_path):
    app = create_app(server_env(tmp_path, KNOWLEDGE_DIR=str(tmp_path / "missing")))
    health = app.test_client().get("/healthz")
    assert health.status_code == 503 and "找不到知識庫資料夾" in health.json["problems"][0]
    app.config["POOL"].shutdown(wait=True)


def test_a_file_broken_before_a_restart_is_served_from_its_snapshot(folder, fake_line, tmp_path):
    from test_webhook import body_of, post, text_event

    from conftest import drain

    env = server_env(tmp_path, fake_line.url, KNOWLEDGE_DIR=str(folder))
    create_app(env).config["POOL"].shutdown(wait=True)  # a first start keeps the good file's copy
    _touch_write(folder / "taoyuan-vac.yaml", (folder / "taoyuan-vac.yaml").read_text(encoding="utf-8")
                 .replace("answer:", "answer: [", 1))
    restarted = create_app(env)  # the restart, with the file now broken
    health = restarted.test_client().get("/healthz").json
    assert health["ok"] and health["silent"] == [] and "taoyuan-vac" in health["offices"]
    (problem, *_) = health["degraded"]["taoyuan-vac"]
    assert "taoyuan-vac.yaml 第" in problem
    assert post(restarted.test_client(), body_of(text_event("榮民證要去哪裡辦", "01SNAP")),
                path="/callback/taoyuan-vac").status_code == 200
    drain(restarted)
    (reply,) = fake_line.replies()
    assert "榮民證" in reply["messages"][0]["text"]
    restarted.config["POOL"].shutdown(wait=True)


def test_a_broken_file_with_no_good_copy_is_reported_as_silent(folder, tmp_path):
    _touch_write(folder / "taoyuan-vac.yaml", "name: [")
    app = create_app(server_env(tmp_path, KNOWLEDGE_DIR=str(folder)))
    health = app.test_client().get("/healthz")
    assert health.status_code == 503 and health.json["ok"] is False and health.json["silent"] == ["taoyuan-vac"]
    app.config["POOL"].shutdown(wait=True)
