"""試問小幫手 and 上線前還缺什麼: the try pane and the readiness section through the real app, and the pure
readiness checks of bot/core/readiness.py."""

import html
import re
import shutil
import time
from collections import OrderedDict
from urllib.parse import quote

import pytest

from bot.app import create_app
from bot.core import phrases, readiness
from bot.core.answerer import Answerer
from bot.core.decision import ANSWER_P, CLARIFY_P
from bot.core.knowledge import RegressionCase, parse_agency
from bot.review import report, tryout
from bot.store import Question
from conftest import DATA, KNOWLEDGE, server_env

TOKEN = "test-admin-token-0123456789"
OFFICE = "taoyuan-vac"
DEMO = "demo-office"
RECORDS = ("questions", "ratings", "surveys", "opinions", "survey_offers")


def demo_text(**changes: bool) -> str:
    """tests/data/demo-office.yaml with its faults: no main phone, an example question that is another entry's
    title (榮民證申辦, of veteran-card, given to anti-fraud), a review_by date long past."""
    text = (DATA / "demo-office.yaml").read_text(encoding="utf-8")
    if changes.get("no_phone", True):
        text = text.replace('  phone: {value: 07-1234567轉100, source: "https://www.example.gov.tw/contact", '
                            'checked: "2026-12-01"}\n', "")
    if changes.get("confusable", True):
        text = text.replace("questions: [接到怪電話要錢怎麼辦, 防詐騙, 有人打電話說要匯款]",
                            "questions: [接到怪電話要錢怎麼辦, 防詐騙, 有人打電話說要匯款, 榮民證申辦]")
    if changes.get("expired", True):
        text = text.replace("    where: 一樓\n", '    where: 一樓\n    review_by: "2020-01-01"\n', 1)
    return text


def demo(**changes: bool) -> Answerer:
    """The demo office's answerer, with the faults asked for."""
    return Answerer(parse_agency(demo_text(**changes), f"{DEMO}.yaml"))


@pytest.fixture()
def admin(tmp_path, fake_line):
    """The app with the dashboard on, over the real knowledge."""
    app = create_app(server_env(tmp_path, fake_line.url, ADMIN_TOKEN=TOKEN))
    yield app
    app.config["POOL"].shutdown(wait=True)


@pytest.fixture()
def drafted(tmp_path, fake_line):
    """The dashboard over a copy of knowledge/ plus the faulty demo office and a regression file for it."""
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    (folder / f"{DEMO}.yaml").write_text(demo_text(), encoding="utf-8")
    (folder / "tests" / f"{DEMO}.yaml").write_text(
        "- {q: 全功能櫃台在哪裡, expect: front-counter}\n- {q: 處長信箱多久回, expect: anti-fraud}\n", encoding="utf-8")
    own_channel = {"LINE_CHANNEL_SECRET_DEMO_OFFICE": "demo-secret", "LINE_CHANNEL_ACCESS_TOKEN_DEMO_OFFICE": "demo-token"}
    app = create_app(server_env(tmp_path, fake_line.url, ADMIN_TOKEN=TOKEN, KNOWLEDGE_DIR=str(folder), **own_channel))
    yield app
    app.config["POOL"].shutdown(wait=True)


def client_of(app):
    """A test client logged in with the shared token, as a supervisor would be."""
    client = app.test_client()
    assert client.post("/admin/login", data={"password": TOKEN}).status_code == 303
    return client


def tried(client, question: str, office: str = OFFICE) -> str:
    """The try pane's page for a question (200), its HTML entities decoded."""
    response = client.get("/admin/try", query_string={"office": office, "q": question})
    assert response.status_code == 200
    return html.unescape(response.text)


def candidates_on(page: str) -> list[tuple[str, str, str]]:
    """(entry id, score, use in the reply) of each row of the candidates table."""
    return re.findall(r'<tr data-entry="([^"]+)".*?<span>([\d.]+)</span></td>\s*<td>([^<]*)</td>', page, re.S)


def counts(store) -> dict[str, int]:
    """How many records of each kind the store holds."""
    return {kind: len(store.records(kind)) for kind in RECORDS}


# ---- the try pane ----

