"""Fixed sentences a citizen reads (zh-TW, short, for elderly readers) and how reply text is put together."""

from __future__ import annotations

from bot.core.knowledge import Agency, Entry

SORRY = "抱歉，這個問題我還不會回答。"
EMPTY = "請直接打字告訴我您的問題。"
CLARIFY = "您想問的是哪一項呢？請點選下面的項目，或換個說法再問一次。"
THANKS = "不客氣！還有問題，隨時問我。"
BYE = "謝謝您，祝您平安順心！有需要再來問我。"
TRY_LIKE = "您可以這樣問，例如："
SYSTEM_ERROR = "抱歉，系統暫時有點問題，請稍後再試一次。"


def greeting(agency: Agency) -> str:
    """What the bot says to a hello: who it is and what it can do."""
    return (
        f"您好！我是{agency.short_name}的線上服務小幫手。\n"
        "請直接打字問我，例如：「要去哪個櫃台辦？」「怎麼反映意見？」\n"
        "也可以點選下面的常見問題。"
    )


def entry_facts(entry: Entry) -> list[tuple[str, str]]:
    """Labelled facts of an entry (place, time, phone, what to bring …), for text and cards."""
    facts = [
        ("地點", entry.where),
        ("時間", entry.hours),
        ("電話", entry.phone),
        ("辦理窗口", entry.window),
        ("可以辦理", "、".join(entry.services)),
        ("請攜帶", "、".join(entry.bring)),
        ("怎麼反映", entry.how),
        ("回覆期限", f"{entry.reply_days} 日內" if entry.reply_days else ""),
    ]
    return [(label, value) for label, value in facts if value]


def answer_text(entry: Entry) -> str:
    """The full reply for an answered entry: the answer, then the facts it does not already say."""
    lines = [entry.answer]
    for label, value in entry_facts(entry):
        if value not in entry.answer:
            lines.append(f"{label}：{value}")
    return "\n".join(lines)


def human_channels(agency: Agency) -> list[str]:
    """Ways to reach a person at the office, from the knowledge (never invented)."""
    ways = []
    if agency.contact.phone:
        ways.append(f"打電話到{agency.short_name}：{agency.contact.phone}")
    for entry in [e for e in agency.entries if e.kind == "channel"][:2]:
        ways.append(f"{entry.title}：{entry.how}" if entry.how else entry.title)
    ways.append(f"直接到{agency.short_name}的服務櫃台問承辦人員")
    return ways


def elsewhere(agency: Agency, place: str) -> str:
    """The lead of a fallback for a question about another area's office."""
    return f"這裡是{agency.name}的服務。{place}的事情，請洽{place}當地的機關。"


def fallback_text(agency: Agency, examples: list[str], lead: str | None = None) -> str:
    """What the bot says when no entry fits: sorry (or `lead`), the human channels (unless the
    message was empty), and examples of what it can answer."""
    lines = [lead or SORRY]
    if lead != EMPTY:
        lines += ["您可以："] + [f"・{way}" for way in human_channels(agency)]
    if examples:
        lines.append(TRY_LIKE + "、".join(f"「{q}」" for q in examples))
    return "\n".join(lines)


def clarify_text(choices: list[Entry]) -> str:
    """The 'did you mean' reply, with numbered choices for readers without buttons."""
    return "\n".join([CLARIFY] + [f"{i}. {e.title}" for i, e in enumerate(choices, 1)])
