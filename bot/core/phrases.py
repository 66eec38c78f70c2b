"""Fixed sentences a citizen reads (zh-TW, short, for elderly readers) and how reply text is put together."""

from __future__ import annotations

import re

from bot.core.knowledge import Agency, Entry

SORRY = "抱歉，這個問題我還不會回答。"
EMPTY = "請直接打字告訴我您的問題。"
NUMBER_ONLY = "您打的是一個號碼，現在沒有可以選的項目。請直接打字告訴我您的問題。"
CLARIFY = "您想問的是哪一項呢？請點選下面的項目，或打項目的號碼，例如「1」。也可以換個說法再問一次。"
CHOICE_RANGE = "請打 1 到 {n} 的號碼，或點選下面的項目。"
THANKS = "不客氣！還有問題，隨時問我。"
BYE = "謝謝您，祝您平安順心！有需要再來問我。"
TRY_LIKE = "您可以這樣問，例如："
SYSTEM_ERROR = "抱歉，系統暫時有點問題，請稍後再試一次。"

# Feedback, survey and opinions.
FEEDBACK_THANKS = "謝謝您的回饋！"
ASK_REASON = "不好意思，沒有幫上忙。請問是哪裡不好呢？"
REASONS = {"wrong": "答非所問", "incomplete": "資訊不完整", "unclear": "看不懂", "other": "其他"}
NO_THANKS = "不用了"
ASK_COMMENT = "想多說一點嗎？請直接打字告訴我，不要寫身分證字號或電話。不想寫，請按「不用了」。"
COMMENT_THANKS = "謝謝您寶貴的意見，我們會用來改進服務。"
SURVEY_ASK = "可以請您幫我們的服務打個分數嗎？5 分是很滿意，1 分是很不滿意。"
STARS = {5: "5 很滿意", 4: "4 滿意", 3: "3 普通", 2: "2 不滿意", 1: "1 很不滿意"}
SURVEY_THANKS = "謝謝您的評分！"
STARS_RANGE = "請從 1 到 5 分選一個，按下面的按鈕就可以。"
SAVE_FAILED = "抱歉，系統忙碌，您的回饋這次沒有存到，請稍後再試一次。"
STALE_BUTTON = "這個按鈕已經不能用了，請直接打字再問一次。"
CANCELLED = "好的。還有問題，請直接打字問我。"
LEAVE_OPINION = "留下意見"
OPINION_ASK = "請直接打字寫下您的意見，300 字以內，不要寫身分證字號或電話。不想留了，請按「不用了」。"
CUT_NOTE = "（太長了，只保存前 {n} 個字。）"


WELCOME_BACK = "歡迎回來！有問題請直接打字問我，或按下面的題目。"


def group_greeting(office: str, prefix: str) -> str:
    """The introduction when the bot is added to a group: in a group it answers only when addressed."""
    return (f"大家好，我是{office}的 LINE 小幫手。\n"
            f"在群組裡，請在問題前面加上「{prefix}」，或 @我，我才會回答。\n"
            f"例如：{prefix} 辦公時間是幾點到幾點？\n"
            "要問個人的事情，請私訊我，比較不會讓別人看到。")


def privacy_notice(retention_days: float) -> str:
    """What is kept, why, and for how long (the follow greeting; Personal Data Protection Act)."""
    keep = "一年" if round(retention_days) == 365 else f"{round(retention_days)} 天"
    return (f"為了改善服務，我們會保存您的提問、評分和意見{keep}，不會保存您的 LINE 名稱。"
            "身分證字號、電話和電子郵件會先遮蔽。")


def opinion_intro(agency: Agency) -> str:
    """How to give an opinion: the office's formal channels, then what the bot itself can take."""
    lines = [f"想反映意見，{agency.short_name}有這些正式管道："]
    for entry in [e for e in agency.entries if e.kind == "channel"][:4]:
        days = f"（{entry.reply_days} 日內回覆）" if entry.reply_days else ""
        lines.append(f"・{entry.title}{days}" + (f"：{entry.how}" if entry.how else ""))
    lines.append(f"需要正式回覆的事情，請用上面的管道。也可以按「{LEAVE_OPINION}」，"
                 "在這裡留一段話給我們參考，這裡留下的話不會有正式回覆。")
    return "\n".join(lines)


SEND_OPINION = "送出意見"


def opinion_confirm(text: str) -> str:
    """Before keeping what was typed after 「我要反映意見」 as an opinion: one confirmation."""
    return f"要把這段話當作您的意見送出嗎？\n「{text}」\n要送出，請按「{SEND_OPINION}」；不要，請按「不用了」。"


def opinion_saved(reference: str) -> str:
    """The receipt for an opinion left through the bot."""
    return (f"謝謝您，意見已經記下來了。編號：{reference}\n"
            "詢問時可以告訴承辦人員這個編號。需要正式回覆，請用剛才說的正式管道。")


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


