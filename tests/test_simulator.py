"""The local simulator: through the signed webhook, replies kept locally; and in headless Chromium."""

import json
import sys
from pathlib import Path

import pytest

from bot.app import create_app
from conftest import ROOT, drain, server_env
from servers import chromium, free_port, running, wait_for

SCREENSHOT = ROOT / "var" / "screenshots" / "simulator.png"


@pytest.fixture()
def sim_app(tmp_path, fake_line):
    """The app with the simulator switched on, and a fake LINE API that must receive nothing."""
    app = create_app(server_env(tmp_path, fake_line.url, SIMULATOR="1"))
    yield app
    app.config["POOL"].shutdown(wait=True)


def exchange(app, **payload) -> list[dict]:
    """Send one simulator event and return the messages the bot replied with."""
    client = app.test_client()
    sent = client.post("/simulator/api/send", json={"agency": "taoyuan-vac", "session": "t", **payload})
    assert sent.status_code == 200 and sent.json["webhook_status"] == 200
    drain(app)
    reply = client.get(f"/simulator/api/replies/{sent.json['token']}").json
    assert reply["pending"] is False
    assert client.get(f"/simulator/api/replies/{sent.json['token']}").json["pending"] is True  # taken once
    return reply["messages"]


def test_the_simulator_is_off_unless_enabled(app, fake_line):
    client = app.test_client()
    assert client.get("/simulator").status_code == 404
    assert client.post("/simulator/api/send", json={"agency": "taoyuan-vac", "kind": "text"}).status_code == 404
    assert client.get("/").status_code == 404


def test_a_question_goes_through_the_webhook_and_the_reply_stays_local(sim_app, fake_line, caplog):
    caplog.set_level("INFO", logger="bot")
    page = sim_app.test_client().get("/simulator")
    assert page.status_code == 200 and "桃園市榮民服務處" in page.text
    messages = exchange(sim_app, kind="text", text="榮民證要去哪裡辦？")
    assert "榮民證" in messages[0]["text"]
    assert any(m["type"] == "flex" for m in messages)
    items = messages[-1]["quickReply"]["items"]
    assert [i["action"]["label"] for i in items[:2]] == ["👍 有幫助", "👎 沒幫助"]
    assert fake_line.requests == []  # nothing went to LINE
    assert '"outcome": "answer"' in caplog.text  # the event took the webhook's logged path


def test_tapping_a_quick_reply_answers_that_topic(sim_app):
    first = exchange(sim_app, kind="text", text="榮民證要去哪裡辦？")
    topic = first[-1]["quickReply"]["items"][2]["action"]
    second = exchange(sim_app, kind="postback", data=topic["data"])
    assert second[0]["text"] != first[0]["text"]
    thanks = exchange(sim_app, kind="postback", data=first[-1]["quickReply"]["items"][0]["action"]["data"])
    assert thanks[0]["text"].startswith("謝謝")


def test_the_follow_button_gives_the_greeting_with_the_privacy_notice(sim_app):
    messages = exchange(sim_app, kind="follow")
    assert "保存" in messages[0]["text"] and messages[-1]["quickReply"]["items"]


@pytest.mark.parametrize("payload", [None, [], {"agency": "nowhere", "kind": "text"},
                                     {"agency": "taoyuan-vac", "kind": "sticker"}])
def test_bad_simulator_requests_get_400(sim_app, payload):
    client = sim_app.test_client()
    response = client.post("/simulator/api/send", data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    assert client.get("/simulator/api/replies/not-a-sim-token").status_code == 404


def test_make_run_server_in_headless_chromium(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    port = free_port()
    env = {"LINE_CHANNEL_SECRET": "", "LINE_CHANNEL_ACCESS_TOKEN": "", "USER_HASH_KEY": "", "SIMULATOR": "",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "WEB_CONCURRENCY": "2"}
    argv = [sys.executable, "-m", "bot", "serve", "--port", str(port)]  # what `make run` runs
    with running(argv, env, port, tmp_path / "serve.log") as (base, log):
        driver = chromium()
        try:
            driver.get(base + "/")
            Select(driver.find_element(By.ID, "office")).select_by_value("taoyuan-vac")
            driver.find_element(By.ID, "text").send_keys("榮民證要去哪裡辦？")
            driver.find_element(By.CSS_SELECTOR, "#ask button").click()
            bot_bubbles = lambda: driver.find_elements(By.CSS_SELECTOR, ".row.bot .bubble")  # noqa: E731
            assert wait_for(lambda: bot_bubbles() and "榮民證" in bot_bubbles()[0].text, 15)
            assert driver.find_elements(By.CSS_SELECTOR, ".flex .text.bold")
            chips = driver.find_elements(By.CSS_SELECTOR, "#quick button")
            assert [c.text for c in chips[:2]] == ["👍 有幫助", "👎 沒幫助"]
            topic = chips[2].text
            chips[2].click()
            assert wait_for(lambda: len(bot_bubbles()) >= 2, 15)
            users = [b.text for b in driver.find_elements(By.CSS_SELECTOR, ".row.user .bubble")]
            assert users == ["榮民證要去哪裡辦？", topic]
            driver.find_element(By.CSS_SELECTOR, "#quick button").click()  # 👍 under the new answer
            assert wait_for(lambda: "打個分數" in bot_bubbles()[-1].text, 15)  # thanks, then the survey
            assert "謝謝您的回饋" in bot_bubbles()[-2].text
            chips = driver.find_elements(By.CSS_SELECTOR, "#quick button")
            assert chips[0].text == "5 很滿意"
            chips[0].click()
            assert wait_for(lambda: bot_bubbles()[-1].text.startswith("謝謝您的評分"), 15)
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            assert driver.save_screenshot(str(SCREENSHOT))
            severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert severe == []
        finally:
            driver.quit()
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = Path(tmp_path / "serve.log").read_text(encoding="utf-8")
    assert "本機試用模式" in text and "Traceback" not in text and "榮民證要去哪裡辦" not in text
    assert f"{base}/admin　密碼：" in text  # make run shows a newcomer the dashboard and its local password
