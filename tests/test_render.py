"""Answer → LINE messages, and LINE's limits enforced in one place."""

from linebot.v3.messaging import PostbackAction, QuickReplyItem, TextMessage

from handlers import limits, postback
from handlers.render import render


def test_window_answers_get_a_flex_card_and_feedback(desk):
    answerer = desk.answerers["taoyuan-vac"]
    entry = answerer.agency.entry("full-function-counter")
    messages = render(answerer.answer_entry(entry))
    assert [m.type for m in messages] == ["text", "flex"]
    assert messages[0].quick_reply is None and messages[-1].quick_reply is not None
    data = [i.action.data for i in messages[-1].quick_reply.items]
    assert postback.decode(data[0]).action == "fb" and postback.decode(data[0]).entry_id == entry.id


def test_every_entry_of_every_office_renders_within_limits(desk):
    for answerer in desk.answerers.values():
        for entry in answerer.agency.entries:
            messages = render(answerer.answer_entry(entry))
            assert 1 <= len(messages) <= limits.MAX_MESSAGES
            for m in messages:
                d = m.to_dict()
                assert limits.utf16_len(d.get("text", "")) <= limits.MAX_TEXT_UTF16
                assert len(d.get("altText", "")) <= limits.MAX_ALT_TEXT
                assert len(str(d.get("contents", ""))) < 30_000


def test_limits_cut_text_labels_and_quick_replies():
    items = [QuickReplyItem(action=PostbackAction(label="很長的標籤" * 10, data="v=1")) for _ in range(20)]
    messages = [TextMessage(text="😀" * 4000, quick_reply=limits.quick_reply(items)) for _ in range(7)]
    fitted = limits.fit(messages)
    assert len(fitted) == 5
    assert limits.utf16_len(fitted[-1].text) <= 5000
    assert len(fitted[-1].quick_reply.items) == 13
    assert all(len(i.action.label) <= 20 for i in fitted[-1].quick_reply.items)
    assert all(m.quick_reply is None for m in fitted[:-1])


def test_postback_format_round_trips_and_rejects_the_unknown():
    data = postback.encode("ans", "veteran-id-card")
    assert len(data) <= 300 and postback.decode(data).entry_id == "veteran-id-card"
    for bad in ["", "hello", "v=2&a=ans&e=x", "v=1&a=drop&e=x", "a=ans", "v=1&a=ans&e=" + "x" * 400, "%%%"]:
        assert postback.decode(bad).action is None