def test_the_pane_shows_the_answer_card_and_the_candidates_with_scores(admin):
    page = tried(client_of(admin), "榮民證要去哪裡辦？")
    assert '<div class="row user"><div class="bubble">榮民證要去哪裡辦？</div></div>' in page
    card = re.search(r'<div class="flex".*?</div></div>\s*</div></div>', page, re.S).group(0)
    assert "榮民證申辦" in card and "請攜帶" in card and "身分證正本" in card  # the Flex card, as LINE draws it
    assert '<span class="chip">👍 有幫助</span>' in page and '<span class="chip">👎 沒幫助</span>' in page
    assert re.search(r'id="outcome">回答<', page)
    rows = candidates_on(page)
    assert rows[0] == ("veteran-id-card", "1.00", "回答") and len(rows) >= 2
    assert all(0 <= float(score) <= 1 for _, score, _ in rows)
    assert "榮民證申辦" in page and "veteran-id-card" in page  # title and id
    a, c = f"{ANSWER_P:.2f}", f"{CLARIFY_P:.2f}"  # the engine's thresholds, whatever the last calibration chose
    assert f"{a} 以上：回答" in page and f"{c} 到 {a}：請民眾選擇" in page and f"不到 {c}：無法回答" in page
    assert "<script" not in page and not re.search(r'(src|href)="(https?:)?//', page)


@pytest.mark.parametrize("question, reply", [("今天天氣如何", phrases.SORRY), ("護照怎麼申請", "外交部")])
def test_an_out_of_scope_question_shows_no_answer_and_the_fallback_reply(admin, question, reply):
    page = tried(client_of(admin), question)
    assert re.search(r'id="outcome">無法回答<', page)
    bubbles = re.findall(r'<div class="row bot"><div class="bubble">(.*?)</div></div>', page, re.S)
    assert len(bubbles) == 1 and reply in bubbles[0] and "您可以" in bubbles[0]
    assert 'class="flex"' not in page and "回答" not in [use for _, _, use in candidates_on(page)]


def test_a_choice_between_entries_is_shown_as_such(admin):
    page = tried(client_of(admin), "補助")
    assert re.search(r'id="outcome">請民眾選擇<', page)
    assert [use for _, _, use in candidates_on(page)].count("選項") >= 2


def test_trying_stores_nothing(admin):
    store = admin.config["STORE"]
    store.add_question(Question(OFFICE, "u1", "可以帶狗進去嗎", "fallback", None, 0.1, int(time.time()) - 60))
    agencies = {aid: a.agency for aid, a in admin.config["KNOWLEDGE"].current().answerers.items()}
    before, queue = counts(store), report.build(store, agencies, agency=OFFICE)[0].unanswered
    client = client_of(admin)
    for question in ("榮民證要去哪裡辦？", "今天天氣如何", "補助", "1", "謝謝", "我要反映意見", "5"):
        tried(client, question)
    assert counts(store) == before and before["questions"] == 1
    assert report.build(store, agencies, agency=OFFICE)[0].unanswered == queue


