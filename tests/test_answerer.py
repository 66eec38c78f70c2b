"""The answer engine: the four outcomes, odd input, and replies within LINE-friendly length."""

import math
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from bot.core.answerer import OUTCOMES, Answerer, Desk
from bot.core.index import B, K1, FIELD_WEIGHTS, _codes, _segment_sums
from bot.core.text import grams, match_key, split_clauses
from bot.core.knowledge import parse_agency
from conftest import DATA, ROOT

DEMO = parse_agency((DATA / "demo-office.yaml").read_text(encoding="utf-8"), "demo-office.yaml")


@pytest.fixture()
def demo():
    return Answerer(DEMO)


def test_a_clear_question_is_answered_with_its_entry(demo):
    got = demo.ask("榮民證要去哪裡辦？")
    assert (got.outcome, got.entry_id) == ("answer", "veteran-card")
    assert "全功能櫃台" in got.text
    assert got.to_dict()["source"] == "001_189702aaad6cbd20.txt 貳、四"


def test_structured_facts_the_answer_does_not_say_are_appended(demo):
    got = demo.ask("處長信箱多久回")
    assert got.entry_id == "director-mailbox"
    assert "回覆期限：5 日內" in got.text


def test_typo_simplified_and_full_width_input_still_match(demo):
    assert demo.ask("荣民证去哪办").entry_id == "veteran-card"
    assert demo.ask("處長信相多久回").entry_id == "director-mailbox"
    assert demo.ask("ＦＢ 防詐騙").entry_id == "anti-fraud"


def test_out_of_scope_falls_back_with_human_channels(demo):
    got = demo.ask("明天會下雨嗎")
    assert got.outcome == "fallback" and got.entry_id is None
    assert "處長信箱" in got.text and "服務櫃台" in got.text
    assert [e.id for e in got.related] == ["front-counter", "director-mailbox"]


def test_close_candidates_get_a_did_you_mean(monkeypatch):
    # Two entries that share a keyword: neither is clearly ahead for that word.
    text = (DATA / "demo-office.yaml").read_text(encoding="utf-8")
    text = text.replace("keywords: [詐騙, 防騙, 騙子]", "keywords: [詐騙, 防騙, 騙子, 處長專區]")
    text = text.replace("keywords: [處長信箱, 電子信箱, 寫信]", "keywords: [處長信箱, 電子信箱, 寫信, 處長專區]")
    got = Answerer(parse_agency(text, "demo-office.yaml")).ask("處長專區")
    assert got.outcome == "clarify" and got.entry_id is None
    assert {e.id for e in got.choices} == {"director-mailbox", "anti-fraud"}
    assert "1. " in got.text and got.to_dict()["choices"][0]["title"]


@pytest.mark.parametrize("question, kind", [
    ("你好", "smalltalk"), ("您好！", "smalltalk"), ("謝謝你", "smalltalk"), ("哈囉～", "smalltalk"),
    ("掰掰", "smalltalk"), ("你會做什麼", "smalltalk"),
])
def test_greetings_and_thanks_get_a_friendly_reply(demo, question, kind):
    got = demo.ask(question)
    assert got.outcome == kind and got.entry_id is None
    assert got.text and "抱歉" not in got.text


def test_a_greeting_before_a_question_does_not_hide_the_question(demo):
    assert demo.ask("你好，請問榮民證要去哪裡辦").entry_id == "veteran-card"


@pytest.mark.parametrize("question", [
    "", "   \t\n", "榮" * 10_000, "😀🙏👍", "\x00\x01\x1b[2J\x7f", "榮民證 veteran card 荣民证 ﾃｽﾄ",
    "\ufffd\ufffd\x89PNG\r\n\x1a\n", "a" * 5000, "?？!！。，", "0912345678", "DROP TABLE entries;--",
    "\u202e\u200b\u200d", "𠀀𠀁𠀂",
])
def test_odd_input_never_raises(desk, question):
    for agency in desk.agency_ids:
        got = desk.ask(agency, question)
        assert got.outcome in OUTCOMES
        assert got.text and len(got.text) <= 1000


@pytest.mark.parametrize("question", ["", "   ", "😀🙏👍", "\x00\x01", "?？!！"])
def test_empty_like_input_falls_back_kindly(desk, question):
    got = desk.ask("taoyuan-vac", question)
    assert got.outcome == "fallback" and "請直接打字" in got.text


def test_every_entry_reply_is_short_enough(desk):
    for agency_id, answerer in desk.answerers.items():
        for entry in answerer.agency.entries:
            assert len(answerer.answer_entry(entry).text) <= 1000, (agency_id, entry.id)


def test_unknown_agency_is_a_key_error():
    with pytest.raises(KeyError):
        Desk({"demo-office": DEMO}).ask("nowhere", "榮民證")