# Words that send a citizen to a channel, and what in the same text gives that channel.
_SENDS = {
    "phone": (re.compile(r"打電話|來電|致電|電話詢問|電話洽詢|撥打|電洽|打給|打去"),
              re.compile(r"\d[\d\-() ]{5,}\d|(?<!\d)(1996|1999|1966|1957|119|110|113|165)(?!\d)")),
    "website": (re.compile(r"網站|官網|網頁|上網查|網路上查"), re.compile(r"https?://|www\.")),
    "facebook": (re.compile(r"粉絲專頁|臉書|(?<![a-z])fb(?![a-z])", re.I), re.compile(r"https?://|www\.")),
    # An online mailbox (處長信箱); an opinion box at the counter (意見箱、意見信箱) is no dead end.
    "mailbox": (re.compile(r"(處長|首長|主任|區長|市長|主委|局長|電子)信箱|寫信給|寫電子郵件"),
                re.compile(r"https?://|@")),
}
CHANNEL_NAMES = {"phone": "電話", "website": "網站", "mailbox": "信箱", "facebook": "臉書粉絲專頁網址"}


def unreachable(text: str) -> list[str]:
    """The channels (phone, website, mailbox) a text sends the reader to without giving them."""
    return [kind for kind, (sends, gives) in _SENDS.items() if sends.search(text) and not gives.search(text)]


def office_channel(agency: Agency, kind: str) -> str:
    """The office block's phone, website or mailbox, with its note (「高雄市政府全球資訊網」) when
    it has one ("" when unknown; the block holds no Facebook page)."""
    facts = {"phone": agency.office.phone, "website": agency.office.website, "mailbox": agency.office.mailbox}
    return facts[kind].shown() if kind in facts else ""


def answer_text(entry: Entry, agency: Agency | None = None) -> str:
    """The full reply for an answered entry: the answer, the facts it does not already say, the
    office's phone, website or mailbox when the answer sends people there without giving it, and
    the year of the data when the entry rests on a dated figure."""
    lines = [entry.answer]
    for label, value in entry_facts(entry):
        if value not in entry.answer:
            lines.append(f"{label}：{value}")
    if agency is not None:
        for kind in unreachable("\n".join(lines)):
            if office_channel(agency, kind):
                lines.append(f"{CHANNEL_NAMES[kind]}：{office_channel(agency, kind)}")
    if entry.as_of and entry.as_of not in entry.answer:
        lines.append(f"（{entry.as_of}資料）")
    return "\n".join(lines)


def human_channels(agency: Agency) -> list[str]:
    """Ways to reach a person at the office, from the knowledge (never invented)."""
    ways = []
    if agency.office.phone:
        ways.append(f"打電話到{agency.short_name}：{agency.office.phone.value}")
    for entry in [e for e in agency.entries if e.kind == "channel"]:
        way = f"{entry.title}：{entry.how}" if entry.how else entry.title
        gaps = unreachable(way)
        if any(not office_channel(agency, kind) for kind in gaps):
            continue  # 「到官網寫信」 with no URL to give is no way at all
        ways.append(way + "".join(f"（{office_channel(agency, kind)}）" for kind in gaps))
        if len(ways) >= 3:
            break
    ways.append(f"直接到{agency.short_name}的服務櫃台問承辦人員")
    return ways


def elsewhere(agency: Agency, place: str) -> str:
    """The lead of a fallback for a question about another area's office."""
    # (The short name citizens use: a plan's full name may be one the office no longer has, 高雄縣….)
    return f"這裡是{agency.short_name}的服務。{place}的事情，請洽{place}當地的機關。"


def other_office(agency: Agency, office: str) -> str:
    """The lead of a fallback for another office's hours, phone or address."""
    return f"這裡只能回答{agency.short_name}的事情。{office}的地址、電話和時間，請直接問{office}。"


def other_agency(agency: Agency, term: str, handler: str) -> str:
    """The lead of a fallback for another agency's document or service."""
    return f"「{term}」的事情是{handler}辦的，不是{agency.short_name}的業務，我沒辦法回答。"


def fallback_text(agency: Agency, examples: list[str], lead: str | None = None) -> str:
    """What the bot says when no entry fits: sorry (or `lead`), the human channels (unless the
    message was empty), and examples of what it can answer."""
    lines = [lead or SORRY]
    if lead not in (EMPTY, NUMBER_ONLY):
        lines += ["您可以："] + [f"・{way}" for way in human_channels(agency)]
    if examples:
        lines.append(TRY_LIKE + "、".join(f"「{q}」" for q in examples))
    return "\n".join(lines)


def clarify_text(choices: list[Entry]) -> str:
    """The 'did you mean' reply, with numbered choices for readers without buttons."""
    return "\n".join([CLARIFY] + [f"{i}. {e.title}" for i, e in enumerate(choices, 1)])