def test_the_pane_needs_a_login_and_an_office_it_knows(admin):
    client = admin.test_client()
    response = client.get("/admin/try", query_string={"office": OFFICE, "q": "榮民證要去哪裡辦？"})
    assert response.status_code == 401 and 'name="password"' in response.text and "請攜帶" not in response.text
    script = client.get("/admin/try", query_string={"q": "榮民證"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert script.status_code == 200 and 'value="taoyuan-vac" selected' in script.text  # the default office
    client = client_of(admin)
    assert client.get("/admin/try", query_string={"office": "nowhere", "q": "榮民證"}).status_code == 404
    empty = html.unescape(client.get("/admin/try?office=pingtung-vac").text)
    assert 'value="pingtung-vac" selected' in empty and 'id="outcome"' not in empty and "可以試試" in empty


def test_the_overview_and_every_office_page_link_to_the_pane(admin):
    client = client_of(admin)
    assert 'href="/admin/try"' in client.get("/admin/").text and "試問小幫手" in client.get("/admin/").text
    for office in admin.config["KNOWLEDGE"].current().answerers:
        assert f'href="/admin/try?office={office}">試問小幫手' in client.get(f"/admin/{office}").text


# ---- 上線前還缺什麼 on the office page ----

def test_the_office_page_lists_what_stands_before_a_good_service(drafted):
    store = drafted.config["STORE"]
    at = report.bounds(*[report.month_range(None, None)[1]] * 2)[0] + 60
    for i, text in enumerate(["停車場在哪裡"] * 3 + ["可以帶狗進去嗎"] * 2):
        store.add_question(Question(DEMO, f"u{i}", text, "fallback", None, 0.1, at + i))
    page = html.unescape(client_of(drafted).get(f"/admin/{DEMO}").text)
    section = page.split('<section id="readiness">', 1)[1].split("</section>", 1)[0]
    assert "上線前還缺什麼" in page and 'href="#readiness"' in page
    assert "還沒有總機電話" in section and "office 段落（phone）" in section  # the fact removed …
    assert "還沒有地址" not in section and "還沒有服務時間" not in section  # … and not the ones it has
    assert "「防詐騙宣導」的例句「榮民證申辦」" in section  # another entry's title as an example
    assert f'href="/admin/try?office={DEMO}&q={quote("榮民證申辦")}"' in section  # to try it in the pane
    assert "「全功能櫃台」應該在 2020-01-01 前重新確認" in section
    assert "測試問題「處長信箱多久回」應該由「防詐騙宣導」回答，現在被「處長信箱」回答了" in section
    assert "全功能櫃台在哪裡" not in section  # the regression question that passes
    assert re.search(r"「停車場在哪裡」問了 3 次.*「可以帶狗進去嗎」問了 2 次", section, re.S)
    assert 'href="#queue"' in section
    todo = re.findall(r'<span class="label">怎麼做：</span>', section)
    assert len(todo) >= 5  # every item says what to do


def test_readiness_is_kept_per_knowledge_version(monkeypatch, tmp_path):
    runs = []
    real = readiness.readiness
    monkeypatch.setattr(tryout, "_kept", OrderedDict())
    monkeypatch.setattr(readiness, "readiness", lambda *a: runs.append(a[0].agency.version) or real(*a))
    first, second = demo(), demo(expired=False)
    assert tryout.readiness_of(first, tmp_path, "2026-12-01") is tryout.readiness_of(first, tmp_path, "2026-12-01")
    tryout.readiness_of(second, tmp_path, "2026-12-01")
    assert runs == [first.agency.version, second.agency.version]  # once per version; a new version runs again
    tryout.readiness_of(first, tmp_path, "2026-12-02")
    assert len(runs) == 3  # a new day: review_by dates may have passed


# ---- bot/core/readiness.py, pure ----

def test_missing_facts_are_exactly_the_empty_ones():
    assert readiness.missing_facts(demo(no_phone=False).agency) == []
    items = readiness.missing_facts(demo().agency)
    assert [i.what.split("。")[0] for i in items] == ["還沒有總機電話"]
    assert items[0].file == "demo-office.yaml" and items[0].line > 0 and "查證日期" in items[0].todo


def test_missing_facts_of_a_shipped_office(agencies):
    whats = " ".join(i.what for i in readiness.missing_facts(agencies[OFFICE]))
    assert "還沒有地址" in whats and "還沒有官方網站" not in whats  # Taoyuan has its website, not its address


def test_past_review_counts_only_dates_before_today():
    assert [i.entry_id for i in readiness.past_review(demo().agency, "2020-01-02")] == ["front-counter"]
    assert readiness.past_review(demo().agency, "2020-01-01") == []  # due today is not yet past


def test_an_example_routed_elsewhere_says_where_it_went():
    answerer = demo(no_phone=False)
    items = readiness.routed_elsewhere(answerer)
    assert [(i.entry_id, i.question) for i in items] == [("anti-fraud", "榮民證申辦")]
    assert "只會請民眾在「榮民證申辦」、「防詐騙宣導」之間選擇" in items[0].what and "關鍵字" in items[0].todo
    text = demo_text(confusable=False).replace("有人打電話說要匯款]", "有人打電話說要匯款, 示範處幾點開]")
    hours = readiness.routed_elsewhere(Answerer(parse_agency(text, f"{DEMO}.yaml")))
    assert [i.what for i in hours] == ["「防詐騙宣導」的例句「示範處幾點開」被「服務時間」回答了。"]


def test_failed_regressions_name_the_expected_and_the_given_entry():
    answerer = demo()
    cases = [RegressionCase("tests/demo-office.yaml", 2, "處長信箱多久回", "director-mailbox"),
             RegressionCase("tests/demo-office.yaml", 3, "榮民證要去哪裡辦", "front-counter"),
             RegressionCase("tests/demo-office.yaml", 4, "今天天氣如何", None),
             RegressionCase("tests/demo-office.yaml", 5, "全功能櫃台在哪裡", None)]
    items = readiness.failed_regressions(answerer, cases)
    assert [(i.line, i.question) for i in items] == [(3, "榮民證要去哪裡辦"), (5, "全功能櫃台在哪裡")]
    assert "應該由「全功能櫃台」回答，現在被「榮民證申辦」回答了" in items[0].what
    assert "應該不回答（不是本機關的業務），現在被「全功能櫃台」回答了" in items[1].what


def test_readiness_lists_every_kind_in_order_and_the_shipped_knowledge_routes_its_own_examples(desk):
    kinds = [i.kind for i in readiness.readiness(demo(), "2026-12-01")]
    assert kinds == sorted(kinds, key=list(readiness.KINDS).index)
    assert {"office", "review", "routing"} <= set(kinds)
    assert readiness.routed_elsewhere(desk.answerers[OFFICE]) == []  # kb check keeps it so
    assert all(i.kind == "office" for i in readiness.readiness(desk.answerers[OFFICE], "2000-01-01"))
