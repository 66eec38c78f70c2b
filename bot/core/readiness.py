"""What stands between an office and a good service, from its knowledge alone, each with what staff do."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import checks, phrases, practical
from bot.core.answerer import Answer, Answerer
from bot.core.knowledge import Agency, Entry, Problem, RegressionCase

# The kinds of item, in the order staff should work through them, with the heading they are listed under.
KINDS = {
    "office": "機關資料還沒填",
    "dead-end": "回答叫民眾聯絡，卻沒給方法",
    "review": "過了該重新確認的日期",
    "routing": "例句被別的項目搶走",
    "regression": "測試問題沒有通過",
}
# The office block's facts a citizen asks for, and how they ask (so staff see why a gap matters).
FACTS = (
    ("address", "地址", "「在哪裡」「怎麼去」"),
    ("phone", "總機電話", "「電話幾號」"),
    ("hours", "服務時間", "「幾點開」「星期六有上班嗎」"),
    ("website", "官方網站", "「網址是什麼」"),
    ("mailbox", "線上信箱（首長信箱）", "「信箱在哪裡寫」"),
)


@dataclass(frozen=True)
class Item:
    """One thing to fix: what is wrong and what to do, in plain zh-TW, and where it is."""

    kind: str  # a key of KINDS
    what: str
    todo: str
    entry_id: str = ""  # the entry it is about; "" for the office block or a tests-file line
    question: str = ""  # a question worth trying in the dashboard's try pane, when there is one
    file: str = ""
    line: int = 0


def missing_facts(agency: Agency) -> list[Item]:
    """The office block's empty facts: the bot can only say it does not know them."""
    office, fname = agency.office, f"{agency.id}.yaml"
    known = {"address": office.address, "phone": office.phone, "hours": office.has_hours,
             "website": office.website, "mailbox": office.mailbox}
    return [Item("office", f"還沒有{name}。民眾問{asks}時，小幫手只能說還沒有這項資料。",
                 f"請從機關官網查到{name}，填在 {fname} 的 office 段落（{key}），並寫上網頁網址和查證日期。",
                 file=fname, line=agency.entry_lines.get("office", 0))
            for key, name, asks in FACTS if not known[key]]


def dead_ends(agency: Agency) -> list[Item]:
    """Answers that send people to a phone, website or mailbox that neither they nor the office block give."""
    out = []
    for entry, kind in checks.dead_ends(agency, _own(agency)):
        name = phrases.CHANNEL_NAMES[kind]
        out.append(_about(agency, entry, "dead-end", f"「{entry.title}」叫民眾找{name}，但回答和機關資料都沒有{name}。",
                          f"請在 office 段落補上{name}（寫出處），或在回答裡直接寫出來。"))
    return out


def past_review(agency: Agency, today: str) -> list[Item]:
    """Entries whose review_by date (YYYY-MM-DD) is before today."""
    return [_about(agency, e, "review", f"「{e.title}」應該在 {e.review_by} 前重新確認，已經過期了。",
                   "請確認內容還正確（電話、金額、要帶的文件），再把 review_by 改成下一次要確認的日期。")
            for e in checks.entries_due(agency, today)]


def routed_elsewhere(answerer: Answerer) -> list[Item]:
    """Every example question of every entry run through the engine: those not answered by their own
    entry (another entry answers, the citizen is asked to choose, or no answer) confuse citizens too."""
    agency = answerer.agency
    return [_about(agency, entry, "routing", f"「{entry.title}」的例句「{question}」{_result(got)}。",
                   _fix_routing(entry, got), question)
            for entry, _, question, got in checks.misrouted(answerer, _own(agency))]


def failed_regressions(answerer: Answerer, cases: list[RegressionCase] | tuple = (),
                       problems: list[Problem] | tuple = ()) -> list[Item]:
    """Staff's regression questions (knowledge/tests/<office>.yaml) whose reply is not the expected
    one, and the lines of that file that could not be read."""
    agency, fname = answerer.agency, f"tests/{answerer.agency.id}.yaml"
    out = [Item("regression", f"測試問題檔有一行寫錯了：{p.message}",
                "請照 {q: 問題, expect: 項目代碼} 的格式改正。", file=p.file, line=p.line) for p in problems]
    for case, got in checks.regression_misses(answerer, cases):
        expected = agency.entry(case.expect) if case.expect else None
        wanted = f"應該由「{expected.title}」回答" if expected else "應該不回答（不是本機關的業務）"
        out.append(Item("regression", f"測試問題「{case.question}」{wanted}，現在{_result(got)}。",
                        f"請調整相關項目的例句或關鍵字；如果業務改了，請改 {fname} 裡的預期答案。",
                        entry_id=case.expect or "", question=case.question, file=case.file, line=case.line))
    return out


def readiness(answerer: Answerer, today: str, cases: list[RegressionCase] | tuple = (),
              problems: list[Problem] | tuple = ()) -> list[Item]:
    """Everything the knowledge says is missing or wrong, in the order of KINDS. Runs every example
    question through the engine: callers that show it often keep the result per knowledge version."""
    agency = answerer.agency
    return (missing_facts(agency) + dead_ends(agency) + past_review(agency, today) + routed_elsewhere(answerer)
            + failed_regressions(answerer, cases, problems))


def _own(agency: Agency) -> list[Entry]:
    """The entries staff wrote (the office block's built-in where/phone/hours entries are not theirs to edit)."""
    return [e for e in agency.entries if e.id not in practical.IDS]


def _about(agency: Agency, entry: Entry, kind: str, what: str, todo: str, question: str = "") -> Item:
    """An item about one entry, located at its line of the knowledge file."""
    return Item(kind, what, todo, entry.id, question, f"{agency.id}.yaml", agency.entry_lines.get(entry.id, 0))


def _result(got: Answer) -> str:
    """What the engine did with a question, as a clause: 「被「X」回答了」."""
    if got.outcome == "answer" and got.entry:
        return f"被「{got.entry.title}」回答了"
    if got.outcome == "clarify":
        return "只會請民眾在" + "、".join(f"「{e.title}」" for e in got.choices) + "之間選擇"
    if got.outcome == "smalltalk":
        return "被當成打招呼或道謝"
    return "小幫手答不出來"


def _fix_routing(entry: Entry, got: Answer) -> str:
    """What to do about an example question the engine sends elsewhere."""
    if got.outcome == "answer" and got.entry:
        return (f"請把例句改得更明確，或在「{entry.title}」加上民眾常用的關鍵字；"
                f"如果兩個項目其實在講同一件事，可以考慮合併。")
    if got.outcome == "clarify":
        return f"請在「{entry.title}」加上只有它才有的關鍵字，讓小幫手分得出來。"
    return "請把例句改成民眾真的會問的說法，或加上關鍵字。"
