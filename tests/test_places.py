"""Places: another area's office is not ours; the citizen's own area, named beside it, is."""

import pytest

from bot.core.neighbours import neighbour_topic
from bot.core.places import other_district_office, residence_elsewhere
from bot.core.text import match_key

HOME = {match_key("三民"), match_key("高雄")}


@pytest.mark.parametrize("question, elsewhere", [
    ("苓雅區公所的地址在哪裡", "苓雅"),
    ("要去三民區公所還是鳳山區公所申請調解", None),  # asks which of two, ours among them
    ("對方住鳳山，是去你們那邊還是要去鳳山區公所申請調解", None),  # 「你們」 is ours
    ("三民區公所叫我去左營區公所問", None),
])
def test_another_district_office_unless_ours_is_named_too(question, elsewhere):
    assert other_district_office(match_key(question), HOME) == elsewhere


@pytest.mark.parametrize("question, elsewhere", [
    ("我媽戶籍在台南，可以在這裡申請嗎", "臺南"),
    ("我住三民區，公所有什麼可以先救急的嗎", None),  # the comma is gone from the key: 「住三民區公所」
    ("我住三民區，朋友住左營", None),
])
def test_where_the_citizen_lives(question, elsewhere):
    assert residence_elsewhere(match_key(question), HOME) == elsewhere


@pytest.mark.parametrize("question, registered_only, elsewhere", [
    ("我阿嬤戶籍在基隆，上個月搬來三民區跟我們住", True, "基隆"),  # a 區公所 serves her where she is registered
    ("我阿嬤戶籍在基隆，上個月搬來三民區跟我們住", False, None),  # a 兵役處 may serve where one lives (代檢)
    ("我阿嬤戶籍在基隆，上個月戶籍也遷來三民區了", True, None),  # her registration moved here
])
def test_a_relative_registered_elsewhere_who_lives_here(question, registered_only, elsewhere):
    assert residence_elsewhere(match_key(question), HOME, registered_only) == elsewhere


@pytest.mark.parametrize("question, agency", [
    ("我爸過世了，聽說勞保有死亡給付可以請", "勞保局"),
    ("我媽的印尼看護聘僱許可快到期了，展延是拿去區公所辦嗎", "勞動力發展署"),
    ("舊車都沒開，每年還是收到汽車燃料費的單子", "監理站"),
    ("聽說可以辦以房養老每個月領錢", "銀行"),
    ("老闆欠薪，聽說可以申請勞資爭議調解", "勞工局"),
])
def test_another_agencys_document_names_that_agency(question, agency):
    topic = neighbour_topic(match_key(question), set())
    assert topic and agency in topic[1]
