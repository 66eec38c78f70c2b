"""The webhook through the real Flask app, a real SQLite file and a fake LINE API."""

import copy
import json

import pytest

from bot.webhook import signature_ok
from conftest import FIXTURES, drain, sign

SAMPLE = (FIXTURES / "sdk-webhook-sample.json").read_bytes()


def post(client, body: bytes, path="/callback", signature=None, header="X-Line-Signature"):
    headers = {header: signature if signature is not None else sign(body), "Content-Type": "application/json"}
    return client.post(path, data=body, headers=headers)


def text_event(text: str, event_id: str, source=None) -> dict:
    event = copy.deepcopy(json.loads(SAMPLE)["events"][0])
    event["message"]["text"] = text
    event["webhookEventId"] = event_id
    if source:
        event["source"] = source
    return event


def body_of(*events) -> bytes:
    return json.dumps({"destination": "U123", "events": list(events)}, ensure_ascii=False).encode()


def test_signature_matches_lines_documented_vector():
    body = b'{"destination":"U8e742f61d673b39c7fff3cecb7536ef0","events":[]}'
    assert signature_ok("8c570fa6dd201bb328f1c1eac23a96d8", body, "GhRKmvmHys4Pi8DxkF4+EayaH0OqtJtaZxgTD9fMDLs=")
    assert not signature_ok("8c570fa6dd201bb328f1c1eac23a96d8", body + b" ", "GhRKmvmHys4Pi8DxkF4+EayaH0OqtJtaZxgTD9fMDLs=")


def test_sdk_sample_as_is_answers_the_first_event_only(app, fake_line):
    response = post(app.test_client(), SAMPLE)
    assert response.status_code == 200
    drain(app)
    replies = fake_line.replies()
    assert len(replies) == 1  # all 28 events share one webhookEventId
    assert replies[0]["replyToken"] == json.loads(SAMPLE)["events"][0]["replyToken"]


def test_each_sample_event_alone_is_handled(app, fake_line):
    client = app.test_client()
    events = json.loads(SAMPLE)["events"]
    for i, event in enumerate(events):
        event = dict(event, webhookEventId=f"01TEST{i:04d}")
        assert post(client, body_of(event)).status_code == 200, event["type"]
    drain(app)
    replied = {r["replyToken"] for r in fake_line.replies()}
    one_to_one_texts = [e for e in events if e["type"] == "message" and e["message"]["type"] == "text"
                        and e["source"]["type"] == "user"]
    assert one_to_one_texts and all(e["replyToken"] in replied for e in one_to_one_texts)
    # Group and room texts without a mention or the prefix are not answered.
    n_texts = sum(1 for r in fake_line.replies() if r["messages"][0]["type"] == "text")
    assert n_texts == len(fake_line.replies())


def test_a_redelivered_event_is_not_answered_twice(app, fake_line):
    client = app.test_client()
    event = text_event("榮民證要去哪裡辦", "01REDELIVER")
    post(client, body_of(event))
    event["deliveryContext"] = {"isRedelivery": True}
    assert post(client, body_of(event)).status_code == 200
    drain(app)
    assert len(fake_line.replies()) == 1


def test_standby_events_are_acknowledged_not_answered(app, fake_line):
    event = dict(text_event("榮民證", "01STANDBY"), mode="standby")
    assert post(app.test_client(), body_of(event)).status_code == 200
    drain(app)
    assert fake_line.replies() == []


def test_every_docs_example_gets_200(app):
    client = app.test_client()
    for body in json.loads((FIXTURES / "docs-webhook-examples.json").read_text(encoding="utf-8")):
        raw = json.dumps(body).encode()
        assert post(client, raw).status_code == 200, body["events"][0]["type"] if body["events"] else "empty"
    drain(app)


def test_a_text_question_is_answered_with_quick_replies(app, fake_line, caplog):
    post(app.test_client(), body_of(text_event("處長信箱幾天會回", "01Q1")), path="/callback/taoyuan-vac")
    drain(app)
    assert not any("reply failed" in r.getMessage() for r in caplog.records)
    (reply,) = fake_line.replies()
    last = reply["messages"][-1]
    assert "處長信箱" in reply["messages"][0]["text"]
    labels = [item["action"]["label"] for item in last["quickReply"]["items"]]
    assert labels[:2] == ["👍 有幫助", "👎 沒幫助"]
    assert all(len(label) <= 20 for label in labels)


@pytest.mark.parametrize("body, status", [
    (b'{"destination":"U1","events":[', 400),            # truncated JSON
    (b'{"destination":"U1","events":{}}', 400),           # wrong type
    (b'[1,2,3]', 400),                                   # not a webhook
    (b'{"destination":"U1","events":[{"x":1}]}', 400),    # event without a type
    (b'\xff\xfe{"events":[]}', 400),                      # not UTF-8
    (b'{"destination":"U1","events":[]}', 200),           # the console's Verify
])
def test_malformed_bodies_get_400_never_500(app, body, status):
    assert post(app.test_client(), body).status_code == status


def test_bad_or_missing_signature_is_400(app):
    client = app.test_client()
    body = b'{"destination":"U1","events":[]}'
    assert post(client, body, signature="bad").status_code == 400
    assert client.post("/callback", data=body).status_code == 400
    assert post(client, body, signature=sign(body, "another-secret")).status_code == 400


def test_header_case_does_not_matter(app):
    body = b'{"destination":"U1","events":[]}'
    assert post(app.test_client(), body, header="x-LINE-signature").status_code == 200


def test_huge_body_is_413_and_unknown_agency_404(app):
    client = app.test_client()
    huge = b'{"events":[],"pad":"' + b"x" * (1024 * 1024) + b'"}'
    assert post(client, huge).status_code == 413
    assert post(client, b'{"events":[]}', path="/callback/nowhere").status_code == 404


