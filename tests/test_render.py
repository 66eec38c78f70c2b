"""Answer → LINE messages, and LINE's limits enforced in one place."""

import fake_line
from handlers import limits, messages, postback
from handlers.render import render


def conforms(reply: list[dict]) -> bool:
    """The reply is what the SDK's own models accept and serialise back unchanged (as the fake LINE
    API checks every reply it receives)."""
    return fake_line.conforms({"replyToken": "t", "messages": reply})


def test_window_answers_get_a_flex_card_and_feedback(desk):
    answerer = desk.answerers["taoyuan-vac"]
    entry = answerer.agency.entry("full-function-counter")
    reply = render(answerer.answer_entry(entry), question_id=42)
    assert [m["type"] for m in reply] == ["text", "flex"]
    assert "quickReply" not in reply[0] and reply[-1]["quickReply"]["items"]
    data = postback.decode(reply[-1]["quickReply"]["items"][0]["action"]["data"])
    assert (data.action, data.entry_id, data.rating, data.question_id) == ("fb", entry.id, "up", 42)
    assert conforms(reply)


def test_the_card_follows_the_readers_font_size(desk):
    answerer = desk.answerers["taoyuan-vac"]
    bubble = render(answerer.answer_entry(answerer.agency.entry("full-function-counter")))[1]["contents"]

    def components(box):
        for item in box.get("contents", []):
            yield item
            yield from components(item)

    texts = [c for part in ("body", "footer") if part in bubble for c in components(bubble[part])
             if c["type"] in ("text", "button")]
    assert texts and all(c.get("scaling") is True for c in texts)


def test_every_entry_of_every_office_renders_within_limits_in_the_sdk_shape(desk):
    for answerer in desk.answerers.values():
        for entry in answerer.agency.entries:
            reply = limits.fit(render(answerer.answer_entry(entry)))
            assert 1 <= len(reply) <= limits.MAX_MESSAGES
            for m in reply:
                assert limits.utf16_len(m.get("text", "")) <= limits.MAX_TEXT_UTF16
                assert len(m.get("altText", "")) <= limits.MAX_ALT_TEXT
            assert conforms(reply), entry.id
        for question in ("你好", "補助", "天氣如何"):  # smalltalk, clarify, fallback
            assert conforms(limits.fit(render(answerer.ask(question))))


def test_limits_cut_text_labels_and_quick_replies():
    items = [messages.postback_item("很長的標籤" * 10, "v=1") for _ in range(20)]
    fitted = limits.fit([messages.text("😀" * 4000, items) for _ in range(7)])
    assert len(fitted) == 5
    assert limits.utf16_len(fitted[-1]["text"]) <= 5000
    assert len(fitted[-1]["quickReply"]["items"]) == 13
    assert all(len(i["action"]["label"]) <= 20 for i in fitted[-1]["quickReply"]["items"])
    assert all("quickReply" not in m for m in fitted[:-1])
    assert conforms(fitted)


def test_postback_format_round_trips_and_rejects_the_unknown():
    data = postback.encode("ans", "veteran-id-card")
    assert len(data) <= 300 and postback.decode(data).entry_id == "veteran-id-card"
    for bad in ["", "hello", "v=2&a=ans&e=x", "v=1&a=drop&e=x", "a=ans", "v=1&a=ans&e=" + "x" * 400, "%%%",
                "v=1&a=fb&e=x&r=meh", "v=1&a=why&k=abc&r=wrong", "v=1&a=sv&s=x"]:
        assert postback.decode(bad).action is None, bad


def test_the_fake_line_api_refuses_what_line_would():
    ok = messages.text("你好")
    assert conforms([ok])
    assert not conforms([ok] * 6)  # more than 5 messages
    assert not conforms([{"type": "text"}])  # a text message without its text
    assert not conforms([{"type": "flex", "altText": "x", "contents": {"type": "nonsense"}}])
