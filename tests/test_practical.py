"""The practical questions citizens ask first get a useful reply on the shipped knowledge, and no
reply anywhere sends a citizen to a phone, website or mailbox it does not give."""

import pytest
import yaml

from bot.core.phrases import unreachable
from conftest import DATA

CASES = yaml.safe_load((DATA / "practical.yaml").read_text(encoding="utf-8"))


def test_practical_questions_get_the_fact_or_a_plain_no_data(desk):
    misses = [(c["agency"], c["q"], desk.ask(c["agency"], c["q"]).entry_id) for c in CASES
              if desk.ask(c["agency"], c["q"]).entry_id != c["expect"]]
    assert len(CASES) >= 30 and len(misses) <= 0.1 * len(CASES), misses


def test_no_reply_is_a_dead_end(desk):
    dead = []
    for agency_id, answerer in desk.answerers.items():
        for entry in answerer.agency.entries:
            text = answerer.answer_entry(entry).text
            if unreachable(text):
                dead.append((agency_id, entry.id, unreachable(text)))
    for case in CASES:
        text = desk.ask(case["agency"], case["q"]).text
        if unreachable(text):
            dead.append((case["agency"], case["q"], unreachable(text)))
    assert dead == []


@pytest.mark.parametrize("agency, question, expect", [
    # Asking about the office itself, whatever service the citizen brings along:
    ("sanmin-district", "三民區公所中午有休息嗎？我要去辦低收入戶的資料", "office-hours"),
    ("pingtung-vac", "屏東榮服處禮拜六有開嗎？我平常日要上班", "office-hours"),
    ("taoyuan-vac", "桃園榮服處在哪裡？我要開車載我爸去辦榮民證，地址給我一下", "office-address"),
    ("pingtung-vac", "屏東榮服處的電話幾號？我想先打去問就養的事", "office-phone"),
    # as citizens ask it: the day, the evening, someone still at work, the bus there, the floor.
    ("sanmin-district", "這個禮拜六補班，三民區公所那天會開嗎？我想去辦育兒津貼", "office-hours"),
    ("fengshan-household", "我五點半才到得了，戶政所晚上還有人辦公嗎？想申請謄本", "office-hours"),
    ("kaohsiung-military-service", "颱風天如果停班，兵役處還有人上班嗎", "office-hours"),
    ("fengshan-household", "從鳳山火車站要怎麼去戶政所？要坐哪一班公車", "office-address"),
    ("kaohsiung-military-service", "兵役處在幾樓？我要從捷運站走過去", "office-address"),
    ("pingtung-vac", "屏東榮服處有沒有電話可以先問？我想問助聽器要準備什麼", "office-phone"),
    # Where the citizen lives does not make the office's own address another area's question:
    ("sanmin-district", "我住鳳山，明天要搭捷運去三民區公所，公所的地址是什麼", "office-address"),
    # … but not where a service is done, where to write something, or another place's office:
    ("taoyuan-vac", "榮民證要去哪裡辦", "veteran-id-card"),
    ("fengshan-household", "以前的第一戶政事務所現在在哪裡", "office-reorganisation"),
    ("kaohsiung-military-service", "台北市兵役局的電話幾號？我兒子戶籍在台北", None),
    # 「上班時間」 is the office's, unless it is the citizen's own (「我上班時間沒辦法跑去」).
    ("kaohsiung-military-service", "兵役處上班時間是幾點到幾點", "office-hours"),
    ("kaohsiung-military-service", "我上班時間沒辦法跑去兵役處，兵役處有沒有電子信箱可以寫", "opinion-mailbox"),
])
def test_a_question_about_the_office_itself_gets_the_office_fact(desk, agency, question, expect):
    assert desk.ask(agency, question).entry_id == expect


@pytest.mark.parametrize("agency, question, service, office", [
    ("taoyuan-vac", "我爸的榮民證弄丟了，要怎麼補辦？要帶什麼？桃園榮服處禮拜六有開嗎", "veteran-id-card", "office-hours"),
    ("fengshan-household", "身分證掉了要怎麼補？要多少錢？戶政所幾點開", "id-card-lost", "office-hours"),
    ("pingtung-vac", "我爸的舊紙本榮民證破了，想換新的卡，屏東榮服處在哪裡？要帶照片嗎", "veteran-id-card", "office-address"),
])
def test_a_service_asked_beside_the_offices_hours_or_address_is_answered_with_them_a_tap_away(
        desk, agency, question, service, office):
    # The service is what a clerk would answer first; a clause that only tells (「我要辦低收入戶」) or a
    # question for the phone number (「…電話幾號？我想先打去問」) still gets the office fact, above.
    got = desk.ask(agency, question)
    assert got.entry_id == service and got.related[0].id == office, (got.entry_id, [e.id for e in got.related])


@pytest.mark.parametrize("agency, question", [
    # Another place's hours, and the citizen's own address, are not the office's:
    ("taoyuan-vac", "我爸住在八德榮家，週末想帶孫子去看他，榮家的會客時間是幾點到幾點？"),
    ("kaohsiung-military-service", "想帶小孩去左營的眷村文化園區看看，禮拜一有開嗎"),
    ("sanmin-district", "清明前想找平日去納骨塔拜阿公，納骨塔平日開放時間是幾點"),
    # 「有沒有開」 followed by what is opened asks for a course, not the office's hours:
    ("sanmin-district", "我是新住民想學電腦跟家人視訊，公所或社區有沒有開電腦課可以報名"),
    ("fengshan-household", "搬家遷完戶籍之後，舊地址的信要改寄到新家，戶政所會幫我通知郵局嗎"),
    ("sanmin-district", "我最近搬家換了地址，區公所要不要通知"),
    ("taoyuan-vac", "我爸的領俸通知單寄到舊家，地址要去哪裡改"),
    ("kaohsiung-military-service", "兒子的通訊地址要去哪裡改"),
])
def test_other_places_hours_and_the_citizens_address_are_not_the_office_fact(desk, agency, question):
    assert desk.ask(agency, question).entry_id not in ("office-hours", "office-address")


@pytest.mark.parametrize("agency, question, other", [
    ("taoyuan-vac", "我兒子明年要當兵，桃園市政府兵役處在哪裡？電話幾號，禮拜六有開嗎", "兵役處"),
    ("sanmin-district", "三民戶政事務所禮拜六有開嗎？我平常要上班", "戶政事務所"),
    ("kaohsiung-military-service", "我住桃源區，要預約幸福巴士去市區，禮拜天有開嗎", "巴士"),
    ("sanmin-district", "戶正所禮拜六有開嗎", "戶政所"),  # another office's name typed wrong
])
def test_another_offices_hours_or_phone_are_not_answered_from_ours(desk, agency, question, other):
    got = desk.ask(agency, question)
    assert got.outcome == "fallback" and f"{other}的地址、電話和時間" in got.text, got.text
