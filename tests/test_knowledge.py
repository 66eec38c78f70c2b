"""Loading and validation of knowledge files: every problem named by file, line and field."""

import re
from pathlib import Path

import pytest

from bot.core.knowledge import KnowledgeError, load_dir, parse_agency
from conftest import DATA, KNOWLEDGE

DEMO = (DATA / "demo-office.yaml").read_text(encoding="utf-8")
FNAME = "demo-office.yaml"


def problems_of(text: str) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        parse_agency(text, FNAME)
    return [str(p) for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_demo_file_loads_into_immutable_entries():
    agency = parse_agency(DEMO, FNAME)
    assert [e.id for e in agency.entries] == ["front-counter", "veteran-card", "director-mailbox", "anti-fraud"]
    assert agency.entry("director-mailbox").reply_days == 5
    with pytest.raises(Exception):
        agency.entries[0].answer = "x"  # frozen


def test_every_shipped_office_loads(agencies):
    assert set(agencies) == {"pingtung-vac", "taoyuan-vac", "kaohsiung-military-service",
                             "fengshan-household", "sanmin-district"}
    for agency in agencies.values():
        assert len(agency.entries) >= 15
        for e in agency.entries:
            assert len(e.questions) >= 3 and e.answer and e.source


def test_empty_answer_names_file_line_and_field():
    text = DEMO.replace("answer: 接到要求匯款的電話，請先掛斷，再打給家人或本處確認。", "answer: ''")
    line = line_of(text, "answer: ''")
    assert problems_of(text) == [f"demo-office.yaml 第 {line} 行：faqs 第 1 項（anti-fraud）的 answer 不可空白"]


def test_all_problems_are_listed_not_only_the_first():
    text = (DEMO.replace("reply_days: 5", "reply_days: 五天")
                .replace("    where: 一樓\n", "    where: 一樓\n    floor: 1\n")
                .replace("    keywords: [詐騙, 防騙, 騙子]\n", ""))
    found = problems_of(text)
    assert len(found) == 3
    assert any("channels 第 1 項（director-mailbox）的 reply_days 應該是整數" in p for p in found)
    assert any("windows 第 1 項（front-counter）的 floor 不是認得的欄位" in p for p in found)
    assert any("faqs 第 1 項（anti-fraud）的 keywords 是必填欄位" in p for p in found)
    assert all(re.match(r"demo-office\.yaml 第 \d+ 行：", p) for p in found)


def test_yaml_syntax_error_names_the_line():
    text = DEMO.replace("  - id: anti-fraud", "  - id: [anti-fraud")
    (problem,) = problems_of(text)
    assert "方括號 [ ] 沒有成對" in problem and "YAML 格式錯誤" in problem
    assert re.match(r"demo-office\.yaml 第 \d+ 行", problem)


@pytest.mark.parametrize("old, new, hint", [
    ("    where: 一樓\n", "    where: 一樓\n\twhen: 上午\n", "Tab"),
    ("title: 防詐騙宣導", "title: 防詐騙: 宣導", "多了一個半形冒號"),
    ("  - id: anti-fraud", "  - id: anti-fraud\n   title: x", "對齊"),
    ("title: 防詐騙宣導", 'title: "防詐騙宣導', "引號沒有關上"),
])
def test_yaml_syntax_errors_are_explained_in_plain_words(old, new, hint):
    assert old in DEMO
    (problem,) = problems_of(DEMO.replace(old, new, 1))
    assert hint in problem and re.match(r"demo-office\.yaml 第 \d+ 行：", problem), problem


@pytest.mark.parametrize("old, new, expected", [
    ("  - id: anti-fraud", "  - id: front-counter", "重複了"),
    ("[接到怪電話要錢怎麼辦,", "[全功能櫃台在哪裡,", "同一句只能放在一個項目"),
    ("  - id: anti-fraud", "  - id: Anti_Fraud", "只能用小寫英文字母"),
    ("title: 防詐騙宣導", "title: " + "很長" * 11, "超過 20 字"),
    ("answer: 接到要求匯款", "answer: " + "字" * 301 + "接到要求匯款", "超過 300 字"),
    ("source: 001_189702aaad6cbd20.txt 貳、七", "source: 網路上看到的", "應寫計畫檔名和章節"),
    ("main_topics: [front-counter, director-mailbox]", "main_topics: [front-counter, nowhere]", "找不到項目「nowhere」"),
    ('phone: {value: 07-1234567轉100, source: "https://www.example.gov.tw/contact"',
     'phone: {value: 07-1234567轉100, source: ""', "必須寫官方網頁的網址"),
    ("kind: veterans-service", "kind: zoo", "應該是 veterans-service"),
    ("  id: demo-office", "  id: other-office", "應該和檔名一樣"),
    ("    window: 一樓全功能櫃台\n", "    window: 一樓全功能櫃台\n    window: 二樓\n", "重複出現"),
    ("faqs:", "faq:", "不是認得的段落"),
    ("questions: [接到怪電話要錢怎麼辦, 防詐騙, 有人打電話說要匯款]", "questions: [防詐騙]", "至少要有 3 個例句"),
    ("questions: [接到怪電話要錢怎麼辦, 防詐騙, 有人打電話說要匯款]", "questions: 防詐騙", "應該是文字清單"),
])
def test_each_kind_of_mistake_is_reported(old, new, expected):
    assert old in DEMO
    found = problems_of(DEMO.replace(old, new, 1))
    assert any(expected in p for p in found), found


def test_non_mapping_and_empty_files_are_rejected():
    assert "檔案是空的" in problems_of("")[0]
    assert "最外層應該是欄位表" in problems_of("- a\n- b\n")[0]


def test_a_broken_file_is_never_half_loaded(tmp_path: Path):
    (tmp_path / "demo-office.yaml").write_text(DEMO, encoding="utf-8")
    broken = DEMO.replace("demo-office", "broken-office").replace("reply_days: 5", "reply_days: soon")
    (tmp_path / "broken-office.yaml").write_text(broken, encoding="utf-8")
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    agencies, problems = load_dir(tmp_path)
    assert list(agencies) == ["demo-office"]
    assert any(p.file == "broken-office.yaml" and "reply_days" in p.field for p in problems)
    assert any(p.file == "binary.yaml" and "UTF-8" in p.message for p in problems)


def test_an_entry_phone_must_be_a_phone_number():
    found = problems_of(DEMO.replace("    where: 一樓\n", "    where: 一樓\n    phone: 請洽總機\n", 1))
    assert any("windows 第 1 項（front-counter）的 phone" in p and "不像電話號碼" in p for p in found), found
    good = parse_agency(DEMO.replace("    where: 一樓\n", "    where: 一樓\n    phone: 07-7400141轉2208\n", 1), FNAME)
    assert good.entry("front-counter").phone == "07-7400141轉2208"


def test_yaml_tags_are_not_executed():
    text = DEMO.replace("name: 示範服務處", "name: !!python/object/apply:os.system ['echo hi']")
    assert any("YAML 格式錯誤" in p for p in problems_of(text))


def test_knowledge_dir_has_a_staff_readme():
    readme = (KNOWLEDGE / "README.md").read_text(encoding="utf-8")
    assert "kb check" in readme and "ask" in readme


def test_an_entrys_phrasings_are_kept_as_one_string_and_behave_as_a_tuple():
    import pickle

    from bot.core.phrasings import Phrases
    agency = load_dir(KNOWLEDGE)[0]["taoyuan-vac"]
    entry = agency.entries[0]
    assert isinstance(entry.questions, Phrases) and isinstance(entry.keywords, Phrases)
    texts = Phrases(["第一句", "第二句", "第三句"])
    assert list(texts) == ["第一句", "第二句", "第三句"] and len(texts) == 3 and "第二句" in texts
    assert texts[0] == "第一句" and texts[-1] == "第三句" and texts[1:] == ("第二句", "第三句")
    assert texts == ("第一句", "第二句", "第三句") and hash(texts) == hash(("第一句", "第二句", "第三句"))
    assert Phrases(()) == () and len(Phrases(())) == 0 and list(Phrases([""])) == [""]
    for value in (texts, Phrases(()), entry, agency):
        assert pickle.loads(pickle.dumps(value)) == value