def test_a_thousand_events_in_one_body(app, fake_line):
    events = [text_event("你好", f"01MANY{i:05d}") for i in range(1000)]
    assert post(app.test_client(), body_of(*events)).status_code == 200
    drain(app)
    assert len(fake_line.replies()) == 1000


@pytest.mark.parametrize("status", [400, 401, 429, 500])
def test_line_api_errors_never_crash(app, fake_line, status, caplog):
    fake_line.status = status
    assert post(app.test_client(), body_of(text_event("榮民證", f"01ERR{status}"))).status_code == 200
    drain(app)
    assert any(f"status={status}" in r.message and f"01ERR{status}" in r.message for r in caplog.records)


def test_a_slow_line_api_times_out_and_is_logged(app, fake_line, caplog):
    fake_line.delay = 3
    assert post(app.test_client(), body_of(text_event("榮民證", "01SLOW"))).status_code == 200
    drain(app)
    assert any("01SLOW" in r.message and "reply failed" in r.message for r in caplog.records)


def test_logs_never_hold_message_text_or_user_ids(app, caplog):
    caplog.set_level("INFO")
    event = text_event("我的電話是0912345678", "01PRIV")
    post(app.test_client(), body_of(event))
    drain(app)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "01PRIV" in logged
    assert "0912345678" not in logged and event["source"]["userId"] not in logged


def test_healthz_lists_offices(app):
    got = app.test_client().get("/healthz")
    assert got.status_code == 200 and "taoyuan-vac" in got.json["offices"]


def test_group_messages_are_answered_only_when_addressed(app, fake_line):
    group = {"type": "group", "groupId": "Ca56f94637c", "userId": "U4af4980629"}
    client = app.test_client()
    post(client, body_of(text_event("榮民證要去哪裡辦", "01G1", source=group)))
    post(client, body_of(text_event("小幫手 榮民證要去哪裡辦", "01G2", source=group)))
    drain(app)
    (reply,) = fake_line.replies()
    assert "榮民證" in reply["messages"][0]["text"]


def test_a_shared_location_lists_the_offices_places(app, fake_line):
    location = [e for e in json.loads(SAMPLE)["events"] if e["type"] == "message"
                and e["message"]["type"] == "location"][0]
    post(app.test_client(), body_of(dict(location, webhookEventId="01LOC")), path="/callback/taoyuan-vac")
    drain(app)
    (reply,) = fake_line.replies()
    assert "八德退舍" in reply["messages"][0]["text"]


def test_a_full_backlog_leaves_the_event_in_the_inbox_for_the_poller(app, fake_line):
    import threading

    from bot.webhook import poll_inbox

    app.config["BACKLOG"] = threading.BoundedSemaphore(1)
    app.config["BACKLOG"].acquire()  # the pool is as busy as it may get
    assert post(app.test_client(), body_of(text_event("榮民證要去哪裡辦", "01BACKLOG"))).status_code == 200
    drain(app)
    assert fake_line.replies() == []  # acknowledged and kept, not yet handled
    app.config["BACKLOG"].release()  # the pool has room again
    assert poll_inbox(app) == 1
    drain(app)
    (reply,) = fake_line.replies()
    assert "榮民證" in reply["messages"][0]["text"]
    assert poll_inbox(app) == 0  # done: never handled twice

def test_the_docs_text_example_the_sdk_rejects_is_answered_and_logged(app, fake_line, caplog):
    bodies = json.loads((FIXTURES / "docs-webhook-examples.json").read_text(encoding="utf-8"))
    event = next(e for b in bodies for e in b["events"] if e["type"] == "message" and e["message"]["type"] == "text")
    assert "quoteToken" not in event["message"]  # LINE's own example: the SDK's models refuse it
    event = {**event, "message": {**event["message"], "text": "處長信箱幾天會回"}}
    assert post(app.test_client(), body_of(event)).status_code == 200
    drain(app)
    (reply,) = fake_line.replies()
    assert "處長信箱" in reply["messages"][0]["text"]
    assert "text event read despite the SDK" in caplog.text and "filled=quoteToken" in caplog.text


def test_a_group_that_adds_the_bot_is_told_how_to_ask(app, fake_line):
    join = {"type": "join", "mode": "active", "timestamp": 1767225600000, "webhookEventId": "01JOIN",
            "replyToken": "join-token", "deliveryContext": {"isRedelivery": False},
            "source": {"type": "group", "groupId": "C0ffee0000000000000000000000join"}}
    post(app.test_client(), body_of(join))
    drain(app)
    (reply,) = fake_line.replies()
    text = reply["messages"][0]["text"]
    assert "小幫手" in text and "@我" in text and "私訊" in text


def test_an_unblocking_user_gets_a_short_welcome_back(app, fake_line):
    def follow(event_id: str, unblocked: bool) -> dict:
        return {"type": "follow", "mode": "active", "timestamp": 1767225600000, "webhookEventId": event_id,
                "replyToken": f"token-{event_id}", "deliveryContext": {"isRedelivery": False},
                "source": {"type": "user", "userId": "U0d1a10900000000000000000000back"},
                "follow": {"isUnblocked": unblocked}}

    post(app.test_client(), body_of(follow("01NEW", False)))
    post(app.test_client(), body_of(follow("01BACK", True)))
    drain(app)
    first, back = sorted(fake_line.replies(), key=lambda r: r["replyToken"] != "token-01NEW")
    assert any("保存" in m.get("text", "") for m in first["messages"])  # the privacy notice, first time only
    (message,) = back["messages"]
    assert message["text"].startswith("歡迎回來") and "保存" not in message["text"]
    assert message["quickReply"]["items"]  # the main topics to tap