def test_a_question_about_another_areas_office_falls_back(desk):
    got = desk.ask("pingtung-vac", "高雄市榮民服務處電話幾號")
    assert got.outcome == "fallback" and got.entry_id is None and "高雄" in got.text


def test_naming_another_area_beside_the_offices_own_is_still_answered(desk):
    got = desk.ask("kaohsiung-military-service", "我戶籍在台南，可以在高雄體檢嗎")
    assert got.entry_id is not None or got.outcome == "clarify"


def test_scores_are_the_same_in_every_process():
    # Python salts string hashes per process: a sum taken in a set's order would differ in its last
    # bits from one gunicorn worker to the next, and a near tie could then be answered differently.
    code = ("import yaml\nfrom pathlib import Path\nfrom bot.core.answerer import Desk\n"
            "from bot.core.knowledge import load_dir\ndesk = Desk(load_dir(Path('knowledge'))[0])\n"
            "for case in yaml.safe_load(open('tests/data/dev.yaml', encoding='utf-8')):\n"
            "    if case['agency'] == 'taoyuan-vac':\n"
            "        print([(c.entry.id, repr(c.score), repr(c.coverage)) for c in desk.answerers['taoyuan-vac'].index.search(case['q'])])")
    runs = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert runs[0].count("\n") >= 10 and runs[0] == runs[1]


@pytest.mark.parametrize("message, clauses", [
    ("萬丹鄉公所叫我來問，榮民證要帶什麼？", ["萬丹鄉公所叫我來問", "榮民證要帶什麼"]),
    ("身分證掉了 要帶什麼", ["身分證掉了", "要帶什麼"]),  # a space is a pause
    ("學校說要辦身分證 一定要自己去嗎 要錢ㄇ", ["學校說要辦身分證", "一定要自己去嗎 要錢ㄇ"]),  # too short alone
    ("我老公 在 當兵 一年 我 一個人 顧 2個 小孩", ["我老公 在 當兵 一年 我 一個人 顧 2個 小孩"]),  # spaced words
])
def test_a_message_splits_into_clauses_where_the_citizen_paused(message, clauses):
    assert split_clauses(message) == clauses


def test_a_term_code_is_its_one_or_two_characters_and_minus_one_otherwise():
    terms = ["榮", "榮民", "abc", "a", "", "😀", "a😀", "民證"]
    want = [ord("榮"), (ord("榮") << 16) + ord("民"), -1, ord("a"), -1, -1, -1, (ord("民") << 16) + ord("證")]
    assert _codes(terms).tolist() == want
    assert _codes([]).tolist() == []


def test_segment_sums_add_in_order_as_python_does():
    """A phrasing's total must be the same to the bit as Python's sum() over its terms' weights:
    numpy's pairwise reductions would round differently on long phrasings."""
    rng = np.random.default_rng(7)
    values = rng.random(500) * 10 ** rng.uniform(-8, 2, 500)
    ends = np.array([0, 0, 3, 40, 41, 300, 500])  # an empty phrasing among them
    want = [sum(values[a:b].tolist()) or 1.0 for a, b in zip(ends, ends[1:])]
    assert _segment_sums(values, ends).tolist() == want


@pytest.mark.parametrize("question", ["榮民證要去哪裡辦", "我爸想申請就養要帶什麼", "處長信箱幾天會回"])
def test_bm25_is_the_textbook_formula_over_the_weighted_fields(demo, question):
    """The index keeps each posting's count and computes its weight when asked: the scores must be
    BM25 over title ×3, keywords ×2 and questions ×1, with idf and each weight as 4-byte floats."""
    ix = demo.index
    docs = []
    for e in ix.entries:
        fields = [(e.title, FIELD_WEIGHTS["title"]), *((k, FIELD_WEIGHTS["keywords"]) for k in e.keywords),
                  *((q, FIELD_WEIGHTS["questions"]) for q in e.questions)]
        docs.append(Counter(g for text, w in fields for g in grams(match_key(text)) * w))
    n, avgdl = len(docs), sum(sum(d.values()) for d in docs) / len(docs)
    asked = grams(match_key(question))
    terms = [t for t, i in zip(asked, ix._ids(asked)) if i >= 0]
    want = [0.0] * n
    for t in terms:
        df = sum(1 for d in docs if d[t])
        idf = float(np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5))))
        for i, d in enumerate(docs):
            if d[t]:
                norm = K1 * (1 - B + B * sum(d.values()) / avgdl)
                want[i] += float(np.float32(idf * d[t] * (K1 + 1) / (d[t] + norm)))
    assert terms and ix._bm25(ix._ids(terms))[0].tolist() == want
